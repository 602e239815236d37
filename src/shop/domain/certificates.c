/* certificates.c - certificates: issue, attach, revoke, sign, read
 * (contract in shop/domain/certificates.h).
 *
 * A row of CERT_SELECT is read into an array of column texts (cert_cols);
 * the signed core, its canonical text and the public JSON are built from
 * that array by one table (SIGNED), so what is signed and what is shown
 * cannot drift apart, and unit tests build certificates without MariaDB. */
#include "farmlive/shop/domain/certificates.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "farmlive/alloc.h"
#include "farmlive/canon_json.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace_cache.h"
#include "farmlive/timefmt.h"

#define CERT_TYPE "farmlive.certificate.v1"
#define CERT_FOR_LOT_MAX 200
#define CERT_FOR_LOT_MAX_SQL "200"
#define CERT_ATTACH_MAX 100
#define CERT_LINES_MAX 50
#define CERT_LINE_MAX 512
#define CERT_RESULT_FIELD_MAX 255

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const KINDS[] = {"conformity", "pollution_free", "green_food", "organic", "geo_indication"};
static const char *const BASES[] = {"self_test", "entrusted_test", "internal_control", "supervised_sampling"};

/* When a text field is required. */
enum { NEED_NEVER, NEED_ALWAYS, NEED_CONFORMITY, NEED_OTHERS, NEED_OTHERS_BUT_GEO };

/* clang-format off */
const shop_cert_text shop_cert_texts[SHOP_CERT_TEXTS] = {
    [SHOP_CERT_KIND]         = {"kind",         32},
    [SHOP_CERT_NUMBER]       = {"number",       64},
    [SHOP_CERT_ISSUING_BODY] = {"issuing_body", 128},
    [SHOP_CERT_HOLDER]       = {"holder",       128},
    [SHOP_CERT_PRODUCT_NAME] = {"product_name", 128},
    [SHOP_CERT_QUANTITY]     = {"quantity",     64},
    [SHOP_CERT_CONTACT]      = {"contact",      64},
    [SHOP_CERT_ADDRESS]      = {"address",      255},
    [SHOP_CERT_ORIGIN]       = {"origin",       255},
    [SHOP_CERT_BASIS]        = {"basis",        32},
    [SHOP_CERT_SCOPE]        = {"scope",        512},
    [SHOP_CERT_VERIFY_URL]   = {"verify_url",   512},
    [SHOP_CERT_ISSUED_ON]    = {"issued_on",    10},
    [SHOP_CERT_VALID_FROM]   = {"valid_from",   10},
    [SHOP_CERT_VALID_UNTIL]  = {"valid_until",  10},
};

static const struct {
    unsigned char need, date;
} TEXT_RULES[SHOP_CERT_TEXTS] = {
    [SHOP_CERT_KIND]         = {NEED_ALWAYS, 0},
    [SHOP_CERT_NUMBER]       = {NEED_OTHERS, 0},
    [SHOP_CERT_ISSUING_BODY] = {NEED_OTHERS, 0},
    [SHOP_CERT_HOLDER]       = {NEED_ALWAYS, 0},
    [SHOP_CERT_PRODUCT_NAME] = {NEED_CONFORMITY, 0},
    [SHOP_CERT_QUANTITY]     = {NEED_CONFORMITY, 0},
    [SHOP_CERT_CONTACT]      = {NEED_CONFORMITY, 0},
    [SHOP_CERT_ADDRESS]      = {NEED_CONFORMITY, 0},
    [SHOP_CERT_ORIGIN]       = {NEED_CONFORMITY, 0},
    [SHOP_CERT_BASIS]        = {NEED_CONFORMITY, 0},
    [SHOP_CERT_SCOPE]        = {NEED_NEVER, 0},
    [SHOP_CERT_VERIFY_URL]   = {NEED_NEVER, 0},
    [SHOP_CERT_ISSUED_ON]    = {NEED_ALWAYS, 1},
    [SHOP_CERT_VALID_FROM]   = {NEED_OTHERS, 1},
    [SHOP_CERT_VALID_UNTIL]  = {NEED_OTHERS_BUT_GEO, 1},
};
/* clang-format on */

/* Columns of CERT_SELECT. */
enum {
    XC_ID,
    XC_COOP,
    XC_KIND,
    XC_NUMBER,
    XC_BODY,
    XC_HOLDER,
    XC_PRODUCT,
    XC_QTY,
    XC_CONTACT,
    XC_ADDRESS,
    XC_ORIGIN,
    XC_BASIS,
    XC_COMMIT,
    XC_RESULTS,
    XC_SCOPE,
    XC_VERIFY_URL,
    XC_ISSUED,
    XC_FROM,
    XC_UNTIL,
    XC_STATUS,
    XC_REASON,
    XC_REVOKED_AT,
    XC_SIG,
    XC_CREATED,
    XC_EXPIRED,
    XC_VERIFIED_AT,
    XC_COUNT
};

