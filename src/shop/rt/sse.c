/* sse.c - the realtime feed's Server-Sent Events: the streams' sockets and
 * the threads that write to them (shop/rt/feed.h: shop_rt_sse; the state
 * it shares with feed.c: shop/rt/topic.h).
 *
 *   HTTP worker   shop_rt_sse: the topic followed, a stream counted on it
 *                 and given to the writer with the fewest streams, the
 *                 reply's headers queued (shop_reply_takeover);
 *                 sse_adopt once they are out: the socket onto its
 *                 writer's adopt list, the writer woken; sse_drop when the
 *                 client went first
 *   writer        rt->nwriters threads, each one epoll set and its own
 *                 streams (its part of each topic):
 *     adopted     "retry:" (and "truncated" when its Last-Event-ID is
 *                 older than the ring), what the ring holds after it
 *     new events  a topic on the writer's dirty list: the frames of its
 *                 new events, built once under mu into one text (an HTTP
 *                 chunk), then written outside it to every stream of the
 *                 writer at the topic's position: one send() per stream
 *                 however many events; a stream elsewhere (it just came)
 *                 catches up alone
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
 * it keeps up, and a batch is one system call per stream.
 *
 * Why several writers: a message to 10,000 streams is 10,000 send()s whose
 * cost is the kernel's (on loopback it runs the receiver's TCP too); one
 * thread doing them all is the whole delivery's bottleneck, and on a busy
 * machine it waits for its one share of the CPU. The streams shared out
 * over one writer per CPU take their turns side by side. */
#include "farmlive/shop/rt/topic.h"
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

static void sub_watch(rt_writer *w, rt_sub *s, int op, int out)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0), .data.ptr = s};
    epoll_ctl(w->ep, op, s->fd, &ev);
}

/* Sends what s's socket takes of data[0..len); keeps the rest in s->out
 * and watches for room. SEND_*. */
static int sub_send(rt_writer *w, rt_sub *s, const char *data, size_t len)
{
    ssize_t n = send(s->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == (ssize_t)len)
        return SEND_OK;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return SEND_GONE;
    if (n < 0)
        n = 0;
    s->out_len = len - (size_t)n;
    s->out_off = 0;
    s->out = fl_malloc(s->out_len);
    memcpy(s->out, data + n, s->out_len);
    sub_watch(w, s, EPOLL_CTL_MOD, 1);
    return SEND_BLOCKED;
}

/* Sends what s->out still holds: SEND_OK once it is all gone (s->out
 * freed, EPOLLOUT no longer watched). */
