/* certificates.c - certificates of conformity and the "three products and one
 * label" certifications, their attachments and revocation.
 *
 *   POST /api/v1/coops/{id}/certificates          issue or record (its farmers/admins)
 *   GET  /api/v1/coops/{id}/certificates          list (public)
 *   GET  /api/v1/certificates/{cert_id}           one, with what it is attached to (public)
 *   POST /api/v1/certificates/{cert_id}/attachments  attach to a lot, product or base
 *   POST /api/v1/certificates/{cert_id}/revoke    revoke with a reason (its admins)
 *
 * A conformity certificate attaches to lots; the other kinds to products or
 * production bases of the same cooperative. Attaching a revoked, suspended or
 * expired certificate is a 422. Every certificate is signed with the
 * platform key over the canonical JSON of its public fields (cert_core);
 * revocation changes those fields, so it re-signs in the same transaction. */
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/canon_json.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/catalogue.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/shop/domain/trace.h"
#include "farmlive/sign.h"
#include "farmlive/shop/core/values.h"

#define CERT_LIST_MAX 200
#define CERT_ATTACH_MAX 100
#define CERT_LINES_MAX 50

static const char *const KINDS[] = {"conformity", "pollution_free", "green_food", "organic",
                                    "geo_indication"};
static const char *const BASES[] = {"self_test", "entrusted_test", "internal_control",
                                    "supervised_sampling"};

/* Columns of CERT_SELECT. */
enum {
    XC_ID, XC_COOP, XC_KIND, XC_NUMBER, XC_BODY, XC_HOLDER, XC_PRODUCT, XC_QTY, XC_CONTACT,
    XC_ADDRESS, XC_ORIGIN, XC_BASIS, XC_COMMIT, XC_RESULTS, XC_SCOPE, XC_VERIFY_URL, XC_ISSUED,
    XC_FROM, XC_UNTIL, XC_STATUS, XC_REASON, XC_REVOKED_AT, XC_SIG, XC_CREATED, XC_EXPIRED
};

#define CERT_SELECT                                                                                \
    "SELECT c.id, c.coop_id, c.kind, c.number, c.issuing_body, c.holder, c.product_name, "        \
    "c.quantity, c.contact, c.address, c.origin, c.basis, c.commitments, c.test_results, "        \
    "c.scope, c.verify_url, DATE_FORMAT(c.issued_on, '%Y-%m-%d'), "                               \
    "DATE_FORMAT(c.valid_from, '%Y-%m-%d'), DATE_FORMAT(c.valid_until, '%Y-%m-%d'), c.status, "   \
    "c.revoked_reason, DATE_FORMAT(c.revoked_at, '%Y-%m-%dT%H:%i:%sZ'), c.signature, "            \
    "DATE_FORMAT(c.created_at, '%Y-%m-%dT%H:%i:%sZ'), "                                           \
    "(c.valid_until IS NOT NULL AND c.valid_until < UTC_DATE()) FROM certificates c "

