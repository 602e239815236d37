/* test_feed.c - the realtime feed's delivery, src/shop/rt/feed.c and
 * src/shop/rt/sse.c, without its threads or Redis: events are handed to
 * the feed as the bus hands them over, and the SSE writer's turns are run
 * here one at a time on real sockets (socket pairs; the test reads the
 * client's end). What a stream sends (hello, events in order, coalesced
 * ones skipped, Last-Event-ID resume without loss or duplicates,
 * "truncated" when the ring lost some, heartbeats, the last chunk when
 * quiescing), as HTTP chunks or as it is; one chunk per stream per turn
 * however many events; a stream whose client stops reading dropped with
 * at most one batch held, while one that reads beside it gets everything;
 * a client that hangs up; which long-polls an event answers; the topic
 * table. Includes both files to reach their statics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/rt/feed.c"
#include "../../../../src/shop/rt/sse.c"

#include <stdlib.h>

#define TOPIC "live:0123456789abcdef"

/* A feed with the writer's descriptors but no thread. */
static shop_rt *rt_new(void)
{
    shop_rt *rt = fl_calloc(1, sizeof(*rt));
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    pthread_mutex_init(&rt->mu, NULL);
    rt->epoch = 1;
    rt->ep = epoll_create1(EPOLL_CLOEXEC);
    rt->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(rt->ep >= 0 && rt->wake_fd >= 0);
    assert_int_equal(epoll_ctl(rt->ep, EPOLL_CTL_ADD, rt->wake_fd, &ev), 0);
    return rt;
}

static void rt_free(shop_rt *rt)
{
    rt_sse_stop(rt); /* ends the streams left, closes the descriptors */
    assert_int_equal(rt->nsubs, 0);
    topics_free_all(rt);
    pthread_mutex_destroy(&rt->mu);
    fl_free(rt);
}

/* A primed topic (its backlog read: what it hears is delivered). */
static rt_topic *topic(shop_rt *rt, const char *name)
{
    rt_topic *t = rt_topic_get(rt, name, 1);
    t->primed_epoch = rt->epoch;
    return t;
}

/* An event heard on the channel, as the bus hands it over; its data
 * padded with pad bytes. */
static void hear_pad(shop_rt *rt, const char *name, long long seq, const char *type, unsigned flags, size_t pad)
{
    shop_rt_wire w;
    char *data = fl_malloc(pad + 64);
    int n = snprintf(data, pad + 64, "{\"seq\":%lld,\"p\":\"%*s\"}", seq, (int)pad, "");
    snprintf(w.topic, sizeof(w.topic), "%s", name);
    snprintf(w.type, sizeof(w.type), "%s", type);
    w.flags = flags;
    w.seq = seq;
    w.data = data;
    w.data_len = (size_t)n;
    feed_on_event(rt, &w);
    fl_free(data);
}

static void hear(shop_rt *rt, const char *name, long long seq, const char *type, unsigned flags)
{
    shop_rt_wire w;
    char data[64];
    int n = snprintf(data, sizeof(data), "{\"seq\":%lld}", seq);
    snprintf(w.topic, sizeof(w.topic), "%s", name);
    snprintf(w.type, sizeof(w.type), "%s", type);
    w.flags = flags;
    w.seq = seq;
    w.data = data;
    w.data_len = (size_t)n;
    feed_on_event(rt, &w);
}

/* One turn of the writer, as its thread takes it (hb: a heartbeat due);
 * when a topic's news wait for more (topic_gather_ms: a slow pass before,
 * on a loaded machine), what it waits for too. */
static void turn(shop_rt *rt, int hb)
{
    int64_t due;
    writer_turn(rt, hb, &due);
    while (due) {
        int64_t now = fl_mono_ms();
        if (due > now)
            usleep((useconds_t)(due - now) * 1000);
        writer_turn(rt, 0, &due);
    }
}

/* A stream of topic name after `after`, its headers "sent": its socket
 * handed to the writer as the HTTP server hands it (sse_adopt). *client:
 * the client's end. sndbuf > 0: the server end's send buffer. */
static rt_sub *open_stream(shop_rt *rt, const char *name, long long after, int chunked, int *client, int sndbuf)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    if (sndbuf > 0)
        assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
    pthread_mutex_lock(&rt->mu);
    rt_sub *s = sub_new(rt, topic(rt, name), after);
    pthread_mutex_unlock(&rt->mu);
    sse_adopt(s, sv[0], chunked);
    *client = sv[1];
    return s;
}

/* What the client's end holds now (appended to *got, which grows). 1 when
 * the server closed it. */
