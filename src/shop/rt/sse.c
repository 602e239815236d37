/* sse.c - the realtime feed's Server-Sent Events: the streams' sockets and
 * the one thread that writes to them (shop/rt/feed.h: shop_rt_sse; the
 * state it shares with feed.c: shop/rt/topic.h).
 *
 *   HTTP worker   shop_rt_sse: the topic followed, a stream counted on it,
 *                 the reply's headers queued (shop_reply_takeover);
 *                 sse_adopt once they are out: the socket onto rt->adopt,
 *                 the writer woken; sse_drop when the client went first
 *   writer        one thread, one epoll set:
 *     adopted     "retry:" (and "truncated" when its Last-Event-ID is
 *                 older than the ring), what the ring holds after it
 *     new events  a topic on rt->dirty, once its news waited a little for
 *                 more (topic_gather_ms): the frames of its new events,
 *                 built once under mu into one text (an HTTP chunk), then
 *                 written outside it to every stream at the topic's
 *                 position: one send per stream however many events, the
 *                 sends of a pass submitted RT_SENDQ_DEPTH at a time
 *                 through io_uring (rt/sendq.h); a stream elsewhere (it
 *                 just came) catches up alone, with send()
 *     blocked     a socket that did not take all: the rest kept (one
 *                 batch at most), EPOLLOUT armed; once it drains, the
 *                 stream catches up alone, or is dropped when the ring
 *                 has moved past it (its client stopped reading)
 *     hung up     readable or RDHUP: the client went; closed
 *     heartbeat   every SHOP_RT_HEARTBEAT_S, ": hb" to every stream
 *     quiescing   the last chunk to every stream, closed
 *
 * Why not libmicrohttpd's own streamed replies: a connection it holds
 * keeps its memory pool (about 16 KB of the 25 KB a stream cost measured
 * with them), and each event woke each paused connection through its
 * worker threads. Here a stream costs its rt_sub (about 100 bytes) while
 * it keeps up, and a batch is one send per stream, hundreds of them per
 * system call. */
#include "farmlive/shop/rt/topic.h"
#include "farmlive/shop/rt/sendq.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define EVENTS_MAX 256
#define BATCH_SOFT (64 * 1024) /* a batch stops growing past this (one event more at most) */
#define READ_ROUNDS 16         /* reads of what a client sends (nothing is expected) per wake-up */
#define GATHER_MAX_MS 25       /* the longest a topic's news wait for more before a pass (topic_gather_ms) */

enum { SEND_OK, SEND_BLOCKED, SEND_GONE };

static const char heartbeat[] = ": hb\n\n";
static const char heartbeat_chunk[] = "6\r\n: hb\n\n\r\n";
static const char last_chunk[] = "0\r\n\r\n";
_Static_assert(sizeof(heartbeat) - 1 == 6, "heartbeat_chunk's size line");

/* ---- batches ------------------------------------------------------------------- */

static void batch_put(rt_batch *b, const char *s, size_t n)
{
    size_t need = RT_CHUNK_HEAD + b->len + n + 2;
    if (need > b->cap) {
        b->cap = need > 2 * b->cap ? need : 2 * b->cap;
        b->buf = fl_realloc(b->buf, b->cap);
    }
    memcpy(b->buf + RT_CHUNK_HEAD + b->len, s, n);
    b->len += n;
}

/* Appends the frames of ring's events with seq > *pos (superseded
 * coalescing ones skipped) until b holds BATCH_SOFT bytes; *pos becomes
 * the seq of the last event looked at. Under mu. */
static void batch_fill(rt_batch *b, const shop_rt_ring *ring, long long *pos)
{
    for (size_t k = shop_rt_ring_after(ring, *pos); k < ring->n && b->len < BATCH_SOFT; k++) {
        const shop_rt_event *e = shop_rt_ring_at(ring, k);
        *pos = e->seq;
        if (!e->superseded)
            batch_put(b, e->frame, e->frame_len);
    }
}

