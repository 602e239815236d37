/* test_config.c - src/common/config.c: FARMLIVE_* defaults and checks.
 *
 * Each test starts from an environment with no FARMLIVE_* variable (the
 * suite runner exports several: they are cleared in setup), sets the ones
 * it needs with setenv(), and checks fl_config_load()'s result and message.
 * Invalid cases are data-driven: variable, value, a word the message must
 * contain besides the variable's name. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "farmlive/config.h"
#include "farmlive/log.h"

extern char **environ;

static void clear_farmlive_env(void)
{
    /* unsetenv() changes environ, so restart the scan after each removal. */
    for (;;) {
        char name[128] = "";
        for (char **e = environ; *e; e++) {
            if (strncmp(*e, "FARMLIVE_", 9) == 0) {
                const char *eq = strchr(*e, '=');
                size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
                if (len < sizeof(name)) {
                    memcpy(name, *e, len);
                    name[len] = '\0';
                    break;
                }
            }
        }
        if (name[0] == '\0')
            return;
        unsetenv(name);
    }
}

static int setup(void **state)
{
    (void)state;
    clear_farmlive_env();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    clear_farmlive_env();
    return 0;
}

/* -- defaults ----------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    fl_config c;
    char err[256] = "";
    assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.shop_host, "127.0.0.1");
    assert_int_equal(c.shop_port, 8080);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(c.shop_threads, ncpu > 2 ? (int)ncpu : 2);
    assert_string_equal(c.public_base, "http://localhost:8080");
    assert_string_equal(c.var_dir, "var");
    assert_string_equal(c.web_dir, "build/web");
    assert_string_equal(c.media_dir, "media");
    assert_string_equal(c.schema_dir, "schema");
    assert_string_equal(c.db_host, "127.0.0.1");
    assert_int_equal(c.db_port, 3307);
    assert_string_equal(c.db_socket, "");
    assert_string_equal(c.db_user, "farmlive");
    assert_string_equal(c.db_password, "farmlive");
    assert_string_equal(c.db_name, "farmlive");
    assert_int_equal(c.db_pool, 16);
    assert_string_equal(c.redis_host, "127.0.0.1");
    assert_int_equal(c.redis_port, 6380);
    assert_int_equal(c.redis_pool, 16);
    assert_int_equal(c.session_ttl, 1209600);
    assert_int_equal(c.cookie_secure, 0);
    assert_int_equal(c.login_max_failures, 5);
    assert_int_equal(c.login_max_ip_failures, 50);
    assert_int_equal(c.login_window, 900);
    assert_int_equal(c.catalogue_cache_ms, 2000);
    assert_int_equal(c.log_level, FL_LOG_INFO);
    assert_int_equal(c.login_ip_delay_max, 30);
    assert_int_equal(c.signup_max_ip, 20);
    assert_int_equal(c.signup_window, 3600);
    assert_int_equal(c.signup_max_global, 300);
    assert_int_equal(c.hash_threads, ncpu > 2 ? (int)(ncpu / 2) : 1);
    assert_int_equal(c.hash_queue, 64);
    assert_int_equal(c.trusted_proxies_n, 0); /* no proxy believed unless named */
}

/* FARMLIVE_TRUSTED_PROXIES: CIDR ranges and bare addresses, IPv4 and IPv6,
 * separated by commas and/or spaces. */
static void test_trusted_proxies(void **state)
{
    (void)state;
    fl_config c;
    fl_ipaddr a;
    char err[256] = "";
    setenv("FARMLIVE_TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8,,::1  2001:db8::/32\t", 1);
    assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
    assert_int_equal(c.trusted_proxies_n, 4);
    assert_int_equal(fl_ip_parse("10.9.8.7", 8, &a), 0);
    assert_true(fl_cidr_contains(&c.trusted_proxies[1], &a));
    assert_int_equal(fl_ip_parse("2001:db8:5::1", 13, &a), 0);
    assert_true(fl_cidr_contains(&c.trusted_proxies[3], &a));
    setenv("FARMLIVE_TRUSTED_PROXIES", "", 1);
    assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
    assert_int_equal(c.trusted_proxies_n, 0);
}

