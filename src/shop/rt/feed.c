/* feed.c - topics, rings and long-polls of the realtime feed
 * (shop/rt/feed.h); the SSE streams' writer is sse.c, their shared state
 * shop/rt/topic.h.
 *
 *   thread          what it does here
 *   subscriber      an event heard (rt/bus.h) -> its topic's ring -> the
 *                   topic handed to the SSE writer (rt->dirty) and its
 *                   satisfied long-polls resumed. A subscription that came
 *                   back -> the backlogs of the topics with clients are
 *                   read again (gaps filled) before anything is delivered
 *   timer           long-polls whose time is up; topics that could not be
 *                   primed primed again; idle topics forgotten
 *   HTTP workers    handlers follow a topic (its backlog read once), read
 *                   its ring, suspend long-polls, open streams (sse.c)
 *
 * One mutex (rt->mu) guards the table, the rings and every list; no Redis
 * call and no wake-up of a connection happens under it: the ones to wake
 * are taken off under the lock and woken after, by whoever took them,
 * exactly once.
 *
 * A topic is "primed" when its backlog was read since the subscription's
 * last change (rt->epoch): only then does its ring hold everything a
 * client may ask for, and only then is anything of it delivered. An event
 * heard before (the subscription is back, the backlog not read yet) waits
 * in the ring: delivering it first would move a client past the events
 * the backlog is about to fill in before it. */
#include "farmlive/shop/rt/feed.h"
#include "farmlive/shop/rt/topic.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BUCKETS (sizeof(((shop_rt *)0)->bucket) / sizeof(((shop_rt *)0)->bucket[0]))
#define SWEEP_MS 5000   /* how often idle topics are looked for */
#define REPRIME_MS 1000 /* how often topics that could not be primed are tried again */

/* A suspended long-poll, in its request's arena. */
struct rt_waiter {
    rt_waiter *next;
    struct shop_req *r;
    rt_topic *topic;
    long long after;
    int64_t until_ms;
    int (*answer)(struct shop_req *r, void *arg);
    void *arg;
};

/* ---- topics ---------------------------------------------------------------- */

static size_t topic_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

static void topic_free(rt_topic *t)
{
    shop_rt_ring_clear(&t->ring);
    fl_free(t);
}

/* Frees every topic (the feed is stopping; no client is left). */
static void topics_free_all(shop_rt *rt)
{
    for (size_t b = 0; b < BUCKETS; b++)
        while (rt->bucket[b]) {
            rt_topic *t = rt->bucket[b];
            rt->bucket[b] = t->hnext;
            topic_free(t);
        }
    rt->ntopics = 0;
}

/* Forgets the least recently used topic that has no client (or, with
 * idle_ms >= 0, every one unused for idle_ms): 1 when one went. Under mu. */
static int topics_forget(shop_rt *rt, int64_t idle_ms)
{
    rt_topic **lru = NULL;
    int64_t now = fl_mono_ms();
    int gone = 0;
    for (size_t b = 0; b < BUCKETS; b++) {
        for (rt_topic **pp = &rt->bucket[b]; *pp;) {
            rt_topic *t = *pp;
            int idle = t->nsubs == 0 && t->nwaiters == 0 && !t->dirty && !t->held;
            if (idle && idle_ms >= 0 && now - t->used_ms >= idle_ms) {
                *pp = t->hnext;
                topic_free(t);
                rt->ntopics--;
                gone = 1;
                continue;
            }
            if (idle && (!lru || t->used_ms < (*lru)->used_ms))
                lru = pp;
            pp = &t->hnext;
        }
    }
    if (idle_ms < 0 && lru) {
        rt_topic *t = *lru;
        *lru = t->hnext;
        topic_free(t);
        rt->ntopics--;
        gone = 1;
    }
    return gone;
}