/* The "truncated" event: what a client after seq `after` has lost. */
static void batch_truncated(rt_batch *b, long long after)
{
    char text[80];
    int n = snprintf(text, sizeof(text), "event: truncated\ndata: {\"after\":%lld}\n\n", after);
    batch_put(b, text, (size_t)n);
}

/* b's text as it goes on the wire: one chunk (its size line written into
 * the room in front, "\r\n" after), or as it is. */
static const char *batch_wire(rt_batch *b, int chunked, size_t *len)
{
    char head[RT_CHUNK_HEAD + 1];
    if (b->len == 0) { /* nothing (and perhaps no buffer yet): an empty chunk would end the body */
        *len = 0;
        return "";
    }
    if (!chunked) {
        *len = b->len;
        return b->buf + RT_CHUNK_HEAD;
    }
    int h = snprintf(head, sizeof(head), "%zx\r\n", b->len);
    char *start = b->buf + RT_CHUNK_HEAD - h;
    memcpy(start, head, (size_t)h);
    memcpy(b->buf + RT_CHUNK_HEAD + b->len, "\r\n", 2);
    *len = (size_t)h + b->len + 2;
    return start;
}

/* ---- one stream's socket (the writer's) ---------------------------------------- */

static void sub_watch(shop_rt *rt, rt_sub *s, int op, int out)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0), .data.ptr = s};
    epoll_ctl(rt->ep, op, s->fd, &ev);
}

/* After a send of data[0..len) to s's socket took w bytes (or failed:
 * -errno): keeps what it did not take in s->out and watches for room.
 * SEND_*. */
static int sub_sent(shop_rt *rt, rt_sub *s, const char *data, size_t len, ssize_t w)
{
    if (w == (ssize_t)len)
        return SEND_OK;
    if (w < 0 && w != -EAGAIN && w != -EWOULDBLOCK && w != -EINTR)
        return SEND_GONE;
    if (w < 0)
        w = 0;
    s->out_len = len - (size_t)w;
    s->out_off = 0;
    s->out = fl_malloc(s->out_len);
    memcpy(s->out, data + w, s->out_len);
    sub_watch(rt, s, EPOLL_CTL_MOD, 1);
    return SEND_BLOCKED;
}

