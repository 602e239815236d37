/* trace.c - the trace chain of each lot in MariaDB: append, seal, check
 * (contract in shop/domain/trace.h; the bytes hashed and signed in
 * trace_chain.c).
 *
 *   append:  lock the lot -> who may -> the event's rules -> the newest
 *            event (sealing seeded rows first) -> INSERT with its hash ->
 *            re-sign the head -> commit
 *   check:   read the events (sealing once) and the head -> trace_chain.c */
#include "farmlive/shop/domain/trace.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "farmlive/alloc.h"
#include "farmlive/canon_json.h"
#include "farmlive/log.h"
#include "farmlive/shop/domain/certificates.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace_cache.h"
#include "farmlive/shop/domain/trace_chain.h"
#include "farmlive/shop/domain/trace_key.h"
#include "farmlive/timefmt.h"

#define EVENT_DETAILS_MAX 16384
#define EVENT_FUTURE_SLACK_S 300

static const char *const EVENT_KINDS[] = {"planted",   "raised", "fed",     "treated",  "harvested",
                                          "inspected", "packed", "shipped", "received", "sold"};

/* Columns of EVENT_SELECT. */
enum { EC_ID, EC_SEQ, EC_KIND, EC_AT, EC_PLACE, EC_ACTOR, EC_DETAILS, EC_PREV, EC_HASH };

#define EVENT_SELECT                                                                                                   \
    "SELECT id, seq, kind, DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%sZ'), place, actor, details, prev_hash, "         \
    "hash FROM trace_events "

/* Columns of HEAD_SELECT. */
enum { HC_COUNT, HC_HASH, HC_SIG, HC_KEY };

#define HEAD_SELECT "SELECT event_count, head_hash, signature, key_id FROM lot_chain_heads WHERE lot_id = ?"

/* The events of EVENT_SELECT rows (fl_malloc; pointers into rows). */
static shop_trace_event *events_of(const fl_rows *rows)
{
    size_t n = fl_rows_count(rows);
    shop_trace_event *ev = fl_calloc(n ? n : 1, sizeof(*ev));
    for (size_t i = 0; i < n; i++)
        ev[i] = (shop_trace_event){
            .id = fl_rows_int(rows, i, EC_ID),
            .seq = fl_rows_int(rows, i, EC_SEQ),
            .kind = fl_rows_str(rows, i, EC_KIND),
            .occurred_at = fl_rows_str(rows, i, EC_AT),
            .place = fl_rows_str(rows, i, EC_PLACE),
            .actor = fl_rows_str(rows, i, EC_ACTOR),
            .details = fl_rows_str(rows, i, EC_DETAILS),
            .prev_hash = fl_rows_str(rows, i, EC_PREV),
            .hash = fl_rows_str(rows, i, EC_HASH),
        };
    return ev;
}

/* ---- sealing ------------------------------------------------------------------ */

static int head_write(fl_db *db, const fl_signkey *key, long long lot_id, const char *code, long long count,
                      const char *head)
{
    char sig[FL_SIG_HEX];
    shop_trace_head_sign(key, code, count, head, sig);
    return fl_db_exec(db,
                      "INSERT INTO lot_chain_heads (lot_id, event_count, head_hash, signature, key_id) "
                      "VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE event_count = VALUES(event_count), "
                      "head_hash = VALUES(head_hash), signature = VALUES(signature), key_id = VALUES(key_id)",
                      "iisss", lot_id, count, head, sig, key->key_id);
}

int shop_trace_head_update(fl_db *db, const fl_signkey *key, long long lot_id, const char *code)
{
    fl_rows *rows = NULL;
    shop_trace_event *ev = NULL;
    char prev[FL_CHAIN_HEX] = FL_CHAIN_GENESIS, h[FL_CHAIN_HEX];
    size_t n = 0, len = 0;
    int rc = fl_db_query(db, &rows, EVENT_SELECT "WHERE lot_id = ? ORDER BY seq", "i", lot_id);
    if (rc != FL_DB_OK)
        goto out;
    n = fl_rows_count(rows);
    ev = events_of(rows);
    for (size_t i = 0; i < n; i++) {
        char *canon;
        if (ev[i].hash) {
            snprintf(prev, sizeof(prev), "%s", ev[i].hash);
            continue;
        }
        if (!(canon = shop_trace_event_canon(code, &ev[i], &len))) {
            fl_log(FL_LOG_ERROR, "trace_seal", "lot %s event %lld: details are not canonical JSON", code, ev[i].seq);
            rc = FL_DB_ERR;
            goto out;
        }
        fl_chain_hash(canon, len, prev, h);
        fl_free(canon);
        rc = fl_db_exec(db, "UPDATE trace_events SET prev_hash = ?, hash = ? WHERE id = ? AND hash IS NULL", "ssi",
                        prev, h, ev[i].id);
        if (rc != FL_DB_OK)
            goto out;
        memcpy(prev, h, sizeof(prev));
    }
    rc = head_write(db, key, lot_id, code, (long long)n, prev);
out:
    fl_free(ev);
    fl_rows_free(rows);
    return rc;
}

