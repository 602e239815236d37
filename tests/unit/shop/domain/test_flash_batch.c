/* test_flash_batch.c - the pure parts of src/shop/domain/flash_batch.c: the
 * lot a slot is bound to, from a sale's lot ranges (and none when the
 * ranges are not known here or the slot lies beyond them, which sends a
 * batch to the one-by-one path). Includes flash_batch.c to reach them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/flash_batch.c"

static void test_slot_lot(void **state)
{
    (void)state;
    shop_flash_sale s = {.nlots = 3,
                         .lots = {{.id = 40, .first = 0, .count = 2},
                                  {.id = 41, .first = 2, .count = 5},
                                  {.id = 39, .first = 7, .count = 1}}};
    static const struct {
        long long slot;
        int lot;
    } cases[] = {{0, 0}, {1, 0}, {2, 1}, {6, 1}, {7, 2}, {8, -1}, {-1, -1}, {1000, -1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(slot_lot(&s, cases[i].slot), cases[i].lot);
    s.nlots = 0; /* lots not known here */
    assert_int_equal(slot_lot(&s, 0), -1);
}

static void test_element(void **state)
{
    (void)state;
    fl_buf b;
    fl_buf_init(&b, 4, 64);
    assert_int_equal(element(&b, 0, "{\"s\":%d}", 1), 0);
    assert_int_equal(element(&b, 1, "{\"s\":%d}", 2), 0);
    assert_int_equal(fl_buf_append(&b, "]", 1), 0);
    assert_string_equal(b.p, "[{\"s\":1},{\"s\":2}]");
    fl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_lot),
        cmocka_unit_test(test_element),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
