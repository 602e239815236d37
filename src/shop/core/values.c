/* values.c - parsing and formatting of values shared by the resources (see
 * shop/core/values.h). */
#include "farmlive/shop/core/values.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shop_parse_dec(const char *s, long long min, long long max, long long *out)
{
    char *end = NULL;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

long shop_utf8_chars(const char *s, size_t len)
{
    long n = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t more = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
        if (more == 9 || (more == 1 && c < 0xC2) || (more && i + more >= len))
            return -1;
        for (size_t k = 1; k <= more; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return -1;
        i += more + 1;
        n++;
    }
    return n;
}

/* One hex key of 1..16 digits at s[0..n), at most LLONG_MAX: 0, or -1. */
static int hex_key(const char *s, size_t n, long long *out)
{
    unsigned long long v = 0;
    if (n == 0 || n > 16)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (unsigned long long)d;
    }
    if (v > (unsigned long long)LLONG_MAX)
        return -1;
    *out = (long long)v;
    return 0;
}

int shop_cursor_parse_keys(const char *s, long long *keys, size_t n)
{
    long long v[SHOP_CURSOR_KEYS_MAX];
    if (!s || n == 0 || n > SHOP_CURSOR_KEYS_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *end = i + 1 < n ? strchr(s, '.') : s + strlen(s);
        if (!end || hex_key(s, (size_t)(end - s), &v[i]) < 0)
            return -1;
        s = end + (i + 1 < n);
    }
    if (v[n - 1] == 0)
        return -1; /* the last key is a row id */
    memcpy(keys, v, n * sizeof(*keys));
    return 0;
}

int shop_cursor_parse(const char *s, long long *out)
{
    return shop_cursor_parse_keys(s, out, 1);
}

int shop_page_parse(const char *cursor, const char *limit, size_t nkeys, shop_page *pg, const char **bad_param)
{
    memset(pg, 0, sizeof(*pg));
    pg->limit = SHOP_PAGE_LIMIT_DEFAULT;
    if (limit && shop_parse_dec(limit, 1, SHOP_PAGE_LIMIT_MAX, &pg->limit) < 0) {
        *bad_param = "limit";
        return -1;
    }
    if (cursor && *cursor && shop_cursor_parse_keys(cursor, pg->after, nkeys) < 0) {
        *bad_param = "cursor";
        return -1;
    }
    return 0;
}

void shop_cursor_format(const long long *keys, size_t n, char out[SHOP_CURSOR_TEXT_MAX])
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && i < SHOP_CURSOR_KEYS_MAX; i++)
        len += (size_t)snprintf(out + len, SHOP_CURSOR_TEXT_MAX - len, "%s%llx", i ? "." : "",
                                (unsigned long long)keys[i]);
}

json_t *shop_cursor_next_keys(const fl_rows *rows, long long limit, const size_t *cols, size_t n)
{
    long long keys[SHOP_CURSOR_KEYS_MAX];
    char text[SHOP_CURSOR_TEXT_MAX];
    if (limit <= 0 || n == 0 || n > SHOP_CURSOR_KEYS_MAX || fl_rows_count(rows) <= (size_t)limit)
        return json_null();
    for (size_t i = 0; i < n; i++)
        keys[i] = fl_rows_int(rows, (size_t)limit - 1, cols[i]);
    shop_cursor_format(keys, n, text);
    return json_string(text);
}

json_t *shop_cursor_next(const fl_rows *rows, long long limit, size_t id_col)
{
    return shop_cursor_next_keys(rows, limit, &id_col, 1);
}

json_t *shop_page_json(const fl_rows *rows, long long limit, json_t *(*item)(const fl_rows *rows, size_t i),
                       const size_t *cols, size_t nkeys)
{
    json_t *items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows) && (long long)i < limit; i++)
        json_array_append_new(items, item(rows, i));
    return json_pack("{s:o,s:o}", "items", items, "next_cursor", shop_cursor_next_keys(rows, limit, cols, nkeys));
}

json_t *shop_row_json(const fl_rows *rows, size_t i, const shop_col *fields, size_t n)
{
    json_t *o = json_object();
    for (size_t k = 0; k < n; k++) {
        const shop_col *c = &fields[k];
        const char *s = fl_rows_str(rows, i, c->col);
        json_t *v;
        switch (c->kind) {
        case SHOP_COL_INT:
            v = json_integer(fl_rows_int(rows, i, c->col));
            break;
        case SHOP_COL_INT_OR_NULL:
            v = s ? json_integer(fl_rows_int(rows, i, c->col)) : json_null();
            break;
        case SHOP_COL_DEC:
            v = s ? json_real(strtod(s, NULL)) : json_null();
            break;
        case SHOP_COL_BOOL:
            v = json_boolean(fl_rows_int(rows, i, c->col) != 0);
            break;
        case SHOP_COL_OBJECT_OR_NULL:
            if (c->nsub == 0 || !fl_rows_str(rows, i, c->sub[0].col)) {
                v = json_null();
                break;
            }
            /* fall through */
        case SHOP_COL_OBJECT:
            v = shop_row_json(rows, i, c->sub, c->nsub);
            break;
        default:
            v = shop_json_str(s);
        }
        json_object_set_new(o, c->key, v);
    }
    return o;
}

json_t *shop_json_str(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    return v ? v : json_null();
}

/* ---- links ----------------------------------------------------------------- */

static int url_char_ok(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"'<>\\`{}|^", c);
}

int shop_https_url_valid(const char *u)
{
    const char *host;
    size_t n = 0;
    int dots = 0;
    if (strncmp(u, "https://", 8) != 0)
        return 0;
    host = u += 8;
    for (; *u && *u != ':' && *u != '/' && *u != '?' && *u != '#'; u++, n++) {
        if (*u == '.')
            dots++;
        else if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') || *u == '-'))
            return 0;
    }
    if (n == 0 || n > 253 || !dots || host[0] == '.' || host[0] == '-' || host[n - 1] == '.')
        return 0;
    if (*u == ':') {
        size_t digits = 0;
        for (u++; *u >= '0' && *u <= '9'; u++)
            digits++;
        if (digits < 1 || digits > 5)
            return 0;
    }
    if (*u && *u != '/' && *u != '?' && *u != '#')
        return 0;
    for (; *u; u++)
        if (!url_char_ok((unsigned char)*u))
            return 0;
    return 1;
}

int shop_media_path_valid(const char *u)
{
    if (strncmp(u, "/assets/", 8) == 0)
        u += 8;
    else if (strncmp(u, "/media/", 7) == 0)
        u += 7;
    else
        return 0;
    if (*u == '\0' || *u == '.')
        return 0;
    for (; *u; u++)
        if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') || *u == '.' ||
              *u == '_' || *u == '-'))
            return 0;
    return 1;
}
