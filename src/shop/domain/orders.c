/* orders.c - checkout, the order lifecycle, listings and order expiry.
 *
 *   POST /api/v1/orders                 checkout the caller's cart (Idempotency-Key)
 *   GET  /api/v1/orders                 the caller's orders (?status, ?cursor, ?limit)
 *   GET  /api/v1/orders/{id}            one order: its buyer, its cooperative's members
 *   POST /api/v1/orders/{id}/cancel     buyer or coop admin: pending_payment|confirmed -> cancelled
 *   POST /api/v1/orders/{id}/ship       coop member: paid|confirmed -> shipped (carrier, tracking_no)
 *   POST /api/v1/orders/{id}/deliver    coop member: shipped -> delivered
 *   POST /api/v1/orders/{id}/complete   buyer: delivered -> completed
 *   POST /api/v1/orders/{id}/refund     coop admin: paid|shipped|delivered -> refunded
 *   GET  /api/v1/coops/{id}/orders      a cooperative's orders (?status)
 *
 * Periodic jobs (core/jobs.h, registered in main.c): expiry of unpaid
 * orders, the purge of consumed cart versions.
 *
 * Checkout: the cart is split into one order per cooperative; prices, names
 * and specs are snapshots; every line names the lot it was reserved from.
 * The orders, their lines, the ledger rows, the lots' remaining and the
 * stored Idempotency-Key answer are one transaction, retried on deadlock or
 * when a lot changed under it. An order nobody may see is 404, never 403. */
#include "farmlive/shop/domain/orders.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/carts.h"
#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TX_ATTEMPTS 4
#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* Column 0: the order object; column 1: its lines array. */
#define ORDER_SELECT                                                                                       \
    "SELECT JSON_OBJECT('id', o.id, 'status', o.status, 'buyer_account_id', o.buyer_account_id, "          \
    "'coop_id', o.coop_id, 'coop_name', c.name, 'flash_sale_id', o.flash_sale_id, "                        \
    "'payment_method', o.payment_method, 'total_fen', o.total_fen, "                                       \
    "'address', JSON_OBJECT('name', o.ship_name, 'phone', o.ship_phone, 'province', o.ship_province, "     \
    "  'city', o.ship_city, 'county', o.ship_county, 'detail', o.ship_detail), "                           \
    "'carrier', o.carrier, 'tracking_no', o.tracking_no, 'payment_txn', o.payment_txn, "                   \
    "'cancel_reason', o.cancel_reason, 'expires_at', " TS("o.expires_at") ", "                             \
    "'paid_at', " TS("o.paid_at") ", 'shipped_at', " TS("o.shipped_at") ", "                               \
    "'delivered_at', " TS("o.delivered_at") ", 'completed_at', " TS("o.completed_at") ", "                 \
    "'cancelled_at', " TS("o.cancelled_at") ", 'refunded_at', " TS("o.refunded_at") ", "                   \
    "'created_at', " TS("o.created_at") "), "                                                              \
    "(SELECT JSON_ARRAYAGG(JSON_OBJECT('sku_id', l.sku_id, 'lot_id', l.lot_id, 'lot_code', t.code, "       \
    "  'product_name', l.product_name, 'spec', l.spec, 'unit', l.unit, 'quantity', l.quantity, "           \
    "  'unit_price_fen', l.unit_price_fen, 'line_total_fen', l.quantity * l.unit_price_fen) ORDER BY l.id) " \
    "  FROM order_lines l JOIN lots t ON t.id = l.lot_id WHERE l.order_id = o.id) "                        \
    "FROM orders o JOIN cooperatives c ON c.id = o.coop_id "

static const char *const STATUSES[] = {"pending_payment", "paid",      "confirmed", "shipped",
                                       "delivered",       "completed", "cancelled", "refunded"};

/* ---- shared with flash.c ------------------------------------------------ */

