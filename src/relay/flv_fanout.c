/* flv_fanout.c - HTTP-FLV fan-out: every tag written once per stream into
 * a memfd, every viewer sent its bytes from there with sendfile().
 *
 *   ingest thread                     flv_out (per stream, one mutex)
 *   relay_stream_video                  memfd: append-only, offsets are
 *     -> flv_out_push: pwrite(tag)  ->  the stream's byte count (64-bit)
 *        at next_pos, then index it     index: ring of {pos, size, ts,
 *        under the lock                 type, flags}, [tail ... gop_seq
 *                                       ... head), bounded in tags and
 *                                       bytes; the GOP cache is the span
 *                                       from the last keyframe
 *
 *   flv_writer thread (one, epoll) every 40-500 ms, per stream:
 *     locked:   start new viewers (prelude, cursor on the GOP keyframe),
 *               drop viewers that fell behind, pin = the lowest cursor
 *     unlocked: per viewer, sendfile(sock, memfd, &cursor, end - cursor)
 *               on its non-blocking socket: the kernel takes references
 *               to the memfd's pages, no byte is copied per viewer
 *     locked:   pin = the lowest cursor left (none: UINT64_MAX)
 *
 * A viewer is a cursor (a memfd offset) and a small prelude sent with a
 * plain send() before it: HTTP response header, FLV header, onMetaData
 * stamped at 0 (as nginx-rtmp sends it: players take a script tag at any
 * other time for a data stream of its own) and the sequence headers stamped
 * with the GOP keyframe's timestamp. Those stamps are the only per-viewer
 * rewrite; the tags themselves are the same bytes for
 * every viewer (takeovers are rebased once, on ingest, in stream.c), so
 * they can be shared in the file.
 *
 * Memory. Bytes below min(tail's offset, pin) are no longer needed by any
 * viewer or by the GOP cache; flv_out_push hands them back with
 * fallocate(PUNCH_HOLE | KEEP_SIZE) in whole FLV_PUNCH_ALIGN blocks. Whole
 * blocks matter: a page already given to sendfile may still sit in a
 * socket queue; removing it from the file leaves those bytes intact, while
 * punching part of a page would zero them under the socket. Appending never
 * changes bytes already written, so sharing pages with sockets is safe.
 * A viewer's backlog is the span from its cursor to next_pos: the file's,
 * shared and bounded; a viewer more than FLV_VIEWER_MAX_LAG bytes or
 * FLV_VIEWER_MAX_LAG_MS behind (beyond the backlog it was started with),
 * or whose cursor fell below the tail, is dropped before anything is sent
 * to it, so it never reads punched bytes.
 *
 * Start policy (the GOP cache): a new viewer starts at the last video
 * keyframe, when it is at most FLV_GOP_CACHE_MS old and still indexed (the
 * index holds FLV_RING_TAGS tags, FLV_RING_BYTES bytes): a picture at once,
 * that far behind live (players catch up). An older or evicted GOP (a GOP
 * longer than the cache): the viewer waits for the next keyframe, at the
 * live edge. That backlog is never held against it: its lag bounds count
 * from the backlog it started with. A stream without video (audio only)
 * starts at the live edge at once. The FLV header announces the tracks the
 * stream has (its sequence headers; both before any came).
 *
 * http.c lends the socket: it suspends the MHD connection for the
 * viewer's life and hands its descriptor over (one descriptor a viewer, not
 * a dup: 10,000 viewers fit in 20,000); the writer never closes it, it
 * shuts it down when done and, from the closed callback, http.c resumes
 * the connection so MHD closes it (O_NONBLOCK set here: MHD's descriptor
 * is non-blocking already).
 *
 * Threads: flv_out_push / flv_out_end from ingest; flv_writer_attach from
 * MHD threads; everything about viewers only on the writer thread. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"
#include "farmlive/relay_flv.h"
#include "farmlive/relay_media.h"

#define FLV_RING_TAGS 4096
#define FLV_RING_BYTES (16u << 20)
/* Holes are punched in whole, aligned blocks of this size (a multiple of
 * any page or large-folio size tmpfs uses), see the top of the file. */
