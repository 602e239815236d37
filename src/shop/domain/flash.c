/* flash.c - a flash sale: made (its units reserved from the lots as slots),
 * read, and its unsold units returned once it has ended. Buying is
 * flash_buy.c, the Redis counter flash_counter.c, the routes api/flash.c. */
#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/domain/flash_counter.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define TX_ATTEMPTS 4

/* ---- creating a sale ---------------------------------------------------- */

/* The values of a new sale, checked: SHOP_OK or 422 naming one. */
static int sale_checked(const shop_flash_new *in, shop_fault *f)
{
    if (in->price_fen < 1 || in->price_fen > SHOP_FLASH_PRICE_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "price_fen must be between 1 and %d", SHOP_FLASH_PRICE_MAX);
    if (in->quantity < 1 || in->quantity > SHOP_FLASH_QTY_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "quantity must be between 1 and %d", SHOP_FLASH_QTY_MAX);
    if (in->per_buyer_limit < 1 || in->per_buyer_limit > SHOP_FLASH_LIMIT_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "per_buyer_limit must be between 1 and %d",
                              SHOP_FLASH_LIMIT_MAX);
    if (in->ends <= in->starts)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "ends_at must be after starts_at");
    if (in->ends <= (long long)time(NULL))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "ends_at is in the past");
    return SHOP_OK;
}

static const char SALE_INSERT_SQL[] =
    "INSERT INTO flash_sales (coop_id, live_id, sku_id, price_fen, quantity, per_buyer_limit, mode, starts_at, "
    "ends_at, created_by) VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SLOTS_INSERT_SQL[] =
    "INSERT INTO flash_slots (sale_id, slot, lot_id) SELECT ?, ? + seq - 1, ? FROM seq_1_to_1000000 WHERE seq <= ?";

/* The sale row, its stock reserved from the lots and its slots: one
 * transaction. FL_DB_OK, SHOP_INV_SHORT, SHOP_INV_RETRY or FL_DB_E*. */
static int sale_insert(fl_db *db, fl_arena *a, const shop_flash_new *in, long long *id)
{
    shop_alloc *allocs = NULL;
    char s_sql[FL_SQLTIME_LEN], e_sql[FL_SQLTIME_LEN];
    size_t n = 0;
    long long slot = 0;
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return rc;
    fl_time_sql(in->starts, s_sql);
    fl_time_sql(in->ends, e_sql);
    if ((rc = fl_db_exec(db, SALE_INSERT_SQL, "iiiiiisssi", in->coop_id, in->live_id, in->sku_id, in->price_fen,
                         in->quantity, in->per_buyer_limit, in->rowlock ? "rowlock" : "redis", s_sql, e_sql,
                         in->created_by)) != FL_DB_OK)
        goto out_rollback;
    *id = (long long)fl_db_insert_id(db);
    const char *note = fl_arena_printf(a, "flash sale %lld", *id);
    if ((rc = shop_inv_reserve(db, a, in->sku_id, in->quantity, 0, in->created_by, note, &allocs, &n)) != FL_DB_OK)
        goto out_rollback;
    for (size_t i = 0; i < n; i++) {
        if ((rc = fl_db_exec(db, SLOTS_INSERT_SQL, "iiii", *id, slot, allocs[i].lot_id, allocs[i].qty)) != FL_DB_OK)
            goto out_rollback;
        slot += allocs[i].qty;
    }
    if ((rc = fl_db_commit(db)) == FL_DB_OK)
        return FL_DB_OK;
out_rollback:
    fl_db_rollback(db);
    return rc;
}

static const char ON_SALE_SQL[] =
    "SELECT s.active = 1, p.status = 'listed' FROM skus s JOIN products p ON p.id = s.product_id WHERE s.id = ?";
enum { OS_ACTIVE, OS_LISTED };

/* SHOP_OK when sku_id is on sale (an active SKU of a listed product), else
 * 422 sku_unavailable saying which. */
