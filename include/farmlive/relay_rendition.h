/* relay_rendition.h - a stream's low-bitrate rendition (360p, ~400 kbps)
 * for viewers on weak networks, beside the source.
 *
 *   ingest thread                     rendition thread (one per transcoded stream)
 *   relay_stream_video/audio
 *     -> relay_rendition_push ---->   bounded queue (full: frames dropped up
 *        (a reference, O(1))          to the next keyframe, counted)
 *                                     video: decode (libavcodec) -> scale
 *                                       (libswscale) -> encode (libx264,
 *                                       zerolatency, keyframes where the
 *                                       source has them) -> FLV tags
 *                                     audio: the source's AAC as is
 *                                     -> its own flv_out (?quality=low)
 *                                     -> its own hls_store (low/index.m3u8)
 *
 * The source outputs never wait for it: a slow transcode only fills its
 * queue. Off costs nothing: a stream without a rendition has no thread, no
 * decoder and no queue (stream.c makes one only when the mode wants it).
 *
 * Also here, pure and unit-tested: the mode's rule, the size
 * computation and the multivariant playlist writer (hls_master.c). */
#ifndef FARMLIVE_RELAY_RENDITION_H
#define FARMLIVE_RELAY_RENDITION_H

#include <stddef.h>
#include <stdint.h>

#include "farmlive/buf.h"
#include "farmlive/config.h"
#include "farmlive/relay_flv.h"
#include "farmlive/relay_hls.h"

#define RELAY_LOW_SHORT_SIDE 360    /* 640x360, 360x640 for a vertical phone picture */
#define RELAY_LOW_KBPS 400          /* the video's target bitrate */
#define RELAY_LOW_AUTO_MIN_SIDE 540 /* auto: sources whose short side is at least this */

/* 1 when a stream of w x h gets a rendition under mode (the config's
 * FL_LOW_RENDITION_*: off, the default; on: every stream with video; auto:
 * streams whose picture is at least 540 lines, as a 360p copy of a smaller
 * one saves little). Pure. */
int relay_rendition_wanted(int mode, int w, int h);
/* "off", "on" or "auto" (the publish answer's low_rendition, a
 * cooperative's choice) as FL_LOW_RENDITION_*; -1 for anything else and
 * NULL (the relay's own setting applies). Pure. */
int relay_rendition_mode_parse(const char *s);
/* The rendition's picture for a w x h source: the short side short_side
 * (the source's when smaller: never upscaled), the aspect kept, both even.
 * 0, or -1 when w or h is not positive. Pure. */
int relay_rendition_size(int w, int h, int short_side, int *out_w, int *out_h);

/* -- hls_master.c: the multivariant playlist (pure) ------------------------- */

typedef struct relay_hls_variant {
    const char *uri;    /* relative to the multivariant playlist */
    int64_t bandwidth;  /* bits/s, peak */
    int width, height;  /* 0: unknown, RESOLUTION left out */
    const char *codecs; /* "avc1.64001f,mp4a.40.2"; "" left out */
} relay_hls_variant;

/* An EXT-X-STREAM-INF per variant, in the order given (players start with
 * the first). Appends to b. */
void relay_hls_master_write(fl_buf *b, const relay_hls_variant *v, size_t n);

/* -- rendition.c ------------------------------------------------------------ */

typedef struct relay_rendition relay_rendition;

typedef struct relay_rendition_info {
    char name[8];            /* "low" */
    int width, height;       /* 0 before the first picture */
    int target_kbps;         /* the encoder's video bitrate */
    double kbps;             /* what came out (video + audio) over the last ~2 s */
    char vcodec[32];         /* "avc1.42c01e"; "" before the first picture */
    uint64_t frames_in;      /* source video frames handed to it */
    uint64_t frames_encoded; /* pictures out */
    uint64_t frames_dropped; /* source pictures not encoded: queue full, decode error */
    double cpu_s;            /* its thread's CPU time so far */
    double cpu_pct;          /* of one core, over the last ~2 s */
} relay_rendition_info;

/* A rendition for live_id with its thread started; NULL (logged) when the
 * thread cannot start. */
relay_rendition *relay_rendition_new(const char *live_id);
/* Ends (when not yet ended), joins its thread and frees it; NULL-safe.
 * No HTTP side may still use its outputs (the stream's reference rules). */
void relay_rendition_free(relay_rendition *r);
/* Ingest thread: a source tag (normalized time; flags as relay_tag's).
 * Takes its own reference; never blocks. */
void relay_rendition_push(relay_rendition *r, relay_tag *t);
/* Ingest thread: a new publisher took the stream over (new codecs may
 * come; the low HLS marks a discontinuity, the low FLV goes on). */
void relay_rendition_epoch(relay_rendition *r);
/* The stream ends: its FLV viewers drain and close, the thread finishes. */
void relay_rendition_end(relay_rendition *r);
/* 1 once its thread finished (or never started). */
int relay_rendition_done(relay_rendition *r);
void relay_rendition_join(relay_rendition *r);

flv_out *relay_rendition_flv(relay_rendition *r);
hls_store *relay_rendition_hls(relay_rendition *r);
/* Any thread. */
void relay_rendition_get_info(relay_rendition *r, relay_rendition_info *info);

#endif
