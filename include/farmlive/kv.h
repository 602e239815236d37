/* kv.h - Redis (hiredis) connection pool with reconnect.
 *
 * Same contract as db.h: fl_kv_acquire() waits for a free connection,
 * fl_kv_release() accepts NULL, a connection that failed, or that the
 * server closed while it sat in the pool, is reopened on its next acquire.
 * fl_kv_cmd() returns NULL when the server could not be reached
 * (the connection is marked broken and one retry on a fresh connection was
 * already made); an error reply (REDIS_REPLY_ERROR) is returned as a reply.
 * The caller frees replies with freeReplyObject(). */
#ifndef FARMLIVE_KV_H
#define FARMLIVE_KV_H

#include <hiredis/hiredis.h>
#include "farmlive/config.h"

enum { FL_KV_OK = 0, FL_KV_EDOWN = -1, FL_KV_ETIMEOUT = -2 };

typedef struct fl_kv_pool fl_kv_pool;
typedef struct fl_kv fl_kv;

fl_kv_pool *fl_kv_pool_new(const fl_config *cfg);
void fl_kv_pool_free(fl_kv_pool *pool);

int fl_kv_acquire(fl_kv_pool *pool, fl_kv **out);
void fl_kv_release(fl_kv *kv);

redisReply *fl_kv_cmd(fl_kv *kv, const char *fmt, ...);
redisReply *fl_kv_cmdargv(fl_kv *kv, int argc, const char **argv, const size_t *lens);

/* One command of a pipeline. */
typedef struct fl_kv_cmdv {
    int argc;
    const char **argv;
    const size_t *lens;
} fl_kv_cmdv;

/* Sends n commands in one write and reads their n replies in order (a
 * pipeline: one round trip for all). FL_KV_OK with every reps[i] set (an
 * error reply is a reply), or FL_KV_EDOWN when the connection failed: the
 * replies read before the failure are set, the others NULL (those commands
 * may or may not have run); the connection is dropped, nothing retried. */
int fl_kv_pipeline(fl_kv *kv, const fl_kv_cmdv *cmds, int n, redisReply **reps);

/* Opens a dedicated (not pooled) connection, e.g. for SUBSCRIBE. */
redisContext *fl_kv_connect(const fl_config *cfg, int timeout_ms);

int fl_kv_pool_ping(fl_kv_pool *pool);
void fl_kv_pool_stats(fl_kv_pool *pool, int *size, int *in_use, unsigned long long *waits);

#endif
