/* shop/pages/dash_inventory.h - the cooperative dashboard's inventory page
 * (dash_inventory.c; a handler of the route table, contract in core/http.h). */
#ifndef FARMLIVE_SHOP_PAGES_DASH_INVENTORY_H
#define FARMLIVE_SHOP_PAGES_DASH_INVENTORY_H

#include "farmlive/shop/core/http.h"

/* GET /dash/{id}/inventory[?cursor=] */
int shop_dash_inventory_page(shop_req *r);

#endif