typedef struct got {
    char *buf;
    size_t len, cap;
} got;

static int take(int fd, got *g)
{
    for (;;) {
        if (g->cap - g->len < 4096) {
            g->cap = g->cap * 2 + 8192;
            g->buf = fl_realloc(g->buf, g->cap);
        }
        ssize_t n = recv(fd, g->buf + g->len, g->cap - g->len - 1, MSG_DONTWAIT);
        if (n > 0) {
            g->len += (size_t)n;
            g->buf[g->len] = '\0';
            continue;
        }
        if (g->buf)
            g->buf[g->len] = '\0';
        return n == 0;
    }
}

/* The body of a chunked text (each chunk checked); *chunks counts them,
 * the last (empty) one not included; *last: it came. */
static char *dechunk(const char *s, size_t len, int *chunks, int *last)
{
    char *out = fl_malloc(len + 1);
    size_t n = 0, i = 0;
    *chunks = 0;
    *last = 0;
    while (i < len) {
        char *end;
        unsigned long size = strtoul(s + i, &end, 16);
        assert_true(end > s + i);
        assert_memory_equal(end, "\r\n", 2);
        i = (size_t)(end - s) + 2;
        if (size == 0) {
            assert_int_equal(i + 2, len); /* "0\r\n\r\n" ends it all */
            assert_memory_equal(s + i, "\r\n", 2);
            *last = 1;
            break;
        }
        assert_true(i + size + 2 <= len);
        memcpy(out + n, s + i, size);
        n += size;
        i += size;
        assert_memory_equal(s + i, "\r\n", 2);
        i += 2;
        (*chunks)++;
    }
    out[n] = '\0';
    return out;
}

/* The seqs of the id: lines of an event-stream text, comma-separated. */
static const char *ids(const char *text)
{
    static char out[16384];
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = text; p && *p;) {
        if (strncmp(p, "id: ", 4) == 0)
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%lld", n ? "," : "", strtoll(p + 4, NULL, 10));
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return out;
}

static void test_order_resume_chunks(void **state)
{
    shop_rt *rt = rt_new();
    int plain_fd, chunked_fd, chunks, last;
    got plain = {0}, chunked = {0};
    (void)state;
    rt_topic *t = topic(rt, TOPIC);
    hear(rt, TOPIC, 100, "status", 0);
    hear(rt, "live:fedcba9876543210", 101, "status", 0); /* nobody here follows it: not kept */
    hear(rt, TOPIC, 102, "status", 0);
    assert_int_equal(rt->ntopics, 1);
    assert_int_equal(t->ring.n, 2);

    open_stream(rt, TOPIC, 0, 0, &plain_fd, 0);
    open_stream(rt, TOPIC, 100, 1, &chunked_fd, 0); /* Last-Event-ID: 100 */
    turn(rt, 0);
    assert_false(take(plain_fd, &plain));
    assert_string_equal(plain.buf, "retry: 3000\n\n"
                                   "id: 100\nevent: status\ndata: {\"seq\":100}\n\n"
                                   "id: 102\nevent: status\ndata: {\"seq\":102}\n\n");
    assert_false(take(chunked_fd, &chunked));
    char *body = dechunk(chunked.buf, chunked.len, &chunks, &last);
    assert_string_equal(body, "retry: 3000\n\nid: 102\nevent: status\ndata: {\"seq\":102}\n\n");
    fl_free(body);

    /* three events, the first coalesced away by the third: one turn, one
     * chunk to each stream, nothing it already had */
    plain.len = chunked.len = 0;
    hear(rt, TOPIC, 103, "flash.stock", SHOP_RT_COALESCE);
    hear(rt, TOPIC, 104, "just_bought", 0);
    hear(rt, TOPIC, 105, "flash.stock", SHOP_RT_COALESCE);
    assert_ptr_equal(rt->dirty, t);
    turn(rt, 0);
    assert_null(rt->dirty);
    assert_false(take(plain_fd, &plain));
    assert_string_equal(plain.buf, "id: 104\nevent: just_bought\ndata: {\"seq\":104}\n\n"
                                   "id: 105\nevent: flash.stock\ndata: {\"seq\":105}\n\n");
    assert_false(take(chunked_fd, &chunked));
    body = dechunk(chunked.buf, chunked.len, &chunks, &last);
    assert_string_equal(body, plain.buf);
    assert_int_equal(chunks, 1);
    fl_free(body);
    assert_int_equal(t->sent, 105);

    /* a heartbeat, then quiescing: the last chunk, and both closed */
    plain.len = chunked.len = 0;
    turn(rt, 1);
    assert_false(take(plain_fd, &plain));
    assert_string_equal(plain.buf, ": hb\n\n");
    assert_false(take(chunked_fd, &chunked));
    assert_string_equal(chunked.buf, "6\r\n: hb\n\n\r\n");
    plain.len = chunked.len = 0;
    rt->stopping = 1;
    hear(rt, TOPIC, 106, "status", 0);
    turn(rt, 0);
    assert_true(take(plain_fd, &plain));
    assert_int_equal(plain.len, 0); /* quiescing: nothing more, even with an event there */
    assert_true(take(chunked_fd, &chunked));
    assert_string_equal(chunked.buf, "0\r\n\r\n");
    assert_int_equal(rt->nsubs, 0);
    assert_int_equal(t->nsubs, 0);
    assert_null(t->subs);
    assert_null(rt->wtopics);

    close(plain_fd);
    close(chunked_fd);
    fl_free(plain.buf);
    fl_free(chunked.buf);
    rt_free(rt);
}

