/* shop/api/catalogue.h - the catalogue read cache (catalogue.c).
 *
 * GET /api/v1/products pages are served from an in-process cache keyed by
 * the normalised query. Any catalogue write calls shop_catalogue_changed(),
 * which drops this process's entries and publishes on the Redis channel
 * "farmlive:catalogue" so other shop processes drop theirs; entries also
 * expire after cfg->catalogue_cache_ms as a bound on staleness should a
 * message be lost. */
#ifndef FARMLIVE_SHOP_API_CATALOGUE_H
#define FARMLIVE_SHOP_API_CATALOGUE_H

#include "farmlive/shop/core/http.h"

struct shop_catalogue *shop_catalogue_new(shop_ctx *ctx);
void shop_catalogue_free(struct shop_catalogue *cat);
void shop_catalogue_changed(shop_req *r);
/* The same from anywhere with the context (a job, a domain rule after its
 * commit: ctx->catalogue_changed), on a Redis connection of its own. */
void shop_catalogue_bump(shop_ctx *ctx);

/* 1 when it replied from the cache; 0 on a miss, *gen to pass to put. A hit
 * holds a reference to the cached bytes until the request's arena is freed,
 * which happens after libmicrohttpd has sent the response. */
int shop_catalogue_get(shop_req *r, const char *key, size_t keylen, unsigned long long *gen);
/* Stores data if gen is still current and replies 200 with it. */
int shop_catalogue_put(shop_req *r, const char *key, size_t keylen, unsigned long long gen, const char *data,
                       size_t len);

#endif
