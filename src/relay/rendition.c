/* rendition.c - the low-bitrate rendition of one stream: its queue, its
 * thread (decode -> scale -> encode), its own HTTP-FLV fan-out and HLS
 * store. The picture in relay_rendition.h; the decisions:
 *
 * - Keyframes where the source has them. The encoder's GOP is left long
 *   (RENDITION_MAX_GOP_S) and scene cuts off; a source keyframe's decoded
 *   picture is sent as a forced IDR. So the low HLS cuts its segments at
 *   the same source times as the source's HLS (a player switching variants
 *   finds the same boundaries), and a low FLV viewer's GOP cache is the
 *   source's GOP.
 * - libx264, veryfast + zerolatency, one thread, no B-frames: one picture
 *   in, one packet out at once, so the audio passed through beside it
 *   stays in order and the low outputs lag the source by one encode.
 * - The decoder: one thread (frame threads hold pictures back), a padded
 *   copy of each packet (the tag's bytes have no AV_INPUT_BUFFER_PADDING).
 * - Timestamps are the source's (already normalized, stream.c): a
 *   picture's time is its presentation time, audio keeps its own.
 * - Niced (RENDITION_NICE, Linux's per-thread nice): when the CPUs are
 *   short, the source's outputs and ingest run first and the transcode
 *   is what falls behind.
 * - Bounded: at most RENDITION_QUEUE tags wait; past that, source pictures
 *   are dropped up to the next keyframe (counted as frames_dropped), and
 *   the source's outputs never notice. A decode error likewise skips to
 *   the next keyframe.
 * - A takeover (epoch): the decoder starts again with the new publisher's
 *   sequence header, the encoder goes on (the low FLV viewers see one
 *   stream), the low HLS closes its epoch (as the source's does) and opens
 *   the next one at the next keyframe. A new source size that changes the
 *   rendition's size opens a new encoder: a new sequence header on FLV, a
 *   new HLS epoch.
 *
 * Threads: relay_rendition_push / _epoch from ingest, _end from whoever
 * ends the stream; everything else in the struct's "thread" part is the
 * rendition thread's alone; statistics under `lock` or atomic. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"
#include "farmlive/relay_hub.h"
#include "farmlive/relay_rendition.h"
#include "farmlive/relay_srt.h"

#define RENDITION_QUEUE 128      /* tags waiting: ~1.5 s of 30 fps video and its audio */
#define RENDITION_SLACK 16       /* room for control items and sequence headers */
#define RENDITION_MAX_GOP_S 10   /* the encoder's own keyframe interval, should the source have none */
#define RENDITION_SAMPLE_MS 2000 /* CPU and bitrate are measured over this */
#define RENDITION_LOG_MS 10000
#define RENDITION_NICE 10 /* below the source's outputs when CPUs are short */

/* -- pure parts -------------------------------------------------------------- */

int relay_rendition_wanted(int mode, int w, int h)
{
    if (w <= 0 || h <= 0)
        return 0;
    int short_side = w < h ? w : h;
    return mode == FL_LOW_RENDITION_ON || (mode == FL_LOW_RENDITION_AUTO && short_side >= RELAY_LOW_AUTO_MIN_SIDE);
}

int relay_rendition_mode_parse(const char *s)
{
    static const char *const modes[] = {"off", "on", "auto"}; /* FL_LOW_RENDITION_* */
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, modes[i]) == 0)
            return i;
    return -1;
}

int relay_rendition_size(int w, int h, int short_side, int *out_w, int *out_h)
{
    if (w <= 0 || h <= 0 || short_side <= 0)
        return -1;
    int src_short = w < h ? w : h, src_long = w < h ? h : w;
    int s = (src_short < short_side ? src_short : short_side) & ~1;
    if (s < 2)
        s = 2;
    /* the long side in proportion, rounded to the nearest even number */
    long long l = ((long long)src_long * s + src_short) / (2LL * src_short) * 2;
    if (l < 2)
        l = 2;
    *out_w = w < h ? s : (int)l;
    *out_h = w < h ? (int)l : s;
    return 0;
}

