/* shop/api/flash.h - the flash sale routes (flash.c). */
#ifndef FARMLIVE_SHOP_API_FLASH_H
#define FARMLIVE_SHOP_API_FLASH_H

#include "farmlive/shop/core/http.h"
#include "farmlive/shop/domain/flash.h"

int shop_flash_sales_create(shop_req *r);
int shop_flash_sales_get(shop_req *r);
int shop_flash_sales_buy(shop_req *r);
int shop_flash_sales_end(shop_req *r);

/* A sale's answer (GET, POST, a live room's sales): its fields, left units
 * remaining, its state, and the live session it belongs to (public id or
 * null). */
json_t *shop_flash_sale_json(const shop_flash_sale *s, long long left);

#endif
