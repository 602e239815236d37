/* flv.c - the FLV tag writer and HTTP-FLV fan-out.
 *
 * Design. Ingest builds each tag once (relay_tag, refcounted) and appends it
 * to its stream's ring; nothing is copied per viewer:
 *
 *   ingest thread                 flv_out (per stream, one mutex)
 *   relay_stream_video --push--> [ tail ... gop_seq ... head )  ring of
 *                                  refs; bounded in tags and bytes
 *                                           |
 *   flv_writer thread (one, epoll)  every 40-200 ms: per stream, takes
 *   references to the ring's new tags under the lock once, then for each
 *   viewer one sendmsg(MSG_DONTWAIT) with an iovec pointing straight into
 *   the shared tags (up to FLV_IOV tags per call), from its cursor.
 *
 * A viewer is a cursor (seq, offset) into the ring plus a small prelude
 * (HTTP response header, FLV header, metadata, sequence headers, with the
 * GOP's timestamp). A new viewer starts at gop_seq, the last keyframe in the
 * ring, so its player decodes at once (the GOP cache). Its "queue" is the
 * span from its cursor to head: memory is the ring's, shared and bounded;
 * a viewer whose cursor falls off the tail, or more than FLV_VIEWER_MAX_LAG
 * bytes / FLV_VIEWER_MAX_LAG_MS behind, is dropped.
 *
 * Why not libmicrohttpd's response callbacks: with callback + suspend/resume
 * each viewer costs an MHD_resume_connection (an eventfd write), a state
 * machine turn and a copy into MHD's buffer per batch; here it costs one
 * sendmsg per batch with no copy. http.c hands the socket over: it dup()s
 * the connection's fd, suspends the MHD connection for the viewer's life
 * and, from the closed callback, resumes it so MHD closes it.
 *
 * Threads: flv_out_push / flv_out_end from ingest; flv_writer_attach from
 * MHD threads; everything about viewers only on the writer thread. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/relay_flv.h"

#define FLV_RING_TAGS 4096
#define FLV_RING_BYTES (16u << 20)
#define FLV_VIEWER_MAX_LAG (4u << 20)
#define FLV_VIEWER_MAX_LAG_MS 10000
/* The writer's pass interval grows with the audience: 40 ms (a few tags
 * per sendmsg) for a handful of viewers, up to 200 ms (about 15 KB per
 * sendmsg at 600 kbps) from 1,600 viewers on: fewer, larger writes cost
 * less CPU per byte and add at most 0.2 s of delay. */
#define FLV_BATCH_MS 40
#define FLV_BATCH_MAX_MS 200
#define FLV_IOV 64
#define FLV_MAX_EVENTS 256

/* -- pure writer -------------------------------------------------------- */

static void put_u24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    put_u24(p + 1, v);
}

void flv_write_file_header(uint8_t out[FLV_FILE_HEADER_SIZE], int audio, int video)
{
    out[0] = 'F';
    out[1] = 'L';
    out[2] = 'V';
    out[3] = 1;
    out[4] = (uint8_t)((audio ? 4 : 0) | (video ? 1 : 0));
    put_u32(out + 5, 9);
    put_u32(out + 9, 0);
}

void flv_set_tag_ts(uint8_t *tag, uint32_t ts)
{
    put_u24(tag + 4, ts & 0xffffff);
    tag[7] = (uint8_t)(ts >> 24);
}

void flv_write_tag_header(uint8_t out[FLV_TAG_HEADER_SIZE], uint8_t type, size_t body_len,
                          uint32_t ts)
{
    out[0] = type;
    put_u24(out + 1, (uint32_t)body_len);
    flv_set_tag_ts(out, ts);
    put_u24(out + 8, 0);
}

int flv_video_info(const uint8_t *body, size_t len, int *key, int *seqhdr, int32_t *cts)
{
    if (len < 5 || (body[0] & 0x0f) != 7)
        return -1;
    *key = (body[0] >> 4) == 1;
    *seqhdr = body[1] == 0;
    uint32_t c = ((uint32_t)body[2] << 16) | ((uint32_t)body[3] << 8) | body[4];
    *cts = (c & 0x800000) ? (int32_t)(c | 0xff000000u) : (int32_t)c;
    return 0;
}

int flv_audio_info(const uint8_t *body, size_t len, int *seqhdr)
{
    if (len < 2 || (body[0] >> 4) != 10)
        return -1;
    *seqhdr = body[1] == 0;
    return 0;
}

