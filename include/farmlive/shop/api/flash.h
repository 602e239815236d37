/* shop/api/flash.h - the flash sale routes (flash.c). */
#ifndef FARMLIVE_SHOP_API_FLASH_H
#define FARMLIVE_SHOP_API_FLASH_H

#include "farmlive/shop/core/http.h"

int shop_flash_sales_create(shop_req *r);
int shop_flash_sales_get(shop_req *r);
int shop_flash_sales_buy(shop_req *r);
int shop_flash_sales_end(shop_req *r);

#endif
