/* http.c - the relay's HTTP server (libmicrohttpd, epoll, thread pool).
 *
 *   request -> on_request -> CORS preflight? -> routes[] (method, path,
 *   match) -> handler -> one response helper (blob / json / error / file)
 *
 * Every response goes through respond(), which adds
 * Access-Control-Allow-Origin: *; errors are {"error":{"code","message"}}
 * from error_response(), the one place statuses meet codes.
 *
 * HTTP-FLV: serve_flv() suspends the MHD connection and lends its socket
 * to the flv writer thread (flv_fanout.c), which writes the response
 * itself. When the writer lets go (viewer gone or dropped, stream ended,
 * shutdown) it shuts the socket down and calls flv_closed(), which resumes
 * the connection; MHD calls on_request again, which answers MHD_NO so MHD
 * closes it. Suspended connections are not subject to MHD's timeout.
 *
 * Variants: /live/{id}/master.m3u8 lists the source (index.m3u8) and, when
 * the stream has a low rendition with a picture out, low/index.m3u8; the
 * low variant's files are under /live/{id}/low/ (the same names as the
 * source's), its HTTP-FLV is /live/{id}.flv?quality=low. The source's own
 * URLs are unchanged.
 *
 * LL-HLS blocking requests (index.m3u8?_HLS_msn=N[&_HLS_part=M], and the
 * part named by EXT-X-PRELOAD-HINT before it is complete): serve_hls()
 * suspends the connection, lists an hls_wait in H.waits and arms its
 * hls_waiter in the stream's store. Exactly one party resumes it: the
 * store's media worker when the part is published (hls_woken), the
 * waits thread at the deadline (3 target durations) if hls_store_cancel
 * says it disarmed it first, relay_http_stop likewise, or serve_hls itself
 * when the store answered at once. MHD then calls on_request again, which
 * answers (the playlist / part, or 503 once the deadline passed) without
 * blocking a worker thread.
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
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
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
#include "farmlive/relay_http.h"
#include "farmlive/relay_hub.h"
#include "farmlive/relay_record.h"
#include "farmlive/relay_rtmp.h"
#include "farmlive/relay_srt.h"

#define HTTP_THREADS 2
#define METRICS_TEXT_MAX (4 * 1024 * 1024)
/* Each connection's MHD pool (request line, headers, the response header).
 * MHD zeroes it at every request of a keep-alive connection: its default
 * (32 KiB) cost HLS players a page-faulting memset a request. */
#define CONN_POOL_BYTES (8 * 1024)
#define DROP_WAIT_MS 5000 /* a drop waits this long at most for the recording to be finalised */

/* What *con_cls points to past the headers: the first member says which. */
enum conn_kind { CONN_FLV = 1, CONN_HLS_WAIT, CONN_DROP_WAIT };

typedef struct flv_conn {
    int kind; /* CONN_FLV */
    struct MHD_Connection *conn;
    atomic_int done;
} flv_conn;

/* A suspended LL-HLS request. */
typedef struct hls_wait {
    int kind; /* CONN_HLS_WAIT */
    hls_waiter w;
    struct MHD_Connection *conn;
    relay_stream *s; /* a reference: keeps the store alive */
    hls_store *st;   /* the source's or the low rendition's */
    char name[64];   /* "index.m3u8" or a part */
    int64_t msn;
    int part;
    int64_t deadline; /* monotonic ms */
    int listed;       /* in H.waits */
    struct hls_wait *prev, *next;
} hls_wait;

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
    /* suspended LL-HLS requests, and the thread ending them at deadlines */
    pthread_mutex_t wlock;
    pthread_cond_t wcond;
    hls_wait *waits;
    drop_wait *drops; /* suspended drops, under wlock too */
    pthread_t wthread;
    int wthread_on;
    atomic_int stopping;  /* relay_http_stop began: no new waits */
    atomic_int suspended; /* LL-HLS requests and drops suspended, not yet back in on_request */
} H = {.wlock = PTHREAD_MUTEX_INITIALIZER, .wcond = PTHREAD_COND_INITIALIZER};

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
                  "farmlive_relay_flv_viewers_dropped_total %llu\n",
                  n, (unsigned long long)atomic_load(&H.requests), (unsigned long long)ws.bytes_sent,
                  (unsigned long long)ws.viewers_total, (unsigned long long)ws.viewers_dropped);
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