relay_tag *relay_tag_new(uint8_t type, uint32_t ts, const uint8_t *prefix, size_t prefix_len,
                         const uint8_t *body, size_t len)
{
    size_t blen = prefix_len + len;
    if (blen > FLV_MAX_BODY)
        return NULL;
    relay_tag *t = fl_malloc(sizeof(*t) + FLV_TAG_HEADER_SIZE + blen + 4);
    atomic_init(&t->refs, 1);
    t->type = type;
    t->flags = 0;
    t->ts = ts;
    t->seq = 0;
    t->pos = 0;
    t->size = FLV_TAG_HEADER_SIZE + blen + 4;
    flv_write_tag_header(t->data, type, blen, ts);
    if (prefix_len)
        memcpy(t->data + FLV_TAG_HEADER_SIZE, prefix, prefix_len);
    if (len)
        memcpy(t->data + FLV_TAG_HEADER_SIZE + prefix_len, body, len);
    put_u32(t->data + FLV_TAG_HEADER_SIZE + blen, (uint32_t)(FLV_TAG_HEADER_SIZE + blen));
    return t;
}

relay_tag *relay_tag_ref(relay_tag *t)
{
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void relay_tag_unref(relay_tag *t)
{
    if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
        fl_free(t);
}

/* -- fan-out ------------------------------------------------------------ */

typedef struct flv_viewer flv_viewer;

struct flv_out {
    atomic_int refs;
    atomic_int viewers;
    pthread_mutex_t lock;
    relay_tag *ring[FLV_RING_TAGS]; /* slot = seq % FLV_RING_TAGS */
    uint64_t tail, head;            /* valid seqs: [tail, head) */
    uint64_t gop_seq;               /* last video keyframe; UINT64_MAX: none */
    size_t ring_bytes;
    uint64_t next_pos; /* byte offset of the next tag */
    uint32_t last_ts;
    relay_tag *meta, *vseq, *aseq;
    int ended;
    /* writer thread only */
    flv_viewer *viewers_list;
    flv_out *wnext;
    int in_writer;
};

flv_out *flv_out_new(void)
{
    flv_out *o = fl_calloc(1, sizeof(*o));
    atomic_init(&o->refs, 1);
    atomic_init(&o->viewers, 0);
    pthread_mutex_init(&o->lock, NULL);
    o->gop_seq = UINT64_MAX;
    return o;
}

flv_out *flv_out_ref(flv_out *o)
{
    atomic_fetch_add(&o->refs, 1);
    return o;
}

void flv_out_unref(flv_out *o)
{
    if (!o || atomic_fetch_sub(&o->refs, 1) != 1)
        return;
    for (uint64_t s = o->tail; s < o->head; s++)
        relay_tag_unref(o->ring[s % FLV_RING_TAGS]);
    relay_tag_unref(o->meta);
    relay_tag_unref(o->vseq);
    relay_tag_unref(o->aseq);
    pthread_mutex_destroy(&o->lock);
    fl_free(o);
}

static void ring_evict_locked(flv_out *o)
{
    relay_tag *old = o->ring[o->tail % FLV_RING_TAGS];
    o->ring[o->tail % FLV_RING_TAGS] = NULL;
    o->ring_bytes -= old->size;
    o->tail++;
    if (o->gop_seq != UINT64_MAX && o->gop_seq < o->tail)
        o->gop_seq = UINT64_MAX;
    relay_tag_unref(old);
}

void flv_out_push(flv_out *o, relay_tag *t)
{
    relay_tag_ref(t);
    pthread_mutex_lock(&o->lock);
    while (o->head - o->tail >= FLV_RING_TAGS ||
           (o->head > o->tail && o->ring_bytes + t->size > FLV_RING_BYTES))
        ring_evict_locked(o);
    t->seq = o->head;
    t->pos = o->next_pos;
    o->next_pos += t->size;
    o->ring[o->head % FLV_RING_TAGS] = t;
    o->ring_bytes += t->size;
    o->head++;
    o->last_ts = t->ts;
    relay_tag **slot = NULL;
    if (t->type == FLV_TAG_SCRIPT)
        slot = &o->meta;
    else if (t->flags & RELAY_TAG_SEQHDR)
        slot = t->type == FLV_TAG_VIDEO ? &o->vseq : &o->aseq;
    else if (t->type == FLV_TAG_VIDEO && (t->flags & RELAY_TAG_KEY))
        o->gop_seq = t->seq;
    if (slot) {
        relay_tag_unref(*slot);
        *slot = relay_tag_ref(t);
    }
    pthread_mutex_unlock(&o->lock);
}

void flv_out_end(flv_out *o)
{
    pthread_mutex_lock(&o->lock);
    o->ended = 1;
    pthread_mutex_unlock(&o->lock);
}

int flv_out_viewers(const flv_out *o)
{
    return atomic_load(&((flv_out *)o)->viewers);
}

/* -- the writer thread -------------------------------------------------- */

struct flv_viewer {
    int fd;
    flv_out *out;
    uint64_t seq;     /* next tag to send */
    size_t off;       /* bytes of ring[seq] already sent */
    uint8_t *prelude; /* built on the writer thread at attach */
    size_t prelude_len, prelude_off;
    int started;  /* prelude built, cursor placed */
    int need_key; /* skip to the next keyframe first */
    int writable;
    int dead;
    void (*closed)(void *arg);
    void *arg;
    flv_viewer *next; /* in out->viewers_list, or the pending list */
};

static struct {
    pthread_t thread;
    int running;
    int ep, wake;
    pthread_mutex_t lock; /* pending, stopping */
    flv_viewer *pending;
    int stopping;
    flv_out *outs; /* writer thread only */
    int nviewers;  /* writer thread only */
    atomic_uint_fast64_t bytes_sent, viewers_total, viewers_dropped;
} W = {.ep = -1, .wake = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static const char flv_http_header[] = "HTTP/1.1 200 OK\r\n"
                                      "Content-Type: video/x-flv\r\n"
                                      "Cache-Control: no-cache, no-store\r\n"
                                      "Access-Control-Allow-Origin: *\r\n"
                                      "Connection: close\r\n\r\n";

void flv_writer_get_stats(flv_writer_stats *st)
{
    st->bytes_sent = atomic_load(&W.bytes_sent);
    st->viewers_total = atomic_load(&W.viewers_total);
    st->viewers_dropped = atomic_load(&W.viewers_dropped);
}

static void prelude_add(uint8_t *buf, size_t *len, const relay_tag *t, uint32_t ts)
{
    if (!t)
        return;
    memcpy(buf + *len, t->data, t->size);
    flv_set_tag_ts(buf + *len, ts);
    *len += t->size;
}

/* Places a new viewer's cursor on the GOP cache and builds its prelude.
 * Called with o->lock held. */
static void viewer_start_locked(flv_viewer *v, flv_out *o)
{
    uint32_t ts = o->last_ts;
    if (o->gop_seq != UINT64_MAX) {
        v->seq = o->gop_seq;
        ts = o->ring[o->gop_seq % FLV_RING_TAGS]->ts;
    } else {
        v->seq = o->head;
        v->need_key = 1;
    }
    size_t cap = sizeof(flv_http_header) + FLV_FILE_HEADER_SIZE + (o->meta ? o->meta->size : 0) +
                 (o->vseq ? o->vseq->size : 0) + (o->aseq ? o->aseq->size : 0);
    v->prelude = fl_malloc(cap);
    v->prelude_len = sizeof(flv_http_header) - 1;
    memcpy(v->prelude, flv_http_header, v->prelude_len);
    flv_write_file_header(v->prelude + v->prelude_len, 1, 1);
    v->prelude_len += FLV_FILE_HEADER_SIZE;
    prelude_add(v->prelude, &v->prelude_len, o->meta, ts);
    prelude_add(v->prelude, &v->prelude_len, o->vseq, ts);
    prelude_add(v->prelude, &v->prelude_len, o->aseq, ts);
    v->started = 1;
}

static void viewer_close(flv_viewer *v)
{
    W.nviewers--;
    epoll_ctl(W.ep, EPOLL_CTL_DEL, v->fd, NULL); /* the dup'd description lives on in MHD */
    shutdown(v->fd, SHUT_RDWR);
    close(v->fd);
    atomic_fetch_sub(&v->out->viewers, 1);
    if (v->closed)
        v->closed(v->arg);
    fl_free(v->prelude);
    fl_free(v);
}

int flv_writer_attach(flv_out *o, int fd, void (*closed)(void *arg), void *arg)
{
    flv_viewer *v = fl_calloc(1, sizeof(*v));
    v->fd = fd;
    v->out = o;
    v->closed = closed;
    v->arg = arg;
    v->writable = 1;
    pthread_mutex_lock(&W.lock);
    if (!W.running || W.stopping) {
        pthread_mutex_unlock(&W.lock);
        close(fd);
        fl_free(v);
        return -1;
    }
    flv_out_ref(o);
    atomic_fetch_add(&o->viewers, 1);
    v->next = W.pending;
    W.pending = v;
    pthread_mutex_unlock(&W.lock);
    uint64_t one = 1;
    if (write(W.wake, &one, sizeof(one)) < 0) {
        /* the writer polls every FLV_BATCH_MS anyway */
    }
    atomic_fetch_add(&W.viewers_total, 1);
    return 0;
}

static void take_pending(void)
{
    pthread_mutex_lock(&W.lock);
    flv_viewer *list = W.pending;
    W.pending = NULL;
    pthread_mutex_unlock(&W.lock);
    while (list) {
        flv_viewer *v = list;
        list = v->next;
        flv_out *o = v->out;
        struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET,
                                 .data.ptr = v};
        if (epoll_ctl(W.ep, EPOLL_CTL_ADD, v->fd, &ev) < 0)
            v->dead = 1;
        v->next = o->viewers_list;
        o->viewers_list = v;
        W.nviewers++;
        if (!o->in_writer) {
            o->in_writer = 1;
            o->wnext = W.outs;
            W.outs = o;
        } else {
            flv_out_unref(o); /* the writer holds one reference per out */
        }
    }
}

/* Writes what v can take from snap (tags [lo, lo + n)). 0 while the viewer
 * lives, -1 to close it. */
static int viewer_write(flv_viewer *v, relay_tag **snap, uint64_t lo, size_t n)
{
    uint64_t hi = lo + n;
    while (v->writable) {
        struct iovec iov[FLV_IOV];
        int cnt = 0;
        if (v->prelude_off < v->prelude_len)
            iov[cnt++] =
                (struct iovec){v->prelude + v->prelude_off, v->prelude_len - v->prelude_off};
        while (v->need_key && v->seq < hi) {
            relay_tag *t = snap[v->seq - lo];
            if (t->type == FLV_TAG_VIDEO && (t->flags & RELAY_TAG_KEY))
                v->need_key = 0;
            else
                v->seq++;
        }
        size_t off = v->off;
        for (uint64_t s = v->seq; s < hi && cnt < FLV_IOV; s++) {
            relay_tag *t = snap[s - lo];
            iov[cnt++] = (struct iovec){t->data + off, t->size - off};
            off = 0;
        }
        if (cnt == 0)
            return 0;
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};
        ssize_t w = sendmsg(v->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                v->writable = 0;
                return 0;
            }
            if (errno == EINTR)
                continue;
            return -1;
        }
        atomic_fetch_add_explicit(&W.bytes_sent, (uint64_t)w, memory_order_relaxed);
        size_t left = (size_t)w;
        if (v->prelude_off < v->prelude_len) {
            size_t p = v->prelude_len - v->prelude_off;
            if (left < p) {
                v->prelude_off += left;
                continue;
            }
            v->prelude_off = v->prelude_len;
            left -= p;
        }
        while (left > 0) {
            relay_tag *t = snap[v->seq - lo];
            size_t rest = t->size - v->off;
            if (left < rest) {
                v->off += left;
                left = 0;
            } else {
                left -= rest;
                v->off = 0;
                v->seq++;
            }
        }
    }
    return 0;
}