#define CERT_SELECT                                                                                                    \
    "SELECT c.id, c.coop_id, c.kind, c.number, c.issuing_body, c.holder, c.product_name, c.quantity, "                 \
    "c.contact, c.address, c.origin, c.basis, c.commitments, c.test_results, c.scope, c.verify_url, "                  \
    "DATE_FORMAT(c.issued_on, '%Y-%m-%d'), DATE_FORMAT(c.valid_from, '%Y-%m-%d'), "                                    \
    "DATE_FORMAT(c.valid_until, '%Y-%m-%d'), c.status, c.revoked_reason, "                                             \
    "DATE_FORMAT(c.revoked_at, '%Y-%m-%dT%H:%i:%sZ'), c.signature, "                                                   \
    "DATE_FORMAT(c.created_at, '%Y-%m-%dT%H:%i:%sZ'), "                                                                \
    "(c.valid_until IS NOT NULL AND c.valid_until < DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR)), "                        \
    "DATE_FORMAT(c.verified_at, '%Y-%m-%dT%H:%i:%sZ') FROM certificates c "

_Static_assert(FL_CHINA_UTC_OFFSET_S == 8 * 3600, "CERT_SELECT's INTERVAL 8 HOUR is China's offset");

/* The signed fields, in the order the public JSON shows them: an integer,
 * a text, or JSON stored as text. */
static const struct {
    const char *key;
    int col;
    char type;
} SIGNED[] = {
    {"id", XC_ID, 'i'},
    {"coop_id", XC_COOP, 'i'},
    {"kind", XC_KIND, 's'},
    {"number", XC_NUMBER, 's'},
    {"issuing_body", XC_BODY, 's'},
    {"holder", XC_HOLDER, 's'},
    {"product_name", XC_PRODUCT, 's'},
    {"quantity", XC_QTY, 's'},
    {"contact", XC_CONTACT, 's'},
    {"address", XC_ADDRESS, 's'},
    {"origin", XC_ORIGIN, 's'},
    {"basis", XC_BASIS, 's'},
    {"commitments", XC_COMMIT, 'j'},
    {"test_results", XC_RESULTS, 'j'},
    {"scope", XC_SCOPE, 's'},
    {"verify_url", XC_VERIFY_URL, 's'},
    {"issued_on", XC_ISSUED, 's'},
    {"valid_from", XC_FROM, 's'},
    {"valid_until", XC_UNTIL, 's'},
    {"status", XC_STATUS, 's'},
    {"revoked_reason", XC_REASON, 's'},
};

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

int shop_cert_kind_valid(const char *kind)
{
    return in_list(kind, KINDS, NELEM(KINDS));
}

int shop_cert_expiring(const char *status, const char *valid_until, const char *today)
{
    long long until, now;
    if (!status || strcmp(status, "valid") != 0 || !valid_until || !today || fl_date_parse(valid_until, &until) < 0 ||
        fl_date_parse(today, &now) < 0)
        return 0;
    return until >= now && until - now <= SHOP_CERT_WARN_DAYS;
}

static long long today_days(void)
{
    return fl_china_day((long long)time(NULL));
}

/* ---- the canonical form and the public JSON ------------------------------- */

static void cert_cols(const fl_rows *rows, size_t i, const char *col[XC_COUNT])
{
    for (size_t c = 0; c < XC_COUNT; c++)
        col[c] = fl_rows_str(rows, i, c);
}

/* The signed core of a certificate: every SIGNED field and "type". */
static json_t *cert_core(const char *const col[XC_COUNT])
{
    json_t *c = json_object(), *v;
    for (size_t i = 0; i < NELEM(SIGNED); i++) {
        const char *s = col[SIGNED[i].col];
        if (SIGNED[i].type == 'i')
            v = json_integer(s ? strtoll(s, NULL, 10) : 0);
        else if (SIGNED[i].type == 'j')
            v = s ? json_loads(s, 0, NULL) : NULL;
        else
            v = shop_json_str(s);
        json_object_set_new(c, SIGNED[i].key, v ? v : json_null());
    }
    json_object_set_new(c, "type", json_string(CERT_TYPE));
    return c;
}

/* The text a certificate's signature covers (fl_malloc), or NULL when a
 * stored JSON field holds a decimal number (a tampered row). */
static char *cert_canon(const char *const col[XC_COUNT], size_t *len)
{
    json_t *core = cert_core(col);
    char *canon = fl_canon_json(core, len);
    json_decref(core);
    return canon;
}

