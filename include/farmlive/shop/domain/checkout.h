/* shop/domain/checkout.h - a signed-in buyer's cart becomes orders (checkout.c).
 *
 * The cart is split into one order per cooperative; prices, names and specs
 * are snapshots; every line names the lot it was reserved from (oldest
 * first). The cart's version (cart_checkouts), the orders, their lines, the
 * ledger rows, the lots' remaining and the stored Idempotency-Key answer
 * are one transaction, retried on deadlock or when a lot changed under
 * it; then the cart is emptied if it is still at the version bought. */
#ifndef FARMLIVE_SHOP_DOMAIN_CHECKOUT_H
#define FARMLIVE_SHOP_DOMAIN_CHECKOUT_H

#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/domain/order_model.h"

/* shop_checkout's answers besides SHOP_OK and a negative SHOP_E_*. */
enum {
    SHOP_CHECKOUT_REPLAY = 1, /* the key was answered meanwhile: replay that answer */
    SHOP_CHECKOUT_REFUSED = 2 /* refused (f): answer it and store it as the key's answer */
};

/* Checks out buyer's cart (Redis kv) for key k: SHOP_OK with *text the
 * answer {"orders": [...]} (from a, stored for k in the same transaction);
 * SHOP_CHECKOUT_REFUSED with f: 409 cart_empty (an empty cart, or one whose
 * version was checked out already), 409 out_of_stock, 422 sku_unavailable;
 * SHOP_CHECKOUT_REPLAY; or a negative SHOP_E_* with f (503 MariaDB or
 * Redis down, 500), not to be stored. */
int shop_checkout(shop_ctx *ctx, fl_db *db, fl_kv *kv, long long buyer, int online, const shop_address *addr,
                  const shop_idem *k, fl_arena *a, char **text, shop_fault *f);

/* A periodic job (core/jobs.h): drops consumed cart versions older than
 * 48 h. 0, or -1 when MariaDB is down. */
int shop_orders_purge_checkouts(shop_ctx *ctx);

#endif
