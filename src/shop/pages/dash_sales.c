/* dash_sales.c - the cooperative dashboard's sales: /dash/{id}/sales.
 *
 * The period's totals, its days (China's, refunds subtracted as
 * domain/sales.h says), the live sessions with what each sold (the session
 * reports; each links to its report in the studio) and the best products.
 * All on the server: the page has no script. The cooperative's admins and
 * platform admins only, as GET /coops/{id}/sales; a farmer gets the
 * refusal. */
#include "farmlive/shop/pages/dash_sales.h"

#include <time.h>

#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/domain/live_report.h"
#include "farmlive/shop/domain/sales.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"

#define SESSIONS_LISTED 20

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void totals_panel(shop_html *h, json_t *t, int en)
{
    char kept[32], refunded[32];
    shop_page_money(I(t, "revenue_fen"), kept);
    shop_page_money(I(t, "refunded_fen"), refunded);
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"tot-h\"><h2 id=\"tot-h\">%s</h2><dl class=\"counters\" "
                  "id=\"totals\"><div><dt>%s</dt><dd id=\"t-orders\">%lld</dd></div><div><dt>%s</dt><dd "
                  "id=\"t-units\">%lld</dd></div><div><dt>%s</dt><dd id=\"t-revenue\">%s</dd></div><div><dt>%s</dt>"
                  "<dd id=\"t-refunded\">%s</dd></div></dl><p class=\"muted small\">%s</p></section>",
                  en ? "Totals" : "合计", en ? "Orders" : "订单", I(t, "orders"), en ? "Units" : "件数", I(t, "units"),
                  en ? "Revenue" : "销售额", kept, en ? "Refunded" : "已退款", refunded,
                  en ? "Orders count on the day they were placed (China time) once paid, or confirmed for cash on "
                       "delivery; a refunded order is taken out of its day and shown as refunded."
                     : "订单按下单日（北京时间）计入：已付款，或货到付款已确认；退款的订单从当天扣除，计入“已退款”。");
}

static void days_table(shop_html *h, json_t *days, int en)
{
    size_t i;
    json_t *d;
    char kept[32], refunded[32];
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"days-h\"><h2 id=\"days-h\">%s</h2><div "
                  "class=\"table-wrap\"><table class=\"dash-table\" id=\"days\"><thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" "
                  "class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
                  en ? "Per day" : "每日销售", en ? "Day" : "日期", en ? "Orders" : "订单", en ? "Units" : "件数",
                  en ? "Revenue" : "销售额", en ? "Refunded" : "已退款");
    for (i = json_array_size(days); i-- > 0;) { /* newest first */
        d = json_array_get(days, i);
        shop_page_money(I(d, "revenue_fen"), kept);
        shop_page_money(I(d, "refunded_fen"), refunded);
        shop_html_put(h,
                      "<tr data-date=\"%s\"%m><th scope=\"row\">%s</th><td class=\"num\">%lld</td><td "
                      "class=\"num\">%lld</td><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>",
                      S(d, "date"), I(d, "orders") || I(d, "refunds") ? "" : " class=\"off\"", S(d, "date"),
                      I(d, "orders"), I(d, "units"), kept, refunded);
    }
    shop_html_put(h, "</tbody></table></div></section>");
}

static void sessions_table(shop_html *h, json_t *sessions, int en)
{
    size_t i;
    json_t *s;
    char money[32], when[SHOP_PAGE_TIME_LEN];
    shop_html_put(h, "<section class=\"panel\" aria-labelledby=\"live-h\"><h2 id=\"live-h\">%s</h2>",
                  en ? "Per live session" : "直播场次");
    if (json_array_size(json_object_get(sessions, "items")) == 0) {
        shop_html_put(h, "<p class=\"muted\">%s</p></section>", en ? "No live sessions yet." : "还没有直播。");
        return;
    }
    shop_html_put(h,
                  "<div class=\"table-wrap\"><table class=\"dash-table\" id=\"sessions\"><thead><tr><th "
                  "scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th><th "
                  "scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
                  en ? "Session" : "直播", en ? "Started" : "开播时间", en ? "Orders" : "订单", en ? "Units" : "件数",
                  en ? "Revenue" : "销售额");
    json_array_foreach(json_object_get(sessions, "items"), i, s)
    {
        shop_page_money(I(s, "revenue_fen"), money);
        shop_page_time(S(s, "started_at"), when);
        shop_html_put(h,
                      "<tr><th scope=\"row\"><a href=\"/studio/%s\">%s</a> <small class=\"muted\">%s</small></th>"
                      "<td>%s</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"num\">%s</td></tr>",
                      S(s, "id"), S(s, "title"), shop_page_name(S(s, "status"), en), when[0] ? when : "—",
                      I(s, "orders"), I(s, "units"), money);
    }
    shop_html_put(h, "</tbody></table></div></section>");
}

