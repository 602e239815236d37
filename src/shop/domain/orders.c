/* orders.c - an order after checkout: access, transitions, payment, expiry.
 *
 * Every change of status is one guarded UPDATE (`WHERE status IN (...)`),
 * so two requests racing for one order cannot both move it; a cancellation
 * or refund returns the order's stock in the same transaction. */
#include "farmlive/shop/domain/orders.h"
#include "farmlive/log.h"
#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/domain/flash_counter.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/shop/domain/phone.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define TX_ATTEMPTS 4

/* ---- what a buy is made from -------------------------------------------- */

int shop_order_input(const json_t *body, int *online, shop_address *a, shop_fault *f)
{
    static const struct {
        const char *key;
        size_t max;
        size_t off;
    } fields[] = {
        {"name", 64, offsetof(shop_address, name)},         {"phone", 20, offsetof(shop_address, phone)},
        {"province", 32, offsetof(shop_address, province)}, {"city", 32, offsetof(shop_address, city)},
        {"county", 32, offsetof(shop_address, county)},     {"detail", 255, offsetof(shop_address, detail)},
    };
    const char *pm = json_string_value(json_object_get(body, "payment_method"));
    if (!pm || (strcmp(pm, "online") != 0 && strcmp(pm, "cod") != 0))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "payment_method must be \"online\" or \"cod\"");
    *online = strcmp(pm, "online") == 0;
    json_t *addr = json_object_get(body, "address");
    if (!json_is_object(addr))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "address is required: {name, phone, province, city, county, detail}");
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *s = json_string_value(json_object_get(addr, fields[i].key));
        size_t n = 0;
        for (const char *p = s; p && *p; p++)
            n += ((unsigned char)*p & 0xC0) != 0x80;
        if (!s || n < 1 || n > fields[i].max)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "address.%s must be a string of 1 to %zu characters",
                                  fields[i].key, fields[i].max);
        *(const char **)((char *)a + fields[i].off) = s;
    }
    if (!shop_phone_cn_valid(a->phone))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "address.phone must be a mainland China mobile number (13800000000, +86 138 0000 0000) "
                              "or a landline with its area code (0799-6231088, 010-12345678-801)");
    return SHOP_OK;
}

const char *shop_order_status(const char *s)
{
    static const char *const statuses[] = {"pending_payment", "paid",      "confirmed", "shipped",
                                           "delivered",       "completed", "cancelled", "refunded"};
    for (size_t i = 0; s && i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (strcmp(s, statuses[i]) == 0)
            return statuses[i];
    return NULL;
}

/* ---- who may see it ----------------------------------------------------- */

static const char ACCESS_SQL[] = "SELECT o.buyer_account_id, "
                                 "(SELECT m.role FROM coop_members m WHERE m.coop_id = o.coop_id AND m.account_id = ?) "
                                 "FROM orders o WHERE o.id = ?";
enum { AC_BUYER, AC_ROLE };

int shop_order_access(fl_db *db, long long order_id, long long account_id, int platform_admin, int allowed,
                      shop_fault *f)
{
    fl_rows *rows = NULL;
    int who = 0, rc = fl_db_query(db, &rows, ACCESS_SQL, "ii", account_id, order_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) == 1) {
        const char *role = fl_rows_str(rows, 0, AC_ROLE);
        if (platform_admin)
            who = SHOP_ORDER_BUYER | SHOP_ORDER_MEMBER | SHOP_ORDER_ADMIN;
        if (fl_rows_int(rows, 0, AC_BUYER) == account_id)
            who |= SHOP_ORDER_BUYER;
        if (role)
            who |= SHOP_ORDER_MEMBER | (strcmp(role, "coop_admin") == 0 ? SHOP_ORDER_ADMIN : 0);
    }
    fl_rows_free(rows);
    if (!who)
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no order %lld", order_id);
    if (!(who & allowed))
        return shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "you may not change order %lld this way", order_id);
    return SHOP_OK;
}

