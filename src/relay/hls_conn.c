/* hls_conn.c - /live/ keep-alive connections served outside libmicrohttpd
 * (relay_hls_conn.h). What an HLS player costs is per request: with
 * libmicrohttpd that was its per-request bookkeeping (the connection pool
 * zeroed, a response object allocated, headers added and sent, a mutex per
 * response) around one recv and one send. Here a request is:
 *
 *   epoll edge (EPOLLIN, edge-triggered, registered once per connection)
 *     -> one recv into the connection's buffer (a short read means the
 *        socket is drained: the next byte brings a new edge)
 *     -> parse in place (request line, Connection, Content-Length)
 *     -> route /live/{id}/{name}: the store's refcounted blob
 *     -> one sendmsg(MSG_NOSIGNAL) of the header (written into the
 *        connection's own buffer) and the blob: one packet on loopback
 *
 * no allocation and no lock of our own per request (the hub's and the
 * store's mutexes, as before). A partial send waits for the EPOLLOUT edge.
 *
 * Blocking playlist reloads and the preload-hinted part: the connection's
 * own hls_waiter is armed in the store; the media worker's wake pushes the
 * connection onto the thread's lock-free stack and writes its eventfd once
 * (when the stack was empty); the thread answers it. Deadlines (3 target
 * durations: 503) are swept every HC_TICK_MS; a connection whose waiter
 * could not be disarmed (its wake is under way) lives until the wake came.
 *
 * Every answer carries Access-Control-Allow-Origin: *; errors are
 * {"error":{"code","message"}} as http.c's. HEAD: the header alone. Range
 * is not answered (200 with the whole body, as libmicrohttpd did for these
 * buffers). A request with a body, Transfer-Encoding, a malformed request
 * line: 400 and close; a header larger than HC_IN_MAX: 431 and close.
 * HTTP/1.0 closes unless it asks for keep-alive; "Connection: close" closes.
 * Idle connections close after HC_IDLE_MS (libmicrohttpd's timeout).
 *
 * Connections: the relay's HTTP port is accepted here (accept_some, the
 * first thread's epoll; TCP_NODELAY inherited from the listening socket).
 * A new connection's first request is peeked, left in the socket, until
 * its header is whole (first_peek): one outside /live/ goes to
 * libmicrohttpd with the socket itself (hand_over); any other is read and
 * answered as every later one. libmicrohttpd may also lend a connection it
 * holds at a /live/ request (hls_conn_attach).
 *
 * Other requests on such a connection: an HTTP-FLV one is handed to the
 * writer (flv_fanout.c) with this socket (its answer ends the connection);
 * a request outside /live/ (the API, recordings, the internal drop) is
 * handed back to libmicrohttpd through a socket pair (hand_back), its
 * header rewritten to "Connection: close", the bytes pumped both ways by a
 * short-lived thread of its own until libmicrohttpd closes its end; then
 * this connection closes too (the client opens a new one for what
 * follows). A first request pipelined behind the lending one inside
 * libmicrohttpd's buffer cannot be taken over (browsers do not pipeline). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "farmlive/alloc.h"
#include "farmlive/buf.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"
#include "farmlive/relay_hls_conn.h"
#include "farmlive/relay_record.h"

#define HC_THREADS 1
#define HC_IN_MAX 8192 /* a request's header; larger: 431 */
/* A connection's own request buffer; a header that outgrows it moves to
 * one of HC_IN_MAX on the heap (players' requests fit: a few hundred
 * bytes; a connection costs this much, not HC_IN_MAX, until then) */
#define HC_IN_SMALL 2048
#define HC_HDR_MAX 512 /* an answer's header */
#define HC_NAME_MAX 64
#define HC_IDLE_MS 30000
#define HC_HANDBACK_MAX 64 /* hand-back threads at once; more: the connection is closed */
#define HC_TICK_MS 50
#define HC_MAX_EVENTS 256
#define HC_ACCEPT_BATCH 64 /* connections accepted a pass at most */
#define HC_CONN_MAX 20000  /* connections held at once (libmicrohttpd's limit was the same) */
/* Blobs at least this large (segments, long parts) go out with sendfile
 * from their wire form; smaller ones (playlists) with one sendmsg: below
 * it the copy costs less than splicing pages. */
#define HC_WIRE_MIN (16 * 1024)
/* A pass over the ready connections at most every HC_PASS_US: the
 * requests that came meanwhile are answered together, one epoll_wait for
 * all of them rather than a wake-up each (at most 1 ms more delay). */
#define HC_PASS_US 1000

typedef struct hc_thread hc_thread;
typedef struct hc_conn hc_conn;

struct hc_conn {
    int fd;
    hc_thread *t;
    void (*closed)(void *arg);
    void *arg;
    int readable, writable; /* an edge said so, not yet drained / filled */
    int eof;                /* the peer sent FIN: answer what is here, then close */
    int close_after;        /* close once the answer is out */
    int dead;
    int fresh;       /* accepted here, its first request not yet taken: peeked */
    int counted;     /* the first request was counted by http.c */
    int64_t last_ms; /* last request or answer (idle timeout) */
    /* the answer in progress: iov (header, body), or the body's wire form */
    struct iovec iov[2];
    relay_blob *body;
    off_t wire_off;
    size_t wire_left;
    /* a blocking request: armed in st, woken onto t->woken */
    hls_waiter w;
    int waiting;
    int head;         /* the waiting request is a HEAD */
    relay_stream *ws; /* a reference: keeps the store alive */
    hls_store *wst;
    char wname[HC_NAME_MAX];
    int64_t wmsn;
    int wpart;
    int64_t deadline;
    hc_conn *wprev, *wnext; /* in t->waits */
    hc_conn *woken_next;
    hc_conn *prev, *next; /* in t->conns */
    size_t inlen;
    char *in; /* in_small, or HC_IN_MAX + 1 bytes of the heap */
    char hdr[HC_HDR_MAX];
    char in_small[HC_IN_SMALL + 1];
};

