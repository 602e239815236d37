/* home_page.c - the shop's front page, as a buyer opens a link pasted in a
 * chat group.
 *
 *   GET /    who is live now (the relay's thumbnail, title, cooperative,
 *            viewers when known), sessions coming up, the categories,
 *            products (?q= searches, ?category= narrows, ?cursor= pages
 *            on), the cooperatives
 *
 * Everything is in the first response (the same domain reads as
 * GET /api/v1/live, /products and /coops); the page has no script: its
 * search and categories are links and a form. */
#include "farmlive/shop/pages/home_page.h"

#include <string.h>

#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/products.h"
#include "farmlive/shop/domain/product_search.h"
#include "farmlive/shop/pages/cards.h"
#include "farmlive/shop/pages/page.h"

#define HOME_LIVE_MAX 8
#define HOME_UPCOMING_MAX 6
#define HOME_PRODUCTS 20
#define HOME_COOPS 12

static const char *const CATEGORIES[] = {"eggs",    "vegetables", "fruit", "tea",        "honey",
                                         "poultry", "grain",      "oil",   "condiments", "dried"};

/* The live sessions of status as cards in a section (nothing when none). */
static void live_section(shop_html *h, json_t *page, int en, const char *id, const char *title)
{
    json_t *items = json_object_get(page, "items"), *s;
    size_t i;
    if (json_array_size(items) == 0)
        return;
    shop_html_put(h, "<section class=\"block\" aria-labelledby=\"%s\"><h2 id=\"%s\">%s</h2><ul class=\"live-list\">",
                  id, id, title);
    json_array_foreach(items, i, s) shop_card_live(h, s, en);
    shop_html_put(h, "</ul></section>");
}

