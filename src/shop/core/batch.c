/* batch.c - many small writes, one transaction each batch (see
 * shop/core/batch.h for the contract).
 *
 *   shop_batch_submit  append to the queue (fl_workq), wake one writer
 *                      (none while the queue is held)
 *   writer thread      take up to max_items, BEGIN, per item SAVEPOINT +
 *                      run (+ ROLLBACK TO SAVEPOINT on its refusal),
 *                      COMMIT; a deadlock retries the batch; then done()
 *                      for every item
 *
 * A writer starts on whatever has queued the moment it is free, so a lone
 * request is not held back waiting for company: batches form by themselves
 * while earlier ones commit. A submitter handing over many items in a row
 * holds the queue meanwhile (shop_batch_hold / _release: the Redis batch
 * does, for one pipeline's winners), so they go as one batch. */
#include "farmlive/shop/core/batch.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <string.h>
#include <unistd.h>

#define BATCH_ATTEMPTS 5

struct shop_batch {
    fl_db_pool *pool;
    fl_workq *q; /* the writer threads */
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

/* The queue's fn: one batch, then done() for each of its items. */
static void process(void *arg, fl_workq_item **queued, size_t n)
{
    shop_batch *b = arg;
    shop_batch_item **items = (shop_batch_item **)queued; /* q is each item's first member */
    int *rcs = fl_calloc(n, sizeof(*rcs));
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
    fl_free(rcs);
}

shop_batch *shop_batch_start(fl_db_pool *db, int threads, int max_items)
{
    shop_batch *b = fl_calloc(1, sizeof(*b));
    b->pool = db;
    if (!(b->q = fl_workq_start("order writer", threads, max_items, process, b))) {
        fl_free(b);
        return NULL;
    }
    return b;
}

void shop_batch_submit(shop_batch *b, shop_batch_item *it)
{
    fl_workq_submit(b->q, &it->q);
}

void shop_batch_hold(void *b)
{
    fl_workq_hold(((shop_batch *)b)->q);
}

void shop_batch_release(void *b)
{
    fl_workq_release(((shop_batch *)b)->q);
}

void shop_batch_stop(shop_batch *b)
{
    if (!b)
        return;
    fl_workq_stop(b->q);
    fl_free(b);
}
