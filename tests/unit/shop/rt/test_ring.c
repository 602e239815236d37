/* test_ring.c - src/shop/rt/ring.c: sequence order, the count and byte
 * bounds, the horizon (what a reader resuming after a seq has lost), the
 * search for a resume point, wrap-around, merging a backlog, and
 * coalescing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/rt/ring.h"

static shop_rt_event *ev(long long seq, const char *type, unsigned flags)
{
    char data[64];
    int n = snprintf(data, sizeof(data), "{\"seq\":%lld}", seq);
    return shop_rt_event_new(seq, type, flags, data, (size_t)n);
}

static void seqs_are(const shop_rt_ring *r, const long long *want, size_t n)
{
    assert_int_equal(r->n, n);
    for (size_t k = 0; k < n; k++)
        if (shop_rt_ring_at(r, k)->seq != want[k])
            fail_msg("position %zu: seq %lld, want %lld", k, shop_rt_ring_at(r, k)->seq, want[k]);
}

static void test_push_and_count_bound(void **state)
{
    shop_rt_ring r;
    (void)state;
    shop_rt_ring_init(&r, 4, 1 << 20);
    assert_int_equal(shop_rt_ring_push(&r, ev(10, "t", 0)), 1);
    assert_int_equal(shop_rt_ring_push(&r, ev(10, "t", 0)), 0); /* a repeat: released */
    assert_int_equal(shop_rt_ring_push(&r, ev(5, "t", 0)), 0);  /* an older one */
    for (long long s = 11; s <= 15; s++)
        assert_int_equal(shop_rt_ring_push(&r, ev(s, "t", 0)), 1);
    seqs_are(&r, (const long long[]){12, 13, 14, 15}, 4);
    assert_int_equal(r.last_seq, 15);
    assert_int_equal(r.horizon, 11); /* 10 and 11 pushed out */
    shop_rt_ring_clear(&r);
}

static void test_byte_bound(void **state)
{
    shop_rt_ring r;
    (void)state;
    shop_rt_event *probe = ev(1, "t", 0);
    size_t cost = shop_rt_ring_cost(probe);
    shop_rt_event_unref(probe);
    shop_rt_ring_init(&r, 100, 3 * cost); /* same-size events: three fit */
    for (long long s = 1; s <= 5; s++)
        shop_rt_ring_push(&r, ev(s, "t", 0));
    seqs_are(&r, (const long long[]){3, 4, 5}, 3);
    assert_true(r.bytes <= r.max_bytes);
    assert_int_equal(r.horizon, 2);
    /* one event larger than the whole bound is still kept, alone */
    char big[1024];
    memset(big, 'x', sizeof(big));
    big[0] = '{';
    big[sizeof(big) - 1] = '}';
    shop_rt_ring_push(&r, shop_rt_event_new(6, "t", 0, big, sizeof(big)));
    seqs_are(&r, (const long long[]){6}, 1);
    assert_int_equal(r.horizon, 5);
    shop_rt_ring_clear(&r);
}

static void test_after_and_truncated(void **state)
{
    shop_rt_ring r;
    (void)state;
    shop_rt_ring_init(&r, 3, 1 << 20);
    assert_int_equal(shop_rt_ring_after(&r, 0), 0); /* empty */
    for (long long s = 10; s <= 50; s += 10)        /* not consecutive, as Redis's are not */
        shop_rt_ring_push(&r, ev(s, "t", 0));
    seqs_are(&r, (const long long[]){30, 40, 50}, 3);
    assert_int_equal(shop_rt_ring_after(&r, 0), 0);
    assert_int_equal(shop_rt_ring_after(&r, 30), 1);
    assert_int_equal(shop_rt_ring_after(&r, 35), 1);
    assert_int_equal(shop_rt_ring_after(&r, 49), 2);
    assert_int_equal(shop_rt_ring_after(&r, 50), 3);
    assert_int_equal(shop_rt_ring_after(&r, 99), 3);
    assert_int_equal(r.horizon, 20);
    assert_false(shop_rt_ring_truncated(&r, 0)); /* "from the start": whatever is here */
    assert_true(shop_rt_ring_truncated(&r, 10)); /* 20 is gone */
    assert_true(shop_rt_ring_truncated(&r, 19));
    assert_false(shop_rt_ring_truncated(&r, 20)); /* 30 on are all here */
    assert_false(shop_rt_ring_truncated(&r, 45));
    shop_rt_ring_clear(&r);
}

