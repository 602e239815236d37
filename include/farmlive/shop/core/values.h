/* shop/core/values.h - values in requests and replies, shared by the resources:
 * query-string numbers, page cursors, nullable JSON strings. */
#ifndef FARMLIVE_SHOP_CORE_VALUES_H
#define FARMLIVE_SHOP_CORE_VALUES_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/db.h"

/* A decimal integer in [min, max], digits only (no sign, no spaces):
 * 0 with *out set, or -1. */
int shop_parse_dec(const char *s, long long min, long long max, long long *out);

/* Lists page by id, descending; a cursor is the last id of the previous
 * page in hex. 0 with *out set, or -1 for anything else. */
int shop_cursor_parse(const char *s, long long *out);
/* The "next_cursor" of a page: rows holds up to limit + 1 rows (one more
 * than shown tells that another page exists); the cursor is the id in
 * id_col of the last row shown, or JSON null on the last page. */
json_t *shop_cursor_next(const fl_rows *rows, long long limit, size_t id_col);

/* s as a JSON string; null when s is NULL (or not valid UTF-8). */
json_t *shop_json_str(const char *s);

#endif
