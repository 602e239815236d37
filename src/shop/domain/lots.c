/* lots.c - lots (batches): created with their first ledger row, listed per
 * cooperative, read by code.
 *
 *   POST /api/v1/coops/{id}/lots     create (that cooperative's farmers and admins)
 *   GET  /api/v1/coops/{id}/lots     list, newest first (its members)
 *   GET  /api/v1/lots/{lot_code}     one lot (public)
 *
 * Creating a lot writes, in one transaction: the lots row with remaining =
 * quantity, the inventory_ledger row (reason 'produced', delta = quantity)
 * and the lot's signed, empty chain head. Stock is never written otherwise
 * here: later changes are ledger rows of the buying side. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/db.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/shop/domain/trace.h"
#include "farmlive/shop/core/values.h"

#define LOTS_LIMIT_DEFAULT 20
#define LOTS_LIMIT_MAX 100
#define LOT_QTY_MAX 1000000000LL

#define ISO8601(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* Columns of LOT_SELECT. */
enum {
    LC_ID, LC_CODE, LC_COOP, LC_SKU, LC_SPEC, LC_GTIN, LC_PRODUCT, LC_NAME_ZH, LC_NAME_EN,
    LC_BASE, LC_BASE_NAME, LC_FARMER, LC_FARMER_NAME, LC_QTY, LC_UNIT, LC_REMAINING, LC_HARVEST,
    LC_PACK, LC_CREATED
};

#define LOT_SELECT                                                                                 \
    "SELECT l.id, l.code, l.coop_id, l.sku_id, s.spec, s.gtin, p.id, p.name_zh, p.name_en, "      \
    "l.base_id, b.name, l.farmer_account_id, a.display_name, l.quantity, l.unit, l.remaining, "   \
    "DATE_FORMAT(l.harvest_date, '%Y-%m-%d'), DATE_FORMAT(l.pack_date, '%Y-%m-%d'), "             \
    ISO8601("l.created_at") " FROM lots l JOIN skus s ON s.id = l.sku_id "                        \
    "JOIN products p ON p.id = s.product_id LEFT JOIN production_bases b ON b.id = l.base_id "    \
    "LEFT JOIN accounts a ON a.id = l.farmer_account_id "

static json_t *lot_json(shop_req *r, const fl_rows *rows, size_t i)
{
    const char *code = fl_rows_str(rows, i, LC_CODE);
    json_t *l = json_object();
    json_object_set_new(l, "id", json_integer(fl_rows_int(rows, i, LC_ID)));
    json_object_set_new(l, "code", shop_json_str(code));
    json_object_set_new(l, "coop_id", json_integer(fl_rows_int(rows, i, LC_COOP)));
    json_object_set_new(l, "sku",
                        json_pack("{s:I,s:o,s:o}", "id", (json_int_t)fl_rows_int(rows, i, LC_SKU),
                                  "spec", shop_json_str(fl_rows_str(rows, i, LC_SPEC)), "gtin",
                                  shop_json_str(fl_rows_str(rows, i, LC_GTIN))));
    json_object_set_new(l, "product",
                        json_pack("{s:I,s:o,s:o}", "id",
                                  (json_int_t)fl_rows_int(rows, i, LC_PRODUCT), "name_zh",
                                  shop_json_str(fl_rows_str(rows, i, LC_NAME_ZH)), "name_en",
                                  shop_json_str(fl_rows_str(rows, i, LC_NAME_EN))));
    json_object_set_new(l, "base",
                        fl_rows_str(rows, i, LC_BASE)
                            ? json_pack("{s:I,s:o}", "id", (json_int_t)fl_rows_int(rows, i, LC_BASE),
                                        "name", shop_json_str(fl_rows_str(rows, i, LC_BASE_NAME)))
                            : json_null());
    json_object_set_new(l, "farmer",
                        fl_rows_str(rows, i, LC_FARMER)
                            ? json_pack("{s:I,s:o}", "account_id",
                                        (json_int_t)fl_rows_int(rows, i, LC_FARMER),
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
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "page",
                  fl_arena_printf(r->arena, "/t/%s", code), "trace",
                  fl_arena_printf(r->arena, "/api/v1/trace/%s", code), "verify",
                  fl_arena_printf(r->arena, "/api/v1/trace/%s/verify", code), "epcis",
                  fl_arena_printf(r->arena, "/api/v1/trace/%s/epcis", code), "qr_svg",
                  fl_arena_printf(r->arena, "/api/v1/lots/%s/qr.svg", code), "qr_png",
                  fl_arena_printf(r->arena, "/api/v1/lots/%s/qr.png", code), "labels",
                  fl_arena_printf(r->arena, "/api/v1/lots/%s/labels", code)));
    json_object_set_new(l, "qr_url",
                        json_string(shop_trace_qr_url(r, fl_rows_str(rows, i, LC_GTIN), code)));
    return l;
}