struct hc_thread {
    pthread_t thread;
    int ep, wake;
    int lfd;               /* the listening socket (the first thread), or -1 */
    int accepting;         /* its edge came and accept has not said EAGAIN yet */
    int64_t accept_warned; /* the last accept failure logged (one a second at most) */
    pthread_mutex_t lock;  /* pending */
    hc_conn *pending;
    _Atomic(hc_conn *) woken;
    hc_conn *conns, *waits;
    int64_t last_idle_sweep;
    char peek[HC_IN_MAX + 1]; /* first requests peeked (first_peek) */
};

static struct {
    relay_hub *hub;
    int (*hand_back)(int fd);
    hc_thread t[HC_THREADS];
    int running;
    atomic_int stopping;
    atomic_uint next;
    atomic_uint_fast64_t requests;
    atomic_int nconns;
    atomic_int handbacks; /* hand-back threads still pumping */
    atomic_int waking;    /* wakes under way (their eventfd write not done) */
} C;

/* A parsed request: pointers into c->in, NUL-terminated in place. */
typedef struct hc_req {
    const char *method, *path, *msn, *part, *quality;
    int head, keep;
} hc_req;

/* -- answers ------------------------------------------------------------- */

static const char *reason(unsigned status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Service Unavailable";
    }
}

/* Queues an answer (takes b, NULL: no body); sent by conn_flush. */
static void answer(hc_conn *c, unsigned status, relay_blob *b, const char *type, const char *cache, int head)
{
    size_t len = b ? b->len : 0;
    int n = snprintf(c->hdr, sizeof(c->hdr),
                     "HTTP/1.1 %u %s\r\nContent-Length: %zu\r\nContent-Type: %s\r\nCache-Control: %s\r\n"
                     "Access-Control-Allow-Origin: *\r\n%s\r\n",
                     status, reason(status), len, type, cache, c->close_after ? "Connection: close\r\n" : "");
    c->iov[0] = (struct iovec){c->hdr, (size_t)n};
    c->iov[1] = (struct iovec){head || !b ? NULL : b->data, head || !b ? 0 : len};
    c->body = b;
}

static void answer_error(hc_conn *c, unsigned status, const char *code, const char *message, int head)
{
    char text[256]; /* code and message: constants without quotes */
    int n = snprintf(text, sizeof(text), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);
    answer(c, status, relay_blob_new(text, (size_t)n), "application/json", "no-cache", head);
}

static void answer_preflight(hc_conn *c)
{
    int n = snprintf(c->hdr, sizeof(c->hdr),
                     "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n"
                     "Access-Control-Allow-Methods: GET, HEAD, POST, OPTIONS\r\nAccess-Control-Allow-Headers: *\r\n"
                     "Access-Control-Max-Age: 86400\r\n%s\r\n",
                     c->close_after ? "Connection: close\r\n" : "");
    c->iov[0] = (struct iovec){c->hdr, (size_t)n};
    c->iov[1] = (struct iovec){NULL, 0};
    c->body = NULL;
}

static int answer_pending(const hc_conn *c)
{
    return c->iov[0].iov_len + c->iov[1].iov_len + c->wire_left > 0;
}

static size_t header_200(char *h, size_t cap, size_t len, const char *type, const char *cache)
{
    return (size_t)snprintf(h, cap,
                            "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nContent-Type: %s\r\nCache-Control: %s\r\n"
                            "Access-Control-Allow-Origin: *\r\n\r\n",
                            len, type, cache);
}

/* b's keep-alive 200 answer in a memfd (header + body), made at its first
 * request; -1 when it cannot be (then sent from memory). */
static int blob_wire(relay_blob *b, const char *type, const char *cache)
{
    int fd = atomic_load(&b->wire_fd);
    if (fd >= 0)
        return fd;
    char h[HC_HDR_MAX];
    size_t n = header_200(h, sizeof(h), b->len, type, cache);
    if ((fd = relay_memfd("farmlive-hls")) < 0)
        return -1;
    struct iovec iov[2] = {{h, n}, {b->data, b->len}};
    size_t want = n + b->len, done = 0;
    while (done < want) {
        ssize_t w = pwritev(fd, iov, 2, (off_t)done);
        if (w <= 0 && errno != EINTR) {
            close(fd);
            return -1;
        }
        if (w <= 0)
            continue;
        done += (size_t)w;
        for (int i = 0; i < 2; i++) {
            size_t k = (size_t)w < iov[i].iov_len ? (size_t)w : iov[i].iov_len;
            iov[i].iov_base = (char *)iov[i].iov_base + k;
            iov[i].iov_len -= k;
            w -= (ssize_t)k;
        }
    }
    b->wire_hdr = (uint32_t)n; /* the same for every thread: one type and cache a blob */
    int none = -1;
    if (!atomic_compare_exchange_strong(&b->wire_fd, &none, fd)) {
        close(fd);
        return none;
    }
    return fd;
}

/* One HLS answer from a store result; takes b. */
static void answer_hls(hc_conn *c, int rc, relay_blob *b, const char *mime, int playlist, int head)
{
    switch (rc) {
    case HLS_READY: {
        const char *cache = playlist ? "no-cache" : "public, max-age=86400, immutable";
        int fd = c->close_after || b->len < HC_WIRE_MIN ? -1 : blob_wire(b, mime, cache);
        if (fd < 0) {
            answer(c, 200, b, mime, cache, head);
            break;
        }
        c->body = b; /* keeps the memfd open while it is sent */
        c->wire_left = b->wire_hdr + (head ? 0 : b->len);
        c->wire_off = 0;
        c->iov[0].iov_len = c->iov[1].iov_len = 0;
        break;
    }
    case HLS_TOO_FAR:
        answer_error(c, 400, "bad_request", "_HLS_msn / _HLS_part too far ahead of the playlist", head);
        break;
    case HLS_WAIT:
        answer_error(c, 503, "unavailable", "not published within 3 target durations", head);
        break;
    default:
        answer_error(c, 404, playlist ? "not_ready" : "not_found", playlist ? "no segment yet" : "no such segment",
                     head);
    }
}

