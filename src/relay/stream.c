/* stream.c - one live stream: the ingest-facing calls, timestamps across
 * takeovers, statistics, and the media worker feeding HLS, the recording
 * and thumbnails.
 *
 *   ingest thread                                   media worker thread
 *   relay_stream_video/audio                        (one per stream)
 *     check, normalize ts -> relay_tag (once)
 *     -> flv_out_push (HTTP-FLV, O(1))
 *     -> work queue (bounded) -----------------> seq headers: params
 *                                                keyframe: open hls_mux if
 *   relay_stream_new_epoch -> EPOCH item ------>   closed; thumb when due
 *   relay_stream_end       -> END item -------->  frames: AVPacket (no copy)
 *                                                  -> hls_mux (per epoch),
 *                                                     relay_rec (per session)
 *
 * HLS has a muxer per epoch (a takeover or new codecs: a discontinuity);
 * the recording is one for the whole session (record.c starts a new init
 * segment itself when the codecs change) and ends with the stream.
 *
 * Frames go to the muxers as soon as they arrive, each with the duration
 * of its track's last timestamp step (exact at a constant frame rate; the
 * muxers only use it for the last sample of a fragment, the next fragment
 * starts at its own timestamp). Holding a frame until the next one tells
 * its duration would hold the keyframe that closes an HLS segment for one
 * frame interval, delaying every segment's publication by as much.
 *
 * Timestamps: one normalizer per stream (tsnorm.c), before the tag is
 * made, so HTTP-FLV, HLS and the recording all see the same clean times:
 * per track strictly increasing from 0 across every epoch (one publisher's
 * session; a reconnect carries on 100 ms after the last tag), whatever the
 * publisher sends. Corrections are counted and logged, rate-limited.
 *
 * Outputs never stop for one packet: a packet a muxer still refuses is
 * dropped, counted (hls_dropped / record_dropped) and logged, rate-limited.
 *
 * Queue overflow (the worker cannot keep up, e.g. the disk stalls): frames
 * are dropped until the next video keyframe, control items never are.
 *
 * The low rendition (rendition.c), when the configured mode wants one for
 * the source's picture: made at the first such video sequence header (with
 * the audio one seen before it), then fed every tag after HTTP-FLV's push;
 * it follows the stream's epochs and ends with it. Off: no object at all. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"
#include "farmlive/relay_hub.h"
#include "farmlive/relay_record.h"
#include "farmlive/relay_rendition.h"
#include "farmlive/relay_thumb.h"
#include "farmlive/relay_tsnorm.h"

#define WORK_MAX 2048 /* media tags queued */
#define WORK_SLACK 64 /* room for control items and seq headers */
#define WORK_MAX_BYTES (32u << 20)
/* Audio frames of a stream with video are queued without waking the worker
 * (a futex wake and a context switch per frame were ~40 % of the relay's
 * CPU with 100 publishers): it takes them with the next video frame, 40 ms
 * later at 25 fps, or once this many items wait unwoken (audio alone after
 * a video header). */
#define WAKE_EVERY 4
#define RATE_BUCKETS 8
#define RATE_WINDOW 5
#define HITS_WINDOW 10
#define LOG_EVERY_MS 10000 /* repeated warnings of one kind: at most one line per this */
#define AUDIO_ONLY_MS 2000 /* audio without a video header this long: HLS audio only */

enum work_kind { WORK_TAG, WORK_EPOCH, WORK_END };

typedef struct work_item {
    enum work_kind kind;
    relay_tag *tag;
} work_item;

/* A warning that may repeat at every packet: the first one, then one line
 * per LOG_EVERY_MS saying how many were not logged. */
typedef struct rate_log {
    int64_t last_ms;
    uint64_t silenced;
} rate_log;

/* 1 when a line may go out now; *silenced then says how many did not. */
static int rate_log_ok(rate_log *r, uint64_t *silenced)
{
    int64_t now = fl_mono_ms();
    if (r->last_ms && now - r->last_ms < LOG_EVERY_MS) {
        r->silenced++;
        return 0;
    }
    *silenced = r->silenced;
    r->silenced = 0;
    r->last_ms = now;
    return 1;
}

