/* shop/pages/trace_page.h - the public trace page and the GS1 Digital Link
 * resolver (handlers of the route table; contract in core/http.h). */
#ifndef FARMLIVE_SHOP_PAGES_TRACE_PAGE_H
#define FARMLIVE_SHOP_PAGES_TRACE_PAGE_H

#include "farmlive/shop/core/http.h"

/* GET /t/{lot_code}[?lang=en] */
int shop_trace_page(shop_req *r);
/* GET /01/{gtin}/10/{lot_code} */
int shop_trace_digital_link(shop_req *r);

#endif
