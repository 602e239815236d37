/* live.c - live sessions: rows, stream keys and the status machine (see
 * shop/domain/live.h). No HTTP here: api/live.c parses and answers, the
 * relay's reports and the sweep (live_sweep.c) come in through
 * shop_live_change_status and shop_live_apply.
 *
 *   change:  BEGIN; SELECT ... FOR UPDATE; live_next(); UPDATE; INSERT log;
 *            COMMIT  (a deadlock: again, LIVE_TX_TRIES times)
 *            then the change on the feed: live:{public_id}, type "status" */
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/live_room.h"
#include "farmlive/shop/domain/media.h"
#include "farmlive/shop/domain/relay_api.h"
#include "farmlive/shop/rt/event.h"
#include "farmlive/shop/rt/feed.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"
#include "farmlive/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVE_TX_TRIES 3

/* clang-format off */
/* Columns of LIVE_SELECT. */
enum { LC_ID, LC_PUBLIC_ID, LC_TITLE, LC_STATUS, LC_COOP_ID, LC_COOP_NAME, LC_STARTED, LC_ENDED,
       LC_CREATED, LC_UPDATED, LC_PLANNED, LC_COVER, LC_LIKES };

#define LIVE_SELECT                                                                                \
    "SELECT l.id, l.public_id, l.title, l.status, l.coop_id, c.name, l.started_at, l.ended_at, "  \
    "l.created_at, l.updated_at, l.planned_at, l.cover_url, l.likes "                              \
    "FROM live_sessions l JOIN cooperatives c ON c.id = l.coop_id "

/* Columns of TX_SELECT's statements: the row a change locks. */
enum { TC_ID, TC_PUBLIC_ID, TC_COOP_ID, TC_STATUS, TC_UPDATED };
/* clang-format on */

static const char *const TX_SELECT[] = {
    [SHOP_LIVE_PUBLISH] = "SELECT id, public_id, coop_id, status, updated_at FROM live_sessions "
                          "WHERE key_hash = ? FOR UPDATE",
    [SHOP_LIVE_UNPUBLISH] = "SELECT id, public_id, coop_id, status, updated_at FROM live_sessions "
                            "WHERE public_id = ? FOR UPDATE",
    [SHOP_LIVE_END] = "SELECT id, public_id, coop_id, status, updated_at FROM live_sessions "
                      "WHERE public_id = ? FOR UPDATE",
};

/* ---- the status machine (no I/O) ------------------------------------------ */

/* What op does to a session in status `from`: LIVE_NEXT_CHANGE with *to and
 * *reason set (to may equal from: a takeover is logged but is no status
 * change), LIVE_NEXT_SAME when nothing is to be written, LIVE_NEXT_REFUSE
 * when op is not allowed (publishing an ended session). */
enum { LIVE_NEXT_CHANGE = 0, LIVE_NEXT_SAME = 1, LIVE_NEXT_REFUSE = -1 };

static int live_next(enum shop_live_op op, const char *from, const char **to, const char **reason)
{
    *to = from;
    *reason = NULL;
    switch (op) {
    case SHOP_LIVE_PUBLISH:
        if (strcmp(from, "ended") == 0)
            return LIVE_NEXT_REFUSE;
        *to = "live";
        *reason = strcmp(from, "created") == 0 ? "publish" : "reconnect";
        return LIVE_NEXT_CHANGE;
    case SHOP_LIVE_UNPUBLISH:
        if (strcmp(from, "live") != 0)
            return LIVE_NEXT_SAME;
        *to = "idle";
        *reason = "unpublish";
        return LIVE_NEXT_CHANGE;
    case SHOP_LIVE_END:
        if (strcmp(from, "ended") == 0)
            return LIVE_NEXT_SAME;
        *to = "ended";
        *reason = "ended";
        return LIVE_NEXT_CHANGE;
    }
    return LIVE_NEXT_REFUSE;
}

/* ---- values ---------------------------------------------------------------- */

