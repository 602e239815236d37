/* test_codec_config.c - src/relay/codec.c: AVCDecoderConfigurationRecord,
 * SPS picture size, AudioSpecificConfig, from real encoder output (x264
 * and FFmpeg's AAC, via FLV sequence headers) and from broken input.
 * Includes codec.c to reach the bit reader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/codec.c"

#include <stdlib.h>

/* FLV AVC sequence headers: 5-byte VIDEODATA prefix, then the record. */
static const uint8_t avc_320x240_baseline[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x0d, 0xff, 0xe1,
                                               0x00, 0x16, 0x67, 0x42, 0xc0, 0x0d, 0xda, 0x05, 0x07, 0xec, 0x04,
                                               0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0c, 0x83, 0xc5,
                                               0x0a, 0xa8, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};
static const uint8_t avc_640x360_cropped[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00,
                                              0x19, 0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0, 0x44,
                                              0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x58,
                                              0xba, 0x80, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};
static const uint8_t avc_1280x720_high[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00,
                                            0x1a, 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01,
                                            0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1,
                                            0x83, 0x19, 0x60, 0x01, 0x00, 0x06, 0x68, 0xea, 0xe3, 0xcb, 0x22, 0xc0};

typedef struct avc_case {
    const char *name;
    const uint8_t *tag;
    size_t len;
    int profile, level, width, height;
} avc_case;

static const avc_case avc_cases[] = {
    {"baseline 320x240", avc_320x240_baseline, sizeof(avc_320x240_baseline), 66, 13, 320, 240},
    {"baseline 640x360 (cropped from 368)", avc_640x360_cropped, sizeof(avc_640x360_cropped), 66, 30, 640, 360},
    {"high 1280x720", avc_1280x720_high, sizeof(avc_1280x720_high), 100, 31, 1280, 720},
};

static void test_avcc_real_records(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(avc_cases) / sizeof(avc_cases[0]); i++) {
        const avc_case *c = &avc_cases[i];
        relay_avc_config cfg;
        assert_int_equal(relay_avcc_parse(c->tag + 5, c->len - 5, &cfg), 0);
        assert_int_equal(cfg.profile, c->profile);
        assert_int_equal(cfg.level, c->level);
        assert_int_equal(cfg.nal_length_size, 4);
        assert_int_equal(cfg.nb_sps, 1);
        assert_int_equal(cfg.nb_pps, 1);
        assert_int_equal(cfg.width, c->width);
        assert_int_equal(cfg.height, c->height);
    }
}

/* The SPS and PPS of a record, length-prefixed as a sample's NAL units. */
static void test_avcc_parameter_sets(void **state)
{
    (void)state;
    const uint8_t *rec = avc_320x240_baseline + 5;
    size_t len = sizeof(avc_320x240_baseline) - 5;
    uint8_t out[128];
    int n = relay_avcc_parameter_sets(rec, len, 4, out, sizeof(out));
    assert_int_equal(n, 4 + 0x16 + 4 + 4);
    assert_memory_equal(out, "\x00\x00\x00\x16\x67\x42", 6);                    /* SPS, 22 bytes */
    assert_memory_equal(out + 4 + 0x16, "\x00\x00\x00\x04\x68\xce\x0f\xc8", 8); /* PPS */
    n = relay_avcc_parameter_sets(rec, len, 2, out, sizeof(out));
    assert_int_equal(n, 2 + 0x16 + 2 + 4);
    assert_memory_equal(out, "\x00\x16\x67", 3);
    assert_int_equal(relay_avcc_parameter_sets(rec, len, 4, out, 20), -1); /* does not fit */
    for (size_t cut = 0; cut < len; cut++)                                 /* truncated anywhere */
        assert_int_equal(relay_avcc_parameter_sets(rec, cut, 4, out, sizeof(out)), -1);
}

static void test_avcc_codec_string(void **state)
{
    (void)state;
    relay_avc_config cfg;
    char s[16];
    assert_int_equal(relay_avcc_parse(avc_1280x720_high + 5, sizeof(avc_1280x720_high) - 5, &cfg), 0);
    relay_avc_codec_string(&cfg, s, sizeof(s));
    assert_string_equal(s, "avc1.64001f");
}

/* Every truncation of a valid record is refused, never read past. */
static void test_avcc_truncated(void **state)
{
    (void)state;
    const uint8_t *rec = avc_320x240_baseline + 5;
    size_t len = sizeof(avc_320x240_baseline) - 5;
    relay_avc_config cfg;
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan catches overreads */
        memcpy(copy, rec, n);
        assert_int_equal(relay_avcc_parse(copy, n, &cfg), -1);
        free(copy);
    }
}

