/* rtmp_server.c - the RTMP ingest event loop: many publishers, one port.
 *
 *   accept ──> [handshake] ──> [chunks ─> messages]
 *                                 │ control (1,2,3,5,6): acks, window
 *                                 │ command/data (20,17,18,15): rtmp_cmd.c
 *                                 │     publish ─> publish_auth (worker) ─┐
 *                                 │                                      │
 *                                 │ <── result (eventfd) ────────────────┘
 *                                 │     allowed: take over any older publisher
 *                                 │       of that live id, relay_hub_publish,
 *                                 │       onStatus Publish.Start
 *                                 │     refused: onStatus error, close
 *                                 │ audio/video (8,9): rtmp_media.c checks the
 *                                 │     codec (refused: onStatus error naming
 *                                 │     it, close), then the hub
 *                                 │     (relay_stream_audio/video)
 *   close <── error, stall, EOF, deleteStream, takeover (here, or by an SRT
 *             publisher: relay_stream_superseded), the session dropped
 *             by the shop (the hub says so at the next media message or
 *             tick; the shop is not told of that unpublish: it ended it)
 *
 * One thread, level-triggered epoll, non-blocking sockets. Per connection
 * the memory is bounded: reads go through one 64 KiB buffer on the loop's
 * stack into the streaming chunk reader (whose partial messages are
 * bounded), replies into a bounded write buffer.
 *
 * Before its publish is authorised a connection holds little (relay_rtmp.h,
 * RTMP_PREAUTH_*): 64 KiB a message, 128 KiB of unfinished messages and
 * early media together, 32 commands, 16 such connections per address, and
 * all of them together within a global budget; every refusal is logged and
 * counted. Media sent before the publish reply (encoders that do not wait
 * for it) is held, within those bounds (the sequence headers and metadata
 * always, in a slot each), and replayed once the shop said yes.
 *
 * Any error closes only that connection, with one log line naming the
 * connection and the reason.
 * Connections closed while an epoll batch is being handled are parked on a
 * graveyard list and freed after the batch, so no event touches freed
 * memory. Once a second: stall and handshake timeouts, and the hub's tick
 * (whose ended streams are reported to the shop). */
#include "farmlive/relay_rtmp.h"
#include "farmlive/clock.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/publish_auth.h"
#include "farmlive/rtmp_chunk.h"
#include "farmlive/rtmp_cmd.h"
#include "farmlive/rtmp_handshake.h"
#include "farmlive/rtmp_media.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define READS_PER_EVENT 4 /* fairness: at most 256 KiB per connection per wake-up */
#define MAX_EVENTS 128

enum phase { PH_HANDSHAKE, PH_CHUNKS, PH_DEAD };

/* A message that came before the publish reply, kept for the publisher. */
typedef struct held_msg {
    struct held_msg *next;
    uint8_t type;
    uint32_t ts;
    size_t len;
    uint8_t data[];
} held_msg;

enum { HELD_META, HELD_VSEQ, HELD_ASEQ, HELD_SLOTS };

typedef struct conn {
    struct conn *prev, *next;
    int fd;
    enum phase phase;
    uint64_t id;
    char ip[INET6_ADDRSTRLEN];
    uint64_t created_ms, last_in_ms;
    uint64_t unpublished_ms; /* when its publisher ended its stream; 0: never */
    uint64_t bytes_in, last_ack;
    uint32_t peer_window; /* the peer's Window Ack Size: ack every this many bytes */
    int want_out;         /* EPOLLOUT registered */
    rtmp_hs hs;
    rtmp_chunk_reader rd;
    rtmp_session sess;
    rtmp_media media;
    relay_stream *stream; /* set while this connection publishes */
    uint64_t gen;         /* its publisher generation */
    int superseded;       /* an SRT publisher took its stream over */
    char live_id[LIVE_ID_MAX + 1];
    /* before authorisation */
    int authorised;              /* the shop allowed a publish once: full limits */
    int ncmds;                   /* command / data messages so far */
    size_t accounted;            /* its share of the server's preauth_bytes */
    held_msg *slot[HELD_SLOTS];  /* early metadata and sequence headers */
    held_msg *held, **held_tail; /* early frames, in order */
    size_t held_bytes;           /* of every held message */
    unsigned early_dropped;      /* frames that did not fit */
} conn;

