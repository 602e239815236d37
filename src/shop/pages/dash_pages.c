/* dash_pages.c - the cooperative dashboard's entry and overview (contract
 * in shop/pages/dash_pages.h): which cooperatives the caller may manage,
 * and one cooperative's day at a glance from what the domain gives
 * cheaply (one page of orders, of live sessions, of certificates). */
#include "farmlive/shop/pages/dash_pages.h"

#include <string.h>

#include "farmlive/buf.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/shop/domain/certificates.h"
#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/domain/live_report.h"
#include "farmlive/shop/domain/order_model.h"
#include "farmlive/shop/domain/trace_key.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"

#define DASH_ORDERS 20
#define DASH_SESSIONS 5
#define DASH_CERTS 100
#define DASH_COOPS 100
#define DASH_ANSWER_MAX (4 * 1024 * 1024)

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* ---- GET /dash -------------------------------------------------------------- */

int shop_dash_home_page(shop_req *r)
{
    int en = shop_page_lang(r), rc;
    shop_actor who = shop_auth_actor(r);
    fl_db *db = NULL;
    shop_fault f;
    json_t *me = NULL, *list, *c;
    size_t i;

    if (!r->session)
        return shop_page_signin_first(r, "/dash");
    if ((rc = shop_db(r, &db)))
        return rc;
    if (who.platform_admin) { /* every cooperative, newest first */
        shop_page pg = {.limit = DASH_COOPS};
        if (shop_coops_page(db, &pg, &me, &f) < 0)
            return shop_fail_fault(r, &f);
        list = json_object_get(me, "items");
    } else {
        if (shop_account_me(db, who.account_id, 0, &me, &f) < 0)
            return shop_fail_fault(r, &f);
        list = json_object_get(me, "memberships");
        if (json_array_size(list) == 1) {
            shop_add_header(r, "Location",
                            fl_arena_printf(r->arena, "/dash/%lld", I(json_array_get(list, 0), "coop_id")));
            json_decref(me);
            return shop_reply_empty(r, 303);
        }
    }
    shop_html h;
    shop_page_meta m = {.title = en ? "Cooperative dashboard" : "合作社工作台", .path = "/dash"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<h1>%s</h1>", m.title);
    if (json_array_size(list) == 0)
        shop_html_put(&h, "<section class=\"panel\" id=\"no-coops\"><p>%s</p></section>",
                      en ? "You are not a member of any cooperative. A cooperative's admin can invite you; the "
                           "invitation then waits on your account page."
                         : "你还不是任何合作社的成员。合作社管理员可以邀请你，邀请会出现在“我的”页面。");
    shop_html_put(&h, "<ul class=\"dash-coops\">");
    json_array_foreach(list, i, c)
    {
        long long id = who.platform_admin ? I(c, "id") : I(c, "coop_id");
        const char *name = who.platform_admin ? S(c, "name") : S(c, "coop_name");
        const char *role = S(c, "role");
        shop_html_put(&h, "<li class=\"panel\"><a href=\"/dash/%lld\"><strong>%s</strong></a>", id, name);
        if (role)
            shop_html_put(&h, " <small class=\"muted\">%s</small>",
                          strcmp(role, "coop_admin") == 0 ? (en ? "admin" : "管理员") : (en ? "farmer" : "农户"));
        shop_html_put(&h, "</li>");
    }
    shop_html_put(&h, "</ul>");
    json_decref(me);
    shop_page_end(&h, r, en, &m, NULL);
    return shop_page_reply(r, &h, 200);
}

/* ---- GET /dash/{coop_id} ---------------------------------------------------- */

/* One page of the cooperative's orders, as the API answers it. */
static int recent_orders(shop_req *r, fl_db *db, long long coop_id, json_t **out, shop_fault *f)
{
    shop_order_query q = {.coop_id = coop_id, .limit = DASH_ORDERS};
    fl_buf b;
    fl_buf_init(&b, 4096, DASH_ANSWER_MAX);
    int rc = shop_order_page(db, r->arena, &q, &b);
    if (rc == FL_DB_OK)
        *out = json_loadb(b.p, b.len, 0, NULL);
    fl_buf_free(&b);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (!*out)
        return shop_fault_set(f, SHOP_E_INTERNAL, NULL, "the orders could not be read");
    return SHOP_OK;
}

static void orders_panel(shop_html *h, json_t *orders, int en, const char *today)
{
    json_t *o;
    size_t i, n = 0;
    long long fen = 0;
    char when[SHOP_PAGE_TIME_LEN], money[32];
    json_array_foreach(json_object_get(orders, "items"), i, o)
    {
        shop_page_time(S(o, "created_at"), when);
        if (strncmp(when, today, 10) == 0 && strcmp(S(o, "status"), "cancelled") != 0) {
            n++;
            fen += I(o, "total_fen");
        }
    }
    shop_page_money(fen, money);
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"orders-h\"><h2 id=\"orders-h\">%s</h2>"
                  "<dl class=\"counters\"><div><dt>%s</dt><dd id=\"today-orders\">%lld</dd></div><div><dt>%s</dt>"
                  "<dd id=\"today-revenue\">%s</dd></div></dl>",
                  en ? "Today's orders" : "今日订单", en ? "Orders today" : "今日订单数", (long long)n,
                  en ? "Ordered today" : "今日下单金额", money);
    if (json_array_size(json_object_get(orders, "items")) == 0) {
        shop_html_put(h, "<p class=\"muted\">%s</p></section>", en ? "No orders yet." : "还没有订单。");
        return;
    }
    shop_html_put(h,
                  "<div class=\"table-wrap\"><table class=\"skus\" id=\"recent-orders\"><caption class=\"sr-only\">%s"
                  "</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th></tr></thead><tbody>",
                  en ? "Latest orders" : "最近订单", en ? "Order" : "订单号", en ? "Placed" : "下单时间",
                  en ? "Goods" : "商品", en ? "Status" : "状态", en ? "Total" : "金额");
    json_array_foreach(json_object_get(orders, "items"), i, o)
    {
        json_t *line = json_array_get(json_object_get(o, "lines"), 0);
        shop_page_time(S(o, "created_at"), when);
        shop_page_money(I(o, "total_fen"), money);
        shop_html_put(h, "<tr data-order=\"%lld\"><td>%lld</td><td>%s</td><td>%s", I(o, "id"), I(o, "id"), when,
                      S(line, "product_name"));
        if (json_array_size(json_object_get(o, "lines")) > 1)
            shop_html_put(h, " <small class=\"muted\">+%lld</small>",
                          (long long)json_array_size(json_object_get(o, "lines")) - 1);
        shop_html_put(h, "</td><td>%s</td><td class=\"num\">%s</td></tr>", shop_page_name(S(o, "status"), en), money);
    }
    shop_html_put(h, "</tbody></table></div></section>");
}

