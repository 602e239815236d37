/* test_restream.c - src/relay/restream.c's pure parts: which targets from
 * the shop's publish answer are taken, how a push URL is shown, the
 * reconnect backoff; and a set with a target that cannot connect stops and
 * frees cleanly (its thread joined) while tags are pushed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/relay_restream.h"

static void test_parse(void **state)
{
    restream_specs s;
    (void)state;
    json_t *arr = json_loads("[{\"id\":\"t1\",\"url\":\"rtmp://a.example/live/key-0001\"},"
                             "{\"id\":\"t 2\",\"url\":\"rtmp://a.example/live/k\"},"        /* bad id */
                             "{\"id\":\"t3\",\"url\":\"http://a.example/live/k\"},"         /* scheme */
                             "{\"id\":\"t4\",\"url\":\"rtmp://a.example/live/k y\"},"       /* a space */
                             "{\"id\":\"t5\"},"                                             /* no url */
                             "{\"id\":\"t6\",\"url\":\"rtmps://b.example:443/app/key-6\"}," /* taken */
                             "{\"id\":\"t7\",\"url\":\"rtmp://c/a/7\"},{\"id\":\"t8\",\"url\":\"rtmp://c/a/8\"},"
                             "{\"id\":\"t9\",\"url\":\"rtmp://c/a/9\"}]",
                             0, NULL);
    assert_non_null(arr);
    restream_specs_parse(arr, &s);
    assert_int_equal(s.n, RESTREAM_TARGETS_MAX); /* t1, t6, t7, t8: the first four valid */
    assert_string_equal(s.t[0].id, "t1");
    assert_string_equal(s.t[0].url, "rtmp://a.example/live/key-0001");
    assert_string_equal(s.t[1].id, "t6");
    assert_string_equal(s.t[3].id, "t8");
    json_decref(arr);
    restream_specs_parse(NULL, &s);
    assert_int_equal(s.n, 0);
    arr = json_string("rtmp://x/y/z");
    restream_specs_parse(arr, &s);
    assert_int_equal(s.n, 0);
    json_decref(arr);
}

static void test_masked(void **state)
{
    char out[RESTREAM_MASKED_MAX + 1];
    (void)state;
    restream_url_masked("rtmp://127.0.0.1:1936/live/0123456789abcdef0123", out, sizeof(out));
    assert_string_equal(out, "rtmp://127.0.0.1:1936/live/0123...");
    restream_url_masked("rtmp://push.example/stage/stream-1234567?sign=secret", out, sizeof(out));
    assert_string_equal(out, "rtmp://push.example/stage/stre...");
    restream_url_masked("rtmp://h/app/short", out, sizeof(out)); /* under 12: nothing of it */
    assert_string_equal(out, "rtmp://h/app/...");
    restream_url_masked("rtmp://h/app/?only=query-string-here", out, sizeof(out));
    assert_null(strstr(out, "query"));
}

static void test_backoff(void **state)
{
    (void)state;
    /* rnd % 401 == 200: exactly the base */
    assert_int_equal(restream_backoff_ms(1, 200), 1000);
    assert_int_equal(restream_backoff_ms(2, 200), 2000);
    assert_int_equal(restream_backoff_ms(3, 200), 4000);
    assert_int_equal(restream_backoff_ms(5, 200), 16000);
    assert_int_equal(restream_backoff_ms(6, 200), 30000);
    assert_int_equal(restream_backoff_ms(1000, 200), 30000);
    /* the jitter: 0.8 .. 1.2 */
    assert_int_equal(restream_backoff_ms(1, 0), 800);
    assert_int_equal(restream_backoff_ms(1, 400), 1200);
    assert_int_equal(restream_backoff_ms(1000, 400), 36000);
    for (uint32_t r = 0; r < 5000; r += 7) {
        int64_t d = restream_backoff_ms(3, r);
        assert_true(d >= 3200 && d <= 4800);
    }
}

static void test_states(void **state)
{
    (void)state;
    assert_string_equal(restream_state_name(RESTREAM_CONNECTING), "connecting");
    assert_string_equal(restream_state_name(RESTREAM_LIVE), "live");
    assert_string_equal(restream_state_name(RESTREAM_BACKOFF), "backoff");
    assert_string_equal(restream_state_name(RESTREAM_FAILED), "failed");
    assert_string_equal(restream_state_name(RESTREAM_STOPPED), "stopped");
    assert_string_equal(restream_state_name(99), "unknown");
}

/* A target on a port nothing listens on: tags pushed meanwhile are not
 * queued (it is not live), an update keeps it, another replaces it, and
 * free joins both threads (the sanitizers see no leak). */
static void test_set_lifecycle(void **state)
{
    restream_specs s = {.n = 1};
    restream_info info[RESTREAM_TARGETS_MAX];
    static const uint8_t body[] = {0x17, 0x01, 0, 0, 0, 0, 0, 0, 1};
    (void)state;
    snprintf(s.t[0].id, sizeof(s.t[0].id), "t1");
    snprintf(s.t[0].url, sizeof(s.t[0].url), "rtmp://127.0.0.1:1/live/nobody-listens-here");
    restream_set *rs = restream_set_new("lifecycle");
    restream_set_update(rs, &s);
    restream_set_update(rs, &s); /* the same: kept */
    assert_int_equal(restream_set_info(rs, info, RESTREAM_TARGETS_MAX), 1);
    assert_string_equal(info[0].url, "rtmp://127.0.0.1:1/live/nobo...");
    for (int i = 0; i < 100; i++) {
        relay_tag *t = relay_tag_new(FLV_TAG_VIDEO, (uint32_t)i * 40, NULL, 0, body, sizeof(body));
        t->flags = RELAY_TAG_KEY;
        restream_set_push(rs, t);
        relay_tag_unref(t);
    }
    snprintf(s.t[0].id, sizeof(s.t[0].id), "t2");
    restream_set_update(rs, &s); /* t1 retired, t2 started */
    assert_int_equal(restream_set_info(rs, info, RESTREAM_TARGETS_MAX), 1);
    assert_string_equal(info[0].id, "t2");
    assert_int_not_equal(info[0].state, RESTREAM_LIVE);
    restream_set_stop(rs);
    restream_set_update(rs, &s); /* ignored once stopped */
    restream_set_free(rs);
    restream_set_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),  cmocka_unit_test(test_masked),        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_states), cmocka_unit_test(test_set_lifecycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
