/* room_counts.c - a live room's likes and viewers (see
 * shop/domain/room_counts.h).
 *
 * The counters' UPDATEs keep live_sessions.updated_at as it is: it says
 * when the session's status last changed (the live sweep's guard).
 *
 * Redis keys (public_id: the session's 16 hex):
 *
 *   farmlive:room:{id}:likes        taps not yet in MariaDB (INCRBY, GETDEL)
 *   farmlive:rooms:likes_dirty      rooms with pending taps (SADD, SPOP)
 *   farmlive:room:{id}:uniq         HyperLogLog of who opened the stream
 *   farmlive:room:{id}:clients      hash: process -> "clients unix_ms"
 *   farmlive:room:{id}:vlast        the last "viewers" raised (SET .. GET)
 *   farmlive:rooms:relay_viewers    the relay's viewers, {"id":{"flv":n,"hls":n}}
 *   farmlive:rooms:viewers_pass     which process adds up this pass (SET NX PX)
 */
#include "farmlive/shop/domain/room_counts.h"
#include "farmlive/shop/domain/chat.h"
#include "farmlive/shop/domain/live_room.h"
#include "farmlive/shop/rt/feed.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIRTY_KEY "farmlive:rooms:likes_dirty"
#define RELAY_KEY "farmlive:rooms:relay_viewers"
#define PASS_KEY "farmlive:rooms:viewers_pass"
#define FLUSH_MAX 200     /* rooms a likes pass takes */
#define ROOMS_MAX 1000    /* live or idle rooms a viewers pass counts */
#define RELAY_KEEP_S 20   /* the relay's figures, a few sweeps' worth */
#define CLIENTS_KEEP_S 30 /* a process's counts, several passes' worth */
#define CLIENTS_FRESH_MS 10000
#define PASS_MS 1500 /* one process adds up per pass (the job runs every 2 s) */
#define UNIQ_KEEP_S (7 * 86400)

static const char like_lua[] = "redis.call('INCRBY', KEYS[1], ARGV[1]) redis.call('SADD', KEYS[2], ARGV[2]) return 1";