/* -- /live/ routes --------------------------------------------------------- */

/* master.m3u8: the source, then the low rendition once it has a picture
 * (relay_hls_master_write). NULL: no codecs known yet. */
static relay_blob *master_playlist(relay_stream *s)
{
    relay_stream_info in;
    char src_codecs[80], low_codecs[80];
    relay_stream_get_info(s, &in);
    if (!in.vcodec[0] && !in.acodec[0])
        return NULL;
    snprintf(src_codecs, sizeof(src_codecs), "%s%s%s", in.vcodec, in.vcodec[0] && in.acodec[0] ? "," : "", in.acodec);
    snprintf(low_codecs, sizeof(low_codecs), "%s%s%s", in.low.vcodec, in.acodec[0] ? "," : "", in.acodec);
    /* BANDWIDTH is a peak: what was measured with a margin; the low one at
     * least its target and the audio's share of the source */
    int64_t low_bw = (int64_t)(in.low.kbps * 1100);
    if (low_bw < (int64_t)(RELAY_LOW_KBPS + 128) * 1000)
        low_bw = (int64_t)(RELAY_LOW_KBPS + 128) * 1000;
    int64_t src_bw = (int64_t)(in.kbps * 1100);
    if (src_bw <= low_bw)
        src_bw = low_bw + 1000;
    relay_hls_variant v[2] = {
        {"index.m3u8", src_bw, in.width, in.height, src_codecs},
        {"low/index.m3u8", low_bw, in.low.width, in.low.height, low_codecs},
    };
    fl_buf b;
    fl_buf_init(&b, 512, 4096);
    relay_hls_master_write(&b, v, in.have_low && in.low.vcodec[0] ? 2 : 1);
    relay_blob *blob = relay_blob_new(b.p, b.len);
    fl_buf_free(&b);
    return blob;
}

/* _HLS_msn / _HLS_part (RFC 8216bis 6.2.5.2). 0, or -1: malformed. */
static int hls_query(const char *m, const char *p, int64_t *msn, int *part)
{
    char *end;
    *msn = -1;
    *part = -1;
    if (!m)
        return p ? -1 : 0;
    if (m[0] < '0' || m[0] > '9' || strlen(m) > 15)
        return -1;
    *msn = strtoll(m, &end, 10);
    if (*end)
        return -1;
    if (p) {
        if (p[0] < '0' || p[0] > '9' || strlen(p) > 6)
            return -1;
        *part = (int)strtol(p, &end, 10);
        if (*end)
            return -1;
    }
    return 0;
}

static void thread_wait_add(hc_thread *t, hc_conn *c)
{
    c->wprev = NULL;
    c->wnext = t->waits;
    if (t->waits)
        t->waits->wprev = c;
    t->waits = c;
}

static void thread_wait_remove(hc_thread *t, hc_conn *c)
{
    if (c->wprev)
        c->wprev->wnext = c->wnext;
    else
        t->waits = c->wnext;
    if (c->wnext)
        c->wnext->wprev = c->wprev;
    c->wprev = c->wnext = NULL;
}

/* The store's wake (media worker thread): onto the thread's stack. */
static void hc_woken(hls_waiter *w)
{
    hc_conn *c = (hc_conn *)((char *)w - offsetof(hc_conn, w));
    hc_thread *t = c->t;
    atomic_fetch_add(&C.waking, 1);
    hc_conn *old = atomic_load(&t->woken);
    do
        c->woken_next = old;
    while (!atomic_compare_exchange_weak(&t->woken, &old, c));
    if (!old) {
        uint64_t one = 1;
        if (write(t->wake, &one, sizeof(one)) < 0) {
            /* the thread ticks every HC_TICK_MS while it has waits */
        }
    }
    atomic_fetch_sub(&C.waking, 1);
}

/* A playlist (maybe blocking), init segment, segment or part of st. Takes
 * the reference s. */
static void serve_hls(hc_conn *c, const hc_req *rq, relay_stream *s, hls_store *st, const char *name)
{
    relay_blob *b = NULL;
    const char *mime = NULL;
    int64_t msn = -1;
    int part = -1;
    int playlist = strcmp(name, "index.m3u8") == 0;
    if (playlist && hls_query(rq->msn, rq->part, &msn, &part) < 0) {
        answer_error(c, 400, "bad_request", "_HLS_msn: a number; _HLS_part: a number, with _HLS_msn", rq->head);
        relay_stream_release(s);
        return;
    }
    if (strlen(name) >= sizeof(c->wname) || atomic_load(&C.stopping)) {
        int rc = hls_store_request(st, name, msn, part, NULL, &b, &mime);
        answer_hls(c, rc, b, mime, playlist, rq->head);
        relay_stream_release(s);
        return;
    }
    /* armed at once: set up before the wake can come */
    memcpy(c->wname, name, strlen(name) + 1);
    c->wmsn = msn;
    c->wpart = part;
    c->ws = s;
    c->wst = st;
    c->head = rq->head;
    c->waiting = 1;
    int rc = hls_store_request(st, name, msn, part, &c->w, &b, &mime);
    if (rc == HLS_WAIT) {
        c->deadline = fl_mono_ms() + hls_store_block_ms(st);
        thread_wait_add(c->t, c);
        return;
    }
    c->waiting = 0;
    c->ws = NULL;
    answer_hls(c, rc, b, mime, playlist, rq->head);
    relay_stream_release(s);
}

/* The waiting request's answer (woken, or past its deadline: 503). */
static void wait_answer(hc_conn *c)
{
    relay_blob *b = NULL;
    const char *mime = NULL;
    c->waiting = 0;
    thread_wait_remove(c->t, c);
    int rc = hls_store_request(c->wst, c->wname, c->wmsn, c->wpart, NULL, &b, &mime);
    answer_hls(c, rc, b, mime, strcmp(c->wname, "index.m3u8") == 0, c->head);
    relay_stream_release(c->ws);
    c->ws = NULL;
}