struct rtmp_server {
    rtmp_server_opts o;
    int lfd, epfd, stopfd;
    publish_auth *auth;
    conn *conns, *graveyard;
    int nconns;
    uint64_t next_id;
    uint64_t last_tick_ms;
    size_t preauth_bytes; /* held by connections not yet authorised */
};

static struct {
    atomic_uint_fast64_t msg_size, held, commands, per_ip, budget, early_held, early_dropped, codec_refused;
} ST;

void rtmp_ingest_get_stats(rtmp_ingest_stats *st)
{
    st->preauth_msg_size = atomic_load(&ST.msg_size);
    st->preauth_held = atomic_load(&ST.held);
    st->preauth_commands = atomic_load(&ST.commands);
    st->preauth_per_ip = atomic_load(&ST.per_ip);
    st->preauth_budget = atomic_load(&ST.budget);
    st->early_held = atomic_load(&ST.early_held);
    st->early_dropped = atomic_load(&ST.early_dropped);
    st->codec_refused = atomic_load(&ST.codec_refused);
}

/* Distinct addresses tag the non-connection fds in epoll. */
static char tag_listen, tag_stop, tag_auth;

static void conn_log(enum fl_log_level lvl, const conn *c, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void conn_log(enum fl_log_level lvl, const conn *c, const char *event, const char *fmt, ...)
{
    char msg[400], k[16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fl_log(lvl, event, "conn %llu from %s key %s%s%s: %s", (unsigned long long)c->id, c->ip,
           publish_auth_key_masked(c->sess.key, k, sizeof(k)), c->live_id[0] ? " live " : "", c->live_id, msg);
}

static void conn_close(rtmp_server *srv, conn *c, enum fl_log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int stream_dropped(const rtmp_server *srv, relay_stream *s)
{
    return s && srv->o.ops->dropped && srv->o.ops->dropped(s);
}

/* The connection stops publishing: the hub keeps the stream for a reconnect
 * within the grace period; the shop hears of it, unless the shop itself
 * ended the session (dropped). */
static void conn_unpublish(rtmp_server *srv, conn *c)
{
    if (!c->stream)
        return;
    int dropped = stream_dropped(srv, c->stream);
    srv->o.ops->unpublish(srv->o.hub, c->stream, c->gen);
    c->stream = NULL;
    if (!dropped && !c->superseded)
        publish_auth_unpublish(srv->auth, c->live_id);
}

/* 1 when an SRT publisher took c's stream over (relay_stream_superseded);
 * c is then closed: it gives its reference back, the shop hears nothing
 * (the session goes on with the newer publisher). */
static int check_superseded(rtmp_server *srv, conn *c)
{
    if (!c->stream || !srv->o.ops->superseded || !srv->o.ops->superseded(c->stream, c->gen))
        return 0;
    c->superseded = 1;
    rtmp_cmd_publish_refuse(&c->sess, "NetStream.Publish.BadName", "another publisher took the stream over");
    conn_close(srv, c, FL_LOG_INFO, "rtmp_takeover", "a newer publisher of another protocol took over");
    return 1;
}

/* The shop ended c's session (relay_hub_drop): the encoder hears why. */
static void conn_dropped(rtmp_server *srv, conn *c)
{
    rtmp_cmd_publish_refuse(&c->sess, "NetStream.Publish.Failed", "the live session was ended");
    conn_close(srv, c, FL_LOG_INFO, "rtmp_dropped", "the shop ended the session: publisher closed");
}

/* -- before authorisation --------------------------------------------- */

static void held_free(conn *c)
{
    for (int i = 0; i < HELD_SLOTS; i++) {
        fl_free(c->slot[i]);
        c->slot[i] = NULL;
    }
    while (c->held) {
        held_msg *h = c->held;
        c->held = h->next;
        fl_free(h);
    }
    c->held_tail = &c->held;
    c->held_bytes = 0;
}

/* What c holds (unfinished messages, early media) into the server's
 * pre-authorisation total. -1 when that total is over the budget. */
static int preauth_account(rtmp_server *srv, conn *c)
{
    size_t now = c->authorised || c->phase == PH_DEAD ? 0 : c->rd.buffered + c->held_bytes;
    srv->preauth_bytes = srv->preauth_bytes - c->accounted + now;
    c->accounted = now;
    return now > 0 && srv->preauth_bytes > RTMP_PREAUTH_BUDGET ? -1 : 0;
}

static int preauth_from_ip(const rtmp_server *srv, const char *ip)
{
    int n = 0;
    for (const conn *c = srv->conns; c; c = c->next)
        n += !c->authorised && strcmp(c->ip, ip) == 0;
    return n;
}

static void conn_close(rtmp_server *srv, conn *c, enum fl_log_level lvl, const char *event, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    if (c->phase == PH_DEAD)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    conn_log(lvl, c, event, "%s", why);
    /* best effort: a final onStatus / _error reply goes out before the close */
    if (c->sess.out.len > c->sess.out.sent) {
        ssize_t n = send(c->fd, c->sess.out.p + c->sess.out.sent, c->sess.out.len - c->sess.out.sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)n;
    }
    conn_unpublish(srv, c);
    epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->phase = PH_DEAD;
    preauth_account(srv, c);
    held_free(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = NULL;
    c->next = srv->graveyard;
    srv->graveyard = c;
    srv->nconns--;
}

static void free_graveyard(rtmp_server *srv)
{
    while (srv->graveyard) {
        conn *c = srv->graveyard;
        srv->graveyard = c->next;
        rtmp_chunk_reader_free(&c->rd);
        rtmp_session_free(&c->sess);
        fl_free(c);
    }
}

static void set_out_interest(rtmp_server *srv, conn *c, int want)
{
    if (c->want_out == want)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want;
}

/* Writes what the write buffer holds; 0, or -1 after closing c. */
static int conn_flush(rtmp_server *srv, conn *c)
{
    rtmp_wbuf *w = &c->sess.out;
    if (w->err) {
        conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "reply buffer full (peer not reading)");
        return -1;
    }
    while (w->sent < w->len) {
        ssize_t n = send(c->fd, w->p + w->sent, w->len - w->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            conn_close(srv, c, FL_LOG_INFO, "rtmp_closed", "write failed: %s", strerror(errno));
            return -1;
        }
        w->sent += (size_t)n;
    }
    rtmp_wbuf_compact(w);
    set_out_interest(srv, c, w->len > 0);
    return 0;
}

/* -- messages ---------------------------------------------------------- */

/* Media or metadata before the publish reply: kept for the publisher, the
 * sequence headers and metadata in their slots (the latest of each), frames
 * while c holds less than RTMP_PREAUTH_MAX_HELD (counted, else dropped). */
static void hold(rtmp_server *srv, conn *c, const rtmp_msg *m)
{
    int slot = -1;
    if (m->type != RTMP_MSG_AUDIO && m->type != RTMP_MSG_VIDEO)
        slot = HELD_META;
    else if (m->len >= 2 && m->payload[1] == 0 && (m->type == RTMP_MSG_AUDIO || m->len >= 5))
        slot = m->type == RTMP_MSG_VIDEO ? HELD_VSEQ : HELD_ASEQ;
    if (slot < 0 && c->rd.buffered + c->held_bytes + m->len > RTMP_PREAUTH_MAX_HELD) {
        atomic_fetch_add(&ST.early_dropped, 1);
        if (!c->early_dropped++)
            conn_log(FL_LOG_WARN, c, "rtmp_early_media_dropped",
                     "media before the publish reply over %u bytes: dropped", RTMP_PREAUTH_MAX_HELD);
        return;
    }
    held_msg *h = fl_malloc(sizeof(*h) + m->len);
    h->next = NULL;
    h->type = m->type;
    h->ts = m->ts;
    h->len = m->len;
    memcpy(h->data, m->payload, m->len);
    if (slot >= 0) {
        if (c->slot[slot])
            c->held_bytes -= c->slot[slot]->len;
        fl_free(c->slot[slot]);
        c->slot[slot] = h;
    } else {
        *c->held_tail = h;
        c->held_tail = &h->next;
    }
    c->held_bytes += m->len;
    atomic_fetch_add(&ST.early_held, 1);
    if (preauth_account(srv, c) < 0) {
        atomic_fetch_add(&ST.budget, 1);
        conn_close(srv, c, FL_LOG_WARN, "rtmp_preauth_refused",
                   "connections not yet authorised hold over %u bytes together", RTMP_PREAUTH_BUDGET);
    }
}

static void on_media(rtmp_server *srv, conn *c, const rtmp_msg *m);

/* The publish was allowed: what came before the reply goes out now, in
 * its order (metadata and sequence headers first). The held messages are
 * taken off c first: replaying one may close it. */
static void replay_held(rtmp_server *srv, conn *c)
{
    held_msg *slots[HELD_SLOTS], *list = c->held;
    int n = 0;
    memcpy(slots, c->slot, sizeof(slots));
    memset(c->slot, 0, sizeof(c->slot));
    c->held = NULL;
    c->held_tail = &c->held;
    c->held_bytes = 0;
    for (int i = 0; i < HELD_SLOTS + 1; i++) {
        held_msg *h = i < HELD_SLOTS ? slots[i] : list;
        while (h) {
            held_msg *next = i < HELD_SLOTS ? NULL : h->next;
            rtmp_msg m = {.type = h->type, .ts = h->ts, .payload = h->data, .len = h->len};
            if (c->phase != PH_DEAD && i == HELD_META)
                srv->o.ops->metadata(c->stream, h->data, h->len);
            else if (c->phase != PH_DEAD)
                on_media(srv, c, &m);
            n++;
            fl_free(h);
            h = next;
        }
    }
    if (n > 0 && c->phase != PH_DEAD)
        conn_log(FL_LOG_INFO, c, "rtmp_early_media", "%d messages sent before the publish reply, replayed", n);
}

static void on_media(rtmp_server *srv, conn *c, const rtmp_msg *m)
{
    char why[200];
    int video = m->type == RTMP_MSG_VIDEO;
    if (c->sess.state == RTMP_SESS_PUBLISH_PENDING) {
        hold(srv, c, m);
        return;
    }
    if (c->sess.state != RTMP_SESS_PUBLISHING || !c->stream)
        return; /* before publish (or after deleteStream): not ours to forward */
    int rc = rtmp_media_check(&c->media, video, m->payload, m->len, why, sizeof(why));
    if (rc == RTMP_MEDIA_ECODEC) {
        /* the encoder hears why before the close: its log names the codec */
        rtmp_cmd_publish_refuse(&c->sess, "NetStream.Publish.Failed", why);
        atomic_fetch_add(&ST.codec_refused, 1);
        conn_close(srv, c, FL_LOG_WARN, "rtmp_codec_refused", "%s", why);
        return;
    }
    if (rc != RTMP_MEDIA_FORWARD || check_superseded(srv, c))
        return;
    rc = video ? srv->o.ops->video(c->stream, m->ts, m->payload, m->len)
               : srv->o.ops->audio(c->stream, m->ts, m->payload, m->len);
    if (rc == RELAY_STREAM_DROPPED)
        conn_dropped(srv, c);
    else if (rc < 0)
        conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "the outputs refused the %s data", video ? "video" : "audio");
}

static void on_command(rtmp_server *srv, conn *c, const rtmp_msg *m)
{
    if (!c->authorised && ++c->ncmds > RTMP_PREAUTH_MAX_CMDS) {
        atomic_fetch_add(&ST.commands, 1);
        conn_close(srv, c, FL_LOG_WARN, "rtmp_preauth_refused", "over %d commands before publishing was authorised",
                   RTMP_PREAUTH_MAX_CMDS);
        return;
    }
    switch (rtmp_cmd_handle(&c->sess, m)) {
    case RTMP_CMD_PUBLISH:
        conn_log(FL_LOG_INFO, c, "rtmp_publish_request", "asking the shop");
        publish_auth_publish(srv->auth, c->id, c->sess.key, c->ip);
        break;
    case RTMP_CMD_UNPUBLISH:
        conn_log(FL_LOG_INFO, c, "rtmp_unpublish", "the publisher ended its stream");
        conn_unpublish(srv, c);
        c->unpublished_ms = (uint64_t)fl_mono_ms();
        break;
    case RTMP_CMD_METADATA:
        if (c->stream) {
            srv->o.ops->metadata(c->stream, c->sess.meta, c->sess.meta_len);
        } else if (c->sess.state == RTMP_SESS_PUBLISH_PENDING) {
            rtmp_msg meta = {.type = RTMP_MSG_DATA_AMF0, .ts = m->ts, .payload = c->sess.meta, .len = c->sess.meta_len};
            hold(srv, c, &meta);
        }
        break;
    case RTMP_CMD_CLOSE:
        conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "%s", c->sess.why);
        break;
    default:
        break;
    }
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void on_message(rtmp_server *srv, conn *c, const rtmp_msg *m)
{
    switch (m->type) {
    case RTMP_MSG_AUDIO:
    case RTMP_MSG_VIDEO:
        on_media(srv, c, m);
        break;
    case RTMP_MSG_COMMAND_AMF0:
    case RTMP_MSG_COMMAND_AMF3:
    case RTMP_MSG_DATA_AMF0:
    case RTMP_MSG_DATA_AMF3:
        on_command(srv, c, m);
        break;
    case RTMP_MSG_WINDOW_ACK_SIZE:
        if (m->len >= 4)
            c->peer_window = be32(m->payload);
        break;
    case RTMP_MSG_AGGREGATE:
        conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "aggregate messages are not supported");
        break;
    default:
        break; /* chunk size / abort (the reader applied them), ack, user control, peer bandwidth */
    }
}

/* Feeds bytes read from c through the handshake and the chunk reader. */
static void conn_feed(rtmp_server *srv, conn *c, const uint8_t *p, size_t n)
{
    size_t used;
    while (n > 0 && c->phase != PH_DEAD) {
        if (c->phase == PH_HANDSHAKE) {
            const uint8_t *reply;
            int rc = rtmp_hs_feed(&c->hs, p, n, &used, &reply);
            if (reply)
                rtmp_wbuf_raw(&c->sess.out, reply, RTMP_HS_REPLY_SIZE);
            p += used;
            n -= used;
            if (rc < 0) {
                conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "handshake: %s", rtmp_hs_strerror(rc));
                return;
            }
            if (rc == RTMP_HS_DONE)
                c->phase = PH_CHUNKS;
            continue;
        }
        rtmp_msg m;
        int rc = rtmp_chunk_read(&c->rd, p, n, &used, &m);
        p += used;
        n -= used;
        if (rc < 0 && !c->authorised && (rc == RTMP_CHUNK_EMSGSIZE || rc == RTMP_CHUNK_EBUFFERED)) {
            atomic_fetch_add(rc == RTMP_CHUNK_EMSGSIZE ? &ST.msg_size : &ST.held, 1);
            conn_close(srv, c, FL_LOG_WARN, "rtmp_preauth_refused", "before publishing was authorised: %s",
                       rtmp_chunk_strerror(rc));
            return;
        }
        if (rc < 0) {
            conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "chunk stream: %s", rtmp_chunk_strerror(rc));
            return;
        }
        if (rc == RTMP_CHUNK_MSG)
            on_message(srv, c, &m);
    }
}

