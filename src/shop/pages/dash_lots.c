/* dash_lots.c - the dashboard's lots (contract in shop/pages/dash_pages.h),
 * for every member of the cooperative:
 *
 *   /dash/{coop_id}/lots          the lots, newest first, paged; "record a
 *                                 lot" (dash_lots.js: POST .../lots)
 *   /dash/{coop_id}/lots/{code}   one lot: its trace chain and its
 *                                 verification (the trace document), "add a
 *                                 trace event" (POST /api/v1/lots/{code}/
 *                                 events), its certificates, and its QR
 *                                 labels to print (the A4 sheet) */
#include "farmlive/shop/pages/dash_pages.h"

#include <string.h>

#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/lots.h"
#include "farmlive/shop/domain/products.h"
#include "farmlive/shop/domain/trace_doc.h"
#include "farmlive/shop/domain/trace_key.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"

#define DASH_LOTS 30
#define DASH_SKU_PRODUCTS 100
#define DASH_BASES 100

/* The steps a cooperative records on a lot, as the dashboard offers them
 * (the API takes a few more: planted, received, sold). */
static const struct {
    const char *kind, *zh, *en;
} STEPS[] = {
    {"raised", "养殖/种植", "Raised"},  {"fed", "投喂/施肥", "Fed"},        {"treated", "用药/防治", "Treated"},
    {"harvested", "采收", "Harvested"}, {"inspected", "检测", "Inspected"}, {"packed", "包装", "Packed"},
    {"shipped", "发货", "Shipped"},     {"planted", "播种", "Planted"},     {"received", "收货", "Received"},
    {"sold", "售出", "Sold"},
};

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *step_name(const char *kind, int en)
{
    for (size_t i = 0; kind && i < sizeof(STEPS) / sizeof(STEPS[0]); i++)
        if (strcmp(STEPS[i].kind, kind) == 0)
            return en ? STEPS[i].en : STEPS[i].zh;
    return kind ? kind : "";
}

/* ---- GET /dash/{coop_id}/lots ------------------------------------------------ */

static void new_lot_form(shop_html *h, json_t *products, json_t *bases, int en)
{
    json_t *p, *k, *b;
    size_t i, j;
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"nl-h\"><h2 id=\"nl-h\">%s</h2><form id=\"new-lot\" "
                  "class=\"form\" novalidate><div class=\"field\"><label for=\"nl-code\">%s</label><input "
                  "id=\"nl-code\" name=\"code\" maxlength=\"64\" required placeholder=\"AY-EGG-20261206-01\" "
                  "autocapitalize=\"characters\"><small class=\"muted\">%s</small></div><div class=\"field\"><label "
                  "for=\"nl-sku\">%s</label><select id=\"nl-sku\" name=\"sku_id\">",
                  en ? "Record a lot" : "登记批次", en ? "Lot code" : "批次号",
                  en ? "3–64 of A–Z, 0–9 and -; printed on the labels" : "3–64 位大写字母、数字和 -，会印在标签上",
                  en ? "Product and SKU" : "商品规格");
    json_array_foreach(json_object_get(products, "items"), i, p) json_array_foreach(json_object_get(p, "skus"), j, k)
        shop_html_put(h, "<option value=\"%lld\">%s · %s</option>", I(k, "id"), S(json_object_get(p, "name"), "zh"),
                      S(k, "spec"));
    shop_html_put(h,
                  "</select></div><div class=\"grid2\"><div class=\"field\"><label for=\"nl-qty\">%s</label><input "
                  "id=\"nl-qty\" name=\"quantity\" type=\"number\" min=\"1\" required></div><div class=\"field\">"
                  "<label for=\"nl-base\">%s</label><select id=\"nl-base\" name=\"base_id\"><option value=\"0\">%s"
                  "</option>",
                  en ? "Quantity" : "数量", en ? "Production base" : "生产基地", en ? "(none)" : "（不指定）");
    json_array_foreach(json_object_get(bases, "items"), i, b)
        shop_html_put(h, "<option value=\"%lld\">%s</option>", I(b, "id"), S(b, "name"));
    shop_html_put(
        h,
        "</select></div><div class=\"field\"><label for=\"nl-harvest\">%s</label><input id=\"nl-harvest\" "
        "name=\"harvest_date\" type=\"date\"></div><div class=\"field\"><label for=\"nl-pack\">%s</label><input "
        "id=\"nl-pack\" name=\"pack_date\" type=\"date\"></div></div><p class=\"form-error\" role=\"alert\"></p>"
        "<button type=\"submit\" class=\"btn btn-primary\">%s</button></form></section>",
        en ? "Harvested on" : "采收日期", en ? "Packed on" : "包装日期", en ? "Record lot" : "登记批次");
}

