/* idem.c - Idempotency-Key: first answer stored, retries replayed.
 *
 *   shop_idem_begin   header -> hash of (scope, canonical body) -> lookup
 *                     found, same hash  -> replay (Idempotent-Replayed: true)
 *                     found, other hash -> 422 idempotency_key_reused
 *                     none              -> the caller executes
 *   shop_idem_store_all_tx / _store_tx / shop_idem_reply / shop_idem_fail
 *                     store the first answer (one INSERT for one key or a
 *                     batch of them; the unique key on (account, scope,
 *                     key) makes the first writer win, later ones replay it)
 *
 * The body's hash uses jansson's sorted compact dump, so key order and
 * spacing do not make two equal bodies differ. */
#include "farmlive/shop/core/idem.h"
#include "farmlive/buf.h"
#include "farmlive/crypto.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/shop/core/json_text.h"
#include "farmlive/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDEM_KEY_MAX 255
#define IDEM_PARAM_MAX (64 * 1024 * 1024) /* one INSERT's keys */

static const char IDEM_GET_SQL[] = "SELECT request_hash, status_code, response FROM idempotency_keys "
                                   "WHERE account_id = ? AND scope = ? AND idem_key = ?";
enum { IG_HASH, IG_STATUS, IG_RESPONSE };
/* The one INSERT of answers: the keys as a JSON array, one object each. */
static const char IDEM_PUT_SQL[] =
    "INSERT INTO idempotency_keys (account_id, scope, idem_key, request_hash, status_code, response) "
    "SELECT j.a, j.sc, j.k, j.h, j.s, j.r FROM JSON_TABLE(?, '$[*]' COLUMNS(a BIGINT PATH '$.a', "
    "sc VARCHAR(64) PATH '$.sc', k VARCHAR(255) PATH '$.k', h CHAR(64) PATH '$.h', s INT PATH '$.s', "
    "r LONGTEXT PATH '$.r')) j";

static void free_cb(void *p)
{
    free(p);
}

/* Looks k up: 1 replayed, 0 none, 2 key reused with another body, <0 FL_DB_E*. */
static int lookup(shop_req *r, fl_db *db, const shop_idem *k)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, IDEM_GET_SQL, "iss", k->account_id, k->scope, k->key);
    if (rc != FL_DB_OK)
        return rc;
    if (fl_rows_count(rows) == 0) {
        rc = 0;
        goto out_free_rows;
    }
    if (strcmp(fl_rows_str(rows, 0, IG_HASH), k->hash) != 0) {
        rc = 2;
        goto out_free_rows;
    }
    const char *resp = fl_rows_str(rows, 0, IG_RESPONSE);
    size_t len = fl_rows_len(rows, 0, IG_RESPONSE);
    char *copy = fl_arena_strndup(r->arena, resp, len);
    shop_add_header(r, "Idempotent-Replayed", "true");
    shop_reply_raw(r, (int)fl_rows_int(rows, 0, IG_STATUS), "application/json", copy, len);
    rc = 1;
out_free_rows:
    fl_rows_free(rows);
    return rc;
}

int shop_idem_replay(shop_req *r, const shop_idem *k)
{
    fl_db *db = NULL;
    int err = shop_db(r, &db);
    if (err < 0)
        return err;
    int rc = lookup(r, db, k);
    if (rc < 0)
        return shop_fail_db(r, rc);
    if (rc == 2)
        return shop_fail_code(r, SHOP_E_VALIDATION, "idempotency_key_reused",
                              "this Idempotency-Key was used with a different request");
    return rc;
}

int shop_idem_begin(shop_req *r, const char *scope, shop_idem *k)
{
    int err = shop_idem_prepare(r, scope, k);
    return err < 0 ? err : shop_idem_replay(r, k);
}

