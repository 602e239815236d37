/* inventory.c - stock by lot: reservations, returns, restock, adjustments
 * and the stock view (the routes: api/inventory.c).
 *
 * Every change is an inventory_ledger row plus the matching update of
 * lots.remaining in the same transaction (ck_lots_remaining keeps it >= 0;
 * an adjustment that would go below zero is refused with 422 first).
 * Reservations take lots oldest first with a guarded update
 * (`remaining >= n`), so two checkouts racing for the last units cannot
 * both win: the loser sees 0 rows and retries its transaction. */
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/crypto.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/lots.h"
#include "farmlive/shop/domain/trace_cache.h"
#include "farmlive/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define LEDGER_PAGE 100

/* The SKU's lots with stock, oldest first, as far as they cover qty (the
 * running total before a lot is below qty): never more lots than needed,
 * however many a SKU has. Parameters: sku, qty. */
static const char LOTS_FREE_SQL[] =
    "SELECT id, code, remaining FROM (SELECT id, code, remaining, SUM(remaining) OVER "
    "(ORDER BY COALESCE(pack_date, harvest_date, DATE(created_at)), id) AS upto FROM lots "
    "WHERE sku_id = ? AND remaining > 0) x WHERE upto - remaining < ? ORDER BY upto";
enum { LF_ID, LF_CODE, LF_REMAINING };
static const char LOT_TAKE_SQL[] = "UPDATE lots SET remaining = remaining - ? WHERE id = ? AND remaining >= ?";
static const char LOT_GIVE_SQL[] = "UPDATE lots SET remaining = remaining + ? WHERE id = ?";

/* actor 0 and order 0 are stored as NULL */
static int ledger_row(fl_db *db, long long lot, long long sku, long long delta, const char *reason, long long order,
                      const char *note, long long actor)
{
    return fl_db_exec(db,
                      "INSERT INTO inventory_ledger (lot_id, sku_id, delta, reason, order_id, note, actor_account_id) "
                      "VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, NULLIF(?, 0))",
                      "iiisisi", lot, sku, delta, reason, order, note, actor);
}

int shop_inv_reserve(fl_db *db, fl_arena *a, long long sku_id, long long qty, long long order_id, long long actor,
                     const char *note, shop_alloc **out, size_t *n)
{
    fl_rows *rows = NULL;
    long long need = qty, total = 0;
    *n = 0;
    *out = NULL;
    int rc = fl_db_query(db, &rows, LOTS_FREE_SQL, "ii", sku_id, qty);
    if (rc != FL_DB_OK)
        return rc;
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        total += fl_rows_int(rows, i, LF_REMAINING);
    if (total < qty) {
        rc = SHOP_INV_SHORT;
        goto out_free_rows;
    }
    *out = fl_arena_alloc(a, (fl_rows_count(rows) ? fl_rows_count(rows) : 1) * sizeof(**out));
    for (size_t i = 0; i < fl_rows_count(rows) && need > 0; i++) {
        long long lot = fl_rows_int(rows, i, LF_ID);
        long long have = fl_rows_int(rows, i, LF_REMAINING);
        long long take = have < need ? have : need;
        if ((rc = fl_db_exec(db, LOT_TAKE_SQL, "iii", take, lot, take)) != FL_DB_OK)
            goto out_free_rows;
        if (fl_db_affected(db) != 1) {
            rc = SHOP_INV_RETRY;
            goto out_free_rows;
        }
        if ((rc = ledger_row(db, lot, sku_id, -take, "reservation", order_id, note, actor)) != FL_DB_OK)
            goto out_free_rows;
        shop_alloc *o = &(*out)[(*n)++];
        o->lot_id = lot;
        snprintf(o->code, sizeof(o->code), "%s", fl_rows_str(rows, i, LF_CODE));
        o->qty = take;
        need -= take;
    }
    rc = FL_DB_OK;
out_free_rows:
    fl_rows_free(rows);
    return rc;
}

static const char ORDER_LOTS_SQL[] =
    "SELECT lot_id, sku_id, quantity FROM order_lines WHERE order_id = ? ORDER BY lot_id";
enum { OL_LOT, OL_SKU, OL_QTY };

