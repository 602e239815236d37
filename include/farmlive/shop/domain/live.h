/* shop/domain/live.h - live sessions: the rows, the stream keys, the status
 * machine (live.c) and the sessions the relay can no longer speak for
 * (live_sweep.c). The HTTP side is api/live.c.
 *
 * Status machine (one transaction per change: the row, then a log row):
 *
 *   created --publish--> live --unpublish--> idle --publish--> live
 *      |                  |  \__publish (takeover, stays live)
 *      `------ended-------'-------ended-------> ended   (publish now refused)
 *
 * Every status change, once committed, is raised on the realtime feed
 * (rt/feed.h) as an event of type "status" on the topic live:{public_id}:
 *
 *   {"seq":1765012345678901,"id":"9f1c2a7be0d34c55","coop_id":1,"status":"live",
 *    "previous":"created","reason":"publish","at":"2026-11-26T19:30:00Z"}
 *
 * (previous is null for "created"). MariaDB stays the source of truth;
 * the feed tells clients, on every shop process, that something changed.
 *
 * Ending, whoever ends it (the farmer, the relay, the sweep), also closes
 * the room in the same transaction (live_room.h: shop_room_end_tx: the
 * open product moment, the session's flash sales); the room hears of it
 * from the "status" event.
 *
 * Stream keys: 256 bits from the CSPRNG as 64 hex, shown once when the
 * session is made; MariaDB keeps sha256(key) under a unique index and the
 * publish check looks the session up by that hash. A key carries 256 bits
 * of entropy, so a pepper would add nothing against guessing from a leaked
 * hash. */
#ifndef FARMLIVE_SHOP_DOMAIN_LIVE_H
#define FARMLIVE_SHOP_DOMAIN_LIVE_H

#include <jansson.h>
#include <stddef.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"

#define SHOP_LIVE_ID_HEX 16 /* public id: 8 random bytes */
#define SHOP_LIVE_KEY_HEX 64
#define SHOP_LIVE_TITLE_MAX 128
#define SHOP_LIVE_EVENT_STATUS "status" /* the feed's event type of a status change */

/* 1 when s is a public id (16 lowercase hex) / a status name. */
int shop_live_id_valid(const char *s);
int shop_live_status_valid(const char *s);

/* A new session of coop_id for the caller (account_id): a coop_id of 0
 * means the caller's only cooperative. The caller must be a member of the
 * cooperative (farmer or admin), or a platform admin naming it.
 * planned_at: the announced start (unix s; 0: none). *out: the session's
 * JSON with "rtmp_url", "stream_key" (the only time this key is shown) and
 * "push_url" (the two joined, what a phone app scans). SHOP_OK, or
 * refused: 422 (no such cooperative, none or several to choose from), 403
 * (not a member), database faults. */
int shop_live_open(const shop_ctx *ctx, fl_db *db, long long account_id, int platform_admin, long long coop_id,
                   const char *title, long long planned_at, json_t **out, shop_fault *f);

/* One session's public JSON (never its key) into *out (out may be NULL:
 * whether it exists). SHOP_OK, or 404 (malformed or unknown id), database
 * faults. */
int shop_live_find(const fl_config *cfg, fl_db *db, const char *public_id, json_t **out, shop_fault *f);

/* A page of sessions, newest first: status (NULL: any) and coop (0: any)
 * filter; cursor is the previous page's last id (0: the first page);
 * limit 1..100. *out: {"items": [...], "next_cursor": "<hex>"|null}. */
int shop_live_page(const fl_config *cfg, fl_db *db, const char *status, long long coop, long long cursor,
                   long long limit, json_t **out, shop_fault *f);

/* What the relay reports, and what the sweep does in its place. */
enum shop_live_op { SHOP_LIVE_PUBLISH, SHOP_LIVE_UNPUBLISH, SHOP_LIVE_END };

/* What a change found and did. */
typedef struct shop_live_change {
    long long id, coop_id;
    char public_id[SHOP_LIVE_ID_HEX + 1];
    char from[8];
    const char *to, *reason;
    int changed; /* a row was written (a takeover writes one: to == from) */
} shop_live_change;

/* Applies op to a session and raises the status change on the feed:
 * SHOP_LIVE_PUBLISH looks the session up by its stream key (key: 64 hex)
 * and client_ip (may be NULL) is logged; the others by its public id.
 * Deadlocks are retried. SHOP_OK with *ch filled, or refused: an unknown
 * or malformed key 403, an ended session's publish 403, an unknown
 * session 404, database faults. */
int shop_live_change_status(const shop_ctx *ctx, fl_db *db, enum shop_live_op op, const char *lookup,
                            const char *client_ip, shop_live_change *ch, shop_fault *f);

/* A relay-side event applied from a background task, as the relay's own
 * report would: SHOP_LIVE_UNPUBLISH moves a live session to idle,
 * SHOP_LIVE_END ends it; why is the reason logged and announced. seen:
 * the session's updated_at as the caller read it when it decided (NULL:
 * whatever it is now); a session changed since is left alone (a publisher
 * that reconnected meanwhile). 1 when changed, 0 when nothing was to
 * change, -1 on error (logged). */
int shop_live_apply(const shop_ctx *ctx, fl_db *db, enum shop_live_op op, const char *public_id, const char *why,
                    const char *seen);

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

/* ---- the farmer's studio -------------------------------------------------------
 *
 * A session's key is its farmer's, its cooperative's admins' and a
 * platform admin's to see and change; the cooperative's other farmers run
 * the room (shelf, pins, sales, chat) but never see the key. */

/* SHOP_OK when who may see session public_id's key; 404 unknown session,
 * 401 anonymous, 403 another cooperative's member or a farmer of the
 * cooperative who did not make the session. */
int shop_live_key_visible(fl_db *db, const shop_actor *who, const char *public_id, shop_fault *f);

/* A new stream key for session public_id (the old one stops working for
 * the next publish; a publisher on air stays on air). Rights as above;
 * 409 live_ended for an ended session. *out: {"id","rtmp_url",
 * "stream_key","push_url"}, the only time this key is shown: MariaDB keeps
 * its SHA-256, as for the first. */
int shop_live_rotate_key(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, json_t **out,
                         shop_fault *f);

/* The session's cover picture from an upload (data, len), checked and
 * drawn by shop_media_store_image (domain/media.h) into media_dir, its
 * largest width kept as cover_url. A member of the session's cooperative
 * (401/403), 409 live_ended, media.h's refusals. *out: the session. */
int shop_live_set_cover(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id,
                        const char *media_dir, const void *data, size_t len, json_t **out, shop_fault *f);

/* The studio's list: the sessions who made, and every session of the
 * cooperatives who administers, newest first, at most limit. *out: an array
 * of sessions. */
int shop_live_studio_list(const fl_config *cfg, fl_db *db, const shop_actor *who, long long limit, json_t **out,
                          shop_fault *f);

/* The stream's health as the relay sees it now (GET /api/streams, at most
 * SHOP_RELAY_TIMEOUT_MS), for a member of the session's cooperative
 * (401/403; 404): {"id","status","relay":"ok"|"unreachable","publishing",
 * "reconnecting" (the publisher is gone and the session waits for it),
 * "bitrate_kbps","fps","width","height","video_codec","uptime_s",
 * "packets_dropped"}, the figures null while the relay holds no stream.
 * The relay is asked only while the session is live or idle. */
int shop_live_health(const fl_config *cfg, fl_db *db, const shop_actor *who, const char *public_id, json_t **out,
                     shop_fault *f);

#endif
