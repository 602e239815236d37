/* live.c - live sessions: the shop's side of the relay.
 *
 *   POST /api/v1/live                 create (a farmer or coop_admin)      201
 *   GET  /api/v1/live                 list (public; status, coop, cursor)  200
 *   GET  /api/v1/live/{id}            one (public; never the key)          200
 *   GET  /api/v1/live/{id}/events     status changes, long-poll (public)   200
 *   POST /internal/v1/live/publish    relay: may this key publish?         200 {"live_id"} | 403
 *   POST /internal/v1/live/unpublish  relay: the publisher went away       200
 *   POST /internal/v1/live/ended      relay: the grace period ran out      200
 *
 * Status machine (one transaction per change: the row, then a log row):
 *
 *   created --publish--> live --unpublish--> idle --publish--> live
 *      |                  |  \__publish (takeover, stays live)
 *      `------ended-------'-------ended-------> ended   (publish now 403)
 *
 * Stream keys: 256 bits from the CSPRNG as 64 hex, shown once in the 201;
 * MariaDB keeps sha256(key) under a unique index and the publish check looks
 * the session up by that hash. A key carries 256 bits of entropy, so a
 * pepper would add nothing against guessing from a leaked hash.
 *
 * The internal routes are SHOP_ROLE_PUBLIC in the route table: the caller is
 * the relay, not an account. Each handler first checks X-Internal-Secret
 * against cfg->internal_secret (sha256 of both, compared in constant time):
 * not configured -> 503, missing -> 401, wrong -> 403.
 *
 * Across processes: after a change commits, live_announce() publishes it on
 * Redis (shop/domain/live.h). Each process's subscriber thread keeps the last
 * LIVE_RING events it heard; GET /api/v1/live/{id}/events?after=SEQ&wait=S
 * answers the events for that session with seq > SEQ, waiting up to S
 * seconds (at most LIVE_WAIT_MAX, at most LIVE_WAITERS_MAX waiters per
 * process) for one to arrive. A waiting request is suspended, not a worker
 * thread blocked: the feed's waits thread resumes it when an event for its
 * session arrives or its time is up. Because the ring is filled only from
 * Redis, a process sees its own changes the same way as everyone else's. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hiredis/hiredis.h>

#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/kv_sub.h"
#include "farmlive/crypto.h"
#include "farmlive/db.h"
#include "farmlive/log.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/core/values.h"

#define LIVE_ID_HEX 16 /* public id: 8 random bytes */
#define LIVE_KEY_HEX 64
#define LIVE_TITLE_MAX 128
#define LIVE_IP_MAX 64
#define LIVE_LIMIT_DEFAULT 20
#define LIVE_LIMIT_MAX 100
#define LIVE_TX_TRIES 3
#define LIVE_RING 256
#define LIVE_WAIT_MAX 10 /* seconds; shutdown answers waiters at once (shop_live_quiesce) */
#define LIVE_WAITERS_MAX 4096 /* suspended requests: a busy stream's viewers */
#define LIVE_SEQ_KEY "farmlive:live:seq"

#define ISO8601(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* clang-format off */
/* Columns of LIVE_SELECT. */
enum { LC_ID, LC_PUBLIC_ID, LC_TITLE, LC_STATUS, LC_COOP_ID, LC_COOP_NAME, LC_STARTED, LC_ENDED,
       LC_CREATED, LC_UPDATED };

#define LIVE_SELECT                                                                                \
    "SELECT l.id, l.public_id, l.title, l.status, l.coop_id, c.name, " ISO8601("l.started_at")    \
    ", " ISO8601("l.ended_at") ", " ISO8601("l.created_at") ", " ISO8601("l.updated_at")          \
    " FROM live_sessions l JOIN cooperatives c ON c.id = l.coop_id "
/* clang-format on */

/* INCR and PUBLISH in one call, so seq order is delivery order. */
static const char announce_lua[] = "local s = redis.call('INCR', KEYS[1]) "
                                   "redis.call('PUBLISH', KEYS[2], ARGV[1] .. s .. ARGV[2]) "
                                   "return s";

/* ---- the status machine (no I/O) ------------------------------------------ */

enum live_op { LIVE_OP_PUBLISH, LIVE_OP_UNPUBLISH, LIVE_OP_END };

/* What op does to a session in status `from`: LIVE_NEXT_CHANGE with *to and
 * *reason set (to may equal from: a takeover is logged but is no status
 * change), LIVE_NEXT_SAME when nothing is to be written, LIVE_NEXT_REFUSE
 * when op is not allowed (publishing an ended session). */
enum { LIVE_NEXT_CHANGE = 0, LIVE_NEXT_SAME = 1, LIVE_NEXT_REFUSE = -1 };