typedef struct rate_bucket {
    int64_t sec;
    uint64_t bytes, vframes;
} rate_bucket;

struct relay_stream {
    atomic_int refs;
    const fl_config *cfg;
    char live_id[RELAY_LIVE_ID_MAX + 1];
    flv_out *flv;
    hls_store *hls;

    /* hub lock */
    int publishers;
    atomic_uint_fast64_t pub_gen; /* publishes so far: the current publisher's generation */
    int64_t unpublished_at;

    /* ingest thread only */
    relay_tsnorm ts;
    relay_tag *audio_seq; /* the last audio sequence header, for a rendition made after it */
    rate_log ts_log;
    int dropping; /* queue overflowed: wait for a keyframe */

    /* lock: statistics, thumbnail */
    pthread_mutex_t lock;
    relay_blob *thumb;
    int epoch;
    relay_avc_config avc;
    relay_aac_config aac;
    int have_avc, have_aac;
    uint64_t bytes_in, vframes, aframes;
    uint64_t ts_nudged, ts_rebased, queue_dropped;
    int64_t last_key_ts; /* -1 none */
    int gop_ms;
    int have_srt;         /* the publisher is an SRT one: srt holds its statistics */
    relay_rendition *low; /* set once (ingest thread), freed with the stream; NULL: none */
    int ended;            /* relay_stream_end: no rendition is made any more */
    relay_srt_stats srt;
    rate_bucket rate[RATE_BUCKETS];
    int64_t started_ms;
    uint64_t hits[HITS_WINDOW];
    int hits_pos, hits_filled;
    double hls_viewers;

    /* work queue: qlock */
    pthread_mutex_t qlock;
    pthread_cond_t qcond;
    work_item q[WORK_MAX + WORK_SLACK];
    int unwoken; /* items queued since the worker was last signalled */
    size_t qhead, qlen, qbytes;
    pthread_t worker;
    int worker_started;
    atomic_int worker_done;
    atomic_uint_fast64_t hls_dropped, rec_dropped; /* written by the worker */
    atomic_int rec_state;                          /* RELAY_REC_STATE_*, likewise */
    atomic_int dropped;                            /* relay_hub_drop: the shop ended the session */
    atomic_int low_mode;    /* FL_LOW_RENDITION_* from the publish answer; -1: cfg's (relay_stream_rendition) */
    restream_set *restream; /* forwarded to other platforms (restream.c) */
};

/* -- the work queue ------------------------------------------------------ */

/* 0 queued, -1 dropped (full). Control items and sequence headers may use
 * the slack. Takes a reference to tag. wake 0: the worker is left asleep
 * (it takes the item with the next one it is woken for, or once
 * WAKE_EVERY items wait). */
static int queue_push(relay_stream *s, enum work_kind kind, relay_tag *tag, int essential, int wake)
{
    int ret = 0;
    pthread_mutex_lock(&s->qlock);
    size_t bytes = tag ? tag->size : 0;
    size_t limit = essential ? WORK_MAX + WORK_SLACK : WORK_MAX;
    if (s->qlen >= limit || (!essential && s->qbytes + bytes > WORK_MAX_BYTES)) {
        ret = -1;
    } else {
        work_item *it = &s->q[(s->qhead + s->qlen) % (WORK_MAX + WORK_SLACK)];
        it->kind = kind;
        it->tag = tag ? relay_tag_ref(tag) : NULL;
        s->qlen++;
        s->qbytes += bytes;
        if (wake || ++s->unwoken >= WAKE_EVERY) {
            s->unwoken = 0;
            pthread_cond_signal(&s->qcond);
        }
    }
    pthread_mutex_unlock(&s->qlock);
    return ret;
}

static work_item queue_pop(relay_stream *s)
{
    pthread_mutex_lock(&s->qlock);
    while (s->qlen == 0)
        pthread_cond_wait(&s->qcond, &s->qlock);
    work_item it = s->q[s->qhead];
    s->qhead = (s->qhead + 1) % (WORK_MAX + WORK_SLACK);
    s->qlen--;
    s->qbytes -= it.tag ? it.tag->size : 0;
    pthread_mutex_unlock(&s->qlock);
    return it;
}

