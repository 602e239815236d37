/* test_hub.c - src/relay/hub.c and stream.c: publish, takeover (same
 * stream, new epoch, timestamps carry on), unpublish and the grace period,
 * the ended callback, refused ids and data, stream info, a drop (the shop
 * ended the session) with its publisher still holding the stream. Includes
 * both to see the stream's ingest-side state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/hub.c"
#include "../../../src/relay/stream.c"

#include <stdlib.h>
#include <unistd.h>

static const uint8_t avc_seq[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x0d, 0xff, 0xe1, 0x00, 0x16, 0x67,
                                  0x42, 0xc0, 0x0d, 0xda, 0x05, 0x07, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40,
                                  0x00, 0x00, 0x0c, 0x83, 0xc5, 0x0a, 0xa8, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};
static const uint8_t aac_seq[] = {0xaf, 0x00, 0x12, 0x08};
static const uint8_t aac_frame[] = {0xaf, 0x01, 0x21, 0x10, 0x04};
static const uint8_t inter_frame[] = {0x27, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x41, 0x9a};

static fl_config cfg;
static char vardir[] = "/tmp/test_hub.XXXXXX";

static int setup(void **state)
{
    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    assert_non_null(mkdtemp(vardir));
    snprintf(cfg.var_dir, sizeof(cfg.var_dir), "%s", vardir);
    cfg.live_grace_s = 60;
    cfg.thumb_interval_s = 10;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", vardir);
    return system(cmd) == 0 ? 0 : -1;
}

static int ended_calls;
static char ended_id[80];
static void on_ended(void *arg, const char *id)
{
    (void)arg;
    ended_calls++;
    snprintf(ended_id, sizeof(ended_id), "%s", id);
}

static void test_refuses_bad_ids(void **state)
{
    (void)state;
    relay_hub *hub = relay_hub_new(&cfg);
    assert_null(relay_hub_publish(hub, ""));
    assert_null(relay_hub_publish(hub, "../etc"));
    assert_null(relay_hub_publish(hub, "a b"));
    char longid[80];
    memset(longid, 'a', 65);
    longid[65] = 0;
    assert_null(relay_hub_publish(hub, longid));
    relay_hub_free(hub);
}

/* A publisher of the other protocol takes over without the first one
 * unpublishing (its ingest did not see it): the first is superseded, and
 * the SRT statistics of the first are gone with the new epoch. */
static void test_superseded_across_protocols(void **state)
{
    (void)state;
    relay_hub *hub = relay_hub_new(&cfg);
    relay_stream *s = relay_hub_publish(hub, "x-1");
    assert_non_null(s);
    uint64_t first = relay_stream_publisher_gen(s);
    relay_srt_stats st = {.recv_packets = 7, .latency_ms = 500};
    relay_stream_srt_stats(s, &st);
    relay_stream_info info;
    relay_stream_get_info(s, &info);
    assert_true(info.have_srt);
    assert_int_equal(info.srt.recv_packets, 7);
    assert_false(relay_stream_superseded(s, first));

    relay_stream *s2 = relay_hub_publish(hub, "x-1"); /* no unpublish before it */
    assert_ptr_equal(s, s2);
    uint64_t second = relay_stream_publisher_gen(s2);
    assert_true(relay_stream_superseded(s, first));
    assert_false(relay_stream_superseded(s2, second));
    relay_stream_get_info(s, &info);
    assert_false(info.have_srt); /* a new epoch: the statistics were the old publisher's */
    assert_int_equal(info.epoch, 2);

    relay_stream_release(s); /* the superseded one only lets go (main.c's unpublish) */
    assert_true(relay_stream_publishing(s2));
    relay_hub_unpublish(hub, s2);
    relay_hub_free(hub);
}