static int live_next(enum live_op op, const char *from, const char **to, const char **reason)
{
    *to = from;
    *reason = NULL;
    switch (op) {
    case LIVE_OP_PUBLISH:
        if (strcmp(from, "ended") == 0)
            return LIVE_NEXT_REFUSE;
        *to = "live";
        *reason = strcmp(from, "created") == 0 ? "publish" : "reconnect";
        return LIVE_NEXT_CHANGE;
    case LIVE_OP_UNPUBLISH:
        if (strcmp(from, "live") != 0)
            return LIVE_NEXT_SAME;
        *to = "idle";
        *reason = "unpublish";
        return LIVE_NEXT_CHANGE;
    case LIVE_OP_END:
        if (strcmp(from, "ended") == 0)
            return LIVE_NEXT_SAME;
        *to = "ended";
        *reason = "ended";
        return LIVE_NEXT_CHANGE;
    }
    return LIVE_NEXT_REFUSE;
}

/* ---- codecs ---------------------------------------------------------------- */

/* n lowercase hex characters exactly. */
static int is_hex(const char *s, size_t n)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == n;
}

static int is_status(const char *s)
{
    return strcmp(s, "created") == 0 || strcmp(s, "live") == 0 || strcmp(s, "idle") == 0 ||
           strcmp(s, "ended") == 0;
}

static void key_hash(const char *key, char out[FL_SHA256_HEX])
{
    fl_sha256_hex(key, strlen(key), out);
}


static void iso_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One session row as the public JSON: never the key. */
static json_t *live_json(const fl_config *cfg, const fl_rows *rows, size_t i)
{
    const char *id = fl_rows_str(rows, i, LC_PUBLIC_ID);
    const char *base = cfg->relay_public_base;
    char url[512];
    json_t *o = json_object();

    json_object_set_new(o, "id", shop_json_str(id));
    json_object_set_new(o, "title", shop_json_str(fl_rows_str(rows, i, LC_TITLE)));
    json_object_set_new(o, "status", shop_json_str(fl_rows_str(rows, i, LC_STATUS)));
    json_object_set_new(o, "coop",
                        json_pack("{s:I,s:o}", "id", (json_int_t)fl_rows_int(rows, i, LC_COOP_ID),
                                  "name", shop_json_str(fl_rows_str(rows, i, LC_COOP_NAME))));
    snprintf(url, sizeof(url), "%s/live/%s/index.m3u8", base, id);
    json_object_set_new(o, "hls_url", json_string(url));
    snprintf(url, sizeof(url), "%s/live/%s.flv", base, id);
    json_object_set_new(o, "flv_url", json_string(url));
    snprintf(url, sizeof(url), "%s/live/%s/thumb.jpg", base, id);
    json_object_set_new(o, "thumbnail_url", json_string(url));
    snprintf(url, sizeof(url), "%s/api/recordings?live_id=%s", base, id); /* the replays, once recorded */
    json_object_set_new(o, "recordings_url", json_string(url));
    json_object_set_new(o, "started_at", shop_json_str(fl_rows_str(rows, i, LC_STARTED)));
    json_object_set_new(o, "ended_at", shop_json_str(fl_rows_str(rows, i, LC_ENDED)));
    json_object_set_new(o, "created_at", shop_json_str(fl_rows_str(rows, i, LC_CREATED)));
    json_object_set_new(o, "updated_at", shop_json_str(fl_rows_str(rows, i, LC_UPDATED)));
    return o;
}

/* ---- the feed: subscriber thread and event ring ---------------------------- */

typedef struct live_event {
    long long seq;
    char id[LIVE_ID_HEX + 1];
    char *json; /* the message as published; NULL when the slot is empty */
} live_event;

/* A suspended long-poll: in its request's arena, on the feed's list until
 * the waits thread takes it off and resumes the request. */
typedef struct live_waiter {
    struct live_waiter *next;
    shop_req *r;
    char id[LIVE_ID_HEX + 1];
    long long after;
    int64_t until_ms; /* fl_mono_ms() deadline */
} live_waiter;

typedef struct live_feed {
    fl_config cfg;       /* a copy: the thread may outlive the caller's frame */
    pthread_mutex_t mu;  /* guards everything below but `sub` */
    pthread_cond_t cond; /* new event, new waiter, subscription change or stop */
    live_event ring[LIVE_RING];
    size_t next;          /* slot the next event goes to */
    unsigned long long stored; /* events stored since the start */
    long long last_seq;   /* highest seq heard */
    long long oldest_seq; /* lowest seq still in the ring (0: none) */
    int subscribed;
    int waiters;          /* on the list below */
    live_waiter *waiting; /* suspended long-polls */
    pthread_t waits;      /* resumes them: waits_main */
    int64_t sleep_until;  /* the waits thread's wake-up while it sleeps (INT64_MAX: an event's); 0 awake */
    int waits_started;
    int stopping;   /* every waiter is answered now, later ones at once */
    fl_kv_sub *sub; /* follows SHOP_LIVE_CHANNEL */
} live_feed;

static pthread_mutex_t g_feed_mu = PTHREAD_MUTEX_INITIALIZER;
static live_feed *g_feed;
static int g_feed_failed;