#define FLV_PUNCH_ALIGN (2u << 20)
#define FLV_VIEWER_MAX_LAG (4u << 20)
#define FLV_VIEWER_MAX_LAG_MS 10000
#define FLV_GOP_CACHE_MS 15000 /* a GOP cache older than this: wait for the next keyframe */
/* The writer's pass interval grows with the audience: FLV_BATCH_MS plus
 * 1 ms per viewer, at most FLV_BATCH_MAX_MS (reached at 460 viewers).
 * With sendfile no byte is copied per viewer, so what a viewer costs is
 * per call: the TCP send and, on loopback, the receiver's wake-up (about
 * 7 us a call here, whatever its size). A few viewers get ~50 ms batches
 * (low delay costs little); a large audience gets two writes a second,
 * which adds at most FLV_BATCH_MAX_MS to the delay (target: 1 s). */
#define FLV_BATCH_MS 40
#define FLV_BATCH_MAX_MS 500
#define FLV_SENDFILE_MAX (1u << 20)
#define FLV_MAX_EVENTS 256

typedef struct flv_viewer flv_viewer;

typedef struct flv_entry {
    uint64_t pos;  /* memfd offset of the tag's first byte */
    uint32_t size; /* the whole tag: header, body, PreviousTagSize */
    uint32_t ts;
    uint8_t type, flags;
} flv_entry;

struct flv_out {
    atomic_int refs;
    atomic_int viewers;
    atomic_uint_fast64_t dropped_slow; /* viewers dropped: could not keep up */
    pthread_mutex_t lock;
    int fd;                        /* the memfd; -1: none (viewers refused) */
    flv_entry ring[FLV_RING_TAGS]; /* slot = seq % FLV_RING_TAGS */
    uint64_t tail, head;           /* indexed seqs: [tail, head) */
    uint64_t gop_seq;              /* last video keyframe; UINT64_MAX: none */
    uint64_t next_pos;             /* bytes written; ingest writes it */
    uint64_t pin;                  /* the writer reads nothing below; UINT64_MAX: no reader */
    uint64_t punched;              /* [0, punched) handed back to the kernel */
    uint32_t last_ts;
    relay_tag *meta, *vseq, *aseq;
    int ended;
    int broken; /* a write to the memfd failed: no more tags */
    /* writer thread only */
    flv_viewer *viewers_list;
    flv_out *wnext;
    int in_writer;
    uint64_t wend; /* next_pos at the last pass: below it, viewers' bytes stay pinned */
};

/* -- the store (ingest side) ---------------------------------------------- */

flv_out *flv_out_new(void)
{
    flv_out *o = fl_calloc(1, sizeof(*o));
    atomic_init(&o->refs, 1);
    atomic_init(&o->viewers, 0);
    atomic_init(&o->dropped_slow, 0);
    pthread_mutex_init(&o->lock, NULL);
    o->gop_seq = UINT64_MAX;
    o->pin = UINT64_MAX;
    if ((o->fd = relay_memfd("farmlive-flv")) < 0)
        fl_log(FL_LOG_ERROR, "flv_out", "memfd_create: %s (HTTP-FLV off for this stream)", strerror(errno));
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
    relay_tag_unref(o->meta);
    relay_tag_unref(o->vseq);
    relay_tag_unref(o->aseq);
    if (o->fd >= 0)
        close(o->fd);
    pthread_mutex_destroy(&o->lock);
    fl_free(o);
}

static int write_at(int fd, const uint8_t *p, size_t n, uint64_t pos)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)pos);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
        pos += (uint64_t)w;
    }
    return 0;
}

static uint64_t tail_pos_locked(const flv_out *o)
{
    return o->head > o->tail ? o->ring[o->tail % FLV_RING_TAGS].pos : o->next_pos;
}

/* Indexes the tag just written at o->next_pos, evicting old entries to
 * stay within the bounds. Sets [*from, *to) to the range to punch (empty
 * when from == to). */
static void index_push_locked(flv_out *o, const relay_tag *t, uint64_t *from, uint64_t *to)
{
    uint64_t pos = o->next_pos;
    while (o->head - o->tail >= FLV_RING_TAGS ||
           (o->head > o->tail && pos + t->size - tail_pos_locked(o) > FLV_RING_BYTES)) {
        o->tail++;
        if (o->gop_seq != UINT64_MAX && o->gop_seq < o->tail)
            o->gop_seq = UINT64_MAX;
    }
    o->ring[o->head % FLV_RING_TAGS] =
        (flv_entry){.pos = pos, .size = (uint32_t)t->size, .ts = t->ts, .type = t->type, .flags = t->flags};
    if (t->type == FLV_TAG_VIDEO && (t->flags & RELAY_TAG_KEY) && !(t->flags & RELAY_TAG_SEQHDR))
        o->gop_seq = o->head;
    o->head++;
    o->next_pos = pos + t->size;
    o->last_ts = t->ts;
    uint64_t keep = tail_pos_locked(o);
    if (o->pin < keep)
        keep = o->pin;
    keep -= keep % FLV_PUNCH_ALIGN;
    *from = *to = o->punched;
    if (keep > o->punched) {
        *to = keep;
        o->punched = keep;
    }
}

