/* test_hls_parts.c - src/relay/hls.c's part and segment bookkeeping and
 * its blocking requests, without libavformat: names; a segment's bytes
 * are its parts' concatenated; a GOP longer than HLS_PARTS parts is cut;
 * _HLS_msn / _HLS_part reloads answer at once, wait (the waiter is woken
 * exactly once, when its part is out) or are refused; the preload-hinted
 * part waits, other future parts are 404; cancel disarms. Includes hls.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/hls.c"

static void part(hls_store *st, int epoch, int n, int p, int last)
{
    char name[HLS_NAME];
    snprintf(name, sizeof(name), "<%d.%d>", n, p);
    store_part(st, epoch, n, 1795687200000LL + n * 1000, relay_blob_new(name, strlen(name)), 200, p == 0, last);
}

static void segment(hls_store *st, int epoch, int n)
{
    for (int p = 0; p < 5; p++)
        part(st, epoch, n, p, p == 4);
}

static hls_store *store_with(int nsegs)
{
    hls_store *st = hls_store_new();
    st->epochs = 1;
    store_init(st, 1, relay_blob_new("init", 4));
    for (int n = 0; n < nsegs; n++)
        segment(st, 1, n);
    return st;
}

typedef struct {
    hls_waiter w;
    int woken;
} test_waiter;

static void on_wake(hls_waiter *w)
{
    ((test_waiter *)w)->woken++;
}

static void test_names(void **state)
{
    (void)state;
    int e, n, p;
    assert_int_equal(parse_name("12-init.mp4", &e, &n, &p), NAME_INIT);
    assert_int_equal(e, 12);
    assert_int_equal(parse_name("12-3.m4s", &e, &n, &p), NAME_SEG);
    assert_int_equal(n, 3);
    assert_int_equal(p, -1);
    assert_int_equal(parse_name("12-3.4.m4s", &e, &n, &p), NAME_PART);
    assert_int_equal(p, 4);
    static const char *const bad[] = {"",
                                      "x-1.m4s",
                                      "12-",
                                      "12-3",
                                      "12-3.m4",
                                      "12-3..m4s",
                                      "12-3.4.5.m4s",
                                      "-1-2.m4s",
                                      "12-3.m4s/",
                                      "12-+3.m4s",
                                      "99999999999-1.m4s",
                                      "index.m3u8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse_name(bad[i], &e, &n, &p), NAME_BAD);
}

static void test_segment_is_its_parts(void **state)
{
    (void)state;
    hls_store *st = store_with(1);
    part(st, 1, 1, 0, 0);
    const char *mime;
    relay_blob *b = hls_store_get(st, "1-0.m4s", &mime);
    assert_non_null(b);
    assert_string_equal(mime, "video/iso.segment");
    const char *want = "<0.0><0.1><0.2><0.3><0.4>";
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
    relay_blob_unref(b);
    b = hls_store_get(st, "1-0.3.m4s", &mime);
    assert_non_null(b);
    assert_memory_equal(b->data, "<0.3>", 5);
    relay_blob_unref(b);
    b = hls_store_get(st, "1-1.0.m4s", &mime); /* a part of the segment in progress */
    assert_non_null(b);
    relay_blob_unref(b);
    assert_null(hls_store_get(st, "1-1.m4s", &mime)); /* not whole yet */
    assert_null(hls_store_get(st, "1-0.5.m4s", &mime));
    assert_null(hls_store_get(st, "2-0.0.m4s", &mime));
    assert_int_equal(hls_store_segments(st), 1);
    assert_int_equal(st->segs[0].dur_ms, 1000);
    assert_int_equal(st->segs[0].nparts, 5);
    hls_store_free(st);
}

static void test_long_gop_is_cut(void **state)
{
    (void)state;
    hls_store *st = store_with(0);
    for (int p = 0; p < HLS_PARTS; p++)
        part(st, 1, 0, p, 0);
    assert_int_equal(st->nsegs, 1);
    assert_int_equal(st->has_cur, 0);
    assert_int_equal(st->segs[0].nparts, HLS_PARTS);
    hls_store_free(st);
}