/* Seals lot_id in a transaction of its own (the lot row locked). */
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
    enum { SC_ID, SC_CODE };
    const fl_signkey *key = NULL;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int rc = -1;
    if (shop_trace_key_get(cfg, &key, NULL) != SHOP_OK || fl_db_acquire(pool, &db) != FL_DB_OK)
        return -1;
    if (fl_db_query(db, &rows,
                    "SELECT l.id, l.code FROM lots l WHERE NOT EXISTS (SELECT 1 FROM lot_chain_heads h "
                    "WHERE h.lot_id = l.id) OR EXISTS (SELECT 1 FROM trace_events e WHERE e.lot_id = "
                    "l.id AND e.hash IS NULL)",
                    "") != FL_DB_OK)
        goto out;
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        if (seal_lot(db, key, fl_rows_int(rows, i, SC_ID), fl_rows_str(rows, i, SC_CODE)) != FL_DB_OK) {
            fl_log(FL_LOG_ERROR, "trace_seal", "lot %s: %s", fl_rows_str(rows, i, SC_CODE), fl_db_error(db));
            goto out;
        }
    rc = shop_cert_sign_unsigned(db, key) == FL_DB_OK ? 0 : -1;
out:
    fl_rows_free(rows);
    fl_db_release(db);
    return rc;
}

/* ---- checking ------------------------------------------------------------------- */

/* Reads the lot's events into *out, sealing unsealed ones first (once: an
 * unsealed row in the middle stays a gap for the check to name). */
static int events_read(fl_db *db, const fl_signkey *key, long long lot_id, const char *code, fl_rows **out,
                       shop_fault *f)
{
    int rc, unsealed;
    for (int pass = 0; pass < 2; pass++) {
        if ((rc = fl_db_query(db, out, EVENT_SELECT "WHERE lot_id = ? ORDER BY seq", "i", lot_id)) != FL_DB_OK)
            return shop_fault_db(f, rc);
        unsealed = 0;
        for (size_t i = 0; i < fl_rows_count(*out); i++)
            unsealed |= fl_rows_str(*out, i, EC_HASH) == NULL;
        if (!unsealed || pass == 1)
            break;
        fl_rows_free(*out);
        *out = NULL;
        if ((rc = seal_lot(db, key, lot_id, code)) != FL_DB_OK)
            return shop_fault_db(f, rc);
    }
    return SHOP_OK;
}