/* -- the object ----------------------------------------------------------- */

enum item_kind { ITEM_TAG, ITEM_EPOCH, ITEM_END };

typedef struct item {
    enum item_kind kind;
    relay_tag *tag;
} item;

/* The rendition thread's state. */
typedef struct transcoder {
    relay_media_params src; /* the source's codecs (its sequence headers) */
    AVCodecContext *dec;
    int need_key; /* the decoder waits for a keyframe */
    AVFrame *frame, *scaled;
    struct SwsContext *sws;
    AVCodecContext *enc;
    int enc_w, enc_h;
    int64_t last_src_pts, src_step; /* the source's picture interval (ms), for the encoder's frame rate */
    int64_t last_in_pts;            /* the last picture given to the encoder; -1 none */
    int64_t last_out_dts;           /* -1 none */
    ts_flv_avc conv;                /* the encoder's Annex B -> FLV bodies */
    AVPacket *pkt;
    /* the low HLS */
    relay_media_params out;
    hls_mux *mux;
    int opened;
    int64_t last_dts[2], step[2];
    int have_dts[2];
    int64_t log_ms; /* last warning */
} transcoder;

struct relay_rendition {
    char live_id[RELAY_LIVE_ID_MAX + 1];
    flv_out *flv;
    hls_store *hls;

    /* queue: qlock */
    pthread_mutex_t qlock;
    pthread_cond_t qcond;
    item q[RENDITION_QUEUE + RENDITION_SLACK];
    size_t qhead, qlen;
    int ended; /* END queued */

    int dropping; /* ingest thread: the queue overflowed, wait for a keyframe */

    pthread_t thread;
    int started;
    atomic_int done;

    /* statistics */
    atomic_uint_fast64_t frames_in, frames_encoded, frames_dropped, bytes_out, cpu_ns;
    pthread_mutex_t lock; /* below */
    int width, height;
    char vcodec[32];
    double kbps, cpu_pct;
};

/* 0 queued, -1 full. Control items and sequence headers may use the slack. */
static int queue_push(relay_rendition *r, enum item_kind kind, relay_tag *t, int essential)
{
    int ret = 0;
    pthread_mutex_lock(&r->qlock);
    size_t limit = essential ? RENDITION_QUEUE + RENDITION_SLACK : RENDITION_QUEUE;
    if (r->ended || r->qlen >= limit) {
        ret = -1;
    } else {
        item *it = &r->q[(r->qhead + r->qlen) % (RENDITION_QUEUE + RENDITION_SLACK)];
        it->kind = kind;
        it->tag = t ? relay_tag_ref(t) : NULL;
        r->qlen++;
        if (kind == ITEM_END)
            r->ended = 1;
        pthread_cond_signal(&r->qcond);
    }
    pthread_mutex_unlock(&r->qlock);
    return ret;
}

/* The next item, or 0 when none came within timeout_ms. */
static int queue_pop(relay_rendition *r, item *out, int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->qlock);
    while (r->qlen == 0)
        if (pthread_cond_timedwait(&r->qcond, &r->qlock, &ts) != 0)
            break;
    int got = r->qlen > 0;
    if (got) {
        *out = r->q[r->qhead];
        r->qhead = (r->qhead + 1) % (RENDITION_QUEUE + RENDITION_SLACK);
        r->qlen--;
    }
    pthread_mutex_unlock(&r->qlock);
    return got;
}

/* -- the low outputs ---------------------------------------------------------- */

static void hls_end_epoch(transcoder *x)
{
    hls_mux_close(x->mux);
    x->mux = NULL;
    x->opened = 0;
    for (int i = 0; i < 2; i++)
        x->have_dts[i] = x->step[i] = 0;
}

