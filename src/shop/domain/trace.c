/* trace.c - the append-only trace chain of each lot, its signed head, the
 * platform key, and the public trace JSON.
 *
 *   POST /api/v1/lots/{lot_code}/events      append an event (lot's coop farmers/admins)
 *   GET  /api/v1/trace/keys                  the platform's public key (public)
 *   GET  /api/v1/trace/{lot_code}            the trace document (public)
 *   GET  /api/v1/trace/{lot_code}/verify     recompute chain and signatures (public)
 *
 *   event n:  canon_n = canonical JSON of
 *               {"actor","details","kind","lot","occurred_at","place","seq"}
 *             hash_n  = SHA-256(canon_n || hash_{n-1})      hash_0 = 64 x '0'
 *   head:     Ed25519 over canonical
 *               {"count":n,"head":hash_n,"lot":code,"type":"farmlive.lot-head.v1"}
 *
 * An append locks the lot row, reads the newest event, inserts the next one
 * with its hash and re-signs the head, all in one transaction; the table's
 * triggers refuse UPDATE and DELETE, and no route edits an event. Rows the
 * demo seed inserts unsealed (hash NULL) are sealed once, by
 * shop_trace_seal_all() after seeding or, failing that, on first read. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "farmlive/alloc.h"
#include "farmlive/canon_json.h"
#include "farmlive/db.h"
#include "farmlive/hashchain.h"
#include "farmlive/log.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/shop/domain/trace.h"
#include "farmlive/sign.h"
#include "farmlive/shop/core/values.h"

#define EVENT_DETAILS_MAX 16384
#define EVENT_FUTURE_SLACK_S 300
#define HEAD_TYPE "farmlive.lot-head.v1"

static const char *const EVENT_KINDS[] = {"planted", "raised",    "fed",     "treated", "harvested",
                                          "inspected", "packed", "shipped", "received", "sold"};

/* ---- the key ---------------------------------------------------------------- */

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static fl_signkey key_loaded;
static int key_ready;

