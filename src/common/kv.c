/* kv.c - hiredis pool: same shape as db.c (free stack, condvar, lazy
 * connect, reopen after a failure). hiredis contexts are not thread-safe;
 * the pool guarantees one thread per context at a time. */
#include "farmlive/kv.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/slots.h"

#include <errno.h>
#include <pthread.h>
#include <poll.h>
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
    fl_slots slots;
};

redisContext *fl_kv_connect(const fl_config *cfg, int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int unix_socket = cfg->redis_socket[0] != '\0';
    redisContext *c = unix_socket ? redisConnectUnixWithTimeout(cfg->redis_socket, tv)
                                  : redisConnectWithTimeout(cfg->redis_host, cfg->redis_port, tv);
    if (!c || c->err) {
        if (unix_socket)
            fl_log(FL_LOG_WARN, "redis_connect_failed", "%s: %s", cfg->redis_socket, c ? c->errstr : "out of memory");
        else
            fl_log(FL_LOG_WARN, "redis_connect_failed", "%s:%d: %s", cfg->redis_host, cfg->redis_port,
                   c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    struct timeval io = {IO_TIMEOUT_MS / 1000, 0};
    redisSetTimeout(c, io);
    if (!unix_socket)
        redisEnableKeepAlive(c);
    return c;
}

fl_kv_pool *fl_kv_pool_new(const fl_config *cfg)
{
    fl_kv_pool *p = fl_calloc(1, sizeof(*p));
    p->cfg = *cfg;
    fl_slots_init(&p->slots, cfg->redis_pool);
    p->conns = fl_calloc((size_t)p->slots.size, sizeof(fl_kv));
    for (int i = 0; i < p->slots.size; i++) {
        p->conns[i].pool = p;
        p->conns[i].index = i;
    }
    return p;
}

void fl_kv_pool_free(fl_kv_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->slots.size; i++)
        if (p->conns[i].ctx)
            redisFree(p->conns[i].ctx);
    fl_slots_destroy(&p->slots);
    fl_free(p->conns);
    fl_free(p);
}

/* A context for kv: its own, or a new one. 0, or -1 when Redis cannot be reached. */
static int ensure_ctx(fl_kv *kv)
{
    if (!kv->ctx)
        kv->ctx = fl_kv_connect(&kv->pool->cfg, CONNECT_TIMEOUT_MS);
    return kv->ctx ? 0 : -1;
}

static int acquire_timeout(fl_kv_pool *p, fl_kv **out, int timeout_ms)
{
    *out = NULL;
    int index = fl_slots_take(&p->slots, timeout_ms);
    if (index < 0)
        return FL_KV_ETIMEOUT;
    fl_kv *kv = &p->conns[index];
    /* a connection closed while idle is replaced before anyone uses it:
     * what cannot be retried (a pipeline) does not fail on it */
    if (kv->ctx && fl_idle_conn_closed(kv->ctx->fd)) {
        redisFree(kv->ctx);
        kv->ctx = NULL;
    }
    if (ensure_ctx(kv) != 0) {
        fl_kv_release(kv);
        return FL_KV_EDOWN;
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
    fl_slots_put(&p->slots, kv->index);
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
        if (ensure_ctx(kv) != 0)
            return NULL;
        redisReply *r = redisCommandArgv(kv->ctx, argc, argv, lens);
        if (r)
            return r;
        drop(kv);
    }
    return NULL;
}

int fl_kv_pipeline(fl_kv *kv, const fl_kv_cmdv *cmds, int n, redisReply **reps)
{
    int got = 0;
    for (int i = 0; i < n; i++)
        reps[i] = NULL;
    if (ensure_ctx(kv) != 0)
        return FL_KV_EDOWN;
    for (int i = 0; i < n; i++)
        if (redisAppendCommandArgv(kv->ctx, cmds[i].argc, cmds[i].argv, cmds[i].lens) != REDIS_OK)
            goto out_drop;
    for (; got < n; got++) {
        void *rep = NULL;
        if (redisGetReply(kv->ctx, &rep) != REDIS_OK || !rep)
            goto out_drop;
        reps[got] = rep;
    }
    return FL_KV_OK;
out_drop:
    drop(kv);
    return FL_KV_EDOWN;
}

redisReply *fl_kv_cmd(fl_kv *kv, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (ensure_ctx(kv) != 0)
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
    fl_slots_stats(&p->slots, size, in_use, waits);
}
