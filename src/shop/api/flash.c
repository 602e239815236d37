/* flash.c - the flash sale routes; the sale is domain/flash.c's, buying
 * domain/flash_buy.c's.
 *
 *   POST /api/v1/flash-sales               coop admin: {sku_id, price_fen, quantity,
 *                                          per_buyer_limit?, starts_at, ends_at, mode?}
 *   GET  /api/v1/flash-sales/{id}          the sale, with units left
 *   POST /api/v1/flash-sales/{id}/end      coop admin: end it now, {reason}; its unsold
 *                                          units go back to their lots
 *   POST /api/v1/flash-sales/{id}/orders   buy (Idempotency-Key): {payment_method,
 *                                          address, quantity?}
 *
 * Buying in a Redis-mode sale: the request is validated, suspended, and its
 * attempt queued (shop_flash_attempt_submit); the take's script looks the
 * Bearer session up itself (the route defers it, core/auth.h), so this
 * file adds the session's lookup to the take's Lua and settles the session
 * from its answer. A won order is answered from the writer's thread;
 * anything else goes back to the request's worker thread (answer), where
 * Redis and MariaDB may be called: refusals (stored as the key's mark in
 * Redis, or replayed from MariaDB when the key may have won before), a
 * counter to rebuild, units to give back. */
#include "farmlive/shop/api/flash.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/domain/flash_buy.h"
#include "farmlive/shop/domain/flash_cache.h"
#include "farmlive/shop/domain/flash_counter.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/shop/domain/room_events.h"
#include "farmlive/timefmt.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BUY_QTY_MAX 1000

/* The take: the session's lookup, then the counter's (sent by its SHA1 on
 * the Redis batch). */
static shop_kvbatch_script take_script = {SHOP_AUTH_SESSION_LUA SHOP_FLASH_TAKE_LUA, ""};

/* ---- a sale ------------------------------------------------------------- */

json_t *shop_flash_sale_json(const shop_flash_sale *s, long long left)
{
    char starts[FL_TIME_LEN], ends[FL_TIME_LEN];
    fl_time_format(s->starts, starts);
    fl_time_format(s->ends, ends);
    return json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:o,s:o}", "id", s->id,
                     "coop_id", s->coop_id, "coop_name", s->coop_name, "sku_id", s->sku_id, "product_name", s->name,
                     "spec", s->spec, "unit", s->unit, "price_fen", s->price_fen, "quantity", s->quantity, "sold",
                     s->sold, "remaining", left, "per_buyer_limit", s->limit, "mode", s->rowlock ? "rowlock" : "redis",
                     "starts_at", starts, "ends_at", ends, "state",
                     s->ended     ? "ended"
                     : s->started ? "active"
                                  : "upcoming",
                     "end_reason", s->end_reason ? json_string(s->end_reason) : json_null(), "live_id",
                     s->live_id ? json_string(s->live_public_id) : json_null());
}