/* The low HLS: sequence headers set its codecs (a change: a new epoch);
 * it opens at a video keyframe; frames go to its muxer with the duration
 * of their track's last step. */
static void hls_feed(relay_rendition *r, transcoder *x, relay_tag *t)
{
    const uint8_t *body = relay_tag_body(t);
    size_t len = relay_tag_body_len(t);
    if (t->flags & RELAY_TAG_SEQHDR) {
        int changed = t->type == FLV_TAG_VIDEO ? relay_media_params_set_video(&x->out, body, len)
                                               : relay_media_params_set_audio(&x->out, body, len);
        if (changed == 1 && x->opened)
            hls_end_epoch(x);
        return;
    }
    if (!x->opened && t->type == FLV_TAG_VIDEO && (t->flags & RELAY_TAG_KEY) && x->out.avcc) {
        x->opened = 1;
        x->mux = hls_mux_open(r->hls, &x->out, r->live_id);
    }
    if (!x->mux)
        return;
    AVPacket *pkt = av_packet_alloc();
    if (!pkt)
        return;
    if (relay_media_packet(pkt, t) == 0 && pkt->stream_index <= 1) {
        int i = pkt->stream_index;
        if (x->have_dts[i] && pkt->dts > x->last_dts[i])
            x->step[i] = pkt->dts - x->last_dts[i];
        x->have_dts[i] = 1;
        x->last_dts[i] = pkt->dts;
        int64_t dflt = i == 1 && x->out.aac.sample_rate > 0 ? 1024 * 1000 / x->out.aac.sample_rate : 40;
        pkt->duration = x->step[i] > 0 ? x->step[i] : dflt;
        hls_mux_write(x->mux, pkt); /* a refused packet is dropped alone */
    }
    av_packet_free(&pkt);
}

/* A tag of the low stream to both outputs. */
static void emit(relay_rendition *r, transcoder *x, relay_tag *t)
{
    flv_out_push(r->flv, t);
    hls_feed(r, x, t);
    atomic_fetch_add(&r->bytes_out, relay_tag_body_len(t));
}

static void emit_body(relay_rendition *r, transcoder *x, uint8_t type, uint32_t ts, const uint8_t *body, size_t len,
                      uint8_t flags)
{
    relay_tag *t = relay_tag_new(type, ts, NULL, 0, body, len);
    if (!t)
        return;
    t->flags = flags;
    emit(r, x, t);
    relay_tag_unref(t);
}

/* -- decode, scale, encode ----------------------------------------------------- */

static void warn(relay_rendition *r, transcoder *x, const char *what, int err)
{
    int64_t now = fl_mono_ms();
    if (x->log_ms && now - x->log_ms < RENDITION_LOG_MS)
        return;
    x->log_ms = now;
    fl_log(FL_LOG_WARN, "rendition", "live %s: low rendition: %s: %s", r->live_id, what, av_err2str(err));
}

static void close_encoder(transcoder *x)
{
    avcodec_free_context(&x->enc);
    x->enc_w = x->enc_h = 0;
}