static int on_sale(fl_db *db, long long sku_id, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, ON_SALE_SQL, "i", sku_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    int active = fl_rows_count(rows) == 1 && fl_rows_int(rows, 0, OS_ACTIVE) == 1;
    int listed = fl_rows_count(rows) == 1 && fl_rows_int(rows, 0, OS_LISTED) == 1;
    fl_rows_free(rows);
    if (!active)
        return shop_fault_set(f, SHOP_E_VALIDATION, "sku_unavailable", "SKU %lld is not active", sku_id);
    if (!listed)
        return shop_fault_set(f, SHOP_E_VALIDATION, "sku_unavailable", "the product of SKU %lld is not listed", sku_id);
    return SHOP_OK;
}

int shop_flash_create(fl_db *db, fl_kv *kv, fl_arena *a, const shop_flash_new *in, long long *sale_id, shop_fault *f)
{
    long long owner = 0;
    int err, rc = FL_DB_OK;
    if ((err = sale_checked(in, f)) < 0 || (err = shop_inv_sku_coop(db, in->sku_id, &owner, f)) < 0)
        return err;
    if (owner != in->coop_id)
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no SKU %lld in cooperative %lld", in->sku_id, in->coop_id);
    if ((err = on_sale(db, in->sku_id, f)) < 0)
        return err;
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        rc = sale_insert(db, a, in, sale_id);
        if (rc != SHOP_INV_RETRY && rc != FL_DB_EDEADLOCK)
            break;
    }
    if (rc == SHOP_INV_SHORT)
        return shop_fault_set(f, SHOP_E_VALIDATION, "not_enough_stock",
                              "the lots of SKU %lld hold fewer than %lld units", in->sku_id, in->quantity);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc == SHOP_INV_RETRY ? FL_DB_EDEADLOCK : rc);
    if (!in->rowlock && kv) /* best effort: a missing counter is rebuilt when first needed */
        shop_flash_counters_rebuild(db, kv, *sale_id);
    return SHOP_OK;
}

/* ---- reading a sale ----------------------------------------------------- */

/* Parameters: with_sold (0 skips counting the slots), id. */
static const char SALE_SQL[] =
    "SELECT f.id, f.coop_id, f.sku_id, f.price_fen, f.quantity, "
    "IF(? = 1, (SELECT COUNT(*) FROM flash_slots x WHERE x.sale_id = f.id AND x.order_id IS NOT NULL), 0), "
    "f.per_buyer_limit, f.mode = 'rowlock', f.starts_at <= UTC_TIMESTAMP(3), f.ends_at <= UTC_TIMESTAMP(3), "
    "p.name_zh, s.spec, s.unit, c.name, "
    "TIMESTAMPDIFF(SECOND, '1970-01-01', f.starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', f.ends_at), "
    "f.end_reason, f.live_id, ls.public_id "
    "FROM flash_sales f JOIN skus s ON s.id = f.sku_id JOIN products p ON p.id = s.product_id "
    "JOIN cooperatives c ON c.id = f.coop_id LEFT JOIN live_sessions ls ON ls.id = f.live_id WHERE f.id = ?";
enum {
    SA_ID,
    SA_COOP_ID,
    SA_SKU_ID,
    SA_PRICE,
    SA_QUANTITY,
    SA_SOLD,
    SA_LIMIT,
    SA_ROWLOCK,
    SA_STARTED,
    SA_ENDED,
    SA_NAME,
    SA_SPEC,
    SA_UNIT,
    SA_COOP_NAME,
    SA_STARTS,
    SA_ENDS,
    SA_END_REASON,
    SA_LIVE_ID,
    SA_LIVE_PUBLIC_ID
};

static const char SALE_LOTS_SQL[] =
    "SELECT s.lot_id, l.code, MIN(s.slot), COUNT(*) FROM flash_slots s JOIN lots l ON l.id = s.lot_id "
    "WHERE s.sale_id = ? GROUP BY s.lot_id, l.code ORDER BY MIN(s.slot)";
