/* shop/api/addresses.h - the signed-in buyer's address book (addresses.c;
 * the rules are domain/addresses.h's). */
#ifndef FARMLIVE_SHOP_API_ADDRESSES_H
#define FARMLIVE_SHOP_API_ADDRESSES_H

#include "farmlive/shop/core/http.h"

int shop_addresses_list(shop_req *r);   /* GET    /api/v1/me/addresses */
int shop_addresses_create(shop_req *r); /* POST   /api/v1/me/addresses */
int shop_addresses_update(shop_req *r); /* PATCH  /api/v1/me/addresses/{id} */
int shop_addresses_delete(shop_req *r); /* DELETE /api/v1/me/addresses/{id} */

#endif
