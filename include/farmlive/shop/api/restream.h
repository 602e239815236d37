/* shop/api/restream.h - a cooperative's restream targets over HTTP
 * (api/restream.c; rules in domain/restream_targets.c), a coop admin's:
 *
 *   GET    /api/v1/coops/{id}/restream-targets              list (keys masked)     200
 *   POST   /api/v1/coops/{id}/restream-targets              {"name","url","enabled"} 201 | 422
 *   PATCH  /api/v1/coops/{id}/restream-targets/{target_id}  {"name","enabled"}    200
 *   DELETE /api/v1/coops/{id}/restream-targets/{target_id}                        204 */
#ifndef FARMLIVE_SHOP_API_RESTREAM_H
#define FARMLIVE_SHOP_API_RESTREAM_H

#include "farmlive/shop/core/http.h"

int shop_restream_list(shop_req *r);
int shop_restream_add(shop_req *r);
int shop_restream_update(shop_req *r);
int shop_restream_remove(shop_req *r);

#endif
