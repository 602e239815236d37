/* http.c - the relay's HTTP server (libmicrohttpd, epoll, thread pool).
 *
 *   request -> on_request -> CORS preflight? -> routes[] (method, path,
 *   match) -> handler -> one response helper (blob / json / error / file)
 *
 * Every response goes through respond(), which adds
 * Access-Control-Allow-Origin: *; errors are {"error":{"code","message"}}
 * from error_response(), the one place statuses meet codes.
 *
 * Variants: /live/{id}/master.m3u8 lists the source (index.m3u8) and, when
 * the stream has a low rendition with a picture out, low/index.m3u8; the
 * low variant's files are under /live/{id}/low/ (the same names as the
 * source's), its HTTP-FLV is /live/{id}.flv?quality=low. The source's own
 * URLs are unchanged.
 *
 * Connections: the listening socket is made here and accepted by hls_conn.c
 * (relay_hls_conn.h), which answers every /live/ request outside
 * libmicrohttpd (HLS playlists, blocking reloads, segments, parts,
 * master.m3u8, thumbnails; HTTP-FLV handed on to the writer,
 * flv_fanout.c) and gives MHD, which has no listening socket of its own,
 * a connection whose first request is outside /live/ (hand_back(), the
 * socket with the request unread) or a later request outside /live/ (the
 * same, through a socket pair). A /live/ request on a connection MHD holds
 * lends it to hls_conn.c: when that lets go it shuts the socket down and
 * calls lent_closed(), which resumes the connection; MHD calls on_request
 * again, which answers MHD_NO so MHD closes it. Suspended connections are
 * not subject to MHD's timeout (hls_conn.c has its own).
 *
 * The internal API (POST, X-Internal-Secret as the shop's internal API
 * checks it: SHA-256 of both compared in constant time; not configured 503,
 * missing 401, wrong 403): POST /internal/v1/streams/{live_id}/drop ends the
 * session at once (relay_hub_drop) and answers once its recording is
 * finalised (at most DROP_WAIT_MS): the connection is suspended meanwhile,
 * listed in H.drops, and the waits thread resumes it when the stream's
 * worker is done or the deadline passed (or relay_http_stop does), so no
 * MHD thread waits and the other viewers are not held up. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <time.h>

#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/buf.h"
#include "farmlive/log.h"
#include "farmlive/relay_hls_conn.h"
#include "farmlive/relay_http.h"
#include "farmlive/relay_hub.h"
#include "farmlive/relay_record.h"
#include "farmlive/relay_rtmp.h"
#include "farmlive/relay_srt.h"

#define METRICS_TEXT_MAX (4 * 1024 * 1024)
/* Each connection's MHD pool (request line, headers, the response header).
 * MHD zeroes it at every request of a keep-alive connection: its default
 * (32 KiB) cost HLS players a page-faulting memset a request. */
#define CONN_POOL_BYTES (8 * 1024)
#define DROP_WAIT_MS 5000 /* a drop waits this long at most for the recording to be finalised */

/* What *con_cls points to past the headers: the first member says which. */
enum conn_kind { CONN_LENT = 1, CONN_DROP_WAIT };

/* A connection lent to hls_conn.c. */
typedef struct lent_conn {
    int kind; /* CONN_LENT */
    struct MHD_Connection *conn;
    atomic_int done;
} lent_conn;

/* A suspended drop, waiting for its stream's recording to be finalised. */
typedef struct drop_wait {
    int kind; /* CONN_DROP_WAIT */
    struct MHD_Connection *conn;
    relay_stream *s; /* a reference, released once answered */
    char id[RELAY_LIVE_ID_MAX + 1];
    int was_live;
    int64_t deadline; /* monotonic ms */
    struct drop_wait *next;
} drop_wait;

static struct {
    struct MHD_Daemon *daemon;
    relay_hub *hub;
    const fl_config *cfg;
    atomic_uint_fast64_t requests;
    /* suspended drops, and the thread ending them */
    pthread_mutex_t wlock;
    pthread_cond_t wcond;
    drop_wait *drops;
    pthread_t wthread;
    int wthread_on;
    int lfd;              /* the listening socket, accepted by hls_conn.c */
    atomic_int stopping;  /* relay_http_stop began: no new waits */
    atomic_int suspended; /* drops suspended, not yet back in on_request */
} H = {.wlock = PTHREAD_MUTEX_INITIALIZER, .wcond = PTHREAD_COND_INITIALIZER, .lfd = -1};

/* -- responses ----------------------------------------------------------- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, struct MHD_Response *r, const char *type,
                               const char *cache)
{
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    if (type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (cache)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Takes the reference b. */
static enum MHD_Result respond_blob(struct MHD_Connection *c, unsigned status, relay_blob *b, const char *type,
                                    const char *cache)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback(b->len, b->data, relay_blob_release_data);
    if (!r)
        relay_blob_unref(b);
    return respond(c, status, r, type, cache);
}

