/* test_feed.c - the delivery logic of src/shop/rt/feed.c without threads,
 * Redis or sockets: what an SSE stream sends next from its position in a
 * topic's ring (hello, events in order, coalesced ones skipped, a
 * heartbeat when due, the end when quiescing, "lagged" once an event it
 * had not taken is gone), the reader's copying in pieces of any size, and
 * which streams and long-polls an event wakes. Includes feed.c to reach
 * its statics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/rt/feed.c"

static shop_rt *rt_new(void)
{
    shop_rt *rt = fl_calloc(1, sizeof(*rt));
    pthread_mutex_init(&rt->mu, NULL);
    rt->epoch = 1;
    return rt;
}

static void rt_free(shop_rt *rt)
{
    topics_free_all(rt);
    pthread_mutex_destroy(&rt->mu);
    fl_free(rt);
}

/* An event heard on the channel, as the bus hands it over. */
static void hear(shop_rt *rt, const char *topic, long long seq, const char *type, unsigned flags)
{
    shop_rt_wire w;
    snprintf(w.topic, sizeof(w.topic), "%s", topic);
    snprintf(w.type, sizeof(w.type), "%s", type);
    w.flags = flags;
    w.seq = seq;
    char data[64];
    int n = snprintf(data, sizeof(data), "{\"seq\":%lld}", seq);
    w.data = data;
    w.data_len = (size_t)n;
    feed_on_event(rt, &w);
}

/* Takes the stream's next text (next_text) as a string, "" when none. */
static const char *next(shop_rt *rt, rt_sub *s, int *rc)
{
    static char buf[256];
    *rc = next_text(rt, s);
    buf[0] = '\0';
    if (*rc == NEXT_OK) {
        snprintf(buf, sizeof(buf), "%.*s", (int)s->pend_len, s->pend);
        s->pend = NULL;
        shop_rt_event_unref(s->cur);
        s->cur = NULL;
    }
    return buf;
}

static void test_order_heartbeat_end(void **state)
{
    shop_rt *rt = rt_new();
    int rc;
    (void)state;
    rt_topic *t = topic_get(rt, "live:0123456789abcdef", 1);
    hear(rt, "live:0123456789abcdef", 100, "status", 0);
    hear(rt, "live:fedcba9876543210", 101, "status", 0); /* nobody here follows it: not kept */
    hear(rt, "live:0123456789abcdef", 102, "status", 0);
    assert_int_equal(rt->ntopics, 1);
    assert_int_equal(t->ring.n, 2);

    rt_sub *s = sub_new(rt, t, 0);
    assert_string_equal(next(rt, s, &rc), "id: 100\nevent: status\ndata: {\"seq\":100}\n\n");
    assert_string_equal(next(rt, s, &rc), "id: 102\nevent: status\ndata: {\"seq\":102}\n\n");
    next(rt, s, &rc);
    assert_int_equal(rc, NEXT_NONE);
    s->hb_due = 1;
    assert_string_equal(next(rt, s, &rc), ": hb\n\n");
    next(rt, s, &rc);
    assert_int_equal(rc, NEXT_NONE); /* one heartbeat per time it is due */

    rt_sub *late = sub_new(rt, t, 100); /* Last-Event-ID: 100 */
    assert_string_equal(next(rt, late, &rc), "id: 102\nevent: status\ndata: {\"seq\":102}\n\n");
    rt->stopping = 1;
    hear(rt, "live:0123456789abcdef", 103, "status", 0);
    next(rt, late, &rc);
    assert_int_equal(rc, NEXT_END); /* quiescing: no more, even with an event there */

    fl_free(s);
    fl_free(late);
    t->subs = NULL;
    rt_free(rt);
}

static void test_coalesced_skipped(void **state)
{
    shop_rt *rt = rt_new();
    int rc;
    (void)state;
    rt_topic *t = topic_get(rt, "flash:7", 1);
    rt_sub *s = sub_new(rt, t, 0);
    hear(rt, "flash:7", 1, "stock", SHOP_RT_COALESCE);
    hear(rt, "flash:7", 2, "bought", 0);
    hear(rt, "flash:7", 3, "stock", SHOP_RT_COALESCE);
    assert_string_equal(next(rt, s, &rc), "id: 2\nevent: bought\ndata: {\"seq\":2}\n\n");
    assert_string_equal(next(rt, s, &rc), "id: 3\nevent: stock\ndata: {\"seq\":3}\n\n");
    next(rt, s, &rc);
    assert_int_equal(rc, NEXT_NONE);
    assert_int_equal(s->pos, 3);
    fl_free(s);
    t->subs = NULL;
    rt_free(rt);
}

