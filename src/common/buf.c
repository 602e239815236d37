/* buf.c - growable text buffer with a maximum. */
#include "farmlive/buf.h"
#include "farmlive/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void fl_buf_init(fl_buf *b, size_t initial, size_t max)
{
    b->cap = initial ? initial : 256;
    b->p = fl_malloc(b->cap);
    b->p[0] = '\0';
    b->len = 0;
    b->max = max;
    b->truncated = 0;
}

int fl_buf_printf(fl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = fl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Makes room for n more bytes and the NUL: 0, or -1 (b marked truncated,
 * its text unchanged) past its maximum. */
static int grow(fl_buf *b, size_t n)
{
    size_t want = b->len + n + 1;
    if (want <= b->cap)
        return 0;
    if (want > b->max) {
        b->p[b->len] = '\0'; /* drop a partial write */
        b->truncated = 1;
        return -1;
    }
    b->cap = b->cap * 2 > want ? b->cap * 2 : want;
    if (b->cap > b->max)
        b->cap = b->max;
    b->p = fl_realloc(b->p, b->cap);
    return 0;
}

int fl_buf_vprintf(fl_buf *b, const char *fmt, va_list ap)
{
    for (;;) {
        va_list again;
        va_copy(again, ap);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, again);
        va_end(again);
        if (n < 0)
            return -1;
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return 0;
        }
        if (grow(b, (size_t)n) < 0)
            return -1;
    }
}

int fl_buf_append(fl_buf *b, const void *data, size_t n)
{
    if (grow(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

void fl_buf_free(fl_buf *b)
{
    fl_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