/* -- the media worker ---------------------------------------------------- */

typedef struct worker_state {
    relay_media_params params;
    hls_mux *hls;
    relay_rec *rec;      /* the session's, from its first frame to its end */
    int opened;          /* tried to open this epoch's HLS */
    int64_t last_thumb;  /* ms, monotonic; 0 never */
    int64_t last_dts[2]; /* per track, ms */
    int64_t step[2];     /* per track: last dts step, the next packet's duration; 0 unknown */
    int have_dts[2];
    rate_log drop_log[2]; /* HLS, recording */
    int64_t audio_since;  /* first audio frame of the epoch while no video header, ms; -1 */
} worker_state;

/* Default durations (ms) before a track's second packet. */
static int64_t default_duration(const worker_state *w, int index)
{
    if (index == 1 && w->params.aac.sample_rate > 0)
        return 1024 * 1000 / w->params.aac.sample_rate;
    return 40;
}

enum { OUT_HLS, OUT_REC };

/* An output refused one packet: counted, logged (rate-limited); the output
 * goes on with the next one. */
static void output_dropped(relay_stream *s, worker_state *w, int out, int64_t dts, int err)
{
    static const char *const names[2] = {"HLS", "recording"};
    uint64_t n = atomic_fetch_add(out == OUT_HLS ? &s->hls_dropped : &s->rec_dropped, 1) + 1;
    uint64_t silenced;
    if (rate_log_ok(&w->drop_log[out], &silenced))
        fl_log(FL_LOG_WARN, out == OUT_HLS ? "hls_packet_dropped" : "record_packet_dropped",
               "live %s: %s dropped a packet at %lld ms: %s (%llu dropped in all, %llu lines "
               "silenced)",
               s->live_id, names[out], (long long)dts, av_err2str(err), (unsigned long long)n,
               (unsigned long long)silenced);
}

/* pkt to HLS and the recording (each gets its own reference); consumed. */
static void write_packet(relay_stream *s, worker_state *w, AVPacket *pkt)
{
    AVPacket *copy = NULL;
    int64_t dts = pkt->dts;
    int ret = 0, to_rec = w->rec && !relay_rec_stopped(w->rec);
    if (w->hls && to_rec && (!(copy = av_packet_alloc()) || av_packet_ref(copy, pkt) < 0)) {
        av_packet_free(&copy);
        output_dropped(s, w, OUT_REC, dts, AVERROR(ENOMEM));
        to_rec = 0;
    }
    if (w->hls && (ret = hls_mux_write(w->hls, to_rec ? copy : pkt)) < 0)
        output_dropped(s, w, OUT_HLS, dts, ret);
    if (to_rec && (ret = relay_rec_write(w->rec, &w->params, pkt)) < 0)
        output_dropped(s, w, OUT_REC, dts, ret);
    else if (to_rec && ret == REC_STOPPED) /* logged by record.c */
        atomic_store(&s->rec_state, RELAY_REC_STATE_STOPPED);
    av_packet_free(&copy);
    av_packet_unref(pkt);
}

/* This epoch's HLS ends (a takeover, new codecs); the recording goes on. */
static void hls_close(worker_state *w)
{
    w->audio_since = -1;
    for (int i = 0; i < 2; i++) {
        w->have_dts[i] = 0;
        w->step[i] = 0;
    }
    hls_mux_close(w->hls);
    w->hls = NULL;
    w->opened = 0;
}