/* ---- transitions -------------------------------------------------------- */

static const struct transition {
    const char *to;
    const char *sql; /* param: id */
    const char *ledger_reason;
} transitions[] = {
    {"paid",
     "UPDATE orders SET status = 'paid', paid_at = UTC_TIMESTAMP(3), expires_at = NULL "
     "WHERE id = ? AND status = 'pending_payment'",
     NULL},
    {"shipped",
     "UPDATE orders SET status = 'shipped', shipped_at = UTC_TIMESTAMP(3) "
     "WHERE id = ? AND status IN ('paid', 'confirmed')",
     NULL},
    {"delivered",
     "UPDATE orders SET status = 'delivered', delivered_at = UTC_TIMESTAMP(3) WHERE id = ? AND status = 'shipped'",
     NULL},
    {"completed",
     "UPDATE orders SET status = 'completed', completed_at = UTC_TIMESTAMP(3) WHERE id = ? AND status = 'delivered'",
     NULL},
    {"cancelled",
     "UPDATE orders SET status = 'cancelled', cancelled_at = UTC_TIMESTAMP(3), expires_at = NULL "
     "WHERE id = ? AND status IN ('pending_payment', 'confirmed')",
     "cancellation"},
    {"refunded",
     "UPDATE orders SET status = 'refunded', refunded_at = UTC_TIMESTAMP(3) "
     "WHERE id = ? AND status IN ('paid', 'shipped', 'delivered', 'completed')",
     "refund"},
    {"returned",
     "UPDATE orders SET refund_goods = 'returned', returned_at = UTC_TIMESTAMP(3) "
     "WHERE id = ? AND status = 'refunded' AND refund_goods = 'awaiting_return'",
     "return"},
};

/* Who cancelled: the act's `by`, else the person acting as the order's
 * buyer, its cooperative's admin, or (neither) a platform admin.
 * Parameters: by, reason, actor x3, id. */
static const char CANCEL_WHO_SQL[] =
    "UPDATE orders o SET o.cancelled_by = COALESCE(?, IF(o.buyer_account_id = ?, 'buyer', "
    "IF(EXISTS (SELECT 1 FROM coop_members m WHERE m.coop_id = o.coop_id AND m.account_id = ? "
    "AND m.role = 'coop_admin'), 'coop_admin', 'platform_admin'))), "
    "o.cancel_reason = ?, o.cancelled_by_account = NULLIF(?, 0) WHERE o.id = ?";

/* A refund's order as it is, locked. Parameters: window (days), id. */
static const char REFUND_STATE_SQL[] =
    "SELECT status IN ('paid', 'shipped', 'delivered', 'completed'), shipped_at IS NOT NULL, "
    "status = 'completed' AND completed_at <= UTC_TIMESTAMP(3) - INTERVAL ? DAY FROM orders WHERE id = ? FOR UPDATE";
enum { RS_REFUNDABLE, RS_SHIPPED, RS_LATE };

/* Before a refund's update: whether it may be, and what becomes of the
 * goods (*goods). FL_DB_OK, SHOP_ORDER_MOVE_* or FL_DB_E*. */
static int refund_check(fl_db *db, long long order_id, const shop_order_act *act, const char **goods)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, REFUND_STATE_SQL, "ii", (long long)act->refund_window_days, order_id);
    if (rc != FL_DB_OK)
        return rc;
    if (fl_rows_count(rows) != 1 || fl_rows_int(rows, 0, RS_REFUNDABLE) != 1)
        rc = SHOP_ORDER_MOVE_ILLEGAL;
    else if (fl_rows_int(rows, 0, RS_LATE) == 1)
        rc = SHOP_ORDER_MOVE_WINDOW;
    else if (fl_rows_int(rows, 0, RS_SHIPPED) != 1)
        *goods = "restocked";
    else if (act->goods != SHOP_REFUND_RETURN && act->goods != SHOP_REFUND_NO_RETURN)
        rc = SHOP_ORDER_MOVE_RETURN_UNSAID;
    else
        *goods = act->goods == SHOP_REFUND_RETURN ? "awaiting_return" : "written_off";
    fl_rows_free(rows);
    return rc;
}

