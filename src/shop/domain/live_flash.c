/* live_flash.c - a live room's flash sales: started from the room on an
 * ordinary flash sale (see shop/domain/live_flash.h), and the ticker that
 * tells the room how they go.
 *
 *   start:   the room (rights, status, shelf), one sale at a time (a named
 *            lock), shop_flash_create with live_id, then flash_countdown
 *
 *   ticker (a thread per shop process, every SHOP_ROOM_TICK_MS):
 *     once a second  the running room sales from MariaDB (ended less than
 *                    WATCH_AFTER_END_S ago included, for their end)
 *     each sale      TICK_LUA on its Redis keys: what to announce now
 *                    (open, stock, sold out, ended), decided and recorded
 *                    in one step, so two processes never announce twice
 *     then           the events on live:{public_id}, then the "just
 *                    bought" notices queued since the last tick
 *                    (room_events.h's shop_room_bought_flush) */
#include "farmlive/shop/domain/live_flash.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/timefmt.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/live_room.h"
#include "farmlive/shop/domain/room_events.h"
#include "farmlive/shop/rt/event.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WATCH_MAX 256
#define WATCH_REFRESH_MS 1000
#define WATCH_AFTER_END_S 10
#define LOCK_WAIT_S 5

/* ---- starting a sale -------------------------------------------------------- */

static int flash_checked(const shop_room_flash_new *in, shop_fault *f)
{
    if (in->countdown_s < SHOP_ROOM_COUNTDOWN_MIN || in->countdown_s > SHOP_ROOM_COUNTDOWN_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "countdown_s must be between %d and %d",
                              SHOP_ROOM_COUNTDOWN_MIN, SHOP_ROOM_COUNTDOWN_MAX);
    if (in->duration_s < SHOP_ROOM_FLASH_MIN_S || in->duration_s > SHOP_ROOM_FLASH_MAX_S)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "duration_s must be between %d and %d", SHOP_ROOM_FLASH_MIN_S,
                              SHOP_ROOM_FLASH_MAX_S);
    return SHOP_OK;
}

/* The room's state for a new sale: on air, the SKU on its shelf, no sale
 * of its running. */
static int room_ready(fl_db *db, const shop_room *room, long long sku_id, shop_fault *f)
{
    enum { RR_ON_SHELF, RR_RUNNING };
    fl_rows *rows = NULL;
    int rc;
    if (strcmp(room->status, "ended") == 0)
        return shop_fault_set(f, SHOP_E_CONFLICT, "live_ended", "live session %s has ended", room->public_id);
    if (!shop_room_on_air(room))
        return shop_fault_set(f, SHOP_E_CONFLICT, "live_not_started", "live session %s has not gone live yet",
                              room->public_id);
    rc = fl_db_query(db, &rows,
                     "SELECT EXISTS (SELECT 1 FROM live_shelf WHERE live_id = ? AND sku_id = ?), "
                     "(SELECT MAX(id) FROM flash_sales WHERE live_id = ? AND ends_at > UTC_TIMESTAMP(3))",
                     "iii", room->id, sku_id, room->id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_int(rows, 0, RR_ON_SHELF) != 1)
        rc = shop_fault_set(f, SHOP_E_VALIDATION, "not_on_shelf", "SKU %lld is not on the shelf of %s", sku_id,
                            room->public_id);
    else if (fl_rows_str(rows, 0, RR_RUNNING))
        rc = shop_fault_set(f, SHOP_E_CONFLICT, "flash_running", "flash sale %s of this room has not ended",
                            fl_rows_str(rows, 0, RR_RUNNING));
    fl_rows_free(rows);
    return rc;
}

/* The countdown, on the room's topic. */
static void announce_countdown(const shop_ctx *ctx, const shop_flash_sale *s, long long countdown_s)
{
    char starts[FL_TIME_LEN], ends[FL_TIME_LEN];
    fl_time_format(s->starts, starts);
    fl_time_format(s->ends, ends);
    shop_room_publish(ctx, s->live_public_id, SHOP_ROOM_EV_COUNTDOWN, 0,
                      json_pack("{s:{s:I,s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:s},s:I}", "sale", "id", s->id, "sku_id",
                                s->sku_id, "product_name", s->name, "spec", s->spec, "unit", s->unit, "price_fen",
                                s->price_fen, "quantity", s->quantity, "per_buyer_limit", s->limit, "starts_at", starts,
                                "ends_at", ends, "countdown_s", countdown_s));
}

