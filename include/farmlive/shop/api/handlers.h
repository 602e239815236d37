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


/* live sessions: api/live.h */

#endif
