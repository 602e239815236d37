/* shop/rt/topic.h - the feed's own state, shared by its two halves and
 * by nothing else:
 *
 *   feed.c  topics and their rings, what Redis brings (rt/bus.h),
 *           long-polls, the timer thread
 *   sse.c   the SSE writers: every stream's socket, taken over from the
 *           HTTP server once its headers are sent (core/http.h), shared
 *           out over rt->nwriters writer threads (each its own epoll set
 *           and its own streams: a stream stays with the writer it was
 *           given, the one with the fewest streams when it came)
 *
 * Locking: rt->mu guards the topic table, the rings, the long-polls, the
 * counters and each writer's two hand-over lists (w->dirty, w->adopt).
 * What is marked "the writer's" below is read and written on that
 * writer's thread only, without the lock. No system call on a socket
 * happens under mu.
 *
 * A topic is freed only when it has no stream (nsubs, counted from the
 * request that opens one to the close of its socket), no long-poll, is
 * not on a writer's dirty list and not held by a writer: so a writer may
 * use a topic's pointer while any of its streams lives, or while it holds
 * it. */
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
typedef struct rt_writer rt_writer;

#define RT_WRITERS_MAX 8 /* writer threads at most (FARMLIVE_RT_WRITERS) */

/* One writer's part of a topic: its streams of the topic. */
typedef struct rt_topic_part {
    /* under mu */
    size_t nsubs;           /* its streams, from their request to their socket's close */
    struct rt_topic *dnext; /* on the writer's dirty list */
    int dirty;              /* on it: the ring changed since the writer looked */
    int held;               /* the writer took it off its list and is sending its news */
    /* the writer's */
    rt_sub *subs;                   /* its streams whose socket came */
    struct rt_topic *wprev, *wnext; /* on the writer's list of topics with streams */
    long long sent;                 /* the seq its streams that keep up are at */
} rt_topic_part;

typedef struct rt_topic {
    struct rt_topic *hnext; /* the table's bucket */
    shop_rt_ring ring;
    rt_waiter *waiters; /* long-polls */
    size_t nsubs;       /* SSE streams, from their request to their socket's close */
    size_t nwaiters;
    unsigned long primed_epoch; /* == rt->epoch: the backlog was read in this epoch */
    int64_t used_ms;            /* when a client last named it */
    rt_topic_part part[RT_WRITERS_MAX];
    char name[SHOP_RT_TOPIC_MAX + 1];
} rt_topic;

/* An SSE stream: its own allocation (it outlives its request). */
struct rt_sub {
    rt_sub *anext; /* on its writer's adopt list (under mu) */
    shop_rt *rt;
    rt_writer *w; /* the writer it was given */
    rt_topic *topic;
    long long after; /* what the client asked to start after (Last-Event-ID) */
    int fd;          /* -1 until its socket comes */
    int chunked;     /* HTTP/1.1: the body goes as chunks */
    /* the writer's */
    rt_sub *prev, *next; /* the topic's part's */
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

/* One SSE writer thread and its streams. */
struct rt_writer {
    shop_rt *rt;
    int idx; /* in rt->w, and its part of every topic */
    pthread_t thread;
    int started;
    int ep, wake_fd;
    /* under mu */
    int stop;
    size_t nsubs;    /* its streams, from their request to their socket's close */
    rt_topic *dirty; /* topics whose ring changed, with streams of this writer */
    rt_sub *adopt;   /* its streams whose socket came */
    /* the writer's */
    rt_topic *wtopics; /* topics with streams of this writer */
    rt_batch group, single;
};

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
    /* the SSE writers (sse.c) */
    int nwriters;
    rt_writer w[RT_WRITERS_MAX];
};

/* ---- sse.c, for feed.c ---- */

/* Starts n (1..RT_WRITERS_MAX) writer threads (their epoll and wake-up
 * descriptors): 0, or -1. */
int rt_sse_start(shop_rt *rt, int n);
/* Wakes the writers whose bit is set in mask (after adding to their dirty
 * or adopt lists, or setting stopping); any thread, with or without mu. */
void rt_sse_wake(shop_rt *rt, unsigned mask);
/* Ends every stream and stops the threads; what is left is freed. */
void rt_sse_stop(shop_rt *rt);
/* 1 when a writer has t on its dirty list or holds it. Under mu. */
int rt_topic_busy(const shop_rt *rt, const rt_topic *t);

/* ---- feed.c, for sse.c ---- */

/* Makes this process follow topic name (its backlog read when it is not
 * primed) and marks it used: 0, or -1 when the table is full. Outside mu. */
int rt_follow(shop_rt *rt, const char *name);
/* The topic named, or NULL; with create, made when missing (NULL when the
 * table is full of topics with clients). Under mu. */
rt_topic *rt_topic_get(shop_rt *rt, const char *name, int create);

#endif
