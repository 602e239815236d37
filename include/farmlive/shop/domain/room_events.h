/* shop/domain/room_events.h - what a live room hears from other areas
 * (room_events.c).
 *
 * "Just bought" (the room's social proof: "张** 刚刚下单"): once an order
 * attributed to a session has committed, its notice is raised on the
 * room's topic (rt/feed.h, live:{public_id}), later (below):
 *
 *   bought  {"seq":..,"live_id":"9f1c2a7be0d34c55","buyer":"张**",
 *            "product":"绿壳鸡蛋 30枚","qty":2,"others":0,
 *            "at":"2026-12-06T15:30:00Z"}
 *
 * The buyer's name is masked (chat_text.h), never their account. A room
 * hears at most one notice per SHOP_ROOM_BOUGHT_GAP_MS, whatever the order
 * rate (a flash sale sells hundreds of units in a second to thousands of
 * watchers: one message per order would be that many messages to each of
 * them): an order inside the gap raises nothing and is counted, and the
 * next notice says how many were held back ("others": 张** and 5 others
 * just ordered). The gate is one Redis hash per room on Redis's clock, so
 * every shop process shares it; it is checked before anything else.
 *
 * Raised later: a buyer's answer never waits for the gate or the notice.
 * Checkout and the flash sale's winners call shop_room_bought_later, which
 * only queues (a mutex and a copy: callable on any thread, the order
 * writer's and the Redis batch's included); the room ticker (live_flash.h,
 * a thread per shop process, every SHOP_ROOM_TICK_MS) calls
 * shop_room_bought_flush, which takes each room's queued orders through
 * the gate at once, the latest order named. */
#ifndef FARMLIVE_SHOP_DOMAIN_ROOM_EVENTS_H
#define FARMLIVE_SHOP_DOMAIN_ROOM_EVENTS_H

#include "farmlive/shop/core/ctx.h"

#define SHOP_ROOM_EVENT_BOUGHT "bought"
#define SHOP_ROOM_BOUGHT_GAP_MS 500 /* at most one notice per room per gap */

/* Raises the "bought" notice of live_id (live_sessions.id) for the buyer
 * (an account id), the product's name as the room shows it and the
 * quantity, unless the room's gate holds it back (above). Takes its own
 * MariaDB connection for the buyer's name and the session's public id
 * (call it after the order's transaction, with the order's connection
 * released or one to spare). 1 when the notice was raised, 0 when not
 * (held back, or a fault: an unknown session, a database or feed fault
 * only logs); callers may ignore it. */
int shop_room_bought(const shop_ctx *ctx, long long live_id, long long buyer_account_id, const char *product_name,
                     long long qty);

/* The queue of notices waiting for the ticker (ctx->notices). */
typedef struct shop_room_notices shop_room_notices;
shop_room_notices *shop_room_notices_new(void);
void shop_room_notices_free(shop_room_notices *q);

/* Queues the notice (arguments as shop_room_bought's; product_name is
 * copied). Never blocks on I/O. Without ctx->notices it is
 * shop_room_bought, at once. Orders of a room queued before the next flush
 * are one entry (counted); when LATER_ROOMS rooms are waiting, another
 * room's order is not announced (counted, logged at the flush). */
void shop_room_bought_later(const shop_ctx *ctx, long long live_id, long long buyer_account_id,
                            const char *product_name, long long qty);

/* Raises what is queued: for each room, one pass through the gate for all
 * its orders, then the notice if the gate lets it go (shop_room_bought's
 * lookups). One thread at a time (the room ticker). Returns the notices
 * raised. */
int shop_room_bought_flush(const shop_ctx *ctx);

#endif
