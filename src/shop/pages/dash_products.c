/* dash_products.c - the dashboard's products and SKUs (GET
 * /dash/{coop_id}/products; contract in shop/pages/dash_pages.h), for the
 * cooperative's admins: every product in every status with its photos
 * and SKUs, and the forms dash_products.js sends to the API (create, edit,
 * delist, photo upload, SKUs with their prices). */
#include "farmlive/shop/pages/dash_pages.h"

#include <string.h>

#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/domain/products.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"

#define DASH_PRODUCTS 30
#define DASH_BASES 100

static const char *const CATEGORIES[] = {"eggs",    "vegetables", "fruit", "tea",        "honey",
                                         "poultry", "grain",      "oil",   "condiments", "dried"};

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* <option>s of the categories, cur selected. */
static void category_options(shop_html *h, const char *cur, int en)
{
    for (size_t i = 0; i < sizeof(CATEGORIES) / sizeof(CATEGORIES[0]); i++)
        shop_html_put(h, "<option value=\"%s\"%m>%s</option>", CATEGORIES[i],
                      cur && strcmp(cur, CATEGORIES[i]) == 0 ? " selected" : "", shop_page_name(CATEGORIES[i], en));
}

static void base_options(shop_html *h, json_t *bases, long long cur, int en)
{
    json_t *b;
    size_t i;
    shop_html_put(h, "<option value=\"0\">%s</option>", en ? "(none)" : "（不指定）");
    json_array_foreach(json_object_get(bases, "items"), i, b) shop_html_put(
        h, "<option value=\"%lld\"%m>%s</option>", I(b, "id"), I(b, "id") == cur ? " selected" : "", S(b, "name"));
}

/* The fields a SKU form has, with ids made unique by prefix. */
static void sku_fields(shop_html *h, const char *prefix, int en)
{
    shop_html_put(h,
                  "<div class=\"grid2\"><div class=\"field\"><label for=\"%m-spec\">%s</label><input id=\"%m-spec\" "
                  "name=\"spec\" maxlength=\"64\" required placeholder=\"%s\"></div><div class=\"field\"><label "
                  "for=\"%m-unit\">%s</label><input id=\"%m-unit\" name=\"unit\" maxlength=\"16\" required "
                  "placeholder=\"%s\"></div><div class=\"field\"><label for=\"%m-price\">%s</label><input "
                  "id=\"%m-price\" name=\"price\" inputmode=\"decimal\" required placeholder=\"39.90\"></div>"
                  "<div class=\"field\"><label for=\"%m-weight\">%s</label><input id=\"%m-weight\" name=\"weight_g\" "
                  "type=\"number\" min=\"1\" required placeholder=\"1800\"></div></div>",
                  prefix, en ? "Spec" : "规格", prefix, en ? "e.g. 30 eggs" : "例如：30枚", prefix,
                  en ? "Unit" : "单位", prefix, en ? "e.g. box" : "例如：盒", prefix,
                  en ? "Price (yuan)" : "价格（元）", prefix, prefix, en ? "Weight (g)" : "重量（克）", prefix);
}

static void new_form(shop_html *h, json_t *bases, int en)
{
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"new-h\"><h2 id=\"new-h\">%s</h2>"
                  "<form id=\"new-product\" class=\"form\" novalidate><div class=\"grid2\"><div class=\"field\"><label "
                  "for=\"np-name-zh\">%s</label><input id=\"np-name-zh\" name=\"name_zh\" maxlength=\"128\" "
                  "required></div><div class=\"field\"><label for=\"np-name-en\">%s</label><input id=\"np-name-en\" "
                  "name=\"name_en\" maxlength=\"128\"></div><div class=\"field\"><label for=\"np-category\">%s</label>"
                  "<select id=\"np-category\" name=\"category\">",
                  en ? "New product" : "新建商品", en ? "Name (Chinese)" : "商品名称（中文）",
                  en ? "Name (English, optional)" : "英文名称（可选）", en ? "Category" : "品类");
    category_options(h, NULL, en);
    shop_html_put(h,
                  "</select></div><div class=\"field\"><label for=\"np-base\">%s</label><select id=\"np-base\" "
                  "name=\"base_id\">",
                  en ? "Production base" : "生产基地");
    base_options(h, bases, 0, en);
    shop_html_put(h,
                  "</select></div></div><div class=\"field\"><label for=\"np-desc\">%s</label><textarea id=\"np-desc\" "
                  "name=\"description\" maxlength=\"4000\"></textarea></div><fieldset class=\"field\"><legend>%s"
                  "</legend>",
                  en ? "Description" : "商品介绍", en ? "First SKU" : "第一个规格（SKU）");
    sku_fields(h, "np", en);
    shop_html_put(h,
                  "</fieldset><label class=\"check\"><input type=\"checkbox\" name=\"listed\" checked> %s</label>"
                  "<p class=\"form-error\" id=\"np-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn "
                  "btn-primary\">%s</button></form></section>",
                  en ? "On sale at once (else a draft)" : "立即上架（不勾选则存为草稿）",
                  en ? "Create product" : "创建商品");
}