int shop_inv_return_order(fl_db *db, long long order_id, const char *reason, long long actor)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, ORDER_LOTS_SQL, "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        long long lot = fl_rows_int(rows, i, OL_LOT), sku = fl_rows_int(rows, i, OL_SKU),
                  q = fl_rows_int(rows, i, OL_QTY);
        if ((rc = fl_db_exec(db, LOT_GIVE_SQL, "ii", q, lot)) != FL_DB_OK ||
            (rc = ledger_row(db, lot, sku, q, reason, order_id, NULL, actor)) != FL_DB_OK)
            break;
    }
    fl_rows_free(rows);
    return rc;
}

int shop_inv_write_off_order(fl_db *db, long long order_id, long long actor)
{
    fl_rows *rows = NULL;
    char note[96];
    int rc = fl_db_query(db, &rows, ORDER_LOTS_SQL, "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    for (size_t i = 0; i < fl_rows_count(rows) && rc == FL_DB_OK; i++) {
        snprintf(note, sizeof(note), "%lld units refunded, not returned", fl_rows_int(rows, i, OL_QTY));
        rc = ledger_row(db, fl_rows_int(rows, i, OL_LOT), fl_rows_int(rows, i, OL_SKU), 0, "write_off", order_id, note,
                        actor);
    }
    fl_rows_free(rows);
    return rc;
}

static const char SKU_COOP_SQL[] = "SELECT p.coop_id FROM skus s JOIN products p ON p.id = s.product_id WHERE s.id = ?";
enum { SC_COOP_ID };

int shop_inv_sku_coop(fl_db *db, long long sku_id, long long *coop_id, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, SKU_COOP_SQL, "i", sku_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    int found = fl_rows_count(rows) == 1;
    if (found)
        *coop_id = fl_rows_int(rows, 0, SC_COOP_ID);
    fl_rows_free(rows);
    return found ? SHOP_OK : shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no SKU %lld", sku_id);
}

/* ---- restock and adjustments -------------------------------------------- */

static const char LOT_BY_CODE_SQL[] = "SELECT id, sku_id FROM lots WHERE code = ? FOR UPDATE";
enum { LC_ID, LC_SKU };

/* A lot code for a restock that names none: L<sku>-<YYYYMMDD>-<8 hex>, in
 * the one case of lot codes. */
static const char *lot_code_new(fl_arena *a, long long sku_id)
{
    char day[FL_DATE_LEN], rnd[9];
    fl_date_format((long long)time(NULL), day);
    fl_random_hex(rnd, 4);
    return shop_lot_code_canon(a, fl_arena_printf(a, "L%lld-%.4s%.2s%.2s-%s", sku_id, day, day + 5, day + 8, rnd));
}

/* The restock's writes, in its transaction, the lot named n->code locked
 * when it exists: SHOP_OK with *lot_id, or a fault. */