static void live_panel(shop_html *h, json_t *live, int en)
{
    json_t *s;
    size_t i;
    char money[32];
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"live-h\"><h2 id=\"live-h\">%s</h2><ul "
                  "class=\"dash-list\">",
                  en ? "Live sessions" : "直播场次");
    json_array_foreach(json_object_get(live, "items"), i, s)
    {
        shop_page_money(I(s, "revenue_fen"), money);
        shop_html_put(h, "<li><a href=\"/studio/%s\">%s</a> <span class=\"muted\">%s · %lld %s · %s</span></li>",
                      S(s, "id"), S(s, "title"), shop_page_name(S(s, "status"), en), I(s, "orders"),
                      en ? "orders" : "单", money);
    }
    shop_html_put(h, "</ul>");
    if (json_array_size(json_object_get(live, "items")) == 0)
        shop_html_put(h, "<p class=\"muted\">%s</p>", en ? "No sessions yet." : "还没有直播。");
    shop_html_put(h, "</section>");
}

static void certs_panel(shop_html *h, json_t *certs, int en, long long coop_id, const char *today)
{
    json_t *c;
    size_t i, n = 0;
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"exp-h\"><h2 id=\"exp-h\">%s</h2><ul class=\"dash-list\" "
                  "id=\"expiring\">",
                  en ? "Certificates expiring soon" : "即将到期的证书");
    json_array_foreach(json_object_get(certs, "items"), i, c)
    {
        if (!shop_cert_expiring(S(c, "status"), S(c, "valid_until"), today))
            continue;
        n++;
        shop_html_put(h, "<li class=\"warn-row\"><strong>%s</strong> %s <span>%s %s</span></li>",
                      shop_page_name(S(c, "kind"), en), S(c, "number") ? S(c, "number") : S(c, "product_name"),
                      en ? "valid until" : "有效期至", S(c, "valid_until"));
    }
    shop_html_put(h, "</ul>");
    if (n == 0)
        shop_html_put(h, "<p class=\"muted\">%s</p>",
                      en ? "None in the next 60 days." : "未来 60 天内没有到期的证书。");
    shop_html_put(h, "<p><a href=\"/dash/%lld/certificates\">%s</a></p></section>", coop_id,
                  en ? "All certificates" : "全部证书");
}

int shop_dash_overview_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "", &d);
    fl_db *db = NULL;
    shop_fault f;
    json_t *orders = NULL, *live = NULL, *certs = NULL;
    const fl_signkey *key = NULL;
    char today[11];

    if (!d.ready)
        return rc;
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_trace_key_get(r->ctx->cfg, &key, &f) < 0 || recent_orders(r, db, d.coop_id, &orders, &f) < 0 ||
        shop_room_coop_page(db, &d.who, d.coop_id, 0, DASH_SESSIONS, &live, &f) < 0 ||
        shop_cert_list(db, key, d.coop_id, NULL, 0, DASH_CERTS, &certs, &f) < 0) {
        json_decref(orders);
        json_decref(live);
        return shop_fail_fault(r, &f);
    }
    shop_page_today(today);
    shop_html h;
    shop_dash_begin(&h, r, &d, NULL);
    shop_html_put(&h, "<div class=\"dash-grid\">");
    orders_panel(&h, orders, d.en, today);
    shop_html_put(&h, "<div>");
    live_panel(&h, live, d.en);
    certs_panel(&h, certs, d.en, d.coop_id, today);
    shop_html_put(&h, "</div></div>");
    json_decref(orders);
    json_decref(live);
    json_decref(certs);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}