const char *shop_cert_verification(const char *kind, const char *status)
{
    if (kind && strcmp(kind, "conformity") == 0)
        return "self_issued";
    return status && strcmp(status, "pending") == 0 ? "pending" : "verified";
}

/* The public JSON: the signed core, the signature and whether it holds;
 * "verification" says who vouches for it (shop_cert_verification). */
static json_t *cert_json(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], const char *const col[XC_COUNT])
{
    json_t *c = cert_core(col);
    size_t len = 0;
    char *canon = fl_canon_json(c, &len);
    int ok = canon && col[XC_SIG] && fl_sign_verify_hex(pk, canon, len, col[XC_SIG]) == 0;
    fl_free(canon);
    json_object_del(c, "type");
    json_object_set_new(c, "revoked_at", shop_json_str(col[XC_REVOKED_AT]));
    json_object_set_new(c, "expired", json_boolean(col[XC_EXPIRED] && strcmp(col[XC_EXPIRED], "0") != 0));
    json_object_set_new(c, "created_at", shop_json_str(col[XC_CREATED]));
    json_object_set_new(c, "signature", shop_json_str(col[XC_SIG]));
    json_object_set_new(c, "signature_valid", json_boolean(ok));
    json_object_set_new(c, "verification", json_string(shop_cert_verification(col[XC_KIND], col[XC_STATUS])));
    json_object_set_new(c, "verified_at", shop_json_str(col[XC_VERIFIED_AT]));
    return c;
}

static json_t *rows_json(const fl_signkey *key, const fl_rows *rows, size_t limit)
{
    const char *col[XC_COUNT];
    json_t *items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows) && i < limit; i++) {
        cert_cols(rows, i, col);
        json_array_append_new(items, cert_json(key->pk, col));
    }
    return items;
}

/* ---- signing --------------------------------------------------------------- */

/* Signs certificate id as stored now (inside the caller's transaction). */
static int cert_sign(fl_db *db, const fl_signkey *key, long long id)
{
    const char *col[XC_COUNT];
    fl_rows *rows = NULL;
    char *canon = NULL, sig[FL_SIG_HEX];
    size_t len = 0;
    int rc = fl_db_query(db, &rows, CERT_SELECT "WHERE c.id = ?", "i", id);
    if (rc != FL_DB_OK)
        goto out;
    if (fl_rows_count(rows) == 0) {
        rc = FL_DB_ERR;
        goto out;
    }
    cert_cols(rows, 0, col);
    if (!(canon = cert_canon(col, &len))) {
        rc = FL_DB_ERR;
        goto out;
    }
    fl_sign_hex(key, canon, len, sig);
    rc = fl_db_exec(db, "UPDATE certificates SET signature = ? WHERE id = ?", "si", sig, id);
out:
    fl_free(canon);
    fl_rows_free(rows);
    return rc;
}

/* Signs every unsigned certificate inside the caller's transaction. */
static int sign_unsigned(fl_db *db, const fl_signkey *key)
{
    enum { UC_ID };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT id FROM certificates WHERE signature IS NULL AND status <> 'pending'", "");
    for (size_t i = 0; rc == FL_DB_OK && i < fl_rows_count(rows); i++)
        rc = cert_sign(db, key, fl_rows_int(rows, i, UC_ID));
    fl_rows_free(rows);
    return rc;
}

int shop_cert_sign_unsigned(fl_db *db, const fl_signkey *key)
{
    int rc = fl_db_begin(db);
    if (rc == FL_DB_OK)
        rc = sign_unsigned(db, key);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    else
        fl_db_rollback(db);
    return rc;
}

/* Runs the CERT_SELECT query sql (types binding the first of a..d, the
 * rest unused) into *rows; when a row is unsigned (seeded), signs every
 * unsigned certificate in a transaction of its own and reads again. */
static int read_signed(fl_db *db, const fl_signkey *key, fl_rows **rows, const char *sql, const char *types,
                       long long a, long long b, long long c, long long d, shop_fault *f)
{
    int rc, unsigned_rows;
    for (int pass = 0; pass < 2; pass++) {
        fl_rows_free(*rows);
        *rows = NULL;
        if ((rc = fl_db_query(db, rows, sql, types, a, b, c, d)) != FL_DB_OK)
            return shop_fault_db(f, rc);
        unsigned_rows = 0;
        for (size_t i = 0; i < fl_rows_count(*rows); i++)
            unsigned_rows |=
                fl_rows_str(*rows, i, XC_SIG) == NULL && strcmp(fl_rows_str(*rows, i, XC_STATUS), "pending");
        if (!unsigned_rows || pass == 1)
            break;
        if ((rc = shop_cert_sign_unsigned(db, key)) != FL_DB_OK)
            return shop_fault_db(f, rc);
    }
    return SHOP_OK;
}