/* This process's name among the shop processes (random, per start). */
static char instance[17];
static pthread_once_t instance_once = PTHREAD_ONCE_INIT;
static void instance_make(void)
{
    unsigned char b[8];
    randombytes_buf(b, sizeof(b));
    sodium_bin2hex(instance, sizeof(instance), b, sizeof(b));
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void free_reply(redisReply *rep)
{
    if (rep)
        freeReplyObject(rep);
}

/* Raises an object on the room's topic as a coalescing level. */
static void raise_level(const shop_ctx *ctx, const char *public_id, const char *type, const char *text)
{
    char topic[SHOP_RT_TOPIC_MAX + 1];
    if (shop_rt_topic_live(topic, public_id) != 0 ||
        shop_rt_publish(ctx->rt, topic, type, SHOP_RT_COALESCE, text, strlen(text)) != 0)
        fl_log(FL_LOG_WARN, "room_event_lost", "%s of %s not raised", type, public_id);
}

/* ---- likes ------------------------------------------------------------------- */

int shop_room_like(fl_db *db, fl_kv *kv, const shop_actor *who, const char *public_id, long long taps, shop_fault *f)
{
    char key[64];
    shop_room room;
    int rc;

    if (!who || who->account_id <= 0)
        return shop_fault_set(f, SHOP_E_UNAUTHORIZED, NULL, "sign in first");
    if ((rc = shop_room_enter(db, NULL, public_id, 0, &room, f)) < 0)
        return rc;
    if (strcmp(room.status, "ended") == 0)
        return shop_fault_set(f, SHOP_E_CONFLICT, "session_ended", "live session %s has ended", public_id);
    if ((rc = shop_room_flood(kv, "like", who->account_id, SHOP_ROOM_LIKE_RATE_MAX, SHOP_ROOM_LIKE_RATE_WINDOW_S, f)) <
        0)
        return rc;
    snprintf(key, sizeof(key), "farmlive:room:%s:likes", public_id);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 2 %s %s %lld %s", like_lua, key, DIRTY_KEY, taps, public_id);
    rc = rep && rep->type == REDIS_REPLY_INTEGER ? SHOP_OK : shop_fault_kv(f);
    free_reply(rep);
    return rc;
}

/* Moves one room's pending taps into MariaDB and raises its total: 1 when
 * raised, 0 when nothing was pending, -1 when MariaDB failed (the taps are
 * put back for the next pass). */
static int flush_room(const shop_ctx *ctx, fl_kv *kv, fl_db *db, const char *public_id)
{
    char key[64], text[160];
    fl_rows *rows = NULL;
    long long taps = 0;
    int rc;

    snprintf(key, sizeof(key), "farmlive:room:%s:likes", public_id);
    redisReply *rep = fl_kv_cmd(kv, "GETDEL %s", key);
    if (rep && rep->type == REDIS_REPLY_STRING)
        taps = strtoll(rep->str, NULL, 10);
    free_reply(rep);
    if (taps <= 0)
        return 0;
    rc = fl_db_exec(db, "UPDATE live_sessions SET likes = likes + ?, updated_at = updated_at WHERE public_id = ?", "is",
                    taps, public_id);
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &rows, "SELECT likes FROM live_sessions WHERE public_id = ?", "s", public_id);
    if (rc != FL_DB_OK) {
        free_reply(fl_kv_cmd(kv, "EVAL %s 2 %s %s %lld %s", like_lua, key, DIRTY_KEY, taps, public_id));
        return -1;
    }
    if (fl_rows_count(rows) == 1) {
        snprintf(text, sizeof(text), "{\"live_id\":\"%s\",\"total\":%lld}", public_id, fl_rows_int(rows, 0, 0));
        raise_level(ctx, public_id, SHOP_ROOM_EVENT_LIKES, text);
    }
    fl_rows_free(rows);
    return 1;
}

int shop_room_likes_flush(const shop_ctx *ctx)
{
    fl_kv *kv = NULL;
    fl_db *db = NULL;
    redisReply *ids = NULL;
    int done = 0;

    if (fl_kv_acquire(ctx->kv, &kv) != FL_KV_OK)
        return -1;
    ids = fl_kv_cmd(kv, "SPOP %s %d", DIRTY_KEY, FLUSH_MAX);
    if (!ids || ids->type != REDIS_REPLY_ARRAY) {
        done = ids ? 0 : -1;
        goto out_release;
    }
    if (ids->elements == 0)
        goto out_release;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK) {
        done = -1;
        for (size_t i = 0; i < ids->elements; i++) /* again next pass */
            free_reply(fl_kv_cmd(kv, "SADD %s %s", DIRTY_KEY, ids->element[i]->str));
        goto out_release;
    }
    for (size_t i = 0; i < ids->elements; i++) {
        const char *id = ids->element[i]->str;
        int rc = done < 0 ? -1 : flush_room(ctx, kv, db, id);
        if (rc < 0) { /* MariaDB is down: the rest waits too */
            if (done >= 0)
                fl_log(FL_LOG_WARN, "room_likes_later", "likes not saved: %s", fl_db_error(db));
            done = -1;
            free_reply(fl_kv_cmd(kv, "SADD %s %s", DIRTY_KEY, id));
        } else {
            done += rc;
        }
    }
out_release:
    free_reply(ids);
    fl_db_release(db);
    fl_kv_release(kv);
    return done;
}

/* ---- viewers ----------------------------------------------------------------- */

