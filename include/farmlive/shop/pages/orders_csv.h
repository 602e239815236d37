/* shop/pages/orders_csv.h - a day's orders as CSV for the courier
 * (orders_csv.c; a handler of the route table, contract in core/http.h). */
#ifndef FARMLIVE_SHOP_PAGES_ORDERS_CSV_H
#define FARMLIVE_SHOP_PAGES_ORDERS_CSV_H

#include "farmlive/shop/core/http.h"

/* GET /api/v1/coops/{id}/orders.csv?date=YYYY-MM-DD[&status=] */
int shop_orders_csv(shop_req *r);

#endif
