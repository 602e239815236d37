/* shop/api/lots.h - the lots' routes (handlers of the route table; contract
 * in core/http.h). */
#ifndef FARMLIVE_SHOP_API_LOTS_H
#define FARMLIVE_SHOP_API_LOTS_H

#include "farmlive/shop/core/http.h"

/* POST /api/v1/coops/{id}/lots */
int shop_lots_create(shop_req *r);
/* GET /api/v1/coops/{id}/lots */
int shop_lots_list(shop_req *r);
/* GET /api/v1/lots/{lot_code} */
int shop_lots_get(shop_req *r);

#endif
