/* order_pages.c - the buyer's orders, as pages (signed in; a guest is sent
 * to sign in first).
 *
 *   GET /checkout/done?orders=12,13   order placed: each new order, its
 *                                     total and what happens next (pay
 *                                     online now, or cash on delivery)
 *   GET /orders                       my orders, newest first (?before= pages on)
 *   GET /orders/{id}                  one order: status timeline, carrier
 *                                     and tracking number, the lines, each
 *                                     linking to its lot's trace page /t/{lot};
 *                                     cancel while allowed, confirm receipt
 *                                     once delivered (order.js calls the API)
 *
 * Orders are read through the one order model (domain/order_model.h) and
 * shown only to their buyer (shop_order_access): anyone else's is a 404
 * page. Times are China's. */
#include "farmlive/shop/pages/buy_pages.h"

#include <stdlib.h>
#include <string.h>

#include "farmlive/shop/domain/order_model.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/shop/pages/page.h"

#define ORDER_TEXT_MAX (1024 * 1024)
#define ORDERS_PER_PAGE 20
#define PLACED_MAX 16 /* orders one checkout can make: one per cooperative of a cart */

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* Order id as its API answer, when the caller is its buyer: SHOP_OK with
 * *out; SHOP_E_NOT_FOUND (nobody's, or someone else's); or an error
 * already answered (rc < 0 and *answered 1). */
