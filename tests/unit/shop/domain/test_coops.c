/* test_coops.c - the pure checks of src/shop/domain/coops.c: unified social
 * credit codes, contact phones, and the field table the API parses by. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/domain/coops.h"

static void test_credit_code(void **state)
{
    (void)state;
    assert_true(shop_credit_code_valid("93360302MA35X7K2X4"));
    assert_true(shop_credit_code_valid("000000000000000000"));
    assert_false(shop_credit_code_valid("93360302ma35x7k2x4")); /* lower case */
    assert_false(shop_credit_code_valid("93360302MA35X7K2X"));  /* 17 */
    assert_false(shop_credit_code_valid("93360302MA35X7K2X4A"));
    assert_false(shop_credit_code_valid("93360302MA35X7K2-4"));
    assert_false(shop_credit_code_valid("93360302MA35X7K2 4"));
    assert_false(shop_credit_code_valid(""));
}

static void test_contact_phone(void **state)
{
    (void)state;
    assert_true(shop_contact_phone_valid("0799-6000000"));
    assert_true(shop_contact_phone_valid("+86 139 0000 0000"));
    assert_true(shop_contact_phone_valid("12345"));
    assert_false(shop_contact_phone_valid("1234")); /* fewer than 5 digits */
    assert_false(shop_contact_phone_valid("12-3-4"));
    assert_false(shop_contact_phone_valid("call me"));
    assert_false(shop_contact_phone_valid("x"));
    assert_false(shop_contact_phone_valid("++8613900000000"));
    assert_false(shop_contact_phone_valid("139(0000)0000"));
    assert_false(shop_contact_phone_valid(""));
}

static void test_field_table(void **state)
{
    (void)state;
    /* one row per field, named as the JSON keys, in column order */
    assert_string_equal(shop_coop_fields[SHOP_CF_NAME].key, "name");
    assert_string_equal(shop_coop_fields[SHOP_CF_CREDIT_CODE].key, "credit_code");
    assert_string_equal(shop_coop_fields[SHOP_CF_CONTACT_PHONE].key, "contact_phone");
    assert_string_equal(shop_coop_fields[SHOP_CF_DESCRIPTION].key, "description");
    for (size_t i = 0; i < SHOP_CF_COUNT; i++) {
        const shop_coop_field *f = &shop_coop_fields[i];
        assert_non_null(f->key);
        assert_true(f->min <= f->max);
        assert_false(f->required && f->nullable); /* a required field cannot be cleared */
    }
    assert_int_equal(shop_coop_fields[SHOP_CF_CREDIT_CODE].min, 18);
    assert_int_equal(shop_coop_fields[SHOP_CF_CREDIT_CODE].max, 18);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credit_code),
        cmocka_unit_test(test_contact_phone),
        cmocka_unit_test(test_field_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
