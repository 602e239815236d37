/* addresses.c - the caller's address book: parse, call domain/addresses.c,
 * reply.
 *
 *   GET    /api/v1/me/addresses          a list page, oldest first
 *   POST   /api/v1/me/addresses          {name, phone, province, city, county, detail, is_default?}: 201
 *   PATCH  /api/v1/me/addresses/{id}     the fields to change: 200
 *   DELETE /api/v1/me/addresses/{id}     204 */
#include "farmlive/shop/api/addresses.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/addresses.h"

int shop_addresses_list(shop_req *r)
{
    shop_page pg;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    int rc;
    if ((rc = shop_query_page(r, 1, &pg)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_addresses_page(db, shop_auth_account(r), &pg, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_addresses_create(shop_req *r)
{
    shop_address_in in;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    int rc;
    if (shop_address_input(r->body, 0, &in, &f) < 0)
        return shop_fail_fault(r, &f);
    if ((rc = shop_db(r, &db)))
        return rc;
    rc = shop_address_create(db, shop_auth_account(r), &in, &out, &f);
    return shop_reply_outcome(r, rc, 201, out, &f);
}

int shop_addresses_update(shop_req *r)
{
    shop_address_in in;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)))
        return rc;
    if (shop_address_input(r->body, 1, &in, &f) < 0)
        return shop_fail_fault(r, &f);
    if ((rc = shop_db(r, &db)))
        return rc;
    rc = shop_address_update(db, shop_auth_account(r), id, &in, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_addresses_delete(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_address_delete(db, shop_auth_account(r), id, &f);
    return shop_reply_outcome(r, rc, 204, NULL, &f);
}