/* ---- reading ---------------------------------------------------------------- */

int shop_cert_for_lot(fl_db *db, const fl_signkey *key, long long lot_id, long long product_id, long long base_id,
                      json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = read_signed(db, key, &rows,
                         CERT_SELECT "WHERE c.id IN (SELECT certificate_id FROM certificate_links WHERE lot_id = ? "
                                     "OR product_id = ? OR (? <> 0 AND base_id = ?)) "
                                     "ORDER BY c.kind <> 'conformity', c.id LIMIT " CERT_FOR_LOT_MAX_SQL,
                         "iiii", lot_id, product_id, base_id, base_id, f);
    *out = rc == SHOP_OK ? rows_json(key, rows, CERT_FOR_LOT_MAX) : NULL;
    fl_rows_free(rows);
    return rc;
}

int shop_cert_get(fl_db *db, const fl_signkey *key, long long id, json_t **out, shop_fault *f)
{
    enum { AC_LOT_CODE, AC_PRODUCT, AC_BASE };
    const char *col[XC_COUNT];
    fl_rows *rows = NULL, *links = NULL;
    json_t *lots, *products, *bases;
    int rc;

    *out = NULL;
    if ((rc = read_signed(db, key, &rows, CERT_SELECT "WHERE c.id = ?", "i", id, 0, 0, 0, f)))
        goto out;
    if (fl_rows_count(rows) == 0) {
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "certificate %lld not found", id);
        goto out;
    }
    rc = fl_db_query(db, &links,
                     "SELECT l.code, cl.product_id, cl.base_id FROM certificate_links cl "
                     "LEFT JOIN lots l ON l.id = cl.lot_id WHERE cl.certificate_id = ? ORDER BY cl.id",
                     "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    cert_cols(rows, 0, col);
    *out = cert_json(key->pk, col);
    lots = json_array(), products = json_array(), bases = json_array();
    for (size_t i = 0; i < fl_rows_count(links); i++) {
        if (fl_rows_str(links, i, AC_LOT_CODE))
            json_array_append_new(lots, json_string(fl_rows_str(links, i, AC_LOT_CODE)));
        else if (fl_rows_str(links, i, AC_PRODUCT))
            json_array_append_new(products, json_integer(fl_rows_int(links, i, AC_PRODUCT)));
        else
            json_array_append_new(bases, json_integer(fl_rows_int(links, i, AC_BASE)));
    }
    json_object_set_new(*out, "attached_to",
                        json_pack("{s:o,s:o,s:o}", "lots", lots, "products", products, "bases", bases));
    rc = SHOP_OK;
out:
    fl_rows_free(links);
    fl_rows_free(rows);
    return rc;
}

int shop_cert_list(fl_db *db, const fl_signkey *key, long long coop_id, const char *kind, long long cursor,
                   long long limit, json_t **page, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc;
    *page = NULL;
    if ((rc = shop_rights_coop_enter(db, coop_id, 0, 0, SHOP_MEMBER_NONE, f)))
        return rc;
    if (kind && !shop_cert_kind_valid(kind))
        return shop_fault_set(f, SHOP_E_BAD_REQUEST, NULL, "kind %s is not a certificate kind", kind);
    rc = fl_db_query(db, &rows,
                     CERT_SELECT "WHERE c.coop_id = ? AND (? IS NULL OR c.kind = ?) AND (? = 0 OR c.id < ?) "
                                 "ORDER BY c.id DESC LIMIT ?",
                     "issiii", coop_id, kind, kind, cursor, cursor, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *page = json_pack("{s:o,s:o}", "items", rows_json(key, rows, (size_t)limit), "next_cursor",
                      shop_cursor_next(rows, limit, XC_ID));
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_cert_for_product(fl_db *db, long long product_id, json_t **out, shop_fault *f)
{
    enum { PC_CERTS };
    fl_rows *rows = NULL;
    const char *text;
    int rc = fl_db_query(db, &rows, "SELECT " SHOP_TRACE_CERTIFICATIONS_SQL("p") " FROM products p WHERE p.id = ?", "i",
                         product_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    text = fl_rows_count(rows) ? fl_rows_str(rows, 0, PC_CERTS) : NULL;
    *out = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_array(*out)) {
        json_decref(*out);
        *out = json_array();
    }
    fl_rows_free(rows);
    return SHOP_OK;
}

/* ---- checking a new certificate --------------------------------------------- */

static int needed(int need, int conformity, int geo)
{
    switch (need) {
    case NEED_ALWAYS:
        return 1;
    case NEED_CONFORMITY:
        return conformity;
    case NEED_OTHERS:
        return !conformity;
    case NEED_OTHERS_BUT_GEO:
        return !conformity && !geo;
    default:
        return 0;
    }
}

static int matches(const char *pattern, const char *s)
{
    regex_t re;
    int ok;
    if (!s || regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static int lines_check(const char *key, const json_t *v, shop_fault *f)
{
    size_t i;
    const json_t *x;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > CERT_LINES_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "%s must be a list of 1..%d texts", key, CERT_LINES_MAX);
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > CERT_LINE_MAX)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "%s[%zu] must be a text of 1..%d bytes", key, i,
                                  CERT_LINE_MAX);
    }
    return SHOP_OK;
}