/* One batch for one stream: snapshot the ring once, write every viewer. */
static void out_pass(flv_out *o, relay_tag ***snapbuf, size_t *snapcap)
{
    pthread_mutex_lock(&o->lock);
    uint64_t lo = UINT64_MAX;
    for (flv_viewer *v = o->viewers_list; v; v = v->next) {
        if (!v->started)
            viewer_start_locked(v, o);
        if (v->seq < lo)
            lo = v->seq;
    }
    if (lo < o->tail)
        lo = o->tail;
    uint64_t hi = o->head;
    size_t n = lo < hi ? (size_t)(hi - lo) : 0;
    if (n > *snapcap) {
        *snapcap = n;
        *snapbuf = fl_realloc(*snapbuf, n * sizeof(**snapbuf));
    }
    relay_tag **snap = *snapbuf;
    for (size_t i = 0; i < n; i++)
        snap[i] = relay_tag_ref(o->ring[(lo + i) % FLV_RING_TAGS]);
    uint64_t head_pos = o->next_pos;
    uint32_t head_ts = o->last_ts;
    int ended = o->ended;
    pthread_mutex_unlock(&o->lock);

    for (flv_viewer **pv = &o->viewers_list; *pv;) {
        flv_viewer *v = *pv;
        int drop = 0;
        if (!v->dead && v->seq < lo) {
            drop = 1; /* fell off the ring */
        } else if (!v->dead && v->seq < hi) {
            const relay_tag *t = snap[v->seq - lo];
            if (head_pos - (t->pos + v->off) > FLV_VIEWER_MAX_LAG ||
                (head_ts > t->ts && head_ts - t->ts > FLV_VIEWER_MAX_LAG_MS))
                drop = 1;
        }
        if (drop) {
            atomic_fetch_add(&W.viewers_dropped, 1);
            fl_log(FL_LOG_INFO, "flv_viewer_dropped", "viewer could not keep up");
            v->dead = 1;
        }
        if (!v->dead && viewer_write(v, snap, lo, n) < 0)
            v->dead = 1;
        if (!v->dead && ended && v->seq >= hi && v->prelude_off >= v->prelude_len)
            v->dead = 1;
        if (v->dead) {
            *pv = v->next;
            viewer_close(v);
        } else {
            pv = &v->next;
        }
    }
    for (size_t i = 0; i < n; i++)
        relay_tag_unref(snap[i]);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *writer_main(void *arg)
{
    (void)arg;
    struct epoll_event evs[FLV_MAX_EVENTS];
    relay_tag **snap = NULL;
    size_t snapcap = 0;
    uint64_t last = 0;
    for (;;) {
        pthread_mutex_lock(&W.lock);
        int stopping = W.stopping;
        pthread_mutex_unlock(&W.lock);
        if (stopping)
            break;
        int batch = FLV_BATCH_MS + W.nviewers / 10;
        if (batch > FLV_BATCH_MAX_MS)
            batch = FLV_BATCH_MAX_MS;
        int n = epoll_wait(W.ep, evs, FLV_MAX_EVENTS, batch);
        int attached = 0;
        for (int i = 0; i < n; i++) {
            flv_viewer *v = evs[i].data.ptr;
            if (!v) {
                uint64_t c;
                if (read(W.wake, &c, sizeof(c)) < 0) {
                    /* nothing to drain */
                }
                attached = 1;
                continue;
            }
            if (evs[i].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))
                v->dead = 1;
            if (evs[i].events & EPOLLIN) {
                char buf[512];
                ssize_t r;
                while ((r = recv(v->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
                }
                if (r == 0)
                    v->dead = 1;
            }
            if (evs[i].events & EPOLLOUT)
                v->writable = 1;
        }
        if (attached)
            take_pending();
        uint64_t t = now_ms();
        if (!attached && t - last < (uint64_t)batch)
            continue;
        last = t;
        for (flv_out **po = &W.outs; *po;) {
            flv_out *o = *po;
            out_pass(o, &snap, &snapcap);
            if (!o->viewers_list) {
                *po = o->wnext;
                o->in_writer = 0;
                flv_out_unref(o);
            } else {
                po = &o->wnext;
            }
        }
    }
    /* stopping: close everything, pending included */
    take_pending();
    while (W.outs) {
        flv_out *o = W.outs;
        W.outs = o->wnext;
        while (o->viewers_list) {
            flv_viewer *v = o->viewers_list;
            o->viewers_list = v->next;
            viewer_close(v);
        }
        o->in_writer = 0;
        flv_out_unref(o);
    }
    fl_free(snap);
    return NULL;
}

int flv_writer_start(void)
{
    int ret = -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (W.running)
        return 0;
    if ((W.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
        goto end;
    if ((W.wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
        goto end;
    if (epoll_ctl(W.ep, EPOLL_CTL_ADD, W.wake, &ev) < 0)
        goto end;
    W.stopping = 0;
    if (pthread_create(&W.thread, NULL, writer_main, NULL) != 0)
        goto end;
    pthread_mutex_lock(&W.lock);
    W.running = 1;
    pthread_mutex_unlock(&W.lock);
    ret = 0;
end:
    if (ret < 0) {
        fl_log(FL_LOG_ERROR, "flv_writer", "cannot start: %s", strerror(errno));
        if (W.wake >= 0)
            close(W.wake);
        if (W.ep >= 0)
            close(W.ep);
        W.wake = W.ep = -1;
    }
    return ret;
}

void flv_writer_stop(void)
{
    pthread_mutex_lock(&W.lock);
    int running = W.running;
    W.stopping = 1;
    pthread_mutex_unlock(&W.lock);
    if (!running)
        return;
    uint64_t one = 1;
    if (write(W.wake, &one, sizeof(one)) < 0) {
        /* the thread wakes within FLV_BATCH_MS */
    }
    pthread_join(W.thread, NULL);
    close(W.wake);
    close(W.ep);
    W.wake = W.ep = -1;
    pthread_mutex_lock(&W.lock);
    W.running = 0;
    pthread_mutex_unlock(&W.lock);
}