static void test_takeover_keeps_stream_and_time(void **state)
{
    (void)state;
    relay_hub *hub = relay_hub_new(&cfg);
    relay_stream *s = relay_hub_publish(hub, "live-1");
    assert_non_null(s);
    assert_int_equal(relay_stream_video(s, 0, avc_seq, sizeof(avc_seq)), 0);
    assert_int_equal(relay_stream_audio(s, 0, aac_seq, sizeof(aac_seq)), 0);
    assert_int_equal(relay_stream_video(s, 5000, inter_frame, sizeof(inter_frame)), 0);
    assert_int_equal(relay_stream_audio(s, 5010, aac_frame, sizeof(aac_frame)), 0);
    assert_int_equal(relay_tsnorm_head(&s->ts), 10); /* the session starts at 0 */

    /* a reconnect: same stream object, timestamps restart at 0 upstream
     * (ingest gives the old publisher's reference back first) */
    relay_hub_unpublish(hub, s);
    relay_stream *s2 = relay_hub_publish(hub, "live-1");
    assert_ptr_equal(s, s2);
    assert_int_equal(relay_stream_video(s, 0, avc_seq, sizeof(avc_seq)), 0);
    assert_int_equal(relay_tsnorm_head(&s->ts), 10); /* a sequence header is no frame */
    assert_int_equal(relay_stream_video(s, 40, inter_frame, sizeof(inter_frame)), 0);
    assert_int_equal(relay_tsnorm_head(&s->ts), 110); /* carried on, +100 ms */
    assert_int_equal(relay_stream_video(s, 80, inter_frame, sizeof(inter_frame)), 0);
    assert_int_equal(relay_tsnorm_head(&s->ts), 150);

    relay_stream_info info;
    relay_stream *ref = relay_hub_get(hub, "live-1");
    assert_ptr_equal(ref, s);
    relay_stream_get_info(ref, &info);
    relay_stream_release(ref);
    assert_string_equal(info.live_id, "live-1");
    assert_string_equal(info.vcodec, "avc1.42c00d");
    assert_string_equal(info.acodec, "mp4a.40.2");
    assert_int_equal(info.width, 320);
    assert_int_equal(info.height, 240);
    assert_int_equal(info.sample_rate, 44100);
    assert_int_equal(info.epoch, 2);
    assert_int_equal(info.video_frames, 3);
    assert_int_equal(info.audio_frames, 1);
    assert_null(relay_hub_get(hub, "other"));
    relay_hub_unpublish(hub, s2);
    relay_hub_free(hub);
}

static void test_refuses_bad_data(void **state)
{
    (void)state;
    relay_hub *hub = relay_hub_new(&cfg);
    relay_stream *s = relay_hub_publish(hub, "bad");
    static const uint8_t hevc[] = {0x1c, 0x00, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t broken_seq[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42};
    static const uint8_t mp3[] = {0x2f, 0x01, 0x00};
    static const uint8_t broken_asc[] = {0xaf, 0x00, 0x00, 0x00};
    assert_int_equal(relay_stream_video(s, 0, hevc, sizeof(hevc)), -1);
    /* malformed codec configs are relayed (FLV), but the codec stays unknown */
    assert_int_equal(relay_stream_video(s, 0, broken_seq, sizeof(broken_seq)), 0);
    assert_int_equal(relay_stream_audio(s, 0, broken_asc, sizeof(broken_asc)), 0);
    relay_stream_info info;
    relay_stream_get_info(s, &info);
    assert_string_equal(info.vcodec, "");
    assert_string_equal(info.acodec, "");
    assert_int_equal(relay_stream_video(s, 0, hevc, 2), -1);
    assert_int_equal(relay_stream_audio(s, 0, mp3, sizeof(mp3)), -1);
    relay_hub_unpublish(hub, s);
    relay_hub_free(hub);
}

static void test_grace_period(void **state)
{
    (void)state;
    relay_hub *hub = relay_hub_new(&cfg);
    relay_stream *s = relay_hub_publish(hub, "g1");
    ended_calls = 0;
    relay_hub_tick(hub, on_ended, NULL);
    assert_int_equal(ended_calls, 0);
    relay_hub_unpublish(hub, s);
    relay_hub_tick(hub, on_ended, NULL);
    assert_int_equal(ended_calls, 0); /* 60 s of grace */
    assert_non_null(relay_hub_get(hub, "g1"));
    relay_stream_release(s); /* the reference relay_hub_get took */

    /* a reconnect within the grace period: the stream lives on */
    s = relay_hub_publish(hub, "g1");
    relay_hub_unpublish(hub, s);
    cfg.live_grace_s = 0;
    relay_hub_tick(hub, on_ended, NULL);
    assert_int_equal(ended_calls, 1);
    assert_string_equal(ended_id, "g1");
    assert_null(relay_hub_get(hub, "g1"));
    /* the worker finishes; a later tick joins and frees it */
    for (int i = 0; i < 100 && hub->ending; i++) {
        usleep(10000);
        relay_hub_tick(hub, on_ended, NULL);
    }
    assert_null(hub->ending);
    assert_int_equal(ended_calls, 1);
    cfg.live_grace_s = 60;
    relay_hub_free(hub);
}

static void test_list(void **state)
{
    (void)state;
    relay_hub *hub = relay_hub_new(&cfg);
    relay_stream *a = relay_hub_publish(hub, "a");
    relay_stream *b = relay_hub_publish(hub, "b");
    relay_hub_unpublish(hub, b);
    relay_stream_info *infos = NULL;
    assert_int_equal(relay_hub_list(hub, &infos), 2);
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        if (strcmp(infos[i].live_id, "a") == 0) {
            assert_true(infos[i].publishing);
            seen |= 1;
        } else {
            assert_string_equal(infos[i].live_id, "b");
            assert_false(infos[i].publishing);
            seen |= 2;
        }
    }
    assert_int_equal(seen, 3);
    fl_free(infos);
    relay_hub_unpublish(hub, a);
    relay_hub_free(hub);
    relay_hub_free(NULL);
}