static const char UNITS_SQL[] =
    "SELECT COALESCE(o.flash_sale_id, 0), o.buyer_account_id, "
    "(SELECT COALESCE(SUM(quantity), 0) FROM order_lines WHERE order_id = o.id) FROM orders o WHERE o.id = ?";
enum { UN_FLASH_SALE, UN_BUYER, UN_UNITS };

/* The order's stock after a cancellation or a refund of goods that never
 * left: back to its running flash sale, else to its lots (reason). */
static int stock_back(fl_db *db, long long order_id, const char *reason, long long actor, long long *flash_sale,
                      long long *buyer, long long *units)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, UNITS_SQL, "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    *flash_sale = fl_rows_int(rows, 0, UN_FLASH_SALE);
    *buyer = fl_rows_int(rows, 0, UN_BUYER);
    *units = fl_rows_int(rows, 0, UN_UNITS);
    fl_rows_free(rows);
    int to_lots = 1; /* a flash order's units go back to its running sale instead */
    if (*flash_sale && (rc = shop_flash_release_tx(db, order_id, *flash_sale, *buyer, *units, &to_lots)) != FL_DB_OK)
        return rc;
    if (!to_lots)
        return FL_DB_OK; /* the caller gives them to the Redis counter after the commit */
    *flash_sale = 0;     /* the sale is over: nothing for its counter */
    return shop_inv_return_order(db, order_id, reason, actor);
}

int shop_order_move(fl_db *db, long long order_id, const char *to, const shop_order_act *act, long long *flash_sale,
                    long long *buyer, long long *units)
{
    const struct transition *t = NULL;
    const char *goods = NULL;
    int rc;
    *flash_sale = 0;
    for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
        if (strcmp(transitions[i].to, to) == 0)
            t = &transitions[i];
    if (!t)
        return FL_DB_ERR;
    if (strcmp(to, "refunded") == 0 && (rc = refund_check(db, order_id, act, &goods)) != FL_DB_OK)
        return rc;
    if ((rc = fl_db_exec(db, t->sql, "i", order_id)) != FL_DB_OK)
        return rc;
    if (fl_db_affected(db) != 1)
        return strcmp(to, "returned") == 0 ? SHOP_ORDER_MOVE_NO_RETURN : SHOP_ORDER_MOVE_ILLEGAL;
    if (strcmp(to, "cancelled") == 0)
        rc = fl_db_exec(db, CANCEL_WHO_SQL, "siisii", act->by, act->actor, act->actor, act->reason, act->actor,
                        order_id);
    else if (goods)
        rc = fl_db_exec(db, "UPDATE orders SET refund_reason = ?, refund_goods = ? WHERE id = ?", "ssi", act->reason,
                        goods, order_id);
    else if (act->carrier)
        rc = fl_db_exec(db, "UPDATE orders SET carrier = ?, tracking_no = ? WHERE id = ?", "ssi", act->carrier,
                        act->tracking, order_id);
    if (rc != FL_DB_OK || !t->ledger_reason)
        return rc;
    if (goods && strcmp(goods, "awaiting_return") == 0)
        return FL_DB_OK; /* nothing back on sale until the return is received */
    if (goods && strcmp(goods, "written_off") == 0)
        return shop_inv_write_off_order(db, order_id, act->actor);
    if (strcmp(to, "returned") == 0) /* to the lots, never to a flash sale: the sale sold them */
        return shop_inv_return_order(db, order_id, t->ledger_reason, act->actor);
    return stock_back(db, order_id, t->ledger_reason, act->actor, flash_sale, buyer, units);
}

