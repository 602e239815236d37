/* csv.c - CSV cells and rows (see csv.h). */
#include "farmlive/shop/core/csv.h"

#include <string.h>

/* Whether a spreadsheet would take a cell starting with c for a formula. */
static int formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

int shop_csv_cell(fl_buf *b, size_t i, const char *s)
{
    if (i && fl_buf_append(b, ",", 1) < 0)
        return -1;
    if (!s || !*s)
        return 0;
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if ((quote && fl_buf_append(b, "\"", 1) < 0) || (formula_start(s[0]) && fl_buf_append(b, "'", 1) < 0))
        return -1;
    for (const char *p = s; *p;) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
        if (fl_buf_append(b, p, n) < 0 || (q && fl_buf_append(b, "\"", 1) < 0))
            return -1;
        p += n;
    }
    return quote ? fl_buf_append(b, "\"", 1) : 0;
}

int shop_csv_row_end(fl_buf *b)
{
    return fl_buf_append(b, "\r\n", 2);
}
