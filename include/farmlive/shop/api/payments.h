/* shop/api/payments.h - the payment provider's webhook (payments.c). */
#ifndef FARMLIVE_SHOP_API_PAYMENTS_H
#define FARMLIVE_SHOP_API_PAYMENTS_H

#include "farmlive/shop/core/http.h"

int shop_payments_notify(shop_req *r);

#endif
