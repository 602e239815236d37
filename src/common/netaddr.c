/* netaddr.c - IP addresses and CIDR ranges (see netaddr.h). inet_pton and
 * inet_ntop do the parsing and printing; this file adds the bounds, the
 * IPv4-mapped form and the prefix arithmetic. */
#include "farmlive/netaddr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int fl_ip_parse(const char *s, size_t len, fl_ipaddr *out)
{
    char buf[FL_IP_TEXT_MAX];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->b) == 1)
        return 0;
    if (inet_pton(AF_INET6, buf, out->b) != 1)
        return -1;
    if (memcmp(out->b, V4_MAPPED, sizeof(V4_MAPPED)) == 0) {
        memmove(out->b, out->b + 12, 4);
        memset(out->b + 4, 0, 12);
        return 0;
    }
    out->v6 = 1;
    return 0;
}

void fl_ip_format(const fl_ipaddr *a, char *out, size_t len)
{
    if (!inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->b, out, (socklen_t)len) && len > 0)
        out[0] = '\0';
}

/* 1 when the bits of a past the first bits are all zero. */
static int host_bits_clear(const fl_ipaddr *a, int bits)
{
    int total = a->v6 ? 128 : 32;
    for (int i = bits; i < total; i++)
        if (a->b[i / 8] & (0x80 >> (i % 8)))
            return 0;
    return 1;
}

int fl_cidr_parse(const char *s, fl_cidr *out)
{
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    char *end = NULL;
    long bits;

    if (fl_ip_parse(s, len, &out->net) != 0)
        return -1;
    /* an IPv4-mapped range would be read as IPv4 with the wrong prefix */
    if (slash && memchr(s, ':', len) && !out->net.v6)
        return -1;
    if (!slash) {
        out->bits = out->net.v6 ? 128 : 32;
        return 0;
    }
    if (slash[1] < '0' || slash[1] > '9')
        return -1;
    bits = strtol(slash + 1, &end, 10);
    if (*end != '\0' || bits < 0 || bits > (out->net.v6 ? 128 : 32) || end - (slash + 1) > 3)
        return -1;
    out->bits = (int)bits;
    return host_bits_clear(&out->net, out->bits) ? 0 : -1;
}

int fl_cidr_contains(const fl_cidr *c, const fl_ipaddr *a)
{
    int full = c->bits / 8, rest = c->bits % 8;
    if (c->net.v6 != a->v6)
        return 0;
    if (memcmp(c->net.b, a->b, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (c->net.b[full] & mask) == (a->b[full] & mask);
}
