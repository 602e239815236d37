/* shop/rt/ring.h - a topic's recent events, bounded by count and bytes
 * (ring.c; no I/O, no locks: the feed holds its lock around every call).
 *
 *   oldest                                    newest
 *   [seq 40][seq 41][seq 45][seq 46] ... [seq 97]      horizon = 39
 *
 * Sequence numbers only grow (they need not be consecutive: the feed's
 * come from Redis, rt/bus.c). An event that would make the ring hold more
 * than `cap` events or `max_bytes` bytes pushes the oldest out; the
 * horizon is the highest seq that may be missing from the ring (pushed
 * out, or older than a backlog that was full when it was read), so a
 * reader resuming after seq A knows it lost events when A < horizon. */
#ifndef FARMLIVE_SHOP_RT_RING_H
#define FARMLIVE_SHOP_RT_RING_H

#include <stddef.h>
#include "farmlive/shop/rt/event.h"

typedef struct shop_rt_ring {
    shop_rt_event **slot;
    size_t cap;       /* events at most */
    size_t max_bytes; /* bytes at most (shop_rt_ring_cost); the newest is kept whatever its size */
    size_t head;      /* slot of the oldest */
    size_t n;
    size_t bytes;
    long long last_seq; /* the newest seq stored (0: none yet) */
    long long horizon;  /* events with seq <= horizon may be missing */
} shop_rt_ring;

void shop_rt_ring_init(shop_rt_ring *r, size_t cap, size_t max_bytes);
/* Releases every event and the slots; the ring may be initialised again. */
void shop_rt_ring_clear(shop_rt_ring *r);
/* What an event costs the ring: its allocation. */
size_t shop_rt_ring_cost(const shop_rt_event *e);

/* Stores e, taking over the caller's reference, when e->seq > last_seq
 * (else releases it: a repeat); pushes the oldest out while over a bound.
 * A SHOP_RT_COALESCE event marks the previous one of its type superseded.
 * 1 when stored, 0 when not. */
int shop_rt_ring_push(shop_rt_ring *r, shop_rt_event *e);
/* Adds events read back from a backlog (oldest first, seq increasing),
 * taking over the caller's references: the ring then holds the union,
 * by seq, of what it held and them, the newest within its bounds. full:
 * the backlog may have lost events older than its first (it was at its
 * length), so the horizon rises to just below that first. */
void shop_rt_ring_merge(shop_rt_ring *r, shop_rt_event **ev, size_t n, int full);

/* The k-th oldest event (k < n), not referenced for the caller. */
shop_rt_event *shop_rt_ring_at(const shop_rt_ring *r, size_t k);
/* The position (0..n) of the first event with seq > after. */
size_t shop_rt_ring_after(const shop_rt_ring *r, long long after);
/* 1 when events after `after` may have been lost: 0 < after < horizon. */
int shop_rt_ring_truncated(const shop_rt_ring *r, long long after);

#endif