int shop_home_page(shop_req *r)
{
    const fl_config *cfg = r->ctx->cfg;
    int en = shop_page_lang(r), rc;
    fl_db *db = NULL;
    shop_fault f;
    json_t *live = NULL, *upcoming = NULL, *products = NULL, *coops = NULL, *x;
    char today[11];
    size_t i;
    const char *q = shop_query(r, "q"), *cat = shop_query(r, "category"), *cursor = shop_query(r, "cursor");
    shop_product_query pq = {.certified = -1};
    shop_page cp = {.limit = HOME_COOPS};

    if (cat && !*cat)
        cat = NULL;
    for (i = 0; cat && i < sizeof(CATEGORIES) / sizeof(CATEGORIES[0]) && strcmp(cat, CATEGORIES[i]) != 0; i++)
        ;
    if (cat && i == sizeof(CATEGORIES) / sizeof(CATEGORIES[0]))
        cat = NULL; /* an unknown category: everything */
    pq.category = cat;
    if (q && (!*q || shop_utf8_chars(q, strlen(q)) > SHOP_PRODUCT_Q_MAX))
        q = NULL;
    if (q && shop_search_expr(r->arena, q, &pq.match) == 0)
        q = NULL; /* no word to look for: everything */
    int nkeys = pq.match ? 2 : 1;
    if (shop_page_parse(cursor && *cursor ? cursor : NULL, NULL, nkeys, &pq.page, &(const char *){NULL}) < 0)
        shop_page_parse(NULL, NULL, nkeys, &pq.page, &(const char *){NULL}); /* a bad cursor: the first page */
    pq.page.limit = HOME_PRODUCTS;
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_live_page(cfg, db, "live", 0, 0, HOME_LIVE_MAX, &live, &f) < 0 ||
        shop_live_page(cfg, db, "created", 0, 0, HOME_UPCOMING_MAX, &upcoming, &f) < 0 ||
        shop_products_page(db, &pq, &products, &f) < 0 || shop_coops_page(db, &cp, &coops, &f) < 0) {
        json_decref(live);
        json_decref(upcoming);
        json_decref(products);
        return shop_fail_fault(r, &f);
    }
    shop_page_today(today);

    shop_html h;
    shop_page_meta m = {.title = en ? "Live from the farm" : "合作社直播 · 认证农产品",
                        .description = en ? "Certified produce straight from rural cooperatives, sold live by "
                                            "the farmers who grow it."
                                          : "合作社直供的认证农产品，农户直播带你看田间地头。",
                        .path = "/",
                        .script = NULL};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<h1 class=\"sr-only\">%s</h1>", m.title);
    shop_html_put(
        &h,
        "<form class=\"search\" role=\"search\" action=\"/\" method=\"get\"><label for=\"q\" "
        "class=\"sr-only\">%s</label><input id=\"q\" name=\"q\" type=\"search\" maxlength=\"64\" "
        "value=\"%s\" placeholder=\"%s\"><button type=\"submit\" class=\"btn btn-primary\">%s</button></form>",
        en ? "Search products" : "搜索商品", q ? q : "", en ? "Search: eggs, chilli, tea…" : "搜索：鸡蛋、辣椒、茶叶…",
        en ? "Search" : "搜索");
    if (!q && !cat && !cursor) {
        live_section(&h, live, en, "live-now", en ? "Live now" : "正在直播");
        if (json_array_size(json_object_get(live, "items")) == 0)
            shop_html_put(&h, "<p class=\"panel muted\" id=\"no-live\">%s</p>",
                          en ? "Nobody is live right now. Come back soon, or browse below."
                             : "现在没有人在直播，稍后再来看看，或者先逛逛下面的好物。");
        live_section(&h, upcoming, en, "coming-up", en ? "Coming up" : "直播预告");
    }
    shop_html_put(&h, "<nav class=\"chips\" aria-label=\"%s\"><a class=\"chip%m\" href=\"/\"%m>%s</a>",
                  en ? "Categories" : "商品分类", cat ? "" : " on", cat ? "" : " aria-current=\"page\"",
                  en ? "All" : "全部");
    for (i = 0; i < sizeof(CATEGORIES) / sizeof(CATEGORIES[0]); i++) {
        int on = cat && strcmp(cat, CATEGORIES[i]) == 0;
        shop_html_put(&h, "<a class=\"chip%m\" href=\"/?category=%s\"%m>%s</a>", on ? " on" : "", CATEGORIES[i],
                      on ? " aria-current=\"page\"" : "", shop_page_name(CATEGORIES[i], en));
    }
    shop_html_put(&h, "</nav><section class=\"block\" aria-labelledby=\"products\"><h2 id=\"products\">%s</h2>",
                  q     ? (en ? "Search results" : "搜索结果")
                  : cat ? shop_page_name(cat, en)
                        : (en ? "Products" : "好物推荐"));
    x = json_object_get(products, "items");
    if (json_array_size(x) == 0)
        shop_html_put(&h, "<p class=\"muted\">%s</p>",
                      en ? "No products found. Try another word." : "没有找到商品，换个关键词试试。");
    shop_html_put(&h, "<ul class=\"grid\">");
    json_t *p;
    json_array_foreach(x, i, p) shop_card_product(&h, p, en, today);
    shop_html_put(&h, "</ul>");
    const char *next = json_string_value(json_object_get(products, "next_cursor"));
    if (next)
        shop_html_put(&h, "<p class=\"more-wrap\"><a class=\"btn btn-outline\" href=\"%s\">%s</a></p>",
                      fl_arena_printf(r->arena, "/?cursor=%s%s%s%s%s", next, q ? "&q=" : "",
                                      q ? shop_page_urlenc(r, q) : "", cat ? "&category=" : "", cat ? cat : ""),
                      en ? "More products" : "更多商品");
    shop_html_put(&h, "</section>");
    x = json_object_get(coops, "items");
    if (json_array_size(x) > 0 && !q && !cat && !cursor) {
        shop_html_put(&h,
                      "<section class=\"block\" aria-labelledby=\"coops\"><h2 id=\"coops\">%s</h2><ul "
                      "class=\"coop-list\">",
                      en ? "Cooperatives" : "合作社");
        json_array_foreach(x, i, p) shop_card_coop(&h, p, en);
        shop_html_put(&h, "</ul></section>");
    }
    json_t *data = json_pack("{s:O}", "live", json_object_get(live, "items"));
    json_decref(live);
    json_decref(upcoming);
    json_decref(products);
    json_decref(coops);
    shop_page_end(&h, r, en, &m, data);
    return shop_page_reply(r, &h, 200);
}
