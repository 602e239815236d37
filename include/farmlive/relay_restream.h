/* relay_restream.h - a live stream forwarded to other platforms' RTMP push
 * URLs while it is live, as SRS's forward and nginx-rtmp's push do.
 *
 * The shop names the targets in its publish answer ("restream": [{"id",
 * "url"}], the cooperative's enabled ones, keys in clear); the publisher's
 * ingest hands them to the stream (relay_stream_restream), which keeps one
 * restream_set for its whole session:
 *
 *   ingest thread                          a thread per target
 *   relay_stream_video/audio/metadata      connect: libavformat's rtmp / rtmps
 *     -> restream_set_push(tag)               protocol (avio, AVIO_FLAG_WRITE)
 *        latest seq headers kept              writes FLV: header, metadata and
 *        queued to each LIVE target           sequence headers, then from the
 *        (bounded: drops counted, to the      next keyframe every tag, its time
 *        next keyframe), never blocks         rebased to 0 at that keyframe
 *                                           error/refused -> backoff 1 s, 2 s ...
 *   relay_stream_end -> restream_set_stop     30 s (+-20 % jitter) -> reconnect
 *   relay_stream_release -> restream_set_free (joins)
 *
 * A slow or dead target never delays the live outputs: the ingest side only
 * appends a reference to a bounded queue; the target's own thread does the
 * I/O, each open and write bounded (RESTREAM_CONNECT_MS, RESTREAM_WRITE_MS,
 * libavformat's interrupt callback). States: connecting, live, backoff
 * (waiting to retry), failed (RESTREAM_FAILED_AFTER attempts in a row
 * failed: still retried every 30 s), stopped. Keys never reach a log or an
 * answer: URLs are shown masked ("rtmp://host/app/abcd...").
 *
 * restream_spec_* and restream_backoff_ms are pure (unit-tested). */
#ifndef FARMLIVE_RELAY_RESTREAM_H
#define FARMLIVE_RELAY_RESTREAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "farmlive/buf.h"
#include "farmlive/relay_flv.h"

#define RESTREAM_TARGETS_MAX 4
#define RESTREAM_ID_MAX 23
#define RESTREAM_URL_MAX 1100    /* a push URL in clear */
#define RESTREAM_MASKED_MAX 200  /* as shown (longer ones are cut) */
#define RESTREAM_QUEUE_TAGS 1024 /* per target */
#define RESTREAM_QUEUE_BYTES (16u << 20)
#define RESTREAM_BACKOFF_MIN_MS 1000
#define RESTREAM_BACKOFF_MAX_MS 30000
#define RESTREAM_FAILED_AFTER 3 /* failed attempts in a row before "failed" */
#define RESTREAM_CONNECT_MS 10000
#define RESTREAM_WRITE_MS 10000

typedef struct restream_spec {
    char id[RESTREAM_ID_MAX + 1];
    char url[RESTREAM_URL_MAX + 1];
} restream_spec;

typedef struct restream_specs {
    int n;
    restream_spec t[RESTREAM_TARGETS_MAX];
} restream_specs;

enum { RESTREAM_CONNECTING, RESTREAM_LIVE, RESTREAM_BACKOFF, RESTREAM_FAILED, RESTREAM_STOPPED };

typedef struct restream_info {
    char id[RESTREAM_ID_MAX + 1];
    char url[RESTREAM_MASKED_MAX + 1]; /* masked */
    int state;                         /* RESTREAM_* */
    char error[160];                   /* the last failure ("" none) */
    uint64_t bytes_sent, dropped;      /* dropped: tags the queue could not hold */
    uint64_t connects, failures;       /* connections that went live; failures in a row */
    double retry_in_s;                 /* backoff / failed: until the next attempt */
} restream_info;

/* -- pure ----------------------------------------------------------------- */

/* The publish answer's "restream" array into out: entries with a valid id
 * ([A-Za-z0-9_-], 1..RESTREAM_ID_MAX) and an rtmp:// or rtmps:// url of at
 * most RESTREAM_URL_MAX bytes without spaces or control characters, the
 * first RESTREAM_TARGETS_MAX of them; others skipped. NULL: none. */
void restream_specs_parse(const json_t *arr, restream_specs *out);
/* url with its key (the last path segment and the query) shown as its
 * first 4 characters and "..." (nothing of a key under 12 characters). */
void restream_url_masked(const char *url, char *out, size_t outlen);
/* The wait before attempt number failures+1 after `failures` failures in a
 * row (>= 1): 1 s doubling to 30 s, times 0.8..1.2 by rnd (any 32 bits). */
int64_t restream_backoff_ms(uint64_t failures, uint32_t rnd);
const char *restream_state_name(int state);

/* -- a stream's targets --------------------------------------------------- */

typedef struct restream_set restream_set;

restream_set *restream_set_new(const char *live_id);
/* The targets the latest publish named: ones with the same id and url go
 * on, others stop, new ones start. Ignored once stopped. Any thread; never
 * waits for a target's I/O. */
void restream_set_update(restream_set *rs, const restream_specs *specs);
/* A normalized tag of the stream (ingest thread, O(targets), no I/O). */
void restream_set_push(restream_set *rs, relay_tag *t);
/* The session ended: every target stops (asynchronously). */
void restream_set_stop(restream_set *rs);
/* Stops, joins every target's thread, frees. NULL-safe. */
void restream_set_free(restream_set *rs);
/* Up to max targets' states into out; returns how many. */
size_t restream_set_info(restream_set *rs, restream_info *out, size_t max);

/* /api/streams' "restream" array for one stream. */
json_t *restream_info_json(const restream_info *in, size_t n);
/* /metrics: family 0..RESTREAM_METRIC_FAMILIES-1 (state, bytes sent,
 * dropped, connects): its "# TYPE" line, and one stream's samples of it. */
#define RESTREAM_METRIC_FAMILIES 4
const char *restream_metric_type(int family);
void restream_metrics(fl_buf *b, int family, const char *live_id, const restream_info *in, size_t n);

/* libav's error lines (hub.c's log callback): on a restream target's
 * thread, kept as its last error (one naming its key is not) and 1: the
 * target logs its failure itself, masked; on other threads 0. */
int restream_note_av_error(const char *line);

#endif