/* n lowercase hex characters exactly. */
static int is_hex(const char *s, size_t n)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == n;
}

int shop_live_id_valid(const char *s)
{
    return s && is_hex(s, SHOP_LIVE_ID_HEX);
}

int shop_live_status_valid(const char *s)
{
    return strcmp(s, "created") == 0 || strcmp(s, "live") == 0 || strcmp(s, "idle") == 0 || strcmp(s, "ended") == 0;
}

static void key_hash(const char *key, char out[FL_SHA256_HEX])
{
    fl_sha256_hex(key, strlen(key), out);
}

/* A DATETIME column as RFC 3339, or null. */
static json_t *time_json(const char *sql)
{
    char t[FL_TIME_LEN];
    return sql && fl_time_from_sql(sql, t) == 0 ? json_string(t) : json_null();
}

/* One session row as the public JSON: never the key. */
static json_t *live_json(const fl_config *cfg, const fl_rows *rows, size_t i)
{
    const char *id = fl_rows_str(rows, i, LC_PUBLIC_ID);
    const char *base = cfg->relay_public_base;
    char url[512];
    json_t *o = json_object();

    json_object_set_new(o, "id", shop_json_str(id));
    json_object_set_new(o, "title", shop_json_str(fl_rows_str(rows, i, LC_TITLE)));
    json_object_set_new(o, "status", shop_json_str(fl_rows_str(rows, i, LC_STATUS)));
    json_object_set_new(o, "coop",
                        json_pack("{s:I,s:o}", "id", (json_int_t)fl_rows_int(rows, i, LC_COOP_ID), "name",
                                  shop_json_str(fl_rows_str(rows, i, LC_COOP_NAME))));
    snprintf(url, sizeof(url), "%s/live/%s/index.m3u8", base, id);
    json_object_set_new(o, "hls_url", json_string(url));
    snprintf(url, sizeof(url), "%s/live/%s.flv", base, id);
    json_object_set_new(o, "flv_url", json_string(url));
    snprintf(url, sizeof(url), "%s/live/%s/thumb.jpg", base, id);
    json_object_set_new(o, "thumbnail_url", json_string(url));
    snprintf(url, sizeof(url), "%s/api/recordings?live_id=%s", base, id); /* the replays, once recorded */
    json_object_set_new(o, "recordings_url", json_string(url));
    json_object_set_new(o, "started_at", time_json(fl_rows_str(rows, i, LC_STARTED)));
    json_object_set_new(o, "ended_at", time_json(fl_rows_str(rows, i, LC_ENDED)));
    json_object_set_new(o, "created_at", time_json(fl_rows_str(rows, i, LC_CREATED)));
    json_object_set_new(o, "updated_at", time_json(fl_rows_str(rows, i, LC_UPDATED)));
    json_object_set_new(o, "planned_at", time_json(fl_rows_str(rows, i, LC_PLANNED)));
    json_object_set_new(o, "cover_url", shop_json_str(fl_rows_str(rows, i, LC_COVER)));
    json_object_set_new(o, "likes", json_integer(fl_rows_int(rows, i, LC_LIKES)));
    return o;
}

/* ---- the feed ---------------------------------------------------------------- */

/* Raises a committed change on the feed. Never fails the caller: MariaDB
 * holds the truth, and a lost event only delays what clients show. */
static void live_announce(const shop_ctx *ctx, const char *public_id, long long coop_id, const char *to,
                          const char *from, const char *reason)
{
    char at[FL_TIME_LEN], topic[SHOP_RT_TOPIC_MAX + 1];
    json_t *m = NULL;
    char *text = NULL;

    fl_time_format((long long)time(NULL), at);
    m = json_pack("{s:s,s:I,s:s,s:o,s:s,s:s}", "id", public_id, "coop_id", (json_int_t)coop_id, "status", to,
                  "previous", from ? json_string(from) : json_null(), "reason", reason, "at", at);
    text = m ? json_dumps(m, JSON_COMPACT) : NULL; /* jansson's: NULL when it cannot encode */
    if (!text || shop_rt_topic_live(topic, public_id) != 0 ||
        shop_rt_publish(ctx->rt, topic, SHOP_LIVE_EVENT_STATUS, 0, text, strlen(text)) != 0)
        fl_log(FL_LOG_WARN, "live_publish_failed", "%s %s: the feed refused the event", public_id, to);
    free(text);
    json_decref(m);
}