int shop_trace_key_init(const fl_config *cfg, char *err, size_t errlen)
{
    char path[sizeof(cfg->var_dir) + 32];
    int rc = 0;
    pthread_mutex_lock(&key_lock);
    if (!key_ready) {
        if (mkdir(cfg->var_dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", cfg->var_dir, strerror(errno));
            rc = -1;
            goto out_unlock;
        }
        snprintf(path, sizeof(path), "%s/%s", cfg->var_dir, SHOP_TRACE_KEY_FILE);
        rc = fl_signkey_load(path, &key_loaded, err, errlen);
        key_ready = rc == 0;
    }
out_unlock:
    pthread_mutex_unlock(&key_lock);
    return rc;
}

int shop_trace_key(shop_req *r, const fl_signkey **out)
{
    char err[600];
    if (!key_ready && shop_trace_key_init(r->ctx->cfg, err, sizeof(err)) != 0) {
        fl_log(FL_LOG_ERROR, "trace_key", "%s", err);
        return shop_fail(r, SHOP_E_INTERNAL, "the signing key cannot be loaded");
    }
    *out = &key_loaded;
    return SHOP_OK;
}

/* ---- small codecs --------------------------------------------------------- */

int shop_trace_code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 3 || n > SHOP_LOT_CODE_MAX || !isalnum((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isdigit((unsigned char)s[i]) || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
            return 0;
    return 1;
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

int shop_trace_date_valid(const char *s)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    y = atoi(s), m = atoi(s + 5), d = atoi(s + 8); /* digits checked above */
    return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in(y, m);
}

void shop_trace_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* "YYYY-MM-DDTHH:MM:SSZ" -> SQL "YYYY-MM-DD HH:MM:SS" and epoch seconds. */
static int time_parse(const char *s, char sql[20], time_t *epoch)
{
    char date[11];
    struct tm tm = {0};
    if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return -1;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!shop_trace_date_valid(date))
        return -1;
    for (int i = 11; i < 19; i++)
        if (i != 13 && i != 16 && !isdigit((unsigned char)s[i]))
            return -1;
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    tm.tm_hour = atoi(s + 11);
    tm.tm_min = atoi(s + 14);
    tm.tm_sec = atoi(s + 17);
    if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
        return -1;
    *epoch = timegm(&tm);
    snprintf(sql, 20, "%.10s %.8s", s, s + 11);
    return 0;
}

const char *shop_trace_qr_url(shop_req *r, const char *gtin, const char *code)
{
    const char *base = r->ctx->cfg->public_base;
    if (gtin && *gtin)
        return fl_arena_printf(r->arena, "%s/01/%s/10/%s", base, gtin, code);
    return fl_arena_printf(r->arena, "%s/t/%s", base, code);
}

const char *shop_trace_html(shop_req *r, const char *s)
{
    size_t n = 0, j = 0;
    char *out;
    if (!s)
        return "";
    for (const char *p = s; *p; p++)
        n += *p == '&' ? 5 : *p == '<' || *p == '>' ? 4 : *p == '"' || *p == '\'' ? 6 : 1;
    out = fl_arena_alloc(r->arena, n + 1);
    if (!out)
        return "";
    for (const char *p = s; *p; p++) {
        const char *e = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
                      : *p == '"' ? "&quot;" : *p == '\'' ? "&#39;" : NULL;
        if (e) {
            memcpy(out + j, e, strlen(e));
            j += strlen(e);
        } else {
            out[j++] = *p;
        }
    }
    out[j] = '\0';
    return out;
}

void shop_trace_buf_put(shop_trace_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->max) {
        b->failed = 1;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = fl_realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void shop_trace_buf_printf(shop_trace_buf *b, const char *fmt, ...)
{
    char small[512], *big = NULL;
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        shop_trace_buf_put(b, small, (size_t)n);
        return;
    }
    big = fl_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    shop_trace_buf_put(b, big, (size_t)n);
    fl_free(big);
}

void shop_trace_buf_free(shop_trace_buf *b)
{
    if (!b)
        return;
    fl_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int shop_trace_buf_reply(shop_req *r, shop_trace_buf *b, int status, const char *type)
{
    char *copy = NULL;
    int rc;
    if (!b->failed && b->len)
        copy = fl_arena_strndup(r->arena, b->p, b->len);
    if (b->failed || !copy)
        rc = shop_fail(r, SHOP_E_INTERNAL, "the page is too large");
    else
        rc = shop_reply_raw(r, status, type, copy, b->len);
    shop_trace_buf_free(b);
    return rc;
}

/* ---- canonical forms ------------------------------------------------------ */

/* Columns of EVENT_SELECT. */
enum { EC_ID, EC_SEQ, EC_KIND, EC_AT, EC_PLACE, EC_ACTOR, EC_DETAILS, EC_PREV, EC_HASH };

#define EVENT_SELECT                                                                               \
    "SELECT id, seq, kind, DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%sZ'), place, actor, "        \
    "details, prev_hash, hash FROM trace_events "

/* The event's canonical text (fl_malloc), or NULL when its details are not
 * canonical-able JSON (a tampered row). */
static char *event_canon(const char *code, long long seq, const char *kind, const char *at,
                         const char *place, const char *actor, const char *details, size_t *len)
{
    json_t *d = details ? json_loads(details, JSON_ALLOW_NUL, NULL) : NULL, *o;
    char *out;
    if (!d)
        return NULL;
    o = json_pack("{s:s?,s:o,s:s?,s:s,s:s?,s:s?,s:I}", "actor", actor, "details", d, "kind", kind,
                  "lot", code, "occurred_at", at, "place", place, "seq", (json_int_t)seq);
    out = o ? fl_canon_json(o, len) : NULL;
    json_decref(o);
    return out;
}

static char *head_message(const char *code, long long count, const char *head, size_t *len)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:s}", "count", (json_int_t)count, "head", head, "lot",
                          code, "type", HEAD_TYPE);
    char *out = fl_canon_json(o, len);
    json_decref(o);
    return out;
}

static int head_sign(fl_db *db, const fl_signkey *key, long long lot_id, const char *code,
                     long long count, const char *head)
{
    char sig[FL_SIG_HEX];
    size_t len = 0;
    char *msg = head_message(code, count, head, &len);
    int rc;
    fl_sign_hex(key, msg, len, sig);
    fl_free(msg);
    rc = fl_db_exec(db,
                    "INSERT INTO lot_chain_heads (lot_id, event_count, head_hash, signature, key_id) "
                    "VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE event_count = VALUES(event_count), "
                    "head_hash = VALUES(head_hash), signature = VALUES(signature), "
                    "key_id = VALUES(key_id)",
                    "iisss", lot_id, count, head, sig, key->key_id);
    return rc;
}

