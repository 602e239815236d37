/* srt_server.c - SRT ingest: many publishers on one UDP port, MPEG-TS
 * demuxed by libavformat, handed to the hub as RTMP's FLV tag bodies.
 *
 *   caller handshake ──> listen callback (libsrt's receiving thread)
 *                          stream id ─> key (srt_streamid.c); bad: reject
 *                          the shop asked now (publish_auth_check, bounded):
 *                            refused / unreachable: reject (SRT_REJX_*), log
 *                            allowed: live id kept for the socket
 *   accept thread ──────> srt_accept ─> one publisher thread each
 *   publisher thread:     take over any older SRT publisher of the live id,
 *                         relay hub publish, then
 *                         srt_recvmsg ─> AVIOContext ─> mpegts demuxer
 *                           H.264 AU ─> ts_flv_avc_au ─> hub video
 *                           ADTS     ─> ts_flv_adts_parse ─> hub audio
 *                         once a second: srt_bstats into the stream, the
 *                         session dropped by the shop? stalled? taken over?
 *   close <── EOF, error, stall (SRT_STALL_MS), takeover, dropped, stopping
 *
 * A thread per publisher: the demuxer pulls its bytes (avformat's read
 * callback blocks in srt_recvmsg, 250 ms at a time, so flags are seen).
 * Every call into the hub, and every change of a publisher's stream, is
 * made under srv->mu (and main.c's ingest lock inside the ops): one SRT
 * publisher at a time talks to the hub, as RTMP's one loop does.
 *
 * Takeover between SRT publishers is done here as RTMP does it: the older
 * one's stream is given back to the hub (the hub's side only: the shop
 * heard the publish) before the newer one publishes, and its thread ends at
 * its next read. A takeover by an RTMP publisher (or of one) is seen through
 * the publisher generation (relay_stream_superseded) at the next frame. */
#include "farmlive/relay_srt.h"
#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"
#include "farmlive/publish_auth.h"

#include <arpa/inet.h>
#include <libavformat/avformat.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <srt/access_control.h>
#include <srt/srt.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#define RECV_TIMEOUT_MS 250
#define PENDING_MAX 64       /* accepted by the callback, not yet by srt_accept */
#define PENDING_TTL_MS 10000 /* a handshake that never finished */
#define AVIO_BUF 4096
#define MSG_MAX 1500     /* an SRT live message: at most 1456 bytes */
#define REFUSAL_SLOTS 64 /* addresses whose refusals are counted */

typedef struct pending {
    SRTSOCKET sock;
    int64_t at_ms;
    char live_id[LIVE_ID_MAX + 1];
    char key[SRT_KEY_MAX + 1];
    char ip[INET6_ADDRSTRLEN];
    restream_specs restream; /* the platforms the shop named */
    int low_rendition;       /* the rendition mode it named (-1: the relay's) */
} pending;

typedef struct refusals {
    char ip[INET6_ADDRSTRLEN];
    int64_t since_ms;
    int n;
} refusals;

typedef struct pub pub;

struct srt_server {
    const fl_config *cfg;
    relay_hub *hub;
    const rtmp_hub_ops *ops;
    SRTSOCKET lsock;
    int eid;
    publish_auth *auth;
    pthread_t accept_thread;
    int accept_started;
    atomic_int stopping;
    uint64_t next_id;

    pthread_mutex_t mu; /* everything below, every publisher's stream, every hub call */
    pub *pubs;
    int npubs;
    pending pend[PENDING_MAX];
    int npend;
    refusals ref[REFUSAL_SLOTS];
};

struct pub {
    pub *next;
    srt_server *srv;
    SRTSOCKET sock;
    uint64_t id;
    pthread_t thread;
    atomic_int done;       /* its thread returned: the accept thread joins it */
    atomic_int taken_over; /* a newer publisher has the live id */
    char live_id[LIVE_ID_MAX + 1];
    char key[SRT_KEY_MAX + 1];
    char ip[INET6_ADDRSTRLEN];
    relay_stream *stream;    /* srv->mu */
    uint64_t gen;            /* its publisher generation */
    restream_specs restream; /* the platforms the shop named */
    int low_rendition;       /* the rendition mode it named (-1: the relay's) */
    /* the publisher thread's own */
    uint8_t msg[MSG_MAX];
    int msg_len, msg_off;
    int64_t last_in_ms, last_tick_ms;
    int dropped;   /* the shop ended the session */
    int left;      /* the publisher closed (or lost) its connection */
    char why[160]; /* why the read ended */
    ts_flv_avc avc;
    int have_asc;
    uint8_t asc[4];
    int vindex, aindex;    /* the demuxer's streams taken (first of each), -1 none */
    int64_t next_audio_us; /* where the next AAC frame starts; -1 unknown */
};