static void test_lagged(void **state)
{
    shop_rt *rt = rt_new();
    int rc;
    (void)state;
    rt_topic *t = topic_get(rt, "live:0123456789abcdef", 1);
    rt_sub *s = sub_new(rt, t, 0);
    hear(rt, "live:0123456789abcdef", 1, "status", 0);
    next(rt, s, &rc); /* takes 1, then its client stops reading */
    for (long long seq = 2; seq <= SHOP_RT_RING_EVENTS + 2; seq++)
        hear(rt, "live:0123456789abcdef", seq, "status", 0);
    assert_int_equal(t->ring.horizon, 2); /* 2 is gone, and s had not taken it */
    next(rt, s, &rc);
    assert_int_equal(rc, NEXT_LAGGED);

    /* a stream that joins now starts from what the ring holds */
    rt_sub *fresh = sub_new(rt, t, 1);
    assert_string_equal(next(rt, fresh, &rc), "id: 3\nevent: status\ndata: {\"seq\":3}\n\n");
    fl_free(s);
    fl_free(fresh);
    t->subs = NULL;
    rt_free(rt);
}

/* The reader copies hello and events into buffers of any size, in order,
 * a frame split across calls as needed. */
static void test_reader_pieces(void **state)
{
    (void)state;
    for (size_t max = 1; max <= 80; max += 7) {
        shop_rt *rt = rt_new();
        rt_topic *t = topic_get(rt, "live:0123456789abcdef", 1);
        hear(rt, "live:0123456789abcdef", 10, "status", 0);
        hear(rt, "live:0123456789abcdef", 11, "status", 0);
        rt_sub *s = sub_new(rt, t, 0); /* its hello first */
        char got[512], buf[80];
        size_t n = 0;
        const char *want = "retry: 3000\n\n"
                           "id: 10\nevent: status\ndata: {\"seq\":10}\n\n"
                           "id: 11\nevent: status\ndata: {\"seq\":11}\n\n";
        while (n < strlen(want)) {
            long k = sse_read(s, NULL, buf, max);
            assert_true(k > 0 && (size_t)k <= max);
            memcpy(got + n, buf, (size_t)k);
            n += (size_t)k;
        }
        got[n] = '\0';
        assert_string_equal(got, want);
        assert_null(s->cur);
        fl_free(s);
        t->subs = NULL;
        rt_free(rt);
    }
}

/* An event wakes the topic's paused streams (once each) and the long-polls
 * it answers; not the others. */
static void test_wakes(void **state)
{
    shop_rt *rt = rt_new();
    rt_sub *wake = NULL;
    rt_waiter *ready = NULL, w1 = {0}, w2 = {0};
    (void)state;
    rt_topic *t = topic_get(rt, "live:0123456789abcdef", 1);
    rt_sub *a = sub_new(rt, t, 0), *b = sub_new(rt, t, 0);
    a->paused = 1;
    w1.after = 4;
    w2.after = 5;
    w1.next = &w2;
    t->waiters = &w1;
    t->nwaiters = 2;
    rt->nwaiters = 2;
    shop_rt_ring_push(&t->ring, shop_rt_event_new(5, "status", 0, "{}", 2));
    topic_changed(rt, t, &wake, &ready);
    assert_ptr_equal(wake, a);
    assert_null(a->wnext);
    assert_false(a->paused);
    assert_ptr_equal(ready, &w1); /* after 4: seq 5 answers it */
    assert_null(w1.next);
    assert_ptr_equal(t->waiters, &w2); /* after 5: waits on */
    assert_int_equal(t->nwaiters, 1);
    assert_int_equal(rt->nwaiters, 1);
    t->waiters = NULL;
    fl_free(a);
    fl_free(b);
    t->subs = NULL;
    rt_free(rt);
}

/* The table: a topic is found by name; when full, the least recently used
 * topic without clients makes room; idle ones are forgotten. */
static void test_topics_table(void **state)
{
    shop_rt *rt = rt_new();
    char name[32];
    (void)state;
    for (int i = 0; i < SHOP_RT_TOPICS_MAX; i++) {
        snprintf(name, sizeof(name), "flash:%d", i + 1);
        rt_topic *t = topic_get(rt, name, 1);
        assert_non_null(t);
        t->used_ms = i; /* flash:1 the least recently used */
    }
    assert_ptr_equal(topic_get(rt, "flash:5", 0), topic_get(rt, "flash:5", 1));
    topic_get(rt, "flash:1", 0)->nsubs = 1; /* a client: stays */
    assert_non_null(topic_get(rt, "coop:1:orders", 1));
    assert_int_equal(rt->ntopics, SHOP_RT_TOPICS_MAX);
    assert_non_null(topic_get(rt, "flash:1", 0));
    assert_null(topic_get(rt, "flash:2", 0)); /* made room */
    topic_get(rt, "flash:1", 0)->nsubs = 0;
    topics_forget(rt, 0); /* every idle one */
    assert_int_equal(rt->ntopics, 0);
    rt_free(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_heartbeat_end),
        cmocka_unit_test(test_coalesced_skipped),
        cmocka_unit_test(test_lagged),
        cmocka_unit_test(test_reader_pieces),
        cmocka_unit_test(test_wakes),
        cmocka_unit_test(test_topics_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
