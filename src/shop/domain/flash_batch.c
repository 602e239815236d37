/* flash_batch.c - a batch of flash orders in a few statements.
 *
 * The order writer (core/batch.h) hands over every winner that queued
 * meanwhile; their writes are six statements, each taking the whole batch
 * as one JSON parameter that JSON_TABLE turns into rows, so 300 orders cost
 * what one does in round trips:
 *
 *   ALL_BUYERS_SQL, ALL_GUARD_SQL   each buyer's row, its `units + n <= limit`
 *   shop_order_insert               the orders (order_model.c)
 *   ALL_SLOTS_SQL                   the slot claims (and a check of the ids)
 *   shop_order_lines_insert         the lines (order_model.c)
 *   shop_idem_store_all_tx          the stored answers (core/idem.c)
 *
 * Lines come from the sale's lot ranges, known in memory. Every guard is
 * checked by counting what a statement touched; when one does not hold for
 * all (a buyer twice in the batch, a slot already held, a buyer at the limit
 * in MariaDB, a key already answered, order ids not consecutive, a sale whose
 * lots are not known here) or an answer cannot be made, the result is > 0
 * and the writer does the orders one by one (shop_flash_write_one), where
 * each finds its own answer. */
#include "farmlive/shop/domain/flash_buy.h"
#include "farmlive/alloc.h"
#include "farmlive/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#define ORDER_TEXT_MAX (1024 * 1024)    /* one order's answer */
#define ALL_JSON_MAX (64 * 1024 * 1024) /* one statement's batch parameter */
#define JT(cols) "JSON_TABLE(?, '$[*]' COLUMNS(" cols ")) j"

static const char ALL_BUYERS_SQL[] =
    "INSERT IGNORE INTO flash_buyers (sale_id, account_id, units) SELECT j.s, j.a, 0 FROM " JT(
        "s BIGINT PATH '$.s', a BIGINT PATH '$.a'");
static const char ALL_GUARD_SQL[] =
    "UPDATE flash_buyers b JOIN " JT("s BIGINT PATH '$.s', a BIGINT PATH '$.a', q BIGINT PATH '$.q', "
                                     "l BIGINT PATH '$.l'") " ON b.sale_id = j.s AND b.account_id = j.a SET b.units = "
                                                            "b.units + j.q WHERE b.units + j.q <= j.l";
/* The claims, and the check that the orders just inserted got the ids
 * first_id + i (consecutive, as InnoDB gives one INSERT ... SELECT): a
 * slot is claimed only by an order of its buyer and sale. */
static const char ALL_SLOTS_SQL[] = "UPDATE flash_slots f JOIN " JT(
    "s BIGINT PATH '$.s', n BIGINT PATH '$.n', o BIGINT PATH '$.o', "
    "a BIGINT PATH '$.a'") " ON f.sale_id = j.s AND f.slot = j.n JOIN orders o ON o.id = j.o AND o.buyer_account_id = "
                           "j.a "
                           "AND o.flash_sale_id = j.s SET f.order_id = j.o WHERE f.order_id IS NULL";

enum { ALL_FALL_BACK = 1 };

/* Opens (i == 0) or continues one batch array in b and appends one
 * element: 0, or -1 when b reached its maximum. */
