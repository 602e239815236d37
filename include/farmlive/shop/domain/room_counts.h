/* shop/domain/room_counts.h - a live room's counters (room_counts.c):
 * likes and viewers, pushed on the room's topic (rt/feed.h,
 * live:{public_id}) as coalescing totals (SHOP_RT_COALESCE), never one
 * event per tap or per viewer, and kept on live_sessions for the report.
 *
 * Likes: a tap adds to a pending count in Redis; shop_room_likes_flush (a
 * job, every second, any process) moves the pending counts into
 * live_sessions.likes (MariaDB holds the total) and raises
 *
 *   likes    {"seq":..,"live_id":"9f1c..","total":1234}
 *
 * Viewers: the relay's FLV and HLS viewers of the session (from the answer
 * the live sweep already gets, handed to shop_room_relay_viewers) plus the
 * room's realtime clients on every shop process (each process writes its
 * own count to Redis; one process a pass adds them up). shop_room_viewers
 * (a job, every few seconds) raises, when a figure changed,
 *
 *   viewers  {"seq":..,"live_id":"9f1c..","viewers":57,"relay":40,
 *             "realtime":17,"peak":80,"unique":213}
 *
 * and keeps peak_viewers (the highest "viewers" seen) and unique_viewers
 * (distinct accounts, or client addresses of guests, that opened the
 * room's event stream: a Redis HyperLogLog, ~1% error) on live_sessions. */
#ifndef FARMLIVE_SHOP_DOMAIN_ROOM_COUNTS_H
#define FARMLIVE_SHOP_DOMAIN_ROOM_COUNTS_H

#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"

#define SHOP_ROOM_TAPS_MAX 100     /* taps one request may carry */
#define SHOP_ROOM_LIKE_RATE_MAX 20 /* like requests per account per window */
#define SHOP_ROOM_LIKE_RATE_WINDOW_S 10
#define SHOP_ROOM_EVENT_LIKES "likes"
#define SHOP_ROOM_EVENT_VIEWERS "viewers"

/* Counts taps (1..SHOP_ROOM_TAPS_MAX) of who (signed in) on the session:
 * 404 unknown, 409 ended, 429 past SHOP_ROOM_LIKE_RATE_MAX requests per
 * window (retry_after_s), Redis faults. The total follows on the topic. */
int shop_room_like(fl_db *db, fl_kv *kv, const shop_actor *who, const char *public_id, long long taps, shop_fault *f);

/* The job: pending likes into MariaDB, the totals raised. The rooms done,
 * or -1 when Redis or MariaDB could not be asked. */
int shop_room_likes_flush(const shop_ctx *ctx);

/* Someone opened the room's event stream: who (account id, 0 for a guest)
 * or client_ip counts once among its unique viewers. Never fails. */
void shop_room_seen(fl_kv *kv, const char *public_id, long long account_id, const char *client_ip);

/* The room's viewer figures as last raised (the "viewers" event's object
 * without its seq), for a page that loads between two of them; JSON null
 * when none was raised in the last two minutes or Redis does not answer. */
json_t *shop_room_viewers_now(fl_kv *kv, const char *public_id);

/* The live sweep's hook: streams is the relay's {"streams":[...]} list as
 * it answered (each with "live_id" and "viewers":{"flv","hls"}); kept in
 * Redis for shop_room_viewers (a few sweeps' worth). Never fails. */
void shop_room_relay_viewers(const shop_ctx *ctx, const json_t *streams);

/* The job: this process's realtime clients of each live or idle session
 * written to Redis; then, in the one process that takes the pass, every
 * room's figures raised when changed and peak / unique kept. The rooms
 * raised, or -1 when Redis or MariaDB could not be asked. */
int shop_room_viewers(const shop_ctx *ctx);

#endif