static void flv_closed(void *arg)
{
    flv_conn *fc = arg;
    struct MHD_Connection *c = fc->conn;
    atomic_store(&fc->done, 1);
    MHD_resume_connection(c); /* fc may be freed from here on */
}

static enum MHD_Result serve_flv(req *r, const char *live_id)
{
    if (strcmp(r->method, MHD_HTTP_METHOD_GET) != 0)
        return error_response(r->conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", "GET only");
    const char *quality = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "quality");
    int low = quality && strcmp(quality, "low") == 0;
    if (quality && !low && strcmp(quality, "source") != 0)
        return error_response(r->conn, MHD_HTTP_BAD_REQUEST, "bad_request", "quality: source or low");
    relay_stream *s = relay_hub_get(H.hub, live_id);
    if (!s)
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_live", "no such live stream");
    flv_out *out = relay_stream_flv(s);
    if (low) {
        relay_rendition *rend = relay_stream_low(s);
        if (!rend) {
            relay_stream_release(s);
            return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "this stream has no low rendition");
        }
        out = relay_rendition_flv(rend);
    }
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci ? ci->connect_fd : -1;
    if (fd < 0) {
        relay_stream_release(s);
        return error_response(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", "cannot serve HTTP-FLV now");
    }
    flv_conn *fc = fl_calloc(1, sizeof(*fc));
    fc->kind = CONN_FLV;
    fc->conn = r->conn;
    atomic_init(&fc->done, 0);
    *r->con_cls = fc;
    MHD_suspend_connection(r->conn);
    if (flv_writer_attach(out, fd, flv_closed, fc) < 0) {
        atomic_store(&fc->done, 1);
        MHD_resume_connection(r->conn);
    }
    relay_stream_release(s);
    return MHD_YES;
}

/* -- LL-HLS ----------------------------------------------------------------- */

/* One HLS answer from a store result; takes b. */
static enum MHD_Result hls_respond(struct MHD_Connection *c, int rc, relay_blob *b, const char *mime, int playlist)
{
    switch (rc) {
    case HLS_READY:
        return respond_blob(c, MHD_HTTP_OK, b, mime, playlist ? "no-cache" : "public, max-age=86400, immutable");
    case HLS_TOO_FAR:
        return error_response(c, MHD_HTTP_BAD_REQUEST, "bad_request",
                              "_HLS_msn / _HLS_part too far ahead of the playlist");
    case HLS_WAIT:
        return error_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                              "not published within 3 target durations");
    default:
        return error_response(c, MHD_HTTP_NOT_FOUND, playlist ? "not_ready" : "not_found",
                              playlist ? "no segment yet" : "no such segment");
    }
}

static void waits_add(hls_wait *hw)
{
    pthread_mutex_lock(&H.wlock);
    hw->prev = NULL;
    hw->next = H.waits;
    if (H.waits)
        H.waits->prev = hw;
    H.waits = hw;
    hw->listed = 1;
    pthread_mutex_unlock(&H.wlock);
}

static void waits_remove(hls_wait *hw)
{
    pthread_mutex_lock(&H.wlock);
    if (hw->listed) {
        if (hw->prev)
            hw->prev->next = hw->next;
        else
            H.waits = hw->next;
        if (hw->next)
            hw->next->prev = hw->prev;
        hw->listed = 0;
    }
    pthread_mutex_unlock(&H.wlock);
}

/* The store's wake: the awaited part is out (media worker thread). */
static void hls_woken(hls_waiter *w)
{
    hls_wait *hw = (hls_wait *)((char *)w - offsetof(hls_wait, w));
    MHD_resume_connection(hw->conn);
}

/* Resumes, at their deadline (or all when stopping), the waits the store
 * has not woken. H.wlock held. */
static void waits_expire_locked(int all)
{
    int64_t now = fl_mono_ms();
    for (hls_wait *hw = H.waits; hw; hw = hw->next)
        if ((all || now >= hw->deadline) && hls_store_cancel(hw->st, &hw->w))
            MHD_resume_connection(hw->conn);
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
        waits_expire_locked(0);
        drops_resume_locked(0);
    }
    pthread_mutex_unlock(&H.wlock);
    return NULL;
}

/* on_request again for a suspended LL-HLS request: answer now. The store
 * woke it only once the answer was there, so still waiting means the
 * deadline passed or the server stops: 503. */