static void conn_readable(rtmp_server *srv, conn *c)
{
    uint8_t buf[READ_CHUNK];
    for (int i = 0; i < READS_PER_EVENT && c->phase != PH_DEAD; i++) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            if (n == 0)
                conn_close(srv, c, FL_LOG_INFO, "rtmp_closed", "the peer closed the connection");
            else
                conn_close(srv, c, FL_LOG_INFO, "rtmp_closed", "read failed: %s", strerror(errno));
            return;
        }
        c->last_in_ms = (uint64_t)fl_mono_ms();
        c->bytes_in += (uint64_t)n;
        conn_feed(srv, c, buf, (size_t)n);
        if (c->phase != PH_DEAD && preauth_account(srv, c) < 0) {
            atomic_fetch_add(&ST.budget, 1);
            conn_close(srv, c, FL_LOG_WARN, "rtmp_preauth_refused",
                       "connections not yet authorised hold over %u bytes together", RTMP_PREAUTH_BUDGET);
            return;
        }
        if (c->phase != PH_DEAD && c->peer_window && c->bytes_in - c->last_ack >= c->peer_window) {
            rtmp_send_u32(&c->sess.out, RTMP_MSG_ACK, (uint32_t)c->bytes_in, c->sess.out_chunk_size);
            c->last_ack = c->bytes_in;
        }
        if ((size_t)n < sizeof(buf))
            break;
    }
    if (c->phase != PH_DEAD)
        conn_flush(srv, c);
}

