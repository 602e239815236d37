/* room-bought.c - raise a live room's "just bought" notice the way checkout
 * does, through shop_room_bought (shop/domain/room_events.h), from outside
 * a shop process: for development and the tests.
 *
 *   room-bought LIVE_PUBLIC_ID BUYER_ACCOUNT_ID QTY PRODUCT_NAME [TIMES [later]]
 *
 * Reads the shop's settings from the environment (FARMLIVE_DB_*,
 * FARMLIVE_REDIS_*), makes the session's internal id from its public one,
 * calls shop_room_bought TIMES times back to back (1), as that many orders
 * would, and waits (at most 10 s) until the room's topic has numbered a new
 * event in Redis. Prints that number, then "raised=R held=H elapsed_ms=E":
 * the notices raised and held back by the room's gate, and the time the
 * calls took. With "later": the way a shop process does it, the TIMES
 * orders queued with shop_room_bought_later, then one
 * shop_room_bought_flush (the room ticker's step): raised is 0 or 1, one
 * notice for all of them. Exits 0 when one was raised and reached Redis, 1 otherwise,
 * 2 on bad usage or settings. */
#include "farmlive/config.h"
#include "farmlive/crypto.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/log.h"
#include "farmlive/shop/core/kvbatch.h"
#include "farmlive/shop/domain/room_events.h"
#include "farmlive/shop/rt/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_MS 10000

/* The topic's last number in Redis (0: none, -1: Redis down). */
static long long topic_seq(fl_kv_pool *pool, const char *topic)
{
    fl_kv *kv = NULL;
    long long seq = -1;
    if (fl_kv_acquire(pool, &kv) == FL_KV_OK) {
        redisReply *rep = fl_kv_cmd(kv, "GET farmlive:rt:seq:%s", topic);
        if (rep)
            seq = rep->type == REDIS_REPLY_STRING ? strtoll(rep->str, NULL, 10) : 0;
        if (rep)
            freeReplyObject(rep);
    }
    fl_kv_release(kv);
    return seq;
}

int main(int argc, char **argv)
{
    char err[640], topic[SHOP_RT_TOPIC_MAX + 1];
    fl_config cfg;
    shop_ctx ctx = {.cfg = &cfg};
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long live_id = 0, before, now, times = argc > 5 ? atoll(argv[5]) : 1, raised = 0;
    int later = argc > 6 && strcmp(argv[6], "later") == 0;
    struct timespec t0, t1;
    int rc = 1;

    if (argc < 5 || argc > 7 || (argc == 7 && !later) || shop_rt_topic_live(topic, argv[1]) != 0 ||
        atoll(argv[2]) <= 0 || atoll(argv[3]) <= 0 || times < 1 || times > 10000) {
        fprintf(stderr, "usage: room-bought LIVE_PUBLIC_ID BUYER_ACCOUNT_ID QTY PRODUCT_NAME [TIMES [later]]\n");
        return 2;
    }
    if (fl_config_load(&cfg, err, sizeof(err)) != 0 || fl_crypto_init() != 0) {
        fprintf(stderr, "room-bought: %s\n", err);
        return 2;
    }
    fl_log_set_level(cfg.log_level);
    ctx.db = fl_db_pool_new(&cfg);
    ctx.kv = fl_kv_pool_new(&cfg);
    ctx.kv_batch = shop_kvbatch_start(ctx.kv, 16);
    ctx.notices = later ? shop_room_notices_new() : NULL;
    if (!ctx.kv_batch || !(ctx.rt = shop_rt_start(&ctx)))
        goto out_free;
    if (fl_db_acquire(ctx.db, &db) != FL_DB_OK ||
        fl_db_query(db, &rows, "SELECT id FROM live_sessions WHERE public_id = ?", "s", argv[1]) != FL_DB_OK ||
        fl_rows_count(rows) != 1) {
        fprintf(stderr, "room-bought: no live session %s\n", argv[1]);
        fl_db_release(db);
        goto out_free;
    }
    live_id = fl_rows_int(rows, 0, 0);
    fl_db_release(db);
    before = topic_seq(ctx.kv, topic);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long long i = 0; i < times; i++) {
        if (later)
            shop_room_bought_later(&ctx, live_id, atoll(argv[2]), argv[4], atoll(argv[3]));
        else
            raised += shop_room_bought(&ctx, live_id, atoll(argv[2]), argv[4], atoll(argv[3]));
    }
    if (later)
        raised = shop_room_bought_flush(&ctx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int waited = 0; raised > 0 && waited < WAIT_MS; waited += 50) {
        if ((now = topic_seq(ctx.kv, topic)) > before && before >= 0) {
            printf("%lld\n", now);
            rc = 0;
            break;
        }
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    printf("raised=%lld held=%lld elapsed_ms=%lld\n", raised, times - raised,
           (long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    if (rc)
        fprintf(stderr, "room-bought: no event reached Redis on %s\n", topic);
out_free:
    shop_rt_stop(ctx.rt);
    shop_kvbatch_stop(ctx.kv_batch);
    shop_room_notices_free(ctx.notices);
    fl_rows_free(rows);
    fl_kv_pool_free(ctx.kv);
    fl_db_pool_free(ctx.db);
    return rc;
}
