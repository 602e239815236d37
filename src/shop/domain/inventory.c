/* inventory.c - stock by lot: reservations, returns, restock, adjustments.
 *
 *   POST /api/v1/skus/{sku_id}/restock      add to a named lot or create one
 *   POST /api/v1/skus/{sku_id}/adjustments  +/- on one lot, with a reason
 *   GET  /api/v1/skus/{sku_id}/stock        lots and the latest ledger rows
 *
 * Every change is an inventory_ledger row plus the matching update of
 * lots.remaining in the same transaction (ck_lots_remaining keeps it >= 0;
 * an adjustment that would go below zero is refused with 422 first).
 * Reservations take lots oldest first with a guarded update
 * (`remaining >= n`), so two checkouts racing for the last units cannot
 * both win: the loser sees 0 rows and retries its transaction. */
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/crypto.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOT_QTY_MAX 1000000
#define LEDGER_PAGE 100

static const char LOTS_FREE_SQL[] =
    "SELECT id, code, remaining FROM lots WHERE sku_id = ? AND remaining > 0 "
    "ORDER BY COALESCE(pack_date, harvest_date, DATE(created_at)), id LIMIT 64";
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

int shop_inv_reserve(fl_db *db, long long sku_id, int qty, long long order_id, long long actor, const char *note,
                     shop_alloc out[SHOP_INV_MAX_LOTS], size_t *n)
{
    fl_rows *rows = NULL;
    int need = qty;
    *n = 0;
    int rc = fl_db_query(db, &rows, LOTS_FREE_SQL, "i", sku_id);
    if (rc != FL_DB_OK)
        return rc;
    long long total = 0;
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        total += fl_rows_int(rows, i, 2);
    if (total < qty) {
        rc = SHOP_INV_SHORT;
        goto out_free_rows;
    }
    for (size_t i = 0; i < fl_rows_count(rows) && need > 0; i++) {
        long long lot = fl_rows_int(rows, i, 0);
        long long have = fl_rows_int(rows, i, 2);
        int take = have < need ? (int)have : need;
        if (*n == SHOP_INV_MAX_LOTS) {
            rc = SHOP_INV_SHORT;
            goto out_free_rows;
        }
        if ((rc = fl_db_exec(db, LOT_TAKE_SQL, "iii", (long long)take, lot, (long long)take)) != FL_DB_OK)
            goto out_free_rows;
        if (fl_db_affected(db) != 1) {
            rc = SHOP_INV_RETRY;
            goto out_free_rows;
        }
        if ((rc = ledger_row(db, lot, sku_id, -take, "reservation", order_id, note, actor)) != FL_DB_OK)
            goto out_free_rows;
        out[*n].lot_id = lot;
        snprintf(out[*n].code, sizeof(out[*n].code), "%s", fl_rows_str(rows, i, 1));
        out[*n].qty = take;
        (*n)++;
        need -= take;
    }
    rc = FL_DB_OK;
out_free_rows:
    fl_rows_free(rows);
    return rc;
}

int shop_inv_return_order(fl_db *db, long long order_id, const char *reason, long long actor)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT lot_id, sku_id, quantity FROM order_lines WHERE order_id = ? ORDER BY lot_id",
                         "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        long long lot = fl_rows_int(rows, i, 0), sku = fl_rows_int(rows, i, 1), q = fl_rows_int(rows, i, 2);
        if ((rc = fl_db_exec(db, LOT_GIVE_SQL, "ii", q, lot)) != FL_DB_OK ||
            (rc = ledger_row(db, lot, sku, q, reason, order_id, NULL, actor)) != FL_DB_OK)
            break;
    }
    fl_rows_free(rows);
    return rc;
}

int shop_inv_sku_coop(shop_req *r, fl_db *db, long long sku_id, long long *coop_id)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT p.coop_id FROM skus s JOIN products p ON p.id = s.product_id WHERE s.id = ?",
                         "i", sku_id);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    int found = fl_rows_count(rows) == 1;
    if (found)
        *coop_id = fl_rows_int(rows, 0, 0);
    fl_rows_free(rows);
    return found ? SHOP_OK : shop_fail(r, SHOP_E_NOT_FOUND, "no SKU %lld", sku_id);
}

