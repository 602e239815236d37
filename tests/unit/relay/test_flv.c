/* test_flv.c - src/relay/flv.c: the FLV tag writer, bytes in, bytes out
 * (file header, tag headers with extended timestamps, tag layout, codec
 * info). The fan-out is tested in test_flv_fanout.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/flv.c"

/* -- the pure writer ----------------------------------------------------- */

static void test_file_header(void **state)
{
    (void)state;
    uint8_t h[FLV_FILE_HEADER_SIZE];
    static const uint8_t want[] = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
    flv_write_file_header(h, 1, 1);
    assert_memory_equal(h, want, sizeof(want));
    flv_write_file_header(h, 0, 1);
    assert_int_equal(h[4], 1);
    flv_write_file_header(h, 1, 0);
    assert_int_equal(h[4], 4);
}

static void test_tag_header_extended_ts(void **state)
{
    (void)state;
    uint8_t h[FLV_TAG_HEADER_SIZE];
    flv_write_tag_header(h, FLV_TAG_VIDEO, 0x012345, 0x89abcdef);
    static const uint8_t want[] = {9, 0x01, 0x23, 0x45, 0xab, 0xcd, 0xef, 0x89, 0, 0, 0};
    assert_memory_equal(h, want, sizeof(want));
}

static void test_tag_new_layout(void **state)
{
    (void)state;
    static const uint8_t prefix[] = {0x02, 0x00, 0x01, 'x'};
    static const uint8_t body[] = {0xaa, 0xbb, 0xcc};
    relay_tag *t = relay_tag_new(FLV_TAG_SCRIPT, 1000, prefix, sizeof(prefix), body, sizeof(body));
    assert_non_null(t);
    assert_int_equal(t->size, 11 + 7 + 4);
    assert_int_equal(t->data[0], 18);
    assert_int_equal(t->data[3], 7); /* DataSize */
    assert_int_equal(t->data[5], 0x03);
    assert_int_equal(t->data[6], 0xe8); /* 1000 ms */
    assert_memory_equal(relay_tag_body(t), prefix, sizeof(prefix));
    assert_memory_equal(relay_tag_body(t) + 4, body, sizeof(body));
    assert_int_equal(relay_tag_body_len(t), 7);
    /* PreviousTagSize = 11 + DataSize */
    const uint8_t *pts = t->data + t->size - 4;
    assert_int_equal((pts[0] << 24) | (pts[1] << 16) | (pts[2] << 8) | pts[3], 18);
    flv_set_tag_ts(t->data, 0x01020304);
    assert_int_equal(t->data[7], 0x01);
    assert_int_equal(t->data[4], 0x02);
    relay_tag_ref(t);
    relay_tag_unref(t);
    relay_tag_unref(t);
    relay_tag_unref(NULL);
}

static void test_tag_too_big(void **state)
{
    (void)state;
    static uint8_t big[FLV_MAX_BODY + 1];
    assert_null(relay_tag_new(FLV_TAG_VIDEO, 0, NULL, 0, big, sizeof(big)));
}

static void test_video_audio_info(void **state)
{
    (void)state;
    int key, seq;
    int32_t cts;
    static const uint8_t seqhdr[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t inter[] = {0x27, 0x01, 0xff, 0xff, 0xd8, 0x00}; /* cts -40 */
    static const uint8_t hevc[] = {0x1c, 0x01, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(flv_video_info(seqhdr, sizeof(seqhdr), &key, &seq, &cts), 0);
    assert_true(key);
    assert_true(seq);
    assert_int_equal(flv_video_info(inter, sizeof(inter), &key, &seq, &cts), 0);
    assert_false(key);
    assert_false(seq);
    assert_int_equal(cts, -40);
    assert_int_equal(flv_video_info(hevc, sizeof(hevc), &key, &seq, &cts), -1);
    assert_int_equal(flv_video_info(seqhdr, 4, &key, &seq, &cts), -1);
    static const uint8_t aac_seq[] = {0xaf, 0x00, 0x12, 0x10};
    static const uint8_t aac_raw[] = {0xaf, 0x01, 0x21};
    static const uint8_t mp3[] = {0x2f, 0x01};
    assert_int_equal(flv_audio_info(aac_seq, sizeof(aac_seq), &seq), 0);
    assert_true(seq);
    assert_int_equal(flv_audio_info(aac_raw, sizeof(aac_raw), &seq), 0);
    assert_false(seq);
    assert_int_equal(flv_audio_info(mp3, sizeof(mp3), &seq), -1);
    assert_int_equal(flv_audio_info(aac_seq, 1, &seq), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_header),      cmocka_unit_test(test_tag_header_extended_ts),
        cmocka_unit_test(test_tag_new_layout),   cmocka_unit_test(test_tag_too_big),
        cmocka_unit_test(test_video_audio_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