static int open_encoder(relay_rendition *r, transcoder *x, int w, int h)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) {
        warn(r, x, "no libx264 encoder", AVERROR_ENCODER_NOT_FOUND);
        return AVERROR_ENCODER_NOT_FOUND;
    }
    AVCodecContext *c = avcodec_alloc_context3(codec);
    if (!c)
        return AVERROR(ENOMEM);
    c->width = w;
    c->height = h;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = (AVRational){1, 1000};
    int fps = x->src_step > 0 ? (int)((1000 + x->src_step / 2) / x->src_step) : 30;
    fps = fps < 1 ? 1 : fps > 120 ? 120 : fps;
    c->framerate = (AVRational){fps, 1};
    c->bit_rate = RELAY_LOW_KBPS * 1000;
    c->rc_max_rate = RELAY_LOW_KBPS * 1200;
    c->rc_buffer_size = RELAY_LOW_KBPS * 1000;
    c->gop_size = fps * RENDITION_MAX_GOP_S;
    c->max_b_frames = 0;
    c->thread_count = 1;
    av_opt_set(c->priv_data, "preset", "veryfast", 0);
    av_opt_set(c->priv_data, "tune", "zerolatency", 0);
    av_opt_set(c->priv_data, "profile", "main", 0);
    av_opt_set_int(c->priv_data, "forced-idr", 1, 0);
    av_opt_set(c->priv_data, "x264-params", "scenecut=0", 0);
    int ret = avcodec_open2(c, codec, NULL);
    if (ret < 0) {
        avcodec_free_context(&c);
        warn(r, x, "the encoder does not open", ret);
        return ret;
    }
    x->enc = c;
    x->enc_w = w;
    x->enc_h = h;
    pthread_mutex_lock(&r->lock);
    r->width = w;
    r->height = h;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

/* The encoder's packets out, as FLV tags (a new sequence header first when
 * the parameter sets changed). */
static void drain_encoder(relay_rendition *r, transcoder *x)
{
    while (avcodec_receive_packet(x->enc, x->pkt) == 0) {
        int key = (x->pkt->flags & AV_PKT_FLAG_KEY) != 0;
        int64_t dts = x->pkt->dts;
        if (dts <= x->last_out_dts)
            dts = x->last_out_dts + 1;
        x->last_out_dts = dts;
        int32_t cts = x->pkt->pts > dts ? (int32_t)(x->pkt->pts - dts) : 0;
        int got = ts_flv_avc_au(&x->conv, x->pkt->data, (size_t)x->pkt->size, key, cts);
        av_packet_unref(x->pkt);
        if (got < 0)
            continue;
        if (got & TS_FLV_SEQHDR) {
            relay_avc_config avc;
            if (relay_avcc_parse(x->conv.seq + 5, x->conv.seq_len - 5, &avc) == 0) {
                pthread_mutex_lock(&r->lock);
                relay_avc_codec_string(&avc, r->vcodec, sizeof(r->vcodec));
                pthread_mutex_unlock(&r->lock);
            }
            emit_body(r, x, FLV_TAG_VIDEO, (uint32_t)dts, x->conv.seq, x->conv.seq_len, RELAY_TAG_SEQHDR);
        }
        if (got & TS_FLV_FRAME) {
            emit_body(r, x, FLV_TAG_VIDEO, (uint32_t)dts, x->conv.body, x->conv.body_len,
                      (uint8_t)(x->conv.body[0] == 0x17 ? RELAY_TAG_KEY : 0));
            atomic_fetch_add(&r->frames_encoded, 1);
        }
    }
}

/* One decoded picture: scaled to the rendition's size and encoded; a
 * source keyframe becomes an IDR. */
static void encode_picture(relay_rendition *r, transcoder *x, AVFrame *f)
{
    int w, h, ret;
    int64_t pts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
    if (pts == AV_NOPTS_VALUE || pts <= x->last_in_pts) { /* x264 wants them strictly increasing */
        atomic_fetch_add(&r->frames_dropped, 1);
        return;
    }
    if (relay_rendition_size(f->width, f->height, RELAY_LOW_SHORT_SIDE, &w, &h) < 0)
        return;
    if (x->enc && (w != x->enc_w || h != x->enc_h))
        close_encoder(x); /* a new size: a new sequence header, a new HLS epoch */
    if (!x->enc && open_encoder(r, x, w, h) < 0)
        return;
    x->sws = sws_getCachedContext(x->sws, f->width, f->height, f->format, w, h, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL,
                                  NULL, NULL);
    if (!x->sws)
        return;
    AVFrame *s = x->scaled;
    if (s->width != w || s->height != h) {
        av_frame_unref(s);
        s->width = w;
        s->height = h;
        s->format = AV_PIX_FMT_YUV420P;
        if ((ret = av_frame_get_buffer(s, 0)) < 0) {
            warn(r, x, "no frame buffer", ret);
            s->width = s->height = 0;
            return;
        }
    }
    if ((ret = av_frame_make_writable(s)) < 0)
        return;
    sws_scale(x->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, s->data, s->linesize);
    s->pts = pts;
    x->last_in_pts = pts;
    s->pict_type = f->key_frame ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    if ((ret = avcodec_send_frame(x->enc, s)) < 0) {
        warn(r, x, "the encoder refused a picture", ret);
        atomic_fetch_add(&r->frames_dropped, 1);
        return;
    }
    drain_encoder(r, x);
}

