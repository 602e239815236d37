/* shop/api/handlers.h - the handlers named by the route table.
 *
 * Each is defined in the file that owns its resource (noted per group); all
 * follow the contract in shop/core/http.h. Kept in one header so routes.c, which
 * is the whole API on one screen, needs a single include. */
#ifndef FARMLIVE_SHOP_API_HANDLERS_H
#define FARMLIVE_SHOP_API_HANDLERS_H

#include "farmlive/shop/core/http.h"

/* web.c */
int shop_web_page(shop_req *r);
int shop_web_asset(shop_req *r);

/* -- traceability: lots.c, certificates.c, trace.c, labels.c -- */
/* lots.c */
int shop_lots_create(shop_req *r);
int shop_lots_list(shop_req *r);
int shop_lots_get(shop_req *r);
/* certificates.c */
int shop_certificates_create(shop_req *r);
int shop_certificates_list(shop_req *r);
int shop_certificates_get(shop_req *r);
int shop_certificates_attach(shop_req *r);
int shop_certificates_revoke(shop_req *r);
/* trace.c */
int shop_trace_events_create(shop_req *r);
int shop_trace_keys_get(shop_req *r);
int shop_trace_get(shop_req *r);
int shop_trace_verify(shop_req *r);
/* trace_page.c */
int shop_trace_page(shop_req *r);
int shop_trace_digital_link(shop_req *r);
/* labels.c */
int shop_labels_qr_svg(shop_req *r);
int shop_labels_qr_png(shop_req *r);
int shop_labels_sheet(shop_req *r);
/* epcis.c */
int shop_epcis_get(shop_req *r);

/* -- buying: api/carts.h, orders.h, inventory.h, payments.h, flash.h -- */

/* live sessions: api/live.h */

#endif
