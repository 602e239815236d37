/* shop/domain/certificates.h - certificates of conformity and the "three
 * products and one label" certifications: issuing, attaching, revoking,
 * signing, reading.
 *
 * A conformity certificate attaches to lots; the other kinds to products or
 * production bases of the same cooperative. Every certificate is signed with
 * the platform key (trace_key.h) over the canonical JSON of its public fields
 *   {"address",...,"type":"farmlive.certificate.v1","valid_until"}
 * (every field the public JSON shows up to revoked_reason, plus "type");
 * revoking changes those fields, so it re-signs in the same transaction.
 * Certificates seeded by SQL come unsigned and are signed on first read
 * (pending ones stay unsigned).
 *
 * Third-party kinds (all but conformity) are recorded "pending": unsigned,
 * not counted as certified, until a platform admin verifies them
 * (shop_cert_verify); the public JSON says which ("verification").
 *
 * Who may: issuing and attaching need a member of the certificate's
 * cooperative, revoking an admin, verifying a platform admin
 * (core/rights.h); reading is public.
 * Every write makes the trace cache stale; *product_side (when not NULL)
 * tells the caller the write changed what product JSON shows (its
 * "certifications"), for the catalogue cache. */
#ifndef FARMLIVE_SHOP_DOMAIN_CERTIFICATES_H
#define FARMLIVE_SHOP_DOMAIN_CERTIFICATES_H

#include <stddef.h>
#include <jansson.h>

#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/sign.h"

/* The text fields of a new certificate, in INSERT order. */
enum shop_cert_text_id {
    SHOP_CERT_KIND,
    SHOP_CERT_NUMBER,
    SHOP_CERT_ISSUING_BODY,
    SHOP_CERT_HOLDER,
    SHOP_CERT_PRODUCT_NAME,
    SHOP_CERT_QUANTITY,
    SHOP_CERT_CONTACT,
    SHOP_CERT_ADDRESS,
    SHOP_CERT_ORIGIN,
    SHOP_CERT_BASIS,
    SHOP_CERT_SCOPE,
    SHOP_CERT_VERIFY_URL,
    SHOP_CERT_ISSUED_ON,
    SHOP_CERT_VALID_FROM,
    SHOP_CERT_VALID_UNTIL,
    SHOP_CERT_TEXTS
};

/* Each text field's JSON key and longest value (characters): what a parser
 * of a request body needs. Which are required depends on the kind, which
 * shop_cert_create checks. */
typedef struct shop_cert_text {
    const char *key;
    size_t max;
} shop_cert_text;
extern const shop_cert_text shop_cert_texts[SHOP_CERT_TEXTS];

/* A certificate to issue or record. Texts are NULL when absent; dates are
 * YYYY-MM-DD. commitments (an array of texts) and test_results (an array of
 * {item, method, result, limit, verdict}) may be NULL or JSON null; attach,
 * {lots: [codes], products: [ids], bases: [ids]}, links it in the same
 * transaction (NULL: none). Borrowed. */
typedef struct shop_cert_new {
    const char *text[SHOP_CERT_TEXTS];
    const json_t *commitments, *test_results, *attach;
} shop_cert_new;

/* Days before its valid_until a valid certificate is shown as expiring
 * soon (the dashboard's warning). */
#define SHOP_CERT_WARN_DAYS 60

/* 1 when a certificate of status (valid) with valid_until (YYYY-MM-DD;
 * NULL: indefinite) runs out within SHOP_CERT_WARN_DAYS after today
 * (YYYY-MM-DD), today included; 0 when not, when already past, or on a
 * date that does not parse. Pure. */
int shop_cert_expiring(const char *status, const char *valid_until, const char *today);

/* 1 when kind is a certificate kind (conformity, pollution_free,
 * green_food, organic, geo_indication). */
int shop_cert_kind_valid(const char *kind);

/* Issues (conformity) or records (the others) a certificate of coop_id,
 * signed, attached as in->attach asks: SHOP_OK with *id. Refuses 404 (no
 * such cooperative), 401/403 (who is not its member), 422 (a missing or
 * impossible field, a failed test result, an attachment of the wrong kind
 * or of another cooperative, an expired certificate attached). */
int shop_cert_create(fl_db *db, const fl_signkey *key, const shop_actor *who, long long coop_id,
                     const shop_cert_new *in, long long *id, int *product_side, shop_fault *f);

/* Attaches certificate id to exactly one of: the lot lot_code (not NULL),
 * the product product_id or the base base_id (> 0). Refuses 404, 401/403,
 * 422 (not exactly one target, the wrong kind, another cooperative's target,
 * a revoked, suspended or expired certificate). */