int shop_flash_sales_get(shop_req *r)
{
    fl_db *db = NULL;
    shop_flash_sale s;
    shop_fault f;
    long long id;
    int err;
    if ((err = shop_param_id(r, 0, &id)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    if (shop_flash_read(db, r->arena, id, 1, 0, &s, &f) < 0)
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 200, shop_flash_sale_json(&s, s.ended ? 0 : s.quantity - s.sold));
}

/* "YYYY-MM-DDTHH:MM:SSZ" field key of the body: 0 with *out unix seconds, or failed. */
static int body_time(shop_req *r, const char *key, long long *out)
{
    const char *v;
    int err = shop_body_str(r, key, 1, 20, 20, &v);
    if (err < 0)
        return err;
    if (fl_time_parse(v, out) < 0)
        return shop_fail(r, SHOP_E_VALIDATION, "starts_at and ends_at are UTC times like 2026-11-20T20:00:00Z");
    return SHOP_OK;
}

int shop_flash_sales_create(shop_req *r)
{
    fl_db *db = NULL;
    shop_flash_new in = {.per_buyer_limit = 1};
    shop_flash_sale s;
    shop_fault f;
    const char *mode;
    long long id;
    int err;
    if ((err = shop_body_int(r, "sku_id", 1, 1, INT64_MAX, &in.sku_id, NULL)) < 0 ||
        (err = shop_body_int(r, "price_fen", 1, 1, SHOP_FLASH_PRICE_MAX, &in.price_fen, NULL)) < 0 ||
        (err = shop_body_int(r, "quantity", 1, 1, SHOP_FLASH_QTY_MAX, &in.quantity, NULL)) < 0 ||
        (err = shop_body_int(r, "per_buyer_limit", 0, 1, SHOP_FLASH_LIMIT_MAX, &in.per_buyer_limit, NULL)) < 0 ||
        (err = body_time(r, "starts_at", &in.starts)) < 0 || (err = body_time(r, "ends_at", &in.ends)) < 0 ||
        (err = shop_body_str(r, "mode", 0, 1, 16, &mode)) < 0)
        return err;
    if (mode && strcmp(mode, "redis") != 0 && strcmp(mode, "rowlock") != 0)
        return shop_fail(r, SHOP_E_VALIDATION, "mode must be \"redis\" or \"rowlock\"");
    in.rowlock = mode && strcmp(mode, "rowlock") == 0;
    in.created_by = r->session->account_id;
    if ((err = shop_db(r, &db)) < 0)
        return err;
    if (shop_inv_sku_coop(db, in.sku_id, &in.coop_id, &f) < 0)
        return shop_fail_fault(r, &f);
    if ((err = shop_auth_coop(r, in.coop_id, SHOP_MEMBER_ADMIN)) < 0)
        return err;
    /* the counter is loaded now when Redis answers; else the first buyer or the flash_counters job loads it */
    if (!r->kv)
        fl_kv_acquire(r->ctx->kv, &r->kv);
    if (shop_flash_create(db, r->kv, r->arena, &in, &id, &f) < 0 || shop_flash_read(db, r->arena, id, 1, 0, &s, &f) < 0)
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 201, shop_flash_sale_json(&s, s.quantity - s.sold));
}

int shop_flash_sales_end(shop_req *r)
{
    fl_db *db = NULL;
    shop_flash_sale s;
    shop_fault f;
    const char *reason;
    long long id;
    int err;
    if ((err = shop_param_id(r, 0, &id)) < 0 || (err = shop_body_str(r, "reason", 1, 1, 255, &reason)) < 0 ||
        (err = shop_db(r, &db)) < 0)
        return err;
    if (shop_flash_read(db, r->arena, id, 0, 0, &s, &f) < 0)
        return shop_fail_fault(r, &f);
    if ((err = shop_auth_coop(r, s.coop_id, SHOP_MEMBER_ADMIN)) < 0)
        return err;
    if (shop_flash_end(db, id, r->session->account_id, reason, &f) < 0 ||
        shop_flash_read(db, r->arena, id, 1, 0, &s, &f) < 0)
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 200, shop_flash_sale_json(&s, 0));
}

/* ---- refusals ----------------------------------------------------------- */

/* A refusal's fault and the counts its error object carries: too few left
 * (sold_out when none, not_enough_left naming how many), or the buyer's
 * limit (how many held, how many more may be bought). left and held are -1
 * when not known. */
static json_t *refusal(const shop_flash_sale *s, int why, long long qty, long long left, long long held, shop_fault *f)
{
    if (why == SHOP_FLASH_TAKE_LIMIT && held >= 0) {
        long long may = held < s->limit ? s->limit - held : 0;
        if (may > 0)
            shop_fault_set(f, SHOP_E_CONFLICT, "limit_reached",
                           "you hold %lld of flash sale %lld and may buy %lld more (the limit is %lld per buyer); "
                           "you asked for %lld",
                           held, s->id, may, s->limit, qty);
        else
            shop_fault_set(f, SHOP_E_CONFLICT, "limit_reached",
                           "you already hold %lld of flash sale %lld, its limit per buyer", held, s->id);
        return json_pack("{s:I,s:I,s:I}", "held", held, "may_buy", may, "limit", s->limit);
    }
    if (why == SHOP_FLASH_TAKE_LIMIT) {
        shop_fault_set(f, SHOP_E_CONFLICT, "limit_reached", "you may hold at most %lld of flash sale %lld", s->limit,
                       s->id);
        return json_pack("{s:I}", "limit", s->limit);
    }
    if (left > 0) {
        shop_fault_set(f, SHOP_E_CONFLICT, "not_enough_left", "only %lld left in flash sale %lld: you asked for %lld",
                       left, s->id, qty);
        return json_pack("{s:I}", "left", left);
    }
    shop_fault_set(f, SHOP_E_CONFLICT, "sold_out", "flash sale %lld is sold out", s->id);
    return json_pack("{s:I}", "left", (json_int_t)0);
}

