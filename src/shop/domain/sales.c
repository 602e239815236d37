/* sales.c - a cooperative's sales per day and its best products (see
 * sales.h). Two statements: the period's order lines summed per China
 * day, then per product; the days between are filled with zeros here. */
#include "farmlive/shop/domain/sales.h"
#include "farmlive/timefmt.h"

#include <stdlib.h>
#include <string.h>

/* Sold (counted) and refunded statuses, as sales.h defines them. */
#define SOLD "o.status IN ('paid', 'confirmed', 'shipped', 'delivered', 'completed')"
#define REFUNDED "o.status = 'refunded'"

/* Parameters: offset (s) x1, coop, from, to (UTC DATETIME). */
static const char DAYS_SQL[] =
    "SELECT DATE_FORMAT(o.created_at + INTERVAL ? SECOND, '%Y-%m-%d') d, "
    "COUNT(DISTINCT IF(" SOLD ", o.id, NULL)), COALESCE(SUM(IF(" SOLD ", l.quantity, 0)), 0), "
    "COALESCE(SUM(IF(" SOLD ", l.quantity * l.unit_price_fen, 0)), 0), "
    "COUNT(DISTINCT IF(" REFUNDED ", o.id, NULL)), COALESCE(SUM(IF(" REFUNDED
    ", l.quantity * l.unit_price_fen, 0)), 0) "
    "FROM orders o JOIN order_lines l ON l.order_id = o.id "
    "WHERE o.coop_id = ? AND o.created_at >= ? AND o.created_at < ? AND (" SOLD " OR " REFUNDED ") "
    "GROUP BY d ORDER BY d";
enum { DY_DATE, DY_ORDERS, DY_UNITS, DY_REVENUE, DY_REFUNDS, DY_REFUNDED };

/* Parameters: coop, from, to, limit. */
static const char BEST_SQL[] = "SELECT p.id, p.name_zh, p.name_en, COUNT(DISTINCT o.id), SUM(l.quantity), "
                               "SUM(l.quantity * l.unit_price_fen) rev "
                               "FROM orders o JOIN order_lines l ON l.order_id = o.id "
                               "JOIN skus s ON s.id = l.sku_id JOIN products p ON p.id = s.product_id "
                               "WHERE o.coop_id = ? AND o.created_at >= ? AND o.created_at < ? AND " SOLD " "
                               "GROUP BY p.id, p.name_zh, p.name_en ORDER BY rev DESC, SUM(l.quantity) DESC, p.id "
                               "LIMIT ?";
enum { BP_ID, BP_NAME_ZH, BP_NAME_EN, BP_ORDERS, BP_UNITS, BP_REVENUE };

typedef struct sums {
    long long orders, units, revenue, refunds, refunded;
} sums;

static json_t *sums_json(const sums *s)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "orders", (json_int_t)s->orders, "units", (json_int_t)s->units,
                     "revenue_fen", (json_int_t)s->revenue, "refunds", (json_int_t)s->refunds, "refunded_fen",
                     (json_int_t)s->refunded, "gross_fen", (json_int_t)(s->revenue + s->refunded));
}

/* The period's days, each with its figures from rows (dates in order). */
static json_t *days_json(const fl_rows *rows, long long first_day, long long ndays, sums *total)
{
    json_t *days = json_array();
    size_t r = 0;
    for (long long d = 0; d < ndays; d++) {
        char date[FL_DATE_LEN];
        sums s = {0};
        fl_date_format((first_day + d) * 86400, date);
        if (r < fl_rows_count(rows) && strcmp(fl_rows_str(rows, r, DY_DATE), date) == 0) {
            s = (sums){fl_rows_int(rows, r, DY_ORDERS), fl_rows_int(rows, r, DY_UNITS),
                       fl_rows_int(rows, r, DY_REVENUE), fl_rows_int(rows, r, DY_REFUNDS),
                       fl_rows_int(rows, r, DY_REFUNDED)};
            r++;
        }
        total->orders += s.orders;
        total->units += s.units;
        total->revenue += s.revenue;
        total->refunds += s.refunds;
        total->refunded += s.refunded;
        json_t *day = sums_json(&s);
        json_object_set_new(day, "date", json_string(date));
        json_array_append_new(days, day);
    }
    return days;
}

static json_t *best_json(const fl_rows *rows)
{
    json_t *best = json_array();
    for (size_t r = 0; r < fl_rows_count(rows); r++) {
        const char *en = fl_rows_str(rows, r, BP_NAME_EN);
        json_array_append_new(
            best, json_pack("{s:I, s:s, s:o, s:I, s:I, s:I}", "product_id", (json_int_t)fl_rows_int(rows, r, BP_ID),
                            "name_zh", fl_rows_str(rows, r, BP_NAME_ZH), "name_en", en ? json_string(en) : json_null(),
                            "orders", (json_int_t)fl_rows_int(rows, r, BP_ORDERS), "units",
                            (json_int_t)fl_rows_int(rows, r, BP_UNITS), "revenue_fen",
                            (json_int_t)fl_rows_int(rows, r, BP_REVENUE)));
    }
    return best;
}

int shop_sales_period(const char *from, const char *to, long long now_s, long long *d0, long long *d1, const char **bad)
{
    *bad = NULL;
    *d1 = fl_china_day(now_s);
    if (to && fl_date_parse(to, d1) < 0)
        *bad = "to";
    *d0 = *d1 - (SHOP_SALES_DAYS_DEFAULT - 1);
    if (!*bad && from && fl_date_parse(from, d0) < 0)
        *bad = "from";
    if (!*bad && (*d1 < *d0 || *d1 - *d0 + 1 > SHOP_SALES_DAYS_MAX))
        *bad = "to";
    return *bad ? -1 : 0;
}

int shop_sales_report(fl_db *db, long long coop_id, long long d0, long long d1, json_t **out, shop_fault *f)
{
    char from[FL_DATE_LEN], to[FL_DATE_LEN], from_sql[FL_SQLTIME_LEN], to_sql[FL_SQLTIME_LEN];
    fl_rows *days = NULL, *best = NULL;
    long long start = d0 * 86400 - FL_CHINA_UTC_OFFSET_S;
    fl_date_format(d0 * 86400, from);
    fl_date_format(d1 * 86400, to);
    fl_time_sql(start, from_sql);
    fl_time_sql(start + (d1 - d0 + 1) * 86400, to_sql);
    int rc = fl_db_query(db, &days, DAYS_SQL, "iiss", (long long)FL_CHINA_UTC_OFFSET_S, coop_id, from_sql, to_sql);
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &best, BEST_SQL, "issi", coop_id, from_sql, to_sql, (long long)SHOP_SALES_BEST);
    if (rc != FL_DB_OK) {
        fl_rows_free(days);
        return shop_fault_db(f, rc);
    }
    sums total = {0};
    json_t *day_list = days_json(days, d0, d1 - d0 + 1, &total);
    *out = json_pack("{s:s, s:s, s:o, s:o, s:o}", "from", from, "to", to, "totals", sums_json(&total), "days", day_list,
                     "best_products", best_json(best));
    fl_rows_free(days);
    fl_rows_free(best);
    return SHOP_OK;
}