/* Stores one published message (our own JSON; malformed ones are ignored).
 * Runs on the subscriber's thread. */
static void feed_on_message(void *arg, const char *text, size_t len)
{
    live_feed *f = arg;
    json_error_t jerr;
    json_t *m = json_loadb(text, len, 0, &jerr);
    json_t *seq = m ? json_object_get(m, "seq") : NULL;
    json_t *id = m ? json_object_get(m, "id") : NULL;

    if (!json_is_integer(seq) || !json_is_string(id) || !is_hex(json_string_value(id), LIVE_ID_HEX))
        goto out;
    pthread_mutex_lock(&f->mu);
    live_event *e = &f->ring[f->next];
    fl_free(e->json);
    e->seq = json_integer_value(seq);
    memcpy(e->id, json_string_value(id), LIVE_ID_HEX + 1);
    e->json = fl_strndup(text, len);
    f->next = (f->next + 1) % LIVE_RING;
    f->stored++;
    if (e->seq > f->last_seq)
        f->last_seq = e->seq;
    f->oldest_seq = f->ring[f->next].json ? f->ring[f->next].seq : f->ring[0].seq;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
out:
    json_decref(m);
}

static void feed_set_subscribed(void *arg, int on)
{
    live_feed *f = arg;
    pthread_mutex_lock(&f->mu);
    f->subscribed = on;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
}

static int events_answer(shop_req *r, void *arg);

/* 1 when e is an event of session id with seq > after. */
static int event_for(const live_event *e, const char *id, long long after)
{
    return e->json && e->seq > after && strcmp(e->id, id) == 0;
}

/* 1 when one of the ring's newest n events (all of them: LIVE_RING) is of
 * session id with seq > after. Under f->mu. */
static int feed_has(const live_feed *f, const char *id, long long after, unsigned long long n)
{
    for (size_t k = 1; k <= n && k <= LIVE_RING; k++)
        if (event_for(&f->ring[(f->next + LIVE_RING - k) % LIVE_RING], id, after))
            return 1;
    return 0;
}

/* Stops the waits: every waiter is answered now, later ones at once. */
static void feed_stop_waits(live_feed *f)
{
    pthread_mutex_lock(&f->mu);
    f->stopping = 1;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
}

/* The waits thread: takes off the list every waiter whose session has an
 * event, whose time is up, or all of them once the feed stops, and resumes
 * it (events_answer then runs on its worker thread). Sleeps until the
 * earliest deadline or the next event. Returns when stopping and the list
 * is empty. */
