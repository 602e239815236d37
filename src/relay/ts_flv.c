/* ts_flv.c - what libavformat's mpegts demuxer gives (H.264 in Annex B,
 * AAC in ADTS) into the FLV tag bodies RTMP ingest hands the hub
 * (relay_stream.h), so the outputs cannot tell SRT from RTMP.
 *
 *   Annex B AU: 00 00 01 NAL 00 00 01 NAL ...
 *     SPS (7), PPS (8) -> kept; changed: a new sequence header
 *                         17 00 000000 AVCDecoderConfigurationRecord
 *     AUD (9)          -> left out
 *     others           -> 17|27 01 CTS(24) [len32 NAL]...
 *   ADTS frame: FFF1 ... header (7, or 9 with CRC), raw AAC
 *     -> AF 00 AudioSpecificConfig (2 bytes) once, AF 01 raw per frame
 *        (the caller strips the header; ts_flv_adts_parse says how long)
 *
 * Pure: bytes in, bytes out, no I/O; the frame buffer grows up to
 * TS_FLV_BODY_MAX (fl_realloc aborts past memory, as everywhere). */
#include "farmlive/relay_srt.h"
#include "farmlive/alloc.h"

#include <string.h>

/* The next NAL unit at or after *pos: its start and length (trailing zero
 * bytes of the next start code left out). 0 when none is left. */
static int next_nal(const uint8_t *p, size_t len, size_t *pos, const uint8_t **nal, size_t *nal_len)
{
    size_t i = *pos;
    while (i + 3 <= len && !(p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1))
        i++;
    if (i + 3 > len)
        return 0;
    size_t start = i + 3, j = start;
    while (j + 3 <= len &&
           !(p[j] == 0 && p[j + 1] == 0 && (p[j + 2] == 1 || (p[j + 2] == 0 && j + 3 < len && p[j + 3] == 1))))
        j++;
    size_t end = j + 3 <= len ? j : len;
    while (end > start && p[end - 1] == 0) /* trailing_zero_8bits */
        end--;
    *nal = p + start;
    *nal_len = end - start;
    *pos = end;
    return 1;
}

static void put_be(uint8_t *p, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* v->seq from v->sps and v->pps. */
static void make_seq(ts_flv_avc *v)
{
    uint8_t *q = v->seq;
    q[0] = 0x17; /* keyframe, AVC */
    q[1] = 0;    /* sequence header */
    put_be(q + 2, 0, 3);
    q[5] = 1;         /* configurationVersion */
    q[6] = v->sps[1]; /* AVCProfileIndication */
    q[7] = v->sps[2]; /* profile_compatibility */
    q[8] = v->sps[3]; /* AVCLevelIndication */
    q[9] = 0xff;      /* 6 reserved bits, lengthSizeMinusOne = 3 */
    q[10] = 0xe1;     /* 3 reserved bits, one SPS */
    put_be(q + 11, (uint32_t)v->sps_len, 2);
    memcpy(q + 13, v->sps, v->sps_len);
    size_t o = 13 + v->sps_len;
    q[o++] = 1; /* one PPS */
    put_be(q + o, (uint32_t)v->pps_len, 2);
    o += 2;
    memcpy(q + o, v->pps, v->pps_len);
    v->seq_len = o + v->pps_len;
}

/* 1 when the parameter set changed. */
static int keep_ps(uint8_t *dst, size_t *dst_len, const uint8_t *nal, size_t n)
{
    if (*dst_len == n && memcmp(dst, nal, n) == 0)
        return 0;
    memcpy(dst, nal, n);
    *dst_len = n;
    return 1;
}

static int body_room(ts_flv_avc *v, size_t more)
{
    size_t want = v->body_len + more;
    if (want > TS_FLV_BODY_MAX)
        return -1;
    if (want > v->body_cap) {
        size_t cap = v->body_cap ? v->body_cap : 4096;
        while (cap < want)
            cap *= 2;
        v->body = fl_realloc(v->body, cap);
        v->body_cap = cap;
    }
    return 0;
}

int ts_flv_avc_au(ts_flv_avc *v, const uint8_t *au, size_t len, int key, int32_t cts_ms)
{
    const uint8_t *nal;
    size_t n, pos = 0;
    int changed = 0, pictures = 0, idr = 0;
    if (body_room(v, 5) < 0)
        return -1;
    v->body_len = 5;
    while (next_nal(au, len, &pos, &nal, &n)) {
        if (n == 0)
            continue;
        int type = nal[0] & 0x1f;
        if (type == 7 || type == 8) {
            if (n > TS_FLV_PS_MAX || (type == 7 && n < 4))
                return -1;
            changed |= type == 7 ? keep_ps(v->sps, &v->sps_len, nal, n) : keep_ps(v->pps, &v->pps_len, nal, n);
            continue;
        }
        if (type == 9) /* access unit delimiter */
            continue;
        if (body_room(v, 4 + n) < 0)
            return -1;
        put_be(v->body + v->body_len, (uint32_t)n, 4);
        memcpy(v->body + v->body_len + 4, nal, n);
        v->body_len += 4 + n;
        pictures += type >= 1 && type <= 5;
        idr |= type == 5;
    }
    if (!v->sps_len || !v->pps_len)
        return TS_FLV_NONE; /* a decoder could not start: wait for the parameter sets */
    int ret = 0;
    if (changed) {
        make_seq(v);
        ret |= TS_FLV_SEQHDR;
    }
    if (pictures) {
        v->body[0] = (key || idr) ? 0x17 : 0x27;
        v->body[1] = 1;
        put_be(v->body + 2, (uint32_t)cts_ms & 0xffffff, 3);
        ret |= TS_FLV_FRAME;
    }
    return ret;
}

void ts_flv_avc_free(ts_flv_avc *v)
{
    if (!v)
        return;
    fl_free(v->body);
    v->body = NULL;
    v->body_len = v->body_cap = 0;
}

int ts_flv_adts_parse(const uint8_t *p, size_t len, ts_flv_adts *h)
{
    static const int rates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                  22050, 16000, 12000, 11025, 8000,  7350};
    if (len < 7 || p[0] != 0xff || (p[1] & 0xf6) != 0xf0) /* syncword, layer 0 */
        return -1;
    h->header_len = (p[1] & 1) ? 7 : 9; /* protection_absent */
    h->object_type = (p[2] >> 6) + 1;
    h->freq_index = (p[2] >> 2) & 0x0f;
    h->channels = ((p[2] & 1) << 2) | (p[3] >> 6);
    h->frame_len = ((size_t)(p[3] & 3) << 11) | ((size_t)p[4] << 3) | (p[5] >> 5);
    if (h->freq_index > 12 || h->frame_len < h->header_len || h->frame_len > len)
        return -1;
    h->sample_rate = rates[h->freq_index];
    return 0;
}

void ts_flv_aac_seq(const ts_flv_adts *h, uint8_t out[4])
{
    out[0] = 0xaf; /* AAC, 44 kHz, 16 bit, stereo: what FLV says for every AAC */
    out[1] = 0;
    unsigned asc = (unsigned)h->object_type << 11 | (unsigned)h->freq_index << 7 | (unsigned)h->channels << 3;
    out[2] = (uint8_t)(asc >> 8);
    out[3] = (uint8_t)asc;
}
