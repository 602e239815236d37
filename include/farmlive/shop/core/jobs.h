/* shop/core/jobs.h - the shop's periodic tasks, on one thread (jobs.c).
 *
 * Each task is registered once, with its period, in one table (main.c's
 * `jobs`): order expiry, flash counter checks, releasing ended sales, the
 * live sweep, purges. The thread runs every task once at start, then each
 * whenever its period has passed, one after the other (a slow task delays
 * the next, never runs twice at once). A task takes the process context,
 * acquires the connections it needs itself and returns what it did (a
 * count) or -1 when a server could not be reached; it must not block for
 * long (a few seconds at most: the thread is also what shutdown waits
 * for). */
#ifndef FARMLIVE_SHOP_CORE_JOBS_H
#define FARMLIVE_SHOP_CORE_JOBS_H

#include <stddef.h>
#include "farmlive/shop/core/ctx.h"

typedef struct shop_job {
    const char *name; /* for the log */
    int period_s;     /* >= 1 */
    int (*run)(shop_ctx *ctx);
} shop_job;

typedef struct shop_jobs shop_jobs;

/* Starts the thread over jobs[0..n-1] (the table must outlive it). NULL
 * when the thread cannot start (logged). */
shop_jobs *shop_jobs_start(shop_ctx *ctx, const shop_job *jobs, size_t n);
/* Stops after the task that is running, if any; NULL does nothing. */
void shop_jobs_stop(shop_jobs *j);

#endif