void flv_out_push(flv_out *o, relay_tag *t)
{
    uint64_t from = 0, to = 0;
    /* next_pos and broken are written by this thread only: read unlocked */
    int ok = o->fd >= 0 && !o->broken && write_at(o->fd, t->data, t->size, o->next_pos) == 0;
    int err = errno;
    pthread_mutex_lock(&o->lock);
    relay_tag **slot = NULL;
    if (t->type == FLV_TAG_SCRIPT)
        slot = &o->meta;
    else if (t->flags & RELAY_TAG_SEQHDR)
        slot = t->type == FLV_TAG_VIDEO ? &o->vseq : &o->aseq;
    if (slot) {
        relay_tag_unref(*slot);
        *slot = relay_tag_ref(t);
    }
    if (ok) {
        index_push_locked(o, t, &from, &to);
    } else if (o->fd >= 0 && !o->broken) {
        o->broken = 1; /* viewers get what is there, then are closed */
        fl_log(FL_LOG_ERROR, "flv_out", "memfd write: %s (HTTP-FLV stopped for this stream)", strerror(err));
    }
    pthread_mutex_unlock(&o->lock);
    /* below the pin and the tail: no reader, and none can come */
    if (to > from && fallocate(o->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from)) < 0)
        fl_log(FL_LOG_WARN, "flv_out", "punch hole: %s", strerror(errno));
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

uint64_t flv_out_viewers_dropped(const flv_out *o)
{
    return atomic_load(&((flv_out *)o)->dropped_slow);
}

/* The entry holding byte pos; pos in [tail_pos, next_pos). */
static const flv_entry *entry_at_locked(const flv_out *o, uint64_t pos)
{
    uint64_t lo = o->tail, hi = o->head - 1;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (o->ring[mid % FLV_RING_TAGS].pos <= pos)
            lo = mid;
        else
            hi = mid - 1;
    }
    return &o->ring[lo % FLV_RING_TAGS];
}

/* -- the writer thread -------------------------------------------------- */