/* -- valid overrides ---------------------------------------------------- */

static void test_overrides(void **state)
{
    (void)state;
    fl_config c;
    char err[256] = "";
    setenv("FARMLIVE_SHOP_HOST", "0.0.0.0", 1);
    setenv("FARMLIVE_SHOP_PORT", "65535", 1);
    setenv("FARMLIVE_SHOP_THREADS", "3", 1);
    setenv("FARMLIVE_DB_PORT", "1", 1);
    setenv("FARMLIVE_DB_SOCKET", "/tmp/db.sock", 1);
    setenv("FARMLIVE_DB_POOL", "1024", 1);
    setenv("FARMLIVE_REDIS_PORT", "24380", 1);
    setenv("FARMLIVE_SESSION_TTL", "60", 1);
    setenv("FARMLIVE_CATALOGUE_CACHE_MS", "0", 1);
    setenv("FARMLIVE_LOG_LEVEL", "debug", 1);
    assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.shop_host, "0.0.0.0");
    assert_int_equal(c.shop_port, 65535);
    assert_int_equal(c.shop_threads, 3);
    assert_int_equal(c.db_port, 1);
    assert_string_equal(c.db_socket, "/tmp/db.sock");
    assert_int_equal(c.db_pool, 1024);
    assert_int_equal(c.redis_port, 24380);
    assert_int_equal(c.session_ttl, 60);
    assert_int_equal(c.catalogue_cache_ms, 0);
    assert_int_equal(c.log_level, FL_LOG_DEBUG);
    /* the default public base follows the shop port */
    assert_string_equal(c.public_base, "http://localhost:65535");
}

static void test_log_levels(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int level;
    } cases[] = {{"debug", FL_LOG_DEBUG}, {"info", FL_LOG_INFO}, {"warn", FL_LOG_WARN}, {"error", FL_LOG_ERROR}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fl_config c;
        char err[256] = "";
        setenv("FARMLIVE_LOG_LEVEL", cases[i].text, 1);
        assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
        assert_int_equal(c.log_level, cases[i].level);
    }
}

static void test_bool_spellings(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int value;
    } cases[] = {{"1", 1}, {"true", 1}, {"yes", 1}, {"0", 0}, {"false", 0}, {"no", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fl_config c;
        char err[256] = "";
        setenv("FARMLIVE_COOKIE_SECURE", cases[i].text, 1);
        assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
        assert_int_equal(c.cookie_secure, cases[i].value);
    }
}

static void test_public_base(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"https://shop.example", "https://shop.example"},  {"https://shop.example/", "https://shop.example"},
        {"http://10.0.0.1:8080/", "http://10.0.0.1:8080"}, {"http://h/prefix", "http://h/prefix"},
        {"http://h/prefix/", "http://h/prefix"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fl_config c;
        char err[256] = "";
        setenv("FARMLIVE_PUBLIC_BASE", cases[i].in, 1);
        assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
        assert_string_equal(c.public_base, cases[i].out);
    }
}

/* A string of exactly the buffer size minus one fits. */
static void test_string_at_limit(void **state)
{
    (void)state;
    fl_config c;
    char err[256] = "";
    char host[sizeof(c.shop_host)];
    memset(host, 'h', sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    setenv("FARMLIVE_SHOP_HOST", host, 1);
    assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.shop_host, host);
}

/* -- invalid values ----------------------------------------------------- */

struct bad_case {
    const char *name;
    const char *value; /* NULL: a string one longer than the field holds */
    size_t field_size;
    const char *word; /* must appear in the message too */
};

#define FIELD_SIZE(f) sizeof(((fl_config *)0)->f)