static void *waits_main(void *arg)
{
    live_feed *f = arg;
    pthread_mutex_lock(&f->mu);
    /* a waiter found nothing in the whole ring when it came (feed_wait):
     * only events stored since the previous pass can wake it */
    unsigned long long seen = f->stored;
    for (;;) {
        int stopping = f->stopping;
        int64_t now = fl_mono_ms(), next = INT64_MAX;
        unsigned long long fresh = f->stored - seen;
        live_waiter *ready = NULL, **pp = &f->waiting;
        seen = f->stored;
        while (*pp) {
            live_waiter *w = *pp;
            if (stopping || w->until_ms <= now || (fresh && feed_has(f, w->id, w->after, fresh))) {
                *pp = w->next;
                w->next = ready;
                ready = w;
                f->waiters--;
            } else {
                next = w->until_ms < next ? w->until_ms : next;
                pp = &w->next;
            }
        }
        if (ready) { /* resumed outside the lock: events_answer takes it */
            pthread_mutex_unlock(&f->mu);
            while (ready) {
                live_waiter *w = ready;
                ready = w->next;
                shop_resume_then(w->r, events_answer, w); /* w is the request's: not touched after */
            }
            pthread_mutex_lock(&f->mu);
            continue;
        }
        if (stopping)
            break;
        f->sleep_until = next;
        if (next == INT64_MAX) {
            pthread_cond_wait(&f->cond, &f->mu);
        } else {
            struct timespec until = {.tv_sec = next / 1000, .tv_nsec = (long)(next % 1000) * 1000000L};
            pthread_cond_timedwait(&f->cond, &f->mu, &until);
        }
        f->sleep_until = 0;
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* Stops the subscriber (within about 250 ms or the connect timeout) and frees.
 * Accepts NULL. */
static void feed_free(live_feed *f)
{
    if (!f)
        return;
    feed_stop_waits(f);
    if (f->waits_started)
        pthread_join(f->waits, NULL); /* it resumes every waiter left first */
    fl_kv_sub_stop(f->sub);
    for (size_t i = 0; i < LIVE_RING; i++)
        fl_free(f->ring[i].json);
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->mu);
    fl_free(f);
}

/* A feed with its thread running, or NULL (everything released). */
static live_feed *feed_new(const fl_config *cfg)
{
    live_feed *f = fl_calloc(1, sizeof(*f));
    pthread_condattr_t ca;

    f->cfg = *cfg;
    pthread_mutex_init(&f->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cond, &ca);
    pthread_condattr_destroy(&ca);
    f->waits_started = pthread_create(&f->waits, NULL, waits_main, f) == 0;
    f->sub = fl_kv_sub_start(&f->cfg, SHOP_LIVE_CHANNEL, "live", feed_on_message, feed_set_subscribed, f);
    if (!f->sub || !f->waits_started) {
        fl_log(FL_LOG_ERROR, "live_thread_failed", "live events disabled");
        feed_free(f);
        return NULL;
    }
    return f;
}

int shop_live_start(const shop_ctx *ctx)
{
    int rc = 0;
    pthread_mutex_lock(&g_feed_mu);
    if (!g_feed && !g_feed_failed && ctx && ctx->cfg && ctx->kv) {
        g_feed = feed_new(ctx->cfg);
        g_feed_failed = g_feed == NULL;
    }
    rc = g_feed ? 0 : -1;
    pthread_mutex_unlock(&g_feed_mu);
    return rc;
}

void shop_live_quiesce(void)
{
    pthread_mutex_lock(&g_feed_mu);
    if (g_feed)
        feed_stop_waits(g_feed);
    pthread_mutex_unlock(&g_feed_mu);
}

void shop_live_stop(void)
{
    live_feed *f;
    pthread_mutex_lock(&g_feed_mu);
    f = g_feed;
    g_feed = NULL;
    pthread_mutex_unlock(&g_feed_mu);
    feed_free(f);
}

static live_feed *feed_get(void)
{
    live_feed *f;
    pthread_mutex_lock(&g_feed_mu);
    f = g_feed;
    pthread_mutex_unlock(&g_feed_mu);
    return f;
}

/* Every live handler starts the feed (once) so that a process hears the
 * channel from its first live request on, even when main did not call
 * shop_live_start(). */
static void feed_ensure(shop_req *r)
{
    (void)shop_live_start(r->ctx);
}

/* Publishes a committed change. Never fails the request: MariaDB already
 * holds the truth, and a lost message only delays other processes' waiters. */
static void live_announce(const shop_ctx *ctx, const char *public_id, long long coop_id, const char *to,
                          const char *from, const char *reason)
{
    fl_kv *kv = NULL;
    redisReply *reply = NULL;
    char at[32], *dump = NULL, *tail = NULL;
    json_t *m = NULL;

    iso_now(at);
    m = json_pack("{s:s,s:I,s:s,s:o,s:s,s:s}", "id", public_id, "coop_id", (json_int_t)coop_id,
                  "status", to, "previous", from ? json_string(from) : json_null(), "reason",
                  reason, "at", at);
    dump = m ? json_dumps(m, JSON_COMPACT) : NULL;
    if (!dump || dump[0] != '{')
        goto out;
    dump[0] = ','; /* {"seq":N then the rest */
    tail = dump;
    if (!ctx->kv || fl_kv_acquire(ctx->kv, &kv) != FL_KV_OK) {
        fl_log(FL_LOG_WARN, "live_publish_failed", "%s %s: no Redis connection", public_id, to);
        goto out;
    }
    reply = fl_kv_cmd(kv, "EVAL %s 2 %s %s %s %s", announce_lua, LIVE_SEQ_KEY, SHOP_LIVE_CHANNEL,
                      "{\"seq\":", tail);
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "live_publish_failed", "%s %s: %s", public_id, to,
               reply ? reply->str : "Redis unreachable");
out:
    if (reply)
        freeReplyObject(reply);
    fl_kv_release(kv);
    free(dump);
    json_decref(m);
}

/* ---- transitions ----------------------------------------------------------- */

typedef struct live_change {
    long long id, coop_id;
    char public_id[LIVE_ID_HEX + 1];
    char from[8];
    const char *to, *reason;
    int changed; /* a row was written */
} live_change;

static const char *const TX_SELECT[] = {
    [LIVE_OP_PUBLISH] = "SELECT id, public_id, coop_id, status, updated_at FROM live_sessions "
                        "WHERE key_hash = ? FOR UPDATE",
    [LIVE_OP_UNPUBLISH] = "SELECT id, public_id, coop_id, status, updated_at FROM live_sessions "
                          "WHERE public_id = ? FOR UPDATE",
    [LIVE_OP_END] = "SELECT id, public_id, coop_id, status, updated_at FROM live_sessions "
                    "WHERE public_id = ? FOR UPDATE",
};

/* live_tx's answers besides FL_DB_* (which are all <= 0). */
enum { LIVE_TX_UNKNOWN = 1, LIVE_TX_REFUSED = 2 };

/* One attempt: FL_DB_* from the database, LIVE_TX_UNKNOWN when no session
 * matches, LIVE_TX_REFUSED when the status machine refuses. With seen (the
 * row's updated_at as the caller read it), a row changed since then is left
 * as it is. On FL_DB_OK the transaction is committed; otherwise it was
 * rolled back. */
