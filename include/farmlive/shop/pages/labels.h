/* shop/pages/labels.h - a lot's QR codes and printable label sheet
 * (handlers of the route table; contract in core/http.h). */
#ifndef FARMLIVE_SHOP_PAGES_LABELS_H
#define FARMLIVE_SHOP_PAGES_LABELS_H

#include "farmlive/shop/core/http.h"

/* GET /api/v1/lots/{lot_code}/qr.svg[?size=] */
int shop_labels_qr_svg(shop_req *r);
/* GET /api/v1/lots/{lot_code}/qr.png[?scale=] */
int shop_labels_qr_png(shop_req *r);
/* GET /api/v1/lots/{lot_code}/labels[?n=][&lang=en] */
int shop_labels_sheet(shop_req *r);

#endif