int shop_trace_head_update(fl_db *db, const fl_signkey *key, long long lot_id, const char *code)
{
    fl_rows *rows = NULL;
    char prev[FL_CHAIN_HEX] = FL_CHAIN_GENESIS, h[FL_CHAIN_HEX];
    size_t n, len = 0;
    int rc = fl_db_query(db, &rows, EVENT_SELECT "WHERE lot_id = ? ORDER BY seq", "i", lot_id);
    if (rc != FL_DB_OK)
        goto out;
    n = fl_rows_count(rows);
    for (size_t i = 0; i < n; i++) {
        const char *stored = fl_rows_str(rows, i, EC_HASH);
        char *canon;
        if (stored) {
            snprintf(prev, sizeof(prev), "%s", stored);
            continue;
        }
        canon = event_canon(code, fl_rows_int(rows, i, EC_SEQ), fl_rows_str(rows, i, EC_KIND),
                            fl_rows_str(rows, i, EC_AT), fl_rows_str(rows, i, EC_PLACE),
                            fl_rows_str(rows, i, EC_ACTOR), fl_rows_str(rows, i, EC_DETAILS), &len);
        if (!canon) {
            fl_log(FL_LOG_ERROR, "trace_seal", "lot %s event %s: details are not canonical JSON",
                   code, fl_rows_str(rows, i, EC_SEQ));
            rc = FL_DB_ERR;
            goto out;
        }
        fl_chain_hash(canon, len, prev, h);
        fl_free(canon);
        rc = fl_db_exec(db, "UPDATE trace_events SET prev_hash = ?, hash = ? WHERE id = ? AND hash IS NULL",
                        "ssi", prev, h, fl_rows_int(rows, i, EC_ID));
        if (rc != FL_DB_OK)
            goto out;
        memcpy(prev, h, sizeof(prev));
    }
    rc = head_sign(db, key, lot_id, code, (long long)n, prev);
out:
    fl_rows_free(rows);
    return rc;
}

/* Seals lot_id in its own transaction (the lot row locked). */
static int seal_lot(fl_db *db, const fl_signkey *key, long long lot_id, const char *code)
{
    fl_rows *rows = NULL;
    int rc = fl_db_begin(db);
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &rows, "SELECT id FROM lots WHERE id = ? FOR UPDATE", "i", lot_id);
    fl_rows_free(rows);
    if (rc == FL_DB_OK)
        rc = shop_trace_head_update(db, key, lot_id, code);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    else
        fl_db_rollback(db);
    return rc;
}

int shop_trace_seal_all(fl_db_pool *pool, const fl_config *cfg)
{
    char err[600];
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int rc = -1;
    if (shop_trace_key_init(cfg, err, sizeof(err)) != 0) {
        fl_log(FL_LOG_ERROR, "trace_seal", "%s", err);
        return -1;
    }
    if (fl_db_acquire(pool, &db) != FL_DB_OK)
        return -1;
    if (fl_db_query(db, &rows,
                    "SELECT l.id, l.code FROM lots l WHERE NOT EXISTS (SELECT 1 FROM lot_chain_heads h "
                    "WHERE h.lot_id = l.id) OR EXISTS (SELECT 1 FROM trace_events e WHERE e.lot_id = "
                    "l.id AND e.hash IS NULL)",
                    "") != FL_DB_OK)
        goto out;
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        if (seal_lot(db, &key_loaded, fl_rows_int(rows, i, 0), fl_rows_str(rows, i, 1)) != FL_DB_OK) {
            fl_log(FL_LOG_ERROR, "trace_seal", "lot %s: %s", fl_rows_str(rows, i, 1), fl_db_error(db));
            goto out;
        }
    rc = shop_certificates_sign_unsigned(db, &key_loaded);
out:
    fl_rows_free(rows);
    fl_db_release(db);
    return rc;
}

/* ---- verification --------------------------------------------------------- */

static json_t *event_json(const fl_rows *rows, size_t i)
{
    const char *d = fl_rows_str(rows, i, EC_DETAILS);
    json_t *details = d ? json_loads(d, JSON_ALLOW_NUL, NULL) : NULL;
    return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                     (json_int_t)fl_rows_int(rows, i, EC_ID), "seq",
                     (json_int_t)fl_rows_int(rows, i, EC_SEQ), "kind",
                     shop_json_str(fl_rows_str(rows, i, EC_KIND)), "occurred_at",
                     shop_json_str(fl_rows_str(rows, i, EC_AT)), "place", shop_json_str(fl_rows_str(rows, i, EC_PLACE)),
                     "actor", shop_json_str(fl_rows_str(rows, i, EC_ACTOR)), "details",
                     details ? details : json_null(), "prev_hash",
                     shop_json_str(fl_rows_str(rows, i, EC_PREV)), "hash", shop_json_str(fl_rows_str(rows, i, EC_HASH)));
}

static json_t *broken(const fl_rows *rows, size_t i, const char *reason)
{
    return json_pack("{s:I,s:I,s:o,s:s}", "id", (json_int_t)fl_rows_int(rows, i, EC_ID), "seq",
                     (json_int_t)fl_rows_int(rows, i, EC_SEQ), "kind",
                     shop_json_str(fl_rows_str(rows, i, EC_KIND)), "reason", reason);
}

