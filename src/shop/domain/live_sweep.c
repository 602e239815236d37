/* live_sweep.c - live sessions the relay can no longer speak for.
 *
 * The relay reports unpublish and the end of each grace period itself. When
 * the relay is gone (crashed, its host rebooted) nobody would: sessions
 * would stay "live" or "idle" forever. shop_live_sweep, from the orders
 * jobs thread (core/jobs.h) every few seconds, does what the relay would have done:
 *
 *   1. the sessions that may need it, from MariaDB (the connection is given
 *      back before the relay is asked)
 *   2. GET FARMLIVE_RELAY_URL/api/streams (relay_api.h, 2 s). A refused
 *      connection means nothing listens there: the relay holds no stream.
 *      A timeout, an error status or a body that is not the list: nothing
 *      is decided this pass (a slow relay is not a dead one)
 *   3. a "live" session the relay does not list, unchanged for
 *      LIVE_LOST_AFTER_S (its publish may still be on its way to the relay's
 *      stream table) -> idle, reason "relay_lost"
 *   4. an "idle" session the relay does not list, older than
 *      FARMLIVE_LIVE_GRACE + GRACE_MARGIN_S (the relay ends it at the grace)
 *      -> ended, reason "grace_expired"
 *
 * Each change is applied only if the session is as the sweep read it (its
 * updated_at): a publisher that reconnected meanwhile is left alone.
 * Every shop process may sweep: the transitions are guarded updates, so a
 * second sweep finds nothing to change. Off when FARMLIVE_RELAY_URL is
 * empty (a shop with no relay beside it). */
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/room_counts.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/shop/domain/relay_api.h"

#include <string.h>

#define LIVE_LOST_AFTER_S 10
#define GRACE_MARGIN_S 10

/* The relay's streams ({"streams":[{"live_id":...}, ...]}): the list, an
 * empty list when the connection was refused (no relay there), or NULL
 * when the answer cannot be trusted either way. */
static json_t *relay_streams(const fl_config *cfg)
{
    shop_relay_answer ans;
    json_t *streams = NULL;
    if (shop_relay_call(cfg, "GET", "/api/streams", 0, SHOP_RELAY_TIMEOUT_MS, &ans) < 0) {
        if (ans.refused)
            streams = json_array();
    } else if (ans.status == 200 && json_is_array(json_object_get(ans.body, "streams"))) {
        streams = json_incref(json_object_get(ans.body, "streams"));
    }
    if (!streams)
        fl_log(FL_LOG_WARN, "live_relay_unclear", "%s/api/streams: %s (HTTP %ld): no session changed this pass",
               cfg->relay_url, ans.why[0] ? ans.why : "not the list", ans.status);
    shop_relay_answer_free(&ans);
    return streams;
}

static int listed(const json_t *streams, const char *live_id)
{
    size_t i;
    json_t *s;
    json_array_foreach(streams, i, s)
    {
        const char *id = json_string_value(json_object_get(s, "live_id"));
        if (id && strcmp(id, live_id) == 0)
            return 1;
    }
    return 0;
}

/* Columns of the sweep's SELECT. */
enum { SC_PUBLIC_ID, SC_STATUS, SC_UPDATED };

int shop_live_sweep(const shop_ctx *ctx)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *streams = NULL;
    int changed = 0, rc;

    if (!ctx->cfg->relay_url[0])
        return 0;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    rc = fl_db_query(db, &rows,
                     "SELECT public_id, status, updated_at FROM live_sessions WHERE "
                     "(status = 'live' AND updated_at < NOW(3) - INTERVAL ? SECOND) OR "
                     "(status = 'idle' AND idle_since < NOW(3) - INTERVAL ? SECOND) LIMIT 500",
                     "ii", (long long)LIVE_LOST_AFTER_S, (long long)(ctx->cfg->live_grace_s + GRACE_MARGIN_S));
    fl_db_release(db); /* not held while the relay answers */
    db = NULL;
    if (rc != FL_DB_OK)
        return -1;
    /* asked every pass, sessions to check or not: its viewers are the rooms' counts */
    if (!(streams = relay_streams(ctx->cfg)))
        goto out_free;
    shop_room_relay_viewers(ctx, streams);
    if (fl_rows_count(rows) == 0)
        goto out_free;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK) {
        changed = -1;
        goto out_free;
    }
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        const char *id = fl_rows_str(rows, i, SC_PUBLIC_ID), *seen = fl_rows_str(rows, i, SC_UPDATED);
        int idle = strcmp(fl_rows_str(rows, i, SC_STATUS), "idle") == 0;
        if (listed(streams, id))
            continue;
        if (!idle)
            fl_log(FL_LOG_WARN, "live_relay_lost", "%s is live but the relay at %s does not hold it", id,
                   ctx->cfg->relay_url);
        if (shop_live_apply(ctx, db, idle ? SHOP_LIVE_END : SHOP_LIVE_UNPUBLISH, id,
                            idle ? "grace_expired" : "relay_lost", seen) > 0)
            changed++;
    }
    fl_db_release(db);
out_free:
    json_decref(streams);
    fl_rows_free(rows);
    return changed;
}