static int results_check(const json_t *v, shop_fault *f)
{
    static const char *const FIELDS[] = {"item", "method", "result", "limit", "verdict"};
    size_t i;
    const json_t *x;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > CERT_LINES_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "test_results must be a list of 1..%d results",
                              CERT_LINES_MAX);
    json_array_foreach(v, i, x)
    {
        const char *verdict;
        if (!json_is_object(x) || json_object_size(x) != NELEM(FIELDS))
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                                  "test_results[%zu] must be {item, method, result, limit, verdict}", i);
        for (size_t k = 0; k < NELEM(FIELDS); k++) {
            const json_t *s = json_object_get(x, FIELDS[k]);
            if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > CERT_RESULT_FIELD_MAX)
                return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "test_results[%zu].%s must be a text", i, FIELDS[k]);
        }
        verdict = json_string_value(json_object_get(x, "verdict"));
        if (strcmp(verdict, "pass") != 0 && strcmp(verdict, "fail") != 0)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "test_results[%zu].verdict must be pass or fail", i);
        if (strcmp(verdict, "fail") == 0)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                                  "test_results[%zu] failed: a certificate of conformity cannot be issued", i);
    }
    return SHOP_OK;
}

static const json_t *given(const json_t *v)
{
    return v && !json_is_null(v) ? v : NULL;
}

/* The rules a new certificate meets, today being day `today` (days since
 * 1970-01-01): the fields its kind requires, real dates in order and not in
 * the future, the number's shape for green food and organic, commitments,
 * and passing test results unless the basis is internal control. */
static int cert_check(const shop_cert_new *in, long long today, shop_fault *f)
{
    const char *const *t = in->text;
    long long issued = 0, from = 0, until = 0;
    int conformity, geo, rc;

    if (!t[SHOP_CERT_KIND])
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "kind is required");
    if (!shop_cert_kind_valid(t[SHOP_CERT_KIND]))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "kind must be conformity, pollution_free, green_food, organic or geo_indication");
    conformity = strcmp(t[SHOP_CERT_KIND], "conformity") == 0;
    geo = strcmp(t[SHOP_CERT_KIND], "geo_indication") == 0;
    for (size_t i = 0; i < SHOP_CERT_TEXTS; i++) {
        if (!t[i] && needed(TEXT_RULES[i].need, conformity, geo))
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "%s is required", shop_cert_texts[i].key);
        if (t[i] && TEXT_RULES[i].date && fl_date_parse(t[i], NULL) != 0)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "%s must be a real date YYYY-MM-DD",
                                  shop_cert_texts[i].key);
    }
    fl_date_parse(t[SHOP_CERT_ISSUED_ON], &issued);
    if (t[SHOP_CERT_VALID_FROM])
        fl_date_parse(t[SHOP_CERT_VALID_FROM], &from);
    if (t[SHOP_CERT_VALID_UNTIL])
        fl_date_parse(t[SHOP_CERT_VALID_UNTIL], &until);
    if (t[SHOP_CERT_VERIFY_URL] && !shop_https_url_valid(t[SHOP_CERT_VERIFY_URL]))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "verify_url must be an https:// URL");
    if (t[SHOP_CERT_BASIS] && !in_list(t[SHOP_CERT_BASIS], BASES, NELEM(BASES)))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "basis must be self_test, entrusted_test, internal_control or supervised_sampling");
    if (strcmp(t[SHOP_CERT_KIND], "green_food") == 0 &&
        !matches("^LB-[0-9]{2}-[0-9]{4}-[0-9]{2}-[0-9]{4}-AA?$", t[SHOP_CERT_NUMBER]))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "a green_food number is shaped LB-XX-YYMM-PP-NNNN-A (or -AA)");
    if (strcmp(t[SHOP_CERT_KIND], "organic") == 0 &&
        !matches("^[A-Za-z0-9]+-OP-[0-9]{2}-[A-Za-z0-9]+$", t[SHOP_CERT_NUMBER]))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "an organic number is shaped <body>-OP-<YY>-<serial>");
    if (issued > today)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "issued_on %s is in the future", t[SHOP_CERT_ISSUED_ON]);
    if (t[SHOP_CERT_VALID_FROM] && t[SHOP_CERT_VALID_UNTIL] && until < from)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "valid_until is before valid_from");
    if (t[SHOP_CERT_VALID_UNTIL] && until < issued)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "valid_until is before issued_on");
    if (given(in->commitments)) {
        if ((rc = lines_check("commitments", in->commitments, f)))
            return rc;
    } else if (conformity) {
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "commitments is required for a conformity certificate");
    }
    if (given(in->test_results))
        return results_check(in->test_results, f);
    if (conformity && strcmp(t[SHOP_CERT_BASIS], "internal_control") != 0)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "test_results is required when the basis is a test");
    return SHOP_OK;
}