static int sub_flush(rt_writer *w, rt_sub *s)
{
    while (s->out_off < s->out_len) {
        ssize_t n = send(s->fd, s->out + s->out_off, s->out_len - s->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            s->out_off += (size_t)n;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return SEND_BLOCKED;
        else
            return SEND_GONE;
    }
    fl_free(s->out);
    s->out = NULL;
    sub_watch(w, s, EPOLL_CTL_MOD, 0);
    return SEND_OK;
}

/* Sends s, alone, what the ring holds after its position (a stream that
 * just came, or drained after a block). SEND_*; a stream the ring moved
 * past (an event it had not taken is gone) is SEND_GONE, counted dropped. */
static int sub_catch_up(rt_writer *w, rt_sub *s)
{
    shop_rt *rt = w->rt;
    const shop_rt_ring *ring = &s->topic->ring;
    for (;;) {
        long long pos = s->pos;
        int lagged, more, rc;
        size_t n;
        w->single.len = 0;
        pthread_mutex_lock(&rt->mu);
        lagged = pos < ring->horizon;
        if (lagged)
            rt->dropped++;
        else
            batch_fill(&w->single, ring, &pos);
        more = ring->last_seq > pos;
        pthread_mutex_unlock(&rt->mu);
        if (lagged)
            return SEND_GONE;
        s->pos = pos;
        if (w->single.len == 0)
            return SEND_OK;
        const char *wire = batch_wire(&w->single, s->chunked, &n);
        if ((rc = sub_send(w, s, wire, n)) != SEND_OK || !more)
            return rc;
    }
}

/* s no longer counts on its topic, its writer and the feed. Under mu. */
static void sub_uncount(shop_rt *rt, rt_sub *s)
{
    s->topic->nsubs--;
    s->topic->part[s->w->idx].nsubs--;
    s->topic->used_ms = fl_mono_ms();
    s->w->nsubs--;
    rt->nsubs--;
}

/* Closes s's socket and frees it; the topic is not touched after its last
 * stream went unless the writer holds it (its part's held). */
static void sub_close(rt_writer *w, rt_sub *s)
{
    shop_rt *rt = w->rt;
    rt_topic *t = s->topic;
    rt_topic_part *p = &t->part[w->idx];
    epoll_ctl(w->ep, EPOLL_CTL_DEL, s->fd, NULL);
    close(s->fd);
    if (s->prev)
        s->prev->next = s->next;
    else
        p->subs = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (!p->subs) { /* off the writer's list of topics with streams */
        if (p->wprev)
            p->wprev->part[w->idx].wnext = p->wnext;
        else
            w->wtopics = p->wnext;
        if (p->wnext)
            p->wnext->part[w->idx].wprev = p->wprev;
        p->wprev = p->wnext = NULL;
    }
    fl_free(s->out);
    pthread_mutex_lock(&rt->mu);
    sub_uncount(rt, s);
    pthread_mutex_unlock(&rt->mu);
    fl_free(s);
}

/* Ends s cleanly (the last chunk, when nothing is half sent) and closes it. */
static void sub_end(rt_writer *w, rt_sub *s)
{
    if (s->chunked && !s->out)
        send(s->fd, last_chunk, sizeof(last_chunk) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    sub_close(w, s);
}

/* A stream whose socket came: linked, watched, its hello and what the
 * ring holds after its Last-Event-ID sent. */
static void sub_adopt(rt_writer *w, rt_sub *s, int stopping)
{
    shop_rt *rt = w->rt;
    rt_topic *t = s->topic;
    rt_topic_part *p = &t->part[w->idx];
    int truncated, rc, first = !p->subs;
    char hello[32];
    size_t n;

    pthread_mutex_lock(&rt->mu);
    truncated = shop_rt_ring_truncated(&t->ring, s->after);
    s->pos = s->after > t->ring.horizon ? s->after : t->ring.horizon;
    pthread_mutex_unlock(&rt->mu);
    s->prev = NULL;
    s->next = p->subs;
    if (p->subs)
        p->subs->prev = s;
    p->subs = s;
    if (first) {
        p->wprev = NULL;
        p->wnext = w->wtopics;
        if (w->wtopics)
            w->wtopics->part[w->idx].wprev = t;
        w->wtopics = t;
    }
    sub_watch(w, s, EPOLL_CTL_ADD, 0);
    if (stopping) {
        sub_end(w, s);
        return;
    }
    w->single.len = 0;
    batch_put(&w->single, hello, (size_t)snprintf(hello, sizeof(hello), "retry: %d\n\n", SHOP_RT_RETRY_MS));
    if (truncated)
        batch_truncated(&w->single, s->after);
    const char *wire = batch_wire(&w->single, s->chunked, &n);
    rc = sub_send(w, s, wire, n);
    if (rc == SEND_OK)
        rc = sub_catch_up(w, s);
    if (rc == SEND_GONE) {
        sub_close(w, s);
        return;
    }
    if (first)
        p->sent = s->pos;
}

/* Something happened on s's socket. */
static void sub_ready(rt_writer *w, rt_sub *s, uint32_t events)
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
    if (rc == SEND_OK && (events & EPOLLOUT) && s->out && (rc = sub_flush(w, s)) == SEND_OK)
        rc = sub_catch_up(w, s);
    if (rc == SEND_GONE)
        sub_close(w, s);
}

/* ---- topics -------------------------------------------------------------------- */

/* t has new events: one batch of them to every stream of w at t's position.
 * w holds t (its part's held), so it outlives its streams here. */
static void topic_sweep(rt_writer *w, rt_topic *t)
{
    shop_rt *rt = w->rt;
    rt_topic_part *p = &t->part[w->idx];
    for (int more = 1; more && p->subs;) {
        long long from = p->sent, to = from, horizon;
        const char *chunk, *plain;
        size_t chunk_len, plain_len, dropped = 0;

        w->group.len = 0;
        pthread_mutex_lock(&rt->mu);
        horizon = t->ring.horizon;
        if (from < horizon) { /* the writer itself fell a ring behind (a burst while it wrote) */
            batch_truncated(&w->group, from);
            to = horizon;
        }
        batch_fill(&w->group, &t->ring, &to);
        more = t->ring.last_seq > to;
        pthread_mutex_unlock(&rt->mu);
        chunk = batch_wire(&w->group, 1, &chunk_len);
        plain = batch_wire(&w->group, 0, &plain_len);
        for (rt_sub *s = p->subs, *next; s; s = next) {
            int rc = SEND_OK;
            next = s->next;
            if (s->out) { /* blocked: it catches up once its socket drains, unless the ring moved past it */
                if (s->pos < horizon) {
                    dropped++;
                    rc = SEND_GONE;
                }
            } else if (s->pos == from) {
                if (w->group.len)
                    rc = s->chunked ? sub_send(w, s, chunk, chunk_len) : sub_send(w, s, plain, plain_len);
                s->pos = to;
            } else {
                rc = sub_catch_up(w, s); /* it came since the last batch */
            }
            if (rc == SEND_GONE)
                sub_close(w, s);
        }
        p->sent = to;
        if (dropped) {
            pthread_mutex_lock(&rt->mu);
            rt->dropped += dropped;
            pthread_mutex_unlock(&rt->mu);
        }
    }
}

/* A heartbeat to every stream of w, or (end) the end of every one. */
static void every_stream(rt_writer *w, int end)
{
    for (rt_topic *t = w->wtopics, *tnext; t; t = tnext) {
        tnext = t->part[w->idx].wnext; /* read first: t leaves the list with its last stream */
        for (rt_sub *s = t->part[w->idx].subs, *next; s; s = next) {
            next = s->next;
            if (end)
                sub_end(w, s);
            else if (!s->out && sub_send(w, s, s->chunked ? heartbeat_chunk : heartbeat,
                                         s->chunked ? sizeof(heartbeat_chunk) - 1 : sizeof(heartbeat) - 1) == SEND_GONE)
                sub_close(w, s);
        }
    }
}

int rt_topic_busy(const shop_rt *rt, const rt_topic *t)
{
    for (int i = 0; i < rt->nwriters; i++)
        if (t->part[i].dirty || t->part[i].held)
            return 1;
    return 0;
}

/* ---- the threads --------------------------------------------------------------- */

/* Handles what w's epoll reports within timeout_ms (its streams' sockets,
 * the wake-up). */
static void writer_poll(rt_writer *w, int timeout_ms)
{
    struct epoll_event evs[EVENTS_MAX];
    int n = epoll_wait(w->ep, evs, EVENTS_MAX, timeout_ms);
    for (int i = 0; i < n; i++) {
        if (evs[i].data.ptr) {
            sub_ready(w, evs[i].data.ptr, evs[i].events);
        } else {
            uint64_t v;
            if (read(w->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                fl_log(FL_LOG_WARN, "rt_writer", "wake-up read: %s", strerror(errno));
        }
    }
}

/* One turn of w after a poll: its streams whose socket came, its topics
 * with news, the end of every stream when quiescing, a heartbeat when hb.
 * Returns 1 when the thread is to stop. */
static int writer_turn(rt_writer *w, int hb)
{
    shop_rt *rt = w->rt;
    rt_sub *adopt;
    rt_topic *mine = NULL;
    int stopping, stop;

    pthread_mutex_lock(&rt->mu);
    adopt = w->adopt;
    w->adopt = NULL;
    while (w->dirty) {
        rt_topic *t = w->dirty;
        rt_topic_part *p = &t->part[w->idx];
        w->dirty = p->dnext;
        p->dirty = 0;
        p->held = 1;
        p->dnext = mine;
        mine = t;
    }
    stopping = rt->stopping;
    stop = w->stop;
    pthread_mutex_unlock(&rt->mu);

    while (adopt) {
        rt_sub *s = adopt;
        adopt = s->anext;
        sub_adopt(w, s, stopping);
    }
    while (mine) {
        rt_topic *t = mine;
        mine = t->part[w->idx].dnext;
        if (!stopping)
            topic_sweep(w, t);
        pthread_mutex_lock(&rt->mu);
        t->part[w->idx].held = 0;
        pthread_mutex_unlock(&rt->mu);
    }
    if (stopping)
        every_stream(w, 1);
    else if (hb)
        every_stream(w, 0);
    return stop;
}

static void *writer_main(void *arg)
{
    rt_writer *w = arg;
    int64_t next_hb = fl_mono_ms() + SHOP_RT_HEARTBEAT_S * 1000;

    for (;;) {
        int64_t now = fl_mono_ms();
        int hb;
        writer_poll(w, next_hb > now ? (int)(next_hb - now) : 0);
        hb = fl_mono_ms() >= next_hb;
        if (hb)
            next_hb = fl_mono_ms() + SHOP_RT_HEARTBEAT_S * 1000;
        if (writer_turn(w, hb))
            break;
    }
    return NULL;
}

/* w's epoll set and wake-up descriptor (no thread yet): 0, or -1. */
static int writer_open(shop_rt *rt, rt_writer *w, int idx)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    memset(w, 0, sizeof(*w));
    w->rt = rt;
    w->idx = idx;
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->ep < 0 || w->wake_fd < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake_fd, &ev) != 0)
        return -1;
    return 0;
}

