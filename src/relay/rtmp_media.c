/* rtmp_media.c - what ingest promises the outputs (relay_stream.h) about a
 * publisher's audio and video, checked message by message. Pure.
 *
 *   VIDEODATA  [frame type:4 | codec id:4] [AVCPacketType] [cts:3] data
 *              codec 7 = H.264 (the only one accepted); 12 = HEVC (the
 *              Chinese-CDN extension); byte0 & 0x80 = enhanced RTMP, with a
 *              FourCC ("hvc1", "av01", "vp09") in bytes 1..4
 *   AUDIODATA  [format:4 | rate:2 | size:1 | type:1] [AACPacketType] data
 *              format 10 = AAC (the only one accepted); 9 = enhanced audio
 *
 * Per track: frames before the track's sequence header are dropped (the
 * outputs cannot decode them). Timestamps are not checked here: whatever
 * a publisher's clock does, the stream's normalizer (tsnorm.c) makes it
 * fit, and never cuts the publisher off for it. */
#include "farmlive/rtmp_media.h"

#include <stdio.h>
#include <string.h>

void rtmp_media_init(rtmp_media *m)
{
    memset(m, 0, sizeof(*m));
}

const char *rtmp_video_codec_name(const uint8_t *body, size_t len)
{
    static char fourcc[32];
    if (len < 1)
        return "none";
    if (body[0] & 0x80) {
        if (len < 5)
            return "enhanced RTMP (truncated FourCC)";
        if (memcmp(body + 1, "hvc1", 4) == 0)
            return "HEVC (enhanced RTMP hvc1)";
        if (memcmp(body + 1, "av01", 4) == 0)
            return "AV1 (enhanced RTMP av01)";
        if (memcmp(body + 1, "vp09", 4) == 0)
            return "VP9 (enhanced RTMP vp09)";
        if (memcmp(body + 1, "avc1", 4) == 0)
            return "H.264 (enhanced RTMP avc1)";
        snprintf(fourcc, sizeof(fourcc), "enhanced RTMP FourCC %02x%02x%02x%02x", body[1], body[2], body[3], body[4]);
        return fourcc;
    }
    switch (body[0] & 0x0f) {
    case 1:
        return "JPEG";
    case 2:
        return "Sorenson H.263";
    case 3:
        return "Screen video";
    case 4:
        return "VP6";
    case 5:
        return "VP6 with alpha";
    case 6:
        return "Screen video v2";
    case 7:
        return "H.264";
    case 12:
        return "HEVC";
    case 13:
        return "AV1";
    default:
        return "unknown video codec";
    }
}

const char *rtmp_audio_codec_name(const uint8_t *body, size_t len)
{
    static const char *const names[16] = {"PCM",
                                          "ADPCM",
                                          "MP3",
                                          "PCM little-endian",
                                          "Nellymoser 16 kHz",
                                          "Nellymoser 8 kHz",
                                          "Nellymoser",
                                          "G.711 A-law",
                                          "G.711 mu-law",
                                          "enhanced RTMP audio",
                                          "AAC",
                                          "Speex",
                                          "unknown audio codec 12",
                                          "Opus",
                                          "MP3 8 kHz",
                                          "device-specific audio"};
    if (len < 1)
        return "none";
    return names[body[0] >> 4];
}

int rtmp_media_check(rtmp_media *m, int is_video, const uint8_t *body, size_t len, char *why, size_t whylen)
{
    int *have_seq = is_video ? &m->video_seq : &m->audio_seq;
    why[0] = '\0';
    if (len == 0)
        return RTMP_MEDIA_DROP;
    if (is_video) {
        if ((body[0] & 0x80) || (body[0] & 0x0f) != 7) {
            snprintf(why, whylen, "unsupported video codec %s (only H.264 is accepted)",
                     rtmp_video_codec_name(body, len));
            return RTMP_MEDIA_ECODEC;
        }
        if ((body[0] >> 4) == 5 || len < 5)
            return RTMP_MEDIA_DROP; /* video info / command frame, or no AVC header */
    } else {
        if ((body[0] >> 4) != 10) {
            snprintf(why, whylen, "unsupported audio codec %s (only AAC is accepted)",
                     rtmp_audio_codec_name(body, len));
            return RTMP_MEDIA_ECODEC;
        }
        if (len < 2)
            return RTMP_MEDIA_DROP;
    }
    if (body[1] == 0)
        *have_seq = 1;
    else if (!*have_seq)
        return RTMP_MEDIA_DROP;
    return RTMP_MEDIA_FORWARD;
}