static int live_tx(fl_db *db, enum live_op op, const char *lookup, const char *client_ip, const char *why,
                   const char *seen, live_change *ch)
{
    fl_rows *rows = NULL;
    int rc, next;

    ch->changed = 0;
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        goto out;
    if ((rc = fl_db_query(db, &rows, TX_SELECT[op], "s", lookup)) != FL_DB_OK)
        goto out_rollback;
    if (fl_rows_count(rows) == 0) {
        rc = LIVE_TX_UNKNOWN;
        goto out_rollback;
    }
    ch->id = fl_rows_int(rows, 0, 0);
    snprintf(ch->public_id, sizeof(ch->public_id), "%s", fl_rows_str(rows, 0, 1));
    ch->coop_id = fl_rows_int(rows, 0, 2);
    snprintf(ch->from, sizeof(ch->from), "%s", fl_rows_str(rows, 0, 3));

    next = live_next(op, ch->from, &ch->to, &ch->reason);
    if (seen && strcmp(fl_rows_str(rows, 0, 4), seen) != 0)
        next = LIVE_NEXT_SAME; /* changed since the caller looked: its reason may no longer hold */
    if (why && next == LIVE_NEXT_CHANGE)
        ch->reason = why;
    if (next == LIVE_NEXT_REFUSE) {
        rc = LIVE_TX_REFUSED;
        goto out_rollback;
    }
    if (next == LIVE_NEXT_SAME) {
        rc = fl_db_commit(db);
        goto out;
    }
    switch (op) {
    case LIVE_OP_PUBLISH:
        rc = fl_db_exec(
            db,
            "UPDATE live_sessions SET status = 'live', publish_count = publish_count + 1, "
            "publisher_ip = ?, started_at = COALESCE(started_at, NOW(3)), "
            "idle_since = NULL WHERE id = ?",
            "si", client_ip, ch->id);
        break;
    case LIVE_OP_UNPUBLISH:
        rc = fl_db_exec(
            db, "UPDATE live_sessions SET status = 'idle', idle_since = NOW(3) WHERE id = ?", "i",
            ch->id);
        break;
    case LIVE_OP_END:
        rc = fl_db_exec(db,
                        "UPDATE live_sessions SET status = 'ended', idle_since = NULL, "
                        "ended_at = NOW(3) WHERE id = ?",
                        "i", ch->id);
        break;
    }
    if (rc != FL_DB_OK)
        goto out_rollback;
    rc = fl_db_exec(
        db,
        "INSERT INTO live_status_log (live_id, from_status, to_status, reason, client_ip) "
        "VALUES (?, ?, ?, ?, ?)",
        "issss", ch->id, ch->from, ch->to, ch->reason, client_ip);
    if (rc != FL_DB_OK)
        goto out_rollback;
    if ((rc = fl_db_commit(db)) == FL_DB_OK)
        ch->changed = 1;
    goto out;
out_rollback:
    fl_db_rollback(db);
out:
    fl_rows_free(rows);
    return rc;
}

/* Runs op (retrying deadlocks) and announces a status change: FL_DB_*,
 * LIVE_TX_UNKNOWN or LIVE_TX_REFUSED. why, when given, replaces the
 * reason logged and announced. */
static int live_change_apply(const shop_ctx *ctx, fl_db *db, enum live_op op, const char *lookup,
                             const char *client_ip, const char *why, const char *seen, live_change *ch)
{
    int rc;
    for (int tries = 0;; tries++) {
        rc = live_tx(db, op, lookup, client_ip, why, seen, ch);
        if (rc != FL_DB_EDEADLOCK || tries + 1 >= LIVE_TX_TRIES)
            break;
    }
    if (rc != FL_DB_OK)
        return rc;
    if (ch->changed && strcmp(ch->from, ch->to) != 0)
        live_announce(ctx, ch->public_id, ch->coop_id, ch->to, ch->from, ch->reason);
    fl_log(FL_LOG_INFO, "live_status", "%s %s -> %s (%s) from %s", ch->public_id, ch->from, ch->to,
           ch->changed ? ch->reason : "no change", client_ip ? client_ip : "-");
    return FL_DB_OK;
}

/* live_change_apply for a request: SHOP_OK, or failed: unknown session ->
 * 404 (403 for a publish key), refused -> 403. */
static int live_change_run(shop_req *r, enum live_op op, const char *lookup, const char *client_ip,
                           live_change *ch)
{
    fl_db *db = NULL;
    int rc, err;

    if ((err = shop_db(r, &db)) < 0)
        return err;
    rc = live_change_apply(r->ctx, db, op, lookup, client_ip, NULL, NULL, ch);
    if (rc == LIVE_TX_UNKNOWN)
        return op == LIVE_OP_PUBLISH ? shop_fail(r, SHOP_E_FORBIDDEN, "unknown stream key")
                                     : shop_fail(r, SHOP_E_NOT_FOUND, "no live session %s", lookup);
    if (rc == LIVE_TX_REFUSED)
        return shop_fail(r, SHOP_E_FORBIDDEN, "live session %s has ended", ch->public_id);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    return SHOP_OK;
}

