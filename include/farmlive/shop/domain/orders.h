/* shop/domain/orders.h - an order after checkout: what it is made from, who
 * may see or change it, its transitions, payment and expiry (orders.c).
 *
 * Lifecycle (anything else is 409 illegal_transition):
 *
 *   online:  pending_payment --pay--> paid --ship--> shipped --deliver--> delivered --complete--> completed
 *   cod:     confirmed -------------------ship--> shipped ...
 *   pending_payment | confirmed --cancel/expire/payment failed--> cancelled   (stock back: 'cancellation')
 *   paid | shipped | delivered | completed (within the refund window) --refund--> refunded
 *
 * A cancellation records who (cancelled_by: buyer, coop_admin,
 * platform_admin, expiry, payment_failure) and why (cancel_reason, the
 * text given, or none). A refund records its reason and what became of the
 * goods (refund_goods):
 *   never shipped   'restocked': back to their lots at once ('refund' rows)
 *   shipped, return 'awaiting_return': nothing back on sale until the
 *                   cooperative records the return received ->'returned'
 *                   (returned_at; 'return' rows, to the same lots)
 *   shipped, lost   'written_off': 'write_off' rows of 0 units; nothing
 *                   goes back on sale
 * Refunds are of the whole order (no partial refunds). A completed order
 * may be refunded FARMLIVE_REFUND_WINDOW_DAYS after completion, not later
 * (409 refund_window_closed).
 *
 * A flash order's units go back to its sale's free slots while the sale has
 * not been released (its stock is already reserved from the lots), to the
 * lots through the ledger after that (its slots dropped: the sale's sold
 * count goes down).
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

/* What becomes of a shipped order's goods when it is refunded. */
enum { SHOP_REFUND_RETURN = 1, SHOP_REFUND_NO_RETURN = 2 };

/* Longest reason a buyer or admin may give (characters). */
#define SHOP_ORDER_REASON_MAX 255

/* What a move carries besides the status it goes to. */
typedef struct shop_order_act {
    long long actor;                /* the account acting (0: the shop itself) */
    const char *by;                 /* cancelled: "expiry" or "payment_failure"; NULL: a person, told apart by
                                     * actor (the order's buyer, its cooperative's admin, else a platform admin) */
    const char *reason;             /* cancelled or refunded: the text given (NULL: none) */
    int goods;                      /* refunded: SHOP_REFUND_RETURN, SHOP_REFUND_NO_RETURN, or 0 (not said) */
    int refund_window_days;         /* refunded: how long after completion a completed order may be */
    const char *carrier, *tracking; /* shipped */
} shop_order_act;

/* Results of shop_order_move besides FL_DB_OK and FL_DB_E*. */
enum {
    SHOP_ORDER_MOVE_ILLEGAL = 1,       /* not in a state `to` may come from */
    SHOP_ORDER_MOVE_WINDOW = 2,        /* refunded: completed longer ago than the window */
    SHOP_ORDER_MOVE_RETURN_UNSAID = 3, /* refunded: shipped, and the act does not say whether goods return */
    SHOP_ORDER_MOVE_NO_RETURN = 4      /* returned: the order awaits no return */
};

/* Moves order_id to `to` ("shipped" also records carrier and tracking;
 * "returned": a refunded order's goods received back) in its own
 * transaction, retried on deadlock; cancelled and refunded give the stock
 * back as the lifecycle above says (a flash order's to its sale while it
 * runs, then to its Redis counter). SHOP_OK; 409 illegal_transition naming
 * the order's status when `to` is not allowed from it, 409
 * refund_window_closed, 409 no_return_awaited, 422 naming "return"; 503/500
 * from MariaDB. */
int shop_order_transition(shop_ctx *ctx, fl_db *db, long long order_id, const char *to, const shop_order_act *act,
                          shop_fault *f);

/* The transition alone, inside the caller's transaction: a guarded update
 * from one of the allowed states to `to`, stock through the ledger as the
 * lifecycle says. FL_DB_OK, SHOP_ORDER_MOVE_*, or FL_DB_E*. *flash_sale
 * (and *buyer, *units): a flash sale whose Redis counter gets the units
 * back after the commit (shop_flash_release_kv), else 0. */
int shop_order_move(fl_db *db, long long order_id, const char *to, const shop_order_act *act, long long *flash_sale,
                    long long *buyer, long long *units);

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

/* A signed notice that the payment of p->order_id failed (declined, or
 * abandoned at the provider): cancels the order when it awaits payment,
 * as any cancellation (stock back), recording cancelled_by
 * payment_failure and the provider's reason (NULL: "payment failed"); the
 * notice is kept in payment_notices as 'failed'. SHOP_OK with *duplicate 1
 * when this transaction's failure was applied before (nothing changes) and
 * the order's status in status; refused (logged, recorded): 404
 * unknown_order, 409 not_payable (not awaiting payment). */
int shop_order_payment_failed(shop_ctx *ctx, fl_db *db, const shop_payment *p, const char *reason, int *duplicate,
                              char status[24], shop_fault *f);

/* A periodic job (core/jobs.h): cancels orders unpaid past their expiry,
 * 200 a pass (stock back; a flash order's units to its sale). Returns how
 * many, or -1 when MariaDB is down. */
int shop_orders_expire(shop_ctx *ctx);

#endif
