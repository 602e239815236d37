/* keyfile.h - a 32-byte secret kept in a file as 64 lowercase hex
 * characters and a newline (the trace signing key's seed, the restream
 * targets' secretbox key).
 *
 * fl_keyfile_load() creates the file with fresh CSPRNG bytes (mode 0600,
 * O_EXCL so two starting processes cannot both write one) when it does not
 * exist, and refuses a file that group or others may read. fl_crypto_init()
 * must have run. */
#ifndef FARMLIVE_KEYFILE_H
#define FARMLIVE_KEYFILE_H

#include <stddef.h>

#define FL_KEYFILE_BYTES 32

/* The secret at path into out, creating it first when absent. 0, or -1 with
 * a message in err (out wiped). */
int fl_keyfile_load(const char *path, unsigned char out[FL_KEYFILE_BYTES], char *err, size_t errlen);

#endif