void shop_room_seen(fl_kv *kv, const char *public_id, long long account_id, const char *client_ip)
{
    char key[64], who[96];
    snprintf(key, sizeof(key), "farmlive:room:%s:uniq", public_id);
    if (account_id > 0)
        snprintf(who, sizeof(who), "a:%lld", account_id);
    else
        snprintf(who, sizeof(who), "ip:%s", client_ip ? client_ip : "");
    const char *a1[] = {"PFADD", key, who}, *a2[] = {"EXPIRE", key, NULL};
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%d", UNIQ_KEEP_S);
    a2[2] = ttl;
    fl_kv_cmdv cmds[] = {{3, a1, NULL}, {3, a2, NULL}};
    redisReply *reps[2] = {NULL, NULL};
    fl_kv_pipeline(kv, cmds, 2, reps); /* a lost count: one viewer fewer */
    free_reply(reps[0]);
    free_reply(reps[1]);
}

void shop_room_relay_viewers(const shop_ctx *ctx, const json_t *streams)
{
    json_t *by_id = json_object(), *s;
    fl_kv *kv = NULL;
    char *text = NULL;
    size_t i;

    json_array_foreach(streams, i, s)
    {
        const char *id = json_string_value(json_object_get(s, "live_id"));
        json_t *v = json_object_get(s, "viewers");
        if (!id || !json_is_object(v))
            continue;
        long long flv = json_integer_value(json_object_get(v, "flv"));
        long long hls = llround(json_number_value(json_object_get(v, "hls")));
        json_object_set_new(
            by_id, id,
            json_pack("{s:I,s:I}", "flv", (json_int_t)(flv > 0 ? flv : 0), "hls", (json_int_t)(hls > 0 ? hls : 0)));
    }
    text = json_dumps(by_id, JSON_COMPACT);
    if (text && fl_kv_acquire(ctx->kv, &kv) == FL_KV_OK)
        free_reply(fl_kv_cmd(kv, "SET %s %s EX %d", RELAY_KEY, text, RELAY_KEEP_S));
    fl_kv_release(kv);
    free(text);
    json_decref(by_id);
}

/* One live or idle room of a pass. */
typedef struct room_count {
    const char *public_id;
    long long id, peak, unique;
} room_count;

/* Writes this process's clients of each room; 0, or -1 (Redis). */
static int write_clients(const shop_ctx *ctx, fl_kv *kv, const room_count *rooms, size_t n)
{
    fl_kv_cmdv *cmds = fl_calloc(2 * n, sizeof(*cmds));
    redisReply **reps = fl_calloc(2 * n, sizeof(*reps));
    char(*keys)[64] = fl_calloc(n, sizeof(*keys)), (*vals)[48] = fl_calloc(n, sizeof(*vals)), ttl[16];
    const char **argv = fl_calloc(7 * n, sizeof(*argv));
    long long now = wall_ms();
    int rc;

    snprintf(ttl, sizeof(ttl), "%d", CLIENTS_KEEP_S);
    for (size_t i = 0; i < n; i++) {
        char topic[SHOP_RT_TOPIC_MAX + 1];
        size_t clients = shop_rt_topic_live(topic, rooms[i].public_id) == 0 ? shop_rt_topic_clients(ctx->rt, topic) : 0;
        snprintf(keys[i], sizeof(keys[i]), "farmlive:room:%s:clients", rooms[i].public_id);
        snprintf(vals[i], sizeof(vals[i]), "%zu %lld", clients, now);
        const char **a = argv + 7 * i;
        a[0] = "HSET", a[1] = keys[i], a[2] = instance, a[3] = vals[i];
        a[4] = "EXPIRE", a[5] = keys[i], a[6] = ttl;
        cmds[2 * i] = (fl_kv_cmdv){4, a, NULL};
        cmds[2 * i + 1] = (fl_kv_cmdv){3, a + 4, NULL};
    }
    rc = fl_kv_pipeline(kv, cmds, (int)(2 * n), reps) == FL_KV_OK ? 0 : -1;
    for (size_t i = 0; i < 2 * n; i++)
        free_reply(reps[i]);
    fl_free(argv);
    fl_free(vals);
    fl_free(keys);
    fl_free(reps);
    fl_free(cmds);
    return rc;
}

