/* shop/rt/topic.h - the feed's own state, shared by its two halves and
 * by nothing else:
 *
 *   feed.c  topics and their rings, what Redis brings (rt/bus.h),
 *           long-polls, the timer thread
 *   sse.c   the SSE writer: every stream's socket, taken over from the
 *           HTTP server once its headers are sent (core/http.h), and the
 *           one thread that writes to them all
 *
 * Locking: rt->mu guards the topic table, the rings, the long-polls, the
 * counters and the two hand-over lists (rt->dirty, rt->adopt). What is
 * marked "the writer's" below is read and written on the writer thread
 * only, without the lock. No system call on a socket happens under mu.
 *
 * A topic is freed only when it has no stream (nsubs, counted from the
 * request that opens one to the close of its socket), no long-poll, is
 * not on rt->dirty and not held by the writer: so the writer may use a
 * topic's pointer while any of its streams lives, or while it holds it. */
#ifndef FARMLIVE_SHOP_RT_TOPIC_H
#define FARMLIVE_SHOP_RT_TOPIC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "farmlive/shop/rt/bus.h"
#include "farmlive/shop/rt/feed.h"
#include "farmlive/shop/rt/ring.h"

typedef struct rt_sub rt_sub;
typedef struct rt_waiter rt_waiter;

typedef struct rt_topic {
    struct rt_topic *hnext; /* the table's bucket */
    shop_rt_ring ring;
    rt_waiter *waiters; /* long-polls */
    size_t nsubs;       /* SSE streams, from their request to their socket's close */
    size_t nwaiters;
    unsigned long primed_epoch; /* == rt->epoch: the backlog was read in this epoch */
    int64_t used_ms;            /* when a client last named it */
    struct rt_topic *dnext;     /* on rt->dirty */
    int dirty;                  /* on rt->dirty: its ring changed since the writer looked */
    int64_t dirty_ms;           /* when it went onto rt->dirty */
    int held;                   /* the writer took it off rt->dirty and is sending its news */
    /* the writer's */
    rt_sub *subs;                   /* its streams whose socket came */
    struct rt_topic *wprev, *wnext; /* on the writer's list of topics with streams */
    long long sent;                 /* the seq its streams that keep up are at */
    int64_t pass_ms;                /* how long its last pass over its streams took */
    char name[SHOP_RT_TOPIC_MAX + 1];
} rt_topic;

/* An SSE stream: its own allocation (it outlives its request). */
struct rt_sub {
    rt_sub *anext; /* on rt->adopt (under mu) */
    shop_rt *rt;
    rt_topic *topic;
    long long after; /* what the client asked to start after (Last-Event-ID) */
    int fd;          /* -1 until its socket comes */
    int chunked;     /* HTTP/1.1: the body goes as chunks */
    /* the writer's */
    rt_sub *prev, *next; /* the topic's */
    long long pos;       /* the seq of the last event handed to the socket */
    char *out;           /* bytes the socket did not take yet (at most one batch), or NULL */
    size_t out_len, out_off;
};

/* A growable text with room for an HTTP chunk's size line in front: the
 * writer builds each batch once and sends it to every stream that keeps
 * up, as a chunk or (HTTP/1.0) as it is. */
#define RT_CHUNK_HEAD 10 /* "FFFFFFFF\r\n" */
typedef struct rt_batch {
    char *buf;  /* RT_CHUNK_HEAD bytes of room, the text, then 2 for "\r\n" */
    size_t len; /* the text's */
    size_t cap;
} rt_batch;

struct shop_rt {
    shop_rt_bus *bus;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* the timer: a sooner deadline, or stop */
    pthread_t timer;
    int timer_started;
    int timer_stop;
    int64_t timer_until; /* when the timer wakes next (0: it is awake) */
    rt_topic *bucket[1024];
    size_t ntopics, nsubs, nwaiters;
    unsigned long epoch; /* +1 at every change of the subscription */
    int subscribed;
    int stopping; /* quiesced */
    unsigned long long events, dropped;
    rt_topic *dirty; /* topics whose ring changed, for the writer */
    rt_sub *adopt;   /* streams whose socket came, for the writer */
    /* the writer (sse.c) */
    pthread_t writer;
    int writer_started;
    int writer_stop; /* under mu */
    int ep, wake_fd;
    rt_topic *wtopics;      /* the writer's: topics with streams */
    struct rt_sendq *sendq; /* the writer's: its sends (rt/sendq.h), from its first pass */
    rt_batch group, single;
};

/* ---- sse.c, for feed.c ---- */

/* Starts the writer thread (its epoll and wake-up descriptors): 0, or -1. */
int rt_sse_start(shop_rt *rt);
/* Wakes the writer (after adding to rt->dirty or rt->adopt, or setting
 * stopping); any thread, with or without mu. */
void rt_sse_wake(shop_rt *rt);
/* Ends every stream and stops the thread; what is left is freed. */
void rt_sse_stop(shop_rt *rt);

/* ---- feed.c, for sse.c ---- */

/* Makes this process follow topic name (its backlog read when it is not
 * primed) and marks it used: 0, or -1 when the table is full. Outside mu. */
int rt_follow(shop_rt *rt, const char *name);
/* The topic named, or NULL; with create, made when missing (NULL when the
 * table is full of topics with clients). Under mu. */
rt_topic *rt_topic_get(shop_rt *rt, const char *name, int create);

#endif