static void worker_frame(relay_stream *s, worker_state *w, relay_tag *t, int key)
{
    AVPacket *pkt = NULL;
    if (!w->rec) {
        w->rec = relay_rec_open(s->cfg->var_dir, s->live_id);
        atomic_store(&s->rec_state, relay_rec_stopped(w->rec) ? RELAY_REC_STATE_STOPPED : RELAY_REC_STATE_ON);
    }
    if (t->type == FLV_TAG_AUDIO && !w->params.avcc && w->audio_since < 0)
        w->audio_since = t->ts;
    /* HLS starts at a video keyframe; audio alone once AUDIO_ONLY_MS of it
     * came without a video header (a video header later: a new epoch) */
    if (!w->opened && ((key && w->params.avcc) || (!w->params.avcc && w->params.asc && w->audio_since >= 0 &&
                                                   (int64_t)t->ts - w->audio_since >= AUDIO_ONLY_MS))) {
        w->opened = 1;
        w->hls = hls_mux_open(s->hls, &w->params, s->live_id);
    }
    if (key && w->params.avcc) {
        int64_t now = fl_mono_ms();
        int interval = s->cfg->thumb_interval_s > 0 ? s->cfg->thumb_interval_s : 10;
        if (w->last_thumb == 0 || now - w->last_thumb >= (int64_t)interval * 1000) {
            relay_blob *b = relay_thumb_make(&w->params, t);
            w->last_thumb = now;
            if (b) {
                pthread_mutex_lock(&s->lock);
                relay_blob_unref(s->thumb);
                s->thumb = b;
                pthread_mutex_unlock(&s->lock);
            }
        }
    }
    if (!w->hls && relay_rec_stopped(w->rec))
        return;
    if (!(pkt = av_packet_alloc()))
        return;
    if (relay_media_packet(pkt, t) < 0 || pkt->stream_index > 1) {
        av_packet_free(&pkt);
        return;
    }
    int i = pkt->stream_index;
    if (w->have_dts[i] && pkt->dts > w->last_dts[i])
        w->step[i] = pkt->dts - w->last_dts[i];
    w->have_dts[i] = 1;
    w->last_dts[i] = pkt->dts;
    pkt->duration = w->step[i] > 0 ? w->step[i] : default_duration(w, i);
    write_packet(s, w, pkt);
    av_packet_free(&pkt);
}

static void worker_tag(relay_stream *s, worker_state *w, relay_tag *t)
{
    const uint8_t *body = relay_tag_body(t);
    size_t len = relay_tag_body_len(t);
    int key = 0, seqhdr = 0, changed = 0;
    int32_t cts;
    if (t->type == FLV_TAG_VIDEO) {
        if (flv_video_info(body, len, &key, &seqhdr, &cts) < 0)
            return;
        key = key && body[1] == 1; /* an end of sequence (2) is no picture */
        if (seqhdr)
            changed = relay_media_params_set_video(&w->params, body, len);
    } else if (t->type == FLV_TAG_AUDIO) {
        if (flv_audio_info(body, len, &seqhdr) < 0)
            return;
        if (seqhdr)
            changed = relay_media_params_set_audio(&w->params, body, len);
    } else {
        return;
    }
    if (seqhdr) {
        if (changed == 1 && w->opened)
            hls_close(w); /* new codec parameters: a new HLS epoch */
        return;
    }
    worker_frame(s, w, t, key);
}

static void *worker_main(void *arg)
{
    relay_stream *s = arg;
    worker_state w = {.audio_since = -1};
    for (;;) {
        work_item it = queue_pop(s);
        if (it.kind == WORK_END)
            break;
        if (it.kind == WORK_EPOCH) {
            hls_close(&w);
            relay_media_params_clear(&w.params);
        } else {
            worker_tag(s, &w, it.tag);
        }
        relay_tag_unref(it.tag);
    }
    hls_close(&w);
    relay_rec_close(w.rec);
    relay_media_params_clear(&w.params);
    atomic_store(&s->worker_done, 1);
    return NULL;
}

/* -- life cycle ------------------------------------------------------------ */

relay_stream *relay_stream_new(const fl_config *cfg, const char *live_id)
{
    relay_stream *s = fl_calloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    atomic_init(&s->worker_done, 0);
    atomic_init(&s->hls_dropped, 0);
    atomic_init(&s->rec_dropped, 0);
    atomic_init(&s->rec_state, RELAY_REC_STATE_OFF);
    atomic_init(&s->dropped, 0);
    atomic_init(&s->low_mode, -1);
    atomic_init(&s->pub_gen, 0);
    s->cfg = cfg;
    snprintf(s->live_id, sizeof(s->live_id), "%s", live_id);
    s->flv = flv_out_new();
    s->hls = hls_store_new();
    s->restream = restream_set_new(live_id);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->qlock, NULL);
    pthread_cond_init(&s->qcond, NULL);
    s->started_ms = fl_mono_ms();
    s->epoch = 1;
    relay_tsnorm_init(&s->ts);
    s->last_key_ts = -1;
    if (pthread_create(&s->worker, NULL, worker_main, s) == 0) {
        s->worker_started = 1;
    } else {
        fl_log(FL_LOG_ERROR, "stream_worker", "live %s: no media worker (HLS, recording off)", live_id);
        atomic_store(&s->worker_done, 1);
    }
    return s;
}