int shop_order_input(shop_req *r, int *online, shop_address *a)
{
    const char *pm = NULL;
    int err;
    if ((err = shop_body_str(r, "payment_method", 1, 1, 16, &pm)) < 0)
        return err;
    if (strcmp(pm, "online") != 0 && strcmp(pm, "cod") != 0)
        return shop_fail(r, SHOP_E_VALIDATION, "payment_method must be \"online\" or \"cod\"");
    *online = strcmp(pm, "online") == 0;
    json_t *addr = json_object_get(r->body, "address");
    if (!json_is_object(addr))
        return shop_fail(r, SHOP_E_VALIDATION, "address is required: {name, phone, province, city, county, detail}");
    static const struct {
        const char *key;
        size_t max;
        size_t off;
    } fields[] = {
        {"name", 64, offsetof(shop_address, name)},         {"phone", 20, offsetof(shop_address, phone)},
        {"province", 32, offsetof(shop_address, province)}, {"city", 32, offsetof(shop_address, city)},
        {"county", 32, offsetof(shop_address, county)},     {"detail", 255, offsetof(shop_address, detail)},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        json_t *v = json_object_get(addr, fields[i].key);
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        size_t n = 0;
        for (const char *p = s; p && *p; p++)
            n += ((unsigned char)*p & 0xC0) != 0x80;
        if (!s || n < 1 || n > fields[i].max)
            return shop_fail(r, SHOP_E_VALIDATION, "address.%s must be a string of 1 to %zu characters",
                             fields[i].key, fields[i].max);
        *(const char **)((char *)a + fields[i].off) = s;
    }
    return SHOP_OK;
}

int shop_order_insert(fl_db *db, const fl_config *cfg, long long buyer, long long coop, long long flash_sale,
                      int online, long long total_fen, const shop_address *a, long long *order_id)
{
    int rc = fl_db_exec(db,
                        "INSERT INTO orders (buyer_account_id, coop_id, flash_sale_id, status, payment_method, "
                        "total_fen, ship_name, ship_phone, ship_province, ship_city, ship_county, ship_detail, "
                        "expires_at) VALUES (?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "IF(? > 0, UTC_TIMESTAMP(3) + INTERVAL ? SECOND, NULL))",
                        "iiississssssii", buyer, coop, flash_sale, online ? "pending_payment" : "confirmed",
                        online ? "online" : "cod", total_fen, a->name, a->phone, a->province, a->city, a->county,
                        a->detail, (long long)online, (long long)cfg->order_expiry_s);
    if (rc == FL_DB_OK)
        *order_id = (long long)fl_db_insert_id(db);
    return rc;
}

/* Builds one order from a row of ORDER_SELECT. NULL on bad JSON. */
static json_t *order_from_row(const fl_rows *rows, size_t i)
{
    json_error_t jerr;
    json_t *o = json_loads(fl_rows_str(rows, i, 0), 0, &jerr);
    if (!o)
        return NULL;
    const char *lines = fl_rows_str(rows, i, 1);
    json_t *l = lines ? json_loads(lines, 0, &jerr) : json_array();
    json_object_set_new(o, "lines", l ? l : json_array());
    return o;
}