static int buyer_order(shop_req *r, fl_db *db, long long id, json_t **out, shop_fault *f)
{
    shop_order o;
    fl_buf b;
    int found, rc;
    if ((rc = shop_order_access(db, id, r->session->account_id, 0, SHOP_ORDER_BUYER, f)) < 0)
        return rc;
    if ((rc = shop_order_read(db, r->arena, id, &o, &found)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (!found)
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no order %lld", id);
    fl_buf_init(&b, 2048, ORDER_TEXT_MAX);
    *out = shop_order_text(&b, &o) == 0 ? json_loadb(b.p, b.len, 0, NULL) : NULL;
    fl_buf_free(&b);
    return *out ? SHOP_OK : shop_fault_set(f, SHOP_E_INTERNAL, NULL, "could not write order %lld", id);
}

static int order_missing(shop_req *r, int en)
{
    return shop_page_not_found(r, en, en ? "Order not found" : "未找到订单",
                               en ? "It is not one of your orders." : "这不是您的订单。");
}

/* What the buyer may do with an order now: pay (online, awaiting payment,
 * with the sandbox cashier), cancel, confirm receipt. */
static void order_actions(shop_html *h, shop_req *r, json_t *o, int en)
{
    const char *st = S(o, "status");
    int pending = strcmp(st, "pending_payment") == 0;
    shop_html_put(h, "<div class=\"actions\" data-order=\"%lld\">", I(o, "id"));
    if (pending && r->ctx->cfg->pay_sandbox)
        shop_html_put(h, "<a class=\"btn btn-primary\" href=\"/pay/%lld\">%s</a>", I(o, "id"),
                      en ? "Pay now" : "去支付");
    if (pending || strcmp(st, "confirmed") == 0)
        shop_html_put(h, "<button type=\"button\" class=\"btn btn-outline act-cancel\">%s</button>",
                      en ? "Cancel order" : "取消订单");
    if (strcmp(st, "delivered") == 0)
        shop_html_put(h, "<button type=\"button\" class=\"btn btn-primary act-complete\">%s</button>",
                      en ? "Confirm receipt" : "确认收货");
    shop_html_put(h, "</div>");
}

/* An order in a list: cooperative, status, lines in short, total, link. */
static void order_row(shop_html *h, shop_req *r, json_t *o, int en, int actions)
{
    char money[32], when[SHOP_PAGE_TIME_LEN];
    json_t *l;
    size_t i;
    shop_page_money(I(o, "total_fen"), money);
    shop_page_time(S(o, "created_at"), when);
    shop_html_put(h,
                  "<li class=\"panel order-row\"><p class=\"order-top\"><strong>%s</strong> <span class=\"tag "
                  "st-%s\">%s</span></p><p class=\"muted small\">%s %lld · %s · %s</p><ul class=\"order-items\">",
                  S(o, "coop_name"), S(o, "status"), shop_page_name(S(o, "status"), en), en ? "Order" : "订单号",
                  I(o, "id"), when, shop_page_name(S(o, "payment_method"), en));
    json_array_foreach(json_object_get(o, "lines"), i, l)
        shop_html_put(h, "<li>%s <small class=\"muted\">%s</small> × %lld</li>", S(l, "product_name"), S(l, "spec"),
                      I(l, "quantity"));
    shop_html_put(h, "</ul>");
    if (S(o, "live_id")) /* sold in a live session: back to its room (or its replay) */
        shop_html_put(h, "<p class=\"small order-live\"><a href=\"/live/%s\">%s</a></p>", S(o, "live_id"),
                      en ? "Bought in a live session" : "直播间下单 · 回到直播间");
    shop_html_put(h, "<p class=\"order-bottom\"><span class=\"price\">%s</span> <a href=\"/orders/%lld\">%s</a></p>",
                  money, I(o, "id"), en ? "Details" : "查看详情");
    if (actions)
        order_actions(h, r, o, en);
    shop_html_put(h, "</li>");
}

int shop_order_placed_page(shop_req *r)
{
    int en = shop_page_lang(r), rc, n = 0;
    const char *list = shop_query(r, "orders");
    long long ids[PLACED_MAX];
    json_t *orders[PLACED_MAX];
    fl_db *db = NULL;
    shop_fault f;
    if (!r->session)
        return shop_page_signin_first(r, "/orders");
    for (const char *p = list; p && *p && n < PLACED_MAX;) {
        char *end = NULL;
        long long id = strtoll(p, &end, 10);
        if (end == p || id <= 0)
            break;
        ids[n++] = id;
        p = *end == ',' ? end + 1 : end;
    }
    if (n == 0)
        return order_missing(r, en);
    if ((rc = shop_db(r, &db)))
        return rc;
    for (int i = 0; i < n; i++)
        if ((rc = buyer_order(r, db, ids[i], &orders[i], &f)) < 0) {
            while (i-- > 0)
                json_decref(orders[i]);
            return rc == SHOP_E_NOT_FOUND ? order_missing(r, en) : shop_fail_fault(r, &f);
        }
    shop_html h;
    shop_page_meta m = {.title = en ? "Order placed" : "下单成功", .path = "/orders", .script = "order.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<section class=\"panel placed\"><h1>✓ %s</h1><p>%s</p></section><ul class=\"orders\">", m.title,
                  n > 1 ? (en ? "Your cart became one order per cooperative." : "已按合作社拆分为多个订单。")
                        : (en ? "Thank you! The cooperative will ship it soon." : "感谢购买！合作社会尽快发货。"));
    for (int i = 0; i < n; i++) {
        order_row(&h, r, orders[i], en, 1);
        json_decref(orders[i]);
    }
    shop_html_put(&h,
                  "</ul><p class=\"note\" id=\"order-note\" role=\"status\" aria-live=\"polite\"></p>"
                  "<p><a class=\"btn btn-outline\" href=\"/orders\">%s</a></p>",
                  en ? "All my orders" : "查看全部订单");
    shop_page_end(&h, r, en, &m, json_object());
    return shop_page_reply(r, &h, 200);
}

int shop_my_orders_page(shop_req *r)
{
    int en = shop_page_lang(r), rc;
    fl_db *db = NULL;
    fl_buf b;
    json_t *page = NULL, *o;
    size_t i;
    long long before = 0;
    const char *bq = shop_query(r, "before");
    if (!r->session)
        return shop_page_signin_first(r, "/orders");
    if (bq && (before = strtoll(bq, NULL, 10)) < 0)
        before = 0;
    if ((rc = shop_db(r, &db)))
        return rc;
    shop_order_query q = {.buyer_id = r->session->account_id, .before = before, .limit = ORDERS_PER_PAGE};
    fl_buf_init(&b, 4096, 16 * ORDER_TEXT_MAX);
    rc = shop_order_page(db, r->arena, &q, &b);
    page = rc == FL_DB_OK ? json_loadb(b.p, b.len, 0, NULL) : NULL;
    fl_buf_free(&b);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (!page)
        return shop_fail(r, SHOP_E_INTERNAL, "could not read the orders");
    shop_html h;
    shop_page_meta m = {.title = en ? "My orders" : "我的订单", .path = "/orders", .script = "order.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<h1>%s</h1>", m.title);
    json_t *items = json_object_get(page, "items");
    if (json_array_size(items) == 0)
        shop_html_put(&h,
                      "<section class=\"panel\"><p>%s</p><p><a class=\"btn btn-primary\" href=\"/\">%s</a></p>"
                      "</section>",
                      en ? "No orders yet." : "还没有订单。", en ? "Go shopping" : "去逛逛");
    shop_html_put(&h, "<ul class=\"orders\">");
    json_array_foreach(items, i, o) order_row(&h, r, o, en, 0);
    shop_html_put(&h, "</ul>");
    if (json_is_string(json_object_get(page, "next_cursor")) && json_array_size(items) > 0)
        shop_html_put(&h, "<p class=\"more-wrap\"><a class=\"btn btn-outline\" href=\"/orders?before=%lld\">%s</a></p>",
                      I(json_array_get(items, json_array_size(items) - 1), "id"), en ? "Older orders" : "更早的订单");
    json_decref(page);
    shop_page_end(&h, r, en, &m, json_object());
    return shop_page_reply(r, &h, 200);
}

/* The label of code in a table of {code, zh, en}, or NULL. */
static const char *label_of(const char *const (*table)[3], size_t n, const char *code, int en)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(table[i][0], code) == 0)
            return table[i][en ? 2 : 1];
    return NULL;
}

