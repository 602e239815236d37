/* shop/domain/room_events.h - what a live room hears from other areas
 * (room_events.c).
 *
 * "Just bought" (the room's social proof: "张** 刚刚下单"): once an order
 * attributed to a session has committed, checkout calls shop_room_bought,
 * which raises on the room's topic (rt/feed.h, live:{public_id}):
 *
 *   bought  {"seq":..,"live_id":"9f1c2a7be0d34c55","buyer":"张**",
 *            "product":"绿壳鸡蛋 30枚","qty":2,"at":"2026-12-06T15:30:00Z"}
 *
 * The buyer's name is masked (chat_text.h), never their account. */
#ifndef FARMLIVE_SHOP_DOMAIN_ROOM_EVENTS_H
#define FARMLIVE_SHOP_DOMAIN_ROOM_EVENTS_H

#include "farmlive/shop/core/ctx.h"

#define SHOP_ROOM_EVENT_BOUGHT "bought"

/* Raises the "bought" notice of live_id (live_sessions.id) for the buyer
 * (an account id), the product's name as the room shows it and the
 * quantity. Takes its own MariaDB connection for the buyer's name and the
 * session's public id (call it after the order's transaction, with the
 * order's connection released or one to spare). Never fails its caller: an
 * unknown session, a database or feed fault only logs. */
void shop_room_bought(const shop_ctx *ctx, long long live_id, long long buyer_account_id, const char *product_name,
                      long long qty);

#endif
