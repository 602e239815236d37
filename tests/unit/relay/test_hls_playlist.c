/* test_hls_playlist.c - src/relay/hls.c's playlist, without libavformat:
 * parts and segments are published the way hls_mux does (store_init,
 * store_part, store_epoch_end); the LL-HLS playlist keeps a sliding window
 * across epochs with EXT-X-DISCONTINUITY, EXT-X-MAP and a discontinuity
 * sequence, lists EXT-X-PART for the last 3 target durations and the
 * segment in progress, and hints the next part. Includes hls.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/hls.c"

#define T0 1795687200000LL /* 2026-11-26T10:00:00Z */

/* Part p of segment n of epoch, dur_ms long; the first is independent. */
static void part_dur(hls_store *st, int epoch, int n, int p, int dur_ms, int last)
{
    char name[HLS_NAME];
    snprintf(name, sizeof(name), "<%d-%d.%d>", epoch, n, p);
    store_part(st, epoch, n, T0 + (int64_t)n * 1000, relay_blob_new(name, strlen(name)), dur_ms, p == 0, last);
}

/* A whole segment of nparts parts making dur_ms. */
static void segment_dur(hls_store *st, int epoch, int n, int nparts, int dur_ms)
{
    for (int p = 0; p < nparts; p++)
        part_dur(st, epoch, n, p, p < nparts - 1 ? dur_ms / nparts : dur_ms - dur_ms / nparts * (nparts - 1),
                 p == nparts - 1);
}

static void segment(hls_store *st, int epoch, int n)
{
    segment_dur(st, epoch, n, 5, 1000);
}

static void epoch_start(hls_store *st, int epoch)
{
    st->epochs = epoch;
    store_init(st, epoch, relay_blob_new("init", 4));
}

