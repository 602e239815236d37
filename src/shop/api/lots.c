/* lots.c - lots over HTTP: parse, call the domain (domain/lots.c), reply.
 *
 *   POST /api/v1/coops/{id}/lots     create (that cooperative's farmers and admins)
 *   GET  /api/v1/coops/{id}/lots     list, newest first, cursor pages (its members)
 *   GET  /api/v1/lots/{lot_code}     one lot (public) */
#include "farmlive/shop/api/lots.h"

#include <limits.h>

#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/trace.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/lots.h"
#include "farmlive/shop/domain/stock_level.h"

/* Replies with lot code as its public JSON. */
static int lot_reply(shop_req *r, fl_db *db, int status, const char *code)
{
    json_t *lot = NULL;
    shop_fault f;
    if (shop_lot_get(db, r->ctx->cfg->public_base, code, r->arena, &lot, &f))
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, status, lot);
}

/* POST /api/v1/coops/{id}/lots {code, sku_id, quantity, unit?, base_id?,
 * farmer_account_id?, harvest_date?, pack_date?} */
int shop_lots_create(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    shop_lot_new in = {0};
    const fl_signkey *key = NULL;
    long long coop_id = 0, lot_id = 0;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 0, &coop_id)) ||
        (rc = shop_body_str(r, "code", 1, SHOP_LOT_CODE_MIN, SHOP_LOT_CODE_MAX, &in.code)) ||
        (rc = shop_body_int(r, "sku_id", 1, 1, LLONG_MAX, &in.sku_id, NULL)) ||
        (rc = shop_body_int(r, "quantity", 1, 1, SHOP_LOT_QTY_MAX, &in.quantity, NULL)) ||
        (rc = shop_body_int(r, "base_id", 0, 1, LLONG_MAX, &in.base_id, NULL)) ||
        (rc = shop_body_int(r, "farmer_account_id", 0, 1, LLONG_MAX, &in.farmer_account_id, NULL)) ||
        (rc = shop_body_str(r, "unit", 0, 1, 16, &in.unit)) ||
        (rc = shop_body_str(r, "harvest_date", 0, 10, 10, &in.harvest_date)) ||
        (rc = shop_body_str(r, "pack_date", 0, 10, 10, &in.pack_date)) || (rc = shop_trace_req(r, &db, &key)))
        return rc;
    in.code = shop_lot_code_canon(r->arena, in.code);
    if (shop_lot_create(db, key, &who, coop_id, &in, &lot_id, &f))
        return shop_fail_fault(r, &f);
    shop_stock_note(r->ctx, db, &(shop_stock_delta){in.sku_id, in.quantity}, 1);
    return lot_reply(r, db, 201, in.code);
}

/* GET /api/v1/coops/{id}/lots?limit=&cursor=&sku_id= */
int shop_lots_list(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long coop_id = 0, sku_id = 0;
    shop_page pg;
    json_t *page = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 0, &coop_id)) || (rc = shop_query_page(r, 1, &pg)) ||
        (rc = shop_query_id(r, "sku_id", &sku_id)) || (rc = shop_db(r, &db)))
        return rc;
    if (shop_lot_list(db, &who, coop_id, sku_id, pg.after[0], pg.limit, r->ctx->cfg->public_base, r->arena, &page, &f))
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 200, page);
}

/* GET /api/v1/lots/{lot_code} */
int shop_lots_get(shop_req *r)
{
    fl_db *db = NULL;
    int rc;
    if ((rc = shop_db(r, &db)))
        return rc;
    return lot_reply(r, db, 200, shop_lot_code_canon(r->arena, shop_param(r, 0)));
}
