/* canon_json.c - canonical JSON writer (rules in canon_json.h).
 *
 * A growable buffer with a hard maximum; every failure (real, depth, size)
 * marks the buffer failed and the caller gets NULL. Object keys are collected
 * into a temporary array and sorted with memcmp before writing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/canon_json.h"

#define CANON_DEPTH_MAX 64

typedef struct canon_buf {
    char *p;
    size_t len, cap;
    int failed;
} canon_buf;

static void put(canon_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > FL_CANON_MAX) {
        b->failed = 1;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = fl_realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_string(canon_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0';
            u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = '\0';
            esc = u;
        }
        put(b, s + run, i - run);
        put(b, esc, strlen(esc));
        run = i + 1;
    }
    put(b, s + run, n - run);
    put(b, "\"", 1);
}

static int key_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t nx = strlen(x), ny = strlen(y);
    int c = memcmp(x, y, nx < ny ? nx : ny);
    return c ? c : (nx > ny) - (nx < ny);
}

static void put_value(canon_buf *b, const json_t *v, int depth)
{
    char num[32];
    if (b->failed)
        return;
    if (depth > CANON_DEPTH_MAX) {
        b->failed = 1;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = fl_calloc(n ? n : 1, sizeof(*keys));
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) keys[i++] = k;
        qsort(keys, n, sizeof(*keys), key_cmp);
        put(b, "{", 1);
        for (i = 0; i < n; i++) {
            if (i)
                put(b, ",", 1);
            put_string(b, keys[i], strlen(keys[i]));
            put(b, ":", 1);
            put_value(b, json_object_get(v, keys[i]), depth + 1);
        }
        put(b, "}", 1);
        fl_free(keys);
        break;
    }
    case JSON_ARRAY:
        put(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                put(b, ",", 1);
            put_value(b, json_array_get(v, i), depth + 1);
        }
        put(b, "]", 1);
        break;
    case JSON_STRING:
        put_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        put(b, num, strlen(num));
        break;
    case JSON_TRUE:
        put(b, "true", 4);
        break;
    case JSON_FALSE:
        put(b, "false", 5);
        break;
    case JSON_NULL:
        put(b, "null", 4);
        break;
    case JSON_REAL:
    default:
        b->failed = 1;
    }
}

char *fl_canon_json(const json_t *v, size_t *len)
{
    canon_buf b = {0};
    if (!v)
        return NULL;
    put_value(&b, v, 0);
    if (b.failed) {
        fl_free(b.p);
        return NULL;
    }
    if (len)
        *len = b.len;
    return b.p;
}

static int ok_value(const json_t *v, int depth)
{
    const char *k;
    json_t *x;
    size_t i;
    if (depth > CANON_DEPTH_MAX || json_is_real(v))
        return 0;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) if (!ok_value(x, depth + 1)) return 0;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (!ok_value(x, depth + 1)) return 0;
    }
    return 1;
}

int fl_canon_json_ok(const json_t *v)
{
    return v && ok_value(v, 0);
}
