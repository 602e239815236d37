/* shop/api/sales.h - a cooperative's sales (sales.c; handlers of the route
 * table, contract in core/http.h). */
#ifndef FARMLIVE_SHOP_API_SALES_H
#define FARMLIVE_SHOP_API_SALES_H

#include "farmlive/shop/core/http.h"

/* GET /api/v1/coops/{id}/sales[?from=&to=] */
int shop_sales_get(shop_req *r);

#endif