/* A Last-Event-ID older than the ring: told what it lost, then the ring. */
static void test_truncated(void **state)
{
    shop_rt *rt = rt_new();
    int fd;
    got g = {0};
    char want[256];
    (void)state;
    topic(rt, TOPIC);
    for (long long seq = 1; seq <= SHOP_RT_RING_EVENTS + 2; seq++)
        hear(rt, TOPIC, seq, "status", 0);
    open_stream(rt, TOPIC, 1, 0, &fd, 0);
    turn(rt, 0);
    take(fd, &g);
    snprintf(want, sizeof(want),
             "retry: 3000\n\nevent: truncated\ndata: {\"after\":1}\n\nid: 3\nevent: status\ndata: {\"seq\":3}\n\n");
    assert_memory_equal(g.buf, want, strlen(want));
    assert_non_null(strstr(g.buf, "\nid: 258\n"));
    close(fd);
    fl_free(g.buf);
    rt_free(rt);
}

/* Events not heard yet (the topic's backlog not read) wait: no stream is
 * woken for them. */
static void test_unprimed_waits(void **state)
{
    shop_rt *rt = rt_new();
    int fd;
    (void)state;
    rt_sub *s = open_stream(rt, TOPIC, 0, 0, &fd, 0);
    turn(rt, 0);
    s->topic->primed_epoch = 0; /* the subscription came back: its backlog is to be read */
    hear(rt, TOPIC, 7, "status", 0);
    assert_null(rt->dirty);
    close(fd);
    rt_free(rt);
}

/* A topic handed to the writer with nothing new (a backlog that brought
 * nothing), before any batch was ever built: nothing sent, no crash. */
static void test_empty_sweep(void **state)
{
    shop_rt *rt = rt_new();
    int fd, wake = 0;
    rt_waiter *ready = NULL;
    got g = {0};
    (void)state;
    rt_sub *s = open_stream(rt, TOPIC, 0, 1, &fd, 0);
    turn(rt, 0);
    take(fd, &g);
    g.len = 0;
    topic_changed(rt, s->topic, &wake, &ready);
    assert_true(wake);
    turn(rt, 0);
    assert_false(take(fd, &g));
    assert_int_equal(g.len, 0);
    assert_int_equal(rt->nsubs, 1);
    close(fd);
    fl_free(g.buf);
    rt_free(rt);
}

/* A client that stops reading: its socket full, the stream holds at most
 * one batch and is dropped once the ring moves past it; the client that
 * reads beside it gets every event, in order, once. */
static void test_slow_dropped_fast_complete(void **state)
{
    shop_rt *rt = rt_new();
    int slow_fd, fast_fd, closed = 0;
    got slow = {0}, fast = {0};
    size_t held_max = 0;
    (void)state;
    rt_topic *t = topic(rt, TOPIC);
    rt_sub *s = open_stream(rt, TOPIC, 0, 1, &slow_fd, 4096);
    open_stream(rt, TOPIC, 0, 1, &fast_fd, 4096);
    turn(rt, 0);
    for (long long seq = 1; seq <= 3 * SHOP_RT_RING_EVENTS; seq++) {
        hear_pad(rt, TOPIC, seq, "chat", 0, 200);
        turn(rt, 0);
        if (!closed && rt->nsubs == 2 && s->out)
            held_max = s->out_len > held_max ? s->out_len : held_max;
        closed = rt->nsubs == 1;
        for (int round = 0; round < 1000; round++) { /* the fast client drains; the writer goes on */
            size_t before = fast.len;
            assert_false(take(fast_fd, &fast));
            writer_poll(rt, 0);
            if (fast.len == before)
                break;
        }
    }
    assert_true(closed);
    assert_int_equal(rt->dropped, 1);
    assert_int_equal(t->nsubs, 1);
    assert_true(held_max > 0 && held_max <= BATCH_SOFT + 1024); /* one batch at most */
    assert_true(take(slow_fd, &slow));                          /* what was in its socket, then the end */
    assert_true(slow.len < (size_t)3 * SHOP_RT_RING_EVENTS * 250);

    int chunks, last;
    char *body = dechunk(fast.buf, fast.len, &chunks, &last);
    const char *list = ids(body);
    long long expect = 1;
    for (const char *p = list; *p; expect++) {
        char *end;
        assert_int_equal(strtoll(p, &end, 10), expect);
        p = *end ? end + 1 : end;
    }
    assert_int_equal(expect - 1, 3 * SHOP_RT_RING_EVENTS);
    fl_free(body);
    close(slow_fd);
    close(fast_fd);
    fl_free(slow.buf);
    fl_free(fast.buf);
    rt_free(rt);
}

