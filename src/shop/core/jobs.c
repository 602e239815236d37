/* jobs.c - the periodic tasks' thread (see shop/core/jobs.h).
 *
 * One thread, woken once a second (or at once by stop): each task whose
 * period has passed since its last start runs, in table order. Time is the
 * monotonic clock, so a wall-clock step neither skips nor repeats a task. */
#include "farmlive/shop/core/jobs.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <pthread.h>
#include <time.h>

#define TICK_S 1

struct shop_jobs {
    shop_ctx *ctx;
    const shop_job *jobs;
    size_t n;
    long long *last; /* monotonic seconds of each task's last start; -1 never */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    int stop;
};

static long long mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec;
}

static void *jobs_main(void *arg)
{
    shop_jobs *j = arg;
    pthread_mutex_lock(&j->mu);
    while (!j->stop) {
        pthread_mutex_unlock(&j->mu);
        for (size_t i = 0; i < j->n; i++) {
            long long now = mono_s();
            if (j->last[i] >= 0 && now - j->last[i] < j->jobs[i].period_s)
                continue;
            j->last[i] = now;
            if (j->jobs[i].run(j->ctx) < 0)
                fl_log(FL_LOG_DEBUG, "job_unfinished", "%s: a server did not answer; next period", j->jobs[i].name);
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += TICK_S;
        pthread_mutex_lock(&j->mu);
        if (!j->stop)
            pthread_cond_timedwait(&j->cv, &j->mu, &until);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

shop_jobs *shop_jobs_start(shop_ctx *ctx, const shop_job *jobs, size_t n)
{
    shop_jobs *j = fl_calloc(1, sizeof(*j));
    pthread_condattr_t ca;
    j->ctx = ctx;
    j->jobs = jobs;
    j->n = n;
    j->last = fl_calloc(n ? n : 1, sizeof(*j->last));
    for (size_t i = 0; i < n; i++)
        j->last[i] = -1;
    pthread_mutex_init(&j->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&j->thread, NULL, jobs_main, j) != 0) {
        fl_log(FL_LOG_ERROR, "jobs_failed", "cannot start the periodic tasks' thread");
        pthread_cond_destroy(&j->cv);
        pthread_mutex_destroy(&j->mu);
        fl_free(j->last);
        fl_free(j);
        return NULL;
    }
    return j;
}

void shop_jobs_stop(shop_jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->stop = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    fl_free(j->last);
    fl_free(j);
}
