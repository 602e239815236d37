/* shop/api/health.h - GET /healthz (api/health.c). */
#ifndef FARMLIVE_SHOP_API_HEALTH_H
#define FARMLIVE_SHOP_API_HEALTH_H

#include "farmlive/shop/core/http.h"

int shop_health_get(shop_req *r);

#endif
