/* shop/pages/dash_orders.h - the cooperative dashboard's orders page
 * (dash_orders.c; a handler of the route table, contract in core/http.h). */
#ifndef FARMLIVE_SHOP_PAGES_DASH_ORDERS_H
#define FARMLIVE_SHOP_PAGES_DASH_ORDERS_H

#include "farmlive/shop/core/http.h"

/* GET /dash/{id}/orders[?date=&status=&live_id=&cursor=] */
int shop_dash_orders_page(shop_req *r);

#endif