/* Reads the lot's events, sealing unsealed ones first (once). */
static int events_read(shop_req *r, fl_db *db, long long lot_id, const char *code, fl_rows **out)
{
    const fl_signkey *key = NULL;
    int rc, unsealed = 0;
    for (int pass = 0; pass < 2; pass++) {
        rc = fl_db_query(db, out, EVENT_SELECT "WHERE lot_id = ? ORDER BY seq", "i", lot_id);
        if (rc != FL_DB_OK)
            return shop_fail_db(r, rc);
        unsealed = 0;
        for (size_t i = 0; i < fl_rows_count(*out); i++)
            unsealed |= fl_rows_str(*out, i, EC_HASH) == NULL;
        if (!unsealed || pass == 1)
            break;
        /* seal only a tail of unsealed rows; a gap is left for verify to flag */
        fl_rows_free(*out);
        *out = NULL;
        if ((rc = shop_trace_key(r, &key)))
            return rc;
        if ((rc = seal_lot(db, key, lot_id, code)) != FL_DB_OK)
            return shop_fail_db(r, rc);
    }
    return SHOP_OK;
}

/* The checks; events (when not NULL) gets the public event list. */
static int trace_check(shop_req *r, fl_db *db, long long lot_id, const char *code, json_t *certs,
                       json_t **verification, json_t **events)
{
    const fl_signkey *key = NULL;
    fl_rows *rows = NULL, *head = NULL;
    fl_chain_link *links = NULL;
    char **canons = NULL, computed[FL_CHAIN_HEX];
    json_t *v = NULL, *broken_ev = json_null(), *certs_out = json_array(), *c;
    const char *reason = NULL;
    size_t n = 0, bad, k;
    int why = FL_CHAIN_OK, head_sig_ok = 0, rc;

    if ((rc = shop_trace_key(r, &key)) || (rc = events_read(r, db, lot_id, code, &rows)))
        goto out;
    rc = fl_db_query(db, &head,
                     "SELECT event_count, head_hash, signature, key_id FROM lot_chain_heads WHERE lot_id = ?",
                     "i", lot_id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    n = fl_rows_count(rows);
    links = fl_calloc(n ? n : 1, sizeof(*links));
    canons = fl_calloc(n ? n : 1, sizeof(*canons));
    for (size_t i = 0; i < n; i++) {
        canons[i] = event_canon(code, fl_rows_int(rows, i, EC_SEQ), fl_rows_str(rows, i, EC_KIND),
                                fl_rows_str(rows, i, EC_AT), fl_rows_str(rows, i, EC_PLACE),
                                fl_rows_str(rows, i, EC_ACTOR), fl_rows_str(rows, i, EC_DETAILS),
                                &links[i].len);
        links[i].canon = canons[i] ? canons[i] : "";
        links[i].prev_hash = fl_rows_str(rows, i, EC_PREV);
        links[i].hash = fl_rows_str(rows, i, EC_HASH);
    }
    bad = fl_chain_check(links, n, &why, computed);
    for (k = 0; k < bad && k < n; k++)
        if (!canons[k] || fl_rows_int(rows, k, EC_SEQ) != (long long)k + 1)
            break;
    if (k < bad) {
        bad = k, why = FL_CHAIN_BAD_HASH;
        reason = canons[k] ? "sequence number out of order" : "details are not valid JSON";
    }
    if (bad < n) {
        reason = reason ? reason
                 : why == FL_CHAIN_BAD_PREV ? "previous hash does not match the event before it"
                                            : "content does not match its hash";
        json_decref(broken_ev);
        broken_ev = broken(rows, bad, reason);
        reason = fl_arena_printf(r->arena, "event %zu (%s): %s", bad + 1,
                                 fl_rows_str(rows, bad, EC_KIND), reason);
    } else if (fl_rows_count(head) == 0) {
        if (n > 0) /* an empty chain with no head has nothing to protect yet */
            reason = "the chain head is not signed";
    } else {
        size_t mlen = 0;
        long long count = fl_rows_int(head, 0, 0);
        char *msg = head_message(code, count, fl_rows_str(head, 0, 1), &mlen);
        head_sig_ok = fl_sign_verify_hex(key->pk, msg, mlen, fl_rows_str(head, 0, 2)) == 0;
        fl_free(msg);
        if (!head_sig_ok) {
            reason = "the chain head's signature is not valid";
        } else if (count > (long long)n) {
            reason = fl_arena_printf(r->arena, "the signed head covers %lld events, %zu remain",
                                     count, n);
        } else if (count < (long long)n) {
            json_decref(broken_ev);
            broken_ev = broken(rows, (size_t)count, "not covered by the signed chain head");
            reason = fl_arena_printf(r->arena, "event %lld is not covered by the signed head",
                                     count + 1);
        } else if (strcmp(fl_rows_str(head, 0, 1), computed) != 0) {
            if (n > 0) {
                json_decref(broken_ev);
                broken_ev = broken(rows, n - 1, "its hash is not the signed chain head");
            }
            reason = "the chain does not end in the signed head";
        }
    }
    json_array_foreach(certs, k, c) {
        int ok = json_is_true(json_object_get(c, "signature_valid"));
        json_array_append_new(certs_out, json_pack("{s:O,s:O,s:b}", "id", json_object_get(c, "id"),
                                                   "kind", json_object_get(c, "kind"),
                                                   "signature_valid", ok));
        if (!ok && !reason)
            reason = fl_arena_printf(r->arena, "certificate %lld: signature is not valid",
                                     (long long)json_integer_value(json_object_get(c, "id")));
    }
    v = json_pack("{s:s,s:b,s:o,s:I,s:o,s:o,s:o,s:s,s:s}", "lot_code", code, "verified",
                  reason == NULL, "reason", reason ? json_string(reason) : json_null(),
                  "events_checked", (json_int_t)n, "broken_event", broken_ev, "head",
                  fl_rows_count(head)
                      ? json_pack("{s:I,s:s,s:s,s:s,s:b}", "count",
                                  (json_int_t)fl_rows_int(head, 0, 0), "hash",
                                  fl_rows_str(head, 0, 1), "signature", fl_rows_str(head, 0, 2),
                                  "key_id", fl_rows_str(head, 0, 3), "signature_valid", head_sig_ok)
                      : json_null(),
                  "certificates", certs_out, "key_id", key->key_id, "algorithm", "Ed25519");
    broken_ev = certs_out = NULL;
    if (events) {
        *events = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(*events, event_json(rows, i));
    }
    *verification = v;
    rc = SHOP_OK;
out:
    json_decref(broken_ev);
    json_decref(certs_out);
    for (size_t i = 0; canons && i < n; i++)
        fl_free(canons[i]);
    fl_free(canons);
    fl_free(links);
    fl_rows_free(head);
    fl_rows_free(rows);
    return rc;
}

/* Columns of DOC_SELECT. */
enum {
    DC_LOT, DC_CODE, DC_QTY, DC_UNIT, DC_HARVEST, DC_PACK, DC_CREATED, DC_SKU, DC_SPEC, DC_GTIN,
    DC_PRODUCT, DC_NAME_ZH, DC_NAME_EN, DC_CATEGORY, DC_COOP, DC_COOP_NAME, DC_COOP_EN,
    DC_PROVINCE, DC_CITY, DC_COUNTY, DC_PHONE, DC_BASE, DC_BASE_NAME, DC_BASE_LOC, DC_LAT, DC_LON,
    DC_FARMER, DC_PRODUCT_BASE
};

#define DOC_SELECT                                                                                 \
    "SELECT l.id, l.code, l.quantity, l.unit, DATE_FORMAT(l.harvest_date, '%Y-%m-%d'), "          \
    "DATE_FORMAT(l.pack_date, '%Y-%m-%d'), DATE_FORMAT(l.created_at, '%Y-%m-%dT%H:%i:%sZ'), "     \
    "s.id, s.spec, s.gtin, p.id, p.name_zh, p.name_en, p.category, c.id, c.name, c.name_en, "     \
    "c.province, c.city, c.county, c.contact_phone, b.id, b.name, b.location, b.latitude, "       \
    "b.longitude, a.display_name, p.base_id FROM lots l JOIN skus s ON s.id = l.sku_id "          \
    "JOIN products p ON p.id = s.product_id JOIN cooperatives c ON c.id = l.coop_id "             \
    "LEFT JOIN production_bases b ON b.id = COALESCE(l.base_id, p.base_id) "                      \
    "LEFT JOIN accounts a ON a.id = l.farmer_account_id WHERE l.code = ?"

int shop_trace_document(shop_req *r, const char *code, json_t **out)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *certs = NULL, *verification = NULL, *events = NULL, *doc;
    long long lot_id, product_id, base_id;
    int rc;

    *out = NULL;
    if (!shop_trace_code_valid(code))
        return 1;
    if ((rc = shop_db(r, &db)))
        goto out;
    rc = fl_db_query(db, &rows, DOC_SELECT, "s", code);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = 1;
        goto out;
    }
    lot_id = fl_rows_int(rows, 0, DC_LOT);
    product_id = fl_rows_int(rows, 0, DC_PRODUCT);
    base_id = fl_rows_str(rows, 0, DC_BASE) ? fl_rows_int(rows, 0, DC_BASE) : 0;
    if ((rc = shop_certificates_for_lot(r, db, lot_id, product_id, base_id, &certs)) ||
        (rc = trace_check(r, db, lot_id, code, certs, &verification, &events)))
        goto out;
    doc = json_object();
    json_object_set_new(
        doc, "lot",
        json_pack("{s:s,s:I,s:o,s:o,s:o,s:o}", "code", code, "quantity",
                  (json_int_t)fl_rows_int(rows, 0, DC_QTY), "unit", shop_json_str(fl_rows_str(rows, 0, DC_UNIT)),
                  "harvest_date", shop_json_str(fl_rows_str(rows, 0, DC_HARVEST)), "pack_date",
                  shop_json_str(fl_rows_str(rows, 0, DC_PACK)), "created_at",
                  shop_json_str(fl_rows_str(rows, 0, DC_CREATED))));
    json_object_set_new(
        doc, "product",
        json_pack("{s:I,s:o,s:o,s:o,s:I,s:o,s:o}", "id", (json_int_t)product_id, "name_zh",
                  shop_json_str(fl_rows_str(rows, 0, DC_NAME_ZH)), "name_en",
                  shop_json_str(fl_rows_str(rows, 0, DC_NAME_EN)), "category",
                  shop_json_str(fl_rows_str(rows, 0, DC_CATEGORY)), "sku_id",
                  (json_int_t)fl_rows_int(rows, 0, DC_SKU), "spec", shop_json_str(fl_rows_str(rows, 0, DC_SPEC)),
                  "gtin", shop_json_str(fl_rows_str(rows, 0, DC_GTIN))));
    json_object_set_new(
        doc, "cooperative",
        json_pack("{s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)fl_rows_int(rows, 0, DC_COOP), "name",
                  shop_json_str(fl_rows_str(rows, 0, DC_COOP_NAME)), "name_en",
                  shop_json_str(fl_rows_str(rows, 0, DC_COOP_EN)), "region",
                  json_pack("{s:o,s:o,s:o}", "province", shop_json_str(fl_rows_str(rows, 0, DC_PROVINCE)),
                            "city", shop_json_str(fl_rows_str(rows, 0, DC_CITY)), "county",
                            shop_json_str(fl_rows_str(rows, 0, DC_COUNTY))),
                  "contact_phone", shop_json_str(fl_rows_str(rows, 0, DC_PHONE))));
    json_object_set_new(doc, "base",
                        base_id ? json_pack("{s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)base_id, "name",
                                            shop_json_str(fl_rows_str(rows, 0, DC_BASE_NAME)), "location",
                                            shop_json_str(fl_rows_str(rows, 0, DC_BASE_LOC)), "latitude",
                                            shop_json_str(fl_rows_str(rows, 0, DC_LAT)), "longitude",
                                            shop_json_str(fl_rows_str(rows, 0, DC_LON))) /* decimals stay text */
                                : json_null());
    json_object_set_new(doc, "farmer", shop_json_str(fl_rows_str(rows, 0, DC_FARMER)));
    json_object_set_new(doc, "certificates", certs);
    json_object_set_new(doc, "events", events);
    json_object_set_new(doc, "verification", verification);
    json_object_set_new(
        doc, "links",
        json_pack("{s:s,s:s,s:s,s:s,s:s}", "page", fl_arena_printf(r->arena, "/t/%s", code),
                  "qr_url", shop_trace_qr_url(r, fl_rows_str(rows, 0, DC_GTIN), code), "verify",
                  fl_arena_printf(r->arena, "/api/v1/trace/%s/verify", code), "epcis",
                  fl_arena_printf(r->arena, "/api/v1/trace/%s/epcis", code), "public_key",
                  "/api/v1/trace/keys"));
    certs = verification = events = NULL;
    *out = doc;
    rc = 0;
