/* paysign.c - the payment notice's signature (contract in
 * shop/domain/paysign.h). */
#include "farmlive/shop/domain/paysign.h"

#include <sodium.h>
#include <string.h>

void shop_paysign(const char *secret, const char *ts, const char *body, size_t len, char hex[SHOP_PAYSIGN_HEX])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, SHOP_PAYSIGN_HEX, mac, sizeof(mac));
}