static enum MHD_Result hls_resumed(hls_wait *hw)
{
    relay_blob *b = NULL;
    const char *mime = NULL;
    atomic_fetch_sub(&H.suspended, 1);
    waits_remove(hw);
    hls_store_cancel(hw->st, &hw->w);
    int rc = hls_store_request(hw->st, hw->name, hw->msn, hw->part, NULL, &b, &mime);
    return hls_respond(hw->conn, rc, b, mime, strcmp(hw->name, "index.m3u8") == 0);
}

/* Parses _HLS_msn / _HLS_part (RFC 8216bis 6.2.5.2). 0, or -1: malformed. */
static int hls_query(struct MHD_Connection *c, int64_t *msn, int *part)
{
    const char *m = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "_HLS_msn");
    const char *p = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "_HLS_part");
    *msn = -1;
    *part = -1;
    if (!m)
        return p ? -1 : 0;
    char *end;
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

/* index.m3u8 (maybe a blocking reload), init segments, segments, parts
 * (the preload-hinted one blocks) of st, s's or its rendition's store.
 * Takes the reference s. */
static enum MHD_Result serve_hls(req *r, relay_stream *s, hls_store *st, const char *name)
{
    relay_blob *b = NULL;
    const char *mime = NULL;
    int64_t msn = -1;
    int part = -1;
    int playlist = strcmp(name, "index.m3u8") == 0;
    enum MHD_Result ret;
    if (playlist && hls_query(r->conn, &msn, &part) < 0) {
        ret = error_response(r->conn, MHD_HTTP_BAD_REQUEST, "bad_request",
                             "_HLS_msn: a number; _HLS_part: a number, with _HLS_msn");
        goto out_release;
    }
    int rc = hls_store_request(st, name, msn, part, NULL, &b, &mime);
    if (rc != HLS_WAIT || strlen(name) >= sizeof(((hls_wait *)0)->name)) {
        ret = hls_respond(r->conn, rc, b, mime, playlist);
        goto out_release;
    }
    hls_wait *hw = fl_calloc(1, sizeof(*hw));
    hw->kind = CONN_HLS_WAIT;
    hw->w.wake = hls_woken;
    hw->conn = r->conn;
    hw->s = s; /* released by on_completed */
    hw->st = st;
    snprintf(hw->name, sizeof(hw->name), "%s", name);
    hw->msn = msn;
    hw->part = part;
    hw->deadline = fl_mono_ms() + hls_store_block_ms(st);
    *r->con_cls = hw;
    MHD_suspend_connection(r->conn);
    atomic_fetch_add(&H.suspended, 1);
    waits_add(hw);
    if (atomic_load(&H.stopping) || hls_store_request(st, name, msn, part, &hw->w, &b, &mime) != HLS_WAIT) {
        relay_blob_unref(b); /* answered again once resumed */
        MHD_resume_connection(r->conn);
    } else if (atomic_load(&H.stopping) && hls_store_cancel(st, &hw->w)) {
        MHD_resume_connection(r->conn); /* armed after relay_http_stop's sweep */
    }
    return MHD_YES;
out_release:
    relay_stream_release(s);
    return ret;
}

/* master.m3u8: the source, then the low rendition once it has a picture
 * (relay_hls_master_write). Takes the reference s. */
static enum MHD_Result serve_master(req *r, relay_stream *s)
{
    relay_stream_info in;
    char src_codecs[80], low_codecs[80];
    relay_stream_get_info(s, &in);
    relay_stream_release(s);
    if (!in.vcodec[0] && !in.acodec[0])
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_ready", "no codecs known yet");
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
    return respond_blob(r->conn, MHD_HTTP_OK, blob, "application/vnd.apple.mpegurl", "no-cache");
}

/* name: thumb.jpg, master.m3u8, a source HLS file, or low/ and a low one. */
static enum MHD_Result serve_live_file(req *r, const char *live_id, const char *name)
{
    relay_stream *s = relay_hub_get(H.hub, live_id);
    if (!s)
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_live", "no such live stream");
    if (strcmp(name, "master.m3u8") == 0)
        return serve_master(r, s);
    if (strncmp(name, "low/", 4) == 0) {
        relay_rendition *low = relay_stream_low(s);
        if (!low || !name[4] || strchr(name + 4, '/')) {
            relay_stream_release(s);
            return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "this stream has no low rendition");
        }
        return serve_hls(r, s, relay_rendition_hls(low), name + 4);
    }
    if (strcmp(name, "thumb.jpg") != 0)
        return serve_hls(r, s, relay_stream_hls(s), name);
    relay_blob *b = relay_stream_thumb(s);
    enum MHD_Result ret = b ? respond_blob(r->conn, MHD_HTTP_OK, b, "image/jpeg", "no-cache")
                            : error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_ready", "no thumbnail yet");
    relay_stream_release(s);
    return ret;
}

