/* shop/domain/orders.h - orders: checkout, lifecycle, expiry (orders.c).
 *
 * Lifecycle (anything else is 409):
 *
 *   online:  pending_payment --pay--> paid --ship--> shipped --deliver--> delivered --complete--> completed
 *   cod:     confirmed -------------------ship--> shipped ...
 *   pending_payment | confirmed --cancel/expire--> cancelled   (stock back: 'cancellation')
 *   paid | shipped | delivered  --refund--------> refunded    (stock back: 'refund')
 *
 * A flash order's units go back to its sale's free slots while the sale has
 * not been released (its stock is already reserved from the lots), to the
 * lots through the ledger after that.
 *
 * Shared with flash.c: the delivery address, the order row writer and the
 * order's JSON. */
#ifndef FARMLIVE_SHOP_DOMAIN_ORDERS_H
#define FARMLIVE_SHOP_DOMAIN_ORDERS_H

#include "farmlive/shop/core/http.h"

typedef struct shop_address {
    const char *name, *phone, *province, *city, *county, *detail;
} shop_address;

/* Reads "payment_method" ("online" | "cod") and the "address" object from
 * r->body; fails 422 naming the field. *online = 1 for online payment. */
int shop_order_input(shop_req *r, int *online, shop_address *a);

/* Inserts an order row (pending_payment with expiry when online, confirmed
 * for cash on delivery) inside the caller's transaction. */
int shop_order_insert(fl_db *db, const fl_config *cfg, long long buyer, long long coop, long long flash_sale,
                      int online, long long total_fen, const shop_address *a, long long *order_id);

/* The order as JSON (with its lines, each naming its lot); *out NULL when
 * there is no such order. Returns FL_DB_OK or FL_DB_E*. */
int shop_order_json(fl_db *db, long long order_id, json_t **out);

/* Moves order_id from one of the allowed states to `to` with a guarded
 * update, returning stock through the ledger when `to` is cancelled or
 * refunded. Inside the caller's transaction. Returns FL_DB_OK, 1 when the
 * order was not in an allowed state, or FL_DB_E*. */
int shop_order_move(fl_db *db, long long order_id, const char *to, long long actor, const char *reason,
                    long long *flash_sale, long long *buyer, long long *units);

/* Periodic jobs (core/jobs.h). shop_orders_expire cancels orders unpaid
 * past their expiry, 200 a pass (stock back; a flash order's units to its
 * sale); shop_orders_purge_checkouts drops consumed cart versions older
 * than 48 h. Each returns what it did, or -1 when MariaDB is down. */
int shop_orders_expire(shop_ctx *ctx);
int shop_orders_purge_checkouts(shop_ctx *ctx);

#endif
