/* catalogue.c - the catalogue read cache: whole GET /api/v1/products answers.
 *
 *   miss:  products.c ── shop_catalogue_get() → 0, gen ──> MariaDB ──> JSON text
 *                        shop_catalogue_put(gen, text) ──> stored (if gen is still
 *                        current) and replied from the same bytes
 *   hit:   products.c ── shop_catalogue_get() → 1: replied with the stored bytes
 *   write: handler commits ── shop_catalogue_changed() ──> generation++ (local)
 *                                                    └──> PUBLISH farmlive:catalogue
 *   other process ── PUBLISH ──> subscriber thread ──> generation++ (here)
 *
 * The cache is set-associative: CAT_SETS sets of CAT_WAYS entries, each set
 * behind its own rwlock, so at most CAT_SETS * CAT_WAYS (256) answers are
 * held. An entry is valid while its generation equals the cache's and its
 * expiry (cfg->catalogue_cache_ms after it was stored) has not passed. The
 * bytes live in a reference-counted blob: a hit takes a reference that the
 * request's arena drops when the request ends, so a hit copies nothing and a
 * blob evicted meanwhile stays alive for the replies still sending it.
 *
 * A reader takes the generation *before* it queries MariaDB and stores with
 * that generation, so an answer computed from data older than a write that
 * finished meanwhile is never served. While the subscriber is disconnected
 * from Redis, messages from other processes are lost: on every (re)subscribe
 * the generation is bumped, and the expiry bounds staleness in between. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hiredis/hiredis.h>

#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/shop_catalogue.h"
#include "farmlive/slots.h"

#define CAT_SETS 64
#define CAT_WAYS 4
#define CAT_CHANNEL "farmlive:catalogue"
#define CAT_CONNECT_TIMEOUT_MS 1000
#define CAT_POLL_MS 250 /* how often the subscriber looks at the stop flag */
#define CAT_BACKOFF_MIN_MS 100
#define CAT_BACKOFF_MAX_MS 5000

/* One stored answer: the key and the JSON text, allocated together. */
typedef struct cat_blob {
    atomic_int refs;
    size_t keylen;
    size_t len;
    char bytes[]; /* key (keylen bytes) then data (len bytes) then NUL */
} cat_blob;

typedef struct cat_entry {
    uint64_t hash;
    unsigned long long gen;
    long long expires_ms;
    long long stored_ms;
    cat_blob *blob; /* NULL when the way is empty */
} cat_entry;

typedef struct cat_set {
    pthread_rwlock_t lock;
    cat_entry way[CAT_WAYS];
} cat_set;

struct shop_catalogue {
    shop_ctx *ctx;
    int ttl_ms;
    _Atomic unsigned long long gen;
    cat_set sets[CAT_SETS];
    char origin[64]; /* this process in PUBLISH payloads, to skip our own */

    pthread_t sub_thread;
    int sub_started;
    pthread_mutex_t sub_mu; /* guards stopping; sub_cond wakes the backoff */
    pthread_cond_t sub_cond;
    atomic_int stopping;
};

static long long cat_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a, 64 bits. */
static uint64_t cat_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static cat_blob *cat_blob_new(const char *key, size_t keylen, const char *data, size_t len)
{
    cat_blob *b = fl_malloc(sizeof(*b) + keylen + len + 1);
    atomic_init(&b->refs, 1);
    b->keylen = keylen;
    b->len = len;
    memcpy(b->bytes, key, keylen);
    memcpy(b->bytes + keylen, data, len);
    b->bytes[keylen + len] = '\0';
    return b;
}

/* Drops one reference; the last one frees. Accepts NULL. Used directly as an
 * arena cleanup hook. */
static void cat_blob_release(void *arg)
{
    cat_blob *b = arg;
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        fl_free(b);
}

static void cat_entry_clear(cat_entry *e)
{
    cat_blob_release(e->blob);
    memset(e, 0, sizeof(*e));
}

/* Drops every entry of an older generation (all of them, just after a bump). */
static void cat_sweep(struct shop_catalogue *cat)
{
    unsigned long long gen = atomic_load(&cat->gen);
    for (size_t s = 0; s < CAT_SETS; s++) {
        cat_set *set = &cat->sets[s];
        pthread_rwlock_wrlock(&set->lock);
        for (size_t w = 0; w < CAT_WAYS; w++)
            if (set->way[w].blob && set->way[w].gen != gen)
                cat_entry_clear(&set->way[w]);
        pthread_rwlock_unlock(&set->lock);
    }
}

static void cat_bump(struct shop_catalogue *cat)
{
    atomic_fetch_add(&cat->gen, 1);
    cat_sweep(cat);
}