enum { SL_LOT_ID, SL_CODE, SL_FIRST, SL_COUNT };

/* The sale's lot ranges into s (none when more than SHOP_FLASH_LOTS_MAX:
 * buying then finds each slot's lot in MariaDB). */
static int lots_read(fl_db *db, shop_flash_sale *s)
{
    fl_rows *rows = NULL;
    s->nlots = 0;
    int rc = fl_db_query(db, &rows, SALE_LOTS_SQL, "i", s->id);
    if (rc != FL_DB_OK)
        return rc;
    for (size_t i = 0; fl_rows_count(rows) <= SHOP_FLASH_LOTS_MAX && i < fl_rows_count(rows); i++) {
        shop_flash_lot *l = &s->lots[s->nlots++];
        l->id = fl_rows_int(rows, i, SL_LOT_ID);
        snprintf(l->code, sizeof(l->code), "%s", fl_rows_str(rows, i, SL_CODE));
        l->first = fl_rows_int(rows, i, SL_FIRST);
        l->count = fl_rows_int(rows, i, SL_COUNT);
    }
    fl_rows_free(rows);
    return FL_DB_OK;
}

int shop_flash_read(fl_db *db, fl_arena *a, long long id, int with_sold, int with_lots, shop_flash_sale *s,
                    shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, SALE_SQL, "ii", (long long)with_sold, id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) != 1) {
        fl_rows_free(rows);
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no flash sale %lld", id);
    }
    memset(s, 0, sizeof(*s));
    s->id = fl_rows_int(rows, 0, SA_ID);
    s->coop_id = fl_rows_int(rows, 0, SA_COOP_ID);
    s->sku_id = fl_rows_int(rows, 0, SA_SKU_ID);
    s->price_fen = fl_rows_int(rows, 0, SA_PRICE);
    s->quantity = fl_rows_int(rows, 0, SA_QUANTITY);
    s->sold = fl_rows_int(rows, 0, SA_SOLD);
    s->limit = fl_rows_int(rows, 0, SA_LIMIT);
    s->rowlock = fl_rows_int(rows, 0, SA_ROWLOCK) == 1;
    s->started = fl_rows_int(rows, 0, SA_STARTED) == 1;
    s->ended = fl_rows_int(rows, 0, SA_ENDED) == 1;
    s->name = fl_arena_strdup(a, fl_rows_str(rows, 0, SA_NAME));
    s->spec = fl_arena_strdup(a, fl_rows_str(rows, 0, SA_SPEC));
    s->unit = fl_arena_strdup(a, fl_rows_str(rows, 0, SA_UNIT));
    s->coop_name = fl_arena_strdup(a, fl_rows_str(rows, 0, SA_COOP_NAME));
    s->starts = fl_rows_int(rows, 0, SA_STARTS);
    s->ends = fl_rows_int(rows, 0, SA_ENDS);
    s->end_reason =
        fl_rows_str(rows, 0, SA_END_REASON) ? fl_arena_strdup(a, fl_rows_str(rows, 0, SA_END_REASON)) : NULL;
    s->live_id = fl_rows_str(rows, 0, SA_LIVE_ID) ? fl_rows_int(rows, 0, SA_LIVE_ID) : 0;
    snprintf(s->live_public_id, sizeof(s->live_public_id), "%s",
             s->live_id ? fl_rows_str(rows, 0, SA_LIVE_PUBLIC_ID) : "");
    fl_rows_free(rows);
    if (with_lots && (rc = lots_read(db, s)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    return SHOP_OK;
}

static const char STANDING_SQL[] =
    "SELECT (SELECT COUNT(*) FROM flash_slots WHERE sale_id = ? AND order_id IS NULL), "
    "(SELECT COALESCE(MAX(units), 0) FROM flash_buyers WHERE sale_id = ? AND account_id = ?)";
enum { ST_LEFT, ST_HELD };

int shop_flash_standing(fl_db *db, long long sale_id, long long buyer, long long *left, long long *held)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, STANDING_SQL, "iii", sale_id, sale_id, buyer);
    if (rc != FL_DB_OK)
        return rc;
    *left = fl_rows_int(rows, 0, ST_LEFT);
    *held = fl_rows_int(rows, 0, ST_HELD);
    fl_rows_free(rows);
    return FL_DB_OK;
}

