/* test_lot_code.c - src/shop/domain/lot_code.c: which texts are lot codes,
 * their canonical case, and the URL a lot's QR code holds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/shop/domain/lot_code.h"

static void test_codes(void **state)
{
    static const struct {
        const char *code;
        int valid;
    } cases[] = {
        {"AY-EGG-20261120-01", 1},
        {"ABC", 1},
        {"0AB", 1},
        {"A--", 1},
        {"L12-20260101-A1B2C3D4", 1},
        {"AB", 0},     /* too short */
        {"-AB", 0},    /* starts with a dash */
        {"ay-egg", 0}, /* lower case */
        {"T/1", 0},    /* a slash would leave the URL path */
        {"AB C", 0},
        {"AB%20", 0},
        {"<script>", 0},
        {"蛋-001", 0},
        {"", 0},
        {NULL, 0},
    };
    char longest[SHOP_LOT_CODE_MAX + 2];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (shop_lot_code_valid(cases[i].code) != cases[i].valid)
            fail_msg("'%s': want %d", cases[i].code ? cases[i].code : "(null)", cases[i].valid);
    memset(longest, 'A', SHOP_LOT_CODE_MAX);
    longest[SHOP_LOT_CODE_MAX] = '\0';
    assert_true(shop_lot_code_valid(longest));
    longest[SHOP_LOT_CODE_MAX] = 'A';
    longest[SHOP_LOT_CODE_MAX + 1] = '\0';
    assert_false(shop_lot_code_valid(longest));
}

static void test_qr_url(void **state)
{
    fl_arena *a = fl_arena_new(0);
    (void)state;
    assert_string_equal(shop_lot_qr_url(a, "https://farm.example", "06970615000112", "AY-1"),
                        "https://farm.example/01/06970615000112/10/AY-1");
    assert_string_equal(shop_lot_qr_url(a, "https://farm.example", NULL, "AY-1"), "https://farm.example/t/AY-1");
    assert_string_equal(shop_lot_qr_url(a, "https://farm.example", "", "AY-1"), "https://farm.example/t/AY-1");
    fl_arena_free(a);
}

/* Upper case is the one case: canon makes it, ASCII letters only. */
static void test_canon(void **state)
{
    fl_arena *a = fl_arena_new(0);
    (void)state;
    assert_string_equal(shop_lot_code_canon(a, "l24-20261206-98712cb9"), "L24-20261206-98712CB9");
    assert_true(shop_lot_code_valid(shop_lot_code_canon(a, "ay-egg-20261120-01")));
    assert_string_equal(shop_lot_code_canon(a, "AY-EGG-1"), "AY-EGG-1");
    assert_string_equal(shop_lot_code_canon(a, "蛋-ab"), "蛋-AB"); /* still not a code */
    assert_false(shop_lot_code_valid(shop_lot_code_canon(a, "bad code")));
    assert_null(shop_lot_code_canon(a, NULL));
    fl_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_qr_url),
        cmocka_unit_test(test_canon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
