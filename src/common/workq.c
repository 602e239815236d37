/* workq.c - a queue drained in batches by its own threads (see workq.h).
 *
 *   fl_workq_submit   append under the lock, signal one worker (none
 *                     while held: fl_workq_release wakes them)
 *   worker            wait for items and no hold; take up to max_items;
 *                     unlock; fn(); lock again; on stop (held or not),
 *                     leave once the queue is empty */
#include "farmlive/workq.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <pthread.h>

struct fl_workq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    fl_workq_item *head, *tail;
    int stopping;
    int held; /* fl_workq_hold depth: no batch starts while > 0 */
    int nthreads, max_items;
    pthread_t *threads;
    fl_workq_fn fn;
    void *arg;
};

static void *worker_main(void *p)
{
    fl_workq *q = p;
    fl_workq_item **items = fl_calloc((size_t)q->max_items, sizeof(*items));
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while ((!q->head || q->held > 0) && !q->stopping)
            pthread_cond_wait(&q->cv, &q->mu);
        if (!q->head)
            break; /* stopping, and nothing left */
        size_t n = 0;
        while (q->head && n < (size_t)q->max_items) {
            items[n++] = q->head;
            q->head = q->head->next;
        }
        if (!q->head)
            q->tail = NULL;
        pthread_mutex_unlock(&q->mu);
        q->fn(q->arg, items, n);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    fl_free(items);
    return NULL;
}

fl_workq *fl_workq_start(const char *name, int threads, int max_items, fl_workq_fn fn, void *arg)
{
    fl_workq *q = fl_calloc(1, sizeof(*q));
    q->max_items = max_items > 0 ? max_items : 1;
    q->fn = fn;
    q->arg = arg;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->threads = fl_calloc((size_t)(threads > 0 ? threads : 1), sizeof(*q->threads));
    for (; q->nthreads < threads; q->nthreads++) {
        if (pthread_create(&q->threads[q->nthreads], NULL, worker_main, q) != 0) {
            fl_log(FL_LOG_ERROR, "workq_start", "%s: cannot start worker thread %d", name, q->nthreads);
            fl_workq_stop(q);
            return NULL;
        }
    }
    return q;
}

void fl_workq_submit(fl_workq *q, fl_workq_item *it)
{
    it->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    if (q->held == 0) /* else the release wakes a worker */
        pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void fl_workq_hold(fl_workq *q)
{
    pthread_mutex_lock(&q->mu);
    q->held++;
    pthread_mutex_unlock(&q->mu);
}

void fl_workq_release(fl_workq *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->held > 0 && --q->held == 0 && q->head)
        pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void fl_workq_stop(fl_workq *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stopping = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    fl_free(q->threads);
    fl_free(q);
}