/* 422 unless a certificate of that status and end date may be attached
 * today. */
static int attachable(const char *status, const char *until, shop_fault *f)
{
    long long end = 0;
    if (strcmp(status, "valid") != 0 && strcmp(status, "pending") != 0)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "a %s certificate cannot be attached", status);
    if (until && fl_date_parse(until, &end) == 0 && end < today_days())
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "the certificate expired on %s", until);
    return SHOP_OK;
}

/* ---- attaching ---------------------------------------------------------------- */

enum { TARGET_LOT, TARGET_PRODUCT, TARGET_BASE };

/* Attaches certificate (id, kind, coop) to one target inside the caller's
 * transaction: a lot by code, a product or a base by id. 422s: the wrong
 * kind for the target, another cooperative's target, an unknown target. */
static int attach_one(fl_db *db, long long cert_id, const char *kind, long long coop_id, int what, const char *code,
                      long long id, shop_fault *f)
{
    static const char *const NAMES[] = {"lot", "product", "base"};
    static const char *const SQL[] = {
        "SELECT id, coop_id FROM lots WHERE code = ?",
        "SELECT id, coop_id FROM products WHERE id = ?",
        "SELECT id, coop_id FROM production_bases WHERE id = ?",
    };
    enum { TC_ID, TC_COOP };
    fl_rows *rows = NULL;
    int conformity = strcmp(kind, "conformity") == 0, rc;
    long long target[3] = {0, 0, 0};

    if (conformity != (what == TARGET_LOT))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "a %s certificate attaches to %s, not to a %s", kind,
                              conformity ? "lots" : "products or bases", NAMES[what]);
    rc = what == TARGET_LOT ? fl_db_query(db, &rows, SQL[what], "s", code) : fl_db_query(db, &rows, SQL[what], "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0 || fl_rows_int(rows, 0, TC_COOP) != coop_id) {
        rc = what == TARGET_LOT
                 ? shop_fault_set(f, SHOP_E_VALIDATION, NULL, "lot %s is not a lot of cooperative %lld", code, coop_id)
                 : shop_fault_set(f, SHOP_E_VALIDATION, NULL, "%s %lld is not a %s of cooperative %lld", NAMES[what],
                                  id, NAMES[what], coop_id);
        goto out;
    }
    target[what] = fl_rows_int(rows, 0, TC_ID);
    /* 0 binds as NULL through NULLIF: a link names one target */
    rc = fl_db_exec(db,
                    "INSERT INTO certificate_links (certificate_id, lot_id, product_id, base_id) "
                    "VALUES (?, NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0)) "
                    "ON DUPLICATE KEY UPDATE certificate_id = certificate_id",
                    "iiii", cert_id, target[TARGET_LOT], target[TARGET_PRODUCT], target[TARGET_BASE]);
    rc = rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
out:
    fl_rows_free(rows);
    return rc;
}

/* attach {"lots":[codes], "products":[ids], "bases":[ids]}, inside the
 * caller's transaction; *product_side |= a product or base was named. */
static int attach_lists(fl_db *db, const json_t *attach, long long cert_id, const char *kind, long long coop_id,
                        int *product_side, shop_fault *f)
{
    static const char *const LISTS[] = {"lots", "products", "bases"};
    size_t i, total = 0;
    const json_t *x;
    int rc = SHOP_OK;
    if (!json_is_object(attach))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "attach must be {lots, products, bases}");
    for (int what = TARGET_LOT; what <= TARGET_BASE && rc == SHOP_OK; what++) {
        const json_t *list = json_object_get(attach, LISTS[what]);
        if (!list)
            continue;
        if (!json_is_array(list) || (total += json_array_size(list)) > CERT_ATTACH_MAX)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "attach.%s must be a list (at most %d in all)",
                                  LISTS[what], CERT_ATTACH_MAX);
        json_array_foreach(list, i, x)
        {
            if (what == TARGET_LOT ? !json_is_string(x) : !json_is_integer(x))
                return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "attach.%s[%zu] must be a %s", LISTS[what], i,
                                      what == TARGET_LOT ? "lot code" : "id");
            if ((rc = attach_one(db, cert_id, kind, coop_id, what, json_string_value(x),
                                 (long long)json_integer_value(x), f)))
                break;
            *product_side |= what != TARGET_LOT;
        }
    }
    return rc;
}

