/* shop/api/orders.h - the order routes: checkout, reading, lists and
 * transitions (orders.c). */
#ifndef FARMLIVE_SHOP_API_ORDERS_H
#define FARMLIVE_SHOP_API_ORDERS_H

#include "farmlive/shop/core/http.h"

int shop_orders_create(shop_req *r);
int shop_orders_list(shop_req *r);
int shop_orders_coop_list(shop_req *r);
int shop_orders_coop_ship(shop_req *r);
int shop_orders_get(shop_req *r);
int shop_orders_cancel(shop_req *r);
int shop_orders_ship(shop_req *r);
int shop_orders_deliver(shop_req *r);
int shop_orders_complete(shop_req *r);
int shop_orders_refund(shop_req *r);
int shop_orders_return_received(shop_req *r);

#endif