int shop_dash_lots_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "lots", &d);
    fl_db *db = NULL;
    shop_fault f;
    shop_page pg, ppg = {.limit = DASH_SKU_PRODUCTS}, bpg = {.limit = DASH_BASES};
    const char *bad = NULL;
    json_t *lots = NULL, *products = NULL, *bases = NULL, *l;
    size_t i;

    if (!d.ready)
        return rc;
    if (shop_page_parse(shop_query(r, "cursor"), NULL, 1, &pg, &bad) < 0)
        shop_page_parse(NULL, NULL, 1, &pg, &bad);
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_lot_list(db, &d.who, d.coop_id, 0, pg.after[0], DASH_LOTS, r->ctx->cfg->public_base, r->arena, &lots, &f) <
            0 ||
        shop_products_coop_page(db, &d.who, d.coop_id, &ppg, &products, &f) < 0 ||
        shop_coop_bases_page(db, d.coop_id, &bpg, &bases, &f) < 0) {
        json_decref(lots);
        json_decref(products);
        return shop_fail_fault(r, &f);
    }
    shop_html h;
    shop_dash_begin(&h, r, &d, "dash_lots.js");
    shop_html_put(&h,
                  "<div class=\"dash-split\"><div><div class=\"table-wrap\" tabindex=\"0\"><table class=\"dash-table\" "
                  "id=\"lots\">"
                  "<caption class=\"sr-only\">%s</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s"
                  "</th><th scope=\"col\" class=\"num\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                  d.title, d.en ? "Lot" : "批次号", d.en ? "Product" : "商品", d.en ? "Left / made" : "剩余 / 数量",
                  d.en ? "Packed" : "包装日期");
    json_array_foreach(json_object_get(lots, "items"), i, l)
    {
        json_t *p = json_object_get(l, "product"), *k = json_object_get(l, "sku");
        shop_html_put(&h,
                      "<tr><td><a href=\"/dash/%lld/lots/%s\">%s</a></td><td>%s <small class=\"muted\">%s</small></td>"
                      "<td class=\"num\">%lld / %lld %s</td><td>%s</td></tr>",
                      d.coop_id, S(l, "code"), S(l, "code"), S(p, "name_zh"), S(k, "spec"), I(l, "remaining"),
                      I(l, "quantity"), S(l, "unit"), S(l, "pack_date") ? S(l, "pack_date") : "—");
    }
    shop_html_put(&h, "</tbody></table></div>");
    if (json_array_size(json_object_get(lots, "items")) == 0)
        shop_html_put(&h, "<p class=\"muted\">%s</p>", d.en ? "No lots yet." : "还没有批次。");
    if (json_is_string(json_object_get(lots, "next_cursor")))
        shop_html_put(&h, "<p><a class=\"btn btn-outline\" href=\"%s?cursor=%s\">%s</a></p>", d.path,
                      S(lots, "next_cursor"), d.en ? "Older lots" : "更早的批次");
    shop_html_put(&h, "</div><div>");
    if (json_array_size(json_object_get(products, "items")) > 0)
        new_lot_form(&h, products, bases, d.en);
    else
        shop_html_put(&h, "<p class=\"panel\">%s</p>",
                      d.en ? "A lot is of a product's SKU: the cooperative has no product yet."
                           : "批次属于某个商品规格：合作社还没有商品。");
    shop_html_put(&h, "</div></div>");
    json_decref(lots);
    json_decref(products);
    json_decref(bases);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}

