/* test_amf0.c - src/relay/amf0.c: data-driven decode cases (bytes in ->
 * status, type, bytes used), round trips through the encoder, every prefix
 * of valid encodings refused cleanly, the depth and item bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/relay/amf0.c"

typedef struct dcase {
    const char *name;
    const uint8_t *in;
    size_t len;
    int rc;              /* expected status */
    enum amf0_type type; /* when AMF0_OK */
    size_t used;
} dcase;

#define B(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static const dcase dcases[] = {
    {"number 1.5", B(0x00, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0), AMF0_OK, AMF0_NUMBER, 9},
    {"number truncated", B(0x00, 0x3f, 0xf8, 0), AMF0_ETRUNC, 0, 0},
    {"boolean true", B(0x01, 0x01), AMF0_OK, AMF0_BOOLEAN, 2},
    {"string ab", B(0x02, 0x00, 0x02, 'a', 'b'), AMF0_OK, AMF0_STRING, 5},
    {"string holding a NUL", B(0x02, 0x00, 0x03, 'a', 0, 'b'), AMF0_OK, AMF0_STRING, 6},
    {"string length past end", B(0x02, 0xff, 0xff, 'a'), AMF0_ETRUNC, 0, 0},
    {"long string", B(0x0c, 0, 0, 0, 3, 'x', 'y', 'z'), AMF0_OK, AMF0_STRING, 8},
    {"long string 4 GiB claimed", B(0x0c, 0xff, 0xff, 0xff, 0xff, 'x'), AMF0_ETRUNC, 0, 0},
    {"null", B(0x05), AMF0_OK, AMF0_NULL, 1},
    {"undefined", B(0x06), AMF0_OK, AMF0_UNDEFINED, 1},
    {"empty object", B(0x03, 0, 0, 0x09), AMF0_OK, AMF0_OBJECT, 4},
    {"object a=null", B(0x03, 0, 1, 'a', 0x05, 0, 0, 0x09), AMF0_OK, AMF0_OBJECT, 8},
    {"object without end", B(0x03, 0, 1, 'a', 0x05), AMF0_ETRUNC, 0, 0},
    {"ecma array", B(0x08, 0, 0, 0, 1, 0, 1, 'w', 0x01, 1, 0, 0, 0x09), AMF0_OK, AMF0_ECMA_ARRAY, 13},
    {"ecma count lies", B(0x08, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x09), AMF0_OK, AMF0_ECMA_ARRAY, 8},
    {"strict array 2", B(0x0a, 0, 0, 0, 2, 0x05, 0x06), AMF0_OK, AMF0_STRICT_ARRAY, 7},
    {"strict array count lies", B(0x0a, 0x7f, 0xff, 0xff, 0xff, 0x05), AMF0_ETRUNC, 0, 0},
    {"date", B(0x0b, 0x42, 0x77, 0, 0, 0, 0, 0, 0, 0xff, 0xc4), AMF0_OK, AMF0_DATE, 11},
    {"typed object", B(0x10, 0, 1, 'C', 0, 1, 'k', 0x05, 0, 0, 0x09), AMF0_OK, AMF0_TYPED_OBJECT, 11},
    {"reference refused", B(0x07, 0, 1), AMF0_EBADTYPE, 0, 0},
    {"movieclip refused", B(0x04), AMF0_EBADTYPE, 0, 0},
    {"avmplus refused", B(0x11, 0x01), AMF0_EBADTYPE, 0, 0},
    {"bad marker inside object", B(0x03, 0, 1, 'a', 0x42, 0, 0, 0x09), AMF0_EBADTYPE, 0, 0},
    {"empty input", (const uint8_t *)"", 0, AMF0_ETRUNC, 0, 0},
};

static void test_decode_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
        const dcase *c = &dcases[i];
        amf0_value *v = (amf0_value *)1;
        size_t used = 0;
        int rc = amf0_decode(c->in, c->len, &v, &used);
        if (rc != c->rc)
            fail_msg("%s: rc %d, want %d", c->name, rc, c->rc);
        if (rc == AMF0_OK) {
            if (v->type != c->type || used != c->used)
                fail_msg("%s: type %d used %zu, want %d %zu", c->name, v->type, used, c->type, c->used);
        } else if (v != NULL) {
            fail_msg("%s: *out not NULL on error", c->name);
        }
        amf0_free(v);
    }
}

static void test_values(void **state)
{
    (void)state;
    amf0_value *v;
    size_t used;
    assert_int_equal(amf0_decode(B(0x00, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0), &v, &used), AMF0_OK);
    assert_true(v->num == 1.5);
    amf0_free(v);
    assert_int_equal(amf0_decode(B(0x03, 0, 3, 'a', 'p', 'p', 0x02, 0, 4, 'l', 'i', 'v', 'e', 0, 0, 0x09), &v, &used),
                     AMF0_OK);
    assert_string_equal(amf0_get_string(v, "app"), "live");
    assert_null(amf0_get(v, "tcUrl"));
    assert_null(amf0_get_string(NULL, "app"));
    amf0_free(v);
    assert_int_equal(amf0_decode(B(0x0b, 0x42, 0x77, 0, 0, 0, 0, 0, 0, 0xff, 0xc4), &v, &used), AMF0_OK);
    assert_int_equal(v->tz, -60);
    amf0_free(v);
    /* a NUL inside a string keeps the full length (fuzzer find) */
    assert_int_equal(amf0_decode(B(0x02, 0x00, 0x03, 'a', 0, 'b'), &v, &used), AMF0_OK);
    assert_int_equal(v->len, 3);
    assert_int_equal(v->str[2], 'b');
    amf0_free(v);
}