static int open_decoder(relay_rendition *r, transcoder *x)
{
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *c = codec ? avcodec_alloc_context3(codec) : NULL;
    if (!c)
        return AVERROR(ENOMEM);
    c->extradata = av_mallocz(x->src.avcc_len + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!c->extradata) {
        avcodec_free_context(&c);
        return AVERROR(ENOMEM);
    }
    memcpy(c->extradata, x->src.avcc, x->src.avcc_len);
    c->extradata_size = (int)x->src.avcc_len;
    c->thread_count = 1;
    c->pkt_timebase = (AVRational){1, 1000};
    int ret = avcodec_open2(c, codec, NULL);
    if (ret < 0) {
        avcodec_free_context(&c);
        warn(r, x, "the decoder does not open", ret);
        return ret;
    }
    x->dec = c;
    return 0;
}

/* A source picture (FLV video tag, not a sequence header). */
static void source_picture(relay_rendition *r, transcoder *x, relay_tag *t)
{
    int key = (t->flags & RELAY_TAG_KEY) != 0, ret;
    if (x->need_key && !key) {
        atomic_fetch_add(&r->frames_dropped, 1);
        return;
    }
    if (!x->src.avcc || (!x->dec && open_decoder(r, x) < 0)) {
        atomic_fetch_add(&r->frames_dropped, 1);
        return;
    }
    x->need_key = 0;
    AVPacket *ref = av_packet_alloc();
    if (!ref || relay_media_packet(ref, t) < 0 || ref->stream_index != 0 || av_new_packet(x->pkt, ref->size) < 0) {
        av_packet_free(&ref);
        atomic_fetch_add(&r->frames_dropped, 1);
        return;
    }
    memcpy(x->pkt->data, ref->data, (size_t)ref->size); /* padded for the decoder */
    x->pkt->pts = ref->pts;
    x->pkt->dts = ref->dts;
    x->pkt->flags = ref->flags;
    av_packet_free(&ref);
    if (x->src_step == 0 && x->last_src_pts >= 0 && x->pkt->dts > x->last_src_pts)
        x->src_step = x->pkt->dts - x->last_src_pts;
    x->last_src_pts = x->pkt->dts;
    ret = avcodec_send_packet(x->dec, x->pkt);
    av_packet_unref(x->pkt);
    if (ret < 0) {
        warn(r, x, "the decoder refused a picture (waiting for a keyframe)", ret);
        atomic_fetch_add(&r->frames_dropped, 1);
        x->need_key = 1;
        return;
    }
    while ((ret = avcodec_receive_frame(x->dec, x->frame)) == 0) {
        encode_picture(r, x, x->frame);
        av_frame_unref(x->frame);
    }
}

static void source_tag(relay_rendition *r, transcoder *x, relay_tag *t)
{
    const uint8_t *body = relay_tag_body(t);
    size_t len = relay_tag_body_len(t);
    if (t->type == FLV_TAG_AUDIO) {
        emit(r, x, t); /* passed through: the same bytes and time */
        return;
    }
    if (t->type != FLV_TAG_VIDEO)
        return;
    if (t->flags & RELAY_TAG_SEQHDR) {
        if (relay_media_params_set_video(&x->src, body, len) == 1) {
            avcodec_free_context(&x->dec); /* opened again with these at the next keyframe */
            x->need_key = 1;
        }
        return;
    }
    source_picture(r, x, t);
}

