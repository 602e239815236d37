/* room_events.c - a stand-in until the room's social events land: the
 * "just bought" notice is not raised yet (see room_events.h). */
#include "farmlive/shop/domain/room_events.h"

void shop_room_bought(const shop_ctx *ctx, long long live_id, long long buyer_account_id, const char *product_name,
                      long long qty)
{
    (void)ctx, (void)live_id, (void)buyer_account_id, (void)product_name, (void)qty;
}
