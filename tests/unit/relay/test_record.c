/* test_record.c - src/relay/record.c: one recording per session (a VOD
 * playlist of fMP4 segments through libavformat, a new init on new codecs,
 * resumed by a later run), the names a download may ask for, the listing,
 * and retention (by age, by disk budget, never an unfinished one). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/record.c"

static const uint8_t avc_seq[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x0d, 0xff, 0xe1, 0x00, 0x16, 0x67,
                                  0x42, 0xc0, 0x0d, 0xda, 0x05, 0x07, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40,
                                  0x00, 0x00, 0x0c, 0x83, 0xc5, 0x0a, 0xa8, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};

static char dir[] = "/tmp/test_record.XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    static char buf[65536];
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* A fake H.264 frame at ts (a keyframe every second), through the recorder. */
static int frame(relay_rec *r, const relay_media_params *p, uint32_t ts)
{
    uint8_t body[14] = {ts % 1000 == 0 ? 0x17 : 0x27, 0x01, 0, 0, 0, 0, 0, 0, 5, 0x65, 0x88, 0x84, 0, 0x21};
    relay_tag *t = relay_tag_new(FLV_TAG_VIDEO, ts, NULL, 0, body, sizeof(body));
    AVPacket *pkt = av_packet_alloc();
    assert_int_equal(relay_media_packet(pkt, t), 0);
    pkt->duration = 40;
    int ret = relay_rec_write(r, p, pkt);
    av_packet_free(&pkt);
    relay_tag_unref(t);
    return ret;
}

static void test_session_recording(void **state)
{
    (void)state;
    relay_media_params a = {0}, b = {0};
    uint8_t rotated[sizeof(avc_seq)];
    memcpy(rotated, avc_seq, sizeof(avc_seq));
    rotated[sizeof(rotated) - 1] ^= 1; /* another PPS: new codec parameters */
    assert_int_equal(relay_media_params_set_video(&a, avc_seq, sizeof(avc_seq)), 1);
    assert_int_equal(relay_media_params_set_video(&b, rotated, sizeof(rotated)), 1);

    relay_rec *r = relay_rec_open(dir, "sess-1");
    assert_false(relay_rec_stopped(r));
    uint32_t ts = 0;
    for (; ts < 6000; ts += 40) /* the first publisher: 6 s */
        assert_int_equal(frame(r, &a, ts), 0);
    for (ts += 100; ts % 1000 != 0; ts += 20) /* a reconnect, then the next keyframe */
        ;
    for (uint32_t end = ts + 4000; ts < end; ts += 40) /* the phone rotated: 4 s more */
        assert_int_equal(frame(r, &b, ts), 0);
    relay_rec_close(r);

    char path[512];
    snprintf(path, sizeof(path), "%s/recordings/sess-1/index.m3u8", dir);
    const char *pl = slurp(path);
    assert_non_null(strstr(pl, "#EXT-X-PLAYLIST-TYPE:VOD\n"));
    assert_non_null(strstr(pl, "#EXT-X-ENDLIST\n"));
    assert_int_equal(count(pl, "#EXT-X-MAP:URI=\"init-"), 2);
    assert_int_equal(count(pl, "#EXT-X-DISCONTINUITY\n"), 1);
    assert_non_null(strstr(pl, "seg-0.m4s"));
    json_t *list = relay_recordings_list(dir, "sess-1");
    assert_int_equal(json_array_size(list), 1);
    json_t *info = json_array_get(list, 0);
    double d = json_number_value(json_object_get(info, "duration_s"));
    if (d < 9.9 || d > 10.1)
        fail_msg("duration %.3f s, want 10 s (the content's)", d);
    assert_true(json_is_true(json_object_get(info, "finished")));
    assert_string_equal(json_string_value(json_object_get(info, "url")), "/recordings/sess-1/index.m3u8");
    int segs = (int)json_integer_value(json_object_get(info, "segments"));
    json_decref(list);

    /* a later run of the relay carries the same recording on */
    r = relay_rec_open(dir, "sess-1");
    for (ts = 0; ts < 2000; ts += 40)
        assert_int_equal(frame(r, &a, ts), 0);
    relay_rec_close(r);
    pl = slurp(path);
    assert_int_equal(count(pl, "#EXT-X-ENDLIST"), 1);
    assert_int_equal(count(pl, "#EXT-X-DISCONTINUITY\n"), 2);
    list = relay_recordings_list(dir, "sess-1");
    info = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(info, "segments")), segs + 1);
    d = json_number_value(json_object_get(info, "duration_s"));
    if (d < 11.9 || d > 12.1)
        fail_msg("duration %.3f s after the resume, want 12 s", d);
    json_decref(list);
    relay_media_params_clear(&a);
    relay_media_params_clear(&b);
}

