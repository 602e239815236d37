/* shop/domain/flash_buy.h - buying in a flash sale (flash_buy.c, and
 * flash_batch.c for the order writer's batches).
 *
 * mode "rowlock" (the baseline, and a correct checkout without Redis):
 *   shop_flash_buy_rowlock: SELECT ... FOR UPDATE on the sale row, claim the
 *   first free slot, the order, commit. One transaction per attempt.
 *
 * mode "redis" (default): an attempt goes through three threads, and holds
 * none while it waits:
 *
 *   caller       fills a shop_flash_attempt, shop_flash_attempt_submit
 *   Redis batch  the take (flash_counter.h), with every attempt that queued
 *                meanwhile in one pipeline; t->settle(t, the session's
 *                fields) says who the buyer is; a winner goes on to
 *   order writer (core/batch.h) its order, with hundreds of others in one
 *                transaction (shop_flash_write_all: each statement takes the
 *                batch as one JSON parameter), or alone when a guard does not
 *                hold for the batch: order row, buyer guard (`units + n <=
 *                limit`), slot claims (`order_id IS NULL`; a slot already
 *                held, possible only after a counter rebuild, falls back to
 *                any free slot), lines naming the slots' lots, the stored
 *                answer
 *   then t->decided(t), on the batch's or the writer's thread (it must not
 *   block): a win has t->text; anything else is the caller's to answer on
 *   its own thread, with shop_flash_attempt_unwind first when the writer
 *   refused. */
#ifndef FARMLIVE_SHOP_DOMAIN_FLASH_BUY_H
#define FARMLIVE_SHOP_DOMAIN_FLASH_BUY_H

#include "farmlive/arena.h"
#include "farmlive/config.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/batch.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/core/kvbatch.h"
#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/domain/flash_counter.h"
#include "farmlive/shop/domain/order_model.h"

/* An order's outcome besides FL_DB_E* (< 0). */
enum {
    SHOP_FLASH_BOUGHT = 0,    /* written, its answer stored: the text */
    SHOP_FLASH_SOLD_OUT = 10, /* no free slot */
    SHOP_FLASH_LIMIT,         /* the buyer holds the limit already (MariaDB's guard) */
    SHOP_FLASH_DUP            /* the Idempotency-Key was answered meanwhile: replay it */
};

/* The row-lock path: one attempt for k->account_id, retried on deadlock.
 * SHOP_FLASH_BOUGHT with *text (from a), another SHOP_FLASH_*, or FL_DB_E*. */
int shop_flash_buy_rowlock(fl_db *db, const fl_config *cfg, fl_arena *a, const shop_flash_sale *s, const shop_idem *k,
                           long long qty, int online, const shop_address *addr, char **text);

typedef struct shop_flash_attempt shop_flash_attempt;
struct shop_flash_attempt {
    shop_batch_item item;   /* first: the order writer hands it back */
    shop_kvbatch_item take; /* the take's call on the Redis batch */

    /* set by the caller */
    shop_ctx *ctx;
    fl_arena *arena;             /* the attempt's memory: the caller's alone until decided */
    shop_kvbatch_script *script; /* the take: the session's lookup and SHOP_FLASH_TAKE_LUA */
    shop_flash_sale s;
    shop_idem k; /* k.account_id: settle sets it */
    shop_address addr;
    long long qty;
    int online;
    const char *session_key, *request_id;
    int session_ttl;
    /* (Redis batch thread) the buyer from the take's session fields
     * (three, REDIS_REPLY_STRING or NIL): 0 with k.account_id set, or < 0 */
    int (*settle)(shop_flash_attempt *t, redisReply *const *session);
    /* (batch or writer thread) the attempt is decided; must not block */
    void (*decided)(shop_flash_attempt *t);
    void *owner; /* the caller's */

    /* results */
    long long taken;      /* SHOP_FLASH_TAKE_* (< 0), or won: the first of the slots its units are
                           * expected in, counted from slot 0 (the oldest lot's) as the counter goes
                           * down, so buyers take lots oldest first as checkout does */
    const char *more;     /* the take's fifth element: the key's mark, or "db" */
    long long left, held; /* refused: the units left and the buyer's held, as Redis counted them (-1: unknown) */
    int settled;          /* settle's result (SHOP_E_* when no session) */
    int order_rc;         /* the writer's result, when taken >= 0 and settled == 0 */
    char *text;           /* SHOP_FLASH_BOUGHT: the answer, as stored */
    int rebuilt;          /* the counter was rebuilt once for this attempt */
    shop_flash_take_call call;
};

/* Queues t's take (again, after a rebuild). */
void shop_flash_attempt_submit(shop_flash_attempt *t);

/* After the writer refused t (t->order_rc != SHOP_FLASH_BOUGHT): gives
 * Redis back what the order leaves unsold (DUP or a MariaDB error: the
 * units, the buyer's count and the key's in-flight mark; LIMIT: the
 * units; SOLD_OUT: nothing, the counter was high). kv may be NULL (Redis
 * down: the rebuild corrects the counter). */
void shop_flash_attempt_unwind(fl_kv *kv, const shop_flash_attempt *t);

/* The order writer's hooks (core/batch.h): one attempt's order, and a whole
 * batch's (flash_batch.c). */
int shop_flash_write_one(fl_db *db, shop_batch_item *it);
int shop_flash_write_all(fl_db *db, shop_batch_item **items, size_t n);

#endif
