/* shop/core/batch.h - many small writes, one transaction each batch.
 *
 * A queue drained by writer threads. Each writer takes what has queued (up
 * to max_items), opens one MariaDB transaction and, per item:
 *
 *   SAVEPOINT; rc = item->run(db, item)
 *     rc == 0   the item's writes stay
 *     rc  > 0   the item's own refusal: ROLLBACK TO SAVEPOINT, others stay
 *     rc  < 0   FL_DB_E*: the whole batch is rolled back; a deadlock is
 *               retried as a batch, anything else ends every item with it
 *
 * then COMMIT, and calls item->done(item, rc) once per item, on the writer
 * thread, with run's result (or the batch's error). Many items share one
 * commit (one log flush) and one writer's round trips, so a burst of
 * orders costs a few transactions instead of one each.
 *
 * Optionally, items of one kind write all at once: when every item of a
 * batch has the same run_all, the writer first tries
 *
 *   rc = run_all(db, items, n)      inside the transaction
 *     rc == 0   every item written (each item's result is 0)
 *     rc  > 0   some guard did not hold for every item: the transaction is
 *               rolled back and the items are written one by one as above
 *     rc  < 0   FL_DB_E*, as for run
 *
 * run and run_all may be called more than once for an item (a retried or
 * fallen-back batch): they must start from the item's inputs each time.
 * done may free the item. */
#ifndef FARMLIVE_SHOP_CORE_BATCH_H
#define FARMLIVE_SHOP_CORE_BATCH_H

#include "farmlive/db.h"
#include "farmlive/workq.h"

typedef struct shop_batch_item {
    fl_workq_item q; /* first: the queue's */
    int (*run)(fl_db *db, struct shop_batch_item *it);
    void (*done)(struct shop_batch_item *it, int rc);
    int (*run_all)(fl_db *db, struct shop_batch_item **items, size_t n); /* optional */
} shop_batch_item;

typedef struct shop_batch shop_batch;

/* threads writers, each batch at most max_items. NULL when a thread could
 * not start. */
shop_batch *shop_batch_start(fl_db_pool *db, int threads, int max_items);
void shop_batch_submit(shop_batch *b, shop_batch_item *it);
/* fl_workq_hold / fl_workq_release on the writer's queue: what is
 * submitted in between is written as one batch (void * for use as a
 * shop_kvbatch hook). */
void shop_batch_hold(void *b);
void shop_batch_release(void *b);
/* Finishes every queued item, then stops the writers. */
void shop_batch_stop(shop_batch *b);

#endif
