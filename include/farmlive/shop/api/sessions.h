/* shop/api/sessions.h - logging in and out (api/sessions.c). */
#ifndef FARMLIVE_SHOP_API_SESSIONS_H
#define FARMLIVE_SHOP_API_SESSIONS_H

#include "farmlive/shop/core/http.h"

int shop_sessions_create(shop_req *r);
int shop_sessions_delete(shop_req *r);

#endif