int shop_trace_check(fl_db *db, const fl_signkey *key, long long lot_id, const char *code, const json_t *certs,
                     json_t **verification, json_t **events, shop_fault *f)
{
    fl_rows *rows = NULL, *head_rows = NULL;
    shop_trace_event *ev = NULL;
    shop_trace_head head;
    shop_trace_verdict v;
    size_t n;
    int has_head, rc;

    if ((rc = events_read(db, key, lot_id, code, &rows, f)))
        goto out;
    if ((rc = fl_db_query(db, &head_rows, HEAD_SELECT, "i", lot_id)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    n = fl_rows_count(rows);
    ev = events_of(rows);
    has_head = fl_rows_count(head_rows) > 0;
    if (has_head)
        head = (shop_trace_head){
            .count = fl_rows_int(head_rows, 0, HC_COUNT),
            .hash = fl_rows_str(head_rows, 0, HC_HASH),
            .signature = fl_rows_str(head_rows, 0, HC_SIG),
            .key_id = fl_rows_str(head_rows, 0, HC_KEY),
        };
    shop_trace_chain_check(code, ev, n, has_head ? &head : NULL, key->pk, &v);
    *verification = shop_trace_verification_json(code, ev, has_head ? &head : NULL, &v, certs, key->key_id);
    if (events) {
        *events = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(*events, shop_trace_event_json(&ev[i]));
    }
    rc = SHOP_OK;
out:
    fl_free(ev);
    fl_rows_free(head_rows);
    fl_rows_free(rows);
    return rc;
}

int shop_trace_verify_lot(fl_db *db, const fl_signkey *key, const char *code, json_t **out, shop_fault *f)
{
    enum { VC_LOT, VC_PRODUCT, VC_BASE };
    fl_rows *rows = NULL;
    json_t *certs = NULL;
    int rc;

    *out = NULL;
    if (!shop_lot_code_valid(code))
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot has code %s", code);
    rc = fl_db_query(db, &rows,
                     "SELECT l.id, p.id, COALESCE(l.base_id, p.base_id) FROM lots l JOIN skus s ON s.id = l.sku_id "
                     "JOIN products p ON p.id = s.product_id WHERE l.code = ?",
                     "s", code);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot has code %s", code);
        goto out;
    }
    if ((rc = shop_cert_for_lot(db, key, fl_rows_int(rows, 0, VC_LOT), fl_rows_int(rows, 0, VC_PRODUCT),
                                fl_rows_str(rows, 0, VC_BASE) ? fl_rows_int(rows, 0, VC_BASE) : 0, &certs, f)))
        goto out;
    rc = shop_trace_check(db, key, fl_rows_int(rows, 0, VC_LOT), code, certs, out, NULL, f);
out:
    json_decref(certs);
    fl_rows_free(rows);
    return rc;
}

/* ---- appending ---------------------------------------------------------------- */

static int results_valid(const json_t *results)
{
    size_t i;
    const json_t *x;
    if (!json_is_array(results) || json_array_size(results) == 0)
        return 0;
    json_array_foreach(results, i, x)
    {
        if (!json_is_object(x) || !json_is_string(json_object_get(x, "item")) ||
            !json_is_string(json_object_get(x, "result")))
            return 0;
    }
    return 1;
}

/* The rules of a new event at unix time now; *at_s gets occurred_at in
 * seconds, at its text in UTC (the one form stored and hashed: what
 * DATE_FORMAT gives back). */
static int event_check(const shop_trace_event_new *in, long long now, long long *at_s, char at[FL_TIME_LEN],
                       shop_fault *f)
{
    size_t k = 0;
    while (k < sizeof(EVENT_KINDS) / sizeof(EVENT_KINDS[0]) && !(in->kind && strcmp(in->kind, EVENT_KINDS[k]) == 0))
        k++;
    if (k == sizeof(EVENT_KINDS) / sizeof(EVENT_KINDS[0]))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "kind must be one of planted, raised, fed, treated, harvested, inspected, packed, "
                              "shipped, received, sold");
    if (!in->occurred_at || fl_time_parse(in->occurred_at, at_s) != 0)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "occurred_at must be a real RFC 3339 time, YYYY-MM-DDTHH:MM:SS then Z or an offset "
                              "such as +08:00");
    fl_time_format(*at_s, at);
    if (*at_s > now + EVENT_FUTURE_SLACK_S)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "occurred_at %s is in the future", in->occurred_at);
    if (!in->place || !*in->place)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "place is required");
    if (in->details && !json_is_object(in->details))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "details must be an object");
    if (in->details && !fl_canon_json_ok(in->details))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "details may not hold decimal numbers (write them as strings)");
    if (strcmp(in->kind, "inspected") == 0 && !(in->details && results_valid(json_object_get(in->details, "results"))))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "an inspected event needs details.results: [{item, result, ...}]");
    return SHOP_OK;
}

/* Inside the transaction, the lot locked: the lot code's id, once who may
 * append to it. */
static int lot_lock(fl_db *db, const shop_actor *who, const char *code, long long *lot_id, shop_fault *f)
{
    enum { LC_ID, LC_COOP };
    fl_rows *rows = NULL;
    int rc;
    if (!shop_lot_code_valid(code))
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot has code %s", code);
    if ((rc = fl_db_query(db, &rows, "SELECT id, coop_id FROM lots WHERE code = ? FOR UPDATE", "s", code)) != FL_DB_OK)
        rc = shop_fault_db(f, rc);
    else if (fl_rows_count(rows) == 0)
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot has code %s", code);
    else if ((rc = shop_rights_actor(db, who, fl_rows_int(rows, 0, LC_COOP), SHOP_MEMBER_FARMER, f)) == SHOP_OK)
        *lot_id = fl_rows_int(rows, 0, LC_ID);
    fl_rows_free(rows);
    return rc;
}

/* The actor's display name, copied into out ("?" when the account is gone). */
static int actor_name(fl_db *db, long long account_id, char *out, size_t size, shop_fault *f)
{
    enum { AC_NAME };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT display_name FROM accounts WHERE id = ?", "i", account_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    snprintf(out, size, "%s", fl_rows_count(rows) ? fl_rows_str(rows, 0, AC_NAME) : "?");
    fl_rows_free(rows);
    return SHOP_OK;
}