int shop_live_apply(const shop_ctx *ctx, fl_db *db, enum shop_live_event ev, const char *public_id,
                    const char *why, const char *seen)
{
    live_change ch;
    if (!is_hex(public_id, LIVE_ID_HEX))
        return -1;
    int rc = live_change_apply(ctx, db, ev == SHOP_LIVE_END ? LIVE_OP_END : LIVE_OP_UNPUBLISH, public_id, NULL,
                               why, seen, &ch);
    if (rc != FL_DB_OK)
        fl_log(FL_LOG_WARN, "live_apply_failed", "%s: %s (%d)", public_id, why, rc);
    return rc == FL_DB_OK && ch.changed ? 1 : rc == FL_DB_OK ? 0 : -1;
}

/* ---- internal API (the relay) ---------------------------------------------- */

/* The shared-secret check of every internal route. */
static int internal_auth(shop_req *r)
{
    const char *want = r->ctx->cfg->internal_secret;
    const char *got = shop_header(r, "X-Internal-Secret");
    unsigned char a[crypto_hash_sha256_BYTES], b[crypto_hash_sha256_BYTES];

    if (!want[0])
        return shop_fail(
            r, SHOP_E_UNAVAILABLE,
            "not configured: FARMLIVE_INTERNAL_SECRET is empty, the internal API is off");
    if (!got || !got[0])
        return shop_fail(r, SHOP_E_UNAUTHORIZED, "X-Internal-Secret is missing");
    /* Hash both so the comparison takes the same time whatever the lengths. */
    crypto_hash_sha256(a, (const unsigned char *)want, strlen(want));
    crypto_hash_sha256(b, (const unsigned char *)got, strlen(got));
    if (sodium_memcmp(a, b, sizeof(a)) != 0)
        return shop_fail(r, SHOP_E_FORBIDDEN, "X-Internal-Secret does not match");
    return SHOP_OK;
}

int shop_live_internal_publish(shop_req *r)
{
    const char *key = NULL, *ip = NULL;
    char hash[FL_SHA256_HEX];
    live_change ch;
    int rc;

    feed_ensure(r);

    if ((rc = internal_auth(r)) < 0)
        return rc;
    if ((rc = shop_body_str(r, "stream_key", 1, 1, 256, &key)) < 0)
        return rc;
    if ((rc = shop_body_str(r, "client_ip", 0, 0, LIVE_IP_MAX, &ip)) < 0)
        return rc;
    if (!is_hex(key, LIVE_KEY_HEX))
        return shop_fail(r, SHOP_E_FORBIDDEN, "unknown stream key");
    key_hash(key, hash);
    if ((rc = live_change_run(r, LIVE_OP_PUBLISH, hash, ip && ip[0] ? ip : NULL, &ch)) < 0)
        return rc;
    return shop_reply_json(r, 200,
                           json_pack("{s:s,s:s,s:b}", "live_id", ch.public_id, "status", ch.to,
                                     "reconnect", strcmp(ch.from, "created") != 0));
}

/* unpublish and ended: {"live_id"} -> 200 {"live_id","status"}. */
static int internal_by_id(shop_req *r, enum live_op op)
{
    const char *id = NULL;
    live_change ch;
    int rc;

    feed_ensure(r);

    if ((rc = internal_auth(r)) < 0)
        return rc;
    if ((rc = shop_body_str(r, "live_id", 1, 1, 64, &id)) < 0)
        return rc;
    if (!is_hex(id, LIVE_ID_HEX))
        return shop_fail(r, SHOP_E_NOT_FOUND, "no live session %s", id);
    if ((rc = live_change_run(r, op, id, NULL, &ch)) < 0)
        return rc;
    return shop_reply_json(r, 200,
                           json_pack("{s:s,s:s,s:b}", "live_id", ch.public_id, "status", ch.to,
                                     "changed", ch.changed && strcmp(ch.from, ch.to) != 0));
}

int shop_live_internal_unpublish(shop_req *r)
{
    return internal_by_id(r, LIVE_OP_UNPUBLISH);
}

int shop_live_internal_ended(shop_req *r)
{
    return internal_by_id(r, LIVE_OP_END);
}

/* ---- public API ------------------------------------------------------------ */

/* The cooperative a new session belongs to: body coop_id (the caller must be
 * a member of it), else the caller's only membership. */