rt_topic *rt_topic_get(shop_rt *rt, const char *name, int create)
{
    size_t h = topic_hash(name);
    for (rt_topic *t = rt->bucket[h]; t; t = t->hnext)
        if (strcmp(t->name, name) == 0)
            return t;
    if (!create || (rt->ntopics >= SHOP_RT_TOPICS_MAX && !topics_forget(rt, -1)))
        return NULL;
    rt_topic *t = fl_calloc(1, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    shop_rt_ring_init(&t->ring, SHOP_RT_RING_EVENTS, SHOP_RT_RING_BYTES);
    t->used_ms = fl_mono_ms();
    t->hnext = rt->bucket[h];
    rt->bucket[h] = t;
    rt->ntopics++;
    return t;
}

/* 1 when the ring has an event with seq > after. */
static int has_after(const rt_topic *t, long long after)
{
    return t->ring.n > 0 && shop_rt_ring_at(&t->ring, t->ring.n - 1)->seq > after;
}

/* After t's ring changed: hands t to the SSE writer when it has streams
 * (*wake set: the writer is to be woken) and takes its long-polls that now
 * have an answer onto ready (to resume). Nothing while t is not primed.
 * Under mu. */
static void topic_changed(shop_rt *rt, rt_topic *t, int *wake, rt_waiter **ready)
{
    if (t->primed_epoch != rt->epoch)
        return;
    if (t->nsubs && !t->dirty) {
        t->dirty = 1;
        t->dirty_ms = fl_mono_ms();
        t->dnext = rt->dirty;
        rt->dirty = t;
        *wake = 1;
    }
    for (rt_waiter **pp = &t->waiters; *pp;) {
        rt_waiter *w = *pp;
        if (has_after(t, w->after)) {
            *pp = w->next;
            t->nwaiters--;
            rt->nwaiters--;
            w->next = *ready;
            *ready = w;
        } else {
            pp = &w->next;
        }
    }
}

/* Wakes what topic_changed and friends took off, outside mu. */
static void wake_all(shop_rt *rt, int wake, rt_waiter *ready)
{
    if (wake)
        rt_sse_wake(rt);
    while (ready) {
        rt_waiter *next = ready->next; /* the waiter is its request's once resumed */
        shop_resume_then(ready->r, ready->answer, ready->arg);
        ready = next;
    }
}

/* ---- Redis: events, backlogs, the subscription ------------------------------- */

static void feed_on_event(void *arg, const shop_rt_wire *w)
{
    shop_rt *rt = arg;
    int wake = 0;
    rt_waiter *ready = NULL;
    pthread_mutex_lock(&rt->mu);
    rt_topic *t = rt_topic_get(rt, w->topic, 0); /* a topic nobody here follows is not kept */
    if (t && w->seq > t->ring.last_seq) {
        shop_rt_ring_push(&t->ring, shop_rt_event_new(w->seq, w->type, w->flags, w->data, w->data_len));
        rt->events++;
        topic_changed(rt, t, &wake, &ready);
    }
    pthread_mutex_unlock(&rt->mu);
    wake_all(rt, wake, ready);
}

typedef struct prime_run {
    shop_rt *rt;
    const char *const *names;
    unsigned long epoch; /* when the backlogs were asked for */
} prime_run;

static void prime_got(void *arg, size_t i, shop_rt_event **ev, size_t m, int full)
{
    prime_run *p = arg;
    shop_rt *rt = p->rt;
    int wake = 0;
    rt_waiter *ready = NULL;
    pthread_mutex_lock(&rt->mu);
    rt_topic *t = rt_topic_get(rt, p->names[i], 0);
    if (!t) {
        for (size_t k = 0; k < m; k++)
            shop_rt_event_unref(ev[k]);
    } else {
        shop_rt_ring_merge(&t->ring, ev, m, full);
        if (p->epoch == rt->epoch)
            t->primed_epoch = p->epoch;
        topic_changed(rt, t, &wake, &ready); /* what waited for the backlog, and what it brought */
    }
    pthread_mutex_unlock(&rt->mu);
    wake_all(rt, wake, ready);
}

/* Reads the backlogs of the n topics named into their rings (outside mu). */
static void prime(shop_rt *rt, const char *const *names, size_t n)
{
    prime_run p = {rt, names, 0};
    pthread_mutex_lock(&rt->mu);
    p.epoch = rt->epoch;
    pthread_mutex_unlock(&rt->mu);
    if (shop_rt_bus_backlog(rt->bus, names, n, prime_got, &p) != 0)
        fl_log(FL_LOG_WARN, "rt_backlog_failed", "%zu topic(s): Redis did not answer", n);
}

/* Primes the topics with clients that are not primed in this epoch (all
 * of them when the subscription just came up); outside mu. */
static void prime_unprimed(shop_rt *rt)
{
    char(*names)[SHOP_RT_TOPIC_MAX + 1] = NULL;
    const char **list = NULL;
    size_t n = 0;

    pthread_mutex_lock(&rt->mu);
    if (rt->subscribed && rt->ntopics) {
        names = fl_malloc(rt->ntopics * sizeof(*names));
        list = fl_malloc(rt->ntopics * sizeof(*list));
        for (size_t b = 0; b < BUCKETS; b++)
            for (rt_topic *t = rt->bucket[b]; t; t = t->hnext)
                if ((t->nsubs || t->nwaiters) && t->primed_epoch != rt->epoch) {
                    memcpy(names[n], t->name, sizeof(names[n]));
                    list[n] = names[n];
                    n++;
                }
    }
    pthread_mutex_unlock(&rt->mu);
    if (n)
        prime(rt, list, n);
    fl_free(list);
    fl_free(names);
}

/* The subscription came up (read again the backlogs of the topics with
 * clients: what was published while it was down) or went down. */
static void feed_on_state(void *arg, int up)
{
    shop_rt *rt = arg;
    pthread_mutex_lock(&rt->mu);
    rt->subscribed = up;
    rt->epoch++; /* every topic must be primed again */
    pthread_mutex_unlock(&rt->mu);
    if (up)
        prime_unprimed(rt);
}

int rt_follow(shop_rt *rt, const char *name)
{
    pthread_mutex_lock(&rt->mu);
    rt_topic *t = rt_topic_get(rt, name, 1);
    int primed = t && t->primed_epoch == rt->epoch;
    if (t)
        t->used_ms = fl_mono_ms();
    pthread_mutex_unlock(&rt->mu);
    if (!t)
        return -1;
    if (!primed)
        prime(rt, &name, 1);
    return 0;
}

/* ---- the timer thread ---------------------------------------------------------- */

/* Long-polls past their time (or all, when stopping) onto ready. Returns
 * the earliest deadline left. Under mu. */
static int64_t timer_pass(shop_rt *rt, int64_t now, rt_waiter **ready)
{
    int64_t next = INT64_MAX;
    for (size_t b = 0; b < BUCKETS; b++) {
        for (rt_topic *t = rt->bucket[b]; t; t = t->hnext) {
            for (rt_waiter **pp = &t->waiters; *pp;) {
                rt_waiter *w = *pp;
                if (rt->stopping || w->until_ms <= now) {
                    *pp = w->next;
                    t->nwaiters--;
                    rt->nwaiters--;
                    w->next = *ready;
                    *ready = w;
                } else {
                    next = w->until_ms < next ? w->until_ms : next;
                    pp = &w->next;
                }
            }
        }
    }
    return next;
}

static void *timer_main(void *arg)
{
    shop_rt *rt = arg;
    int64_t now = fl_mono_ms();
    int64_t next_sweep = now + SWEEP_MS, next_prime = now + REPRIME_MS, deadline = 0;

    pthread_mutex_lock(&rt->mu);
    while (!rt->timer_stop) {
        rt_waiter *ready = NULL;
        now = fl_mono_ms();
        if (now >= deadline)
            deadline = timer_pass(rt, now, &ready);
        if (now >= next_sweep) {
            topics_forget(rt, SHOP_RT_IDLE_S * 1000);
            next_sweep = now + SWEEP_MS;
        }
        if (ready || now >= next_prime) {
            int prime_due = now >= next_prime;
            if (prime_due)
                next_prime = now + REPRIME_MS;
            pthread_mutex_unlock(&rt->mu);
            wake_all(rt, 0, ready);
            if (prime_due)
                prime_unprimed(rt); /* a backlog Redis did not answer: asked again */
            pthread_mutex_lock(&rt->mu);
            deadline = 0; /* long-polls may have come meanwhile: look again */
            continue;
        }
        int64_t until = next_prime < next_sweep ? next_prime : next_sweep;
        until = deadline < until ? deadline : until;
        rt->timer_until = until;
        struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (long)(until % 1000) * 1000000L};
        pthread_cond_timedwait(&rt->cond, &rt->mu, &ts);
        rt->timer_until = 0;
        deadline = 0; /* a deadline passed, or a long-poll came with a sooner one */
    }
    pthread_mutex_unlock(&rt->mu);
    return NULL;
}

