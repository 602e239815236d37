/* shop/api/products.h - the catalogue's routes (api/products.c). */
#ifndef FARMLIVE_SHOP_API_PRODUCTS_H
#define FARMLIVE_SHOP_API_PRODUCTS_H

#include "farmlive/shop/core/http.h"

int shop_products_list(shop_req *r);
int shop_products_create(shop_req *r);
int shop_products_get(shop_req *r);
int shop_products_update(shop_req *r);
int shop_products_delist(shop_req *r);
int shop_products_images_upload(shop_req *r);
int shop_products_sku_create(shop_req *r);
int shop_products_sku_update(shop_req *r);

#endif