int shop_order_json(fl_db *db, long long order_id, json_t **out)
{
    fl_rows *rows = NULL;
    *out = NULL;
    int rc = fl_db_query(db, &rows, ORDER_SELECT "WHERE o.id = ?", "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    if (fl_rows_count(rows) == 1)
        *out = order_from_row(rows, 0);
    fl_rows_free(rows);
    return FL_DB_OK;
}

/* ---- transitions -------------------------------------------------------- */

static const struct transition {
    const char *to;
    const char *sql; /* params: reason, id */
    const char *ledger_reason;
} transitions[] = {
    {"paid", "UPDATE orders SET status = 'paid', paid_at = UTC_TIMESTAMP(3), expires_at = NULL, "
             "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? AND status = 'pending_payment'", NULL},
    {"shipped", "UPDATE orders SET status = 'shipped', shipped_at = UTC_TIMESTAMP(3), "
                "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? AND status IN ('paid', 'confirmed')", NULL},
    {"delivered", "UPDATE orders SET status = 'delivered', delivered_at = UTC_TIMESTAMP(3), "
                  "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? AND status = 'shipped'", NULL},
    {"completed", "UPDATE orders SET status = 'completed', completed_at = UTC_TIMESTAMP(3), "
                  "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? AND status = 'delivered'", NULL},
    {"cancelled", "UPDATE orders SET status = 'cancelled', cancelled_at = UTC_TIMESTAMP(3), expires_at = NULL, "
                  "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? "
                  "AND status IN ('pending_payment', 'confirmed')", "cancellation"},
    {"refunded", "UPDATE orders SET status = 'refunded', refunded_at = UTC_TIMESTAMP(3), "
                 "cancel_reason = COALESCE(?, cancel_reason) WHERE id = ? "
                 "AND status IN ('paid', 'shipped', 'delivered')", "refund"},
};

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
    rc = fl_db_query(db, &rows,
                     "SELECT COALESCE(o.flash_sale_id, 0), o.buyer_account_id, "
                     "(SELECT COALESCE(SUM(quantity), 0) FROM order_lines WHERE order_id = o.id) "
                     "FROM orders o WHERE o.id = ?",
                     "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    *flash_sale = fl_rows_int(rows, 0, 0);
    *buyer = fl_rows_int(rows, 0, 1);
    *units = fl_rows_int(rows, 0, 2);
    fl_rows_free(rows);
    int to_lots = 1; /* a flash order's units go back to its running sale instead */
    if (*flash_sale && (rc = shop_flash_release_tx(db, order_id, *flash_sale, *buyer, *units, &to_lots)) != FL_DB_OK)
        return rc;
    if (!to_lots)
        return FL_DB_OK; /* the caller gives them to the Redis counter after the commit */
    *flash_sale = 0;     /* the sale is over: nothing for its counter */
    rc = shop_inv_return_order(db, order_id, t->ledger_reason, actor);
    return rc;
}

enum who { WHO_BUYER = 1, WHO_MEMBER = 2, WHO_ADMIN = 4 };

/* Loads order path parameter 0 for the caller: 404 when the caller is not
 * its buyer, a member of its cooperative or a platform admin; 403 when they
 * are but `allowed` does not include them. */
static int order_access(shop_req *r, fl_db *db, int allowed, long long *id, char status[24])
{
    fl_rows *rows = NULL;
    int err;
    if ((err = shop_param_id(r, 0, id)) < 0)
        return err;
    int rc = fl_db_query(db, &rows, "SELECT buyer_account_id, coop_id, status FROM orders WHERE id = ?", "i", *id);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (fl_rows_count(rows) != 1) {
        fl_rows_free(rows);
        return shop_fail(r, SHOP_E_NOT_FOUND, "no order %lld", *id);
    }
    long long buyer = fl_rows_int(rows, 0, 0), coop = fl_rows_int(rows, 0, 1);
    snprintf(status, 24, "%s", fl_rows_str(rows, 0, 2));
    fl_rows_free(rows);
    int mine = 0;
    if (r->session->platform_admin) {
        mine = WHO_BUYER | WHO_MEMBER | WHO_ADMIN;
    } else {
        if (buyer == r->session->account_id)
            mine |= WHO_BUYER;
        int role = shop_auth_member_role(r, coop);
        if (role < 0)
            return role;
        if (role >= SHOP_MEMBER_FARMER)
            mine |= WHO_MEMBER;
        if (role >= SHOP_MEMBER_ADMIN)
            mine |= WHO_ADMIN;
    }
    if (!mine)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no order %lld", *id);
    if (!(mine & allowed))
        return shop_fail(r, SHOP_E_FORBIDDEN, "you may not change order %lld this way", *id);
    return SHOP_OK;
}

static int reply_order(shop_req *r, fl_db *db, int status, long long id)
{
    json_t *o = NULL;
    int rc = shop_order_json(db, id, &o);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (!o)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no order %lld", id);
    return shop_reply_json(r, status, o);
}

/* The common body of the transition routes. carrier/tracking only for ship. */
static int transition(shop_req *r, const char *to, int allowed, const char *reason, const char *carrier,
                      const char *tracking)
{
    fl_db *db = NULL;
    long long id, flash = 0, buyer = 0, units = 0;
    char status[24];
    int err, rc = FL_DB_OK;

    if ((err = shop_db(r, &db)) < 0 || (err = order_access(r, db, allowed, &id, status)) < 0)
        return err;
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        if ((rc = fl_db_begin(db)) != FL_DB_OK)
            break;
        rc = shop_order_move(db, id, to, r->session->account_id, reason, &flash, &buyer, &units);
        if (rc == FL_DB_OK && carrier)
            rc = fl_db_exec(db, "UPDATE orders SET carrier = ?, tracking_no = ? WHERE id = ?", "ssi", carrier,
                            tracking, id);
        if (rc == 1) {
            fl_db_rollback(db);
            json_t *o = NULL;
            if (shop_order_json(db, id, &o) == FL_DB_OK && o) {
                snprintf(status, sizeof(status), "%s", json_string_value(json_object_get(o, "status")));
                json_decref(o);
            }
            return shop_fail_code(r, SHOP_E_CONFLICT, "illegal_transition", "order %lld is %s: it cannot become %s",
                                  id, status, to);
        }
        if (rc == FL_DB_OK)
            rc = fl_db_commit(db);
        if (rc == FL_DB_OK)
            break;
        fl_db_rollback(db);
        if (rc != FL_DB_EDEADLOCK)
            break;
    }
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (flash) {
        fl_kv *kv = NULL;
        if (fl_kv_acquire(r->ctx->kv, &kv) == FL_KV_OK) {
            shop_flash_release_kv(kv, flash, buyer, units);
            fl_kv_release(kv);
        }
    }
    return reply_order(r, db, 200, id);
}

