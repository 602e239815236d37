/* batch.c - many small writes, one transaction each batch (see
 * shop_batch.h for the contract).
 *
 *   shop_batch_submit  append to the queue, wake one writer
 *   writer thread      take up to max_items, BEGIN, per item SAVEPOINT +
 *                      run (+ ROLLBACK TO SAVEPOINT on its refusal),
 *                      COMMIT; a deadlock retries the batch; then done()
 *                      for every item
 *
 * A writer starts on whatever has queued the moment it is free, so a lone
 * request is not held back waiting for company: batches form by themselves
 * while earlier ones commit. */
#include "farmlive/shop_batch.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define BATCH_ATTEMPTS 5

struct shop_batch {
    fl_db_pool *pool;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    shop_batch_item *head, *tail;
    int stopping;
    int nthreads, max_items;
    pthread_t *threads;
};

/* All items with their run_all: FL_DB_OK (committed), > 0 (rolled back:
 * write them one by one) or FL_DB_E*. */
static int run_all_once(fl_db *db, shop_batch_item **items, size_t n)
{
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return rc;
    if ((rc = items[0]->run_all(db, items, n)) == FL_DB_OK)
        return fl_db_commit(db);
    fl_db_rollback(db);
    return rc;
}

/* One attempt: FL_DB_OK (committed; rcs[] hold each item's result) or the
 * FL_DB_E* that rolled everything back. */
static int run_batch(fl_db *db, shop_batch_item **items, int *rcs, size_t n)
{
    int rc;
    int same = items[0]->run_all != NULL;
    for (size_t i = 1; same && i < n; i++)
        same = items[i]->run_all == items[0]->run_all;
    if (same) {
        memset(rcs, 0, n * sizeof(*rcs));
        if ((rc = run_all_once(db, items, n)) <= FL_DB_OK)
            return rc;
    }
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if ((rc = fl_db_exec(db, "SAVEPOINT item", "")) != FL_DB_OK)
            goto out_rollback;
        rcs[i] = items[i]->run(db, items[i]);
        if (rcs[i] < 0) {
            rc = rcs[i];
            goto out_rollback;
        }
        if (rcs[i] > 0 && (rc = fl_db_exec(db, "ROLLBACK TO SAVEPOINT item", "")) != FL_DB_OK)
            goto out_rollback;
    }
    return fl_db_commit(db); /* a failed commit has rolled back */
out_rollback:
    fl_db_rollback(db);
    return rc;
}

static void process(shop_batch *b, shop_batch_item **items, int *rcs, size_t n)
{
    fl_db *db = NULL;
    int rc = fl_db_acquire(b->pool, &db);
    for (int attempt = 0; rc == FL_DB_OK && attempt < BATCH_ATTEMPTS; attempt++) {
        if (attempt > 0) /* let the other transaction finish: 2, 4, 8, 16 ms */
            usleep(1000u << attempt);
        rc = run_batch(db, items, rcs, n);
        if (rc != FL_DB_EDEADLOCK)
            break;
    }
    fl_db_release(db);
    if (rc != FL_DB_OK)
        fl_log(FL_LOG_WARN, "batch_failed", "%zu writes not committed: %d", n, rc);
    for (size_t i = 0; i < n; i++)
        items[i]->done(items[i], rc == FL_DB_OK ? rcs[i] : rc);
}

static void *writer_main(void *arg)
{
    shop_batch *b = arg;
    shop_batch_item **items = fl_calloc((size_t)b->max_items, sizeof(*items));
    int *rcs = fl_calloc((size_t)b->max_items, sizeof(*rcs));
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->head && !b->stopping)
            pthread_cond_wait(&b->cv, &b->mu);
        if (!b->head)
            break; /* stopping, and nothing left */
        size_t n = 0;
        while (b->head && n < (size_t)b->max_items) {
            items[n++] = b->head;
            b->head = b->head->next;
        }
        if (!b->head)
            b->tail = NULL;
        pthread_mutex_unlock(&b->mu);
        process(b, items, rcs, n);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    fl_free(items);
    fl_free(rcs);
    return NULL;
}

shop_batch *shop_batch_start(fl_db_pool *db, int threads, int max_items)
{
    shop_batch *b = fl_calloc(1, sizeof(*b));
    b->pool = db;
    b->max_items = max_items > 0 ? max_items : 1;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->threads = fl_calloc((size_t)threads, sizeof(*b->threads));
    for (; b->nthreads < threads; b->nthreads++) {
        if (pthread_create(&b->threads[b->nthreads], NULL, writer_main, b) != 0) {
            fl_log(FL_LOG_ERROR, "batch_start", "cannot start writer thread %d", b->nthreads);
            shop_batch_stop(b);
            return NULL;
        }
    }
    return b;
}

void shop_batch_submit(shop_batch *b, shop_batch_item *it)
{
    it->next = NULL;
    pthread_mutex_lock(&b->mu);
    if (b->tail)
        b->tail->next = it;
    else
        b->head = it;
    b->tail = it;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

void shop_batch_stop(shop_batch *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stopping = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    for (int i = 0; i < b->nthreads; i++)
        pthread_join(b->threads[i], NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    fl_free(b->threads);
    fl_free(b);
}
