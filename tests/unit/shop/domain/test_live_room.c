/* test_live_room.c - the I/O-free part of a live room: the recording's
 * clock a product moment is placed on (shop_room_offset_ms). Includes
 * live_room.c to reach it without a database; the report's sums are
 * test_live_report.c's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/live_room.c"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* created at 0 (not in the log), live at 1000, idle at 5000 (a drop), live
 * again at 9000 (a reconnect), a takeover at 10000, ended at 12000 */
static const shop_room_change LOG[] = {{1000, 1}, {5000, 0}, {9000, 1}, {10000, 1}, {12000, 0}};

static void test_offsets(void **state)
{
    (void)state;
    static const struct {
        long long at, want;
    } cases[] = {
        {0, 0},        /* before the first publish: the start */
        {1000, 0},     /* the first frame */
        {3500, 2500},  /* 2.5 s in */
        {5000, 4000},  /* the drop */
        {7000, 4000},  /* idle: where the recording resumes */
        {9000, 4000},  /* the reconnect continues it */
        {9500, 4500},  /* */
        {10000, 5000}, /* a takeover opens no new epoch */
        {11000, 6000}, /* */
        {12000, 7000}, /* the end: the recording's length */
        {60000, 7000}, /* after the end */
    };
    for (size_t i = 0; i < N(cases); i++)
        assert_int_equal(shop_room_offset_ms(LOG, N(LOG), cases[i].at), cases[i].want);
    assert_int_equal(shop_room_offset_ms(NULL, 0, 5000), 0); /* never published */
    /* live and never ended: the time since the publish */
    assert_int_equal(shop_room_offset_ms(LOG, 1, 4000), 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