/* The refusal's answer; request_id is the first answer's when replayed. */
static int refuse(shop_req *r, const shop_flash_sale *s, int why, long long qty, long long left, long long held,
                  const char *request_id, int replayed)
{
    shop_fault f;
    json_t *detail = refusal(s, why, qty, left, held, &f);
    json_t *e = json_pack("{s:s,s:s,s:s}", "code", f.code, "message", f.msg, "request_id", request_id);
    json_object_update_missing(e, detail);
    json_decref(detail);
    if (replayed)
        shop_add_header(r, "Idempotent-Replayed", "true");
    r->err = SHOP_E_CONFLICT; /* for the access log; the body is built here */
    r->err_code = f.code;
    return shop_reply_json(r, 409, json_pack("{s:o}", "error", e));
}

/* A refusal where the key may have won before (the buyer holds units, or
 * MariaDB refused after a take): unless MariaDB has an earlier answer of
 * this key, store the refusal as the key's mark (replacing an in-flight
 * one when `replace`) and answer it. */
static int refuse_checked(shop_req *r, fl_kv *kv, const shop_flash_attempt *t, int why, long long left, long long held,
                          int replace)
{
    int err = shop_idem_replay(r, &t->k);
    if (err != 0)
        return err < 0 ? err : SHOP_OK;
    shop_flash_mark_refusal(kv, t->s.id, &t->k, why, left, held, r->request_id, replace);
    return refuse(r, &t->s, why, t->qty, left, held, r->request_id, 0);
}

/* Answers a key Redis has seen: its mark. */
static int earlier_answer(shop_req *r, const shop_flash_attempt *t)
{
    char reqid[33];
    long long left, held;
    int why = 0, err;
    switch (shop_flash_mark_parse(t->more, &t->k, &why, &left, &held, reqid)) {
    case SHOP_FLASH_MARK_REUSED:
        return shop_fail_code(r, SHOP_E_VALIDATION, "idempotency_key_reused",
                              "this Idempotency-Key was used with a different request");
    case SHOP_FLASH_MARK_REFUSED:
        return refuse(r, &t->s, why, t->qty, left, held, reqid, 1);
    default: /* written meanwhile? */
        if ((err = shop_idem_replay(r, &t->k)) != 0)
            return err < 0 ? err : SHOP_OK;
        shop_add_header(r, "Retry-After", "1");
        return shop_fail_code(r, SHOP_E_CONFLICT, "request_in_progress",
                              "a request with this Idempotency-Key is still being answered; retry it shortly");
    }
}

/* ---- the Redis path's answers -------------------------------------------- */

/* Every answer but a win after the take: refused, counter missing, Redis
 * down, no session. On the request's worker thread. */
static int take_answer(shop_req *r, shop_flash_attempt *t)
{
    fl_kv *kv = NULL;
    fl_db *db = NULL;
    int err;
    if (t->taken == SHOP_FLASH_TAKE_DOWN)
        return shop_fail_kv(r);
    if (t->settled < 0)
        return t->settled;
    switch (t->taken) {
    case SHOP_FLASH_TAKE_SOLD_OUT:
    case SHOP_FLASH_TAKE_LIMIT:
        if (!t->more) /* the refusal is stored as the key's mark */
            return refuse(r, &t->s, (int)t->taken, t->qty, t->left, t->held, r->request_id, 0);
        if ((err = shop_kv(r, &kv)) < 0)
            return err;
        return refuse_checked(r, kv, t, (int)t->taken, t->left, t->held, 0);
    case SHOP_FLASH_TAKE_EARLIER:
        if (!t->more)
            return shop_fail_kv(r);
        return earlier_answer(r, t);
    case SHOP_FLASH_TAKE_MISSING: /* Redis lost the counter: rebuild it from MariaDB, once */
        if (t->rebuilt++ || (err = shop_db(r, &db)) < 0 || (err = shop_kv(r, &kv)) < 0 ||
            shop_flash_counters_rebuild(db, kv, t->s.id) < 0)
            return shop_fail_kv(r);
        shop_suspend(r);
        shop_flash_attempt_submit(t);
        return SHOP_SUSPENDED;
    default:
        return shop_fail(r, SHOP_E_INTERNAL, "unexpected flash take answer %lld", t->taken);
    }
}

