/* hashchain.h - the trace events' SHA-256 hash chain.
 *
 *   hash(event n) = lowercase hex of SHA-256( canon(event n) || prev )
 *
 * where canon() is the event's canonical JSON (canon_json.h) and prev is the
 * 64 ASCII hex characters of the previous event's hash, or FL_CHAIN_GENESIS
 * (64 '0') for a lot's first event. Changing any byte of any event changes
 * its hash and so every later link; the newest hash (the chain head) is what
 * gets signed. Pure: bytes in, bytes out; fl_crypto_init() must have run. */
#ifndef FARMLIVE_HASHCHAIN_H
#define FARMLIVE_HASHCHAIN_H

#include <stddef.h>

#define FL_CHAIN_HEX 65
#define FL_CHAIN_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* out = hex SHA-256 of canon[0..len) followed by prev_hex (64 characters). */
void fl_chain_hash(const char *canon, size_t len, const char *prev_hex, char out[FL_CHAIN_HEX]);

/* One stored link, as read back: its canonical text, the previous hash it
 * recorded, and the hash it recorded. */
typedef struct fl_chain_link {
    const char *canon;
    size_t len;
    const char *prev_hash;
    const char *hash;
} fl_chain_link;

enum {
    FL_CHAIN_OK = 0,
    FL_CHAIN_BAD_PREV = 1, /* prev_hash is not the previous link's hash */
    FL_CHAIN_BAD_HASH = 2  /* hash is not SHA-256(canon || prev_hash) */
};

/* Checks links[0..n) in order from FL_CHAIN_GENESIS. Returns the index of the
 * first broken link (and *why = FL_CHAIN_BAD_*), or n when all hold (and
 * *why = FL_CHAIN_OK). head (may be NULL) gets the last recomputed hash. */
size_t fl_chain_check(const fl_chain_link *links, size_t n, int *why, char head[FL_CHAIN_HEX]);

#endif