static void on_accept(rtmp_server *srv)
{
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof(sa);
        int fd = accept4(srv->lfd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                fl_log(FL_LOG_WARN, "rtmp_accept_failed", "%s", strerror(errno));
            return;
        }
        conn *c = fl_calloc(1, sizeof(*c));
        c->fd = fd;
        c->id = ++srv->next_id;
        if (sa.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, c->ip, sizeof(c->ip));
        else if (sa.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, c->ip, sizeof(c->ip));
        else
            snprintf(c->ip, sizeof(c->ip), "unknown");
        c->created_ms = c->last_in_ms = (uint64_t)fl_mono_ms();
        rtmp_hs_init(&c->hs, (uint32_t)c->created_ms, (uint32_t)(c->created_ms * 2654435761u) ^ (uint32_t)c->id);
        rtmp_chunk_reader_init(&c->rd, 0);
        rtmp_chunk_reader_set_limits(&c->rd, RTMP_PREAUTH_MAX_MSG, RTMP_PREAUTH_MAX_HELD);
        c->held_tail = &c->held;
        rtmp_session_init(&c->sess);
        rtmp_media_init(&c->media);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        srv->nconns++;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "epoll: %s", strerror(errno));
            continue;
        }
        if (srv->nconns > srv->o.max_conns) {
            conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "too many connections (%d)", srv->o.max_conns);
        } else if (preauth_from_ip(srv, c->ip) > RTMP_PREAUTH_PER_IP) {
            atomic_fetch_add(&ST.per_ip, 1);
            conn_close(srv, c, FL_LOG_WARN, "rtmp_preauth_refused",
                       "over %d connections not yet publishing from this address", RTMP_PREAUTH_PER_IP);
        } else {
            conn_log(FL_LOG_DEBUG, c, "rtmp_accept", "connected");
        }
    }
}

