/* test_json_text.c - src/shop/core/json_text.c: a string literal is the
 * bytes jansson's json_dumps writes for the same string (quotes,
 * backslashes, every control character, DEL, "/", non-ASCII of 2, 3 and 4
 * bytes), and what jansson refuses is refused (not UTF-8, overlong forms,
 * surrogates, past U+10FFFF); a buffer at its maximum fails. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/shop/core/json_text.h"

/* s as jansson writes it, or NULL when jansson refuses s. */
static char *jansson_literal(const char *s)
{
    json_t *v = json_string(s);
    char *t = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(v);
    return t;
}

static void same_as_jansson(const char *s)
{
    fl_buf b;
    char *want = jansson_literal(s);
    fl_buf_init(&b, 16, 1 << 20);
    int rc = shop_jtext_string(&b, s);
    if (!want) {
        assert_int_equal(rc, -1);
    } else {
        assert_int_equal(rc, 0);
        assert_string_equal(b.p, want);
    }
    free(want);
    fl_buf_free(&b);
}

static void test_like_jansson(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "plain ascii",
        "大城镇 \"1\" 号\\后院\n\t二楼",
        "a/b </script>",
        "\b\f\n\r\t",
        "del \x7f stays",
        "Ümlaut é ñ",             /* 2 bytes */
        "绿壳乌鸡蛋 30枚",        /* 3 bytes */
        "emoji \xF0\x9F\xA5\x9A", /* 4 bytes: U+1F95A */
        "max \xF4\x8F\xBF\xBF",   /* U+10FFFF */
        "\xC0\x80",               /* overlong NUL */
        "\xE0\x80\xAF",           /* overlong '/' */
        "\xED\xA0\x80",           /* a surrogate */
        "\xF4\x90\x80\x80",       /* past U+10FFFF */
        "\xFF",                   /* never UTF-8 */
        "cut \xE7\xBB",           /* a sequence cut short */
        "\x80 lone continuation",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        same_as_jansson(cases[i]);
}

static void test_every_control_character(void **state)
{
    (void)state;
    char s[2] = {0, 0};
    for (int c = 1; c < 0x20; c++) {
        s[0] = (char)c;
        same_as_jansson(s);
    }
    same_as_jansson("\x01\x1f mixed \x02 and \"text\"");
}

static void test_sep_and_maximum(void **state)
{
    (void)state;
    fl_buf b;
    fl_buf_init(&b, 4, 12);
    assert_int_equal(shop_jtext_sep(&b, 0, '['), 0);
    assert_int_equal(shop_jtext_string(&b, "ab"), 0);
    assert_int_equal(shop_jtext_sep(&b, 1, '['), 0);
    assert_string_equal(b.p, "[\"ab\",");
    assert_int_equal(shop_jtext_string(&b, "longer than the rest"), -1); /* 12 bytes at most */
    assert_true(b.truncated);
    fl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_like_jansson),
        cmocka_unit_test(test_every_control_character),
        cmocka_unit_test(test_sep_and_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
