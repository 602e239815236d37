/* test_client_addr.c - src/shop/core/client_addr.c: the client address of
 * a request from its peer and, when the peer is a trusted proxy, from
 * X-Forwarded-For or Forwarded (the rightmost hop that is not trusted).
 * Data-driven: trusted ranges, peer, headers, the address wanted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/shop/core/client_addr.h"

static void trust(fl_config *cfg, const char *const *ranges)
{
    memset(cfg, 0, sizeof(*cfg));
    for (; *ranges; ranges++)
        assert_int_equal(fl_cidr_parse(*ranges, &cfg->trusted_proxies[cfg->trusted_proxies_n++]), 0);
}

static void test_client_addr(void **state)
{
    static const char *const NONE[] = {NULL};
    static const char *const LOCAL[] = {"127.0.0.1", NULL};
    static const char *const TWO[] = {"127.0.0.0/8", "10.0.0.0/8", "2001:db8:1::/48", NULL};
    static const struct {
        const char *const *trusted;
        const char *peer, *xff, *fwd, *want;
    } cases[] = {
        /* nobody trusted: the headers are anyone's to write */
        {NONE, "127.0.0.1", "203.0.113.9", NULL, "127.0.0.1"},
        {NONE, "198.51.100.7", NULL, "for=203.0.113.9", "198.51.100.7"},
        /* an untrusted peer's headers are ignored */
        {LOCAL, "198.51.100.7", "203.0.113.9", NULL, "198.51.100.7"},
        /* a trusted peer without headers is the client (a health check) */
        {LOCAL, "127.0.0.1", NULL, NULL, "127.0.0.1"},
        {LOCAL, "127.0.0.1", "203.0.113.9", NULL, "203.0.113.9"},
        /* the rightmost hop not trusted: what the client wrote itself is left of it */
        {LOCAL, "127.0.0.1", "6.6.6.6, 203.0.113.9", NULL, "203.0.113.9"},
        {TWO, "127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.1.1", NULL, "203.0.113.9"},
        {TWO, "127.0.0.1", "10.2.2.2,10.1.1.1", NULL, "10.2.2.2"}, /* every hop trusted: the leftmost */
        {TWO, "127.0.0.1", "  203.0.113.9 ,\t10.1.1.1  ", NULL, "203.0.113.9"},
        /* garbage stops the walk at the last address read */
        {TWO, "127.0.0.1", "203.0.113.9, junk, 10.1.1.1", NULL, "10.1.1.1"},
        {LOCAL, "127.0.0.1", "junk", NULL, "127.0.0.1"},
        {LOCAL, "127.0.0.1", "", NULL, "127.0.0.1"},
        {LOCAL, "127.0.0.1", "203.0.113.9,", NULL, "127.0.0.1"},
        /* ports and brackets, one spelling per client */
        {LOCAL, "127.0.0.1", "203.0.113.9:4711", NULL, "203.0.113.9"},
        {LOCAL, "127.0.0.1", "[2001:DB8::7]:4711", NULL, "2001:db8::7"},
        {LOCAL, "127.0.0.1", "2001:db8::7", NULL, "2001:db8::7"},
        {LOCAL, "127.0.0.1", "::ffff:203.0.113.9", NULL, "203.0.113.9"},
        {TWO, "2001:db8:1::5", "198.51.100.7", NULL, "198.51.100.7"},
        /* Forwarded (RFC 7239), read only without X-Forwarded-For */
        {LOCAL, "127.0.0.1", NULL, "for=203.0.113.9;proto=https", "203.0.113.9"},
        {LOCAL, "127.0.0.1", NULL, "for=6.6.6.6, For=\"[2001:db8::7]:4711\";by=127.0.0.1", "2001:db8::7"},
        {TWO, "127.0.0.1", NULL, "for=203.0.113.9, proto=https;for=10.1.1.1", "203.0.113.9"},
        {TWO, "127.0.0.1", NULL, "for=203.0.113.9, proto=https", "127.0.0.1"}, /* an element without for=: stop */
        {LOCAL, "127.0.0.1", NULL, "for=unknown", "127.0.0.1"},
        {LOCAL, "127.0.0.1", NULL, "for=_hidden", "127.0.0.1"},
        {LOCAL, "127.0.0.1", "198.51.100.7", "for=203.0.113.9", "198.51.100.7"},
        /* no peer known */
        {LOCAL, NULL, "203.0.113.9", NULL, "-"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fl_config cfg;
        fl_ipaddr peer;
        char out[SHOP_CLIENT_ADDR_MAX];
        (void)state;
        trust(&cfg, cases[i].trusted);
        if (cases[i].peer)
            assert_int_equal(fl_ip_parse(cases[i].peer, strlen(cases[i].peer), &peer), 0);
        shop_client_addr(&cfg, cases[i].peer ? &peer : NULL, cases[i].xff, cases[i].fwd, out, sizeof(out));
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu (peer %s, XFF '%s', Forwarded '%s'): got %s, want %s", i, cases[i].peer,
                     cases[i].xff ? cases[i].xff : "-", cases[i].fwd ? cases[i].fwd : "-", out, cases[i].want);
    }
}

static void test_bucket(void **state)
{
    char out[SHOP_CLIENT_ADDR_MAX];
    (void)state;
    shop_client_bucket("203.0.113.9", out, sizeof(out));
    assert_string_equal(out, "203.0.113.9");
    shop_client_bucket("2001:db8:1:2:3:4:5:6", out, sizeof(out));
    assert_string_equal(out, "2001:db8:1:2::/64");
    shop_client_bucket("2001:db8:1:2:ffff::1", out, sizeof(out));
    assert_string_equal(out, "2001:db8:1:2::/64");
    shop_client_bucket("-", out, sizeof(out));
    assert_string_equal(out, "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_addr),
        cmocka_unit_test(test_bucket),
    };
    return cmocka_run_group_tests_name("client_addr", tests, NULL, NULL);
}