out:
    json_decref(certs);
    json_decref(verification);
    json_decref(events);
    fl_rows_free(rows);
    return rc;
}

int shop_trace_verify_lot(shop_req *r, fl_db *db, long long lot_id, const char *code, json_t **out)
{
    fl_rows *rows = NULL;
    json_t *certs = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT COALESCE(l.base_id, p.base_id), p.id FROM lots l JOIN skus s ON "
                         "s.id = l.sku_id JOIN products p ON p.id = s.product_id WHERE l.id = ?",
                         "i", lot_id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "no lot has code %s", code);
        goto out;
    }
    if ((rc = shop_certificates_for_lot(r, db, lot_id, fl_rows_int(rows, 0, 1),
                                        fl_rows_str(rows, 0, 0) ? fl_rows_int(rows, 0, 0) : 0,
                                        &certs)))
        goto out;
    rc = trace_check(r, db, lot_id, code, certs, out, NULL);
out:
    json_decref(certs);
    fl_rows_free(rows);
    return rc;
}

/* ---- handlers --------------------------------------------------------------- */

/* GET /api/v1/trace/keys */
int shop_trace_keys_get(shop_req *r)
{
    const fl_signkey *key = NULL;
    int rc = shop_trace_key(r, &key);
    if (rc)
        return rc;
    shop_add_header(r, "Cache-Control", "public, max-age=300");
    return shop_reply_json(
        r, 200,
        json_pack("{s:[{s:s,s:s,s:s,s:s,s:s}]}", "keys", "key_id", key->key_id, "algorithm",
                  "Ed25519", "public_key_hex", key->pk_hex, "use",
                  "signs lot chain heads and certificates", "head_message",
                  "canonical JSON {\"count\":N,\"head\":\"<sha256 hex>\",\"lot\":\"<code>\","
                  "\"type\":\"" HEAD_TYPE "\"}"));
}