/* An order the writer did not write (t->order_rc). */
static int order_failed(shop_req *r, shop_flash_attempt *t)
{
    int rc = t->order_rc, err;
    if (!r->kv)
        fl_kv_acquire(r->ctx->kv, &r->kv); /* NULL when Redis is down too: the counter is rebuilt later */
    shop_flash_attempt_unwind(r->kv, t);
    if (rc == SHOP_FLASH_DUP || rc < 0) {
        err = rc < 0 ? shop_fail_db(r, rc) : shop_idem_replay(r, &t->k);
        if (err == 1)
            return SHOP_OK;
        return err == 0 ? shop_fail(r, SHOP_E_INTERNAL, "idempotency key vanished") : err;
    }
    /* MariaDB refused: no free slot (the counter was high), or the buyer's
     * limit; what it holds now says how many are left and held */
    fl_db *db = NULL;
    long long left = -1, held = -1;
    if ((err = shop_db(r, &db)) < 0)
        return err;
    if ((err = shop_flash_standing(db, t->s.id, t->k.account_id, &left, &held)) != FL_DB_OK)
        return shop_fail_db(r, err);
    return refuse_checked(r, r->kv, t, rc == SHOP_FLASH_LIMIT ? SHOP_FLASH_TAKE_LIMIT : SHOP_FLASH_TAKE_SOLD_OUT, left,
                          held, 1);
}

static int won(const shop_flash_attempt *t)
{
    return t->taken >= 0 && t->settled == SHOP_OK;
}

/* Back on the request's worker thread: what is left to answer. */
static int answer(shop_req *r, void *arg)
{
    shop_flash_attempt *t = arg;
    return won(t) ? order_failed(r, t) : take_answer(r, t);
}

/* The attempt is decided (the Redis batch's or the order writer's thread):
 * a written order is answered here with exactly its stored answer (a room
 * sale's notice queued for the room ticker: room_events.h). */
static void decided(shop_flash_attempt *t)
{
    shop_req *r = t->owner;
    if (won(t) && t->order_rc == SHOP_FLASH_BOUGHT) {
        if (t->s.live_id)
            shop_room_bought_later(t->ctx, t->s.live_id, t->k.account_id, t->s.name, t->qty);
        shop_resume(r, shop_reply_raw(r, 201, "application/json", t->text, strlen(t->text)));
        return;
    }
    shop_resume_then(r, answer, t);
}

/* The Redis batch's thread: the buyer, from the take's session fields (r
 * is this thread's while suspended). */
static int settle(shop_flash_attempt *t, redisReply *const *session)
{
    shop_req *r = t->owner;
    int err = shop_auth_settle(r, session);
    if (err == SHOP_OK)
        t->k.account_id = r->session->account_id;
    return err;
}

/* ---- buying ------------------------------------------------------------- */

/* Sale id for buying: the cache, else MariaDB (then cached). */
static int sale_cached(shop_req *r, long long id, shop_flash_sale *s)
{
    fl_db *db = NULL;
    shop_fault f;
    int err;
    if (shop_flash_cache_get(id, r->arena, s))
        return SHOP_OK;
    if ((err = shop_db(r, &db)) < 0)
        return err;
    if (shop_flash_read(db, r->arena, id, 0, 1, s, &f) < 0)
        return shop_fail_fault(r, &f);
    shop_flash_cache_put(s);
    return SHOP_OK;
}

