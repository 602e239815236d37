/* shop/domain/live_room.h - what a live session sells: its shelf, the
 * product it presents now (the pin) and the product moments its pins leave
 * behind (live_room.c). The room's flash sales are live_flash.h, its report
 * live_report.h, its end and replay live_replay.h; the session itself
 * (status machine, keys) is live.h.
 *
 *   shelf    live_shelf: SKUs of the session's own cooperative, numbered
 *            1, 2, 3... in the order they were put on it, each with the
 *            price shown and charged in the room (live_price_fen, NULL:
 *            the everyday price) while the session is not ended
 *   pin      one shelf SKU at a time is "now presenting"; pinning another
 *            switches, unpinning stops
 *   moment   every pin is a live_moments row: product, start and end as
 *            wall-clock times and as offsets (ms) into the session's one
 *            recording (shop_room_offset_ms)
 *
 * Every write is the session's farmer's or a coop admin's (any member of
 * the session's cooperative, or a platform admin): 401 anonymous, 403 for
 * anyone else. A write runs in one transaction under the session row's
 * lock; an ended session's shelf and pins are as it left them (409
 * live_ended). Once committed, the change is raised on the room's topic
 * live:{public_id} (rt/feed.h):
 *
 *   shelf  {"id","items":[shelf item...]}            the whole shelf
 *   pin    {"id","moment":{moment},"replaces":{moment}|null}
 *   unpin  {"id","moment":{moment}}                  (ended_at set)
 *
 * (the session's end is its "status" event, live.h)
 *
 * A shelf item: {"number","sku_id","product_id","name","name_en","spec",
 * "unit","image_url","price_fen","live_price_fen","stock","on_sale",
 * "pinned"}; a moment: {"id","sku_id","product_id","name","spec",
 * "started_at","ended_at","start_offset_ms","end_offset_ms"}. */
#ifndef FARMLIVE_SHOP_DOMAIN_LIVE_ROOM_H
#define FARMLIVE_SHOP_DOMAIN_LIVE_ROOM_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"

#define SHOP_ROOM_SHELF_MAX 100
#define SHOP_ROOM_PRICE_MAX 100000000
#define SHOP_ROOM_MOMENTS_MAX 1000 /* moments a report or a replay lists */

#define SHOP_ROOM_EV_SHELF "shelf"
#define SHOP_ROOM_EV_PIN "pin"
#define SHOP_ROOM_EV_UNPIN "unpin"

/* ---- the recording's clock (pure) ------------------------------------------
 *
 * The relay records a session as one timeline: its publish epochs back to
 * back (a publisher that reconnects continues where the last one stopped;
 * the idle time between is not in the recording). The shop knows the
 * epochs from the session's status log: a change to "live" opens one (a
 * live -> live takeover continues it), a change away from "live" closes
 * it. */
typedef struct shop_room_change {
    long long at_ms; /* when (unix ms) */
    int live;        /* the session is live after it */
} shop_room_change;

/* The offset (ms) into the recording of wall-clock time at_ms, for a
 * session whose status changes are log[0..n), oldest first: the time spent
 * live before at_ms. Before the first publish it is 0; while idle, where
 * the recording resumes. */
long long shop_room_offset_ms(const shop_room_change *log, size_t n, long long at_ms);

/* The same from the session's live_status_log: *offset_ms at at_ms.
 * FL_DB_OK or FL_DB_E*. */
int shop_room_offset_at(fl_db *db, long long live_id, long long at_ms, long long *offset_ms);

/* MariaDB's clock now: DATETIME(3) text into at (24 bytes) and unix ms. */
#define SHOP_ROOM_TIME_LEN 32
int shop_room_now(fl_db *db, char at[SHOP_ROOM_TIME_LEN], long long *ms);

/* ---- a session as the room's operations find it -------------------------- */

typedef struct shop_room {
    long long id, coop_id, account_id;
    char public_id[17];
    char status[8];
} shop_room;

