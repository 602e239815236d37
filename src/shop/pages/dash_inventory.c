/* dash_inventory.c - the cooperative dashboard's inventory:
 * /dash/{id}/inventory.
 *
 * Every SKU of the cooperative with its units on hand and the lots holding
 * them (oldest first: the order they are sold in), as GET
 * /coops/{id}/inventory answers. Admins restock a SKU (a new lot, or more
 * in one of its lots) and adjust a lot up or down with a reason through the
 * page's script (dash_inventory.js: POST /skus/{id}/restock and
 * /adjustments); farmers see the stock. */
#include "farmlive/shop/pages/dash_inventory.h"

#include <string.h>

#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"

#define PAGE_SKUS 50

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void sku_row(shop_html *h, json_t *s, int en, int admin)
{
    size_t i;
    json_t *l;
    char money[32];
    const char *name = en && S(s, "name_en") ? S(s, "name_en") : S(s, "name_zh");
    int off = !json_is_true(json_object_get(s, "active")) || strcmp(S(s, "product_status"), "listed") != 0;
    shop_page_money(I(s, "price_fen"), money);
    shop_html_put(h,
                  "<tr data-sku=\"%lld\"%m><th scope=\"row\">%s<br><small class=\"muted\">%s / %s · %s%m</small></th>"
                  "<td class=\"num avail\">%lld</td><td><ul class=\"lots\">",
                  I(s, "sku_id"), off ? " class=\"off\"" : "", name, S(s, "spec"), S(s, "unit"), money,
                  off ? (en ? " · not on sale" : " · 未在售") : "", I(s, "available"));
    json_array_foreach(json_object_get(s, "lots"), i, l)
    {
        shop_html_put(h, "<li data-lot=\"%lld\"><a href=\"/t/%s\">%s</a> <span class=\"lot-left\">%lld</span>/%lld",
                      I(l, "id"), S(l, "code"), S(l, "code"), I(l, "remaining"), I(l, "quantity"));
        if (S(l, "pack_date"))
            shop_html_put(h, " <small class=\"muted\">%s %s</small>", en ? "packed" : "包装", S(l, "pack_date"));
        shop_html_put(h, "</li>");
    }
    if (json_array_size(json_object_get(s, "lots")) == 0)
        shop_html_put(h, "<li class=\"muted\">%s</li>", en ? "Nothing on hand" : "无库存");
    shop_html_put(h, "</ul>");
    if (I(s, "empty_lots"))
        shop_html_put(h, "<small class=\"muted\">%s %lld</small>", en ? "lots sold out:" : "已售完批次：",
                      I(s, "empty_lots"));
    shop_html_put(h, "</td><td>");
    if (admin) {
        shop_html_put(h,
                      "<button type=\"button\" class=\"btn btn-small btn-primary\" data-restock=\"%lld\" "
                      "data-name=\"%s %s\">%s</button> ",
                      I(s, "sku_id"), name, S(s, "spec"), en ? "Restock" : "入库");
        if (json_array_size(json_object_get(s, "lots")) || I(s, "empty_lots"))
            shop_html_put(h,
                          "<button type=\"button\" class=\"btn btn-small btn-outline\" data-adjust=\"%lld\" "
                          "data-name=\"%s %s\">%s</button>",
                          I(s, "sku_id"), name, S(s, "spec"), en ? "Adjust" : "盘点调整");
    }
    shop_html_put(h, "</td></tr>");
}

/* The two dialogs the script opens: restock (quantity, a lot code or a new
 * lot, dates, a note) and adjust (a lot, + or - units, the reason). */