int shop_orders_cancel(shop_req *r)
{
    return transition(r, "cancelled", WHO_BUYER | WHO_ADMIN, "cancelled by request", NULL, NULL);
}

int shop_orders_ship(shop_req *r)
{
    const char *carrier, *tracking;
    int err;
    if ((err = shop_body_str(r, "carrier", 1, 1, 64, &carrier)) < 0 ||
        (err = shop_body_str(r, "tracking_no", 1, 1, 64, &tracking)) < 0)
        return err;
    return transition(r, "shipped", WHO_MEMBER, NULL, carrier, tracking);
}

int shop_orders_deliver(shop_req *r)
{
    return transition(r, "delivered", WHO_MEMBER, NULL, NULL, NULL);
}

int shop_orders_complete(shop_req *r)
{
    return transition(r, "completed", WHO_BUYER, NULL, NULL, NULL);
}

int shop_orders_refund(shop_req *r)
{
    const char *reason;
    int err;
    if ((err = shop_body_str(r, "reason", 1, 1, 255, &reason)) < 0)
        return err;
    return transition(r, "refunded", WHO_ADMIN, reason, NULL, NULL);
}

/* ---- reading ------------------------------------------------------------ */

int shop_orders_get(shop_req *r)
{
    fl_db *db = NULL;
    long long id;
    char status[24];
    int err;
    if ((err = shop_db(r, &db)) < 0 || (err = order_access(r, db, WHO_BUYER | WHO_MEMBER, &id, status)) < 0)
        return err;
    return reply_order(r, db, 200, id);
}

/* ?status=&cursor=&limit= for both listings. */
static int list_params(shop_req *r, const char **status, long long *cursor, long long *limit)
{
    const char *s = shop_query(r, "status"), *c = shop_query(r, "cursor"), *l = shop_query(r, "limit");
    char *end = NULL;
    *status = NULL;
    *cursor = 0;
    *limit = LIST_LIMIT_DEFAULT;
    if (s) {
        for (size_t i = 0; i < sizeof(STATUSES) / sizeof(STATUSES[0]); i++)
            if (strcmp(s, STATUSES[i]) == 0)
                *status = STATUSES[i];
        if (!*status)
            return shop_fail(r, SHOP_E_VALIDATION, "status must be one of pending_payment, paid, confirmed, "
                                                   "shipped, delivered, completed, cancelled, refunded");
    }
    if (c) {
        *cursor = strtoll(c, &end, 10);
        if (*c < '0' || *c > '9' || *end || *cursor < 1)
            return shop_fail(r, SHOP_E_VALIDATION, "cursor must be the next_cursor of the previous page");
    }
    if (l) {
        *limit = strtoll(l, &end, 10);
        if (*l < '0' || *l > '9' || *end || *limit < 1 || *limit > LIST_LIMIT_MAX)
            return shop_fail(r, SHOP_E_VALIDATION, "limit must be between 1 and %d", LIST_LIMIT_MAX);
    }
    return SHOP_OK;
}

