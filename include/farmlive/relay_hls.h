/* relay_hls.h - Low-Latency HLS (fMP4 segments made of partial segments),
 * muxed by libavformat's mp4 muxer into memory.
 *
 * hls_store: one stream's playlist, init segments, media segments and their
 * parts, shared between the media worker (writes) and HTTP threads (reads).
 * hls_mux: one publish epoch's muxer; a new epoch (takeover, codec change)
 * is a new hls_mux on the same store, marked EXT-X-DISCONTINUITY.
 *
 * Blocking requests (RFC 8216bis 6.2.5.2 playlist reloads, and the part
 * named by EXT-X-PRELOAD-HINT): hls_store_playlist / hls_store_media
 * answer HLS_WAIT and arm the caller's hls_waiter; the store calls
 * w->wake once (media worker thread, no lock held) when the request can
 * be answered, unless hls_store_cancel disarmed it first. The caller then
 * asks again. */
#ifndef FARMLIVE_RELAY_HLS_H
#define FARMLIVE_RELAY_HLS_H

#include "farmlive/relay_media.h"

typedef struct hls_store hls_store;
typedef struct hls_mux hls_mux;

enum {
    HLS_READY = 0,      /* *out holds a reference */
    HLS_WAIT = 1,       /* not there yet; the waiter is armed */
    HLS_NOT_FOUND = -1, /* 404 */
    HLS_TOO_FAR = -2,   /* 400: _HLS_msn / _HLS_part beyond the limits */
};

/* Owned by the caller; the store only links it while armed. */
typedef struct hls_waiter {
    void (*wake)(struct hls_waiter *w); /* set by the caller */
    /* the store's: what is awaited, and the list of armed waiters */
    uint64_t msn;
    int part; /* -1: the whole segment */
    int armed;
    struct hls_waiter *next;
} hls_waiter;

hls_store *hls_store_new(void);
void hls_store_free(hls_store *st); /* NULL-safe; no waiter may be armed */
/* name: "index.m3u8", "{epoch}-init.mp4", "{epoch}-{n}.m4s" (segment) or
 * "{epoch}-{n}.{p}.m4s" (part p of it). A reference to the bytes and the
 * MIME type, or NULL (not found / no segment yet). Never blocks. */
relay_blob *hls_store_get(hls_store *st, const char *name, const char **mime);
/* The playlist once it holds part `part` of segment `msn` (part < 0: the
 * whole segment) or anything later. msn < 0: the playlist now. w NULL:
 * HLS_WAIT without arming anything. */
int hls_store_playlist(hls_store *st, int64_t msn, int part, hls_waiter *w, relay_blob **out);
/* An init segment, segment or part by name (as hls_store_get); the part
 * the playlist's EXT-X-PRELOAD-HINT names gives HLS_WAIT until complete. */
int hls_store_media(hls_store *st, const char *name, hls_waiter *w, relay_blob **out, const char **mime);
/* By name: the playlist ("index.m3u8", with msn and part as
 * hls_store_playlist's) or hls_store_media's; *mime set. */
int hls_store_request(hls_store *st, const char *name, int64_t msn, int part, hls_waiter *w, relay_blob **out,
                      const char **mime);
/* Disarms w. 1 if it was armed (so it will never be woken), else 0. */
int hls_store_cancel(hls_store *st, hls_waiter *w);
/* How long a blocking request may wait: 3 target durations, ms. */
int hls_store_block_ms(hls_store *st);
/* Playlist fetches so far (viewer estimate: blocking reloads count once
 * per segment), segments published so far. */
uint64_t hls_store_playlist_hits(hls_store *st);
uint64_t hls_store_segments(hls_store *st);

/* Media worker only. NULL (logged) when libavformat refuses the params. */
hls_mux *hls_mux_open(hls_store *st, const relay_media_params *p, const char *live_id);
/* pkt: from relay_media_packet, time base 1/1000, duration set; consumed.
 * 0 or AVERROR. */
int hls_mux_write(hls_mux *m, AVPacket *pkt);
/* Publishes the last part and segment and frees m; NULL-safe. */
void hls_mux_close(hls_mux *m);

#endif
