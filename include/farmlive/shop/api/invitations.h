/* shop/api/invitations.h - the invited account's side of joining a
 * cooperative (api/invitations.c); the admin's side is
 * POST /api/v1/coops/{id}/members (api/coops.c). */
#ifndef FARMLIVE_SHOP_API_INVITATIONS_H
#define FARMLIVE_SHOP_API_INVITATIONS_H

#include "farmlive/shop/core/http.h"

int shop_invitations_list(shop_req *r);
int shop_invitations_accept(shop_req *r);
int shop_invitations_decline(shop_req *r);

#endif
