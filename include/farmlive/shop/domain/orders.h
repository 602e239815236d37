/* shop/domain/orders.h - an order after checkout: what it is made from, who
 * may see or change it, its transitions, payment and expiry (orders.c).
 *
 * Lifecycle (anything else is 409 illegal_transition):
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
 * The order itself (fields, writer, reader, answer) is order_model.h;
 * making orders from a cart is checkout.h, from a flash sale flash_buy.h. */
#ifndef FARMLIVE_SHOP_DOMAIN_ORDERS_H
#define FARMLIVE_SHOP_DOMAIN_ORDERS_H

#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/domain/order_model.h"

/* Reads "payment_method" ("online" | "cod") and the "address" object of a
 * buy's request body (its phone as shop_phone_cn_valid). SHOP_OK with
 * *online (1: online payment) and *a (pointing into body), or
 * SHOP_E_VALIDATION naming the field. */
int shop_order_input(const json_t *body, int *online, shop_address *a, shop_fault *f);

/* The status named s (a static string), or NULL when s names none. */
const char *shop_order_status(const char *s);

/* What a caller is to an order (a mask). */
enum shop_order_who { SHOP_ORDER_BUYER = 1, SHOP_ORDER_MEMBER = 2, SHOP_ORDER_ADMIN = 4 };

/* Whether account_id (platform_admin: 1 for a platform admin, who is all
 * three) may act on order_id as one of `allowed`: SHOP_OK; 404 when it is
 * not the buyer, a member of the order's cooperative or a platform admin
 * (an order nobody may see does not exist for them); 403 when it is, but
 * not as one of `allowed`. */
int shop_order_access(fl_db *db, long long order_id, long long account_id, int platform_admin, int allowed,
                      shop_fault *f);

/* Moves order_id to `to` ("shipped" also records carrier and tracking)
 * in its own transaction, retried on deadlock; cancelled and refunded give
 * the stock back (a flash order's to its sale while it runs, then to its
 * Redis counter). SHOP_OK; 409 illegal_transition naming the order's
 * status when `to` is not allowed from it; 503/500 from MariaDB. */
int shop_order_transition(shop_ctx *ctx, fl_db *db, long long order_id, const char *to, long long actor,
                          const char *reason, const char *carrier, const char *tracking, shop_fault *f);

/* The transition alone, inside the caller's transaction: a guarded update
 * from one of the allowed states to `to`, stock back through the ledger
 * when `to` is cancelled or refunded. FL_DB_OK, 1 when the order was not in
 * an allowed state, or FL_DB_E*. *flash_sale (and *buyer, *units): a flash
 * sale whose Redis counter gets the units back after the commit
 * (shop_flash_release_kv), else 0. */
int shop_order_move(fl_db *db, long long order_id, const char *to, long long actor, const char *reason,
                    long long *flash_sale, long long *buyer, long long *units);

/* A payment notice whose signature was checked: marks the order paid when
 * it awaits payment with exactly this amount. Every notice is kept in
 * payment_notices with its outcome. SHOP_OK with *duplicate 1 when this
 * transaction was applied before (nothing changes) and the order's status
 * in status; refused (logged, recorded): 404 unknown_order, 409 not_payable
 * (cash on delivery, or no longer awaiting payment), 422 amount_mismatch. */
typedef struct shop_payment {
    long long order_id, amount_fen;
    const char *txn;
} shop_payment;
int shop_order_pay(fl_db *db, const shop_payment *p, int *duplicate, char status[24], shop_fault *f);

/* A periodic job (core/jobs.h): cancels orders unpaid past their expiry,
 * 200 a pass (stock back; a flash order's units to its sale). Returns how
 * many, or -1 when MariaDB is down. */
int shop_orders_expire(shop_ctx *ctx);

#endif
