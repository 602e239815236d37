/* orders_csv.c - a cooperative's orders of one day as CSV, for the courier.
 *
 *   GET /api/v1/coops/{id}/orders.csv?date=YYYY-MM-DD[&status=]   its members
 *
 * The orders placed on China's day `date` that sold (paid, confirmed,
 * shipped, delivered or completed: none awaiting payment, cancelled or
 * refunded), or those of `status` when given; oldest first, at most
 * CSV_ORDERS_MAX (past that 422: narrow by status). The file: UTF-8 with a
 * BOM, RFC 4180, the formula guard (core/csv.h); a header row in Chinese,
 * then per order
 *
 *   订单号 下单时间 收件人 电话 收货地址 商品 件数 金额(元) 付款方式 代收货款(元) 状态 快递公司 运单号
 *
 * 下单时间 on China's clock; 商品 "name spec/unit ×n" per SKU (an SKU served
 * from two lots is one item), joined by "；"; 金额 the order's total in yuan
 * ("39.90"); 代收货款 what the courier collects: the total for cash on
 * delivery, else "0.00"; carrier and tracking number once shipped. */
#include "farmlive/shop/pages/orders_csv.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/csv.h"
#include "farmlive/shop/domain/coop_orders.h"
#include "farmlive/shop/domain/order_model.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/shop/pages/page.h"

#include <stdlib.h>
#include <string.h>

#define CSV_ORDERS_MAX 5000
#define CSV_MAX (16 * 1024 * 1024)

static const char *const HEADER[] = {"订单号",   "下单时间", "收件人",       "电话", "收货地址", "商品",  "件数",
                                     "金额(元)", "付款方式", "代收货款(元)", "状态", "快递公司", "运单号"};

static long long num(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

/* fen as yuan with two decimals ("39.90"), from a. */
static const char *yuan(fl_arena *a, long long fen)
{
    return fl_arena_printf(a, "%lld.%02lld", fen / 100, fen % 100);
}

/* The order's items ("绿壳乌鸡蛋 30枚/盒 ×2；…", lines of one SKU summed) and
 * their units, from a. */
static const char *items_text(fl_arena *a, const shop_order *o, long long *units)
{
    fl_buf b;
    *units = 0;
    fl_buf_init(&b, 128, 64 * 1024);
    for (size_t i = 0; i < o->nlines;) {
        const shop_order_line *l = &o->lines[i];
        long long q = 0;
        for (; i < o->nlines && strcmp(o->lines[i].v[SHOP_OL_SKU_ID], l->v[SHOP_OL_SKU_ID]) == 0; i++)
            q += num(o->lines[i].v[SHOP_OL_QUANTITY]);
        *units += q;
        fl_buf_printf(&b, "%s%s %s/%s ×%lld", b.len ? "；" : "", l->v[SHOP_OL_PRODUCT_NAME], l->v[SHOP_OL_SPEC],
                      l->v[SHOP_OL_UNIT], q);
    }
    const char *s = fl_arena_strndup(a, b.p ? b.p : "", b.len);
    fl_buf_free(&b);
    return s;
}

/* One order's row. */
static int order_row(fl_buf *b, fl_arena *a, const shop_order *o)
{
    char iso[FL_TIME_LEN], local[SHOP_PAGE_TIME_LEN];
    long long units, total = num(o->v[SHOP_OF_TOTAL_FEN]);
    int cod = strcmp(o->v[SHOP_OF_PAYMENT_METHOD], "cod") == 0;
    local[0] = '\0';
    if (fl_time_from_sql(o->v[SHOP_OF_CREATED_AT], iso) == 0)
        shop_page_time(iso, local);
    const char *items = items_text(a, o, &units);
    const char *cells[] = {
        o->v[SHOP_OF_ID],
        local,
        o->v[SHOP_OF_SHIP_NAME],
        o->v[SHOP_OF_SHIP_PHONE],
        fl_arena_printf(a, "%s%s%s%s", o->v[SHOP_OF_SHIP_PROVINCE], o->v[SHOP_OF_SHIP_CITY], o->v[SHOP_OF_SHIP_COUNTY],
                        o->v[SHOP_OF_SHIP_DETAIL]),
        items,
        fl_arena_printf(a, "%lld", units),
        yuan(a, total),
        shop_page_name(o->v[SHOP_OF_PAYMENT_METHOD], 0),
        yuan(a, cod ? total : 0),
        shop_page_name(o->v[SHOP_OF_STATUS], 0),
        o->v[SHOP_OF_CARRIER],
        o->v[SHOP_OF_TRACKING_NO],
    };
    for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
        if (shop_csv_cell(b, i, cells[i]) < 0)
            return -1;
    return shop_csv_row_end(b);
}

int shop_orders_csv(shop_req *r)
{
    const char *date = shop_query(r, "date"), *status = shop_query(r, "status");
    char from[FL_SQLTIME_LEN], to[FL_SQLTIME_LEN];
    shop_order_query q = {.limit = CSV_ORDERS_MAX};
    shop_order *orders = NULL;
    fl_db *db = NULL;
    size_t n = 0;
    fl_buf b;
    int err;
    if ((err = shop_param_id(r, 0, &q.coop_id)) < 0 || (err = shop_auth_coop(r, q.coop_id, SHOP_MEMBER_FARMER)) < 0)
        return err;
    if (!date || shop_cn_day(date, from, to) < 0)
        return shop_fail(r, SHOP_E_BAD_REQUEST, "date must be a day as YYYY-MM-DD (China's time)");
    if (status && !(q.status = shop_order_status(status)))
        return shop_fail(r, SHOP_E_BAD_REQUEST,
                         "status must be one of pending_payment, paid, confirmed, shipped, "
                         "delivered, completed, cancelled, refunded");
    q.sold = !q.status;
    q.from = from;
    q.to = to;
    if ((err = shop_db(r, &db)) < 0)
        return err;
    if ((err = shop_order_list(db, r->arena, &q, &orders, &n)) != FL_DB_OK)
        return shop_fail_db(r, err);
    if (n > CSV_ORDERS_MAX)
        return shop_fail(r, SHOP_E_VALIDATION, "date %s has more than %d orders: ask for one status at a time", date,
                         CSV_ORDERS_MAX);
    fl_buf_init(&b, 4096 + 512 * n, CSV_MAX);
    int bad = fl_buf_append(&b, SHOP_CSV_BOM, 3) < 0;
    for (size_t i = 0; i < sizeof(HEADER) / sizeof(HEADER[0]) && !bad; i++)
        bad = shop_csv_cell(&b, i, HEADER[i]) < 0;
    bad = bad || shop_csv_row_end(&b) < 0;
    for (size_t i = n; i-- > 0 && !bad;) /* newest first from the list: the file oldest first */
        bad = order_row(&b, r->arena, &orders[i]) < 0;
    char *text = bad ? NULL : fl_arena_strndup(r->arena, b.p, b.len);
    size_t len = b.len;
    fl_buf_free(&b);
    if (!text)
        return shop_fail(r, SHOP_E_INTERNAL, "the CSV of %s passed %d bytes", date, CSV_MAX);
    shop_add_header(r, "Content-Disposition",
                    fl_arena_printf(r->arena, "attachment; filename=\"orders-%lld-%s.csv\"", q.coop_id, date));
    shop_add_header(r, "Cache-Control", "private, no-store");
    return shop_reply_raw(r, 200, SHOP_CSV_TYPE, text, len);
}
