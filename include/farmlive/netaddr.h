/* netaddr.h - IP addresses and CIDR ranges, IPv4 and IPv6, parsed, printed
 * and matched without I/O: the shop's trusted proxies (config.c) and the
 * client address it takes from them (shop/core/client_addr.h).
 *
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is read as the IPv4
 * address it carries, so one client has one spelling and one rate-limit
 * key. Printed forms are inet_ntop's (lower-case, zeros compressed). */
#ifndef FARMLIVE_NETADDR_H
#define FARMLIVE_NETADDR_H

#include <stddef.h>

#define FL_IP_TEXT_MAX 46 /* INET6_ADDRSTRLEN */

typedef struct fl_ipaddr {
    int v6; /* 0: IPv4 in b[0..4) */
    unsigned char b[16];
} fl_ipaddr;

typedef struct fl_cidr {
    fl_ipaddr net;
    int bits; /* prefix length: 0..32 (IPv4), 0..128 (IPv6) */
} fl_cidr;

/* The address s[0..len) (no brackets, port or zone): 0 with *out set, or -1. */
int fl_ip_parse(const char *s, size_t len, fl_ipaddr *out);
/* a in its printed form into out (at least FL_IP_TEXT_MAX bytes). */
void fl_ip_format(const fl_ipaddr *a, char *out, size_t len);
/* "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128): 0
 * with *out set, or -1 (not an address, a prefix out of range, or bits set
 * past the prefix, as in 10.1.2.3/8, which is usually a typing mistake). */
int fl_cidr_parse(const char *s, fl_cidr *out);
/* 1 when a lies in c (an IPv4 address never lies in an IPv6 range). */
int fl_cidr_contains(const fl_cidr *c, const fl_ipaddr *a);

#endif
