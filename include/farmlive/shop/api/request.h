/* shop/api/request.h - what handlers read from a request beyond core/http.h:
 * the acting account, as domain functions take it, and a list page's
 * position.
 *
 * Lists follow one convention: ?cursor= (opaque: the next_cursor of the
 * previous page; empty is the same as absent) and ?limit= 1..100 (default
 * 20); the answer is {"items": [...], "next_cursor": "<string>"|null}. A bad
 * query-string value is 400 bad_request naming the parameter. */
#ifndef FARMLIVE_SHOP_API_REQUEST_H
#define FARMLIVE_SHOP_API_REQUEST_H

#include "farmlive/shop/core/http.h"
#include "farmlive/shop/domain/actor.h"

#define SHOP_PAGE_LIMIT_DEFAULT 20
#define SHOP_PAGE_LIMIT_MAX 100

/* The signed-in account of r (account_id 0 when anonymous). */
shop_actor shop_request_actor(const shop_req *r);

/* ?cursor= and ?limit=: SHOP_OK with *cursor (0: the first page) and
 * *limit, or failed 400. */
int shop_request_page(shop_req *r, long long *cursor, long long *limit);

/* ?name= as a positive id: SHOP_OK with *id (0 when absent), or
 * failed 400. */
int shop_request_id(shop_req *r, const char *name, long long *id);

#endif