/* ---- lifecycle ----------------------------------------------------------------- */

shop_rt *shop_rt_start(const shop_ctx *ctx)
{
    shop_rt *rt = fl_calloc(1, sizeof(*rt));
    pthread_condattr_t ca;

    rt->epoch = 1;
    rt->ep = rt->wake_fd = -1;
    pthread_mutex_init(&rt->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&rt->cond, &ca);
    pthread_condattr_destroy(&ca);
    rt->timer_started = pthread_create(&rt->timer, NULL, timer_main, rt) == 0;
    if (rt->timer_started && rt_sse_start(rt) == 0)
        rt->bus = shop_rt_bus_start(ctx->cfg, ctx->kv, ctx->kv_batch, feed_on_event, feed_on_state, rt);
    if (!rt->bus) {
        fl_log(FL_LOG_ERROR, "rt_start_failed", "cannot start the realtime feed's threads");
        shop_rt_stop(rt);
        return NULL;
    }
    return rt;
}

void shop_rt_quiesce(shop_rt *rt)
{
    rt_waiter *ready = NULL;
    if (!rt)
        return;
    pthread_mutex_lock(&rt->mu);
    rt->stopping = 1;
    timer_pass(rt, fl_mono_ms(), &ready);
    pthread_mutex_unlock(&rt->mu);
    wake_all(rt, 1, ready); /* the writer sees stopping: the streams end */
}

