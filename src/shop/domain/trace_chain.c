/* trace_chain.c - canonical forms of the trace chain and the verdict on a
 * stored chain (contract and byte rules in shop/domain/trace_chain.h). */
#include "farmlive/shop/domain/trace_chain.h"

#include <stdio.h>
#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/canon_json.h"
#include "farmlive/shop/core/values.h"

char *shop_trace_event_canon(const char *code, const shop_trace_event *ev, size_t *len)
{
    json_t *d = ev->details ? json_loads(ev->details, JSON_ALLOW_NUL, NULL) : NULL, *o;
    char *out;
    if (!d)
        return NULL;
    o = json_pack("{s:s?,s:o,s:s?,s:s,s:s?,s:s?,s:I}", "actor", ev->actor, "details", d, "kind", ev->kind, "lot", code,
                  "occurred_at", ev->occurred_at, "place", ev->place, "seq", (json_int_t)ev->seq);
    out = o ? fl_canon_json(o, len) : NULL;
    json_decref(o);
    return out;
}

char *shop_trace_head_message(const char *code, long long count, const char *head, size_t *len)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "count", (json_int_t)count, "head", head, "lot", code, "type",
                          SHOP_TRACE_HEAD_TYPE);
    char *out = fl_canon_json(o, len);
    json_decref(o);
    return out;
}

void shop_trace_head_sign(const fl_signkey *key, const char *code, long long count, const char *head,
                          char sig[FL_SIG_HEX])
{
    size_t len = 0;
    char *msg = shop_trace_head_message(code, count, head, &len);
    fl_sign_hex(key, msg, len, sig);
    fl_free(msg);
}

/* The first event that breaks the links, with why (v->broken, v->broken_why);
 * *computed gets the hash the intact part ends in. */
static void links_check(const char *code, const shop_trace_event *ev, size_t n, shop_trace_verdict *v,
                        char computed[FL_CHAIN_HEX])
{
    fl_chain_link *links = fl_calloc(n ? n : 1, sizeof(*links));
    char **canons = fl_calloc(n ? n : 1, sizeof(*canons));
    size_t bad, k;
    int why = FL_CHAIN_OK, odd;

    for (size_t i = 0; i < n; i++) {
        canons[i] = shop_trace_event_canon(code, &ev[i], &links[i].len);
        links[i].canon = canons[i] ? canons[i] : "";
        links[i].prev_hash = ev[i].prev_hash;
        links[i].hash = ev[i].hash;
    }
    bad = fl_chain_check(links, n, &why, computed);
    /* up to the first broken link, an event out of its place or without a
     * canonical form says more than its hash */
    for (k = 0; k <= bad && k < n; k++)
        if (!canons[k] || ev[k].seq != (long long)k + 1)
            break;
    odd = k <= bad && k < n;
    v->broken = odd ? k : bad;
    if (odd)
        v->broken_why = canons[k] ? "sequence number out of order" : "details are not valid JSON";
    else if (bad < n)
        v->broken_why = why == FL_CHAIN_BAD_PREV ? "previous hash does not match the event before it"
                                                 : "content does not match its hash";
    for (size_t i = 0; i < n; i++)
        fl_free(canons[i]);
    fl_free(canons);
    fl_free(links);
}

/* The signed head against the intact chain of n events ending in computed. */
static void head_check(const char *code, size_t n, const shop_trace_head *head,
                       const unsigned char pk[crypto_sign_PUBLICKEYBYTES], const char *computed, shop_trace_verdict *v)
{
    size_t len = 0;
    char *msg;
    if (!head) { /* even an empty chain: no signed head, nothing vouches for the lot */
        snprintf(v->reason, sizeof(v->reason), "the chain head is not signed");
        return;
    }
    msg = shop_trace_head_message(code, head->count, head->hash ? head->hash : "", &len);
    v->head_valid = fl_sign_verify_hex(pk, msg, len, head->signature) == 0;
    fl_free(msg);
    if (!v->head_valid) {
        snprintf(v->reason, sizeof(v->reason), "the chain head's signature is not valid");
    } else if (head->count > (long long)n) {
        snprintf(v->reason, sizeof(v->reason), "the signed head covers %lld events, %zu remain", head->count, n);
    } else if (head->count < (long long)n) {
        v->broken = (size_t)head->count;
        v->broken_why = "not covered by the signed chain head";
        snprintf(v->reason, sizeof(v->reason), "event %lld is not covered by the signed head", head->count + 1);
    } else if (!head->hash || strcmp(head->hash, computed) != 0) {
        if (n > 0) {
            v->broken = n - 1;
            v->broken_why = "its hash is not the signed chain head";
        }
        snprintf(v->reason, sizeof(v->reason), "the chain does not end in the signed head");
    }
}