int shop_cert_attach(fl_db *db, const shop_actor *who, long long id, const char *lot_code, long long product_id,
                     long long base_id, int *product_side, shop_fault *f);

/* Revokes certificate id for reason and re-signs it. Refuses 404, 401/403
 * (who is not an admin of its cooperative), 409 (already revoked), 422 (no
 * reason). */
int shop_cert_revoke(fl_db *db, const fl_signkey *key, const shop_actor *who, long long id, const char *reason,
                     int *product_side, shop_fault *f);

/* A platform admin verifies third-party certificate id, pending since it
 * was recorded, having found its number in the issuing body's public
 * lookup at verify_url (https; NULL: the one recorded): it becomes valid,
 * is signed, and counts as certified. Refuses 403 (not a platform admin),
 * 404, 409 (a conformity certificate, or not pending), 422 (no lookup URL,
 * or not https). */
int shop_cert_verify(fl_db *db, const fl_signkey *key, const shop_actor *who, long long id, const char *verify_url,
                     int *product_side, shop_fault *f);

/* Who vouches for a certificate of kind and status, as the API and the
 * trace page say it: "self_issued" (conformity: the producer's own
 * commitment), "pending" (a third party's, not yet verified), "verified"
 * (a third party's, verified by a platform admin). */
const char *shop_cert_verification(const char *kind, const char *status);

/* Certificate id as the public JSON (with "signature_valid" and
 * "attached_to" {lots, products, bases}) in *out (new). 404 when none. */
int shop_cert_get(fl_db *db, const fl_signkey *key, long long id, json_t **out, shop_fault *f);

/* A page of coop_id's certificates, newest first: {items, next_cursor} in
 * *page (new). kind NULL: every kind; cursor 0: the first page; limit
 * 1..100 (the caller's bound). 404 when the cooperative does not exist, 400
 * when kind is not a certificate kind. */
int shop_cert_list(fl_db *db, const fl_signkey *key, long long coop_id, const char *kind, long long cursor,
                   long long limit, json_t **page, shop_fault *f);

/* The certificates shown for a lot: its conformity certificates, then the
 * product's and the base's others (base_id 0: none), each as the public
 * JSON; a new array in *out. */
int shop_cert_for_lot(fl_db *db, const fl_signkey *key, long long lot_id, long long product_id, long long base_id,
                      json_t **out, shop_fault *f);

/* The product's certifications (kinds other than conformity, attached to the
 * product or to its production base), as a new array in *out of {id, kind,
 * number, issuing_body, valid_from, valid_until, status, verify_url}: what
 * product JSON shows as "certifications" (SHOP_TRACE_CERTIFICATIONS_SQL). */
int shop_cert_for_product(fl_db *db, long long product_id, json_t **out, shop_fault *f);

/* Signs every certificate whose signature is NULL (seeded rows), in a
 * transaction of its own. FL_DB_* status. */
int shop_cert_sign_unsigned(fl_db *db, const fl_signkey *key);

/* The product certifications as one SQL expression giving a JSON array
 * text, for the product aliased P (columns id and base_id): product lists
 * read it as a column instead of a query per product. */
#define SHOP_TRACE_CERTIFICATIONS_SQL(P)                                                                               \
    "(SELECT COALESCE(JSON_ARRAYAGG(JSON_OBJECT('id', c.id, 'kind', c.kind, 'number', c.number, "                      \
    "'issuing_body', c.issuing_body, 'valid_from', DATE_FORMAT(c.valid_from, '%Y-%m-%d'), "                            \
    "'valid_until', DATE_FORMAT(c.valid_until, '%Y-%m-%d'), 'status', IF(c.status = 'valid' AND "                      \
    "c.valid_until < UTC_DATE(), 'expired', c.status), 'verify_url', c.verify_url) ORDER BY c.id), "                   \
    "'[]') FROM certificates c WHERE c.kind <> 'conformity' AND c.id IN (SELECT cl.certificate_id "                    \
    "FROM certificate_links cl WHERE cl.product_id = " P ".id OR cl.base_id = " P ".base_id))"

/* A SQL predicate, true when the product aliased P holds a valid, unexpired
 * certification: for `certified=true`. */
#define SHOP_TRACE_CERTIFIED_SQL(P)                                                                                    \
    "EXISTS (SELECT 1 FROM certificate_links cl JOIN certificates c ON c.id = cl.certificate_id "                      \
    "WHERE (cl.product_id = " P ".id OR cl.base_id = " P ".base_id) AND c.kind <> 'conformity' "                       \
    "AND c.status = 'valid' AND (c.valid_until IS NULL OR c.valid_until >= UTC_DATE()))"

#endif
