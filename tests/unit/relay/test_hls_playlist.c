/* test_hls_playlist.c - src/relay/hls.c without libavformat: segments the
 * muxer staged are published when its playlist names them; the relay's own
 * playlist keeps a sliding window across epochs with EXT-X-DISCONTINUITY,
 * EXT-X-MAP and a discontinuity sequence; MIME types; init segments are
 * kept while referenced. Includes hls.c to stage segments directly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/hls.c"

static void stage(hls_store *st, int epoch, int n)
{
    char name[HLS_NAME];
    snprintf(name, sizeof(name), "%d-%d.m4s", epoch, n);
    hls_seg *s = &st->staged[st->nstaged++];
    memset(s, 0, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->data = relay_blob_new(name, strlen(name));
    s->epoch = epoch;
}

/* What the muxer writes after segment n of epoch e (its own window),
 * that segment lasting dur s. */
static void muxer_playlist_dur(hls_store *st, int epoch, int n, double dur)
{
    char text[1024];
    size_t len = (size_t)snprintf(
        text, sizeof(text),
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n"
        "#EXT-X-MAP:URI=\"%d-init.mp4\"\n"
        "#EXTINF:%f,\n#EXT-X-PROGRAM-DATE-TIME:2026-11-26T10:00:%02d.000+0000\n"
        "%d-%d.m4s\n",
        epoch, dur, n % 60, epoch, n);
    on_muxer_playlist(st, text, len);
}

static void muxer_playlist(hls_store *st, int epoch, int n)
{
    muxer_playlist_dur(st, epoch, n, 1.001);
}

static char *playlist(hls_store *st)
{
    const char *mime;
    relay_blob *b = hls_store_get(st, "index.m3u8", &mime);
    assert_non_null(b);
    assert_string_equal(mime, "application/vnd.apple.mpegurl");
    char *s = strdup((const char *)b->data);
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
    stage(st, 1, 0); /* written, but the muxer has not named it yet */
    assert_null(hls_store_get(st, "index.m3u8", &mime));
    assert_null(hls_store_get(st, "1-0.m4s", &mime));
    hls_store_free(st);
}

static void test_segments_publish_with_duration_and_date(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    store_init(st, 1, relay_blob_new("init", 4));
    st->epochs = 1;
    stage(st, 1, 0);
    muxer_playlist(st, 1, 0);
    char *pl = playlist(st);
    assert_non_null(strstr(pl, "#EXT-X-MEDIA-SEQUENCE:0\n"));
    assert_non_null(strstr(pl, "#EXT-X-MAP:URI=\"1-init.mp4\"\n"));
    assert_non_null(strstr(
        pl, "#EXT-X-PROGRAM-DATE-TIME:2026-11-26T10:00:00.000+0000\n#EXTINF:1.001,\n1-0.m4s\n"));
    assert_non_null(strstr(pl, "#EXT-X-TARGETDURATION:1\n")); /* 1.001 rounded */
    free(pl);
    const char *mime;
    relay_blob *b = hls_store_get(st, "1-0.m4s", &mime);
    assert_non_null(b);
    assert_string_equal(mime, "video/iso.segment");
    relay_blob_unref(b);
    b = hls_store_get(st, "1-init.mp4", &mime);
    assert_non_null(b);
    assert_string_equal(mime, "video/mp4");
    relay_blob_unref(b);
    assert_null(hls_store_get(st, "2-init.mp4", &mime));
    assert_int_equal(hls_store_playlist_hits(st), 1);
    hls_store_free(st);
}

/* EXT-X-TARGETDURATION: every EXTINF rounded to the nearest integer fits
 * in it; it grows with a longer segment and never shrinks after. */
