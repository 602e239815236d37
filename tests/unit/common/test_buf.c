/* test_buf.c - src/common/buf.c: printf and append grow the buffer up to
 * its maximum and never past it; a refused append leaves the text as it
 * was and marks the buffer truncated. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/buf.h"

static void test_append_and_printf(void **state)
{
    (void)state;
    fl_buf b;
    fl_buf_init(&b, 2, 32);
    assert_int_equal(fl_buf_append(&b, "abc", 3), 0);
    assert_int_equal(fl_buf_printf(&b, "-%d-", 42), 0);
    assert_int_equal(fl_buf_append(&b, "xyz!", 3), 0); /* n bytes, not up to a NUL */
    assert_string_equal(b.p, "abc-42-xyz");
    assert_int_equal(b.len, 10);
    assert_int_equal(fl_buf_append(&b, "", 0), 0);
    assert_string_equal(b.p, "abc-42-xyz");
    fl_buf_free(&b);
}

static void test_maximum(void **state)
{
    (void)state;
    fl_buf b;
    fl_buf_init(&b, 4, 8); /* 7 bytes of text and the NUL */
    assert_int_equal(fl_buf_append(&b, "1234567", 7), 0);
    assert_false(b.truncated);
    assert_int_equal(fl_buf_append(&b, "8", 1), -1);
    assert_true(b.truncated);
    assert_string_equal(b.p, "1234567");
    assert_int_equal(fl_buf_printf(&b, "%s", "9"), -1);
    assert_string_equal(b.p, "1234567");
    fl_buf_free(&b);
    fl_buf_free(&b); /* freeing twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_printf),
        cmocka_unit_test(test_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
