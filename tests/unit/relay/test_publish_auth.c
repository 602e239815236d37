/* test_publish_auth.c - src/relay/publish_auth.c against a stub shop (a
 * libmicrohttpd server in this process): allow / refuse / a 200 without a
 * usable live_id / an unreachable shop, the secret header, and the order
 * of reports (publish, unpublish, ended arrive as queued). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "farmlive/publish_auth.h"

#define MAX_SEEN 16

static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static char seen[MAX_SEEN][1200]; /* "PATH SECRET BODY" of each request */
static int nseen;

typedef struct body {
    char p[1024];
    size_t len;
} body;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **con_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    body *b = *con_cls;
    if (!b) {
        *con_cls = b = calloc(1, sizeof(*b));
        return MHD_YES;
    }
    if (*size) {
        size_t n = *size < sizeof(b->p) - 1 - b->len ? *size : sizeof(b->p) - 1 - b->len;
        memcpy(b->p + b->len, data, n);
        b->len += n;
        *size = 0;
        return MHD_YES;
    }
    const char *secret = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Internal-Secret");
    pthread_mutex_lock(&seen_mu);
    if (nseen < MAX_SEEN)
        snprintf(seen[nseen++], sizeof(seen[0]), "%s %s %s", url, secret ? secret : "-", b->p);
    pthread_mutex_unlock(&seen_mu);
    if (strcmp(url, "/internal/v1/live/publish") != 0)
        return reply(c, 200, "{}");
    if (strstr(b->p, "\"coopon\"")) /* the session's cooperative chose the 360p rendition */
        return reply(c, 200, "{\"live_id\":\"0123abce\",\"status\":\"live\",\"low_rendition\":\"on\"}");
    if (strstr(b->p, "\"good\""))
        return reply(c, 200, "{\"live_id\":\"0123abcd\",\"status\":\"live\"}");
    if (strstr(b->p, "\"badid\""))
        return reply(c, 200, "{\"live_id\":\"../etc\"}");
    return reply(c, 403, "{\"error\":{\"code\":\"forbidden\"}}");
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    free(*con_cls);
    *con_cls = NULL;
}

static struct MHD_Daemon *shop;
static int shop_port;

static int setup(void **state)
{
    (void)state;
    shop = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_req, NULL, MHD_OPTION_NOTIFY_COMPLETED,
                            on_done, NULL, MHD_OPTION_END);
    if (!shop)
        return -1;
    shop_port = MHD_get_daemon_info(shop, MHD_DAEMON_INFO_BIND_PORT)->port;
    nseen = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(shop);
    return 0;
}

static void config(fl_config *cfg, int port)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->shop_internal_url, sizeof(cfg->shop_internal_url), "http://127.0.0.1:%d/", port);
    snprintf(cfg->internal_secret, sizeof(cfg->internal_secret), "s3cret");
}

/* Waits (via the eventfd, as the ingest loop does) for one result. */
static int next_result(publish_auth *a, publish_auth_result *r)
{
    for (int i = 0; i < 100; i++) {
        if (publish_auth_next(a, r))
            return 1;
        struct pollfd p = {.fd = publish_auth_fd(a), .events = POLLIN};
        poll(&p, 1, 100);
    }
    return 0;
}

static void test_answers(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        int allowed;
        long status;
        const char *live_id;
        int low_rendition; /* -1: none named, the relay's setting */
    } cases[] = {
        {"good", 1, 200, "0123abcd", -1},
        {"nope", 0, 403, "", -1},
        {"badid", 0, 200, "", -1},
        {"coopon", 1, 200, "0123abce", FL_LOW_RENDITION_ON},
    };
    fl_config cfg;
    config(&cfg, shop_port);
    publish_auth *a = publish_auth_new(&cfg);
    assert_non_null(a);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        publish_auth_publish(a, 100 + i, cases[i].key, "10.0.0.7");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        publish_auth_result r;
        assert_true(next_result(a, &r));
        assert_int_equal(r.conn_id, 100 + i); /* in order: one worker */
        assert_int_equal(r.allowed, cases[i].allowed);
        assert_int_equal(r.http_status, cases[i].status);
        assert_string_equal(r.live_id, cases[i].live_id);
        assert_int_equal(r.low_rendition, cases[i].low_rendition);
        if (!r.allowed)
            assert_true(r.error[0] != '\0');
    }
    publish_auth_unpublish(a, "0123abcd");
    publish_auth_ended(a, "0123abcd");
    publish_auth_free(a); /* sends the queued reports before it returns */

    assert_int_equal(nseen, 6);
    assert_string_equal(seen[0],
                        "/internal/v1/live/publish s3cret {\"stream_key\":\"good\",\"client_ip\":\"10.0.0.7\"}");
    assert_string_equal(seen[4], "/internal/v1/live/unpublish s3cret {\"live_id\":\"0123abcd\"}");
    assert_string_equal(seen[5], "/internal/v1/live/ended s3cret {\"live_id\":\"0123abcd\"}");
}

static void test_unreachable(void **state)
{
    (void)state;
    fl_config cfg;
    publish_auth_result r;
    config(&cfg, 1); /* nothing listens on port 1 */
    publish_auth *a = publish_auth_new(&cfg);
    publish_auth_publish(a, 7, "good", "::1");
    assert_true(next_result(a, &r));
    assert_int_equal(r.allowed, 0);
    assert_int_equal(r.http_status, 0);
    assert_non_null(strstr(r.error, "127.0.0.1:1"));
    publish_auth_free(a);
    publish_auth_free(NULL);
}

static void test_live_id_check(void **state)
{
    (void)state;
    assert_true(publish_auth_live_id_valid("0123abcdef012345"));
    assert_true(publish_auth_live_id_valid("A_b-9"));
    assert_false(publish_auth_live_id_valid(""));
    assert_false(publish_auth_live_id_valid("a/b"));
    assert_false(publish_auth_live_id_valid("a.b"));
    char long_id[LIVE_ID_MAX + 2];
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_false(publish_auth_live_id_valid(long_id));
}

/* Logs never carry a whole stream key. */
static void test_key_masked(void **state)
{
    (void)state;
    char buf[16];
    assert_string_equal(publish_auth_key_masked("0123456789abcdef", buf, sizeof(buf)), "0123...");
    assert_string_equal(publish_auth_key_masked("ab", buf, sizeof(buf)), "ab...");
    assert_string_equal(publish_auth_key_masked("", buf, sizeof(buf)), "-");
    assert_string_equal(publish_auth_key_masked(NULL, buf, sizeof(buf)), "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_live_id_check),
        cmocka_unit_test(test_key_masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
