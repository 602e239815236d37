/* test_ts_flv.c - src/relay/ts_flv.c: Annex B access units and ADTS
 * frames, as libavformat's mpegts demuxer gives them, into the FLV tag
 * bodies RTMP ingest hands the hub; the sequence header is accepted by the
 * outputs' own parser (relay_avcc_parse). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/relay/ts_flv.c"
#include "farmlive/relay_codec.h"

/* SPS/PPS of a 320x240 baseline stream (x264) */
static const uint8_t sps[] = {0x67, 0x42, 0xc0, 0x0d, 0xda, 0x05, 0x07, 0xec, 0x04, 0x40, 0x00,
                              0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0c, 0x83, 0xc5, 0x0a, 0xa8};
static const uint8_t pps[] = {0x68, 0xce, 0x0f, 0xc8};

static size_t put(uint8_t *p, size_t o, const uint8_t *nal, size_t n, int long_code)
{
    static const uint8_t sc4[] = {0, 0, 0, 1};
    memcpy(p + o, long_code ? sc4 : sc4 + 1, long_code ? 4 : 3);
    o += long_code ? 4 : 3;
    memcpy(p + o, nal, n);
    return o + n;
}

static void test_idr_with_parameter_sets(void **state)
{
    (void)state;
    static const uint8_t aud[] = {0x09, 0xf0};
    static const uint8_t idr[] = {0x65, 0x88, 0x84, 0x00, 0x10};
    uint8_t au[128];
    size_t n = put(au, 0, aud, sizeof(aud), 1);
    n = put(au, n, sps, sizeof(sps), 1);
    n = put(au, n, pps, sizeof(pps), 0);
    n = put(au, n, idr, sizeof(idr), 0);
    au[n++] = 0; /* trailing zero bytes belong to no NAL */
    ts_flv_avc v = {0};
    assert_int_equal(ts_flv_avc_au(&v, au, n, 0, 80), TS_FLV_FRAME | TS_FLV_SEQHDR);
    /* the sequence header: the outputs' parser reads it */
    assert_int_equal(v.seq[0], 0x17);
    assert_int_equal(v.seq[1], 0);
    relay_avc_config cfg;
    assert_int_equal(relay_avcc_parse(v.seq + 5, v.seq_len - 5, &cfg), 0);
    assert_int_equal(cfg.width, 320);
    assert_int_equal(cfg.height, 240);
    /* the frame: keyframe (IDR), CTS 80, one length-prefixed NAL (no AUD, SPS, PPS) */
    const uint8_t want[] = {0x17, 1, 0, 0, 80, 0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x10};
    assert_int_equal(v.body_len, sizeof(want));
    assert_memory_equal(v.body, want, sizeof(want));
    /* the same parameter sets again: no new sequence header */
    assert_int_equal(ts_flv_avc_au(&v, au, n, 0, 0), TS_FLV_FRAME);
    ts_flv_avc_free(&v);
}

static void test_inter_frames_and_waiting(void **state)
{
    (void)state;
    static const uint8_t slice[] = {0x41, 0x9a, 0x02};
    static const uint8_t sei[] = {0x06, 0x05, 0x01, 0x80};
    uint8_t au[64];
    size_t n = put(au, 0, sei, sizeof(sei), 1);
    n = put(au, n, slice, sizeof(slice), 0);
    ts_flv_avc v = {0};
    assert_int_equal(ts_flv_avc_au(&v, au, n, 0, 0), TS_FLV_NONE); /* no SPS/PPS yet: nothing to decode */
    uint8_t ps[64];
    size_t m = put(ps, 0, sps, sizeof(sps), 1);
    m = put(ps, m, pps, sizeof(pps), 1);
    assert_int_equal(ts_flv_avc_au(&v, ps, m, 0, 0), TS_FLV_SEQHDR); /* parameter sets alone: no picture */
    assert_int_equal(ts_flv_avc_au(&v, au, n, 0, 0), TS_FLV_FRAME);
    const uint8_t want[] = {0x27, 1, 0, 0, 0, 0, 0, 0, 4, 0x06, 0x05, 0x01, 0x80, 0, 0, 0, 3, 0x41, 0x9a, 0x02};
    assert_int_equal(v.body_len, sizeof(want));
    assert_memory_equal(v.body, want, sizeof(want));
    assert_int_equal(ts_flv_avc_au(&v, au, n, 1, 0) & TS_FLV_FRAME, TS_FLV_FRAME); /* the demuxer's key flag */
    assert_int_equal(v.body[0], 0x17);
    /* a changed PPS: a new sequence header */
    static const uint8_t pps2[] = {0x68, 0xce, 0x0f, 0xc9};
    m = put(ps, 0, pps2, sizeof(pps2), 1);
    assert_int_equal(ts_flv_avc_au(&v, ps, m, 0, 0), TS_FLV_SEQHDR);
    ts_flv_avc_free(&v);
}

static void test_malformed(void **state)
{
    (void)state;
    ts_flv_avc v = {0};
    uint8_t au[TS_FLV_PS_MAX + 16] = {0, 0, 1, 0x67};
    assert_int_equal(ts_flv_avc_au(&v, au, sizeof(au), 0, 0), -1); /* an SPS over TS_FLV_PS_MAX */
    const uint8_t short_sps[] = {0, 0, 1, 0x67, 0x42};
    assert_int_equal(ts_flv_avc_au(&v, short_sps, sizeof(short_sps), 0, 0), -1);
    const uint8_t junk[] = {1, 2, 3, 4, 5};
    assert_int_equal(ts_flv_avc_au(&v, junk, sizeof(junk), 0, 0), TS_FLV_NONE); /* no start code: nothing */
    assert_int_equal(ts_flv_avc_au(&v, junk, 0, 0, 0), TS_FLV_NONE);
    ts_flv_avc_free(&v);
}

static void test_adts(void **state)
{
    (void)state;
    /* AAC LC, 44.1 kHz (index 4), stereo, 7-byte header, 10 bytes in all */
    uint8_t f[10] = {0xff, 0xf1, 0x50, 0x80, 0x01, 0x5f, 0xfc, 0xde, 0xad, 0xbe};
    ts_flv_adts h;
    assert_int_equal(ts_flv_adts_parse(f, sizeof(f), &h), 0);
    assert_int_equal(h.header_len, 7);
    assert_int_equal(h.frame_len, 10);
    assert_int_equal(h.object_type, 2);
    assert_int_equal(h.sample_rate, 44100);
    assert_int_equal(h.channels, 2);
    uint8_t seq[4];
    ts_flv_aac_seq(&h, seq);
    const uint8_t want[] = {0xaf, 0x00, 0x12, 0x10}; /* AudioSpecificConfig LC / 44.1 kHz / 2 ch */
    assert_memory_equal(seq, want, 4);
    relay_aac_config aac;
    assert_int_equal(relay_asc_parse(seq + 2, 2, &aac), 0);
    assert_int_equal(aac.sample_rate, 44100);
    assert_int_equal(ts_flv_adts_parse(f, 9, &h), -1); /* cut short */
    f[1] = 0xf0;                                       /* protection_absent 0: a CRC, a 9-byte header */
    assert_int_equal(ts_flv_adts_parse(f, sizeof(f), &h), 0);
    assert_int_equal(h.header_len, 9);
    f[0] = 0xfe; /* no syncword */
    assert_int_equal(ts_flv_adts_parse(f, sizeof(f), &h), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idr_with_parameter_sets),
        cmocka_unit_test(test_inter_frames_and_waiting),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_adts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