/* Off the thread: out of its epoll and its list (the socket stays open). */
static void conn_detach(hc_conn *c)
{
    hc_thread *t = c->t;
    epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->prev)
        c->prev->next = c->next;
    else
        t->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    atomic_fetch_sub(&C.nconns, 1);
}

static void conn_release(hc_conn *c);

/* The socket's end once it is shut down: a lent one goes back to its
 * lender, which closes it; one accepted here is closed here. */
static void conn_close_fd(hc_conn *c)
{
    if (c->closed)
        c->closed(c->arg);
    else
        close(c->fd);
}

static void conn_free(hc_conn *c)
{
    if (c->in != c->in_small)
        fl_free(c->in);
    fl_free(c);
}

static void flv_closed(void *arg)
{
    hc_conn *c = arg;
    conn_close_fd(c);
    conn_free(c);
}

/* /live/{id}.flv: the socket goes to the FLV writer; 1 when it took it. */
static int serve_flv(hc_conn *c, const hc_req *rq, const char *live_id)
{
    if (strcmp(rq->method, "GET") != 0) {
        answer_error(c, 405, "method_not_allowed", "GET only", rq->head);
        return 0;
    }
    int low = rq->quality && strcmp(rq->quality, "low") == 0;
    if (rq->quality && !low && strcmp(rq->quality, "source") != 0) {
        answer_error(c, 400, "bad_request", "quality: source or low", 0);
        return 0;
    }
    relay_stream *s = relay_hub_get(C.hub, live_id);
    if (!s) {
        answer_error(c, 404, "not_live", "no such live stream", 0);
        return 0;
    }
    flv_out *out = relay_stream_flv(s);
    if (low) {
        relay_rendition *rend = relay_stream_low(s);
        if (!rend) {
            relay_stream_release(s);
            answer_error(c, 404, "not_found", "this stream has no low rendition", 0);
            return 0;
        }
        out = relay_rendition_flv(rend);
    }
    conn_detach(c); /* first: the writer owns the socket from attach on */
    int ok = flv_writer_attach(out, c->fd, flv_closed, c) == 0;
    relay_stream_release(s);
    if (ok)
        return 1;
    /* the writer stops: tell the viewer, then close */
    c->close_after = 1;
    answer_error(c, 503, "unavailable", "cannot serve HTTP-FLV now", 0);
    const struct iovec *iov = c->iov;
    struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = 2};
    if (sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* closing anyway */
    }
    relay_blob_unref(c->body);
    shutdown(c->fd, SHUT_RDWR);
    flv_closed(c);
    return 1;
}

/* /live/{id}.flv or /live/{id}/{name}. 1 when the connection left this
 * thread (HTTP-FLV). */
static int route_live(hc_conn *c, const hc_req *rq)
{
    char id[RELAY_LIVE_ID_MAX + 1];
    const char *p = rq->path + strlen("/live/");
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    int flv = !slash && n > 4 && strcmp(p + n - 4, ".flv") == 0;
    int get = strcmp(rq->method, "GET") == 0 || rq->head;
    if (flv)
        n -= 4;
    if (!get && !flv) {
        answer_error(c, 405, "method_not_allowed", "GET, HEAD, OPTIONS only", 0);
        return 0;
    }
    if (n == 0 || n > RELAY_LIVE_ID_MAX || (!flv && !slash)) {
        answer_error(c, 404, "not_found", "no such resource", rq->head);
        return 0;
    }
    memcpy(id, p, n);
    id[n] = 0;
    if (!relay_live_id_valid(id)) {
        answer_error(c, 404, "not_found", "no such resource", rq->head);
        return 0;
    }
    if (flv)
        return serve_flv(c, rq, id);
    const char *name = slash + 1;
    if (!name[0] || (strchr(name, '/') && strncmp(name, "low/", 4) != 0)) {
        answer_error(c, 404, "not_found", "no such resource", rq->head);
        return 0;
    }
    relay_stream *s = relay_hub_get(C.hub, id);
    if (!s) {
        answer_error(c, 404, "not_live", "no such live stream", rq->head);
        return 0;
    }
    if (strncmp(name, "low/", 4) == 0) {
        relay_rendition *low = relay_stream_low(s);
        if (!low || !name[4] || strchr(name + 4, '/')) {
            relay_stream_release(s);
            answer_error(c, 404, "not_found", "this stream has no low rendition", rq->head);
            return 0;
        }
        serve_hls(c, rq, s, relay_rendition_hls(low), name + 4);
        return 0;
    }
    if (strcmp(name, "master.m3u8") == 0 || strcmp(name, "thumb.jpg") == 0) {
        int master = name[0] == 'm';
        relay_blob *b = master ? master_playlist(s) : relay_stream_thumb(s);
        relay_stream_release(s);
        if (b)
            answer(c, 200, b, master ? "application/vnd.apple.mpegurl" : "image/jpeg", "no-cache", rq->head);
        else if (master)
            answer_error(c, 404, "not_ready", "no codecs known yet", rq->head);
        else
            answer_error(c, 404, "not_ready", "no thumbnail yet", rq->head);
        return 0;
    }
    serve_hls(c, rq, s, relay_stream_hls(s), name);
    return 0;
}

/* -- parsing ---------------------------------------------------------------- */

static int hexval(char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    h = (char)(h | 0x20);
    return h >= 'a' && h <= 'f' ? h - 'a' + 10 : -1;
}

/* Percent-decodes s in place (as libmicrohttpd decodes paths and query
 * values; '+' in a query value is a space). */
static void unescape(char *s, int query)
{
    char *o = s;
    for (; *s; s++) {
        int a, b;
        if (*s == '%' && (a = hexval(s[1])) >= 0 && (b = hexval(s[2])) >= 0) {
            *o++ = (char)(a * 16 + b);
            s += 2;
        } else {
            *o++ = query && *s == '+' ? ' ' : *s;
        }
    }
    *o = 0;
}

