/* test_phone.c - src/shop/domain/phone.c: which texts are phone numbers a
 * courier in mainland China can call. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farmlive/shop/domain/phone.h"

/* China's mobile and landline forms, nothing else. */
static void test_phone(void **state)
{
    static const struct {
        const char *phone;
        int ok;
    } cases[] = {
        {"13800000000", 1},
        {"138 0000 0000", 1},
        {"138-0000-0000", 1},
        {"+86 138 0000 0000", 1},
        {"+8613800000000", 1},
        {"0086 13800000000", 1},
        {"19912345678", 1},
        {"0799-6231088", 1}, /* Pingxiang: 4-digit area code, 7 digits */
        {"07996231088", 1},
        {"(0799)6231088", 1},
        {"0799 62310888", 1}, /* 8 digits */
        {"010-62345678", 1},  /* Beijing: 3-digit area code, 8 digits */
        {"028-85551234", 1},  /* Chengdu */
        {"0799-6231088-801", 1},
        {"+86 799 6231088", 1},
        {"+86 10 62345678", 1},
        {"138 0000 0000 ", 1},
        {"abc", 0},
        {"", 0},
        {"12345", 0},
        {"12800000000", 0},  /* no mobile number starts 12 */
        {"1380000000", 0},   /* 10 digits */
        {"138000000000", 0}, /* 12 digits */
        {"00000000000", 0},
        {"0799-1231088", 0}, /* a local number does not start with 1 */
        {"010-6234567", 0},  /* Beijing's numbers have 8 digits */
        {"6231088", 0},      /* no area code */
        {"0799-6231088-1234567", 0},
        {"+86 0799 6231088", 0},
        {"138.0000.0000", 0},
        {"tel:13800000000", 0},
        {"１３８００００００００", 0}, /* full-width digits */
        {"1380000000000000000000000000", 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (shop_phone_cn_valid(cases[i].phone) != cases[i].ok)
            fail_msg("'%s': want %d", cases[i].phone, cases[i].ok);
    assert_false(shop_phone_cn_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