/* A new publisher: its sequence headers come again. */
static void source_epoch(transcoder *x)
{
    relay_media_params_clear(&x->src);
    avcodec_free_context(&x->dec);
    x->need_key = 1;
    x->src_step = 0;
    x->last_src_pts = -1;
    hls_end_epoch(x);
}

/* CPU time and output rate over the last sample. */
static void sample(relay_rendition *r, int64_t *at_ms, uint64_t *at_cpu, uint64_t *at_bytes)
{
    struct timespec ts;
    int64_t now = fl_mono_ms();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    uint64_t cpu = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    atomic_store(&r->cpu_ns, cpu);
    if (now - *at_ms < RENDITION_SAMPLE_MS)
        return;
    uint64_t bytes = atomic_load(&r->bytes_out);
    double span = (double)(now - *at_ms);
    pthread_mutex_lock(&r->lock);
    r->cpu_pct = (double)(cpu - *at_cpu) / 1e6 / span * 100;
    r->kbps = (double)(bytes - *at_bytes) * 8 / span;
    pthread_mutex_unlock(&r->lock);
    *at_ms = now;
    *at_cpu = cpu;
    *at_bytes = bytes;
}

static void *rendition_main(void *arg)
{
    relay_rendition *r = arg;
    transcoder x = {.need_key = 1, .last_src_pts = -1, .last_in_pts = -1, .last_out_dts = -1};
    int64_t at_ms = fl_mono_ms();
    uint64_t at_cpu = 0, at_bytes = 0;
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), RENDITION_NICE) < 0) /* this thread only */
        fl_log(FL_LOG_INFO, "rendition", "live %s: the transcode thread keeps the relay's priority", r->live_id);
    x.frame = av_frame_alloc();
    x.scaled = av_frame_alloc();
    x.pkt = av_packet_alloc();
    if (!x.frame || !x.scaled || !x.pkt)
        fl_log(FL_LOG_ERROR, "rendition", "live %s: out of memory: no low rendition", r->live_id);
    for (;;) {
        item it;
        if (!queue_pop(r, &it, 1000)) {
            sample(r, &at_ms, &at_cpu, &at_bytes);
            continue;
        }
        if (it.kind == ITEM_END)
            break;
        if (it.kind == ITEM_EPOCH)
            source_epoch(&x);
        else if (x.frame && x.scaled && x.pkt)
            source_tag(r, &x, it.tag);
        relay_tag_unref(it.tag);
        sample(r, &at_ms, &at_cpu, &at_bytes);
    }
    hls_end_epoch(&x);
    flv_out_end(r->flv);
    avcodec_free_context(&x.dec);
    close_encoder(&x);
    sws_freeContext(x.sws);
    av_frame_free(&x.frame);
    av_frame_free(&x.scaled);
    av_packet_free(&x.pkt);
    ts_flv_avc_free(&x.conv);
    relay_media_params_clear(&x.src);
    relay_media_params_clear(&x.out);
    atomic_store(&r->done, 1);
    return NULL;
}

/* -- life cycle and the ingest side -------------------------------------------- */

