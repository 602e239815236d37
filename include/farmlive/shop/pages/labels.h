/* shop/pages/labels.h - a lot's QR codes and printable label sheet
 * (handlers of the route table; contract in core/http.h). */
#ifndef FARMLIVE_SHOP_PAGES_LABELS_H
#define FARMLIVE_SHOP_PAGES_LABELS_H

#include "farmlive/shop/core/http.h"
#include "farmlive/shop/pages/html.h"

/* GET /api/v1/lots/{lot_code}/qr.svg[?size=] */
int shop_labels_qr_svg(shop_req *r);
/* GET /api/v1/lots/{lot_code}/qr.png[?scale=] */
int shop_labels_qr_png(shop_req *r);
/* GET /api/v1/lots/{lot_code}/labels[?n=][&lang=en] */
int shop_labels_sheet(shop_req *r);

/* text as a QR code (error correction M, quiet zone of 4 modules), an SVG
 * element sized size_css ("220px"), appended to h; -1 when libqrencode
 * cannot encode it (too long). The farmer studio's push URL uses it. */
int shop_qr_svg_text(shop_html *h, const char *text, const char *size_css);

#endif
