/* buf.h - a growable text buffer with a maximum size.
 *
 * fl_buf_printf() (fl_buf_vprintf(), with a va_list) and fl_buf_append()
 * (bytes as they are, for hot paths that format around known text) append;
 * when the text
 * would pass the buffer's maximum it appends nothing, marks the buffer
 * truncated and returns -1, so an unexpected input can never grow memory
 * without bound. fl_buf_free() accepts a buffer that was never written. */
#ifndef FARMLIVE_BUF_H
#define FARMLIVE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct fl_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    int truncated;
} fl_buf;

void fl_buf_init(fl_buf *b, size_t initial, size_t max);
int fl_buf_printf(fl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fl_buf_vprintf(fl_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int fl_buf_append(fl_buf *b, const void *data, size_t n);
void fl_buf_free(fl_buf *b);

#endif