relay_rendition *relay_rendition_new(const char *live_id)
{
    relay_rendition *r = fl_calloc(1, sizeof(*r));
    snprintf(r->live_id, sizeof(r->live_id), "%s", live_id);
    r->flv = flv_out_new();
    r->hls = hls_store_new();
    pthread_mutex_init(&r->qlock, NULL);
    pthread_cond_init(&r->qcond, NULL);
    pthread_mutex_init(&r->lock, NULL);
    atomic_init(&r->done, 0);
    atomic_init(&r->frames_in, 0);
    atomic_init(&r->frames_encoded, 0);
    atomic_init(&r->frames_dropped, 0);
    atomic_init(&r->bytes_out, 0);
    atomic_init(&r->cpu_ns, 0);
    if (pthread_create(&r->thread, NULL, rendition_main, r) != 0) {
        fl_log(FL_LOG_ERROR, "rendition", "live %s: cannot start the rendition thread: no low rendition", live_id);
        r->ended = 1;
        relay_rendition_free(r);
        return NULL;
    }
    pthread_setname_np(r->thread, "fl-rendition"); /* tests and ps see it; "off" has none */
    r->started = 1;
    fl_log(FL_LOG_INFO, "rendition", "live %s: low rendition on (%dp, %d kbps)", live_id, RELAY_LOW_SHORT_SIDE,
           RELAY_LOW_KBPS);
    return r;
}

void relay_rendition_end(relay_rendition *r)
{
    if (r && r->started)
        queue_push(r, ITEM_END, NULL, 1);
}

int relay_rendition_done(relay_rendition *r)
{
    return !r->started || atomic_load(&r->done);
}

void relay_rendition_join(relay_rendition *r)
{
    if (r && r->started) {
        pthread_join(r->thread, NULL);
        r->started = 0;
    }
}

void relay_rendition_free(relay_rendition *r)
{
    if (!r)
        return;
    relay_rendition_end(r);
    relay_rendition_join(r);
    item it;
    while (r->qlen > 0 && queue_pop(r, &it, 0))
        relay_tag_unref(it.tag);
    hls_store_free(r->hls);
    flv_out_unref(r->flv);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->qcond);
    pthread_mutex_destroy(&r->qlock);
    fl_free(r);
}

void relay_rendition_push(relay_rendition *r, relay_tag *t)
{
    int video = t->type == FLV_TAG_VIDEO, seq = (t->flags & RELAY_TAG_SEQHDR) != 0;
    int key = video && (t->flags & RELAY_TAG_KEY) && !seq;
    int picture = video && !seq;
    if (picture)
        atomic_fetch_add(&r->frames_in, 1);
    if (r->dropping && picture && !key) {
        atomic_fetch_add(&r->frames_dropped, 1);
        return;
    }
    if (queue_push(r, ITEM_TAG, t, seq) < 0) {
        if (picture) {
            atomic_fetch_add(&r->frames_dropped, 1);
            if (!r->dropping)
                fl_log(FL_LOG_WARN, "rendition_queue", "live %s: low rendition behind: dropping to the next keyframe",
                       r->live_id);
            r->dropping = 1;
        }
        return;
    }
    if (key)
        r->dropping = 0;
}

void relay_rendition_epoch(relay_rendition *r)
{
    r->dropping = 0;
    queue_push(r, ITEM_EPOCH, NULL, 1);
}

flv_out *relay_rendition_flv(relay_rendition *r)
{
    return r->flv;
}

hls_store *relay_rendition_hls(relay_rendition *r)
{
    return r->hls;
}

void relay_rendition_get_info(relay_rendition *r, relay_rendition_info *info)
{
    memset(info, 0, sizeof(*info));
    snprintf(info->name, sizeof(info->name), "low");
    info->target_kbps = RELAY_LOW_KBPS;
    info->frames_in = atomic_load(&r->frames_in);
    info->frames_encoded = atomic_load(&r->frames_encoded);
    info->frames_dropped = atomic_load(&r->frames_dropped);
    info->cpu_s = (double)atomic_load(&r->cpu_ns) / 1e9;
    pthread_mutex_lock(&r->lock);
    info->width = r->width;
    info->height = r->height;
    info->kbps = r->kbps;
    info->cpu_pct = r->cpu_pct;
    snprintf(info->vcodec, sizeof(info->vcodec), "%s", r->vcodec);
    pthread_mutex_unlock(&r->lock);
}
