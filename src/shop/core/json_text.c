/* json_text.c - JSON string literals written as jansson writes them. */
#include "farmlive/shop/core/json_text.h"

#include <string.h>

/* The length of the UTF-8 sequence at p (at most n bytes there), or 0 when
 * it is not one jansson accepts: no overlong forms, no surrogates, nothing
 * past U+10FFFF. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0], cp;
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

int shop_jtext_string(fl_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), run = 0; /* run: bytes at p written as they are */
    if (fl_buf_append(b, "\"", 1) < 0)
        return -1;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        char esc[6] = {'\\', 0, '0', '0', 0, 0};
        size_t elen = 2;
        if (c >= 0x20 && c != '"' && c != '\\') {
            size_t len = utf8_len(p + i, n - i);
            if (len == 0)
                return -1;
            i += len;
            run += len;
            continue;
        }
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0x0F];
            elen = 6;
        }
        if (fl_buf_append(b, (const char *)p + i - run, run) < 0 || fl_buf_append(b, esc, elen) < 0)
            return -1;
        run = 0;
        i++;
    }
    if (fl_buf_append(b, (const char *)p + n - run, run) < 0 || fl_buf_append(b, "\"", 1) < 0)
        return -1;
    return 0;
}

int shop_jtext_sep(fl_buf *b, size_t i, char open)
{
    char c = i ? ',' : open;
    return fl_buf_append(b, &c, 1);
}
