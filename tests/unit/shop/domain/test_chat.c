/* test_chat.c - the I/O-free parts of src/shop/domain/chat.c: a message's
 * JSON (masked author, text kept as text, account id only when asked).
 * Includes chat.c to reach its statics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/chat.c"

static void test_message_json(void **state)
{
    (void)state;
    json_t *m = message_json(812, "9f1c2a7be0d34c55", "张三", "<b>hi</b> & \"you\"", 0, "2026-12-06T15:30:00Z", -1);
    assert_non_null(m);
    assert_int_equal(json_integer_value(json_object_get(m, "id")), 812);
    assert_string_equal(json_string_value(json_object_get(m, "author")), "张**");
    assert_string_equal(json_string_value(json_object_get(m, "text")), "<b>hi</b> & \"you\"");
    assert_true(json_is_false(json_object_get(m, "hidden")));
    assert_null(json_object_get(m, "account_id"));
    json_decref(m);

    m = message_json(9, "9f1c2a7be0d34c55", NULL, "x", 1, "2026-12-06T15:30:00Z", 42);
    assert_string_equal(json_string_value(json_object_get(m, "author")), "**");
    assert_true(json_is_true(json_object_get(m, "hidden")));
    assert_int_equal(json_integer_value(json_object_get(m, "account_id")), 42);
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
