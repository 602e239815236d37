/* workq.h - a queue drained in batches by its own threads.
 *
 * fl_workq_submit() appends an item and wakes a worker. A worker that is
 * free takes whatever has queued (up to max_items, in submission order)
 * and calls fn(arg, items, n) with the queue unlocked; batches form by
 * themselves while earlier ones are being processed, so a lone item is
 * never held back waiting for company. fn owns the items it is handed.
 *
 * The shape shared by the shop's order writer (batch.c: many orders, one
 * MariaDB transaction) and its Redis pipeline (kvbatch.c: many scripts,
 * one round trip). */
#ifndef FARMLIVE_WORKQ_H
#define FARMLIVE_WORKQ_H

#include <stddef.h>

typedef struct fl_workq_item {
    struct fl_workq_item *next; /* the queue's */
} fl_workq_item;

typedef void (*fl_workq_fn)(void *arg, fl_workq_item **items, size_t n);

typedef struct fl_workq fl_workq;

/* threads workers, each batch at most max_items. NULL when a thread could
 * not start (a log line says which). */
fl_workq *fl_workq_start(const char *name, int threads, int max_items, fl_workq_fn fn, void *arg);
void fl_workq_submit(fl_workq *q, fl_workq_item *it);
/* Between hold and release (they nest) no worker starts a batch: items
 * submitted meanwhile go out together once released, not the first few
 * alone because a worker woke on the first. For a submitter that hands
 * over many items in a row. A batch already running is not affected. */
void fl_workq_hold(fl_workq *q);
void fl_workq_release(fl_workq *q);
/* Processes every queued item, then stops the workers and frees q. */
void fl_workq_stop(fl_workq *q);

#endif
