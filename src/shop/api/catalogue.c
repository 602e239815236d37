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
#include "farmlive/kv_sub.h"
#include "farmlive/log.h"
#include "farmlive/shop/api/catalogue.h"
#include "farmlive/slots.h"

#define CAT_SETS 64
#define CAT_WAYS 4
#define CAT_CHANNEL "farmlive:catalogue"

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

    fl_kv_sub *sub; /* follows CAT_CHANNEL for other processes' writes */
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
        if (e->blob && e->hash == h && e->gen == *gen && e->expires_ms > now && e->blob->keylen == keylen &&
            memcmp(e->blob->bytes, key, keylen) == 0) {
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
int shop_catalogue_put(shop_req *r, const char *key, size_t keylen, unsigned long long gen, const char *data,
                       size_t len)
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
                if (e->blob && e->hash == h && e->blob->keylen == keylen && memcmp(e->blob->bytes, key, keylen) == 0)
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

/* Bumps this process's generation and tells the others on CAT_CHANNEL
 * (through kv, or a connection of its own when kv is NULL). Never fails:
 * when Redis cannot be reached the other processes catch up by expiry. */
static void cat_changed(shop_ctx *ctx, fl_kv *kv)
{
    struct shop_catalogue *cat = ctx ? ctx->catalogue : NULL;
    fl_kv *own = NULL;
    redisReply *reply = NULL;

    if (!cat)
        return;
    cat_bump(cat);
    if (!kv && ctx->kv && fl_kv_acquire(ctx->kv, &own) == FL_KV_OK)
        kv = own;
    if (!kv) {
        fl_log(FL_LOG_WARN, "catalogue_publish_failed", "no Redis connection");
        goto out;
    }
    reply = fl_kv_cmd(kv, "PUBLISH %s %s", CAT_CHANNEL, cat->origin);
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "catalogue_publish_failed", "%s", reply ? reply->str : "Redis unreachable");
out:
    if (reply)
        freeReplyObject(reply);
    fl_kv_release(own);
}

/* Called after a committed catalogue write. */
void shop_catalogue_changed(shop_req *r)
{
    cat_changed(r->ctx, r->kv);
}

void shop_catalogue_bump(shop_ctx *ctx)
{
    cat_changed(ctx, NULL);
}

/* A message on the channel: another process changed the catalogue (our own
 * writes were bumped already). Runs on the subscriber's thread. */
static void cat_on_message(void *arg, const char *payload, size_t len)
{
    struct shop_catalogue *cat = arg;
    if (len == strlen(cat->origin) && memcmp(payload, cat->origin, len) == 0)
        return;
    cat_bump(cat);
}

/* Subscribed again: messages may have been missed while down. */
static void cat_on_state(void *arg, int up)
{
    if (up)
        cat_bump(arg);
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
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(cat->origin, sizeof(cat->origin), "%ld-%lx-%lx", (long)getpid(), (unsigned long)ts.tv_sec,
             (unsigned long)ts.tv_nsec);
    for (size_t s = 0; s < CAT_SETS; s++)
        pthread_rwlock_init(&cat->sets[s].lock, NULL);

    if (ctx->cfg && ctx->kv) {
        cat->sub = fl_kv_sub_start(ctx->cfg, CAT_CHANNEL, "catalogue", cat_on_message, cat_on_state, cat);
        if (!cat->sub) {
            fl_log(FL_LOG_ERROR, "catalogue_thread_failed", "cache disabled");
            shop_catalogue_free(cat);
            cat = NULL;
            goto out;
        }
    }
out:
    return cat;
}

/* Stops the subscriber (within about 250 ms, or the connect timeout) and
 * frees every entry. Call after the HTTP server stopped; accepts NULL. */
void shop_catalogue_free(struct shop_catalogue *cat)
{
    if (!cat)
        return;
    fl_kv_sub_stop(cat->sub);

    for (size_t s = 0; s < CAT_SETS; s++) {
        for (size_t w = 0; w < CAT_WAYS; w++)
            cat_entry_clear(&cat->sets[s].way[w]);
        pthread_rwlock_destroy(&cat->sets[s].lock);
    }
    fl_free(cat);
}
