/* coop_page.c - a cooperative's page.
 *
 *   GET /c/{id}   who they are and where (region, story), their production
 *                 bases with each one's story, their certificates (kind,
 *                 number, issuing body, valid until, status: a revoked or
 *                 expired one says so), their products, recent live sessions
 *
 * The same domain reads as GET /api/v1/coops/{id}, .../certificates,
 * /api/v1/products?coop= and /api/v1/live?coop=. An unknown cooperative is a
 * 404 page. No script: nothing on it changes while it is read. */
#include "farmlive/shop/pages/home_page.h"

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/domain/certificates.h"
#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/products.h"
#include "farmlive/shop/domain/trace_key.h"
#include "farmlive/shop/pages/cards.h"
#include "farmlive/shop/pages/page.h"

#define COOP_CERTS 20
#define COOP_PRODUCTS 20
#define COOP_SESSIONS 6

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void bases(shop_html *h, json_t *list, int en)
{
    json_t *b;
    size_t i;
    if (json_array_size(list) == 0)
        return;
    shop_html_put(h, "<section class=\"block\" aria-labelledby=\"bases\"><h2 id=\"bases\">%s</h2><ul class=\"bases\">",
                  en ? "Farm bases" : "生产基地");
    json_array_foreach(list, i, b)
    {
        json_t *area = json_object_get(b, "area_mu");
        const char *photo = json_string_value(json_array_get(json_object_get(b, "photos"), 0));
        const char *dash = photo ? strrchr(photo, '-') : NULL;
        shop_html_put(h, "<li class=\"panel\">");
        if (dash) { /* the first photo, its 320 rendition */
            char small[600];
            snprintf(small, sizeof(small), "%.*s-320.jpg", (int)(dash - photo), photo);
            shop_html_put(h,
                          "<img class=\"base-pic\" src=\"%s\" alt=\"%s\" width=\"320\" height=\"240\" "
                          "loading=\"lazy\">",
                          small, S(b, "name"));
        }
        shop_html_put(h, "<h3>%s</h3><p class=\"muted\">%s", S(b, "name"), S(b, "location"));
        if (json_is_number(area))
            shop_html_put(h, " · %lld %s", (long long)(json_number_value(area) + 0.5), en ? "mu" : "亩");
        shop_html_put(h, "</p>");
        if (S(b, "description"))
            shop_html_put(h, "<p>%s</p>", S(b, "description"));
        shop_html_put(h, "</li>");
    }
    shop_html_put(h, "</ul></section>");
}

static void certificates(shop_html *h, json_t *list, int en, const char *today)
{
    json_t *c;
    size_t i;
    if (json_array_size(list) == 0)
        return;
    shop_html_put(h,
                  "<section class=\"block\" aria-labelledby=\"certs\"><h2 id=\"certs\">%s</h2><ul class=\"cert-list\">",
                  en ? "Certificates" : "资质认证");
    json_array_foreach(list, i, c)
    {
        const char *status = S(c, "status"), *until = S(c, "valid_until");
        int current = shop_page_cert_current(c, today);
        if (status && strcmp(status, "valid") == 0 && !current)
            status = "expired"; /* past its valid_until */
        shop_html_put(h, "<li class=\"cert-row%m\"><strong>%s</strong> <span class=\"mono\">%s</span>",
                      current ? " ok" : " warn", shop_page_name(S(c, "kind"), en), S(c, "number"));
        if (S(c, "issuing_body"))
            shop_html_put(h, "<br><small>%s: %s</small>", en ? "Issued by" : "发证机构", S(c, "issuing_body"));
        if (until)
            shop_html_put(h, "<br><small>%s %s</small>", en ? "Valid until" : "有效期至", until);
        shop_html_put(h, " <span class=\"tag\">%s</span></li>", shop_page_name(status, en));
    }
    shop_html_put(h, "</ul></section>");
}

int shop_coop_page(shop_req *r)
{
    int en = shop_page_lang(r), rc;
    long long id = 0;
    fl_db *db = NULL;
    const fl_signkey *key = NULL;
    shop_fault f;
    json_t *coop = NULL, *certs = NULL, *products = NULL, *sessions = NULL, *x;
    char today[11];
    size_t i;

    if (shop_param_id(r, 0, &id) < 0)
        return shop_page_not_found(r, en, en ? "Cooperative not found" : "未找到合作社",
                                   en ? "Check the link." : "请检查链接。");
    if ((rc = shop_db(r, &db)))
        return rc;
    if ((rc = shop_coop_get(db, id, &coop, &f)) < 0)
        return rc == SHOP_E_NOT_FOUND ? shop_page_not_found(r, en, en ? "Cooperative not found" : "未找到合作社",
                                                            en ? "Check the link." : "请检查链接。")
                                      : shop_fail_fault(r, &f);
    shop_product_query pq = {.coop = id, .certified = -1, .page = {.limit = COOP_PRODUCTS}};
    if (shop_trace_key_get(r->ctx->cfg, &key, &f) < 0 ||
        shop_cert_list(db, key, id, NULL, 0, COOP_CERTS, &certs, &f) < 0 ||
        shop_products_page(db, &pq, &products, &f) < 0 ||
        shop_live_page(r->ctx->cfg, db, NULL, id, 0, COOP_SESSIONS, &sessions, &f) < 0) {
        json_decref(coop);
        json_decref(certs);
        json_decref(products);
        return shop_fail_fault(r, &f);
    }
    shop_page_today(today);

    json_t *region = json_object_get(coop, "region");
    const char *name = en && S(coop, "name_en") ? S(coop, "name_en") : S(coop, "name");
    shop_html h;
    shop_page_meta m = {
        .title = name, .description = S(coop, "description"), .path = fl_arena_printf(r->arena, "/c/%lld", id)};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<section class=\"panel coop-head\"><h1>%s</h1><p class=\"muted\">%s %s %s</p>", name,
                  S(region, "province"), S(region, "city"), S(region, "county"));
    if (S(coop, "description"))
        shop_html_put(&h, "<p>%s</p>", S(coop, "description"));
    shop_html_put(&h, "</section>");
    bases(&h, json_object_get(coop, "bases"), en);
    certificates(&h, json_object_get(certs, "items"), en, today);
    x = json_object_get(products, "items");
    shop_html_put(&h, "<section class=\"block\" aria-labelledby=\"products\"><h2 id=\"products\">%s</h2>",
                  en ? "Products" : "在售商品");
    if (json_array_size(x) == 0)
        shop_html_put(&h, "<p class=\"muted\">%s</p>", en ? "Nothing on sale yet." : "暂无在售商品。");
    shop_html_put(&h, "<ul class=\"grid\">");
    json_t *p;
    json_array_foreach(x, i, p) shop_card_product(&h, p, en, today);
    shop_html_put(&h, "</ul></section>");
    x = json_object_get(sessions, "items");
    if (json_array_size(x) > 0) {
        shop_html_put(&h,
                      "<section class=\"block\" aria-labelledby=\"sessions\"><h2 id=\"sessions\">%s</h2><ul "
                      "class=\"live-list\">",
                      en ? "Recent live sessions" : "最近的直播");
        json_array_foreach(x, i, p) shop_card_live(&h, p, en);
        shop_html_put(&h, "</ul></section>");
    }
    json_decref(coop);
    json_decref(certs);
    json_decref(products);
    json_decref(sessions);
    shop_page_end(&h, r, en, &m, NULL);
    return shop_page_reply(r, &h, 200);
}
