/* room_events.c - notices other areas raise in a live room (see
 * shop/domain/room_events.h). */
#include "farmlive/shop/domain/room_events.h"
#include "farmlive/shop/domain/chat_text.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/rt/feed.h"
#include "farmlive/alloc.h"
#include "farmlive/kv.h"
#include "farmlive/log.h"
#include "farmlive/timefmt.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PRODUCT_NAME_MAX 256 /* bytes of the name carried */
#define GATE_TTL_MS 60000    /* a quiet room's gate is forgotten */
#define LATER_ROOMS 256      /* rooms with notices waiting at once */

/* The room's gate, on Redis's clock (every shop process shares it). KEYS:
 * the gate's hash. ARGV: the gap (ms), its lifetime (ms), the orders to
 * count. Counts them; answers the orders since the last notice, these
 * included, when a notice may go now (and starts the next gap), else 0. */
static const char GATE_LUA[] = "local t = redis.call('TIME') "
                               "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
                               "local n = redis.call('HINCRBY', KEYS[1], 'n', tonumber(ARGV[3])) "
                               "local nxt = tonumber(redis.call('HGET', KEYS[1], 'next') or '0') "
                               "redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
                               "if now < nxt then return 0 end "
                               "redis.call('HSET', KEYS[1], 'next', now + tonumber(ARGV[1]), 'n', 0) "
                               "return n";

/* The orders to announce in live_id's notice now (these `orders` and
 * those held back since the last), or 0 when the gap has not passed.
 * Without Redis: `orders` (the notice goes; raising it will say whether
 * Redis is back). */
static long long gate(const shop_ctx *ctx, long long live_id, long long orders)
{
    char key[64], gap[16], ttl[16], count[24];
    fl_kv *kv = NULL;
    long long n = orders;
    snprintf(key, sizeof(key), "farmlive:room_bought:%lld", live_id);
    snprintf(gap, sizeof(gap), "%d", SHOP_ROOM_BOUGHT_GAP_MS);
    snprintf(ttl, sizeof(ttl), "%d", GATE_TTL_MS);
    snprintf(count, sizeof(count), "%lld", orders);
    if (fl_kv_acquire(ctx->kv, &kv) == FL_KV_OK) {
        const char *av[] = {"EVAL", GATE_LUA, "1", key, gap, ttl, count};
        redisReply *rep = fl_kv_cmdargv(kv, 7, av, NULL);
        if (rep && rep->type == REDIS_REPLY_INTEGER)
            n = rep->integer;
        if (rep)
            freeReplyObject(rep);
    }
    fl_kv_release(kv);
    return n;
}

/* The notice of orders_now orders of live_id (counted at the gate), the
 * last one's buyer, product and quantity named; shop_room_bought's
 * contract otherwise. */
static int bought(const shop_ctx *ctx, long long live_id, long long buyer_account_id, const char *product_name,
                  long long qty, long long orders_now)
{
    enum { BC_PUBLIC_ID, BC_NAME };
    char masked[8], at[FL_TIME_LEN], topic[SHOP_RT_TOPIC_MAX + 1], name[PRODUCT_NAME_MAX + 1];
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *m = NULL;
    char *text = NULL;
    long long orders;
    int rc, raised = 0;

    if (!ctx || live_id <= 0 || qty <= 0 || orders_now <= 0)
        return 0;
    if ((orders = gate(ctx, live_id, orders_now)) <= 0)
        return 0; /* counted into the next notice */
    if ((rc = fl_db_acquire(ctx->db, &db)) == FL_DB_OK)
        rc = fl_db_query(db, &rows,
                         "SELECT l.public_id, (SELECT a.display_name FROM accounts a WHERE a.id = ?) "
                         "FROM live_sessions l WHERE l.id = ?",
                         "ii", buyer_account_id, live_id);
    fl_db_release(db);
    if (rc != FL_DB_OK || fl_rows_count(rows) != 1) {
        fl_log(FL_LOG_WARN, "room_bought_lost", "no notice for live session %lld (database %d)", live_id, rc);
        goto out_free;
    }
    shop_chat_mask_name(fl_rows_str(rows, 0, BC_NAME), masked);
    /* a name cut on a character boundary; json_string refuses invalid UTF-8 */
    snprintf(name, sizeof(name), "%s", product_name ? product_name : "");
    for (size_t n = strlen(name); n > 0 && shop_utf8_chars(name, n) < 0; n--)
        name[n - 1] = '\0';
    fl_time_format((long long)time(NULL), at);
    m = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}", "live_id", fl_rows_str(rows, 0, BC_PUBLIC_ID), "buyer", masked,
                  "product", name, "qty", (json_int_t)qty, "others", (json_int_t)(orders - 1), "at", at);
    text = m ? json_dumps(m, JSON_COMPACT) : NULL;
    if (!text || shop_rt_topic_live(topic, fl_rows_str(rows, 0, BC_PUBLIC_ID)) != 0 ||
        shop_rt_publish(ctx->rt, topic, SHOP_ROOM_EVENT_BOUGHT, 0, text, strlen(text)) != 0)
        fl_log(FL_LOG_WARN, "room_bought_lost", "the notice of live session %lld was not raised", live_id);
    else
        raised = 1;
