/* test_rights.c - src/shop/core/rights.c: the rule deciding who may act on a
 * cooperative's data, from the caller's identity and role (no MariaDB: the
 * rule is pure; the queries feeding it run in the integration suites). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/core/rights.h"

enum { ANON = 0, ALICE = 7 };

static const struct {
    long long account_id;
    int platform_admin, role, min_role;
    int want;
} cases[] = {
    /* no role needed: anyone, signed in or not */
    {ANON, 0, SHOP_MEMBER_NONE, SHOP_MEMBER_NONE, SHOP_OK},
    {ALICE, 0, SHOP_MEMBER_NONE, SHOP_MEMBER_NONE, SHOP_OK},
    /* anonymous callers are told to sign in, whatever else */
    {ANON, 0, SHOP_MEMBER_NONE, SHOP_MEMBER_FARMER, SHOP_E_UNAUTHORIZED},
    {ANON, 1, SHOP_MEMBER_ADMIN, SHOP_MEMBER_ADMIN, SHOP_E_UNAUTHORIZED},
    /* members by role */
    {ALICE, 0, SHOP_MEMBER_NONE, SHOP_MEMBER_FARMER, SHOP_E_FORBIDDEN},
    {ALICE, 0, SHOP_MEMBER_FARMER, SHOP_MEMBER_FARMER, SHOP_OK},
    {ALICE, 0, SHOP_MEMBER_ADMIN, SHOP_MEMBER_FARMER, SHOP_OK},
    {ALICE, 0, SHOP_MEMBER_FARMER, SHOP_MEMBER_ADMIN, SHOP_E_FORBIDDEN},
    {ALICE, 0, SHOP_MEMBER_ADMIN, SHOP_MEMBER_ADMIN, SHOP_OK},
    /* platform admins act on every cooperative */
    {ALICE, 1, SHOP_MEMBER_NONE, SHOP_MEMBER_ADMIN, SHOP_OK},
};

static void test_decide(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        shop_fault f;
        memset(&f, 0, sizeof(f));
        int got =
            shop_rights_decide(cases[i].account_id, cases[i].platform_admin, cases[i].role, cases[i].min_role, 12, &f);
        if (got != cases[i].want)
            fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
        if (got < 0)
            assert_int_equal(f.err, got);
    }
}

static void test_messages(void **state)
{
    shop_fault f;
    (void)state;
    shop_rights_decide(ALICE, 0, SHOP_MEMBER_FARMER, SHOP_MEMBER_ADMIN, 12, &f);
    assert_string_equal(f.msg, "you are not an admin of cooperative 12");
    shop_rights_decide(ALICE, 0, SHOP_MEMBER_NONE, SHOP_MEMBER_FARMER, 12, &f);
    assert_string_equal(f.msg, "you are not a member of cooperative 12");
    assert_null(f.code); /* the class's own code: forbidden */
    shop_rights_decide(ANON, 0, SHOP_MEMBER_NONE, SHOP_MEMBER_FARMER, 12, &f);
    assert_string_equal(f.msg, "sign in first");
    /* f may be NULL when only the answer is wanted */
    assert_int_equal(shop_rights_decide(ANON, 0, 0, SHOP_MEMBER_FARMER, 12, NULL), SHOP_E_UNAUTHORIZED);
}

static void test_anonymous_role_asks_nothing(void **state)
{
    int role = -1;
    (void)state;
    /* an anonymous caller holds no role, decided without a connection */
    assert_int_equal(shop_rights_member_role(NULL, 12, ANON, &role, NULL), SHOP_OK);
    assert_int_equal(role, SHOP_MEMBER_NONE);
    /* nor does any question that needs no role, or a platform admin's */
    assert_int_equal(shop_rights_coop(NULL, 12, ANON, 0, SHOP_MEMBER_NONE, NULL), SHOP_OK);
    assert_int_equal(shop_rights_coop(NULL, 12, ALICE, 1, SHOP_MEMBER_ADMIN, NULL), SHOP_OK);
    assert_int_equal(shop_rights_coop(NULL, 12, ANON, 0, SHOP_MEMBER_ADMIN, NULL), SHOP_E_UNAUTHORIZED);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_anonymous_role_asks_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