relay_stream *relay_stream_ref(relay_stream *s)
{
    atomic_fetch_add(&s->refs, 1);
    return s;
}

void relay_stream_release(relay_stream *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    if (s->worker_started) { /* the hub always ends and joins first; be safe */
        relay_stream_end(s);
        relay_stream_join(s);
    }
    while (s->qlen > 0)
        relay_tag_unref(queue_pop(s).tag);
    restream_set_free(s->restream);
    relay_blob_unref(s->thumb);
    relay_rendition_free(s->low);
    relay_tag_unref(s->audio_seq);
    hls_store_free(s->hls);
    flv_out_unref(s->flv);
    pthread_cond_destroy(&s->qcond);
    pthread_mutex_destroy(&s->qlock);
    pthread_mutex_destroy(&s->lock);
    fl_free(s);
}

void relay_stream_new_epoch(relay_stream *s)
{
    relay_tsnorm_new_epoch(&s->ts);
    s->dropping = 0;
    pthread_mutex_lock(&s->lock);
    s->epoch++;
    s->have_srt = 0;
    pthread_mutex_unlock(&s->lock);
    queue_push(s, WORK_EPOCH, NULL, 1, 1);
    if (s->low)
        relay_rendition_epoch(s->low);
}

void relay_stream_end(relay_stream *s)
{
    flv_out_end(s->flv);
    restream_set_stop(s->restream);
    if (s->worker_started)
        queue_push(s, WORK_END, NULL, 1, 1);
    pthread_mutex_lock(&s->lock);
    s->ended = 1;
    relay_rendition_end(s->low);
    pthread_mutex_unlock(&s->lock);
}

void relay_stream_mark_dropped(relay_stream *s)
{
    atomic_store(&s->dropped, 1);
}

int relay_stream_dropped(relay_stream *s)
{
    return atomic_load(&s->dropped);
}

int relay_stream_worker_done(relay_stream *s)
{
    pthread_mutex_lock(&s->lock);
    int low_done = !s->low || relay_rendition_done(s->low);
    pthread_mutex_unlock(&s->lock);
    return atomic_load(&s->worker_done) && low_done;
}

void relay_stream_join(relay_stream *s)
{
    if (s->worker_started) {
        pthread_join(s->worker, NULL);
        s->worker_started = 0;
    }
    pthread_mutex_lock(&s->lock);
    relay_rendition *low = s->low;
    pthread_mutex_unlock(&s->lock);
    relay_rendition_join(low); /* ended with the stream */
}

/* One publisher at a time: a takeover replaces it (ingest closes the old
 * connection without unpublishing it), so this is a flag, not a count. */
void relay_stream_publisher_add(relay_stream *s)
{
    s->publishers = 1;
    atomic_fetch_add(&s->pub_gen, 1);
}

uint64_t relay_stream_publisher_gen(relay_stream *s)
{
    return atomic_load(&s->pub_gen);
}

int relay_stream_superseded(relay_stream *s, uint64_t gen)
{
    return atomic_load(&s->pub_gen) != gen;
}

/* The publisher left: its HLS epoch ends now (the last part is published,
 * the preload hint goes), not when the grace period does. */
void relay_stream_publisher_remove(relay_stream *s, int64_t now_s)
{
    if (s->publishers) {
        s->publishers = 0;
        s->unpublished_at = now_s;
        if (s->worker_started)
            queue_push(s, WORK_EPOCH, NULL, 1, 1);
        if (s->low)
            relay_rendition_epoch(s->low);
    }
}

int relay_stream_publishing(const relay_stream *s)
{
    return s->publishers > 0;
}

int relay_stream_expired(const relay_stream *s, int64_t now_s, int grace_s)
{
    return s->publishers == 0 && now_s - s->unpublished_at >= grace_s;
}