struct flv_viewer {
    int fd;
    flv_out *out;
    uint64_t pos;     /* next memfd byte to send */
    uint64_t seq;     /* need_key: first index entry not looked at yet */
    uint8_t *prelude; /* built on the writer thread at start */
    size_t prelude_len, prelude_off;
    int started;         /* prelude built, cursor placed */
    int fresh;           /* started in this pass */
    int need_key;        /* skip to the next keyframe first */
    uint64_t backlog;    /* bytes behind the live edge at its start (the GOP cache) */
    uint32_t backlog_ms; /* and media time */
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

/* Places a new viewer's cursor (start policy at the top) and builds its
 * prelude. */
static void viewer_start_locked(flv_viewer *v, flv_out *o)
{
    uint32_t ts = o->last_ts;
    const flv_entry *gop = o->gop_seq != UINT64_MAX ? &o->ring[o->gop_seq % FLV_RING_TAGS] : NULL;
    if (gop && o->last_ts - gop->ts <= FLV_GOP_CACHE_MS) {
        v->pos = gop->pos;
        ts = gop->ts;
        v->backlog = o->next_pos - gop->pos;
        v->backlog_ms = o->last_ts - gop->ts;
    } else {
        v->seq = o->head;
        v->pos = o->next_pos;
        v->need_key = o->vseq != NULL; /* audio only: from here */
    }
    size_t cap = sizeof(flv_http_header) + FLV_FILE_HEADER_SIZE + (o->meta ? o->meta->size : 0) +
                 (o->vseq ? o->vseq->size : 0) + (o->aseq ? o->aseq->size : 0);
    v->prelude = fl_malloc(cap);
    v->prelude_len = sizeof(flv_http_header) - 1;
    memcpy(v->prelude, flv_http_header, v->prelude_len);
    int audio = o->aseq != NULL, video = o->vseq != NULL;
    if (!audio && !video) /* nothing known yet: announce both */
        audio = video = 1;
    flv_write_file_header(v->prelude + v->prelude_len, audio, video);
    v->prelude_len += FLV_FILE_HEADER_SIZE;
    prelude_add(v->prelude, &v->prelude_len, o->meta, 0);
    prelude_add(v->prelude, &v->prelude_len, o->vseq, ts);
    prelude_add(v->prelude, &v->prelude_len, o->aseq, ts);
    v->started = 1;
    v->fresh = 1;
}

/* A viewer that started without a GOP cache waits for the first video
 * keyframe (or sequence header) indexed since; until then its cursor
 * follows the end of the file. */
static void viewer_seek_key_locked(flv_viewer *v, const flv_out *o)
{
    for (uint64_t s = v->seq < o->tail ? o->tail : v->seq; s < o->head; s++) {
        const flv_entry *e = &o->ring[s % FLV_RING_TAGS];
        if (e->type == FLV_TAG_VIDEO && (e->flags & RELAY_TAG_KEY)) {
            v->pos = e->pos;
            v->need_key = 0;
            return;
        }
    }
    v->seq = o->head;
    v->pos = o->next_pos;
}

static int viewer_lagging_locked(const flv_viewer *v, const flv_out *o, uint64_t tail_pos)
{
    if (v->pos < tail_pos || o->next_pos - v->pos > FLV_VIEWER_MAX_LAG + v->backlog)
        return 1;
    if (v->pos == o->next_pos)
        return 0;
    const flv_entry *e = entry_at_locked(o, v->pos);
    return o->last_ts > e->ts && o->last_ts - e->ts > FLV_VIEWER_MAX_LAG_MS + v->backlog_ms;
}

static uint64_t lowest_cursor(const flv_out *o)
{
    uint64_t pin = UINT64_MAX;
    for (const flv_viewer *v = o->viewers_list; v; v = v->next)
        if (!v->dead && v->started && v->pos < pin)
            pin = v->pos;
    return pin;
}

static void viewer_close(flv_viewer *v)
{
    W.nviewers--;
    epoll_ctl(W.ep, EPOLL_CTL_DEL, v->fd, NULL);
    shutdown(v->fd, SHUT_RDWR); /* the lender (MHD) closes it */
    atomic_fetch_sub(&v->out->viewers, 1);
    if (v->closed)
        v->closed(v->arg);
    fl_free(v->prelude);
    fl_free(v);
}

int flv_writer_attach(flv_out *o, int fd, void (*closed)(void *arg), void *arg)
{
    int fl = fcntl(fd, F_GETFL);
    if (o->fd < 0 || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    flv_viewer *v = fl_calloc(1, sizeof(*v));
    v->fd = fd;
    v->out = o;
    v->closed = closed;
    v->arg = arg;
    v->writable = 1;
    pthread_mutex_lock(&W.lock);
    if (!W.running || W.stopping) {
        pthread_mutex_unlock(&W.lock);
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
        struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = v};
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

/* A SIGPIPE raised by sendfile (it has no MSG_NOSIGNAL) stays pending on
 * this thread, which blocks it: take it so it cannot pile up. */
static void drain_sigpipe(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&set, NULL, &zero) > 0) {
    }
}

/* Sends v what it can take: the rest of its prelude, then the file from
 * its cursor up to end. 0 while the viewer lives, -1 to close it. */
static int viewer_send(flv_viewer *v, int memfd, uint64_t end)
{
    while (v->writable) {
        ssize_t w;
        int prelude = v->prelude_off < v->prelude_len;
        if (prelude) {
            w = send(v->fd, v->prelude + v->prelude_off, v->prelude_len - v->prelude_off,
                     MSG_DONTWAIT | MSG_NOSIGNAL | (v->pos < end ? MSG_MORE : 0));
        } else if (v->pos < end) {
            off_t off = (off_t)v->pos;
            uint64_t n = end - v->pos;
            w = sendfile(v->fd, memfd, &off, n > FLV_SENDFILE_MAX ? FLV_SENDFILE_MAX : (size_t)n);
        } else {
            return 0;
        }
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                v->writable = 0;
                return 0;
            }
            if (errno == EINTR)
                continue;
            if (errno == EPIPE)
                drain_sigpipe();
            return -1;
        }
        if (w == 0) /* below next_pos the file has the bytes: cannot happen */
            return -1;
        atomic_fetch_add_explicit(&W.bytes_sent, (uint64_t)w, memory_order_relaxed);
        if (prelude)
            v->prelude_off += (size_t)w;
        else
            v->pos += (uint64_t)w;
    }
    return 0;
}

/* Under o->lock: starts new viewers, marks the ones that fell behind,
 * pins the lowest cursor for the unlocked sends that follow. */
