/* test_restream_targets.c - src/shop/domain/restream_targets.c: which push
 * URLs a restream target may have, where their secret part starts, and how
 * answers show it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/shop/domain/restream_targets.h"

static void test_urls(void **state)
{
    static const struct {
        const char *url;
        const char *key; /* NULL: refused */
    } cases[] = {
        {"rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop", "abcd-efgh-ijkl-mnop"},
        {"rtmp://127.0.0.1:1936/live/0123456789abcdef", "0123456789abcdef"},
        {"rtmps://live-api-s.facebook.com:443/rtmp/FB-1-2?s_bl=1&a=b", "FB-1-2?s_bl=1&a=b"},
        {"rtmp://push-rtmp.douyincdn.com/stage/stream-1?expire=1&sign=x", "stream-1?expire=1&sign=x"},
        {"rtmp://[::1]:1935/live/k", "k"},
        {"rtmp://host/app/inst/key", "key"},
        {"rtmp://host/app/", NULL},      /* no key */
        {"rtmp://host/key", NULL},       /* no app */
        {"rtmp://host/app/?x=1", NULL},  /* a query is no key */
        {"rtmp://host", NULL},           /* no path */
        {"rtmp:///app/key", NULL},       /* no host */
        {"rtmp://host:0/app/key", NULL}, /* port */
        {"rtmp://host:65536/app/key", NULL},
        {"rtmp://host:/app/key", NULL},
        {"rtmp://ho_st/app/key", NULL},  /* host characters */
        {"rtmp://host//key", NULL},      /* an empty segment */
        {"rtmp://host/app/k ey", NULL},  /* a space */
        {"rtmp://host/app/k\x01", NULL}, /* a control character */
        {"rtmp://host/app/键", NULL},    /* not ASCII */
        {"http://host/app/key", NULL},   /* scheme */
        {"srt://host:8890?streamid=key", NULL},
        {"file:///etc/passwd", NULL},
        {"", NULL},
    };
    char err[120];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t at = 0;
        int rc = shop_restream_url_split(cases[i].url, &at, err, sizeof(err));
        if (!cases[i].key && rc == 0)
            fail_msg("'%s': accepted", cases[i].url);
        if (cases[i].key && rc != 0)
            fail_msg("'%s': refused (%s)", cases[i].url, err);
        if (cases[i].key && strcmp(cases[i].url + at, cases[i].key) != 0)
            fail_msg("'%s': key '%s'", cases[i].url, cases[i].url + at);
        if (rc != 0 && !err[0])
            fail_msg("'%s': refused without saying why", cases[i].url);
    }
}

static void test_bounds(void **state)
{
    char url[SHOP_RESTREAM_URL_MAX + 16], err[120];
    size_t at = 0;
    (void)state;
    /* a key of SHOP_RESTREAM_KEY_MAX bytes, then one more */
    int n = snprintf(url, sizeof(url), "rtmp://h/a/");
    memset(url + n, 'k', SHOP_RESTREAM_KEY_MAX);
    url[n + SHOP_RESTREAM_KEY_MAX] = '\0';
    assert_int_equal(shop_restream_url_split(url, &at, err, sizeof(err)), 0);
    url[n + SHOP_RESTREAM_KEY_MAX] = 'k';
    url[n + SHOP_RESTREAM_KEY_MAX + 1] = '\0';
    assert_int_equal(shop_restream_url_split(url, &at, err, sizeof(err)), -1);
    /* a URL over SHOP_RESTREAM_URL_MAX bytes */
    n = snprintf(url, sizeof(url), "rtmp://h/");
    memset(url + n, 'a', SHOP_RESTREAM_URL_MAX);
    memcpy(url + n + SHOP_RESTREAM_URL_MAX - 2, "/k", 3);
    assert_int_equal(shop_restream_url_split(url, &at, err, sizeof(err)), -1);
}

static void test_hint(void **state)
{
    char hint[16];
    (void)state;
    shop_restream_key_hint("abcdef0123456789", hint, sizeof(hint));
    assert_string_equal(hint, "abcd\u2026");
    shop_restream_key_hint("short-key", hint, sizeof(hint)); /* under 12: nothing of it */
    assert_string_equal(hint, "\u2026");
}

static void test_points_at(void **state)
{
    (void)state;
    assert_true(shop_restream_url_points_at("rtmp://live.farmlive.cn/live/k", "LIVE.farmlive.cn", 1935));
    assert_true(shop_restream_url_points_at("rtmp://live.farmlive.cn:1935/live/k", "live.farmlive.cn", 1935));
    assert_false(shop_restream_url_points_at("rtmp://live.farmlive.cn:1936/live/k", "live.farmlive.cn", 1935));
    assert_false(shop_restream_url_points_at("rtmps://live.farmlive.cn/live/k", "live.farmlive.cn", 1935));
    assert_true(shop_restream_url_points_at("rtmps://live.farmlive.cn/live/k", "live.farmlive.cn", 443));
    assert_false(shop_restream_url_points_at("rtmp://a.rtmp.youtube.com/live2/k", "live.farmlive.cn", 1935));
    /* every loopback name is the one machine */
    assert_true(shop_restream_url_points_at("rtmp://127.0.0.1:2000/live/k", "localhost", 2000));
    assert_true(shop_restream_url_points_at("rtmp://[::1]:2000/live/k", "127.0.0.1", 2000));
    assert_true(shop_restream_url_points_at("rtmp://LocalHost:2000/a/b/k?x=1", "127.0.0.2", 2000));
    assert_false(shop_restream_url_points_at("rtmp://127.0.0.1:2001/live/k", "localhost", 2000));
    assert_false(shop_restream_url_points_at("rtmp://10.0.0.1:2000/live/k", "localhost", 2000));
    assert_false(shop_restream_url_points_at("rtmp://127.example.com:2000/live/k", "localhost", 2000));
    assert_false(shop_restream_url_points_at("rtmp://h/live/k", "", 1935));
    assert_false(shop_restream_url_points_at("rtmp://h/live/k", NULL, 1935));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_hint),
        cmocka_unit_test(test_points_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