static void test_recording_path(void **state)
{
    (void)state;
    char out[256];
    const char *mime;
    assert_int_equal(relay_recording_path("/v", "abc/index.m3u8", out, sizeof(out), &mime), 0);
    assert_string_equal(out, "/v/recordings/abc/index.m3u8");
    assert_string_equal(mime, "application/vnd.apple.mpegurl");
    assert_int_equal(relay_recording_path("/v", "abc/seg-12.m4s", out, sizeof(out), &mime), 0);
    assert_string_equal(mime, "video/iso.segment");
    assert_int_equal(relay_recording_path("/v", "abc/init-0.mp4", out, sizeof(out), &mime), 0);
    assert_string_equal(mime, "video/mp4");
    static const char *const bad[] = {"",
                                      "index.m3u8",
                                      "abc/",
                                      "../x/index.m3u8",
                                      "a/b/index.m3u8",
                                      "abc/info.json",
                                      "abc/seg-.m4s",
                                      "abc/seg-1.m4s.tmp",
                                      "abc/.seg-1.m4s.tmp",
                                      "a.b/index.m3u8",
                                      "abc/init-x.mp4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (relay_recording_path("/v", bad[i], out, sizeof(out), &mime) != -1)
            fail_msg("'%s' was accepted", bad[i]);
    assert_int_equal(relay_recording_path("/v", "abc/index.m3u8", out, 10, &mime), -1);
}

static void test_live_id_valid(void **state)
{
    (void)state;
    assert_true(relay_live_id_valid("Ab_9-z"));
    assert_false(relay_live_id_valid(""));
    assert_false(relay_live_id_valid("a/b"));
    assert_false(relay_live_id_valid("a.b"));
    char id[70];
    memset(id, 'x', 64);
    id[64] = 0;
    assert_true(relay_live_id_valid(id));
    id[64] = 'x';
    id[65] = 0;
    assert_false(relay_live_id_valid(id));
}

/* A recording's folder as record.c leaves it (info.json and one file). */
static void fake(const char *id, const char *started, long size, int finished)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/recordings", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/recordings/%s", dir, id);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/recordings/%s/info.json", dir, id);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"live_id\":\"%s\",\"started\":\"%s\",\"duration_s\":1,\"size\":%ld,"
            "\"segments\":1,\"finished\":%s}",
            id, started, size, finished ? "true" : "false");
    fclose(f);
    snprintf(p, sizeof(p), "%s/recordings/%s/seg-0.m4s", dir, id);
    f = fopen(p, "w");
    fclose(f);
}

static int exists(const char *id)
{
    char p[512];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/recordings/%s", dir, id);
    return stat(p, &sb) == 0;
}

static void test_listing_and_retention(void **state)
{
    (void)state;
    json_t *empty = relay_recordings_list("/nonexistent", NULL);
    assert_int_equal(json_array_size(empty), 0);
    json_decref(empty);
    fake("old", "2026-01-01T00:00:00Z", 100, 1);
    fake("mid", "2026-11-20T00:00:00Z", 100, 1);
    fake("new", "2026-11-30T00:00:00Z", 100, 1);
    fake("live", "2026-10-01T00:00:00Z", 500, 0); /* still recording */
    json_t *l = relay_recordings_list(dir, NULL);
    size_t n = json_array_size(l);
    assert_true(n >= 4);
    for (size_t i = 1; i < n; i++) /* newest first */
        assert_true(strcmp(json_string_value(json_object_get(json_array_get(l, i - 1), "started")),
                           json_string_value(json_object_get(json_array_get(l, i), "started"))) >= 0);
    json_decref(l);
    int64_t now = 1796515200; /* 2026-12-06 */
    /* 30 days: "old" goes; the unfinished one stays, however old */
    assert_int_equal(relay_rec_sweep(dir, 30, 0, now), 1);
    assert_false(exists("old"));
    assert_true(exists("live") && exists("mid") && exists("new"));
    /* a budget of 650 bytes: the oldest finished go first, until it fits */
    l = relay_recordings_list(dir, NULL);
    uint64_t others = 0;
    for (size_t i = 0; i < json_array_size(l); i++)
        others += (uint64_t)json_integer_value(json_object_get(json_array_get(l, i), "size"));
    json_decref(l);
    assert_int_equal(relay_rec_sweep(dir, 3650, others - 100, now), 1);
    assert_false(exists("mid"));
    assert_true(exists("new") && exists("live"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_recording),
        cmocka_unit_test(test_recording_path),
        cmocka_unit_test(test_live_id_valid),
        cmocka_unit_test(test_listing_and_retention),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
