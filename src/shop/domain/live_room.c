/* live_room.c - a live session's shelf, pins and product moments (see
 * shop/domain/live_room.h), the recording's clock they are placed on, and
 * the sessions a lot was sold or shown in (the trace page).
 *
 *   write:  BEGIN; the session row FOR UPDATE (shop_room_enter: who may);
 *           its status; the shelf / moment rows; COMMIT
 *           then the change on the room's topic live:{public_id}
 *
 * Times come from MariaDB's clock (shop_room_now), the same clock that
 * stamps the status log the offsets are computed from. */
#include "farmlive/shop/domain/live_room.h"
#include "farmlive/log.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/rt/event.h"
#include "farmlive/shop/rt/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define RFC3339(c) "DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%s.%fZ')"
#define LOT_SESSIONS_MAX 20

/* ---- the recording's clock ------------------------------------------------ */

long long shop_room_offset_ms(const shop_room_change *log, size_t n, long long at_ms)
{
    long long total = 0, since = -1; /* since: the open epoch's start */
    for (size_t i = 0; i < n && log[i].at_ms <= at_ms; i++) {
        if (log[i].live && since < 0) {
            since = log[i].at_ms;
        } else if (!log[i].live && since >= 0) {
            total += log[i].at_ms - since;
            since = -1;
        }
    }
    if (since >= 0 && at_ms > since)
        total += at_ms - since;
    return total;
}

int shop_room_offset_at(fl_db *db, long long live_id, long long at_ms, long long *offset_ms)
{
    enum { LG_LIVE, LG_MS };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT to_status = 'live', ROUND(UNIX_TIMESTAMP(created_at) * 1000) FROM live_status_log "
                         "WHERE live_id = ? ORDER BY id",
                         "i", live_id);
    if (rc != FL_DB_OK)
        return rc;
    size_t n = fl_rows_count(rows);
    shop_room_change *log = n ? calloc(n, sizeof(*log)) : NULL;
    if (n && !log) {
        fl_rows_free(rows);
        return FL_DB_ERR;
    }
    for (size_t i = 0; i < n; i++)
        log[i] = (shop_room_change){fl_rows_int(rows, i, LG_MS), fl_rows_int(rows, i, LG_LIVE) == 1};
    *offset_ms = shop_room_offset_ms(log, n, at_ms);
    free(log);
    fl_rows_free(rows);
    return FL_DB_OK;
}

int shop_room_now(fl_db *db, char at[SHOP_ROOM_TIME_LEN], long long *ms)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT NOW(3), ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000)", "");
    if (rc != FL_DB_OK)
        return rc;
    snprintf(at, SHOP_ROOM_TIME_LEN, "%s", fl_rows_str(rows, 0, 0));
    *ms = fl_rows_int(rows, 0, 1);
    fl_rows_free(rows);
    return FL_DB_OK;
}

/* ---- the session ------------------------------------------------------------ */

int shop_room_enter(fl_db *db, const shop_actor *who, const char *public_id, int lock, shop_room *room, shop_fault *f)
{
    enum { RM_ID, RM_COOP, RM_ACCOUNT, RM_STATUS };
    fl_rows *rows = NULL;
    int rc;
    if (!shop_live_id_valid(public_id))
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no such live session");
    rc = fl_db_query(db, &rows,
                     lock ? "SELECT id, coop_id, account_id, status FROM live_sessions WHERE public_id = ? FOR UPDATE"
                          : "SELECT id, coop_id, account_id, status FROM live_sessions WHERE public_id = ?",
                     "s", public_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "no live session %s", public_id)) < 0)
        goto out;
    memset(room, 0, sizeof(*room));
    room->id = fl_rows_int(rows, 0, RM_ID);
    room->coop_id = fl_rows_int(rows, 0, RM_COOP);
    room->account_id = fl_rows_int(rows, 0, RM_ACCOUNT);
    snprintf(room->public_id, sizeof(room->public_id), "%s", public_id);
    snprintf(room->status, sizeof(room->status), "%s", fl_rows_str(rows, 0, RM_STATUS));
    rc = who ? shop_rights_actor(db, who, room->coop_id, SHOP_MEMBER_FARMER, f) : SHOP_OK;
out:
    fl_rows_free(rows);
    return rc;
}

int shop_room_on_air(const shop_room *room)
{
    return strcmp(room->status, "live") == 0 || strcmp(room->status, "idle") == 0;
}

