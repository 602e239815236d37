/* live_replay.c - the farmer's end of a session, and its replay (see
 * shop/domain/live_replay.h).
 *
 *   end:     rights -> shop_live_change_status(END) (the room closes in
 *            its transaction) -> the relay drops the publisher (logged)
 *   replay:  the relay's recording, once finished -> live_sessions
 *            (replay_url, replay_duration_ms) -> "replay" on the room's
 *            topic; read with the moments and the shelf */
#include "farmlive/shop/domain/live_replay.h"
#include "farmlive/log.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/live_room.h"
#include "farmlive/shop/domain/relay_api.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define REPLAY_WATCH_S 600 /* sessions ended this long ago are still asked for */
#define REPLAY_PASS_MAX 5  /* sessions asked for in one pass */
#define RFC3339(c) "DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%s.%fZ')"

static int replay_keep(const shop_ctx *ctx, fl_db *db, long long id, const char *public_id, const json_t *rec);

int shop_room_end(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, json_t **out,
                  shop_fault *f)
{
    shop_room room;
    shop_live_change ch;
    int rc;
    if ((rc = shop_room_enter(db, who, public_id, 0, &room, f)) < 0 ||
        (rc = shop_live_change_status(ctx, db, SHOP_LIVE_END, public_id, NULL, &ch, f)) < 0)
        return rc;
    /* best effort: the relay ends it at its grace period otherwise */
    if (ch.changed && strcmp(ch.from, "created") != 0 && ctx->cfg->relay_url[0]) {
        json_t *rec = NULL;
        if (shop_relay_drop(ctx->cfg, public_id, &rec) >= 0 && rec)
            replay_keep(ctx, db, room.id, public_id, rec); /* finalized: the replay is known now */
        json_decref(rec);
    }
    return shop_live_find(ctx->cfg, db, public_id, out, f);
}

/* Keeps a finished recording (the relay's listing rec) as session id's
 * replay and announces it; nothing for one still being written. 1 when
 * kept now. */
static int replay_keep(const shop_ctx *ctx, fl_db *db, long long id, const char *public_id, const json_t *rec)
{
    const char *url = json_string_value(json_object_get(rec, "url"));
    double secs = json_number_value(json_object_get(rec, "duration_s"));
    char full[600];
    if (!url || url[0] != '/' || !json_is_true(json_object_get(rec, "finished")))
        return 0;
    snprintf(full, sizeof(full), "%s%s", ctx->cfg->relay_public_base, url);
    long long ms = (long long)llround(secs * 1000);
    if (fl_db_exec(
            db, "UPDATE live_sessions SET replay_url = ?, replay_duration_ms = ? WHERE id = ? AND replay_url IS NULL",
            "sii", full, ms, id) != FL_DB_OK ||
        fl_db_affected(db) != 1)
        return 0;
    fl_log(FL_LOG_INFO, "replay_ready", "%s: %s (%.1f s)", public_id, full, secs);
    shop_room_publish(ctx, public_id, SHOP_ROOM_EV_REPLAY, 0,
                      json_pack("{s:s,s:s,s:f}", "id", public_id, "url", full, "duration_s", ms / 1000.0));
    return 1;
}

/* Asks the relay for session id's recording and keeps it when finished:
 * 1 kept now, 0 not (yet), -1 the relay did not answer. */
static int replay_ask(const shop_ctx *ctx, fl_db *db, long long id, const char *public_id)
{
    json_t *rec = NULL;
    if (shop_relay_recording(ctx->cfg, public_id, &rec) < 0)
        return -1;
    if (!rec)
        return 0;
    int kept = replay_keep(ctx, db, id, public_id, rec);
    json_decref(rec);
    return kept;
}

/* clang-format off */
enum { RP_ID, RP_TITLE, RP_STATUS, RP_COOP, RP_COOP_NAME, RP_FARMER, RP_STARTED, RP_ENDED, RP_URL, RP_MS };
/* clang-format on */
static const char REPLAY_SQL[] = "SELECT l.id, l.title, l.status, l.coop_id, c.name, a.display_name, " RFC3339(
    "l.started_at") ", " RFC3339("l.ended_at") ", l.replay_url, l.replay_duration_ms FROM live_sessions l "
                                               "JOIN cooperatives c ON c.id = l.coop_id "
                                               "JOIN accounts a ON a.id = l.account_id WHERE l.public_id = ?";

