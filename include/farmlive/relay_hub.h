/* relay_hub.h - the outputs' side of the hub: what HTTP threads and the
 * hub itself use beyond relay_stream.h (the ingest seam).
 *
 * A relay_stream is refcounted: the hub holds one reference while the
 * stream is live; relay_hub_get() hands out more, dropped with
 * relay_stream_release(). The outputs reachable from a stream (flv_out,
 * hls_store, thumbnail) stay valid while a reference is held. */
#ifndef FARMLIVE_RELAY_HUB_H
#define FARMLIVE_RELAY_HUB_H

#include <stdint.h>

#include "farmlive/relay_flv.h"
#include "farmlive/relay_hls.h"
#include "farmlive/relay_media.h"
#include "farmlive/relay_restream.h"
#include "farmlive/relay_rendition.h"
#include "farmlive/relay_stream.h"

#define RELAY_LIVE_ID_MAX 64

/* The session's recording: not started yet, on, stopped (a write failed). */
enum { RELAY_REC_STATE_OFF, RELAY_REC_STATE_ON, RELAY_REC_STATE_STOPPED };

typedef struct relay_stream_info {
    char live_id[RELAY_LIVE_ID_MAX + 1];
    char vcodec[32], acodec[32]; /* "avc1.64001f", "mp4a.40.2"; "" unknown */
    int width, height;
    int sample_rate, channels;
    double kbps, fps; /* over the last 5 s */
    int publishing;   /* a publisher is connected */
    int epoch;        /* publishes so far (takeovers + 1) */
    int flv_viewers;
    double hls_viewers; /* playlist fetches per second, ~viewers */
    double uptime_s;
    uint64_t bytes_in, video_frames, audio_frames, hls_segments;
    /* robustness: timestamps the normalizer corrected (nudged by 1 ms /
     * rebased after a jump), frames the media worker's queue dropped, and
     * packets each output refused (dropped alone, the output going on) */
    uint64_t ts_nudged, ts_rebased, queue_dropped, hls_dropped, record_dropped;
    uint64_t flv_viewers_dropped; /* could not keep up */
    int recording;                /* RELAY_REC_STATE_* */
    int gop_ms;                   /* between the last two video keyframes; 0 unknown */
    int have_srt;                 /* the publisher is an SRT one: */
    relay_srt_stats srt;          /* its connection's statistics */
    int restream_n;               /* the platforms it is forwarded to */
    restream_info restream[RESTREAM_TARGETS_MAX];
    int have_low;             /* the stream has a low rendition: */
    relay_rendition_info low; /* its figures */
} relay_stream_info;

/* -- hub.c ---------------------------------------------------------------- */

/* A live stream, with a reference; NULL when none. Any thread. */
relay_stream *relay_hub_get(relay_hub *hub, const char *live_id);
/* The session ends now, asked by the shop (POST /internal/v1/streams/{id}/
 * drop): out of the live list, its viewers closed, its publisher marked to
 * be closed by ingest, the worker finalising the recording. Returns the
 * stream with a reference (the caller may wait for relay_stream_worker_done
 * and must release it) and *was_live 1; a stream dropped or ended earlier
 * and still finalising: with a reference, *was_live 0; none: NULL.
 * Idempotent. Any thread. */
relay_stream *relay_hub_drop(relay_hub *hub, const char *live_id, int *was_live);
/* Infos of every live stream into a fl_malloc'd array (caller frees). */
size_t relay_hub_list(relay_hub *hub, relay_stream_info **out);
const fl_config *relay_hub_config(const relay_hub *hub);

/* -- stream.c ------------------------------------------------------------- */

relay_stream *relay_stream_new(const fl_config *cfg, const char *live_id); /* refs = 1, worker running */
relay_stream *relay_stream_ref(relay_stream *s);
void relay_stream_release(relay_stream *s); /* NULL-safe; frees at 0 */
/* A new publisher took s over (hub lock held, ingest thread). */
void relay_stream_new_epoch(relay_stream *s);
/* The session is over: viewers drain and close, the worker finalises the
 * recording and exits. relay_stream_join() then waits for it. */
void relay_stream_end(relay_stream *s);
/* Marks s dropped (see relay_stream_dropped); the hub ends it. */
void relay_stream_mark_dropped(relay_stream *s);
int relay_stream_worker_done(relay_stream *s);
void relay_stream_join(relay_stream *s);
/* Once a second from the hub tick: refreshes rate estimates. */
void relay_stream_tick(relay_stream *s);
/* Publish bookkeeping (hub lock held): one publisher at a time (a takeover
 * replaces it); when it leaves at now_s, the grace period starts; expired
 * once it ran out. */
void relay_stream_publisher_add(relay_stream *s);
void relay_stream_publisher_remove(relay_stream *s, int64_t now_s);
int relay_stream_expired(const relay_stream *s, int64_t now_s, int grace_s);
int relay_stream_publishing(const relay_stream *s);
/* The current publisher's generation (publishes so far); any thread. */
uint64_t relay_stream_publisher_gen(relay_stream *s);

const char *relay_stream_id(const relay_stream *s);
void relay_stream_get_info(relay_stream *s, relay_stream_info *info);
flv_out *relay_stream_flv(relay_stream *s);
hls_store *relay_stream_hls(relay_stream *s);
/* The low rendition, valid while a reference to s is held; NULL: none. */
relay_rendition *relay_stream_low(relay_stream *s);
/* The latest thumbnail, with a reference, or NULL. */
relay_blob *relay_stream_thumb(relay_stream *s);

#endif
