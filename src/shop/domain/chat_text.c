/* chat_text.c - a live room's chat text rules (see shop/domain/chat_text.h).
 * No I/O: UTF-8 decoded by hand (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
#include "farmlive/shop/domain/chat_text.h"

#include <string.h>

/* The code point at s[0..n) and its length in *len; -1 when invalid. */
static long utf8_next(const unsigned char *s, size_t n, size_t *len)
{
    unsigned char c = s[0];
    long cp;
    size_t need;
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return -1;
    }
    if (n < need)
        return -1;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return -1;
    *len = need;
    return cp;
}

static int is_blank(long cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == ' ' || cp == 0x2028 || cp == 0x2029;
}

int shop_chat_text_clean(const char *in, size_t len, char *out, size_t *chars)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0, n = 0, step;
    int space = 0;
    for (size_t i = 0; i < len; i += step) {
        long cp = utf8_next(s + i, len - i, &step);
        if (cp < 0)
            return SHOP_CHAT_NOT_UTF8;
        if (is_blank(cp)) {
            space = n > 0; /* leading blanks go; inner runs become one space */
            continue;
        }
        if (n + space + 1 > SHOP_CHAT_MAX_CHARS) {
            /* keep scanning only to tell invalid UTF-8 from too long */
            for (i += step; i < len; i += step)
                if (utf8_next(s + i, len - i, &step) < 0)
                    return SHOP_CHAT_NOT_UTF8;
            return SHOP_CHAT_TOO_LONG;
        }
        if (space) {
            out[o++] = ' ';
            n++;
            space = 0;
        }
        memcpy(out + o, s + i, step);
        o += step;
        n++;
    }
    out[o] = '\0';
    if (n == 0)
        return SHOP_CHAT_EMPTY;
    *chars = n;
    return SHOP_CHAT_OK;
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

int shop_chat_banned(const char *text, const char *const *words, size_t n)
{
    size_t tl = strlen(text);
    for (size_t w = 0; w < n; w++) {
        size_t wl = words[w] ? strlen(words[w]) : 0;
        if (wl == 0 || wl > tl)
            continue;
        for (size_t i = 0; i + wl <= tl; i++) {
            size_t k = 0;
            while (k < wl && fold((unsigned char)text[i + k]) == fold((unsigned char)words[w][k]))
                k++;
            if (k == wl)
                return 1;
        }
    }
    return 0;
}

void shop_chat_mask_name(const char *name, char out[8])
{
    size_t len = 0;
    long cp = -1;
    const unsigned char *s = (const unsigned char *)name;
    while (s && *s == ' ')
        s++;
    if (s && *s)
        cp = utf8_next(s, strlen((const char *)s), &len);
    if (cp < 0 || is_blank(cp)) {
        memcpy(out, "**", 3);
        return;
    }
    memcpy(out, s, len);
    memcpy(out + len, "**", 3);
}