/* ---- writes ---------------------------------------------------------------------- */

int shop_cert_create(fl_db *db, const fl_signkey *key, const shop_actor *who, long long coop_id,
                     const shop_cert_new *in, long long *id, int *product_side, shop_fault *f)
{
    const char *const *t = in->text;
    char *commitments = NULL, *results = NULL;
    int in_tx = 0, side = 0, third_party, rc;

    if ((rc = shop_rights_coop_enter(db, coop_id, who->account_id, who->platform_admin, SHOP_MEMBER_FARMER, f)) ||
        (rc = cert_check(in, today_days(), f)) ||
        (in->attach && (rc = attachable("valid", t[SHOP_CERT_VALID_UNTIL], f))))
        goto out;
    /* someone else's decision: pending, unsigned, until a platform admin verifies it */
    third_party = strcmp(t[SHOP_CERT_KIND], "conformity") != 0;
    if (given(in->commitments))
        commitments = fl_canon_json(in->commitments, NULL);
    if (given(in->test_results))
        results = fl_canon_json(in->test_results, NULL);
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    in_tx = 1;
    rc = fl_db_exec(db,
                    "INSERT INTO certificates (coop_id, kind, number, issuing_body, holder, product_name, quantity, "
                    "contact, address, origin, basis, scope, verify_url, issued_on, valid_from, valid_until, "
                    "commitments, test_results, created_by, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "isssssssssssssssssis", coop_id, t[SHOP_CERT_KIND], t[SHOP_CERT_NUMBER], t[SHOP_CERT_ISSUING_BODY],
                    t[SHOP_CERT_HOLDER], t[SHOP_CERT_PRODUCT_NAME], t[SHOP_CERT_QUANTITY], t[SHOP_CERT_CONTACT],
                    t[SHOP_CERT_ADDRESS], t[SHOP_CERT_ORIGIN], t[SHOP_CERT_BASIS], t[SHOP_CERT_SCOPE],
                    t[SHOP_CERT_VERIFY_URL], t[SHOP_CERT_ISSUED_ON], t[SHOP_CERT_VALID_FROM], t[SHOP_CERT_VALID_UNTIL],
                    commitments, results, who->account_id, third_party ? "pending" : "valid");
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    *id = (long long)fl_db_insert_id(db);
    if (in->attach && (rc = attach_lists(db, in->attach, *id, t[SHOP_CERT_KIND], coop_id, &side, f)))
        goto out;
    if ((!third_party && (rc = cert_sign(db, key, *id)) != FL_DB_OK) || (rc = fl_db_commit(db)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    in_tx = 0;
    shop_trace_cache_invalidate();
    if (product_side)
        *product_side = side;
out:
    if (in_tx)
        fl_db_rollback(db);
    fl_free(commitments);
    fl_free(results);
    return rc;
}

/* A certificate locked for a change (inside a transaction), once who may
 * change it with need. Its texts are copied here. */
typedef struct cert_locked {
    long long coop_id;
    char kind[32], status[16], until[FL_DATE_LEN];
    int has_until;
} cert_locked;

static int cert_lock(fl_db *db, const shop_actor *who, long long id, int need, cert_locked *c, shop_fault *f)
{
    enum { LC_COOP, LC_KIND, LC_STATUS, LC_UNTIL };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT coop_id, kind, status, DATE_FORMAT(valid_until, '%Y-%m-%d') FROM certificates "
                         "WHERE id = ? FOR UPDATE",
                         "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "certificate %lld not found", id);
        goto out;
    }
    c->coop_id = fl_rows_int(rows, 0, LC_COOP);
    snprintf(c->kind, sizeof(c->kind), "%s", fl_rows_str(rows, 0, LC_KIND));
    snprintf(c->status, sizeof(c->status), "%s", fl_rows_str(rows, 0, LC_STATUS));
    c->has_until = fl_rows_str(rows, 0, LC_UNTIL) != NULL;
    snprintf(c->until, sizeof(c->until), "%s", c->has_until ? fl_rows_str(rows, 0, LC_UNTIL) : "");
    rc = shop_rights_actor(db, who, c->coop_id, need, f);
out:
    fl_rows_free(rows);
    return rc;
}

/* Commits the caller's transaction, or fills f; makes the trace cache stale. */
static int commit(fl_db *db, shop_fault *f)
{
    int rc = fl_db_commit(db);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    shop_trace_cache_invalidate();
    return SHOP_OK;
}

int shop_cert_attach(fl_db *db, const shop_actor *who, long long id, const char *lot_code, long long product_id,
                     long long base_id, int *product_side, shop_fault *f)
{
    cert_locked c;
    int what = lot_code ? TARGET_LOT : product_id > 0 ? TARGET_PRODUCT : TARGET_BASE, rc;

    if ((lot_code != NULL) + (product_id > 0) + (base_id > 0) != 1)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "give exactly one of lot_code, product_id, base_id");
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if ((rc = cert_lock(db, who, id, SHOP_MEMBER_FARMER, &c, f)) ||
        (rc = attachable(c.status, c.has_until ? c.until : NULL, f)) ||
        (rc =
             attach_one(db, id, c.kind, c.coop_id, what, lot_code, what == TARGET_PRODUCT ? product_id : base_id, f)) ||
        (rc = commit(db, f))) {
        fl_db_rollback(db);
        return rc;
    }
    if (product_side)
        *product_side = what != TARGET_LOT;
    return SHOP_OK;
}