static json_t *jtext(const char *s)
{
    json_t *v = s ? json_loads(s, 0, NULL) : NULL;
    return v ? v : json_null();
}

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* The signed fields: everything a reader is told about the certificate. */
static json_t *cert_core(const fl_rows *rows, size_t i)
{
    json_t *c = json_object();
    json_object_set_new(c, "id", json_integer(fl_rows_int(rows, i, XC_ID)));
    json_object_set_new(c, "coop_id", json_integer(fl_rows_int(rows, i, XC_COOP)));
    json_object_set_new(c, "kind", shop_json_str(fl_rows_str(rows, i, XC_KIND)));
    json_object_set_new(c, "number", shop_json_str(fl_rows_str(rows, i, XC_NUMBER)));
    json_object_set_new(c, "issuing_body", shop_json_str(fl_rows_str(rows, i, XC_BODY)));
    json_object_set_new(c, "holder", shop_json_str(fl_rows_str(rows, i, XC_HOLDER)));
    json_object_set_new(c, "product_name", shop_json_str(fl_rows_str(rows, i, XC_PRODUCT)));
    json_object_set_new(c, "quantity", shop_json_str(fl_rows_str(rows, i, XC_QTY)));
    json_object_set_new(c, "contact", shop_json_str(fl_rows_str(rows, i, XC_CONTACT)));
    json_object_set_new(c, "address", shop_json_str(fl_rows_str(rows, i, XC_ADDRESS)));
    json_object_set_new(c, "origin", shop_json_str(fl_rows_str(rows, i, XC_ORIGIN)));
    json_object_set_new(c, "basis", shop_json_str(fl_rows_str(rows, i, XC_BASIS)));
    json_object_set_new(c, "commitments", jtext(fl_rows_str(rows, i, XC_COMMIT)));
    json_object_set_new(c, "test_results", jtext(fl_rows_str(rows, i, XC_RESULTS)));
    json_object_set_new(c, "scope", shop_json_str(fl_rows_str(rows, i, XC_SCOPE)));
    json_object_set_new(c, "verify_url", shop_json_str(fl_rows_str(rows, i, XC_VERIFY_URL)));
    json_object_set_new(c, "issued_on", shop_json_str(fl_rows_str(rows, i, XC_ISSUED)));
    json_object_set_new(c, "valid_from", shop_json_str(fl_rows_str(rows, i, XC_FROM)));
    json_object_set_new(c, "valid_until", shop_json_str(fl_rows_str(rows, i, XC_UNTIL)));
    json_object_set_new(c, "status", shop_json_str(fl_rows_str(rows, i, XC_STATUS)));
    json_object_set_new(c, "revoked_reason", shop_json_str(fl_rows_str(rows, i, XC_REASON)));
    json_object_set_new(c, "type", json_string("farmlive.certificate.v1"));
    return c;
}

/* The public JSON: the signed core, the signature and whether it holds. */
static json_t *cert_json(const fl_signkey *key, const fl_rows *rows, size_t i)
{
    json_t *c = cert_core(rows, i);
    const char *sig = fl_rows_str(rows, i, XC_SIG);
    size_t len = 0;
    char *canon = fl_canon_json(c, &len);
    int ok = canon && sig && fl_sign_verify_hex(key->pk, canon, len, sig) == 0;
    fl_free(canon);
    json_object_del(c, "type");
    json_object_set_new(c, "revoked_at", shop_json_str(fl_rows_str(rows, i, XC_REVOKED_AT)));
    json_object_set_new(c, "expired", json_boolean(fl_rows_int(rows, i, XC_EXPIRED)));
    json_object_set_new(c, "created_at", shop_json_str(fl_rows_str(rows, i, XC_CREATED)));
    json_object_set_new(c, "signature", shop_json_str(sig));
    json_object_set_new(c, "signature_valid", json_boolean(ok));
    return c;
}

/* Signs certificate id as stored now (inside the caller's transaction). */
static int cert_sign(fl_db *db, const fl_signkey *key, long long id)
{
    fl_rows *rows = NULL;
    json_t *core = NULL;
    char *canon = NULL, sig[FL_SIG_HEX];
    size_t len = 0;
    int rc = fl_db_query(db, &rows, CERT_SELECT "WHERE c.id = ?", "i", id);
    if (rc != FL_DB_OK)
        goto out;
    if (fl_rows_count(rows) == 0) {
        rc = FL_DB_ERR;
        goto out;
    }
    core = cert_core(rows, 0);
    canon = fl_canon_json(core, &len);
    if (!canon) {
        rc = FL_DB_ERR;
        goto out;
    }
    fl_sign_hex(key, canon, len, sig);
    rc = fl_db_exec(db, "UPDATE certificates SET signature = ? WHERE id = ?", "si", sig, id);
out:
    fl_free(canon);
    json_decref(core);
    fl_rows_free(rows);
    return rc;
}

int shop_certificates_sign_unsigned(fl_db *db, const fl_signkey *key)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT id FROM certificates WHERE signature IS NULL", "");
    for (size_t i = 0; rc == FL_DB_OK && i < fl_rows_count(rows); i++)
        rc = cert_sign(db, key, fl_rows_int(rows, i, 0));
    fl_rows_free(rows);
    return rc;
}

