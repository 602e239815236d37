/* cards.c - the cards pages list (contract in shop/pages/cards.h). */
#include "farmlive/shop/pages/cards.h"

#include <string.h>

#include "farmlive/shop/pages/page.h"

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

void shop_card_product(shop_html *h, json_t *p, int en, const char *today)
{
    json_t *names = json_object_get(p, "name"), *img = json_array_get(json_object_get(p, "images"), 0), *x;
    const char *name = en && S(names, "en") ? S(names, "en") : S(names, "zh");
    long long min = -1;
    int certified = 0, several = 0;
    size_t i;
    char money[32];
    json_array_foreach(json_object_get(p, "skus"), i, x) if (json_is_true(json_object_get(x, "active")))
    {
        long long fen = I(x, "price_fen");
        several |= min >= 0 && fen != min;
        if (min < 0 || fen < min)
            min = fen;
    }
    json_array_foreach(json_object_get(p, "certifications"), i, x) certified |= shop_page_cert_current(x, today);
    shop_html_put(h, "<li class=\"card\"><a class=\"card-a\" href=\"/p/%lld\"><div class=\"card-media\">", I(p, "id"));
    if (img)
        shop_html_put(h, "<img class=\"card-img\" src=\"%s\" alt=\"\" width=\"320\" height=\"240\" loading=\"lazy\">",
                      S(img, "url"));
    else
        shop_html_put(h, "<div class=\"card-img noimg\">%s</div>", en ? "No photo yet" : "暂无图片");
    shop_html_put(h, "<span class=\"badge\">%s</span></div><div class=\"card-body\"><h3 class=\"card-title\">%s</h3>",
                  shop_page_name(S(p, "category"), en), name);
    shop_html_put(h, "<p class=\"card-coop\">%s</p>", S(json_object_get(p, "coop"), "name"));
    if (certified)
        shop_html_put(h, "<p class=\"card-cert\">✓ %s</p>", en ? "Certified" : "认证产品");
    if (min >= 0) {
        shop_page_money(min, money);
        shop_html_put(h, "<p class=\"card-price\">%s%m</p>", money,
                      several ? (en ? " <small>from</small>" : " <small>起</small>") : "");
    } else {
        shop_html_put(h, "<p class=\"card-price muted\">%s</p>", en ? "Not on sale" : "暂未开售");
    }
    shop_html_put(h, "</div></a></li>");
}

void shop_card_live(shop_html *h, json_t *s, int en)
{
    const char *status = S(s, "status"), *thumb = S(s, "thumbnail_url"), *cover = S(s, "cover_url");
    json_t *viewers = json_object_get(s, "viewers");
    char when[SHOP_PAGE_TIME_LEN];
    int live = status && (strcmp(status, "live") == 0 || strcmp(status, "idle") == 0);
    shop_html_put(h, "<li class=\"live-card\"><a class=\"card-a\" href=\"/live/%s\"><div class=\"live-media\">",
                  S(s, "id"));
    if ((live && thumb) || cover)
        shop_html_put(h, "<img class=\"live-thumb\" src=\"%s\" alt=\"\" width=\"320\" height=\"180\" loading=\"lazy\">",
                      live && thumb ? thumb : cover);
    else
        shop_html_put(h, "<div class=\"live-thumb noimg\">%s</div>",
                      live ? (en ? "On air" : "直播中") : (en ? "Coming soon" : "敬请期待"));
    shop_html_put(h, "<span class=\"live-tag%m\">%s</span>", live ? " on" : "", shop_page_name(status, en));
    if (json_is_integer(viewers))
        shop_html_put(h, "<span class=\"live-viewers\">%lld %s</span>", (long long)json_integer_value(viewers),
                      en ? "watching" : "人在看");
    shop_html_put(h, "</div><div class=\"card-body\"><h3 class=\"card-title\">%s</h3><p class=\"card-coop\">%s</p>",
                  S(s, "title"), S(json_object_get(s, "coop"), "name"));
    int planned = !live && S(s, "planned_at");
    shop_page_time(live ? S(s, "started_at") : planned ? S(s, "planned_at") : S(s, "created_at"), when);
    if (when[0])
        shop_html_put(h, "<p class=\"muted small\">%s %s</p>",
                      live      ? (en ? "Started" : "开播于")
                      : planned ? (en ? "Starts" : "开播时间")
                                : (en ? "Announced" : "预告于"),
                      when);
    shop_html_put(h, "</div></a></li>");
}

void shop_card_coop(shop_html *h, json_t *c, int en)
{
    json_t *region = json_object_get(c, "region");
    const char *name = en && S(c, "name_en") ? S(c, "name_en") : S(c, "name");
    shop_html_put(h,
                  "<li class=\"coop-card\"><a class=\"card-a\" href=\"/c/%lld\"><span class=\"coop-mark\" "
                  "aria-hidden=\"true\">社</span><span><strong>%s</strong><br><small class=\"muted\">%s %s %s</small>"
                  "</span></a></li>",
                  I(c, "id"), name, S(region, "province"), S(region, "city"), S(region, "county"));
}
