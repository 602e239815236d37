/* live_room.c - a live session's shelf, pins, moments, flash sales, end,
 * replay and report over HTTP (routes in shop/api/live_room.h): parse,
 * call the domain, answer. */
#include "farmlive/shop/api/live_room.h"
#include "farmlive/shop/api/flash.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/domain/live_flash.h"
#include "farmlive/shop/domain/live_replay.h"
#include "farmlive/shop/domain/live_report.h"
#include "farmlive/shop/domain/live_room.h"

#include <limits.h>

#define ROOM_COUNTDOWN_DEFAULT 30
#define ROOM_FLASH_DEFAULT_S 300

/* ---- the shelf -------------------------------------------------------------- */

int shop_live_shelf_get(shop_req *r)
{
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_shelf_get(db, shop_param(r, 0), &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* PUT {live_price_fen?: fen | null} */
int shop_live_shelf_put(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long sku_id = 0, price = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_param_id(r, 1, &sku_id)) < 0)
        return rc;
    if (!json_is_null(json_object_get(r->body, "live_price_fen")) &&
        (rc = shop_body_int(r, "live_price_fen", 0, 1, SHOP_ROOM_PRICE_MAX, &price, NULL)) < 0)
        return rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_shelf_put(r->ctx, db, &who, shop_param(r, 0), sku_id, price, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_live_shelf_delete(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long sku_id = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_param_id(r, 1, &sku_id)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_shelf_remove(r->ctx, db, &who, shop_param(r, 0), sku_id, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* ---- pins and moments ------------------------------------------------------- */

/* POST {sku_id} */
int shop_live_pin(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long sku_id = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_body_int(r, "sku_id", 1, 1, LLONG_MAX, &sku_id, NULL)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_pin(r->ctx, db, &who, shop_param(r, 0), sku_id, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_live_unpin(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_unpin(r->ctx, db, &who, shop_param(r, 0), &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* GET ?cursor=&limit= */
int shop_live_moments(shop_req *r)
{
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_page pg;
    shop_fault f;
    int rc;
    if ((rc = shop_query_page(r, 1, &pg)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_moments_page(db, shop_param(r, 0), pg.after[0], pg.limit, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* ---- flash sales ------------------------------------------------------------- */

/* POST {sku_id, price_fen, quantity, per_buyer_limit?, countdown_s?, duration_s?} */
int shop_live_flash_create(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    shop_room_flash_new in = {
        .per_buyer_limit = 1, .countdown_s = ROOM_COUNTDOWN_DEFAULT, .duration_s = ROOM_FLASH_DEFAULT_S};
    shop_flash_sale s;
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_body_int(r, "sku_id", 1, 1, LLONG_MAX, &in.sku_id, NULL)) < 0 ||
        (rc = shop_body_int(r, "price_fen", 1, 1, SHOP_FLASH_PRICE_MAX, &in.price_fen, NULL)) < 0 ||
        (rc = shop_body_int(r, "quantity", 1, 1, SHOP_FLASH_QTY_MAX, &in.quantity, NULL)) < 0 ||
        (rc = shop_body_int(r, "per_buyer_limit", 0, 1, SHOP_FLASH_LIMIT_MAX, &in.per_buyer_limit, NULL)) < 0 ||
        (rc = shop_body_int(r, "countdown_s", 0, SHOP_ROOM_COUNTDOWN_MIN, SHOP_ROOM_COUNTDOWN_MAX, &in.countdown_s,
                            NULL)) < 0 ||
        (rc = shop_body_int(r, "duration_s", 0, SHOP_ROOM_FLASH_MIN_S, SHOP_ROOM_FLASH_MAX_S, &in.duration_s, NULL)) <
            0 ||
        (rc = shop_db(r, &db)) < 0 || (rc = shop_kv(r, &kv)) < 0)
        return rc;
    if (shop_room_flash_start(r->ctx, db, kv, r->arena, &who, shop_param(r, 0), &in, &s, &f) < 0)
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 201, shop_flash_sale_json(&s, s.quantity - s.sold));
}

/* GET ?cursor=&limit= */
int shop_live_flash_list(shop_req *r)
{
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_page pg;
    shop_fault f;
    int rc;
    if ((rc = shop_query_page(r, 1, &pg)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_flash_page(db, r->arena, shop_param(r, 0), pg.after[0], pg.limit, shop_flash_sale_json, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* ---- the end, the replay, the reports ------------------------------------------ */

int shop_live_end(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_end(r->ctx, db, &who, shop_param(r, 0), &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_live_replay(shop_req *r)
{
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_replay_get(r->ctx, db, shop_param(r, 0), &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_live_report(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    shop_add_header(r, "Cache-Control", "no-store");
    rc = shop_room_report(db, &who, shop_param(r, 0), &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* GET /api/v1/coops/{id}/live?cursor=&limit= */
int shop_live_coop_list(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long coop_id = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_page pg;
    shop_fault f;
    int rc;
    if ((rc = shop_param_id(r, 0, &coop_id)) < 0 || (rc = shop_query_page(r, 1, &pg)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_room_coop_page(db, &who, coop_id, pg.after[0], pg.limit, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}