/* Rows of CERT_SELECT holding an unsigned (seeded) certificate get every
 * unsigned certificate signed, in its own transaction; *again tells the
 * caller to query once more. */
static int sign_pending(shop_req *r, fl_db *db, const fl_signkey *key, const fl_rows *rows,
                        int *again)
{
    int rc = FL_DB_OK;
    *again = 0;
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        if (!fl_rows_str(rows, i, XC_SIG))
            *again = 1;
    if (!*again)
        return SHOP_OK;
    rc = fl_db_begin(db);
    if (rc == FL_DB_OK)
        rc = shop_certificates_sign_unsigned(db, key);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    else
        fl_db_rollback(db);
    return rc == FL_DB_OK ? SHOP_OK : shop_fail_db(r, rc);
}

int shop_certificates_for_lot(shop_req *r, fl_db *db, long long lot_id, long long product_id,
                              long long base_id, json_t **out)
{
    const fl_signkey *key = NULL;
    fl_rows *rows = NULL;
    int rc;
    *out = NULL;
    if ((rc = shop_trace_key(r, &key)))
        return rc;
    for (int again = 1, pass = 0; again && pass < 2; pass++) {
        fl_rows_free(rows);
        rows = NULL;
        rc = fl_db_query(db, &rows,
                         CERT_SELECT "WHERE c.id IN (SELECT certificate_id FROM certificate_links "
                                     "WHERE lot_id = ? OR product_id = ? OR (? <> 0 AND base_id = ?)) "
                                     "ORDER BY c.kind <> 'conformity', c.id LIMIT 200",
                         "iiii", lot_id, product_id, base_id, base_id);
        if (rc != FL_DB_OK)
            return shop_fail_db(r, rc);
        if (pass == 0 && (rc = sign_pending(r, db, key, rows, &again))) {
            fl_rows_free(rows);
            return rc;
        }
    }
    *out = json_array();
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        json_array_append_new(*out, cert_json(key, rows, i));
    fl_rows_free(rows);
    return SHOP_OK;
}

json_t *shop_trace_product_certifications(shop_req *r, long long product_id)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *out = NULL;
    int rc;
    if (shop_db(r, &db))
        return NULL;
    rc = fl_db_query(db, &rows,
                     "SELECT c.id, c.kind, c.number, c.issuing_body, DATE_FORMAT(c.valid_from, "
                     "'%Y-%m-%d'), DATE_FORMAT(c.valid_until, '%Y-%m-%d'), IF(c.status = 'valid' AND "
                     "c.valid_until < UTC_DATE(), 'expired', c.status), c.verify_url "
                     "FROM certificates c WHERE c.kind <> 'conformity' AND c.id IN (SELECT "
                     "cl.certificate_id FROM certificate_links cl JOIN products p ON p.id = ? WHERE "
                     "cl.product_id = p.id OR cl.base_id = p.base_id) ORDER BY c.id",
                     "i", product_id);
    if (rc != FL_DB_OK) {
        shop_fail_db(r, rc);
        return NULL;
    }
    out = json_array();
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        json_array_append_new(
            out, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                           (json_int_t)fl_rows_int(rows, i, 0), "kind", shop_json_str(fl_rows_str(rows, i, 1)),
                           "number", shop_json_str(fl_rows_str(rows, i, 2)), "issuing_body",
                           shop_json_str(fl_rows_str(rows, i, 3)), "valid_from", shop_json_str(fl_rows_str(rows, i, 4)),
                           "valid_until", shop_json_str(fl_rows_str(rows, i, 5)), "status",
                           shop_json_str(fl_rows_str(rows, i, 6)), "verify_url", shop_json_str(fl_rows_str(rows, i, 7))));
    fl_rows_free(rows);
    return out;
}

/* ---- input ---------------------------------------------------------------- */

typedef struct cert_in {
    const char *kind, *number, *body, *holder, *product, *qty, *contact, *address, *origin,
        *basis, *scope, *verify_url, *issued, *from, *until;
    char *commitments, *results; /* canonical JSON text, fl_malloc */
} cert_in;