static conn *find_conn(rtmp_server *srv, uint64_t id)
{
    for (conn *c = srv->conns; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

/* A publisher holding live_id: the newest one wins (a reconnect, or an old
 * connection the encoder abandoned), so any other is closed without telling
 * the shop of an unpublish, as the stream is now the new publisher's (the
 * hub hears of it, to drop the old publisher's reference). */
static void take_over(rtmp_server *srv, conn *newer, const char *live_id)
{
    for (conn *c = srv->conns, *next; c; c = next) {
        next = c->next;
        if (c != newer && c->stream && strcmp(c->live_id, live_id) == 0) {
            srv->o.ops->unpublish(srv->o.hub, c->stream, c->gen); /* the hub's side only: the shop heard the publish */
            c->stream = NULL;
            conn_close(srv, c, FL_LOG_INFO, "rtmp_takeover", "a new publisher (conn %llu) took over",
                       (unsigned long long)newer->id);
        }
    }
}

static int live_id_published(rtmp_server *srv, const char *live_id)
{
    for (conn *c = srv->conns; c; c = c->next)
        if (c->stream && strcmp(c->live_id, live_id) == 0)
            return 1;
    return 0;
}

static void on_auth_results(rtmp_server *srv)
{
    publish_auth_result r;
    while (publish_auth_next(srv->auth, &r)) {
        conn *c = find_conn(srv, r.conn_id);
        if (!c || c->sess.state != RTMP_SESS_PUBLISH_PENDING) {
            /* gone while the shop was asked: give the hub a publisher-less
             * stream, so the grace period ends the session unless a
             * reconnect takes it over */
            if (r.allowed && !live_id_published(srv, r.live_id)) {
                uint64_t gen;
                relay_stream *s = srv->o.ops->publish(srv->o.hub, r.live_id, &gen);
                if (s)
                    srv->o.ops->unpublish(srv->o.hub, s, gen);
            }
            continue;
        }
        if (!r.allowed) {
            rtmp_cmd_publish_refuse(&c->sess,
                                    r.http_status ? "NetStream.Publish.BadName" : "NetStream.Publish.Unauthorized",
                                    r.http_status ? "stream key refused" : "authorisation unavailable, try again");
            conn_close(srv, c, FL_LOG_WARN, "rtmp_publish_refused", "%s", r.error[0] ? r.error : "refused");
            continue;
        }
        snprintf(c->live_id, sizeof(c->live_id), "%s", r.live_id);
        take_over(srv, c, r.live_id);
        c->stream = srv->o.ops->publish(srv->o.hub, r.live_id, &c->gen);
        if (!c->stream) {
            rtmp_cmd_publish_refuse(&c->sess, "NetStream.Publish.Failed", "the relay cannot take the stream");
            conn_close(srv, c, FL_LOG_ERROR, "rtmp_publish_failed", "the hub refused the stream");
            continue;
        }
        if (srv->o.ops->restream)
            srv->o.ops->restream(c->stream, &r.restream);
        if (srv->o.ops->rendition)
            srv->o.ops->rendition(c->stream, r.low_rendition);
        rtmp_cmd_publish_start(&c->sess);
        conn_log(FL_LOG_INFO, c, "rtmp_publish", "publishing");
        c->authorised = 1;
        rtmp_chunk_reader_set_limits(&c->rd, RTMP_MAX_MSG_SIZE, RTMP_MAX_BUFFERED);
        preauth_account(srv, c);
        replay_held(srv, c);
        if (c->phase != PH_DEAD)
            conn_flush(srv, c);
    }
}

static void on_ended(void *arg, const char *live_id)
{
    rtmp_server *srv = arg;
    fl_log(FL_LOG_INFO, "live_ended", "live %s: no publisher within the grace period", live_id);
    publish_auth_ended(srv->auth, live_id);
}

static void on_tick(rtmp_server *srv)
{
    uint64_t now = (uint64_t)fl_mono_ms();
    for (conn *c = srv->conns, *next; c; c = next) {
        next = c->next;
        int pending = c->sess.state == RTMP_SESS_PUBLISH_PENDING;
        uint64_t since = c->unpublished_ms ? c->unpublished_ms : c->created_ms;
        if (stream_dropped(srv, c->stream))
            conn_dropped(srv, c);
        else if (check_superseded(srv, c))
            continue;
        else if (!c->stream && !pending && now - since > (uint64_t)srv->o.handshake_ms &&
                 c->sess.state != RTMP_SESS_PUBLISHING) {
            if (c->unpublished_ms) /* a clean end, then an idle connection */
                conn_close(srv, c, FL_LOG_INFO, "rtmp_closed", "idle for %d ms after ending its stream",
                           srv->o.handshake_ms);
            else
                conn_close(srv, c, FL_LOG_WARN, "rtmp_closed", "did not start publishing within %d ms",
                           srv->o.handshake_ms);
        } else if (!pending && now - c->last_in_ms > (uint64_t)srv->o.stall_ms)
            conn_close(srv, c, FL_LOG_WARN, "rtmp_stalled", "no data for %d ms", srv->o.stall_ms);
    }
    srv->o.ops->tick(srv->o.hub, on_ended, srv);
}

static int listen_on(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host[0] ? host : NULL, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 512) == 0)
            break;
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

rtmp_server *rtmp_server_new(const rtmp_server_opts *o, char *err, size_t errlen)
{
    rtmp_server *srv = fl_calloc(1, sizeof(*srv));
    srv->o = *o;
    if (!srv->o.port)
        srv->o.port = o->cfg->rtmp_port;
    if (!srv->o.max_conns)
        srv->o.max_conns = RTMP_MAX_CONNS;
    if (!srv->o.stall_ms)
        srv->o.stall_ms = RTMP_STALL_MS;
    if (!srv->o.handshake_ms)
        srv->o.handshake_ms = RTMP_HANDSHAKE_MS;
    srv->lfd = srv->epfd = srv->stopfd = -1;
    snprintf(err, errlen, "cannot start");

    srv->lfd = listen_on(o->cfg->relay_host, srv->o.port, err, errlen);
    if (srv->lfd < 0)
        goto out_free;
    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    srv->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (srv->epfd < 0 || srv->stopfd < 0) {
        snprintf(err, errlen, "epoll/eventfd: %s", strerror(errno));
        goto out_free;
    }
    srv->auth = publish_auth_new(o->cfg);
    if (!srv->auth) {
        snprintf(err, errlen, "cannot start the publish-auth worker");
        goto out_free;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &tag_listen};
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev);
    ev.data.ptr = &tag_stop;
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->stopfd, &ev);
    ev.data.ptr = &tag_auth;
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, publish_auth_fd(srv->auth), &ev);
    return srv;