int shop_cert_revoke(fl_db *db, const fl_signkey *key, const shop_actor *who, long long id, const char *reason,
                     int *product_side, shop_fault *f)
{
    cert_locked c;
    int rc;

    if (!reason || !*reason)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "reason is required");
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if ((rc = cert_lock(db, who, id, SHOP_MEMBER_ADMIN, &c, f)))
        goto out_rollback;
    if (strcmp(c.status, "revoked") == 0) {
        rc = shop_fault_set(f, SHOP_E_CONFLICT, NULL, "certificate %lld is already revoked", id);
        goto out_rollback;
    }
    rc = fl_db_exec(db,
                    "UPDATE certificates SET status = 'revoked', revoked_reason = ?, revoked_at = UTC_TIMESTAMP(3) "
                    "WHERE id = ?",
                    "si", reason, id);
    if (rc == FL_DB_OK)
        rc = cert_sign(db, key, id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out_rollback;
    }
    if ((rc = commit(db, f)))
        goto out_rollback;
    if (product_side)
        *product_side = strcmp(c.kind, "conformity") != 0;
    return SHOP_OK;
out_rollback:
    fl_db_rollback(db);
    return rc;
}

int shop_cert_verify(fl_db *db, const fl_signkey *key, const shop_actor *who, long long id, const char *verify_url,
                     int *product_side, shop_fault *f)
{
    enum { VC_KIND, VC_STATUS, VC_URL };
    fl_rows *rows = NULL;
    const char *url;
    int rc;

    if (!who->platform_admin)
        return shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "only a platform admin verifies certificates");
    if (verify_url && !shop_https_url_valid(verify_url))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "verify_url must be an https:// URL");
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    rc = fl_db_query(db, &rows, "SELECT kind, status, verify_url FROM certificates WHERE id = ? FOR UPDATE", "i", id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "certificate %lld not found", id)) < 0)
        goto out_rollback;
    if (strcmp(fl_rows_str(rows, 0, VC_KIND), "conformity") == 0) {
        rc = shop_fault_set(f, SHOP_E_CONFLICT, NULL, "a certificate of conformity is self-issued: nothing to verify");
        goto out_rollback;
    }
    if (strcmp(fl_rows_str(rows, 0, VC_STATUS), "pending") != 0) {
        rc = shop_fault_set(f, SHOP_E_CONFLICT, NULL, "certificate %lld is %s, not pending", id,
                            fl_rows_str(rows, 0, VC_STATUS));
        goto out_rollback;
    }
    if (!(url = verify_url ? verify_url : fl_rows_str(rows, 0, VC_URL))) {
        rc = shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                            "verify_url is required: the issuing body's public lookup the number was found in");
        goto out_rollback;
    }
    rc = fl_db_exec(db,
                    "UPDATE certificates SET status = 'valid', verify_url = ?, verified_by = ?, "
                    "verified_at = UTC_TIMESTAMP(3) WHERE id = ?",
                    "sii", url, who->account_id, id);
    if (rc == FL_DB_OK)
        rc = cert_sign(db, key, id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out_rollback;
    }
    fl_rows_free(rows);
    if ((rc = commit(db, f)))
        goto out_rollback_only;
    if (product_side)
        *product_side = 1;
    return SHOP_OK;
out_rollback:
    fl_rows_free(rows);
out_rollback_only:
    fl_db_rollback(db);
    return rc;
}
