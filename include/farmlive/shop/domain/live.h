/* shop/domain/live.h - live sessions' status feed across shop processes (live.c).
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
#ifndef FARMLIVE_SHOP_DOMAIN_LIVE_H
#define FARMLIVE_SHOP_DOMAIN_LIVE_H

#include "farmlive/shop/core/http.h"

#define SHOP_LIVE_CHANNEL "farmlive:live"

/* Starts the subscriber thread once per process (later calls do nothing).
 * Copies what it needs from ctx->cfg. 0, or -1 when the thread cannot start
 * (events then stay empty; nothing else is affected). */
int shop_live_start(const shop_ctx *ctx);
/* A relay-side event applied from a background task (no request), as the
 * relay's own report would: SHOP_LIVE_UNPUBLISH moves a live session to
 * idle, SHOP_LIVE_END ends it; why is the reason logged and announced.
 * seen: the session's updated_at as the caller read it when it decided
 * (NULL: whatever it is now); a session changed since is left alone (a
 * publisher that reconnected meanwhile). 1 when changed, 0 when nothing
 * was to change, -1 on error. */
enum shop_live_event { SHOP_LIVE_UNPUBLISH, SHOP_LIVE_END };
int shop_live_apply(const shop_ctx *ctx, fl_db *db, enum shop_live_event ev, const char *public_id,
                    const char *why, const char *seen);

/* Sessions the relay can no longer speak for (live_sweep.c): with
 * FARMLIVE_RELAY_URL set, asks the relay which streams it holds; a "live"
 * session it does not list (for LIVE_LOST_AFTER_S) goes idle ("relay_lost"),
 * an idle one it does not list, older than FARMLIVE_LIVE_GRACE (plus a
 * margin), ends ("grace_expired"), as the relay would have done had it been
 * there. Only a relay that answered, or refused the connection (nothing
 * listens: it is gone), is believed; a slow or broken answer skips the
 * pass. A periodic job (core/jobs.h), every few seconds. Returns the
 * sessions changed, or -1 when MariaDB could not be asked. */
int shop_live_sweep(const shop_ctx *ctx);

/* Shutdown's first step, before the HTTP server stops: every waiting
 * long-poll is answered now and later ones at once (without it, viewers
 * polling again and again would keep the server's suspended-request wait
 * from ever ending). Safe when never started. */
void shop_live_quiesce(void);
/* Stops the subscriber and frees the feed. Call after the HTTP server has
 * stopped (no handler may still be running); safe when never started. */
void shop_live_stop(void);

#endif
