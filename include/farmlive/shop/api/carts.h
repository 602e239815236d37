/* shop/api/carts.h - the cart routes, and the merge of a guest's cart at
 * login (carts.c). */
#ifndef FARMLIVE_SHOP_API_CARTS_H
#define FARMLIVE_SHOP_API_CARTS_H

#include "farmlive/shop/core/http.h"
#include "farmlive/shop/domain/carts.h" /* SHOP_CART_COOKIE */

int shop_carts_get(shop_req *r);
int shop_carts_put_item(shop_req *r);
int shop_carts_clear(shop_req *r);

/* Called by sessions.c after a successful login: merges the guest cart
 * named by the request's fl_cart cookie or X-Cart-Token into account_id's
 * cart and deletes the guest cart and its cookie. Never fails the login;
 * problems are logged. */
void shop_carts_merge_guest(shop_req *r, long long account_id);

#endif
