/* test_phone.c - src/shop/domain/phone.c: which phone numbers a delivery
 * address in China may carry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farmlive/shop/domain/phone.h"

static void test_mobile(void **state)
{
    (void)state;
    assert_true(shop_phone_cn_valid("13800138000"));
    assert_true(shop_phone_cn_valid("19912345678"));
    assert_true(shop_phone_cn_valid("138 0013 8000"));
    assert_true(shop_phone_cn_valid("138-0013-8000"));
    assert_true(shop_phone_cn_valid("+8613800138000"));
    assert_true(shop_phone_cn_valid("+86 138 0013 8000"));
    assert_true(shop_phone_cn_valid("+86-138-0013-8000"));
    assert_true(shop_phone_cn_valid("8613800138000"));
    assert_false(shop_phone_cn_valid("12800138000"));    /* 12x is no mobile prefix */
    assert_false(shop_phone_cn_valid("10800138000"));    /* nor 10x */
    assert_false(shop_phone_cn_valid("1380013800"));     /* 10 digits */
    assert_false(shop_phone_cn_valid("138001380001"));   /* 12 digits */
    assert_false(shop_phone_cn_valid("+8612800138000")); /* +86 before a bad prefix */
    assert_false(shop_phone_cn_valid("+13800138000"));   /* + without 86 */
    assert_false(shop_phone_cn_valid("+1 415 555 0100"));
    assert_false(shop_phone_cn_valid("(138)00138000")); /* a mobile has no area code */
}

static void test_landline(void **state)
{
    (void)state;
    assert_true(shop_phone_cn_valid("010-62345678")); /* Beijing, 8-digit local */
    assert_true(shop_phone_cn_valid("02887654321"));  /* Chengdu */
    assert_true(shop_phone_cn_valid("0799-6812345")); /* Pingxiang, 7-digit local */
    assert_true(shop_phone_cn_valid("(0799)6812345"));
    assert_true(shop_phone_cn_valid("(010) 6234 5678"));
    assert_true(shop_phone_cn_valid("0799 681 2345"));
    assert_false(shop_phone_cn_valid("0799-0812345"));   /* a local number never starts with 0 */
    assert_false(shop_phone_cn_valid("0799-1812345"));   /* nor with 1 */
    assert_false(shop_phone_cn_valid("0799-681234"));    /* 6-digit local */
    assert_false(shop_phone_cn_valid("00799-6812345"));  /* 00: an international prefix */
    assert_false(shop_phone_cn_valid("6812345"));        /* no area code */
    assert_false(shop_phone_cn_valid("(0799-6812345"));  /* unclosed */
    assert_false(shop_phone_cn_valid("(07)996812345"));  /* area code of 2 digits */
    assert_false(shop_phone_cn_valid("011-12345678"));   /* no such area code */
    assert_false(shop_phone_cn_valid("0799-681234567")); /* 9-digit local */
}

static void test_junk(void **state)
{
    (void)state;
    assert_false(shop_phone_cn_valid(NULL));
    assert_false(shop_phone_cn_valid(""));
    assert_false(shop_phone_cn_valid("   "));
    assert_false(shop_phone_cn_valid("-13800138000"));
    assert_false(shop_phone_cn_valid("1380013800O")); /* a letter O */
    assert_false(shop_phone_cn_valid("138\t0013 8000"));
    assert_false(shop_phone_cn_valid("13800138000 ext 12"));
    assert_false(shop_phone_cn_valid("1111111111111111111111111111"));
    assert_false(shop_phone_cn_valid("+"));
    assert_false(shop_phone_cn_valid("()"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mobile),
        cmocka_unit_test(test_landline),
        cmocka_unit_test(test_junk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
