/* test_html.c - src/shop/pages/html.c, the one page writer: escaping of
 * every special character, the template conversions, the maximum size, and
 * a template it does not know. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../../../src/shop/pages/html.c"

static void test_escaping(void **state)
{
    shop_html h;
    (void)state;
    shop_html_init(&h, 1024);
    shop_html_text(&h, "<a href=\"x\" title='y'>Tom & Jerry</a>");
    assert_string_equal(h.buf.p, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;");
    shop_html_free(&h);

    shop_html_init(&h, 1024);
    shop_html_text(&h, "绿壳乌鸡蛋 · 30枚"); /* UTF-8 passes as it is */
    shop_html_text(&h, NULL);
    shop_html_text(&h, "");
    assert_string_equal(h.buf.p, "绿壳乌鸡蛋 · 30枚");
    shop_html_free(&h);

    shop_html_init(&h, 1024);
    shop_html_text(&h, "&amp;"); /* escaped again: text is text */
    assert_string_equal(h.buf.p, "&amp;amp;");
    shop_html_free(&h);
}

static void test_template(void **state)
{
    shop_html h;
    (void)state;
    shop_html_init(&h, 1024);
    shop_html_put(&h, "<dt>%s</dt><dd>%s</dd>", "a<b", "\"q\"");
    shop_html_put(&h, "<p>%m</p>", "<b>kept</b>");
    shop_html_put(&h, "%d|%lld|%%|%s|%m.", -7, 12345678901LL, NULL, NULL);
    assert_string_equal(h.buf.p, "<dt>a&lt;b</dt><dd>&quot;q&quot;</dd><p><b>kept</b></p>-7|12345678901|%||.");
    assert_false(h.failed);
    shop_html_free(&h);
}

static void test_unknown_conversion(void **state)
{
    shop_html h;
    (void)state;
    shop_html_init(&h, 1024);
    shop_html_put(&h, "<p>%x</p>", 1);
    assert_true(h.failed);
    shop_html_put(&h, "more");
    assert_true(h.failed);
    shop_html_free(&h);
}

static void test_maximum(void **state)
{
    shop_html h;
    (void)state;
    shop_html_init(&h, 8); /* 7 bytes and the terminator */
    shop_html_raw(&h, "1234567", 7);
    assert_false(h.failed);
    assert_string_equal(h.buf.p, "1234567");
    shop_html_raw(&h, "8", 1);
    assert_true(h.failed);
    shop_html_raw(&h, "", 0); /* nothing more is written once failed */
    assert_int_equal(h.buf.len, 7);
    shop_html_free(&h);

    shop_html_init(&h, 8); /* escaping counts: "<<" is 8 bytes */
    shop_html_text(&h, "<<");
    assert_true(h.failed);
    shop_html_free(&h);

    shop_html_init(&h, 64 * 1024); /* growth past the first chunk */
    for (int i = 0; i < 1000; i++)
        shop_html_put(&h, "<li>%s</li>", "x&y");
    assert_false(h.failed);
    assert_int_equal(h.buf.len, 1000 * strlen("<li>x&amp;y</li>"));
    shop_html_free(&h);
    shop_html_free(&h); /* twice is harmless */
    shop_html_free(NULL);
}

static void test_binary(void **state)
{
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0, 1, 2};
    shop_html h;
    (void)state;
    shop_html_init(&h, 64);
    shop_html_raw(&h, png, sizeof(png));
    assert_int_equal(h.buf.len, sizeof(png));
    assert_memory_equal(h.buf.p, png, sizeof(png));
    shop_html_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping), cmocka_unit_test(test_template), cmocka_unit_test(test_unknown_conversion),
        cmocka_unit_test(test_maximum),  cmocka_unit_test(test_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
