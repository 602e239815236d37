/* shop/pages/web.h - the storefront page and the pages' static assets
 * (web.c): GET / and GET /assets/{file}. */
#ifndef FARMLIVE_SHOP_PAGES_WEB_H
#define FARMLIVE_SHOP_PAGES_WEB_H

#include "farmlive/shop/core/http.h"

int shop_web_page(shop_req *r);
int shop_web_asset(shop_req *r);
int shop_web_media(shop_req *r);

#endif
