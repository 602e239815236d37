/* restream.c - a cooperative's restream targets over HTTP (routes in
 * shop/api/restream.h): parse, call domain/restream_targets.c, answer. */
#include "farmlive/shop/api/restream.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/restream_targets.h"

int shop_restream_list(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long coop = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_page pg;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 0, &coop)) < 0 || (rc = shop_query_page(r, 1, &pg)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_restream_target_list(db, &who, coop, pg.after[0], pg.limit, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_restream_add(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    const char *name = NULL, *url = NULL;
    long long coop = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    int enabled = -1;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 0, &coop)) < 0 ||
        (rc = shop_body_str(r, "name", 1, 1, SHOP_RESTREAM_NAME_MAX, &name)) < 0 ||
        (rc = shop_body_str(r, "url", 1, 1, SHOP_RESTREAM_URL_MAX, &url)) < 0 ||
        (rc = shop_body_bool(r, "enabled", &enabled)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_restream_target_add(r->ctx->cfg, db, &who, coop, name, url, enabled != 0, &out, &f);
    shop_add_header(r, "Cache-Control", "no-store");
    return shop_reply_outcome(r, rc, 201, out, &f);
}

int shop_restream_update(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    const char *name = NULL;
    long long coop = 0, target = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    int enabled = -1;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 0, &coop)) < 0 || (rc = shop_param_id(r, 1, &target)) < 0 ||
        (rc = shop_body_str(r, "name", 0, 1, SHOP_RESTREAM_NAME_MAX, &name)) < 0 ||
        (rc = shop_body_bool(r, "enabled", &enabled)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_restream_target_update(db, &who, coop, target, name, enabled, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_restream_remove(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long coop = 0, target = 0;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 0, &coop)) < 0 || (rc = shop_param_id(r, 1, &target)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_restream_target_remove(db, &who, coop, target, &f);
    return shop_reply_outcome(r, rc, 204, NULL, &f);
}