/* Steals j. */
static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return MHD_NO;
    relay_blob *b = relay_blob_new(text, strlen(text));
    free(text);
    return respond_blob(c, status, b, "application/json", "no-cache");
}

static enum MHD_Result error_response(struct MHD_Connection *c, unsigned status, const char *code, const char *message)
{
    return respond_json(c, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
}

/* -- handlers ------------------------------------------------------------- */

typedef struct req {
    struct MHD_Connection *conn;
    const char *url;
    const char *method;
    const char *version;
    void **con_cls;
} req;

static enum MHD_Result h_healthz(req *r)
{
    return respond_json(r->conn, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"));
}

/* The stream's transcoded renditions (none: []). */
static json_t *renditions_json(const relay_stream_info *i)
{
    json_t *arr = json_array();
    if (!i->have_low)
        return arr;
    const relay_rendition_info *l = &i->low;
    json_t *o =
        json_pack("{s:s, s:i, s:i, s:s, s:i, s:f, s:{s:I, s:I, s:I}, s:{s:f, s:f}}", "name", l->name, "width", l->width,
                  "height", l->height, "codec", l->vcodec, "target_kbps", l->target_kbps, "bitrate_kbps", l->kbps,
                  "frames", "in", (json_int_t)l->frames_in, "encoded", (json_int_t)l->frames_encoded, "dropped",
                  (json_int_t)l->frames_dropped, "cpu", "percent_of_core", l->cpu_pct, "seconds", l->cpu_s);
    json_object_set_new(o, "urls",
                        json_pack("{s:o, s:o}", "flv", json_sprintf("/live/%s.flv?quality=low", i->live_id), "hls",
                                  json_sprintf("/live/%s/low/index.m3u8", i->live_id)));
    json_array_append_new(arr, o);
    return arr;
}

static json_t *stream_json(const relay_stream_info *i)
{
    char flv[128], hls[128], thumb[128];
    snprintf(flv, sizeof(flv), "/live/%s.flv", i->live_id);
    snprintf(hls, sizeof(hls), "/live/%s/index.m3u8", i->live_id);
    snprintf(thumb, sizeof(thumb), "/live/%s/thumb.jpg", i->live_id);
    json_t *o = json_pack("{s:s, s:b, s:i, s:{s:s, s:i, s:i, s:f, s:f}, s:{s:s, s:i, s:i}, s:f, "
                          "s:{s:i, s:f}, s:f, s:I, s:I, s:{s:s, s:s, s:s}}",
                          "live_id", i->live_id, "publishing", i->publishing, "epoch", i->epoch, "video", "codec",
                          i->vcodec, "width", i->width, "height", i->height, "fps", i->fps, "gop_s", i->gop_ms / 1000.0,
                          "audio", "codec", i->acodec, "sample_rate", i->sample_rate, "channels", i->channels,
                          "bitrate_kbps", i->kbps, "viewers", "flv", i->flv_viewers, "hls", i->hls_viewers, "uptime_s",
                          i->uptime_s, "bytes_in", (json_int_t)i->bytes_in, "hls_segments", (json_int_t)i->hls_segments,
                          "urls", "flv", flv, "hls", hls, "thumb", thumb);
    json_object_set_new(
        o, "timestamps_corrected",
        json_pack("{s:I, s:I}", "nudged", (json_int_t)i->ts_nudged, "rebased", (json_int_t)i->ts_rebased));
    json_object_set_new(o, "packets_dropped",
                        json_pack("{s:I, s:I, s:I}", "queue", (json_int_t)i->queue_dropped, "hls",
                                  (json_int_t)i->hls_dropped, "recording", (json_int_t)i->record_dropped));
    static const char *const rec_states[] = {"off", "on", "stopped"};
    json_object_set_new(o, "recording", json_string(rec_states[i->recording]));
    json_object_set_new(o, "viewers_dropped",
                        json_pack("{s:I}", "flv_could_not_keep_up", (json_int_t)i->flv_viewers_dropped));
    const relay_srt_stats *t = &i->srt;
    json_object_set_new(
        o, "srt",
        !i->have_srt ? json_null()
                     : json_pack("{s:I, s:I, s:I, s:I, s:f, s:f, s:i}", "received_packets", (json_int_t)t->recv_packets,
                                 "lost_packets", (json_int_t)t->lost_packets, "retransmitted_packets",
                                 (json_int_t)t->retrans_packets, "dropped_packets", (json_int_t)t->dropped_packets,
                                 "rtt_ms", t->rtt_ms, "recv_mbps", t->recv_mbps, "latency_ms", t->latency_ms));
    json_object_set_new(o, "restream", restream_info_json(i->restream, (size_t)i->restream_n));
    json_object_set_new(json_object_get(o, "urls"), "master", json_sprintf("/live/%s/master.m3u8", i->live_id));
    json_object_set_new(o, "renditions", renditions_json(i));
    return o;
}

static enum MHD_Result h_streams(req *r)
{
    relay_stream_info *infos = NULL;
    size_t n = relay_hub_list(H.hub, &infos);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, stream_json(&infos[i]));
    fl_free(infos);
    rtmp_ingest_stats st;
    rtmp_ingest_get_stats(&st);
    json_t *ingest = json_pack("{s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I}, s:I}", "preauth_refused", "message_size",
                               (json_int_t)st.preauth_msg_size, "held", (json_int_t)st.preauth_held, "commands",
                               (json_int_t)st.preauth_commands, "per_address", (json_int_t)st.preauth_per_ip, "budget",
                               (json_int_t)st.preauth_budget, "early_media", "held", (json_int_t)st.early_held,
                               "dropped", (json_int_t)st.early_dropped, "codec_refused", (json_int_t)st.codec_refused);
    srt_ingest_stats ss;
    srt_ingest_get_stats(&ss);
    json_object_set_new(ingest, "srt",
                        json_pack("{s:I, s:{s:I, s:I, s:I, s:I}, s:I}", "accepted", (json_int_t)ss.accepted, "refused",
                                  "stream_id", (json_int_t)ss.refused_streamid, "key", (json_int_t)ss.refused_key,
                                  "shop_unavailable", (json_int_t)ss.refused_unavailable, "busy",
                                  (json_int_t)ss.refused_busy, "codec_refused", (json_int_t)ss.codec_refused));
    return respond_json(r->conn, MHD_HTTP_OK, json_pack("{s:o, s:o}", "streams", arr, "ingest", ingest));
}

/* One of the SRT publisher's metrics (0 packets, 1 RTT, 2 rate, 3 latency). */
static void srt_metric(fl_buf *b, size_t which, const char *id, const relay_srt_stats *t)
{
    if (which == 0)
        fl_buf_printf(b,
                      "farmlive_relay_stream_srt_packets_total{live_id=\"%s\",kind=\"received\"} %lld\n"
                      "farmlive_relay_stream_srt_packets_total{live_id=\"%s\",kind=\"lost\"} %lld\n"
                      "farmlive_relay_stream_srt_packets_total{live_id=\"%s\",kind=\"retransmitted\"} %lld\n"
                      "farmlive_relay_stream_srt_packets_total{live_id=\"%s\",kind=\"dropped\"} %lld\n",
                      id, (long long)t->recv_packets, id, (long long)t->lost_packets, id, (long long)t->retrans_packets,
                      id, (long long)t->dropped_packets);
    else if (which == 1)
        fl_buf_printf(b, "farmlive_relay_stream_srt_rtt_ms{live_id=\"%s\"} %.3f\n", id, t->rtt_ms);
    else if (which == 2)
        fl_buf_printf(b, "farmlive_relay_stream_srt_recv_mbps{live_id=\"%s\"} %.3f\n", id, t->recv_mbps);
    else
        fl_buf_printf(b, "farmlive_relay_stream_srt_latency_ms{live_id=\"%s\"} %d\n", id, t->latency_ms);
}

/* One of a rendition's metrics (0 frames, 1 CPU, 2 bitrate). */
static void rendition_metric(fl_buf *b, size_t which, const char *id, const relay_rendition_info *l)
{
    if (which == 0)
        fl_buf_printf(
            b,
            "farmlive_relay_stream_rendition_frames_total{live_id=\"%s\",rendition=\"%s\",outcome=\"encoded\"} "
            "%llu\n"
            "farmlive_relay_stream_rendition_frames_total{live_id=\"%s\",rendition=\"%s\",outcome=\"dropped\"} "
            "%llu\n",
            id, l->name, (unsigned long long)l->frames_encoded, id, l->name, (unsigned long long)l->frames_dropped);
    else if (which == 1)
        fl_buf_printf(b, "farmlive_relay_stream_rendition_cpu_seconds_total{live_id=\"%s\",rendition=\"%s\"} %.3f\n",
                      id, l->name, l->cpu_s);
    else
        fl_buf_printf(b, "farmlive_relay_stream_rendition_bitrate_kbps{live_id=\"%s\",rendition=\"%s\"} %.1f\n", id,
                      l->name, l->kbps);
}

static enum MHD_Result h_metrics(req *r)
{
    relay_stream_info *in = NULL;
    size_t n = relay_hub_list(H.hub, &in);
    flv_writer_stats ws;
    flv_writer_get_stats(&ws);
    uint64_t lent_requests;
    int lent_conns;
    hls_conn_get_stats(&lent_requests, &lent_conns);
    fl_buf b;
    fl_buf_init(&b, 4096, METRICS_TEXT_MAX);
    fl_buf_printf(&b,
                  "# TYPE farmlive_relay_streams gauge\nfarmlive_relay_streams %zu\n"
                  "# TYPE farmlive_relay_http_requests_total counter\nfarmlive_relay_http_requests_total "
                  "%llu\n"
                  "# TYPE farmlive_relay_flv_bytes_sent_total counter\nfarmlive_relay_flv_bytes_sent_total "
                  "%llu\n"
                  "# TYPE farmlive_relay_flv_viewers_total counter\nfarmlive_relay_flv_viewers_total %llu\n"
                  "# TYPE farmlive_relay_flv_viewers_dropped_total counter\n"
                  "farmlive_relay_flv_viewers_dropped_total %llu\n"
                  "# TYPE farmlive_relay_http_lent_connections gauge\nfarmlive_relay_http_lent_connections %d\n",
                  n, (unsigned long long)(atomic_load(&H.requests) + lent_requests), (unsigned long long)ws.bytes_sent,
                  (unsigned long long)ws.viewers_total, (unsigned long long)ws.viewers_dropped, lent_conns);
    rtmp_ingest_stats st;
    rtmp_ingest_get_stats(&st);
    static const char *const reasons[] = {"preauth_message_size", "preauth_held",   "preauth_commands",
                                          "preauth_per_address",  "preauth_budget", "codec"};
    const uint64_t refused[] = {st.preauth_msg_size, st.preauth_held,   st.preauth_commands,
                                st.preauth_per_ip,   st.preauth_budget, st.codec_refused};
    fl_buf_printf(&b, "# TYPE farmlive_relay_rtmp_refused_total counter\n");
    for (size_t k = 0; k < sizeof(reasons) / sizeof(reasons[0]); k++)
        fl_buf_printf(&b, "farmlive_relay_rtmp_refused_total{reason=\"%s\"} %llu\n", reasons[k],
                      (unsigned long long)refused[k]);
    fl_buf_printf(&b,
                  "# TYPE farmlive_relay_rtmp_early_media_total counter\n"
                  "farmlive_relay_rtmp_early_media_total{outcome=\"held\"} %llu\n"
                  "farmlive_relay_rtmp_early_media_total{outcome=\"dropped\"} %llu\n",
                  (unsigned long long)st.early_held, (unsigned long long)st.early_dropped);
    srt_ingest_stats ss;
    srt_ingest_get_stats(&ss);
    fl_buf_printf(&b,
                  "# TYPE farmlive_relay_srt_accepted_total counter\nfarmlive_relay_srt_accepted_total %llu\n"
                  "# TYPE farmlive_relay_srt_refused_total counter\n"
                  "farmlive_relay_srt_refused_total{reason=\"stream_id\"} %llu\n"
                  "farmlive_relay_srt_refused_total{reason=\"key\"} %llu\n"
                  "farmlive_relay_srt_refused_total{reason=\"shop_unavailable\"} %llu\n"
                  "farmlive_relay_srt_refused_total{reason=\"busy\"} %llu\n"
                  "farmlive_relay_srt_refused_total{reason=\"codec\"} %llu\n",
                  (unsigned long long)ss.accepted, (unsigned long long)ss.refused_streamid,
                  (unsigned long long)ss.refused_key, (unsigned long long)ss.refused_unavailable,
                  (unsigned long long)ss.refused_busy, (unsigned long long)ss.codec_refused);
    static const char *const heads[] = {
        "# TYPE farmlive_relay_stream_viewers gauge\n",
        "# TYPE farmlive_relay_stream_bitrate_kbps gauge\n",
        "# TYPE farmlive_relay_stream_fps gauge\n",
        "# TYPE farmlive_relay_stream_publishing gauge\n",
        "# TYPE farmlive_relay_stream_uptime_seconds gauge\n",
        "# TYPE farmlive_relay_stream_ingest_bytes_total counter\n",
        "# TYPE farmlive_relay_stream_hls_segments_total counter\n",
        "# TYPE farmlive_relay_stream_timestamps_corrected_total counter\n",
        "# TYPE farmlive_relay_stream_packets_dropped_total counter\n",
        "# TYPE farmlive_relay_stream_viewers_dropped_total counter\n",
        "# TYPE farmlive_relay_stream_gop_seconds gauge\n",
        "# TYPE farmlive_relay_stream_recording_stopped gauge\n",
        "# TYPE farmlive_relay_stream_srt_packets_total counter\n",
        "# TYPE farmlive_relay_stream_srt_rtt_ms gauge\n",
        "# TYPE farmlive_relay_stream_srt_recv_mbps gauge\n",
        "# TYPE farmlive_relay_stream_srt_latency_ms gauge\n",
        "# TYPE farmlive_relay_stream_rendition_frames_total counter\n",
        "# TYPE farmlive_relay_stream_rendition_cpu_seconds_total counter\n",
        "# TYPE farmlive_relay_stream_rendition_bitrate_kbps gauge\n",
    };
    for (size_t k = 0; k < sizeof(heads) / sizeof(heads[0]); k++) {
        fl_buf_printf(&b, "%s", heads[k]);
        for (size_t i = 0; i < n; i++) {
            const relay_stream_info *s = &in[i];
            const char *id = s->live_id; /* [A-Za-z0-9_-]: no escaping needed */
            switch (k) {
            case 0:
                fl_buf_printf(&b, "farmlive_relay_stream_viewers{live_id=\"%s\",output=\"flv\"} %d\n", id,
                              s->flv_viewers);
                fl_buf_printf(&b, "farmlive_relay_stream_viewers{live_id=\"%s\",output=\"hls\"} %.1f\n", id,
                              s->hls_viewers);
                break;
            case 1:
                fl_buf_printf(&b, "farmlive_relay_stream_bitrate_kbps{live_id=\"%s\"} %.1f\n", id, s->kbps);
                break;
            case 2:
                fl_buf_printf(&b, "farmlive_relay_stream_fps{live_id=\"%s\"} %.2f\n", id, s->fps);
                break;
            case 3:
                fl_buf_printf(&b, "farmlive_relay_stream_publishing{live_id=\"%s\"} %d\n", id, s->publishing);
                break;
            case 4:
                fl_buf_printf(&b, "farmlive_relay_stream_uptime_seconds{live_id=\"%s\"} %.0f\n", id, s->uptime_s);
                break;
            case 5:
                fl_buf_printf(&b, "farmlive_relay_stream_ingest_bytes_total{live_id=\"%s\"} %llu\n", id,
                              (unsigned long long)s->bytes_in);
                break;
            case 6:
                fl_buf_printf(&b, "farmlive_relay_stream_hls_segments_total{live_id=\"%s\"} %llu\n", id,
                              (unsigned long long)s->hls_segments);
                break;
            case 7:
                fl_buf_printf(
                    &b,
                    "farmlive_relay_stream_timestamps_corrected_total{live_id=\"%s\",kind=\"nudged\"} %llu\n"
                    "farmlive_relay_stream_timestamps_corrected_total{live_id=\"%s\",kind=\"rebased\"} %llu\n",
                    id, (unsigned long long)s->ts_nudged, id, (unsigned long long)s->ts_rebased);
                break;
            case 8:
                fl_buf_printf(&b,
                              "farmlive_relay_stream_packets_dropped_total{live_id=\"%s\",where=\"queue\"} %llu\n"
                              "farmlive_relay_stream_packets_dropped_total{live_id=\"%s\",where=\"hls\"} %llu\n"
                              "farmlive_relay_stream_packets_dropped_total{live_id=\"%s\",where=\"recording\"} %llu\n",
                              id, (unsigned long long)s->queue_dropped, id, (unsigned long long)s->hls_dropped, id,
                              (unsigned long long)s->record_dropped);
                break;
            case 9:
                fl_buf_printf(&b,
                              "farmlive_relay_stream_viewers_dropped_total{live_id=\"%s\",output=\"flv\","
                              "reason=\"could_not_keep_up\"} %llu\n",
                              id, (unsigned long long)s->flv_viewers_dropped);
                break;
            case 10:
                fl_buf_printf(&b, "farmlive_relay_stream_gop_seconds{live_id=\"%s\"} %.3f\n", id, s->gop_ms / 1000.0);
                break;
            case 11:
                fl_buf_printf(&b, "farmlive_relay_stream_recording_stopped{live_id=\"%s\"} %d\n", id,
                              s->recording == RELAY_REC_STATE_STOPPED);
                break;
            case 12:
            case 13:
            case 14:
            case 15:
                if (s->have_srt)
                    srt_metric(&b, k - 12, id, &s->srt);
                break;
            default:
                if (s->have_low)
                    rendition_metric(&b, k - 16, id, &s->low);
                break;
            }
        }
    }
    for (int k = 0; k < RESTREAM_METRIC_FAMILIES; k++) {
        fl_buf_printf(&b, "%s", restream_metric_type(k));
        for (size_t i = 0; i < n; i++)
            restream_metrics(&b, k, in[i].live_id, in[i].restream, (size_t)in[i].restream_n);
    }
    fl_free(in);
    relay_blob *blob = relay_blob_new(b.p, b.len);
    fl_buf_free(&b);
    return respond_blob(r->conn, MHD_HTTP_OK, blob, "text/plain; version=0.0.4", "no-cache");
}

static enum MHD_Result h_recordings(req *r)
{
    const char *id = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "live_id");
    if (id && !relay_live_id_valid(id))
        return error_response(r->conn, MHD_HTTP_BAD_REQUEST, "bad_live_id", "live_id: 1-64 of [A-Za-z0-9_-]");
    json_t *list = relay_recordings_list(H.cfg->var_dir, id);
    return respond_json(r->conn, MHD_HTTP_OK, json_pack("{s:o}", "recordings", list));
}

