/* relay_stream.h - the seam between RTMP ingest and the relay's outputs.
 *
 * Ingest (src/relay/rtmp_*.c) owns sockets and the RTMP protocol; outputs
 * (src/relay/hub.c, stream.c, flv.c, flv_fanout.c, hls.c, record.c,
 * thumb.c, http.c) own everything a viewer sees. They meet here, on FLV tag bodies: an RTMP
 * audio (type 8) or video (type 9) message body is exactly an FLV AUDIODATA
 * or VIDEODATA tag body, so ingest hands those bytes over unchanged.
 *
 * Threads: every relay_hub_* / relay_stream_* call below is made from the
 * ingest event-loop thread and must return quickly without blocking on I/O
 * (they queue work for the outputs' own threads). The HTTP side looks
 * streams up by live id from its own threads (the hub is thread-safe).
 *
 * Ingest guarantees before calling relay_stream_video/audio:
 *   - the codec is H.264 (VIDEODATA CodecID 7) or AAC (SoundFormat 10);
 *     anything else was refused with an onStatus error, a log line and
 *     the connection closed;
 *   - timestamps are the publisher's, as they came (milliseconds): the
 *     stream normalizes them (relay_tsnorm.h) before any output sees them;
 *   - the sequence headers (AVCPacketType 0 / AACPacketType 0) come before
 *     the first frame of each track, and again after a reconnect. */
#ifndef FARMLIVE_RELAY_STREAM_H
#define FARMLIVE_RELAY_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "farmlive/config.h"
#include "farmlive/relay_restream.h"

typedef struct relay_hub relay_hub;
typedef struct relay_stream relay_stream;

relay_hub *relay_hub_new(const fl_config *cfg);
/* Ends every stream (finalising recordings) and frees the hub. */
void relay_hub_free(relay_hub *hub);

/* A publisher was authorised for live_id. When a stream with that id
 * already exists (a reconnect, or an old connection still lingering) the new
 * publisher takes it over at once: viewers stay connected, HLS marks a
 * discontinuity. Returns the stream with a reference for the publisher,
 * given back with relay_hub_unpublish (also by a publisher that was taken
 * over, just before the newer one's publish: its HLS epoch ends, and the
 * publish that follows at once starts the next, so no grace period runs). */
relay_stream *relay_hub_publish(relay_hub *hub, const char *live_id);
/* The publisher of s went away (cleanly or not, or taken over); drops its
 * reference. The stream stays, for viewers and a reconnect, until
 * cfg->live_grace_s passes without one. */
void relay_hub_unpublish(relay_hub *hub, relay_stream *s);
/* Called about once a second by the ingest loop: ends streams whose grace
 * period ran out. `ended` (may be NULL) is called with each ended live id so
 * ingest can report it to the shop. */
void relay_hub_tick(relay_hub *hub, void (*ended)(void *arg, const char *live_id), void *arg);

/* onMetaData's AMF0 body (the ECMA array after the "onMetaData" string). */
void relay_stream_metadata(relay_stream *s, const uint8_t *amf, size_t len);
/* FLV VIDEODATA / AUDIODATA tag bodies with their RTMP timestamps (any:
 * normalized here). 0; RELAY_STREAM_DROPPED when the session was dropped
 * (relay_hub_drop: ingest closes the publisher and tells the shop nothing,
 * the shop ended it); other negatives when the body is not H.264 / AAC
 * (ingest then closes the publisher). */
#define RELAY_STREAM_DROPPED (-2)
int relay_stream_video(relay_stream *s, uint32_t ts_ms, const uint8_t *body, size_t len);
int relay_stream_audio(relay_stream *s, uint32_t ts_ms, const uint8_t *body, size_t len);
/* 1 once the session was dropped: its publisher is to be closed (ingest
 * checks it once a second too, for a publisher that sends nothing). */
int relay_stream_dropped(relay_stream *s);
/* 1 once a newer publisher took s over from the one whose generation
 * (relay_stream_publisher_gen right after its publish) is gen: a takeover
 * from the other protocol (RTMP <-> SRT), which the older publisher's
 * ingest did not see. That ingest closes it, tells the shop nothing (the
 * session goes on), and gives its reference back without ending the new
 * publisher's turn (rtmp_hub_ops.unpublish with gen). Any thread. */
int relay_stream_superseded(relay_stream *s, uint64_t gen);

/* The platforms the session is forwarded to, as the shop named them in the
 * publish answer (relay_restream.h): called after each publish (a takeover
 * may name others). Any thread; never waits on a target's I/O. */
void relay_stream_restream(relay_stream *s, const restream_specs *specs);

/* The session's own low rendition mode (FL_LOW_RENDITION_*, its
 * cooperative's choice in the publish answer), over the relay's setting;
 * -1: the setting. Called after each publish, before its video; a
 * rendition already made stays. Any thread. */
void relay_stream_rendition(relay_stream *s, int mode);

/* An SRT publisher's connection statistics (libsrt's srt_bstats),
 * refreshed about once a second by its thread; shown per stream in
 * /api/streams and /metrics. */
typedef struct relay_srt_stats {
    int64_t recv_packets;    /* pktRecvTotal */
    int64_t lost_packets;    /* pktRcvLossTotal: gaps seen (each asked again) */
    int64_t retrans_packets; /* pktRcvRetransTotal: retransmitted packets that arrived */
    int64_t dropped_packets; /* pktRcvDropTotal: too late for the latency, never played */
    double rtt_ms;           /* msRTT */
    double recv_mbps;        /* mbpsRecvRate */
    int latency_ms;          /* msRcvTsbPdDelay: the latency both sides agreed */
} relay_srt_stats;
/* The publisher's SRT statistics; NULL: it is not (no longer) an SRT
 * publisher. A takeover clears them. */
void relay_stream_srt_stats(relay_stream *s, const relay_srt_stats *st);

#endif