static void test_target_duration_rounds_and_never_shrinks(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    store_init(st, 1, relay_blob_new("init", 4));
    st->epochs = 1;
    stage(st, 1, 0);
    muxer_playlist_dur(st, 1, 0, 1.49);
    char *pl = playlist(st);
    assert_non_null(strstr(pl, "#EXT-X-TARGETDURATION:1\n"));
    free(pl);
    stage(st, 1, 1);
    muxer_playlist_dur(st, 1, 1, 1.5);
    pl = playlist(st);
    assert_non_null(strstr(pl, "#EXT-X-TARGETDURATION:2\n"));
    free(pl);
    for (int n = 2; n < 2 + HLS_KEEP; n++) { /* the long one slides out */
        stage(st, 1, n);
        muxer_playlist(st, 1, n);
    }
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
    st->epochs = 1;
    store_init(st, 1, relay_blob_new("i1", 2));
    for (int i = 0; i < 4; i++) {
        stage(st, 1, i);
        muxer_playlist(st, 1, i);
    }
    /* takeover: epoch 2 */
    st->epochs = 2;
    store_init(st, 2, relay_blob_new("i2", 2));
    for (int i = 0; i < 3; i++) {
        stage(st, 2, i);
        muxer_playlist(st, 2, i);
    }
    char *pl = playlist(st);
    assert_int_equal(count(pl, "#EXTINF"), HLS_WINDOW);
    assert_non_null(strstr(pl, "#EXT-X-MEDIA-SEQUENCE:1\n"));
    assert_non_null(strstr(pl, "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"));
    assert_non_null(strstr(pl, "1-3.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"2-init.mp4\"\n"));
    assert_int_equal(count(pl, "#EXT-X-MAP"), 2);
    free(pl);

    /* epoch 1 leaves the window: the discontinuity sequence counts it */
    for (int i = 3; i < 7; i++) {
        stage(st, 2, i);
        muxer_playlist(st, 2, i);
    }
    pl = playlist(st);
    assert_null(strstr(pl, "\n1-"));
    assert_non_null(strstr(pl, "#EXT-X-DISCONTINUITY-SEQUENCE:1\n"));
    assert_int_equal(count(pl, "#EXT-X-DISCONTINUITY\n"), 0);
    free(pl);

    /* epoch 1 leaves memory: its init goes too */
    for (int i = 7; i < 7 + HLS_KEEP; i++) {
        stage(st, 2, i);
        muxer_playlist(st, 2, i);
    }
    const char *mime;
    assert_null(hls_store_get(st, "1-init.mp4", &mime));
    assert_null(hls_store_get(st, "1-0.m4s", &mime));
    relay_blob *b = hls_store_get(st, "2-init.mp4", &mime);
    assert_non_null(b);
    relay_blob_unref(b);
    assert_int_equal(st->nsegs, HLS_KEEP);
    assert_int_equal(hls_store_segments(st), 4 + 7 + HLS_KEEP);
    hls_store_free(st);
}

static void test_unnamed_staged_segments_are_bounded(void **state)
{
    (void)state;
    hls_store *st = hls_store_new();
    hls_mux m = {.st = st, .epoch = 1};
    AVFormatContext fake = {.opaque = &m};
    for (int i = 0; i < HLS_STAGED * 3; i++) {
        AVIOContext *pb = NULL;
        char name[32];
        snprintf(name, sizeof(name), "mem:1-%d.m4s", i);
        assert_int_equal(io_open(&fake, &pb, name, AVIO_FLAG_WRITE, NULL), 0);
        avio_write(pb, (const unsigned char *)"data", 4);
        io_close2(&fake, pb);
    }
    assert_int_equal(st->nstaged, HLS_STAGED);
    assert_string_equal(st->staged[HLS_STAGED - 1].name, "1-23.m4s");
    hls_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_playlist_before_first_segment),
        cmocka_unit_test(test_segments_publish_with_duration_and_date),
        cmocka_unit_test(test_target_duration_rounds_and_never_shrinks),
        cmocka_unit_test(test_window_and_discontinuity),
        cmocka_unit_test(test_unnamed_staged_segments_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
