/* shop/pages/live_page.h - a live session's room (live_page.c). */
#ifndef FARMLIVE_SHOP_PAGES_LIVE_PAGE_H
#define FARMLIVE_SHOP_PAGES_LIVE_PAGE_H

#include "farmlive/shop/core/http.h"

/* GET /live/{id} */
int shop_live_room_page(shop_req *r);

#endif
