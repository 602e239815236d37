/* keyfile.c - a 32-byte secret in a file (contract in keyfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "farmlive/keyfile.h"

#define KEY_HEX (2 * FL_KEYFILE_BYTES)

/* Writes fresh bytes to path (O_EXCL). 0, 1 when the file appeared
 * meanwhile, -1 on error. */
static int key_create(const char *path, char *err, size_t errlen)
{
    unsigned char seed[FL_KEYFILE_BYTES];
    char hex[KEY_HEX + 2];
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
    sodium_bin2hex(hex, KEY_HEX + 1, seed, sizeof(seed));
    hex[KEY_HEX] = '\n';
    hex[KEY_HEX + 1] = '\0';
    w = write(fd, hex, KEY_HEX + 1);
    if (w != KEY_HEX + 1 || fsync(fd) != 0) {
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

int fl_keyfile_load(const char *path, unsigned char out[FL_KEYFILE_BYTES], char *err, size_t errlen)
{
    char hex[KEY_HEX + 8];
    struct stat st;
    size_t bin_len = 0;
    ssize_t n;
    int fd = -1, rc = -1;

    if (key_create(path, err, errlen) < 0)
        goto out;
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
    if (n < KEY_HEX) {
        snprintf(err, errlen, "%s is too short to hold a key", path);
        goto out_close;
    }
    hex[n] = '\0';
    if (sodium_hex2bin(out, FL_KEYFILE_BYTES, hex, KEY_HEX, NULL, &bin_len, NULL) != 0 || bin_len != FL_KEYFILE_BYTES ||
        (n > KEY_HEX && strspn(hex + KEY_HEX, "\r\n") != (size_t)n - KEY_HEX)) {
        snprintf(err, errlen, "%s does not hold 64 hex characters", path);
        goto out_close;
    }
    rc = 0;
out_close:
    close(fd);
out:
    if (rc != 0)
        sodium_memzero(out, FL_KEYFILE_BYTES);
    sodium_memzero(hex, sizeof(hex));
    return rc;
}
