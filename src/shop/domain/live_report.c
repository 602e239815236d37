/* live_report.c - what a live session sold (see shop/domain/live_report.h):
 * the orders attributed to it are read once, line by line, and summed in
 * C for the whole session, each product and each product moment
 * (shop_room_sum_lines), so the three agree by construction. */
#include "farmlive/shop/domain/live_report.h"
#include "farmlive/alloc.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/live_room.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define RFC3339(c) "DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%s.%fZ')"
#define LINES_MAX 200000 /* order lines one report reads */
#define COUNTED "o.status NOT IN ('cancelled', 'refunded')"

/* ---- the arithmetic ------------------------------------------------------------ */

static int by_id(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

shop_room_sum shop_room_sum_lines(const shop_room_line *lines, size_t n, long long product_id, long long from_ms,
                                  long long to_ms, long long *scratch)
{
    shop_room_sum s = {0, 0, 0};
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const shop_room_line *l = &lines[i];
        if ((product_id && l->product_id != product_id) || (to_ms > 0 && (l->at_ms < from_ms || l->at_ms >= to_ms)))
            continue;
        s.units += l->units;
        s.revenue_fen += l->fen;
        scratch[k++] = l->order_id;
    }
    qsort(scratch, k, sizeof(*scratch), by_id);
    for (size_t i = 0; i < k; i++)
        s.orders += i == 0 || scratch[i] != scratch[i - 1];
    return s;
}

static void sum_set(json_t *o, shop_room_sum s)
{
    json_object_set_new(o, "orders", json_integer(s.orders));
    json_object_set_new(o, "units", json_integer(s.units));
    json_object_set_new(o, "revenue_fen", json_integer(s.revenue_fen));
}

/* ---- the session report ----------------------------------------------------------- */

/* clang-format off */
enum { RS_TITLE, RS_STATUS, RS_COOP, RS_COOP_NAME, RS_FARMER, RS_STARTED, RS_ENDED, RS_STARTED_MS, RS_END_MS,
       RS_PEAK, RS_UNIQUE, RS_LIKES, RS_CHAT, RS_ENDED_MS };
/* clang-format on */
static const char SESSION_SQL[] =
    "SELECT l.title, l.status, l.coop_id, c.name, a.display_name, " RFC3339("l.started_at") ", " RFC3339(
        "l.ended_at") ", ROUND(UNIX_TIMESTAMP(l.started_at) * 1000), "
                      "ROUND(UNIX_TIMESTAMP(COALESCE(l.ended_at, NOW(3))) * 1000), l.peak_viewers, l.unique_viewers, "
                      "l.likes, (SELECT COUNT(*) FROM live_chat ch WHERE ch.live_id = l.id), "
                      "ROUND(UNIX_TIMESTAMP(l.ended_at) * 1000) "
                      "FROM live_sessions l JOIN cooperatives c ON c.id = l.coop_id "
                      "JOIN accounts a ON a.id = l.account_id WHERE l.id = ?";
static const shop_col SESSION_FIELDS[] = {
    {"title", RS_TITLE, SHOP_COL_STR},           {"status", RS_STATUS, SHOP_COL_STR},
    {"farmer", RS_FARMER, SHOP_COL_STR},         {"started_at", RS_STARTED, SHOP_COL_STR},
    {"ended_at", RS_ENDED, SHOP_COL_STR},        {"peak_viewers", RS_PEAK, SHOP_COL_INT},
    {"unique_viewers", RS_UNIQUE, SHOP_COL_INT}, {"likes", RS_LIKES, SHOP_COL_INT},
    {"chat_messages", RS_CHAT, SHOP_COL_INT},
};

enum { RL_ORDER, RL_PRODUCT, RL_UNITS, RL_FEN, RL_AT, RL_NAME };
static const char LINES_SQL[] =
    "SELECT o.id, s.product_id, l.quantity, l.quantity * l.unit_price_fen, ROUND(UNIX_TIMESTAMP(o.created_at) * 1000), "
    "p.name_zh FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN skus s ON s.id = l.sku_id "
    "JOIN products p ON p.id = s.product_id WHERE o.live_id = ? AND " COUNTED " ORDER BY s.product_id, o.id LIMIT ?";