/* The session public_id into *room: 404 when there is none. With who, the
 * caller must be a member of its cooperative (SHOP_MEMBER_FARMER or more)
 * or a platform admin (401, 403). With lock, its row is locked FOR UPDATE
 * (inside the caller's transaction). */
int shop_room_enter(fl_db *db, const shop_actor *who, const char *public_id, int lock, shop_room *room, shop_fault *f);

/* 1 when the session sells as a live room now (live or idle). */
int shop_room_on_air(const shop_room *room);

/* Raises an event of the room (type, data stolen) after a commit. Never
 * fails the caller (logged). */
void shop_room_publish(const shop_ctx *ctx, const char *public_id, const char *type, unsigned flags, json_t *data);

/* ---- the shelf ------------------------------------------------------------ */

/* Puts sku_id on the shelf (at the end), or sets its live price when it is
 * there already; live_price_fen 0: the everyday price. *out: the shelf
 * {"id","items":[...]}. 404 unknown session or SKU (or one of another
 * cooperative), 422 sku_unavailable (not sold), 409 shelf_full (at
 * SHOP_ROOM_SHELF_MAX), 409 live_ended. */
int shop_room_shelf_put(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, long long sku_id,
                        long long live_price_fen, json_t **out, shop_fault *f);

/* Takes sku_id off the shelf (its pin ends with it). *out: the shelf. 404
 * when it is not on it, 409 live_ended. */
int shop_room_shelf_remove(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id,
                           long long sku_id, json_t **out, shop_fault *f);

/* The shelf as anyone sees it: {"id","items":[...]} (404). */
int shop_room_shelf_get(fl_db *db, const char *public_id, json_t **out, shop_fault *f);

/* The shelf's items of session live_id (a JSON array, at most
 * SHOP_ROOM_SHELF_MAX). FL_DB_OK or FL_DB_E*. */
int shop_room_shelf_items(fl_db *db, long long live_id, json_t **out);

/* ---- pins and moments ------------------------------------------------------ */

/* Pins shelf SKU sku_id: the open moment (another SKU's) ends, a new one
 * starts, now. Pinning what is pinned already changes nothing. *out: the
 * moment. 422 not_on_shelf, 409 live_ended. */
int shop_room_pin(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, long long sku_id,
                  json_t **out, shop_fault *f);

/* Ends the open moment, if any. *out: {"moment": the moment ended, or
 * null}. 409 live_ended. */
int shop_room_unpin(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, json_t **out,
                    shop_fault *f);

/* A page of the session's moments, oldest first (after: the last moment id
 * shown, 0 for the first page): {"items":[...],"next_cursor"}. 404. */
int shop_room_moments_page(fl_db *db, const char *public_id, long long after, long long limit, json_t **out,
                           shop_fault *f);

/* The moments of session live_id, oldest first (at most
 * SHOP_ROOM_MOMENTS_MAX), as a JSON array. FL_DB_OK or FL_DB_E*. */
int shop_room_moments_all(fl_db *db, long long live_id, json_t **out);

/* ---- the end, from every path (live.c) -------------------------------------- */

/* Inside the transaction that ends session live_id (its row locked): the
 * open moment ends now, and the session's flash sales that have not ended
 * end now (their unsold units go back with every ended sale's,
 * shop_flash_release_ended). FL_DB_OK or FL_DB_E*. */
int shop_room_end_tx(fl_db *db, long long live_id);

/* ---- the lot's livestream moments (the trace page) --------------------------- */

/* The sessions in which units of lot lot_id (of product product_id) were
 * sold, or in which its product was presented while the lot was on sale,
 * newest first (at most 20), as a JSON array of {"live_id","title",
 * "status","farmer","started_at","ended_at","units_sold","moment":{...}|
 * null,"replay_url","replay_at"}: moment is the first of the product's
 * moments in that session while the lot existed, replay_at the replay at
 * its start (null until the replay is known). FL_DB_OK or FL_DB_E*. */
int shop_room_lot_sessions(fl_db *db, long long lot_id, long long product_id, json_t **out);

#endif
