/* shop_live.h - live sessions' status feed across shop processes (live.c).
 *
 * Every status change of a live session (created, live, idle, ended) is
 * published on the Redis channel "farmlive:live" as one JSON object:
 *
 *   {"seq":42,"id":"9f1c2a7be0d34c55","coop_id":1,"status":"live",
 *    "previous":"created","reason":"publish","at":"2026-11-26T19:30:00Z"}
 *
 * seq comes from INCR farmlive:live:seq in the same Lua call as the PUBLISH,
 * so it is global and every subscriber receives messages in seq order.
 * MariaDB stays the source of truth; the channel tells other processes (and
 * their waiting clients) that something changed.
 *
 * Each shop process keeps one subscriber thread and the last events it
 * received in a small ring; GET /api/v1/live/{id}/events long-polls that ring
 * (see live.c). The feed starts on the first live request, or earlier when
 * main calls shop_live_start(). */
#ifndef FARMLIVE_SHOP_LIVE_H
#define FARMLIVE_SHOP_LIVE_H

#include "farmlive/shop_http.h"

#define SHOP_LIVE_CHANNEL "farmlive:live"

/* Starts the subscriber thread once per process (later calls do nothing).
 * Copies what it needs from ctx->cfg. 0, or -1 when the thread cannot start
 * (events then stay empty; nothing else is affected). */
int shop_live_start(const shop_ctx *ctx);
/* Stops the subscriber and frees the feed. Call after the HTTP server has
 * stopped (no handler may still be running); safe when never started. */
void shop_live_stop(void);

#endif
