/* coop_orders.c - a cooperative's orders desk: China's days, shipping
 * several orders at once (see coop_orders.h). */
#include "farmlive/shop/domain/coop_orders.h"
#include "farmlive/shop/domain/orders.h"

int shop_cn_day(const char *date, char from[FL_SQLTIME_LEN], char to[FL_SQLTIME_LEN])
{
    long long start;
    if (fl_date_start(date, FL_CHINA_UTC_OFFSET_S, &start) < 0)
        return -1;
    fl_time_sql(start, from);
    fl_time_sql(start + 86400, to);
    return 0;
}

/* Whether order_id is coop_id's: SHOP_OK, 404 (none, or another
 * cooperative's: the same answer), 503/500. */
static int order_of_coop(fl_db *db, long long coop_id, long long order_id, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT 1 FROM orders WHERE id = ? AND coop_id = ?", "ii", order_id, coop_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    size_t n = fl_rows_count(rows);
    fl_rows_free(rows);
    return n == 1 ? SHOP_OK : shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no order %lld of this cooperative", order_id);
}

size_t shop_coop_ship_many(shop_ctx *ctx, fl_db *db, long long coop_id, long long actor, const shop_ship_item *items,
                           size_t n, shop_ship_result *out)
{
    size_t shipped = 0;
    for (size_t i = 0; i < n; i++) {
        shop_order_act act = {.actor = actor, .carrier = items[i].carrier, .tracking = items[i].tracking};
        out[i].ok = order_of_coop(db, coop_id, items[i].order_id, &out[i].f) == SHOP_OK &&
                    shop_order_transition(ctx, db, items[i].order_id, "shipped", &act, &out[i].f) == SHOP_OK;
        shipped += (size_t)out[i].ok;
    }
    return shipped;
}