static void best_table(shop_html *h, json_t *best, int en)
{
    size_t i;
    json_t *p;
    char money[32];
    shop_html_put(h, "<section class=\"panel\" aria-labelledby=\"best-h\"><h2 id=\"best-h\">%s</h2>",
                  en ? "Best products" : "热销商品");
    if (json_array_size(best) == 0) {
        shop_html_put(h, "<p class=\"muted\">%s</p></section>",
                      en ? "Nothing sold in this period." : "这段时间还没有卖出商品。");
        return;
    }
    shop_html_put(
        h,
        "<div class=\"table-wrap\"><table class=\"dash-table\" id=\"best\"><thead><tr><th scope=\"col\">%s"
        "</th><th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" class=\"num\">%s</th><th scope=\"col\" "
        "class=\"num\">%s</th></tr></thead><tbody>",
        en ? "Product" : "商品", en ? "Orders" : "订单", en ? "Units" : "件数", en ? "Revenue" : "销售额");
    json_array_foreach(best, i, p)
    {
        shop_page_money(I(p, "revenue_fen"), money);
        shop_html_put(h,
                      "<tr><th scope=\"row\"><a href=\"/p/%lld\">%s</a></th><td class=\"num\">%lld</td><td "
                      "class=\"num\">%lld</td><td class=\"num\">%s</td></tr>",
                      I(p, "product_id"), en && S(p, "name_en") ? S(p, "name_en") : S(p, "name_zh"), I(p, "orders"),
                      I(p, "units"), money);
    }
    shop_html_put(h, "</tbody></table></div></section>");
}

int shop_dash_sales_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "sales", &d), en = d.en;
    const char *bad;
    long long d0, d1;
    json_t *sales = NULL, *sessions = NULL;
    shop_fault f;
    fl_db *db = NULL;

    if (!d.ready)
        return rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_sales_period(shop_query(r, "from"), shop_query(r, "to"), (long long)time(NULL), &d0, &d1, &bad) < 0)
        shop_sales_period(NULL, NULL, (long long)time(NULL), &d0, &d1, &bad); /* a bad period: the default one */
    if (shop_sales_report(db, d.coop_id, d0, d1, &sales, &f) < 0)
        return shop_fail_fault(r, &f);
    if (shop_room_coop_page(db, &d.who, d.coop_id, 0, SESSIONS_LISTED, &sessions, &f) < 0) {
        json_decref(sales);
        return shop_fail_fault(r, &f);
    }
    shop_html h;
    shop_dash_begin(&h, r, &d, NULL);
    shop_html_put(&h,
                  "<form class=\"form dash-filter\" method=\"get\"><div class=\"field\"><label "
                  "for=\"f-from\">%s</label><input id=\"f-from\" name=\"from\" type=\"date\" value=\"%s\"></div><div "
                  "class=\"field\"><label for=\"f-to\">%s</label><input id=\"f-to\" name=\"to\" type=\"date\" "
                  "value=\"%s\"></div><button type=\"submit\" class=\"btn btn-outline\">%s</button></form>",
                  en ? "From" : "开始日期", S(sales, "from"), en ? "To" : "结束日期", S(sales, "to"),
                  en ? "Show" : "查看");
    totals_panel(&h, json_object_get(sales, "totals"), en);
    days_table(&h, json_object_get(sales, "days"), en);
    sessions_table(&h, sessions, en);
    best_table(&h, json_object_get(sales, "best_products"), en);
    json_decref(sales);
    json_decref(sessions);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}