static void sku_table(shop_html *h, json_t *p, int en)
{
    json_t *k;
    size_t i;
    char money[32], yuan[32];
    long long pid = I(p, "id");
    shop_html_put(h,
                  "<div class=\"table-wrap\" tabindex=\"0\"><table class=\"dash-table\"><caption "
                  "class=\"sr-only\">%s</caption><thead>"
                  "<tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\"><span class=\"sr-only\">%s</span></th></tr></thead>"
                  "<tbody>",
                  en ? "SKUs" : "规格", en ? "Spec" : "规格", en ? "Unit" : "单位", en ? "Price" : "价格",
                  en ? "On sale" : "在售", en ? "Change the price" : "改价");
    json_array_foreach(json_object_get(p, "skus"), i, k)
    {
        long long fen = I(k, "price_fen");
        int active = json_is_true(json_object_get(k, "active"));
        shop_page_money(fen, money);
        snprintf(yuan, sizeof(yuan), "%lld.%02lld", fen / 100, fen % 100);
        shop_html_put(h,
                      "<tr data-sku=\"%lld\"><td>%s</td><td>%s</td><td class=\"num sku-price\">%s</td><td>%s</td><td>"
                      "<form class=\"row-actions sku-price-form\" data-product=\"%lld\" data-sku=\"%lld\" novalidate>"
                      "<label class=\"sr-only\" for=\"sp-%lld\">%s</label><input id=\"sp-%lld\" name=\"price\" "
                      "inputmode=\"decimal\" size=\"7\" value=\"%s\"><button class=\"btn btn-small btn-outline\" "
                      "type=\"submit\">%s</button></form></td></tr>",
                      I(k, "id"), S(k, "spec"), S(k, "unit"), money, active ? (en ? "yes" : "是") : (en ? "no" : "否"),
                      pid, I(k, "id"), I(k, "id"), en ? "New price (yuan)" : "新价格（元）", I(k, "id"), yuan,
                      en ? "Set price" : "改价");
    }
    shop_html_put(h, "</tbody></table></div>");
}