static int element(fl_buf *b, size_t i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int element(fl_buf *b, size_t i, const char *fmt, ...)
{
    if (fl_buf_append(b, i ? "," : "[", 1) < 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int rc = fl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* The index in s->lots of the lot slot is bound to, or -1 when the lots
 * are not known here or slot lies beyond them. */
static int slot_lot(const shop_flash_sale *s, long long slot)
{
    for (size_t l = 0; l < s->nlots; l++)
        if (slot >= s->lots[l].first && slot < s->lots[l].first + s->lots[l].count)
            return (int)l;
    return -1;
}

/* Attempt t's order, before it is written (no id yet). 0, or -1 when its
 * lots are not all known here. */
static int order_of(const shop_flash_attempt *t, long long now, shop_order *o)
{
    for (long long u = 0; u < t->qty; u++)
        if (slot_lot(&t->s, t->taken + u) < 0)
            return -1;
    shop_order_init(o, t->arena,
                    &(shop_order_new){.buyer_account_id = t->k.account_id,
                                      .coop_id = t->s.coop_id,
                                      .coop_name = t->s.coop_name,
                                      .flash_sale_id = t->s.id,
                                      .live_id = t->s.live_id,
                                      .live_public_id = t->s.live_public_id,
                                      .online = t->online,
                                      .total_fen = t->s.price_fen * t->qty,
                                      .address = &t->addr,
                                      .created = now,
                                      .expiry_s = t->ctx->cfg->order_expiry_s});
    return 0;
}

/* Attempt t's slot claims for order_id into slots (from element *nslots
 * on), and its lines, one per lot of its slots, into o. */
static int claims_and_lines(const shop_flash_attempt *t, long long order_id, shop_order *o, fl_buf *slots,
                            size_t *nslots)
{
    long long per_lot[SHOP_FLASH_LOTS_MAX] = {0};
    int err = 0;
    for (long long u = 0; u < t->qty && !err; u++) {
        per_lot[slot_lot(&t->s, t->taken + u)]++; /* known: order_of checked */
        err = element(slots, (*nslots)++, "{\"s\":%lld,\"n\":%lld,\"o\":%lld,\"a\":%lld}", t->s.id, t->taken + u,
                      order_id, t->k.account_id) < 0;
    }
    for (size_t l = 0; l < t->s.nlots; l++)
        if (per_lot[l] > 0)
            shop_order_add_line(o, t->arena,
                                &(shop_order_line_new){.sku_id = t->s.sku_id,
                                                       .lot_id = t->s.lots[l].id,
                                                       .lot_code = t->s.lots[l].code,
                                                       .product_name = t->s.name,
                                                       .spec = t->s.spec,
                                                       .unit = t->s.unit,
                                                       .quantity = per_lot[l],
                                                       .unit_price_fen = t->s.price_fen});
    return err ? -1 : 0;
}

int shop_flash_write_all(fl_db *db, shop_batch_item **items, size_t n)
{
    shop_flash_attempt **t = (shop_flash_attempt **)items;
    shop_order *orders = fl_calloc(n, sizeof(*orders));
    shop_idem_answer *answers = fl_calloc(n, sizeof(*answers));
    fl_buf buyers, slots, text;
    long long units = 0, now = (long long)time(NULL);
    size_t nslots = 0;
    int rc = ALL_FALL_BACK, err = 0;

    fl_buf_init(&buyers, 64 * n, ALL_JSON_MAX);
    fl_buf_init(&slots, 64 * n, ALL_JSON_MAX);
    fl_buf_init(&text, 2048, ORDER_TEXT_MAX);
    for (size_t i = 0; i < n && !err; i++) {
        err = order_of(t[i], now, &orders[i]) < 0 ||
              element(&buyers, i, "{\"s\":%lld,\"a\":%lld,\"q\":%lld,\"l\":%lld}", t[i]->s.id, t[i]->k.account_id,
                      t[i]->qty, t[i]->s.limit) < 0;
        units += t[i]->qty;
    }
    if (err || fl_buf_append(&buyers, "]", 1) < 0)
        goto out_free;
    if ((rc = fl_db_exec(db, ALL_BUYERS_SQL, "s", buyers.p)) != FL_DB_OK ||
        (rc = fl_db_exec(db, ALL_GUARD_SQL, "s", buyers.p)) != FL_DB_OK)
        goto out_free;
    if (fl_db_affected(db) != n) {
        rc = ALL_FALL_BACK;
        goto out_free;
    }
    if ((rc = shop_order_insert(db, t[0]->arena, orders, n)) != FL_DB_OK)
        goto out_free;
    rc = ALL_FALL_BACK;
    for (size_t i = 0; i < n && !err; i++)
        err = claims_and_lines(t[i], shop_order_id(&orders[i]), &orders[i], &slots, &nslots) < 0;
    if (err || fl_buf_append(&slots, "]", 1) < 0)
        goto out_free;
    if ((rc = fl_db_exec(db, ALL_SLOTS_SQL, "s", slots.p)) != FL_DB_OK)
        goto out_free;
    if (fl_db_affected(db) != (unsigned long long)units) { /* a slot held, or ids not consecutive */
        rc = ALL_FALL_BACK;
        goto out_free;
    }
    if ((rc = shop_order_lines_insert(db, orders, n)) != FL_DB_OK)
        goto out_free;
    rc = ALL_FALL_BACK;
    for (size_t i = 0; i < n; i++) { /* each answer, as the writer stores it */
        text.len = 0;
        if (shop_order_text(&text, &orders[i]) < 0)
            goto out_free;
        t[i]->text = fl_arena_strndup(t[i]->arena, text.p, text.len);
        answers[i] = (shop_idem_answer){&t[i]->k, 201, t[i]->text};
    }
    rc = shop_idem_store_all_tx(db, answers, n);
    if (rc == FL_DB_EDUP)
        rc = ALL_FALL_BACK;
out_free:
    fl_buf_free(&buyers);
    fl_buf_free(&slots);
    fl_buf_free(&text);
    fl_free(answers);
    fl_free(orders);
    return rc;
}