/* The realtime clients of a room on every process, from its hash's fresh
 * entries. */
static long long sum_clients(const redisReply *h, long long now)
{
    long long sum = 0;
    if (!h || h->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t i = 0; i + 1 < h->elements; i += 2) {
        long long c = 0, at = 0;
        if (h->element[i + 1]->type == REDIS_REPLY_STRING &&
            sscanf(h->element[i + 1]->str, "%lld %lld", &c, &at) == 2 && now - at <= CLIENTS_FRESH_MS && c > 0)
            sum += c;
    }
    return sum;
}

/* Adds up every room's figures, raises the ones that changed and keeps
 * peak and unique: the rooms raised, or -1. */
static int add_up(const shop_ctx *ctx, fl_kv *kv, room_count *rooms, size_t n)
{
    size_t ncmd = 1 + 2 * n;
    fl_kv_cmdv *cmds = fl_calloc(ncmd, sizeof(*cmds));
    redisReply **reps = fl_calloc(ncmd, sizeof(*reps)), **last = fl_calloc(n, sizeof(*last));
    char(*keys)[2][64] = fl_calloc(n, sizeof(*keys));
    const char **argv = fl_calloc(4 + 4 * n, sizeof(*argv));
    json_t *relay = NULL;
    fl_db *db = NULL;
    long long now = wall_ms();
    int raised = -1;

    argv[0] = "GET", argv[1] = RELAY_KEY;
    cmds[0] = (fl_kv_cmdv){2, argv, NULL};
    for (size_t i = 0; i < n; i++) {
        const char **a = argv + 4 + 4 * i;
        snprintf(keys[i][0], sizeof(keys[i][0]), "farmlive:room:%s:clients", rooms[i].public_id);
        snprintf(keys[i][1], sizeof(keys[i][1]), "farmlive:room:%s:uniq", rooms[i].public_id);
        a[0] = "HGETALL", a[1] = keys[i][0], a[2] = "PFCOUNT", a[3] = keys[i][1];
        cmds[1 + 2 * i] = (fl_kv_cmdv){2, a, NULL};
        cmds[2 + 2 * i] = (fl_kv_cmdv){2, a + 2, NULL};
    }
    if (fl_kv_pipeline(kv, cmds, (int)ncmd, reps) != FL_KV_OK)
        goto out_free;
    if (reps[0]->type == REDIS_REPLY_STRING)
        relay = json_loads(reps[0]->str, 0, NULL);
    raised = 0;
    for (size_t i = 0; i < n; i++) {
        char vkey[64], text[320];
        room_count *rc = &rooms[i];
        json_t *rv = json_object_get(relay, rc->public_id);
        long long flv = json_integer_value(json_object_get(rv, "flv")),
                  hls = json_integer_value(json_object_get(rv, "hls"));
        long long realtime = sum_clients(reps[1 + 2 * i], now);
        long long uniq = reps[2 + 2 * i]->type == REDIS_REPLY_INTEGER ? reps[2 + 2 * i]->integer : 0;
        long long viewers = flv + hls + realtime;
        int grew = viewers > rc->peak || uniq > rc->unique;
        rc->peak = viewers > rc->peak ? viewers : rc->peak;
        rc->unique = uniq > rc->unique ? uniq : rc->unique;
        snprintf(text, sizeof(text),
                 "{\"live_id\":\"%s\",\"viewers\":%lld,\"relay\":%lld,\"flv\":%lld,\"hls\":%lld,\"realtime\":%lld,"
                 "\"peak\":%lld,\"unique\":%lld}",
                 rc->public_id, viewers, flv + hls, flv, hls, realtime, rc->peak, rc->unique);
        if (grew) { /* kept before it is told: a client that saw the peak finds it stored */
            if (!db && fl_db_acquire(ctx->db, &db) != FL_DB_OK) {
                raised = -1;
                goto out_free;
            }
            if (fl_db_exec(db,
                           "UPDATE live_sessions SET peak_viewers = GREATEST(peak_viewers, ?), "
                           "unique_viewers = GREATEST(unique_viewers, ?), updated_at = updated_at WHERE id = ?",
                           "iii", rc->peak, rc->unique, rc->id) != FL_DB_OK)
                fl_log(FL_LOG_WARN, "room_peak_unsaved",
                       "room %s: peak and unique not stored this pass (the next one "
                       "tries again)",
                       rc->public_id);
        }
        snprintf(vkey, sizeof(vkey), "farmlive:room:%s:vlast", rc->public_id);
        last[i] = fl_kv_cmd(kv, "SET %s %s GET EX %d", vkey, text, 120);
        if (!last[i])
            goto out_free;
        if (last[i]->type != REDIS_REPLY_STRING || strcmp(last[i]->str, text) != 0) {
            raise_level(ctx, rc->public_id, SHOP_ROOM_EVENT_VIEWERS, text);
            raised++;
        }
    }
out_free:
    fl_db_release(db);
    json_decref(relay);
    for (size_t i = 0; i < ncmd; i++)
        free_reply(reps[i]);
    for (size_t i = 0; i < n; i++)
        free_reply(last[i]);
    fl_free(argv);
    fl_free(keys);
    fl_free(last);
    fl_free(reps);
    fl_free(cmds);
    return raised;
}

