/* sign.c - Ed25519 key file and detached signatures (contract in sign.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "farmlive/sign.h"

#define SEED_HEX (2 * crypto_sign_SEEDBYTES)

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

/* Writes a fresh seed to path (O_EXCL). 0, 1 when the file appeared
 * meanwhile, -1 on error. */
static int key_create(const char *path, char *err, size_t errlen)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    char hex[SEED_HEX + 2];
    int fd, rc = -1;
    ssize_t w;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return 1;
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    randombytes_buf(seed, sizeof(seed));
    sodium_bin2hex(hex, SEED_HEX + 1, seed, sizeof(seed));
    hex[SEED_HEX] = '\n';
    hex[SEED_HEX + 1] = '\0';
    w = write(fd, hex, SEED_HEX + 1);
    if (w != SEED_HEX + 1 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out_close;
    }
    rc = 0;
out_close:
    close(fd);
    if (rc != 0)
        unlink(path);
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(hex, sizeof(hex));
    return rc;
}

int fl_signkey_load(const char *path, fl_signkey *key, char *err, size_t errlen)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    char hex[SEED_HEX + 8];
    struct stat st;
    size_t bin_len = 0;
    ssize_t n;
    int fd = -1, rc = -1;

    if (key_create(path, err, errlen) < 0)
        return -1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
        snprintf(err, errlen, "%s must be readable by its owner only (chmod 600)", path);
        goto out_close;
    }
    n = read(fd, hex, sizeof(hex) - 1);
    if (n < SEED_HEX) {
        snprintf(err, errlen, "%s is too short to hold a key", path);
        goto out_close;
    }
    hex[n] = '\0';
    if (sodium_hex2bin(seed, sizeof(seed), hex, SEED_HEX, NULL, &bin_len, NULL) != 0 || bin_len != sizeof(seed) ||
        (n > SEED_HEX && strspn(hex + SEED_HEX, "\r\n") != (size_t)n - SEED_HEX)) {
        snprintf(err, errlen, "%s does not hold 64 hex characters", path);
        goto out_close;
    }
    fl_signkey_from_seed(seed, key);
    rc = 0;
out_close:
    close(fd);
out:
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(hex, sizeof(hex));
    return rc;
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
