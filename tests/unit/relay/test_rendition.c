/* test_rendition.c - the pure parts of the low rendition: which streams
 * get one (relay_rendition_wanted), its picture size
 * (relay_rendition_size: short side 360, aspect kept, even, never
 * upscaled) and the multivariant playlist (hls_master.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "farmlive/relay_rendition.h"

static void test_wanted(void **state)
{
    (void)state;
    assert_false(relay_rendition_wanted(FL_LOW_RENDITION_OFF, 1920, 1080));
    assert_true(relay_rendition_wanted(FL_LOW_RENDITION_ON, 320, 240));
    assert_true(relay_rendition_wanted(FL_LOW_RENDITION_ON, 1920, 1080));
    assert_false(relay_rendition_wanted(FL_LOW_RENDITION_ON, 0, 0)); /* audio only, or no size yet */
    assert_true(relay_rendition_wanted(FL_LOW_RENDITION_AUTO, 1280, 720));
    assert_true(relay_rendition_wanted(FL_LOW_RENDITION_AUTO, 540, 960)); /* a vertical qHD phone */
    assert_true(relay_rendition_wanted(FL_LOW_RENDITION_AUTO, 960, 540));
    assert_false(relay_rendition_wanted(FL_LOW_RENDITION_AUTO, 854, 480));
    assert_false(relay_rendition_wanted(FL_LOW_RENDITION_AUTO, 640, 360));
    /* a cooperative's choice in the publish answer */
    assert_int_equal(relay_rendition_mode_parse("off"), FL_LOW_RENDITION_OFF);
    assert_int_equal(relay_rendition_mode_parse("on"), FL_LOW_RENDITION_ON);
    assert_int_equal(relay_rendition_mode_parse("auto"), FL_LOW_RENDITION_AUTO);
    assert_int_equal(relay_rendition_mode_parse("default"), -1);
    assert_int_equal(relay_rendition_mode_parse("max"), -1);
    assert_int_equal(relay_rendition_mode_parse(NULL), -1);
}

/* clang-format off */
static const struct size_case {
    int w, h, out_w, out_h;
} sizes[] = {
    {1920, 1080, 640, 360},
    {1280, 720, 640, 360},
    {1080, 1920, 360, 640}, /* vertical phone */
    {720, 1280, 360, 640},
    {640, 480, 480, 360},   /* 4:3 */
    {1440, 1080, 480, 360},
    {1080, 1080, 360, 360}, /* square */
    {1366, 768, 640, 360},  /* 640.3: rounded to even */
    {1000, 562, 640, 360},  /* 640.57 -> 640 */
    {2560, 1080, 854, 360}, /* 21:9: 853.3 -> 854 */
    {640, 360, 640, 360},   /* already 360p */
    {320, 240, 320, 240},   /* smaller: never upscaled */
    {321, 241, 320, 240},   /* odd: even */
    {176, 144, 176, 144},
    {2, 2000, 2, 2000},
};
/* clang-format on */

static void test_size(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        int w = -1, h = -1;
        assert_int_equal(relay_rendition_size(sizes[i].w, sizes[i].h, RELAY_LOW_SHORT_SIDE, &w, &h), 0);
        if (w != sizes[i].out_w || h != sizes[i].out_h)
            fail_msg("%dx%d -> %dx%d, want %dx%d", sizes[i].w, sizes[i].h, w, h, sizes[i].out_w, sizes[i].out_h);
        assert_int_equal(w % 2, 0);
        assert_int_equal(h % 2, 0);
    }
    int w, h;
    assert_int_equal(relay_rendition_size(0, 720, 360, &w, &h), -1);
    assert_int_equal(relay_rendition_size(1280, -1, 360, &w, &h), -1);
    assert_int_equal(relay_rendition_size(1280, 720, 0, &w, &h), -1);
}

static void test_master(void **state)
{
    (void)state;
    fl_buf b;
    fl_buf_init(&b, 64, 4096);
    relay_hls_variant v[] = {
        {"index.m3u8", 2200000, 1280, 720, "avc1.64001f,mp4a.40.2"},
        {"low/index.m3u8", 528000, 640, 360, "avc1.4d401e,mp4a.40.2"},
    };
    relay_hls_master_write(&b, v, 2);
    assert_string_equal(b.p,
                        "#EXTM3U\n#EXT-X-VERSION:7\n"
                        "#EXT-X-STREAM-INF:BANDWIDTH=2200000,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"\n"
                        "index.m3u8\n"
                        "#EXT-X-STREAM-INF:BANDWIDTH=528000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"\n"
                        "low/index.m3u8\n");
    fl_buf_free(&b);

    /* the source alone (no rendition); unknown size and codecs left out, a
     * bandwidth not measured yet still positive (BANDWIDTH is required) */
    fl_buf_init(&b, 64, 4096);
    relay_hls_variant audio_only = {"index.m3u8", 0, 0, 0, ""};
    relay_hls_master_write(&b, &audio_only, 1);
    assert_string_equal(b.p, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=1\nindex.m3u8\n");
    assert_null(strstr(b.p, "low/"));
    fl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wanted),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_master),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
