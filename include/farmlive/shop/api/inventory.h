/* shop/api/inventory.h - the stock routes (inventory.c). */
#ifndef FARMLIVE_SHOP_API_INVENTORY_H
#define FARMLIVE_SHOP_API_INVENTORY_H

#include "farmlive/shop/core/http.h"

int shop_inventory_restock(shop_req *r);
int shop_inventory_adjust(shop_req *r);
int shop_inventory_get(shop_req *r);
int shop_inventory_coop(shop_req *r);

#endif