void shop_rt_stop(shop_rt *rt)
{
    if (!rt)
        return;
    shop_rt_quiesce(rt);
    shop_rt_bus_stop(rt->bus); /* no event comes after this */
    rt_sse_stop(rt);
    if (rt->timer_started) {
        pthread_mutex_lock(&rt->mu);
        rt->timer_stop = 1;
        pthread_cond_broadcast(&rt->cond);
        pthread_mutex_unlock(&rt->mu);
        pthread_join(rt->timer, NULL);
    }
    if (rt->nsubs || rt->nwaiters) /* the server is stopped: every connection ended */
        fl_log(FL_LOG_ERROR, "rt_stop", "%zu streams and %zu long-polls still linked", rt->nsubs, rt->nwaiters);
    topics_free_all(rt);
    pthread_cond_destroy(&rt->cond);
    pthread_mutex_destroy(&rt->mu);
    fl_free(rt);
}

int shop_rt_publish(shop_rt *rt, const char *topic, const char *type, unsigned flags, const char *data, size_t len)
{
    return rt ? shop_rt_bus_publish(rt->bus, topic, type, flags, data, len) : -1;
}

void shop_rt_stats_get(shop_rt *rt, shop_rt_stats *out)
{
    pthread_mutex_lock(&rt->mu);
    *out = (shop_rt_stats){rt->ntopics, rt->nsubs, rt->nwaiters, rt->events, rt->dropped};
    pthread_mutex_unlock(&rt->mu);
}

