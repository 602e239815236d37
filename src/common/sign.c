/* sign.c - Ed25519 key file and detached signatures (contract in sign.h). */
#include <string.h>

#include "farmlive/keyfile.h"
#include "farmlive/sign.h"

_Static_assert(crypto_sign_SEEDBYTES == FL_KEYFILE_BYTES, "the key file holds one seed");

void fl_signkey_from_seed(const unsigned char seed[crypto_sign_SEEDBYTES], fl_signkey *key)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_sign_seed_keypair(key->pk, key->sk, seed);
    sodium_bin2hex(key->pk_hex, sizeof(key->pk_hex), key->pk, sizeof(key->pk));
    crypto_hash_sha256(h, key->pk, sizeof(key->pk));
    sodium_bin2hex(key->key_id, sizeof(key->key_id), h, (FL_KEYID_HEX - 1) / 2);
}

void fl_signkey_wipe(fl_signkey *key)
{
    if (key)
        sodium_memzero(key->sk, sizeof(key->sk));
}

int fl_signkey_load(const char *path, fl_signkey *key, char *err, size_t errlen)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    if (fl_keyfile_load(path, seed, err, errlen) != 0)
        return -1;
    fl_signkey_from_seed(seed, key);
    sodium_memzero(seed, sizeof(seed));
    return 0;
}

void fl_sign_hex(const fl_signkey *key, const void *msg, size_t len, char out[FL_SIG_HEX])
{
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, msg, len, key->sk);
    sodium_bin2hex(out, FL_SIG_HEX, sig, sizeof(sig));
}

int fl_sign_verify_hex(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], const void *msg, size_t len,
                       const char *sig_hex)
{
    unsigned char sig[crypto_sign_BYTES];
    size_t bin_len = 0;
    if (!sig_hex || strlen(sig_hex) != 2 * crypto_sign_BYTES ||
        sodium_hex2bin(sig, sizeof(sig), sig_hex, 2 * crypto_sign_BYTES, NULL, &bin_len, NULL) != 0 ||
        bin_len != sizeof(sig))
        return -1;
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}