static char *playlist(hls_store *st)
{
    const char *mime;
    relay_blob *b = hls_store_get(st, "index.m3u8", &mime);
    assert_non_null(b);
    assert_string_equal(mime, "application/vnd.apple.mpegurl");
    char *s = strndup((const char *)b->data, b->len);
    relay_blob_unref(b);
    return s;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_no_playlist_before_first_segment(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    const char *mime;
    assert_null(hls_store_get(st, "index.m3u8", &mime));
    epoch_start(st, 1);
    part_dur(st, 1, 0, 0, 200, 0); /* a part, but no whole segment yet */
    assert_null(hls_store_get(st, "index.m3u8", &mime));
    assert_null(hls_store_get(st, "1-0.m4s", &mime));
    hls_store_free(st);
}

static void test_ll_header_parts_and_hint(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    epoch_start(st, 1);
    segment(st, 1, 0);
    char *pl = playlist(st);
    assert_non_null(strstr(pl, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n"));
    assert_non_null(strstr(pl, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.600\n"));
    assert_non_null(strstr(pl, "#EXT-X-PART-INF:PART-TARGET=0.200\n"));
    assert_non_null(strstr(pl, "#EXT-X-MEDIA-SEQUENCE:0\n"));
    assert_non_null(strstr(pl, "#EXT-X-MAP:URI=\"1-init.mp4\"\n"));
    assert_non_null(strstr(pl, "#EXT-X-PROGRAM-DATE-TIME:2026-11-26T10:00:00.000+0000\n"
                               "#EXT-X-PART:DURATION=0.200,URI=\"1-0.0.m4s\",INDEPENDENT=YES\n"
                               "#EXT-X-PART:DURATION=0.200,URI=\"1-0.1.m4s\"\n"));
    assert_non_null(strstr(pl, "#EXT-X-PART:DURATION=0.200,URI=\"1-0.4.m4s\"\n"
                               "#EXTINF:1.000,\n1-0.m4s\n"
                               "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"1-1.0.m4s\"\n"));
    assert_int_equal(count(pl, "#EXT-X-PART:"), 5);
    free(pl);

    /* the segment in progress: its date, its parts, the next part hinted */
    part_dur(st, 1, 1, 0, 200, 0);
    part_dur(st, 1, 1, 1, 200, 0);
    pl = playlist(st);
    assert_non_null(strstr(pl, "1-0.m4s\n#EXT-X-PROGRAM-DATE-TIME:2026-11-26T10:00:01.000+0000\n"
                               "#EXT-X-PART:DURATION=0.200,URI=\"1-1.0.m4s\",INDEPENDENT=YES\n"
                               "#EXT-X-PART:DURATION=0.200,URI=\"1-1.1.m4s\"\n"
                               "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"1-1.2.m4s\"\n"));
    assert_int_equal(count(pl, "#EXTINF"), 1);
    free(pl);

    /* the publisher leaves: the last part closes the segment, no hint */
    part_dur(st, 1, 1, 2, 120, 0);
    store_epoch_end(st, 1);
    pl = playlist(st);
    assert_non_null(strstr(pl, "#EXTINF:0.520,\n1-1.m4s\n"));
    assert_null(strstr(pl, "PRELOAD-HINT"));
    free(pl);
    hls_store_free(st);
}

/* Parts are listed for the segments within 3 target durations of the
 * end (and the one in progress); older segments are EXTINF only. */
static void test_parts_only_near_the_end(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    epoch_start(st, 1);
    for (int n = 0; n < 8; n++)
        segment(st, 1, n);
    char *pl = playlist(st);
    assert_int_equal(count(pl, "#EXTINF"), HLS_WINDOW);
    assert_non_null(strstr(pl, "#EXT-X-MEDIA-SEQUENCE:2\n"));
    assert_int_equal(count(pl, "#EXT-X-PART:"), 3 * 5);
    assert_null(strstr(pl, "\"1-4.0.m4s\""));
    assert_non_null(strstr(pl, "\"1-5.0.m4s\""));
    assert_non_null(strstr(pl, "#EXT-X-PROGRAM-DATE-TIME:2026-11-26T10:00:02.000+0000\n#EXTINF"));
    free(pl);
    part_dur(st, 1, 8, 0, 200, 0);
    pl = playlist(st);
    assert_int_equal(count(pl, "#EXT-X-PART:"), 3 * 5 + 1); /* 0.2 + 3 x 1 s >= 3 s */
    assert_non_null(strstr(pl, "\"1-5.0.m4s\""));
    free(pl);
    hls_store_free(st);
}

/* EXT-X-TARGETDURATION: every EXTINF rounded to the nearest integer fits
 * in it; it grows with a longer segment and never shrinks after. */
static void test_target_duration_rounds_and_never_shrinks(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    epoch_start(st, 1);
    segment_dur(st, 1, 0, 7, 1490);
    char *pl = playlist(st);
    assert_non_null(strstr(pl, "#EXT-X-TARGETDURATION:1\n"));
    assert_non_null(strstr(pl, "#EXTINF:1.490,\n"));
    free(pl);
    segment_dur(st, 1, 1, 8, 1500);
    pl = playlist(st);
    assert_non_null(strstr(pl, "#EXT-X-TARGETDURATION:2\n"));
    free(pl);
    assert_int_equal(hls_store_block_ms(st), 6000);
    for (int n = 2; n < 2 + HLS_KEEP; n++) /* the long one slides out */
        segment(st, 1, n);
    pl = playlist(st);
    assert_null(strstr(pl, "1-1.m4s"));
    assert_non_null(strstr(pl, "#EXT-X-TARGETDURATION:2\n"));
    free(pl);
    hls_store_free(st);
}

static void test_window_and_discontinuity(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    epoch_start(st, 1);
    for (int i = 0; i < 4; i++)
        segment(st, 1, i);
    store_epoch_end(st, 1);
    /* takeover: epoch 2; its first part already brings the discontinuity */
    epoch_start(st, 2);
    part_dur(st, 2, 0, 0, 200, 0);
    char *pl = playlist(st);
    assert_non_null(strstr(pl, "1-3.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"2-init.mp4\"\n"
                               "#EXT-X-PROGRAM-DATE-TIME:2026-11-26T10:00:00.000+0000\n"
                               "#EXT-X-PART:DURATION=0.200,URI=\"2-0.0.m4s\",INDEPENDENT=YES\n"
                               "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"2-0.1.m4s\"\n"));
    free(pl);
    for (int p = 1; p < 5; p++)
        part_dur(st, 2, 0, p, 200, p == 4);
    for (int i = 1; i < 3; i++)
        segment(st, 2, i);
    pl = playlist(st);
    assert_int_equal(count(pl, "#EXTINF"), HLS_WINDOW);
    assert_non_null(strstr(pl, "#EXT-X-MEDIA-SEQUENCE:1\n"));
    assert_non_null(strstr(pl, "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"));
    assert_non_null(strstr(pl, "1-3.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"2-init.mp4\"\n"));
    assert_int_equal(count(pl, "#EXT-X-MAP"), 2);
    free(pl);

    /* epoch 1 leaves the window: the discontinuity sequence counts it */
    for (int i = 3; i < 7; i++)
        segment(st, 2, i);
    pl = playlist(st);
    assert_null(strstr(pl, "\n1-"));
    assert_non_null(strstr(pl, "#EXT-X-DISCONTINUITY-SEQUENCE:1\n"));
    assert_int_equal(count(pl, "#EXT-X-DISCONTINUITY\n"), 0);
    free(pl);

    /* epoch 1 leaves memory: its init goes too */
    for (int i = 7; i < 7 + HLS_KEEP; i++)
        segment(st, 2, i);
    const char *mime;
    assert_null(hls_store_get(st, "1-init.mp4", &mime));
    assert_null(hls_store_get(st, "1-0.m4s", &mime));
    relay_blob *b = hls_store_get(st, "2-init.mp4", &mime);
    assert_non_null(b);
    assert_string_equal(mime, "video/mp4");
    relay_blob_unref(b);
    assert_int_equal(st->nsegs, HLS_KEEP);
    assert_int_equal(hls_store_segments(st), 4 + 7 + HLS_KEEP);
    hls_store_free(st);
}

/* The renderer alone: a pure function of the store. */
static void test_render_is_pure(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    epoch_start(st, 1);
    segment(st, 1, 0);
    part_dur(st, 1, 1, 0, 200, 0);
    fl_buf a, b;
    fl_buf_init(&a, 64, HLS_PLAYLIST_MAX);
    fl_buf_init(&b, 64, HLS_PLAYLIST_MAX);
    render_playlist(st, &a);
    render_playlist(st, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_int_equal(a.len, st->playlist->len);
    assert_memory_equal(a.p, st->playlist->data, a.len);
    fl_buf_free(&a);
    fl_buf_free(&b);
    hls_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_playlist_before_first_segment),
        cmocka_unit_test(test_ll_header_parts_and_hint),
        cmocka_unit_test(test_parts_only_near_the_end),
        cmocka_unit_test(test_target_duration_rounds_and_never_shrinks),
        cmocka_unit_test(test_window_and_discontinuity),
        cmocka_unit_test(test_render_is_pure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