/* /live/{id}.flv or /live/{id}/{name} */
static enum MHD_Result h_live(req *r)
{
    char id[RELAY_LIVE_ID_MAX + 1];
    const char *p = r->url + strlen("/live/");
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    int flv = !slash && n > 4 && strcmp(p + n - 4, ".flv") == 0;
    if (flv)
        n -= 4;
    if (n == 0 || n > RELAY_LIVE_ID_MAX || (!flv && !slash))
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
    memcpy(id, p, n);
    id[n] = 0;
    if (!relay_live_id_valid(id))
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
    if (flv)
        return serve_flv(r, id);
    const char *name = slash + 1;
    if (!name[0] || (strchr(name, '/') && strncmp(name, "low/", 4) != 0))
        return error_response(r->conn, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
    return serve_live_file(r, id, name);
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
    (void)version;
    (void)upload_data;
    if (*con_cls == NULL) { /* headers only: answering now would cost keep-alive */
        *con_cls = &request_seen;
        return MHD_YES;
    }
    if (*con_cls != &request_seen && *(int *)*con_cls == CONN_HLS_WAIT)
        return hls_resumed(*con_cls);
    if (*con_cls != &request_seen && *(int *)*con_cls == CONN_DROP_WAIT)
        return drop_resumed(*con_cls);
    if (*con_cls != &request_seen) { /* an HTTP-FLV connection back from the writer */
        flv_conn *fc = *con_cls;
        return atomic_load(&fc->done) ? MHD_NO : MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* no route takes a body */
        return MHD_YES;
    }
    atomic_fetch_add_explicit(&H.requests, 1, memory_order_relaxed);
    req r = {conn, url, method, con_cls};
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
    if (*con_cls && *con_cls != &request_seen && *(int *)*con_cls == CONN_HLS_WAIT) {
        hls_wait *hw = *con_cls; /* resumed: nobody else holds it */
        waits_remove(hw);
        hls_store_cancel(hw->st, &hw->w);
        relay_stream_release(hw->s);
        fl_free(hw);
    } else if (*con_cls && *con_cls != &request_seen && *(int *)*con_cls == CONN_DROP_WAIT) {
        drop_wait *dw = *con_cls; /* resumed and off H.drops */
        relay_stream_release(dw->s);
        fl_free(dw);
    } else if (*con_cls != &request_seen) {
        fl_free(*con_cls); /* flv_conn: the writer let go of it or never took it */
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
    if (flv_writer_start() < 0)
        return -1;
    atomic_store(&H.stopping, 0);
    if (pthread_create(&H.wthread, NULL, waits_thread, NULL) != 0) {
        flv_writer_stop();
        return -1;
    }
    H.wthread_on = 1;
    H.daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO,
                                (uint16_t)cfg->relay_http_port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
                                (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)HTTP_THREADS,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                                (unsigned int)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)20000,
                                MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)4096, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                (size_t)CONN_POOL_BYTES, MHD_OPTION_END);
    if (!H.daemon) {
        fl_log(FL_LOG_ERROR, "relay_http", "cannot listen on %s:%d", cfg->relay_host, cfg->relay_http_port);
        relay_http_stop();
        return -1;
    }
    fl_log(FL_LOG_INFO, "relay_http", "listening on %s:%d", cfg->relay_host, cfg->relay_http_port);
    return 0;
}

void relay_http_stop(void)
{
    flv_writer_stop(); /* resumes every HTTP-FLV connection */
    pthread_mutex_lock(&H.wlock);
    atomic_store(&H.stopping, 1); /* and every LL-HLS one: no new wait from here on */
    pthread_cond_signal(&H.wcond);
    waits_expire_locked(1);
    drops_resume_locked(1);
    pthread_mutex_unlock(&H.wlock);
    if (H.wthread_on) {
        pthread_join(H.wthread, NULL);
        H.wthread_on = 0;
    }
    /* MHD must not stop with a suspended connection, nor a media worker
     * resume one after: wait (bounded) until every wait is answered, the
     * ones a worker is waking right now included */
    for (int i = 0; i < 2000 && H.daemon && atomic_load(&H.suspended) > 0; i++)
        usleep(1000);
    if (H.daemon) {
        MHD_stop_daemon(H.daemon);
        H.daemon = NULL;
    }
}