/* -- ingest calls ---------------------------------------------------------- */

/* The normalized time of a frame (counted, and logged when corrected). */
static uint32_t frame_ts(relay_stream *s, int track, uint32_t ts)
{
    int what;
    uint32_t out = relay_tsnorm_frame(&s->ts, track, ts, fl_mono_ms(), &what);
    if (what == TSN_OK)
        return out;
    pthread_mutex_lock(&s->lock);
    s->ts_nudged = s->ts.nudged;
    s->ts_rebased = s->ts.rebased;
    pthread_mutex_unlock(&s->lock);
    uint64_t silenced;
    if (rate_log_ok(&s->ts_log, &silenced))
        fl_log(what == TSN_NUDGED ? FL_LOG_INFO : FL_LOG_WARN, "stream_timestamp",
               "live %s: %s timestamp %u ms %s to %u ms (%llu nudged, %llu rebased so far, %llu "
               "lines silenced)",
               s->live_id, track == TSN_VIDEO ? "video" : "audio", ts,
               what == TSN_NUDGED ? "repeated or back: nudged" : "jumped: rebased", out,
               (unsigned long long)s->ts.nudged, (unsigned long long)s->ts.rebased, (unsigned long long)silenced);
    return out;
}

static void count(relay_stream *s, size_t len, int video_frame, int audio_frame)
{
    int64_t sec = fl_mono_ms() / 1000;
    pthread_mutex_lock(&s->lock);
    rate_bucket *b = &s->rate[sec % RATE_BUCKETS];
    if (b->sec != sec)
        *b = (rate_bucket){sec, 0, 0};
    b->bytes += len;
    b->vframes += (uint64_t)video_frame;
    s->bytes_in += len;
    s->vframes += (uint64_t)video_frame;
    s->aframes += (uint64_t)audio_frame;
    pthread_mutex_unlock(&s->lock);
}

/* Queues t for the worker, dropping frames up to the next keyframe once
 * the queue overflowed. */
static void feed_worker(relay_stream *s, relay_tag *t, int key, int seqhdr, int wake)
{
    if (s->dropping && !seqhdr && !key)
        return;
    if (queue_push(s, WORK_TAG, t, seqhdr, wake) < 0) {
        pthread_mutex_lock(&s->lock);
        s->queue_dropped++;
        pthread_mutex_unlock(&s->lock);
        if (!s->dropping)
            fl_log(FL_LOG_WARN, "stream_queue", "live %s: media worker behind, dropping to next keyframe", s->live_id);
        s->dropping = 1;
        return;
    }
    if (key)
        s->dropping = 0;
}

/* The first video sequence header the mode wants a rendition for makes
 * it (ingest thread); it gets the audio sequence header seen so far. */
static void maybe_rendition(relay_stream *s, const relay_avc_config *avc)
{
    int mode = atomic_load(&s->low_mode);
    if (!relay_rendition_wanted(mode >= 0 ? mode : s->cfg->low_rendition, avc->width, avc->height))
        return;
    pthread_mutex_lock(&s->lock);
    if (!s->ended)
        s->low = relay_rendition_new(s->live_id);
    pthread_mutex_unlock(&s->lock);
    if (s->low && s->audio_seq)
        relay_rendition_push(s->low, s->audio_seq);
}