static int str_array(shop_req *r, const char *key, json_t *v, size_t max_len)
{
    size_t i;
    json_t *x;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > CERT_LINES_MAX)
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be a list of 1..%d texts", key,
                         CERT_LINES_MAX);
    json_array_foreach(v, i, x) if (!json_is_string(x) || json_string_length(x) == 0 ||
                                    json_string_length(x) > max_len) return shop_fail(
        r, SHOP_E_VALIDATION, "%s[%zu] must be a text of 1..%zu bytes", key, i, max_len);
    return SHOP_OK;
}

static int results_check(shop_req *r, json_t *v)
{
    static const char *const FIELDS[] = {"item", "method", "result", "limit", "verdict"};
    size_t i;
    json_t *x;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > CERT_LINES_MAX)
        return shop_fail(r, SHOP_E_VALIDATION, "test_results must be a list of 1..%d results",
                         CERT_LINES_MAX);
    json_array_foreach(v, i, x) {
        if (!json_is_object(x) || json_object_size(x) != 5)
            return shop_fail(r, SHOP_E_VALIDATION,
                             "test_results[%zu] must be {item, method, result, limit, verdict}", i);
        for (size_t f = 0; f < 5; f++) {
            json_t *s = json_object_get(x, FIELDS[f]);
            if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > 255)
                return shop_fail(r, SHOP_E_VALIDATION, "test_results[%zu].%s must be a text", i,
                                 FIELDS[f]);
        }
        const char *verdict = json_string_value(json_object_get(x, "verdict"));
        if (strcmp(verdict, "pass") != 0 && strcmp(verdict, "fail") != 0)
            return shop_fail(r, SHOP_E_VALIDATION, "test_results[%zu].verdict must be pass or fail",
                             i);
        if (strcmp(verdict, "fail") == 0)
            return shop_fail(r, SHOP_E_VALIDATION,
                             "test_results[%zu] failed: a certificate of conformity cannot be issued",
                             i);
    }
    return SHOP_OK;
}

