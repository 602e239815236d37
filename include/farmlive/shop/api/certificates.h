/* shop/api/certificates.h - the certificates' routes (handlers of the route
 * table; contract in core/http.h). */
#ifndef FARMLIVE_SHOP_API_CERTIFICATES_H
#define FARMLIVE_SHOP_API_CERTIFICATES_H

#include "farmlive/shop/core/http.h"

/* POST /api/v1/coops/{id}/certificates */
int shop_certificates_create(shop_req *r);
/* GET /api/v1/coops/{id}/certificates */
int shop_certificates_list(shop_req *r);
/* GET /api/v1/certificates/{cert_id} */
int shop_certificates_get(shop_req *r);
/* POST /api/v1/certificates/{cert_id}/attachments */
int shop_certificates_attach(shop_req *r);
/* POST /api/v1/certificates/{cert_id}/revoke */
int shop_certificates_revoke(shop_req *r);
int shop_certificates_verify(shop_req *r);

#endif