void relay_stream_metadata(relay_stream *s, const uint8_t *amf, size_t len)
{
    static const uint8_t name[] = {0x02, 0x00, 0x0a, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'};
    if (atomic_load(&s->dropped))
        return;
    relay_tag *t = relay_tag_new(FLV_TAG_SCRIPT, relay_tsnorm_head(&s->ts), name, sizeof(name), amf, len);
    if (!t)
        return;
    flv_set_tag_ts(t->data, 0); /* indexed at the stream's time, sent at 0 (see flv_fanout.c) */
    flv_out_push(s->flv, t);
    restream_set_push(s->restream, t);
    relay_tag_unref(t);
}

int relay_stream_video(relay_stream *s, uint32_t ts_ms, const uint8_t *body, size_t len)
{
    int key, seqhdr;
    int32_t cts;
    relay_avc_config avc;
    if (atomic_load(&s->dropped))
        return RELAY_STREAM_DROPPED;
    if (flv_video_info(body, len, &key, &seqhdr, &cts) < 0)
        return -1;
    key = key && body[1] == 1; /* an end of sequence (2) is no picture */
    if (seqhdr) {              /* a malformed one is relayed as is; HLS, recording and thumbnails wait for a
                                  valid one */
        int ok = len > 5 && relay_avcc_parse(body + 5, len - 5, &avc) == 0;
        if (!ok)
            fl_log(FL_LOG_WARN, "stream_video", "live %s: malformed AVC sequence header (HLS, recording off)",
                   s->live_id);
        pthread_mutex_lock(&s->lock);
        if (ok)
            s->avc = avc;
        s->have_avc = ok;
        pthread_mutex_unlock(&s->lock);
        if (ok && !s->low)
            maybe_rendition(s, &avc);
    }
    uint32_t ts = seqhdr ? relay_tsnorm_head(&s->ts) : frame_ts(s, TSN_VIDEO, ts_ms);
    relay_tag *t = relay_tag_new(FLV_TAG_VIDEO, ts, NULL, 0, body, len);
    if (!t)
        return -1;
    t->flags = (uint8_t)((key ? RELAY_TAG_KEY : 0) | (seqhdr ? RELAY_TAG_SEQHDR : 0));
    if (key && !seqhdr) {
        pthread_mutex_lock(&s->lock);
        if (s->last_key_ts >= 0 && ts > s->last_key_ts)
            s->gop_ms = (int)(ts - s->last_key_ts);
        s->last_key_ts = ts;
        pthread_mutex_unlock(&s->lock);
    }
    count(s, len, !seqhdr, 0);
    flv_out_push(s->flv, t);
    restream_set_push(s->restream, t);
    if (s->low)
        relay_rendition_push(s->low, t);
    feed_worker(s, t, key && !seqhdr, seqhdr, 1);
    relay_tag_unref(t);
    return 0;
}

int relay_stream_audio(relay_stream *s, uint32_t ts_ms, const uint8_t *body, size_t len)
{
    int seqhdr;
    relay_aac_config aac;
    if (atomic_load(&s->dropped))
        return RELAY_STREAM_DROPPED;
    if (flv_audio_info(body, len, &seqhdr) < 0)
        return -1;
    if (seqhdr) { /* as for video: relayed, but the outputs leave the audio out */
        int ok = len > 2 && relay_asc_parse(body + 2, len - 2, &aac) == 0;
        if (!ok)
            fl_log(FL_LOG_WARN, "stream_audio", "live %s: malformed AudioSpecificConfig (audio off in HLS, recording)",
                   s->live_id);
        pthread_mutex_lock(&s->lock);
        if (ok)
            s->aac = aac;
        s->have_aac = ok;
        pthread_mutex_unlock(&s->lock);
    }
    uint32_t ts = seqhdr ? relay_tsnorm_head(&s->ts) : frame_ts(s, TSN_AUDIO, ts_ms);
    relay_tag *t = relay_tag_new(FLV_TAG_AUDIO, ts, NULL, 0, body, len);
    if (!t)
        return -1;
    if (seqhdr) {
        t->flags = RELAY_TAG_SEQHDR;
        relay_tag_unref(s->audio_seq);
        s->audio_seq = relay_tag_ref(t);
    }
    count(s, len, 0, !seqhdr);
    flv_out_push(s->flv, t);
    restream_set_push(s->restream, t);
    if (s->low)
        relay_rendition_push(s->low, t);
    feed_worker(s, t, 0, seqhdr, seqhdr || !s->have_avc); /* ingest's own field: no lock */
    relay_tag_unref(t);
    return 0;
}

void relay_stream_restream(relay_stream *s, const restream_specs *specs)
{
    if (!atomic_load(&s->dropped))
        restream_set_update(s->restream, specs);
}

void relay_stream_rendition(relay_stream *s, int mode)
{
    atomic_store(&s->low_mode, mode);
}

void relay_stream_srt_stats(relay_stream *s, const relay_srt_stats *st)
{
    pthread_mutex_lock(&s->lock);
    s->have_srt = st != NULL;
    if (st)
        s->srt = *st;
    pthread_mutex_unlock(&s->lock);
}

/* -- the HTTP side ----------------------------------------------------------- */

void relay_stream_tick(relay_stream *s)
{
    uint64_t hits = hls_store_playlist_hits(s->hls);
    pthread_mutex_lock(&s->lock);
    uint64_t oldest = s->hits[s->hits_filled < HITS_WINDOW ? 0 : s->hits_pos];
    int span = s->hits_filled < HITS_WINDOW ? s->hits_filled : HITS_WINDOW;
    s->hls_viewers = span > 0 ? (double)(hits - oldest) / span : 0;
    s->hits[s->hits_pos] = hits;
    s->hits_pos = (s->hits_pos + 1) % HITS_WINDOW;
    if (s->hits_filled < HITS_WINDOW)
        s->hits_filled++;
    pthread_mutex_unlock(&s->lock);
}

const char *relay_stream_id(const relay_stream *s)
{
    return s->live_id;
}

flv_out *relay_stream_flv(relay_stream *s)
{
    return s->flv;
}

hls_store *relay_stream_hls(relay_stream *s)
{
    return s->hls;
}

relay_rendition *relay_stream_low(relay_stream *s)
{
    pthread_mutex_lock(&s->lock);
    relay_rendition *low = s->low;
    pthread_mutex_unlock(&s->lock);
    return low;
}

relay_blob *relay_stream_thumb(relay_stream *s)
{
    pthread_mutex_lock(&s->lock);
    relay_blob *b = s->thumb ? relay_blob_ref(s->thumb) : NULL;
    pthread_mutex_unlock(&s->lock);
    return b;
}

void relay_stream_get_info(relay_stream *s, relay_stream_info *info)
{
    int64_t now = fl_mono_ms();
    int64_t sec = now / 1000;
    memset(info, 0, sizeof(*info));
    snprintf(info->live_id, sizeof(info->live_id), "%s", s->live_id);
    info->hls_segments = hls_store_segments(s->hls);
    info->flv_viewers = flv_out_viewers(s->flv);
    pthread_mutex_lock(&s->lock);
    if (s->have_avc) {
        relay_avc_codec_string(&s->avc, info->vcodec, sizeof(info->vcodec));
        info->width = s->avc.width;
        info->height = s->avc.height;
    }
    if (s->have_aac) {
        snprintf(info->acodec, sizeof(info->acodec), "mp4a.40.%d", s->aac.object_type);
        info->sample_rate = s->aac.sample_rate;
        info->channels = s->aac.channels;
    }
    uint64_t bytes = 0, frames = 0;
    for (int i = 0; i < RATE_BUCKETS; i++) {
        const rate_bucket *b = &s->rate[i];
        if (b->sec >= sec - RATE_WINDOW && b->sec < sec) {
            bytes += b->bytes;
            frames += b->vframes;
        }
    }
    info->kbps = (double)bytes * 8 / 1000 / RATE_WINDOW;
    info->fps = (double)frames / RATE_WINDOW;
    info->epoch = s->epoch;
    info->hls_viewers = s->hls_viewers;
    info->uptime_s = (double)(now - s->started_ms) / 1000;
    info->bytes_in = s->bytes_in;
    info->video_frames = s->vframes;
    info->audio_frames = s->aframes;
    info->ts_nudged = s->ts_nudged;
    info->ts_rebased = s->ts_rebased;
    info->queue_dropped = s->queue_dropped;
    info->gop_ms = s->gop_ms;
    info->have_srt = s->have_srt;
    info->srt = s->srt;
    relay_rendition *low = s->low;
    pthread_mutex_unlock(&s->lock);
    info->have_low = low != NULL;
    if (low)
        relay_rendition_get_info(low, &info->low);
    info->flv_viewers_dropped = flv_out_viewers_dropped(s->flv);
    info->hls_dropped = atomic_load(&s->hls_dropped);
    info->record_dropped = atomic_load(&s->rec_dropped);
    info->recording = atomic_load(&s->rec_state);
    info->restream_n = (int)restream_set_info(s->restream, info->restream, RESTREAM_TARGETS_MAX);
}
