/* shop/domain/coop_orders.h - a cooperative's orders desk (coop_orders.c):
 * its orders by day in China's time, shipping several at once, and the
 * courier's CSV of a day.
 *
 * Days are China's (FL_CHINA_UTC_OFFSET_S): an order placed at
 * 2026-12-05 16:30 UTC is one of 2026-12-06. MariaDB keeps created_at in
 * UTC; a day is the range [its midnight at +08:00, 24 h later).
 *
 * Shipping several orders: one transaction per order, each the same move
 * as POST /orders/{id}/ship (shop_order_transition). Parcels are handed to
 * the courier one by one, so one order that cannot ship (cancelled
 * meanwhile, already shipped, another cooperative's) must not hold back
 * the others: every order gets its own result, in the order asked.
 *
 * The courier's CSV of a day is pages/orders_csv.c's (a rendering of
 * shop_order_list's orders). */
#ifndef FARMLIVE_SHOP_DOMAIN_COOP_ORDERS_H
#define FARMLIVE_SHOP_DOMAIN_COOP_ORDERS_H

#include <stddef.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/timefmt.h"

#define SHOP_SHIP_MANY_MAX 100 /* orders one bulk shipment names */

/* The UTC range of China's day date ("YYYY-MM-DD") as DATETIME texts into
 * from and to (created_at in [from, to)): 0, or -1 when date is not a real
 * date. */
int shop_cn_day(const char *date, char from[FL_SQLTIME_LEN], char to[FL_SQLTIME_LEN]);

/* One order to ship and what became of it. */
typedef struct shop_ship_item {
    long long order_id;
    const char *carrier, *tracking; /* 1..64 characters each (the caller checked) */
} shop_ship_item;

typedef struct shop_ship_result {
    int ok;       /* 1: shipped now */
    shop_fault f; /* else why not: 404 not_found (no such order of this cooperative), 409
                   * illegal_transition naming its status, 503/500 */
} shop_ship_result;

/* Ships items[0..n) of cooperative coop_id (whose member actor is: the
 * caller checked), each in its own transaction; out[i] says what became
 * of items[i]. Returns how many shipped. */
size_t shop_coop_ship_many(shop_ctx *ctx, fl_db *db, long long coop_id, long long actor, const shop_ship_item *items,
                           size_t n, shop_ship_result *out);

#endif
