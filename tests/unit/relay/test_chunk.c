/* test_chunk.c - src/relay/rtmp_chunk.c: writer -> reader round trips over
 * a table of (csid, length, chunk size) fed whole and byte by byte;
 * hand-made headers for fmt 1/2/3 timestamp deltas and extended
 * timestamps; and every refusal (chunk size bounds, message length, too
 * many chunk streams, unfinished-message bytes, a header inside a message,
 * short control messages), plus Abort. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/relay/rtmp_chunk.c"

typedef struct feed_out {
    rtmp_msg msgs[8];
    uint8_t *copies[8];
    size_t n;
    int rc; /* last non-AGAIN status, or AGAIN */
} feed_out;

static void feed_out_free(feed_out *o)
{
    for (size_t i = 0; i < o->n; i++)
        fl_free(o->copies[i]);
    o->n = 0;
}

/* Feeds in[0..len) in steps of `step`, keeping a copy of every message. */
static void feed(rtmp_chunk_reader *r, const uint8_t *in, size_t len, size_t step, feed_out *o)
{
    size_t pos = 0;
    o->rc = RTMP_CHUNK_AGAIN;
    while (pos < len) {
        size_t n = len - pos < step ? len - pos : step, used;
        rtmp_msg m;
        int rc = rtmp_chunk_read(r, in + pos, n, &used, &m);
        assert_true(used <= n);
        pos += used;
        if (rc < 0) {
            o->rc = rc;
            return;
        }
        if (rc == RTMP_CHUNK_MSG && o->n < 8) {
            o->copies[o->n] = fl_malloc(m.len + 1);
            if (m.len)
                memcpy(o->copies[o->n], m.payload, m.len);
            m.payload = o->copies[o->n];
            o->msgs[o->n++] = m;
        }
    }
}

static size_t write_msg(uint8_t *out, size_t cap, uint32_t csid, uint32_t ts, uint8_t type, const uint8_t *p,
                        size_t len, uint32_t chunk_size)
{
    rtmp_msg m = {.csid = csid, .ts = ts, .type = type, .stream_id = 1, .payload = p, .len = len};
    size_t n = rtmp_chunk_write(out, cap, &m, chunk_size);
    assert_true(n > 0);
    return n;
}

static size_t set_chunk_size(uint8_t *out, size_t cap, uint32_t size)
{
    uint8_t p[4] = {(uint8_t)(size >> 24), (uint8_t)(size >> 16), (uint8_t)(size >> 8), (uint8_t)size};
    return write_msg(out, cap, 2, 0, RTMP_MSG_SET_CHUNK_SIZE, p, 4, RTMP_DEFAULT_CHUNK_SIZE);
}

static void test_round_trips(void **state)
{
    (void)state;
    static const struct {
        uint32_t csid;
        size_t len;
        uint32_t chunk_size;
        uint32_t ts;
    } cases[] = {
        {3, 0, 128, 0},          {3, 1, 128, 5},           {4, 127, 128, 40}, {4, 128, 128, 80},   {5, 129, 128, 0},
        {6, 5000, 128, 1000},    {63, 300, 4096, 7},       {64, 300, 60, 1},  {319, 1000, 100, 2}, {320, 1000, 100, 3},
        {65599, 70000, 4096, 9}, {7, 200, 128, 0x1000000}, /* extended timestamps, on continuations too */
    };
    static const size_t steps[] = {1, 3, 1 << 20};
    size_t cap = 200000;
    uint8_t *buf = fl_malloc(cap), *payload = fl_malloc(70000);
    for (size_t i = 0; i < 70000; i++)
        payload[i] = (uint8_t)(i * 31 + 7);
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
            rtmp_chunk_reader r;
            feed_out o = {0};
            size_t n = 0;
            rtmp_chunk_reader_init(&r, 0);
            if (cases[c].chunk_size != RTMP_DEFAULT_CHUNK_SIZE)
                n += set_chunk_size(buf, cap, cases[c].chunk_size);
            n += write_msg(buf + n, cap - n, cases[c].csid, cases[c].ts, RTMP_MSG_VIDEO, payload, cases[c].len,
                           cases[c].chunk_size);
            feed(&r, buf, n, steps[s], &o);
            size_t last = o.n - 1;
            if (o.rc != RTMP_CHUNK_AGAIN || o.n != (cases[c].chunk_size != RTMP_DEFAULT_CHUNK_SIZE ? 2u : 1u))
                fail_msg("case %zu step %zu: rc %d, %zu messages", c, steps[s], o.rc, o.n);
            assert_int_equal(o.msgs[last].csid, cases[c].csid);
            assert_int_equal(o.msgs[last].ts, cases[c].ts);
            assert_int_equal(o.msgs[last].type, RTMP_MSG_VIDEO);
            assert_int_equal(o.msgs[last].stream_id, 1);
            assert_int_equal(o.msgs[last].len, cases[c].len);
            if (cases[c].len)
                assert_memory_equal(o.msgs[last].payload, payload, cases[c].len);
            assert_int_equal(r.chunk_size, cases[c].chunk_size);
            feed_out_free(&o);
            rtmp_chunk_reader_free(&r);
        }
    }
    fl_free(payload);
    fl_free(buf);
}