/* Under "Cancelled": who cancelled, and the reason given. */
static void cancelled_note(shop_html *h, json_t *o, int en)
{
    static const char *const BY[][3] = {
        {"buyer", "买家取消", "Cancelled by the buyer"},
        {"coop_admin", "合作社取消", "Cancelled by the cooperative"},
        {"platform_admin", "平台取消", "Cancelled by the platform"},
        {"expiry", "超时未付款，系统自动取消", "Cancelled automatically: not paid in time"},
        {"payment_failure", "支付失败，系统取消", "Cancelled: the payment failed"},
    };
    const char *by = label_of(BY, sizeof(BY) / sizeof(BY[0]), S(o, "cancelled_by"), en);
    const char *why = S(o, "cancel_reason");
    if (by || why)
        shop_html_put(h, "<br><small class=\"cancel-note\">%s%s%s</small>", by ? by : "",
                      by && why ? (en ? ": " : "：") : "", why ? why : "");
}

/* Under "Refunded": the reason, and what became of the goods. */
static void refunded_note(shop_html *h, json_t *o, int en)
{
    const char *goods = S(o, "refund_goods") ? shop_page_name(S(o, "refund_goods"), en) : NULL;
    const char *why = S(o, "refund_reason");
    if (goods || why)
        shop_html_put(h, "<br><small class=\"refund-note\">%s%s%s</small>", why ? why : "", goods && why ? " · " : "",
                      goods ? goods : "");
}

/* The status timeline: each step the order passed, with its time. */
static void timeline(shop_html *h, json_t *o, int en)
{
    static const struct {
        const char *field, *zh, *en;
    } STEPS[] = {
        {"created_at", "下单", "Ordered"},        {"paid_at", "付款", "Paid"},
        {"shipped_at", "发货", "Shipped"},        {"delivered_at", "送达", "Delivered"},
        {"completed_at", "确认收货", "Received"}, {"cancelled_at", "取消", "Cancelled"},
        {"refunded_at", "退款", "Refunded"},      {"returned_at", "退货已收到", "Return received"},
    };
    char when[SHOP_PAGE_TIME_LEN];
    shop_html_put(h, "<ol class=\"timeline\" aria-label=\"%s\">", en ? "Status history" : "订单进度");
    for (size_t i = 0; i < sizeof(STEPS) / sizeof(STEPS[0]); i++) {
        shop_page_time(S(o, STEPS[i].field), when);
        if (!when[0])
            continue;
        shop_html_put(h, "<li><strong>%s</strong> <time>%s</time>", en ? STEPS[i].en : STEPS[i].zh, when);
        if (strcmp(STEPS[i].field, "shipped_at") == 0 && S(o, "carrier"))
            shop_html_put(h, "<br><small>%s %s · %s %s</small>", en ? "Carrier" : "快递", S(o, "carrier"),
                          en ? "Tracking no." : "运单号", S(o, "tracking_no"));
        if (strcmp(STEPS[i].field, "cancelled_at") == 0)
            cancelled_note(h, o, en);
        if (strcmp(STEPS[i].field, "refunded_at") == 0)
            refunded_note(h, o, en);
        shop_html_put(h, "</li>");
    }
    shop_html_put(h, "</ol>");
}