static void test_blocking_reload(void **state)
{
    (void)state;
    hls_store *st = store_with(0);
    relay_blob *b = NULL;
    test_waiter tw = {.w.wake = on_wake};
    /* no playlist yet */
    assert_int_equal(hls_store_playlist(st, 0, -1, &tw.w, &b), HLS_NOT_FOUND);
    segment(st, 1, 0);
    segment(st, 1, 1); /* msn 0, 1 whole; 2 in progress */
    /* there already */
    assert_int_equal(hls_store_playlist(st, 1, -1, NULL, &b), HLS_READY);
    relay_blob_unref(b);
    assert_int_equal(hls_store_playlist(st, 1, 7, NULL, &b), HLS_READY);
    relay_blob_unref(b);
    /* too far: msn past the last segment + 2, part past the next + 2 */
    assert_int_equal(hls_store_playlist(st, 4, -1, &tw.w, &b), HLS_TOO_FAR);
    assert_int_equal(hls_store_playlist(st, 2, 3, &tw.w, &b), HLS_TOO_FAR);
    assert_int_equal(tw.w.armed, 0);
    /* msn 3 (next after the one in progress) waits */
    assert_int_equal(hls_store_playlist(st, 3, -1, NULL, &b), HLS_WAIT);
    assert_null(b);
    /* part 1 of msn 2 waits; part 0 coming out does not wake it */
    assert_int_equal(hls_store_playlist(st, 2, 1, &tw.w, &b), HLS_WAIT);
    assert_int_equal(tw.w.armed, 1);
    part(st, 1, 2, 0, 0);
    assert_int_equal(tw.woken, 0);
    part(st, 1, 2, 1, 0);
    assert_int_equal(tw.woken, 1);
    assert_int_equal(tw.w.armed, 0);
    assert_int_equal(hls_store_playlist(st, 2, 1, NULL, &b), HLS_READY);
    assert_non_null(strstr((const char *)b->data, "URI=\"1-2.1.m4s\""));
    relay_blob_unref(b);
    part(st, 1, 2, 2, 0);
    assert_int_equal(tw.woken, 1); /* once */
    /* the whole segment: woken when its last part closes it */
    assert_int_equal(hls_store_playlist(st, 2, -1, &tw.w, &b), HLS_WAIT);
    part(st, 1, 2, 3, 0);
    assert_int_equal(tw.woken, 1);
    part(st, 1, 2, 4, 1);
    assert_int_equal(tw.woken, 2);
    /* cancel: disarmed, never woken */
    assert_int_equal(hls_store_playlist(st, 3, 0, &tw.w, &b), HLS_WAIT);
    assert_int_equal(hls_store_cancel(st, &tw.w), 1);
    assert_int_equal(hls_store_cancel(st, &tw.w), 0);
    segment(st, 1, 3);
    assert_int_equal(tw.woken, 2);
    hls_store_free(st);
}

/* Viewer estimate: a blocking player counts once per segment. */
static void test_hits(void **state)
{
    (void)state;
    hls_store *st = store_with(2);
    relay_blob *b = NULL;
    for (int p = 0; p < 3; p++) {
        assert_int_equal(hls_store_playlist(st, 1, p, NULL, &b), HLS_READY);
        relay_blob_unref(b);
    }
    assert_int_equal(hls_store_playlist_hits(st), 1);
    assert_int_equal(hls_store_playlist(st, -1, -1, NULL, &b), HLS_READY);
    relay_blob_unref(b);
    assert_int_equal(hls_store_playlist_hits(st), 2);
    hls_store_free(st);
}

static void test_preload_hinted_part_waits(void **state)
{
    (void)state;
    hls_store *st = store_with(1);
    relay_blob *b = NULL;
    const char *mime;
    test_waiter tw = {.w.wake = on_wake};
    /* between segments: the hint is the next segment's part 0 */
    assert_int_equal(hls_store_media(st, "1-1.0.m4s", &tw.w, &b, &mime), HLS_WAIT);
    assert_int_equal(hls_store_media(st, "1-1.1.m4s", NULL, &b, &mime), HLS_NOT_FOUND);
    assert_int_equal(hls_store_media(st, "1-2.0.m4s", NULL, &b, &mime), HLS_NOT_FOUND);
    assert_int_equal(hls_store_media(st, "1-1.m4s", NULL, &b, &mime), HLS_NOT_FOUND);
    part(st, 1, 1, 0, 0);
    assert_int_equal(tw.woken, 1);
    assert_int_equal(hls_store_media(st, "1-1.0.m4s", NULL, &b, &mime), HLS_READY);
    assert_memory_equal(b->data, "<1.0>", 5);
    relay_blob_unref(b);
    /* within a segment: the next part */
    assert_int_equal(hls_store_media(st, "1-1.1.m4s", &tw.w, &b, &mime), HLS_WAIT);
    part(st, 1, 1, 1, 0);
    assert_int_equal(tw.woken, 2);
    /* the publisher leaves: no hint any more */
    assert_int_equal(hls_store_media(st, "1-1.2.m4s", &tw.w, &b, &mime), HLS_WAIT);
    store_epoch_end(st, 1); /* closes segment 1: the waiter asks again, gets 404 */
    assert_int_equal(tw.woken, 3);
    assert_int_equal(hls_store_cancel(st, &tw.w), 0);
    assert_null(strstr((const char *)st->playlist->data, "PRELOAD-HINT"));
    assert_int_equal(hls_store_media(st, "1-1.2.m4s", NULL, &b, &mime), HLS_NOT_FOUND);
    assert_int_equal(hls_store_media(st, "bogus", NULL, &b, &mime), HLS_NOT_FOUND);
    hls_store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_segment_is_its_parts),
        cmocka_unit_test(test_long_gop_is_cut),
        cmocka_unit_test(test_blocking_reload),
        cmocka_unit_test(test_hits),
        cmocka_unit_test(test_preload_hinted_part_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
