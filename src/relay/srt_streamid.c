/* srt_streamid.c - the stream key in an SRT stream id (relay_srt.h).
 *
 *   "KEY" | "live/KEY"                        plain (ffmpeg ?streamid=KEY)
 *   "#!::" k=v ("," k=v)*                     SRT's access-control form:
 *        r = "KEY" | "live/KEY"               the resource: the key
 *        m = "publish"                        absent: publish too; any other
 *                                             mode (request, bidirectional)
 *                                             is refused
 *        anything else (u, s, h, t, ...)      ignored
 *
 * Pure: no I/O, no allocation. */
#include "farmlive/relay_srt.h"

#include <string.h>

static int key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '~' || c == '-';
}

/* [live/]KEY of n bytes at p into key. */
static int take_key(const char *p, size_t n, char *key, size_t key_len)
{
    if (n > 5 && memcmp(p, "live/", 5) == 0) {
        p += 5;
        n -= 5;
    }
    if (n == 0 || n > SRT_KEY_MAX || n >= key_len)
        return SRT_SID_BAD;
    for (size_t i = 0; i < n; i++)
        if (!key_char(p[i]))
            return SRT_SID_BAD;
    memcpy(key, p, n);
    key[n] = '\0';
    return SRT_SID_OK;
}

int srt_streamid_parse(const char *sid, char *key, size_t key_len)
{
    if (key_len)
        key[0] = '\0';
    if (!sid || !sid[0])
        return SRT_SID_EMPTY;
    size_t len = strnlen(sid, SRT_STREAMID_MAX + 1);
    if (len > SRT_STREAMID_MAX)
        return SRT_SID_BAD;
    if (strncmp(sid, "#!::", 4) != 0)
        return take_key(sid, len, key, key_len);

    const char *r = NULL;
    size_t rlen = 0;
    for (const char *p = sid + 4; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq || eq == p)
            return SRT_SID_BAD;
        size_t klen = (size_t)(eq - p), vlen = n - klen - 1;
        const char *v = eq + 1;
        if (klen == 1 && p[0] == 'r') {
            if (r)
                return SRT_SID_BAD; /* two resources: which one? */
            r = v;
            rlen = vlen;
        } else if (klen == 1 && p[0] == 'm') {
            if (!(vlen == 7 && memcmp(v, "publish", 7) == 0))
                return SRT_SID_NOT_PUBLISH;
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (!r)
        return SRT_SID_BAD;
    return take_key(r, rlen, key, key_len);
}
