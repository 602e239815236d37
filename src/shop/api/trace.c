/* trace.c - the trace chain over HTTP: parse, call the domain, reply.
 *
 *   POST /api/v1/lots/{lot_code}/events      append an event (lot's coop farmers/admins)
 *   GET  /api/v1/trace/keys                  the platform's public key (public)
 *   GET  /api/v1/trace/{lot_code}            the trace document (public, cached)
 *   GET  /api/v1/trace/{lot_code}/verify     recompute chain and signatures (public)
 *
 * The rules live in domain/trace.c (append, verify) and domain/trace_doc.c
 * (the document); the document's rendered JSON is kept by
 * domain/trace_cache.c for the catalogue cache's staleness bound. */
#include "farmlive/shop/api/trace.h"

#include <stdlib.h>
#include <string.h>

#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace.h"
#include "farmlive/shop/domain/trace_cache.h"
#include "farmlive/shop/domain/trace_chain.h"
#include "farmlive/shop/domain/trace_doc.h"
#include "farmlive/shop/domain/trace_key.h"
#include "farmlive/timefmt.h"

#define JSON_TYPE "application/json; charset=utf-8"

int shop_trace_req(shop_req *r, fl_db **db, const fl_signkey **key)
{
    shop_fault f;
    int rc;
    if (db && (rc = shop_db(r, db)))
        return rc;
    if (key && shop_trace_key_get(r->ctx->cfg, key, &f))
        return shop_fail_fault(r, &f);
    return SHOP_OK;
}

/* POST /api/v1/lots/{lot_code}/events {kind, occurred_at, place, actor?, details?} */
int shop_trace_events_create(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    shop_trace_event_new in = {0};
    const fl_signkey *key = NULL;
    json_t *created = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_body_str(r, "kind", 1, 1, 16, &in.kind)) ||
        (rc = shop_body_str(r, "occurred_at", 1, 20, FL_TIME_TEXT_MAX, &in.occurred_at)) ||
        (rc = shop_body_str(r, "place", 1, 1, 255, &in.place)) ||
        (rc = shop_body_str(r, "actor", 0, 1, 128, &in.actor)) || (rc = shop_trace_req(r, &db, &key)))
        return rc;
    in.details = json_object_get(r->body, "details");
    if (shop_trace_append(db, key, &who, shop_lot_code_canon(r->arena, shop_param(r, 0)), &in, &created, &f))
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 201, created);
}

/* GET /api/v1/trace/keys */
int shop_trace_keys_get(shop_req *r)
{
    const fl_signkey *key = NULL;
    int rc;
    if ((rc = shop_trace_req(r, NULL, &key)))
        return rc;
    shop_add_header(r, "Cache-Control", "public, max-age=300");
    return shop_reply_json(
        r, 200,
        json_pack(
            "{s:[{s:s,s:s,s:s,s:s,s:s}]}", "keys", "key_id", key->key_id, "algorithm", "Ed25519", "public_key_hex",
            key->pk_hex, "use", "signs lot chain heads and certificates", "head_message",
            "canonical JSON {\"count\":N,\"head\":\"<sha256 hex>\",\"lot\":\"<code>\",\"type\":\"" SHOP_TRACE_HEAD_TYPE
            "\"}"));
}

/* GET /api/v1/trace/{lot_code}: served from the cache when fresh. */
int shop_trace_get(shop_req *r)
{
    const char *code = shop_lot_code_canon(r->arena, shop_param(r, 0)), *cached;
    unsigned long gen = shop_trace_cache_generation();
    const fl_signkey *key = NULL;
    json_t *doc = NULL;
    fl_db *db = NULL;
    char *text, *copy;
    size_t len = 0;
    shop_fault f;
    int rc;

    if ((cached = shop_trace_cache_get(r->arena, code, &len)))
        return shop_reply_raw(r, 200, JSON_TYPE, cached, len);
    if ((rc = shop_trace_req(r, &db, &key)))
        return rc;
    if (shop_trace_document(db, key, r->ctx->cfg->public_base, code, r->arena, &doc, &f))
        return shop_fail_fault(r, &f);
    text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text)
        return shop_fail(r, SHOP_E_INTERNAL, "the trace document cannot be written");
    len = strlen(text);
    copy = fl_arena_strndup(r->arena, text, len);
    free(text);
    shop_trace_cache_put(code, copy, len, gen, r->ctx->cfg->catalogue_cache_ms);
    return shop_reply_raw(r, 200, JSON_TYPE, copy, len);
}

/* GET /api/v1/trace/{lot_code}/verify */
int shop_trace_verify(shop_req *r)
{
    const fl_signkey *key = NULL;
    json_t *v = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_trace_req(r, &db, &key)))
        return rc;
    if (shop_trace_verify_lot(db, key, shop_lot_code_canon(r->arena, shop_param(r, 0)), &v, &f))
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 200, v);
}