/* 409 live_ended for a write to an ended session. */
static int not_ended(const shop_room *room, shop_fault *f)
{
    if (strcmp(room->status, "ended") == 0)
        return shop_fault_set(f, SHOP_E_CONFLICT, "live_ended", "live session %s has ended", room->public_id);
    return SHOP_OK;
}

void shop_room_publish(const shop_ctx *ctx, const char *public_id, const char *type, unsigned flags, json_t *data)
{
    char topic[SHOP_RT_TOPIC_MAX + 1];
    char *text = NULL;
    if (data && !json_object_get(data, "id"))
        json_object_set_new(data, "id", json_string(public_id));
    text = data ? json_dumps(data, JSON_COMPACT) : NULL; /* NULL when it cannot encode */
    if (!text || shop_rt_topic_live(topic, public_id) != 0 ||
        shop_rt_publish(ctx ? ctx->rt : NULL, topic, type, flags, text, strlen(text)) != 0)
        fl_log(FL_LOG_WARN, "room_publish_failed", "%s %s: the feed refused the event", public_id, type);
    free(text);
    json_decref(data);
}

/* ---- the shelf -------------------------------------------------------------- */

/* clang-format off */
enum { SH_SKU, SH_PRODUCT, SH_NAME, SH_NAME_EN, SH_SPEC, SH_UNIT, SH_IMAGE, SH_PRICE, SH_LIVE_PRICE, SH_STOCK,
       SH_ON_SALE, SH_PINNED, SH_NUMBER };
/* clang-format on */
static const char SHELF_SQL[] =
    "SELECT sh.sku_id, p.id, p.name_zh, p.name_en, s.spec, s.unit, "
    "(SELECT i.url FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1), s.price_fen, "
    "sh.live_price_fen, (SELECT COALESCE(SUM(l.remaining), 0) FROM lots l WHERE l.sku_id = sh.sku_id), "
    "s.active = 1 AND p.status = 'listed', "
    "EXISTS (SELECT 1 FROM live_moments m WHERE m.live_id = sh.live_id AND m.sku_id = sh.sku_id "
    "AND m.ended_at IS NULL), "
    "ROW_NUMBER() OVER (ORDER BY sh.position) "
    "FROM live_shelf sh JOIN skus s ON s.id = sh.sku_id JOIN products p ON p.id = s.product_id "
    "WHERE sh.live_id = ? ORDER BY sh.position LIMIT 100";

static const shop_col SHELF_FIELDS[] = {
    {"number", SH_NUMBER, SHOP_COL_INT},      {"sku_id", SH_SKU, SHOP_COL_INT},
    {"product_id", SH_PRODUCT, SHOP_COL_INT}, {"name", SH_NAME, SHOP_COL_STR},
    {"name_en", SH_NAME_EN, SHOP_COL_STR},    {"spec", SH_SPEC, SHOP_COL_STR},
    {"unit", SH_UNIT, SHOP_COL_STR},          {"image_url", SH_IMAGE, SHOP_COL_STR},
    {"price_fen", SH_PRICE, SHOP_COL_INT},    {"live_price_fen", SH_LIVE_PRICE, SHOP_COL_INT_OR_NULL},
    {"stock", SH_STOCK, SHOP_COL_INT},        {"on_sale", SH_ON_SALE, SHOP_COL_BOOL},
    {"pinned", SH_PINNED, SHOP_COL_BOOL},
};

int shop_room_shelf_items(fl_db *db, long long live_id, json_t **out)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, SHELF_SQL, "i", live_id);
    if (rc != FL_DB_OK)
        return rc;
    *out = json_array();
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        json_array_append_new(*out, shop_row_json(rows, i, SHELF_FIELDS, NFIELDS(SHELF_FIELDS)));
    fl_rows_free(rows);
    return FL_DB_OK;
}

/* {"id","items"} of session room. */
static int shelf_json(fl_db *db, const shop_room *room, json_t **out, shop_fault *f)
{
    json_t *items = NULL;
    int rc = shop_room_shelf_items(db, room->id, &items);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = json_pack("{s:s,s:o}", "id", room->public_id, "items", items);
    return SHOP_OK;
}

int shop_room_shelf_get(fl_db *db, const char *public_id, json_t **out, shop_fault *f)
{
    shop_room room;
    int rc = shop_room_enter(db, NULL, public_id, 0, &room, f);
    return rc < 0 ? rc : shelf_json(db, &room, out, f);
}

