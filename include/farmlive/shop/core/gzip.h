/* shop/core/gzip.h - answers compressed for clients that accept gzip
 * (gzip.c): the server-rendered pages and the shop's static files that
 * were not compressed at build time. The bundles in web_dir/assets carry
 * their own .gz from the build (pages/web.c).
 *
 *   if (shop_accepts_gzip(r)) ... shop_gzip(r->arena, data, len, &gz, &gzlen) ...
 *   return shop_reply_compressible(r, 200, "text/html; charset=utf-8", page, len);
 */
#ifndef FARMLIVE_SHOP_CORE_GZIP_H
#define FARMLIVE_SHOP_CORE_GZIP_H

#include <stddef.h>

#include "farmlive/shop/core/http.h"

/* Bodies shorter than this go as they are: gzip's header and a round of
 * deflate would save less than they cost. */
#define SHOP_GZIP_MIN 1024

/* 1 when the request's Accept-Encoding names gzip (a plain token match). */
int shop_accepts_gzip(shop_req *r);

/* data as one gzip member (zlib, level 6) in arena memory; 0, or -1 when
 * zlib failed (then *out is untouched). */
int shop_gzip(fl_arena *a, const void *data, size_t len, const char **out, size_t *out_len);

/* shop_reply_raw(r, status, type, data, len), gzipped with
 * Content-Encoding: gzip when the client accepts it and the body is at
 * least SHOP_GZIP_MIN bytes; always Vary: Accept-Encoding (a cache must
 * not hand the gzipped body to a client that asked for none). data must
 * live as long as the request (the arena), as for shop_reply_raw. */
int shop_reply_compressible(shop_req *r, int status, const char *type, const char *data, size_t len);

#endif