static int matches(const char *pattern, const char *s)
{
    regex_t re;
    int ok;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static int date_of(shop_req *r, const char *key, int required, const char **out)
{
    int rc = shop_body_str(r, key, required, 1, 10, out);
    if (rc == SHOP_OK && *out && !shop_trace_date_valid(*out))
        rc = shop_fail(r, SHOP_E_VALIDATION, "%s must be a real date YYYY-MM-DD", key);
    return rc;
}

static void cert_in_free(cert_in *in)
{
    fl_free(in->commitments);
    fl_free(in->results);
}

static int cert_parse(shop_req *r, cert_in *in)
{
    char today[11];
    json_t *v;
    int conf, rc;
    memset(in, 0, sizeof(*in));
    if ((rc = shop_body_str(r, "kind", 1, 1, 32, &in->kind)))
        return rc;
    if (!in_list(in->kind, KINDS, sizeof(KINDS) / sizeof(KINDS[0])))
        return shop_fail(r, SHOP_E_VALIDATION,
                         "kind must be conformity, pollution_free, green_food, organic or "
                         "geo_indication");
    conf = strcmp(in->kind, "conformity") == 0;
    if ((rc = shop_body_str(r, "number", !conf, 1, 64, &in->number)) ||
        (rc = shop_body_str(r, "issuing_body", !conf, 1, 128, &in->body)) ||
        (rc = shop_body_str(r, "holder", 1, 1, 128, &in->holder)) ||
        (rc = shop_body_str(r, "product_name", conf, 1, 128, &in->product)) ||
        (rc = shop_body_str(r, "quantity", conf, 1, 64, &in->qty)) ||
        (rc = shop_body_str(r, "contact", conf, 1, 64, &in->contact)) ||
        (rc = shop_body_str(r, "address", conf, 1, 255, &in->address)) ||
        (rc = shop_body_str(r, "origin", conf, 1, 255, &in->origin)) ||
        (rc = shop_body_str(r, "basis", conf, 1, 32, &in->basis)) ||
        (rc = shop_body_str(r, "scope", 0, 1, 512, &in->scope)) ||
        (rc = shop_body_str(r, "verify_url", 0, 1, 512, &in->verify_url)) ||
        (rc = date_of(r, "issued_on", 1, &in->issued)) ||
        (rc = date_of(r, "valid_from", !conf, &in->from)) ||
        (rc = date_of(r, "valid_until", !conf && strcmp(in->kind, "geo_indication") != 0,
                      &in->until)))
        return rc;
    if (in->basis && !in_list(in->basis, BASES, sizeof(BASES) / sizeof(BASES[0])))
        return shop_fail(r, SHOP_E_VALIDATION,
                         "basis must be self_test, entrusted_test, internal_control or "
                         "supervised_sampling");
    if (strcmp(in->kind, "green_food") == 0 &&
        !matches("^LB-[0-9]{2}-[0-9]{4}-[0-9]{2}-[0-9]{4}-AA?$", in->number))
        return shop_fail(r, SHOP_E_VALIDATION,
                         "a green_food number is shaped LB-XX-YYMM-PP-NNNN-A (or -AA)");
    if (strcmp(in->kind, "organic") == 0 && !matches("^[A-Za-z0-9]+-OP-[0-9]{2}-[A-Za-z0-9]+$", in->number))
        return shop_fail(r, SHOP_E_VALIDATION, "an organic number is shaped <body>-OP-<YY>-<serial>");
    shop_trace_today(today);
    if (strcmp(in->issued, today) > 0)
        return shop_fail(r, SHOP_E_VALIDATION, "issued_on %s is in the future", in->issued);
    if (in->from && in->until && strcmp(in->until, in->from) < 0)
        return shop_fail(r, SHOP_E_VALIDATION, "valid_until is before valid_from");
    if (in->until && strcmp(in->until, in->issued) < 0)
        return shop_fail(r, SHOP_E_VALIDATION, "valid_until is before issued_on");
    if ((v = json_object_get(r->body, "commitments")) && !json_is_null(v)) {
        if ((rc = str_array(r, "commitments", v, 512)))
            return rc;
        in->commitments = fl_canon_json(v, NULL);
    } else if (conf) {
        return shop_fail(r, SHOP_E_VALIDATION, "commitments is required for a conformity certificate");
    }
    if ((v = json_object_get(r->body, "test_results")) && !json_is_null(v)) {
        if ((rc = results_check(r, v)))
            return rc;
        in->results = fl_canon_json(v, NULL);
    } else if (conf && strcmp(in->basis, "internal_control") != 0) {
        return shop_fail(r, SHOP_E_VALIDATION, "test_results is required when the basis is a test");
    }
    return SHOP_OK;
}

/* ---- attaching ------------------------------------------------------------ */

/* Attaches certificate (id, kind, coop) to one target inside the caller's
 * transaction: "lot" by code, "product" or "base" by id. 422s: the wrong kind
 * for the target, another cooperative's target, unknown target. */
static int attach_one(shop_req *r, fl_db *db, long long cert_id, const char *kind,
                      long long coop_id, const char *what, const char *code, long long id)
{
    fl_rows *rows = NULL;
    int conf = strcmp(kind, "conformity") == 0, rc;
    long long target = 0;

    if (conf != (strcmp(what, "lot") == 0)) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "a %s certificate attaches to %s, not to a %s", kind,
                       conf ? "lots" : "products or bases", what);
        goto out;
    }
    if (strcmp(what, "lot") == 0)
        rc = fl_db_query(db, &rows, "SELECT id, coop_id FROM lots WHERE code = ?", "s", code);
    else if (strcmp(what, "product") == 0)
        rc = fl_db_query(db, &rows, "SELECT id, coop_id FROM products WHERE id = ?", "i", id);
    else
        rc = fl_db_query(db, &rows, "SELECT id, coop_id FROM production_bases WHERE id = ?", "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0 || fl_rows_int(rows, 0, 1) != coop_id) {
        rc = code ? shop_fail(r, SHOP_E_VALIDATION, "lot %s is not a lot of cooperative %lld", code,
                              coop_id)
                  : shop_fail(r, SHOP_E_VALIDATION, "%s %lld is not a %s of cooperative %lld",
                              what, id, what, coop_id);
        goto out;
    }
    target = fl_rows_int(rows, 0, 0);
    rc = fl_db_exec(db,
                    "INSERT INTO certificate_links (certificate_id, lot_id, product_id, base_id) "
                    "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE certificate_id = certificate_id",
                    "isss", cert_id, strcmp(what, "lot") == 0 ? fl_arena_printf(r->arena, "%lld", target) : NULL,
                    strcmp(what, "product") == 0 ? fl_arena_printf(r->arena, "%lld", target) : NULL,
                    strcmp(what, "base") == 0 ? fl_arena_printf(r->arena, "%lld", target) : NULL);
    rc = rc == FL_DB_OK ? SHOP_OK : shop_fail_db(r, rc);