static int buy_rowlock(shop_req *r, const shop_flash_sale *s, const shop_idem *k, long long qty, int online,
                       const shop_address *addr)
{
    fl_db *db = NULL;
    char *text = NULL;
    int err;
    if ((err = shop_db(r, &db)) < 0)
        return err;
    switch ((err = shop_flash_buy_rowlock(db, r->ctx->cfg, r->arena, s, k, qty, online, addr, &text))) {
    case SHOP_FLASH_BOUGHT:
        if (s->live_id)
            shop_room_bought_later(r->ctx, s->live_id, k->account_id, s->name, qty);
        return shop_reply_raw(r, 201, "application/json", text, strlen(text));
    case SHOP_FLASH_DUP:
        return (err = shop_idem_replay(r, k)) < 0 ? err : SHOP_OK;
    case SHOP_FLASH_SOLD_OUT:
    case SHOP_FLASH_LIMIT: {
        shop_fault f;
        long long left = -1, held = -1;
        int why = err == SHOP_FLASH_LIMIT ? SHOP_FLASH_TAKE_LIMIT : SHOP_FLASH_TAKE_SOLD_OUT;
        if ((err = shop_flash_standing(db, s->id, k->account_id, &left, &held)) != FL_DB_OK)
            return shop_fail_db(r, err);
        return shop_idem_fail_fault(r, k, &f, refusal(s, why, qty, left, held, &f));
    }
    default:
        return shop_fail_db(r, err);
    }
}

int shop_flash_sales_buy(shop_req *r)
{
    shop_address addr;
    shop_idem k;
    shop_flash_sale s;
    shop_fault f;
    long long id, qty = 1;
    int online, err;

    if ((err = shop_param_id(r, 0, &id)) < 0)
        return err;
    if (shop_order_input(r->body, &online, &addr, &f) < 0)
        return shop_fail_fault(r, &f);
    if ((err = shop_body_int(r, "quantity", 0, 1, BUY_QTY_MAX, &qty, NULL)) < 0)
        return err;
    /* no lookup first: Redis's mark (or MariaDB's stored answer, met by
     * the INSERT of a later one) finds an earlier answer of the key */
    if ((err = shop_idem_prepare(r, fl_arena_printf(r->arena, "flash:%lld", id), &k)) < 0 ||
        (err = sale_cached(r, id, &s)) < 0)
        return err;
    if (qty > s.limit)
        return shop_fail(r, SHOP_E_VALIDATION, "at most %lld per buyer in this sale", s.limit);
    time_t now = time(NULL);
    s.started = now >= s.starts;
    s.ended = now >= s.ends;
    if (!s.started || s.ended || s.rowlock) { /* not the Redis take: the session as on any route */
        if ((err = shop_auth_settle_now(r)) < 0)
            return err;
        k.account_id = r->session->account_id;
    }
    if (!s.started) {
        if ((err = shop_idem_replay(r, &k)) != 0) /* not stored: look for an earlier answer */
            return err < 0 ? err : SHOP_OK;
        return shop_fail_code(r, SHOP_E_CONFLICT, "sale_not_started", "flash sale %lld has not started", id);
    }
    if (s.ended)
        return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "sale_ended", "flash sale %lld has ended", id);
    if (s.rowlock)
        return buy_rowlock(r, &s, &k, qty, online, &addr);

    /* the take, with the session's lookup, goes out with others on the
     * Redis batch; this request waits, suspended, without holding a thread */
    const char *sess = shop_auth_session_key(r);
    if (!sess)
        return shop_fail(r, SHOP_E_UNAUTHORIZED, "sign in first");
    shop_flash_attempt *t = fl_arena_alloc(r->arena, sizeof(*t));
    memset(t, 0, sizeof(*t));
    t->ctx = r->ctx;
    t->arena = r->arena;
    t->script = &take_script;
    t->s = s;
    t->k = k;
    t->addr = addr;
    t->qty = qty;
    t->online = online;
    t->session_key = sess;
    t->session_ttl = r->ctx->cfg->session_ttl;
    t->request_id = r->request_id;
    t->settle = settle;
    t->decided = decided;
    t->owner = r;
    shop_suspend(r);
    shop_flash_attempt_submit(t);
    return SHOP_SUSPENDED;
}
