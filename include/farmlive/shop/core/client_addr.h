/* shop/core/client_addr.h - who is asking: the client address of a
 * request, the one value every use of it reads (r->client_ip: the
 * per-address rate limits, the access log, payment notices' log lines).
 *
 * The peer (the socket's other end) is the client, unless it lies in
 * FARMLIVE_TRUSTED_PROXIES (cfg->trusted_proxies). Then the client is read
 * from X-Forwarded-For, or when that header is absent from Forwarded's
 * for= values (RFC 7239), walking from the right: the rightmost hop that is
 * not itself a trusted proxy is the client, since everything to its left
 * was written by someone we do not trust. A hop that is not an address
 * (garbage, "unknown", an obfuscated name) stops the walk at the last
 * address read. Behind nginx, `proxy_set_header X-Forwarded-For
 * $proxy_add_x_forwarded_for;` appends the peer it saw, which is what this
 * reads; a proxy that sends only Forwarded must remove a client's own
 * X-Forwarded-For, or it would be believed. */
#ifndef FARMLIVE_SHOP_CORE_CLIENT_ADDR_H
#define FARMLIVE_SHOP_CORE_CLIENT_ADDR_H

#include <stddef.h>
#include "farmlive/config.h"
#include "farmlive/netaddr.h"

#define SHOP_CLIENT_ADDR_MAX 64

/* The client's address, printed (fl_ip_format) into out, from the peer
 * (NULL when unknown: "-") and the request's X-Forwarded-For and Forwarded
 * headers (each NULL when absent). Pure. */
void shop_client_addr(const fl_config *cfg, const fl_ipaddr *peer, const char *xff, const char *forwarded, char *out,
                      size_t len);

/* The key a per-address limit counts client address addr under: the
 * address itself for IPv4, its /64 for IPv6 (one subscriber's usual
 * allocation: counting single IPv6 addresses would let one client rotate
 * through billions). Pure. */
void shop_client_bucket(const char *addr, char *out, size_t len);

#endif