static int restock_tx(fl_db *db, const fl_signkey *key, const shop_restock *in, const shop_lot_new *n,
                      long long *lot_id, shop_fault *f)
{
    fl_rows *rows = NULL;
    long long sku = 0;
    int rc;
    *lot_id = 0;
    if ((rc = fl_db_query(db, &rows, LOT_BY_CODE_SQL, "s", n->code)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) == 1) {
        *lot_id = fl_rows_int(rows, 0, LC_ID);
        sku = fl_rows_int(rows, 0, LC_SKU);
    }
    fl_rows_free(rows);
    if (!*lot_id) /* a new lot, as POST /coops/{id}/lots makes one */
        return shop_lot_insert(db, key, in->coop_id, n, in->actor, lot_id, f);
    if (sku != in->sku_id)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "lot_code %s is a lot of another SKU", n->code);
    if (in->harvest_date || in->pack_date)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "%s is a new lot's: lot %s exists (restock into it without dates)",
                              in->harvest_date ? "harvest_date" : "pack_date", n->code);
    if ((rc = fl_db_exec(db, "UPDATE lots SET quantity = quantity + ?, remaining = remaining + ? WHERE id = ?", "iii",
                         in->quantity, in->quantity, *lot_id)) != FL_DB_OK ||
        (rc = ledger_row(db, *lot_id, in->sku_id, in->quantity, "restock", 0, in->note, in->actor)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    return SHOP_OK;
}

int shop_inv_restock(fl_db *db, const fl_signkey *key, fl_arena *a, const shop_restock *in, long long *lot_id,
                     shop_fault *f)
{
    shop_lot_new n = {.code = in->lot_code ? shop_lot_code_canon(a, in->lot_code) : lot_code_new(a, in->sku_id),
                      .harvest_date = in->harvest_date,
                      .pack_date = in->pack_date,
                      .note = in->note,
                      .sku_id = in->sku_id,
                      .quantity = in->quantity};
    int rc;
    if (in->quantity < 1 || in->quantity > SHOP_INV_LOT_QTY_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "quantity must be 1..%d", SHOP_INV_LOT_QTY_MAX);
    if (!shop_lot_code_valid(n.code))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "lot_code must be 3..64 of A-Z, 0-9 and '-', starting with a letter or digit");
    if ((rc = shop_lot_new_check(&n, f)) < 0) /* the dates, named; a lot that exists takes none */
        return rc;
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if ((rc = restock_tx(db, key, in, &n, lot_id, f)) < 0) {
        fl_db_rollback(db);
        return rc;
    }
    if ((rc = fl_db_commit(db)) != FL_DB_OK) {
        fl_db_rollback(db);
        return shop_fault_db(f, rc);
    }
    shop_trace_cache_invalidate();
    return SHOP_OK;
}

static const char LOT_ADJUST_SQL[] =
    "SELECT id, remaining FROM lots WHERE (id = ? OR code = ?) AND sku_id = ? FOR UPDATE";
enum { LA_ID, LA_REMAINING };

