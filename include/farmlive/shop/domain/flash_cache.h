/* shop/domain/flash_cache.h - the sales buyers read, kept in memory (flash_cache.c).
 *
 * A sale does not change through the API after creation (only `released`,
 * which buying does not read), so buyers read it from a small per-process
 * cache: one MariaDB round trip less per attempt. An entry lives one
 * second (a bound on staleness should the row be edited by hand); when full
 * the cache is emptied. Thread-safe. */
#ifndef FARMLIVE_SHOP_DOMAIN_FLASH_CACHE_H
#define FARMLIVE_SHOP_DOMAIN_FLASH_CACHE_H

#include "farmlive/arena.h"
#include "farmlive/shop/domain/flash.h"

/* 1 with *out a copy of sale id (its strings from a) when a fresh one is
 * cached, else 0. */
int shop_flash_cache_get(long long id, fl_arena *a, shop_flash_sale *out);
/* Caches s (as read with its lots, shop_flash_read), replacing an older copy. */
void shop_flash_cache_put(const shop_flash_sale *s);

#endif