static void parse_query(char *q, hc_req *rq)
{
    while (q && *q) {
        char *amp = strchr(q, '&');
        if (amp)
            *amp = 0;
        char *eq = strchr(q, '=');
        char *v = eq ? eq + 1 : q + strlen(q);
        if (eq)
            *eq = 0;
        unescape(q, 1);
        unescape(v, 1);
        if (strcmp(q, "_HLS_msn") == 0)
            rq->msn = v;
        else if (strcmp(q, "_HLS_part") == 0)
            rq->part = v;
        else if (strcmp(q, "quality") == 0)
            rq->quality = v;
        q = amp ? amp + 1 : NULL;
    }
}

enum { PARSE_MORE = 0, PARSE_OK = 1, PARSE_FOREIGN = 2, PARSE_BAD = -1, PARSE_LARGE = -2 };

/* Whether the request line at s names something outside /live/ (and is
 * not a preflight): read without touching the bytes, which go back to
 * libmicrohttpd as they came. */
static int foreign(const char *s)
{
    const char *sp = strchr(s, ' ');
    if (!sp || strncmp(s, "OPTIONS ", 8) == 0)
        return 0;
    return sp[1] == '/' && strncmp(sp + 1, "/live/", 6) != 0;
}

/* The request at the start of c->in: PARSE_OK and *used (its length),
 * PARSE_FOREIGN (*used set, c->in untouched), PARSE_MORE, or an error. */
static int parse_request(hc_conn *c, hc_req *rq, size_t *used)
{
    char *s = c->in, *end;
    c->in[c->inlen] = 0;
    while (s < c->in + c->inlen && (*s == '\r' || *s == '\n')) /* empty lines before a request */
        s++;
    if (!(end = strstr(s, "\r\n\r\n")))
        return c->inlen >= HC_IN_MAX ? PARSE_LARGE : (strlen(c->in) < c->inlen ? PARSE_BAD : PARSE_MORE);
    *used = (size_t)(end + 4 - c->in);
    if (foreign(s))
        return PARSE_FOREIGN;
    end[2] = 0; /* the header: lines ending in \r\n */
    memset(rq, 0, sizeof(*rq));
    char *eol = strstr(s, "\r\n");
    *eol = 0;
    char *sp1 = strchr(s, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || sp1 == s || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
        return PARSE_BAD;
    *sp1 = *sp2 = 0;
    const char *version = sp2 + 1;
    int http11 = strcmp(version, "HTTP/1.1") == 0;
    if (!http11 && strcmp(version, "HTTP/1.0") != 0)
        return PARSE_BAD;
    rq->method = s;
    rq->head = strcmp(s, "HEAD") == 0;
    char *target = sp1 + 1;
    if (target[0] != '/')
        return PARSE_BAD;
    char *q = strchr(target, '?');
    if (q)
        *q++ = 0;
    unescape(target, 0);
    rq->path = target;
    parse_query(q, rq);
    int close = !http11, body = 0;
    for (char *line = eol + 2; *line; line = eol + 2) {
        eol = strstr(line, "\r\n");
        *eol = 0;
        char *colon = strchr(line, ':');
        if (!colon || colon == line)
            return PARSE_BAD;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (strcasecmp(line, "Connection") == 0) {
            if (strcasestr(v, "close"))
                close = 1;
            else if (strcasestr(v, "keep-alive"))
                close = 0;
        } else if (strcasecmp(line, "Transfer-Encoding") == 0 ||
                   (strcasecmp(line, "Content-Length") == 0 && strcmp(v, "0") != 0)) {
            body = 1;
        }
    }
    rq->keep = !close;
    return body ? PARSE_BAD : PARSE_OK;
}

/* -- handing a request back to libmicrohttpd --------------------------------- */

typedef struct handback {
    hc_conn *c;
    int pair; /* our end of the socket pair */
    size_t len;
    char data[]; /* the rewritten header, then what followed it */
} handback;

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Pumps both ways (blocking) until libmicrohttpd closes its end or the
 * relay stops; then the connection ends. */
static void *handback_main(void *arg)
{
    handback *h = arg;
    hc_conn *c = h->c;
    int fl = fcntl(c->fd, F_GETFL);
    struct timeval idle = {.tv_sec = HC_IDLE_MS / 1000}; /* a client that stops reading lets the thread go */
    if (fl >= 0)
        fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof(idle));
    if (write_all(h->pair, h->data, h->len) == 0) {
        struct pollfd p[2] = {{.fd = h->pair, .events = POLLIN}, {.fd = c->fd, .events = POLLIN}};
        char buf[16384];
        while (!atomic_load(&C.stopping)) {
            int n = poll(p, 2, 200);
            if (n < 0 && errno != EINTR)
                break;
            if (n <= 0)
                continue;
            if (p[0].revents) {
                ssize_t r = recv(h->pair, buf, sizeof(buf), 0);
                if (r <= 0 || write_all(c->fd, buf, (size_t)r) < 0)
                    break;
            }
            if (p[1].revents) {
                ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
                if (r <= 0)
                    p[1].fd = -1; /* the client is done sending: wait for the answer */
                else if (write_all(h->pair, buf, (size_t)r) < 0)
                    break;
            }
        }
    }
    close(h->pair);
    shutdown(c->fd, SHUT_RDWR);
    conn_close_fd(c);
    conn_free(c);
    fl_free(h);
    atomic_fetch_sub(&C.handbacks, 1);
    return NULL;
}

/* The request at the start of c->in (header [0, hlen) as received) goes to
 * libmicrohttpd; the connection leaves this thread. */
