/* kv.c - hiredis pool: same shape as db.c (free stack, condvar, lazy
 * connect, reopen after a failure). hiredis contexts are not thread-safe;
 * the pool guarantees one thread per context at a time. */
#include "farmlive/kv.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#define ACQUIRE_TIMEOUT_MS 5000
#define PING_TIMEOUT_MS 1000
#define CONNECT_TIMEOUT_MS 1000
#define IO_TIMEOUT_MS 5000

struct fl_kv {
    fl_kv_pool *pool;
    int index;
    redisContext *ctx;
};

struct fl_kv_pool {
    fl_config cfg;
    fl_kv *conns;
    int size;
    int *free_stack;
    int nfree;
    unsigned long long waits;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

redisContext *fl_kv_connect(const fl_config *cfg, int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(cfg->redis_host, cfg->redis_port, tv);
    if (!c || c->err) {
        fl_log(FL_LOG_WARN, "redis_connect_failed", "%s:%d: %s", cfg->redis_host, cfg->redis_port,
               c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    struct timeval io = {IO_TIMEOUT_MS / 1000, 0};
    redisSetTimeout(c, io);
    redisEnableKeepAlive(c);
    return c;
}

fl_kv_pool *fl_kv_pool_new(const fl_config *cfg)
{
    fl_kv_pool *p = fl_calloc(1, sizeof(*p));
    p->cfg = *cfg;
    p->size = cfg->redis_pool;
    p->conns = fl_calloc((size_t)p->size, sizeof(fl_kv));
    p->free_stack = fl_calloc((size_t)p->size, sizeof(int));
    for (int i = 0; i < p->size; i++) {
        p->conns[i].pool = p;
        p->conns[i].index = i;
        p->free_stack[i] = p->size - 1 - i;
    }
    p->nfree = p->size;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return p;
}

void fl_kv_pool_free(fl_kv_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->size; i++)
        if (p->conns[i].ctx)
            redisFree(p->conns[i].ctx);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    fl_free(p->conns);
    fl_free(p->free_stack);
    fl_free(p);
}

static int acquire_timeout(fl_kv_pool *p, fl_kv **out, int timeout_ms)
{
    struct timespec deadline;
    *out = NULL;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    if (p->nfree == 0)
        p->waits++;
    while (p->nfree == 0) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT && p->nfree == 0) {
            pthread_mutex_unlock(&p->mu);
            return FL_KV_ETIMEOUT;
        }
    }
    fl_kv *kv = &p->conns[p->free_stack[--p->nfree]];
    pthread_mutex_unlock(&p->mu);
    if (!kv->ctx) {
        kv->ctx = fl_kv_connect(&p->cfg, CONNECT_TIMEOUT_MS);
        if (!kv->ctx) {
            fl_kv_release(kv);
            return FL_KV_EDOWN;
        }
    }
    *out = kv;
    return FL_KV_OK;
}

int fl_kv_acquire(fl_kv_pool *p, fl_kv **out)
{
    return acquire_timeout(p, out, ACQUIRE_TIMEOUT_MS);
}

void fl_kv_release(fl_kv *kv)
{
    if (!kv)
        return;
    fl_kv_pool *p = kv->pool;
    pthread_mutex_lock(&p->mu);
    p->free_stack[p->nfree++] = kv->index;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void drop(fl_kv *kv)
{
    fl_log(FL_LOG_WARN, "redis_error", "%s", kv->ctx->errstr);
    redisFree(kv->ctx);
    kv->ctx = NULL;
}

redisReply *fl_kv_cmdargv(fl_kv *kv, int argc, const char **argv, const size_t *lens)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!kv->ctx && !(kv->ctx = fl_kv_connect(&kv->pool->cfg, CONNECT_TIMEOUT_MS)))
            return NULL;
        redisReply *r = redisCommandArgv(kv->ctx, argc, argv, lens);
        if (r)
            return r;
        drop(kv);
    }
    return NULL;
}

redisReply *fl_kv_cmd(fl_kv *kv, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!kv->ctx && !(kv->ctx = fl_kv_connect(&kv->pool->cfg, CONNECT_TIMEOUT_MS)))
            return NULL;
        va_list ap;
        va_start(ap, fmt);
        redisReply *r = redisvCommand(kv->ctx, fmt, ap);
        va_end(ap);
        if (r)
            return r;
        drop(kv);
    }
    return NULL;
}

int fl_kv_pool_ping(fl_kv_pool *p)
{
    fl_kv *kv = NULL;
    int rc = acquire_timeout(p, &kv, PING_TIMEOUT_MS);
    if (rc != FL_KV_OK)
        return rc;
    redisReply *r = fl_kv_cmd(kv, "PING");
    rc = (r && r->type == REDIS_REPLY_STATUS) ? FL_KV_OK : FL_KV_EDOWN;
    if (r)
        freeReplyObject(r);
    fl_kv_release(kv);
    return rc;
}

void fl_kv_pool_stats(fl_kv_pool *p, int *size, int *in_use, unsigned long long *waits)
{
    pthread_mutex_lock(&p->mu);
    *size = p->size;
    *in_use = p->size - p->nfree;
    *waits = p->waits;
    pthread_mutex_unlock(&p->mu);
}