int shop_room_viewers(const shop_ctx *ctx)
{
    enum { VC_ID, VC_PUBLIC_ID, VC_PEAK, VC_UNIQUE };
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    fl_rows *rows = NULL;
    room_count *rooms = NULL;
    redisReply *pass = NULL;
    size_t n;
    int rc = -1;

    pthread_once(&instance_once, instance_make);
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    rc = fl_db_query(db, &rows,
                     "SELECT id, public_id, peak_viewers, unique_viewers FROM live_sessions "
                     "WHERE status IN ('live', 'idle') ORDER BY id LIMIT ?",
                     "i", (long long)ROOMS_MAX);
    fl_db_release(db);
    if (rc != FL_DB_OK)
        return -1;
    if ((n = fl_rows_count(rows)) == 0) {
        rc = 0;
        goto out_free;
    }
    rooms = fl_calloc(n, sizeof(*rooms));
    for (size_t i = 0; i < n; i++)
        rooms[i] = (room_count){fl_rows_str(rows, i, VC_PUBLIC_ID), fl_rows_int(rows, i, VC_ID),
                                fl_rows_int(rows, i, VC_PEAK), fl_rows_int(rows, i, VC_UNIQUE)};
    rc = -1;
    if (fl_kv_acquire(ctx->kv, &kv) != FL_KV_OK || write_clients(ctx, kv, rooms, n) < 0)
        goto out_free;
    pass = fl_kv_cmd(kv, "SET %s %s NX PX %d", PASS_KEY, instance, PASS_MS);
    if (!pass)
        goto out_free;
    rc = pass->type == REDIS_REPLY_STATUS ? add_up(ctx, kv, rooms, n) : 0; /* nil: another process adds up */
out_free:
    free_reply(pass);
    fl_kv_release(kv);
    fl_free(rooms);
    fl_rows_free(rows);
    return rc;
}

json_t *shop_room_viewers_now(fl_kv *kv, const char *public_id)
{
    char vkey[64];
    json_t *v = NULL;
    redisReply *rep;
    snprintf(vkey, sizeof(vkey), "farmlive:room:%s:vlast", public_id);
    rep = fl_kv_cmd(kv, "GET %s", vkey);
    if (rep && rep->type == REDIS_REPLY_STRING)
        v = json_loadb(rep->str, rep->len, 0, NULL);
    free_reply(rep);
    return v && json_is_object(v) ? v : (json_decref(v), json_null());
}
