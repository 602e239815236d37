/* client_addr.c - the client address of a request (contract in
 * shop/core/client_addr.h).
 *
 *   peer trusted?  no  -> the peer
 *                  yes -> X-Forwarded-For "a, b, c" (else Forwarded
 *                         "for=a, for=b;by=x, for=c") read right to left:
 *                         c trusted? -> b trusted? -> a ... the first one
 *                         that is not, or the last address read */
#include "farmlive/shop/core/client_addr.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int trusted(const fl_config *cfg, const fl_ipaddr *a)
{
    for (int i = 0; i < cfg->trusted_proxies_n; i++)
        if (fl_cidr_contains(&cfg->trusted_proxies[i], a))
            return 1;
    return 0;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One hop's text s[0..n) (spaces trimmed, maybe quoted, bracketed or with
 * a port) as an address: 0 with *out set, or -1. */
static int hop_parse(const char *s, size_t n, fl_ipaddr *out)
{
    const char *colon;
    while (n > 0 && blank(*s))
        s++, n--;
    while (n > 0 && blank(s[n - 1]))
        n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        s++, n -= 2;
    if (n > 0 && s[0] == '[') { /* [2001:db8::1] or [2001:db8::1]:4711 */
        const char *close = memchr(s, ']', n);
        if (!close || (close + 1 != s + n && close[1] != ':'))
            return -1;
        return fl_ip_parse(s + 1, (size_t)(close - s - 1), out);
    }
    colon = memchr(s, ':', n);
    if (colon && !memchr(colon + 1, ':', (size_t)(s + n - colon - 1))) /* 192.0.2.1:4711 */
        n = (size_t)(colon - s);
    return fl_ip_parse(s, n, out);
}

/* The for= value of one Forwarded element s[0..n) ("for=a;proto=https"):
 * its text into *v, *vn; 0, or -1 when it has none. */
static int forwarded_for(const char *s, size_t n, const char **v, size_t *vn)
{
    const char *end = s + n;
    while (s < end) {
        const char *semi = memchr(s, ';', (size_t)(end - s)), *pair_end = semi ? semi : end;
        while (s < pair_end && blank(*s))
            s++;
        if (pair_end - s > 4 && strncasecmp(s, "for=", 4) == 0) {
            *v = s + 4;
            *vn = (size_t)(pair_end - s - 4);
            return 0;
        }
        s = pair_end + (semi ? 1 : 0);
    }
    return -1;
}

/* Walks header h from its rightmost hop while the address so far is a
 * trusted proxy; *addr ends as the client. */
static void walk(const fl_config *cfg, const char *h, int is_forwarded, fl_ipaddr *addr)
{
    const char *end = h + strlen(h);
    while (end > h && trusted(cfg, addr)) {
        const char *start = end, *v;
        size_t vn;
        fl_ipaddr hop;
        while (start > h && start[-1] != ',')
            start--;
        v = start;
        vn = (size_t)(end - start);
        if (is_forwarded && forwarded_for(start, vn, &v, &vn) != 0)
            return;
        if (hop_parse(v, vn, &hop) != 0)
            return;
        *addr = hop;
        end = start > h ? start - 1 : h;
    }
}

void shop_client_addr(const fl_config *cfg, const fl_ipaddr *peer, const char *xff, const char *forwarded, char *out,
                      size_t len)
{
    fl_ipaddr addr;
    if (!peer) {
        snprintf(out, len, "-");
        return;
    }
    addr = *peer;
    if (xff && trusted(cfg, &addr))
        walk(cfg, xff, 0, &addr);
    else if (forwarded && trusted(cfg, &addr))
        walk(cfg, forwarded, 1, &addr);
    fl_ip_format(&addr, out, len);
}

void shop_client_bucket(const char *addr, char *out, size_t len)
{
    fl_ipaddr a;
    if (fl_ip_parse(addr, strlen(addr), &a) != 0 || !a.v6) {
        snprintf(out, len, "%s", addr);
        return;
    }
    memset(a.b + 8, 0, 8);
    fl_ip_format(&a, out, len);
    snprintf(out + strlen(out), len - strlen(out), "/64");
}
