/* flash_buy.c - one flash order's writes (both paths), the row-lock path,
 * and a Redis-path attempt's way through the take and the order writer
 * (see flash_buy.h; a batch's writes are flash_batch.c's). */
#include "farmlive/shop/domain/flash_buy.h"
#include "farmlive/buf.h"
#include "farmlive/log.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#define TX_ATTEMPTS 4
#define ORDER_TEXT_MAX (1024 * 1024) /* one order's answer */

static const char CLAIM_SQL[] =
    "UPDATE flash_slots SET order_id = ? WHERE sale_id = ? AND slot = ? AND order_id IS NULL";
static const char CLAIM_ANY_SQL[] =
    "UPDATE flash_slots SET order_id = ? WHERE sale_id = ? AND order_id IS NULL ORDER BY slot LIMIT 1";
static const char BUYER_SQL[] = "INSERT IGNORE INTO flash_buyers (sale_id, account_id, units) VALUES (?, ?, 0)";
static const char GUARD_SQL[] =
    "UPDATE flash_buyers SET units = units + ? WHERE sale_id = ? AND account_id = ? AND units + ? <= ?";
static const char ORDER_LOTS_SQL[] =
    "SELECT f.lot_id, l.code, COUNT(*) FROM flash_slots f JOIN lots l ON l.id = f.lot_id "
    "WHERE f.order_id = ? GROUP BY f.lot_id, l.code ORDER BY f.lot_id";
enum { OL_LOT_ID, OL_CODE, OL_COUNT };

/* Claims qty slots for order_id: slots first .. first+qty-1 (from the Redis
 * take), or any free slot when one of those is held (a rebuilt counter) or
 * first < 0 (row-lock mode). SHOP_FLASH_BOUGHT, _SOLD_OUT or FL_DB_E*. */
static int slots_claim(fl_db *db, long long sale_id, long long order_id, long long first, long long qty)
{
    for (long long i = 0; i < qty; i++) {
        int rc = FL_DB_OK;
        if (first >= 0 && (rc = fl_db_exec(db, CLAIM_SQL, "iii", order_id, sale_id, first + i)) != FL_DB_OK)
            return rc;
        if (first >= 0 && fl_db_affected(db) == 1)
            continue;
        if ((rc = fl_db_exec(db, CLAIM_ANY_SQL, "ii", order_id, sale_id)) != FL_DB_OK)
            return rc;
        if (fl_db_affected(db) != 1)
            return SHOP_FLASH_SOLD_OUT;
    }
    return SHOP_FLASH_BOUGHT;
}

/* The order's lines: one per lot of its claimed slots. */
static int lines_of_slots(fl_db *db, fl_arena *a, const shop_flash_sale *s, shop_order *o)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, ORDER_LOTS_SQL, "i", shop_order_id(o));
    if (rc != FL_DB_OK)
        return rc;
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        shop_order_add_line(o, a,
                            &(shop_order_line_new){.sku_id = s->sku_id,
                                                   .lot_id = fl_rows_int(rows, i, OL_LOT_ID),
                                                   .lot_code = fl_arena_strdup(a, fl_rows_str(rows, i, OL_CODE)),
                                                   .product_name = s->name,
                                                   .spec = s->spec,
                                                   .unit = s->unit,
                                                   .quantity = fl_rows_int(rows, i, OL_COUNT),
                                                   .unit_price_fen = s->price_fen});
    fl_rows_free(rows);
    return FL_DB_OK;
}

/* The order's writes, inside the caller's transaction: order row, slot
 * claims, buyer guard, order lines, the stored answer (*text). Returns
 * SHOP_FLASH_BOUGHT, _SOLD_OUT / _LIMIT / _DUP (the caller undoes the
 * writes), or FL_DB_E* (< 0). Re-runnable: it starts from its inputs. */
static int buy_writes(fl_db *db, const fl_config *cfg, fl_arena *a, const shop_flash_sale *s, const shop_idem *k,
                      long long qty, long long first, int online, const shop_address *addr, char **text)
{
    shop_order o;
    fl_buf b;
    int rc;
    *text = NULL;
    shop_order_init(&o, a,
                    &(shop_order_new){.buyer_account_id = k->account_id,
                                      .coop_id = s->coop_id,
                                      .coop_name = s->coop_name,
                                      .flash_sale_id = s->id,
                                      .live_id = s->live_id,
                                      .live_public_id = s->live_public_id,
                                      .online = online,
                                      .total_fen = s->price_fen * qty,
                                      .address = addr,
                                      .created = (long long)time(NULL),
                                      .expiry_s = cfg->order_expiry_s});
    if ((rc = shop_order_insert(db, a, &o, 1)) != FL_DB_OK ||
        (rc = slots_claim(db, s->id, shop_order_id(&o), first, qty)) != SHOP_FLASH_BOUGHT ||
        (rc = fl_db_exec(db, BUYER_SQL, "ii", s->id, k->account_id)) != FL_DB_OK ||
        (rc = fl_db_exec(db, GUARD_SQL, "iiiii", qty, s->id, k->account_id, qty, s->limit)) != FL_DB_OK)
        return rc;
    if (fl_db_affected(db) != 1)
        return SHOP_FLASH_LIMIT;
    if ((rc = lines_of_slots(db, a, s, &o)) != FL_DB_OK || (rc = shop_order_lines_insert(db, &o, 1)) != FL_DB_OK)
        return rc;
    fl_buf_init(&b, 2048, ORDER_TEXT_MAX);
    if (shop_order_text(&b, &o) == 0)
        *text = fl_arena_strndup(a, b.p, b.len);
    fl_buf_free(&b);
    if (!*text)
        return FL_DB_ERR;
    if ((rc = shop_idem_store_tx(db, k, 201, *text)) != FL_DB_OK)
        return rc == FL_DB_EDUP ? SHOP_FLASH_DUP : rc;
    return SHOP_FLASH_BOUGHT;
}