static int pick_coop(shop_req *r, fl_db *db, long long *coop_id)
{
    fl_rows *rows = NULL;
    int present = 0, rc;

    if ((rc = shop_body_int(r, "coop_id", 0, 1, LLONG_MAX, coop_id, &present)) < 0)
        goto out;
    if (present) {
        if ((rc = fl_db_query(db, &rows, "SELECT 1 FROM cooperatives WHERE id = ?", "i",
                              *coop_id)) != FL_DB_OK) {
            rc = shop_fail_db(r, rc);
            goto out;
        }
        if (fl_rows_count(rows) == 0) {
            rc = shop_fail(r, SHOP_E_VALIDATION, "coop_id %lld: no such cooperative", *coop_id);
            goto out;
        }
        rc = shop_auth_coop(r, *coop_id, SHOP_MEMBER_FARMER);
        goto out;
    }
    if ((rc = fl_db_query(
             db, &rows,
             "SELECT coop_id FROM coop_members WHERE account_id = ? ORDER BY coop_id LIMIT 2", "i",
             r->session->account_id)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) != 1) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "coop_id is required: you %s",
                       fl_rows_count(rows) ? "belong to several cooperatives"
                                           : "belong to no cooperative");
        goto out;
    }
    *coop_id = fl_rows_int(rows, 0, 0);
    rc = SHOP_OK;
out:
    fl_rows_free(rows);
    return rc;
}

int shop_live_create(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    const char *title = NULL;
    long long coop_id = 0, id = 0;
    char public_id[LIVE_ID_HEX + 1], key[FL_TOKEN_HEX], hash[FL_SHA256_HEX];
    json_t *out = NULL;
    int rc;

    feed_ensure(r);

    if ((rc = shop_body_str(r, "title", 1, 1, LIVE_TITLE_MAX, &title)) < 0)
        goto out;
    if ((rc = shop_db(r, &db)) < 0)
        goto out;
    if ((rc = pick_coop(r, db, &coop_id)) < 0)
        goto out;

    /* A collision of 64 random bits (public id) or 256 (key) is not expected;
     * a duplicate is retried with fresh values all the same. */
    for (int tries = 0;; tries++) {
        fl_random_hex(public_id, LIVE_ID_HEX / 2);
        fl_random_token(key);
        key_hash(key, hash);
        rc = fl_db_exec(
            db,
            "INSERT INTO live_sessions (public_id, coop_id, account_id, title, key_hash) "
            "VALUES (?, ?, ?, ?, ?)",
            "siiss", public_id, coop_id, r->session->account_id, title, hash);
        if (rc != FL_DB_EDUP || tries + 1 >= LIVE_TX_TRIES)
            break;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    id = (long long)fl_db_insert_id(db);
    if ((rc = fl_db_query(db, &rows, LIVE_SELECT "WHERE l.id = ?", "i", id)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) != 1) {
        rc = shop_fail(r, SHOP_E_INTERNAL, "live session %lld vanished", id);
        goto out;
    }
    out = live_json(r->ctx->cfg, rows, 0);
    json_object_set_new(out, "rtmp_url", json_string(r->ctx->cfg->rtmp_public_url));
    json_object_set_new(out, "stream_key", json_string(key));
    live_announce(r->ctx, public_id, coop_id, "created", NULL, "created");
    shop_add_header(r, "Cache-Control", "no-store");
    rc = shop_reply_json(r, 201, out);
    out = NULL;
out:
    sodium_memzero(key, sizeof(key));
    json_decref(out);
    fl_rows_free(rows);
    return rc;
}

int shop_live_list(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    const char *status = shop_query(r, "status"), *v;
    long long coop = 0, cursor = 0, limit = LIVE_LIMIT_DEFAULT;
    json_t *out = NULL, *items;
    size_t n;
    int rc;

    feed_ensure(r);

    if (status && !is_status(status)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "status must be created, live, idle or ended");
        goto out;
    }
    if ((v = shop_query(r, "coop")) && shop_parse_dec(v, 1, LLONG_MAX, &coop)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "coop must be a cooperative id");
        goto out;
    }
    if ((v = shop_query(r, "limit")) && shop_parse_dec(v, 1, LIVE_LIMIT_MAX, &limit)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "limit must be 1..%d", LIVE_LIMIT_MAX);
        goto out;
    }
    if ((v = shop_query(r, "cursor")) && shop_cursor_parse(v, &cursor)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "cursor is not valid");
        goto out;
    }
    if ((rc = shop_db(r, &db)) < 0)
        goto out;
    rc = fl_db_query(db, &rows,
                     LIVE_SELECT "WHERE (? IS NULL OR l.status = ?) AND (? = 0 OR l.coop_id = ?) "
                                 "AND (? = 0 OR l.id < ?) ORDER BY l.id DESC LIMIT ?",
                     "ssiiiii", status, status, coop, coop, cursor, cursor, limit + 1);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    out = json_object();
    items = json_array();
    n = fl_rows_count(rows);
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append_new(items, live_json(r->ctx->cfg, rows, i));
    json_object_set_new(out, "items", items);
    json_object_set_new(out, "next_cursor", shop_cursor_next(rows, limit, LC_ID));
    rc = shop_reply_json(r, 200, out);
    out = NULL;
out:
    json_decref(out);
    fl_rows_free(rows);
    return rc;
}

