/* test_tsnorm.c - src/relay/tsnorm.c: what real and hostile publishers'
 * clocks become. Data-driven: each case is a list of frames (track, input
 * ms, arrival ms) with the output and the correction expected; then a
 * property run over random input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "farmlive/relay_tsnorm.h"

#define V TSN_VIDEO
#define A TSN_AUDIO
#define EPOCH (-1) /* a row that starts a new publisher's epoch */

typedef struct frame {
    int track;
    uint32_t in;
    int64_t wall;
    uint32_t out;
    int what;
} frame;

typedef struct tcase {
    const char *name;
    frame f[16];
    int n;
} tcase;

static const tcase cases[] = {
    {"clean A/V keeps its times",
     {{V, 0, 0, 0, TSN_OK},
      {A, 0, 0, 0, TSN_OK},
      {A, 23, 23, 23, TSN_OK},
      {V, 40, 40, 40, TSN_OK},
      {A, 46, 46, 46, TSN_OK},
      {V, 80, 80, 80, TSN_OK}},
     6},
    {"audio stamped just before the first picture (MPEG-TS muxers) starts at 0, never wraps below it",
     {{V, 1440, 0, 0, TSN_OK},
      {A, 1400, 0, 0, TSN_NUDGED},
      {A, 1423, 20, 11, TSN_NUDGED},
      {A, 1446, 40, 22, TSN_NUDGED},
      {A, 1469, 60, 29, TSN_OK},
      {V, 1480, 40, 40, TSN_OK}},
     6},
    {"audio 1 s before the first picture is rebased to it",
     {{V, 2000, 0, 0, TSN_OK}, {A, 1000, 0, 0, TSN_REBASED}, {A, 1023, 23, 23, TSN_OK}, {V, 2040, 40, 40, TSN_OK}},
     4},
    {"a clock starting at 5 h starts at 0",
     {{V, 18000000, 0, 0, TSN_OK},
      {A, 18000010, 0, 10, TSN_OK},
      {V, 18000040, 40, 40, TSN_OK},
      {A, 18000033, 40, 33, TSN_OK}},
     4},
    {"a repeated audio time is nudged, its clock kept (GStreamer 1764 >= 1764)",
     {{V, 1700, 0, 0, TSN_OK},
      {A, 1741, 40, 41, TSN_OK},
      {A, 1764, 60, 64, TSN_OK},
      {A, 1764, 60, 75, TSN_NUDGED},
      {A, 1787, 80, 87, TSN_OK},
      {V, 1740, 40, 40, TSN_OK}},
     6},
    {"a repeated video time is nudged by half a frame",
     {{V, 0, 0, 0, TSN_OK},
      {V, 40, 40, 40, TSN_OK},
      {V, 40, 80, 60, TSN_NUDGED},
      {V, 120, 120, 120, TSN_OK},
      {V, 160, 160, 160, TSN_OK},
      {V, 160, 200, 180, TSN_NUDGED}},
     6},
    {"video going back 1 s carries on one frame later",
     {{V, 0, 0, 0, TSN_OK},
      {V, 1000, 1000, 1000, TSN_OK},
      {V, 1040, 1040, 1040, TSN_OK},
      {V, 40, 1080, 1080, TSN_REBASED},
      {V, 80, 1120, 1120, TSN_OK}},
     5},
    {"a 30 s jump of both tracks is rebased, each at its own pace",
     {{V, 0, 0, 0, TSN_OK},
      {A, 10, 10, 10, TSN_OK},
      {V, 40, 40, 40, TSN_OK},
      {A, 33, 33, 33, TSN_OK},
      {V, 30080, 80, 80, TSN_REBASED},
      {A, 30056, 80, 56, TSN_REBASED},
      {V, 30120, 120, 120, TSN_OK},
      {A, 30079, 120, 79, TSN_OK}},
     8},
    {"a pause with the media clock advanced by it is kept",
     {{V, 0, 0, 0, TSN_OK}, {V, 40, 40, 40, TSN_OK}, {V, 8040, 8040, 8040, TSN_OK}, {V, 8080, 8080, 8080, TSN_OK}},
     4},
    {"audio stamped 12 s after video (itsoffset 12) joins the video",
     {{V, 0, 0, 0, TSN_OK},
      {V, 40, 40, 40, TSN_OK},
      {A, 12000, 45, 40, TSN_REBASED},
      {A, 12023, 60, 63, TSN_OK},
      {V, 80, 80, 80, TSN_OK}},
     5},
    {"audio stamped 2 s after video is the publisher's word",
     {{V, 0, 0, 0, TSN_OK}, {A, 2000, 10, 2000, TSN_OK}, {V, 40, 40, 40, TSN_OK}, {A, 2023, 40, 2023, TSN_OK}},
     4},
    {"audio far behind the video is brought to it",
     {{V, 20000, 0, 0, TSN_OK},
      {V, 20040, 40, 40, TSN_OK},
      {V, 24000, 4000, 4000, TSN_OK},
      {A, 0, 4010, 4000, TSN_REBASED},
      {A, 23, 4030, 4023, TSN_OK}},
     5},
    {"a reconnect carries on 100 ms after the last output",
     {{V, 0, 0, 0, TSN_OK},
      {A, 5, 5, 5, TSN_OK},
      {V, 5000, 5000, 5000, TSN_OK},
      {EPOCH, 0, 0, 0, 0},
      {V, 777, 6500, 5100, TSN_OK},
      {A, 780, 6500, 5103, TSN_OK},
      {V, 817, 6540, 5140, TSN_OK}},
     7},
    {"audio only",
     {{A, 500, 0, 0, TSN_OK}, {A, 523, 23, 23, TSN_OK}, {A, 523, 46, 34, TSN_NUDGED}, {A, 569, 69, 69, TSN_OK}},
     4},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const tcase *c = &cases[k];
        relay_tsnorm n;
        relay_tsnorm_init(&n);
        uint64_t nudged = 0, rebased = 0;
        for (int i = 0; i < c->n; i++) {
            const frame *f = &c->f[i];
            if (f->track == EPOCH) {
                relay_tsnorm_new_epoch(&n);
                continue;
            }
            int what = -1;
            uint32_t out = relay_tsnorm_frame(&n, f->track, f->in, f->wall, &what);
            if (out != f->out || what != f->what)
                fail_msg("%s: frame %d (%s %u at %lld): got %u (%d), want %u (%d)", c->name, i,
                         f->track ? "audio" : "video", f->in, (long long)f->wall, out, what, f->out, f->what);
            nudged += f->what == TSN_NUDGED;
            rebased += f->what == TSN_REBASED;
        }
        assert_int_equal(n.nudged, nudged);
        assert_int_equal(n.rebased, rebased);
    }
}

