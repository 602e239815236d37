/* cart_pages.c - the cart and the checkout, as pages.
 *
 *   GET /cart       the cart as GET /api/v1/cart shows it (lines per
 *                   cooperative, current prices, subtotals, total); its
 *                   script (src/web/pages/cart.js) changes quantities
 *   GET /checkout   (signed in; a guest is sent to sign in first, and the
 *                   guest cart joins the account's there) the saved
 *                   addresses (the default chosen) or a new one to save,
 *                   cash on delivery or online payment, the order's lines
 *                   and total; its script (checkout.js) saves a new
 *                   address, places the orders (POST /api/v1/orders with an
 *                   Idempotency-Key kept for the page's life) and goes to
 *                   /checkout/done
 *
 * A guest's cart is the one its fl_cart cookie names (a browser sends no
 * X-Cart-Token). */
#include "farmlive/shop/pages/buy_pages.h"

#include <string.h>

#include "farmlive/shop/domain/addresses.h"
#include "farmlive/shop/domain/carts.h"
#include "farmlive/shop/pages/page.h"

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The caller's cart as its priced view into *view. */
static int cart_view(shop_req *r, json_t **view)
{
    shop_cart_item items[SHOP_CART_MAX_ITEMS];
    char key[SHOP_CART_KEY_MAX] = "";
    const char *guest = shop_cookie(r, SHOP_CART_COOKIE);
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    shop_fault f;
    size_t n = 0;
    int rc;
    if (r->session)
        shop_cart_key_account(r->session->account_id, key);
    else if (shop_cart_token_ok(guest))
        shop_cart_key_guest(guest, key);
    if (key[0] && ((rc = shop_kv(r, &kv)) < 0))
        return rc;
    if (key[0] && shop_cart_read(kv, key, items, &n, NULL, &f) < 0)
        return shop_fail_fault(r, &f);
    if (n > 0 && (rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_cart_view(db, items, n, view, &f) < 0)
        return shop_fail_fault(r, &f);
    return SHOP_OK;
}

/* The cart's lines per cooperative; editable: quantity fields and remove
 * buttons (the cart page), else plain (the checkout's summary). */
static void cart_lines(shop_html *h, json_t *view, int en, int editable)
{
    json_t *g, *it;
    size_t i, k;
    char money[32];
    json_array_foreach(json_object_get(view, "coops"), i, g)
    {
        shop_html_put(h, "<section class=\"panel cart-group\"><h2 class=\"h3\">%s</h2><ul class=\"lines\">",
                      S(g, "coop_name") && *S(g, "coop_name") ? S(g, "coop_name") : (en ? "Unavailable" : "已失效"));
        json_array_foreach(json_object_get(g, "items"), k, it)
        {
            int ok = json_is_true(json_object_get(it, "available"));
            long long sku = I(it, "sku_id");
            shop_html_put(h, "<li class=\"line%m\" data-sku=\"%lld\"><div class=\"line-main\">", ok ? "" : " off", sku);
            if (S(it, "product_name"))
                shop_html_put(h, "<a href=\"/p/%lld\">%s</a> <small class=\"muted\">%s / %s</small>",
                              I(it, "product_id"), S(it, "product_name"), S(it, "spec"), S(it, "unit"));
            else
                shop_html_put(h, "%s", en ? "This item is no longer sold" : "该商品已下架");
            if (!ok)
                shop_html_put(h, " <span class=\"tag\">%s</span>", en ? "Not enough stock" : "库存不足或已下架");
            shop_html_put(h, "</div><div class=\"line-side\">");
            if (editable)
                shop_html_put(h,
                              "<label class=\"sr-only\" for=\"q%lld\">%s</label><input class=\"line-qty\" "
                              "id=\"q%lld\" type=\"number\" inputmode=\"numeric\" min=\"0\" max=\"99\" value=\"%lld\">"
                              "<button type=\"button\" class=\"btn btn-outline btn-small line-remove\">%s</button>",
                              sku, en ? "Quantity" : "数量", sku, I(it, "quantity"), en ? "Remove" : "删除");
            else
                shop_html_put(h, "<span>× %lld</span>", I(it, "quantity"));
            if (json_object_get(it, "line_total_fen")) {
                shop_page_money(I(it, "line_total_fen"), money);
                shop_html_put(h, "<span class=\"price\">%s</span>", money);
            }
            shop_html_put(h, "</div></li>");
        }
        shop_page_money(I(g, "subtotal_fen"), money);
        shop_html_put(h, "</ul><p class=\"subtotal\">%s <span class=\"price\">%s</span></p></section>",
                      en ? "Subtotal" : "小计", money);
    }
}

/* 1 when every line of the cart can be bought now. */
static int cart_ok(json_t *view)
{
    json_t *g, *it;
    size_t i, k;
    json_array_foreach(json_object_get(view, "coops"), i, g) json_array_foreach(json_object_get(g, "items"), k, it)
    {
        if (!json_is_true(json_object_get(it, "available")))
            return 0;
    }
    return 1;
}

int shop_cart_page(shop_req *r)
{
    int en = shop_page_lang(r), rc;
    json_t *view = NULL;
    char money[32];
    if ((rc = cart_view(r, &view)) < 0)
        return rc;
    shop_html h;
    shop_page_meta m = {.title = en ? "Cart" : "购物车", .path = "/cart", .script = "cart.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<h1>%s</h1>", m.title);
    if (I(view, "item_count") == 0) {
        shop_html_put(&h,
                      "<section class=\"panel\"><p>%s</p><p><a class=\"btn btn-primary\" href=\"/\">%s</a></p>"
                      "</section>",
                      en ? "Your cart is empty." : "购物车还是空的。", en ? "Go shopping" : "去逛逛");
    } else {
        shop_html_put(&h, "<form id=\"cart\" class=\"cart\" aria-label=\"%s\">", m.title);
        cart_lines(&h, view, en, 1);
        shop_page_money(I(view, "total_fen"), money);
        shop_html_put(&h,
                      "<div class=\"total-bar\"><p>%s <strong class=\"price\" id=\"total\">%s</strong></p>"
                      "<a class=\"btn btn-primary\" id=\"to-checkout\" href=\"/checkout\"%m>%s</a></div>"
                      "<p class=\"note\" id=\"cart-note\" role=\"status\" aria-live=\"polite\"></p></form>",
                      en ? "Total" : "合计", money, cart_ok(view) ? "" : " aria-disabled=\"true\"",
                      en ? "Check out" : "去结算");
    }
    shop_page_end(&h, r, en, &m, json_pack("{s:O}", "cart", view));
    json_decref(view);
    return shop_page_reply(r, &h, 200);
}

/* The address fields of a new address, as a fieldset. */
static void address_form(shop_html *h, int en, int open)
{
    static const struct {
        const char *key, *zh, *en, *ac, *max;
    } F[] = {
        {"name", "收货人", "Recipient", "name", "64"},
        {"phone", "手机号码", "Phone", "tel", "20"},
        {"province", "省", "Province", "address-level1", "32"},
        {"city", "市", "City", "address-level2", "32"},
        {"county", "区 / 县", "County", "address-level3", "32"},
        {"detail", "详细地址", "Street address", "street-address", "255"},
    };
    shop_html_put(h, "<fieldset class=\"addr-new\" id=\"addr-new\"%m><legend>%s</legend>", open ? "" : " hidden",
                  en ? "New address" : "新地址");
    for (size_t i = 0; i < sizeof(F) / sizeof(F[0]); i++)
        shop_html_put(h,
                      "<label for=\"a-%s\">%s</label><input id=\"a-%s\" name=\"%s\" autocomplete=\"%s\" "
                      "maxlength=\"%s\"%m>",
                      F[i].key, en ? F[i].en : F[i].zh, F[i].key, F[i].key, F[i].ac, F[i].max,
                      strcmp(F[i].key, "phone") == 0 ? " type=\"tel\" inputmode=\"tel\"" : "");
    shop_html_put(h, "</fieldset>");
}

int shop_checkout_page(shop_req *r)
{
    int en = shop_page_lang(r), rc;
    json_t *view = NULL, *book = NULL, *a;
    fl_db *db = NULL;
    shop_fault f;
    size_t i;
    char money[32];
    shop_page pg = {.limit = SHOP_ADDRESSES_MAX};
    if (!r->session)
        return shop_page_signin_first(r, "/checkout");
    if ((rc = cart_view(r, &view)) < 0)
        return rc;
    if ((rc = shop_db(r, &db)) < 0) {
        json_decref(view);
        return rc;
    }
    if (shop_addresses_page(db, r->session->account_id, &pg, &book, &f) < 0) {
        json_decref(view);
        return shop_fail_fault(r, &f);
    }
    shop_html h;
    shop_page_meta m = {.title = en ? "Check out" : "确认订单", .path = "/checkout", .script = "checkout.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<h1>%s</h1>", m.title);
    if (I(view, "item_count") == 0) {
        shop_html_put(&h,
                      "<section class=\"panel\"><p>%s</p><p><a class=\"btn btn-primary\" href=\"/orders\">%s</a> "
                      "<a class=\"btn btn-outline\" href=\"/\">%s</a></p></section>",
                      en ? "Your cart is empty." : "购物车是空的。", en ? "My orders" : "我的订单",
                      en ? "Go shopping" : "去逛逛");
    } else {
        json_t *items = json_object_get(book, "items");
        int any = json_array_size(items) > 0;
        shop_html_put(&h,
                      "<form id=\"checkout\" class=\"form checkout\" novalidate><section class=\"panel\">"
                      "<fieldset class=\"addr-book\"><legend>%s</legend>",
                      en ? "Deliver to" : "收货地址");
        json_array_foreach(items, i, a)
        {
            shop_html_put(&h,
                          "<label class=\"addr\"><input type=\"radio\" name=\"address\" value=\"%lld\"%m>"
                          "<span><strong>%s</strong> %s<br><small>%s %s %s %s</small>%m</span></label>",
                          I(a, "id"), json_is_true(json_object_get(a, "is_default")) ? " checked" : "", S(a, "name"),
                          S(a, "phone"), S(a, "province"), S(a, "city"), S(a, "county"), S(a, "detail"),
                          json_is_true(json_object_get(a, "is_default"))
                              ? (en ? " <span class=\"tag\">Default</span>" : " <span class=\"tag\">默认</span>")
                              : "");
        }
        shop_html_put(&h,
                      "<label class=\"addr\"><input type=\"radio\" name=\"address\" value=\"new\"%m>"
                      "<span>%s</span></label></fieldset>",
                      any ? "" : " checked",
                      en ? "A new address (saved to my address book)" : "使用新地址（保存到地址簿）");
        address_form(&h, en, !any);
        shop_html_put(&h,
                      "</section><section class=\"panel\"><fieldset><legend>%s</legend>"
                      "<label class=\"pay\"><input type=\"radio\" name=\"payment\" value=\"cod\" checked> %s</label>"
                      "<label class=\"pay\"><input type=\"radio\" name=\"payment\" value=\"online\"> %s</label>"
                      "</fieldset></section>",
                      en ? "Payment" : "支付方式", en ? "Cash on delivery" : "货到付款",
                      en ? "Pay online now" : "在线支付");
        cart_lines(&h, view, en, 0);
        shop_page_money(I(view, "total_fen"), money);
        shop_html_put(&h,
                      "<div class=\"total-bar\"><p>%s <strong class=\"price\">%s</strong></p>"
                      "<button class=\"btn btn-primary\" type=\"submit\" id=\"place\"%m>%s</button></div>"
                      "<p class=\"error\" id=\"checkout-error\" role=\"alert\"></p></form>",
                      en ? "Total" : "合计", money, cart_ok(view) ? "" : " disabled", en ? "Place order" : "提交订单");
    }
    shop_page_end(&h, r, en, &m, json_pack("{s:I}", "total_fen", (json_int_t)I(view, "total_fen")));
    json_decref(view);
    json_decref(book);
    return shop_page_reply(r, &h, 200);
}
