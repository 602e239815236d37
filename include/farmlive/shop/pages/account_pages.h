/* shop/pages/account_pages.h - sign in, register, the account and its
 * address book, sign out (account_pages.c). */
#ifndef FARMLIVE_SHOP_PAGES_ACCOUNT_PAGES_H
#define FARMLIVE_SHOP_PAGES_ACCOUNT_PAGES_H

#include "farmlive/shop/core/http.h"

int shop_signin_page(shop_req *r);   /* GET /signin?next= */
int shop_register_page(shop_req *r); /* GET /register?next= */
int shop_account_page(shop_req *r);  /* GET /account */

#endif
