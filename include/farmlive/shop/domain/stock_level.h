/* shop/domain/stock_level.h - what the catalogue says of a SKU's stock: a
 * level, never a count (stock_level.c).
 *
 * Every SKU in the product answers (GET /products, its cached first page
 * included, and GET /products/{id}) carries "availability": in_stock,
 * low_stock (1..SHOP_STOCK_LOW units left), out_of_stock, or unavailable
 * (an inactive SKU). A count would change with every order and empty the
 * catalogue's read cache (api/catalogue.c) as often; a level changes
 * rarely, so only a commit that moves a SKU across a level empties it:
 *
 *   a commit that moved stock ──> shop_stock_note(ctx, db, the SKUs and
 *   (checkout, cancel, expiry,       their deltas): one query of the SKUs'
 *    refund, return, restock,        stock as it is now; the level before
 *    adjustment, flash sale          is the one of (now - delta)
 *    created or ended, new lot)   ──> a level changed: ctx->catalogue_changed
 *                                     (this process's cache, and the others
 *                                     through the cache's Redis channel)
 *
 * One query after such a commit, none on the flash sale's buying path (its
 * units were taken from the lots when the sale was made). Two commits on
 * one SKU racing across a level can both see the level after the second
 * and miss the first crossing; the cache's own expiry
 * (FARMLIVE_CATALOGUE_CACHE_MS, 2 s) bounds that. Checkout stays the
 * judge: a level is what a buyer is told, not a promise. */
#ifndef FARMLIVE_SHOP_DOMAIN_STOCK_LEVEL_H
#define FARMLIVE_SHOP_DOMAIN_STOCK_LEVEL_H

#include <stddef.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/ctx.h"

#define SHOP_STOCK_LOW 10 /* at most this many units left: low_stock */

/* The level of a SKU holding units in its lots (active 0: unavailable). A
 * static string. */
const char *shop_stock_level(long long units, int active);

/* A SKU whose lots changed by delta units in a commit. */
typedef struct shop_stock_delta {
    long long sku_id, delta;
} shop_stock_delta;

/* After a commit that changed the stock of d[0..n): tells the catalogue when
 * a SKU's level moved. Best effort: nothing when MariaDB does not answer
 * (the cache's expiry bounds it). */
void shop_stock_note(shop_ctx *ctx, fl_db *db, const shop_stock_delta *d, size_t n);
/* The same for the lines of order_id, whose units went out of their lots
 * (sign -1: a checkout) or back into them (+1: a cancellation, a return). */
void shop_stock_note_order(shop_ctx *ctx, fl_db *db, long long order_id, int sign);

#endif