static struct {
    atomic_uint_fast64_t accepted, refused_streamid, refused_key, refused_unavailable, refused_busy, codec_refused;
} stats;

void srt_ingest_get_stats(srt_ingest_stats *st)
{
    st->accepted = atomic_load(&stats.accepted);
    st->refused_streamid = atomic_load(&stats.refused_streamid);
    st->refused_key = atomic_load(&stats.refused_key);
    st->refused_unavailable = atomic_load(&stats.refused_unavailable);
    st->refused_busy = atomic_load(&stats.refused_busy);
    st->codec_refused = atomic_load(&stats.codec_refused);
}

static void pub_log(enum fl_log_level lvl, const pub *p, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void pub_log(enum fl_log_level lvl, const pub *p, const char *event, const char *fmt, ...)
{
    char msg[300], k[16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fl_log(lvl, event, "srt %llu from %s key %s live %s: %s", (unsigned long long)p->id, p->ip,
           publish_auth_key_masked(p->key, k, sizeof(k)), p->live_id, msg);
}

/* -- the listen callback --------------------------------------------------- */

static void peer_ip(const struct sockaddr *sa, char *buf, size_t len)
{
    const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                                              : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
    if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

/* The address's refusal count in its window (srv->mu); add: one more. */
static int refusals_of(srt_server *srv, const char *ip, int add)
{
    int64_t now = fl_mono_ms();
    refusals *slot = NULL, *oldest = &srv->ref[0];
    for (int i = 0; i < REFUSAL_SLOTS; i++) {
        refusals *r = &srv->ref[i];
        if (strcmp(r->ip, ip) == 0) {
            slot = r;
            break;
        }
        if (r->since_ms < oldest->since_ms)
            oldest = r;
    }
    if (!slot && !add)
        return 0;
    if (!slot) {
        slot = oldest;
        snprintf(slot->ip, sizeof(slot->ip), "%s", ip);
        slot->n = 0;
        slot->since_ms = now;
    }
    if (now - slot->since_ms > SRT_REFUSED_WINDOW_MS) {
        slot->n = 0;
        slot->since_ms = now;
    }
    slot->n += add;
    return slot->n;
}

static int refuse(srt_server *srv, SRTSOCKET ns, int reason, atomic_uint_fast64_t *counter, const char *ip,
                  const char *key, const char *why)
{
    char k[16];
    srt_setrejectreason(ns, reason);
    atomic_fetch_add(counter, 1);
    pthread_mutex_lock(&srv->mu);
    refusals_of(srv, ip, 1);
    pthread_mutex_unlock(&srv->mu);
    fl_log(FL_LOG_WARN, "srt_publish_refused", "srt from %s key %s: %s (reject reason %d)", ip,
           publish_auth_key_masked(key, k, sizeof(k)), why, reason);
    return -1;
}

/* libsrt's receiving thread, during the caller's handshake: 0 accepts
 * (the shop said yes), -1 rejects with the reason set on ns. */
static int on_listen(void *opaque, SRTSOCKET ns, int hsversion, const struct sockaddr *peer, const char *streamid)
{
    srt_server *srv = opaque;
    char ip[INET6_ADDRSTRLEN], key[SRT_KEY_MAX + 1];
    peer_ip(peer, ip, sizeof(ip));
    if (atomic_load(&srv->stopping))
        return refuse(srv, ns, SRT_REJX_DOWN, &stats.refused_busy, ip, "", "the relay is stopping");
    if (hsversion < 5)
        return refuse(srv, ns, SRT_REJX_VERSION, &stats.refused_streamid, ip, "",
                      "handshake version 4 carries no stream id");
    int rc = srt_streamid_parse(streamid, key, sizeof(key));
    if (rc == SRT_SID_NOT_PUBLISH)
        return refuse(srv, ns, SRT_REJX_BAD_MODE, &stats.refused_streamid, ip, key,
                      "stream id asks to play (m=...): this relay only takes publishers");
    if (rc != SRT_SID_OK)
        return refuse(srv, ns, SRT_REJX_BAD_REQUEST, &stats.refused_streamid, ip, key,
                      rc == SRT_SID_EMPTY ? "no stream id (want streamid=KEY)" : "malformed stream id");

    pthread_mutex_lock(&srv->mu);
    int busy = srv->npubs + srv->npend >= SRT_MAX_PUBLISHERS || srv->npend >= PENDING_MAX;
    int flood = refusals_of(srv, ip, 0) >= SRT_REFUSED_PER_IP;
    pthread_mutex_unlock(&srv->mu);
    if (busy)
        return refuse(srv, ns, SRT_REJX_OVERLOAD, &stats.refused_busy, ip, key, "too many publishers");
    if (flood)
        return refuse(srv, ns, SRT_REJX_OVERLOAD, &stats.refused_busy, ip, key,
                      "too many refusals from this address: try again later");

    publish_auth_result r;
    publish_auth_check(srv->auth, key, ip, SRT_AUTH_TIMEOUT_MS, &r);
    if (!r.allowed)
        return r.http_status ? refuse(srv, ns, SRT_REJX_FORBIDDEN, &stats.refused_key, ip, key, r.error)
                             : refuse(srv, ns, SRT_REJX_DOWN, &stats.refused_unavailable, ip, key, r.error);

    int64_t now = fl_mono_ms();
    pthread_mutex_lock(&srv->mu);
    pending *pe = &srv->pend[srv->npend++];
    pe->sock = ns;
    pe->at_ms = now;
    snprintf(pe->live_id, sizeof(pe->live_id), "%s", r.live_id);
    snprintf(pe->key, sizeof(pe->key), "%s", key);
    snprintf(pe->ip, sizeof(pe->ip), "%s", ip);
    pe->restream = r.restream;
    pe->low_rendition = r.low_rendition;
    pthread_mutex_unlock(&srv->mu);
    return 0;
}

/* -- a publisher ------------------------------------------------------------- */

/* The shop allowed live_id but no publisher holds it (the handshake never
 * finished): a publisher-less stream, which the grace period ends unless a
 * reconnect takes it (as RTMP does). srv->mu held. */
static void orphan_locked(srt_server *srv, const char *live_id)
{
    for (pub *p = srv->pubs; p; p = p->next)
        if (p->stream && strcmp(p->live_id, live_id) == 0)
            return;
    uint64_t gen;
    relay_stream *s = srv->ops->publish(srv->hub, live_id, &gen);
    if (s)
        srv->ops->unpublish(srv->hub, s, gen);
}

/* Gives p's stream back to the hub; the shop hears of it unless it ended
 * the session itself or a newer publisher took it. srv->mu held. */
static void unpublish_locked(srt_server *srv, pub *p, int tell_shop)
{
    if (!p->stream)
        return;
    if (srv->ops->srt_stats)
        srv->ops->srt_stats(p->stream, NULL);
    srv->ops->unpublish(srv->hub, p->stream, p->gen);
    p->stream = NULL;
    if (tell_shop)
        publish_auth_unpublish(srv->auth, p->live_id);
}

/* A publisher of the other protocol (RTMP) took p's stream over: p is to
 * close, telling the shop nothing. srv->mu held. 1 when so. */
static int superseded_locked(pub *p)
{
    const rtmp_hub_ops *ops = p->srv->ops;
    if (!p->stream || !ops->superseded || !ops->superseded(p->stream, p->gen))
        return 0;
    if (!atomic_exchange(&p->taken_over, 1))
        pub_log(FL_LOG_INFO, p, "srt_takeover", "a newer publisher of another protocol took over");
    return 1;
}

/* Once a second, and at every read timeout: statistics into the stream, the
 * session dropped by the shop? */
static void pub_tick(pub *p)
{
    srt_server *srv = p->srv;
    int64_t now = fl_mono_ms();
    if (now - p->last_tick_ms < 1000)
        return;
    p->last_tick_ms = now;
    SRT_TRACEBSTATS perf;
    int have = srt_bstats(p->sock, &perf, 0) == 0;
    relay_srt_stats st = {0};
    if (have) {
        st.recv_packets = perf.pktRecvTotal;
        st.lost_packets = perf.pktRcvLossTotal;
        st.retrans_packets = perf.pktRcvRetrans;
        st.dropped_packets = perf.pktRcvDropTotal;
        st.rtt_ms = perf.msRTT;
        st.recv_mbps = perf.mbpsRecvRate;
        st.latency_ms = perf.msRcvTsbPdDelay;
    }
    pthread_mutex_lock(&srv->mu);
    superseded_locked(p);
    if (p->stream && srv->ops->dropped && srv->ops->dropped(p->stream))
        p->dropped = 1;
    else if (p->stream && have && srv->ops->srt_stats)
        srv->ops->srt_stats(p->stream, &st);
    pthread_mutex_unlock(&srv->mu);
}

/* AVIOContext's read: the next bytes of the SRT messages. AVERROR_EOF when
 * the publisher is gone or must go (p->why says which). */
static int read_srt(void *opaque, uint8_t *buf, int size)
{
    pub *p = opaque;
    for (;;) {
        if (p->msg_off < p->msg_len) {
            int n = p->msg_len - p->msg_off < size ? p->msg_len - p->msg_off : size;
            memcpy(buf, p->msg + p->msg_off, (size_t)n);
            p->msg_off += n;
            return n;
        }
        pub_tick(p);
        if (atomic_load(&p->srv->stopping)) {
            snprintf(p->why, sizeof(p->why), "the relay is stopping");
            return AVERROR_EOF;
        }
        if (atomic_load(&p->taken_over)) {
            snprintf(p->why, sizeof(p->why), "a newer publisher took over");
            return AVERROR_EOF;
        }
        if (p->dropped) {
            snprintf(p->why, sizeof(p->why), "the shop ended the session");
            return AVERROR_EOF;
        }
        int n = srt_recvmsg(p->sock, (char *)p->msg, sizeof(p->msg));
        int64_t now = fl_mono_ms();
        if (n > 0) {
            p->msg_len = n;
            p->msg_off = 0;
            p->last_in_ms = now;
            continue;
        }
        int err = n == SRT_ERROR ? srt_getlasterror(NULL) : SRT_SUCCESS;
        if (err == SRT_ECONNLOST) {
            p->left = 1;
            snprintf(p->why, sizeof(p->why), "the publisher left");
            return AVERROR_EOF;
        }
        if (err != SRT_SUCCESS && err != SRT_EASYNCRCV) {
            snprintf(p->why, sizeof(p->why), "connection closed: %s", srt_getlasterror_str());
            return AVERROR_EOF;
        }
        if (now - p->last_in_ms > SRT_STALL_MS) {
            snprintf(p->why, sizeof(p->why), "no data for %d ms", SRT_STALL_MS);
            return AVERROR_EOF;
        }
    }
}

/* A hub call's result for p: 0 go on, -1 stop (p->why set). */
static int hub_result(pub *p, int rc)
{
    if (rc == RELAY_STREAM_DROPPED) {
        p->dropped = 1;
        snprintf(p->why, sizeof(p->why), "the shop ended the session");
        return -1;
    }
    if (rc < 0) {
        snprintf(p->why, sizeof(p->why), "the hub refused a frame");
        return -1;
    }
    return 0;
}

static int send_video(pub *p, int what, uint32_t ts)
{
    srt_server *srv = p->srv;
    int rc = 0;
    pthread_mutex_lock(&srv->mu);
    if (superseded_locked(p)) {
        pthread_mutex_unlock(&srv->mu);
        snprintf(p->why, sizeof(p->why), "a newer publisher took over");
        return -1;
    }
    if (p->stream && (what & TS_FLV_SEQHDR))
        rc = srv->ops->video(p->stream, ts, p->avc.seq, p->avc.seq_len);
    if (p->stream && rc == 0 && (what & TS_FLV_FRAME))
        rc = srv->ops->video(p->stream, ts, p->avc.body, p->avc.body_len);
    pthread_mutex_unlock(&srv->mu);
    return hub_result(p, rc);
}

static int send_audio(pub *p, uint32_t ts, const uint8_t *raw, size_t len, const uint8_t *seq)
{
    srt_server *srv = p->srv;
    uint8_t frame[2 + 8192];
    int rc = 0;
    if (len > sizeof(frame) - 2)
        return 0; /* an ADTS frame is at most 8191 bytes */
    frame[0] = 0xaf;
    frame[1] = 1;
    memcpy(frame + 2, raw, len);
    pthread_mutex_lock(&srv->mu);
    if (superseded_locked(p)) {
        pthread_mutex_unlock(&srv->mu);
        snprintf(p->why, sizeof(p->why), "a newer publisher took over");
        return -1;
    }
    if (p->stream && seq)
        rc = srv->ops->audio(p->stream, ts, seq, 4);
    if (p->stream && rc == 0)
        rc = srv->ops->audio(p->stream, ts, frame, len + 2);
    pthread_mutex_unlock(&srv->mu);
    return hub_result(p, rc);
}

static uint32_t to_ms(int64_t t, AVRational tb)
{
    return (uint32_t)av_rescale_q(t, tb, (AVRational){1, 1000});
}

/* One demuxed packet to the hub. 0 go on, -1 stop (p->why set). */
static int on_packet(pub *p, AVFormatContext *ic, AVPacket *pkt)
{
    AVStream *st = ic->streams[pkt->stream_index];
    enum AVMediaType type = st->codecpar->codec_type;
    enum AVCodecID codec = st->codecpar->codec_id;
    int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (dts == AV_NOPTS_VALUE && type == AVMEDIA_TYPE_VIDEO)
        return 0;
    if (type == AVMEDIA_TYPE_VIDEO && (p->vindex < 0 || p->vindex == pkt->stream_index)) {
        if (codec != AV_CODEC_ID_H264) {
            atomic_fetch_add(&stats.codec_refused, 1);
            snprintf(p->why, sizeof(p->why), "video codec %s refused: H.264 only", avcodec_get_name(codec));
            return -1;
        }
        p->vindex = pkt->stream_index;
        int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : dts;
        int32_t cts = (int32_t)av_rescale_q(pts - dts, st->time_base, (AVRational){1, 1000});
        int what =
            ts_flv_avc_au(&p->avc, pkt->data, (size_t)pkt->size, !!(pkt->flags & AV_PKT_FLAG_KEY), cts < 0 ? 0 : cts);
        if (what < 0) {
            pub_log(FL_LOG_WARN, p, "srt_frame_skipped", "malformed H.264 access unit of %d bytes", pkt->size);
            return 0;
        }
        return what ? send_video(p, what, to_ms(dts, st->time_base)) : 0;
    }
    if (type == AVMEDIA_TYPE_AUDIO && (p->aindex < 0 || p->aindex == pkt->stream_index)) {
        if (codec != AV_CODEC_ID_AAC) {
            atomic_fetch_add(&stats.codec_refused, 1);
            snprintf(p->why, sizeof(p->why), "audio codec %s refused: AAC (ADTS) only", avcodec_get_name(codec));
            return -1;
        }
        p->aindex = pkt->stream_index;
        /* the demuxer's parser splits a PES of several ADTS frames: only
         * the first carries a time, the others follow it frame by frame */
        int64_t us =
            dts != AV_NOPTS_VALUE ? av_rescale_q(dts, st->time_base, (AVRational){1, 1000000}) : p->next_audio_us;
        if (us < 0)
            return 0; /* no time yet */
        ts_flv_adts h;
        for (size_t off = 0; off < (size_t)pkt->size; off += h.frame_len) {
            if (ts_flv_adts_parse(pkt->data + off, (size_t)pkt->size - off, &h) < 0) {
                pub_log(FL_LOG_WARN, p, "srt_frame_skipped", "AAC without an ADTS header");
                return 0;
            }
            uint8_t seq[4];
            ts_flv_aac_seq(&h, seq);
            int fresh = !p->have_asc || memcmp(seq, p->asc, 4) != 0;
            if (fresh) {
                memcpy(p->asc, seq, 4);
                p->have_asc = 1;
            }
            uint32_t t = (uint32_t)(us / 1000);
            us += (int64_t)1024 * 1000000 / h.sample_rate;
            p->next_audio_us = us;
            if (send_audio(p, t, pkt->data + off + h.header_len, h.frame_len - h.header_len, fresh ? seq : NULL) < 0)
                return -1;
        }
    }
    return 0; /* other streams (data, a second track) are left out */
}

static int interrupted(void *opaque)
{
    pub *p = opaque;
    return atomic_load(&p->srv->stopping) || atomic_load(&p->taken_over) || p->dropped;
}

/* The demuxer over p's socket until it ends. */
static void demux(pub *p)
{
    AVFormatContext *ic = NULL;
    AVIOContext *pb = NULL;
    AVPacket *pkt = NULL;
    uint8_t *buf = av_malloc(AVIO_BUF);
    int ret;
    if (!buf || !(pb = avio_alloc_context(buf, AVIO_BUF, 0, p, read_srt, NULL, NULL))) {
        av_free(buf);
        snprintf(p->why, sizeof(p->why), "out of memory");
        return;
    }
    if (!(ic = avformat_alloc_context()) || !(pkt = av_packet_alloc())) {
        snprintf(p->why, sizeof(p->why), "out of memory");
        goto out_free;
    }
    ic->pb = pb;
    ic->flags |= AVFMT_FLAG_CUSTOM_IO;
    ic->interrupt_callback = (AVIOInterruptCB){interrupted, p};
    ic->probesize = 32 * 188 * 7;
    if ((ret = avformat_open_input(&ic, NULL, av_find_input_format("mpegts"), NULL)) < 0) {
        if (!p->why[0])
            snprintf(p->why, sizeof(p->why), "not MPEG-TS: %s", av_err2str(ret));
        goto out_free; /* ic freed by avformat_open_input */
    }
    while ((ret = av_read_frame(ic, pkt)) >= 0) {
        int rc = on_packet(p, ic, pkt);
        av_packet_unref(pkt);
        if (rc < 0)
            break;
        pub_tick(p);
    }
    if (ret < 0 && !p->why[0])
        snprintf(p->why, sizeof(p->why), "demuxer: %s", av_err2str(ret));
out_free:
    av_packet_free(&pkt);
    avformat_close_input(&ic);
    if (pb)
        av_freep(&pb->buffer);
    avio_context_free(&pb);
}

static void *pub_main(void *arg)
{
    pub *p = arg;
    srt_server *srv = p->srv;
    pthread_mutex_lock(&srv->mu);
    for (pub *o = srv->pubs; o; o = o->next) {
        if (o != p && o->stream && strcmp(o->live_id, p->live_id) == 0) {
            unpublish_locked(srv, o, 0); /* the hub's side only: the shop heard the publish */
            atomic_store(&o->taken_over, 1);
            pub_log(FL_LOG_INFO, o, "srt_takeover", "srt %llu took over", (unsigned long long)p->id);
        }
    }
    p->stream = srv->ops->publish(srv->hub, p->live_id, &p->gen);
    if (p->stream && srv->ops->restream)
        srv->ops->restream(p->stream, &p->restream);
    if (p->stream && srv->ops->rendition)
        srv->ops->rendition(p->stream, p->low_rendition);
    pthread_mutex_unlock(&srv->mu);
    if (!p->stream) {
        pub_log(FL_LOG_ERROR, p, "srt_publish_failed", "the hub refused the stream");
    } else {
        pub_log(FL_LOG_INFO, p, "srt_publish", "publishing");
        demux(p);
    }
    pthread_mutex_lock(&srv->mu);
    unpublish_locked(srv, p, !p->dropped && !atomic_load(&p->taken_over));
    pthread_mutex_unlock(&srv->mu);
    srt_close(p->sock);
    pub_log(atomic_load(&p->taken_over) || p->dropped || p->left || atomic_load(&srv->stopping) || !p->why[0]
                ? FL_LOG_INFO
                : FL_LOG_WARN,
            p, "srt_closed", "%s", p->why[0] ? p->why : "ended");
    ts_flv_avc_free(&p->avc);
    atomic_store(&p->done, 1);
    return NULL;
}

/* -- the accept thread ----------------------------------------------------- */

/* Joins and frees finished publishers; expires handshakes that never
 * finished. */
static void reap(srt_server *srv, int all)
{
    pub *done = NULL;
    int64_t now = fl_mono_ms();
    pthread_mutex_lock(&srv->mu);
    for (pub **pp = &srv->pubs; *pp;) {
        pub *p = *pp;
        if (all || atomic_load(&p->done)) {
            *pp = p->next;
            p->next = done;
            done = p;
            srv->npubs--;
        } else {
            pp = &p->next;
        }
    }
    for (int i = 0; i < srv->npend;) {
        if (all || now - srv->pend[i].at_ms > PENDING_TTL_MS) {
            if (!all)
                orphan_locked(srv, srv->pend[i].live_id);
            srv->pend[i] = srv->pend[--srv->npend];
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&srv->mu);
    while (done) {
        pub *p = done;
        done = p->next;
        pthread_join(p->thread, NULL);
        fl_free(p);
    }
}

static void on_accept(srt_server *srv)
{
    struct sockaddr_storage addr;
    int alen = sizeof(addr);
    SRTSOCKET s = srt_accept(srv->lsock, (struct sockaddr *)&addr, &alen);
    if (s == SRT_INVALID_SOCK)
        return;
    pub *p = fl_calloc(1, sizeof(*p));
    int found = 0;
    pthread_mutex_lock(&srv->mu);
    for (int i = 0; i < srv->npend; i++) {
        if (srv->pend[i].sock == s) {
            snprintf(p->live_id, sizeof(p->live_id), "%s", srv->pend[i].live_id);
            snprintf(p->key, sizeof(p->key), "%s", srv->pend[i].key);
            snprintf(p->ip, sizeof(p->ip), "%s", srv->pend[i].ip);
            p->restream = srv->pend[i].restream;
            p->low_rendition = srv->pend[i].low_rendition;
            srv->pend[i] = srv->pend[--srv->npend];
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&srv->mu);
    if (!found) { /* cannot happen: the callback accepted it */
        fl_log(FL_LOG_ERROR, "srt_closed", "srt socket %d accepted without the shop's answer", (int)s);
        srt_close(s);
        fl_free(p);
        return;
    }
    int yes = 1, timeout = RECV_TIMEOUT_MS;
    srt_setsockflag(s, SRTO_RCVSYN, &yes, sizeof(yes));
    srt_setsockflag(s, SRTO_RCVTIMEO, &timeout, sizeof(timeout));
    p->srv = srv;
    p->sock = s;
    p->id = ++srv->next_id;
    p->vindex = p->aindex = -1;
    p->next_audio_us = -1;
    p->last_in_ms = p->last_tick_ms = fl_mono_ms();
    atomic_init(&p->done, 0);
    atomic_init(&p->taken_over, 0);
    pthread_mutex_lock(&srv->mu);
    p->next = srv->pubs;
    srv->pubs = p;
    srv->npubs++;
    pthread_mutex_unlock(&srv->mu);
    atomic_fetch_add(&stats.accepted, 1);
    if (pthread_create(&p->thread, NULL, pub_main, p) != 0) {
        pub_log(FL_LOG_ERROR, p, "srt_closed", "cannot start its thread");
        srt_close(s);
        pthread_mutex_lock(&srv->mu);
        orphan_locked(srv, p->live_id);
        for (pub **pp = &srv->pubs; *pp; pp = &(*pp)->next)
            if (*pp == p) {
                *pp = p->next;
                break;
            }
        srv->npubs--;
        pthread_mutex_unlock(&srv->mu);
        fl_free(p);
    }
}

static void *accept_main(void *arg)
{
    srt_server *srv = arg;
    while (!atomic_load(&srv->stopping)) {
        SRTSOCKET ready[8];
        int n = (int)(sizeof(ready) / sizeof(ready[0]));
        if (srt_epoll_wait(srv->eid, ready, &n, NULL, NULL, 250, NULL, NULL, NULL, NULL) > 0)
            for (int i = 0; i < n; i++)
                if (ready[i] == srv->lsock)
                    on_accept(srv);
        reap(srv, 0);
    }
    return NULL;
}

/* -- life cycle ------------------------------------------------------------ */

/* libsrt's own messages (errors only), as our JSON log lines. */
static void srt_log_to_fl(void *opaque, int level, const char *file, int line, const char *area, const char *message)
{
    (void)opaque;
    (void)level;
    (void)file;
    (void)line;
    char msg[400];
    snprintf(msg, sizeof(msg), "%s", message ? message : "");
    size_t n = strlen(msg);
    if (n > 0 && msg[n - 1] == '\n')
        msg[n - 1] = '\0';
    fl_log(FL_LOG_WARN, "libsrt", "%s: %s", area ? area : "-", msg);
}

static int bind_to(srt_server *srv, char *err, size_t errlen)
{
    const fl_config *cfg = srv->cfg;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE}, *res;
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->srt_port);
    int rc = getaddrinfo(cfg->relay_host[0] ? cfg->relay_host : NULL, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", cfg->relay_host, gai_strerror(rc));
        return -1;
    }
    rc = srt_bind(srv->lsock, res->ai_addr, (int)res->ai_addrlen);
    freeaddrinfo(res);
    if (rc == SRT_ERROR) {
        snprintf(err, errlen, "cannot bind SRT (UDP) %s:%d: %s", cfg->relay_host, cfg->srt_port,
                 srt_getlasterror_str());
        return -1;
    }
    return 0;
}

srt_server *srt_server_new(const fl_config *cfg, relay_hub *hub, const rtmp_hub_ops *ops, char *err, size_t errlen)
{
    srt_server *srv = fl_calloc(1, sizeof(*srv));
    srv->cfg = cfg;
    srv->hub = hub;
    srv->ops = ops;
    srv->lsock = SRT_INVALID_SOCK;
    srv->eid = -1;
    atomic_init(&srv->stopping, 0);
    pthread_mutex_init(&srv->mu, NULL);
    srt_startup();
    srt_setloglevel(LOG_ERR);
    srt_setloghandler(NULL, srt_log_to_fl);
    int live = SRTT_LIVE, latency = cfg->srt_latency_ms, no = 0, events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    srv->lsock = srt_create_socket();
    if (srv->lsock == SRT_INVALID_SOCK) {
        snprintf(err, errlen, "srt_create_socket: %s", srt_getlasterror_str());
        goto out_free;
    }
    srt_setsockflag(srv->lsock, SRTO_TRANSTYPE, &live, sizeof(live));
    srt_setsockflag(srv->lsock, SRTO_RCVLATENCY, &latency, sizeof(latency));
    srt_setsockflag(srv->lsock, SRTO_PEERLATENCY, &latency, sizeof(latency));
    srt_setsockflag(srv->lsock, SRTO_RCVSYN, &no, sizeof(no));
    if (bind_to(srv, err, errlen) < 0)
        goto out_free;
    if (!(srv->auth = publish_auth_new(cfg))) {
        snprintf(err, errlen, "cannot start the publish-auth worker");
        goto out_free;
    }
    if (srt_listen_callback(srv->lsock, on_listen, srv) == SRT_ERROR || srt_listen(srv->lsock, 64) == SRT_ERROR) {
        snprintf(err, errlen, "cannot listen (SRT): %s", srt_getlasterror_str());
        goto out_free;
    }
    if ((srv->eid = srt_epoll_create()) < 0 || srt_epoll_add_usock(srv->eid, srv->lsock, &events) == SRT_ERROR) {
        snprintf(err, errlen, "srt epoll: %s", srt_getlasterror_str());
        goto out_free;
    }
    if (pthread_create(&srv->accept_thread, NULL, accept_main, srv) != 0) {
        snprintf(err, errlen, "cannot start the SRT accept thread");
        goto out_free;
    }
    srv->accept_started = 1;
    return srv;
out_free:
    srt_server_free(srv);
    return NULL;
}

void srt_server_free(srt_server *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->stopping, 1);
    if (srv->accept_started)
        pthread_join(srv->accept_thread, NULL);
    if (srv->lsock != SRT_INVALID_SOCK)
        srt_close(srv->lsock); /* no new callbacks from here on */
    reap(srv, 1);              /* publishers see `stopping` at their next read */
    if (srv->eid >= 0)
        srt_epoll_release(srv->eid);
    publish_auth_free(srv->auth); /* sends the unpublish reports queued above */
    pthread_mutex_destroy(&srv->mu);
    srt_cleanup();
    fl_free(srv);
}
