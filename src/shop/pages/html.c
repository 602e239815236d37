/* html.c - the escaping page writer (contract in shop/pages/html.h). */
#include "farmlive/shop/pages/html.h"
#include "farmlive/shop/core/gzip.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HTML_CHUNK 4096

void shop_html_init(shop_html *h, size_t max)
{
    fl_buf_init(&h->buf, max < HTML_CHUNK ? max : HTML_CHUNK, max);
    h->failed = 0;
}

void shop_html_free(shop_html *h)
{
    if (h)
        fl_buf_free(&h->buf);
}

void shop_html_raw(shop_html *h, const void *data, size_t n)
{
    if (!h->failed && fl_buf_append(&h->buf, data, n) != 0)
        h->failed = 1;
}

void shop_html_text(shop_html *h, const char *s)
{
    const char *run = s;
    if (!s)
        return;
    for (; *s; s++) {
        const char *e = *s == '&'    ? "&amp;"
                        : *s == '<'  ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;
        if (!e)
            continue;
        shop_html_raw(h, run, (size_t)(s - run));
        shop_html_raw(h, e, strlen(e));
        run = s + 1;
    }
    shop_html_raw(h, run, (size_t)(s - run));
}

static void put_number(shop_html *h, long long v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", v);
    shop_html_raw(h, num, (size_t)n);
}

void shop_html_put(shop_html *h, const char *tmpl, ...)
{
    const char *run = tmpl, *p = tmpl;
    va_list ap;
    va_start(ap, tmpl);
    while (*p && !h->failed) {
        if (*p != '%') {
            p++;
            continue;
        }
        shop_html_raw(h, run, (size_t)(p - run));
        if (p[1] == 's') {
            shop_html_text(h, va_arg(ap, const char *));
            p += 2;
        } else if (p[1] == 'm') {
            const char *m = va_arg(ap, const char *);
            if (m)
                shop_html_raw(h, m, strlen(m));
            p += 2;
        } else if (p[1] == 'd') {
            put_number(h, va_arg(ap, int));
            p += 2;
        } else if (strncmp(p + 1, "lld", 3) == 0) {
            put_number(h, va_arg(ap, long long));
            p += 4;
        } else if (p[1] == '%') {
            shop_html_raw(h, "%", 1);
            p += 2;
        } else {
            h->failed = 1; /* a template the writer does not know: a bug */
        }
        run = p;
    }
    shop_html_raw(h, run, (size_t)(p - run));
    va_end(ap);
}

int shop_html_reply(shop_req *r, shop_html *h, int status, const char *type)
{
    char *copy;
    int rc;
    if (h->failed) {
        rc = shop_fail(r, SHOP_E_INTERNAL, "the page is larger than its maximum");
    } else {
        copy = fl_arena_alloc(r->arena, h->buf.len + 1);
        memcpy(copy, h->buf.p, h->buf.len + 1);
        rc = shop_reply_compressible(r, status, type, copy, h->buf.len);
    }
    shop_html_free(h);
    return rc;
}