static enum MHD_Result h_recording_file(req *r)
{
    char path[1200];
    struct stat sb;
    const char *mime = NULL;
    const char *file = r->url + strlen("/recordings/");
    if (relay_recording_path(H.cfg->var_dir, file, path, sizeof(path), &mime) < 0)
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such recording");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such recording");
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    int playlist = strcmp(mime, "application/vnd.apple.mpegurl") == 0; /* grows while recording */
    return respond(r->conn, MHD_HTTP_OK, resp, mime, playlist ? "no-cache" : "public, max-age=86400, immutable");
}

/* -- the internal API (the shop) -------------------------------------------- */

/* The shared secret, as the shop's internal routes check it. 0 when it
 * matches; else the error was answered into *ret. */
static int internal_auth(req *r, enum MHD_Result *ret)
{
    const char *want = H.cfg->internal_secret;
    const char *got = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Internal-Secret");
    unsigned char a[crypto_hash_sha256_BYTES], b[crypto_hash_sha256_BYTES];
    if (!want[0]) {
        *ret = error_response(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                              "not configured: FARMLIVE_INTERNAL_SECRET is empty, the internal API is off");
        return -1;
    }
    if (!got || !got[0]) {
        *ret = error_response(r->conn, MHD_HTTP_UNAUTHORIZED, "unauthorized", "X-Internal-Secret is missing");
        return -1;
    }
    /* hashed first: the comparison takes the same time whatever the lengths */
    crypto_hash_sha256(a, (const unsigned char *)want, strlen(want));
    crypto_hash_sha256(b, (const unsigned char *)got, strlen(got));
    if (sodium_memcmp(a, b, sizeof(a)) != 0) {
        *ret = error_response(r->conn, MHD_HTTP_FORBIDDEN, "forbidden", "X-Internal-Secret does not match");
        return -1;
    }
    return 0;
}