size_t shop_rt_streams_each(shop_rt *rt, const char *prefix, void (*got)(void *arg, const char *topic, size_t streams),
                            void *arg)
{
    struct named {
        char name[SHOP_RT_TOPIC_MAX + 1];
        size_t n;
    } *list = NULL;
    size_t n = 0, plen = strlen(prefix);

    pthread_mutex_lock(&rt->mu);
    if (rt->ntopics)
        list = fl_malloc(rt->ntopics * sizeof(*list));
    for (size_t b = 0; b < BUCKETS; b++)
        for (rt_topic *t = rt->bucket[b]; t; t = t->hnext)
            if (t->nsubs && strncmp(t->name, prefix, plen) == 0) {
                memcpy(list[n].name, t->name, sizeof(list[n].name));
                list[n++].n = t->nsubs;
            }
    pthread_mutex_unlock(&rt->mu);
    for (size_t i = 0; i < n; i++)
        got(arg, list[i].name, list[i].n);
    fl_free(list);
    return n;
}

size_t shop_rt_topic_clients(shop_rt *rt, const char *topic)
{
    size_t n = 0;
    if (!rt)
        return 0;
    pthread_mutex_lock(&rt->mu);
    const rt_topic *t = rt_topic_get(rt, topic, 0);
    if (t)
        n = t->nsubs + t->nwaiters;
    pthread_mutex_unlock(&rt->mu);
    return n;
}

/* ---- reading and long-polls ---------------------------------------------------- */

typedef struct held_events {
    shop_rt_event **events;
    size_t n;
} held_events;

static void release_held(void *arg)
{
    held_events *h = arg;
    for (size_t i = 0; i < h->n; i++)
        shop_rt_event_unref(h->events[i]);
}

int shop_rt_read(shop_rt *rt, const char *topic, long long after, fl_arena *a, shop_rt_view *out)
{
    held_events *h = fl_arena_alloc(a, sizeof(*h));

    memset(out, 0, sizeof(*out));
    h->events = NULL;
    h->n = 0;
    if (rt_follow(rt, topic) != 0)
        return SHOP_E_UNAVAILABLE;
    pthread_mutex_lock(&rt->mu);
    rt_topic *t = rt_topic_get(rt, topic, 0);
    if (t) {
        size_t k = shop_rt_ring_after(&t->ring, after);
        h->events = fl_arena_alloc(a, (t->ring.n - k + 1) * sizeof(*h->events));
        for (; k < t->ring.n; k++) {
            shop_rt_event *e = shop_rt_ring_at(&t->ring, k);
            if (!e->superseded)
                h->events[h->n++] = shop_rt_event_ref(e);
        }
        out->last_seq = t->ring.last_seq;
        out->truncated = shop_rt_ring_truncated(&t->ring, after);
    }
    out->subscribed = rt->subscribed;
    pthread_mutex_unlock(&rt->mu);
    fl_arena_defer(a, release_held, h);
    out->events = h->events;
    out->n = h->n;
    return SHOP_OK;
}

int shop_rt_wait(shop_rt *rt, struct shop_req *r, const char *topic, long long after, int wait_ms,
                 int (*answer)(struct shop_req *r, void *arg), void *arg)
{
    if (rt_follow(rt, topic) != 0)
        return shop_fail(r, SHOP_E_UNAVAILABLE, "too many topics followed at once; try again");
    pthread_mutex_lock(&rt->mu);
    rt_topic *t = rt_topic_get(rt, topic, 0);
    if (t && wait_ms > 0 && !rt->stopping && rt->nwaiters < SHOP_RT_WAITERS_MAX && !has_after(t, after)) {
        rt_waiter *w = fl_arena_alloc(r->arena, sizeof(*w));
        *w = (rt_waiter){t->waiters, r, t, after, fl_mono_ms() + wait_ms, answer, arg};
        shop_suspend(r);
        t->waiters = w;
        t->nwaiters++;
        rt->nwaiters++;
        if (w->until_ms < rt->timer_until) /* sooner than the timer sleeps to (awake: it looks anyway) */
            pthread_cond_signal(&rt->cond);
        pthread_mutex_unlock(&rt->mu);
        return SHOP_SUSPENDED;
    }
    pthread_mutex_unlock(&rt->mu);
    return answer(r, arg);
}