enum { RM_ID, RM_PRODUCT, RM_FROM, RM_TO };
static const char WINDOWS_SQL[] =
    "SELECT id, product_id, ROUND(UNIX_TIMESTAMP(started_at) * 1000), "
    "ROUND(UNIX_TIMESTAMP(COALESCE(ended_at, NOW(3))) * 1000) FROM live_moments WHERE live_id = ? ORDER BY id LIMIT ?";

/* The sums of every product that sold, in product order. */
static json_t *products_json(const fl_rows *lr, const shop_room_line *lines, size_t n, long long *scratch)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && lines[j].product_id == lines[i].product_id)
            j++;
        json_t *p =
            json_pack("{s:I,s:s}", "product_id", (json_int_t)lines[i].product_id, "name", fl_rows_str(lr, i, RL_NAME));
        sum_set(p, shop_room_sum_lines(lines + i, j - i, 0, 0, 0, scratch));
        json_array_append_new(out, p);
        i = j;
    }
    return out;
}

/* Each moment (moments, oldest first) with what its product sold while
 * it ran (windows: the same moments' times). */
static void moments_sums(json_t *moments, const fl_rows *windows, const shop_room_line *lines, size_t n,
                         long long *scratch)
{
    size_t i;
    json_t *m;
    json_array_foreach(moments, i, m)
    {
        shop_room_sum s = {0, 0, 0};
        for (size_t w = 0; w < fl_rows_count(windows); w++)
            if (fl_rows_int(windows, w, RM_ID) == json_integer_value(json_object_get(m, "id"))) {
                long long from = fl_rows_int(windows, w, RM_FROM), to = fl_rows_int(windows, w, RM_TO);
                s = shop_room_sum_lines(lines, n, fl_rows_int(windows, w, RM_PRODUCT), from, to > from ? to : from + 1,
                                        scratch);
                break;
            }
        sum_set(m, s);
    }
}