/* ---- GET /dash/{coop_id}/lots/{code} ----------------------------------------- */

static void chain_panel(shop_html *h, json_t *doc, int en)
{
    json_t *ev, *v = json_object_get(doc, "verification");
    size_t i;
    char when[SHOP_PAGE_TIME_LEN];
    int ok = json_is_true(json_object_get(v, "verified"));
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"chain-h\"><h2 id=\"chain-h\">%s</h2><p class=\"%m\" "
                  "id=\"verification\">%s",
                  en ? "Trace chain" : "溯源链", ok ? "cert" : "cert warn",
                  ok ? (en ? "Verified: every event and the signed head hold." : "验证通过：每条记录和签名都完整。")
                     : (en ? "Not verified: " : "验证未通过："));
    if (!ok)
        shop_html_put(h, "%s", S(v, "reason"));
    shop_html_put(h, " <small class=\"muted\">(%lld %s)</small></p><ol class=\"dash-list\" id=\"events\">",
                  I(v, "events_checked"), en ? "events checked" : "条记录已核对");
    json_array_foreach(json_object_get(doc, "events"), i, ev)
    {
        shop_page_time(S(ev, "occurred_at"), when);
        shop_html_put(h, "<li data-kind=\"%s\"><strong>%s</strong> %s · %s", S(ev, "kind"),
                      step_name(S(ev, "kind"), en), when, S(ev, "place"));
        if (S(ev, "actor"))
            shop_html_put(h, " · %s", S(ev, "actor"));
        shop_html_put(h, "</li>");
    }
    shop_html_put(h, "</ol>");
    if (json_array_size(json_object_get(doc, "events")) == 0)
        shop_html_put(h, "<p class=\"muted\">%s</p>", en ? "No events yet." : "还没有溯源记录。");
    shop_html_put(h, "</section>");
}

static void event_form(shop_html *h, int en)
{
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"ev-h\"><h2 id=\"ev-h\">%s</h2><form id=\"new-event\" "
                  "class=\"form\" novalidate><div class=\"field\"><label for=\"ev-kind\">%s</label><select "
                  "id=\"ev-kind\" name=\"kind\">",
                  en ? "Add a trace event" : "添加溯源记录", en ? "Step" : "环节");
    for (size_t i = 0; i < sizeof(STEPS) / sizeof(STEPS[0]); i++)
        shop_html_put(h, "<option value=\"%s\">%s</option>", STEPS[i].kind, en ? STEPS[i].en : STEPS[i].zh);
    shop_html_put(h,
                  "</select></div><div class=\"field\"><label for=\"ev-at\">%s</label><input "
                  "id=\"ev-at\" name=\"occurred_at\" type=\"datetime-local\" required></div><div class=\"field\">"
                  "<label for=\"ev-place\">%s</label><input id=\"ev-place\" name=\"place\" maxlength=\"255\" "
                  "required></div><div class=\"field\"><label for=\"ev-note\">%s</label><input id=\"ev-note\" "
                  "name=\"note\" maxlength=\"500\"></div><div class=\"field\" id=\"ev-result-field\" hidden><label "
                  "for=\"ev-item\">%s</label><div class=\"grid2\"><input id=\"ev-item\" name=\"item\" "
                  "aria-label=\"%s\" placeholder=\"%s\"><input id=\"ev-result\" name=\"result\" aria-label=\"%s\" "
                  "placeholder=\"%s\"></div></div><p class=\"form-error\" role=\"alert\"></p><button "
                  "type=\"submit\" class=\"btn btn-primary\">%s</button></form></section>",
                  en ? "When (China time)" : "时间（北京时间）", en ? "Where" : "地点",
                  en ? "Note (optional)" : "备注（可选）", en ? "Inspection result" : "检测结果",
                  en ? "Test item" : "检测项目", en ? "e.g. pesticide residue" : "例如：农药残留",
                  en ? "Result" : "结果", en ? "e.g. not detected" : "例如：未检出", en ? "Add event" : "添加记录");
}

