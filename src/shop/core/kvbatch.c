/* kvbatch.c - many small Redis scripts, one round trip each batch (see
 * shop/core/kvbatch.h for the contract).
 *
 *   shop_kvbatch_submit  append to the queue (fl_workq), wake the thread
 *   batch thread         EVALSHA for every item in one pipeline; items
 *                        answered NOSCRIPT: SCRIPT LOAD, once more; then
 *                        done() for every item
 *
 * One thread: one pipeline in flight keeps Redis's work in order, and the
 * scripts' SHA1s (shop_kvbatch_script) are written by it alone. */
#include "farmlive/shop/core/kvbatch.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <string.h>

struct shop_kvbatch {
    fl_kv_pool *pool;
    fl_workq *q;
    void (*hold)(void *), (*release)(void *); /* around the done calls */
    void *around_arg;
};

/* SCRIPT LOAD: 0, or -1 when Redis did not take it. */
static int script_load(fl_kv *kv, shop_kvbatch_script *s)
{
    const char *argv[] = {"SCRIPT", "LOAD", s->text};
    redisReply *rep = fl_kv_cmdargv(kv, 3, argv, NULL);
    int ok = rep && rep->type == REDIS_REPLY_STRING && rep->len == 40;
    if (ok)
        memcpy(s->sha, rep->str, 41);
    else
        fl_log(FL_LOG_ERROR, "redis_error", "SCRIPT LOAD: %s",
               rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "no answer");
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}

static int is_noscript(const redisReply *rep)
{
    return rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0;
}

/* Sends items[i] for each i with want[i] set, filling reps[i]; an item
 * whose script Redis would not load gets NULL (the last script that failed
 * to load is not tried again this pass). FL_KV_OK, or FL_KV_EDOWN with the replies read before the
 * connection failed, the rest NULL. want[] is left 2 for what was sent. */
static int send_wanted(fl_kv *kv, shop_kvbatch_item **items, char *want, size_t n, redisReply **reps, fl_kv_cmdv *cmds,
                       redisReply **got)
{
    const shop_kvbatch_script *failed = NULL; /* its load failed in this pass */
    int m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!want[i])
            continue;
        shop_kvbatch_script *s = items[i]->script;
        reps[i] = NULL;
        want[i] = 0;
        if (s == failed)
            continue;
        if (!s->sha[0] && script_load(kv, s) < 0) {
            failed = s;
            continue;
        }
        items[i]->argv[0] = "EVALSHA";
        items[i]->lens[0] = 7;
        items[i]->argv[1] = s->sha;
        items[i]->lens[1] = 40;
        cmds[m++] = (fl_kv_cmdv){items[i]->argc, items[i]->argv, items[i]->lens};
        want[i] = 2;
    }
    if (m == 0)
        return FL_KV_OK;
    int rc = fl_kv_pipeline(kv, cmds, m, got);
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (want[i] == 2)
            reps[i] = got[m++];
    return rc;
}

/* The queue's fn: one pipeline (two when scripts had to be loaded), then
 * done() for each item. */
static void process(void *arg, fl_workq_item **queued, size_t n)
{
    shop_kvbatch *b = arg;
    shop_kvbatch_item **items = (shop_kvbatch_item **)queued; /* q is each item's first member */
    redisReply **reps = fl_calloc(n, sizeof(*reps));
    redisReply **got = fl_calloc(n, sizeof(*got));
    fl_kv_cmdv *cmds = fl_calloc(n, sizeof(*cmds));
    char *want = fl_calloc(n, 1);
    fl_kv *kv = NULL;

    if (fl_kv_acquire(b->pool, &kv) != FL_KV_OK)
        goto out_done;
    memset(want, 1, n);
    if (send_wanted(kv, items, want, n, reps, cmds, got) != FL_KV_OK)
        goto out_done;
    /* Redis lost its scripts (restart, SCRIPT FLUSH): load them again and
     * send those items once more; their first attempt ran nothing */
    int again = 0;
    for (size_t i = 0; i < n; i++) {
        want[i] = is_noscript(reps[i]);
        if (want[i]) {
            freeReplyObject(reps[i]);
            reps[i] = NULL;
            items[i]->script->sha[0] = '\0';
            again = 1;
        }
    }
    if (again)
        send_wanted(kv, items, want, n, reps, cmds, got);
out_done:
    fl_kv_release(kv);
    if (b->hold)
        b->hold(b->around_arg);
    for (size_t i = 0; i < n; i++) {
        items[i]->done(items[i], reps[i]); /* may free the item */
        if (reps[i])
            freeReplyObject(reps[i]);
    }
    if (b->release)
        b->release(b->around_arg);
    fl_free(want);
    fl_free(cmds);
    fl_free(got);
    fl_free(reps);
}

shop_kvbatch *shop_kvbatch_start(fl_kv_pool *kv, int max_items)
{
    shop_kvbatch *b = fl_calloc(1, sizeof(*b));
    b->pool = kv;
    if (!(b->q = fl_workq_start("redis batch", 1, max_items, process, b))) {
        fl_free(b);
        return NULL;
    }
    return b;
}

void shop_kvbatch_around_done(shop_kvbatch *b, void (*hold)(void *), void (*release)(void *), void *arg)
{
    b->hold = hold;
    b->release = release;
    b->around_arg = arg;
}

void shop_kvbatch_submit(shop_kvbatch *b, shop_kvbatch_item *it)
{
    fl_workq_submit(b->q, &it->q);
}

void shop_kvbatch_stop(shop_kvbatch *b)
{
    if (!b)
        return;
    fl_workq_stop(b->q);
    fl_free(b);
}
