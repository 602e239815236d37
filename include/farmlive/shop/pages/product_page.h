/* shop/pages/product_page.h - a product's page (product_page.c). */
#ifndef FARMLIVE_SHOP_PAGES_PRODUCT_PAGE_H
#define FARMLIVE_SHOP_PAGES_PRODUCT_PAGE_H

#include "farmlive/shop/core/http.h"

/* GET /p/{id} */
int shop_product_page(shop_req *r);

#endif
