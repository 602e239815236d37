/* test_values.c - src/shop/core/values.c: the shared parsers and JSON helpers
 * the handlers use (page requests and cursors, decimal strings, UTF-8
 * lengths, a column as a JSON string). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farmlive/shop/core/values.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static void test_cursor(void **state)
{
    long long v = 0;
    (void)state;
    assert_int_equal(shop_cursor_parse("1f", &v), 0);
    assert_int_equal(v, 31);
    assert_int_equal(shop_cursor_parse("1F", &v), 0);
    assert_int_equal(v, 31);
    assert_int_equal(shop_cursor_parse("7fffffffffffffff", &v), 0);
    assert_int_equal(shop_cursor_parse("8000000000000000", &v), -1);
    assert_int_equal(shop_cursor_parse("0", &v), -1);
    assert_int_equal(shop_cursor_parse("", &v), -1);
    assert_int_equal(shop_cursor_parse("zz", &v), -1);
    assert_int_equal(shop_cursor_parse("-1", &v), -1);
    assert_int_equal(shop_cursor_parse(" 1", &v), -1);
    assert_int_equal(shop_cursor_parse("1.2", &v), -1); /* a two-key cursor is not one key */
    assert_int_equal(shop_cursor_parse("11111111111111111", &v), -1);
    assert_int_equal(shop_cursor_parse(NULL, &v), -1);
    assert_int_equal(shop_parse_dec("10", 0, 10, &v), 0);
    assert_int_equal(shop_parse_dec("11", 0, 10, &v), -1);
    assert_int_equal(shop_parse_dec("-1", 0, 10, &v), -1);
    assert_int_equal(shop_parse_dec("1x", 0, 10, &v), -1);
}

static void test_cursor_keys(void **state)
{
    long long k[2] = {0, 0};
    (void)state;
    assert_int_equal(shop_cursor_parse_keys("18c2b6a1f00.2a", k, 2), 0);
    assert_int_equal(k[0], 0x18c2b6a1f00LL);
    assert_int_equal(k[1], 42);
    assert_int_equal(shop_cursor_parse_keys("0.1", k, 2), 0); /* only the last key is an id */
    assert_int_equal(k[0], 0);
    k[0] = k[1] = 7;
    /* whatever fails leaves the keys as they were */
    assert_int_equal(shop_cursor_parse_keys("1.0", k, 2), -1);
    assert_int_equal(shop_cursor_parse_keys("1", k, 2), -1);
    assert_int_equal(shop_cursor_parse_keys("1.2.3", k, 2), -1);
    assert_int_equal(shop_cursor_parse_keys(".2", k, 2), -1);
    assert_int_equal(shop_cursor_parse_keys("1.", k, 2), -1);
    assert_int_equal(shop_cursor_parse_keys("1..2", k, 2), -1);
    assert_int_equal(shop_cursor_parse_keys("1.x", k, 2), -1);
    assert_int_equal(shop_cursor_parse_keys("8000000000000000.1", k, 2), -1);
    assert_int_equal(shop_cursor_parse_keys("1.2", k, 3), -1); /* more keys than a cursor holds */
    assert_int_equal(shop_cursor_parse_keys("1", k, 0), -1);
    assert_int_equal(k[0], 7);
    assert_int_equal(k[1], 7);
}

static void test_cursor_round_trip(void **state)
{
    static const long long cases[][2] = {{0, 1}, {1, 1}, {15, 16}, {1700000000123456LL, 42}, {LLONG_MAX, LLONG_MAX}};
    char text[SHOP_CURSOR_TEXT_MAX];
    long long back[2];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        shop_cursor_format(cases[i], 2, text);
        assert_int_equal(shop_cursor_parse_keys(text, back, 2), 0);
        assert_int_equal(back[0], cases[i][0]);
        assert_int_equal(back[1], cases[i][1]);
        shop_cursor_format(&cases[i][1], 1, text);
        assert_int_equal(shop_cursor_parse(text, back), 0);
        assert_int_equal(back[0], cases[i][1]);
    }
    shop_cursor_format(cases[3], 2, text);
    assert_string_equal(text, "60a2418202240.2a");
}

static void test_page(void **state)
{
    shop_page pg;
    const char *bad = NULL;
    (void)state;
    /* nothing given: the first page of SHOP_PAGE_LIMIT_DEFAULT */
    assert_int_equal(shop_page_parse(NULL, NULL, 1, &pg, &bad), 0);
    assert_int_equal(pg.limit, SHOP_PAGE_LIMIT_DEFAULT);
    assert_int_equal(pg.after[0], 0);
    /* an empty cursor= is the same as none */
    assert_int_equal(shop_page_parse("", "5", 1, &pg, &bad), 0);
    assert_int_equal(pg.limit, 5);
    assert_int_equal(pg.after[0], 0);
    assert_int_equal(shop_page_parse("2a", "100", 1, &pg, &bad), 0);
    assert_int_equal(pg.after[0], 42);
    assert_int_equal(pg.limit, 100);
    assert_int_equal(shop_page_parse("3.2a", "1", 2, &pg, &bad), 0);
    assert_int_equal(pg.after[0], 3);
    assert_int_equal(pg.after[1], 42);

    static const struct {
        const char *cursor, *limit;
        size_t nkeys;
        const char *bad;
    } refused[] = {
        {NULL, "0", 1, "limit"},   {NULL, "101", 1, "limit"}, {NULL, "", 1, "limit"},     {NULL, "abc", 1, "limit"},
        {NULL, "-1", 1, "limit"},  {NULL, " 5", 1, "limit"},  {"zz", NULL, 1, "cursor"},  {"0", NULL, 1, "cursor"},
        {"-1", NULL, 1, "cursor"}, {"2a", NULL, 2, "cursor"}, {"1.2", NULL, 1, "cursor"}, {"1.0", NULL, 2, "cursor"},
        {"zz", "0", 1, "limit"}, /* both bad: limit is named first */
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        bad = NULL;
        assert_int_equal(shop_page_parse(refused[i].cursor, refused[i].limit, refused[i].nkeys, &pg, &bad), -1);
        assert_non_null(bad);
        assert_string_equal(bad, refused[i].bad);
    }
}

static void test_utf8_chars(void **state)
{
    (void)state;
    assert_int_equal(shop_utf8_chars("", 0), 0);
    assert_int_equal(shop_utf8_chars("abc", 3), 3);
    assert_int_equal(shop_utf8_chars("萍乡", strlen("萍乡")), 2);
    assert_int_equal(shop_utf8_chars("é😀", strlen("é😀")), 2);
    assert_int_equal(shop_utf8_chars("\xff", 1), -1);         /* not a lead byte */
    assert_int_equal(shop_utf8_chars("\xc0\x80", 2), -1);     /* overlong NUL */
    assert_int_equal(shop_utf8_chars("\xe8\x90", 2), -1);     /* truncated */
    assert_int_equal(shop_utf8_chars("\xe8\x41\x41", 3), -1); /* bad continuation */
    assert_int_equal(shop_utf8_chars("a\xe8", 2), -1);
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
        cmocka_unit_test(test_cursor), cmocka_unit_test(test_cursor_keys), cmocka_unit_test(test_cursor_round_trip),
        cmocka_unit_test(test_page),   cmocka_unit_test(test_utf8_chars),  cmocka_unit_test(test_json_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
