/* shop/domain/flash.h - flash sales: a sale, made and read, and its units
 * returned when it ends (flash.c).
 *
 * Creating a sale reserves its units from the SKU's lots, oldest first
 * (ledger 'reservation' rows noting the sale) and writes one flash_slots row
 * per unit, bound to its lot: slots first .. first + count - 1 share one
 * lot. An order claims slots with `order_id IS NULL` guards and buyers'
 * units are guarded by `units + n <= per_buyer_limit` in flash_buyers, in
 * the order's transaction, so MariaDB is the truth: a Redis counter that is
 * wrong (flash_counter.h) can cost a refused attempt, never a unit sold
 * twice. Buying: flash_buy.h; the per-process cache of sales: flash_cache.h.
 * Cancelling a flash order frees its slots while the sale runs; after the
 * end, shop_flash_release_ended returns unsold slots to their lots
 * ('cancellation' rows). A sale ends early when its coop admin ends it or
 * its product or SKU stops being on sale (shop_flash_end*). */
#ifndef FARMLIVE_SHOP_DOMAIN_FLASH_H
#define FARMLIVE_SHOP_DOMAIN_FLASH_H

#include <stddef.h>
#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/status.h"

#define SHOP_FLASH_PRICE_MAX 100000000
#define SHOP_FLASH_QTY_MAX 1000000
#define SHOP_FLASH_LIMIT_MAX 1000
#define SHOP_FLASH_LOTS_MAX 8 /* lots a sale's slots are known by in memory (buying's fast path) */

/* Slots first .. first + count - 1 of a sale are bound to lot id. */
typedef struct shop_flash_lot {
    long long id, first, count;
    char code[68];
} shop_flash_lot;

typedef struct shop_flash_sale {
    long long id, coop_id, sku_id, price_fen, quantity, limit;
    long long sold;         /* units in orders: only when read with_sold */
    int rowlock;            /* the row-lock baseline instead of the Redis counter */
    int started, ended;     /* as MariaDB's clock saw it when read */
    long long starts, ends; /* unix seconds */
    const char *name, *spec, *unit, *coop_name;
    const char *end_reason;  /* why it was ended early, or NULL */
    long long live_id;       /* the live session it belongs to (its orders are attributed to it), 0: none */
    char live_public_id[17]; /* that session's public id ("" when none) */
    size_t nlots;            /* with_lots only; 0 when not read or more than SHOP_FLASH_LOTS_MAX */
    shop_flash_lot lots[SHOP_FLASH_LOTS_MAX];
} shop_flash_sale;

/* A new sale: sku_id (of cooperative coop_id) sold at price_fen, quantity
 * units, per_buyer_limit a buyer, from starts to ends (unix seconds). */
typedef struct shop_flash_new {
    long long coop_id, sku_id, price_fen, quantity, per_buyer_limit;
    long long starts, ends;
    int rowlock;
    long long created_by; /* the account; its right to (coop admin) is the caller's to check */
    long long live_id;    /* the live session it is started from (live_sessions.id), 0: none */
} shop_flash_new;

/* Creates the sale (its row, its stock reserved from the lots, its slots:
 * one transaction) and loads its Redis counter when kv is given (else the
 * first buyer or the flash_counters job does). SHOP_OK with *sale_id; 422
 * naming a bad value (price, quantity, limit, ends not after starts, ends
 * in the past), 422 not_enough_stock, 422 sku_unavailable (an inactive SKU
 * or a product not listed), 404 when the SKU is not coop_id's;
 * 503/500 from MariaDB. What a live room calls to start a sale. */
int shop_flash_create(fl_db *db, fl_kv *kv, fl_arena *a, const shop_flash_new *in, long long *sale_id, shop_fault *f);

/* Reads sale id into *s (strings from a); with_sold counts its sold units,
 * with_lots reads its lot ranges. 404 when there is none. */
int shop_flash_read(fl_db *db, fl_arena *a, long long id, int with_sold, int with_lots, shop_flash_sale *s,
                    shop_fault *f);

/* Where buyer stands in sale_id, from MariaDB: the units still free
 * (*left) and the units the buyer holds (*held). FL_DB_OK or FL_DB_E*. */
int shop_flash_standing(fl_db *db, long long sale_id, long long buyer, long long *left, long long *held);

/* An order of sale_id was cancelled or refunded, in the caller's
 * transaction: the buyer's units drop; while the sale has not been released
 * its slots become free again, sellable in the sale (*to_lots = 0: the
 * caller gives the units to the Redis counter after the commit,
 * shop_flash_release_kv), else its slots go (the sale's sold count drops)
 * and the caller returns the units to their lots through the ledger
 * (*to_lots = 1). */
int shop_flash_release_tx(fl_db *db, long long order_id, long long sale_id, long long buyer, long long units,
                          int *to_lots);

/* Ends sale sale_id now (ends_at moves to now, planned_ends_at keeps the
 * planned end) for reason, by actor (its coop admin: the caller checked),
 * and returns its unsold units to their lots through the ledger, in one
 * transaction; the Redis counter may still say units are left, but no
 * slot is left to claim (buyers are refused) and the sale reads ended.
 * SHOP_OK; 409 sale_ended when it had ended already; 503/500. */
int shop_flash_end(fl_db *db, long long sale_id, long long actor, const char *reason, shop_fault *f);

/* Ends, as shop_flash_end does, every sale not released yet whose SKU can
 * no longer be sold (inactive, or its product not listed), of product_id
 * (0: of any product, up to 50). Called after a product is delisted or a
 * SKU deactivated; the release job calls it too, so a sale is ended even
 * when that call failed. How many, or -1 when MariaDB is down. */
int shop_flash_end_unsellable(fl_db *db, long long product_id);

/* A periodic job (core/jobs.h): returns the unsold units of ended sales to
 * their lots, 50 sales a pass, and ends the sales that can no longer be
 * sold (shop_flash_end_unsellable). How many, or -1 when MariaDB is down. */
int shop_flash_release_ended(shop_ctx *ctx);

#endif