/* fmt 0 ts 1000 "ab"; fmt 1 +20 type 9 "c"; fmt 2 +30 "d"; fmt 3 "e" (+30 again) */
static void test_header_formats(void **state)
{
    (void)state;
    static const uint8_t in[] = {
        0x04, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x02, 0x08, 0x01, 0x00, 0x00, 0x00, 'a', 'b',  0x44,
        0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 0x09, 'c',  0x84, 0x00, 0x00, 0x1e, 'd', 0xc4, 'e',
    };
    static const struct {
        uint32_t ts;
        uint8_t type;
        char body[3];
    } want[] = {{1000, 8, "ab"}, {1020, 9, "c"}, {1050, 9, "d"}, {1080, 9, "e"}};
    for (size_t step = 1; step <= sizeof(in); step += sizeof(in) - 1) {
        rtmp_chunk_reader r;
        feed_out o = {0};
        rtmp_chunk_reader_init(&r, 0);
        feed(&r, in, sizeof(in), step, &o);
        assert_int_equal(o.rc, RTMP_CHUNK_AGAIN);
        assert_int_equal(o.n, 4);
        for (size_t i = 0; i < 4; i++) {
            assert_int_equal(o.msgs[i].ts, want[i].ts);
            assert_int_equal(o.msgs[i].type, want[i].type);
            assert_int_equal(o.msgs[i].stream_id, 1);
            assert_memory_equal(o.msgs[i].payload, want[i].body, strlen(want[i].body));
        }
        feed_out_free(&o);
        rtmp_chunk_reader_free(&r);
    }
}

/* fmt 3 starting a new message right after fmt 0 repeats the fmt 0
 * timestamp as the delta (FFmpeg's and librtmp's reading). */
static void test_fmt3_after_fmt0(void **state)
{
    (void)state;
    static const uint8_t in[] = {0x05, 0x00, 0x00, 0x28, 0x00, 0x00, 0x01, 0x08,
                                 0x01, 0x00, 0x00, 0x00, 'x',  0xc5, 'y'};
    rtmp_chunk_reader r;
    feed_out o = {0};
    rtmp_chunk_reader_init(&r, 0);
    feed(&r, in, sizeof(in), sizeof(in), &o);
    assert_int_equal(o.n, 2);
    assert_int_equal(o.msgs[0].ts, 40);
    assert_int_equal(o.msgs[1].ts, 80);
    feed_out_free(&o);
    rtmp_chunk_reader_free(&r);
}

static void test_chunk_size_bounds(void **state)
{
    (void)state;
    static const struct {
        uint32_t size;
        int rc;
    } cases[] = {
        {0, RTMP_CHUNK_ECHUNKSIZE},
        {RTMP_MAX_CHUNK_SIZE + 1, RTMP_CHUNK_ECHUNKSIZE},
        {0x7fffffff, RTMP_CHUNK_ECHUNKSIZE},
        {0x80000000u, RTMP_CHUNK_ECHUNKSIZE}, /* top bit ignored: 0 */
        {1, RTMP_CHUNK_AGAIN},
        {RTMP_MAX_CHUNK_SIZE, RTMP_CHUNK_AGAIN},
    };
    uint8_t buf[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rtmp_chunk_reader r;
        feed_out o = {0};
        rtmp_chunk_reader_init(&r, 0);
        size_t n = set_chunk_size(buf, sizeof(buf), cases[i].size);
        feed(&r, buf, n, n, &o);
        if (o.rc != cases[i].rc)
            fail_msg("size %u: rc %d, want %d", cases[i].size, o.rc, cases[i].rc);
        feed_out_free(&o);
        rtmp_chunk_reader_free(&r);
    }
}

