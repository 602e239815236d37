/* shop/core/kvbatch.h - many small Redis scripts, one round trip each batch.
 *
 * A queue drained by one thread (fl_workq). The thread takes what has
 * queued (up to max_items), sends every item's script call as one pipeline
 * of EVALSHA on one pooled connection, then calls item->done(item, rep)
 * for each item in submission order, on that thread. rep is freed after
 * done returns; it is NULL when Redis could not be reached or the
 * connection failed before that item's reply came (nothing is retried: the
 * script may or may not have run; a connection Redis closed while it sat
 * in the pool is replaced when taken, fl_kv_acquire, so a stale one does
 * not fail a batch). A
 * script Redis does not hold (first use, or Redis restarted) is loaded and
 * its items sent again; one that cannot be loaded answers NULL.
 *
 * What it is for: a handler whose Redis work can wait for company
 * suspends its request (shop_suspend), submits, and returns
 * SHOP_SUSPENDED; done resumes it (shop_resume / shop_resume_then). A
 * burst of such requests costs a few round trips instead of one each, and
 * no worker thread sleeps on Redis meanwhile. done must not block: the
 * next batch waits for it. */
#ifndef FARMLIVE_SHOP_CORE_KVBATCH_H
#define FARMLIVE_SHOP_CORE_KVBATCH_H

#include "farmlive/kv.h"
#include "farmlive/workq.h"

/* A script the batch sends by its SHA1: declare one per script, static,
 * with its text ({text}); the batch thread alone fills sha (loading it
 * when first used, or again once Redis has forgotten it), so a process
 * runs one batch. */
typedef struct shop_kvbatch_script {
    const char *text;
    char sha[41]; /* "" until loaded */
} shop_kvbatch_script;

typedef struct shop_kvbatch_item {
    fl_workq_item q; /* first: the queue's */
    shop_kvbatch_script *script;
    /* The call: argv[0] and argv[1] (and their lens) are the batch's, for
     * EVALSHA and the script's SHA1; then numkeys, the keys, the args. */
    int argc;
    const char **argv;
    size_t *lens;
    void (*done)(struct shop_kvbatch_item *it, redisReply *rep);
} shop_kvbatch_item;

typedef struct shop_kvbatch shop_kvbatch;

/* NULL when the thread could not start. */
shop_kvbatch *shop_kvbatch_start(fl_kv_pool *kv, int max_items);
void shop_kvbatch_submit(shop_kvbatch *b, shop_kvbatch_item *it);
/* hold(arg) before a batch's done calls and release(arg) after them, on
 * the batch's thread: e.g. so that the order writer takes the winners of
 * one pipeline as one transaction (shop_batch_hold/_release), not the
 * first few alone. Set once, before the first submit. */
void shop_kvbatch_around_done(shop_kvbatch *b, void (*hold)(void *), void (*release)(void *), void *arg);
/* Finishes every queued item, then stops the thread. */
void shop_kvbatch_stop(shop_kvbatch *b);

#endif