out:
    fl_rows_free(rows);
    return rc;
}

/* 422 unless the certificate may be attached today. */
static int attachable(shop_req *r, const char *status, const char *until)
{
    char today[11];
    shop_trace_today(today);
    if (strcmp(status, "valid") != 0)
        return shop_fail(r, SHOP_E_VALIDATION, "a %s certificate cannot be attached", status);
    if (until && strcmp(until, today) < 0)
        return shop_fail(r, SHOP_E_VALIDATION, "the certificate expired on %s", until);
    return SHOP_OK;
}

/* body "attach": {"lots":[codes], "products":[ids], "bases":[ids]} */
static int attach_body(shop_req *r, fl_db *db, json_t *attach, long long cert_id,
                       const char *kind, long long coop_id, int *product_side)
{
    static const char *const LISTS[] = {"lots", "products", "bases"};
    static const char *const WHAT[] = {"lot", "product", "base"};
    size_t i, total = 0;
    json_t *x;
    int rc = SHOP_OK;
    if (!json_is_object(attach))
        return shop_fail(r, SHOP_E_VALIDATION, "attach must be {lots, products, bases}");
    for (size_t l = 0; l < 3 && rc == SHOP_OK; l++) {
        json_t *list = json_object_get(attach, LISTS[l]);
        if (!list)
            continue;
        if (!json_is_array(list) || (total += json_array_size(list)) > CERT_ATTACH_MAX)
            return shop_fail(r, SHOP_E_VALIDATION, "attach.%s must be a list (at most %d in all)",
                             LISTS[l], CERT_ATTACH_MAX);
        json_array_foreach(list, i, x) {
            if (l == 0 ? !json_is_string(x) : !json_is_integer(x))
                return shop_fail(r, SHOP_E_VALIDATION, "attach.%s[%zu] must be a %s", LISTS[l], i,
                                 l == 0 ? "lot code" : "id");
            if ((rc = attach_one(r, db, cert_id, kind, coop_id, WHAT[l],
                                 l == 0 ? json_string_value(x) : NULL,
                                 l == 0 ? 0 : (long long)json_integer_value(x))))
                break;
            *product_side |= l > 0;
        }
    }
    return rc;
}

/* ---- handlers --------------------------------------------------------------- */

static int cert_reply(shop_req *r, fl_db *db, int status, long long id, int with_links)
{
    const fl_signkey *key = NULL;
    fl_rows *rows = NULL, *links = NULL;
    json_t *c = NULL, *arr;
    int rc;
    if ((rc = shop_trace_key(r, &key)))
        goto out;
    for (int again = 1, pass = 0; again && pass < 2; pass++) {
        fl_rows_free(rows);
        rows = NULL;
        rc = fl_db_query(db, &rows, CERT_SELECT "WHERE c.id = ?", "i", id);
        if (rc != FL_DB_OK || pass > 0)
            break;
        if ((rc = sign_pending(r, db, key, rows, &again)))
            goto out;
    }
    if (rc == FL_DB_OK && with_links)
        rc = fl_db_query(db, &links,
                         "SELECT l.code, cl.product_id, cl.base_id FROM certificate_links cl "
                         "LEFT JOIN lots l ON l.id = cl.lot_id WHERE cl.certificate_id = ? ORDER BY cl.id",
                         "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "certificate %lld not found", id);
        goto out;
    }
    c = cert_json(key, rows, 0);
    if (with_links) {
        json_t *lots = json_array(), *products = json_array(), *bases = json_array();
        for (size_t i = 0; i < fl_rows_count(links); i++) {
            if (fl_rows_str(links, i, 0))
                json_array_append_new(lots, json_string(fl_rows_str(links, i, 0)));
            else if (fl_rows_str(links, i, 1))
                json_array_append_new(products, json_integer(fl_rows_int(links, i, 1)));
            else
                json_array_append_new(bases, json_integer(fl_rows_int(links, i, 2)));
        }
        arr = json_pack("{s:o,s:o,s:o}", "lots", lots, "products", products, "bases", bases);
        json_object_set_new(c, "attached_to", arr);
    }
    rc = shop_reply_json(r, status, c);
    c = NULL;
out:
    json_decref(c);
    fl_rows_free(links);
    fl_rows_free(rows);
    return rc;
}

