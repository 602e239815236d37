/* relay_hls.h - HLS (fMP4) through libavformat's hls muxer, in memory.
 *
 * hls_store: one stream's playlist, init segments and media segments,
 * shared between the media worker (writes) and HTTP threads (reads).
 * hls_mux: one publish epoch's muxer; a new epoch (takeover, codec change)
 * is a new hls_mux on the same store, marked EXT-X-DISCONTINUITY. */
#ifndef FARMLIVE_RELAY_HLS_H
#define FARMLIVE_RELAY_HLS_H

#include "farmlive/relay_media.h"

typedef struct hls_store hls_store;
typedef struct hls_mux hls_mux;

hls_store *hls_store_new(void);
void hls_store_free(hls_store *st); /* NULL-safe */
/* name: "index.m3u8", "{epoch}-init.mp4" or "{epoch}-{n}.m4s". A reference
 * to the bytes and the MIME type, or NULL (not found / no segment yet). */
relay_blob *hls_store_get(hls_store *st, const char *name, const char **mime);
/* Playlist fetches so far (viewer estimate), segments published so far. */
uint64_t hls_store_playlist_hits(hls_store *st);
uint64_t hls_store_segments(hls_store *st);

/* Media worker only. NULL (logged) when libavformat refuses the params. */
hls_mux *hls_mux_open(hls_store *st, const relay_media_params *p, const char *live_id);
/* pkt: from relay_media_packet, time base 1/1000; consumed. 0 or AVERROR. */
int hls_mux_write(hls_mux *m, AVPacket *pkt);
/* Flushes the last segment and frees m; NULL-safe. */
void hls_mux_close(hls_mux *m);

#endif
