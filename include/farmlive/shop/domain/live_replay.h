/* shop/domain/live_replay.h - ending a live session from the shop, and its
 * replay (live_replay.c).
 *
 * The farmer (or a coop admin) ends the session: the status machine ends
 * it (live.h; the room closes in the same transaction: its pin, its flash
 * sales), then the relay is asked to drop the publisher and finalize the
 * recording (relay_api.h, best effort: logged; the relay would otherwise
 * end it at its grace period).
 *
 * The replay is the session's one recording (the relay's VOD playlist,
 * across reconnects). Once the relay lists it finished, the shop keeps its
 * URL and length in live_sessions (replay_url, replay_duration_ms) and
 * raises on the room's topic
 *
 *   replay  {"id","url","duration_s"}
 *
 * The periodic job asks the relay about sessions ended in the last
 * REPLAY_WATCH_S; a read of the replay asks it when still unknown. The
 * replay's answer lists the session's product moments, each with the
 * replay at its start ("url#t=12.345": a player that knows Media
 * Fragments, Safari's native HLS among them, starts there), and its shelf:
 * products stay buyable from the replay, attributed to the session (at
 * their everyday price once it has ended). */
#ifndef FARMLIVE_SHOP_DOMAIN_LIVE_REPLAY_H
#define FARMLIVE_SHOP_DOMAIN_LIVE_REPLAY_H

#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"

#define SHOP_ROOM_EV_REPLAY "replay"

/* Ends session public_id for who (a member of its cooperative); ending an
 * ended session changes nothing. *out: the session (live.h's JSON). 404,
 * 401/403, database faults. */
int shop_room_end(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, json_t **out,
                  shop_fault *f);

/* The replay of session public_id, for anyone: {"id","title","status",
 * "coop":{id,name},"farmer","started_at","ended_at","replay":{"url",
 * "duration_s"}|null,"moments":[moment + "at_s","replay_at"],"shelf":
 * [shelf item]}. replay is null until the recording is finished (and
 * while the session runs). 404. */
int shop_room_replay_get(const shop_ctx *ctx, fl_db *db, const char *public_id, json_t **out, shop_fault *f);

/* A periodic job (core/jobs.h): the replays of sessions that ended lately,
 * from the relay. How many were found, or -1 when MariaDB is down. Off
 * without FARMLIVE_RELAY_URL. */
int shop_room_replays(shop_ctx *ctx);

#endif
