/* amf0.c - the AMF0 codec (Action Message Format 0), free of I/O.
 *
 *   value  := marker(1) payload
 *   number   0x00  float64 big-endian
 *   boolean  0x01  u8
 *   string   0x02  u16 length, bytes
 *   object   0x03  { u16 keylen, key, value }* 0x00 0x00 0x09
 *   null     0x05 / undefined 0x06
 *   ecma     0x08  u32 count (a hint only), then as object
 *   strict   0x0a  u32 count, value*count
 *   date     0x0b  float64 ms, s16 timezone
 *   long str 0x0c  u32 length, bytes
 *   typed    0x10  u16 class-name length, name, then as object
 *
 * Decoding builds a tree with the one allocator (fl_*); every length is
 * checked against what is left of the input before it is used, nesting is
 * bounded by AMF0_MAX_DEPTH and the total number of values by
 * AMF0_MAX_ITEMS, so a hostile encoder cannot make the decoder recurse
 * deeply or allocate much more than the bytes it sent. */
#include "farmlive/amf0.h"
#include "farmlive/alloc.h"

#include <string.h>

typedef struct dec {
    const uint8_t *p;
    size_t len, pos;
    size_t items;
} dec;

static int decode_value(dec *d, int depth, amf0_value **out);

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static double rd_double(const uint8_t *p)
{
    uint64_t u = 0;
    double d;
    for (int i = 0; i < 8; i++)
        u = u << 8 | p[i];
    memcpy(&d, &u, sizeof(d));
    return d;
}

static int need(const dec *d, size_t n)
{
    return d->len - d->pos >= n ? AMF0_OK : AMF0_ETRUNC;
}

/* A string body of n bytes at the cursor, copied NUL-terminated. */
static int take_string(dec *d, size_t n, char **s)
{
    if (need(d, n) != AMF0_OK)
        return AMF0_ETRUNC;
    /* not strndup: AMF0 strings may hold NULs, and len must stay true */
    *s = fl_malloc(n + 1);
    memcpy(*s, d->p + d->pos, n);
    (*s)[n] = '\0';
    d->pos += n;
    return AMF0_OK;
}

/* Properties until the 00 00 09 end marker (objects, ECMA arrays, typed). */
static int decode_props(dec *d, int depth, amf0_value *v)
{
    size_t cap = 0;
    for (;;) {
        int rc;
        if (need(d, 2) != AMF0_OK)
            return AMF0_ETRUNC;
        size_t klen = rd16(d->p + d->pos);
        if (klen == 0 && need(d, 3) == AMF0_OK && d->p[d->pos + 2] == AMF0_OBJECT_END) {
            d->pos += 3;
            return AMF0_OK;
        }
        d->pos += 2;
        if (++d->items > AMF0_MAX_ITEMS)
            return AMF0_ELIMIT;
        if (v->nprops == cap) {
            cap = cap ? cap * 2 : 8;
            v->props = fl_realloc(v->props, cap * sizeof(*v->props));
        }
        amf0_prop *pr = &v->props[v->nprops];
        pr->val = NULL;
        if ((rc = take_string(d, klen, &pr->key)) != AMF0_OK)
            return rc;
        pr->klen = klen;
        v->nprops++;
        if ((rc = decode_value(d, depth + 1, &pr->val)) != AMF0_OK)
            return rc;
    }
}

static int decode_body(dec *d, int depth, amf0_value *v)
{
    int rc;
    switch (v->type) {
    case AMF0_NUMBER:
        if (need(d, 8) != AMF0_OK)
            return AMF0_ETRUNC;
        v->num = rd_double(d->p + d->pos);
        d->pos += 8;
        return AMF0_OK;
    case AMF0_BOOLEAN:
        if (need(d, 1) != AMF0_OK)
            return AMF0_ETRUNC;
        v->boolean = d->p[d->pos++] != 0;
        return AMF0_OK;
    case AMF0_STRING:
        if (need(d, 2) != AMF0_OK)
            return AMF0_ETRUNC;
        v->len = rd16(d->p + d->pos);
        d->pos += 2;
        return take_string(d, v->len, &v->str);
    case AMF0_LONG_STRING:
        if (need(d, 4) != AMF0_OK)
            return AMF0_ETRUNC;
        v->len = rd32(d->p + d->pos);
        d->pos += 4;
        v->type = AMF0_STRING;
        return take_string(d, v->len, &v->str);
    case AMF0_NULL:
    case AMF0_UNDEFINED:
        return AMF0_OK;
    case AMF0_TYPED_OBJECT:
        if (need(d, 2) != AMF0_OK)
            return AMF0_ETRUNC;
        v->len = rd16(d->p + d->pos);
        d->pos += 2;
        if ((rc = take_string(d, v->len, &v->class_name)) != AMF0_OK)
            return rc;
        v->len = 0;
        return decode_props(d, depth, v);
    case AMF0_ECMA_ARRAY:
        if (need(d, 4) != AMF0_OK)
            return AMF0_ETRUNC;
        d->pos += 4; /* the count is a hint; the end marker ends it */
        return decode_props(d, depth, v);
    case AMF0_OBJECT:
        return decode_props(d, depth, v);
    case AMF0_STRICT_ARRAY: {
        if (need(d, 4) != AMF0_OK)
            return AMF0_ETRUNC;
        uint32_t n = rd32(d->p + d->pos);
        d->pos += 4;
        /* every item takes at least one byte: a count beyond the input is a lie */
        if (n > d->len - d->pos)
            return AMF0_ETRUNC;
        if (n > AMF0_MAX_ITEMS || d->items + n > AMF0_MAX_ITEMS)
            return AMF0_ELIMIT;
        d->items += n;
        v->items = fl_calloc(n ? n : 1, sizeof(*v->items));
        for (uint32_t i = 0; i < n; i++) {
            v->nitems++;
            if ((rc = decode_value(d, depth + 1, &v->items[i])) != AMF0_OK)
                return rc;
        }
        return AMF0_OK;
    }
    case AMF0_DATE:
        if (need(d, 10) != AMF0_OK)
            return AMF0_ETRUNC;
        v->num = rd_double(d->p + d->pos);
        v->tz = (int16_t)rd16(d->p + d->pos + 8);
        d->pos += 10;
        return AMF0_OK;
    default:
        return AMF0_EBADTYPE;
    }
}