out_free:
    free(text);
    json_decref(m);
    fl_rows_free(rows);
    return raised;
}

int shop_room_bought(const shop_ctx *ctx, long long live_id, long long buyer_account_id, const char *product_name,
                     long long qty)
{
    return bought(ctx, live_id, buyer_account_id, product_name, qty, 1);
}

/* ---- notices raised later, by the room ticker ---------------------------- */

typedef struct {
    long long live_id, buyer, qty, orders; /* orders: since the last flush, the named one included */
    char product[PRODUCT_NAME_MAX + 1];
} later_room;

struct shop_room_notices {
    pthread_mutex_t mu;
    later_room rooms[LATER_ROOMS];
    size_t n;
    long long lost; /* orders not queued (every room slot taken), since the last flush */
};

shop_room_notices *shop_room_notices_new(void)
{
    shop_room_notices *q = fl_calloc(1, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    return q;
}

void shop_room_notices_free(shop_room_notices *q)
{
    if (!q)
        return;
    pthread_mutex_destroy(&q->mu);
    fl_free(q);
}

void shop_room_bought_later(const shop_ctx *ctx, long long live_id, long long buyer_account_id,
                            const char *product_name, long long qty)
{
    shop_room_notices *q = ctx ? ctx->notices : NULL;
    if (!q) {
        shop_room_bought(ctx, live_id, buyer_account_id, product_name, qty);
        return;
    }
    if (live_id <= 0 || qty <= 0)
        return;
    pthread_mutex_lock(&q->mu);
    later_room *w = NULL;
    for (size_t i = 0; i < q->n && !w; i++)
        if (q->rooms[i].live_id == live_id)
            w = &q->rooms[i];
    if (!w && q->n < LATER_ROOMS) {
        w = &q->rooms[q->n++];
        w->live_id = live_id;
        w->orders = 0;
    }
    if (w) { /* the latest order is the one named */
        w->buyer = buyer_account_id;
        w->qty = qty;
        w->orders++;
        snprintf(w->product, sizeof(w->product), "%s", product_name ? product_name : "");
    } else {
        q->lost++;
    }
    pthread_mutex_unlock(&q->mu);
}

int shop_room_bought_flush(const shop_ctx *ctx)
{
    later_room rooms[LATER_ROOMS]; /* ~75 kB of the flushing thread's stack */
    shop_room_notices *q = ctx ? ctx->notices : NULL;
    size_t n;
    long long lost;
    int raised = 0;
    if (!q)
        return 0;
    pthread_mutex_lock(&q->mu);
    n = q->n;
    memcpy(rooms, q->rooms, n * sizeof(rooms[0]));
    q->n = 0;
    lost = q->lost;
    q->lost = 0;
    pthread_mutex_unlock(&q->mu);
    if (lost)
        fl_log(FL_LOG_WARN, "room_bought_lost", "%lld orders in more than %d rooms at once: not announced", lost,
               LATER_ROOMS);
    for (size_t i = 0; i < n; i++)
        raised += bought(ctx, rooms[i].live_id, rooms[i].buyer, rooms[i].product, rooms[i].qty, rooms[i].orders);
    return raised;
}
