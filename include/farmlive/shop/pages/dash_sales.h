/* shop/pages/dash_sales.h - the cooperative dashboard's sales page
 * (dash_sales.c; a handler of the route table, contract in core/http.h). */
#ifndef FARMLIVE_SHOP_PAGES_DASH_SALES_H
#define FARMLIVE_SHOP_PAGES_DASH_SALES_H

#include "farmlive/shop/core/http.h"

/* GET /dash/{id}/sales[?from=&to=] */
int shop_dash_sales_page(shop_req *r);

#endif
