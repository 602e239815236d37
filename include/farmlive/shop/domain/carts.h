/* shop/domain/carts.h - carts in Redis (carts.c).
 *
 * A cart is the Redis hash cart:a:{account_id} (signed in) or
 * cart:g:{sha256(guest token)} (a guest: the token travels in the fl_cart
 * cookie or the X-Cart-Token header), field = SKU id, value = quantity.
 * Every read or write renews its 7-day idle expiry. */
#ifndef FARMLIVE_SHOP_DOMAIN_CARTS_H
#define FARMLIVE_SHOP_DOMAIN_CARTS_H

#include <stddef.h>
#include "farmlive/shop/core/http.h"

#define SHOP_CART_COOKIE "fl_cart"
#define SHOP_CART_MAX_ITEMS 50
#define SHOP_CART_MAX_QTY 99
#define SHOP_CART_TTL (7 * 24 * 3600)
#define SHOP_CART_VERSION_LEN 32 /* the hash's field "v": hex, replaced by every change */

typedef struct shop_cart_item {
    long long sku_id;
    int qty;
} shop_cart_item;

/* The signed-in caller's cart lines (at most SHOP_CART_MAX_ITEMS), sorted by
 * SKU id, and its version when `version` is not NULL ("" when empty).
 * Fails 503 when Redis is down. */
int shop_cart_read(shop_req *r, shop_cart_item *items, size_t *n, char version[SHOP_CART_VERSION_LEN + 1]);
/* Empties the signed-in caller's cart if it is still at `version` (after
 * a checkout of that version; best effort: a cart changed meanwhile
 * stays). */
void shop_cart_clear(shop_req *r, const char *version);

/* Called by sessions.c after a successful login: merges the guest cart named
 * by the request's fl_cart cookie or X-Cart-Token into account_id's cart
 * (quantities add, capped at SHOP_CART_MAX_QTY) and deletes the guest cart.
 * Never fails the login; problems are logged. */
void shop_carts_merge_guest(shop_req *r, long long account_id);

#endif
