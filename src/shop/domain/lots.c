/* lots.c - lots: create, read, list (contract in shop/domain/lots.h). */
#include "farmlive/shop/domain/lots.h"

#include <string.h>
#include <time.h>

#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace.h"
#include "farmlive/shop/domain/trace_cache.h"
#include "farmlive/timefmt.h"

/* Columns of LOT_SELECT. */
enum {
    LC_ID,
    LC_CODE,
    LC_COOP,
    LC_SKU,
    LC_SPEC,
    LC_GTIN,
    LC_PRODUCT,
    LC_NAME_ZH,
    LC_NAME_EN,
    LC_BASE,
    LC_BASE_NAME,
    LC_FARMER,
    LC_FARMER_NAME,
    LC_QTY,
    LC_UNIT,
    LC_REMAINING,
    LC_HARVEST,
    LC_PACK,
    LC_CREATED
};

#define LOT_SELECT                                                                                                     \
    "SELECT l.id, l.code, l.coop_id, l.sku_id, s.spec, s.gtin, p.id, p.name_zh, p.name_en, l.base_id, b.name, "        \
    "l.farmer_account_id, a.display_name, l.quantity, l.unit, l.remaining, "                                           \
    "DATE_FORMAT(l.harvest_date, '%Y-%m-%d'), DATE_FORMAT(l.pack_date, '%Y-%m-%d'), "                                  \
    "DATE_FORMAT(l.created_at, '%Y-%m-%dT%H:%i:%sZ') FROM lots l JOIN skus s ON s.id = l.sku_id "                      \
    "JOIN products p ON p.id = s.product_id LEFT JOIN production_bases b ON b.id = l.base_id "                         \
    "LEFT JOIN accounts a ON a.id = l.farmer_account_id "

static json_t *lot_json(const fl_rows *rows, size_t i, const char *public_base, fl_arena *a)
{
    const char *code = fl_rows_str(rows, i, LC_CODE);
    json_t *l = json_object();
    json_object_set_new(l, "id", json_integer(fl_rows_int(rows, i, LC_ID)));
    json_object_set_new(l, "code", shop_json_str(code));
    json_object_set_new(l, "coop_id", json_integer(fl_rows_int(rows, i, LC_COOP)));
    json_object_set_new(l, "sku",
                        json_pack("{s:I,s:o,s:o}", "id", (json_int_t)fl_rows_int(rows, i, LC_SKU), "spec",
                                  shop_json_str(fl_rows_str(rows, i, LC_SPEC)), "gtin",
                                  shop_json_str(fl_rows_str(rows, i, LC_GTIN))));
    json_object_set_new(l, "product",
                        json_pack("{s:I,s:o,s:o}", "id", (json_int_t)fl_rows_int(rows, i, LC_PRODUCT), "name_zh",
                                  shop_json_str(fl_rows_str(rows, i, LC_NAME_ZH)), "name_en",
                                  shop_json_str(fl_rows_str(rows, i, LC_NAME_EN))));
    json_object_set_new(l, "base",
                        fl_rows_str(rows, i, LC_BASE)
                            ? json_pack("{s:I,s:o}", "id", (json_int_t)fl_rows_int(rows, i, LC_BASE), "name",
                                        shop_json_str(fl_rows_str(rows, i, LC_BASE_NAME)))
                            : json_null());
    json_object_set_new(l, "farmer",
                        fl_rows_str(rows, i, LC_FARMER)
                            ? json_pack("{s:I,s:o}", "account_id", (json_int_t)fl_rows_int(rows, i, LC_FARMER),
                                        "display_name", shop_json_str(fl_rows_str(rows, i, LC_FARMER_NAME)))
                            : json_null());
    json_object_set_new(l, "quantity", json_integer(fl_rows_int(rows, i, LC_QTY)));
    json_object_set_new(l, "unit", shop_json_str(fl_rows_str(rows, i, LC_UNIT)));
    json_object_set_new(l, "remaining", json_integer(fl_rows_int(rows, i, LC_REMAINING)));
    json_object_set_new(l, "harvest_date", shop_json_str(fl_rows_str(rows, i, LC_HARVEST)));
    json_object_set_new(l, "pack_date", shop_json_str(fl_rows_str(rows, i, LC_PACK)));
    json_object_set_new(l, "created_at", shop_json_str(fl_rows_str(rows, i, LC_CREATED)));
    json_object_set_new(
        l, "links",
        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "page", json_sprintf("/t/%s", code), "trace",
                  json_sprintf("/api/v1/trace/%s", code), "verify", json_sprintf("/api/v1/trace/%s/verify", code),
                  "epcis", json_sprintf("/api/v1/trace/%s/epcis", code), "qr_svg",
                  json_sprintf("/api/v1/lots/%s/qr.svg", code), "qr_png", json_sprintf("/api/v1/lots/%s/qr.png", code),
                  "labels", json_sprintf("/api/v1/lots/%s/labels", code)));
    json_object_set_new(l, "qr_url", json_string(shop_lot_qr_url(a, public_base, fl_rows_str(rows, i, LC_GTIN), code)));
    return l;
}