static int list_reply(shop_req *r, fl_db *db, const char *where_col, long long who, const char *status,
                      long long cursor, long long limit)
{
    fl_rows *rows = NULL;
    const char *sql = strcmp(where_col, "buyer") == 0
                          ? ORDER_SELECT "WHERE o.buyer_account_id = ? AND (? IS NULL OR o.status = ?) "
                                         "AND (? = 0 OR o.id < ?) ORDER BY o.id DESC LIMIT ?"
                          : ORDER_SELECT "WHERE o.coop_id = ? AND (? IS NULL OR o.status = ?) "
                                         "AND (? = 0 OR o.id < ?) ORDER BY o.id DESC LIMIT ?";
    int rc = fl_db_query(db, &rows, sql, "issiii", who, status, status, cursor, cursor, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    json_t *items = json_array();
    size_t n = fl_rows_count(rows);
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        json_t *o = order_from_row(rows, i);
        if (o)
            json_array_append_new(items, o);
    }
    fl_rows_free(rows);
    json_t *next = json_null();
    if (n > (size_t)limit && json_array_size(items) > 0)
        next = json_integer(json_integer_value(json_object_get(json_array_get(items, json_array_size(items) - 1), "id")));
    return shop_reply_json(r, 200, json_pack("{s:o,s:o}", "items", items, "next_cursor", next));
}

