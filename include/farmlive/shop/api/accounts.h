/* shop/api/accounts.h - sign-up and /me (api/accounts.c). */
#ifndef FARMLIVE_SHOP_API_ACCOUNTS_H
#define FARMLIVE_SHOP_API_ACCOUNTS_H

#include "farmlive/shop/core/http.h"

int shop_accounts_create(shop_req *r);
int shop_accounts_me(shop_req *r);

#endif
