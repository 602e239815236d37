/* test_flv_fanout.c - src/relay/flv_fanout.c: the per-stream memfd and
 * its index (GOP cache, bounds in tags and bytes, freed ranges: the file's
 * allocated size stays bounded and nothing a viewer is pinned on is ever
 * freed) and the writer thread over a socketpair with sendfile: a new
 * viewer gets header, sequence headers and the cached GOP from its
 * keyframe; one that arrives before any keyframe waits for the next; a
 * viewer that stops reading is dropped; a hang-up closes it; the prelude
 * announces the tracks present and stamps onMetaData 0. Includes
 * flv_fanout.c to see the index. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>

#include "../../../src/relay/flv_fanout.c"

#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>

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
    assert_true(o->fd >= 0);
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
    assert_true(o->next_pos - tail_pos_locked(o) <= FLV_RING_BYTES);
    flv_out_unref(o);
}

/* The file holds each tag's bytes at its indexed offset. */
static void test_file_holds_tags(void **state)
{
    (void)state;
    flv_out *o = flv_out_new();
    relay_tag *a = video(0, 1, 0, 100), *b = video(40, 0, 0, 7);
    flv_out_push(o, a);
    flv_out_push(o, b);
    assert_int_equal(o->next_pos, a->size + b->size);
    uint8_t buf[256];
    assert_int_equal(pread(o->fd, buf, sizeof(buf), 0), (ssize_t)(a->size + b->size));
    assert_memory_equal(buf, a->data, a->size);
    assert_memory_equal(buf + a->size, b->data, b->size);
    assert_int_equal(o->ring[1].pos, a->size);
    assert_int_equal(o->ring[1].ts, 40);
    assert_int_equal(entry_at_locked(o, a->size - 1)->pos, 0);
    assert_int_equal(entry_at_locked(o, a->size + 3)->pos, a->size);
    relay_tag_unref(a);
    relay_tag_unref(b);
    flv_out_unref(o);
}

static uint64_t allocated(int fd)
{
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    return (uint64_t)sb.st_blocks * 512;
}

/* 64 MiB through a stream nobody watches: the memfd's memory stays within
 * the index's byte bound plus one punch block; the size (offsets) grows. */
static void test_old_ranges_freed(void **state)
{
    (void)state;
    flv_out *o = flv_out_new();
    for (uint32_t i = 0; i < 1024; i++)
        push(o, video(40 * i, i % 25 == 0, 0, 64 * 1024));
    assert_true(o->next_pos > (60u << 20));
    assert_true(allocated(o->fd) <= FLV_RING_BYTES + FLV_PUNCH_ALIGN + (64u << 10));
    assert_int_equal(o->punched % FLV_PUNCH_ALIGN, 0);
    assert_true(o->punched <= tail_pos_locked(o));
    /* the GOP cache is still there, byte for byte */
    assert_true(o->gop_seq != UINT64_MAX);
    uint8_t h[FLV_TAG_HEADER_SIZE + 1];
    assert_int_equal(pread(o->fd, h, sizeof(h), (off_t)o->ring[o->gop_seq % FLV_RING_TAGS].pos), (ssize_t)sizeof(h));
    assert_int_equal(h[0], FLV_TAG_VIDEO);
    assert_int_equal(h[FLV_TAG_HEADER_SIZE], 0x17);
    flv_out_unref(o);
}

/* A pinned offset (a viewer being written) is never freed, however far
 * the tail moves on. */
static void test_pin_holds_bytes(void **state)
{
    (void)state;
    flv_out *o = flv_out_new();
    push(o, video(0, 1, 0, 1000));
    push(o, video(40, 0, 0, 1000));
    uint64_t pinned = o->ring[1].pos;
    o->pin = pinned;
    for (uint32_t i = 0; i < 600; i++)
        push(o, video(80 + 40 * i, 0, 0, 64 * 1024));
    assert_true(tail_pos_locked(o) > pinned);
    assert_true(o->punched <= pinned);
    uint8_t h[FLV_TAG_HEADER_SIZE];
    assert_int_equal(pread(o->fd, h, sizeof(h), (off_t)pinned), (ssize_t)sizeof(h));
    assert_int_equal(h[0], FLV_TAG_VIDEO);
    assert_int_equal(h[6], 40);
    o->pin = UINT64_MAX; /* the viewer went: the next push frees up to the tail */
    push(o, video(90000, 0, 0, 100));
    assert_true(o->punched > pinned);
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
    close(sv[0]); /* lent, never closed by the writer */
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
    flv_writer_stats st;
    flv_writer_get_stats(&st);
    assert_true(st.viewers_dropped >= 1);
    flv_writer_stop();
    close(sv[0]);
    close(sv[1]);
    flv_out_unref(o);
}

/* A viewer that arrives before the first keyframe gets its prelude at once
 * and media from the next keyframe on, never the inter frames before it. */
