/* codec.c - H.264 and AAC configuration records, parsed without I/O.
 *
 *   AVCDecoderConfigurationRecord          AudioSpecificConfig
 *   +---------+---------+-------+------+   +------5b------+--4b--+--4b--+
 *   | version | profile | compat| level|   | object type  | freq | chan |
 *   +---------+---------+-------+------+   +--------------+------+------+
 *   | 111111 lenSize-1 | 111 nbSPS |       (object type 31: 6 more bits,
 *   | (u16 len, SPS)*  | nbPPS | (u16 len, PPS)*   freq index 15: 24 bits)
 *
 * The SPS is read with an exp-Golomb bit reader over a copy without the
 * emulation prevention bytes, only as far as the frame cropping. */
#include <stdio.h>
#include <string.h>

#include "farmlive/relay_codec.h"

#define SPS_MAX 1024 /* longer SPSs are truncated; the size comes early */

typedef struct bitreader {
    const uint8_t *p;
    size_t bits; /* total */
    size_t pos;  /* next bit */
    int overrun;
} bitreader;

static unsigned br_bit(bitreader *br)
{
    if (br->pos >= br->bits) {
        br->overrun = 1;
        return 0;
    }
    unsigned b = (br->p[br->pos >> 3] >> (7 - (br->pos & 7))) & 1;
    br->pos++;
    return b;
}

static uint32_t br_bits(bitreader *br, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 1) | br_bit(br);
    return v;
}

/* ue(v); values above 2^31 (more than 31 leading zeros) overrun. */
static uint32_t br_ue(bitreader *br)
{
    int zeros = 0;
    while (!br_bit(br)) {
        if (br->overrun || ++zeros > 31) {
            br->overrun = 1;
            return 0;
        }
    }
    return ((1u << zeros) - 1) + br_bits(br, zeros);
}

static int32_t br_se(bitreader *br)
{
    uint32_t v = br_ue(br);
    return (v & 1) ? (int32_t)((v + 1) / 2) : -(int32_t)(v / 2);
}

static void skip_scaling_list(bitreader *br, int size)
{
    int last = 8, next = 8;
    for (int j = 0; j < size && !br->overrun; j++) {
        if (next != 0) {
            int32_t delta = br_se(br);
            next = (last + delta + 256) % 256;
        }
        last = next == 0 ? last : next;
    }
}

static int high_profile(unsigned p)
{
    static const unsigned ids[] = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (ids[i] == p)
            return 1;
    return 0;
}

