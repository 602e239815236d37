/* relay_srt.h - the relay's SRT publish side: one UDP port for many
 * publishers, the stream key in the SRT stream id, MPEG-TS inside.
 *
 * Layers (one file each): srt_streamid.c (the stream id's grammar, pure),
 * ts_flv.c (MPEG-TS elementary streams -> FLV tag bodies, pure),
 * srt_server.c (libsrt listener, the shop's answer in the listen callback,
 * one demuxing thread per publisher: libavformat's mpegts demuxer over a
 * custom AVIOContext reading the SRT socket). What reaches the outputs is
 * what RTMP ingest hands over (relay_stream.h): FLV tag bodies, so HLS,
 * HTTP-FLV, the recording and thumbnails do not know the difference.
 *
 * Publishers: srt://HOST:PORT?streamid=KEY, or the access-control form
 * streamid=#!::r=live/KEY,m=publish (r may be KEY alone; m may be absent;
 * any other m is refused). Refusals (bad stream id, a key the shop refuses,
 * the shop unreachable) happen in the listen callback, so the caller gets
 * an SRT reject reason (SRT_REJX_*) and the relay logs one line.
 * The listen callback waits for the shop (at most SRT_AUTH_TIMEOUT_MS):
 * libsrt runs it on the port's receiving thread, so the other publishers'
 * packets wait in the socket buffer meanwhile; SRT retransmits what did
 * not fit, within its latency. */
#ifndef FARMLIVE_RELAY_SRT_H
#define FARMLIVE_RELAY_SRT_H

#include <stddef.h>
#include <stdint.h>

#include "farmlive/config.h"
#include "farmlive/relay_rtmp.h"

#define SRT_KEY_MAX 200             /* as RTMP_KEY_MAX */
#define SRT_STREAMID_MAX 512        /* libsrt's own limit */
#define SRT_AUTH_TIMEOUT_MS 2000    /* the shop's answer, waited for in the listen callback */
#define SRT_MAX_PUBLISHERS 512      /* connected at once */
#define SRT_STALL_MS 15000          /* no packet for this long: closed */
#define SRT_REFUSED_PER_IP 20       /* refusals from one address within SRT_REFUSED_WINDOW_MS: */
#define SRT_REFUSED_WINDOW_MS 10000 /* ... its next attempts are refused without asking the shop */

/* -- srt_streamid.c ----------------------------------------------------- */

enum {
    SRT_SID_OK = 0,
    SRT_SID_EMPTY = -1,      /* no stream id */
    SRT_SID_BAD = -2,        /* not a key, nor the #!:: form with one */
    SRT_SID_NOT_PUBLISH = -3 /* m=request / bidirectional: this relay only takes publishers */
};

/* The stream key of an SRT stream id: "KEY", "live/KEY", or
 * "#!::r=live/KEY,m=publish" (keys in any order, r may be KEY alone, m may
 * be absent, other keys ignored). A key is 1..SRT_KEY_MAX of
 * [A-Za-z0-9._~-]. SRT_SID_OK with key filled (key_len > SRT_KEY_MAX), or
 * a negative SRT_SID_*. Pure. */
int srt_streamid_parse(const char *sid, char *key, size_t key_len);

/* -- ts_flv.c: MPEG-TS elementary streams -> FLV tag bodies ------------ */

#define TS_FLV_PS_MAX 512          /* one SPS or PPS */
#define TS_FLV_BODY_MAX (8u << 20) /* one video frame, as RTMP_MAX_MSG_SIZE */

/* One publisher's H.264: the parameter sets seen so far, the sequence
 * header made from them, and the last frame's body (reused buffer). */
typedef struct ts_flv_avc {
    uint8_t sps[TS_FLV_PS_MAX], pps[TS_FLV_PS_MAX];
    size_t sps_len, pps_len;
    uint8_t seq[TS_FLV_PS_MAX * 2 + 32]; /* VIDEODATA: AVC sequence header */
    size_t seq_len;
    uint8_t *body; /* VIDEODATA: AVC NALU, length-prefixed (AVCC) */
    size_t body_len, body_cap;
} ts_flv_avc;

enum { TS_FLV_NONE = 0, TS_FLV_FRAME = 1, TS_FLV_SEQHDR = 2 };

/* An Annex B access unit (start codes, as the mpegts demuxer gives it)
 * into FLV: v->body gets the frame (AUD, SPS and PPS left out: they go in
 * the sequence header, v->seq, made anew when they change). key: the
 * demuxer's keyframe flag (an IDR slice counts too); cts_ms: pts - dts.
 * Returns TS_FLV_FRAME | TS_FLV_SEQHDR bits (SEQHDR: send v->seq first),
 * TS_FLV_NONE when there is nothing to send yet (no SPS/PPS seen, or no
 * picture), -1 when malformed or too big. */
int ts_flv_avc_au(ts_flv_avc *v, const uint8_t *au, size_t len, int key, int32_t cts_ms);
void ts_flv_avc_free(ts_flv_avc *v);

/* One ADTS frame's header. */
typedef struct ts_flv_adts {
    size_t header_len, frame_len; /* 7 or 9; the whole frame with its header */
    int object_type, freq_index, channels, sample_rate;
} ts_flv_adts;

/* Parses the ADTS header at p (len bytes available). 0, or -1 when p is
 * not an ADTS frame that fits in len. */
int ts_flv_adts_parse(const uint8_t *p, size_t len, ts_flv_adts *h);
/* The AUDIODATA sequence header of an ADTS stream (4 bytes: 0xAF 0x00 and
 * the AudioSpecificConfig). */
void ts_flv_aac_seq(const ts_flv_adts *h, uint8_t out[4]);

/* -- srt_server.c ------------------------------------------------------- */

/* Refusals and closes since start (any thread). */
typedef struct srt_ingest_stats {
    uint64_t accepted;
    uint64_t refused_streamid;    /* malformed, or not a publisher */
    uint64_t refused_key;         /* the shop said no */
    uint64_t refused_unavailable; /* the shop did not answer */
    uint64_t refused_busy;        /* SRT_MAX_PUBLISHERS, or an address past SRT_REFUSED_PER_IP */
    uint64_t codec_refused;       /* not H.264 / AAC */
} srt_ingest_stats;
void srt_ingest_get_stats(srt_ingest_stats *st);

typedef struct srt_server srt_server;

/* Binds cfg->srt_port (UDP) on cfg->relay_host and listens; the
 * publishers reach the hub through ops (as RTMP's: main.c serialises the
 * two protocols' calls). NULL with err filled when it cannot. */
srt_server *srt_server_new(const fl_config *cfg, relay_hub *hub, const rtmp_hub_ops *ops, char *err, size_t errlen);
/* Stops accepting, closes every publisher (the shop hears each unpublish)
 * and joins their threads. Accepts NULL. Call before relay_hub_free. */
void srt_server_free(srt_server *srv);

#endif