int shop_lot_get(fl_db *db, const char *public_base, const char *code, fl_arena *a, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc;
    *out = NULL;
    if (!shop_lot_code_valid(code))
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot has code %s", code);
    if ((rc = fl_db_query(db, &rows, LOT_SELECT "WHERE l.code = ?", "s", code)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) == 0)
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot has code %s", code);
    else
        *out = lot_json(rows, 0, public_base, a);
    fl_rows_free(rows);
    return rc;
}

int shop_lot_list(fl_db *db, const shop_actor *who, long long coop_id, long long sku_id, long long cursor,
                  long long limit, const char *public_base, fl_arena *a, json_t **page, shop_fault *f)
{
    fl_rows *rows = NULL;
    json_t *items;
    int rc;

    *page = NULL;
    if ((rc = shop_rights_coop_enter(db, coop_id, who->account_id, who->platform_admin, SHOP_MEMBER_FARMER, f)))
        return rc;
    rc = fl_db_query(db, &rows,
                     LOT_SELECT "WHERE l.coop_id = ? AND (? = 0 OR l.id < ?) AND (? = 0 OR l.sku_id = ?) "
                                "ORDER BY l.id DESC LIMIT ?",
                     "iiiiii", coop_id, cursor, cursor, sku_id, sku_id, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows) && i < (size_t)limit; i++)
        json_array_append_new(items, lot_json(rows, i, public_base, a));
    *page = json_pack("{s:o,s:o}", "items", items, "next_cursor", shop_cursor_next(rows, limit, LC_ID));
    fl_rows_free(rows);
    return SHOP_OK;
}

/* ---- creating ---------------------------------------------------------------- */

/* A date field: absent, or a real date (*days set). */
static int date_check(const char *key, const char *s, long long *days, shop_fault *f)
{
    if (s && fl_date_parse(s, days) != 0)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "%s must be a real date YYYY-MM-DD", key);
    return SHOP_OK;
}

/* The rules of a new lot's own values, today being day `today` (days since
 * 1970-01-01). */
static int lot_check(const shop_lot_new *in, long long today, shop_fault *f)
{
    long long harvest = 0, pack = 0;
    int rc;
    if (!shop_lot_code_valid(in->code))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "code must be 3..64 of A-Z, 0-9 and '-', starting with a letter or digit");
    if (in->sku_id <= 0)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "sku_id is required");
    if (in->quantity < 1 || in->quantity > SHOP_LOT_QTY_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "quantity must be between 1 and %lld", SHOP_LOT_QTY_MAX);
    if ((rc = date_check("harvest_date", in->harvest_date, &harvest, f)) ||
        (rc = date_check("pack_date", in->pack_date, &pack, f)))
        return rc;
    if (in->harvest_date && harvest > today)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "harvest_date %s is in the future", in->harvest_date);
    if (in->pack_date && pack > today)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "pack_date %s is in the future", in->pack_date);
    if (in->harvest_date && in->pack_date && pack < harvest)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "pack_date is before harvest_date");
    return SHOP_OK;
}

int shop_lot_new_check(const shop_lot_new *in, shop_fault *f)
{
    return lot_check(in, fl_china_day((long long)time(NULL)), f);
}

