/* inventory.c - the stock routes; the rules are domain/inventory.c's.
 *
 *   POST /api/v1/skus/{sku_id}/restock      coop admin: add to a named lot or create one
 *                                           (the lot made as POST /coops/{id}/lots makes it)
 *   POST /api/v1/skus/{sku_id}/adjustments  coop admin: +/- on one lot, with a reason
 *   GET  /api/v1/skus/{sku_id}/stock        coop member: lots and the latest ledger rows
 *   GET  /api/v1/coops/{id}/inventory       coop member: every SKU's stock, its lots holding units */
#include "farmlive/shop/api/inventory.h"
#include "farmlive/shop/api/trace.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/shop/domain/stock_level.h"

#include <stdint.h>

/* The SKU of path parameter 0, its cooperative and the caller's right there. */
static int sku_for(shop_req *r, fl_db **db, long long *sku_id, long long *coop_id, int min_role)
{
    shop_fault f;
    int err;
    if ((err = shop_param_id(r, 0, sku_id)) < 0 || (err = shop_db(r, db)) < 0)
        return err;
    if (shop_inv_sku_coop(*db, *sku_id, coop_id, &f) < 0)
        return shop_fail_fault(r, &f);
    return shop_auth_coop(r, *coop_id, min_role);
}

/* Answers lot_id as it is now (201). */
static int lot_reply(shop_req *r, fl_db *db, long long lot_id)
{
    shop_fault f;
    json_t *lot = NULL;
    if (shop_inv_lot(db, lot_id, &lot, &f) < 0)
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 201, lot);
}

int shop_inventory_restock(shop_req *r)
{
    fl_db *db = NULL;
    const fl_signkey *key = NULL;
    shop_restock in = {0};
    shop_fault f;
    long long lot_id;
    int err;
    if ((err = sku_for(r, &db, &in.sku_id, &in.coop_id, SHOP_MEMBER_ADMIN)) < 0 ||
        (err = shop_body_int(r, "quantity", 1, 1, SHOP_INV_LOT_QTY_MAX, &in.quantity, NULL)) < 0 ||
        (err = shop_body_str(r, "lot_code", 0, 1, 64, &in.lot_code)) < 0 ||
        (err = shop_body_str(r, "harvest_date", 0, 10, 10, &in.harvest_date)) < 0 ||
        (err = shop_body_str(r, "pack_date", 0, 10, 10, &in.pack_date)) < 0 ||
        (err = shop_body_str(r, "note", 0, 1, 255, &in.note)) < 0 || (err = shop_trace_req(r, NULL, &key)) < 0)
        return err;
    in.actor = r->session->account_id;
    if (shop_inv_restock(db, key, r->arena, &in, &lot_id, &f) < 0)
        return shop_fail_fault(r, &f);
    shop_stock_note(r->ctx, db, &(shop_stock_delta){in.sku_id, in.quantity}, 1);
    return lot_reply(r, db, lot_id);
}

int shop_inventory_adjust(shop_req *r)
{
    fl_db *db = NULL;
    shop_adjustment in = {0};
    shop_fault f;
    long long coop_id, lot_id;
    int err;
    if ((err = sku_for(r, &db, &in.sku_id, &coop_id, SHOP_MEMBER_ADMIN)) < 0 ||
        (err = shop_body_int(r, "lot_id", 0, 1, INT64_MAX, &in.lot_id, NULL)) < 0 ||
        (err = shop_body_str(r, "lot_code", 0, 1, 64, &in.lot_code)) < 0 ||
        (err = shop_body_int(r, "delta", 1, -SHOP_INV_LOT_QTY_MAX, SHOP_INV_LOT_QTY_MAX, &in.delta, NULL)) < 0 ||
        (err = shop_body_str(r, "reason", 1, 1, 255, &in.reason)) < 0)
        return err;
    in.actor = r->session->account_id;
    if (shop_inv_adjust(db, &in, &lot_id, &f) < 0)
        return shop_fail_fault(r, &f);
    shop_stock_note(r->ctx, db, &(shop_stock_delta){in.sku_id, in.delta}, 1);
    return lot_reply(r, db, lot_id);
}

int shop_inventory_get(shop_req *r)
{
    fl_db *db = NULL;
    json_t *out = NULL;
    shop_fault f;
    long long sku_id, coop_id;
    int err;
    if ((err = sku_for(r, &db, &sku_id, &coop_id, SHOP_MEMBER_FARMER)) < 0)
        return err;
    if (shop_inv_stock(db, sku_id, coop_id, &out, &f) < 0)
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 200, out);
}

int shop_inventory_coop(shop_req *r)
{
    fl_db *db = NULL;
    json_t *out = NULL;
    shop_fault f;
    shop_page pg;
    long long coop_id;
    int err;
    if ((err = shop_auth_coop_enter(r, SHOP_MEMBER_FARMER, &db, &coop_id)) < 0 ||
        (err = shop_query_page(r, 1, &pg)) < 0)
        return err;
    int rc = shop_inv_coop_page(db, coop_id, pg.after[0], pg.limit, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}
