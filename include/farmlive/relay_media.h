/* relay_media.h - what the libavformat outputs (hls.c, record.c, thumb.c)
 * share: a stream's codec parameters, AVPackets made from FLV tags without
 * copying, and refcounted byte blobs the HTTP side serves from memory.
 *
 * All of it runs on a stream's media worker thread (stream.c), except the
 * blob functions, which any thread may call. */
#ifndef FARMLIVE_RELAY_MEDIA_H
#define FARMLIVE_RELAY_MEDIA_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "farmlive/relay_codec.h"
#include "farmlive/relay_flv.h"

/* Immutable bytes with a reference count (a segment, a playlist, a JPEG). */
typedef struct relay_blob {
    atomic_int refs;
    /* its answer on the wire (hls_conn.c): a memfd holding an HTTP header
     * of wire_hdr bytes and then the bytes; -1 until made; closed with it */
    atomic_int wire_fd;
    uint32_t wire_hdr;
    size_t len;
    uint8_t data[];
} relay_blob;

relay_blob *relay_blob_new(const void *data, size_t len); /* refs = 1 */
/* A new memfd (close-on-exec, never executable), or -1 (errno). */
int relay_memfd(const char *name);
relay_blob *relay_blob_ref(relay_blob *b);
void relay_blob_unref(relay_blob *b); /* NULL-safe */
/* For MHD_create_response_from_buffer_with_free_callback: the argument is
 * b->data; drops the reference taken for the response. */
void relay_blob_release_data(void *data);

/* What a muxer writes through custom I/O, held in memory (HLS parts,
 * recording segments), at most max bytes between two takes. */
typedef struct relay_membuf {
    uint8_t *p;
    size_t len, cap, max;
    int overflow; /* a write went past max: the muxer got ENOMEM */
} relay_membuf;

/* A write-only AVIOContext appending to b (which must outlive it); NULL
 * when out of memory. Freed with relay_membuf_avio_free (NULL-safe). */
AVIOContext *relay_membuf_avio(relay_membuf *b, size_t max);
void relay_membuf_avio_free(AVIOContext **pb);
void relay_membuf_free(relay_membuf *b);

/* One publish epoch's codecs: the sequence headers' payloads. */
typedef struct relay_media_params {
    uint8_t *avcc; /* AVCDecoderConfigurationRecord */
    size_t avcc_len;
    relay_avc_config avc;
    uint8_t *asc; /* AudioSpecificConfig; NULL: no audio */
    size_t asc_len;
    relay_aac_config aac;
} relay_media_params;

void relay_media_params_clear(relay_media_params *p);
/* dst (cleared first) becomes a copy of src. */
void relay_media_params_copy(relay_media_params *dst, const relay_media_params *src);
/* 1 when a and b hold the same codec configurations (both absent counts). */
int relay_media_params_equal(const relay_media_params *a, const relay_media_params *b);
/* Sets the video (audio) config from a sequence header tag body. 1 when
 * it changed, 0 when identical, -1 when malformed. */
int relay_media_params_set_video(relay_media_params *p, const uint8_t *body, size_t len);
int relay_media_params_set_audio(relay_media_params *p, const uint8_t *body, size_t len);

/* Adds the H.264 stream, then the AAC one, of those p has (audio only: the
 * AAC stream alone, index 0) to a muxer, time base 1/1000. 0 or a negative
 * AVERROR (EINVAL: neither). */
int relay_media_add_streams(AVFormatContext *oc, const relay_media_params *p);
/* The muxer stream (as added above, for a muxer with those tracks) of a
 * packet's stream_index from relay_media_packet (0 video, 1 audio); -1
 * when the muxer has no such track. */
int relay_media_stream_index(int has_video, int has_audio, int index);
/* Fills pkt (unreferenced before) with a reference to t's payload: no copy.
 * Stream index 0 video, 1 audio; pts = dts + composition time (a negative
 * one counts as 0: pts never precedes dts). 0, or -1
 * for sequence headers and malformed tags. */
int relay_media_packet(AVPacket *pkt, relay_tag *t);

#endif