static int decode_value(dec *d, int depth, amf0_value **out)
{
    *out = NULL;
    if (depth > AMF0_MAX_DEPTH)
        return AMF0_EDEPTH;
    if (need(d, 1) != AMF0_OK)
        return AMF0_ETRUNC;
    uint8_t marker = d->p[d->pos];
    switch (marker) {
    case AMF0_NUMBER:
    case AMF0_BOOLEAN:
    case AMF0_STRING:
    case AMF0_OBJECT:
    case AMF0_NULL:
    case AMF0_UNDEFINED:
    case AMF0_ECMA_ARRAY:
    case AMF0_STRICT_ARRAY:
    case AMF0_DATE:
    case AMF0_LONG_STRING:
    case AMF0_TYPED_OBJECT:
        break;
    default:
        return AMF0_EBADTYPE;
    }
    d->pos++;
    amf0_value *v = fl_calloc(1, sizeof(*v));
    v->type = (enum amf0_type)marker;
    *out = v; /* owned by the caller's tree even on error, so it is freed */
    return decode_body(d, depth, v);
}

int amf0_decode(const uint8_t *p, size_t len, amf0_value **out, size_t *used)
{
    dec d = {.p = p, .len = p ? len : 0};
    int rc = decode_value(&d, 0, out);
    if (rc != AMF0_OK) {
        amf0_free(*out);
        *out = NULL;
        return rc;
    }
    if (used)
        *used = d.pos;
    return AMF0_OK;
}

int amf0_decode_all(const uint8_t *p, size_t len, amf0_value **vals, size_t max, size_t *n)
{
    size_t pos = 0, used;
    *n = 0;
    while (pos < len) {
        if (*n == max)
            return AMF0_OK; /* the caller asked for the first max values only */
        int rc = amf0_decode(p + pos, len - pos, &vals[*n], &used);
        if (rc != AMF0_OK) {
            amf0_free_all(vals, *n);
            *n = 0;
            return rc;
        }
        (*n)++;
        pos += used;
    }
    return AMF0_OK;
}

void amf0_free(amf0_value *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nprops; i++) {
        fl_free(v->props[i].key);
        amf0_free(v->props[i].val);
    }
    for (size_t i = 0; i < v->nitems; i++)
        amf0_free(v->items[i]);
    fl_free(v->props);
    fl_free(v->items);
    fl_free(v->str);
    fl_free(v->class_name);
    fl_free(v);
}

void amf0_free_all(amf0_value **vals, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        amf0_free(vals[i]);
        vals[i] = NULL;
    }
}

const amf0_value *amf0_get(const amf0_value *obj, const char *key)
{
    if (!obj || !key)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < obj->nprops; i++)
        if (obj->props[i].klen == klen && memcmp(obj->props[i].key, key, klen) == 0)
            return obj->props[i].val;
    return NULL;
}

const char *amf0_string(const amf0_value *v)
{
    return v && v->type == AMF0_STRING ? v->str : NULL;
}

const char *amf0_get_string(const amf0_value *obj, const char *key)
{
    return amf0_string(amf0_get(obj, key));
}

double amf0_number(const amf0_value *v, double fallback)
{
    return v && v->type == AMF0_NUMBER ? v->num : fallback;
}

/* -- encoder ----------------------------------------------------------- */

void amf0_buf_init(amf0_buf *b, size_t max)
{
    *b = (amf0_buf){.max = max};
}

