/* shop/domain/trace.h - traceability shared between lots.c, certificates.c, trace.c,
 * trace_page.c, labels.c and epcis.c, and what other modules may call.
 *
 * The platform's Ed25519 key lives in {var_dir}/trace-ed25519.key (created on
 * first use, mode 0600). Chain heads are signed over the canonical JSON
 *   {"count":N,"head":"<hash>","lot":"<code>","type":"farmlive.lot-head.v1"}
 * and certificates over the canonical JSON of their public fields
 * (certificates.c); see canon_json.h and hashchain.h for the byte rules. */
#ifndef FARMLIVE_SHOP_DOMAIN_TRACE_H
#define FARMLIVE_SHOP_DOMAIN_TRACE_H

#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/sign.h"

#define SHOP_TRACE_KEY_FILE "trace-ed25519.key"
#define SHOP_LOT_CODE_MAX 64

/* ---- for the lead: wiring points ----------------------------------------- */

/* Loads (creating when absent) the signing key; call once from serve() at
 * start so the key exists before the first request. 0 or -1 with err. Later
 * calls return the already loaded key. Thread-safe. */
int shop_trace_key_init(const fl_config *cfg, char *err, size_t errlen);

/* After `seed-demo`: seals every trace event inserted unsealed by SQL (hash
 * NULL) and signs its lot's chain head and every unsigned certificate.
 * 0 or -1 (logged). */
int shop_trace_seal_all(fl_db_pool *pool, const fl_config *cfg);

/* The product's certifications (kinds other than conformity, attached to the
 * product or to its production base), as a new JSON array of
 * {id, kind, number, issuing_body, valid_from, valid_until, status,
 *  verify_url}. NULL when the query failed (already failed with
 * shop_fail). For products.c: product JSON "certifications". */
json_t *shop_trace_product_certifications(shop_req *r, long long product_id);

/* The same list as one SQL expression giving a JSON array text (for a
 * SELECT column read with products.c's jarray_text), for the product
 * aliased P: avoids a query per product on list pages. */
#define SHOP_TRACE_CERTIFICATIONS_SQL(P)                                                          \
    "(SELECT COALESCE(JSON_ARRAYAGG(JSON_OBJECT('id', c.id, 'kind', c.kind, 'number', c.number, " \
    "'issuing_body', c.issuing_body, 'valid_from', DATE_FORMAT(c.valid_from, '%Y-%m-%d'), "        \
    "'valid_until', DATE_FORMAT(c.valid_until, '%Y-%m-%d'), 'status', IF(c.status = 'valid' AND "  \
    "c.valid_until < UTC_DATE(), 'expired', c.status), 'verify_url', c.verify_url) ORDER BY c.id), " \
    "'[]') FROM certificates c WHERE c.kind <> 'conformity' AND c.id IN (SELECT cl.certificate_id " \
    "FROM certificate_links cl WHERE cl.product_id = " P ".id OR cl.base_id = " P ".base_id))"

/* A SQL predicate, true when the product aliased P (with columns id and
 * base_id) holds a valid, unexpired certification: for `certified=true`. */
#define SHOP_TRACE_CERTIFIED_SQL(P)                                                               \
    "EXISTS (SELECT 1 FROM certificate_links cl JOIN certificates c ON c.id = cl.certificate_id " \
    "WHERE (cl.product_id = " P ".id OR cl.base_id = " P ".base_id) AND c.kind <> 'conformity' "   \
    "AND c.status = 'valid' AND (c.valid_until IS NULL OR c.valid_until >= UTC_DATE()))"

/* Frees the trace document cache (optional, at shutdown). */
void shop_trace_cache_free(void);

/* ---- inside traceability -------------------------------------------------- */

/* The loaded key (shop_trace_key_init on first use); fails 500 when it
 * cannot be loaded. */
int shop_trace_key(shop_req *r, const fl_signkey **out);

/* 1 when s is a lot code: 3..64 of A-Z 0-9 and '-', starting alphanumeric. */
int shop_trace_code_valid(const char *s);
/* 1 when s is a real calendar date YYYY-MM-DD. */
int shop_trace_date_valid(const char *s);
/* Today (UTC) as YYYY-MM-DD. */
void shop_trace_today(char out[11]);

/* Inside the caller's transaction, with the lot row locked: seals unsealed
 * events and (re)signs the lot's chain head. FL_DB_* status. */
int shop_trace_head_update(fl_db *db, const fl_signkey *key, long long lot_id, const char *code);

/* The public trace document of a lot (what GET /api/v1/trace/{code} sends,
 * also rendered by trace_page.c and epcis.c). Returns 0 with *out (a new
 * reference), 1 when no lot has that code (nothing failed), or a negative
 * SHOP_E_* after shop_fail. */
int shop_trace_document(shop_req *r, const char *code, json_t **out);

/* Recomputes lot_id's chain and checks every signature; *out a new object
 * {verified, reason, events, broken_event, head, certificates, key_id}. */
int shop_trace_verify_lot(shop_req *r, fl_db *db, long long lot_id, const char *code, json_t **out);

/* The URL a lot's QR code holds: {public_base}/01/{gtin}/10/{code} when the
 * SKU has a GTIN, else {public_base}/t/{code}. In r's arena. */
const char *shop_trace_qr_url(shop_req *r, const char *gtin, const char *code);

/* The trace document cache (trace_cache.c). get: the cached JSON of code
 * copied into r's arena, or NULL. put: keeps body when gen (read with
 * shop_trace_cache_generation() before building it) is still current when
 * next read. invalidate: after any trace write. */
const char *shop_trace_cache_get(shop_req *r, const char *code, size_t *len);
void shop_trace_cache_put(shop_req *r, const char *code, const char *body, size_t len,
                          unsigned long gen);
unsigned long shop_trace_cache_generation(void);
void shop_trace_cache_invalidate(void);

/* A bounded growable text buffer for pages and SVG (trace_page.c,
 * labels.c). Past max bytes it marks itself failed and ignores writes;
 * shop_trace_buf_reply() then fails 500. Starts zeroed with max set. */
typedef struct shop_trace_buf {
    char *p;
    size_t len, cap, max;
    int failed;
} shop_trace_buf;

void shop_trace_buf_put(shop_trace_buf *b, const char *s, size_t n);
void shop_trace_buf_printf(shop_trace_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Replies with the buffer's text (moved into the arena) and frees it. */
int shop_trace_buf_reply(shop_req *r, shop_trace_buf *b, int status, const char *type);
void shop_trace_buf_free(shop_trace_buf *b);

/* HTML-escaped copy of s in r's arena ("" for NULL). */
const char *shop_trace_html(shop_req *r, const char *s);

/* The certificates shown for a lot (its conformity certificates, and the
 * product's and base's others), each with "signature_valid". */
int shop_certificates_for_lot(shop_req *r, fl_db *db, long long lot_id, long long product_id,
                              long long base_id, json_t **out);

/* Signs every certificate whose signature is NULL (seeded rows). FL_DB_*. */
int shop_certificates_sign_unsigned(fl_db *db, const fl_signkey *key);

/* The lot with that code: 0 found (*lot_id, *coop_id when not NULL), 1 no
 * such lot (nothing failed), <0 failed. */
int shop_lots_find(shop_req *r, fl_db *db, const char *code, long long *lot_id,
                   long long *coop_id);

#endif
