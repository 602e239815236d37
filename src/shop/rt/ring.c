/* ring.c - a topic's recent events (shop/rt/ring.h). */
#include "farmlive/shop/rt/ring.h"
#include "farmlive/alloc.h"

#include <string.h>

#define COALESCE_TYPES 16 /* types tracked when a merge marks superseded events */

void shop_rt_ring_init(shop_rt_ring *r, size_t cap, size_t max_bytes)
{
    memset(r, 0, sizeof(*r));
    r->cap = cap ? cap : 1;
    r->max_bytes = max_bytes;
    r->slot = fl_calloc(r->cap, sizeof(*r->slot));
}

void shop_rt_ring_clear(shop_rt_ring *r)
{
    for (size_t k = 0; k < r->n; k++)
        shop_rt_event_unref(shop_rt_ring_at(r, k));
    fl_free(r->slot);
    memset(r, 0, sizeof(*r));
}

size_t shop_rt_ring_cost(const shop_rt_event *e)
{
    return sizeof(*e) + e->data_len + e->frame_len + 2;
}

shop_rt_event *shop_rt_ring_at(const shop_rt_ring *r, size_t k)
{
    return r->slot[(r->head + k) % r->cap];
}

/* Drops the oldest event, raising the horizon to its seq. */
static void pop_oldest(shop_rt_ring *r)
{
    shop_rt_event *e = r->slot[r->head];
    r->slot[r->head] = NULL;
    r->head = (r->head + 1) % r->cap;
    r->n--;
    r->bytes -= shop_rt_ring_cost(e);
    if (e->seq > r->horizon)
        r->horizon = e->seq;
    shop_rt_event_unref(e);
}

/* Appends e as the newest, then keeps the bounds (never dropping e). */
static void push_newest(shop_rt_ring *r, shop_rt_event *e)
{
    if (r->n == r->cap)
        pop_oldest(r);
    r->slot[(r->head + r->n) % r->cap] = e;
    r->n++;
    r->bytes += shop_rt_ring_cost(e);
    r->last_seq = e->seq;
    while (r->n > 1 && r->bytes > r->max_bytes)
        pop_oldest(r);
}

int shop_rt_ring_push(shop_rt_ring *r, shop_rt_event *e)
{
    if (e->seq <= r->last_seq) {
        shop_rt_event_unref(e);
        return 0;
    }
    if (e->flags & SHOP_RT_COALESCE) {
        for (size_t k = r->n; k-- > 0;) {
            shop_rt_event *old = shop_rt_ring_at(r, k);
            if ((old->flags & SHOP_RT_COALESCE) && strcmp(old->type, e->type) == 0) {
                old->superseded = 1; /* the ones before it were marked when it came */
                break;
            }
        }
    }
    push_newest(r, e);
    return 1;
}

/* Marks, newest first, every coalescing event that a newer one of its type
 * follows (up to COALESCE_TYPES types; others stay unmarked: sent). */
static void mark_superseded(shop_rt_ring *r)
{
    const char *seen[COALESCE_TYPES];
    size_t nseen = 0;
    for (size_t k = r->n; k-- > 0;) {
        shop_rt_event *e = shop_rt_ring_at(r, k);
        size_t i = 0;
        if (!(e->flags & SHOP_RT_COALESCE))
            continue;
        while (i < nseen && strcmp(seen[i], e->type) != 0)
            i++;
        e->superseded = i < nseen;
        if (i == nseen && nseen < COALESCE_TYPES)
            seen[nseen++] = e->type;
    }
}

void shop_rt_ring_merge(shop_rt_ring *r, shop_rt_event **ev, size_t n, int full)
{
    size_t total = r->n + n, i = 0, j = 0, m = 0;
    shop_rt_event **all = fl_malloc((total ? total : 1) * sizeof(*all));
    shop_rt_ring old = *r;

    if (full && n > 0 && ev[0]->seq - 1 > r->horizon)
        r->horizon = ev[0]->seq - 1;
    /* the union by seq, oldest first; a seq in both keeps the ring's */
    while (i < old.n || j < n) {
        shop_rt_event *a = i < old.n ? shop_rt_ring_at(&old, i) : NULL, *b = j < n ? ev[j] : NULL;
        if (b && (!a || b->seq < a->seq)) {
            all[m++] = b;
            j++;
        } else {
            if (b && b->seq == a->seq) {
                shop_rt_event_unref(b);
                j++;
            }
            all[m++] = a;
            i++;
        }
    }
    /* rebuilt in place: the slots are reused, nothing re-referenced */
    r->head = 0;
    r->n = 0;
    r->bytes = 0;
    r->last_seq = 0;
    memset(r->slot, 0, r->cap * sizeof(*r->slot));
    for (size_t k = 0; k < m; k++) {
        if (all[k]->seq <= r->last_seq) { /* out of order in the backlog: not kept */
            shop_rt_event_unref(all[k]);
            continue;
        }
        push_newest(r, all[k]);
    }
    if (old.last_seq > r->last_seq)
        r->last_seq = old.last_seq; /* never goes back */
    mark_superseded(r);
    fl_free(all);
}

size_t shop_rt_ring_after(const shop_rt_ring *r, long long after)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (shop_rt_ring_at(r, mid)->seq > after)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int shop_rt_ring_truncated(const shop_rt_ring *r, long long after)
{
    return after > 0 && after < r->horizon;
}