/* The newest event's seq and hash (seq 0 and the genesis hash for an empty
 * chain), sealing seeded rows first; refuses an event older than it. */
static int chain_tail(fl_db *db, const fl_signkey *key, long long lot_id, const char *code, const char *at,
                      long long *seq, char prev[FL_CHAIN_HEX], shop_fault *f)
{
    enum { TC_SEQ, TC_HASH, TC_AT };
    static const char TAIL[] = "SELECT seq, hash, DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%sZ') FROM trace_events "
                               "WHERE lot_id = ? ORDER BY seq DESC LIMIT 1";
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, TAIL, "i", lot_id);
    if (rc == FL_DB_OK && fl_rows_count(rows) && !fl_rows_str(rows, 0, TC_HASH)) {
        fl_rows_free(rows);
        rows = NULL;
        rc = shop_trace_head_update(db, key, lot_id, code);
        if (rc == FL_DB_OK)
            rc = fl_db_query(db, &rows, TAIL, "i", lot_id);
    }
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    *seq = 0;
    snprintf(prev, FL_CHAIN_HEX, "%s", FL_CHAIN_GENESIS);
    if (fl_rows_count(rows)) {
        if (strcmp(at, fl_rows_str(rows, 0, TC_AT)) < 0) {
            rc = shop_fault_set(f, SHOP_E_VALIDATION, NULL, "occurred_at %s is before the lot's last event (%s)", at,
                                fl_rows_str(rows, 0, TC_AT));
            goto out;
        }
        *seq = fl_rows_int(rows, 0, TC_SEQ);
        snprintf(prev, FL_CHAIN_HEX, "%s", fl_rows_str(rows, 0, TC_HASH));
    }
    rc = SHOP_OK;
out:
    fl_rows_free(rows);
    return rc;
}

int shop_trace_append(fl_db *db, const fl_signkey *key, const shop_actor *who, const char *code,
                      const shop_trace_event_new *in, json_t **created, shop_fault *f)
{
    json_t *empty = json_object();
    const json_t *details_in = in->details ? in->details : empty;
    char *details = NULL, *canon = NULL, h[FL_CHAIN_HEX], prev[FL_CHAIN_HEX], at_sql[FL_SQLTIME_LEN], actor[1024],
         at[FL_TIME_LEN];
    long long lot_id = 0, seq = 0, at_s = 0;
    size_t dlen = 0, clen = 0;
    int in_tx = 0, rc;

    *created = NULL;
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    in_tx = 1;
    if ((rc = lot_lock(db, who, code, &lot_id, f)) || (rc = event_check(in, (long long)time(NULL), &at_s, at, f)))
        goto out;
    details = fl_canon_json(details_in, &dlen);
    if (!details || dlen > EVENT_DETAILS_MAX) {
        rc = shop_fault_set(f, SHOP_E_VALIDATION, NULL, "details must be at most %d bytes of JSON", EVENT_DETAILS_MAX);
        goto out;
    }
    if (in->actor)
        snprintf(actor, sizeof(actor), "%s", in->actor);
    else if ((rc = actor_name(db, who->account_id, actor, sizeof(actor), f)))
        goto out;
    if ((rc = chain_tail(db, key, lot_id, code, at, &seq, prev, f)))
        goto out;
    seq++;
    canon = shop_trace_event_canon(
        code,
        &(shop_trace_event){
            .seq = seq, .kind = in->kind, .occurred_at = at, .place = in->place, .actor = actor, .details = details},
        &clen);
    if (!canon) {
        rc = shop_fault_set(f, SHOP_E_INTERNAL, NULL, "the event cannot be written canonically");
        goto out;
    }
    fl_chain_hash(canon, clen, prev, h);
    fl_time_sql(at_s, at_sql);
    rc = fl_db_exec(db,
                    "INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, actor_account_id, "
                    "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "iissssisss", lot_id, seq, in->kind, at_sql, in->place, actor, who->account_id, details, prev, h);
    if (rc == FL_DB_OK)
        rc = head_write(db, key, lot_id, code, seq, h);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    in_tx = 0;
    shop_trace_cache_invalidate();
    *created = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:O,s:s,s:s}", "lot_code", code, "seq", (json_int_t)seq, "kind",
                         in->kind, "occurred_at", at, "place", in->place, "actor", actor, "details", details_in,
                         "prev_hash", prev, "hash", h);
    rc = SHOP_OK;
out:
    if (in_tx)
        fl_db_rollback(db);
    json_decref(empty);
    fl_free(canon);
    fl_free(details);
    return rc;
}
