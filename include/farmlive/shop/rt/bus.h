/* shop/rt/bus.h - the feed's Redis side (bus.c): how an event raised on one
 * shop process reaches every other.
 *
 *   publish: one Lua call on the Redis batch (core/kvbatch.h), per event
 *     seq = max(INCR farmlive:rt:seq:{topic}, Redis TIME in microseconds)
 *     PUBLISH farmlive:rt  "<topic> <type> <flags> <seq>\n{"seq":<seq>,..."
 *     LPUSH farmlive:rt:log:{topic} (the same text), LTRIM to
 *       SHOP_RT_BACKLOG, both keys EXPIRE after SHOP_RT_KEEP_S idle
 *   subscribe: one thread per process follows farmlive:rt (common/kv_sub.h)
 *     and hands every well-formed event to on_event
 *   backlog: LRANGE of a topic's log, for a process that starts following
 *     a topic or comes back after a lost subscription (gaps filled)
 *
 * One script call numbers, publishes and logs an event, so the seq order
 * of a topic is the order every subscriber receives it in, whichever
 * process raised it. The TIME floor keeps seqs growing when Redis lost its
 * data (restarted without persistence, a replica promoted): new events
 * still sort after every event a client has seen, as long as the Redis
 * host's clock does not go back. Seqs are therefore large (about 1.8e15 in
 * 2026: below 2^53, exact in JavaScript) and not consecutive. */
#ifndef FARMLIVE_SHOP_RT_BUS_H
#define FARMLIVE_SHOP_RT_BUS_H

#include <stddef.h>
#include "farmlive/config.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/kvbatch.h"
#include "farmlive/shop/rt/event.h"

#define SHOP_RT_CHANNEL "farmlive:rt"
#define SHOP_RT_BACKLOG 256  /* events kept per topic in Redis */
#define SHOP_RT_KEEP_S 86400 /* a topic's keys live this long after its last event */

typedef struct shop_rt_bus shop_rt_bus;

/* on_event(arg, w): an event heard on the channel (w and its text are the
 * caller's only during the call). on_state(arg, up): the subscription is
 * (re)established (up = 1: events published while it was down are in the
 * backlogs) or lost. Both run on the subscriber thread. */
typedef void (*shop_rt_bus_event_fn)(void *arg, const shop_rt_wire *w);
typedef void (*shop_rt_bus_state_fn)(void *arg, int up);

/* Starts the subscriber thread (it connects, and reconnects, by itself).
 * kv and batch must outlive the bus. NULL when the thread cannot start. */
shop_rt_bus *shop_rt_bus_start(const fl_config *cfg, fl_kv_pool *kv, shop_kvbatch *batch, shop_rt_bus_event_fn on_event,
                               shop_rt_bus_state_fn on_state, void *arg);
/* Stops the thread (within about 250 ms) and frees; accepts NULL. Events
 * still queued on the Redis batch are sent by it (they hold no reference
 * to the bus). */
void shop_rt_bus_stop(shop_rt_bus *b);

/* Queues one event (copied) on the Redis batch and returns at once: 0, or
 * -1 when refused (a name invalid, data not one JSON object text `{...}`
 * or past SHOP_RT_DATA_MAX). Redis numbers it; a failure there is logged
 * (the first of a streak) and the event lost. */
int shop_rt_bus_publish(shop_rt_bus *b, const char *topic, const char *type, unsigned flags, const char *data,
                        size_t len);

/* The backlogs of n topics, one pipeline: calls got(arg, i, ev, m, full)
 * for each topic i whose log Redis answered, with its events oldest first
 * (the references pass to got) and full when the log was at its length.
 * 0, or -1 when Redis could not be asked (got not called for the rest). */
typedef void (*shop_rt_bus_backlog_fn)(void *arg, size_t i, shop_rt_event **ev, size_t m, int full);
int shop_rt_bus_backlog(shop_rt_bus *b, const char *const *topics, size_t n, shop_rt_bus_backlog_fn got, void *arg);

#endif
