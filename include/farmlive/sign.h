/* sign.h - the platform's Ed25519 signing key (libsodium).
 *
 * The key file holds the 32-byte seed as 64 lowercase hex characters and a
 * newline; the key pair is derived from it. fl_signkey_load() creates the
 * file (mode 0600, O_EXCL so two starting processes cannot both write one)
 * when it does not exist, and refuses a file that group or others may read.
 * Signatures travel as 128 lowercase hex characters; the key id is the first
 * 16 hex characters of SHA-256(public key). fl_crypto_init() must have run. */
#ifndef FARMLIVE_SIGN_H
#define FARMLIVE_SIGN_H

#include <stddef.h>
#include <sodium.h>

#define FL_SIG_HEX (2 * crypto_sign_BYTES + 1)         /* 129 */
#define FL_PK_HEX (2 * crypto_sign_PUBLICKEYBYTES + 1) /* 65 */
#define FL_KEYID_HEX 17

typedef struct fl_signkey {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    char pk_hex[FL_PK_HEX];
    char key_id[FL_KEYID_HEX];
} fl_signkey;

/* Loads the key at path, creating it first when absent. 0, or -1 with a
 * message in err. */
int fl_signkey_load(const char *path, fl_signkey *key, char *err, size_t errlen);
/* A key from a 32-byte seed (tests, tools). */
void fl_signkey_from_seed(const unsigned char seed[crypto_sign_SEEDBYTES], fl_signkey *key);
/* Wipes the secret half. Accepts NULL. */
void fl_signkey_wipe(fl_signkey *key);

/* Detached signature of msg as hex. */
void fl_sign_hex(const fl_signkey *key, const void *msg, size_t len, char out[FL_SIG_HEX]);
/* 0 when sig_hex is a valid signature of msg by pk, else -1. */
int fl_sign_verify_hex(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], const void *msg, size_t len,
                       const char *sig_hex);

#endif