/* The hit path: no allocation beyond the arena's cleanup record, no copy. */
int shop_catalogue_get(shop_req *r, const char *key, size_t keylen, unsigned long long *gen)
{
    struct shop_catalogue *cat = r->ctx ? r->ctx->catalogue : NULL;
    cat_blob *hit = NULL;
    *gen = 0;
    if (!cat || cat->ttl_ms <= 0)
        return 0;
    *gen = atomic_load(&cat->gen);

    uint64_t h = cat_hash(key, keylen);
    cat_set *set = &cat->sets[h % CAT_SETS];
    long long now = cat_now_ms();
    pthread_rwlock_rdlock(&set->lock);
    for (size_t w = 0; w < CAT_WAYS; w++) {
        cat_entry *e = &set->way[w];
        if (e->blob && e->hash == h && e->gen == *gen && e->expires_ms > now &&
            e->blob->keylen == keylen && memcmp(e->blob->bytes, key, keylen) == 0) {
            hit = e->blob;
            atomic_fetch_add_explicit(&hit->refs, 1, memory_order_relaxed);
            break;
        }
    }
    pthread_rwlock_unlock(&set->lock);
    if (!hit)
        return 0;

    fl_arena_defer(r->arena, cat_blob_release, hit);
    shop_add_header(r, "X-Cache", "hit");
    shop_reply_raw(r, 200, "application/json; charset=utf-8", hit->bytes + hit->keylen, hit->len);
    return 1;
}

/* Stores data under key when gen is still current, replacing the same key,
 * else an empty or stale way, else the oldest; then replies 200 with it. */
int shop_catalogue_put(shop_req *r, const char *key, size_t keylen, unsigned long long gen,
                       const char *data, size_t len)
{
    struct shop_catalogue *cat = r->ctx ? r->ctx->catalogue : NULL;
    cat_blob *b = cat_blob_new(key, keylen, data, len);

    if (cat && cat->ttl_ms > 0) {
        uint64_t h = cat_hash(key, keylen);
        cat_set *set = &cat->sets[h % CAT_SETS];
        long long now = cat_now_ms();
        pthread_rwlock_wrlock(&set->lock);
        if (atomic_load(&cat->gen) == gen) {
            cat_entry *victim = NULL;
            for (size_t w = 0; w < CAT_WAYS && !victim; w++) {
                cat_entry *e = &set->way[w];
                if (e->blob && e->hash == h && e->blob->keylen == keylen &&
                    memcmp(e->blob->bytes, key, keylen) == 0)
                    victim = e;
            }
            for (size_t w = 0; w < CAT_WAYS && !victim; w++) {
                cat_entry *e = &set->way[w];
                if (!e->blob || e->gen != gen || e->expires_ms <= now)
                    victim = e;
            }
            if (!victim) {
                victim = &set->way[0];
                for (size_t w = 1; w < CAT_WAYS; w++)
                    if (set->way[w].stored_ms < victim->stored_ms)
                        victim = &set->way[w];
            }
            cat_entry_clear(victim);
            victim->hash = h;
            victim->gen = gen;
            victim->stored_ms = now;
            victim->expires_ms = now + cat->ttl_ms;
            victim->blob = b;
            atomic_fetch_add(&b->refs, 1); /* the cache's reference */
        }
        pthread_rwlock_unlock(&set->lock);
    }

    fl_arena_defer(r->arena, cat_blob_release, b); /* the request's reference */
    shop_add_header(r, "X-Cache", "miss");
    return shop_reply_raw(r, 200, "application/json; charset=utf-8", b->bytes + keylen, len);
}

/* Called after a committed catalogue write. Never fails the request: when
 * Redis cannot be reached the other processes catch up by expiry. */
void shop_catalogue_changed(shop_req *r)
{
    struct shop_catalogue *cat = r->ctx ? r->ctx->catalogue : NULL;
    fl_kv *kv = r->kv, *own = NULL;
    redisReply *reply = NULL;

    if (!cat)
        return;
    cat_bump(cat);
    if (!kv && r->ctx->kv && fl_kv_acquire(r->ctx->kv, &own) == FL_KV_OK)
        kv = own;
    if (!kv) {
        fl_log(FL_LOG_WARN, "catalogue_publish_failed", "no Redis connection");
        goto out;
    }
    reply = fl_kv_cmd(kv, "PUBLISH %s %s", CAT_CHANNEL, cat->origin);
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "catalogue_publish_failed", "%s",
               reply ? reply->str : "Redis unreachable");
out:
    if (reply)
        freeReplyObject(reply);
    fl_kv_release(own);
}

/* Handles one reply read on the subscription. */
static void cat_on_message(struct shop_catalogue *cat, redisReply *m)
{
    if (m->type != REDIS_REPLY_ARRAY || m->elements != 3 ||
        m->element[0]->type != REDIS_REPLY_STRING || strcmp(m->element[0]->str, "message") != 0)
        return;
    if (m->element[2]->type == REDIS_REPLY_STRING && strcmp(m->element[2]->str, cat->origin) == 0)
        return; /* our own write: already bumped */
    cat_bump(cat);
}

/* Reads messages until the connection fails or the cache is stopping.
 * poll() keeps the wait bounded, so the stop flag is seen within CAT_POLL_MS
 * and hiredis' read timeout never fires on a quiet channel. */