/* The drop's answer: the session's recording as /api/recordings lists it. */
static enum MHD_Result drop_answer(struct MHD_Connection *c, const char *id, int was_live)
{
    json_t *list = relay_recordings_list(H.cfg->var_dir, id);
    json_t *rec = json_array_size(list) ? json_incref(json_array_get(list, 0)) : json_null();
    json_decref(list);
    return respond_json(c, MHD_HTTP_OK,
                        json_pack("{s:s, s:b, s:o}", "live_id", id, "dropped", was_live, "recording", rec));
}

static void drops_resume_locked(int all);

/* POST /internal/v1/streams/{live_id}/drop: the shop ended the session.
 * 200 {"live_id","dropped": whether it was live until now, "recording":
 * the session's recording as /api/recordings lists it, or null}. Idempotent:
 * a session already dropped, ended or never seen answers dropped false. */
static enum MHD_Result h_internal(req *r)
{
    static const char prefix[] = "/internal/v1/streams/", suffix[] = "/drop";
    char id[RELAY_LIVE_ID_MAX + 1];
    enum MHD_Result ret;
    const char *p = r->url + strlen(prefix);
    size_t n = strlen(p), sl = strlen(suffix);
    if (strncmp(r->url, prefix, strlen(prefix)) != 0 || n <= sl || n - sl > RELAY_LIVE_ID_MAX ||
        strcmp(p + n - sl, suffix) != 0)
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
    memcpy(id, p, n - sl);
    id[n - sl] = 0;
    if (!relay_live_id_valid(id))
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
    if (internal_auth(r, &ret) < 0)
        return ret;
    int was_live = 0;
    relay_stream *s = relay_hub_drop(H.hub, id, &was_live);
    if (!s || relay_stream_worker_done(s) || atomic_load(&H.stopping)) {
        relay_stream_release(s);
        return drop_answer(r->conn, id, was_live);
    }
    drop_wait *dw = fl_calloc(1, sizeof(*dw));
    dw->kind = CONN_DROP_WAIT;
    dw->conn = r->conn;
    dw->s = s;
    snprintf(dw->id, sizeof(dw->id), "%s", id);
    dw->was_live = was_live;
    dw->deadline = fl_mono_ms() + DROP_WAIT_MS;
    *r->con_cls = dw;
    MHD_suspend_connection(r->conn);
    atomic_fetch_add(&H.suspended, 1);
    pthread_mutex_lock(&H.wlock); /* the waits thread resumes it from here on */
    dw->next = H.drops;
    H.drops = dw;
    pthread_mutex_unlock(&H.wlock);
    return MHD_YES;
}