int shop_inv_adjust(fl_db *db, const shop_adjustment *in, long long *lot_id, shop_fault *f)
{
    fl_rows *rows = NULL;
    int err = SHOP_OK, rc;
    if (in->delta == 0)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "delta must not be 0");
    if (!in->lot_id && !in->lot_code)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "name the lot: lot_id or lot_code");
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if ((rc = fl_db_query(db, &rows, LOT_ADJUST_SQL, "isi", in->lot_id, in->lot_code ? in->lot_code : "",
                          in->sku_id)) != FL_DB_OK) /* codes compare without case (the column's collation) */
        goto out_rollback;
    if (fl_rows_count(rows) != 1) {
        err = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no such lot of SKU %lld", in->sku_id);
        goto out_rollback_err;
    }
    *lot_id = fl_rows_int(rows, 0, LA_ID);
    long long remaining = fl_rows_int(rows, 0, LA_REMAINING);
    if (remaining + in->delta < 0) {
        err = shop_fault_set(f, SHOP_E_VALIDATION, "below_zero",
                             "lot %lld holds %lld; an adjustment of %lld would go below zero", *lot_id, remaining,
                             in->delta);
        goto out_rollback_err;
    }
    /* units found make the lot bigger; units lost leave its size */
    if ((rc = fl_db_exec(db,
                         "UPDATE lots SET remaining = remaining + ?, quantity = quantity + GREATEST(?, 0) WHERE id = ?",
                         "iii", in->delta, in->delta, *lot_id)) != FL_DB_OK ||
        (rc = ledger_row(db, *lot_id, in->sku_id, in->delta, "adjustment", 0, in->reason, in->actor)) != FL_DB_OK ||
        (rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    fl_rows_free(rows);
    return SHOP_OK;
out_rollback:
    err = shop_fault_db(f, rc);
out_rollback_err:
    fl_db_rollback(db);
    fl_rows_free(rows);
    return err;
}

/* ---- views -------------------------------------------------------------- */

/* The views' one column: the JSON object MariaDB built (JSON_OBJECT). */
enum { VW_OBJECT };

/* The object in the first row of rows, as a tree; NULL when there is no
 * row. Frees rows. */
static json_t *json_of(fl_rows *rows)
{
    json_error_t jerr;
    json_t *v = fl_rows_count(rows) ? json_loads(fl_rows_str(rows, 0, VW_OBJECT), 0, &jerr) : NULL;
    fl_rows_free(rows);
    return v;
}

static const char LOT_SQL[] = "SELECT JSON_OBJECT('id', id, 'code', code, 'sku_id', sku_id, 'coop_id', coop_id, "
                              "'quantity', quantity, 'remaining', remaining, 'unit', unit, "
                              "'harvest_date', harvest_date, 'pack_date', pack_date) FROM lots WHERE id = ?";

int shop_inv_lot(fl_db *db, long long lot_id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, LOT_SQL, "i", lot_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (!(*out = json_of(rows)))
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot %lld", lot_id);
    return SHOP_OK;
}

/* Parameters: sku, coop, sku, sku, sku, page. */
static const char STOCK_SQL[] =
    "SELECT JSON_OBJECT('sku_id', ?, 'coop_id', ?, "
    "'available', (SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE sku_id = ?), "
    "'lots', COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT('id', id, 'code', code, 'quantity', quantity, "
    "  'remaining', remaining, 'harvest_date', harvest_date, 'pack_date', pack_date) ORDER BY id) "
    "  FROM lots WHERE sku_id = ?), JSON_ARRAY()), "
    "'ledger', COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT('id', g.id, 'lot_id', g.lot_id, 'delta', g.delta, "
    "  'reason', g.reason, 'order_id', g.order_id, 'note', g.note, "
    "  'created_at', DATE_FORMAT(g.created_at, '%Y-%m-%dT%H:%i:%sZ')) ORDER BY g.id DESC) "
    "  FROM (SELECT * FROM inventory_ledger WHERE sku_id = ? ORDER BY id DESC LIMIT ?) g), JSON_ARRAY()))";

int shop_inv_stock(fl_db *db, long long sku_id, long long coop_id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc =
        fl_db_query(db, &rows, STOCK_SQL, "iiiiii", sku_id, coop_id, sku_id, sku_id, sku_id, (long long)LEDGER_PAGE);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (!(*out = json_of(rows)))
        return shop_fault_set(f, SHOP_E_INTERNAL, NULL, "could not read the stock of SKU %lld", sku_id);
    return SHOP_OK;
}

/* Parameters: coop, after, limit + 1. Columns: the SKU's id, its object. */
static const char COOP_STOCK_SQL[] =
    "SELECT s.id, JSON_OBJECT('sku_id', s.id, 'product_id', p.id, 'name_zh', p.name_zh, 'name_en', p.name_en, "
    "'spec', s.spec, 'unit', s.unit, 'price_fen', s.price_fen, 'active', s.active = 1, 'product_status', p.status, "
    "'available', (SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE sku_id = s.id), "
    "'lots', COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT('id', id, 'code', code, 'quantity', quantity, "
    "  'remaining', remaining, 'harvest_date', harvest_date, 'pack_date', pack_date) "
    "  ORDER BY COALESCE(pack_date, harvest_date, DATE(created_at)), id) "
    "  FROM lots WHERE sku_id = s.id AND remaining > 0), JSON_ARRAY()), "
    "'empty_lots', (SELECT COUNT(*) FROM lots WHERE sku_id = s.id AND remaining = 0)) "
    "FROM skus s JOIN products p ON p.id = s.product_id WHERE p.coop_id = ? AND s.id > ? ORDER BY s.id LIMIT ?";
enum { CS_ID, CS_OBJECT };

int shop_inv_coop_page(fl_db *db, long long coop_id, long long after, long long limit, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    json_error_t jerr;
    int rc = fl_db_query(db, &rows, COOP_STOCK_SQL, "iii", coop_id, after, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    json_t *items = json_array();
    for (size_t r = 0; r < fl_rows_count(rows) && r < (size_t)limit; r++) {
        json_t *it = json_loads(fl_rows_str(rows, r, CS_OBJECT), 0, &jerr);
        if (!it) {
            json_decref(items);
            fl_rows_free(rows);
            return shop_fault_set(f, SHOP_E_INTERNAL, NULL, "could not read the stock of cooperative %lld", coop_id);
        }
        json_object_set_new(it, "active",
                            json_boolean(json_is_true(json_object_get(it, "active")) ||
                                         json_integer_value(json_object_get(it, "active")) == 1));
        json_array_append_new(items, it);
    }
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", shop_cursor_next(rows, limit, CS_ID));
    fl_rows_free(rows);
    return SHOP_OK;
}
