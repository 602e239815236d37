/* shop/api/coops.h - the routes of cooperatives, members and bases
 * (api/coops.c). */
#ifndef FARMLIVE_SHOP_API_COOPS_H
#define FARMLIVE_SHOP_API_COOPS_H

#include "farmlive/shop/core/http.h"

int shop_coops_list(shop_req *r);
int shop_coops_create(shop_req *r);
int shop_coops_get(shop_req *r);
int shop_coops_update(shop_req *r);
int shop_coops_members_list(shop_req *r);
int shop_coops_members_add(shop_req *r);
int shop_coops_members_update(shop_req *r);
int shop_coops_members_remove(shop_req *r);
int shop_coops_bases_list(shop_req *r);
int shop_coops_bases_create(shop_req *r);
int shop_coops_bases_update(shop_req *r);
/* POST /api/v1/coops/{id}/bases/{base_id}/photos: the body is the image file. */
int shop_coops_bases_photos_upload(shop_req *r);

#endif