static const struct bad_case bad_cases[] = {
    {"FARMLIVE_SHOP_PORT", "abc", 0, "integer from 1 to 65535"},
    {"FARMLIVE_SHOP_PORT", "0", 0, "integer from 1 to 65535"},
    {"FARMLIVE_SHOP_PORT", "70000", 0, "integer from 1 to 65535"},
    {"FARMLIVE_SHOP_PORT", "-1", 0, "integer"},
    {"FARMLIVE_SHOP_PORT", "", 0, "integer"},
    {"FARMLIVE_SHOP_PORT", "80x", 0, "integer"},
    {"FARMLIVE_SHOP_PORT", "8080 ", 0, "integer"},
    {"FARMLIVE_SHOP_PORT", "99999999999999999999999", 0, "integer"},
    {"FARMLIVE_DB_PORT", "65536", 0, "integer"},
    {"FARMLIVE_REDIS_PORT", "port", 0, "integer"},
    {"FARMLIVE_SHOP_THREADS", "257", 0, "integer from 0 to 256"},
    {"FARMLIVE_DB_POOL", "0", 0, "integer from 1 to 1024"},
    {"FARMLIVE_REDIS_POOL", "1025", 0, "integer"},
    {"FARMLIVE_SESSION_TTL", "59", 0, "integer from 60"},
    {"FARMLIVE_LOGIN_WINDOW", "1.5", 0, "integer"},
    {"FARMLIVE_CATALOGUE_CACHE_MS", "-5", 0, "integer"},
    {"FARMLIVE_COOKIE_SECURE", "2", 0, "integer from 0 to 1"},
    {"FARMLIVE_COOKIE_SECURE", "maybe", 0, "invalid"},
    {"FARMLIVE_LOG_LEVEL", "loud", 0, "debug, info, warn or error"},
    {"FARMLIVE_LOG_LEVEL", "INFO", 0, "debug, info, warn or error"},
    {"FARMLIVE_LOG_LEVEL", "", 0, "invalid"},
    {"FARMLIVE_PUBLIC_BASE", "shop.example", 0, "http:// or https://"},
    {"FARMLIVE_PUBLIC_BASE", "ftp://shop.example", 0, "http:// or https://"},
    {"FARMLIVE_PUBLIC_BASE", "HTTP:/x", 0, "http:// or https://"},
    {"FARMLIVE_SHOP_HOST", NULL, FIELD_SIZE(shop_host), "too long (at most 63"},
    {"FARMLIVE_PUBLIC_BASE", NULL, FIELD_SIZE(public_base), "too long (at most 255"},
    {"FARMLIVE_VAR_DIR", NULL, FIELD_SIZE(var_dir), "too long"},
    {"FARMLIVE_DB_SOCKET", NULL, FIELD_SIZE(db_socket), "too long"},
    {"FARMLIVE_DB_USER", NULL, FIELD_SIZE(db_user), "too long"},
    {"FARMLIVE_DB_PASSWORD", NULL, FIELD_SIZE(db_password), "too long"},
    {"FARMLIVE_REDIS_HOST", NULL, FIELD_SIZE(redis_host), "too long"},
    {"FARMLIVE_TRUSTED_PROXIES", "localhost", 0, "localhost is not a CIDR range"},
    {"FARMLIVE_TRUSTED_PROXIES", "127.0.0.1, 10.1.2.3/8", 0, "10.1.2.3/8 is not a CIDR range"},
    {"FARMLIVE_TRUSTED_PROXIES", "10.0.0.0/33", 0, "not a CIDR range"},
    {"FARMLIVE_TRUSTED_PROXIES", "10.0.0.0/8;127.0.0.1", 0, "not a CIDR range"},
    {"FARMLIVE_TRUSTED_PROXIES", "::1/129", 0, "not a CIDR range"},
    {"FARMLIVE_TRUSTED_PROXIES",
     "1.0.0.1 1.0.0.2 1.0.0.3 1.0.0.4 1.0.0.5 1.0.0.6 1.0.0.7 1.0.0.8 1.0.0.9 1.0.0.10 1.0.0.11 1.0.0.12 1.0.0.13 "
     "1.0.0.14 1.0.0.15 1.0.0.16 1.0.0.17 1.0.0.18 1.0.0.19 1.0.0.20 1.0.0.21 1.0.0.22 1.0.0.23 1.0.0.24 1.0.0.25 "
     "1.0.0.26 1.0.0.27 1.0.0.28 1.0.0.29 1.0.0.30 1.0.0.31 1.0.0.32 1.0.0.33",
     0, "at most 32"},
    {"FARMLIVE_SIGNUP_MAX_IP", "0", 0, "integer from 1"},
    {"FARMLIVE_HASH_THREADS", "65", 0, "integer from 0 to 64"},
    {"FARMLIVE_HASH_QUEUE", "0", 0, "integer from 1"},
    {"FARMLIVE_LOGIN_IP_DELAY_MAX", "0", 0, "integer from 1"},
};

