/* values.c - parsing and formatting of values shared by the resources. */
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

int shop_cursor_parse(const char *s, long long *out)
{
    char *end = NULL;
    size_t n = strlen(s);
    if (n == 0 || n > 16 || strspn(s, "0123456789abcdefABCDEF") != n)
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno || *end || v == 0 || v > (unsigned long long)LLONG_MAX)
        return -1;
    *out = (long long)v;
    return 0;
}

json_t *shop_cursor_next(const fl_rows *rows, long long limit, size_t id_col)
{
    char hex[17];
    if (limit <= 0 || fl_rows_count(rows) <= (size_t)limit)
        return json_null();
    snprintf(hex, sizeof(hex), "%llx", (unsigned long long)fl_rows_int(rows, (size_t)limit - 1, id_col));
    return json_string(hex);
}

json_t *shop_json_str(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    return v ? v : json_null();
}
