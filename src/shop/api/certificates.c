/* certificates.c - certificates over HTTP: parse, call the domain
 * (domain/certificates.c), reply.
 *
 *   POST /api/v1/coops/{id}/certificates             issue or record (its farmers/admins)
 *   GET  /api/v1/coops/{id}/certificates             list, newest first, cursor pages (public)
 *   GET  /api/v1/certificates/{cert_id}              one, with what it is attached to (public)
 *   POST /api/v1/certificates/{cert_id}/attachments  attach to a lot, product or base
 *   POST /api/v1/certificates/{cert_id}/revoke       revoke with a reason (its admins)
 *   POST /api/v1/certificates/{cert_id}/verify       a third party's, verified (platform admins)
 *
 * Every write answers the certificate as GET shows it; a write that changed
 * what product JSON lists tells the catalogue cache. */
#include "farmlive/shop/api/certificates.h"

#include <limits.h>

#include "farmlive/shop/api/catalogue.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/trace.h"
#include "farmlive/shop/domain/certificates.h"
#include "farmlive/shop/domain/lot_code.h"

/* After a write: tells the catalogue when products changed, then replies
 * with certificate id as GET shows it. */
static int cert_reply(shop_req *r, fl_db *db, const fl_signkey *key, int status, long long id, int product_side)
{
    json_t *cert = NULL;
    shop_fault f;
    if (product_side)
        shop_catalogue_changed(r); /* product JSON lists certifications */
    if (shop_cert_get(db, key, id, &cert, &f))
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, status, cert);
}

/* POST /api/v1/coops/{id}/certificates: the fields of shop_cert_texts[],
 * commitments, test_results, attach. */
int shop_certificates_create(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    shop_cert_new in = {0};
    const fl_signkey *key = NULL;
    long long coop_id = 0, id = 0;
    int product_side = 0, rc;
    fl_db *db = NULL;
    shop_fault f;

    if ((rc = shop_param_id(r, 0, &coop_id)))
        return rc;
    for (size_t i = 0; i < SHOP_CERT_TEXTS; i++)
        if ((rc = shop_body_str(r, shop_cert_texts[i].key, 0, 1, shop_cert_texts[i].max, &in.text[i])))
            return rc;
    in.commitments = json_object_get(r->body, "commitments");
    in.test_results = json_object_get(r->body, "test_results");
    in.attach = json_object_get(r->body, "attach");
    if ((rc = shop_trace_req(r, &db, &key)))
        return rc;
    if (shop_cert_create(db, key, &who, coop_id, &in, &id, &product_side, &f))
        return shop_fail_fault(r, &f);
    return cert_reply(r, db, key, 201, id, product_side);
}

/* GET /api/v1/coops/{id}/certificates?kind=&limit=&cursor= */
int shop_certificates_list(shop_req *r)
{
    const fl_signkey *key = NULL;
    long long coop_id = 0;
    shop_page pg;
    json_t *page = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 0, &coop_id)) || (rc = shop_query_page(r, 1, &pg)) ||
        (rc = shop_trace_req(r, &db, &key)))
        return rc;
    if (shop_cert_list(db, key, coop_id, shop_query(r, "kind"), pg.after[0], pg.limit, &page, &f))
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 200, page);
}

/* GET /api/v1/certificates/{cert_id} */
int shop_certificates_get(shop_req *r)
{
    const fl_signkey *key = NULL;
    fl_db *db = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_trace_req(r, &db, &key)))
        return rc;
    return cert_reply(r, db, key, 200, id, 0);
}

/* POST /api/v1/certificates/{cert_id}/attachments {lot_code | product_id | base_id} */
int shop_certificates_attach(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    const fl_signkey *key = NULL;
    const char *code = NULL;
    long long id = 0, product_id = 0, base_id = 0;
    int product_side = 0, rc;
    fl_db *db = NULL;
    shop_fault f;

    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_body_str(r, "lot_code", 0, 1, SHOP_LOT_CODE_MAX, &code)) ||
        (rc = shop_body_int(r, "product_id", 0, 1, LLONG_MAX, &product_id, NULL)) ||
        (rc = shop_body_int(r, "base_id", 0, 1, LLONG_MAX, &base_id, NULL)) || (rc = shop_trace_req(r, &db, &key)))
        return rc;
    if (shop_cert_attach(db, &who, id, code, product_id, base_id, &product_side, &f))
        return shop_fail_fault(r, &f);
    return cert_reply(r, db, key, 200, id, product_side);
}

/* POST /api/v1/certificates/{cert_id}/revoke {reason} */
int shop_certificates_revoke(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    const fl_signkey *key = NULL;
    const char *reason = NULL;
    int product_side = 0, rc;
    fl_db *db = NULL;
    long long id = 0;
    shop_fault f;

    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_body_str(r, "reason", 1, 1, 255, &reason)) ||
        (rc = shop_trace_req(r, &db, &key)))
        return rc;
    if (shop_cert_revoke(db, key, &who, id, reason, &product_side, &f))
        return shop_fail_fault(r, &f);
    return cert_reply(r, db, key, 200, id, product_side);
}

/* POST /api/v1/certificates/{cert_id}/verify {verify_url?} */
int shop_certificates_verify(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    const fl_signkey *key = NULL;
    const char *url = NULL;
    int product_side = 0, rc;
    fl_db *db = NULL;
    long long id = 0;
    shop_fault f;

    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_body_str(r, "verify_url", 0, 1, 512, &url)) ||
        (rc = shop_trace_req(r, &db, &key)))
        return rc;
    if (shop_cert_verify(db, key, &who, id, url, &product_side, &f))
        return shop_fail_fault(r, &f);
    return cert_reply(r, db, key, 200, id, product_side);
}