void shop_trace_chain_check(const char *code, const shop_trace_event *ev, size_t n, const shop_trace_head *head,
                            const unsigned char pk[crypto_sign_PUBLICKEYBYTES], shop_trace_verdict *v)
{
    char computed[FL_CHAIN_HEX];
    memset(v, 0, sizeof(*v));
    v->checked = n;
    links_check(code, ev, n, v, computed);
    if (v->broken < n)
        snprintf(v->reason, sizeof(v->reason), "event %zu (%s): %s", v->broken + 1,
                 ev[v->broken].kind ? ev[v->broken].kind : "?", v->broken_why);
    else
        head_check(code, n, head, pk, computed, v);
}

json_t *shop_trace_event_json(const shop_trace_event *ev)
{
    json_t *details = ev->details ? json_loads(ev->details, JSON_ALLOW_NUL, NULL) : NULL;
    return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)ev->id, "seq", (json_int_t)ev->seq,
                     "kind", shop_json_str(ev->kind), "occurred_at", shop_json_str(ev->occurred_at), "place",
                     shop_json_str(ev->place), "actor", shop_json_str(ev->actor), "details",
                     details ? details : json_null(), "prev_hash", shop_json_str(ev->prev_hash), "hash",
                     shop_json_str(ev->hash));
}

json_t *shop_trace_verification_json(const char *code, const shop_trace_event *ev, const shop_trace_head *head,
                                     const shop_trace_verdict *v, const json_t *certs, const char *key_id)
{
    char cert_reason[SHOP_TRACE_REASON_MAX];
    const char *reason = v->reason[0] ? v->reason : NULL;
    json_t *certs_out = json_array(), *c;
    size_t i;

    json_array_foreach(certs, i, c)
    {
        int ok = json_is_true(json_object_get(c, "signature_valid"));
        const char *vouch = json_string_value(json_object_get(c, "verification"));
        int pending = vouch && strcmp(vouch, "pending") == 0; /* unsigned until verified: vouches for nothing yet */
        json_array_append_new(certs_out, json_pack("{s:O,s:O,s:b,s:s}", "id", json_object_get(c, "id"), "kind",
                                                   json_object_get(c, "kind"), "signature_valid", ok, "verification",
                                                   vouch ? vouch : "verified"));
        if (!ok && !pending && !reason) {
            snprintf(cert_reason, sizeof(cert_reason), "certificate %lld: signature is not valid",
                     (long long)json_integer_value(json_object_get(c, "id")));
            reason = cert_reason;
        }
    }
    return json_pack("{s:s,s:b,s:o,s:I,s:o,s:o,s:o,s:s,s:s}", "lot_code", code, "verified", reason == NULL, "reason",
                     shop_json_str(reason), "events_checked", (json_int_t)v->checked, "broken_event",
                     v->broken < v->checked ? json_pack("{s:I,s:I,s:o,s:s}", "id", (json_int_t)ev[v->broken].id, "seq",
                                                        (json_int_t)ev[v->broken].seq, "kind",
                                                        shop_json_str(ev[v->broken].kind), "reason", v->broken_why)
                                            : json_null(),
                     "head",
                     head ? json_pack("{s:I,s:o,s:o,s:o,s:b}", "count", (json_int_t)head->count, "hash",
                                      shop_json_str(head->hash), "signature", shop_json_str(head->signature), "key_id",
                                      shop_json_str(head->key_id), "signature_valid", v->head_valid)
                          : json_null(),
                     "certificates", certs_out, "key_id", key_id, "algorithm", "Ed25519");
}
