/* shop/domain/flash.h - flash sales (flash.c).
 *
 * A sale's stock counter lives in Redis (flash:{ID}:stock, and per-buyer
 * units in the hash flash:{ID}:buyers), taken by one Lua script that checks
 * and decrements together. MariaDB stays the truth: the sale's units are
 * rows of flash_slots (reserved from the lots when the sale is created), an
 * order claims slots with `order_id IS NULL` guards and flash_buyers with
 * `units + n <= per_buyer_limit`, in the order's transaction, so even a wrong
 * Redis counter cannot sell a unit twice. Counters are rebuilt from MariaDB
 * when missing (Redis lost or restarted) and corrected when they disagree
 * with MariaDB and no sale happened since the previous pass. */
#ifndef FARMLIVE_SHOP_DOMAIN_FLASH_H
#define FARMLIVE_SHOP_DOMAIN_FLASH_H

#include "farmlive/shop/core/http.h"

/* Rebuilds/corrects every current sale's counters. Returns the number of
 * sales looked at, or -1 when MariaDB or Redis could not be reached. */
int shop_flash_rebuild(shop_ctx *ctx);

/* An order of sale_id was cancelled or refunded, in the caller's
 * transaction: the buyer's units drop; while the sale has not been released
 * its slots become free again (*to_lots = 0), else the caller returns the
 * units to their lots through the ledger (*to_lots = 1). */
int shop_flash_release_tx(fl_db *db, long long order_id, long long sale_id, long long buyer, long long units,
                          int *to_lots);
/* Returns the unsold units of ended sales to their lots (a periodic job). */
int shop_flash_release_ended(shop_ctx *ctx);
/* ...and, after the commit, to the Redis counter (best effort). */
void shop_flash_release_kv(fl_kv *kv, long long sale_id, long long buyer, long long units);

#endif
