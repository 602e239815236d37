/* rtmp_media.h - checks on a publisher's audio and video messages before
 * they reach the outputs (the guarantees listed in relay_stream.h). Pure. */
#ifndef FARMLIVE_RTMP_MEDIA_H
#define FARMLIVE_RTMP_MEDIA_H

#include <stddef.h>
#include <stdint.h>

enum {
    RTMP_MEDIA_DROP = 0, /* harmless, not forwarded (empty, info frame, before sequence header) */
    RTMP_MEDIA_FORWARD = 1,
    RTMP_MEDIA_ECODEC = -1, /* not H.264 / AAC: close, naming the codec */
};

typedef struct rtmp_media {
    int video_seq, audio_seq; /* the track's sequence header came */
} rtmp_media;

void rtmp_media_init(rtmp_media *m);
/* is_video: message type 9 (else 8). why gets a sentence on errors. */
int rtmp_media_check(rtmp_media *m, int is_video, const uint8_t *body, size_t len, char *why, size_t whylen);
/* Names the codec of a VIDEODATA / AUDIODATA body ("HEVC", "VP6", ...). */
const char *rtmp_video_codec_name(const uint8_t *body, size_t len);
const char *rtmp_audio_codec_name(const uint8_t *body, size_t len);

#endif