/* A connect command as FFmpeg sends it, built with the encoder. */
static void build_connect(amf0_buf *b)
{
    amf0_put_cstr(b, "connect");
    amf0_put_number(b, 1);
    amf0_put_object_begin(b);
    amf0_put_key(b, "app", 3);
    amf0_put_cstr(b, "live");
    amf0_put_key(b, "fpad", 4);
    amf0_put_bool(b, 0);
    amf0_put_key(b, "tcUrl", 5);
    amf0_put_cstr(b, "rtmp://127.0.0.1:1935/live");
    amf0_put_key(b, "when", 4);
    amf0_put_date(b, 1.7e12, 0);
    amf0_put_key(b, "list", 4);
    amf0_put_strict_begin(b, 2);
    amf0_put_null(b);
    amf0_put_undefined(b);
    amf0_put_object_end(b);
    amf0_put_ecma_begin(b, 1);
    amf0_put_key(b, "width", 5);
    amf0_put_number(b, 320);
    amf0_put_object_end(b);
}

static void test_round_trip(void **state)
{
    (void)state;
    amf0_buf b, b2;
    amf0_value *vals[8];
    size_t n;
    amf0_buf_init(&b, 1 << 16);
    build_connect(&b);
    assert_int_equal(b.err, 0);
    assert_int_equal(amf0_decode_all(b.p, b.len, vals, 8, &n), AMF0_OK);
    assert_int_equal(n, 4);
    assert_string_equal(amf0_string(vals[0]), "connect");
    assert_true(amf0_number(vals[1], 0) == 1);
    assert_string_equal(amf0_get_string(vals[2], "tcUrl"), "rtmp://127.0.0.1:1935/live");
    assert_int_equal(amf0_get(vals[2], "list")->nitems, 2);
    assert_true(amf0_number(amf0_get(vals[3], "width"), 0) == 320);
    amf0_buf_init(&b2, 1 << 16);
    for (size_t i = 0; i < n; i++)
        amf0_put_value(&b2, vals[i]);
    assert_int_equal(b2.len, b.len);
    assert_memory_equal(b2.p, b.p, b.len);
    amf0_free_all(vals, n);
    amf0_buf_free(&b2);

    /* every proper prefix is refused without a leak or a read past the end */
    for (size_t cut = 1; cut < b.len; cut++) {
        uint8_t *copy = fl_malloc(cut); /* exact size: ASan sees any overread */
        memcpy(copy, b.p, cut);
        int rc = amf0_decode_all(copy, cut, vals, 8, &n);
        assert_true(rc == AMF0_ETRUNC || (rc == AMF0_OK && n < 4));
        amf0_free_all(vals, n);
        fl_free(copy);
    }
    amf0_buf_free(&b);
}

static void test_long_string_and_limits(void **state)
{
    (void)state;
    amf0_buf b;
    amf0_value *v;
    size_t used;
    char big[70000];
    memset(big, 'k', sizeof(big));
    amf0_buf_init(&b, 1 << 20);
    amf0_put_string(&b, big, sizeof(big));
    assert_int_equal(b.p[0], AMF0_LONG_STRING);
    assert_int_equal(amf0_decode(b.p, b.len, &v, &used), AMF0_OK);
    assert_int_equal(v->len, sizeof(big));
    amf0_free(v);
    amf0_buf_free(&b);

    amf0_buf_init(&b, 16); /* the buffer's maximum is honoured */
    amf0_put_cstr(&b, "a string longer than sixteen bytes");
    assert_int_not_equal(b.err, 0);
    amf0_buf_free(&b);
}

static void test_depth_bound(void **state)
{
    (void)state;
    uint8_t in[4 * (AMF0_MAX_DEPTH + 4) + 8];
    size_t n = 0;
    amf0_value *v;
    size_t used;
    for (int d = 0; d <= AMF0_MAX_DEPTH + 2; d++) { /* {a:{a:{a:...}}} */
        in[n++] = AMF0_OBJECT;
        in[n++] = 0;
        in[n++] = 1;
        in[n++] = 'a';
    }
    in[n++] = AMF0_NULL;
    assert_int_equal(amf0_decode(in, n, &v, &used), AMF0_EDEPTH);
    assert_null(v);
    /* strict arrays nest too */
    uint8_t arr[5 * (AMF0_MAX_DEPTH + 4)];
    n = 0;
    for (int d = 0; d <= AMF0_MAX_DEPTH + 2; d++) {
        arr[n++] = AMF0_STRICT_ARRAY;
        arr[n++] = 0;
        arr[n++] = 0;
        arr[n++] = 0;
        arr[n++] = 1;
    }
    assert_int_equal(amf0_decode(arr, n, &v, &used), AMF0_EDEPTH);
    assert_null(v);
}

static void test_item_bound(void **state)
{
    (void)state;
    size_t count = AMF0_MAX_ITEMS + 10, n = 0;
    uint8_t *in = fl_malloc(5 + count);
    amf0_value *v;
    size_t used;
    in[n++] = AMF0_STRICT_ARRAY;
    in[n++] = (uint8_t)(count >> 24);
    in[n++] = (uint8_t)(count >> 16);
    in[n++] = (uint8_t)(count >> 8);
    in[n++] = (uint8_t)count;
    memset(in + n, AMF0_NULL, count);
    assert_int_equal(amf0_decode(in, n + count, &v, &used), AMF0_ELIMIT);
    fl_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_cases), cmocka_unit_test(test_values),
        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_long_string_and_limits),
        cmocka_unit_test(test_depth_bound),  cmocka_unit_test(test_item_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
