/* test_netaddr.c - src/common/netaddr.c: addresses and CIDR ranges, IPv4
 * and IPv6, parsed, printed and matched. Data-driven: each case is the
 * text, whether it parses, and what it prints or contains. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/netaddr.h"

static void test_ip_parse_and_format(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        {"192.0.2.1", "192.0.2.1"},
        {"0.0.0.0", "0.0.0.0"},
        {"2001:DB8:0:0::1", "2001:db8::1"},
        {"::1", "::1"},
        {"::ffff:198.51.100.7", "198.51.100.7"}, /* IPv4-mapped: one client, one spelling */
        {"::FFFF:c633:6407", "198.51.100.7"},
        {"192.0.2.256", NULL},
        {"192.0.2", NULL},
        {"192.000.002.001", NULL}, /* leading zeros: inet_pton refuses (no octal guessing) */
        {" 192.0.2.1", NULL},
        {"[::1]", NULL},
        {"fe80::1%eth0", NULL},
        {"unknown", NULL},
        {"", NULL},
        {"1:2:3:4:5:6:7:8:9", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fl_ipaddr a;
        char out[FL_IP_TEXT_MAX];
        int rc = fl_ip_parse(cases[i].in, strlen(cases[i].in), &a);
        if (!cases[i].out) {
            if (rc != -1)
                fail_msg("%s: parsed, want refused", cases[i].in);
            continue;
        }
        if (rc != 0)
            fail_msg("%s: refused, want %s", cases[i].in, cases[i].out);
        fl_ip_format(&a, out, sizeof(out));
        assert_string_equal(out, cases[i].out);
    }
}

/* Only len bytes are read: the header parser hands slices. */
static void test_ip_parse_slice(void **state)
{
    fl_ipaddr a;
    char out[FL_IP_TEXT_MAX];
    (void)state;
    assert_int_equal(fl_ip_parse("10.1.2.3, 10.9.9.9", 8, &a), 0);
    fl_ip_format(&a, out, sizeof(out));
    assert_string_equal(out, "10.1.2.3");
    char big[100];
    memset(big, '1', sizeof(big));
    assert_int_equal(fl_ip_parse(big, sizeof(big), &a), -1);
}

static void test_cidr(void **state)
{
    (void)state;
    static const struct {
        const char *cidr, *addr;
        int parses, contains;
    } cases[] = {
        {"10.0.0.0/8", "10.255.1.2", 1, 1},
        {"10.0.0.0/8", "11.0.0.1", 1, 0},
        {"192.168.1.0/24", "192.168.1.255", 1, 1},
        {"192.168.1.0/24", "192.168.2.0", 1, 0},
        {"172.16.0.0/12", "172.31.255.255", 1, 1},
        {"172.16.0.0/12", "172.32.0.0", 1, 0},
        {"127.0.0.1", "127.0.0.1", 1, 1}, /* a bare address is a /32 */
        {"127.0.0.1", "127.0.0.2", 1, 0},
        {"0.0.0.0/0", "203.0.113.9", 1, 1},
        {"0.0.0.0/0", "::1", 1, 0}, /* families never mix */
        {"::1", "::1", 1, 1},
        {"::1/128", "::2", 1, 0},
        {"2001:db8::/32", "2001:db8:ffff::1", 1, 1},
        {"2001:db8::/32", "2001:db9::1", 1, 0},
        {"2001:db8:abcd:1200::/55", "2001:db8:abcd:13ff::1", 1, 1},
        {"2001:db8:abcd:1200::/55", "2001:db8:abcd:1400::1", 1, 0},
        {"::/0", "198.51.100.7", 1, 0},
        {"::ffff:10.0.0.1", "10.0.0.1", 1, 1}, /* a bare mapped address is its IPv4 */
        {"10.1.2.3/8", NULL, 0, 0},            /* bits past the prefix: a typing mistake */
        {"2001:db8::1/32", NULL, 0, 0},
        {"10.0.0.0/33", NULL, 0, 0},
        {"::/129", NULL, 0, 0},
        {"10.0.0.0/", NULL, 0, 0},
        {"10.0.0.0/-1", NULL, 0, 0},
        {"10.0.0.0/+8", NULL, 0, 0},
        {"10.0.0.0/8x", NULL, 0, 0},
        {"10.0.0.0/0008", NULL, 0, 0},
        {"::ffff:10.0.0.0/104", NULL, 0, 0}, /* mapped ranges: write the IPv4 range */
        {"localhost", NULL, 0, 0},
        {"", NULL, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fl_cidr c;
        fl_ipaddr a;
        int rc = fl_cidr_parse(cases[i].cidr, &c);
        if (rc != (cases[i].parses ? 0 : -1))
            fail_msg("%s: parse %d", cases[i].cidr, rc);
        if (!cases[i].parses)
            continue;
        assert_int_equal(fl_ip_parse(cases[i].addr, strlen(cases[i].addr), &a), 0);
        if (fl_cidr_contains(&c, &a) != cases[i].contains)
            fail_msg("%s contains %s: want %d", cases[i].cidr, cases[i].addr, cases[i].contains);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_parse_and_format),
        cmocka_unit_test(test_ip_parse_slice),
        cmocka_unit_test(test_cidr),
    };
    return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