static void hand_back(hc_conn *c, size_t hlen)
{
    int sv[2];
    conn_detach(c);
    /* the header again with "Connection: close" for its Connection lines */
    handback *h = fl_malloc(sizeof(*h) + c->inlen + 32);
    size_t o = 0;
    for (size_t i = 0; i < hlen;) {
        const char *eol = memchr(c->in + i, '\n', hlen - i);
        size_t n = eol ? (size_t)(eol - (c->in + i)) + 1 : hlen - i;
        if (n > 11 && strncasecmp(c->in + i, "Connection:", 11) == 0) {
            i += n;
            continue;
        }
        if (i + n == hlen) /* the empty line */
            o += (size_t)sprintf(h->data + o, "Connection: close\r\n");
        memcpy(h->data + o, c->in + i, n);
        o += n;
        i += n;
    }
    memcpy(h->data + o, c->in + hlen, c->inlen - hlen);
    h->len = o + c->inlen - hlen;
    h->c = c;
    h->pair = -1;
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int ok = atomic_fetch_add(&C.handbacks, 1) < HC_HANDBACK_MAX;
    if (!ok)
        errno = EAGAIN; /* HC_HANDBACK_MAX pumping already */
    ok = ok && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0;
    if (ok) {
        h->pair = sv[1];
        ok = C.hand_back(sv[0]) == 0; /* it closes sv[0] when it fails */
    }
    if (ok)
        ok = pthread_create(&th, &at, handback_main, h) == 0;
    pthread_attr_destroy(&at);
    if (ok)
        return;
    fl_log(FL_LOG_WARN, "hls_conn", "cannot hand a request back: %s", strerror(errno));
    if (h->pair >= 0)
        close(h->pair);
    shutdown(c->fd, SHUT_RDWR);
    conn_close_fd(c);
    conn_free(c);
    fl_free(h);
    atomic_fetch_sub(&C.handbacks, 1);
}

/* -- the connection --------------------------------------------------------- */

/* A connection accepted here whose first request asks for something
 * outside /live/: libmicrohttpd takes the socket itself, the request's
 * bytes still unread in it. */
static void hand_over(hc_conn *c)
{
    int fd = c->fd;
    conn_detach(c);
    conn_free(c);
    if (C.hand_back(fd) < 0) /* it closes fd */
        fl_log(FL_LOG_WARN, "hls_conn", "cannot hand a connection to libmicrohttpd");
}

/* The first request of a connection accepted here, peeked (left in the
 * socket) until its header is whole: a request outside /live/ is handed
 * over with the socket (hand_over); any other is then read and answered
 * as every request after it. 0: ours, read it; 1: wait for more bytes, or
 * handed over; -1: the peer left or failed before a request. */
static int first_peek(hc_conn *c)
{
    char *p = c->t->peek;
    ssize_t r;
    do
        r = recv(c->fd, p, HC_IN_MAX, MSG_PEEK | MSG_DONTWAIT);
    while (r < 0 && errno == EINTR);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        c->readable = 0;
        return 1;
    }
    if (r <= 0)
        return -1;
    p[r] = 0;
    const char *s = p;
    while (*s == '\r' || *s == '\n')
        s++;
    int whole = strstr(s, "\r\n\r\n") != NULL;
    if (!whole && r < HC_IN_MAX && strlen(p) == (size_t)r) {
        c->readable = 0; /* more bytes bring a new edge */
        return 1;
    }
    c->fresh = 0;
    if (whole && foreign(s)) {
        hand_over(c);
        return 1;
    }
    return 0; /* ours, or malformed: read and answered here */
}

/* Sends what is left of the answer. 0 done, 1 the socket is full, -1 gone. */
static int conn_flush(hc_conn *c)
{
    int moved = 0; /* bytes went out: a slow reader is not idle (HC_IDLE_MS) */
    while (c->wire_left > 0) {
        ssize_t w = sendfile(c->fd, atomic_load(&c->body->wire_fd), &c->wire_off, c->wire_left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->writable = 0;
            if (moved)
                c->last_ms = fl_mono_ms();
            return 1;
        }
        if (w <= 0)
            return -1;
        moved = 1;
        c->wire_left -= (size_t)w;
    }
    while (answer_pending(c)) {
        struct msghdr mh = {.msg_iov = c->iov[0].iov_len ? c->iov : c->iov + 1,
                            .msg_iovlen = c->iov[0].iov_len ? 2 : 1};
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                c->writable = 0;
                if (moved)
                    c->last_ms = fl_mono_ms();
                return 1;
            }
            return -1;
        }
        moved |= w > 0;
        for (int i = 0; i < 2 && w > 0; i++) {
            size_t k = (size_t)w < c->iov[i].iov_len ? (size_t)w : c->iov[i].iov_len;
            c->iov[i].iov_base = (char *)c->iov[i].iov_base + k;
            c->iov[i].iov_len -= k;
            w -= (ssize_t)k;
        }
    }
    relay_blob_unref(c->body);
    c->body = NULL;
    return 0;
}

/* Answers what it can: the answer in progress, then requests in the
 * buffer, reading when the buffer holds no whole request. Releases c when
 * it ends or leaves this thread. */
static void conn_run(hc_conn *c)
{
    for (;;) {
        if (c->dead)
            goto release;
        if (answer_pending(c)) {
            if (!c->writable)
                return;
            int r = conn_flush(c);
            if (r < 0)
                goto release;
            if (r > 0)
                return;
            c->last_ms = fl_mono_ms();
        }
        if (c->waiting)
            return;
        if (c->close_after)
            goto release;
        hc_req rq;
        size_t used = 0;
        int p = c->inlen ? parse_request(c, &rq, &used) : PARSE_MORE;
        if (p == PARSE_MORE) {
            if (c->eof)
                goto release;
            if (!c->readable)
                return;
            if (c->fresh) {
                int f = first_peek(c);
                if (f < 0)
                    goto release;
                if (f == 0)
                    continue;
                return; /* waiting for more, or handed over */
            }
            if (c->in == c->in_small && c->inlen == HC_IN_SMALL) { /* a large header: the large buffer */
                c->in = fl_malloc(HC_IN_MAX + 1);
                memcpy(c->in, c->in_small, c->inlen);
            }
            size_t room = (c->in == c->in_small ? HC_IN_SMALL : HC_IN_MAX) - c->inlen;
            ssize_t r = recv(c->fd, c->in + c->inlen, room, MSG_DONTWAIT);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                c->readable = 0;
                return;
            }
            if (r <= 0) {
                c->eof = 1;
                continue;
            }
            c->inlen += (size_t)r;
            if ((size_t)r < room) /* drained: the next bytes bring a new edge */
                c->readable = 0;
            continue;
        }
        if (p < 0) {
            c->close_after = 1;
            c->inlen = 0;
            if (p == PARSE_LARGE)
                answer_error(c, 431, "header_too_large", "the request's header is over 8 KiB", 0);
            else
                answer_error(c, 400, "bad_request", "malformed request", 0);
            continue;
        }
        if (p == PARSE_FOREIGN) {
            hand_back(c, used);
            return;
        }
        if (c->counted)
            atomic_fetch_add_explicit(&C.requests, 1, memory_order_relaxed);
        c->counted = 1;
        c->last_ms = fl_mono_ms();
        if (strncmp(rq.path, "/live/", 6) != 0 && strcmp(rq.method, "OPTIONS") != 0) {
            answer_error(c, 404, "not_found", "no such resource", rq.head); /* /live/ encoded */
            continue;
        }
        if (!rq.keep || c->eof)
            c->close_after = 1;
        int gone = 0;
        if (strcmp(rq.method, "OPTIONS") == 0)
            answer_preflight(c);
        else
            gone = route_live(c, &rq);
        if (gone)
            return;
        c->inlen -= used;
        if (c->inlen)
            memmove(c->in, c->in + used, c->inlen);
    }