/* on_request again for a suspended drop: the recording is finalised (or
 * the deadline passed): answer. */
static enum MHD_Result drop_resumed(drop_wait *dw)
{
    atomic_fetch_sub(&H.suspended, 1);
    relay_stream_release(dw->s);
    dw->s = NULL;
    return drop_answer(dw->conn, dw->id, dw->was_live);
}

/* Resumes the drops whose worker is done, whose deadline passed, or all
 * (stopping). H.wlock held. */
static void drops_resume_locked(int all)
{
    int64_t now = fl_mono_ms();
    for (drop_wait **pd = &H.drops; *pd;) {
        drop_wait *dw = *pd;
        if (all || now >= dw->deadline || relay_stream_worker_done(dw->s)) {
            *pd = dw->next;
            MHD_resume_connection(dw->conn);
        } else {
            pd = &dw->next;
        }
    }
}

static void *waits_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&H.wlock);
    while (!atomic_load(&H.stopping)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&H.wcond, &H.wlock, &ts);
        drops_resume_locked(0);
    }
    pthread_mutex_unlock(&H.wlock);
    return NULL;
}

/* A connection lent to hls_conn.c (every /live/ request), back when it
 * lets go: MHD then closes it. */
static void lent_closed(void *arg)
{
    lent_conn *lc = arg;
    struct MHD_Connection *c = lc->conn;
    atomic_store(&lc->done, 1);
    MHD_resume_connection(c); /* lc may be freed from here on */
}

