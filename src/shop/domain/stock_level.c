/* stock_level.c - stock levels and the catalogue told when one moves (see
 * shop/domain/stock_level.h). */
#include "farmlive/shop/domain/stock_level.h"
#include "farmlive/buf.h"

#include <string.h>

#define IDS_MAX (64 * 1024)

const char *shop_stock_level(long long units, int active)
{
    if (!active)
        return "unavailable";
    return units <= 0 ? "out_of_stock" : units <= SHOP_STOCK_LOW ? "low_stock" : "in_stock";
}

/* Whether a SKU holding `now` units after a change of delta crossed a level. */
static int crossed(long long now, long long delta)
{
    return strcmp(shop_stock_level(now, 1), shop_stock_level(now - delta, 1)) != 0;
}

static void changed(shop_ctx *ctx)
{
    if (ctx && ctx->catalogue_changed)
        ctx->catalogue_changed(ctx);
}

/* Parameter: the SKU ids as a JSON array. */
static const char UNITS_SQL[] = "SELECT j.id, (SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE sku_id = j.id) "
                                "FROM JSON_TABLE(?, '$[*]' COLUMNS(id BIGINT PATH '$')) j";
enum { UN_SKU, UN_UNITS };

void shop_stock_note(shop_ctx *ctx, fl_db *db, const shop_stock_delta *d, size_t n)
{
    fl_rows *rows = NULL;
    fl_buf ids;
    int hit = 0;
    if (n == 0 || !ctx || !ctx->catalogue_changed)
        return;
    fl_buf_init(&ids, 16 * n + 2, IDS_MAX);
    int err = fl_buf_append(&ids, "[", 1) < 0;
    for (size_t i = 0; i < n && !err; i++)
        err = fl_buf_printf(&ids, "%s%lld", i ? "," : "", d[i].sku_id) < 0;
    if (err || fl_buf_append(&ids, "]", 1) < 0 || fl_db_query(db, &rows, UNITS_SQL, "s", ids.p) != FL_DB_OK)
        goto out_free;
    for (size_t r = 0; r < fl_rows_count(rows) && !hit; r++)
        for (size_t i = 0; i < n && !hit; i++)
            hit = d[i].sku_id == fl_rows_int(rows, r, UN_SKU) && crossed(fl_rows_int(rows, r, UN_UNITS), d[i].delta);
    if (hit)
        changed(ctx);
out_free:
    fl_rows_free(rows);
    fl_buf_free(&ids);
}

static const char ORDER_UNITS_SQL[] =
    "SELECT l.sku_id, SUM(l.quantity), (SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE sku_id = l.sku_id) "
    "FROM order_lines l WHERE l.order_id = ? GROUP BY l.sku_id";
enum { OU_SKU, OU_QTY, OU_UNITS };

void shop_stock_note_order(shop_ctx *ctx, fl_db *db, long long order_id, int sign)
{
    fl_rows *rows = NULL;
    int hit = 0;
    if (!ctx || !ctx->catalogue_changed || fl_db_query(db, &rows, ORDER_UNITS_SQL, "i", order_id) != FL_DB_OK)
        return;
    for (size_t r = 0; r < fl_rows_count(rows) && !hit; r++)
        hit = crossed(fl_rows_int(rows, r, OU_UNITS), sign * fl_rows_int(rows, r, OU_QTY));
    fl_rows_free(rows);
    if (hit)
        changed(ctx);
}
