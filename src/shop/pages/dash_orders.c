/* dash_orders.c - the cooperative dashboard's orders: /dash/{id}/orders.
 *
 * A day's orders (China's day, today by default), by status and live
 * session, in a table drawn on the server: recipient, address, items,
 * amount, status, carrier and tracking number. Orders that can ship (paid,
 * confirmed) have a box to pick them; the page's script (dash_orders.js)
 * ships the picked ones at once (POST /coops/{id}/orders/ship, a tracking
 * number each), refunds (admins: POST /orders/{id}/refund, saying for a
 * shipped order whether the goods come back) and links the day's CSV for
 * the courier. Every write goes through the API and its role checks: the
 * page only decides what to show (refund buttons to admins). Members of
 * the cooperative and platform admins only; anyone else gets the refusal
 * and no data. */
#include "farmlive/shop/pages/dash_orders.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/domain/coop_orders.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/live_report.h"
#include "farmlive/shop/domain/order_model.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"

#define PAGE_ORDERS 50
#define SESSIONS_LISTED 50

static const char *const STATUSES[] = {"paid",      "confirmed", "pending_payment", "shipped",
                                       "delivered", "completed", "cancelled",       "refunded"};

static long long num(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

/* The filter: day, status, session (the cooperative's latest sessions). */
static void filter_form(shop_html *h, int en, const char *date, const char *status, const char *live, json_t *sessions)
{
    size_t i;
    json_t *s;
    shop_html_put(h,
                  "<form class=\"form dash-filter\" method=\"get\" id=\"filter\"><div class=\"field\"><label "
                  "for=\"f-date\">%s</label><input id=\"f-date\" name=\"date\" type=\"date\" value=\"%s\"></div>"
                  "<div class=\"field\"><label for=\"f-status\">%s</label><select id=\"f-status\" name=\"status\">"
                  "<option value=\"\">%s</option>",
                  en ? "Day (China time)" : "日期（北京时间）", date, en ? "Status" : "状态",
                  en ? "Every status" : "全部状态");
    for (i = 0; i < sizeof(STATUSES) / sizeof(STATUSES[0]); i++)
        shop_html_put(h, "<option value=\"%s\"%m>%s</option>", STATUSES[i],
                      status && strcmp(status, STATUSES[i]) == 0 ? " selected" : "", shop_page_name(STATUSES[i], en));
    shop_html_put(h,
                  "</select></div><div class=\"field\"><label for=\"f-live\">%s</label><select id=\"f-live\" "
                  "name=\"live_id\"><option value=\"\">%s</option>",
                  en ? "Live session" : "直播场次", en ? "Any (or none)" : "全部");
    json_array_foreach(json_object_get(sessions, "items"), i, s)
    {
        const char *id = json_string_value(json_object_get(s, "id"));
        shop_html_put(h, "<option value=\"%s\"%m>%s</option>", id, live && strcmp(live, id) == 0 ? " selected" : "",
                      json_string_value(json_object_get(s, "title")));
    }
    shop_html_put(h, "</select></div><button type=\"submit\" class=\"btn btn-outline\">%s</button></form>",
                  en ? "Show" : "筛选");
}

/* The panel that ships the picked orders (the script fills its list). */
static void ship_panel(shop_html *h, int en)
{
    static const char *const carriers[] = {"顺丰速运", "中通快递", "圆通速递", "韵达快递",
                                           "申通快递", "邮政 EMS", "京东物流", "极兔速递"};
    shop_html_put(h,
                  "<section class=\"panel\" id=\"ship-panel\" aria-labelledby=\"ship-h\"><h2 id=\"ship-h\">%s</h2>"
                  "<p class=\"muted small\" id=\"ship-none\">%s</p><form id=\"ship\" class=\"form\" novalidate hidden>"
                  "<div class=\"field\"><label for=\"carrier\">%s</label><input id=\"carrier\" name=\"carrier\" "
                  "list=\"carriers\" maxlength=\"64\" autocomplete=\"off\"><datalist id=\"carriers\">",
                  en ? "Ship" : "发货",
                  en ? "Tick the orders to ship in the table." : "在下面的表格里勾选要发货的订单。",
                  en ? "Carrier" : "快递公司");
    for (size_t i = 0; i < sizeof(carriers) / sizeof(carriers[0]); i++)
        shop_html_put(h, "<option value=\"%s\">", carriers[i]);
    shop_html_put(h,
                  "</datalist></div><ol class=\"ship-list\" id=\"ship-list\"></ol>"
                  "<p class=\"form-error\" id=\"ship-error\" role=\"alert\"></p>"
                  "<button type=\"submit\" class=\"btn btn-primary\">%s</button></form>"
                  "<ul class=\"ship-results\" id=\"ship-results\" aria-live=\"polite\"></ul></section>",
                  en ? "Ship the ticked orders" : "确认发货");
}

/* The order's items: "name spec ×n" per line, one per line of text. */
static void items_cell(shop_html *h, const shop_order *o)
{
    for (size_t i = 0; i < o->nlines; i++)
        shop_html_put(h, "%m%s %s ×%s", i ? "<br>" : "", o->lines[i].v[SHOP_OL_PRODUCT_NAME],
                      o->lines[i].v[SHOP_OL_SPEC], o->lines[i].v[SHOP_OL_QUANTITY]);
}

static void order_row(shop_html *h, const shop_order *o, int en, int admin)
{
    const char *st = o->v[SHOP_OF_STATUS], *id = o->v[SHOP_OF_ID];
    char iso[FL_TIME_LEN], when[SHOP_PAGE_TIME_LEN] = "", money[32];
    int shippable = strcmp(st, "paid") == 0 || strcmp(st, "confirmed") == 0;
    int refundable = shippable
                         ? strcmp(st, "paid") == 0
                         : strcmp(st, "shipped") == 0 || strcmp(st, "delivered") == 0 || strcmp(st, "completed") == 0;
    if (fl_time_from_sql(o->v[SHOP_OF_CREATED_AT], iso) == 0)
        shop_page_time(iso, when);
    shop_page_money(num(o->v[SHOP_OF_TOTAL_FEN]), money);
    shop_html_put(h, "<tr data-order=\"%s\" data-status=\"%s\"><td>", id, st);
    if (shippable)
        shop_html_put(h, "<input type=\"checkbox\" class=\"pick\" value=\"%s\" data-name=\"%s\" aria-label=\"%s %s\">",
                      id, o->v[SHOP_OF_SHIP_NAME], en ? "Pick order" : "选择订单", id);
    shop_html_put(h, "</td><td class=\"num\">%s</td><td>%s</td><td>%s<br><small>%s</small></td>", id, when + 5,
                  o->v[SHOP_OF_SHIP_NAME], o->v[SHOP_OF_SHIP_PHONE]);
    shop_html_put(h, "<td class=\"wrap\">%s%s%s %s</td><td class=\"wrap\">", o->v[SHOP_OF_SHIP_PROVINCE],
                  o->v[SHOP_OF_SHIP_CITY], o->v[SHOP_OF_SHIP_COUNTY], o->v[SHOP_OF_SHIP_DETAIL]);
    items_cell(h, o);
    shop_html_put(
        h, "</td><td class=\"num\">%s<br><small>%s</small></td><td class=\"st\"><span class=\"st-label\">%s</span>",
        money, shop_page_name(o->v[SHOP_OF_PAYMENT_METHOD], en), shop_page_name(st, en));
    if (o->v[SHOP_OF_TRACKING_NO])
        shop_html_put(h, "<br><small class=\"tracking\">%s %s</small>", o->v[SHOP_OF_CARRIER],
                      o->v[SHOP_OF_TRACKING_NO]);
    if (o->v[SHOP_OF_REFUND_GOODS])
        shop_html_put(h, "<br><small>%s</small>", shop_page_name(o->v[SHOP_OF_REFUND_GOODS], en));
    shop_html_put(h, "</td><td>");
    if (admin && refundable)
        shop_html_put(h,
                      "<button type=\"button\" class=\"btn btn-small btn-outline refund\" data-refund=\"%s\" "
                      "data-shipped=\"%m\">%s</button>",
                      id, o->v[SHOP_OF_SHIPPED_AT] ? "1" : "0", en ? "Refund" : "退款");
    shop_html_put(h, "</td></tr>");
}

static void refund_dialog(shop_html *h, int en)
{
    shop_html_put(h,
                  "<dialog class=\"sheet sheet-small\" id=\"refund-dialog\" aria-labelledby=\"refund-h\"><div "
                  "class=\"sheet-body\"><form id=\"refund\" class=\"form\" method=\"dialog\" novalidate><h2 "
                  "id=\"refund-h\">%s <span id=\"refund-no\"></span></h2><div class=\"field\"><label "
                  "for=\"refund-reason\">%s</label><input id=\"refund-reason\" name=\"reason\" maxlength=\"255\" "
                  "required></div><fieldset class=\"field\" id=\"refund-goods\"><legend>%s</legend>"
                  "<label class=\"check\"><input type=\"radio\" name=\"return\" value=\"true\"> %s</label>"
                  "<label class=\"check\"><input type=\"radio\" name=\"return\" value=\"false\"> %s</label></fieldset>"
                  "<p class=\"form-error\" id=\"refund-error\" role=\"alert\"></p><div class=\"grid2\"><button "
                  "type=\"button\" class=\"btn btn-outline\" id=\"refund-cancel\">%s</button><button type=\"submit\" "
                  "class=\"btn btn-danger\">%s</button></div></form></div></dialog>",
                  en ? "Refund order" : "退款：订单", en ? "Reason" : "退款原因",
                  en ? "The goods were shipped: do they come back?" : "货物已发出，是否退回？",
                  en ? "They come back (on sale again once received)" : "退回（收到后重新上架）",
                  en ? "They do not (lost or not wanted back)" : "不退回（丢失或不需要退回）", en ? "Back" : "返回",
                  en ? "Refund the whole order" : "全额退款");
}

int shop_dash_orders_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "orders", &d), en = d.en;
    const char *date = shop_query(r, "date"), *status = shop_query(r, "status"), *live = shop_query(r, "live_id");
    char today[11], from[FL_SQLTIME_LEN], to[FL_SQLTIME_LEN];
    shop_order_query q = {.limit = PAGE_ORDERS};
    shop_order *orders = NULL;
    json_t *sessions = NULL;
    shop_page pg;
    shop_fault f;
    size_t n = 0;
    fl_db *db = NULL;

    if (!d.ready)
        return rc;
    q.coop_id = d.coop_id;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    shop_page_today(today);
    if (!date || shop_cn_day(date, from, to) < 0)
        shop_cn_day(date = today, from, to);
    if (live && !shop_live_id_valid(live))
        live = NULL;
    status = q.status = shop_order_status(status); /* an unknown status: every status */
    q.from = from;
    q.to = to;
    q.live_public_id = live;
    if (shop_page_parse(shop_query(r, "cursor"), NULL, 1, &pg, &(const char *){NULL}) == 0)
        q.before = pg.after[0];
    if ((rc = shop_order_list(db, r->arena, &q, &orders, &n)) != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (shop_room_coop_page(db, &d.who, q.coop_id, 0, SESSIONS_LISTED, &sessions, &f) < 0)
        return shop_fail_fault(r, &f);

    shop_html h;
    shop_dash_begin(&h, r, &d, "dash_orders.js");
    shop_html_put(&h, "<p class=\"muted\" id=\"day\">%s</p>", date);
    filter_form(&h, en, date, status, live, sessions);
    shop_html_put(&h,
                  "<p><a class=\"btn btn-outline\" id=\"csv\" href=\"/api/v1/coops/%lld/orders.csv?date=%s%m%s\" "
                  "download>%s</a></p>",
                  q.coop_id, date, status ? "&amp;status=" : "", status ? status : "",
                  en ? "Download the day's CSV for the courier" : "下载当天快递单（CSV）");
    ship_panel(&h, en);
    size_t shown = n < (size_t)PAGE_ORDERS ? n : (size_t)PAGE_ORDERS;
    if (shown == 0)
        shop_html_put(&h, "<p class=\"panel muted\" id=\"no-orders\">%s</p>",
                      en ? "No orders on this day." : "这一天没有符合条件的订单。");
    else {
        shop_html_put(
            &h,
            "<div class=\"table-wrap\"><table class=\"dash-table\" id=\"orders\"><caption "
            "class=\"sr-only\">%s</caption><thead><tr><th scope=\"col\"><span class=\"sr-only\">%s</span></th>"
            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\"><span "
            "class=\"sr-only\">%s</span></th></tr></thead><tbody>",
            en ? "The day's orders" : "当天订单", en ? "Pick" : "选择", en ? "No." : "订单号",
            en ? "Placed" : "下单时间", en ? "Recipient" : "收件人", en ? "Address" : "收货地址", en ? "Items" : "商品",
            en ? "Amount" : "金额", en ? "Status" : "状态", en ? "Actions" : "操作");
        for (size_t i = 0; i < shown; i++)
            order_row(&h, &orders[i], en, shop_dash_may(&d, SHOP_MEMBER_ADMIN));
        shop_html_put(&h, "</tbody></table></div>");
    }
    if (n > (size_t)PAGE_ORDERS) {
        char cursor[SHOP_CURSOR_TEXT_MAX];
        long long last = num(orders[PAGE_ORDERS - 1].v[SHOP_OF_ID]);
        shop_cursor_format(&last, 1, cursor);
        shop_html_put(
            &h,
            "<p class=\"more-wrap\"><a class=\"btn btn-outline\" href=\"/dash/%lld/orders?date=%s%m%s%m%s&amp;"
            "cursor=%s\">%s</a></p>",
            q.coop_id, date, status ? "&amp;status=" : "", status ? status : "", live ? "&amp;live_id=" : "",
            live ? live : "", cursor, en ? "Older orders" : "更早的订单");
    }
    refund_dialog(&h, en);
    json_decref(sessions);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}