int shop_room_flash_start(const shop_ctx *ctx, fl_db *db, fl_kv *kv, fl_arena *a, const shop_actor *who,
                          const char *public_id, const shop_room_flash_new *in, shop_flash_sale *out, shop_fault *f)
{
    fl_rows *rows = NULL;
    shop_room room;
    long long id = 0;
    char lock[48];
    int rc;
    if ((rc = flash_checked(in, f)) < 0 || (rc = shop_room_enter(db, who, public_id, 0, &room, f)) < 0)
        return rc;
    /* one sale at a time in a room, whichever shop process is asked */
    snprintf(lock, sizeof(lock), "farmlive:room_flash:%lld", room.id);
    if ((rc = fl_db_query(db, &rows, "SELECT GET_LOCK(?, ?)", "si", lock, (long long)LOCK_WAIT_S)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    int locked = fl_rows_int(rows, 0, 0) == 1;
    fl_rows_free(rows);
    if (!locked)
        return shop_fault_set(f, SHOP_E_CONFLICT, "flash_running", "another flash sale of this room is being started");
    /* the status as it is now, under the lock */
    if ((rc = shop_room_enter(db, NULL, public_id, 0, &room, f)) == SHOP_OK &&
        (rc = room_ready(db, &room, in->sku_id, f)) == SHOP_OK) {
        long long starts = (long long)time(NULL) + in->countdown_s;
        shop_flash_new fn = {.coop_id = room.coop_id,
                             .sku_id = in->sku_id,
                             .price_fen = in->price_fen,
                             .quantity = in->quantity,
                             .per_buyer_limit = in->per_buyer_limit,
                             .starts = starts,
                             .ends = starts + in->duration_s,
                             .created_by = who->account_id,
                             .live_id = room.id};
        rc = shop_flash_create(db, kv, a, &fn, &id, f);
    }
    if (fl_db_query(db, &rows, "SELECT RELEASE_LOCK(?)", "s", lock) == FL_DB_OK)
        fl_rows_free(rows);
    if (rc < 0 || (rc = shop_flash_read(db, a, id, 1, 0, out, f)) < 0)
        return rc;
    announce_countdown(ctx, out, in->countdown_s);
    fl_log(FL_LOG_INFO, "room_flash_started", "%s: sale %lld, %lld units of SKU %lld, opens in %lld s", public_id, id,
           in->quantity, in->sku_id, in->countdown_s);
    return SHOP_OK;
}

int shop_room_flash_page(fl_db *db, fl_arena *a, const char *public_id, long long before, long long limit,
                         json_t *(*sale_json)(const shop_flash_sale *s, long long left), json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    shop_room room;
    int rc;
    if ((rc = shop_room_enter(db, NULL, public_id, 0, &room, f)) < 0)
        return rc;
    if ((rc = fl_db_query(db, &rows,
                          "SELECT id FROM flash_sales WHERE live_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                          "iiii", room.id, before, before, limit + 1)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    json_t *items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows) && (long long)i < limit && rc == SHOP_OK; i++) {
        shop_flash_sale s;
        if ((rc = shop_flash_read(db, a, fl_rows_int(rows, i, 0), 1, 0, &s, f)) == SHOP_OK)
            json_array_append_new(items, sale_json(&s, s.ended ? 0 : s.quantity - s.sold));
    }
    if (rc == SHOP_OK)
        *out = json_pack("{s:o,s:o}", "items", items, "next_cursor", shop_cursor_next(rows, limit, 0));
    else
        json_decref(items);
    fl_rows_free(rows);
    return rc;
}

/* ---- the ticker ---------------------------------------------------------------- */

/* KEYS: the sale's stock counter, its room state (a hash: state, pub,
 * next). ARGV: now, starts, ends (unix ms), the stock gap (ms). Answers
 * the events to raise as a flat list {type, value, ...}: "open" (units
 * left), "stock" (units left), "sold_out", "ended". Nothing while
 * counting down, or while the counter is missing (the flash_counters job
 * rebuilds it). */
static const char TICK_LUA[] =
    "local now, starts, ends, gap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]) "
    "local st = redis.call('HGET', KEYS[2], 'state') "
    "if st == 'ended' then return {} end "
    "local function keep(...) redis.call('HSET', KEYS[2], ...) "
    "  redis.call('PEXPIRE', KEYS[2], math.max(ends - now, 0) + 86400000) end "
    "if now >= ends then keep('state', 'ended') return {'ended', 0} end "
    "if now < starts then return {} end "
    "local s = redis.call('GET', KEYS[1]) "
    "if not s then return {} end "
    "s = tonumber(s) "
    "local out = {} "
    "local pub = tonumber(redis.call('HGET', KEYS[2], 'pub') or '-1') "
    "local nxt = tonumber(redis.call('HGET', KEYS[2], 'next') or '0') "
    "if st ~= 'open' and st ~= 'sold_out' then "
    "  st = 'open' keep('state', 'open', 'pub', s, 'next', now + gap) "
    "  out[#out + 1] = 'open' out[#out + 1] = s pub = s "
    "end "
    "if s <= 0 then "
    "  if st ~= 'sold_out' then keep('state', 'sold_out', 'pub', 0, 'next', now + gap) "
    "    if pub ~= 0 then out[#out + 1] = 'stock' out[#out + 1] = 0 end "
    "    out[#out + 1] = 'sold_out' out[#out + 1] = 0 end "
    "  return out "
    "end "
    "local force = false "
    "if st == 'sold_out' then keep('state', 'open') force = true end "
    "if s ~= pub and (force or now >= nxt) then "
    "  keep('pub', s, 'next', now + gap) out[#out + 1] = 'stock' out[#out + 1] = s "
    "end "
    "return out";

typedef struct watched {
    long long sale_id, starts_ms, ends_ms;
    char public_id[17];
} watched;

struct shop_room_watch {
    watched sales[WATCH_MAX];
    size_t n;
    long long refreshed_ms; /* monotonic; 0: never */
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The running room sales, from MariaDB. 0, or -1 (the list is kept). */
static int watch_refresh(const shop_ctx *ctx, shop_room_watch *w)
{
    enum { WR_ID, WR_STARTS, WR_ENDS, WR_PUBLIC_ID };
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    int rc =
        fl_db_query(db, &rows,
                    "SELECT f.id, ROUND(UNIX_TIMESTAMP(f.starts_at) * 1000), ROUND(UNIX_TIMESTAMP(f.ends_at) * 1000), "
                    "ls.public_id FROM flash_sales f JOIN live_sessions ls ON ls.id = f.live_id "
                    "WHERE f.released IN (0, 1) AND f.ends_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
                    "AND f.live_id IS NOT NULL ORDER BY f.id LIMIT ?",
                    "ii", (long long)WATCH_AFTER_END_S, (long long)WATCH_MAX);
    fl_db_release(db);
    if (rc != FL_DB_OK)
        return -1;
    w->n = 0;
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        watched *s = &w->sales[w->n++];
        s->sale_id = fl_rows_int(rows, i, WR_ID);
        s->starts_ms = fl_rows_int(rows, i, WR_STARTS);
        s->ends_ms = fl_rows_int(rows, i, WR_ENDS);
        snprintf(s->public_id, sizeof(s->public_id), "%s", fl_rows_str(rows, i, WR_PUBLIC_ID));
    }
    fl_rows_free(rows);
    w->refreshed_ms = mono_ms();
    return 0;
}

/* The units sold of a sale that ended (MariaDB), -1 when unknown. */
static long long sold_of(const shop_ctx *ctx, long long sale_id)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long n = -1;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    if (fl_db_query(db, &rows, "SELECT COUNT(*) FROM flash_slots WHERE sale_id = ? AND order_id IS NOT NULL", "i",
                    sale_id) == FL_DB_OK)
        n = fl_rows_int(rows, 0, 0);
    fl_rows_free(rows);
    fl_db_release(db);
    return n;
}

/* Raises what the script answered for sale s. Returns the events raised. */
static int raise_events(const shop_ctx *ctx, const watched *s, const redisReply *rep)
{
    char ends[FL_TIME_LEN];
    int n = 0;
    fl_time_format(s->ends_ms / 1000, ends);
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        const redisReply *t = rep->element[i], *v = rep->element[i + 1];
        if (t->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_INTEGER)
            continue;
        long long left = v->integer;
        if (strcmp(t->str, "open") == 0)
            shop_room_publish(ctx, s->public_id, SHOP_ROOM_EV_OPEN, 0,
                              json_pack("{s:I,s:I,s:s}", "sale_id", s->sale_id, "remaining", left, "ends_at", ends));
        else if (strcmp(t->str, "stock") == 0)
            shop_room_publish(ctx, s->public_id, SHOP_ROOM_EV_STOCK, SHOP_RT_COALESCE,
                              json_pack("{s:I,s:I}", "sale_id", s->sale_id, "remaining", left));
        else if (strcmp(t->str, "sold_out") == 0)
            shop_room_publish(ctx, s->public_id, SHOP_ROOM_EV_SOLD_OUT, 0, json_pack("{s:I}", "sale_id", s->sale_id));
        else if (strcmp(t->str, "ended") == 0)
            shop_room_publish(ctx, s->public_id, SHOP_ROOM_EV_FLASH_ENDED, 0,
                              json_pack("{s:I,s:I}", "sale_id", s->sale_id, "sold", sold_of(ctx, s->sale_id)));
        else
            continue;
        n++;
    }
    return n;
}

int shop_room_flash_tick(const shop_ctx *ctx, shop_room_watch *w)
{
    fl_kv *kv = NULL;
    int raised = 0, err = 0;
    if ((w->refreshed_ms == 0 || mono_ms() - w->refreshed_ms >= WATCH_REFRESH_MS) && watch_refresh(ctx, w) < 0)
        err = 1;
    if (w->n == 0)
        return err ? -1 : 0;
    if (fl_kv_acquire(ctx->kv, &kv) != FL_KV_OK)
        return -1;
    long long now = wall_ms();
    for (size_t i = 0; i < w->n; i++) {
        const watched *s = &w->sales[i];
        char stock[48], room[48], a_now[24], a_starts[24], a_ends[24], a_gap[16];
        snprintf(stock, sizeof(stock), "flash:{%lld}:stock", s->sale_id);
        snprintf(room, sizeof(room), "flash:{%lld}:room", s->sale_id);
        snprintf(a_now, sizeof(a_now), "%lld", now);
        snprintf(a_starts, sizeof(a_starts), "%lld", s->starts_ms);
        snprintf(a_ends, sizeof(a_ends), "%lld", s->ends_ms);
        snprintf(a_gap, sizeof(a_gap), "%d", SHOP_ROOM_STOCK_GAP_MS);
        const char *av[] = {"EVAL", TICK_LUA, "2", stock, room, a_now, a_starts, a_ends, a_gap};
        redisReply *rep = fl_kv_cmdargv(kv, 9, av, NULL);
        if (!rep) {
            err = 1;
            break;
        }
        if (rep->type == REDIS_REPLY_ARRAY)
            raised += raise_events(ctx, s, rep);
        else if (rep->type == REDIS_REPLY_ERROR)
            fl_log(FL_LOG_ERROR, "redis_error", "room flash tick: %s", rep->str);
        freeReplyObject(rep);
    }
    fl_kv_release(kv);
    return err ? -1 : raised;
}

struct shop_room_ticker {
    const shop_ctx *ctx;
    shop_room_watch watch;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    int stop;
};

static void *ticker_main(void *arg)
{
    shop_room_ticker *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        pthread_mutex_unlock(&t->mu);
        if (shop_room_flash_tick(t->ctx, &t->watch) < 0)
            fl_log(FL_LOG_DEBUG, "room_tick_unfinished", "a server did not answer; next tick");
        shop_room_bought_flush(t->ctx); /* then the "just bought" notices queued since the last tick */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += SHOP_ROOM_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&t->mu);
        if (!t->stop)
            pthread_cond_timedwait(&t->cv, &t->mu, &until);
    }
    pthread_mutex_unlock(&t->mu);
    shop_room_bought_flush(t->ctx); /* the last ones */
    return NULL;
}

shop_room_ticker *shop_room_ticker_start(const shop_ctx *ctx)
{
    shop_room_ticker *t = fl_calloc(1, sizeof(*t));
    pthread_condattr_t ca;
    t->ctx = ctx;
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        fl_log(FL_LOG_ERROR, "room_ticker_failed", "cannot start the room ticker's thread");
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        fl_free(t);
        return NULL;
    }
    return t;
}

void shop_room_ticker_stop(shop_room_ticker *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    fl_free(t);
}