/* /live/{id}.flv or /live/{id}/{name}: the connection is lent to
 * hls_conn.c, which answers this request and the ones after it. */
static enum MHD_Result h_live(req *r)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const char *conn_hdr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONNECTION);
    int http11 = strcmp(r->version, MHD_HTTP_VERSION_1_1) == 0;
    hls_conn_first f = {
        .method = r->method,
        .path = r->url,
        .hls_msn = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "_HLS_msn"),
        .hls_part = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "_HLS_part"),
        .quality = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "quality"),
        .keep_alive =
            conn_hdr ? strcasestr(conn_hdr, "close") == NULL && (http11 || strcasestr(conn_hdr, "keep-alive")) : http11,
    };
    if (!ci || ci->connect_fd < 0)
        return error_response(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", "cannot serve this now");
    lent_conn *lc = fl_calloc(1, sizeof(*lc));
    lc->kind = CONN_LENT;
    lc->conn = r->conn;
    atomic_init(&lc->done, 0);
    *r->con_cls = lc;
    MHD_suspend_connection(r->conn);
    if (hls_conn_attach(ci->connect_fd, &f, lent_closed, lc) < 0) {
        atomic_store(&lc->done, 1); /* stopping: closed without an answer */
        MHD_resume_connection(r->conn);
    }
    return MHD_YES;
}