/* Loads the session named by path parameter 0 into *rows (404 when unknown). */
static int load_by_param(shop_req *r, fl_rows **rows)
{
    const char *id = shop_param(r, 0);
    fl_db *db = NULL;
    int rc;

    *rows = NULL;
    if (!id || !is_hex(id, LIVE_ID_HEX))
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such live session");
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    if ((rc = fl_db_query(db, rows, LIVE_SELECT "WHERE l.public_id = ?", "s", id)) != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (fl_rows_count(*rows) == 0) {
        fl_rows_free(*rows);
        *rows = NULL;
        return shop_fail(r, SHOP_E_NOT_FOUND, "no live session %s", id);
    }
    return SHOP_OK;
}

int shop_live_get(shop_req *r)
{
    fl_rows *rows = NULL;
    int rc;

    feed_ensure(r);

    if ((rc = load_by_param(r, &rows)) < 0)
        goto out;
    rc = shop_reply_json(r, 200, live_json(r->ctx->cfg, rows, 0));
out:
    fl_rows_free(rows);
    return rc;
}

/* What one look at the feed found. */
typedef struct feed_view {
    long long last_seq;
    int subscribed, truncated;
} feed_view;

/* Appends to events the ring's events of session id with seq > after,
 * oldest first, and fills view. Under f->mu. */
static void feed_collect(live_feed *f, const char *id, long long after, json_t *events, feed_view *view)
{
    for (size_t k = 0; k < LIVE_RING; k++) {
        const live_event *e = &f->ring[(f->next + k) % LIVE_RING];
        if (event_for(e, id, after))
            json_array_append_new(events, json_loads(e->json, 0, NULL));
    }
    view->subscribed = f->subscribed;
    view->last_seq = f->last_seq;
    view->truncated = after > 0 && f->oldest_seq > after + 1;
}

/* The answer: what the ring holds for w's session now (none when the feed
 * is gone). Runs on the request's worker thread, first or resumed. */
static int events_answer(shop_req *r, void *arg)
{
    const live_waiter *w = arg;
    live_feed *f = feed_get();
    json_t *events = json_array();
    feed_view view = {0};
    if (f) {
        pthread_mutex_lock(&f->mu);
        feed_collect(f, w->id, w->after, events, &view);
        pthread_mutex_unlock(&f->mu);
    }
    return shop_reply_json(r, 200,
                           json_pack("{s:s,s:o,s:I,s:b,s:b}", "id", w->id, "events", events, "last_seq",
                                     (json_int_t)view.last_seq, "subscribed", view.subscribed, "truncated",
                                     view.truncated));
}

/* Suspends r as a waiter on f when wait_s > 0 and there is nothing to
 * answer yet (checked under the same lock the waits thread takes, so an
 * event cannot slip in between); 0 when r should be answered now. */
static int feed_wait(live_feed *f, shop_req *r, live_waiter *w, long long wait_s)
{
    int waiting = 0;
    pthread_mutex_lock(&f->mu);
    if (wait_s > 0 && f->waiters < LIVE_WAITERS_MAX && !f->stopping && !feed_has(f, w->id, w->after, LIVE_RING)) {
        w->r = r;
        w->until_ms = fl_mono_ms() + wait_s * 1000;
        shop_suspend(r);
        w->next = f->waiting;
        f->waiting = w;
        f->waiters++;
        if (w->until_ms < f->sleep_until) /* sooner than it sleeps to (awake: it rescans anyway) */
            pthread_cond_broadcast(&f->cond);
        waiting = 1;
    }
    pthread_mutex_unlock(&f->mu);
    return waiting;
}

/* Long-poll: the events of one session with seq > after, as this process
 * heard them on Redis; waits up to `wait` seconds when there are none yet.
 * last_seq is the highest seq this process has heard (pass it back as
 * `after`); truncated says older events were already dropped from the ring. */
int shop_live_events(shop_req *r)
{
    fl_rows *rows = NULL;
    live_feed *f = NULL;
    long long wait = 0;
    const char *v;
    live_waiter *w = fl_arena_alloc(r->arena, sizeof(*w));
    int rc;

    feed_ensure(r);
    memset(w, 0, sizeof(*w));
    if ((v = shop_query(r, "after")) && shop_parse_dec(v, 0, LLONG_MAX, &w->after)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "after must be a sequence number");
        goto out;
    }
    if ((v = shop_query(r, "wait")) && shop_parse_dec(v, 0, LIVE_WAIT_MAX, &wait)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "wait must be 0..%d seconds", LIVE_WAIT_MAX);
        goto out;
    }
    if ((rc = load_by_param(r, &rows)) < 0)
        goto out;
    snprintf(w->id, sizeof(w->id), "%s", fl_rows_str(rows, 0, LC_PUBLIC_ID));
    if ((f = feed_get()) != NULL && feed_wait(f, r, w, wait)) {
        rc = SHOP_SUSPENDED; /* w belongs to the waits thread now */
        goto out;
    }
    rc = events_answer(r, w);
out:
    fl_rows_free(rows);
    return rc;
}
