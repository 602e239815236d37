/* crypto.c - tokens, password hashing and digests through libsodium. */
#include "farmlive/crypto.h"

#include <string.h>

int fl_crypto_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void fl_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    while (nbytes > 0) {
        size_t n = nbytes > sizeof(buf) ? sizeof(buf) : nbytes;
        randombytes_buf(buf, n);
        sodium_bin2hex(out, n * 2 + 1, buf, n);
        out += n * 2;
        nbytes -= n;
    }
    sodium_memzero(buf, sizeof(buf));
}

void fl_random_token(char out[FL_TOKEN_HEX])
{
    fl_random_hex(out, 32);
}

int fl_password_hash(const char *password, char out[FL_PWHASH_MAX])
{
    return crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) == 0
               ? 0
               : -1;
}

int fl_password_verify(const char *stored, const char *password)
{
    return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0 ? 0 : -1;
}

void fl_sha256_hex(const void *data, size_t len, char out[FL_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, FL_SHA256_HEX, h, sizeof(h));
}

int fl_streq_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}