static void test_refusals(void **state)
{
    (void)state;
    static const uint8_t too_long[] = {0x03, 0, 0, 0, 0x80, 0x00, 0x01, 0x14, 0, 0, 0, 0}; /* 8 MiB + 1 */
    static const uint8_t short_scs[] = {0x02, 0, 0, 0, 0, 0, 2, 0x01, 0, 0, 0, 0, 0, 1};
    static const uint8_t hdr_inside[] = {0x05, 0, 0, 0, 0, 0x01, 0, 0x09, 1, 0, 0, 0}; /* 256 bytes, then a new fmt 0 */
    static const struct {
        const char *name;
        const uint8_t *in;
        size_t len;
        size_t max_msg;
        int rc;
    } cases[] = {
        {"message above 8 MiB", too_long, sizeof(too_long), 0, RTMP_CHUNK_EMSGSIZE},
        {"message above a small max", hdr_inside, sizeof(hdr_inside), 100, RTMP_CHUNK_EMSGSIZE},
        {"short Set Chunk Size", short_scs, sizeof(short_scs), 0, RTMP_CHUNK_EPROTO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rtmp_chunk_reader r;
        feed_out o = {0};
        rtmp_chunk_reader_init(&r, cases[i].max_msg);
        feed(&r, cases[i].in, cases[i].len, 1, &o);
        if (o.rc != cases[i].rc)
            fail_msg("%s: rc %d, want %d", cases[i].name, o.rc, cases[i].rc);
        feed_out_free(&o);
        rtmp_chunk_reader_free(&r);
    }

    /* a fmt 0 header on a chunk stream whose message is unfinished */
    uint8_t buf[600];
    memcpy(buf, hdr_inside, sizeof(hdr_inside));
    memset(buf + sizeof(hdr_inside), 'x', 128);
    memcpy(buf + sizeof(hdr_inside) + 128, hdr_inside, sizeof(hdr_inside));
    rtmp_chunk_reader r;
    feed_out o = {0};
    rtmp_chunk_reader_init(&r, 0);
    feed(&r, buf, 2 * sizeof(hdr_inside) + 128, 1000, &o);
    assert_int_equal(o.rc, RTMP_CHUNK_EPROTO);
    rtmp_chunk_reader_free(&r);

    /* Abort (type 2) drops the unfinished message, so the same header is fine */
    size_t n = sizeof(hdr_inside) + 128;
    uint8_t abort_p[4] = {0, 0, 0, 5};
    n += write_msg(buf + n, sizeof(buf) - n, 2, 0, RTMP_MSG_ABORT, abort_p, 4, 128);
    memcpy(buf + n, hdr_inside, sizeof(hdr_inside));
    n += sizeof(hdr_inside);
    rtmp_chunk_reader_init(&r, 0);
    feed(&r, buf, n, 7, &o);
    assert_int_equal(o.rc, RTMP_CHUNK_AGAIN);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.msgs[0].type, RTMP_MSG_ABORT);
    feed_out_free(&o);
    rtmp_chunk_reader_free(&r);
}

static void test_too_many_csids(void **state)
{
    (void)state;
    uint8_t buf[32];
    rtmp_chunk_reader r;
    feed_out o = {0};
    rtmp_chunk_reader_init(&r, 0);
    for (uint32_t i = 0; i <= RTMP_MAX_CSIDS; i++) {
        size_t n = write_msg(buf, sizeof(buf), 100 + i, 0, RTMP_MSG_AUDIO, (const uint8_t *)"a", 1, 128);
        feed(&r, buf, n, n, &o);
        feed_out_free(&o);
        if (i < RTMP_MAX_CSIDS)
            assert_int_equal(o.rc, RTMP_CHUNK_AGAIN);
    }
    assert_int_equal(o.rc, RTMP_CHUNK_ECSIDS);
    rtmp_chunk_reader_free(&r);
}

/* Unfinished messages on many chunk streams: bounded in total. */
static void test_buffered_bound(void **state)
{
    (void)state;
    const uint32_t cs = 4u << 20, msg = 8u << 20;
    uint8_t *body = fl_calloc(1, cs);
    uint8_t buf[32];
    rtmp_chunk_reader r;
    feed_out o = {0};
    rtmp_chunk_reader_init(&r, 0);
    size_t n = set_chunk_size(buf, sizeof(buf), cs);
    feed(&r, buf, n, n, &o);
    feed_out_free(&o);
    for (uint32_t csid = 3; csid < 8 && o.rc == RTMP_CHUNK_AGAIN; csid++) {
        uint8_t h[12] = {
            (uint8_t)csid, 0, 0, 0, (uint8_t)(msg >> 16), (uint8_t)(msg >> 8), (uint8_t)msg, 9, 1, 0, 0, 0};
        feed(&r, h, sizeof(h), sizeof(h), &o);
        feed(&r, body, cs, cs, &o);
    }
    assert_int_equal(o.rc, RTMP_CHUNK_EBUFFERED);
    assert_true(r.buffered <= RTMP_MAX_BUFFERED);
    rtmp_chunk_reader_free(&r);
    fl_free(body);
}