/* ---- units going back --------------------------------------------------- */

static const char RELEASED_SHARED_SQL[] = "SELECT released FROM flash_sales WHERE id = ? LOCK IN SHARE MODE";
enum { RE_RELEASED };

int shop_flash_release_tx(fl_db *db, long long order_id, long long sale_id, long long buyer, long long units,
                          int *to_lots)
{
    fl_rows *rows = NULL;
    /* shared lock: shop_flash_release_ended cannot release the sale meanwhile */
    int rc = fl_db_query(db, &rows, RELEASED_SHARED_SQL, "i", sale_id);
    if (rc != FL_DB_OK)
        return rc;
    *to_lots = fl_rows_count(rows) != 1 || fl_rows_int(rows, 0, RE_RELEASED) == 1;
    fl_rows_free(rows);
    /* running: the units are free in the sale again; released: they leave
     * it for their lots, so it no longer counts them as sold */
    rc = *to_lots ? fl_db_exec(db, "DELETE FROM flash_slots WHERE order_id = ?", "i", order_id)
                  : fl_db_exec(db, "UPDATE flash_slots SET order_id = NULL WHERE order_id = ?", "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    return fl_db_exec(db,
                      "UPDATE flash_buyers SET units = units - ? WHERE sale_id = ? AND account_id = ? AND units >= ?",
                      "iiii", units, sale_id, buyer, units);
}

static const char FREE_SLOTS_SQL[] = "SELECT lot_id, COUNT(*) FROM flash_slots WHERE sale_id = ? AND order_id IS NULL "
                                     "GROUP BY lot_id ORDER BY lot_id";
enum { FS_LOT_ID, FS_COUNT };

/* In the caller's transaction, sale_id locked and not released yet: its
 * free slots back to their lots through the ledger (note), the slots
 * dropped, released = 1. FL_DB_OK or FL_DB_E*. */
static int release_tx(fl_db *db, long long sale_id, long long sku_id, const char *note)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, FREE_SLOTS_SQL, "i", sale_id);
    for (size_t i = 0; rc == FL_DB_OK && i < fl_rows_count(rows); i++) {
        long long lot = fl_rows_int(rows, i, FS_LOT_ID), n = fl_rows_int(rows, i, FS_COUNT);
        if ((rc = fl_db_exec(db, "UPDATE lots SET remaining = remaining + ? WHERE id = ?", "ii", n, lot)) == FL_DB_OK)
            rc = fl_db_exec(db,
                            "INSERT INTO inventory_ledger (lot_id, sku_id, delta, reason, note) "
                            "VALUES (?, ?, ?, 'cancellation', ?)",
                            "iiis", lot, sku_id, n, note);
    }
    fl_rows_free(rows);
    if (rc == FL_DB_OK && (rc = fl_db_exec(db, "DELETE FROM flash_slots WHERE sale_id = ? AND order_id IS NULL", "i",
                                           sale_id)) == FL_DB_OK)
        rc = fl_db_exec(db, "UPDATE flash_sales SET released = 1 WHERE id = ?", "i", sale_id);
    return rc;
}

static const char END_LOCK_SQL[] =
    "SELECT released, ends_at <= UTC_TIMESTAMP(3), sku_id FROM flash_sales WHERE id = ? FOR UPDATE";
enum { EL_RELEASED, EL_ENDED, EL_SKU_ID };

/* Ends sale_id at once in one transaction unless it was released already
 * (by whom, why: actor 0 for the shop), or, early 0, releases a sale that
 * ran out its time. FL_DB_OK with *done (0: released before), or FL_DB_E*. */