static void test_invalid_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *bc = &bad_cases[i];
        char longval[600];
        const char *value = bc->value;
        if (!value) {
            assert_true(bc->field_size < sizeof(longval));
            /* "http://" keeps the public base's own check out of the way */
            memset(longval, 'a', bc->field_size);
            memcpy(longval, "http://", 7);
            longval[bc->field_size] = '\0'; /* field_size characters: one too many */
            value = longval;
        }
        clear_farmlive_env();
        setenv(bc->name, value, 1);
        fl_config c;
        char err[256] = "";
        int rc = fl_config_load(&c, err, sizeof(err));
        if (rc != -1 || !strstr(err, bc->name) || !strstr(err, bc->word))
            fail_msg("%s=%.40s: rc %d, message \"%s\" (want -1 naming the variable and \"%s\")", bc->name, value, rc,
                     err, bc->word);
    }
}

/* The message is cut to errlen, never overrun. */
static void test_message_truncated_to_errlen(void **state)
{
    (void)state;
    fl_config c;
    char err[16];
    memset(err, 'Z', sizeof(err));
    setenv("FARMLIVE_SHOP_PORT", "abc", 1);
    assert_int_equal(fl_config_load(&c, err, 12), -1);
    assert_int_equal(err[11], '\0');
    assert_int_equal(err[12], 'Z');
    assert_memory_equal(err, "FARMLIVE_SH", 11);
}

/* FARMLIVE_SRT_PUBLIC_ADDR: HOST:PORT or nothing; the restream key file
 * defaults into the var dir. */
static void test_srt_addr_and_restream_key(void **state)
{
    static const struct {
        const char *in;
        int ok;
    } cases[] = {
        {"live.example.com:8890", 1},
        {"127.0.0.1:1", 1},
        {"[::1]:8890", 1},
        {"[2001:db8::1]:65535", 1},
        {"live.example.com", 0},
        {":8890", 0},
        {"host:0", 0},
        {"host:65536", 0},
        {"host:88a", 0},
        {"ho st:8890", 0},
        {"[::1:8890", 0},
        {"srt://host:8890", 0},
    };
    fl_config c;
    char err[256];
    (void)state;
    assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.srt_public_addr, "");
    assert_string_equal(c.restream_key_file, "var/restream-secretbox.key");
    setenv("FARMLIVE_VAR_DIR", "/srv/farmlive", 1);
    assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.restream_key_file, "/srv/farmlive/restream-secretbox.key");
    setenv("FARMLIVE_RESTREAM_KEY_FILE", "/etc/farmlive/restream.key", 1);
    assert_int_equal(fl_config_load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.restream_key_file, "/etc/farmlive/restream.key");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setenv("FARMLIVE_SRT_PUBLIC_ADDR", cases[i].in, 1);
        err[0] = '\0';
        int rc = fl_config_load(&c, err, sizeof(err));
        if (cases[i].ok && (rc != 0 || strcmp(c.srt_public_addr, cases[i].in) != 0))
            fail_msg("'%s' refused: %s", cases[i].in, err);
        if (!cases[i].ok && (rc == 0 || !strstr(err, "FARMLIVE_SRT_PUBLIC_ADDR")))
            fail_msg("'%s' accepted (or refused without naming the variable: %s)", cases[i].in, err);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's lines whole beside stderr */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_proxies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bool_spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_base, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_at_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_truncated_to_errlen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_srt_addr_and_restream_key, setup, teardown),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