int rt_sse_start(shop_rt *rt, int n)
{
    n = n < 1 ? 1 : n > RT_WRITERS_MAX ? RT_WRITERS_MAX : n;
    for (int i = 0; i < n; i++) {
        rt_writer *w = &rt->w[i];
        int rc = writer_open(rt, w, i);
        rt->nwriters = i + 1; /* stopped and closed by rt_sse_stop, whatever happens next */
        if (rc != 0 || pthread_create(&w->thread, NULL, writer_main, w) != 0)
            return -1;
        w->started = 1;
    }
    return 0;
}

void rt_sse_wake(shop_rt *rt, unsigned mask)
{
    uint64_t one = 1;
    for (int i = 0; i < rt->nwriters; i++)
        if ((mask & (1u << i)) && rt->w[i].wake_fd >= 0 && write(rt->w[i].wake_fd, &one, sizeof(one)) < 0 &&
            errno != EAGAIN)
            fl_log(FL_LOG_WARN, "rt_writer", "wake-up write: %s", strerror(errno));
}

void rt_sse_stop(shop_rt *rt)
{
    pthread_mutex_lock(&rt->mu);
    rt->stopping = 1;
    for (int i = 0; i < rt->nwriters; i++)
        rt->w[i].stop = 1;
    pthread_mutex_unlock(&rt->mu);
    rt_sse_wake(rt, ~0u);
    for (int i = 0; i < rt->nwriters; i++) {
        rt_writer *w = &rt->w[i];
        if (w->started) {
            pthread_join(w->thread, NULL);
            w->started = 0;
        }
        while (w->adopt) { /* came after the writer's last look (the server is stopped: no more) */
            rt_sub *s = w->adopt;
            w->adopt = s->anext;
            sub_adopt(w, s, 1);
        }
        every_stream(w, 1);
        if (w->ep >= 0)
            close(w->ep);
        if (w->wake_fd >= 0)
            close(w->wake_fd);
        w->ep = w->wake_fd = -1;
        fl_free(w->group.buf);
        fl_free(w->single.buf);
        w->group.buf = w->single.buf = NULL;
    }
}

