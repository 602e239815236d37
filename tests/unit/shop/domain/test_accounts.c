/* test_accounts.c - the pure checks of src/shop/domain/accounts.c (e-mail
 * addresses, phones, how logins are normalized) and of domain/sessions.c (the
 * Redis keys of the login failure counters). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/crypto.h"
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/shop/domain/sessions.h"

static void test_email(void **state)
{
    char long_addr[300];
    (void)state;
    assert_true(shop_email_valid("buyer@example.com"));
    assert_true(shop_email_valid("New.Buyer+tag@Example.co.uk"));
    assert_true(shop_email_valid("x@y.cn"));
    assert_false(shop_email_valid("not-an-email"));
    assert_false(shop_email_valid("a@b"));    /* no dot in the domain */
    assert_false(shop_email_valid("a@.com")); /* dot right after @ */
    assert_false(shop_email_valid("a@b."));   /* nothing after the last dot */
    assert_false(shop_email_valid("@example.com"));
    assert_false(shop_email_valid("a@b@example.com"));
    assert_false(shop_email_valid("a b@example.com"));
    assert_false(shop_email_valid("a@exa\tmple.com"));
    assert_false(shop_email_valid("<a@example.com>"));
    assert_false(shop_email_valid("\"a\"@example.com"));
    assert_false(shop_email_valid("a,b@example.com"));
    memset(long_addr, 'a', sizeof(long_addr));
    strcpy(long_addr + 255 - strlen("@example.com"), "@example.com"); /* 255 bytes */
    assert_false(shop_email_valid(long_addr));
    strcpy(long_addr + 254 - strlen("@example.com"), "@example.com"); /* 254 bytes */
    assert_true(shop_email_valid(long_addr));
}

static void test_phone(void **state)
{
    (void)state;
    assert_true(shop_phone_valid("13900000000"));
    assert_true(shop_phone_valid("+8613900000000"));
    assert_true(shop_phone_valid("123456"));           /* 6 digits */
    assert_true(shop_phone_valid("+123456789012345")); /* 15 */
    assert_false(shop_phone_valid("12345"));
    assert_false(shop_phone_valid("+1234567890123456"));
    assert_false(shop_phone_valid("12ab"));
    assert_false(shop_phone_valid("139 0000 0000")); /* an account's phone has no spaces */
    assert_false(shop_phone_valid("139-0000-0000"));
    assert_false(shop_phone_valid("+"));
    assert_false(shop_phone_valid(""));
}

static void test_login_normalize(void **state)
{
    fl_arena *a = fl_arena_new(0);
    (void)state;
    assert_string_equal(shop_login_normalize(a, "New.Buyer@Example.COM"), "new.buyer@example.com");
    assert_string_equal(shop_login_normalize(a, "+8613900000000"), "+8613900000000");
    /* only ASCII letters fold; other bytes stay as they are */
    assert_string_equal(shop_login_normalize(a, "ÜBER@例子.CN"), "Über@例子.cn");
    /* white space around it goes (the spelling that walked around the
     * per-account limit), inside it stays */
    assert_string_equal(shop_login_normalize(a, "E@x.cn  "), "e@x.cn");
    assert_string_equal(shop_login_normalize(a, " \t\r\nE@x.cn\n"), "e@x.cn");
    assert_string_equal(shop_login_normalize(a, "\xc2\xa0"
                                                "E@x.cn\xe3\x80\x80"),
                        "e@x.cn"); /* U+00A0, U+3000 */
    assert_string_equal(shop_login_normalize(a, "a b"), "a b");
    assert_string_equal(shop_login_normalize(a, "   "), "");
    assert_string_equal(shop_login_normalize(a, ""), "");
    /* a 3-byte character that is not U+3000 stays whole */
    assert_string_equal(shop_login_normalize(a, "\xe3\x80\x81"
                                                "x "),
                        "\xe3\x80\x81"
                        "x");
    fl_arena_free(a);
}

static void test_login_keys(void **state)
{
    shop_login_keys k1, k2;
    char hash[FL_SHA256_HEX], want[SHOP_LOGIN_KEY_MAX];
    fl_arena *a = fl_arena_new(0);
    (void)state;
    /* an unknown login: by its normalized form */
    shop_login_keys_make(a, 0, " RL1@Example.com ", "203.0.113.9", &k1);
    fl_sha256_hex("rl1@example.com", strlen("rl1@example.com"), hash);
    snprintf(want, sizeof(want), "rl:login:acct:%s", hash);
    assert_string_equal(k1.acct, want);
    assert_string_equal(k1.ip, "rl:login:ip:203.0.113.9");
    assert_string_equal(k1.ipwait, "rl:login:ipwait:203.0.113.9");
    /* the same unknown login however it is typed */
    shop_login_keys_make(a, 0, "rl1@example.com", "198.51.100.1", &k2);
    assert_string_equal(k1.acct, k2.acct);
    assert_string_equal(k2.ip, "rl:login:ip:198.51.100.1");
    /* an account found: by its id, whatever was typed */
    shop_login_keys_make(a, 42, "anything", "198.51.100.1", &k2);
    assert_string_equal(k2.acct, "rl:login:acct:42");
    /* an IPv6 address fits */
    shop_login_keys_make(a, 0, "x", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", &k2);
    assert_string_equal(k2.ip, "rl:login:ip:2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_string_equal(k2.ipwait, "rl:login:ipwait:2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
    fl_arena_free(a);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_login_normalize),
        cmocka_unit_test(test_login_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