static void cat_listen(struct shop_catalogue *cat, redisContext *c)
{
    while (!atomic_load(&cat->stopping)) {
        void *reply = NULL;
        if (redisGetReplyFromReader(c, &reply) != REDIS_OK)
            return;
        if (reply) {
            cat_on_message(cat, reply);
            freeReplyObject(reply);
            continue;
        }
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int n = poll(&pfd, 1, CAT_POLL_MS);
        if (n < 0 && errno != EINTR)
            return;
        if (n > 0 && redisBufferRead(c) != REDIS_OK)
            return;
    }
}

/* Opens a connection and subscribes; NULL on failure. */
static redisContext *cat_subscribe(struct shop_catalogue *cat)
{
    redisContext *c = fl_kv_connect(cat->ctx->cfg, CAT_CONNECT_TIMEOUT_MS);
    redisReply *reply = NULL;
    if (!c)
        goto out;
    reply = redisCommand(c, "SUBSCRIBE %s", CAT_CHANNEL);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        redisFree(c);
        c = NULL;
    }
out:
    if (reply)
        freeReplyObject(reply);
    return c;
}

/* The subscriber thread: subscribe, listen, and on loss wait with doubling
 * backoff (woken early by shop_catalogue_free) before trying again. */
static void *cat_subscriber(void *arg)
{
    struct shop_catalogue *cat = arg;
    int backoff = CAT_BACKOFF_MIN_MS;
    int was_up = 1; /* log the first failure of a streak only */

    while (!atomic_load(&cat->stopping)) {
        redisContext *c = cat_subscribe(cat);
        if (c) {
            cat_bump(cat); /* messages may have been missed while down */
            if (!was_up)
                fl_log(FL_LOG_INFO, "catalogue_subscribed", "%s", CAT_CHANNEL);
            was_up = 1;
            backoff = CAT_BACKOFF_MIN_MS;
            cat_listen(cat, c);
            redisFree(c);
            if (atomic_load(&cat->stopping))
                break;
            fl_log(FL_LOG_WARN, "catalogue_subscription_lost", "reconnecting");
        } else if (was_up) {
            fl_log(FL_LOG_WARN, "catalogue_subscribe_failed", "retrying with backoff");
            was_up = 0;
        }

        struct timespec until;
        fl_deadline_ms(&until, backoff);
        pthread_mutex_lock(&cat->sub_mu);
        while (!atomic_load(&cat->stopping) &&
               pthread_cond_timedwait(&cat->sub_cond, &cat->sub_mu, &until) == 0)
            ;
        pthread_mutex_unlock(&cat->sub_mu);
        backoff = backoff * 2 > CAT_BACKOFF_MAX_MS ? CAT_BACKOFF_MAX_MS : backoff * 2;
    }
    return NULL;
}

/* Called once by main after the pools exist. Starts the subscriber thread
 * (when ctx->kv is configured). Returns NULL, having released everything, if
 * the thread cannot start; products then go uncached. */
struct shop_catalogue *shop_catalogue_new(shop_ctx *ctx)
{
    struct shop_catalogue *cat = fl_calloc(1, sizeof(*cat));
    struct timespec ts;

    cat->ctx = ctx;
    cat->ttl_ms = ctx->cfg ? ctx->cfg->catalogue_cache_ms : 0;
    atomic_init(&cat->gen, 1);
    atomic_init(&cat->stopping, 0);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(cat->origin, sizeof(cat->origin), "%ld-%lx-%lx", (long)getpid(),
             (unsigned long)ts.tv_sec, (unsigned long)ts.tv_nsec);
    for (size_t s = 0; s < CAT_SETS; s++)
        pthread_rwlock_init(&cat->sets[s].lock, NULL);
    pthread_mutex_init(&cat->sub_mu, NULL);
    pthread_cond_init(&cat->sub_cond, NULL);

    if (ctx->cfg && ctx->kv) {
        if (pthread_create(&cat->sub_thread, NULL, cat_subscriber, cat) != 0) {
            fl_log(FL_LOG_ERROR, "catalogue_thread_failed", "cache disabled");
            shop_catalogue_free(cat);
            cat = NULL;
            goto out;
        }
        cat->sub_started = 1;
    }
out:
    return cat;
}

/* Stops the subscriber (within CAT_POLL_MS, or the connect timeout) and
 * frees every entry. Call after the HTTP server stopped; accepts NULL. */
void shop_catalogue_free(struct shop_catalogue *cat)
{
    if (!cat)
        return;
    pthread_mutex_lock(&cat->sub_mu);
    atomic_store(&cat->stopping, 1);
    pthread_cond_broadcast(&cat->sub_cond);
    pthread_mutex_unlock(&cat->sub_mu);
    if (cat->sub_started)
        pthread_join(cat->sub_thread, NULL);

    for (size_t s = 0; s < CAT_SETS; s++) {
        for (size_t w = 0; w < CAT_WAYS; w++)
            cat_entry_clear(&cat->sets[s].way[w]);
        pthread_rwlock_destroy(&cat->sets[s].lock);
    }
    pthread_cond_destroy(&cat->sub_cond);
    pthread_mutex_destroy(&cat->sub_mu);
    fl_free(cat);
}
