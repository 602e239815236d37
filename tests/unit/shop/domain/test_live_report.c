/* test_live_report.c - the session report's arithmetic
 * (shop_room_sum_lines, live_report.c): whole session, per product, per
 * product moment. Includes live_report.c to reach it without a database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/live_report.c"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_sums(void **state)
{
    (void)state;
    /* order 1: two lines of product 7 and one of product 8; order 2: product 7 */
    static const shop_room_line lines[] = {
        {1, 7, 2, 3000, 1000},
        {1, 7, 1, 1500, 1000},
        {1, 8, 1, 4500, 1000},
        {2, 7, 5, 4950, 8000},
    };
    long long scratch[N(lines)];
    shop_room_sum all = shop_room_sum_lines(lines, N(lines), 0, 0, 0, scratch);
    assert_int_equal(all.orders, 2); /* an order counts once */
    assert_int_equal(all.units, 9);
    assert_int_equal(all.revenue_fen, 13950);
    shop_room_sum p7 = shop_room_sum_lines(lines, N(lines), 7, 0, 0, scratch);
    assert_int_equal(p7.orders, 2);
    assert_int_equal(p7.units, 8);
    assert_int_equal(p7.revenue_fen, 9450);
    /* a moment of product 7 from 500 to 2000: order 1's lines of it only */
    shop_room_sum m = shop_room_sum_lines(lines, N(lines), 7, 500, 2000, scratch);
    assert_int_equal(m.orders, 1);
    assert_int_equal(m.units, 3);
    assert_int_equal(m.revenue_fen, 4500);
    /* [from, to): an order at the window's end is the next one's */
    m = shop_room_sum_lines(lines, N(lines), 7, 500, 1000, scratch);
    assert_int_equal(m.orders, 0);
    assert_int_equal(m.units, 0);
    shop_room_sum none = shop_room_sum_lines(lines, 0, 0, 0, 0, scratch);
    assert_int_equal(none.orders + none.units + none.revenue_fen, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