/* A client that hangs up: its stream closed at once, the topic's count
 * back down; a stream that comes while quiescing ends at once. */
static void test_hangup_and_late(void **state)
{
    shop_rt *rt = rt_new();
    int fd, late_fd;
    got g = {0};
    (void)state;
    rt_topic *t = topic(rt, TOPIC);
    open_stream(rt, TOPIC, 0, 1, &fd, 0);
    turn(rt, 0);
    assert_int_equal(t->nsubs, 1);
    close(fd);
    writer_poll(rt, 100);
    assert_int_equal(t->nsubs, 0);
    assert_int_equal(rt->nsubs, 0);
    assert_null(rt->wtopics);

    rt->stopping = 1;
    open_stream(rt, TOPIC, 0, 1, &late_fd, 0);
    turn(rt, 0);
    assert_true(take(late_fd, &g));
    assert_string_equal(g.buf, "0\r\n\r\n");
    assert_int_equal(rt->nsubs, 0);
    close(late_fd);
    fl_free(g.buf);
    rt_free(rt);
}

/* shop_rt_streams_each: the topics of a prefix with streams, and how many. */
typedef struct seen {
    char names[4][SHOP_RT_TOPIC_MAX + 1];
    size_t counts[4], n;
} seen;

static void saw(void *arg, const char *name, size_t streams)
{
    seen *v = arg;
    snprintf(v->names[v->n], sizeof(v->names[v->n]), "%s", name);
    v->counts[v->n++] = streams;
}

static void test_streams_each(void **state)
{
    shop_rt *rt = rt_new();
    int fd[4];
    seen v = {0};
    (void)state;
    open_stream(rt, TOPIC, 0, 1, &fd[0], 0);
    open_stream(rt, TOPIC, 0, 0, &fd[1], 0);
    open_stream(rt, "flash:7", 0, 1, &fd[2], 0);
    rt_topic_get(rt, "live:fedcba9876543210", 1); /* followed, no stream */
    assert_int_equal(shop_rt_streams_each(rt, "live:", saw, &v), 1);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.names[0], TOPIC);
    assert_int_equal(v.counts[0], 2); /* counted from the request, before the writer took the sockets */
    turn(rt, 0);
    close(fd[0]);
    writer_poll(rt, 100);
    v.n = 0;
    assert_int_equal(shop_rt_streams_each(rt, "", saw, &v), 2);
    for (size_t i = 0; i < v.n; i++)
        assert_int_equal(v.counts[i], 1);
    close(fd[1]);
    close(fd[2]);
    rt_free(rt);
}

/* News of a topic whose last pass was slow wait a little for more, then
 * go to each stream in one send; a topic with a quick pass does not wait. */
static void test_gather(void **state)
{
    shop_rt *rt = rt_new();
    int fd, chunks, last;
    int64_t due;
    got g = {0};
    (void)state;
    rt_topic *t = topic(rt, TOPIC);
    open_stream(rt, TOPIC, 0, 1, &fd, 0);
    turn(rt, 0);
    assert_false(take(fd, &g));
    g.len = 0;
    t->pass_ms = 4 * GATHER_MAX_MS + 100; /* as after a pass over many streams */
    assert_int_equal(topic_gather_ms(t), GATHER_MAX_MS);
    int64_t heard = fl_mono_ms();
    hear(rt, TOPIC, 200, "chat", 0);
    writer_turn(rt, 0, &due);
    assert_ptr_equal(rt->dirty, t); /* waits for more */
    assert_true(due >= heard + GATHER_MAX_MS);
    assert_false(take(fd, &g));
    assert_int_equal(g.len, 0);
    hear(rt, TOPIC, 201, "flash.stock", 0); /* comes meanwhile: the same send */
    turn(rt, 0);
    assert_null(rt->dirty);
    assert_true(fl_mono_ms() >= heard + GATHER_MAX_MS);
    assert_false(take(fd, &g));
    char *body = dechunk(g.buf, g.len, &chunks, &last);
    assert_string_equal(ids(body), "200,201");
    assert_int_equal(chunks, 1);
    fl_free(body);
    t->pass_ms = 1; /* a quick pass: no wait */
    assert_int_equal(topic_gather_ms(t), 0);
    hear(rt, TOPIC, 202, "chat", 0);
    writer_turn(rt, 0, &due);
    assert_int_equal(due, 0);
    assert_null(rt->dirty);
    close(fd);
    fl_free(g.buf);
    rt_free(rt);
}

