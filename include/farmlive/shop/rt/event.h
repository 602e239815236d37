/* shop/rt/event.h - one event of the realtime feed, its names and its two
 * texts (event.c; no I/O).
 *
 * Topics name what a client follows; each has its own sequence:
 *
 *   live:{public_id}        a live room (status changes; chat, likes,
 *                           viewers, pinned products next)
 *   flash:{sale_id}         a flash sale (stock, countdown)
 *   coop:{coop_id}:orders   a cooperative's orders
 *
 * A topic is 1..SHOP_RT_TOPIC_MAX of [a-z0-9_:-]; an event type 1..
 * SHOP_RT_TYPE_MAX of [a-z0-9_.] (the SSE `event:` field: "status",
 * "chat.deleted", "flash.stock"). An event's data
 * is a JSON object whose first member is its sequence number: the feed
 * writes `{"seq":N,` in front of what the publisher gave (rt/bus.c), so a
 * long-poll answer's events and an SSE `data:` line carry it alike.
 *
 * An event is made once per process when it arrives and shared, read-only,
 * by every ring, long-poll and SSE stream that holds it (a reference count):
 * its SSE text is built once, not once per subscriber.
 *
 * On Redis (pub/sub and the per-topic backlog) an event travels as one
 * text, the wire form:
 *
 *   "<topic> <type> <flags> <seq>\n<data>"
 */
#ifndef FARMLIVE_SHOP_RT_EVENT_H
#define FARMLIVE_SHOP_RT_EVENT_H

#include <stdatomic.h>
#include <stddef.h>

#define SHOP_RT_TOPIC_MAX 64
#define SHOP_RT_TYPE_MAX 32
#define SHOP_RT_DATA_MAX (64 * 1024) /* bytes of one event's JSON */

/* Flags of an event (publisher's choice, carried to every process). */
enum {
    /* Only the newest event of this type in a topic matters (a stock
     * level, a viewer count): a subscriber that has not yet been sent an
     * older one skips it once a newer one is in the ring. */
    SHOP_RT_COALESCE = 1,
};

typedef struct shop_rt_event {
    atomic_int refs;
    long long seq;
    unsigned flags;
    int superseded; /* SHOP_RT_COALESCE: a newer one of its type follows (set under the feed's lock)
                     */
    size_t data_len;
    size_t frame_len;
    const char *data;  /* the JSON object, NUL-terminated */
    const char *frame; /* "id: N\nevent: TYPE\ndata: ...\n\n", NUL-terminated */
    char type[SHOP_RT_TYPE_MAX + 1];
} shop_rt_event;

/* The event (one allocation, one reference held by the caller). type must
 * be valid (shop_rt_type_valid) and data len <= SHOP_RT_DATA_MAX bytes. */
shop_rt_event *shop_rt_event_new(long long seq, const char *type, unsigned flags, const char *data, size_t len);
shop_rt_event *shop_rt_event_ref(shop_rt_event *e);
/* Drops one reference, freeing on the last; accepts NULL. */
void shop_rt_event_unref(shop_rt_event *e);

/* The SSE text of an event into out (cap bytes with the NUL): "id:",
 * "event:", one "data:" line per line of data (LF, CRLF and CR all end a
 * line, as the SSE grammar reads them), a blank line. Returns the length
 * it has (or would have: call with cap 0 to size it). */
size_t shop_rt_sse_frame(char *out, size_t cap, long long seq, const char *type, const char *data, size_t len);

/* 1 when s is a valid topic / event type. */
int shop_rt_topic_valid(const char *s);
int shop_rt_type_valid(const char *s);
/* The topics above into out: 0, or -1 when the argument cannot make one
 * (a public id that is not 16 lowercase hex, an id < 1). */
int shop_rt_topic_live(char out[SHOP_RT_TOPIC_MAX + 1], const char *public_id);
int shop_rt_topic_flash(char out[SHOP_RT_TOPIC_MAX + 1], long long sale_id);
int shop_rt_topic_coop_orders(char out[SHOP_RT_TOPIC_MAX + 1], long long coop_id);

/* One wire text, parsed: the fields point into the text (data runs to its
 * end). 0, or -1 when it is not one (names, flags or seq malformed, data
 * not an object, too long). */
typedef struct shop_rt_wire {
    char topic[SHOP_RT_TOPIC_MAX + 1];
    char type[SHOP_RT_TYPE_MAX + 1];
    unsigned flags;
    long long seq;
    const char *data;
    size_t data_len;
} shop_rt_wire;
int shop_rt_wire_parse(const char *text, size_t len, shop_rt_wire *w);

#endif
