/* test_product_search.c - a buyer's words as the Mroonga query
 * (src/shop/domain/product_search.c, shop_search_expr): words in any
 * script, separators, long Chinese words cut into two-character pieces,
 * Chinese meeting other letters, nothing left to search, quotes that cannot
 * break out of a term, and the longest search within its buffer. One table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/domain/product_search.h"
#include "farmlive/shop/domain/products.h"

#define P "*W1:10,2:1" /* the weights pragma: title x10, body x1 */

static void test_expr(void **state)
{
    static const struct {
        const char *q;
        int words;
        const char *want; /* NULL: nothing to search */
    } cases[] = {
        {"绿壳 鸡蛋", 2, P " +\"绿壳\" +\"鸡蛋\""},
        {"鸡蛋 绿壳", 2, P " +\"鸡蛋\" +\"绿壳\""},
        {"green-shell eggs", 3, P " +\"green\" +\"shell\" +\"eggs\""},
        {"eggs QA", 2, P " +\"eggs\" +\"QA\""},
        {"  Eggs!! ", 1, P " +\"Eggs\""},
        {"蛋", 1, P " +\"蛋\""},
        {"鸡蛋", 1, P " +\"鸡蛋\""},
        /* three or more Chinese characters: two-character pieces, the word optional */
        {"乌鸡蛋", 1, P " +\"乌鸡\" +\"鸡蛋\" \"乌鸡蛋\""},
        {"绿壳鸡蛋", 1, P " +\"绿壳\" +\"鸡蛋\" \"绿壳鸡蛋\""},
        {"绿壳乌鸡蛋", 1, P " +\"绿壳\" +\"乌鸡\" +\"鸡蛋\" \"绿壳乌鸡蛋\""},
        /* Chinese punctuation and full-width forms separate words */
        {"绿壳，鸡蛋。", 2, P " +\"绿壳\" +\"鸡蛋\""},
        {"安源（萍乡）", 2, P " +\"安源\" +\"萍乡\""},
        /* Chinese meeting Latin letters or digits */
        {"鸡蛋eggs", 2, P " +\"鸡蛋\" +\"eggs\""},
        {"30枚装", 2, P " +\"30\" +\"枚装\""},
        {"500g", 1, P " +\"500g\""},
        /* quotes and the query language's operators are separators */
        {"\"eggs\" -tea +(oil)*", 3, P " +\"eggs\" +\"tea\" +\"oil\""},
        {"a\\\"b", 2, P " +\"a\" +\"b\""},
        {"café", 1, P " +\"café\""},
        /* nothing but separators */
        {"", 0, NULL},
        {"  \t", 0, NULL},
        {"!!! ，。 -- \"\"", 0, NULL},
        {"🥚🐔", 0, NULL},
    };
    fl_arena *a = fl_arena_new(0);
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *expr = "unset";
        int n = shop_search_expr(a, cases[i].q, &expr);
        if (n != cases[i].words || (cases[i].want ? !expr || strcmp(expr, cases[i].want) != 0 : expr != NULL))
            fail_msg("case %zu '%s': %d words, '%s', want %d '%s'", i, cases[i].q, n, expr ? expr : "(null)",
                     cases[i].words, cases[i].want ? cases[i].want : "(null)");
    }
    fl_arena_free(a);
}

static void test_separators(void **state)
{
    (void)state;
    assert_false(shop_search_separator('a'));
    assert_false(shop_search_separator('Z'));
    assert_false(shop_search_separator('7'));
    assert_false(shop_search_separator(0x9E21)); /* 鸡 */
    assert_false(shop_search_separator(0xE9));   /* é */
    assert_false(shop_search_separator(0x3005)); /* 々, a repeat mark, part of a word */
    assert_true(shop_search_separator(' '));
    assert_true(shop_search_separator('"'));
    assert_true(shop_search_separator('\\'));
    assert_true(shop_search_separator(0x3000));  /* ideographic space */
    assert_true(shop_search_separator(0xFF0C));  /* ， */
    assert_true(shop_search_separator(0x2014));  /* — */
    assert_true(shop_search_separator(0x1F95A)); /* 🥚 */
}

/* The longest search the API lets through, in the widest characters, fits
 * the buffer shop_search_expr sizes (ASan would say otherwise). */
static void test_longest(void **state)
{
    static const char *const chars[] = {"鸡", "a", "鸡a", "\xF0\xA0\x80\x80" /* U+20000 */, "a b"};
    fl_arena *a = fl_arena_new(0);
    (void)state;
    for (size_t k = 0; k < sizeof(chars) / sizeof(chars[0]); k++) {
        char q[SHOP_PRODUCT_Q_MAX * 4 * 3 + 1] = "";
        const char *expr = NULL;
        for (int i = 0; i < SHOP_PRODUCT_Q_MAX; i++)
            strcat(q, chars[k]);
        assert_true(shop_search_expr(a, q, &expr) > 0);
        assert_non_null(expr);
        assert_true(strlen(expr) > strlen(q));
    }
    fl_arena_free(a);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr),
        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_longest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
