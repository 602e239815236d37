/* hashchain.c - SHA-256 links of the trace chain (contract in hashchain.h). */
#include <string.h>
#include <sodium.h>

#include "farmlive/hashchain.h"

void fl_chain_hash(const char *canon, size_t len, const char *prev_hex, char out[FL_CHAIN_HEX])
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)canon, len);
    crypto_hash_sha256_update(&st, (const unsigned char *)prev_hex, 64);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, FL_CHAIN_HEX, h, sizeof(h));
}

size_t fl_chain_check(const fl_chain_link *links, size_t n, int *why, char head[FL_CHAIN_HEX])
{
    char prev[FL_CHAIN_HEX] = FL_CHAIN_GENESIS, h[FL_CHAIN_HEX];
    size_t i;
    *why = FL_CHAIN_OK;
    for (i = 0; i < n; i++) {
        const fl_chain_link *l = &links[i];
        if (!l->prev_hash || strlen(l->prev_hash) != 64 || memcmp(l->prev_hash, prev, 64) != 0) {
            *why = FL_CHAIN_BAD_PREV;
            break;
        }
        fl_chain_hash(l->canon, l->len, prev, h);
        if (!l->hash || strlen(l->hash) != 64 || memcmp(l->hash, h, 64) != 0) {
            *why = FL_CHAIN_BAD_HASH;
            break;
        }
        memcpy(prev, h, sizeof(prev));
    }
    if (head)
        memcpy(head, prev, FL_CHAIN_HEX);
    return i;
}