/* After the commit of a move: a flash order's units back to its counter. */
static void release_kv(shop_ctx *ctx, long long flash_sale, long long buyer, long long units)
{
    fl_kv *kv = NULL;
    if (flash_sale && fl_kv_acquire(ctx->kv, &kv) == FL_KV_OK) {
        shop_flash_release_kv(kv, flash_sale, buyer, units);
        fl_kv_release(kv);
    }
}

static const char STATUS_SQL[] = "SELECT status, COALESCE(refund_goods, '') FROM orders WHERE id = ?";
enum { ST_STATUS, ST_GOODS };

/* The fault of a move refused by the order's state (rc: SHOP_ORDER_MOVE_*). */
static int refused(shop_ctx *ctx, fl_db *db, long long order_id, const char *to, int rc, shop_fault *f)
{
    fl_rows *rows = NULL;
    char status[24] = "in another state", goods[24] = "";
    if (fl_db_query(db, &rows, STATUS_SQL, "i", order_id) == FL_DB_OK && fl_rows_count(rows) == 1) {
        snprintf(status, sizeof(status), "%s", fl_rows_str(rows, 0, ST_STATUS));
        snprintf(goods, sizeof(goods), "%s", fl_rows_str(rows, 0, ST_GOODS));
    }
    fl_rows_free(rows);
    switch (rc) {
    case SHOP_ORDER_MOVE_WINDOW:
        return shop_fault_set(f, SHOP_E_CONFLICT, "refund_window_closed",
                              "order %lld was completed more than %d days ago: its refund window has closed", order_id,
                              ctx->cfg->refund_window_days);
    case SHOP_ORDER_MOVE_RETURN_UNSAID:
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "return is required when refunding a shipped order: true when the goods come back "
                              "(they go on sale again once received), false when they are lost (written off)");
    case SHOP_ORDER_MOVE_NO_RETURN:
        return shop_fault_set(f, SHOP_E_CONFLICT, "no_return_awaited", "order %lld awaits no return (it is %s%s%s)",
                              order_id, status, goods[0] ? ", goods " : "", goods);
    default:
        return shop_fault_set(f, SHOP_E_CONFLICT, "illegal_transition", "order %lld is %s: it cannot become %s",
                              order_id, status, to);
    }
}

int shop_order_transition(shop_ctx *ctx, fl_db *db, long long order_id, const char *to, const shop_order_act *act,
                          shop_fault *f)
{
    shop_order_act a = *act;
    long long flash = 0, buyer = 0, units = 0;
    int rc = FL_DB_OK;
    a.refund_window_days = ctx->cfg->refund_window_days;
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        if ((rc = fl_db_begin(db)) != FL_DB_OK)
            break;
        rc = shop_order_move(db, order_id, to, &a, &flash, &buyer, &units);
        if (rc == FL_DB_OK && (rc = fl_db_commit(db)) == FL_DB_OK)
            break;
        fl_db_rollback(db);
        if (rc > 0)
            return refused(ctx, db, order_id, to, rc, f);
        if (rc != FL_DB_EDEADLOCK)
            break;
    }
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    release_kv(ctx, flash, buyer, units);
    return SHOP_OK;
}

/* ---- payment ------------------------------------------------------------ */

static const char PAY_SQL[] = "SELECT status, total_fen, COALESCE(payment_txn, ''), payment_method FROM orders "
                              "WHERE id = ? FOR UPDATE";
enum { PY_STATUS, PY_TOTAL, PY_TXN, PY_METHOD };

static int notice_log(fl_db *db, long long order_id, const char *txn, long long amount, const char *outcome,
                      const char *reason)
{
    return fl_db_exec(db,
                      "INSERT INTO payment_notices (order_id, txn_id, amount_fen, outcome, reason) "
                      "VALUES (NULLIF(?, 0), ?, ?, ?, ?)",
                      "isiss", order_id, txn, amount, outcome, reason);
}