/* hls_conn.c hands MHD a request outside /live/: fd is a connection it
 * accepted (the request unread), or one end of a socket pair carrying a
 * later request of a connection it serves; a new connection for MHD. */
static int hand_back(int fd)
{
    struct sockaddr_storage a;
    socklen_t len = sizeof(a);
    if (getpeername(fd, (struct sockaddr *)&a, &len) < 0 || a.ss_family != AF_INET) {
        struct sockaddr_in lo = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        memcpy(&a, &lo, sizeof(lo));
        len = sizeof(lo);
    }
    return MHD_add_connection(H.daemon, fd, (struct sockaddr *)&a, len) == MHD_YES ? 0 : -1;
}

/* -- routing ---------------------------------------------------------------- */

enum match { EXACT, PREFIX };

/* *con_cls of a request past its headers; serve_flv replaces it. */
static char request_seen;

static const struct route {
    const char *path;
    enum match match;
    int post; /* POST only (the internal API); the others GET and HEAD */
    enum MHD_Result (*handler)(req *r);
} routes[] = {
    {"/live/", PREFIX, 0, h_live},
    {"/api/streams", EXACT, 0, h_streams},
    {"/api/recordings", EXACT, 0, h_recordings},
    {"/recordings/", PREFIX, 0, h_recording_file},
    {"/metrics", EXACT, 0, h_metrics},
    {"/healthz", EXACT, 0, h_healthz},
    {"/internal/v1/streams/", PREFIX, 1, h_internal},
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls;
    (void)upload_data;
    if (*con_cls == NULL) { /* headers only: answering now would cost keep-alive */
        *con_cls = &request_seen;
        return MHD_YES;
    }
    if (*con_cls != &request_seen && *(int *)*con_cls == CONN_DROP_WAIT)
        return drop_resumed(*con_cls);
    if (*con_cls != &request_seen) { /* a lent connection back from hls_conn.c */
        lent_conn *lc = *con_cls;
        return atomic_load(&lc->done) ? MHD_NO : MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* no route takes a body */
        return MHD_YES;
    }
    atomic_fetch_add_explicit(&H.requests, 1, memory_order_relaxed);
    req r = {conn, url, method, version, con_cls};
    if (strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (resp) {
            MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
            MHD_add_response_header(resp, "Access-Control-Allow-Headers", "*");
            MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
        }
        return respond(conn, MHD_HTTP_NO_CONTENT, resp, NULL, NULL);
    }
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const struct route *rt = &routes[i];
        size_t n = strlen(rt->path);
        if (!(rt->match == EXACT ? strcmp(url, rt->path) == 0 : strncmp(url, rt->path, n) == 0))
            continue;
        if (rt->post ? !post : !get)
            return error_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                  rt->post ? "POST only" : "GET, HEAD, OPTIONS only");
        return rt->handler(&r);
    }
    return error_response(conn, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    if (*con_cls && *con_cls != &request_seen && *(int *)*con_cls == CONN_DROP_WAIT) {
        drop_wait *dw = *con_cls; /* resumed and off H.drops */
        relay_stream_release(dw->s);
        fl_free(dw);
    } else if (*con_cls != &request_seen) {
        fl_free(*con_cls); /* lent_conn: hls_conn.c let go of it or never took it */
    }
    *con_cls = NULL;
}

