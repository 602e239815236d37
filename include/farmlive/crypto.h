/* crypto.h - the project's crypto, all through libsodium.
 *
 * fl_crypto_init() must be called once before any other function here. */
#ifndef FARMLIVE_CRYPTO_H
#define FARMLIVE_CRYPTO_H

#include <stddef.h>
#include <sodium.h>

#define FL_TOKEN_HEX 65 /* 32 random bytes as hex, with NUL */
#define FL_PWHASH_MAX crypto_pwhash_STRBYTES
#define FL_SHA256_HEX 65

int fl_crypto_init(void);

/* 256 bits from the CSPRNG, as 64 lowercase hex characters. */
void fl_random_token(char out[FL_TOKEN_HEX]);
/* n random bytes as hex into out (2n+1 bytes). */
void fl_random_hex(char *out, size_t nbytes);

/* argon2id (libsodium's crypto_pwhash_str, interactive limits). 0 or -1. */
int fl_password_hash(const char *password, char out[FL_PWHASH_MAX]);
/* 0 when password matches stored, -1 otherwise. */
int fl_password_verify(const char *stored, const char *password);

void fl_sha256_hex(const void *data, size_t len, char out[FL_SHA256_HEX]);
/* Constant-time comparison of two NUL-terminated strings. 1 when equal. */
int fl_streq_ct(const char *a, const char *b);

#endif