out_free:
    rtmp_server_free(srv);
    return NULL;
}

int rtmp_server_run(rtmp_server *srv)
{
    struct epoll_event evs[MAX_EVENTS];
    srv->last_tick_ms = (uint64_t)fl_mono_ms();
    for (;;) {
        int n = epoll_wait(srv->epfd, evs, MAX_EVENTS, 250);
        if (n < 0 && errno != EINTR) {
            fl_log(FL_LOG_ERROR, "rtmp_epoll_failed", "%s", strerror(errno));
            return -1;
        }
        for (int i = 0; i < n; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &tag_stop)
                return 0;
            if (tag == &tag_listen) {
                on_accept(srv);
            } else if (tag == &tag_auth) {
                on_auth_results(srv);
            } else {
                conn *c = tag;
                if (c->phase == PH_DEAD)
                    continue;
                if (evs[i].events & EPOLLIN)
                    conn_readable(srv, c);
                else if (evs[i].events & (EPOLLERR | EPOLLHUP))
                    conn_close(srv, c, FL_LOG_INFO, "rtmp_closed", "connection reset");
                if (c->phase != PH_DEAD && (evs[i].events & EPOLLOUT))
                    conn_flush(srv, c);
            }
        }
        free_graveyard(srv);
        uint64_t now = (uint64_t)fl_mono_ms();
        if (now - srv->last_tick_ms >= 1000) {
            srv->last_tick_ms = now;
            on_tick(srv);
            free_graveyard(srv);
        }
    }
}

void rtmp_server_stop(rtmp_server *srv)
{
    uint64_t one = 1;
    if (write(srv->stopfd, &one, sizeof(one)) < 0) {
        /* the eventfd is non-blocking; a full counter still wakes the loop */
    }
}

void rtmp_server_free(rtmp_server *srv)
{
    if (!srv)
        return;
    while (srv->conns)
        conn_close(srv, srv->conns, FL_LOG_INFO, "rtmp_closed", "the relay is stopping");
    free_graveyard(srv);
    publish_auth_free(srv->auth); /* sends the unpublish reports queued above */
    if (srv->stopfd >= 0)
        close(srv->stopfd);
    if (srv->epfd >= 0)
        close(srv->epfd);
    if (srv->lfd >= 0)
        close(srv->lfd);
    fl_free(srv);
}