int shop_idem_prepare(shop_req *r, const char *scope, shop_idem *k)
{
    const char *key = shop_header(r, "Idempotency-Key");
    memset(k, 0, sizeof(*k));
    if (!key || !*key)
        return shop_fail_code(r, SHOP_E_BAD_REQUEST, "idempotency_key_required",
                              "send an Idempotency-Key header (a unique string per checkout, up to 255 characters)");
    if (strlen(key) > IDEM_KEY_MAX)
        return shop_fail_code(r, SHOP_E_VALIDATION, "idempotency_key_invalid",
                              "Idempotency-Key is longer than %d characters", IDEM_KEY_MAX);
    for (const unsigned char *c = (const unsigned char *)key; *c; c++)
        if (*c < 0x20 || *c > 0x7e) /* stored and replayed as text: printable ASCII, as HTTP field values */
            return shop_fail_code(r, SHOP_E_VALIDATION, "idempotency_key_invalid",
                                  "Idempotency-Key may hold printable ASCII characters only");
    if (!r->session && !r->session_key)
        return shop_fail(r, SHOP_E_UNAUTHORIZED, "sign in first");
    k->account_id = r->session ? r->session->account_id : 0; /* a deferred session's: the caller's to set */
    k->scope = scope;
    k->key = key;
    char *canon = r->body ? json_dumps(r->body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *material = fl_arena_printf(r->arena, "%s\n%s", scope, canon ? canon : "");
    free(canon);
    fl_sha256_hex(material, strlen(material), k->hash);
    return SHOP_OK;
}

int shop_idem_store_all_tx(fl_db *db, const shop_idem_answer *answers, size_t n)
{
    fl_buf b;
    int rc = FL_DB_ERR, err = 0;
    if (n == 0)
        return FL_DB_OK;
    fl_buf_init(&b, 1280 * n, IDEM_PARAM_MAX);
    for (size_t i = 0; i < n && !err; i++) {
        const shop_idem_answer *w = &answers[i];
        err = shop_jtext_sep(&b, i, '[') < 0 || fl_buf_printf(&b, "{\"a\":%lld,\"sc\":", w->k->account_id) < 0 ||
              shop_jtext_string(&b, w->k->scope) < 0 || fl_buf_append(&b, ",\"k\":", 5) < 0 ||
              shop_jtext_string(&b, w->k->key) < 0 ||
              fl_buf_printf(&b, ",\"h\":\"%s\",\"s\":%d,\"r\":", w->k->hash, w->status) < 0 ||
              shop_jtext_string(&b, w->body) < 0 || fl_buf_append(&b, "}", 1) < 0;
    }
    if (!err && fl_buf_append(&b, "]", 1) == 0)
        rc = fl_db_exec(db, IDEM_PUT_SQL, "s", b.p);
    fl_buf_free(&b);
    return rc;
}

int shop_idem_store_tx(fl_db *db, const shop_idem *k, int status, const char *body)
{
    shop_idem_answer one = {k, status, body};
    return shop_idem_store_all_tx(db, &one, 1);
}

int shop_idem_reply(shop_req *r, const shop_idem *k, int status, json_t *body)
{
    fl_db *db = NULL;
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!text)
        return shop_fail(r, SHOP_E_INTERNAL, "could not encode the reply");
    fl_arena_defer(r->arena, free_cb, text);
    int err = shop_db(r, &db);
    if (err < 0)
        return err;
    int rc = shop_idem_store_tx(db, k, status, text);
    if (rc == FL_DB_EDUP) {
        rc = shop_idem_replay(r, k);
        return rc == 1 ? SHOP_OK : rc < 0 ? rc : shop_fail(r, SHOP_E_INTERNAL, "idempotency key vanished");
    }
    if (rc != FL_DB_OK) /* the answer still goes out; a retry re-executes */
        fl_log(FL_LOG_WARN, "idem_store_failed", "key not stored for account %lld", k->account_id);
    return shop_reply_raw(r, status, "application/json", text, strlen(text));
}

int shop_idem_fail_fault(shop_req *r, const shop_idem *k, const shop_fault *f, json_t *detail)
{
    const char *code = f->code ? f->code : shop_err_code(f->err);
    json_t *e = json_pack("{s:s,s:s,s:s}", "code", code, "message", f->msg, "request_id", r->request_id);
    if (!e) { /* a message that is not UTF-8 */
        json_decref(detail);
        return shop_fail(r, SHOP_E_INTERNAL, "could not encode the reply");
    }
    if (detail) {
        json_object_update_missing(e, detail);
        json_decref(detail);
    }
    r->err = f->err; /* for the access log; the body is built here */
    r->err_code = code;
    return shop_idem_reply(r, k, shop_err_status(f->err), json_pack("{s:o}", "error", e));
}

int shop_idem_fail(shop_req *r, const shop_idem *k, int err, const char *code, const char *fmt, ...)
{
    shop_fault f = {.err = err, .code = code};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
    va_end(ap);
    return shop_idem_fail_fault(r, k, &f, NULL);
}

int shop_idem_purge(shop_ctx *ctx)
{
    fl_db *db = NULL;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    int rc =
        fl_db_exec(db, "DELETE FROM idempotency_keys WHERE created_at < NOW(3) - INTERVAL 48 HOUR LIMIT 10000", "");
    fl_db_release(db);
    return rc == FL_DB_OK ? 0 : -1;
}