/* ---- the row-lock path -------------------------------------------------- */

/* One transaction, the sale row as the lock. */
static int rowlock_tx(fl_db *db, const fl_config *cfg, fl_arena *a, const shop_flash_sale *s, const shop_idem *k,
                      long long qty, int online, const shop_address *addr, char **text)
{
    fl_rows *rows = NULL;
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return rc;
    rc = fl_db_query(db, &rows, "SELECT id FROM flash_sales WHERE id = ? FOR UPDATE", "i", s->id);
    fl_rows_free(rows);
    if (rc == FL_DB_OK && (rc = buy_writes(db, cfg, a, s, k, qty, -1, online, addr, text)) == SHOP_FLASH_BOUGHT &&
        (rc = fl_db_commit(db)) == FL_DB_OK)
        return SHOP_FLASH_BOUGHT;
    fl_db_rollback(db);
    return rc;
}

int shop_flash_buy_rowlock(fl_db *db, const fl_config *cfg, fl_arena *a, const shop_flash_sale *s, const shop_idem *k,
                           long long qty, int online, const shop_address *addr, char **text)
{
    int rc = FL_DB_EDEADLOCK;
    for (int attempt = 0; attempt < TX_ATTEMPTS && rc == FL_DB_EDEADLOCK; attempt++)
        rc = rowlock_tx(db, cfg, a, s, k, qty, online, addr, text);
    return rc;
}

/* ---- the Redis path ----------------------------------------------------- */

/* The Redis batch's thread: what the take answered for t. No blocking. */
static void take_done(shop_kvbatch_item *it, redisReply *rep)
{
    shop_flash_attempt *t = (shop_flash_attempt *)((char *)it - offsetof(shop_flash_attempt, take));
    t->taken = SHOP_FLASH_TAKE_DOWN;
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements >= 4 && rep->element[0]->type == REDIS_REPLY_INTEGER) {
        t->taken = rep->element[0]->integer;
        t->settled = t->settle(t, rep->element + 1);
        if (rep->elements > 4 && rep->element[4]->type == REDIS_REPLY_STRING)
            t->more = fl_arena_strndup(t->arena, rep->element[4]->str, rep->element[4]->len);
        if (rep->elements > 6 && rep->element[5]->type == REDIS_REPLY_INTEGER &&
            rep->element[6]->type == REDIS_REPLY_INTEGER) {
            t->left = rep->element[5]->integer;
            t->held = rep->element[6]->integer;
        }
        /* the counter went from c + qty to c: slots quantity - c - qty
         * onwards, the oldest lot's first (a held one: the writer claims
         * the lowest free slot instead) */
        if (t->taken >= 0)
            t->taken = t->s.quantity - t->taken - t->qty > 0 ? t->s.quantity - t->taken - t->qty : 0;
    } else if (rep && rep->type == REDIS_REPLY_ERROR) {
        fl_log(FL_LOG_ERROR, "redis_error", "flash take: %s", rep->str);
    }
    if (t->taken >= 0 && t->settled == 0) { /* units taken: the order writer writes the order */
        shop_batch_submit(t->ctx->orders, &t->item);
        return;
    }
    t->decided(t);
}

/* The order writer's thread: the order's outcome. No blocking. */
static void job_done(shop_batch_item *it, int rc)
{
    shop_flash_attempt *t = (shop_flash_attempt *)it;
    t->order_rc = rc;
    t->decided(t);
}

void shop_flash_attempt_submit(shop_flash_attempt *t)
{
    shop_flash_take_call_init(&t->call, t->s.id, t->session_key, t->session_ttl, t->qty, t->s.limit, &t->k,
                              t->request_id);
    t->item.run = shop_flash_write_one;
    t->item.run_all = shop_flash_write_all;
    t->item.done = job_done;
    t->take.script = t->script;
    t->take.argc = SHOP_FLASH_TAKE_ARGC;
    t->take.argv = t->call.argv;
    t->take.lens = t->call.lens;
    t->take.done = take_done;
    t->more = NULL;
    t->left = t->held = -1;
    t->text = NULL;
    t->settled = SHOP_E_UNAUTHORIZED;
    shop_kvbatch_submit(t->ctx->kv_batch, &t->take);
}

int shop_flash_write_one(fl_db *db, shop_batch_item *it)
{
    shop_flash_attempt *t = (shop_flash_attempt *)it;
    return buy_writes(db, t->ctx->cfg, t->arena, &t->s, &t->k, t->qty, t->taken, t->online, &t->addr, &t->text);
}

void shop_flash_attempt_unwind(fl_kv *kv, const shop_flash_attempt *t)
{
    if (t->order_rc == SHOP_FLASH_DUP || t->order_rc < 0) /* unsold: the units go back */
        shop_flash_give_back(kv, t->s.id, t->k.account_id, t->qty, 1, &t->k);
    else if (t->order_rc == SHOP_FLASH_LIMIT)
        shop_flash_give_back(kv, t->s.id, t->k.account_id, t->qty, 0, NULL);
}