/* Sends what s's socket takes of data[0..len) now (sub_sent). SEND_*. */
static int sub_send(shop_rt *rt, rt_sub *s, const char *data, size_t len)
{
    ssize_t w = send(s->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    return sub_sent(rt, s, data, len, w < 0 ? -errno : w);
}

/* Sends what s->out still holds: SEND_OK once it is all gone (s->out
 * freed, EPOLLOUT no longer watched). */
static int sub_flush(shop_rt *rt, rt_sub *s)
{
    while (s->out_off < s->out_len) {
        ssize_t w = send(s->fd, s->out + s->out_off, s->out_len - s->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0)
            s->out_off += (size_t)w;
        else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return SEND_BLOCKED;
        else
            return SEND_GONE;
    }
    fl_free(s->out);
    s->out = NULL;
    sub_watch(rt, s, EPOLL_CTL_MOD, 0);
    return SEND_OK;
}

/* Sends s, alone, what the ring holds after its position (a stream that
 * just came, or drained after a block). SEND_*; a stream the ring moved
 * past (an event it had not taken is gone) is SEND_GONE, counted dropped. */
static int sub_catch_up(shop_rt *rt, rt_sub *s)
{
    const shop_rt_ring *ring = &s->topic->ring;
    for (;;) {
        long long pos = s->pos;
        int lagged, more, rc;
        size_t n;
        rt->single.len = 0;
        pthread_mutex_lock(&rt->mu);
        lagged = pos < ring->horizon;
        if (lagged)
            rt->dropped++;
        else
            batch_fill(&rt->single, ring, &pos);
        more = ring->last_seq > pos;
        pthread_mutex_unlock(&rt->mu);
        if (lagged)
            return SEND_GONE;
        s->pos = pos;
        if (rt->single.len == 0)
            return SEND_OK;
        const char *wire = batch_wire(&rt->single, s->chunked, &n);
        if ((rc = sub_send(rt, s, wire, n)) != SEND_OK || !more)
            return rc;
    }
}

/* Closes s's socket and frees it; the topic is not touched after its last
 * stream went unless the writer holds it (t->held). */
static void sub_close(shop_rt *rt, rt_sub *s)
{
    rt_topic *t = s->topic;
    epoll_ctl(rt->ep, EPOLL_CTL_DEL, s->fd, NULL);
    close(s->fd);
    if (s->prev)
        s->prev->next = s->next;
    else
        t->subs = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (!t->subs) { /* off the writer's list of topics with streams */
        if (t->wprev)
            t->wprev->wnext = t->wnext;
        else
            rt->wtopics = t->wnext;
        if (t->wnext)
            t->wnext->wprev = t->wprev;
        t->wprev = t->wnext = NULL;
    }
    fl_free(s->out);
    pthread_mutex_lock(&rt->mu);
    t->nsubs--;
    t->used_ms = fl_mono_ms();
    rt->nsubs--;
    pthread_mutex_unlock(&rt->mu);
    fl_free(s);
}

/* Ends s cleanly (the last chunk, when nothing is half sent) and closes it. */
static void sub_end(shop_rt *rt, rt_sub *s)
{
    if (s->chunked && !s->out)
        send(s->fd, last_chunk, sizeof(last_chunk) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    sub_close(rt, s);
}

/* A stream whose socket came: linked, watched, its hello and what the
 * ring holds after its Last-Event-ID sent. */
static void sub_adopt(shop_rt *rt, rt_sub *s, int stopping)
{
    rt_topic *t = s->topic;
    int truncated, rc, first = !t->subs;
    char hello[32];
    size_t n;

    pthread_mutex_lock(&rt->mu);
    truncated = shop_rt_ring_truncated(&t->ring, s->after);
    s->pos = s->after > t->ring.horizon ? s->after : t->ring.horizon;
    pthread_mutex_unlock(&rt->mu);
    s->prev = NULL;
    s->next = t->subs;
    if (t->subs)
        t->subs->prev = s;
    t->subs = s;
    if (first) {
        t->wprev = NULL;
        t->wnext = rt->wtopics;
        if (rt->wtopics)
            rt->wtopics->wprev = t;
        rt->wtopics = t;
    }
    sub_watch(rt, s, EPOLL_CTL_ADD, 0);
    if (stopping) {
        sub_end(rt, s);
        return;
    }
    rt->single.len = 0;
    batch_put(&rt->single, hello, (size_t)snprintf(hello, sizeof(hello), "retry: %d\n\n", SHOP_RT_RETRY_MS));
    if (truncated)
        batch_truncated(&rt->single, s->after);
    const char *wire = batch_wire(&rt->single, s->chunked, &n);
    rc = sub_send(rt, s, wire, n);
    if (rc == SEND_OK)
        rc = sub_catch_up(rt, s);
    if (rc == SEND_GONE) {
        sub_close(rt, s);
        return;
    }
    if (first)
        t->sent = s->pos;
}

/* Something happened on s's socket. */
static void sub_ready(shop_rt *rt, rt_sub *s, uint32_t events)
{
    int rc = SEND_OK;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        char buf[256];
        for (int i = 0; i < READ_ROUNDS; i++) {
            ssize_t r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (r > 0)
                continue; /* a client has nothing to say on an event stream: ignored */
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                rc = SEND_GONE; /* it went */
            break;
        }
    }
    if (rc == SEND_OK && (events & EPOLLOUT) && s->out && (rc = sub_flush(rt, s)) == SEND_OK)
        rc = sub_catch_up(rt, s);
    if (rc == SEND_GONE)
        sub_close(rt, s);
}

/* ---- topics -------------------------------------------------------------------- */

/* How long t's news wait for more before the pass that sends them: a
 * quarter of what t's last pass over its streams took, GATHER_MAX_MS at
 * most. A send to a stream costs about the same whatever it carries (the
 * kernel's TCP path, mostly), so events that come close together (a chat
 * message and the stock level raised with it) had better go in one send
 * to each stream than in two passes, the second one waiting for the whole
 * first; a topic with few streams (a pass of a millisecond) does not wait.
 * The writer's. */
static int64_t topic_gather_ms(const rt_topic *t)
{
    int64_t g = t->pass_ms / 4;
    return g < GATHER_MAX_MS ? g : GATHER_MAX_MS;
}

/* One batch on its way to the streams that keep up: its two wire forms. */
typedef struct sweep {
    shop_rt *rt;
    const char *chunk, *plain;
    size_t chunk_len, plain_len;
} sweep;

/* The send of the batch to stream tag went (rt_sendq_done_fn). */
static void sweep_sent(void *arg, void *tag, ssize_t res)
{
    sweep *w = arg;
    rt_sub *s = tag;
    int rc =
        s->chunked ? sub_sent(w->rt, s, w->chunk, w->chunk_len, res) : sub_sent(w->rt, s, w->plain, w->plain_len, res);
    if (rc == SEND_GONE)
        sub_close(w->rt, s);
}

/* t has new events: one batch of them to every stream at t's position,
 * the sends of a pass through the writer's send queue (rt/sendq.h), all
 * gone when it returns. The writer holds t (t->held), so it outlives its
 * streams here. */
static void topic_sweep(shop_rt *rt, rt_topic *t)
{
    int64_t start = fl_mono_ms();
    if (!rt->sendq) /* made by its one user, the writer's thread (rt_sendq_new) */
        rt->sendq = rt_sendq_new();
    for (int more = 1; more && t->subs;) {
        long long from = t->sent, to = from, horizon;
        sweep w = {.rt = rt};
        size_t dropped = 0;

        rt->group.len = 0;
        pthread_mutex_lock(&rt->mu);
        horizon = t->ring.horizon;
        if (from < horizon) { /* the writer itself fell a ring behind (a burst while it wrote) */
            batch_truncated(&rt->group, from);
            to = horizon;
        }
        batch_fill(&rt->group, &t->ring, &to);
        more = t->ring.last_seq > to;
        pthread_mutex_unlock(&rt->mu);
        w.chunk = batch_wire(&rt->group, 1, &w.chunk_len);
        w.plain = batch_wire(&rt->group, 0, &w.plain_len);
        for (rt_sub *s = t->subs, *next; s; s = next) {
            int rc = SEND_OK;
            next = s->next;
            if (s->out) { /* blocked: it catches up once its socket drains, unless the ring moved past it */
                if (s->pos < horizon) {
                    dropped++;
                    rc = SEND_GONE;
                }
            } else if (s->pos == from) {
                s->pos = to;       /* first: without io_uring sweep_sent runs at once and may free s */
                if (rt->group.len) /* its outcome to sweep_sent, at the latest in the flush below */
                    rt_sendq_add(rt->sendq, s->fd, s->chunked ? w.chunk : w.plain,
                                 s->chunked ? w.chunk_len : w.plain_len, s, sweep_sent, &w);
            } else {
                rc = sub_catch_up(rt, s); /* it came since the last batch */
            }
            if (rc == SEND_GONE)
                sub_close(rt, s);
        }
        rt_sendq_flush(rt->sendq, sweep_sent, &w); /* before rt->group is touched again */
        t->sent = to;
        if (dropped) {
            pthread_mutex_lock(&rt->mu);
            rt->dropped += dropped;
            pthread_mutex_unlock(&rt->mu);
        }
    }
    t->pass_ms = fl_mono_ms() - start;
}

/* A heartbeat to every stream, or (end) the end of every stream. */
static void every_stream(shop_rt *rt, int end)
{
    for (rt_topic *t = rt->wtopics, *tnext; t; t = tnext) {
        tnext = t->wnext; /* read first: t leaves the list with its last stream */
        for (rt_sub *s = t->subs, *next; s; s = next) {
            next = s->next;
            if (end)
                sub_end(rt, s);
            else if (!s->out && sub_send(rt, s, s->chunked ? heartbeat_chunk : heartbeat,
                                         s->chunked ? sizeof(heartbeat_chunk) - 1 : sizeof(heartbeat) - 1) == SEND_GONE)
                sub_close(rt, s);
        }
    }
}

/* ---- the thread ---------------------------------------------------------------- */

/* Handles what epoll reports within timeout_ms (the streams' sockets, the
 * wake-up). */
static void writer_poll(shop_rt *rt, int timeout_ms)
{
    struct epoll_event evs[EVENTS_MAX];
    int n = epoll_wait(rt->ep, evs, EVENTS_MAX, timeout_ms);
    for (int i = 0; i < n; i++) {
        if (evs[i].data.ptr) {
            sub_ready(rt, evs[i].data.ptr, evs[i].events);
        } else {
            uint64_t v;
            if (read(rt->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                fl_log(FL_LOG_WARN, "rt_writer", "wake-up read: %s", strerror(errno));
        }
    }
}

/* One turn of the writer after a poll: the streams whose socket came, the
 * topics whose news are due (the others left on rt->dirty; *due becomes
 * when the first of them is, 0 when none), the end of every stream when
 * quiescing, a heartbeat when hb. Returns 1 when the thread is to stop. */
static int writer_turn(shop_rt *rt, int hb, int64_t *due)
{
    rt_sub *adopt;
    rt_topic *mine = NULL;
    int stopping, stop;
    int64_t now = fl_mono_ms();

    *due = 0;
    pthread_mutex_lock(&rt->mu);
    adopt = rt->adopt;
    rt->adopt = NULL;
    stopping = rt->stopping;
    stop = rt->writer_stop;
    for (rt_topic **pp = &rt->dirty; *pp;) {
        rt_topic *t = *pp;
        int64_t when = t->dirty_ms + topic_gather_ms(t);
        if (when > now && !stopping) { /* more may come: later */
            if (!*due || when < *due)
                *due = when;
            pp = &t->dnext;
            continue;
        }
        *pp = t->dnext;
        t->dirty = 0;
        t->held = 1;
        t->dnext = mine;
        mine = t;
    }
    pthread_mutex_unlock(&rt->mu);

    while (adopt) {
        rt_sub *s = adopt;
        adopt = s->anext;
        sub_adopt(rt, s, stopping);
    }
    while (mine) {
        rt_topic *t = mine;
        mine = t->dnext;
        if (!stopping)
            topic_sweep(rt, t);
        pthread_mutex_lock(&rt->mu);
        t->held = 0;
        pthread_mutex_unlock(&rt->mu);
    }
    if (stopping)
        every_stream(rt, 1);
    else if (hb)
        every_stream(rt, 0);
    return stop;
}

static void *writer_main(void *arg)
{
    shop_rt *rt = arg;
    int64_t next_hb = fl_mono_ms() + SHOP_RT_HEARTBEAT_S * 1000, due = 0;

    for (;;) {
        int64_t now = fl_mono_ms(), until = due && due < next_hb ? due : next_hb;
        int hb;
        writer_poll(rt, until > now ? (int)(until - now) : 0);
        hb = fl_mono_ms() >= next_hb;
        if (hb)
            next_hb = fl_mono_ms() + SHOP_RT_HEARTBEAT_S * 1000;
        if (writer_turn(rt, hb, &due))
            break;
    }
    return NULL;
}

int rt_sse_start(shop_rt *rt)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    rt->ep = epoll_create1(EPOLL_CLOEXEC);
    rt->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (rt->ep < 0 || rt->wake_fd < 0 || epoll_ctl(rt->ep, EPOLL_CTL_ADD, rt->wake_fd, &ev) != 0)
        return -1;
    rt->writer_started = pthread_create(&rt->writer, NULL, writer_main, rt) == 0;
    return rt->writer_started ? 0 : -1;
}

void rt_sse_wake(shop_rt *rt)
{
    uint64_t one = 1;
    if (rt->wake_fd >= 0 && write(rt->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        fl_log(FL_LOG_WARN, "rt_writer", "wake-up write: %s", strerror(errno));
}

void rt_sse_stop(shop_rt *rt)
{
    if (rt->writer_started) {
        pthread_mutex_lock(&rt->mu);
        rt->stopping = 1;
        rt->writer_stop = 1;
        pthread_mutex_unlock(&rt->mu);
        rt_sse_wake(rt);
        pthread_join(rt->writer, NULL);
        rt->writer_started = 0;
    }
    while (rt->adopt) { /* came after the writer's last look (the server is stopped: no more) */
        rt_sub *s = rt->adopt;
        rt->adopt = s->anext;
        sub_adopt(rt, s, 1);
    }
    every_stream(rt, 1);
    if (rt->ep >= 0)
        close(rt->ep);
    if (rt->wake_fd >= 0)
        close(rt->wake_fd);
    rt->ep = rt->wake_fd = -1;
    fl_free(rt->group.buf);
    fl_free(rt->single.buf);
    rt_sendq_free(rt->sendq);
    rt->sendq = NULL;
}

/* ---- the request's side ------------------------------------------------------- */

/* A stream of t after seq `after`, counted on t until its socket closes
 * (or sse_drop); its socket to come. Under mu. */
static rt_sub *sub_new(shop_rt *rt, rt_topic *t, long long after)
{
    rt_sub *s = fl_calloc(1, sizeof(*s));
    s->rt = rt;
    s->topic = t;
    s->after = after;
    s->fd = -1;
    t->nsubs++;
    rt->nsubs++;
    return s;
}

/* The headers are out: the socket is the writer's from now on. */
static void sse_adopt(void *arg, int fd, int chunked)
{
    rt_sub *s = arg;
    shop_rt *rt = s->rt;
    s->fd = fd;
    s->chunked = chunked;
    pthread_mutex_lock(&rt->mu);
    s->anext = rt->adopt;
    rt->adopt = s;
    pthread_mutex_unlock(&rt->mu);
    rt_sse_wake(rt);
}

/* The connection ended before its headers were out. */
static void sse_drop(void *arg)
{
    rt_sub *s = arg;
    shop_rt *rt = s->rt;
    pthread_mutex_lock(&rt->mu);
    s->topic->nsubs--;
    s->topic->used_ms = fl_mono_ms();
    rt->nsubs--;
    pthread_mutex_unlock(&rt->mu);
    fl_free(s);
}

int shop_rt_sse(shop_rt *rt, struct shop_req *r, const char *topic, long long after)
{
    rt_sub *s = NULL;

    if (rt_follow(rt, topic) != 0)
        return shop_fail(r, SHOP_E_UNAVAILABLE, "too many topics followed at once; try again");
    pthread_mutex_lock(&rt->mu);
    rt_topic *t = rt_topic_get(rt, topic, 0);
    if (!t || rt->stopping || rt->nsubs >= SHOP_RT_STREAMS_MAX) {
        int stopping = rt->stopping;
        pthread_mutex_unlock(&rt->mu);
        shop_add_header(r, "Retry-After", "1");
        return shop_fail(r, SHOP_E_UNAVAILABLE,
                         stopping ? "the shop is shutting down" : "too many event streams at once; try again");
    }
    s = sub_new(rt, t, after);
    pthread_mutex_unlock(&rt->mu);
    shop_add_header(r, "X-Accel-Buffering", "no"); /* a proxy in front must not hold the stream */
    return shop_reply_takeover(r, "text/event-stream", sse_adopt, sse_drop, s);
}
