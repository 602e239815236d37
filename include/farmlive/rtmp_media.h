/* rtmp_media.h - checks on a publisher's audio and video messages before
 * they reach the outputs (the guarantees listed in relay_stream.h). Pure. */
#ifndef FARMLIVE_RTMP_MEDIA_H
#define FARMLIVE_RTMP_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#define RTMP_MAX_TS_JUMP_MS 10000u

enum {
    RTMP_MEDIA_DROP = 0,      /* harmless, not forwarded (empty, info frame, before sequence header) */
    RTMP_MEDIA_FORWARD = 1,
    RTMP_MEDIA_ECODEC = -1,   /* not H.264 / AAC: close, naming the codec */
    RTMP_MEDIA_ETIME = -2,    /* timestamp backwards or jumping */
};

typedef struct rtmp_track {
    int seen;        /* a timestamp was accepted */
    int have_seq;    /* the sequence header came */
    uint32_t last_ts;
} rtmp_track;

typedef struct rtmp_media {
    rtmp_track video, audio;
    uint32_t max_jump_ms;
} rtmp_media;

void rtmp_media_init(rtmp_media *m, uint32_t max_jump_ms);
/* is_video: message type 9 (else 8). why gets a sentence on errors. */
int rtmp_media_check(rtmp_media *m, int is_video, uint32_t ts, const uint8_t *body, size_t len, char *why,
                     size_t whylen);
/* Names the codec of a VIDEODATA / AUDIODATA body ("HEVC", "VP6", ...). */
const char *rtmp_video_codec_name(const uint8_t *body, size_t len);
const char *rtmp_audio_codec_name(const uint8_t *body, size_t len);

#endif