/* Refuses a notice: rolls back, logs it, records it (own statement). */
static int refuse(fl_db *db, const shop_payment *p, long long order_id, int err, const char *code, const char *why,
                  shop_fault *f)
{
    fl_db_rollback(db);
    fl_log(FL_LOG_WARN, "payment_refused", "notice %s for order %lld (%lld fen) refused: %s", p->txn, p->order_id,
           p->amount_fen, why);
    notice_log(db, order_id, p->txn, p->amount_fen, "refused", why);
    return shop_fault_set(f, err, code, "payment notice refused: %s", why);
}

/* A notice's start: its transaction, order p->order_id locked and read
 * into *rows (PAY_SQL), its status into status. SHOP_OK; else rolled back:
 * 404 unknown_order (refused, recorded), 503/500. */
static int notice_begin(fl_db *db, const shop_payment *p, fl_rows **rows, char status[24], shop_fault *f)
{
    int rc = fl_db_begin(db);
    *rows = NULL;
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if ((rc = fl_db_query(db, rows, PAY_SQL, "i", p->order_id)) != FL_DB_OK) {
        fl_db_rollback(db);
        return shop_fault_db(f, rc);
    }
    if (fl_rows_count(*rows) != 1) {
        fl_rows_free(*rows);
        *rows = NULL;
        return refuse(db, p, 0, SHOP_E_NOT_FOUND, "unknown_order", "unknown order", f);
    }
    snprintf(status, 24, "%s", fl_rows_str(*rows, 0, PY_STATUS));
    return SHOP_OK;
}

