/* shop/domain/inventory.h - stock by lot, through the inventory ledger (inventory.c).
 *
 * A lot's `remaining` is never overwritten: every change is one
 * inventory_ledger row written in the same transaction as the matching
 * `remaining = remaining +/- n` update, so remaining always equals the ledger
 * sum. Its `quantity` (the lot's size) is every unit that entered it:
 * produced, restocked, found by an adjustment upwards; it never shrinks, so
 * 0 <= remaining <= quantity (ck_lots_size, migration 035). shop_inv_reserve and shop_inv_return_order run inside the
 * caller's transaction and never commit; restock and adjust are transactions of their own. */
#ifndef FARMLIVE_SHOP_DOMAIN_INVENTORY_H
#define FARMLIVE_SHOP_DOMAIN_INVENTORY_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/sign.h"

#define SHOP_INV_LOT_QTY_MAX 1000000

/* Results besides FL_DB_OK (0) and the negative FL_DB_E* codes. */
enum {
    SHOP_INV_SHORT = 1, /* the SKU's lots hold fewer units than asked */
    SHOP_INV_RETRY = 2  /* a lot changed under us: roll back, try again */
};

typedef struct shop_alloc {
    long long lot_id;
    char code[65];
    long long qty;
} shop_alloc;

/* Takes qty units of sku_id from as many of its lots as they take, oldest
 * first (pack date, harvest date, creation), writing a 'reservation' ledger
 * row per lot for order_id (0: none, e.g. a flash sale's stock, named by
 * note). *out (from a) gets one allocation per lot, *n of them. Inside the
 * caller's transaction. */
int shop_inv_reserve(fl_db *db, fl_arena *a, long long sku_id, long long qty, long long order_id, long long actor,
                     const char *note, shop_alloc **out, size_t *n);

/* Gives every line of order_id back to its lot with a ledger row of reason
 * ("cancellation", "refund", or "return": a refund's goods received back).
 * Inside the caller's transaction. */
int shop_inv_return_order(fl_db *db, long long order_id, const char *reason, long long actor);

/* Records every line of order_id as written off (a refund whose goods do
 * not come back): a 'write_off' ledger row of 0 units per line, its note
 * saying how many, since the units left the lot when the order reserved
 * them; nothing goes back on sale. Inside the caller's transaction. */
int shop_inv_write_off_order(fl_db *db, long long order_id, long long actor);

/* The cooperative owning sku_id: SHOP_OK, or 404 when there is no such
 * SKU (503/500 from MariaDB). */
int shop_inv_sku_coop(fl_db *db, long long sku_id, long long *coop_id, shop_fault *f);

/* Adds quantity units of sku_id (of coop_id, whose admin actor is: the
 * caller checked) to the lot named lot_code (any case: it is upper-cased),
 * or makes a new lot through the same writes as POST /coops/{id}/lots
 * (shop_lot_insert: its 'produced' ledger row and its signed chain head,
 * under the same rules, shop_lot_new_check) named lot_code, or, lot_code
 * NULL, "L<sku>-<YYYYMMDD>-<8 hex>" in upper case; harvest and pack dates
 * YYYY-MM-DD or NULL are the new lot's. SHOP_OK with *lot_id; 422 naming
 * the field (a malformed code, a date that is not real, in the future or
 * packed before harvest, dates for a lot that exists, a lot of another
 * SKU), 409 (a code taken meanwhile), 503/500. */
typedef struct shop_restock {
    long long sku_id, coop_id, quantity, actor;
    const char *lot_code, *harvest_date, *pack_date, *note;
} shop_restock;
int shop_inv_restock(fl_db *db, const fl_signkey *key, fl_arena *a, const shop_restock *in, long long *lot_id,
                     shop_fault *f);

/* Adds delta (non-zero, either sign) to one lot of sku_id, named by lot_id
 * or lot_code, with an 'adjustment' ledger row carrying the reason. An
 * adjustment upwards (units found) makes the lot that much bigger too
 * (quantity: every unit that entered it); one downwards (units lost) lowers
 * remaining only. SHOP_OK with *lot_id; 404 when no such lot of the SKU;
 * 422 below_zero. */
typedef struct shop_adjustment {
    long long sku_id, lot_id, delta, actor;
    const char *lot_code, *reason;
} shop_adjustment;
int shop_inv_adjust(fl_db *db, const shop_adjustment *in, long long *lot_id, shop_fault *f);

/* A lot as its answer shows it ({id, code, sku_id, coop_id, quantity,
 * remaining, unit, harvest_date, pack_date}); 404 when none. */
int shop_inv_lot(fl_db *db, long long lot_id, json_t **out, shop_fault *f);
/* A SKU's stock: {sku_id, coop_id, available, lots: [...], ledger: [the
 * latest 100 rows, newest first]}. */
int shop_inv_stock(fl_db *db, long long sku_id, long long coop_id, json_t **out, shop_fault *f);

/* A page of cooperative coop_id's SKUs with their stock, by SKU id (after:
 * only ids above it, 0: the first page; limit 1..100): {"items":
 * [{"sku_id","product_id","name_zh","name_en","spec","unit","price_fen",
 * "active","product_status","available","lots":[{id, code, quantity,
 * remaining, harvest_date, pack_date}],"empty_lots"}],"next_cursor"}:
 * lots holding units, in the order they are sold from (oldest first),
 * empty_lots counting the others. */
int shop_inv_coop_page(fl_db *db, long long coop_id, long long after, long long limit, json_t **out, shop_fault *f);

#endif
