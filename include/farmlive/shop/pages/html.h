/* shop/pages/html.h - the one writer of server-rendered pages: a growable
 * buffer with a maximum size, filled from templates whose text arguments
 * are HTML-escaped on the way in.
 *
 *   shop_html h;
 *   shop_html_init(&h, PAGE_MAX);
 *   shop_html_put(&h, "<dt>%m</dt><dd>%s</dd>", label_markup, user_text);
 *   return shop_html_reply(r, &h, 200, "text/html; charset=utf-8");
 *
 * A template is markup the program wrote; its conversions are
 *   %s  text (const char *): escaped (& < > " '), NULL writes nothing
 *   %m  markup (const char *) the program made: written as it is
 *   %d  int, %lld long long, %%  a percent sign
 * so no user text reaches a page unescaped. Past the maximum, or on a
 * conversion it does not know (a bug), the writer marks itself failed and
 * ignores what follows; the reply then fails 500. The buffer also carries
 * bytes that are not HTML (SVG, a PNG) through shop_html_raw. */
#ifndef FARMLIVE_SHOP_PAGES_HTML_H
#define FARMLIVE_SHOP_PAGES_HTML_H

#include <stddef.h>

#include "farmlive/buf.h"
#include "farmlive/shop/core/http.h"

typedef struct shop_html {
    fl_buf buf; /* the bytes so far, NUL-terminated */
    int failed; /* past the maximum, or a template the writer does not know */
} shop_html;

/* An empty writer of at most max bytes, the terminator included. */
void shop_html_init(shop_html *h, size_t max);
/* Frees the text. Accepts NULL and a writer freed already. */
void shop_html_free(shop_html *h);

/* Appends tmpl with its arguments (the conversions above). */
void shop_html_put(shop_html *h, const char *tmpl, ...);
/* Appends text escaped (NULL: nothing). */
void shop_html_text(shop_html *h, const char *s);
/* Appends n bytes as they are. */
void shop_html_raw(shop_html *h, const void *data, size_t n);

/* Replies with the writer's bytes (copied into the request's arena) as
 * type (gzipped when the client accepts it: core/gzip.h), or fails 500 when
 * the writer failed; frees the writer either way. */
int shop_html_reply(shop_req *r, shop_html *h, int status, const char *type);

#endif