int relay_http_start(relay_hub *hub, const fl_config *cfg)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->relay_http_port)};
    H.hub = hub;
    H.cfg = cfg;
    if (inet_pton(AF_INET, cfg->relay_host, &addr.sin_addr) != 1) {
        fl_log(FL_LOG_ERROR, "relay_http", "FARMLIVE_RELAY_HOST %s is not an IPv4 address", cfg->relay_host);
        return -1;
    }
    if (sodium_init() < 0) {
        fl_log(FL_LOG_ERROR, "relay_http", "libsodium does not start");
        return -1;
    }
    int one = 1;
    H.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* TCP_NODELAY: every accepted connection inherits it (one packet an answer) */
    if (H.lfd < 0 || setsockopt(H.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(H.lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
        bind(H.lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(H.lfd, 4096) < 0) {
        fl_log(FL_LOG_ERROR, "relay_http", "cannot listen on %s:%d: %s", cfg->relay_host, cfg->relay_http_port,
               strerror(errno));
        relay_http_stop();
        return -1;
    }
    if (flv_writer_start() < 0) {
        relay_http_stop();
        return -1;
    }
    atomic_store(&H.stopping, 0);
    if (pthread_create(&H.wthread, NULL, waits_thread, NULL) != 0) {
        relay_http_stop();
        return -1;
    }
    H.wthread_on = 1;
    /* one MHD thread, no listening socket: connections come from hls_conn.c */
    H.daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO |
                                    MHD_USE_NO_LISTEN_SOCKET,
                                0, NULL, NULL, on_request, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30, MHD_OPTION_CONNECTION_LIMIT,
                                (unsigned int)20000, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_POOL_BYTES,
                                MHD_OPTION_END);
    if (!H.daemon || hls_conn_start(hub, H.lfd, hand_back) < 0) {
        fl_log(FL_LOG_ERROR, "relay_http", "cannot serve on %s:%d", cfg->relay_host, cfg->relay_http_port);
        relay_http_stop();
        return -1;
    }
    fl_log(FL_LOG_INFO, "relay_http", "listening on %s:%d", cfg->relay_host, cfg->relay_http_port);
    return 0;
}

void relay_http_stop(void)
{
    flv_writer_stop(); /* resumes every HTTP-FLV connection */
    hls_conn_stop();   /* and every lent one; no new connection from here on */
    if (H.lfd >= 0) {
        close(H.lfd);
        H.lfd = -1;
    }
    pthread_mutex_lock(&H.wlock);
    atomic_store(&H.stopping, 1); /* and every drop: no new one from here on */
    pthread_cond_signal(&H.wcond);
    drops_resume_locked(1);
    pthread_mutex_unlock(&H.wlock);
    if (H.wthread_on) {
        pthread_join(H.wthread, NULL);
        H.wthread_on = 0;
    }
    /* MHD must not stop with a suspended connection: wait (bounded) until
     * every drop is answered */
    for (int i = 0; i < 2000 && H.daemon && atomic_load(&H.suspended) > 0; i++)
        usleep(1000);
    if (H.daemon) {
        MHD_stop_daemon(H.daemon);
        H.daemon = NULL;
    }
}
