/* shop/pages/cards.h - the cards several pages list (cards.c): a product,
 * a live session, a cooperative, each a link to its own page, written from
 * the same JSON the API answers. */
#ifndef FARMLIVE_SHOP_PAGES_CARDS_H
#define FARMLIVE_SHOP_PAGES_CARDS_H

#include <jansson.h>

#include "farmlive/shop/pages/html.h"

/* A product of a list (GET /api/v1/products' items): image, name, its
 * cooperative, lowest active price, a "certified" mark only while one of
 * its certifications is current (today: China's date). */
void shop_card_product(shop_html *h, json_t *p, int en, const char *today);
/* A live session (GET /api/v1/live's items) linking to /live/{id}: the
 * relay's thumbnail while it is live, title, cooperative, its status or
 * start, the viewer count when the session carries one. */
void shop_card_live(shop_html *h, json_t *s, int en);
/* A cooperative (GET /api/v1/coops' items) linking to /c/{id}. */
void shop_card_coop(shop_html *h, json_t *c, int en);

#endif