/* The moments with where the replay shows them. */
static void moments_placed(json_t *moments, const char *url)
{
    size_t i;
    json_t *m;
    json_array_foreach(moments, i, m)
    {
        long long ms = json_integer_value(json_object_get(m, "start_offset_ms"));
        json_object_set_new(m, "at_s", json_real(ms / 1000.0));
        json_object_set_new(m, "replay_at",
                            url ? json_sprintf("%s#t=%lld.%03lld", url, ms / 1000, ms % 1000) : json_null());
    }
}

int shop_room_replay_get(const shop_ctx *ctx, fl_db *db, const char *public_id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    json_t *moments = NULL, *shelf = NULL;
    int rc;
    if (!shop_live_id_valid(public_id))
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no such live session");
    for (int pass = 0; pass < 2; pass++) {
        rc = fl_db_query(db, &rows, REPLAY_SQL, "s", public_id);
        if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "no live session %s", public_id)) < 0)
            goto out;
        /* ended, replay unknown: ask the relay once, then read again */
        if (pass == 1 || fl_rows_str(rows, 0, RP_URL) || strcmp(fl_rows_str(rows, 0, RP_STATUS), "ended") != 0 ||
            !fl_rows_str(rows, 0, RP_STARTED) || replay_ask(ctx, db, fl_rows_int(rows, 0, RP_ID), public_id) != 1)
            break;
        fl_rows_free(rows);
        rows = NULL;
    }
    long long id = fl_rows_int(rows, 0, RP_ID);
    const char *url = fl_rows_str(rows, 0, RP_URL);
    if ((rc = shop_room_moments_all(db, id, &moments)) != FL_DB_OK ||
        (rc = shop_room_shelf_items(db, id, &shelf)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    moments_placed(moments, url);
    *out = json_pack(
        "{s:s,s:s,s:s,s:{s:I,s:s},s:s,s:o,s:o,s:o,s:o,s:o}", "id", public_id, "title", fl_rows_str(rows, 0, RP_TITLE),
        "status", fl_rows_str(rows, 0, RP_STATUS), "coop", "id", (json_int_t)fl_rows_int(rows, 0, RP_COOP), "name",
        fl_rows_str(rows, 0, RP_COOP_NAME), "farmer", fl_rows_str(rows, 0, RP_FARMER), "started_at",
        fl_rows_str(rows, 0, RP_STARTED) ? json_string(fl_rows_str(rows, 0, RP_STARTED)) : json_null(), "ended_at",
        fl_rows_str(rows, 0, RP_ENDED) ? json_string(fl_rows_str(rows, 0, RP_ENDED)) : json_null(), "replay",
        url ? json_pack("{s:s,s:f}", "url", url, "duration_s", fl_rows_int(rows, 0, RP_MS) / 1000.0) : json_null(),
        "moments", moments, "shelf", shelf);
    moments = shelf = NULL;
    rc = SHOP_OK;
out:
    json_decref(moments);
    json_decref(shelf);
    fl_rows_free(rows);
    return rc;
}

int shop_room_replays(shop_ctx *ctx)
{
    enum { RS_ID, RS_PUBLIC_ID };
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int found = 0;
    if (!ctx->cfg->relay_url[0])
        return 0;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    int rc = fl_db_query(db, &rows,
                         "SELECT id, public_id FROM live_sessions WHERE status = 'ended' AND replay_url IS NULL "
                         "AND started_at IS NOT NULL AND ended_at > NOW(3) - INTERVAL ? SECOND "
                         "ORDER BY ended_at DESC LIMIT ?",
                         "ii", (long long)REPLAY_WATCH_S, (long long)REPLAY_PASS_MAX);
    if (rc != FL_DB_OK) {
        fl_db_release(db);
        return -1;
    }
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        int got = replay_ask(ctx, db, fl_rows_int(rows, i, RS_ID), fl_rows_str(rows, i, RS_PUBLIC_ID));
        if (got < 0)
            break; /* the relay does not answer: the next pass */
        found += got;
    }
    fl_rows_free(rows);
    fl_db_release(db);
    return found;
}
