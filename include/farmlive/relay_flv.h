/* relay_flv.h - FLV tags (shared, refcounted) and HTTP-FLV fan-out.
 *
 * relay_tag (flv.c, no I/O): one complete FLV tag (11-byte header, body,
 * 4-byte previous tag size) built once on the ingest thread and shared, by
 * reference, by the stream's fan-out and its media worker (HLS, recording,
 * thumbs).
 *
 * flv_out (flv_fanout.c): one stream's fan-out: its tags appended once to
 * a memfd with an index of their offsets (the GOP cache is the span from
 * the last keyframe), the current metadata and sequence headers.
 * flv_writer: one thread sending every stream's viewers their bytes from
 * that memfd with sendfile over the sockets handed to it. Design notes at
 * the top of flv_fanout.c. */
#ifndef FARMLIVE_RELAY_FLV_H
#define FARMLIVE_RELAY_FLV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum { FLV_TAG_AUDIO = 8, FLV_TAG_VIDEO = 9, FLV_TAG_SCRIPT = 18 };
#define FLV_TAG_HEADER_SIZE 11
#define FLV_FILE_HEADER_SIZE 13 /* 9-byte header + PreviousTagSize0 */
#define FLV_MAX_BODY 0xffffff

#define RELAY_TAG_KEY 1    /* video keyframe */
#define RELAY_TAG_SEQHDR 2 /* AVC / AAC sequence header */

typedef struct relay_tag {
    atomic_int refs;
    uint8_t type;
    uint8_t flags;
    uint32_t ts; /* ms, as in the tag header */
    size_t size; /* of data: FLV_TAG_HEADER_SIZE + body + 4 */
    uint8_t data[];
} relay_tag;

/* -- pure writer -------------------------------------------------------- */

/* "FLV", version 1, audio+video flags, header size 9, PreviousTagSize0. */
void flv_write_file_header(uint8_t out[FLV_FILE_HEADER_SIZE], int audio, int video);
/* type, 24-bit size, 24+8-bit timestamp, stream id 0. */
void flv_write_tag_header(uint8_t out[FLV_TAG_HEADER_SIZE], uint8_t type, size_t body_len, uint32_t ts);
/* Rewrites the timestamp of a complete tag in place. */
void flv_set_tag_ts(uint8_t *tag, uint32_t ts);
/* VIDEODATA: keyframe, AVC sequence header, composition time. 0, or -1
 * when the body is too short or not AVC. */
int flv_video_info(const uint8_t *body, size_t len, int *key, int *seqhdr, int32_t *cts);
/* AUDIODATA: AAC sequence header. 0, or -1 when too short or not AAC. */
int flv_audio_info(const uint8_t *body, size_t len, int *seqhdr);

/* A tag with a body made of prefix (may be NULL) then body; refs = 1.
 * NULL when the body exceeds FLV_MAX_BODY. */
relay_tag *relay_tag_new(uint8_t type, uint32_t ts, const uint8_t *prefix, size_t prefix_len, const uint8_t *body,
                         size_t len);
relay_tag *relay_tag_ref(relay_tag *t);
void relay_tag_unref(relay_tag *t); /* NULL-safe */
static inline const uint8_t *relay_tag_body(const relay_tag *t)
{
    return t->data + FLV_TAG_HEADER_SIZE;
}
static inline size_t relay_tag_body_len(const relay_tag *t)
{
    return t->size - FLV_TAG_HEADER_SIZE - 4;
}

/* -- fan-out ------------------------------------------------------------ */

typedef struct flv_out flv_out;

/* refs = 1. Makes the stream's memfd; when that fails (logged) the out
 * still takes tags but refuses viewers. */
flv_out *flv_out_new(void);
flv_out *flv_out_ref(flv_out *o);
void flv_out_unref(flv_out *o); /* NULL-safe; closes the memfd */
/* Appends t's bytes to the memfd (one pwrite, no reference kept) and
 * indexes them; frees file ranges no viewer and no GOP cache needs. Script
 * tags replace the metadata, sequence headers the ones new viewers get
 * first (those keep a reference). Ingest thread only; O(1), never blocks
 * on a viewer. A failed write stops the stream's HTTP-FLV (logged). */
void flv_out_push(flv_out *o, relay_tag *t);
/* The stream ended: viewers get what is queued, then are closed. */
void flv_out_end(flv_out *o);
int flv_out_viewers(const flv_out *o);
/* Viewers of this stream dropped because they could not keep up. */
uint64_t flv_out_viewers_dropped(const flv_out *o);

/* -- the writer thread -------------------------------------------------- */

int flv_writer_start(void);
/* Closes every viewer (calling its closed callback) and joins the thread. */
void flv_writer_stop(void);
/* Lends a connected socket to the writer: it writes the HTTP response
 * header, the FLV header, metadata, sequence headers, the cached GOP, then
 * live tags. fd is made non-blocking. The writer never closes fd: once done
 * with it, it shuts it down and calls closed(arg) from its thread; the
 * caller closes it then. -1 (fd untouched, closed not called) when the
 * writer is not running or o has no memfd. */
int flv_writer_attach(flv_out *o, int fd, void (*closed)(void *arg), void *arg);

typedef struct flv_writer_stats {
    uint64_t bytes_sent;
    uint64_t viewers_total;
    uint64_t viewers_dropped; /* could not keep up */
} flv_writer_stats;
void flv_writer_get_stats(flv_writer_stats *st);

#endif
