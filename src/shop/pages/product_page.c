/* product_page.c - a product's page, as a buyer opens it from a shared link.
 *
 *   GET /p/{id}     the product (images, name, price of each SKU and whether
 *                   it can be bought, its certifications, its cooperative and
 *                   base, its description), with an Open Graph card; the
 *                   page's script (src/web/pages/product.js) adds to the cart
 *
 * Rendered from shop_product_get (the same data as GET /api/v1/products/{id})
 * through the page frame (page.h). A certification shows as a badge only
 * when it is valid and not past its end. An unknown or unlisted product is a
 * small 404 page. */
#include "farmlive/shop/pages/product_page.h"

#include <string.h>

#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/products.h"
#include "farmlive/shop/pages/page.h"

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int not_found(shop_req *r, int en)
{
    return shop_page_not_found(r, en, en ? "Product not found" : "未找到商品",
                               en ? "It may have been delisted." : "该商品可能已下架。");
}

/* GET /p/{id} */
int shop_product_page(shop_req *r)
{
    long long id = 0;
    json_t *p = NULL, *list, *x, *coop, *base, *names;
    fl_db *db = NULL;
    shop_fault f;
    shop_html h;
    char money[32], today[11];
    int en = shop_page_lang(r), rc, any_sku = 0;
    size_t i;

    if (shop_param_id(r, 0, &id) < 0)
        return not_found(r, en);
    if ((rc = shop_db(r, &db)))
        return rc;
    if ((rc = shop_product_get(db, id, shop_auth_account(r), shop_auth_platform_admin(r), &p, &f)))
        return rc == SHOP_E_NOT_FOUND ? not_found(r, en) : shop_fail_fault(r, &f);
    if (strcmp(S(p, "status") ? S(p, "status") : "", "listed") != 0) {
        json_decref(p);
        return not_found(r, en);
    }
    shop_page_today(today);
    names = json_object_get(p, "name");
    coop = json_object_get(p, "coop");
    base = json_object_get(p, "base");
    const char *name = en && S(names, "en") ? S(names, "en") : S(names, "zh");
    json_t *img = json_array_get(json_object_get(p, "images"), 0);
    shop_page_meta m = {.title = name,
                        .description = S(p, "description"),
                        .image = S(img, "url"),
                        .path = fl_arena_printf(r->arena, "/p/%lld", id),
                        .script = "product.js"};

    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<article class=\"product\"><div class=\"product-media\">");
    if (img)
        shop_html_put(&h, "<img src=\"%s\" alt=\"%s\" width=\"640\" height=\"480\">", S(img, "url"), S(img, "alt"));
    else
        shop_html_put(&h, "<div class=\"noimg\">%s</div>", en ? "No image" : "暂无图片");
    shop_html_put(&h,
                  "</div><div class=\"product-info\"><p class=\"crumbs\"><a href=\"/c/%lld\">%s</a> · %s</p>"
                  "<h1>%s</h1>",
                  (long long)json_integer_value(json_object_get(coop, "id")), S(coop, "name"),
                  shop_page_name(S(p, "category"), en), name);
    list = json_object_get(p, "certifications");
    shop_html_put(&h, "<ul class=\"certs\" aria-label=\"%s\">", en ? "Certifications" : "认证");
    json_array_foreach(list, i, x) if (shop_page_cert_current(x, today)) shop_html_put(
        &h, "<li class=\"cert\">✓ %s <small>%s</small></li>", shop_page_name(S(x, "kind"), en), S(x, "number"));
    shop_html_put(&h, "</ul><form class=\"buy\" id=\"buy\" aria-label=\"%s\"><fieldset><legend>%s</legend>",
                  en ? "Add to cart" : "加入购物车", en ? "Choose an option" : "选择规格");
    list = json_object_get(p, "skus");
    json_array_foreach(list, i, x)
    {
        int active = json_is_true(json_object_get(x, "active"));
        shop_page_money((long long)json_integer_value(json_object_get(x, "price_fen")), money);
        shop_html_put(&h,
                      "<label class=\"sku%s\"><input type=\"radio\" name=\"sku\" value=\"%lld\"%m%m>"
                      "<span class=\"sku-spec\">%s / %s</span><span class=\"price\">%s</span>%m</label>",
                      active ? "" : " off", (long long)json_integer_value(json_object_get(x, "id")),
                      active && !any_sku ? " checked" : "", active ? "" : " disabled", S(x, "spec"), S(x, "unit"),
                      money,
                      active ? ""
                      : en   ? "<span class=\"tag\">Paused</span>"
                             : "<span class=\"tag\">暂停销售</span>");
        any_sku |= active;
    }
    shop_html_put(
        &h,
        "</fieldset><div class=\"qty\"><label for=\"qty\">%s</label>"
        "<input id=\"qty\" name=\"qty\" type=\"number\" inputmode=\"numeric\" min=\"1\" max=\"99\" value=\"1\">"
        "</div><button class=\"btn btn-primary btn-block\" type=\"submit\"%m>%s</button>"
        "<p class=\"note\" id=\"buy-note\" role=\"status\" aria-live=\"polite\"></p></form></div>",
        en ? "Quantity" : "数量", any_sku ? "" : " disabled", en ? "Add to cart" : "加入购物车");
    shop_html_put(&h, "<section class=\"panel\"><h2>%s</h2><p>%s</p>", en ? "About" : "商品介绍", S(p, "description"));
    if (json_is_object(base))
        shop_html_put(&h, "<p>%s: %s</p>", en ? "Farm base" : "产地基地", S(base, "name"));
    shop_html_put(&h, "<p><a href=\"/c/%lld\">%s %s</a></p></section></article>",
                  (long long)json_integer_value(json_object_get(coop, "id")), en ? "More from" : "更多来自",
                  S(coop, "name"));
    json_t *data = json_pack("{s:I,s:O}", "product_id", (json_int_t)id, "skus", list);
    shop_page_end(&h, r, en, &m, data);
    json_decref(p);
    return shop_page_reply(r, &h, 200);
}