static void test_avcc_malformed(void **state)
{
    (void)state;
    relay_avc_config cfg;
    uint8_t rec[sizeof(avc_320x240_baseline) - 5];
    memcpy(rec, avc_320x240_baseline + 5, sizeof(rec));
    rec[0] = 2; /* version */
    assert_int_equal(relay_avcc_parse(rec, sizeof(rec), &cfg), -1);
    rec[0] = 1;
    rec[4] = 0xfe; /* NAL length size 3 */
    assert_int_equal(relay_avcc_parse(rec, sizeof(rec), &cfg), -1);
    rec[4] = 0xff;
    rec[5] = 0xe0; /* no SPS */
    assert_int_equal(relay_avcc_parse(rec, sizeof(rec), &cfg), -1);
    rec[5] = 0xe1;
    rec[8] = 0x68; /* the "SPS" is a PPS */
    assert_int_equal(relay_avcc_parse(rec, sizeof(rec), &cfg), -1);
}

/* An SPS of all ones / all zeros must end in -1, not a hang or overread. */
static void test_sps_garbage(void **state)
{
    (void)state;
    uint8_t sps[64];
    int w, h;
    for (int fill = 0; fill < 256; fill += 51) {
        memset(sps, fill, sizeof(sps));
        sps[0] = 0x67;
        sps[1] = 100; /* high profile: scaling lists path */
        (void)relay_h264_sps_size(sps, sizeof(sps), &w, &h);
    }
    memset(sps, 0, sizeof(sps));
    sps[0] = 0x67;
    assert_int_equal(relay_h264_sps_size(sps, sizeof(sps), &w, &h), -1);
}

static void test_bitreader_ue_se(void **state)
{
    (void)state;
    /* 1 | 010 | 011 | 00100 | 00101 -> ue 0,1,2,3 then se(4) = -2 */
    const uint8_t bits[] = {0xa6, 0x42, 0x80};
    bitreader br = {bits, sizeof(bits) * 8, 0, 0};
    assert_int_equal(br_ue(&br), 0);
    assert_int_equal(br_ue(&br), 1);
    assert_int_equal(br_ue(&br), 2);
    assert_int_equal(br_ue(&br), 3);
    assert_int_equal(br_se(&br), -2); /* ue 4 -> se -2 */
    assert_false(br.overrun);
    br_bits(&br, 32);
    assert_true(br.overrun);
}

typedef struct asc_case {
    uint8_t b[5];
    size_t len;
    int ret, ot, rate, ch;
} asc_case;

static void test_asc(void **state)
{
    (void)state;
    static const asc_case cases[] = {
        {{0x12, 0x08}, 2, 0, 2, 44100, 1}, /* FFmpeg AAC LC 44.1k mono */
        {{0x11, 0x90}, 2, 0, 2, 48000, 2}, /* AAC LC 48k stereo */
        {{0x13, 0x88}, 2, 0, 2, 22050, 1}, /* AAC LC 22.05k mono */
        {{0x12}, 1, -1, 0, 0, 0},          /* truncated */
        {{0x16, 0x88}, 2, -1, 0, 0, 0},    /* frequency index 13 */
        {{0x00, 0x00}, 2, -1, 0, 0, 0},    /* object type 0 */
        {{0xf8, 0x00}, 2, -1, 0, 0, 0},    /* escape, then truncated */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        relay_aac_config c;
        int ret = relay_asc_parse(cases[i].b, cases[i].len, &c);
        assert_int_equal(ret, cases[i].ret);
        if (ret == 0 && cases[i].rate) {
            assert_int_equal(c.object_type, cases[i].ot);
            assert_int_equal(c.sample_rate, cases[i].rate);
            assert_int_equal(c.channels, cases[i].ch);
        }
    }
    /* 00010 1111 (24 bits: 16000) 0001 */
    const uint8_t explicit_rate[] = {0x17, 0x80, 0x1f, 0x40, 0x08};
    relay_aac_config c;
    assert_int_equal(relay_asc_parse(explicit_rate, sizeof(explicit_rate), &c), 0);
    assert_int_equal(c.sample_rate, 16000);
    assert_int_equal(c.channels, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avcc_real_records), cmocka_unit_test(test_avcc_parameter_sets),
        cmocka_unit_test(test_avcc_codec_string), cmocka_unit_test(test_avcc_truncated),
        cmocka_unit_test(test_avcc_malformed),    cmocka_unit_test(test_sps_garbage),
        cmocka_unit_test(test_bitreader_ue_se),   cmocka_unit_test(test_asc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