static void test_wrap(void **state)
{
    shop_rt_ring r;
    (void)state;
    shop_rt_ring_init(&r, 8, 1 << 20);
    for (long long s = 1; s <= 1003; s++) {
        shop_rt_ring_push(&r, ev(s, "t", 0));
        size_t n = s < 8 ? (size_t)s : 8;
        assert_int_equal(r.n, n);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(shop_rt_ring_at(&r, k)->seq, s - (long long)n + 1 + (long long)k);
        if (n == 8) /* s-7 .. s: the first after s-3 is s-2, at 5 */
            assert_int_equal(shop_rt_ring_after(&r, s - 3), 5);
    }
    assert_int_equal(r.horizon, 995);
    shop_rt_ring_clear(&r);
}

static void test_merge(void **state)
{
    shop_rt_ring r;
    shop_rt_event *b[8];
    (void)state;
    shop_rt_ring_init(&r, 6, 1 << 20);
    shop_rt_ring_push(&r, ev(5, "t", 0));
    shop_rt_ring_push(&r, ev(6, "t", 0));
    /* a backlog 1..6 read after 5 and 6 came by pub/sub: the union */
    for (int i = 0; i < 6; i++)
        b[i] = ev(i + 1, "t", 0);
    shop_rt_ring_merge(&r, b, 6, 0);
    seqs_are(&r, (const long long[]){1, 2, 3, 4, 5, 6}, 6);
    assert_int_equal(r.horizon, 0);
    assert_int_equal(r.last_seq, 6);
    /* a full backlog 4..8: what came before 4 may be lost */
    for (int i = 0; i < 5; i++)
        b[i] = ev(i + 4, "t", 0);
    shop_rt_ring_merge(&r, b, 5, 1);
    seqs_are(&r, (const long long[]){3, 4, 5, 6, 7, 8}, 6); /* 1, 2 pushed out by the count */
    assert_int_equal(r.horizon, 3);
    assert_int_equal(r.last_seq, 8);
    /* an empty backlog changes nothing */
    shop_rt_ring_merge(&r, b, 0, 1);
    seqs_are(&r, (const long long[]){3, 4, 5, 6, 7, 8}, 6);
    /* pushing goes on after a merge */
    assert_int_equal(shop_rt_ring_push(&r, ev(8, "t", 0)), 0);
    assert_int_equal(shop_rt_ring_push(&r, ev(9, "t", 0)), 1);
    seqs_are(&r, (const long long[]){4, 5, 6, 7, 8, 9}, 6);
    shop_rt_ring_clear(&r);
}

static void test_coalesce(void **state)
{
    shop_rt_ring r;
    shop_rt_event *b[2];
    (void)state;
    shop_rt_ring_init(&r, 16, 1 << 20);
    shop_rt_ring_push(&r, ev(1, "stock", SHOP_RT_COALESCE));
    shop_rt_ring_push(&r, ev(2, "chat", 0));
    shop_rt_ring_push(&r, ev(3, "viewers", SHOP_RT_COALESCE));
    shop_rt_ring_push(&r, ev(4, "stock", SHOP_RT_COALESCE));
    shop_rt_ring_push(&r, ev(5, "chat", 0));
    assert_true(shop_rt_ring_at(&r, 0)->superseded); /* stock 1: stock 4 follows */
    assert_false(shop_rt_ring_at(&r, 1)->superseded);
    assert_false(shop_rt_ring_at(&r, 2)->superseded); /* the only viewers */
    assert_false(shop_rt_ring_at(&r, 3)->superseded); /* the newest stock */
    assert_false(shop_rt_ring_at(&r, 4)->superseded); /* chat is never coalesced */
    shop_rt_ring_push(&r, ev(6, "viewers", SHOP_RT_COALESCE));
    assert_true(shop_rt_ring_at(&r, 2)->superseded);
    /* a merge marks them again over the union */
    b[0] = ev(7, "stock", SHOP_RT_COALESCE);
    b[1] = ev(8, "chat", 0);
    shop_rt_ring_merge(&r, b, 2, 0);
    assert_true(shop_rt_ring_at(&r, 3)->superseded); /* stock 4: stock 7 follows */
    assert_false(shop_rt_ring_at(&r, 6)->superseded);
    assert_false(shop_rt_ring_at(&r, 5)->superseded); /* viewers 6: still the newest */
    shop_rt_ring_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_and_count_bound),
        cmocka_unit_test(test_byte_bound),
        cmocka_unit_test(test_after_and_truncated),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_coalesce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
