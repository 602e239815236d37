/* shop/api/live_room.h - what a live session sells, over HTTP
 * (api/live_room.c; the rules are domain/live_room.c, live_flash.c,
 * live_report.c and live_replay.c):
 *
 *   GET    /api/v1/live/{id}/shelf             the shelf (public)                          200
 *   PUT    /api/v1/live/{id}/shelf/{sku_id}    put a SKU on it / set its live price        200
 *   DELETE /api/v1/live/{id}/shelf/{sku_id}    take it off (its pin ends)                  200
 *   POST   /api/v1/live/{id}/pin               pin (or switch to) a shelf SKU {sku_id}     200
 *   DELETE /api/v1/live/{id}/pin               unpin                                       200
 *   GET    /api/v1/live/{id}/moments           the product moments (public, pages)         200
 *   POST   /api/v1/live/{id}/flash-sales       a flash sale with a countdown               201
 *   GET    /api/v1/live/{id}/flash-sales       the room's flash sales (public, pages)      200
 *   POST   /api/v1/live/{id}/end               the farmer ends the session                 200
 *   GET    /api/v1/live/{id}/replay            the replay, its moments, its shelf (public) 200
 *   GET    /api/v1/live/{id}/report            the session report (its cooperative)        200
 *   GET    /api/v1/coops/{id}/live             a cooperative's sessions with totals        200
 *
 * Writes and the report: a farmer or admin of the session's cooperative
 * (or a platform admin); anyone else 403. */
#ifndef FARMLIVE_SHOP_API_LIVE_ROOM_H
#define FARMLIVE_SHOP_API_LIVE_ROOM_H

#include "farmlive/shop/core/http.h"

int shop_live_shelf_get(shop_req *r);
int shop_live_shelf_put(shop_req *r);
int shop_live_shelf_delete(shop_req *r);
int shop_live_pin(shop_req *r);
int shop_live_unpin(shop_req *r);
int shop_live_moments(shop_req *r);
int shop_live_flash_create(shop_req *r);
int shop_live_flash_list(shop_req *r);
int shop_live_end(shop_req *r);
int shop_live_replay(shop_req *r);
int shop_live_report(shop_req *r);
int shop_live_coop_list(shop_req *r);

#endif
