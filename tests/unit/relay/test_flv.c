/* test_flv.c - src/relay/flv.c: the FLV tag writer (bytes in, bytes out),
 * the fan-out ring (GOP cache, bounds) and the writer thread over a
 * socketpair: a new viewer gets header, sequence headers and the cached GOP
 * from its keyframe; a viewer that stops reading is dropped and its
 * memory is the ring's alone. Includes flv.c to see the ring. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/flv.c"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>

/* -- the pure writer ----------------------------------------------------- */

static void test_file_header(void **state)
{
    (void)state;
    uint8_t h[FLV_FILE_HEADER_SIZE];
    static const uint8_t want[] = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
    flv_write_file_header(h, 1, 1);
    assert_memory_equal(h, want, sizeof(want));
    flv_write_file_header(h, 0, 1);
    assert_int_equal(h[4], 1);
    flv_write_file_header(h, 1, 0);
    assert_int_equal(h[4], 4);
}

static void test_tag_header_extended_ts(void **state)
{
    (void)state;
    uint8_t h[FLV_TAG_HEADER_SIZE];
    flv_write_tag_header(h, FLV_TAG_VIDEO, 0x012345, 0x89abcdef);
    static const uint8_t want[] = {9, 0x01, 0x23, 0x45, 0xab, 0xcd, 0xef, 0x89, 0, 0, 0};
    assert_memory_equal(h, want, sizeof(want));
}

static void test_tag_new_layout(void **state)
{
    (void)state;
    static const uint8_t prefix[] = {0x02, 0x00, 0x01, 'x'};
    static const uint8_t body[] = {0xaa, 0xbb, 0xcc};
    relay_tag *t = relay_tag_new(FLV_TAG_SCRIPT, 1000, prefix, sizeof(prefix), body, sizeof(body));
    assert_non_null(t);
    assert_int_equal(t->size, 11 + 7 + 4);
    assert_int_equal(t->data[0], 18);
    assert_int_equal(t->data[3], 7); /* DataSize */
    assert_int_equal(t->data[5], 0x03);
    assert_int_equal(t->data[6], 0xe8); /* 1000 ms */
    assert_memory_equal(relay_tag_body(t), prefix, sizeof(prefix));
    assert_memory_equal(relay_tag_body(t) + 4, body, sizeof(body));
    assert_int_equal(relay_tag_body_len(t), 7);
    /* PreviousTagSize = 11 + DataSize */
    const uint8_t *pts = t->data + t->size - 4;
    assert_int_equal((pts[0] << 24) | (pts[1] << 16) | (pts[2] << 8) | pts[3], 18);
    flv_set_tag_ts(t->data, 0x01020304);
    assert_int_equal(t->data[7], 0x01);
    assert_int_equal(t->data[4], 0x02);
    relay_tag_ref(t);
    relay_tag_unref(t);
    relay_tag_unref(t);
    relay_tag_unref(NULL);
}

static void test_tag_too_big(void **state)
{
    (void)state;
    static uint8_t big[FLV_MAX_BODY + 1];
    assert_null(relay_tag_new(FLV_TAG_VIDEO, 0, NULL, 0, big, sizeof(big)));
}