release:
    conn_release(c);
}

/* Ends c: off the thread, the socket shut down, the lender told. A waiter
 * whose wake is under way keeps c until the wake came. */
static void conn_release(hc_conn *c)
{
    c->dead = 1;
    if (c->waiting) {
        if (!hls_store_cancel(c->wst, &c->w))
            return; /* woken: conn_woken releases it */
        c->waiting = 0;
        thread_wait_remove(c->t, c);
        relay_stream_release(c->ws);
        c->ws = NULL;
    }
    conn_detach(c);
    relay_blob_unref(c->body);
    shutdown(c->fd, SHUT_RDWR);
    conn_close_fd(c);
    conn_free(c);
}

static void conn_woken(hc_conn *c)
{
    if (c->dead) {
        c->waiting = 0;
        thread_wait_remove(c->t, c);
        relay_stream_release(c->ws);
        c->ws = NULL;
        conn_release(c);
        return;
    }
    wait_answer(c);
    conn_run(c);
}

/* -- the threads ------------------------------------------------------------ */

/* A connection's state for fd, its buffers left untouched (their pages
 * are not faulted in before a request needs them). */
static hc_conn *conn_new(int fd, void (*closed)(void *arg), void *arg)
{
    hc_conn *c = fl_malloc(sizeof(*c));
    memset(c, 0, offsetof(hc_conn, hdr));
    c->in = c->in_small;
    c->fd = fd;
    c->closed = closed;
    c->arg = arg;
    c->w.wake = hc_woken;
    c->writable = 1;
    c->last_ms = fl_mono_ms();
    atomic_fetch_add(&C.nconns, 1);
    return c;
}

/* Onto t's list and epoll (edge-triggered, once for the connection's life). */
static void conn_add(hc_thread *t, hc_conn *c)
{
    c->t = t;
    c->prev = NULL;
    c->next = t->conns;
    if (t->conns)
        t->conns->prev = c;
    t->conns = c;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        c->dead = 1;
}

static void take_pending(hc_thread *t)
{
    pthread_mutex_lock(&t->lock);
    hc_conn *list = t->pending;
    t->pending = NULL;
    pthread_mutex_unlock(&t->lock);
    while (list) {
        hc_conn *c = list;
        list = c->next;
        conn_add(t, c);
        conn_run(c); /* the first request is in its buffer */
    }
}

/* New connections on the relay's HTTP port, at most HC_ACCEPT_BATCH a
 * pass (t->accepting stays set until accept says EAGAIN). Each waits in
 * the epoll for its first request (first_peek). */
static void accept_some(hc_thread *t)
{
    for (int i = 0; i < HC_ACCEPT_BATCH; i++) {
        int fd = accept4(t->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                t->accepting = 0;
            else if (fl_mono_ms() - t->accept_warned >= 1000) { /* out of descriptors or memory: again next tick */
                t->accept_warned = fl_mono_ms();
                fl_log(FL_LOG_WARN, "hls_conn", "accept: %s", strerror(errno));
            }
            return;
        }
        if (atomic_load(&C.nconns) >= HC_CONN_MAX) {
            close(fd);
            continue;
        }
        hc_conn *c = conn_new(fd, NULL, NULL); /* TCP_NODELAY from the listening socket */
        c->fresh = 1;
        c->counted = 1;
        conn_add(t, c);
    }
}

static void take_woken(hc_thread *t)
{
    hc_conn *c = atomic_exchange(&t->woken, NULL);
    while (c) {
        hc_conn *next = c->woken_next;
        conn_woken(c);
        c = next;
    }
}

static void sweep(hc_thread *t, int64_t now, int all)
{
    for (hc_conn *c = t->waits, *next; c; c = next) {
        next = c->wnext;
        if ((all || now >= c->deadline) && hls_store_cancel(c->wst, &c->w)) {
            wait_answer(c);
            if (all)
                c->close_after = 1;
            conn_run(c);
        }
    }
    if (!all && now - t->last_idle_sweep < 1000)
        return;
    t->last_idle_sweep = now;
    for (hc_conn *c = t->conns, *next; c; c = next) {
        next = c->next;
        if (all || (!c->waiting && now - c->last_ms >= HC_IDLE_MS))
            conn_release(c);
    }
}

/* The listening socket's epoll data (connections' are their hc_conn). */
static hc_conn listen_mark;

