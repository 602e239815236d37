/* test_values.c - src/shop/core/values.c: the shared parsers and JSON helpers
 * the handlers use (cursors, decimal strings, a column as a JSON string). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farmlive/shop/core/values.h"

#include <stdio.h>

static void test_cursor(void **state)
{
    long long v = 0;
    (void)state;
    assert_int_equal(shop_cursor_parse("1f", &v), 0);
    assert_int_equal(v, 31);
    assert_int_equal(shop_cursor_parse("7fffffffffffffff", &v), 0);
    assert_int_equal(shop_cursor_parse("8000000000000000", &v), -1);
    assert_int_equal(shop_cursor_parse("0", &v), -1);
    assert_int_equal(shop_cursor_parse("", &v), -1);
    assert_int_equal(shop_cursor_parse("zz", &v), -1);
    assert_int_equal(shop_cursor_parse("11111111111111111", &v), -1);
    assert_int_equal(shop_parse_dec("10", 0, 10, &v), 0);
    assert_int_equal(shop_parse_dec("11", 0, 10, &v), -1);
    assert_int_equal(shop_parse_dec("-1", 0, 10, &v), -1);
    assert_int_equal(shop_parse_dec("1x", 0, 10, &v), -1);
}

static void test_json_str(void **state)
{
    (void)state;
    json_t *v = shop_json_str("萍乡");
    assert_string_equal(json_string_value(v), "萍乡");
    json_decref(v);
    v = shop_json_str(NULL); /* a NULL column */
    assert_true(json_is_null(v));
    json_decref(v);
    v = shop_json_str("\xff\xfe"); /* not UTF-8: null, not a crash or a NULL pointer */
    assert_true(json_is_null(v));
    json_decref(v);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's lines whole beside stderr */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_json_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