/* 1 when the query (one id bound, then coop_id) finds a row; 0 when not;
 * a negative fault when it fails. */
static int owned(fl_db *db, const char *sql, long long id, long long coop_id, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, sql, "ii", id, coop_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    rc = fl_rows_count(rows) > 0;
    fl_rows_free(rows);
    return rc;
}

/* The SKU, base and farmer must be the cooperative's: 422 naming which is
 * not. */
static int lot_refs_check(fl_db *db, long long coop_id, const shop_lot_new *in, shop_fault *f)
{
    int rc;
    if ((rc = owned(db, "SELECT 1 FROM skus s JOIN products p ON p.id = s.product_id WHERE s.id = ? AND p.coop_id = ?",
                    in->sku_id, coop_id, f)) <= 0)
        return rc < 0 ? rc
                      : shop_fault_set(f, SHOP_E_VALIDATION, NULL, "sku_id %lld is not a SKU of cooperative %lld",
                                       in->sku_id, coop_id);
    if (in->base_id > 0 &&
        (rc = owned(db, "SELECT 1 FROM production_bases WHERE id = ? AND coop_id = ?", in->base_id, coop_id, f)) <= 0)
        return rc < 0 ? rc
                      : shop_fault_set(f, SHOP_E_VALIDATION, NULL, "base_id %lld is not a base of cooperative %lld",
                                       in->base_id, coop_id);
    if (in->farmer_account_id > 0 && (rc = owned(db, "SELECT 1 FROM coop_members WHERE account_id = ? AND coop_id = ?",
                                                 in->farmer_account_id, coop_id, f)) <= 0)
        return rc < 0 ? rc
                      : shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                                       "farmer_account_id %lld is not a member of cooperative %lld",
                                       in->farmer_account_id, coop_id);
    return SHOP_OK;
}

int shop_lot_insert(fl_db *db, const fl_signkey *key, long long coop_id, const shop_lot_new *in,
                    long long actor_account_id, long long *lot_id, shop_fault *f)
{
    int rc = fl_db_exec(db,
                        "INSERT INTO lots (code, sku_id, coop_id, base_id, farmer_account_id, quantity, unit, "
                        "remaining, harvest_date, pack_date) SELECT ?, s.id, ?, NULLIF(?, 0), NULLIF(?, 0), ?, "
                        "COALESCE(?, s.unit), ?, ?, ? FROM skus s WHERE s.id = ?",
                        "siiiisissi", in->code, coop_id, in->base_id, in->farmer_account_id, in->quantity, in->unit,
                        in->quantity, in->harvest_date, in->pack_date, in->sku_id);
    if (rc == FL_DB_EDUP)
        return shop_fault_set(f, SHOP_E_CONFLICT, NULL, "lot code %s is already taken", in->code);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_db_affected(db) == 0)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "sku_id %lld is not a SKU", in->sku_id);
    *lot_id = (long long)fl_db_insert_id(db);
    rc = fl_db_exec(db,
                    "INSERT INTO inventory_ledger (lot_id, sku_id, delta, reason, note, actor_account_id) "
                    "VALUES (?, ?, ?, 'produced', ?, NULLIF(?, 0))",
                    "iiisi", *lot_id, in->sku_id, in->quantity, in->note, actor_account_id);
    if (rc == FL_DB_OK)
        rc = shop_trace_head_update(db, key, *lot_id, in->code);
    return rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
}

int shop_lot_create(fl_db *db, const fl_signkey *key, const shop_actor *who, long long coop_id, const shop_lot_new *in,
                    long long *lot_id, shop_fault *f)
{
    int rc;
    if ((rc = shop_rights_coop_enter(db, coop_id, who->account_id, who->platform_admin, SHOP_MEMBER_FARMER, f)) ||
        (rc = shop_lot_new_check(in, f)) || (rc = lot_refs_check(db, coop_id, in, f)))
        return rc;
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if ((rc = shop_lot_insert(db, key, coop_id, in, who->account_id, lot_id, f)))
        goto out_rollback;
    if ((rc = fl_db_commit(db)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out_rollback;
    }
    shop_trace_cache_invalidate();
    return SHOP_OK;
out_rollback:
    fl_db_rollback(db);
    return rc;
}