void amf0_buf_free(amf0_buf *b)
{
    fl_free(b->p);
    *b = (amf0_buf){0};
}

static void put(amf0_buf *b, const void *src, size_t n)
{
    if (b->err || n == 0)
        return;
    if (n > b->max || b->len > b->max - n) {
        b->err = AMF0_ELIMIT;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        if (cap > b->max)
            cap = b->max;
        b->p = fl_realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put8(amf0_buf *b, uint8_t v)
{
    put(b, &v, 1);
}
static void put16(amf0_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 2);
}
static void put32(amf0_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 4);
}
static void put_double(amf0_buf *b, double d)
{
    uint64_t u;
    uint8_t x[8];
    memcpy(&u, &d, sizeof(u));
    for (int i = 7; i >= 0; i--, u >>= 8)
        x[i] = (uint8_t)u;
    put(b, x, 8);
}

void amf0_put_number(amf0_buf *b, double d)
{
    put8(b, AMF0_NUMBER);
    put_double(b, d);
}

void amf0_put_bool(amf0_buf *b, int v)
{
    put8(b, AMF0_BOOLEAN);
    put8(b, v ? 1 : 0);
}

void amf0_put_string(amf0_buf *b, const char *s, size_t len)
{
    if (len <= 0xffff) {
        put8(b, AMF0_STRING);
        put16(b, (uint16_t)len);
    } else if (len <= 0xffffffffu) {
        put8(b, AMF0_LONG_STRING);
        put32(b, (uint32_t)len);
    } else {
        b->err = AMF0_ELIMIT;
        return;
    }
    put(b, s, len);
}

void amf0_put_cstr(amf0_buf *b, const char *s)
{
    amf0_put_string(b, s, strlen(s));
}
void amf0_put_null(amf0_buf *b)
{
    put8(b, AMF0_NULL);
}
void amf0_put_undefined(amf0_buf *b)
{
    put8(b, AMF0_UNDEFINED);
}

void amf0_put_date(amf0_buf *b, double ms, int16_t tz)
{
    put8(b, AMF0_DATE);
    put_double(b, ms);
    put16(b, (uint16_t)tz);
}

void amf0_put_object_begin(amf0_buf *b)
{
    put8(b, AMF0_OBJECT);
}

void amf0_put_ecma_begin(amf0_buf *b, uint32_t count)
{
    put8(b, AMF0_ECMA_ARRAY);
    put32(b, count);
}

void amf0_put_key(amf0_buf *b, const char *key, size_t klen)
{
    if (klen > 0xffff) {
        b->err = AMF0_ELIMIT;
        return;
    }
    put16(b, (uint16_t)klen);
    put(b, key, klen);
}

void amf0_put_object_end(amf0_buf *b)
{
    static const uint8_t end[3] = {0, 0, AMF0_OBJECT_END};
    put(b, end, 3);
}

void amf0_put_strict_begin(amf0_buf *b, uint32_t count)
{
    put8(b, AMF0_STRICT_ARRAY);
    put32(b, count);
}

static void put_props(amf0_buf *b, const amf0_value *v)
{
    for (size_t i = 0; i < v->nprops; i++) {
        amf0_put_key(b, v->props[i].key, v->props[i].klen);
        amf0_put_value(b, v->props[i].val);
    }
    amf0_put_object_end(b);
}

void amf0_put_value(amf0_buf *b, const amf0_value *v)
{
    if (!v) {
        amf0_put_undefined(b);
        return;
    }
    switch (v->type) {
    case AMF0_NUMBER:
        amf0_put_number(b, v->num);
        break;
    case AMF0_BOOLEAN:
        amf0_put_bool(b, v->boolean);
        break;
    case AMF0_STRING:
    case AMF0_LONG_STRING:
        amf0_put_string(b, v->str ? v->str : "", v->len);
        break;
    case AMF0_NULL:
        amf0_put_null(b);
        break;
    case AMF0_DATE:
        amf0_put_date(b, v->num, v->tz);
        break;
    case AMF0_OBJECT:
        amf0_put_object_begin(b);
        put_props(b, v);
        break;
    case AMF0_ECMA_ARRAY:
        amf0_put_ecma_begin(b, (uint32_t)v->nprops);
        put_props(b, v);
        break;
    case AMF0_TYPED_OBJECT: {
        size_t n = v->class_name ? strlen(v->class_name) : 0;
        put8(b, AMF0_TYPED_OBJECT);
        amf0_put_key(b, v->class_name ? v->class_name : "", n);
        put_props(b, v);
        break;
    }
    case AMF0_STRICT_ARRAY:
        amf0_put_strict_begin(b, (uint32_t)v->nitems);
        for (size_t i = 0; i < v->nitems; i++)
            amf0_put_value(b, v->items[i]);
        break;
    default:
        amf0_put_undefined(b);
        break;
    }
}
