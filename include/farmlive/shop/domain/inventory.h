/* shop/domain/inventory.h - stock by lot, through the inventory ledger (inventory.c).
 *
 * A lot's `remaining` is never overwritten: every change is one
 * inventory_ledger row written in the same transaction as the matching
 * `remaining = remaining +/- n` update, so remaining always equals the ledger
 * sum. These helpers run inside the caller's transaction and never commit. */
#ifndef FARMLIVE_SHOP_DOMAIN_INVENTORY_H
#define FARMLIVE_SHOP_DOMAIN_INVENTORY_H

#include <stddef.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/http.h"

#define SHOP_INV_MAX_LOTS 16 /* lots one order line may be spread over */

/* Results besides FL_DB_OK (0) and the negative FL_DB_E* codes. */
enum { SHOP_INV_SHORT = 1, /* the SKU's lots hold fewer units than asked */
       SHOP_INV_RETRY = 2  /* a lot changed under us: roll back, try again */ };

typedef struct shop_alloc {
    long long lot_id;
    char code[65];
    int qty;
} shop_alloc;

/* Takes qty units of sku_id from its lots, oldest first (pack date, harvest
 * date, creation), writing a 'reservation' ledger row per lot for order_id
 * (0: none, e.g. a flash sale's stock, named by note). Fills out[0..*n).
 * Inside the caller's transaction. */
int shop_inv_reserve(fl_db *db, long long sku_id, int qty, long long order_id, long long actor, const char *note,
                     shop_alloc out[SHOP_INV_MAX_LOTS], size_t *n);

/* Gives every line of order_id back to its lot with a ledger row of reason
 * ("cancellation" or "refund"). Inside the caller's transaction. */
int shop_inv_return_order(fl_db *db, long long order_id, const char *reason, long long actor);

/* The cooperative owning sku_id; fails 404 when there is no such SKU. */
int shop_inv_sku_coop(shop_req *r, fl_db *db, long long sku_id, long long *coop_id);

#endif
