/* shop/api/live.h - the live sessions' routes (api/live.c):
 *
 *   POST /api/v1/live                 create (a farmer or coop_admin)      201
 *   GET  /api/v1/live                 list (public; status, coop, cursor)  200
 *   GET  /api/v1/live/{id}            one (public; never the key)          200
 *   GET  /api/v1/live/{id}/events     status changes: long-poll, or SSE    200
 *                                     with Accept: text/event-stream
 *   POST /api/v1/live/{id}/key        a new stream key (its farmer, coop   200
 *                                     admins), shown once with its QR code
 *   POST /api/v1/live/{id}/cover      the cover picture (image body)       200
 *   GET  /api/v1/live/{id}/health     the relay's view of the stream       200
 *   POST /internal/v1/live/publish    relay: may this key publish?         200 {"live_id"} | 403
 *   POST /internal/v1/live/unpublish  relay: the publisher went away       200
 *   POST /internal/v1/live/ended      relay: the grace period ran out      200 */
#ifndef FARMLIVE_SHOP_API_LIVE_H
#define FARMLIVE_SHOP_API_LIVE_H

#include "farmlive/shop/core/http.h"

int shop_live_list(shop_req *r);
int shop_live_create(shop_req *r);
int shop_live_get(shop_req *r);
int shop_live_events(shop_req *r);
int shop_live_key_rotate(shop_req *r);
int shop_live_cover_upload(shop_req *r);
int shop_live_health_get(shop_req *r);
int shop_live_internal_publish(shop_req *r);
int shop_live_internal_unpublish(shop_req *r);
int shop_live_internal_ended(shop_req *r);

#endif