/* The key's fields of an answer: rtmp_url, stream_key, and push_url (the
 * two joined, what a phone app scans); srt_url (SRT's push URL, the key in
 * its stream id) when the relay's SRT ingest has a public address. */
static void key_json(const fl_config *cfg, json_t *o, const char *key)
{
    const char *base = cfg->rtmp_public_url;
    size_t n = strlen(base);
    char push[600], srt[sizeof(cfg->srt_public_addr) + FL_TOKEN_HEX + 32];
    snprintf(push, sizeof(push), "%s%s%s", base, n && base[n - 1] == '/' ? "" : "/", key);
    json_object_set_new(o, "rtmp_url", json_string(base));
    json_object_set_new(o, "stream_key", json_string(key));
    json_object_set_new(o, "push_url", json_string(push));
    if (cfg->srt_public_addr[0]) {
        snprintf(srt, sizeof(srt), "srt://%s?streamid=%s", cfg->srt_public_addr, key);
        json_object_set_new(o, "srt_url", json_string(srt));
    }
}

/* ---- making, reading, listing ------------------------------------------------ */

/* The cooperative a new session belongs to: coop_id when given (it must
 * exist, and the caller be a member or a platform admin), else the
 * caller's only membership. */
static int pick_coop(fl_db *db, long long account_id, int platform_admin, long long *coop_id, shop_fault *f)
{
    enum { PC_COOP_ID };
    enum { PM_ROLE };
    fl_rows *rows = NULL;
    int rc;

    if (*coop_id) {
        if ((rc = fl_db_query(db, &rows, "SELECT 1 FROM cooperatives WHERE id = ?", "i", *coop_id)) != FL_DB_OK) {
            rc = shop_fault_db(f, rc);
            goto out;
        }
        if (fl_rows_count(rows) == 0) {
            rc = shop_fault_set(f, SHOP_E_VALIDATION, NULL, "coop_id %lld: no such cooperative", *coop_id);
            goto out;
        }
        if (platform_admin) {
            rc = SHOP_OK;
            goto out;
        }
        fl_rows_free(rows);
        rows = NULL;
        if ((rc = fl_db_query(db, &rows, "SELECT role FROM coop_members WHERE coop_id = ? AND account_id = ?", "ii",
                              *coop_id, account_id)) != FL_DB_OK) {
            rc = shop_fault_db(f, rc);
            goto out;
        }
        rc = fl_rows_count(rows) == 1 && fl_rows_str(rows, 0, PM_ROLE)
                 ? SHOP_OK
                 : shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "you are not a member of cooperative %lld", *coop_id);
        goto out;
    }
    if ((rc = fl_db_query(db, &rows, "SELECT coop_id FROM coop_members WHERE account_id = ? ORDER BY coop_id LIMIT 2",
                          "i", account_id)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_rows_count(rows) != 1) {
        rc = shop_fault_set(f, SHOP_E_VALIDATION, NULL, "coop_id is required: you %s",
                            fl_rows_count(rows) ? "belong to several cooperatives" : "belong to no cooperative");
        goto out;
    }
    *coop_id = fl_rows_int(rows, 0, PC_COOP_ID);
    rc = SHOP_OK;
out:
    fl_rows_free(rows);
    return rc;
}