static void *thread_main(void *arg)
{
    hc_thread *t = arg;
    struct epoll_event evs[HC_MAX_EVENTS];
    int64_t last_tick = fl_mono_ms();
    int n = 0;
    while (!atomic_load(&C.stopping)) {
        if (n > 0 && n < HC_MAX_EVENTS) /* the last batch was short: let more come (HC_PASS_US) */
            usleep(HC_PASS_US);
        n = epoll_wait(t->ep, evs, HC_MAX_EVENTS, t->waits || t->accepting ? HC_TICK_MS : 1000);
        int woke = 0;
        for (int i = 0; i < n; i++) {
            hc_conn *c = evs[i].data.ptr;
            if (!c) { /* after the events: they may name a connection these end */
                woke = 1;
                continue;
            }
            if (c == &listen_mark) {
                t->accepting = 1;
                continue;
            }
            uint32_t e = evs[i].events;
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                c->readable = 1; /* recv tells an error or the end */
            if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                c->writable = 1;
            if (!c->dead || !c->waiting)
                conn_run(c);
        }
        if (woke) {
            uint64_t v;
            if (read(t->wake, &v, sizeof(v)) < 0) {
                /* nothing to drain */
            }
            take_pending(t);
            take_woken(t);
        }
        if (t->accepting)
            accept_some(t);
        int64_t now = fl_mono_ms();
        if (now - last_tick >= HC_TICK_MS) {
            last_tick = now;
            sweep(t, now, 0);
        }
    }
    /* stopping: every wait answered (503), every connection ended; a wake
     * under way is waited for */
    take_pending(t);
    for (int i = 0; i < 4000 && (t->waits || t->conns); i++) {
        take_woken(t);
        sweep(t, fl_mono_ms(), 1);
        if (t->waits || t->conns)
            usleep(500);
    }
    return NULL;
}

int hls_conn_start(relay_hub *hub, int listen_fd, int (*hand_back_fn)(int fd))
{
    C.hub = hub;
    C.hand_back = hand_back_fn;
    atomic_store(&C.stopping, 0);
    for (int i = 0; i < HC_THREADS; i++) {
        hc_thread *t = &C.t[i];
        memset(t, 0, sizeof(*t));
        pthread_mutex_init(&t->lock, NULL);
        atomic_init(&t->woken, NULL);
        t->ep = epoll_create1(EPOLL_CLOEXEC);
        t->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        t->lfd = i == 0 ? listen_fd : -1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
        struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.ptr = &listen_mark};
        if (t->ep < 0 || t->wake < 0 || epoll_ctl(t->ep, EPOLL_CTL_ADD, t->wake, &ev) < 0 ||
            (t->lfd >= 0 && epoll_ctl(t->ep, EPOLL_CTL_ADD, t->lfd, &lev) < 0) ||
            pthread_create(&t->thread, NULL, thread_main, t) != 0) {
            fl_log(FL_LOG_ERROR, "hls_conn", "cannot start: %s", strerror(errno));
            if (t->ep >= 0)
                close(t->ep);
            if (t->wake >= 0)
                close(t->wake);
            C.running = i;
            hls_conn_stop();
            return -1;
        }
    }
    C.running = HC_THREADS;
    return 0;
}

void hls_conn_stop(void)
{
    atomic_store(&C.stopping, 1);
    for (int i = 0; i < C.running; i++) {
        uint64_t one = 1;
        if (write(C.t[i].wake, &one, sizeof(one)) < 0) {
            /* it wakes within a second */
        }
        pthread_join(C.t[i].thread, NULL);
    }
    /* nothing is armed any more: a wake still writing its eventfd ends soon */
    for (int k = 0; k < 4000 && atomic_load(&C.waking) > 0; k++)
        usleep(500);
    for (int i = 0; i < C.running; i++) {
        hc_thread *t = &C.t[i];
        close(t->ep);
        close(t->wake);
        pthread_mutex_destroy(&t->lock);
    }
    C.running = 0;
    for (int i = 0; i < 4000 && atomic_load(&C.handbacks) > 0; i++)
        usleep(500);
}

int hls_conn_attach(int fd, const hls_conn_first *f, void (*closed)(void *arg), void *arg)
{
    if (!C.running || atomic_load(&C.stopping))
        return -1;
    /* the first request again, as text: one parser for every request */
    fl_buf b;
    fl_buf_init(&b, 256, HC_IN_MAX);
    fl_buf_printf(&b, "%s ", f->method);
    for (const char *p = f->path; *p; p++) /* decoded by libmicrohttpd: encoded again where needed */
        fl_buf_printf(&b, (*p > ' ' && *p < 0x7f && *p != '%' && *p != '?') ? "%c" : "%%%02X", (unsigned char)*p);
    const char *names[] = {"_HLS_msn", "_HLS_part", "quality"}, *vals[] = {f->hls_msn, f->hls_part, f->quality};
    char sep = '?';
    for (int k = 0; k < 3; k++) {
        if (!vals[k])
            continue;
        fl_buf_printf(&b, "%c%s=", sep, names[k]);
        sep = '&';
        for (const char *p = vals[k]; *p; p++)
            fl_buf_printf(&b,
                          ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) ? "%c" : "%%%02X",
                          (unsigned char)*p);
    }
    fl_buf_printf(&b, " HTTP/1.1\r\n%s\r\n", f->keep_alive ? "" : "Connection: close\r\n");
    int fl = fcntl(fd, F_GETFL); /* sendfile has no MSG_DONTWAIT: the socket itself must not block */
    if (b.len > HC_IN_MAX || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        fl_buf_free(&b);
        return -1;
    }
    hc_conn *c = conn_new(fd, closed, arg);
    if (b.len > HC_IN_SMALL)
        c->in = fl_malloc(HC_IN_MAX + 1);
    memcpy(c->in, b.p, b.len);
    c->inlen = b.len;
    fl_buf_free(&b);
    int one = 1, zero = 0; /* one packet an answer: no cork left from libmicrohttpd */
    setsockopt(fd, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    hc_thread *t = &C.t[atomic_fetch_add(&C.next, 1) % HC_THREADS];
    c->t = t;
    pthread_mutex_lock(&t->lock);
    c->next = t->pending;
    t->pending = c;
    pthread_mutex_unlock(&t->lock);
    uint64_t v = 1;
    if (write(t->wake, &v, sizeof(v)) < 0) {
        /* the thread wakes within a second */
    }
    return 0;
}

void hls_conn_get_stats(uint64_t *requests, int *conns)
{
    *requests = atomic_load(&C.requests);
    *conns = atomic_load(&C.nconns);
}