static void out_prepare_locked(flv_out *o)
{
    uint64_t tail_pos = tail_pos_locked(o);
    for (flv_viewer *v = o->viewers_list; v; v = v->next) {
        if (v->dead)
            continue;
        if (!v->started)
            viewer_start_locked(v, o);
        if (v->need_key)
            viewer_seek_key_locked(v, o);
        if (viewer_lagging_locked(v, o, tail_pos)) {
            atomic_fetch_add(&W.viewers_dropped, 1);
            atomic_fetch_add(&o->dropped_slow, 1);
            fl_log(FL_LOG_INFO, "flv_viewer_dropped", "viewer could not keep up");
            v->dead = 1;
        }
    }
    o->pin = lowest_cursor(o);
}

/* One pass over one stream's viewers. new_only: send only to viewers
 * started in this pass (a viewer just attached gets its GOP at once). */
static void out_pass(flv_out *o, int new_only)
{
    pthread_mutex_lock(&o->lock);
    out_prepare_locked(o);
    uint64_t end = o->wend = o->next_pos;
    int ended = o->ended || o->broken;
    pthread_mutex_unlock(&o->lock);

    for (flv_viewer **pv = &o->viewers_list; *pv;) {
        flv_viewer *v = *pv;
        if (!v->dead && (!new_only || v->fresh) && viewer_send(v, o->fd, end) < 0)
            v->dead = 1;
        v->fresh = 0;
        if (!v->dead && ended && v->pos >= end && v->prelude_off >= v->prelude_len)
            v->dead = 1;
        if (v->dead) {
            *pv = v->next;
            viewer_close(v);
        } else {
            pv = &v->next;
        }
    }

    pthread_mutex_lock(&o->lock);
    o->pin = lowest_cursor(o);
    pthread_mutex_unlock(&o->lock);
}

/* Runs a pass over every stream; streams left without viewers leave the
 * writer. */
static void writer_pass(int new_only)
{
    for (flv_out **po = &W.outs; *po;) {
        flv_out *o = *po;
        out_pass(o, new_only);
        if (!o->viewers_list) {
            *po = o->wnext;
            o->in_writer = 0;
            flv_out_unref(o);
        } else {
            po = &o->wnext;
        }
    }
}

/* A viewer whose socket filled up is writable again: it gets the rest of
 * the last pass's bytes now rather than one batch later (they are pinned:
 * its cursor was at or above the pin and only moved up since). */
static void viewer_resume(flv_viewer *v)
{
    v->writable = 1;
    if (v->dead || !v->started || v->fresh)
        return;
    if (v->prelude_off < v->prelude_len || v->pos < v->out->wend)
        if (viewer_send(v, v->out->fd, v->out->wend) < 0)
            v->dead = 1; /* closed by the next pass */
}

static void on_events(struct epoll_event *evs, int n, int *attached)
{
    for (int i = 0; i < n; i++) {
        flv_viewer *v = evs[i].data.ptr;
        if (!v) {
            uint64_t c;
            if (read(W.wake, &c, sizeof(c)) < 0) {
                /* nothing to drain */
            }
            *attached = 1;
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
            viewer_resume(v);
    }
}

static void *writer_main(void *arg)
{
    (void)arg;
    struct epoll_event evs[FLV_MAX_EVENTS];
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    uint64_t last = 0;
    for (;;) {
        pthread_mutex_lock(&W.lock);
        int stopping = W.stopping;
        pthread_mutex_unlock(&W.lock);
        if (stopping)
            break;
        int batch = FLV_BATCH_MS + W.nviewers;
        if (batch > FLV_BATCH_MAX_MS)
            batch = FLV_BATCH_MAX_MS;
        uint64_t t = (uint64_t)fl_mono_ms();
        int wait = t - last >= (uint64_t)batch ? 0 : (int)(last + (uint64_t)batch - t);
        int n = epoll_wait(W.ep, evs, FLV_MAX_EVENTS, wait);
        int attached = 0;
        on_events(evs, n, &attached);
        if (attached) {
            take_pending();
            writer_pass(1);
        }
        t = (uint64_t)fl_mono_ms();
        if (t - last < (uint64_t)batch)
            continue;
        last = t;
        writer_pass(0);
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
        pthread_mutex_lock(&o->lock);
        o->pin = UINT64_MAX;
        pthread_mutex_unlock(&o->lock);
        o->in_writer = 0;
        flv_out_unref(o);
    }
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
