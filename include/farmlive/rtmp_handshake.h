/* rtmp_handshake.h - the server side of the RTMP simple handshake, as a
 * state machine over bytes (no I/O). See the diagram in rtmp_handshake.c. */
#ifndef FARMLIVE_RTMP_HANDSHAKE_H
#define FARMLIVE_RTMP_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#define RTMP_HS_SIZE 1536
#define RTMP_HS_REPLY_SIZE (1 + 2 * RTMP_HS_SIZE) /* S0 + S1 + S2 */

enum {
    RTMP_HS_AGAIN = 0,     /* consumed what it could; feed more */
    RTMP_HS_DONE = 1,      /* C2 received; leftover bytes are chunk data */
    RTMP_HS_EVERSION = -1, /* C0 is not version 3 (e.g. encrypted RTMPE) */
    RTMP_HS_EHTTP = -2,    /* looks like an HTTP request, not RTMP */
    RTMP_HS_ESTATE = -3,   /* fed after DONE or after an error */
};

typedef struct rtmp_hs {
    int state;
    size_t have;    /* bytes of the current block so far */
    uint32_t epoch; /* our S1 time */
    uint32_t rnd;   /* xorshift state for S1's random bytes */
    uint8_t c1[RTMP_HS_SIZE];
    uint8_t reply[RTMP_HS_REPLY_SIZE];
} rtmp_hs;

/* epoch_ms: our uptime clock for S1's time field; seed: any value (S1's
 * random part only has to differ between connections). */
void rtmp_hs_init(rtmp_hs *hs, uint32_t epoch_ms, uint32_t seed);

/* Consumes bytes of C0/C1/C2 from in[0..len), setting *consumed. When C0+C1
 * are complete, *reply points at S0+S1+S2 (RTMP_HS_REPLY_SIZE bytes, inside
 * hs) for the caller to send; otherwise *reply is NULL. Returns one of the
 * RTMP_HS_* codes; on DONE, in[*consumed..len) belongs to the chunk layer. */
int rtmp_hs_feed(rtmp_hs *hs, const uint8_t *in, size_t len, size_t *consumed, const uint8_t **reply);

const char *rtmp_hs_strerror(int rc);

#endif
