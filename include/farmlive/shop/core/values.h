/* shop/core/values.h - values in requests and replies, shared by the resources:
 * query-string numbers, page cursors, nullable JSON strings, UTF-8 lengths.
 * Pure: no I/O. */
#ifndef FARMLIVE_SHOP_CORE_VALUES_H
#define FARMLIVE_SHOP_CORE_VALUES_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/db.h"

/* A decimal integer in [min, max], digits only (no sign, no spaces):
 * 0 with *out set, or -1. */
int shop_parse_dec(const char *s, long long min, long long max, long long *out);

/* Number of UTF-8 characters in s[0..len), or -1 when it is not valid UTF-8
 * (overlong two-byte forms and truncated sequences included). */
long shop_utf8_chars(const char *s, size_t len);

/* ---- pages ---------------------------------------------------------------
 *
 * Every list answers {"items": [...], "next_cursor": "<string>" | null} and
 * takes ?cursor= (the next_cursor of the previous page; empty or absent: the
 * first page) and ?limit= (1..SHOP_PAGE_LIMIT_MAX, default
 * SHOP_PAGE_LIMIT_DEFAULT). A cursor is opaque to clients; inside, it holds
 * the sort keys of the last row shown, each in hex, joined by '.': one key
 * (the row id) for lists ordered by id, more for lists ordered by something
 * else first (members: joined time, then account id). The last key is a row
 * id (> 0); the others are >= 0. A query reads one row more than the limit:
 * that row existing is what says another page follows. */
#define SHOP_PAGE_LIMIT_DEFAULT 20
#define SHOP_PAGE_LIMIT_MAX 100
#define SHOP_CURSOR_KEYS_MAX 2

typedef struct shop_page {
    long long limit;                       /* rows shown on a page */
    long long after[SHOP_CURSOR_KEYS_MAX]; /* the cursor's keys; all 0 on the first page */
} shop_page;

/* The page asked for by the query values cursor and limit (each NULL when
 * absent), for a list whose cursor has nkeys keys: 0 with *pg set, or -1
 * with *bad_param naming the parameter at fault ("cursor" or "limit"). */
int shop_page_parse(const char *cursor, const char *limit, size_t nkeys, shop_page *pg, const char **bad_param);

/* A cursor of n keys ("1f", "18c2b6a1f00.2a"): 0 with keys[0..n) set, or -1
 * for anything else (empty included). */
int shop_cursor_parse_keys(const char *s, long long *keys, size_t n);
/* A one-key cursor (the id of the last row shown). */
int shop_cursor_parse(const char *s, long long *out);

/* keys[0..n) as a cursor's text ("1f", "18c2b6a1f00.2a") into out; the
 * inverse of shop_cursor_parse_keys. */
#define SHOP_CURSOR_TEXT_MAX (SHOP_CURSOR_KEYS_MAX * 17)
void shop_cursor_format(const long long *keys, size_t n, char out[SHOP_CURSOR_TEXT_MAX]);

/* The "next_cursor" of a page: rows holds up to limit + 1 rows; the cursor
 * is the keys in cols[0..n) of row limit - 1, or JSON null when there is no
 * row after it (the last page). */
json_t *shop_cursor_next_keys(const fl_rows *rows, long long limit, const size_t *cols, size_t n);
/* The same for lists ordered by id alone: the id in id_col. */
json_t *shop_cursor_next(const fl_rows *rows, long long limit, size_t id_col);

/* A page's answer: {"items": [item(rows, i) for the first limit rows],
 * "next_cursor": shop_cursor_next_keys(rows, limit, cols, nkeys)}. */
json_t *shop_page_json(const fl_rows *rows, long long limit, json_t *(*item)(const fl_rows *rows, size_t i),
                       const size_t *cols, size_t nkeys);

/* ---- rows as JSON ----------------------------------------------------------
 *
 * A record's JSON declared as a field list: each field names its key, the
 * column it comes from and how it is written; SHOP_COL_OBJECT nests a field
 * list as an object, SHOP_COL_OBJECT_OR_NULL the same, or null when the
 * nested list's first column is NULL (an optional reference). Fields come
 * out in the order listed. */
enum shop_col_kind {
    SHOP_COL_STR,           /* a string; NULL -> null */
    SHOP_COL_INT,           /* an integer */
    SHOP_COL_INT_OR_NULL,   /* an integer; NULL -> null */
    SHOP_COL_DEC,           /* a DECIMAL as a number; NULL -> null */
    SHOP_COL_BOOL,          /* 0 -> false, else true */
    SHOP_COL_OBJECT,        /* sub[0..nsub) as an object */
    SHOP_COL_OBJECT_OR_NULL /* as OBJECT; null when sub[0]'s column is NULL */
};

typedef struct shop_col {
    const char *key;
    size_t col;
    int kind;
    const struct shop_col *sub;
    size_t nsub;
} shop_col;

/* Row i of rows as an object of fields[0..n). */
json_t *shop_row_json(const fl_rows *rows, size_t i, const shop_col *fields, size_t n);

/* s as a JSON string; null when s is NULL (or not valid UTF-8). */
json_t *shop_json_str(const char *s);

/* ---- links ----------------------------------------------------------------
 *
 * Every URL the shop stores and shows again (certificates' verify_url,
 * products' images) is checked by one of these: a link a buyer's browser
 * follows or loads must not run script (javascript:, data:), leak the
 * buyer's address over plain http, or break out of an attribute. */

/* https://host[:port][/path?query#fragment]: a host of letters, digits, '.'
 * and '-' (at least one dot, no leading dot or dash), a port of 1 to 5
 * digits, then printable ASCII but for space, quotes, '<', '>', '\\', '`',
 * '{', '}', '|', '^'. Percent-escapes carry anything else. */
int shop_https_url_valid(const char *u);
/* The shop's own media: "/assets/NAME" (GET /assets/{file}) or
 * "/media/NAME" (an uploaded image's rendition, GET /media/{file}), NAME of
 * [A-Za-z0-9._-] not starting with a dot. */
int shop_media_path_valid(const char *u);

#endif