int shop_my_order_page(shop_req *r)
{
    int en = shop_page_lang(r), rc;
    long long id = 0;
    fl_db *db = NULL;
    shop_fault f;
    json_t *o = NULL, *l, *a;
    size_t i;
    char money[32], expires[SHOP_PAGE_TIME_LEN];
    if (shop_param_id(r, 0, &id) < 0)
        return order_missing(r, en);
    if (!r->session)
        return shop_page_signin_first(r, fl_arena_printf(r->arena, "/orders/%lld", id));
    if ((rc = shop_db(r, &db)))
        return rc;
    if ((rc = buyer_order(r, db, id, &o, &f)) < 0)
        return rc == SHOP_E_NOT_FOUND ? order_missing(r, en) : shop_fail_fault(r, &f);
    shop_html h;
    shop_page_meta m = {.title = fl_arena_printf(r->arena, "%s %lld", en ? "Order" : "订单", id),
                        .path = fl_arena_printf(r->arena, "/orders/%lld", id),
                        .script = "order.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h,
                  "<section class=\"panel\"><h1>%s</h1><p><span class=\"tag st-%s\" id=\"status\">%s</span> · %s · "
                  "<a href=\"/c/%lld\">%s</a></p>",
                  m.title, S(o, "status"), shop_page_name(S(o, "status"), en),
                  shop_page_name(S(o, "payment_method"), en), I(o, "coop_id"), S(o, "coop_name"));
    shop_page_time(S(o, "expires_at"), expires);
    if (strcmp(S(o, "status"), "pending_payment") == 0 && expires[0])
        shop_html_put(&h, "<p class=\"warn-text\">%s %s</p>", en ? "Pay before" : "请在此时间前付款：", expires);
    order_actions(&h, r, o, en);
    shop_html_put(&h, "<p class=\"note\" id=\"order-note\" role=\"status\" aria-live=\"polite\"></p></section>");
    shop_html_put(&h, "<section class=\"panel\"><h2 class=\"h3\">%s</h2>", en ? "Progress" : "订单进度");
    timeline(&h, o, en);
    shop_html_put(&h, "</section><section class=\"panel\"><h2 class=\"h3\">%s</h2><ul class=\"lines\">",
                  en ? "What you bought" : "商品");
    json_array_foreach(json_object_get(o, "lines"), i, l)
    {
        shop_page_money(I(l, "line_total_fen"), money);
        shop_html_put(&h,
                      "<li class=\"line\"><div class=\"line-main\">%s <small class=\"muted\">%s / %s</small> × %lld",
                      S(l, "product_name"), S(l, "spec"), S(l, "unit"), I(l, "quantity"));
        if (S(l, "lot_code"))
            shop_html_put(&h, "<br><a class=\"small\" href=\"/t/%s\">%s %s</a>", S(l, "lot_code"),
                          en ? "Trace this lot:" : "查看批次溯源：", S(l, "lot_code"));
        shop_html_put(&h, "</div><div class=\"line-side\"><span class=\"price\">%s</span></div></li>", money);
    }
    shop_page_money(I(o, "total_fen"), money);
    a = json_object_get(o, "address");
    shop_html_put(&h,
                  "</ul><p class=\"subtotal\">%s <span class=\"price\">%s</span></p></section>"
                  "<section class=\"panel\"><h2 class=\"h3\">%s</h2><p>%s %s<br>%s %s %s %s</p></section>",
                  en ? "Total" : "合计", money, en ? "Deliver to" : "收货地址", S(a, "name"), S(a, "phone"),
                  S(a, "province"), S(a, "city"), S(a, "county"), S(a, "detail"));
    json_decref(o);
    shop_page_end(&h, r, en, &m, json_pack("{s:I}", "order_id", (json_int_t)id));
    return shop_page_reply(r, &h, 200);
}