/* ---- the request's side ------------------------------------------------------- */

/* A stream of t after seq `after`, given to the writer with the fewest
 * streams and counted until its socket closes (or sse_drop); its socket to
 * come. Under mu. */
static rt_sub *sub_new(shop_rt *rt, rt_topic *t, long long after)
{
    rt_sub *s = fl_calloc(1, sizeof(*s));
    rt_writer *w = &rt->w[0];
    for (int i = 1; i < rt->nwriters; i++)
        if (rt->w[i].nsubs < w->nsubs)
            w = &rt->w[i];
    s->rt = rt;
    s->w = w;
    s->topic = t;
    s->after = after;
    s->fd = -1;
    t->nsubs++;
    t->part[w->idx].nsubs++;
    w->nsubs++;
    rt->nsubs++;
    return s;
}

/* The headers are out: the socket is its writer's from now on. */
static void sse_adopt(void *arg, int fd, int chunked)
{
    rt_sub *s = arg;
    shop_rt *rt = s->rt;
    s->fd = fd;
    s->chunked = chunked;
    pthread_mutex_lock(&rt->mu);
    s->anext = s->w->adopt;
    s->w->adopt = s;
    pthread_mutex_unlock(&rt->mu);
    rt_sse_wake(rt, 1u << s->w->idx);
}

/* The connection ended before its headers were out. */
static void sse_drop(void *arg)
{
    rt_sub *s = arg;
    shop_rt *rt = s->rt;
    pthread_mutex_lock(&rt->mu);
    sub_uncount(rt, s);
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
