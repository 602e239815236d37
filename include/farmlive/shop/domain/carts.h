/* shop/domain/carts.h - carts in Redis (carts.c).
 *
 * A cart is the Redis hash cart:a:{account_id} (signed in) or
 * cart:g:{sha256(guest token)} (a guest: the token travels in the fl_cart
 * cookie or the X-Cart-Token header, api/carts.c), field = SKU id, value =
 * "quantity:price" (the SKU's price in fen when the buyer last set the
 * line, so the cart can say which prices changed since; a bare quantity,
 * from before prices were kept, has no price), and the field "v": the
 * cart's version, a random token that every change replaces (a read sets
 * one on a cart that has none).
 * Checkout consumes a version once (checkout.c, table cart_checkouts) and
 * empties the cart only if its version is still the one it bought, so a
 * change made meanwhile is never lost and one cart makes one checkout.
 * Every read or write renews the cart's 7-day idle expiry. */
#ifndef FARMLIVE_SHOP_DOMAIN_CARTS_H
#define FARMLIVE_SHOP_DOMAIN_CARTS_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/status.h"

#define SHOP_CART_COOKIE "fl_cart" /* where a browser keeps a guest's token */
#define SHOP_CART_MAX_ITEMS 50
#define SHOP_CART_MAX_QTY 99
#define SHOP_CART_TTL (7 * 24 * 3600)
#define SHOP_CART_VERSION_LEN 32 /* the hash's field "v": hex */
#define SHOP_CART_TOKEN_LEN 64   /* a guest's token: hex */
#define SHOP_CART_KEY_MAX 80

typedef struct shop_cart_item {
    long long sku_id;
    int qty;
    long long added_fen; /* the price when the line was set; 0: not known */
} shop_cart_item;

/* A cart's Redis key: an account's, or a guest's by its token. */
void shop_cart_key_account(long long account_id, char key[SHOP_CART_KEY_MAX]);
void shop_cart_key_guest(const char *token, char key[SHOP_CART_KEY_MAX]);
/* 1 when t is a guest token (64 lowercase hex), else 0 (NULL too). */
int shop_cart_token_ok(const char *t);

/* The cart's lines (at most SHOP_CART_MAX_ITEMS), sorted by SKU id, and
 * its version when `version` is not NULL ("" when empty). 503 when Redis
 * does not answer. */
int shop_cart_read(fl_kv *kv, const char *key, shop_cart_item *items, size_t *n,
                   char version[SHOP_CART_VERSION_LEN + 1], shop_fault *f);
/* Sets sku_id's quantity (0 removes the line) at the SKU's price now, after
 * checking the SKU is on sale (404 no such SKU, 422 not on sale; quantity 0
 * needs no check). 422 when the cart already holds SHOP_CART_MAX_ITEMS
 * other SKUs. */
int shop_cart_put(fl_db *db, fl_kv *kv, const char *key, long long sku_id, long long qty, shop_fault *f);
/* Deletes the cart. */
int shop_cart_delete(fl_kv *kv, const char *key, shop_fault *f);
/* Empties the cart if it is still at `version` (after a checkout of that
 * version; best effort: a cart changed meanwhile stays). */
void shop_cart_clear(fl_kv *kv, const char *key, const char *version);
/* Merges the guest cart into account_id's (quantities add, capped at
 * SHOP_CART_MAX_QTY; a line both hold keeps the account's price) and
 * deletes the guest cart. Best effort: problems are
 * logged, never returned (a login does not fail on it). */
void shop_cart_merge(fl_kv *kv, const char *guest_key, long long account_id);

/* Why a line cannot be bought (a static string), or NULL when it can:
 * "no_such_sku", "sku_inactive", "product_not_listed", "not_enough_stock"
 * (the lots hold fewer units than the line's quantity). */
const char *shop_cart_line_unavailable(int found, int sku_active, int product_listed, long long stock, long long qty);

/* The cart as its answer shows it, {coops, total_fen, item_count,
 * unavailable, price_changed}: lines grouped per cooperative, each with
 * its current price (unit_price_fen), the price it was added at
 * (added_price_fen, null when not known), price_changed, stock, line total
 * and `available` with `unavailable_reason`; subtotals and total_fen count
 * only the lines that can be bought; `unavailable` lists every line that
 * cannot, with why ({sku_id, reason}); a SKU that no longer exists is shown
 * as such. */
int shop_cart_view(fl_db *db, const shop_cart_item *items, size_t n, json_t **out, shop_fault *f);

#endif