/* The SKU of path parameter 0, its cooperative and the caller's right there. */
static int sku_for(shop_req *r, fl_db **db, long long *sku_id, long long *coop_id, int min_role)
{
    int err;
    if ((err = shop_param_id(r, 0, sku_id)) < 0 || (err = shop_db(r, db)) < 0 ||
        (err = shop_inv_sku_coop(r, *db, *sku_id, coop_id)) < 0)
        return err;
    return shop_auth_coop(r, *coop_id, min_role);
}

/* YYYY-MM-DD with plausible digits (MariaDB checks the calendar). */
static int date_valid(const char *s)
{
    if (!s)
        return 1;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

static int lot_reply(shop_req *r, fl_db *db, int status, long long lot_id)
{
    fl_rows *rows = NULL;
    json_error_t jerr;
    int rc = fl_db_query(db, &rows,
                         "SELECT JSON_OBJECT('id', id, 'code', code, 'sku_id', sku_id, 'coop_id', coop_id, "
                         "'quantity', quantity, 'remaining', remaining, 'unit', unit, "
                         "'harvest_date', harvest_date, 'pack_date', pack_date) FROM lots WHERE id = ?",
                         "i", lot_id);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    json_t *lot = fl_rows_count(rows) ? json_loads(fl_rows_str(rows, 0, 0), 0, &jerr) : NULL;
    fl_rows_free(rows);
    if (!lot)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no lot %lld", lot_id);
    return shop_reply_json(r, status, lot);
}

int shop_inventory_restock(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long sku_id, coop_id, qty, lot_id = 0;
    const char *code, *harvest, *pack, *note;
    int err, rc;

    if ((err = sku_for(r, &db, &sku_id, &coop_id, SHOP_MEMBER_ADMIN)) < 0 ||
        (err = shop_body_int(r, "quantity", 1, 1, LOT_QTY_MAX, &qty, NULL)) < 0 ||
        (err = shop_body_str(r, "lot_code", 0, 1, 64, &code)) < 0 ||
        (err = shop_body_str(r, "harvest_date", 0, 10, 10, &harvest)) < 0 ||
        (err = shop_body_str(r, "pack_date", 0, 10, 10, &pack)) < 0 ||
        (err = shop_body_str(r, "note", 0, 1, 255, &note)) < 0)
        return err;
    if (!date_valid(harvest) || !date_valid(pack))
        return shop_fail(r, SHOP_E_VALIDATION, "harvest_date and pack_date are YYYY-MM-DD");
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (code) {
        rc = fl_db_query(db, &rows, "SELECT id, sku_id FROM lots WHERE code = ? FOR UPDATE", "s", code);
        if (rc != FL_DB_OK)
            goto out_rollback;
        if (fl_rows_count(rows) == 1) {
            lot_id = fl_rows_int(rows, 0, 0);
            if (fl_rows_int(rows, 0, 1) != sku_id) {
                err = shop_fail(r, SHOP_E_VALIDATION, "lot %s belongs to another SKU", code);
                goto out_rollback_err;
            }
        }
    } else {
        char rnd[9], day[16];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(day, sizeof(day), "%Y%m%d", &tm);
        fl_random_hex(rnd, 4);
        code = fl_arena_printf(r->arena, "L%lld-%s-%s", sku_id, day, rnd);
    }
    if (lot_id) {
        if ((rc = fl_db_exec(db, "UPDATE lots SET quantity = quantity + ?, remaining = remaining + ? WHERE id = ?",
                             "iii", qty, qty, lot_id)) != FL_DB_OK ||
            (rc = ledger_row(db, lot_id, sku_id, qty, "restock", 0, note, r->session->account_id)) != FL_DB_OK)
            goto out_rollback;
    } else {
        rc = fl_db_exec(db,
                        "INSERT INTO lots (code, sku_id, coop_id, quantity, unit, remaining, harvest_date, pack_date) "
                        "SELECT ?, s.id, ?, ?, s.unit, ?, ?, ? FROM skus s WHERE s.id = ?",
                        "siiissi", code, coop_id, qty, qty, harvest, pack, sku_id);
        if (rc != FL_DB_OK)
            goto out_rollback;
        lot_id = (long long)fl_db_insert_id(db);
        if ((rc = ledger_row(db, lot_id, sku_id, qty, "produced", 0, note, r->session->account_id)) != FL_DB_OK)
            goto out_rollback;
    }
    if ((rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    fl_rows_free(rows);
    return lot_reply(r, db, 201, lot_id);
out_rollback:
    err = shop_fail_db(r, rc);
out_rollback_err:
    fl_db_rollback(db);
    fl_rows_free(rows);
    return err;
}

int shop_inventory_adjust(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long sku_id, coop_id, lot_id = 0, delta;
    const char *code, *note;
    int has_lot = 0, err, rc;

    if ((err = sku_for(r, &db, &sku_id, &coop_id, SHOP_MEMBER_ADMIN)) < 0 ||
        (err = shop_body_int(r, "lot_id", 0, 1, INT64_MAX, &lot_id, &has_lot)) < 0 ||
        (err = shop_body_str(r, "lot_code", 0, 1, 64, &code)) < 0 ||
        (err = shop_body_int(r, "delta", 1, -LOT_QTY_MAX, LOT_QTY_MAX, &delta, NULL)) < 0 ||
        (err = shop_body_str(r, "reason", 1, 1, 255, &note)) < 0)
        return err;
    if (delta == 0)
        return shop_fail(r, SHOP_E_VALIDATION, "delta must not be 0");
    if (!has_lot && !code)
        return shop_fail(r, SHOP_E_VALIDATION, "name the lot: lot_id or lot_code");
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fail_db(r, rc);
    rc = fl_db_query(db, &rows, "SELECT id, remaining FROM lots WHERE (id = ? OR code = ?) AND sku_id = ? FOR UPDATE",
                     "isi", lot_id, code ? code : "", sku_id);
    if (rc != FL_DB_OK)
        goto out_rollback;
    if (fl_rows_count(rows) != 1) {
        err = shop_fail(r, SHOP_E_NOT_FOUND, "no such lot of SKU %lld", sku_id);
        goto out_rollback_err;
    }
    lot_id = fl_rows_int(rows, 0, 0);
    if (fl_rows_int(rows, 0, 1) + delta < 0) {
        err = shop_fail_code(r, SHOP_E_VALIDATION, "below_zero", "lot %lld holds %lld; an adjustment of %lld would go below zero",
                             lot_id, fl_rows_int(rows, 0, 1), delta);
        goto out_rollback_err;
    }
    if ((rc = fl_db_exec(db, LOT_GIVE_SQL, "ii", delta, lot_id)) != FL_DB_OK ||
        (rc = ledger_row(db, lot_id, sku_id, delta, "adjustment", 0, note, r->session->account_id)) != FL_DB_OK ||
        (rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    fl_rows_free(rows);
    return lot_reply(r, db, 201, lot_id);
out_rollback:
    err = shop_fail_db(r, rc);
out_rollback_err:
    fl_db_rollback(db);
    fl_rows_free(rows);
    return err;
}

int shop_inventory_get(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long sku_id, coop_id;
    json_error_t jerr;
    int err;

    if ((err = sku_for(r, &db, &sku_id, &coop_id, SHOP_MEMBER_FARMER)) < 0)
        return err;
    int rc = fl_db_query(
        db, &rows,
        "SELECT JSON_OBJECT('sku_id', ?, 'coop_id', ?, "
        "'available', (SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE sku_id = ?), "
        "'lots', COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT('id', id, 'code', code, 'quantity', quantity, "
        "  'remaining', remaining, 'harvest_date', harvest_date, 'pack_date', pack_date) ORDER BY id) "
        "  FROM lots WHERE sku_id = ?), JSON_ARRAY()), "
        "'ledger', COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT('id', g.id, 'lot_id', g.lot_id, 'delta', g.delta, "
        "  'reason', g.reason, 'order_id', g.order_id, 'note', g.note, "
        "  'created_at', DATE_FORMAT(g.created_at, '%Y-%m-%dT%H:%i:%sZ')) ORDER BY g.id DESC) "
        "  FROM (SELECT * FROM inventory_ledger WHERE sku_id = ? ORDER BY id DESC LIMIT ?) g), JSON_ARRAY()))",
        "iiiiii", sku_id, coop_id, sku_id, sku_id, sku_id, (long long)LEDGER_PAGE);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    json_t *out = json_loads(fl_rows_str(rows, 0, 0), 0, &jerr);
    fl_rows_free(rows);
    if (!out)
        return shop_fail(r, SHOP_E_INTERNAL, "could not read the stock of SKU %lld", sku_id);
    return shop_reply_json(r, 200, out);
}
