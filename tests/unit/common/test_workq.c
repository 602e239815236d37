/* test_workq.c - src/common/workq.c: a queue drained in batches.
 *
 * One worker thread (two in the stop test); fn records each batch's size. What is checked: every
 * item is handed over once and in order; items submitted while a hold is
 * on go out as one batch after the release, none before; holds nest; stop
 * drains what is queued. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farmlive/workq.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct item {
    fl_workq_item q; /* first */
    int id;
} item;

typedef struct seen {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int gated, open, entered; /* gated: the first batch waits until open; entered: it is waiting */
    int batches, items, sizes[64], order[256];
} seen;

#define SEEN_INIT                                                                                                      \
    {                                                                                                                  \
        .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER                                                \
    }

static void record(void *arg, fl_workq_item **items, size_t n)
{
    seen *s = arg;
    pthread_mutex_lock(&s->mu);
    if (s->gated && s->batches == 0) {
        s->entered = 1;
        pthread_cond_broadcast(&s->cv);
        while (!s->open) /* a writer busy with its batch */
            pthread_cond_wait(&s->cv, &s->mu);
    }
    if (s->batches < 64)
        s->sizes[s->batches] = (int)n;
    s->batches++;
    for (size_t i = 0; i < n; i++)
        if (s->items < 256)
            s->order[s->items++] = ((item *)items[i])->id;
    pthread_mutex_unlock(&s->mu);
}

static int count_items(seen *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->items;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Submits it[0..n-1], numbered 0..n-1. */
static void submit_n(fl_workq *q, item *it, int n)
{
    for (int i = 0; i < n; i++) {
        it[i].id = i;
        fl_workq_submit(q, &it[i].q);
    }
}

/* Waits up to 2 s for want items to have been handed over. */
static int wait_items(seen *s, int want)
{
    for (int i = 0; i < 400 && count_items(s) < want; i++)
        usleep(5000);
    return count_items(s);
}

static void test_every_item_once_in_order(void **state)
{
    (void)state;
    seen s = SEEN_INIT;
    item it[100];
    fl_workq *q = fl_workq_start("test", 1, 16, record, &s);
    assert_non_null(q);
    submit_n(q, it, 100);
    assert_int_equal(wait_items(&s, 100), 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(s.order[i], i);
    for (int b = 0; b < s.batches && b < 64; b++)
        assert_true(s.sizes[b] >= 1 && s.sizes[b] <= 16); /* max_items holds */
    fl_workq_stop(q);
}

static void test_hold_makes_one_batch(void **state)
{
    (void)state;
    seen s = SEEN_INIT;
    item it[30];
    fl_workq *q = fl_workq_start("test", 1, 64, record, &s);
    assert_non_null(q);
    fl_workq_hold(q);
    fl_workq_hold(q); /* nested */
    submit_n(q, it, 1);
    usleep(20000); /* a worker woken by the first would take it alone */
    submit_n(q, it + 1, 29);
    usleep(50000);
    assert_int_equal(count_items(&s), 0); /* nothing while held */
    fl_workq_release(q);
    usleep(50000);
    assert_int_equal(count_items(&s), 0); /* still held once */
    fl_workq_release(q);
    assert_int_equal(wait_items(&s, 30), 30);
    assert_int_equal(s.batches, 1);
    assert_int_equal(s.sizes[0], 30);
    fl_workq_stop(q);
}

/* A worker busy with a batch when the hold begins finishes it and then
 * waits for the release too: what came meanwhile goes out as one batch. */
static void test_hold_while_busy(void **state)
{
    (void)state;
    seen s = SEEN_INIT;
    item first = {.id = 100}, it[10];
    s.gated = 1;
    fl_workq *q = fl_workq_start("test", 1, 64, record, &s);
    assert_non_null(q);
    fl_workq_submit(q, &first.q);
    pthread_mutex_lock(&s.mu); /* the worker takes it and waits at the gate */
    while (!s.entered)
        pthread_cond_wait(&s.cv, &s.mu);
    pthread_mutex_unlock(&s.mu);
    fl_workq_hold(q);
    submit_n(q, it, 10);
    pthread_mutex_lock(&s.mu);
    s.open = 1;
    pthread_cond_broadcast(&s.cv);
    pthread_mutex_unlock(&s.mu);
    assert_int_equal(wait_items(&s, 1), 1);
    usleep(50000);
    assert_int_equal(count_items(&s), 1); /* back from its batch, still held */
    fl_workq_release(q);
    assert_int_equal(wait_items(&s, 11), 11);
    assert_int_equal(s.batches, 2);
    assert_int_equal(s.sizes[1], 10);
    fl_workq_stop(q);
}

static void test_release_without_items_and_stop_drains(void **state)
{
    (void)state;
    seen s = SEEN_INIT;
    item it[5];
    fl_workq *q = fl_workq_start("test", 2, 8, record, &s);
    assert_non_null(q);
    fl_workq_hold(q);
    fl_workq_release(q); /* nothing queued: nothing happens */
    fl_workq_release(q); /* unbalanced: ignored, the next hold still holds */
    fl_workq_hold(q);
    submit_n(q, it, 5);
    usleep(50000);
    assert_int_equal(count_items(&s), 0);
    fl_workq_stop(q); /* held, yet stop hands every queued item over */
    assert_int_equal(s.items, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_item_once_in_order),
        cmocka_unit_test(test_hold_makes_one_batch),
        cmocka_unit_test(test_hold_while_busy),
        cmocka_unit_test(test_release_without_items_and_stop_drains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
