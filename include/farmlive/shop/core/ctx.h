/* shop/core/ctx.h - the process's shared state, as every layer sees it.
 *
 * Made once by main.c's serve() before the server starts and read-only
 * after that (the pools and queues it points to are thread-safe). Domain
 * functions take it (or just the pool they need) instead of a request, so
 * a handler, a periodic job, a live room and a test call them alike. */
#ifndef FARMLIVE_SHOP_CORE_CTX_H
#define FARMLIVE_SHOP_CORE_CTX_H

#include "farmlive/config.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"

struct shop_catalogue;
struct shop_batch;
struct shop_kvbatch;
struct shop_rt;
struct shop_hashpool;
struct shop_room_notices;

typedef struct shop_ctx {
    const fl_config *cfg;
    fl_db_pool *db;
    fl_kv_pool *kv;
    struct shop_catalogue *catalogue;  /* api/catalogue.c's read cache */
    struct shop_batch *orders;         /* the order writer (flash sales' winners) */
    struct shop_kvbatch *kv_batch;     /* Redis calls of many requests, one round trip (flash takes) */
    struct shop_rt *rt;                /* the realtime feed (rt/feed.h) */
    struct shop_hashpool *hashes;      /* password hashing off the workers (core/hashpool.h) */
    struct shop_room_notices *notices; /* "just bought" notices for the room ticker (domain/room_events.h) */
    /* After a commit that changed what the catalogue shows without a
     * catalogue write (a SKU's stock level, domain/stock_level.h): empties
     * the catalogue's read cache here and in the other processes. Set by
     * main.c (api/catalogue.c's shop_catalogue_bump); NULL: no cache. */
    void (*catalogue_changed)(struct shop_ctx *ctx);
} shop_ctx;

#endif