static void test_video_audio_info(void **state)
{
    (void)state;
    int key, seq;
    int32_t cts;
    static const uint8_t seqhdr[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t inter[] = {0x27, 0x01, 0xff, 0xff, 0xd8, 0x00}; /* cts -40 */
    static const uint8_t hevc[] = {0x1c, 0x01, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(flv_video_info(seqhdr, sizeof(seqhdr), &key, &seq, &cts), 0);
    assert_true(key);
    assert_true(seq);
    assert_int_equal(flv_video_info(inter, sizeof(inter), &key, &seq, &cts), 0);
    assert_false(key);
    assert_false(seq);
    assert_int_equal(cts, -40);
    assert_int_equal(flv_video_info(hevc, sizeof(hevc), &key, &seq, &cts), -1);
    assert_int_equal(flv_video_info(seqhdr, 4, &key, &seq, &cts), -1);
    static const uint8_t aac_seq[] = {0xaf, 0x00, 0x12, 0x10};
    static const uint8_t aac_raw[] = {0xaf, 0x01, 0x21};
    static const uint8_t mp3[] = {0x2f, 0x01};
    assert_int_equal(flv_audio_info(aac_seq, sizeof(aac_seq), &seq), 0);
    assert_true(seq);
    assert_int_equal(flv_audio_info(aac_raw, sizeof(aac_raw), &seq), 0);
    assert_false(seq);
    assert_int_equal(flv_audio_info(mp3, sizeof(mp3), &seq), -1);
    assert_int_equal(flv_audio_info(aac_seq, 1, &seq), -1);
}

/* -- the ring -------------------------------------------------------------- */

static relay_tag *video(uint32_t ts, int key, int seqhdr, size_t len)
{
    uint8_t *body = calloc(1, len);
    body[0] = key ? 0x17 : 0x27;
    body[1] = seqhdr ? 0 : 1;
    relay_tag *t = relay_tag_new(FLV_TAG_VIDEO, ts, NULL, 0, body, len);
    t->flags = (uint8_t)((key ? RELAY_TAG_KEY : 0) | (seqhdr ? RELAY_TAG_SEQHDR : 0));
    free(body);
    return t;
}

static void push(flv_out *o, relay_tag *t)
{
    flv_out_push(o, t);
    relay_tag_unref(t);
}

static void test_ring_gop_and_bounds(void **state)
{
    (void)state;
    flv_out *o = flv_out_new();
    assert_int_equal(o->gop_seq, UINT64_MAX);
    push(o, video(0, 1, 1, 40));
    assert_non_null(o->vseq);
    assert_int_equal(o->gop_seq, UINT64_MAX); /* a sequence header is not a GOP */
    push(o, video(0, 1, 0, 100));
    assert_int_equal(o->gop_seq, 1);
    push(o, video(40, 0, 0, 100));
    push(o, video(1000, 1, 0, 100));
    assert_int_equal(o->gop_seq, 3);
    /* tag-count bound */
    for (uint32_t i = 0; i < FLV_RING_TAGS + 10; i++)
        push(o, video(1040 + i, 0, 0, 20));
    assert_int_equal(o->head - o->tail, FLV_RING_TAGS);
    assert_int_equal(o->gop_seq, UINT64_MAX); /* the keyframe fell off */
    /* byte bound */
    push(o, video(9000, 1, 0, 4u << 20));
    push(o, video(9040, 0, 0, 4u << 20));
    push(o, video(9080, 0, 0, 4u << 20));
    push(o, video(9120, 0, 0, 4u << 20));
    push(o, video(9160, 0, 0, 4u << 20));
    assert_true(o->ring_bytes <= FLV_RING_BYTES);
    flv_out_unref(o);
}

/* -- the writer thread ------------------------------------------------------- */

static atomic_int closed_calls;
static void on_closed(void *arg)
{
    (void)arg;
    atomic_fetch_add(&closed_calls, 1);
}

/* Reads what arrives within ms into buf; returns the byte count. */
static size_t read_for(int fd, uint8_t *buf, size_t cap, int ms)
{
    size_t n = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (n < cap && poll(&p, 1, ms) > 0) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    return n;
}

static const uint8_t *find_body_end_of_http(const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return buf + i + 4;
    return NULL;
}

static void test_writer_gop_cache(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(flv_writer_start(), 0);
    flv_out *o = flv_out_new();
    push(o, video(0, 1, 1, 30));  /* seq header */
    push(o, video(0, 1, 0, 200)); /* GOP 1 */
    push(o, video(40, 0, 0, 50));
    push(o, video(1000, 1, 0, 300)); /* GOP 2: where a new viewer starts */
    push(o, video(1040, 0, 0, 60));
    atomic_store(&closed_calls, 0);
    assert_int_equal(flv_writer_attach(o, sv[0], on_closed, NULL), 0);

    uint8_t buf[8192];
    size_t n = read_for(sv[1], buf, sizeof(buf), 300);
    const uint8_t *p = find_body_end_of_http(buf, n);
    assert_non_null(p);
    assert_memory_equal(buf, "HTTP/1.1 200 OK\r\n", 17);
    assert_non_null(memmem(buf, n, "Access-Control-Allow-Origin: *", 30));
    assert_memory_equal(p, "FLV", 3);
    p += FLV_FILE_HEADER_SIZE;
    /* the sequence header, stamped with the GOP's time */
    assert_int_equal(p[0], 9);
    assert_int_equal(p[3], 30);
    assert_int_equal((p[5] << 8) | p[6], 1000);
    assert_int_equal(p[11 + 1], 0);
    p += 11 + 30 + 4;
    /* then GOP 2's keyframe, then its inter frame */
    assert_int_equal((p[2] << 8) | p[3], 300);
    assert_int_equal(p[11], 0x17);
    p += 11 + 300 + 4;
    assert_int_equal(p[3], 60);
    p += 11 + 60 + 4;
    assert_int_equal((size_t)(p - buf), n);

    /* live tags follow */
    push(o, video(1080, 0, 0, 70));
    n = read_for(sv[1], buf, sizeof(buf), 300);
    assert_int_equal(n, 11 + 70 + 4);

    /* the stream ends: the viewer is closed, the callback runs */
    flv_out_end(o);
    n = read_for(sv[1], buf, sizeof(buf), 500);
    assert_int_equal(n, 0);
    for (int i = 0; i < 50 && atomic_load(&closed_calls) == 0; i++)
        usleep(10000);
    assert_int_equal(atomic_load(&closed_calls), 1);
    assert_int_equal(flv_out_viewers(o), 0);
    flv_writer_stop();
    close(sv[1]);
    flv_out_unref(o);
}

static void test_writer_drops_slow_viewer(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    assert_int_equal(flv_writer_start(), 0);
    flv_out *o = flv_out_new();
    push(o, video(0, 1, 0, 100));
    atomic_store(&closed_calls, 0);
    assert_int_equal(flv_writer_attach(o, sv[0], on_closed, NULL), 0);
    usleep(100000);
    /* never read sv[1]: 6 MiB over 12 s of stream time */
    for (uint32_t i = 0; i < 300; i++) {
        push(o, video(40 * i + 40, i % 25 == 0, 0, 20000));
        if (i % 20 == 0)
            usleep(FLV_BATCH_MS * 1000);
    }
    for (int i = 0; i < 100 && atomic_load(&closed_calls) == 0; i++)
        usleep(10000);
    assert_int_equal(atomic_load(&closed_calls), 1);
    flv_writer_get_stats(&(flv_writer_stats){0});
    flv_writer_stats st;
    flv_writer_get_stats(&st);
    assert_true(st.viewers_dropped >= 1);
    flv_writer_stop();
    close(sv[1]);
    flv_out_unref(o);
}

static void test_writer_viewer_hangs_up(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(flv_writer_start(), 0);
    flv_out *o = flv_out_new();
    atomic_store(&closed_calls, 0);
    assert_int_equal(flv_writer_attach(o, sv[0], on_closed, NULL), 0);
    usleep(100000);
    assert_int_equal(flv_out_viewers(o), 1);
    close(sv[1]);
    for (int i = 0; i < 100 && atomic_load(&closed_calls) == 0; i++)
        usleep(10000);
    assert_int_equal(atomic_load(&closed_calls), 1);
    assert_int_equal(flv_out_viewers(o), 0);
    flv_writer_stop();
    /* attach after stop is refused, the fd closed */
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(flv_writer_attach(o, sv[0], on_closed, NULL), -1);
    close(sv[1]);
    flv_out_unref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_header),
        cmocka_unit_test(test_tag_header_extended_ts),
        cmocka_unit_test(test_tag_new_layout),
        cmocka_unit_test(test_tag_too_big),
        cmocka_unit_test(test_video_audio_info),
        cmocka_unit_test(test_ring_gop_and_bounds),
        cmocka_unit_test(test_writer_gop_cache),
        cmocka_unit_test(test_writer_drops_slow_viewer),
        cmocka_unit_test(test_writer_viewer_hangs_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
