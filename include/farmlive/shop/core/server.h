/* shop/core/server.h - the shop's HTTP server on libmicrohttpd.
 *
 * shop_server_start() listens on cfg->shop_host:shop_port with a thread pool
 * of cfg->shop_threads threads on epoll. shop_server_stop() stops accepting
 * (quiesce), waits up to grace_ms for in-flight requests to finish, then
 * closes every connection and frees the server. */
#ifndef FARMLIVE_SHOP_CORE_SERVER_H
#define FARMLIVE_SHOP_CORE_SERVER_H

#include <stddef.h>
#include "farmlive/shop/core/http.h"

typedef struct shop_server shop_server;

shop_server *shop_server_start(shop_ctx *ctx, char *err, size_t errlen);
void shop_server_stop(shop_server *s, int grace_ms);

#endif
