/* shop/domain/paysign.h - the payment provider's notice signature
 * (paysign.c): X-Signature = lowercase hex HMAC-SHA256(secret,
 * "<X-Timestamp>." + body). The webhook (api/payments.c) checks it; the
 * sandbox cashier (pages/cashier_page.c) and tools/pay-notify make it. */
#ifndef FARMLIVE_SHOP_DOMAIN_PAYSIGN_H
#define FARMLIVE_SHOP_DOMAIN_PAYSIGN_H

#include <stddef.h>

#define SHOP_PAYSIGN_HEX 65 /* 64 hex digits and the terminator */

/* The signature of body (len bytes) sent at timestamp ts, into hex. */
void shop_paysign(const char *secret, const char *ts, const char *body, size_t len, char hex[SHOP_PAYSIGN_HEX]);

#endif