int relay_h264_sps_size(const uint8_t *sps, size_t len, int *width, int *height)
{
    uint8_t rbsp[SPS_MAX];
    size_t n = 0;
    if (len < 4 || (sps[0] & 0x1f) != 7)
        return -1;
    /* drop the NAL header and every 0x03 after 0x00 0x00 */
    for (size_t i = 1, zeros = 0; i < len && n < sizeof(rbsp); i++) {
        if (zeros >= 2 && sps[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = sps[i] == 0 ? zeros + 1 : 0;
        rbsp[n++] = sps[i];
    }
    bitreader br = {rbsp, n * 8, 0, 0};
    unsigned profile = br_bits(&br, 8);
    br_bits(&br, 16); /* constraints, level */
    br_ue(&br);       /* seq_parameter_set_id */
    unsigned chroma = 1, separate = 0;
    if (high_profile(profile)) {
        chroma = br_ue(&br);
        if (chroma > 3)
            return -1;
        if (chroma == 3)
            separate = br_bit(&br);
        br_ue(&br); /* bit_depth_luma_minus8 */
        br_ue(&br); /* bit_depth_chroma_minus8 */
        br_bit(&br);
        if (br_bit(&br)) /* seq_scaling_matrix_present_flag */
            for (int i = 0; i < (chroma == 3 ? 12 : 8) && !br.overrun; i++)
                if (br_bit(&br))
                    skip_scaling_list(&br, i < 6 ? 16 : 64);
    }
    br_ue(&br); /* log2_max_frame_num_minus4 */
    uint32_t poc_type = br_ue(&br);
    if (poc_type == 0) {
        br_ue(&br);
    } else if (poc_type == 1) {
        br_bit(&br);
        br_se(&br);
        br_se(&br);
        uint32_t cycle = br_ue(&br);
        if (cycle > 255)
            return -1;
        for (uint32_t i = 0; i < cycle && !br.overrun; i++)
            br_se(&br);
    } else if (poc_type > 2) {
        return -1;
    }
    br_ue(&br);  /* max_num_ref_frames */
    br_bit(&br); /* gaps_in_frame_num_value_allowed_flag */
    uint32_t mbs_w = br_ue(&br) + 1;
    uint32_t map_h = br_ue(&br) + 1;
    unsigned frame_mbs_only = br_bit(&br);
    if (!frame_mbs_only)
        br_bit(&br);
    br_bit(&br); /* direct_8x8_inference_flag */
    uint32_t cl = 0, cr = 0, ct = 0, cb = 0;
    if (br_bit(&br)) {
        cl = br_ue(&br);
        cr = br_ue(&br);
        ct = br_ue(&br);
        cb = br_ue(&br);
    }
    if (br.overrun || mbs_w > 1024 || map_h > 1024)
        return -1;
    unsigned cux = 1, cuy = 2 - frame_mbs_only;
    if (!separate && chroma != 0) {
        cux = (chroma == 1 || chroma == 2) ? 2 : 1;
        cuy = (chroma == 1 ? 2 : 1) * (2 - frame_mbs_only);
    }
    long w = (long)mbs_w * 16 - (long)cux * (cl + cr);
    long h = (long)(2 - frame_mbs_only) * map_h * 16 - (long)cuy * (ct + cb);
    if (w <= 0 || h <= 0)
        return -1;
    *width = (int)w;
    *height = (int)h;
    return 0;
}

int relay_avcc_parse(const uint8_t *p, size_t len, relay_avc_config *out)
{
    memset(out, 0, sizeof(*out));
    if (len < 7 || p[0] != 1)
        return -1;
    out->profile = p[1];
    out->compat = p[2];
    out->level = p[3];
    out->nal_length_size = (p[4] & 3) + 1;
    if (out->nal_length_size == 3)
        return -1;
    size_t off = 5;
    out->nb_sps = p[off++] & 0x1f;
    if (out->nb_sps == 0)
        return -1;
    for (int i = 0; i < out->nb_sps; i++) {
        if (off + 2 > len)
            return -1;
        size_t n = ((size_t)p[off] << 8) | p[off + 1];
        off += 2;
        if (n == 0 || off + n > len)
            return -1;
        if (i == 0 && relay_h264_sps_size(p + off, n, &out->width, &out->height) < 0)
            return -1;
        off += n;
    }
    if (off + 1 > len)
        return -1;
    out->nb_pps = p[off++];
    for (int i = 0; i < out->nb_pps; i++) {
        if (off + 2 > len)
            return -1;
        size_t n = ((size_t)p[off] << 8) | p[off + 1];
        off += 2;
        if (off + n > len)
            return -1;
        off += n;
    }
    return out->nb_pps > 0 ? 0 : -1;
}

int relay_avcc_parameter_sets(const uint8_t *p, size_t len, int nal_length_size, uint8_t *out, size_t cap)
{
    size_t off = 5, n = 0, lsize = (size_t)nal_length_size;
    if (len < 6 || lsize < 1 || lsize > 4)
        return -1;
    for (int kind = 0; kind < 2; kind++) { /* the SPSs, then the PPSs */
        if (off >= len)
            return -1;
        int count = kind == 0 ? (p[off++] & 0x1f) : p[off++];
        for (int i = 0; i < count; i++) {
            if (off + 2 > len)
                return -1;
            size_t nal = ((size_t)p[off] << 8) | p[off + 1];
            off += 2;
            if (off + nal > len || n + lsize + nal > cap)
                return -1;
            for (size_t k = 0; k < lsize; k++)
                out[n + k] = (uint8_t)(nal >> (8 * (lsize - 1 - k)));
            memcpy(out + n + lsize, p + off, nal);
            n += lsize + nal;
            off += nal;
        }
    }
    return (int)n;
}

int relay_asc_parse(const uint8_t *p, size_t len, relay_aac_config *out)
{
    static const int rates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                  22050, 16000, 12000, 11025, 8000,  7350};
    memset(out, 0, sizeof(*out));
    if (len < 2)
        return -1;
    bitreader br = {p, len * 8, 0, 0};
    int ot = (int)br_bits(&br, 5);
    if (ot == 31)
        ot = 32 + (int)br_bits(&br, 6);
    unsigned fi = br_bits(&br, 4);
    int rate;
    if (fi == 15)
        rate = (int)br_bits(&br, 24);
    else if (fi < 13)
        rate = rates[fi];
    else
        return -1;
    int ch = (int)br_bits(&br, 4);
    if (br.overrun || ot == 0 || rate <= 0 || ch > 7)
        return -1;
    out->object_type = ot;
    out->sample_rate = rate;
    out->channels = ch == 7 ? 8 : ch;
    return 0;
}

void relay_avc_codec_string(const relay_avc_config *c, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "avc1.%02x%02x%02x", c->profile, c->compat, c->level);
}
