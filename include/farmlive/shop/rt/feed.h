/* shop/rt/feed.h - the shop's realtime feed: named topics, each with its
 * sequence and a ring of recent events, shared by every shop process over
 * Redis and delivered by long-poll and Server-Sent Events (feed.c).
 *
 *   domain code                      shop_rt_publish(rt, "live:9f1c...", "status", 0, json)
 *        | Redis batch (rt/bus.h)    seq from Redis, PUBLISH farmlive:rt, backlog list
 *        v
 *   every shop process's subscriber thread
 *        | a topic this process follows (a client asked for it)
 *        v
 *   the topic's ring (rt/ring.h) --> long-polls waiting on the topic: resumed
 *                                --> the SSE writer thread (sse.c): one
 *                                    text of what is new, built once, one
 *                                    write of it to each stream's socket
 *
 * A process follows a topic from the first request that names it: it reads
 * the topic's backlog from Redis once (so it knows what happened before it
 * came), then keeps every event it hears in the topic's ring
 * (SHOP_RT_RING_EVENTS and SHOP_RT_RING_BYTES at most). A topic nobody
 * here has asked for in SHOP_RT_IDLE_S is forgotten. A process sees its own
 * events the same way as everyone else's: through Redis. When its
 * subscription comes back after a loss (Redis restarted), it reads the
 * backlog of every topic it follows again, so a client misses nothing the
 * backlog still holds.
 *
 * Waiting costs no thread: a long-poll is a suspended request (core/http.h),
 * resumed by the thread that brings its topic an event. An SSE stream is
 * no request at all once its headers are sent: its socket is taken over
 * from the HTTP server (shop_reply_takeover) and written by the feed's one
 * writer thread, which wakes when a topic has new events, builds the text
 * of everything new once (an HTTP chunk) and writes it to every stream of
 * the topic that keeps up, one write per stream per wake-up however many
 * events it carries. A stream holds a position in the ring and at most one
 * such text its socket did not take (about a hundred bytes while it keeps
 * up): memory per subscriber does not grow with what it has not read. A
 * stream that falls a whole ring behind (its client stopped reading) is
 * dropped; the client comes back with Last-Event-ID and is told what it
 * lost.
 *
 * main.c starts the feed before the HTTP server and stops it after:
 * shop_rt_quiesce answers every long-poll and ends every stream (shutdown's
 * first step), shop_rt_stop frees. */
#ifndef FARMLIVE_SHOP_RT_FEED_H
#define FARMLIVE_SHOP_RT_FEED_H

#include <stddef.h>
#include "farmlive/arena.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/rt/event.h"

#define SHOP_RT_RING_EVENTS 256
#define SHOP_RT_RING_BYTES (256 * 1024)
#define SHOP_RT_TOPICS_MAX 1024   /* topics followed at once per process */
#define SHOP_RT_IDLE_S 60         /* a topic with no client this long is forgotten */
#define SHOP_RT_WAITERS_MAX 4096  /* long-polls waiting at once per process */
#define SHOP_RT_STREAMS_MAX 16384 /* SSE streams at once per process */
#define SHOP_RT_HEARTBEAT_S 15    /* an SSE comment line this often */
#define SHOP_RT_RETRY_MS 3000     /* the SSE `retry:` hint */

struct shop_req;
typedef struct shop_rt shop_rt;

/* Starts the feed's threads (Redis subscriber, timers) for the process;
 * uses ctx->cfg, ctx->kv and ctx->kv_batch, which must outlive it. NULL
 * when a thread cannot start (logged). */
shop_rt *shop_rt_start(const shop_ctx *ctx);
/* Shutdown's first step, before the HTTP server stops: every waiting
 * long-poll is answered and every SSE stream ends now; later ones are
 * answered at once (long-poll) or refused (SSE, 503). NULL does nothing. */
void shop_rt_quiesce(shop_rt *rt);
/* Stops the threads and frees. After the HTTP server has stopped; NULL
 * does nothing. */
void shop_rt_stop(shop_rt *rt);

