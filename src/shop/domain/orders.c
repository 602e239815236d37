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
    const char *sql; /* params: reason, id */
    const char *ledger_reason;
} transitions[] = {
    {"paid",
     "UPDATE orders SET status = 'paid', paid_at = UTC_TIMESTAMP(3), expires_at = NULL, "
     "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? AND status = 'pending_payment'",
     NULL},
    {"shipped",
     "UPDATE orders SET status = 'shipped', shipped_at = UTC_TIMESTAMP(3), "
     "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? AND status IN ('paid', 'confirmed')",
     NULL},
    {"delivered",
     "UPDATE orders SET status = 'delivered', delivered_at = UTC_TIMESTAMP(3), "
     "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? AND status = 'shipped'",
     NULL},
    {"completed",
     "UPDATE orders SET status = 'completed', completed_at = UTC_TIMESTAMP(3), "
     "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? AND status = 'delivered'",
     NULL},
    {"cancelled",
     "UPDATE orders SET status = 'cancelled', cancelled_at = UTC_TIMESTAMP(3), expires_at = NULL, "
     "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? "
     "AND status IN ('pending_payment', 'confirmed')",
     "cancellation"},
    {"refunded",
     "UPDATE orders SET status = 'refunded', refunded_at = UTC_TIMESTAMP(3), "
     "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? "
     "AND status IN ('paid', 'shipped', 'delivered')",
     "refund"},
};

static const char UNITS_SQL[] =
    "SELECT COALESCE(o.flash_sale_id, 0), o.buyer_account_id, "
    "(SELECT COALESCE(SUM(quantity), 0) FROM order_lines WHERE order_id = o.id) FROM orders o WHERE o.id = ?";
enum { UN_FLASH_SALE, UN_BUYER, UN_UNITS };

int shop_order_move(fl_db *db, long long order_id, const char *to, long long actor, const char *reason,
                    long long *flash_sale, long long *buyer, long long *units)
{
    const struct transition *t = NULL;
    fl_rows *rows = NULL;
    *flash_sale = 0;
    for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
        if (strcmp(transitions[i].to, to) == 0)
            t = &transitions[i];
    if (!t)
        return FL_DB_ERR;
    int rc = fl_db_exec(db, t->sql, "si", reason, order_id);
    if (rc != FL_DB_OK)
        return rc;
    if (fl_db_affected(db) != 1)
        return 1;
    if (!t->ledger_reason)
        return FL_DB_OK;
    if ((rc = fl_db_query(db, &rows, UNITS_SQL, "i", order_id)) != FL_DB_OK)
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
    return shop_inv_return_order(db, order_id, t->ledger_reason, actor);
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

static const char STATUS_SQL[] = "SELECT status FROM orders WHERE id = ?";
enum { ST_STATUS };

/* The 409 of a transition the order's status does not allow. */
static int illegal(fl_db *db, long long order_id, const char *to, shop_fault *f)
{
    fl_rows *rows = NULL;
    char status[24] = "in another state";
    if (fl_db_query(db, &rows, STATUS_SQL, "i", order_id) == FL_DB_OK && fl_rows_count(rows) == 1)
        snprintf(status, sizeof(status), "%s", fl_rows_str(rows, 0, ST_STATUS));
    fl_rows_free(rows);
    return shop_fault_set(f, SHOP_E_CONFLICT, "illegal_transition", "order %lld is %s: it cannot become %s", order_id,
                          status, to);
}

int shop_order_transition(shop_ctx *ctx, fl_db *db, long long order_id, const char *to, long long actor,
                          const char *reason, const char *carrier, const char *tracking, shop_fault *f)
{
    long long flash = 0, buyer = 0, units = 0;
    int rc = FL_DB_OK;
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        if ((rc = fl_db_begin(db)) != FL_DB_OK)
            break;
        rc = shop_order_move(db, order_id, to, actor, reason, &flash, &buyer, &units);
        if (rc == FL_DB_OK && carrier)
            rc = fl_db_exec(db, "UPDATE orders SET carrier = ?, tracking_no = ? WHERE id = ?", "ssi", carrier, tracking,
                            order_id);
        if (rc == FL_DB_OK && (rc = fl_db_commit(db)) == FL_DB_OK)
            break;
        fl_db_rollback(db);
        if (rc == 1)
            return illegal(db, order_id, to, f);
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

int shop_order_pay(fl_db *db, const shop_payment *p, int *duplicate, char status[24], shop_fault *f)
{
    fl_rows *rows = NULL;
    char why[96];
    long long flash, buyer, units;
    int err = SHOP_OK, rc = fl_db_begin(db);
    *duplicate = 0;
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if ((rc = fl_db_query(db, &rows, PAY_SQL, "i", p->order_id)) != FL_DB_OK)
        goto out_rollback;
    if (fl_rows_count(rows) != 1) {
        err = refuse(db, p, 0, SHOP_E_NOT_FOUND, "unknown_order", "unknown order", f);
        goto out_free;
    }
    snprintf(status, 24, "%s", fl_rows_str(rows, 0, PY_STATUS));
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
    rc = shop_order_move(db, p->order_id, "paid", 0, NULL, &flash, &buyer, &units);
    if (rc == 1)
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
        rc = shop_order_move(db, id, "cancelled", 0, "payment window expired", &flash, &buyer, &units);
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