int shop_lots_find(shop_req *r, fl_db *db, const char *code, long long *lot_id, long long *coop_id)
{
    fl_rows *rows = NULL;
    int rc;
    if (!shop_trace_code_valid(code))
        return 1;
    rc = fl_db_query(db, &rows, "SELECT id, coop_id FROM lots WHERE code = ?", "s", code);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    rc = fl_rows_count(rows) ? 0 : 1;
    if (rc == 0) {
        *lot_id = fl_rows_int(rows, 0, 0);
        if (coop_id)
            *coop_id = fl_rows_int(rows, 0, 1);
    }
    fl_rows_free(rows);
    return rc;
}

static int lot_reply(shop_req *r, fl_db *db, int status, long long id)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, LOT_SELECT "WHERE l.id = ?", "i", id);
    if (rc != FL_DB_OK)
        rc = shop_fail_db(r, rc);
    else if (fl_rows_count(rows) == 0)
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "lot %lld not found", id);
    else
        rc = shop_reply_json(r, status, lot_json(r, rows, 0));
    fl_rows_free(rows);
    return rc;
}

typedef struct lot_in {
    const char *code, *unit, *harvest, *pack;
    long long sku_id, base_id, farmer_id, quantity;
    int has_base, has_farmer;
} lot_in;

static int date_field(shop_req *r, const char *key, const char **out)
{
    int rc = shop_body_str(r, key, 0, 10, 10, out);
    if (rc == SHOP_OK && *out && !shop_trace_date_valid(*out))
        rc = shop_fail(r, SHOP_E_VALIDATION, "%s must be a real date YYYY-MM-DD", key);
    return rc;
}

static int lot_parse(shop_req *r, lot_in *in)
{
    char today[11];
    int present = 0, rc;
    memset(in, 0, sizeof(*in));
    if ((rc = shop_body_str(r, "code", 1, 3, SHOP_LOT_CODE_MAX, &in->code)))
        return rc;
    if (!shop_trace_code_valid(in->code))
        return shop_fail(r, SHOP_E_VALIDATION,
                         "code must be 3..64 of A-Z, 0-9 and '-', starting with a letter or digit");
    if ((rc = shop_body_int(r, "sku_id", 1, 1, LLONG_MAX, &in->sku_id, &present)) ||
        (rc = shop_body_int(r, "quantity", 1, 1, LOT_QTY_MAX, &in->quantity, &present)) ||
        (rc = shop_body_int(r, "base_id", 0, 1, LLONG_MAX, &in->base_id, &in->has_base)) ||
        (rc = shop_body_int(r, "farmer_account_id", 0, 1, LLONG_MAX, &in->farmer_id,
                            &in->has_farmer)) ||
        (rc = shop_body_str(r, "unit", 0, 1, 16, &in->unit)) ||
        (rc = date_field(r, "harvest_date", &in->harvest)) ||
        (rc = date_field(r, "pack_date", &in->pack)))
        return rc;
    shop_trace_today(today);
    if (in->harvest && strcmp(in->harvest, today) > 0)
        return shop_fail(r, SHOP_E_VALIDATION, "harvest_date %s is in the future", in->harvest);
    if (in->pack && strcmp(in->pack, today) > 0)
        return shop_fail(r, SHOP_E_VALIDATION, "pack_date %s is in the future", in->pack);
    if (in->harvest && in->pack && strcmp(in->pack, in->harvest) < 0)
        return shop_fail(r, SHOP_E_VALIDATION, "pack_date is before harvest_date");
    return SHOP_OK;
}

/* The SKU, base and farmer must be the cooperative's: 422 naming which is
 * not. *unit gets the SKU's unit when none was given. */
static int lot_refs_check(shop_req *r, fl_db *db, long long coop_id, lot_in *in)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT p.coop_id, s.unit FROM skus s JOIN products p ON p.id = s.product_id "
                         "WHERE s.id = ?",
                         "i", in->sku_id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0 || fl_rows_int(rows, 0, 0) != coop_id) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "sku_id %lld is not a SKU of cooperative %lld",
                       in->sku_id, coop_id);
        goto out;
    }
    if (!in->unit)
        in->unit = fl_arena_strdup(r->arena, fl_rows_str(rows, 0, 1));
    fl_rows_free(rows);
    rows = NULL;
    if (in->has_base) {
        rc = fl_db_query(db, &rows, "SELECT 1 FROM production_bases WHERE id = ? AND coop_id = ?",
                         "ii", in->base_id, coop_id);
        if (rc != FL_DB_OK) {
            rc = shop_fail_db(r, rc);
            goto out;
        }
        if (fl_rows_count(rows) == 0) {
            rc = shop_fail(r, SHOP_E_VALIDATION, "base_id %lld is not a base of cooperative %lld",
                           in->base_id, coop_id);
            goto out;
        }
        fl_rows_free(rows);
        rows = NULL;
    }
    if (in->has_farmer) {
        rc = fl_db_query(db, &rows, "SELECT 1 FROM coop_members WHERE account_id = ? AND coop_id = ?",
                         "ii", in->farmer_id, coop_id);
        if (rc != FL_DB_OK) {
            rc = shop_fail_db(r, rc);
            goto out;
        }
        if (fl_rows_count(rows) == 0) {
            rc = shop_fail(r, SHOP_E_VALIDATION,
                           "farmer_account_id %lld is not a member of cooperative %lld",
                           in->farmer_id, coop_id);
            goto out;
        }
    }
    rc = SHOP_OK;
