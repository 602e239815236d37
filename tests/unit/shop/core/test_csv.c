/* test_csv.c - src/shop/core/csv.c: RFC 4180 quoting (commas, quotes,
 * CR, LF), the formula guard (= + - @ tab CR first), empty and NULL cells,
 * CRLF rows, a buffer at its maximum. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/shop/core/csv.h"

/* The row of cells[0..n) as text (static: one row at a time). */
static const char *row(const char *const *cells, size_t n)
{
    static char out[512];
    fl_buf b;
    fl_buf_init(&b, 16, 4096);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(shop_csv_cell(&b, i, cells[i]), 0);
    assert_int_equal(shop_csv_row_end(&b), 0);
    assert_true(b.len < sizeof(out));
    memcpy(out, b.p, b.len);
    out[b.len] = '\0';
    fl_buf_free(&b);
    return out;
}

static void test_plain_and_quoted(void **state)
{
    (void)state;
    const char *a[] = {"12", "王丽", "江西省萍乡市安源区大城镇 1 号"};
    assert_string_equal(row(a, 3), "12,王丽,江西省萍乡市安源区大城镇 1 号\r\n");
    const char *b[] = {"a,b", "say \"hi\"", "two\nlines", "cr\rhere", "\""};
    assert_string_equal(row(b, 5), "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",\"\"\"\"\r\n");
    const char *c[] = {NULL, "", "x"};
    assert_string_equal(row(c, 3), ",,x\r\n");
}

static void test_formula_guard(void **state)
{
    (void)state;
    const char *a[] = {"=1+2", "+86 138 0000 0000", "-5", "@SUM(A1)", "\tx", "a=b"};
    assert_string_equal(row(a, 6), "'=1+2,'+86 138 0000 0000,'-5,'@SUM(A1),'\tx,a=b\r\n");
    const char *b[] = {"=HYPERLINK(\"http://x\",\"y\")", "\rz"};
    assert_string_equal(row(b, 2), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'\rz\"\r\n");
}

static void test_full_buffer(void **state)
{
    (void)state;
    fl_buf b;
    fl_buf_init(&b, 4, 8);
    assert_int_equal(shop_csv_cell(&b, 0, "a \"quoted\" cell"), -1);
    fl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_quoted),
        cmocka_unit_test(test_formula_guard),
        cmocka_unit_test(test_full_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
