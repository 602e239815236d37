/* test_live.c - the I/O-free parts of src/shop/domain/live.c: the status machine
 * (every op from every status, one table), the id / key / status checks,
 * the cursor codec, and the feed's ring (messages in, seq and wrap-around)
 * driven without Redis. Includes live.c to reach its statics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/live.c"

static const struct {
    enum live_op op;
    const char *from;
    int want;
    const char *to, *reason;
} machine[] = {
    /* clang-format off */
    {LIVE_OP_PUBLISH,   "created", LIVE_NEXT_CHANGE, "live",  "publish"},
    {LIVE_OP_PUBLISH,   "live",    LIVE_NEXT_CHANGE, "live",  "reconnect"}, /* takeover */
    {LIVE_OP_PUBLISH,   "idle",    LIVE_NEXT_CHANGE, "live",  "reconnect"},
    {LIVE_OP_PUBLISH,   "ended",   LIVE_NEXT_REFUSE, "ended", NULL},
    {LIVE_OP_UNPUBLISH, "created", LIVE_NEXT_SAME,   "created", NULL},
    {LIVE_OP_UNPUBLISH, "live",    LIVE_NEXT_CHANGE, "idle",  "unpublish"},
    {LIVE_OP_UNPUBLISH, "idle",    LIVE_NEXT_SAME,   "idle",  NULL},
    {LIVE_OP_UNPUBLISH, "ended",   LIVE_NEXT_SAME,   "ended", NULL},
    {LIVE_OP_END,       "created", LIVE_NEXT_CHANGE, "ended", "ended"},
    {LIVE_OP_END,       "live",    LIVE_NEXT_CHANGE, "ended", "ended"},
    {LIVE_OP_END,       "idle",    LIVE_NEXT_CHANGE, "ended", "ended"},
    {LIVE_OP_END,       "ended",   LIVE_NEXT_SAME,   "ended", NULL},
    /* clang-format on */
};

static void test_status_machine(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(machine) / sizeof(machine[0]); i++) {
        const char *to = NULL, *reason = NULL;
        int got = live_next(machine[i].op, machine[i].from, &to, &reason);
        if (got != machine[i].want || strcmp(to, machine[i].to) != 0 ||
            (machine[i].reason ? !reason || strcmp(reason, machine[i].reason) != 0
                               : reason != NULL))
            fail_msg("row %zu (op %d from %s): got %d -> %s (%s)", i, machine[i].op,
                     machine[i].from, got, to, reason ? reason : "-");
    }
}

static void test_checks(void **state)
{
    (void)state;
    assert_true(is_hex("0123456789abcdef", 16));
    assert_false(is_hex("0123456789ABCDEF", 16)); /* keys and ids are lowercase */
    assert_false(is_hex("0123456789abcde", 16));
    assert_false(is_hex("0123456789abcdef0", 16));
    assert_false(is_hex("0123456789abcdeg", 16));
    assert_false(is_hex("", 16));
    assert_true(is_status("created") && is_status("live") && is_status("idle") &&
                is_status("ended"));
    assert_false(is_status("LIVE") || is_status("") || is_status("live "));
}

static void feed_push(live_feed *f, long long seq, const char *id)
{
    char msg[160];
    int n = snprintf(msg, sizeof(msg), "{\"seq\":%lld,\"id\":\"%s\",\"status\":\"live\"}", seq, id);
    feed_on_message(f, msg, (size_t)n);
}

/* The ring without a thread: messages in order, malformed ones ignored,
 * the oldest overwritten after LIVE_RING. */
static void test_ring(void **state)
{
    static const char seq_not_int[] = "{\"seq\":\"2\",\"id\":\"0123456789abcdef\"}";
    live_feed *f = fl_calloc(1, sizeof(*f));
    (void)state;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cond, NULL);

    feed_push(f, 1, "0123456789abcdef");
    feed_on_message(f, "not json", 8);
    feed_on_message(f, seq_not_int, sizeof(seq_not_int) - 1);
    feed_push(f, 3, "BAD-ID");
    assert_int_equal(f->last_seq, 1);
    assert_int_equal(f->next, 1);
    assert_int_equal(f->oldest_seq, 1);

    for (long long s = 2; s <= LIVE_RING + 10; s++)
        feed_push(f, s, "fedcba9876543210");
    assert_int_equal(f->last_seq, LIVE_RING + 10);
    assert_int_equal(f->oldest_seq, 11); /* 1..10 dropped */
    assert_int_equal(f->ring[f->next].seq, 11);
    for (size_t i = 0; i < LIVE_RING; i++)
        assert_non_null(f->ring[i].json);

    feed_free(f); /* no subscriber: frees the ring */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_machine),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
