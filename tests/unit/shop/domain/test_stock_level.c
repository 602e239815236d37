/* test_stock_level.c - src/shop/domain/stock_level.c: the level the
 * catalogue shows for a SKU's units, and when a change crosses one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../../../src/shop/domain/stock_level.c"

static void test_level(void **state)
{
    (void)state;
    assert_string_equal(shop_stock_level(0, 1), "out_of_stock");
    assert_string_equal(shop_stock_level(-1, 1), "out_of_stock");
    assert_string_equal(shop_stock_level(1, 1), "low_stock");
    assert_string_equal(shop_stock_level(SHOP_STOCK_LOW, 1), "low_stock");
    assert_string_equal(shop_stock_level(SHOP_STOCK_LOW + 1, 1), "in_stock");
    assert_string_equal(shop_stock_level(500, 0), "unavailable");
}

/* Only a change across a level empties the catalogue's cache. */
static void test_crossed(void **state)
{
    (void)state;
    assert_false(crossed(50, -1));                /* 51 -> 50: in stock both */
    assert_true(crossed(SHOP_STOCK_LOW, -1));     /* 11 -> 10: low */
    assert_true(crossed(0, -3));                  /* 3 -> 0: out */
    assert_true(crossed(4, 4));                   /* 0 -> 4: back */
    assert_false(crossed(SHOP_STOCK_LOW - 2, 1)); /* low both */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level),
        cmocka_unit_test(test_crossed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
