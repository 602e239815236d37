/* shop/pages/home_page.h - the shop's front page and a cooperative's page
 * (home_page.c, coop_page.c). */
#ifndef FARMLIVE_SHOP_PAGES_HOME_PAGE_H
#define FARMLIVE_SHOP_PAGES_HOME_PAGE_H

#include "farmlive/shop/core/http.h"

int shop_home_page(shop_req *r); /* GET / */
int shop_coop_page(shop_req *r); /* GET /c/{id} */

#endif