/* GET /api/v1/trace/{lot_code}: served from trace_cache.c when fresh. */
int shop_trace_get(shop_req *r)
{
    const char *code = shop_param(r, 0), *cached;
    unsigned long gen = shop_trace_cache_generation();
    json_t *doc = NULL;
    char *text = NULL, *copy;
    size_t len = 0;
    int rc;

    if ((cached = shop_trace_cache_get(r, code, &len)))
        return shop_reply_raw(r, 200, "application/json; charset=utf-8", cached, len);
    rc = shop_trace_document(r, code, &doc);
    if (rc == 1)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no lot has code %s", code);
    if (rc < 0)
        return rc;
    text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text || !(copy = fl_arena_strdup(r->arena, text))) {
        free(text);
        return shop_fail(r, SHOP_E_INTERNAL, "the trace document cannot be written");
    }
    len = strlen(copy);
    shop_trace_cache_put(r, code, copy, len, gen);
    free(text);
    return shop_reply_raw(r, 200, "application/json; charset=utf-8", copy, len);
}

/* GET /api/v1/trace/{lot_code}/verify */
int shop_trace_verify(shop_req *r)
{
    fl_db *db = NULL;
    json_t *v = NULL;
    long long lot_id = 0;
    const char *code = shop_param(r, 0);
    int rc;
    if ((rc = shop_db(r, &db)))
        return rc;
    rc = shop_lots_find(r, db, code, &lot_id, NULL);
    if (rc == 1)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no lot has code %s", code);
    if (rc < 0 || (rc = shop_trace_verify_lot(r, db, lot_id, code, &v)))
        return rc;
    return shop_reply_json(r, 200, v);
}