/* POST /api/v1/coops/{id}/certificates */
int shop_certificates_create(shop_req *r)
{
    const fl_signkey *key = NULL;
    fl_db *db = NULL;
    cert_in in = {0};
    json_t *attach;
    long long coop_id = 0, id = 0;
    int in_tx = 0, product_side = 0, rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_FARMER, &db, &coop_id)) || (rc = cert_parse(r, &in)) ||
        (rc = shop_trace_key(r, &key)))
        goto out;
    attach = json_object_get(r->body, "attach");
    if (attach && (rc = attachable(r, "valid", in.until)))
        goto out;
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    rc = fl_db_exec(db,
                    "INSERT INTO certificates (coop_id, kind, number, issuing_body, holder, "
                    "product_name, quantity, contact, address, origin, basis, commitments, "
                    "test_results, scope, verify_url, issued_on, valid_from, valid_until, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "isssssssssssssssssi", coop_id, in.kind, in.number, in.body, in.holder,
                    in.product, in.qty, in.contact, in.address, in.origin, in.basis, in.commitments,
                    in.results, in.scope, in.verify_url, in.issued, in.from, in.until,
                    r->session->account_id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    id = (long long)fl_db_insert_id(db);
    if (attach && (rc = attach_body(r, db, attach, id, in.kind, coop_id, &product_side)))
        goto out;
    if ((rc = cert_sign(db, key, id)) != FL_DB_OK || (rc = fl_db_commit(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    shop_trace_cache_invalidate();
    if (product_side)
        shop_catalogue_changed(r); /* product JSON lists certifications */
    rc = cert_reply(r, db, 201, id, 1);
out:
    if (in_tx)
        fl_db_rollback(db);
    cert_in_free(&in);
    return rc;
}

/* GET /api/v1/coops/{id}/certificates?kind= */
int shop_certificates_list(shop_req *r)
{
    const fl_signkey *key = NULL;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *items;
    const char *kind = shop_query(r, "kind");
    long long coop_id = 0;
    int rc;
    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_NONE, &db, &coop_id)) || (rc = shop_trace_key(r, &key)))
        goto out;
    if (kind && !in_list(kind, KINDS, sizeof(KINDS) / sizeof(KINDS[0]))) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "kind %s is not a certificate kind", kind);
        goto out;
    }
    rc = fl_db_query(db, &rows,
                     CERT_SELECT "WHERE c.coop_id = ? AND (? IS NULL OR c.kind = ?) "
                                 "ORDER BY c.id DESC LIMIT 200",
                     "iss", coop_id, kind, kind);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows) && i < CERT_LIST_MAX; i++)
        json_array_append_new(items, cert_json(key, rows, i));
    rc = shop_reply_json(r, 200, json_pack("{s:o}", "items", items));
out:
    fl_rows_free(rows);
    return rc;
}

/* GET /api/v1/certificates/{cert_id} */
int shop_certificates_get(shop_req *r)
{
    fl_db *db = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_db(r, &db)))
        return rc;
    return cert_reply(r, db, 200, id, 1);
}

/* Locks certificate {cert_id} (inside a transaction) and checks the caller's
 * role in its cooperative. *kind, *status, *until are copied to the arena. */
