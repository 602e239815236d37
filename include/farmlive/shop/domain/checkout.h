/* shop/domain/checkout.h - a signed-in buyer's cart becomes orders (checkout.c).
 *
 * The cart is split into one order per cooperative; prices, names and specs
 * are snapshots; every line names the lot it was reserved from (oldest
 * first). The cart's version (cart_checkouts), the orders, their lines, the
 * ledger rows, the lots' remaining and the stored Idempotency-Key answer
 * are one transaction, retried on deadlock or when a lot changed under
 * it; then the cart is emptied if it is still at the version bought.
 *
 * Instead of the cart, a buy may name its items (a one-tap buy from a live
 * room's card): the same orders, no cart touched. A buy made in a live
 * room names the session (its public id): the order of the session's
 * cooperative carries it (orders.live_id; the other cooperatives' orders
 * of a mixed cart do not). The session's row is read under a shared lock
 * in the transaction: while it is live or idle, the shelf's live prices
 * apply; once ended, the buy is one from its replay (everyday prices, still
 * attributed); a session not yet live sells nothing (409 live_not_started),
 * and one none of whose cooperative's products are bought is 422. After
 * the commit each attributed line is announced in the room
 * (room_events.h: shop_room_bought). */
#ifndef FARMLIVE_SHOP_DOMAIN_CHECKOUT_H
#define FARMLIVE_SHOP_DOMAIN_CHECKOUT_H

#include <jansson.h>

#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/domain/carts.h"
#include "farmlive/shop/domain/order_model.h"

/* shop_checkout's answers besides SHOP_OK and a negative SHOP_E_*. */
enum {
    SHOP_CHECKOUT_REPLAY = 1, /* the key was answered meanwhile: replay that answer */
    SHOP_CHECKOUT_REFUSED = 2 /* refused (f): answer it and store it as the key's answer */
};

/* What is bought, by whom, how. */
typedef struct shop_checkout_in {
    long long buyer;
    int online; /* 1: online payment, else cash on delivery */
    const shop_address *addr;
    const shop_cart_item *items; /* the items (sorted by SKU, no SKU twice); NULL: the buyer's cart */
    size_t nitems;
    const char *live_id; /* the live session it is bought in (public id), or NULL */
    /* the total the buyer saw and agrees to pay (fen), -1 when not given:
     * then every line must still be at the price it was added at (a buy in
     * a live session: at the shelf's price of that moment, unchecked) */
    long long expected_total_fen;
} shop_checkout_in;

/* Reads a buy's optional "items" ([{sku_id, quantity}], 1..
 * SHOP_CART_MAX_ITEMS, quantities 1..SHOP_CART_MAX_QTY, no SKU twice;
 * sorted into memory from a) and "live_id" (a string) into in. SHOP_OK,
 * or 422 naming the field. */
int shop_checkout_input(const json_t *body, fl_arena *a, shop_checkout_in *in, shop_fault *f);

/* Checks out in->buyer's cart (Redis kv), or in->items, for key k: SHOP_OK
 * with *text the answer {"orders": [...]} (from a, stored for k in the
 * same transaction); SHOP_CHECKOUT_REFUSED with f, and with *detail (new)
 * the members its error answer adds beside code and message when it names
 * lines:
 *   409 cart_empty       an empty cart, or one whose version was checked
 *                        out already
 *   422 sku_unavailable  lines that cannot be bought: {lines: [{sku_id,
 *                        reason}]} naming every one (reasons as
 *                        shop_cart_line_unavailable)
 *   409 out_of_stock     lines the lots cannot cover, {lines: [{sku_id,
 *                        quantity, stock}]}
 *   409 price_changed    the total differs from expected_total_fen, or
 *                        (none given) a line's price is not the one it was
 *                        added at: {total_fen, lines: [{sku_id, quantity,
 *                        unit_price_fen, added_price_fen, line_total_fen}]}
 *                        every line at its price now
 *   422                  a live session unknown, or another cooperative's
 *   409 live_not_started the session has not gone live yet
 * SHOP_CHECKOUT_REPLAY; or a negative SHOP_E_* with f (503 MariaDB or
 * Redis down, 500), not to be stored. The stock levels the orders moved
 * are told to the catalogue (stock_level.h), the lines sold in a session
 * to its room (room_events.h). */
int shop_checkout(shop_ctx *ctx, fl_db *db, fl_kv *kv, const shop_checkout_in *in, const shop_idem *k, fl_arena *a,
                  char **text, json_t **detail, shop_fault *f);

/* A periodic job (core/jobs.h): drops consumed cart versions older than
 * 48 h. 0, or -1 when MariaDB is down. */
int shop_orders_purge_checkouts(shop_ctx *ctx);

#endif