/* ---- appending events ------------------------------------------------------ */

typedef struct event_in {
    const char *kind, *place, *actor;
    char at_sql[20];
    const char *at;
    time_t epoch;
    json_t *details; /* borrowed from r->body, or a new {} owned by the caller */
} event_in;

static int results_valid(json_t *results)
{
    size_t i;
    json_t *x;
    if (!json_is_array(results) || json_array_size(results) == 0)
        return 0;
    json_array_foreach(results, i, x) if (!json_is_object(x) ||
                                          !json_is_string(json_object_get(x, "item")) ||
                                          !json_is_string(json_object_get(x, "result"))) return 0;
    return 1;
}

static int event_parse(shop_req *r, event_in *in)
{
    size_t i;
    int rc;
    memset(in, 0, sizeof(*in));
    if ((rc = shop_body_str(r, "kind", 1, 1, 16, &in->kind)) ||
        (rc = shop_body_str(r, "occurred_at", 1, 20, 20, &in->at)) ||
        (rc = shop_body_str(r, "place", 1, 1, 255, &in->place)) ||
        (rc = shop_body_str(r, "actor", 0, 1, 128, &in->actor)))
        return rc;
    for (i = 0; i < sizeof(EVENT_KINDS) / sizeof(EVENT_KINDS[0]); i++)
        if (strcmp(in->kind, EVENT_KINDS[i]) == 0)
            break;
    if (i == sizeof(EVENT_KINDS) / sizeof(EVENT_KINDS[0]))
        return shop_fail(r, SHOP_E_VALIDATION,
                         "kind must be one of planted, raised, fed, treated, harvested, inspected, "
                         "packed, shipped, received, sold");
    if (time_parse(in->at, in->at_sql, &in->epoch) != 0)
        return shop_fail(r, SHOP_E_VALIDATION,
                         "occurred_at must be a real UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (in->epoch > time(NULL) + EVENT_FUTURE_SLACK_S)
        return shop_fail(r, SHOP_E_VALIDATION, "occurred_at %s is in the future", in->at);
    in->details = json_object_get(r->body, "details");
    if (in->details && !json_is_object(in->details))
        return shop_fail(r, SHOP_E_VALIDATION, "details must be an object");
    if (in->details && !fl_canon_json_ok(in->details))
        return shop_fail(r, SHOP_E_VALIDATION,
                         "details may not hold decimal numbers (write them as strings)");
    if (strcmp(in->kind, "inspected") == 0 &&
        !(in->details && results_valid(json_object_get(in->details, "results"))))
        return shop_fail(r, SHOP_E_VALIDATION,
                         "an inspected event needs details.results: [{item, result, ...}]");
    return SHOP_OK;
}

/* POST /api/v1/lots/{lot_code}/events {kind, occurred_at, place, actor?, details?} */
int shop_trace_events_create(shop_req *r)
{
    const fl_signkey *key = NULL;
    const char *code = shop_param(r, 0);
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *empty = NULL, *created = NULL;
    event_in in;
    char *details = NULL, *canon = NULL, h[FL_CHAIN_HEX], prev[FL_CHAIN_HEX] = FL_CHAIN_GENESIS;
    long long lot_id = 0, coop_id = 0, seq = 1;
    size_t dlen = 0, clen = 0;
    int in_tx = 0, rc;

    if ((rc = shop_db(r, &db)))
        goto out;
    if ((rc = shop_lots_find(r, db, code, &lot_id, &coop_id)) == 1) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "no lot has code %s", code);
        goto out;
    }
    if (rc < 0 || (rc = shop_auth_coop(r, coop_id, SHOP_MEMBER_FARMER)) ||
        (rc = event_parse(r, &in)) || (rc = shop_trace_key(r, &key)))
        goto out;
    if (!in.details)
        in.details = empty = json_object();
    details = fl_canon_json(in.details, &dlen);
    if (!details || dlen > EVENT_DETAILS_MAX) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "details must be at most %d bytes of JSON",
                       EVENT_DETAILS_MAX);
        goto out;
    }
    if (!in.actor) {
        rc = fl_db_query(db, &rows, "SELECT display_name FROM accounts WHERE id = ?", "i",
                         r->session->account_id);
        if (rc != FL_DB_OK) {
            rc = shop_fail_db(r, rc);
            goto out;
        }
        in.actor = fl_rows_count(rows) ? fl_arena_strdup(r->arena, fl_rows_str(rows, 0, 0)) : "?";
        fl_rows_free(rows);
        rows = NULL;
    }
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    rc = fl_db_query(db, &rows, "SELECT id FROM lots WHERE id = ? FOR UPDATE", "i", lot_id);
    fl_rows_free(rows);
    rows = NULL;
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &rows,
                         "SELECT seq, hash, DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%sZ') FROM "
                         "trace_events WHERE lot_id = ? ORDER BY seq DESC LIMIT 1",
                         "i", lot_id);
    if (rc == FL_DB_OK && fl_rows_count(rows) && !fl_rows_str(rows, 0, 1)) {
        /* unsealed seed rows: seal them before chaining onto them */
        fl_rows_free(rows);
        rows = NULL;
        rc = shop_trace_head_update(db, key, lot_id, code);
        if (rc == FL_DB_OK)
            rc = fl_db_query(db, &rows,
                             "SELECT seq, hash, DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%sZ') FROM "
                             "trace_events WHERE lot_id = ? ORDER BY seq DESC LIMIT 1",
                             "i", lot_id);
    }
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows)) {
        if (strcmp(in.at, fl_rows_str(rows, 0, 2)) < 0) {
            rc = shop_fail(r, SHOP_E_VALIDATION,
                           "occurred_at %s is before the lot's last event (%s)", in.at,
                           fl_rows_str(rows, 0, 2));
            goto out;
        }
        seq = fl_rows_int(rows, 0, 0) + 1;
        snprintf(prev, sizeof(prev), "%s", fl_rows_str(rows, 0, 1));
    }
    canon = event_canon(code, seq, in.kind, in.at, in.place, in.actor, details, &clen);
    if (!canon) {
        rc = shop_fail(r, SHOP_E_INTERNAL, "the event cannot be written canonically");
        goto out;
    }
    fl_chain_hash(canon, clen, prev, h);
    rc = fl_db_exec(db,
                    "INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, "
                    "actor_account_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "iissssisss", lot_id, seq, in.kind, in.at_sql, in.place, in.actor,
                    r->session->account_id, details, prev, h);
    if (rc == FL_DB_OK)
        rc = head_sign(db, key, lot_id, code, seq, h);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    shop_trace_cache_invalidate();
    created = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:O,s:s,s:s}", "lot_code", code, "seq",
                        (json_int_t)seq, "kind", in.kind, "occurred_at", in.at, "place", in.place,
                        "actor", in.actor, "details", in.details, "prev_hash", prev, "hash", h);
    rc = shop_reply_json(r, 201, created);
out:
    if (in_tx)
        fl_db_rollback(db);
    json_decref(empty);
    fl_free(canon);
    fl_free(details);
    fl_rows_free(rows);
    return rc;
}