/* Ticks until the hub released every ended stream (their workers done). */
static void tick_until_released(relay_hub *hub)
{
    for (int i = 0; i < 300 && hub->ending; i++) {
        usleep(10000);
        relay_hub_tick(hub, on_ended, NULL);
    }
    assert_null(hub->ending);
}

static void test_drop(void **state)
{
    (void)state;
    relay_hub *hub = relay_hub_new(&cfg);
    int was_live = -1;
    relay_stream *s = relay_hub_publish(hub, "d1");
    assert_int_equal(relay_stream_video(s, 0, avc_seq, sizeof(avc_seq)), 0);
    assert_int_equal(relay_stream_audio(s, 0, aac_seq, sizeof(aac_seq)), 0);
    assert_int_equal(relay_stream_audio(s, 10, aac_frame, sizeof(aac_frame)), 0);
    assert_false(relay_stream_dropped(s));

    relay_stream *d = relay_hub_drop(hub, "d1", &was_live);
    assert_ptr_equal(d, s);
    assert_int_equal(was_live, 1);
    assert_true(relay_stream_dropped(s));
    assert_null(relay_hub_get(hub, "d1")); /* out of the live list at once */
    /* the publisher still holds it: its next data is refused as dropped */
    assert_int_equal(relay_stream_video(s, 40, inter_frame, sizeof(inter_frame)), RELAY_STREAM_DROPPED);
    assert_int_equal(relay_stream_audio(s, 33, aac_frame, sizeof(aac_frame)), RELAY_STREAM_DROPPED);
    relay_stream_metadata(s, aac_frame, sizeof(aac_frame)); /* ignored */
    for (int i = 0; i < 300 && !relay_stream_worker_done(d); i++)
        usleep(10000);
    assert_true(relay_stream_worker_done(d)); /* the recording is finalised */
    relay_stream_release(d);

    /* again while it is still listed as ending: not live, same stream */
    d = relay_hub_drop(hub, "d1", &was_live);
    assert_ptr_equal(d, s);
    assert_int_equal(was_live, 0);
    relay_stream_release(d);

    ended_calls = 0;
    tick_until_released(hub);         /* the hub lets go; the publisher's reference keeps s */
    assert_int_equal(ended_calls, 0); /* the shop is not told: it ended the session */
    assert_true(relay_stream_dropped(s));
    relay_hub_unpublish(hub, s); /* ingest closes the publisher: s is freed */

    assert_null(relay_hub_drop(hub, "d1", &was_live));
    assert_int_equal(was_live, 0);
    assert_null(relay_hub_drop(hub, "never", &was_live));
    assert_null(relay_hub_drop(hub, "../x", &was_live));

    /* a publisher-less stream (in its grace period) is dropped too */
    s = relay_hub_publish(hub, "d2");
    relay_hub_unpublish(hub, s);
    d = relay_hub_drop(hub, "d2", &was_live);
    assert_non_null(d);
    assert_int_equal(was_live, 1);
    relay_stream_release(d);

    /* a publish after the drop is a new stream */
    s = relay_hub_publish(hub, "d1");
    assert_false(relay_stream_dropped(s));
    relay_stream_info info;
    relay_stream_get_info(s, &info);
    assert_int_equal(info.epoch, 1);
    relay_hub_unpublish(hub, s);
    tick_until_released(hub);
    relay_hub_free(hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_bad_ids),
        cmocka_unit_test(test_takeover_keeps_stream_and_time),
        cmocka_unit_test(test_superseded_across_protocols),
        cmocka_unit_test(test_refuses_bad_data),
        cmocka_unit_test(test_grace_period),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_drop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
