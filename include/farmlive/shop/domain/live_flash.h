/* shop/domain/live_flash.h - a live room's flash sales (live_flash.c).
 *
 * The farmer starts one from the room on a shelf SKU: price, units, a
 * per-buyer limit, a countdown (10..300 s) and how long it lasts (1..20
 * min). It is an ordinary flash sale (flash.h: shop_flash_create; the same
 * guarantees: no unit sold twice, idempotent, kill -9 safe) that belongs to
 * the session (flash_sales.live_id): its orders carry the session, and it
 * ends when the session ends. One at a time in a room.
 *
 * Viewers follow it on the room's topic live:{public_id}:
 *
 *   flash_countdown  {"id","sale":{the sale's answer},"countdown_s"}   at the start
 *   flash_open       {"id","sale_id","remaining","ends_at"}            when it opens
 *   flash_stock      {"id","sale_id","remaining"}   units left, SHOP_RT_COALESCE,
 *                                                   at most one per SHOP_ROOM_STOCK_GAP_MS
 *   flash_sold_out   {"id","sale_id"}
 *   flash_ended      {"id","sale_id","sold"}
 *
 * Every event but the countdown comes from the room ticker: a thread of
 * each shop process that, every SHOP_ROOM_TICK_MS, looks at the running
 * room sales (MariaDB, once a second) and their Redis counters. What was
 * announced is kept beside the counter in Redis (flash:{ID}:room: state,
 * last stock announced, when the next may be), changed by one script, so
 * that with several shop processes each event is raised once and the stock
 * at most once per gap. Units taken (not only orders written) count: the
 * counter is what buyers compete for. */
#ifndef FARMLIVE_SHOP_DOMAIN_LIVE_FLASH_H
#define FARMLIVE_SHOP_DOMAIN_LIVE_FLASH_H

#include <jansson.h>
#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/domain/flash.h"

#define SHOP_ROOM_COUNTDOWN_MIN 10
#define SHOP_ROOM_COUNTDOWN_MAX 300
#define SHOP_ROOM_FLASH_MIN_S 60
#define SHOP_ROOM_FLASH_MAX_S 1200
#define SHOP_ROOM_TICK_MS 100
#define SHOP_ROOM_STOCK_GAP_MS 250

#define SHOP_ROOM_EV_COUNTDOWN "flash_countdown"
#define SHOP_ROOM_EV_OPEN "flash_open"
#define SHOP_ROOM_EV_STOCK "flash_stock"
#define SHOP_ROOM_EV_SOLD_OUT "flash_sold_out"
#define SHOP_ROOM_EV_FLASH_ENDED "flash_ended"

typedef struct shop_room_flash_new {
    long long sku_id, price_fen, quantity, per_buyer_limit;
    long long countdown_s, duration_s;
} shop_room_flash_new;

/* Starts a flash sale in session public_id (who: a member of its
 * cooperative) and announces its countdown; *out the sale as read back
 * (strings from a). 404, 401/403, 409 live_not_started (never live yet),
 * 409 live_ended, 422 not_on_shelf, 409 flash_running (one of the room's
 * sales has not ended), 422 naming a bad value, 422 not_enough_stock. */
int shop_room_flash_start(const shop_ctx *ctx, fl_db *db, fl_kv *kv, fl_arena *a, const shop_actor *who,
                          const char *public_id, const shop_room_flash_new *in, shop_flash_sale *out, shop_fault *f);

/* A page of the session's sales, newest first: {"items":[sale...],
 * "next_cursor"}; each sale with its units sold and left (MariaDB). 404. */
int shop_room_flash_page(fl_db *db, fl_arena *a, const char *public_id, long long before, long long limit,
                         json_t *(*sale_json)(const shop_flash_sale *s, long long left), json_t **out, shop_fault *f);

/* ---- the ticker ------------------------------------------------------------- */

/* One pass over the running room sales (list: refreshed from MariaDB when
 * older than a second; held by the ticker). The events raised, or -1 when
 * Redis or MariaDB could not be reached. */
typedef struct shop_room_watch shop_room_watch;
int shop_room_flash_tick(const shop_ctx *ctx, shop_room_watch *w);

typedef struct shop_room_ticker shop_room_ticker;
/* Starts the ticker's thread (ctx and its feed must outlive it); NULL when
 * it cannot (logged). */
shop_room_ticker *shop_room_ticker_start(const shop_ctx *ctx);
/* Stops it; before the feed stops. NULL does nothing. */
void shop_room_ticker_stop(shop_room_ticker *t);

#endif
