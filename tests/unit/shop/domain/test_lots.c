/* test_lots.c - the rules of a new lot in src/shop/domain/lots.c
 * (lot_check): the code, the quantity, real dates, nothing in the future,
 * packed after harvest. One table; includes lots.c to reach the static. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/lots.c"

static void test_lot_rules(void **state)
{
    long long today = 0;
    static const struct {
        const char *code, *harvest, *pack;
        long long sku, qty;
        const char *error; /* NULL: accepted; else the start of the message */
    } cases[] = {
        {"AY-EGG-1", "2026-11-01", "2026-11-02", 1, 120, NULL},
        {"AY-EGG-1", NULL, NULL, 1, 1, NULL},
        {"AY-EGG-1", "2026-11-20", "2026-11-20", 1, SHOP_LOT_QTY_MAX, NULL}, /* today, same day */
        {"ay-egg-1", NULL, NULL, 1, 1, "code must be"},
        {"AY/1", NULL, NULL, 1, 1, "code must be"},
        {NULL, NULL, NULL, 1, 1, "code must be"},
        {"AY-EGG-1", NULL, NULL, 0, 1, "sku_id is required"},
        {"AY-EGG-1", NULL, NULL, 1, 0, "quantity must be"},
        {"AY-EGG-1", NULL, NULL, 1, SHOP_LOT_QTY_MAX + 1, "quantity must be"},
        {"AY-EGG-1", "2026-02-30", NULL, 1, 1, "harvest_date must be a real date"},
        {"AY-EGG-1", "2025-02-29", NULL, 1, 1, "harvest_date must be a real date"}, /* not a leap year */
        {"AY-EGG-1", "2024-02-29", NULL, 1, 1, NULL},
        {"AY-EGG-1", NULL, "20.11.2026", 1, 1, "pack_date must be a real date"},
        {"AY-EGG-1", NULL, "2026-11-1", 1, 1, "pack_date must be a real date"},
        {"AY-EGG-1", "2026-11-21", NULL, 1, 1, "harvest_date 2026-11-21 is in the future"},
        {"AY-EGG-1", NULL, "2099-01-01", 1, 1, "pack_date 2099-01-01 is in the future"},
        {"AY-EGG-1", "2026-11-10", "2026-11-09", 1, 1, "pack_date is before harvest_date"},
    };
    (void)state;
    assert_int_equal(fl_date_parse("2026-11-20", &today), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        shop_lot_new in = {.code = cases[i].code,
                           .harvest_date = cases[i].harvest,
                           .pack_date = cases[i].pack,
                           .sku_id = cases[i].sku,
                           .quantity = cases[i].qty};
        shop_fault f = {0};
        int rc = lot_check(&in, today, &f);
        if (!cases[i].error ? rc != SHOP_OK
                            : rc != SHOP_E_VALIDATION || strncmp(f.msg, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("case %zu: rc %d, '%s', want %s", i, rc, f.msg, cases[i].error ? cases[i].error : "accepted");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lot_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
