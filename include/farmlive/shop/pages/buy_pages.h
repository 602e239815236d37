/* shop/pages/buy_pages.h - the buyer's pages from cart to paid order:
 * cart and checkout (cart_pages.c), order placed, my orders and an order
 * (order_pages.c), the sandbox cashier (cashier_page.c). */
#ifndef FARMLIVE_SHOP_PAGES_BUY_PAGES_H
#define FARMLIVE_SHOP_PAGES_BUY_PAGES_H

#include "farmlive/shop/core/http.h"

int shop_cart_page(shop_req *r);         /* GET /cart */
int shop_checkout_page(shop_req *r);     /* GET /checkout */
int shop_order_placed_page(shop_req *r); /* GET /checkout/done?orders=1,2 */
int shop_my_orders_page(shop_req *r);    /* GET /orders */
int shop_my_order_page(shop_req *r);     /* GET /orders/{id} */
int shop_cashier_page(shop_req *r);      /* GET /pay/{id} (FARMLIVE_PAY_SANDBOX only) */

#endif