out:
    fl_rows_free(rows);
    return rc;
}

/* POST /api/v1/coops/{id}/lots {code, sku_id, quantity, unit?, base_id?,
 * farmer_account_id?, harvest_date?, pack_date?} */
int shop_lots_create(shop_req *r)
{
    const fl_signkey *key = NULL;
    fl_db *db = NULL;
    lot_in in;
    long long coop_id = 0, lot_id = 0;
    int in_tx = 0, rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_FARMER, &db, &coop_id)) || (rc = lot_parse(r, &in)) ||
        (rc = lot_refs_check(r, db, coop_id, &in)) || (rc = shop_trace_key(r, &key)))
        goto out;
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    rc = fl_db_exec(db,
                    "INSERT INTO lots (code, sku_id, coop_id, base_id, farmer_account_id, quantity, "
                    "unit, remaining, harvest_date, pack_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "siissisiss", in.code, in.sku_id, coop_id,
                    in.has_base ? fl_arena_printf(r->arena, "%lld", in.base_id) : NULL,
                    in.has_farmer ? fl_arena_printf(r->arena, "%lld", in.farmer_id) : NULL,
                    in.quantity, in.unit, in.quantity, in.harvest, in.pack);
    if (rc == FL_DB_EDUP) {
        rc = shop_fail(r, SHOP_E_CONFLICT, "lot code %s is already taken", in.code);
        goto out;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    lot_id = (long long)fl_db_insert_id(db);
    rc = fl_db_exec(db,
                    "INSERT INTO inventory_ledger (lot_id, sku_id, delta, reason, actor_account_id) "
                    "VALUES (?, ?, ?, 'produced', ?)",
                    "iiii", lot_id, in.sku_id, in.quantity, r->session->account_id);
    if (rc == FL_DB_OK)
        rc = shop_trace_head_update(db, key, lot_id, in.code);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    shop_trace_cache_invalidate();
    rc = lot_reply(r, db, 201, lot_id);
out:
    if (in_tx)
        fl_db_rollback(db);
    return rc;
}

/* GET /api/v1/coops/{id}/lots?limit=&before=&sku_id= : newest first; the
 * next page is before=<last id>. */
int shop_lots_list(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *out = NULL, *items;
    long long coop_id = 0, limit = LOTS_LIMIT_DEFAULT, before = 0, sku = 0;
    const char *v;
    size_t n;
    int rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_FARMER, &db, &coop_id)))
        goto out;
    if ((v = shop_query(r, "limit")) && shop_parse_dec(v, 1, LOTS_LIMIT_MAX, &limit)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "limit must be 1..%d", LOTS_LIMIT_MAX);
        goto out;
    }
    if ((v = shop_query(r, "before")) && shop_parse_dec(v, 1, LLONG_MAX, &before)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "before must be a lot id");
        goto out;
    }
    if ((v = shop_query(r, "sku_id")) && shop_parse_dec(v, 1, LLONG_MAX, &sku)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "sku_id must be an id");
        goto out;
    }
    rc = fl_db_query(db, &rows,
                     LOT_SELECT "WHERE l.coop_id = ? AND (? = 0 OR l.id < ?) AND (? = 0 OR l.sku_id = ?) "
                                "ORDER BY l.id DESC LIMIT ?",
                     "iiiiii", coop_id, before, before, sku, sku, limit + 1);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    n = fl_rows_count(rows);
    items = json_array();
    out = json_pack("{s:o}", "items", items);
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append_new(items, lot_json(r, rows, i));
    json_object_set_new(out, "next_before",
                        n > (size_t)limit
                            ? json_integer(fl_rows_int(rows, (size_t)limit - 1, LC_ID))
                            : json_null());
    rc = shop_reply_json(r, 200, out);
    out = NULL;
out:
    json_decref(out);
    fl_rows_free(rows);
    return rc;
}

/* GET /api/v1/lots/{lot_code} */
int shop_lots_get(shop_req *r)
{
    fl_db *db = NULL;
    long long lot_id = 0;
    const char *code = shop_param(r, 0);
    int rc;
    if ((rc = shop_db(r, &db)))
        return rc;
    rc = shop_lots_find(r, db, code, &lot_id, NULL);
    if (rc == 1)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no lot has code %s", code);
    return rc < 0 ? rc : lot_reply(r, db, 200, lot_id);
}