static void product_panel(shop_html *h, json_t *p, json_t *bases, int en)
{
    long long id = I(p, "id");
    json_t *names = json_object_get(p, "name"), *img = json_array_get(json_object_get(p, "images"), 0);
    const char *status = S(p, "status");
    char pre[32];
    snprintf(pre, sizeof(pre), "p%lld", id);
    shop_html_put(h, "<li class=\"panel dash-product\" id=\"product-%lld\" data-product=\"%lld\"><div class=\"row\">",
                  id, id);
    if (img)
        shop_html_put(h, "<img class=\"dash-thumb\" src=\"%s\" alt=\"\" width=\"56\" height=\"56\">", S(img, "url"));
    shop_html_put(h, "<div><h2 class=\"h3\"><a href=\"/p/%lld\">%s</a> <span class=\"tag\">%s</span></h2>", id,
                  S(names, "zh"),
                  strcmp(status, "listed") == 0  ? (en ? "on sale" : "在售")
                  : strcmp(status, "draft") == 0 ? (en ? "draft" : "草稿")
                                                 : (en ? "delisted" : "已下架"));
    shop_html_put(h, "<small class=\"muted\">%s · %lld %s</small></div></div>", shop_page_name(S(p, "category"), en),
                  (long long)json_array_size(json_object_get(p, "images")), en ? "photos" : "张图片");
    sku_table(h, p, en);
    /* edit: the names, the description, the base, on sale or not */
    shop_html_put(h,
                  "<details><summary>%s</summary><form class=\"form product-edit\" data-product=\"%lld\" novalidate>"
                  "<div class=\"grid2\"><div class=\"field\"><label for=\"%m-zh\">%s</label><input id=\"%m-zh\" "
                  "name=\"name_zh\" maxlength=\"128\" value=\"%s\"></div><div class=\"field\"><label for=\"%m-en\">%s"
                  "</label><input id=\"%m-en\" name=\"name_en\" maxlength=\"128\" value=\"%s\"></div></div>",
                  en ? "Edit" : "编辑", id, pre, en ? "Name (Chinese)" : "商品名称（中文）", pre, S(names, "zh"), pre,
                  en ? "Name (English)" : "英文名称", pre, S(names, "en"));
    shop_html_put(h, "<div class=\"field\"><label for=\"%m-base\">%s</label><select id=\"%m-base\" name=\"base_id\">",
                  pre, en ? "Production base" : "生产基地", pre);
    base_options(h, bases, I(json_object_get(p, "base"), "id"), en);
    shop_html_put(h,
                  "</select></div><div class=\"field\"><label for=\"%m-desc\">%s</label><textarea id=\"%m-desc\" "
                  "name=\"description\" maxlength=\"4000\">%s</textarea></div><p class=\"form-error\" role=\"alert\">"
                  "</p><button type=\"submit\" class=\"btn btn-primary\">%s</button></form>",
                  pre, en ? "Description" : "商品介绍", pre, S(p, "description"), en ? "Save" : "保存");
    /* photos */
    shop_html_put(
        h,
        "<form class=\"form product-photo\" data-product=\"%lld\" novalidate><div class=\"field\"><label "
        "for=\"%m-photo\">%s</label><input id=\"%m-photo\" name=\"photo\" type=\"file\" "
        "accept=\"image/jpeg,image/png,image/webp\"><small class=\"muted\">%s</small></div><p "
        "class=\"form-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn btn-outline\">%s</button>"
        "</form>",
        id, pre, en ? "Add a photo" : "上传商品图片", pre,
        en ? "JPEG, PNG or WebP, up to 8 MB" : "JPEG、PNG 或 WebP，不超过 8 MB", en ? "Upload" : "上传");
    /* a new SKU */
    shop_html_put(h, "<form class=\"form sku-new\" data-product=\"%lld\" novalidate><fieldset><legend>%s</legend>", id,
                  en ? "Add a SKU" : "添加规格");
    snprintf(pre, sizeof(pre), "s%lld", id);
    sku_fields(h, pre, en);
    shop_html_put(h,
                  "</fieldset><p class=\"form-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn "
                  "btn-outline\">%s</button></form>",
                  en ? "Add SKU" : "添加规格");
    /* on sale / off */
    shop_html_put(h, "<p class=\"row-actions\">");
    if (strcmp(status, "listed") == 0)
        shop_html_put(h,
                      "<button type=\"button\" class=\"btn btn-danger product-delist\" data-product=\"%lld\">%s"
                      "</button>",
                      id, en ? "Delist" : "下架");
    else
        shop_html_put(h,
                      "<button type=\"button\" class=\"btn btn-primary product-list\" data-product=\"%lld\">%s"
                      "</button>",
                      id, en ? "Put on sale" : "上架");
    shop_html_put(h, "</p><p class=\"form-error status-error\" role=\"alert\"></p></details></li>");
}

int shop_dash_products_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "products", &d);
    fl_db *db = NULL;
    shop_fault f;
    shop_page pg, bpg = {.limit = DASH_BASES};
    const char *bad = NULL;
    json_t *list = NULL, *bases = NULL, *p;
    size_t i;

    if (!d.ready)
        return rc;
    if (shop_page_parse(shop_query(r, "cursor"), NULL, 1, &pg, &bad) < 0)
        shop_page_parse(NULL, NULL, 1, &pg, &bad); /* a stale cursor: the first page */
    pg.limit = DASH_PRODUCTS;
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_products_coop_page(db, &d.who, d.coop_id, &pg, &list, &f) < 0 ||
        shop_coop_bases_page(db, d.coop_id, &bpg, &bases, &f) < 0) {
        json_decref(list);
        return shop_fail_fault(r, &f);
    }
    shop_html h;
    shop_dash_begin(&h, r, &d, "dash_products.js");
    shop_html_put(&h, "<div class=\"dash-split\"><div><ul class=\"dash-coops\" id=\"products\">");
    json_array_foreach(json_object_get(list, "items"), i, p) product_panel(&h, p, bases, d.en);
    shop_html_put(&h, "</ul>");
    if (json_array_size(json_object_get(list, "items")) == 0)
        shop_html_put(&h, "<p class=\"muted\" id=\"no-products\">%s</p>",
                      d.en ? "No products yet: create the first one." : "还没有商品，先创建第一个吧。");
    if (json_is_string(json_object_get(list, "next_cursor")))
        shop_html_put(&h, "<p><a class=\"btn btn-outline\" href=\"%s?cursor=%s\">%s</a></p>", d.path,
                      S(list, "next_cursor"), d.en ? "Older products" : "更早的商品");
    shop_html_put(&h, "</div><div>");
    new_form(&h, bases, d.en);
    shop_html_put(&h, "</div></div>");
    json_decref(list);
    json_decref(bases);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}