static void test_head(void **state)
{
    (void)state;
    relay_tsnorm n;
    relay_tsnorm_init(&n);
    assert_int_equal(relay_tsnorm_head(&n), 0);
    relay_tsnorm_frame(&n, V, 100, 0, NULL);
    relay_tsnorm_frame(&n, V, 140, 40, NULL);
    relay_tsnorm_frame(&n, A, 130, 40, NULL);
    assert_int_equal(relay_tsnorm_head(&n), 40);
}

/* Whatever comes in: per track strictly increasing; a track that was just
 * written is never more than the skew behind the head, nor further ahead
 * of the last head than the wall time since plus the slack. */
static void test_random_input(void **state)
{
    (void)state;
    srand(16);
    for (int run = 0; run < 200; run++) {
        relay_tsnorm n;
        relay_tsnorm_init(&n);
        int64_t last[2] = {-1, -1}, wall = 0;
        uint32_t clock[2] = {(uint32_t)rand(), (uint32_t)rand()};
        for (int i = 0; i < 2000; i++) {
            int k = rand() % 2;
            switch (rand() % 20) {
            case 0:
                clock[k] = (uint32_t)rand() * 2u;
                break; /* anywhere */
            case 1:
                clock[k] -= (uint32_t)(rand() % 300);
                break;
            case 2:
                break; /* repeat */
            default:
                clock[k] += (uint32_t)(rand() % 60);
                break;
            }
            if (rand() % 500 == 0)
                relay_tsnorm_new_epoch(&n);
            wall += rand() % 30;
            int64_t head0 = n.head, head_wall0 = n.head_wall;
            int64_t out = relay_tsnorm_frame(&n, k, clock[k], wall, NULL);
            assert_true(out > last[k]);
            assert_true(out >= n.head - TSN_MAX_SKEW_MS - 1000);
            if (head0 >= 0)
                assert_true(out <= head0 + (wall - head_wall0) + TSN_JUMP_SLACK_MS + TSN_EPOCH_GAP_MS + 1000);
            last[k] = out;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