int shop_dash_lot_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "lots", &d);
    fl_db *db = NULL;
    shop_fault f;
    const fl_signkey *key = NULL;
    const char *code;
    json_t *doc = NULL, *c, *lot;
    size_t i;

    if (!d.ready)
        return rc;
    code = shop_lot_code_canon(r->arena, shop_param(r, 1));
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_trace_key_get(r->ctx->cfg, &key, &f) < 0 ||
        shop_trace_document(db, key, r->ctx->cfg->public_base, code, r->arena, &doc, &f) < 0) {
        if (f.err == SHOP_E_NOT_FOUND || f.err == SHOP_E_VALIDATION)
            return shop_page_not_found(r, d.en, d.en ? "No such lot" : "没有这个批次",
                                       d.en ? "The lot code may be wrong." : "批次号可能有误。");
        return shop_fail_fault(r, &f);
    }
    lot = json_object_get(doc, "lot");
    if (I(json_object_get(doc, "cooperative"), "id") != d.coop_id) { /* another cooperative's lot */
        json_decref(doc);
        return shop_page_not_found(r, d.en, d.en ? "No such lot" : "没有这个批次",
                                   d.en ? "This cooperative has no lot of that code." : "本合作社没有这个批次。");
    }
    d.title = S(lot, "code");
    d.path = fl_arena_printf(r->arena, "/dash/%lld/lots/%s", d.coop_id, S(lot, "code"));
    shop_html h;
    shop_dash_begin(&h, r, &d, "dash_lots.js");
    shop_html_put(&h,
                  "<p class=\"crumbs\"><a href=\"/dash/%lld/lots\">← %s</a></p><p>%s · %s · %lld %s</p>"
                  "<p class=\"row-actions\"><a class=\"btn btn-primary\" id=\"print-labels\" "
                  "href=\"/api/v1/lots/%s/labels\" target=\"_blank\" rel=\"noopener\">%s</a> <a class=\"btn "
                  "btn-outline\" href=\"/t/%s\">%s</a></p>",
                  d.coop_id, d.en ? "Lots" : "批次溯源", S(json_object_get(doc, "product"), "name_zh"),
                  S(json_object_get(doc, "product"), "spec"), I(lot, "quantity"), S(lot, "unit"), S(lot, "code"),
                  d.en ? "Print QR labels (A4)" : "打印二维码标签（A4）", S(lot, "code"),
                  d.en ? "The buyers' trace page" : "买家看到的溯源页");
    shop_html_put(&h, "<div class=\"dash-split\"><div>");
    chain_panel(&h, doc, d.en);
    shop_html_put(&h,
                  "<section class=\"panel\" aria-labelledby=\"lc-h\"><h2 id=\"lc-h\">%s</h2><ul class=\"dash-list\" "
                  "id=\"lot-certs\">",
                  d.en ? "Certificates" : "证书");
    json_array_foreach(json_object_get(doc, "certificates"), i, c) shop_html_put(
        &h, "<li><strong>%s</strong> %s <span class=\"muted\">%s</span></li>", shop_page_name(S(c, "kind"), d.en),
        S(c, "number") ? S(c, "number") : "", shop_page_name(S(c, "status"), d.en));
    shop_html_put(&h, "</ul><p><a href=\"/dash/%lld/certificates?lot=%s\">%s</a></p></section></div><div>", d.coop_id,
                  S(lot, "code"), d.en ? "Issue its certificate of conformity" : "为这个批次开具承诺达标合格证");
    event_form(&h, d.en);
    shop_html_put(&h, "</div></div>");
    json_t *data = json_pack("{s:s}", "lot_code", S(lot, "code"));
    json_decref(doc);
    shop_dash_end(&h, r, &d, data);
    return shop_page_reply(r, &h, 200);
}
