/* shop/core/hashpool.h - password hashing off the worker threads.
 *
 * An argon2id hash or check takes about 0.1 s of a CPU and 64 MiB; on the
 * HTTP worker threads (one per CPU) a handful of sign-ups at once would
 * stall every other request. Instead a request hands its password to this
 * pool and waits suspended, holding no thread:
 *
 *   return shop_hash_then(r, &job, next, arg);
 *
 * The pool's cfg->hash_threads threads (niced, so the workers come first)
 * hash or check it, then next(r, arg) runs on r's worker thread as if it
 * were the handler, with job filled (core/http.h, shop_resume_then). At
 * most cfg->hash_queue passwords wait or run at once: past that the
 * answer is 429 rate_limited with Retry-After, and nothing was suspended.
 * Memory is bounded the same way: threads x 64 MiB. */
#ifndef FARMLIVE_SHOP_CORE_HASHPOOL_H
#define FARMLIVE_SHOP_CORE_HASHPOOL_H

#include "farmlive/crypto.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/workq.h"

typedef struct shop_hashpool shop_hashpool;

/* A password to hash (stored NULL) or to check against stored. Borrowed
 * strings must live until the job is done (the request's arena or body). */
typedef struct shop_pwjob {
    const char *password;
    const char *stored;       /* the hash to check against; NULL: make one */
    int ok;                   /* after: it matched (check), it was made (hash) */
    char hash[FL_PWHASH_MAX]; /* after a hash: the argon2id string */
    /* the pool's */
    fl_workq_item q;
    void (*done)(void *arg);
    void *arg;
} shop_pwjob;

/* threads >= 1, queue_max >= 1; NULL when a thread could not start. */
shop_hashpool *shop_hashpool_start(int threads, int queue_max);
/* Finishes every job given, then stops the threads and frees p. */
void shop_hashpool_stop(shop_hashpool *p);

/* Queues job; done(arg) is called on a pool thread once it is filled. 0,
 * or -1 when queue_max jobs are already waiting or running (job untouched,
 * done never called). */
int shop_hashpool_submit(shop_hashpool *p, shop_pwjob *job, void (*done)(void *arg), void *arg);

/* The request's form, described above: SHOP_SUSPENDED, or the 429 answer
 * (r failed, with Retry-After) when the queue is full. */
int shop_hash_then(shop_req *r, shop_pwjob *job, int (*next)(shop_req *r, void *arg), void *arg);

#endif