int shop_live_open(const shop_ctx *ctx, fl_db *db, long long account_id, int platform_admin, long long coop_id,
                   const char *title, long long planned_at, json_t **out, shop_fault *f)
{
    char planned[FL_SQLTIME_LEN];
    fl_rows *rows = NULL;
    char public_id[SHOP_LIVE_ID_HEX + 1], key[FL_TOKEN_HEX], hash[FL_SHA256_HEX];
    long long id;
    int rc;

    *out = NULL;
    if ((rc = pick_coop(db, account_id, platform_admin, &coop_id, f)) != SHOP_OK)
        goto out;
    if (planned_at > 0)
        fl_time_sql(planned_at, planned);
    /* A collision of 64 random bits (public id) or 256 (key) is not expected;
     * a duplicate is retried with fresh values all the same. */
    for (int tries = 0;; tries++) {
        fl_random_hex(public_id, SHOP_LIVE_ID_HEX / 2);
        fl_random_token(key);
        key_hash(key, hash);
        rc = fl_db_exec(db,
                        "INSERT INTO live_sessions (public_id, coop_id, account_id, title, planned_at, key_hash) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        "siisss", public_id, coop_id, account_id, title, planned_at > 0 ? planned : NULL, hash);
        if (rc != FL_DB_EDUP || tries + 1 >= LIVE_TX_TRIES)
            break;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    id = (long long)fl_db_insert_id(db);
    if ((rc = fl_db_query(db, &rows, LIVE_SELECT "WHERE l.id = ?", "i", id)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_rows_count(rows) != 1) {
        rc = shop_fault_set(f, SHOP_E_INTERNAL, NULL, "live session %lld vanished", id);
        goto out;
    }
    *out = live_json(ctx->cfg, rows, 0);
    key_json(ctx->cfg, *out, key);
    live_announce(ctx, public_id, coop_id, "created", NULL, "created");
    rc = SHOP_OK;
out:
    sodium_memzero(key, sizeof(key));
    fl_rows_free(rows);
    return rc;
}

int shop_live_find(const fl_config *cfg, fl_db *db, const char *public_id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc;

    if (out)
        *out = NULL;
    if (!shop_live_id_valid(public_id))
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no such live session");
    if ((rc = fl_db_query(db, &rows, LIVE_SELECT "WHERE l.public_id = ?", "s", public_id)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no live session %s", public_id);
        goto out;
    }
    if (out)
        *out = live_json(cfg, rows, 0);
    rc = SHOP_OK;
out:
    fl_rows_free(rows);
    return rc;
}

int shop_live_page(const fl_config *cfg, fl_db *db, const char *status, long long coop, long long cursor,
                   long long limit, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    json_t *items;
    int rc;

    *out = NULL;
    rc = fl_db_query(db, &rows,
                     LIVE_SELECT "WHERE (? IS NULL OR l.status = ?) AND (? = 0 OR l.coop_id = ?) "
                                 "AND (? = 0 OR l.id < ?) ORDER BY l.id DESC LIMIT ?",
                     "ssiiiii", status, status, coop, coop, cursor, cursor, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows) && i < (size_t)limit; i++)
        json_array_append_new(items, live_json(cfg, rows, i));
    *out = json_pack("{s:o,s:o}", "items", items, "next_cursor", shop_cursor_next(rows, limit, LC_ID));
    fl_rows_free(rows);
    return SHOP_OK;
}

/* ---- transitions ----------------------------------------------------------- */

/* live_tx's answers besides FL_DB_* (which are all <= 0). */
enum { LIVE_TX_UNKNOWN = 1, LIVE_TX_REFUSED = 2 };

/* One attempt: FL_DB_* from the database, LIVE_TX_UNKNOWN when no session
 * matches, LIVE_TX_REFUSED when the status machine refuses. With seen (the
 * row's updated_at as the caller read it), a row changed since then is left
 * as it is. On FL_DB_OK the transaction is committed; otherwise it was
 * rolled back. */
static int live_tx(fl_db *db, enum shop_live_op op, const char *lookup, const char *client_ip, const char *why,
                   const char *seen, shop_live_change *ch)
{
    fl_rows *rows = NULL;
    int rc, next;

    ch->changed = 0;
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        goto out;
    if ((rc = fl_db_query(db, &rows, TX_SELECT[op], "s", lookup)) != FL_DB_OK)
        goto out_rollback;
    if (fl_rows_count(rows) == 0) {
        rc = LIVE_TX_UNKNOWN;
        goto out_rollback;
    }
    ch->id = fl_rows_int(rows, 0, TC_ID);
    snprintf(ch->public_id, sizeof(ch->public_id), "%s", fl_rows_str(rows, 0, TC_PUBLIC_ID));
    ch->coop_id = fl_rows_int(rows, 0, TC_COOP_ID);
    snprintf(ch->from, sizeof(ch->from), "%s", fl_rows_str(rows, 0, TC_STATUS));

    next = live_next(op, ch->from, &ch->to, &ch->reason);
    if (seen && strcmp(fl_rows_str(rows, 0, TC_UPDATED), seen) != 0)
        next = LIVE_NEXT_SAME; /* changed since the caller looked: its reason may no longer hold */
    if (why && next == LIVE_NEXT_CHANGE)
        ch->reason = why;
    if (next == LIVE_NEXT_REFUSE) {
        rc = LIVE_TX_REFUSED;
        goto out_rollback;
    }
    if (next == LIVE_NEXT_SAME) {
        rc = fl_db_commit(db);
        goto out;
    }
    switch (op) {
    case SHOP_LIVE_PUBLISH:
        rc = fl_db_exec(db,
                        "UPDATE live_sessions SET status = 'live', publish_count = publish_count + 1, "
                        "publisher_ip = ?, started_at = COALESCE(started_at, NOW(3)), "
                        "idle_since = NULL WHERE id = ?",
                        "si", client_ip, ch->id);
        break;
    case SHOP_LIVE_UNPUBLISH:
        rc = fl_db_exec(db, "UPDATE live_sessions SET status = 'idle', idle_since = NOW(3) WHERE id = ?", "i", ch->id);
        break;
    case SHOP_LIVE_END:
        rc = fl_db_exec(db,
                        "UPDATE live_sessions SET status = 'ended', idle_since = NULL, "
                        "ended_at = NOW(3) WHERE id = ?",
                        "i", ch->id);
        break;
    }
    if (rc != FL_DB_OK)
        goto out_rollback;
    rc = fl_db_exec(db,
                    "INSERT INTO live_status_log (live_id, from_status, to_status, reason, client_ip) "
                    "VALUES (?, ?, ?, ?, ?)",
                    "issss", ch->id, ch->from, ch->to, ch->reason, client_ip);
    if (rc == FL_DB_OK && op == SHOP_LIVE_END) /* the room closes with it: its pin, its flash sales */
        rc = shop_room_end_tx(db, ch->id);
    if (rc != FL_DB_OK)
        goto out_rollback;
    if ((rc = fl_db_commit(db)) == FL_DB_OK)
        ch->changed = 1;
    goto out;
out_rollback:
    fl_db_rollback(db);
out:
    fl_rows_free(rows);
    return rc;
}

/* Runs op (retrying deadlocks) and announces a status change: FL_DB_*,
 * LIVE_TX_UNKNOWN or LIVE_TX_REFUSED. why, when given, replaces the
 * reason logged and announced. */
static int live_change_apply(const shop_ctx *ctx, fl_db *db, enum shop_live_op op, const char *lookup,
                             const char *client_ip, const char *why, const char *seen, shop_live_change *ch)
{
    int rc;
    for (int tries = 0;; tries++) {
        rc = live_tx(db, op, lookup, client_ip, why, seen, ch);
        if (rc != FL_DB_EDEADLOCK || tries + 1 >= LIVE_TX_TRIES)
            break;
    }
    if (rc != FL_DB_OK)
        return rc;
    if (ch->changed && strcmp(ch->from, ch->to) != 0)
        live_announce(ctx, ch->public_id, ch->coop_id, ch->to, ch->from, ch->reason);
    fl_log(FL_LOG_INFO, "live_status", "%s %s -> %s (%s) from %s", ch->public_id, ch->from, ch->to,
           ch->changed ? ch->reason : "no change", client_ip ? client_ip : "-");
    return FL_DB_OK;
}

int shop_live_change_status(const shop_ctx *ctx, fl_db *db, enum shop_live_op op, const char *lookup,
                            const char *client_ip, shop_live_change *ch, shop_fault *f)
{
    char hash[FL_SHA256_HEX];
    int rc;

    if (op == SHOP_LIVE_PUBLISH) {
        if (!is_hex(lookup, SHOP_LIVE_KEY_HEX))
            return shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "unknown stream key");
        key_hash(lookup, hash);
        lookup = hash;
    } else if (!shop_live_id_valid(lookup)) {
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no live session %s", lookup);
    }
    rc = live_change_apply(ctx, db, op, lookup, client_ip, NULL, NULL, ch);
    if (rc == LIVE_TX_UNKNOWN)
        return op == SHOP_LIVE_PUBLISH ? shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "unknown stream key")
                                       : shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no live session %s", lookup);
    if (rc == LIVE_TX_REFUSED)
        return shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "live session %s has ended", ch->public_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    return SHOP_OK;
}

int shop_live_apply(const shop_ctx *ctx, fl_db *db, enum shop_live_op op, const char *public_id, const char *why,
                    const char *seen)
{
    shop_live_change ch;
    if (op == SHOP_LIVE_PUBLISH || !shop_live_id_valid(public_id))
        return -1;
    int rc = live_change_apply(ctx, db, op, public_id, NULL, why, seen, &ch);
    if (rc != FL_DB_OK)
        fl_log(FL_LOG_WARN, "live_apply_failed", "%s: %s (%d)", public_id, why, rc);
    return rc == FL_DB_OK && ch.changed ? 1 : rc == FL_DB_OK ? 0 : -1;
}

/* ---- the farmer's studio ------------------------------------------------------ */

/* The caller may see and change the session's key: its farmer, an admin of
 * its cooperative, a platform admin; 403 for the rest (401 anonymous). */
static int key_holder(fl_db *db, const shop_actor *who, const shop_room *room, shop_fault *f)
{
    if (who->account_id && who->account_id == room->account_id)
        return SHOP_OK;
    return shop_rights_actor(db, who, room->coop_id, SHOP_MEMBER_ADMIN, f);
}

int shop_live_key_visible(fl_db *db, const shop_actor *who, const char *public_id, shop_fault *f)
{
    shop_room room;
    int rc;
    if ((rc = shop_room_enter(db, who, public_id, 0, &room, f)) < 0)
        return rc;
    return key_holder(db, who, &room, f);
}

int shop_live_rotate_key(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, json_t **out,
                         shop_fault *f)
{
    shop_room room;
    char key[FL_TOKEN_HEX], hash[FL_SHA256_HEX];
    int rc;

    *out = NULL;
    if ((rc = shop_room_enter(db, who, public_id, 0, &room, f)) < 0 || (rc = key_holder(db, who, &room, f)) < 0)
        return rc;
    if (strcmp(room.status, "ended") == 0)
        return shop_fault_set(f, SHOP_E_CONFLICT, "live_ended", "live session %s has ended", public_id);
    for (int tries = 0;; tries++) {
        fl_random_token(key);
        key_hash(key, hash);
        rc = fl_db_exec(db, "UPDATE live_sessions SET key_hash = ? WHERE id = ? AND status <> 'ended'", "si", hash,
                        room.id);
        if (rc != FL_DB_EDUP || tries + 1 >= LIVE_TX_TRIES)
            break;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_db_affected(db) != 1) { /* ended meanwhile */
        rc = shop_fault_set(f, SHOP_E_CONFLICT, "live_ended", "live session %s has ended", public_id);
        goto out;
    }
    *out = json_pack("{s:s}", "id", public_id);
    key_json(ctx->cfg, *out, key);
    fl_log(FL_LOG_INFO, "live_key_rotated", "%s by account %lld", public_id, who->account_id);
    rc = SHOP_OK;
out:
    sodium_memzero(key, sizeof(key));
    return rc;
}

int shop_live_set_cover(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id,
                        const char *media_dir, const void *data, size_t len, json_t **out, shop_fault *f)
{
    shop_room room;
    char name[SHOP_MEDIA_NAME_LEN + 1], url[96];
    int w = 0, h = 0, rc;

    *out = NULL;
    if ((rc = shop_room_enter(db, who, public_id, 0, &room, f)) < 0)
        return rc;
    if (strcmp(room.status, "ended") == 0)
        return shop_fault_set(f, SHOP_E_CONFLICT, "live_ended", "live session %s has ended", public_id);
    if ((rc = shop_media_store_image(media_dir, data, len, name, &w, &h, f)) < 0)
        return rc;
    snprintf(url, sizeof(url), "/media/%s-%d.jpg", name, shop_media_widths[shop_media_nwidths - 1]);
    if ((rc = fl_db_exec(db, "UPDATE live_sessions SET cover_url = ? WHERE id = ?", "si", url, room.id)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    return shop_live_find(ctx->cfg, db, public_id, out, f);
}

int shop_live_studio_list(const fl_config *cfg, fl_db *db, const shop_actor *who, long long limit, json_t **out,
                          shop_fault *f)
{
    fl_rows *rows = NULL;
    json_t *items;
    int rc;

    *out = NULL;
    rc = fl_db_query(db, &rows,
                     LIVE_SELECT "WHERE l.account_id = ? OR l.coop_id IN (SELECT m.coop_id FROM coop_members m "
                                 "WHERE m.account_id = ? AND m.role = 'coop_admin') ORDER BY l.id DESC LIMIT ?",
                     "iii", who->account_id, who->account_id, limit);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        json_array_append_new(items, live_json(cfg, rows, i));
    }
    *out = items;
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_live_health(const fl_config *cfg, fl_db *db, const shop_actor *who, const char *public_id, json_t **out,
                     shop_fault *f)
{
    shop_room room;
    json_t *st = NULL, *video, *drops, *v;
    long long dropped = 0;
    const char *key;
    int rc, asked;

    *out = NULL;
    if ((rc = shop_room_enter(db, who, public_id, 0, &room, f)) < 0)
        return rc;
    asked = shop_room_on_air(&room) ? shop_relay_stream(cfg, public_id, &st) : 0;
    video = json_object_get(st, "video");
    drops = json_object_get(st, "packets_dropped");
    json_object_foreach(drops, key, v) dropped += json_integer_value(v);
    *out = json_pack("{s:s,s:s,s:b,s:b}", "id", public_id, "status", room.status, "publishing",
                     json_is_true(json_object_get(st, "publishing")), "reconnecting",
                     strcmp(room.status, "idle") == 0 || (st && !json_is_true(json_object_get(st, "publishing"))));
    json_object_set_new(*out, "relay", json_string(asked < 0 ? "unreachable" : "ok"));
    json_object_set_new(*out, "bitrate_kbps",
                        st ? json_real(json_number_value(json_object_get(st, "bitrate_kbps"))) : json_null());
    json_object_set_new(*out, "fps", video ? json_real(json_number_value(json_object_get(video, "fps"))) : json_null());
    json_object_set_new(*out, "width", video ? json_incref(json_object_get(video, "width")) : json_null());
    json_object_set_new(*out, "height", video ? json_incref(json_object_get(video, "height")) : json_null());
    json_object_set_new(*out, "video_codec", video ? json_incref(json_object_get(video, "codec")) : json_null());
    json_object_set_new(*out, "uptime_s", st ? json_incref(json_object_get(st, "uptime_s")) : json_null());
    json_object_set_new(*out, "packets_dropped", st ? json_integer(dropped) : json_null());
    json_decref(st);
    return SHOP_OK;
}
