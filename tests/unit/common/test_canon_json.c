/* test_canon_json.c - src/common/canon_json.c: the exact canonical form. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/canon_json.h"

/* Data-driven: input JSON text -> expected canonical text (NULL: refused). */
static const struct {
    const char *in, *want;
} CASES[] = {
    {"{}", "{}"},
    {"[]", "[]"},
    {"{ \"b\" : 1 , \"a\" : [ true, false, null ] }", "{\"a\":[true,false,null],\"b\":1}"},
    {"{\"b\":{\"z\":1,\"y\":2},\"a\":-5}", "{\"a\":-5,\"b\":{\"y\":2,\"z\":1}}"},
    /* byte order of keys: "B" < "a" < "ab" < "é" (0xC3 0xA9) */
    {"{\"ab\":1,\"\\u00e9\":2,\"a\":3,\"B\":4}", "{\"B\":4,\"a\":3,\"ab\":1,\"\xc3\xa9\":2}"},
    /* UTF-8 as is, "/" not escaped, \u escapes decoded */
    {"[\"绿壳乌鸡蛋\",\"a/b\",\"\\u7eff\"]", "[\"绿壳乌鸡蛋\",\"a/b\",\"绿\"]"},
    /* the escaped set */
    {"[\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\"]", "[\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"]"},
    {"[0,-0,9223372036854775807,-9223372036854775808]", "[0,0,9223372036854775807,-9223372036854775808]"},
    {"[1.5]", NULL},
    {"{\"a\":{\"b\":[0.0]}}", NULL},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        json_error_t e;
        json_t *v = json_loads(CASES[i].in, JSON_DECODE_ANY, &e);
        size_t len = 0;
        char *got;
        if (!v)
            fail_msg("case %zu: bad input: %s", i, e.text);
        got = fl_canon_json(v, &len);
        if (!CASES[i].want) {
            if (got)
                fail_msg("case %zu: want refusal, got %s", i, got);
            assert_int_equal(fl_canon_json_ok(v), 0);
        } else {
            if (!got)
                fail_msg("case %zu: refused, want %s", i, CASES[i].want);
            assert_string_equal(got, CASES[i].want);
            assert_int_equal(len, strlen(CASES[i].want));
            assert_int_equal(fl_canon_json_ok(v), 1);
        }
        fl_free(got);
        json_decref(v);
    }
}

/* Canonical text parsed back and written again is identical (fixed point). */
static void test_fixed_point(void **state)
{
    (void)state;
    const char *in = "{\"z\":[1,{\"b\":\"\\u0000x\",\"a\":\"\\\"\"}],\"k\":\"天\"}";
    json_t *v = json_loads(in, JSON_ALLOW_NUL, NULL), *v2;
    char *a, *b;
    assert_non_null(v);
    a = fl_canon_json(v, NULL);
    assert_non_null(a);
    v2 = json_loads(a, JSON_ALLOW_NUL, NULL);
    assert_non_null(v2);
    b = fl_canon_json(v2, NULL);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\\u0000x"));
    fl_free(a);
    fl_free(b);
    json_decref(v);
    json_decref(v2);
}

static void test_depth_limit(void **state)
{
    (void)state;
    json_t *root = json_array(), *cur = root;
    for (int i = 0; i < 70; i++) {
        json_t *n = json_array();
        json_array_append_new(cur, n);
        cur = n;
    }
    assert_null(fl_canon_json(root, NULL));
    assert_int_equal(fl_canon_json_ok(root), 0);
    assert_null(fl_canon_json(NULL, NULL));
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_fixed_point),
        cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