/* Raises an event: data (len bytes) is one JSON object's text; the feed
 * adds its "seq" as the first member. Cheap and non-blocking: the event is
 * queued for Redis, which numbers it, and reaches this process's clients
 * the way it reaches every other's. Call it after what the event reports
 * has committed. 0, or -1 when refused (a name invalid, data not an
 * object or past SHOP_RT_DATA_MAX, rt NULL). flags: SHOP_RT_COALESCE. */
int shop_rt_publish(shop_rt *rt, const char *topic, const char *type, unsigned flags, const char *data, size_t len);

/* What a reader finds in a topic after `after`. */
typedef struct shop_rt_view {
    shop_rt_event **events; /* oldest first; held until the arena is freed */
    size_t n;
    long long last_seq; /* the newest seq this process has of the topic (0: none) */
    int subscribed;     /* this process is following Redis now */
    int truncated;      /* events after `after` were lost to this process (ring or backlog) */
} shop_rt_view;

/* The topic's events with seq > after (superseded coalescing ones left
 * out). Follows the topic first if this process did not (a Redis round
 * trip). SHOP_OK, or SHOP_E_UNAVAILABLE when the topic table is full. */
int shop_rt_read(shop_rt *rt, const char *topic, long long after, fl_arena *a, shop_rt_view *out);

/* Long-poll: answer(r, arg) once the topic has an event with seq > after,
 * or wait_ms has passed, or the feed quiesces; meanwhile r is suspended
 * (no thread held). answer runs on r's worker thread (it typically calls
 * shop_rt_read and replies); arg must live in r's arena or longer. Returns
 * SHOP_SUSPENDED, or answer's result when there is no need to wait
 * (an event is there, wait_ms is 0, SHOP_RT_WAITERS_MAX are waiting, the
 * feed quiesced), or SHOP_E_UNAVAILABLE (failed) when the topic table is
 * full. */
int shop_rt_wait(shop_rt *rt, struct shop_req *r, const char *topic, long long after, int wait_ms,
                 int (*answer)(struct shop_req *r, void *arg), void *arg);

/* Server-Sent Events: replies to r with a text/event-stream of the topic's
 * events with seq > after (after: the request's Last-Event-ID, or what the
 * caller decided), then every new one, until the client goes, falls a
 * ring behind, or the feed quiesces (the stream then ends cleanly: the
 * last chunk). Once the headers are sent the connection is the feed's
 * (see the top):
 *
 *   retry: 3000                          first, once
 *   event: truncated                     when events after `after` were
 *   data: {"after":A}                    lost here (no id: the client's
 *                                        Last-Event-ID stays A)
 *   id: 1765012345678901                 each event: its seq, its type,
 *   event: status                        its data (one data: line per
 *   data: {"seq":1765012345678901,...}   line of the JSON)
 *
 *   : hb                                 every SHOP_RT_HEARTBEAT_S
 *
 *   event: truncated                     the writer itself fell a ring
 *   data: {"after":A}                    behind (a burst of more events than
 *                                        the ring holds while it wrote): the
 *                                        streams go on from what is left
 *
 * SHOP_OK (the stream runs), or failed (SHOP_E_UNAVAILABLE: quiescing, or
 * too many streams or topics). */
int shop_rt_sse(shop_rt *rt, struct shop_req *r, const char *topic, long long after);

/* Calls got(arg, topic, streams) for every topic whose name starts with
 * prefix and of which this process has SSE streams now (their number),
 * after the feed's lock is let go. Returns how many it called. */
size_t shop_rt_streams_each(shop_rt *rt, const char *prefix, void (*got)(void *arg, const char *topic, size_t streams),
                            void *arg);

/* Counters for tests and metrics (a snapshot). */
typedef struct shop_rt_stats {
    size_t topics, streams, waiters;
    unsigned long long events, dropped; /* events stored; streams dropped for falling behind */
} shop_rt_stats;
void shop_rt_stats_get(shop_rt *rt, shop_rt_stats *out);

/* The clients of one topic in this process now: its SSE streams and its
 * waiting long-polls (0 for a topic it does not follow, or rt NULL). */
size_t shop_rt_topic_clients(shop_rt *rt, const char *topic);

#endif