int shop_orders_list(shop_req *r)
{
    fl_db *db = NULL;
    const char *status;
    long long cursor, limit;
    int err;
    if ((err = list_params(r, &status, &cursor, &limit)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    return list_reply(r, db, "buyer", r->session->account_id, status, cursor, limit);
}

int shop_orders_coop_list(shop_req *r)
{
    fl_db *db = NULL;
    const char *status;
    long long coop, cursor, limit;
    int err;
    if ((err = shop_param_id(r, 0, &coop)) < 0 || (err = shop_auth_coop(r, coop, SHOP_MEMBER_FARMER)) < 0 ||
        (err = list_params(r, &status, &cursor, &limit)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    return list_reply(r, db, "coop", coop, status, cursor, limit);
}

/* ---- checkout ----------------------------------------------------------- */

typedef struct line_in {
    long long sku_id, coop_id, price_fen;
    int qty;
    const char *name, *spec, *unit;
} line_in;

static int by_coop_sku(const void *a, const void *b)
{
    const line_in *x = a, *y = b;
    if (x->coop_id != y->coop_id)
        return x->coop_id < y->coop_id ? -1 : 1;
    return x->sku_id < y->sku_id ? -1 : x->sku_id > y->sku_id;
}

/* Snapshots name, spec, price and cooperative of every cart line. Returns
 * SHOP_OK, 1 when a SKU cannot be bought (message in *why), or an error. */
static int lines_load(shop_req *r, fl_db *db, const shop_cart_item *items, size_t n, line_in *lines,
                      const char **why)
{
    fl_rows *rows = NULL;
    for (size_t i = 0; i < n; i++) {
        int rc = fl_db_query(db, &rows,
                             "SELECT p.coop_id, s.price_fen, p.name_zh, s.spec, s.unit, s.active, p.status "
                             "FROM skus s JOIN products p ON p.id = s.product_id WHERE s.id = ?",
                             "i", items[i].sku_id);
        if (rc != FL_DB_OK)
            return shop_fail_db(r, rc);
        if (fl_rows_count(rows) != 1 || fl_rows_int(rows, 0, 5) != 1 || strcmp(fl_rows_str(rows, 0, 6), "listed") != 0) {
            *why = fl_arena_printf(r->arena, "SKU %lld in the cart is no longer sold; remove it", items[i].sku_id);
            fl_rows_free(rows);
            return 1;
        }
        lines[i].sku_id = items[i].sku_id;
        lines[i].qty = items[i].qty;
        lines[i].coop_id = fl_rows_int(rows, 0, 0);
        lines[i].price_fen = fl_rows_int(rows, 0, 1);
        lines[i].name = fl_arena_strdup(r->arena, fl_rows_str(rows, 0, 2));
        lines[i].spec = fl_arena_strdup(r->arena, fl_rows_str(rows, 0, 3));
        lines[i].unit = fl_arena_strdup(r->arena, fl_rows_str(rows, 0, 4));
        fl_rows_free(rows);
        rows = NULL;
    }
    qsort(lines, n, sizeof(*lines), by_coop_sku);
    return SHOP_OK;
}

static int line_insert(fl_db *db, long long order_id, const line_in *l, const shop_alloc *a)
{
    return fl_db_exec(db,
                      "INSERT INTO order_lines (order_id, sku_id, lot_id, product_name, spec, unit, quantity, "
                      "unit_price_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      "iiisssii", order_id, l->sku_id, a->lot_id, l->name, l->spec, l->unit,
                      (long long)a->qty, l->price_fen);
}

#define CART_TAKEN 2 /* checkout_tx: this version of the cart was checked out already */

/* One attempt at the checkout transaction. Its first write consumes the
 * cart's version (cart_checkouts), so a second checkout of the same cart
 * waits here for the first and then finds it taken. Returns FL_DB_OK with
 * *text the stored answer, CART_TAKEN, SHOP_INV_SHORT with *short_sku,
 * SHOP_INV_RETRY, FL_DB_EDUP (the key was answered meanwhile) or
 * FL_DB_E*. Rolls back unless OK. */
static int checkout_tx(shop_req *r, fl_db *db, const shop_idem *k, const char *version, const line_in *lines,
                       size_t n, int online, const shop_address *a, char **text, long long *short_sku)
{
    json_t *orders = json_array();
    shop_alloc allocs[SHOP_INV_MAX_LOTS];
    size_t nalloc;
    long long buyer = r->session->account_id;
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        goto out_free;
    rc = fl_db_exec(db, "INSERT INTO cart_checkouts (account_id, cart_version) VALUES (?, ?)", "is", buyer,
                    version);
    if (rc == FL_DB_EDUP)
        rc = CART_TAKEN;
    if (rc != FL_DB_OK)
        goto out_rollback;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        long long total = 0, order_id = 0;
        for (; j < n && lines[j].coop_id == lines[i].coop_id; j++)
            total += lines[j].price_fen * lines[j].qty;
        if ((rc = shop_order_insert(db, r->ctx->cfg, buyer, lines[i].coop_id, 0, online, total, a, &order_id)) !=
            FL_DB_OK)
            goto out_rollback;
        for (size_t m = i; m < j; m++) {
            rc = shop_inv_reserve(db, lines[m].sku_id, lines[m].qty, order_id, buyer, NULL, allocs, &nalloc);
            if (rc == SHOP_INV_SHORT)
                *short_sku = lines[m].sku_id;
            if (rc != FL_DB_OK)
                goto out_rollback;
            for (size_t q = 0; q < nalloc; q++)
                if ((rc = line_insert(db, order_id, &lines[m], &allocs[q])) != FL_DB_OK)
                    goto out_rollback;
        }
        json_t *o = NULL;
        if ((rc = shop_order_json(db, order_id, &o)) != FL_DB_OK)
            goto out_rollback;
        json_array_append_new(orders, o ? o : json_null());
        i = j;
    }
    json_t *body = json_pack("{s:O}", "orders", orders);
    *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if ((rc = shop_idem_store_tx(db, k, 201, *text)) != FL_DB_OK || (rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    goto out_free;
out_rollback:
    fl_db_rollback(db);
    free(*text);
    *text = NULL;
out_free:
    json_decref(orders);
    return rc;
}

static void free_cb(void *p)
{
    free(p);
}

int shop_orders_create(shop_req *r)
{
    shop_address addr;
    shop_idem k;
    shop_cart_item items[SHOP_CART_MAX_ITEMS];
    line_in lines[SHOP_CART_MAX_ITEMS];
    size_t n = 0;
    fl_db *db = NULL;
    char *text = NULL, version[SHOP_CART_VERSION_LEN + 1];
    const char *why = NULL;
    long long short_sku = 0;
    int online, err, rc = FL_DB_OK;

    if ((err = shop_order_input(r, &online, &addr)) < 0)
        return err;
    if ((err = shop_idem_begin(r, "orders", &k)) != 0)
        return err < 0 ? err : SHOP_OK;
    if ((err = shop_cart_read(r, items, &n, version)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    if (n == 0)
        return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "cart_empty", "the cart is empty");
    if ((err = lines_load(r, db, items, n, lines, &why)) < 0)
        return err;
    if (err == 1)
        return shop_idem_fail(r, &k, SHOP_E_VALIDATION, "sku_unavailable", "%s", why);
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        rc = checkout_tx(r, db, &k, version, lines, n, online, &addr, &text, &short_sku);
        if (rc != SHOP_INV_RETRY && rc != FL_DB_EDEADLOCK)
            break;
    }
    if (rc == FL_DB_EDUP)
        return (err = shop_idem_replay(r, &k)) < 0 ? err : SHOP_OK;
    if (rc == CART_TAKEN) { /* another checkout of this cart won: it empties the cart, or this does */
        shop_cart_clear(r, version);
        return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "cart_empty",
                              "this cart was just checked out by another request: see your orders");
    }
    if (rc == SHOP_INV_SHORT)
        return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "out_of_stock", "not enough stock of SKU %lld", short_sku);
    if (rc == SHOP_INV_RETRY)
        rc = FL_DB_EDEADLOCK;
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    fl_arena_defer(r->arena, free_cb, text);
    shop_cart_clear(r, version);
    return shop_reply_raw(r, 201, "application/json", text, strlen(text));
}

/* ---- periodic jobs (main.c's table) ------------------------------------ */

int shop_orders_expire(shop_ctx *ctx)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int done = 0;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    int rc = fl_db_query(db, &rows,
                         "SELECT id FROM orders WHERE status = 'pending_payment' AND expires_at <= UTC_TIMESTAMP(3) "
                         "ORDER BY expires_at LIMIT 200",
                         "");
    if (rc != FL_DB_OK)
        goto out_release;
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        long long id = fl_rows_int(rows, i, 0), flash = 0, buyer = 0, units = 0;
        if (fl_db_begin(db) != FL_DB_OK)
            break;
        rc = shop_order_move(db, id, "cancelled", 0, "payment window expired", &flash, &buyer, &units);
        if (rc != FL_DB_OK || fl_db_commit(db) != FL_DB_OK) {
            fl_db_rollback(db);
            continue; /* paid or cancelled meanwhile, or a collision: next pass */
        }
        done++;
        fl_log(FL_LOG_INFO, "order_expired", "order %lld cancelled: unpaid after %d s", id, ctx->cfg->order_expiry_s);
        if (flash) {
            fl_kv *kv = NULL;
            if (fl_kv_acquire(ctx->kv, &kv) == FL_KV_OK) {
                shop_flash_release_kv(kv, flash, buyer, units);
                fl_kv_release(kv);
            }
        }
    }
out_release:
    fl_rows_free(rows);
    fl_db_release(db);
    return done;
}

int shop_orders_purge_checkouts(shop_ctx *ctx)
{
    fl_db *db = NULL;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    int rc = fl_db_exec(db, "DELETE FROM cart_checkouts WHERE created_at < NOW(3) - INTERVAL 48 HOUR LIMIT 10000", "");
    fl_db_release(db);
    return rc == FL_DB_OK ? 0 : -1;
}
