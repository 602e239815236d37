/* shop/domain/room_events.h - the live room's social events fed by other
 * parts of the shop (room_events.c). */
#ifndef FARMLIVE_SHOP_DOMAIN_ROOM_EVENTS_H
#define FARMLIVE_SHOP_DOMAIN_ROOM_EVENTS_H

#include "farmlive/shop/core/ctx.h"

/* An order attributed to live session live_id (live_sessions.id) has
 * committed: buyer_account_id bought qty of product_name. Raises the
 * room's "just bought" notice. Never fails the caller. */
void shop_room_bought(const shop_ctx *ctx, long long live_id, long long buyer_account_id, const char *product_name,
                      long long qty);

#endif