static void dialogs(shop_html *h, int en)
{
    shop_html_put(
        h,
        "<dialog class=\"sheet sheet-small\" id=\"restock-dialog\" aria-labelledby=\"restock-h\"><div "
        "class=\"sheet-body\"><form id=\"restock\" class=\"form\" novalidate><h2 id=\"restock-h\">%s <span "
        "class=\"what\"></span></h2><div class=\"field\"><label for=\"rs-qty\">%s</label><input id=\"rs-qty\" "
        "name=\"quantity\" type=\"number\" min=\"1\" max=\"1000000\" required></div><div class=\"field\"><label "
        "for=\"rs-lot\">%s</label><input id=\"rs-lot\" name=\"lot_code\" maxlength=\"64\" autocomplete=\"off\"><small "
        "class=\"muted\">%s</small></div><div class=\"grid2\"><div class=\"field\"><label for=\"rs-harvest\">%s"
        "</label><input id=\"rs-harvest\" name=\"harvest_date\" type=\"date\"></div><div class=\"field\"><label "
        "for=\"rs-pack\">%s</label><input id=\"rs-pack\" name=\"pack_date\" type=\"date\"></div></div><div "
        "class=\"field\"><label for=\"rs-note\">%s</label><input id=\"rs-note\" name=\"note\" maxlength=\"255\">"
        "</div><p class=\"form-error\" id=\"restock-error\" role=\"alert\"></p><div class=\"grid2\"><button "
        "type=\"button\" class=\"btn btn-outline close\">%s</button><button type=\"submit\" class=\"btn "
        "btn-primary\">%s</button></div></form></div></dialog>",
        en ? "Restock" : "入库", en ? "Units" : "数量", en ? "Lot code" : "批次号",
        en ? "An existing lot of this SKU adds to it; empty: a new lot with a code made for it."
           : "填已有批次则加到该批次；不填则新建批次并自动编号。",
        en ? "Harvested (new lot)" : "采收日期（新批次）", en ? "Packed (new lot)" : "包装日期（新批次）",
        en ? "Note" : "备注", en ? "Back" : "返回", en ? "Restock" : "确认入库");
    shop_html_put(
        h,
        "<dialog class=\"sheet sheet-small\" id=\"adjust-dialog\" aria-labelledby=\"adjust-h\"><div "
        "class=\"sheet-body\"><form id=\"adjust\" class=\"form\" novalidate><h2 id=\"adjust-h\">%s <span "
        "class=\"what\"></span></h2><div class=\"field\"><label for=\"aj-lot\">%s</label><input id=\"aj-lot\" "
        "name=\"lot_code\" maxlength=\"64\" required autocomplete=\"off\"></div><div class=\"field\"><label "
        "for=\"aj-delta\">%s</label><input id=\"aj-delta\" name=\"delta\" type=\"number\" required><small "
        "class=\"muted\">%s</small></div><div class=\"field\"><label for=\"aj-reason\">%s</label><input "
        "id=\"aj-reason\" name=\"reason\" maxlength=\"255\" required></div><p class=\"form-error\" "
        "id=\"adjust-error\" role=\"alert\"></p><div class=\"grid2\"><button type=\"button\" class=\"btn btn-outline "
        "close\">%s</button><button type=\"submit\" class=\"btn btn-primary\">%s</button></div></form></div>"
        "</dialog>",
        en ? "Adjust" : "盘点调整", en ? "Lot code" : "批次号",
        en ? "Units (+ found, − lost)" : "数量（+ 盘盈，− 盘亏）",
        en ? "e.g. -2 for two boxes broken" : "例如：破损 2 盒填 -2", en ? "Reason" : "原因", en ? "Back" : "返回",
        en ? "Adjust" : "确认调整");
}

int shop_dash_inventory_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "inventory", &d), en = d.en;
    json_t *page = NULL, *s;
    shop_fault f;
    shop_page pg;
    fl_db *db = NULL;
    size_t i;

    if (!d.ready)
        return rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_page_parse(shop_query(r, "cursor"), NULL, 1, &pg, &(const char *){NULL}) < 0)
        pg.after[0] = 0;
    if (shop_inv_coop_page(db, d.coop_id, pg.after[0], PAGE_SKUS, &page, &f) < 0)
        return shop_fail_fault(r, &f);
    shop_html h;
    shop_dash_begin(&h, r, &d, "dash_inventory.js");
    shop_html_put(&h, "<p class=\"note\" id=\"inv-note\" role=\"status\"></p>");
    if (json_array_size(json_object_get(page, "items")) == 0)
        shop_html_put(&h, "<p class=\"panel muted\">%s</p>", en ? "No products yet." : "合作社还没有商品。");
    else {
        shop_html_put(&h,
                      "<div class=\"table-wrap\"><table class=\"dash-table\" id=\"inventory\"><thead><tr><th "
                      "scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th><th scope=\"col\">%s</th><th "
                      "scope=\"col\"><span class=\"sr-only\">%s</span></th></tr></thead><tbody>",
                      en ? "Product" : "商品", en ? "On hand" : "库存",
                      en ? "Lots (left / made)" : "批次（剩余 / 总量）", en ? "Actions" : "操作");
        json_array_foreach(json_object_get(page, "items"), i, s)
            sku_row(&h, s, en, shop_dash_may(&d, SHOP_MEMBER_ADMIN));
        shop_html_put(&h, "</tbody></table></div>");
    }
    if (json_is_string(json_object_get(page, "next_cursor")))
        shop_html_put(&h,
                      "<p class=\"more-wrap\"><a class=\"btn btn-outline\" href=\"/dash/%lld/inventory?cursor=%s\">%s"
                      "</a></p>",
                      d.coop_id, S(page, "next_cursor"), en ? "More products" : "更多商品");
    if (shop_dash_may(&d, SHOP_MEMBER_ADMIN))
        dialogs(&h, en);
    json_decref(page);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}
