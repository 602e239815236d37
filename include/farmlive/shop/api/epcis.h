/* shop/api/epcis.h - a lot's trace as GS1 EPCIS 2.0 (handler of the route
 * table; contract in core/http.h). */
#ifndef FARMLIVE_SHOP_API_EPCIS_H
#define FARMLIVE_SHOP_API_EPCIS_H

#include "farmlive/shop/core/http.h"

/* GET /api/v1/trace/{lot_code}/epcis */
int shop_epcis_get(shop_req *r);

#endif
