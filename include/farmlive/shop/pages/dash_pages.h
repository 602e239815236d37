/* shop/pages/dash_pages.h - the cooperative dashboard's pages, laptop
 * first and usable on a phone (the shell: dash.h).
 *
 *   GET /dash                          dash_pages.c: the caller's cooperatives
 *   GET /dash/{coop_id}                dash_pages.c: today's orders, live
 *                                      sessions, certificates expiring soon
 *   GET /dash/{coop_id}/products       dash_products.c (dash_products.js)
 *   GET /dash/{coop_id}/lots           dash_lots.c (dash_lots.js); one lot:
 *   GET /dash/{coop_id}/lots/{code}    its chain, verification and labels
 *   GET /dash/{coop_id}/certificates   dash_certs.c (dash_certs.js)
 *   GET /dash/{coop_id}/members        dash_people.c (dash_people.js)
 *   GET /dash/{coop_id}/bases          dash_people.c (dash_people.js)
 *   GET /dash/{coop_id}/settings       dash_settings.c (dash_settings.js): the
 *                                      profile, the 360p rendition, restreaming */
#ifndef FARMLIVE_SHOP_PAGES_DASH_PAGES_H
#define FARMLIVE_SHOP_PAGES_DASH_PAGES_H

#include "farmlive/shop/core/http.h"

int shop_dash_home_page(shop_req *r);     /* GET /dash */
int shop_dash_overview_page(shop_req *r); /* GET /dash/{coop_id} */
int shop_dash_products_page(shop_req *r); /* GET /dash/{coop_id}/products */
int shop_dash_lots_page(shop_req *r);     /* GET /dash/{coop_id}/lots */
int shop_dash_lot_page(shop_req *r);      /* GET /dash/{coop_id}/lots/{code} */
int shop_dash_certs_page(shop_req *r);    /* GET /dash/{coop_id}/certificates */
int shop_dash_members_page(shop_req *r);  /* GET /dash/{coop_id}/members */
int shop_dash_bases_page(shop_req *r);    /* GET /dash/{coop_id}/bases */
int shop_dash_settings_page(shop_req *r); /* GET /dash/{coop_id}/settings */

#endif
