/* shop/domain/lots.h - lots (batches of one SKU): created with their first
 * ledger row and an empty signed chain head, read by code, listed per
 * cooperative.
 *
 * Creating a lot writes, in one transaction: the lots row with remaining =
 * quantity, the inventory_ledger row (reason 'produced', delta = quantity)
 * and the lot's signed, empty chain head. Stock is never written otherwise
 * here: later changes are ledger rows of the buying side. Who may: a member
 * of the lot's cooperative creates and lists; reading one lot is public. */
#ifndef FARMLIVE_SHOP_DOMAIN_LOTS_H
#define FARMLIVE_SHOP_DOMAIN_LOTS_H

#include <jansson.h>

#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/sign.h"

#define SHOP_LOT_QTY_MAX 1000000000LL

/* A lot to create. unit NULL: the SKU's; base_id, farmer_account_id 0:
 * none; dates YYYY-MM-DD or NULL; note (NULL: none) goes on the ledger row.
 * Borrowed. */
typedef struct shop_lot_new {
    const char *code, *unit, *harvest_date, *pack_date, *note;
    long long sku_id, quantity, base_id, farmer_account_id;
} shop_lot_new;

/* Creates a lot of cooperative coop_id as who (in->code in its canonical
 * case: the caller upper-cases what it was given): SHOP_OK with *lot_id.
 * Refuses 404 (no such cooperative), 401/403 (who is not its member), 422
 * (a malformed code, a quantity outside 1..SHOP_LOT_QTY_MAX, an impossible
 * or future date, packed before harvest, a SKU, base or farmer that is not
 * the cooperative's), 409 (the code is taken). */
int shop_lot_create(fl_db *db, const fl_signkey *key, const shop_actor *who, long long coop_id, const shop_lot_new *in,
                    long long *lot_id, shop_fault *f);

/* The rules of a new lot's own values, as shop_lot_create applies them: a
 * code in its canonical case (lot_code.h), a SKU, a quantity in
 * 1..SHOP_LOT_QTY_MAX, real dates YYYY-MM-DD not in the future, packed on
 * or after harvest. SHOP_OK, or 422 whose message starts with the field's
 * name. For callers of shop_lot_insert (a restock). */
int shop_lot_new_check(const shop_lot_new *in, shop_fault *f);

/* The writes of a lot alone, inside the caller's transaction and with no
 * check but the SKU's existence (for callers that checked already, with
 * shop_lot_new_check and their own rights, such as a restock): the lots
 * row, its 'produced' ledger row by actor_account_id (0: none) and its
 * signed empty chain head. SHOP_OK with *lot_id; 409 when the code is
 * taken, 422 when the SKU does not exist. After the commit the caller calls
 * shop_trace_cache_invalidate(). */
int shop_lot_insert(fl_db *db, const fl_signkey *key, long long coop_id, const shop_lot_new *in,
                    long long actor_account_id, long long *lot_id, shop_fault *f);

/* The lot with that code as its public JSON (with links and the QR URL
 * under public_base; strings in a) in *out (new). 404 when none. */
int shop_lot_get(fl_db *db, const char *public_base, const char *code, fl_arena *a, json_t **out, shop_fault *f);

/* A page of coop_id's lots, newest first, as who (a member): {items,
 * next_cursor} in *page (new). sku_id 0: every SKU; cursor 0: the first
 * page; limit 1..100. 404, 401/403 as shop_lot_create. */
int shop_lot_list(fl_db *db, const shop_actor *who, long long coop_id, long long sku_id, long long cursor,
                  long long limit, const char *public_base, fl_arena *a, json_t **page, shop_fault *f);

#endif