int shop_order_pay(fl_db *db, const shop_payment *p, int *duplicate, char status[24], shop_fault *f)
{
    fl_rows *rows = NULL;
    char why[96];
    long long flash, buyer, units;
    int err, rc;
    *duplicate = 0;
    if ((err = notice_begin(db, p, &rows, status, f)) < 0)
        return err;
    long long total = fl_rows_int(rows, 0, PY_TOTAL);
    const char *paid_txn = fl_rows_str(rows, 0, PY_TXN);
    if (paid_txn[0] && strcmp(paid_txn, p->txn) == 0) {
        *duplicate = 1;
        if ((rc = notice_log(db, p->order_id, p->txn, p->amount_fen, "duplicate", NULL)) != FL_DB_OK ||
            (rc = fl_db_commit(db)) != FL_DB_OK)
            goto out_rollback;
        goto out_free;
    }
    if (strcmp(fl_rows_str(rows, 0, PY_METHOD), "online") != 0) {
        err = refuse(db, p, p->order_id, SHOP_E_CONFLICT, "not_payable", "cash-on-delivery order", f);
        goto out_free;
    }
    if (strcmp(status, "pending_payment") != 0) {
        snprintf(why, sizeof(why), "order is %s", status);
        err = refuse(db, p, p->order_id, SHOP_E_CONFLICT, "not_payable", why, f);
        goto out_free;
    }
    if (p->amount_fen != total) {
        snprintf(why, sizeof(why), "amount %lld fen, the order is %lld fen", p->amount_fen, total);
        err = refuse(db, p, p->order_id, SHOP_E_VALIDATION, "amount_mismatch", why, f);
        goto out_free;
    }
    rc = shop_order_move(db, p->order_id, "paid", &(shop_order_act){0}, &flash, &buyer, &units);
    if (rc > 0)
        rc = FL_DB_ERR; /* cannot happen: the row is locked and pending */
    if (rc != FL_DB_OK ||
        (rc = fl_db_exec(db, "UPDATE orders SET payment_txn = ? WHERE id = ?", "si", p->txn, p->order_id)) !=
            FL_DB_OK ||
        (rc = notice_log(db, p->order_id, p->txn, p->amount_fen, "paid", NULL)) != FL_DB_OK ||
        (rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    snprintf(status, 24, "paid");
    fl_log(FL_LOG_INFO, "order_paid", "order %lld paid by %s (%lld fen)", p->order_id, p->txn, p->amount_fen);
    goto out_free;
out_rollback:
    fl_db_rollback(db);
    err = shop_fault_db(f, rc);
out_free:
    fl_rows_free(rows);
    return err;
}

static const char FAILED_BEFORE_SQL[] =
    "SELECT COUNT(*) FROM payment_notices WHERE order_id = ? AND txn_id = ? AND outcome = 'failed'";

int shop_order_payment_failed(shop_ctx *ctx, fl_db *db, const shop_payment *p, const char *reason, int *duplicate,
                              char status[24], shop_fault *f)
{
    fl_rows *rows = NULL;
    char why[96];
    long long flash = 0, buyer = 0, units = 0;
    int err, rc;
    *duplicate = 0;
    if ((err = notice_begin(db, p, &rows, status, f)) < 0)
        return err;
    fl_rows_free(rows);
    rows = NULL;
    if ((rc = fl_db_query(db, &rows, FAILED_BEFORE_SQL, "is", p->order_id, p->txn)) != FL_DB_OK)
        goto out_rollback;
    if (fl_rows_int(rows, 0, 0) > 0) {
        *duplicate = 1;
        if ((rc = notice_log(db, p->order_id, p->txn, p->amount_fen, "duplicate", NULL)) != FL_DB_OK ||
            (rc = fl_db_commit(db)) != FL_DB_OK)
            goto out_rollback;
        goto out_free;
    }
    if (strcmp(status, "pending_payment") != 0) {
        snprintf(why, sizeof(why), "a failed payment for an order that is %s", status);
        err = refuse(db, p, p->order_id, SHOP_E_CONFLICT, "not_payable", why, f);
        goto out_free;
    }
    rc = shop_order_move(db, p->order_id, "cancelled",
                         &(shop_order_act){.by = "payment_failure", .reason = reason ? reason : "payment failed"},
                         &flash, &buyer, &units);
    if (rc > 0)
        rc = FL_DB_ERR; /* cannot happen: the row is locked and pending */
    if (rc != FL_DB_OK || (rc = notice_log(db, p->order_id, p->txn, p->amount_fen, "failed", reason)) != FL_DB_OK ||
        (rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    snprintf(status, 24, "cancelled");
    fl_log(FL_LOG_INFO, "order_payment_failed", "order %lld cancelled: payment %s failed (%s)", p->order_id, p->txn,
           reason ? reason : "no reason given");
    release_kv(ctx, flash, buyer, units);
    goto out_free;
out_rollback:
    fl_db_rollback(db);
    err = shop_fault_db(f, rc);
out_free:
    fl_rows_free(rows);
    return err;
}

/* ---- expiry (a periodic job) -------------------------------------------- */

static const char EXPIRED_SQL[] = "SELECT id FROM orders WHERE status = 'pending_payment' "
                                  "AND expires_at <= UTC_TIMESTAMP(3) ORDER BY expires_at LIMIT 200";
enum { EX_ID };

int shop_orders_expire(shop_ctx *ctx)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int done = 0;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    int rc = fl_db_query(db, &rows, EXPIRED_SQL, "");
    if (rc != FL_DB_OK)
        goto out_release;
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        long long id = fl_rows_int(rows, i, EX_ID), flash = 0, buyer = 0, units = 0;
        if (fl_db_begin(db) != FL_DB_OK)
            break;
        rc = shop_order_move(db, id, "cancelled", &(shop_order_act){.by = "expiry", .reason = "payment window expired"},
                             &flash, &buyer, &units);
        if (rc != FL_DB_OK || fl_db_commit(db) != FL_DB_OK) {
            fl_db_rollback(db);
            continue; /* paid or cancelled meanwhile, or a collision: next pass */
        }
        done++;
        fl_log(FL_LOG_INFO, "order_expired", "order %lld cancelled: unpaid after %d s", id, ctx->cfg->order_expiry_s);
        release_kv(ctx, flash, buyer, units);
    }
out_release:
    fl_rows_free(rows);
    fl_db_release(db);
    return done;
}