/* An event hands the topic to the writer when it has streams, and answers
 * the long-polls it satisfies; not the others. */
static void test_wakes(void **state)
{
    shop_rt *rt = rt_new();
    int wake = 0;
    rt_waiter *ready = NULL, w1 = {0}, w2 = {0};
    (void)state;
    rt_topic *t = topic(rt, TOPIC);
    w1.after = 4;
    w2.after = 5;
    w1.next = &w2;
    t->waiters = &w1;
    t->nwaiters = 2;
    rt->nwaiters = 2;
    shop_rt_ring_push(&t->ring, shop_rt_event_new(5, "status", 0, "{}", 2));
    topic_changed(rt, t, &wake, &ready);
    assert_false(wake);           /* no stream: nothing for the writer */
    assert_ptr_equal(ready, &w1); /* after 4: seq 5 answers it */
    assert_null(w1.next);
    assert_ptr_equal(t->waiters, &w2); /* after 5: waits on */
    assert_int_equal(t->nwaiters, 1);
    assert_int_equal(rt->nwaiters, 1);
    t->nsubs = 1;
    ready = NULL;
    topic_changed(rt, t, &wake, &ready);
    assert_true(wake);
    assert_ptr_equal(rt->dirty, t);
    assert_true(t->dirty);
    wake = 0;
    topic_changed(rt, t, &wake, &ready); /* already handed over: once */
    assert_false(wake);
    assert_null(t->dnext);
    assert_null(ready);
    t->waiters = NULL;
    t->nsubs = 0;
    rt->dirty = NULL;
    t->dirty = 0;
    rt_free(rt);
}

/* The table: a topic is found by name; when full, the least recently used
 * topic without clients makes room; idle ones are forgotten, never one
 * the writer holds or has yet to look at. */
static void test_topics_table(void **state)
{
    shop_rt *rt = rt_new();
    char name[32];
    (void)state;
    for (int i = 0; i < SHOP_RT_TOPICS_MAX; i++) {
        snprintf(name, sizeof(name), "flash:%d", i + 1);
        rt_topic *t = rt_topic_get(rt, name, 1);
        assert_non_null(t);
        t->used_ms = i; /* flash:1 the least recently used */
    }
    assert_ptr_equal(rt_topic_get(rt, "flash:5", 0), rt_topic_get(rt, "flash:5", 1));
    rt_topic_get(rt, "flash:1", 0)->nsubs = 1; /* a client: stays */
    assert_non_null(rt_topic_get(rt, "coop:1:orders", 1));
    assert_int_equal(rt->ntopics, SHOP_RT_TOPICS_MAX);
    assert_non_null(rt_topic_get(rt, "flash:1", 0));
    assert_null(rt_topic_get(rt, "flash:2", 0)); /* made room */
    rt_topic_get(rt, "flash:1", 0)->nsubs = 0;
    rt_topic_get(rt, "flash:3", 0)->held = 1;
    rt_topic_get(rt, "flash:4", 0)->dirty = 1;
    topics_forget(rt, 0); /* every idle one */
    assert_int_equal(rt->ntopics, 2);
    rt_topic_get(rt, "flash:3", 0)->held = 0;
    rt_topic_get(rt, "flash:4", 0)->dirty = 0;
    topics_forget(rt, 0);
    assert_int_equal(rt->ntopics, 0);
    rt_free(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_resume_chunks),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_unprimed_waits),
        cmocka_unit_test(test_empty_sweep),
        cmocka_unit_test(test_slow_dropped_fast_complete),
        cmocka_unit_test(test_hangup_and_late),
        cmocka_unit_test(test_streams_each),
        cmocka_unit_test(test_gather),
        cmocka_unit_test(test_wakes),
        cmocka_unit_test(test_topics_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
