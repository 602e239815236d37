/* hashpool.c - password hashing off the worker threads (contract in
 * shop/core/hashpool.h).
 *
 *   shop_hash_then: count the job in (refuse past queue_max), suspend the
 *   request, queue it  ->  pool thread: hash or check, count it out,
 *   shop_resume_then(r, next, arg)  ->  r's worker thread: next(r, arg) */
#include "farmlive/shop/core/hashpool.h"
#include "farmlive/alloc.h"

#include <stdatomic.h>
#include <stddef.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sys/syscall.h>

/* A waiting request's pool thread must not delay the workers: niced, the
 * scheduler gives a worker with a request the CPU first. */
#define HASH_NICE 10

struct shop_hashpool {
    fl_workq *q;
    atomic_int queued; /* jobs given and not done */
    int queue_max;
};

static void hash_batch(void *arg, fl_workq_item **items, size_t n)
{
    static __thread int niced;
    shop_hashpool *p = arg;
    if (!niced) {
        niced = 1;
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), HASH_NICE);
    }
    for (size_t i = 0; i < n; i++) {
        shop_pwjob *job = (shop_pwjob *)((char *)items[i] - offsetof(shop_pwjob, q));
        if (job->stored)
            job->ok = fl_password_verify(job->stored, job->password) == 0;
        else
            job->ok = fl_password_hash(job->password, job->hash) == 0;
        atomic_fetch_sub(&p->queued, 1);
        job->done(job->arg); /* job may be gone after this */
    }
}

shop_hashpool *shop_hashpool_start(int threads, int queue_max)
{
    shop_hashpool *p = fl_calloc(1, sizeof(*p));
    p->queue_max = queue_max > 0 ? queue_max : 1;
    /* one job at a time per thread: a batch would hold later jobs behind
     * earlier ones on one thread while another thread idles */
    if (!(p->q = fl_workq_start("hashpool", threads > 0 ? threads : 1, 1, hash_batch, p))) {
        fl_free(p);
        return NULL;
    }
    return p;
}

void shop_hashpool_stop(shop_hashpool *p)
{
    if (!p)
        return;
    fl_workq_stop(p->q);
    fl_free(p);
}

/* A place for one more job: 0, or -1 when queue_max are given already. */
static int reserve(shop_hashpool *p)
{
    if (atomic_fetch_add(&p->queued, 1) < p->queue_max)
        return 0;
    atomic_fetch_sub(&p->queued, 1);
    return -1;
}

static void enqueue(shop_hashpool *p, shop_pwjob *job, void (*done)(void *arg), void *arg)
{
    job->done = done;
    job->arg = arg;
    fl_workq_submit(p->q, &job->q);
}

int shop_hashpool_submit(shop_hashpool *p, shop_pwjob *job, void (*done)(void *arg), void *arg)
{
    if (reserve(p) != 0)
        return -1;
    enqueue(p, job, done, arg);
    return 0;
}

/* What a suspended request waits with. */
struct waiting {
    shop_req *r;
    int (*next)(shop_req *r, void *arg);
    void *arg;
};

static void resume(void *arg)
{
    struct waiting *w = arg;
    shop_resume_then(w->r, w->next, w->arg);
}

int shop_hash_then(shop_req *r, shop_pwjob *job, int (*next)(shop_req *r, void *arg), void *arg)
{
    shop_hashpool *p = r->ctx->hashes;
    struct waiting *w;
    if (reserve(p) != 0) {
        shop_add_header(r, "Retry-After", "1");
        return shop_fail(r, SHOP_E_RATE_LIMITED, "too many sign-ins and sign-ups at once; try again in a second");
    }
    w = fl_arena_alloc(r->arena, sizeof(*w));
    w->r = r;
    w->next = next;
    w->arg = arg;
    shop_suspend(r); /* before it is queued: the pool may finish at once */
    enqueue(p, job, resume, w);
    return SHOP_SUSPENDED;
}