static int end_one(fl_db *db, long long sale_id, int early, long long actor, const char *reason, int *done)
{
    fl_rows *rows = NULL;
    char note[96];
    *done = 0;
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return rc;
    if ((rc = fl_db_query(db, &rows, END_LOCK_SQL, "i", sale_id)) != FL_DB_OK || fl_rows_count(rows) != 1 ||
        fl_rows_int(rows, 0, EL_RELEASED) == 1)
        goto out_rollback; /* gone, or another shop did it */
    long long sku_id = fl_rows_int(rows, 0, EL_SKU_ID);
    early = early && fl_rows_int(rows, 0, EL_ENDED) == 0;
    if (early && (rc = fl_db_exec(db,
                                  "UPDATE flash_sales SET planned_ends_at = ends_at, ends_at = UTC_TIMESTAMP(3), "
                                  "end_reason = ?, ended_by = NULLIF(?, 0) WHERE id = ?",
                                  "sii", reason, actor, sale_id)) != FL_DB_OK)
        goto out_rollback;
    snprintf(note, sizeof(note), "flash sale %lld ended%s: unsold", sale_id, early ? " early" : "");
    if ((rc = release_tx(db, sale_id, sku_id, note)) != FL_DB_OK || (rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    fl_rows_free(rows);
    *done = 1;
    return FL_DB_OK;
out_rollback:
    fl_db_rollback(db);
    fl_rows_free(rows);
    return rc;
}

int shop_flash_end(fl_db *db, long long sale_id, long long actor, const char *reason, shop_fault *f)
{
    int done = 0, rc = FL_DB_OK;
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++)
        if ((rc = end_one(db, sale_id, 1, actor, reason, &done)) != FL_DB_EDEADLOCK)
            break;
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (!done)
        return shop_fault_set(f, SHOP_E_CONFLICT, "sale_ended", "flash sale %lld has ended already", sale_id);
    return SHOP_OK;
}

/* Sales not released whose SKU is not on sale any more (inactive, or its
 * product not listed). Parameter: the product (0: any). */
static const char UNSELLABLE_SQL[] =
    "SELECT f.id FROM flash_sales f JOIN skus s ON s.id = f.sku_id JOIN products p ON p.id = s.product_id "
    "WHERE f.released = 0 AND (s.active = 0 OR p.status <> 'listed') AND (? = 0 OR p.id = ?) LIMIT 50";

int shop_flash_end_unsellable(fl_db *db, long long product_id)
{
    fl_rows *rows = NULL;
    int n = 0, done;
    if (fl_db_query(db, &rows, UNSELLABLE_SQL, "ii", product_id, product_id) != FL_DB_OK)
        return -1;
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        if (end_one(db, fl_rows_int(rows, i, 0), 1, 0, "the product was delisted or its SKU deactivated", &done) ==
                FL_DB_OK &&
            done)
            n++;
    fl_rows_free(rows);
    return n;
}

static const char ENDED_SQL[] =
    "SELECT id FROM flash_sales WHERE released = 0 AND ends_at <= UTC_TIMESTAMP(3) LIMIT 50";
enum { EN_ID };

int shop_flash_release_ended(shop_ctx *ctx)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int n = 0;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    int done;
    if (fl_db_query(db, &rows, ENDED_SQL, "") == FL_DB_OK) {
        for (size_t i = 0; i < fl_rows_count(rows); i++)
            if (end_one(db, fl_rows_int(rows, i, EN_ID), 0, 0, NULL, &done) == FL_DB_OK && done)
                n++;
    }
    fl_rows_free(rows);
    /* sales whose product was delisted or SKU deactivated, should the
     * route that did it have failed to end them */
    int ended = shop_flash_end_unsellable(db, 0);
    n += ended > 0 ? ended : 0;
    fl_db_release(db);
    return n;
}
