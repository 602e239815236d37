/* amf0.h - AMF0 values: decode bytes into a small tree, encode values to bytes.
 *
 * Pure codec, no I/O (STYLE habit 8): the RTMP command layer, the unit tests
 * and the fuzzer call it directly. Supported markers: number, boolean,
 * string, object, null, undefined, ECMA array, object end, strict array,
 * date, long string, typed object (decoded as an object); references,
 * movieclip, recordset, XML and AVM+ switch are refused (AMF0_EBADTYPE).
 *
 * Bounds: nesting deeper than AMF0_MAX_DEPTH, more than AMF0_MAX_ITEMS
 * properties/items in total per decode call, or a length running past the
 * input fail cleanly; nothing is read outside [p, p+len). */
#ifndef FARMLIVE_AMF0_H
#define FARMLIVE_AMF0_H

#include <stddef.h>
#include <stdint.h>

#define AMF0_MAX_DEPTH 16
#define AMF0_MAX_ITEMS 4096

enum amf0_type {
    AMF0_NUMBER = 0x00,
    AMF0_BOOLEAN = 0x01,
    AMF0_STRING = 0x02,
    AMF0_OBJECT = 0x03,
    AMF0_NULL = 0x05,
    AMF0_UNDEFINED = 0x06,
    AMF0_ECMA_ARRAY = 0x08,
    AMF0_OBJECT_END = 0x09,
    AMF0_STRICT_ARRAY = 0x0a,
    AMF0_DATE = 0x0b,
    AMF0_LONG_STRING = 0x0c,
    AMF0_TYPED_OBJECT = 0x10,
};

/* Status vocabulary of this layer. */
enum {
    AMF0_OK = 0,
    AMF0_ETRUNC = -1,   /* input ends inside a value */
    AMF0_EBADTYPE = -2, /* unknown or refused marker */
    AMF0_EDEPTH = -3,   /* nested deeper than AMF0_MAX_DEPTH */
    AMF0_ELIMIT = -4,   /* too many items, or an output buffer reached its max */
};

typedef struct amf0_value amf0_value;
typedef struct amf0_prop {
    char *key; /* NUL-terminated; klen bytes (keys may hold NULs) */
    size_t klen;
    amf0_value *val;
} amf0_prop;

/* One decoded value. Strings (STRING and LONG_STRING both decode to
 * AMF0_STRING) are NUL-terminated copies with their length in len. OBJECT,
 * ECMA_ARRAY and TYPED_OBJECT hold props; STRICT_ARRAY holds items; DATE
 * holds num (ms since epoch) and tz. */
struct amf0_value {
    enum amf0_type type;
    double num;
    int boolean;
    int16_t tz;
    char *str;
    size_t len;
    char *class_name; /* TYPED_OBJECT only */
    amf0_prop *props;
    size_t nprops;
    amf0_value **items;
    size_t nitems;
};

/* Decodes one value from p[0..len). On AMF0_OK *out owns a tree (free with
 * amf0_free) and *used says how many bytes it took. On error *out is NULL. */
int amf0_decode(const uint8_t *p, size_t len, amf0_value **out, size_t *used);
/* Decodes values until the input ends, at most max of them; *n gets the
 * count. On error every value decoded so far is freed and *n is 0. */
int amf0_decode_all(const uint8_t *p, size_t len, amf0_value **vals, size_t max, size_t *n);
void amf0_free(amf0_value *v);
void amf0_free_all(amf0_value **vals, size_t n);

/* Lookups; NULL / fallback when absent or of another type. */
const amf0_value *amf0_get(const amf0_value *obj, const char *key);
const char *amf0_get_string(const amf0_value *obj, const char *key);
const char *amf0_string(const amf0_value *v); /* v's text if a string */
double amf0_number(const amf0_value *v, double fallback);

/* A growable output buffer with a maximum: writes past max set err (and
 * every later write is a no-op), so builders check once at the end. */
typedef struct amf0_buf {
    uint8_t *p;
    size_t len, cap, max;
    int err;
} amf0_buf;

void amf0_buf_init(amf0_buf *b, size_t max);
void amf0_buf_free(amf0_buf *b);
void amf0_put_number(amf0_buf *b, double d);
void amf0_put_bool(amf0_buf *b, int v);
/* STRING when len <= 0xffff, LONG_STRING otherwise. */
void amf0_put_string(amf0_buf *b, const char *s, size_t len);
void amf0_put_cstr(amf0_buf *b, const char *s);
void amf0_put_null(amf0_buf *b);
void amf0_put_undefined(amf0_buf *b);
void amf0_put_date(amf0_buf *b, double ms, int16_t tz);
/* Objects and ECMA arrays: begin, then key + value pairs, then end. */
void amf0_put_object_begin(amf0_buf *b);
void amf0_put_ecma_begin(amf0_buf *b, uint32_t count);
void amf0_put_key(amf0_buf *b, const char *key, size_t klen);
void amf0_put_object_end(amf0_buf *b);
void amf0_put_strict_begin(amf0_buf *b, uint32_t count);
/* Encodes a decoded tree back (typed objects keep their class name). */
void amf0_put_value(amf0_buf *b, const amf0_value *v);

#endif
