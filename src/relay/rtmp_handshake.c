/* rtmp_handshake.c - RTMP simple handshake, server side; bytes in, bytes out.
 *
 *   client                               server (us)
 *   C0 (1: version 3) + C1 (1536) ---->
 *                                 <----  S0 (1: 3) + S1 (1536) + S2 (1536)
 *   C2 (1536) ------------------------>
 *   chunk stream ... (rtmp_chunk.c)
 *
 *   C1/S1 = time(4) zero(4) random(1528)
 *   S2    = echo of C1: C1's time(4), our time(4), C1's random(1528)
 *
 * We answer with the "simple" handshake (S1's version field zero). FFmpeg,
 * OBS (librtmp) and phone apps accept it for publishing, as they do from
 * nginx-rtmp and SRS: the digest ("complex") handshake only matters to Flash
 * players checking the server. C2's content is not checked (many encoders
 * echo S1 loosely). A first byte of 'G', 'P', 'H', 'O', 'D' or 'C' followed
 * by a letter is an HTTP request sent to the wrong port: refused as such so
 * the log says what happened. */
#include "farmlive/rtmp_handshake.h"

#include <string.h>

enum { ST_C0, ST_C1, ST_C2, ST_DONE, ST_ERROR };

void rtmp_hs_init(rtmp_hs *hs, uint32_t epoch_ms, uint32_t seed)
{
    memset(hs, 0, sizeof(*hs));
    hs->state = ST_C0;
    hs->epoch = epoch_ms;
    hs->rnd = seed ? seed : 0x9e3779b9u;
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void build_reply(rtmp_hs *hs)
{
    uint8_t *s0 = hs->reply, *s1 = s0 + 1, *s2 = s1 + RTMP_HS_SIZE;
    s0[0] = 3;
    wr32(s1, hs->epoch);
    memset(s1 + 4, 0, 4);
    for (size_t i = 8; i < RTMP_HS_SIZE; i += 4)
        wr32(s1 + i, xorshift(&hs->rnd));
    memcpy(s2, hs->c1, RTMP_HS_SIZE);
    wr32(s2 + 4, hs->epoch);
}

static int looks_like_http(uint8_t c0, const uint8_t *next, size_t n)
{
    if (!memchr("GPHODC", c0, 6))
        return 0;
    return n == 0 || (next[0] >= 'A' && next[0] <= 'Z');
}

int rtmp_hs_feed(rtmp_hs *hs, const uint8_t *in, size_t len, size_t *consumed, const uint8_t **reply)
{
    size_t pos = 0;
    *reply = NULL;
    *consumed = 0;
    if (hs->state == ST_DONE || hs->state == ST_ERROR)
        return RTMP_HS_ESTATE;
    while (pos < len) {
        if (hs->state == ST_C0) {
            uint8_t c0 = in[pos];
            if (c0 != 3) {
                hs->state = ST_ERROR;
                *consumed = pos + 1;
                return looks_like_http(c0, in + pos + 1, len - pos - 1) ? RTMP_HS_EHTTP : RTMP_HS_EVERSION;
            }
            pos++;
            hs->state = ST_C1;
            hs->have = 0;
            continue;
        }
        size_t n = RTMP_HS_SIZE - hs->have;
        if (n > len - pos)
            n = len - pos;
        if (hs->state == ST_C1)
            memcpy(hs->c1 + hs->have, in + pos, n);
        hs->have += n;
        pos += n;
        if (hs->have < RTMP_HS_SIZE)
            break;
        hs->have = 0;
        if (hs->state == ST_C1) {
            build_reply(hs);
            *reply = hs->reply;
            hs->state = ST_C2;
        } else {
            hs->state = ST_DONE;
            *consumed = pos;
            return RTMP_HS_DONE;
        }
    }
    *consumed = pos;
    return RTMP_HS_AGAIN;
}

const char *rtmp_hs_strerror(int rc)
{
    switch (rc) {
    case RTMP_HS_AGAIN:
        return "in progress";
    case RTMP_HS_DONE:
        return "done";
    case RTMP_HS_EVERSION:
        return "not RTMP: C0 is not version 3";
    case RTMP_HS_EHTTP:
        return "not RTMP: an HTTP request on the RTMP port";
    default:
        return "handshake fed after it ended";
    }
}