/* A shelf or pin write: its inputs, and what the transaction found. */
typedef struct room_write {
    const shop_actor *who;
    const char *public_id;
    long long sku_id, live_price_fen;
    shop_room room;
    json_t *moment, *closed; /* pin / unpin: the moment begun, the one ended */
    int changed;
} room_write;

/* The SKU as the shelf takes it: of the session's cooperative (404
 * otherwise), sold (422). */
static int sku_sellable(fl_db *db, const shop_room *room, long long sku_id, shop_fault *f)
{
    enum { SK_COOP, SK_ON_SALE };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT p.coop_id, s.active = 1 AND p.status = 'listed' FROM skus s "
                         "JOIN products p ON p.id = s.product_id WHERE s.id = ?",
                         "i", sku_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "no SKU %lld", sku_id)) < 0)
        goto out;
    if (fl_rows_int(rows, 0, SK_COOP) != room->coop_id)
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no SKU %lld in cooperative %lld", sku_id, room->coop_id);
    else if (fl_rows_int(rows, 0, SK_ON_SALE) != 1)
        rc = shop_fault_set(f, SHOP_E_VALIDATION, "sku_unavailable", "SKU %lld is not sold now", sku_id);
out:
    fl_rows_free(rows);
    return rc;
}

static int shelf_put_step(fl_db *db, void *arg, shop_fault *f)
{
    enum { SP_NEXT, SP_COUNT, SP_HAS };
    room_write *w = arg;
    fl_rows *rows = NULL;
    int rc;
    if ((rc = shop_room_enter(db, w->who, w->public_id, 1, &w->room, f)) < 0 || (rc = not_ended(&w->room, f)) < 0 ||
        (rc = sku_sellable(db, &w->room, w->sku_id, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows,
                     "SELECT COALESCE(MAX(position), 0) + 1, COUNT(*), SUM(sku_id = ?) FROM live_shelf "
                     "WHERE live_id = ?",
                     "ii", w->sku_id, w->room.id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    long long next = fl_rows_int(rows, 0, SP_NEXT), count = fl_rows_int(rows, 0, SP_COUNT);
    int has = fl_rows_str(rows, 0, SP_HAS) && fl_rows_int(rows, 0, SP_HAS) > 0;
    fl_rows_free(rows);
    if (!has && count >= SHOP_ROOM_SHELF_MAX)
        return shop_fault_set(f, SHOP_E_CONFLICT, "shelf_full", "the shelf holds at most %d SKUs", SHOP_ROOM_SHELF_MAX);
    rc = has ? fl_db_exec(db, "UPDATE live_shelf SET live_price_fen = NULLIF(?, 0) WHERE live_id = ? AND sku_id = ?",
                          "iii", w->live_price_fen, w->room.id, w->sku_id)
             : fl_db_exec(db,
                          "INSERT INTO live_shelf (live_id, sku_id, position, live_price_fen, added_by) "
                          "VALUES (?, ?, ?, NULLIF(?, 0), ?)",
                          "iiiii", w->room.id, w->sku_id, next, w->live_price_fen, w->who->account_id);
    return rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
}

/* The shelf after a write, answered and raised on the feed. */
static int shelf_done(const shop_ctx *ctx, fl_db *db, const shop_room *room, json_t **out, shop_fault *f)
{
    int rc = shelf_json(db, room, out, f);
    if (rc == SHOP_OK)
        shop_room_publish(ctx, room->public_id, SHOP_ROOM_EV_SHELF, 0, json_deep_copy(*out));
    return rc;
}

int shop_room_shelf_put(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, long long sku_id,
                        long long live_price_fen, json_t **out, shop_fault *f)
{
    room_write w = {.who = who, .public_id = public_id, .sku_id = sku_id, .live_price_fen = live_price_fen};
    int rc;
    if (live_price_fen < 0 || live_price_fen > SHOP_ROOM_PRICE_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "live_price_fen must be between 1 and %d",
                              SHOP_ROOM_PRICE_MAX);
    if ((rc = shop_tx(db, shelf_put_step, &w, f)) < 0)
        return rc;
    return shelf_done(ctx, db, &w.room, out, f);
}

/* ---- moments ------------------------------------------------------------------ */

/* clang-format off */
enum { MO_ID, MO_SKU, MO_PRODUCT, MO_NAME, MO_SPEC, MO_STARTED, MO_ENDED, MO_START_OFF, MO_END_OFF };
/* clang-format on */
#define MOMENT_SELECT                                                                                                  \
    "SELECT m.id, m.sku_id, m.product_id, p.name_zh, s.spec, " RFC3339("m.started_at") ", " RFC3339(                   \
        "m.ended_at") ", m.start_offset_ms, m.end_offset_ms "                                                          \
                      "FROM live_moments m JOIN skus s ON s.id = m.sku_id JOIN products p ON p.id = m.product_id "

static const shop_col MOMENT_FIELDS[] = {
    {"id", MO_ID, SHOP_COL_INT},
    {"sku_id", MO_SKU, SHOP_COL_INT},
    {"product_id", MO_PRODUCT, SHOP_COL_INT},
    {"name", MO_NAME, SHOP_COL_STR},
    {"spec", MO_SPEC, SHOP_COL_STR},
    {"started_at", MO_STARTED, SHOP_COL_STR},
    {"ended_at", MO_ENDED, SHOP_COL_STR},
    {"start_offset_ms", MO_START_OFF, SHOP_COL_INT},
    {"end_offset_ms", MO_END_OFF, SHOP_COL_INT_OR_NULL},
};

static json_t *moment_row(const fl_rows *rows, size_t i)
{
    return shop_row_json(rows, i, MOMENT_FIELDS, NFIELDS(MOMENT_FIELDS));
}

/* Moment id as its JSON into *out. FL_DB_OK or FL_DB_E*. */
static int moment_json(fl_db *db, long long id, json_t **out)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, MOMENT_SELECT "WHERE m.id = ?", "i", id);
    if (rc != FL_DB_OK)
        return rc;
    *out = fl_rows_count(rows) ? moment_row(rows, 0) : json_null();
    fl_rows_free(rows);
    return FL_DB_OK;
}

/* Ends session live_id's open moment, if any, at (at, at_ms): *closed its
 * id (0 when none was open), *closed_sku its SKU. */
static int moment_close(fl_db *db, long long live_id, const char *at, long long at_ms, long long *closed,
                        long long *closed_sku)
{
    enum { OM_ID, OM_SKU };
    fl_rows *rows = NULL;
    long long offset = 0;
    *closed = *closed_sku = 0;
    int rc =
        fl_db_query(db, &rows, "SELECT id, sku_id FROM live_moments WHERE live_id = ? AND ended_at IS NULL ORDER BY id",
                    "i", live_id);
    if (rc != FL_DB_OK || fl_rows_count(rows) == 0)
        goto out;
    *closed = fl_rows_int(rows, 0, OM_ID);
    *closed_sku = fl_rows_int(rows, 0, OM_SKU);
    if ((rc = shop_room_offset_at(db, live_id, at_ms, &offset)) == FL_DB_OK)
        rc = fl_db_exec(db,
                        "UPDATE live_moments SET ended_at = GREATEST(started_at, ?), "
                        "end_offset_ms = GREATEST(start_offset_ms, ?) WHERE live_id = ? AND ended_at IS NULL",
                        "sii", at, offset, live_id);
out:
    fl_rows_free(rows);
    return rc;
}

static int pin_step(fl_db *db, void *arg, shop_fault *f)
{
    enum { PS_PRODUCT };
    room_write *w = arg;
    fl_rows *rows = NULL;
    char at[SHOP_ROOM_TIME_LEN];
    long long at_ms, offset, closed, closed_sku, product;
    int rc;
    if ((rc = shop_room_enter(db, w->who, w->public_id, 1, &w->room, f)) < 0 || (rc = not_ended(&w->room, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows,
                     "SELECT s.product_id FROM live_shelf sh JOIN skus s ON s.id = sh.sku_id "
                     "WHERE sh.live_id = ? AND sh.sku_id = ?",
                     "ii", w->room.id, w->sku_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) == 0) {
        fl_rows_free(rows);
        return shop_fault_set(f, SHOP_E_VALIDATION, "not_on_shelf", "SKU %lld is not on the shelf of %s", w->sku_id,
                              w->public_id);
    }
    product = fl_rows_int(rows, 0, PS_PRODUCT);
    fl_rows_free(rows);
    rows = NULL;
    if ((rc =
             fl_db_query(db, &rows, "SELECT id FROM live_moments WHERE live_id = ? AND sku_id = ? AND ended_at IS NULL",
                         "ii", w->room.id, w->sku_id)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    long long same = fl_rows_count(rows) ? fl_rows_int(rows, 0, 0) : 0;
    fl_rows_free(rows);
    if (same) /* presenting it already: nothing changes */
        return (rc = moment_json(db, same, &w->moment)) == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
    if ((rc = shop_room_now(db, at, &at_ms)) != FL_DB_OK ||
        (rc = moment_close(db, w->room.id, at, at_ms, &closed, &closed_sku)) != FL_DB_OK ||
        (rc = shop_room_offset_at(db, w->room.id, at_ms, &offset)) != FL_DB_OK ||
        (rc = fl_db_exec(db,
                         "INSERT INTO live_moments (live_id, sku_id, product_id, started_at, start_offset_ms, "
                         "pinned_by) VALUES (?, ?, ?, ?, ?, ?)",
                         "iiisii", w->room.id, w->sku_id, product, at, offset, w->who->account_id)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    long long id = (long long)fl_db_insert_id(db);
    if ((rc = moment_json(db, id, &w->moment)) != FL_DB_OK ||
        (closed && (rc = moment_json(db, closed, &w->closed)) != FL_DB_OK))
        return shop_fault_db(f, rc);
    w->changed = 1;
    return SHOP_OK;
}

int shop_room_pin(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, long long sku_id,
                  json_t **out, shop_fault *f)
{
    room_write w = {.who = who, .public_id = public_id, .sku_id = sku_id};
    int rc = shop_tx(db, pin_step, &w, f);
    if (rc < 0) {
        json_decref(w.moment);
        json_decref(w.closed);
        return rc;
    }
    if (w.changed)
        shop_room_publish(ctx, public_id, SHOP_ROOM_EV_PIN, 0,
                          json_pack("{s:O,s:O}", "moment", w.moment, "replaces", w.closed ? w.closed : json_null()));
    json_decref(w.closed);
    *out = w.moment;
    return SHOP_OK;
}

/* Ends the open moment of w->room (locked) now: w->closed, w->changed. */
static int unpin_now(fl_db *db, room_write *w, shop_fault *f)
{
    char at[SHOP_ROOM_TIME_LEN];
    long long at_ms, closed, closed_sku;
    int rc;
    if ((rc = shop_room_now(db, at, &at_ms)) != FL_DB_OK ||
        (rc = moment_close(db, w->room.id, at, at_ms, &closed, &closed_sku)) != FL_DB_OK ||
        (closed && (rc = moment_json(db, closed, &w->closed)) != FL_DB_OK))
        return shop_fault_db(f, rc);
    w->changed = closed != 0;
    return SHOP_OK;
}

static int unpin_step(fl_db *db, void *arg, shop_fault *f)
{
    room_write *w = arg;
    int rc;
    if ((rc = shop_room_enter(db, w->who, w->public_id, 1, &w->room, f)) < 0 || (rc = not_ended(&w->room, f)) < 0)
        return rc;
    return unpin_now(db, w, f);
}

int shop_room_unpin(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, json_t **out,
                    shop_fault *f)
{
    room_write w = {.who = who, .public_id = public_id};
    int rc = shop_tx(db, unpin_step, &w, f);
    if (rc < 0) {
        json_decref(w.closed);
        return rc;
    }
    if (w.changed)
        shop_room_publish(ctx, public_id, SHOP_ROOM_EV_UNPIN, 0, json_pack("{s:O}", "moment", w.closed));
    *out = json_pack("{s:o}", "moment", w.closed ? w.closed : json_null());
    return SHOP_OK;
}

static int shelf_remove_step(fl_db *db, void *arg, shop_fault *f)
{
    room_write *w = arg;
    fl_rows *rows = NULL;
    int rc;
    if ((rc = shop_room_enter(db, w->who, w->public_id, 1, &w->room, f)) < 0 || (rc = not_ended(&w->room, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows,
                     "SELECT EXISTS (SELECT 1 FROM live_moments WHERE live_id = ? AND sku_id = ? AND ended_at IS NULL)",
                     "ii", w->room.id, w->sku_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    int pinned = fl_rows_int(rows, 0, 0) == 1;
    fl_rows_free(rows);
    if (pinned && (rc = unpin_now(db, w, f)) < 0)
        return rc;
    if ((rc = fl_db_exec(db, "DELETE FROM live_shelf WHERE live_id = ? AND sku_id = ?", "ii", w->room.id, w->sku_id)) !=
        FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_db_affected(db) != 1)
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "SKU %lld is not on the shelf of %s", w->sku_id, w->public_id);
    return SHOP_OK;
}

int shop_room_shelf_remove(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id,
                           long long sku_id, json_t **out, shop_fault *f)
{
    room_write w = {.who = who, .public_id = public_id, .sku_id = sku_id};
    int rc = shop_tx(db, shelf_remove_step, &w, f);
    if (rc < 0) {
        json_decref(w.closed);
        return rc;
    }
    if (w.changed)
        shop_room_publish(ctx, public_id, SHOP_ROOM_EV_UNPIN, 0, json_pack("{s:O}", "moment", w.closed));
    json_decref(w.closed);
    return shelf_done(ctx, db, &w.room, out, f);
}

int shop_room_moments_page(fl_db *db, const char *public_id, long long after, long long limit, json_t **out,
                           shop_fault *f)
{
    static const size_t cursor_cols[] = {MO_ID};
    shop_room room;
    fl_rows *rows = NULL;
    int rc = shop_room_enter(db, NULL, public_id, 0, &room, f);
    if (rc < 0)
        return rc;
    if ((rc = fl_db_query(db, &rows, MOMENT_SELECT "WHERE m.live_id = ? AND m.id > ? ORDER BY m.id LIMIT ?", "iii",
                          room.id, after, limit + 1)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = shop_page_json(rows, limit, moment_row, cursor_cols, 1);
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_room_moments_all(fl_db *db, long long live_id, json_t **out)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, MOMENT_SELECT "WHERE m.live_id = ? ORDER BY m.id LIMIT ?", "ii", live_id,
                         (long long)SHOP_ROOM_MOMENTS_MAX);
    if (rc != FL_DB_OK)
        return rc;
    *out = json_array();
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        json_array_append_new(*out, moment_row(rows, i));
    fl_rows_free(rows);
    return FL_DB_OK;
}

/* ---- the end ------------------------------------------------------------------- */

int shop_room_end_tx(fl_db *db, long long live_id)
{
    char at[SHOP_ROOM_TIME_LEN];
    long long at_ms, closed, closed_sku;
    int rc;
    if ((rc = shop_room_now(db, at, &at_ms)) != FL_DB_OK ||
        (rc = moment_close(db, live_id, at, at_ms, &closed, &closed_sku)) != FL_DB_OK)
        return rc;
    /* a sale still counting down ends too: its start moves back so that it
     * ends after it starts (the CHECK), before anyone could buy */
    return fl_db_exec(db,
                      "UPDATE flash_sales SET starts_at = LEAST(starts_at, UTC_TIMESTAMP(3) - INTERVAL 1 MICROSECOND), "
                      "ends_at = UTC_TIMESTAMP(3) WHERE live_id = ? AND ends_at > UTC_TIMESTAMP(3)",
                      "i", live_id);
}

/* ---- the lot's livestream moments ----------------------------------------------- */

/* clang-format off */
enum { LS_PUBLIC_ID, LS_TITLE, LS_STATUS, LS_FARMER, LS_STARTED, LS_ENDED, LS_REPLAY, LS_UNITS,
       LS_M_ID, LS_M_SKU, LS_M_PRODUCT, LS_M_NAME, LS_M_SPEC, LS_M_STARTED, LS_M_ENDED, LS_M_START_OFF, LS_M_END_OFF };
/* clang-format on */

/* Parameters: lot, lot, product, lot, product. A moment counts while the
 * lot was on sale: the lot existed by its end, and the lot's ledger held
 * units at its start (or at the lot's own start, a second's margin for the
 * ledger row written after the lot's). */
static const char LOT_SESSIONS_SQL[] =
    "SELECT s.public_id, s.title, s.status, a.display_name, " RFC3339("s.started_at") ", " RFC3339(
        "s.ended_at") ", s.replay_url, c.units, "
                      "m.id, m.sku_id, m.product_id, p.name_zh, k.spec, " RFC3339("m.started_at") ", " RFC3339(
                          "m.ended_at") ", m.start_offset_ms, m.end_offset_ms "
                                        "FROM (SELECT x.live_id, SUM(x.units) units FROM ("
                                        "  SELECT o.live_id, ol.quantity units FROM order_lines ol "
                                        "  JOIN orders o ON o.id = ol.order_id WHERE ol.lot_id = ? "
                                        "  AND o.live_id IS NOT NULL AND o.status NOT IN ('cancelled', 'refunded') "
                                        "  UNION ALL "
                                        "  SELECT mm.live_id, 0 FROM live_moments mm JOIN lots l ON l.id = ? "
                                        "  WHERE mm.product_id = ? AND COALESCE(mm.ended_at, NOW(3)) >= l.created_at "
                                        "  AND (SELECT COALESCE(SUM(g.delta), 0) FROM inventory_ledger g "
                                        "       WHERE g.lot_id = l.id AND g.created_at <= "
                                        "       GREATEST(mm.started_at, l.created_at + INTERVAL 1 SECOND)) > 0"
                                        ") x GROUP BY x.live_id ORDER BY x.live_id DESC LIMIT 20) c "
                                        "JOIN live_sessions s ON s.id = c.live_id "
                                        "JOIN accounts a ON a.id = s.account_id "
                                        "LEFT JOIN live_moments m ON m.id = (SELECT MIN(m2.id) FROM live_moments m2 "
                                        "  JOIN lots l2 ON l2.id = ? WHERE m2.live_id = s.id AND m2.product_id = ? "
                                        "  AND COALESCE(m2.ended_at, NOW(3)) >= l2.created_at) "
                                        "LEFT JOIN skus k ON k.id = m.sku_id LEFT JOIN products p ON p.id = "
                                        "m.product_id "
                                        "ORDER BY s.id DESC";

/* The replay's URL at offset ms ("...index.m3u8#t=12.345"), or null. */
static json_t *replay_at(const char *url, const char *offset_ms)
{
    if (!url || !offset_ms)
        return json_null();
    long long ms = strtoll(offset_ms, NULL, 10);
    return json_sprintf("%s#t=%lld.%03lld", url, ms / 1000, ms % 1000);
}

int shop_room_lot_sessions(fl_db *db, long long lot_id, long long product_id, json_t **out)
{
    static const shop_col MOMENT[] = {
        {"id", LS_M_ID, SHOP_COL_INT},
        {"sku_id", LS_M_SKU, SHOP_COL_INT},
        {"product_id", LS_M_PRODUCT, SHOP_COL_INT},
        {"name", LS_M_NAME, SHOP_COL_STR},
        {"spec", LS_M_SPEC, SHOP_COL_STR},
        {"started_at", LS_M_STARTED, SHOP_COL_STR},
        {"ended_at", LS_M_ENDED, SHOP_COL_STR},
        {"start_offset_ms", LS_M_START_OFF, SHOP_COL_INT},
        {"end_offset_ms", LS_M_END_OFF, SHOP_COL_INT_OR_NULL},
    };
    static const shop_col FIELDS[] = {
        {"live_id", LS_PUBLIC_ID, SHOP_COL_STR},  {"title", LS_TITLE, SHOP_COL_STR},
        {"status", LS_STATUS, SHOP_COL_STR},      {"farmer", LS_FARMER, SHOP_COL_STR},
        {"started_at", LS_STARTED, SHOP_COL_STR}, {"ended_at", LS_ENDED, SHOP_COL_STR},
        {"units_sold", LS_UNITS, SHOP_COL_INT},   {"moment", 0, SHOP_COL_OBJECT_OR_NULL, MOMENT, NFIELDS(MOMENT)},
        {"replay_url", LS_REPLAY, SHOP_COL_STR},
    };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, LOT_SESSIONS_SQL, "iiiii", lot_id, lot_id, product_id, lot_id, product_id);
    if (rc != FL_DB_OK)
        return rc;
    *out = json_array();
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        json_t *s = shop_row_json(rows, i, FIELDS, NFIELDS(FIELDS));
        const char *url = fl_rows_str(rows, i, LS_REPLAY), *off = fl_rows_str(rows, i, LS_M_START_OFF);
        json_object_set_new(s, "replay_at", url ? replay_at(url, off ? off : "0") : json_null());
        json_object_set_new(s, "replay_api",
                            json_sprintf("/api/v1/live/%s/replay", fl_rows_str(rows, i, LS_PUBLIC_ID)));
        json_array_append_new(*out, s);
    }
    fl_rows_free(rows);
    return FL_DB_OK;
}