/* The bounds a server sets before a publisher is authorised (64 KiB a
 * message, 128 KiB held): an 8 MiB header is refused at once, before any
 * of its body is held; small messages on several chunk streams stop at
 * 128 KiB; raised bounds then let a large message through. */
static void test_small_limits(void **state)
{
    (void)state;
    uint8_t buf[32], body[4096] = {0};
    rtmp_chunk_reader r;
    feed_out o = {0};
    rtmp_chunk_reader_init(&r, 0);
    rtmp_chunk_reader_set_limits(&r, 64u << 10, 128u << 10);
    uint8_t big[12] = {3, 0, 0, 0, 0x80, 0, 0, 9, 1, 0, 0, 0}; /* 8 MiB video */
    feed(&r, big, sizeof(big), sizeof(big), &o);
    assert_int_equal(o.rc, RTMP_CHUNK_EMSGSIZE);
    assert_int_equal(r.buffered, 0);
    rtmp_chunk_reader_free(&r);
    feed_out_free(&o);

    rtmp_chunk_reader_init(&r, 0);
    rtmp_chunk_reader_set_limits(&r, 64u << 10, 128u << 10);
    size_t n = set_chunk_size(buf, sizeof(buf), sizeof(body));
    feed(&r, buf, n, n, &o);
    feed_out_free(&o);
    const uint32_t msg = 60u << 10; /* under the message limit; three of them are not */
    for (uint32_t csid = 3; csid < 8 && o.rc == RTMP_CHUNK_AGAIN; csid++) {
        uint8_t h[12] = {
            (uint8_t)csid, 0, 0, 0, (uint8_t)(msg >> 16), (uint8_t)(msg >> 8), (uint8_t)msg, 9, 1, 0, 0, 0};
        uint8_t cont = (uint8_t)(0xc0 | csid); /* fmt 3: the next chunk of the message */
        feed(&r, h, sizeof(h), sizeof(h), &o);
        for (int k = 0; k < 14 && o.rc == RTMP_CHUNK_AGAIN; k++) { /* 14 of its 15 chunks */
            if (k > 0)
                feed(&r, &cont, 1, 1, &o);
            feed(&r, body, sizeof(body), sizeof(body), &o);
        }
    }
    assert_int_equal(o.n, 0); /* none completed */
    assert_int_equal(o.rc, RTMP_CHUNK_EBUFFERED);
    assert_true(r.buffered <= 128u << 10);
    rtmp_chunk_reader_free(&r);
    feed_out_free(&o);

    rtmp_chunk_reader_init(&r, 0);
    rtmp_chunk_reader_set_limits(&r, 64u << 10, 128u << 10);
    rtmp_chunk_reader_set_limits(&r, RTMP_MAX_MSG_SIZE, RTMP_MAX_BUFFERED); /* authorised */
    feed(&r, big, sizeof(big), sizeof(big), &o);
    assert_int_equal(o.rc, RTMP_CHUNK_AGAIN);
    rtmp_chunk_reader_free(&r);
    feed_out_free(&o);
}

static void test_writer(void **state)
{
    (void)state;
    uint8_t out[64];
    rtmp_msg m = {.csid = 3, .ts = 0, .type = 20, .payload = (const uint8_t *)"hello", .len = 5};
    assert_int_equal(rtmp_chunk_write(out, 10, &m, 128), 0); /* too small */
    size_t n = rtmp_chunk_write(out, sizeof(out), &m, 2);
    /* 12-byte header + "he" + 0xc3 "ll" + 0xc3 "o" */
    assert_int_equal(n, 12 + 2 + 3 + 2);
    assert_int_equal(out[0], 0x03);
    assert_int_equal(out[14], 0xc3);
    assert_int_equal(out[17], 0xc3);
    m.csid = 1;
    assert_int_equal(rtmp_chunk_write(out, sizeof(out), &m, 128), 0);

    rtmp_wbuf w;
    rtmp_wbuf_init(&w, 40);
    assert_int_equal(rtmp_send_u32(&w, RTMP_MSG_WINDOW_ACK_SIZE, 5000000, 128), 0);
    assert_int_equal(w.len, 16);
    assert_int_equal(rtmp_send_stream_begin(&w, 1, 128), 0);
    assert_int_equal(rtmp_send_peer_bandwidth(&w, 1, 2, 128), -1); /* past max */
    assert_int_not_equal(w.err, 0);
    rtmp_wbuf_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),     cmocka_unit_test(test_header_formats),
        cmocka_unit_test(test_fmt3_after_fmt0), cmocka_unit_test(test_chunk_size_bounds),
        cmocka_unit_test(test_refusals),        cmocka_unit_test(test_too_many_csids),
        cmocka_unit_test(test_buffered_bound),  cmocka_unit_test(test_small_limits),
        cmocka_unit_test(test_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