static int cert_enter(shop_req *r, fl_db *db, int min_role, long long *id, long long *coop_id,
                      const char **kind, const char **status, const char **until)
{
    fl_rows *rows = NULL;
    int rc;
    if ((rc = shop_param_id(r, 0, id)))
        goto out;
    rc = fl_db_query(db, &rows,
                     "SELECT coop_id, kind, status, DATE_FORMAT(valid_until, '%Y-%m-%d') FROM "
                     "certificates WHERE id = ? FOR UPDATE",
                     "i", *id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "certificate %lld not found", *id);
        goto out;
    }
    *coop_id = fl_rows_int(rows, 0, 0);
    *kind = fl_arena_strdup(r->arena, fl_rows_str(rows, 0, 1));
    *status = fl_arena_strdup(r->arena, fl_rows_str(rows, 0, 2));
    *until = fl_rows_str(rows, 0, 3) ? fl_arena_strdup(r->arena, fl_rows_str(rows, 0, 3)) : NULL;
    rc = shop_auth_coop(r, *coop_id, min_role);
out:
    fl_rows_free(rows);
    return rc;
}

/* POST /api/v1/certificates/{cert_id}/attachments {lot_code | product_id | base_id} */
int shop_certificates_attach(shop_req *r)
{
    fl_db *db = NULL;
    const char *kind = NULL, *status = NULL, *until = NULL, *code = NULL;
    long long id = 0, coop_id = 0, target = 0, pid = 0, bid = 0;
    int in_tx = 0, has_p = 0, has_b = 0, rc;

    if ((rc = shop_db(r, &db)))
        goto out;
    if ((rc = shop_body_str(r, "lot_code", 0, 1, SHOP_LOT_CODE_MAX, &code)) ||
        (rc = shop_body_int(r, "product_id", 0, 1, LLONG_MAX, &pid, &has_p)) ||
        (rc = shop_body_int(r, "base_id", 0, 1, LLONG_MAX, &bid, &has_b)))
        goto out;
    if ((code != NULL) + has_p + has_b != 1) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "give exactly one of lot_code, product_id, base_id");
        goto out;
    }
    target = has_p ? pid : bid;
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    if ((rc = cert_enter(r, db, SHOP_MEMBER_FARMER, &id, &coop_id, &kind, &status, &until)) ||
        (rc = attachable(r, status, until)) ||
        (rc = attach_one(r, db, id, kind, coop_id, code ? "lot" : has_p ? "product" : "base", code,
                         target)))
        goto out;
    if ((rc = fl_db_commit(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    shop_trace_cache_invalidate();
    if (!code)
        shop_catalogue_changed(r);
    rc = cert_reply(r, db, 200, id, 1);
out:
    if (in_tx)
        fl_db_rollback(db);
    return rc;
}

/* POST /api/v1/certificates/{cert_id}/revoke {reason} */
int shop_certificates_revoke(shop_req *r)
{
    const fl_signkey *key = NULL;
    fl_db *db = NULL;
    const char *kind = NULL, *status = NULL, *until = NULL, *reason = NULL;
    long long id = 0, coop_id = 0;
    int in_tx = 0, rc;

    if ((rc = shop_db(r, &db)) || (rc = shop_body_str(r, "reason", 1, 1, 255, &reason)) ||
        (rc = shop_trace_key(r, &key)))
        goto out;
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    if ((rc = cert_enter(r, db, SHOP_MEMBER_ADMIN, &id, &coop_id, &kind, &status, &until)))
        goto out;
    if (strcmp(status, "revoked") == 0) {
        rc = shop_fail(r, SHOP_E_CONFLICT, "certificate %lld is already revoked", id);
        goto out;
    }
    rc = fl_db_exec(db,
                    "UPDATE certificates SET status = 'revoked', revoked_reason = ?, "
                    "revoked_at = UTC_TIMESTAMP(3) WHERE id = ?",
                    "si", reason, id);
    if (rc == FL_DB_OK)
        rc = cert_sign(db, key, id);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    shop_trace_cache_invalidate();
    if (strcmp(kind, "conformity") != 0)
        shop_catalogue_changed(r);
    rc = cert_reply(r, db, 200, id, 1);
out:
    if (in_tx)
        fl_db_rollback(db);
    return rc;
}