static void test_writer_waits_for_key(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(flv_writer_start(), 0);
    flv_out *o = flv_out_new();
    push(o, video(0, 1, 1, 30)); /* seq header only */
    atomic_store(&closed_calls, 0);
    assert_int_equal(flv_writer_attach(o, sv[0], on_closed, NULL), 0);
    uint8_t buf[8192];
    size_t n = read_for(sv[1], buf, sizeof(buf), 300);
    const uint8_t *p = find_body_end_of_http(buf, n);
    assert_non_null(p);
    assert_int_equal((size_t)(p - buf) + FLV_FILE_HEADER_SIZE + 11 + 30 + 4, n);
    push(o, video(40, 0, 0, 50)); /* no keyframe yet: skipped */
    push(o, video(1000, 1, 0, 80));
    push(o, video(1040, 0, 0, 90));
    n = read_for(sv[1], buf, sizeof(buf), 400);
    assert_int_equal(n, (11 + 80 + 4) + (11 + 90 + 4));
    assert_int_equal(buf[11], 0x17);
    flv_writer_stop();
    assert_int_equal(atomic_load(&closed_calls), 1);
    close(sv[0]);
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
    close(sv[0]);
    flv_writer_stop();
    /* attach after stop is refused, the fd left to the caller */
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(flv_writer_attach(o, sv[0], on_closed, NULL), -1);
    assert_int_equal(fcntl(sv[0], F_GETFD), 0);
    close(sv[0]);
    close(sv[1]);
    flv_out_unref(o);
}

static relay_tag *tag(uint8_t type, uint32_t ts, uint8_t b0, uint8_t b1, uint8_t flags, size_t len)
{
    uint8_t *body = calloc(1, len);
    body[0] = b0;
    body[1] = b1;
    relay_tag *t = relay_tag_new(type, ts, NULL, 0, body, len);
    t->flags = flags;
    free(body);
    return t;
}

/* Attaches a viewer to o, reads what it is sent first; its FLV header's
 * track flags and the prelude's tags (type, stamp) in order. */
static void viewer_prelude(flv_out *o, uint8_t *flags, uint8_t types[8], uint32_t stamps[8], int *ntags)
{
    int sv[2];
    uint8_t buf[8192];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(flv_writer_attach(o, sv[0], on_closed, NULL), 0);
    size_t n = read_for(sv[1], buf, sizeof(buf), 300);
    const uint8_t *p = find_body_end_of_http(buf, n), *end = buf + n;
    assert_non_null(p);
    assert_memory_equal(p, "FLV", 3);
    *flags = p[4];
    *ntags = 0;
    for (p += FLV_FILE_HEADER_SIZE; p + FLV_TAG_HEADER_SIZE <= end && *ntags < 8; (*ntags)++) {
        size_t size = ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
        types[*ntags] = p[0];
        stamps[*ntags] = ((uint32_t)p[7] << 24) | ((uint32_t)p[4] << 16) | ((uint32_t)p[5] << 8) | p[6];
        p += FLV_TAG_HEADER_SIZE + size + 4;
    }
    assert_ptr_equal(p, end);
    close(sv[1]); /* the writer closes its side at the next pass */
    for (int i = 0; i < 100 && flv_out_viewers(o) > 0; i++)
        usleep(10000);
    assert_int_equal(flv_out_viewers(o), 0);
    close(sv[0]);
}

/* The FLV header announces only the tracks the stream has; onMetaData is
 * stamped 0 (any other stamp makes players open a data stream), the
 * sequence headers with the first media tag's time. */
static void test_writer_prelude_tracks(void **state)
{
    (void)state;
    uint8_t flags, types[8];
    uint32_t stamps[8];
    int n;
    assert_int_equal(flv_writer_start(), 0);

    flv_out *o = flv_out_new(); /* video only, metadata sent after a takeover */
    push(o, video(5000, 1, 1, 30));
    push(o, tag(FLV_TAG_SCRIPT, 5000, 0x02, 0, 0, 40));
    push(o, video(5000, 1, 0, 200));
    push(o, video(5040, 0, 0, 50));
    viewer_prelude(o, &flags, types, stamps, &n);
    assert_int_equal(flags, 0x01);
    assert_int_equal(n, 4); /* metadata, sequence header, the GOP's two frames */
    assert_int_equal(types[0], FLV_TAG_SCRIPT);
    assert_int_equal(stamps[0], 0);
    assert_int_equal(types[1], FLV_TAG_VIDEO);
    assert_int_equal(stamps[1], 5000);
    assert_int_equal(stamps[2], 5000);
    assert_int_equal(stamps[3], 5040);
    flv_out_unref(o);

    o = flv_out_new(); /* audio only: starts at the live edge */
    push(o, tag(FLV_TAG_SCRIPT, 0, 0x02, 0, 0, 40));
    push(o, tag(FLV_TAG_AUDIO, 0, 0xaf, 0, RELAY_TAG_SEQHDR, 4));
    push(o, tag(FLV_TAG_AUDIO, 3000, 0xaf, 1, 0, 60));
    viewer_prelude(o, &flags, types, stamps, &n);
    assert_int_equal(flags, 0x04);
    assert_int_equal(n, 2);
    assert_int_equal(types[0], FLV_TAG_SCRIPT);
    assert_int_equal(stamps[0], 0);
    assert_int_equal(types[1], FLV_TAG_AUDIO);
    assert_int_equal(stamps[1], 3000);
    flv_out_unref(o);

    o = flv_out_new(); /* nothing known yet: both announced */
    viewer_prelude(o, &flags, types, stamps, &n);
    assert_int_equal(flags, 0x05);
    assert_int_equal(n, 0);
    flv_out_unref(o);
    flv_writer_stop();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_gop_and_bounds),      cmocka_unit_test(test_file_holds_tags),
        cmocka_unit_test(test_old_ranges_freed),         cmocka_unit_test(test_pin_holds_bytes),
        cmocka_unit_test(test_writer_gop_cache),         cmocka_unit_test(test_writer_waits_for_key),
        cmocka_unit_test(test_writer_drops_slow_viewer), cmocka_unit_test(test_writer_viewer_hangs_up),
        cmocka_unit_test(test_writer_prelude_tracks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