/* The report's figures once the session row (sr) and lines are read. */
static int report_build(fl_db *db, const shop_room *room, const fl_rows *sr, const fl_rows *lr, json_t **out,
                        shop_fault *f)
{
    fl_rows *windows = NULL;
    json_t *moments = NULL;
    size_t n = fl_rows_count(lr);
    shop_room_line *lines = fl_calloc(n ? n : 1, sizeof(*lines));
    long long *scratch = fl_calloc(n ? n : 1, sizeof(*scratch)), on_air = 0;
    int rc;
    for (size_t i = 0; i < n; i++)
        lines[i] =
            (shop_room_line){fl_rows_int(lr, i, RL_ORDER), fl_rows_int(lr, i, RL_PRODUCT), fl_rows_int(lr, i, RL_UNITS),
                             fl_rows_int(lr, i, RL_FEN), fl_rows_int(lr, i, RL_AT)};
    if ((rc = shop_room_offset_at(db, room->id, fl_rows_int(sr, 0, RS_END_MS), &on_air)) != FL_DB_OK ||
        (rc = shop_room_moments_all(db, room->id, &moments)) != FL_DB_OK ||
        (rc = fl_db_query(db, &windows, WINDOWS_SQL, "ii", room->id, (long long)SHOP_ROOM_MOMENTS_MAX)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    *out = shop_row_json(sr, 0, SESSION_FIELDS, NFIELDS(SESSION_FIELDS));
    json_object_set_new(*out, "id", json_string(room->public_id));
    json_object_set_new(
        *out, "coop",
        json_pack("{s:I,s:s}", "id", (json_int_t)room->coop_id, "name", fl_rows_str(sr, 0, RS_COOP_NAME)));
    json_object_set_new(*out, "duration_s",
                        fl_rows_str(sr, 0, RS_STARTED_MS)
                            ? json_integer((fl_rows_int(sr, 0, RS_END_MS) - fl_rows_int(sr, 0, RS_STARTED_MS)) / 1000)
                            : json_integer(0));
    json_object_set_new(*out, "on_air_s", json_integer(on_air / 1000));
    sum_set(*out, shop_room_sum_lines(lines, n, 0, 0, 0, scratch));
    json_t *replay = json_object();
    sum_set(replay, fl_rows_str(sr, 0, RS_ENDED_MS)
                        ? shop_room_sum_lines(lines, n, 0, fl_rows_int(sr, 0, RS_ENDED_MS), LLONG_MAX, scratch)
                        : (shop_room_sum){0, 0, 0});
    json_object_set_new(*out, "replay", replay);
    json_object_set_new(*out, "products", products_json(lr, lines, n, scratch));
    moments_sums(moments, windows, lines, n, scratch);
    json_object_set_new(*out, "moments", moments);
    moments = NULL;
    rc = SHOP_OK;
out:
    json_decref(moments);
    fl_rows_free(windows);
    fl_free(scratch);
    fl_free(lines);
    return rc;
}

int shop_room_report(fl_db *db, const shop_actor *who, const char *public_id, json_t **out, shop_fault *f)
{
    fl_rows *sr = NULL, *lr = NULL;
    shop_room room;
    int rc;
    if ((rc = shop_room_enter(db, who, public_id, 0, &room, f)) < 0)
        return rc;
    if ((rc = fl_db_query(db, &sr, SESSION_SQL, "i", room.id)) != FL_DB_OK ||
        (rc = fl_db_query(db, &lr, LINES_SQL, "ii", room.id, (long long)LINES_MAX)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    rc = report_build(db, &room, sr, lr, out, f);
out:
    fl_rows_free(sr);
    fl_rows_free(lr);
    return rc;
}

/* ---- a cooperative's sessions ------------------------------------------------------- */

/* clang-format off */
enum { CP_ID, CP_PUBLIC_ID, CP_TITLE, CP_STATUS, CP_STARTED, CP_ENDED, CP_DURATION, CP_PEAK, CP_UNIQUE, CP_LIKES,
       CP_ORDERS, CP_UNITS, CP_REVENUE };
/* clang-format on */
static const char COOP_SQL[] = "SELECT l.id, l.public_id, l.title, l.status, " RFC3339("l.started_at") ", " RFC3339(
    "l.ended_at") ", TIMESTAMPDIFF(SECOND, l.started_at, COALESCE(l.ended_at, NOW(3))), l.peak_viewers, "
                  "l.unique_viewers, l.likes, COUNT(DISTINCT o.id), COALESCE(SUM(ol.quantity), 0), "
                  "COALESCE(SUM(ol.quantity * ol.unit_price_fen), 0) FROM live_sessions l "
                  "LEFT JOIN orders o ON o.live_id = l.id AND " COUNTED " "
                  "LEFT JOIN order_lines ol ON ol.order_id = o.id "
                  "WHERE l.coop_id = ? AND (? = 0 OR l.id < ?) GROUP BY l.id ORDER BY l.id DESC LIMIT ?";
static const shop_col COOP_FIELDS[] = {
    {"id", CP_PUBLIC_ID, SHOP_COL_STR},      {"title", CP_TITLE, SHOP_COL_STR},
    {"status", CP_STATUS, SHOP_COL_STR},     {"started_at", CP_STARTED, SHOP_COL_STR},
    {"ended_at", CP_ENDED, SHOP_COL_STR},    {"duration_s", CP_DURATION, SHOP_COL_INT_OR_NULL},
    {"peak_viewers", CP_PEAK, SHOP_COL_INT}, {"unique_viewers", CP_UNIQUE, SHOP_COL_INT},
    {"likes", CP_LIKES, SHOP_COL_INT},       {"orders", CP_ORDERS, SHOP_COL_INT},
    {"units", CP_UNITS, SHOP_COL_INT},       {"revenue_fen", CP_REVENUE, SHOP_COL_INT},
};

static json_t *coop_row(const fl_rows *rows, size_t i)
{
    return shop_row_json(rows, i, COOP_FIELDS, NFIELDS(COOP_FIELDS));
}

int shop_room_coop_page(fl_db *db, const shop_actor *who, long long coop_id, long long before, long long limit,
                        json_t **out, shop_fault *f)
{
    static const size_t cursor_cols[] = {CP_ID};
    fl_rows *rows = NULL;
    int rc = shop_rights_coop_enter(db, coop_id, who->account_id, who->platform_admin, SHOP_MEMBER_FARMER, f);
    if (rc < 0)
        return rc;
    if ((rc = fl_db_query(db, &rows, COOP_SQL, "iiii", coop_id, before, before, limit + 1)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = shop_page_json(rows, limit, coop_row, cursor_cols, 1);
    fl_rows_free(rows);
    return SHOP_OK;
}
