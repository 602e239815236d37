/* dash_certs.c - the dashboard's certificates (GET
 * /dash/{coop_id}/certificates; contract in shop/pages/dash_pages.h), for
 * the cooperative's members: the list, paged through the years of records
 * the law asks to keep (?cursor=, ?kind=), each with its status and an
 * "expires soon" warning (domain: shop_cert_expiring), attach and, for
 * admins, revoke; and the form dash_certs.js sends: the certificate of
 * conformity with its commitments and test results table, or one of the
 * "three products and one label" with its number's format. ?lot=CODE
 * fills the lot the new certificate attaches to. */
#include "farmlive/shop/pages/dash_pages.h"

#include <string.h>
#include <time.h>

#include "farmlive/shop/domain/certificates.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace_key.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"
#include "farmlive/timefmt.h"

#define DASH_CERTS 30

static const char *const KINDS[] = {"conformity", "green_food", "organic", "pollution_free", "geo_indication"};

/* The number's shape a kind asks for, as a person reads it. */
static const char *number_hint(const char *kind, int en)
{
    if (strcmp(kind, "green_food") == 0)
        return "LB-XX-YYMM-PP-NNNN-A";
    if (strcmp(kind, "organic") == 0)
        return en ? "<body>-OP-<YY>-<serial>; the label's 17-digit code is looked up by anyone"
                  : "<认证机构>-OP-<年份>-<序号>；标签上的 17 位有机码可公开查询";
    if (strcmp(kind, "geo_indication") == 0)
        return en ? "the ministry's registration number (indefinite)" : "农业农村部登记证书编号（长期有效）";
    if (strcmp(kind, "pollution_free") == 0)
        return en ? "the province's certificate number" : "省级认证证书编号";
    return en ? "optional: your own serial" : "可选：合作社自编序号";
}

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void cert_row(shop_html *h, json_t *c, int en, int admin, const char *today)
{
    long long id = I(c, "id");
    const char *status = S(c, "status"), *until = S(c, "valid_until");
    int soon = shop_cert_expiring(status, until, today);
    int expired = until && strcmp(status, "valid") == 0 && strcmp(until, today) < 0;
    shop_html_put(h, "<li class=\"panel dash-cert%m\" id=\"cert-%lld\" data-cert=\"%lld\"><p><strong>%s</strong> %s",
                  soon || expired ? " warn" : "", id, id, shop_page_name(S(c, "kind"), en),
                  S(c, "number") ? S(c, "number") : "");
    shop_html_put(h, " <span class=\"tag\">%s</span>",
                  expired ? shop_page_name("expired", en) : shop_page_name(status, en));
    if (soon)
        shop_html_put(h, " <span class=\"tag warn-row\">%s</span>", en ? "expires soon" : "即将到期");
    shop_html_put(h, "</p><p class=\"muted small\">%s · %s %s",
                  S(c, "product_name") ? S(c, "product_name") : S(c, "holder"), en ? "issued" : "签发",
                  S(c, "issued_on"));
    if (until)
        shop_html_put(h, " · %s %s", en ? "valid until" : "有效期至", until);
    if (S(c, "verification"))
        shop_html_put(h, " · %s",
                      strcmp(S(c, "verification"), "self_issued") == 0 ? (en ? "self-issued" : "自行开具")
                      : strcmp(S(c, "verification"), "verified") == 0  ? (en ? "verified" : "已核验")
                                                                      : (en ? "awaiting verification" : "待平台核验"));
    shop_html_put(h, "</p>");
    if (strcmp(status, "revoked") == 0) {
        shop_html_put(h, "<p class=\"muted small\">%s %s</p></li>", en ? "Revoked:" : "撤销原因：",
                      S(c, "revoked_reason"));
        return;
    }
    shop_html_put(h,
                  "<details><summary>%s</summary><form class=\"form cert-attach\" data-cert=\"%lld\" novalidate>"
                  "<div class=\"field\"><label for=\"ca-%lld\">%s</label><input id=\"ca-%lld\" name=\"target\" "
                  "placeholder=\"%s\"></div><p class=\"form-error\" role=\"alert\"></p><button type=\"submit\" "
                  "class=\"btn btn-outline\">%s</button></form>",
                  en ? "Attach or revoke" : "关联或撤销", id, id,
                  strcmp(S(c, "kind"), "conformity") == 0 ? (en ? "Lot code" : "批次号")
                                                          : (en ? "Product id or base id" : "商品编号或基地编号"),
                  id,
                  strcmp(S(c, "kind"), "conformity") == 0 ? "AY-EGG-20261206-01"
                                                          : (en ? "product 12 / base 3" : "商品 12 / 基地 3"),
                  en ? "Attach" : "关联");
    if (admin)
        shop_html_put(h,
                      "<form class=\"form cert-revoke\" data-cert=\"%lld\" novalidate><div class=\"field\"><label "
                      "for=\"cr-%lld\">%s</label><input id=\"cr-%lld\" name=\"reason\" maxlength=\"255\"></div><p "
                      "class=\"form-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn btn-danger\">%s"
                      "</button></form>",
                      id, id, en ? "Reason for revoking" : "撤销原因", id, en ? "Revoke" : "撤销");
    shop_html_put(h, "</details></li>");
}

static void text_field(shop_html *h, const char *key, const char *label, const char *value, int required,
                       const char *extra)
{
    shop_html_put(h,
                  "<div class=\"field\" data-field=\"%s\"><label for=\"cf-%s\">%s</label><input id=\"cf-%s\" "
                  "name=\"%s\" value=\"%s\"%m%m></div>",
                  key, key, label, key, key, value, required ? " required" : "", extra ? extra : "");
}

static void issue_form(shop_html *h, shop_dash *d, const char *lot)
{
    int en = d->en;
    char issued[FL_DATE_LEN];
    shop_page_today(issued); /* China's day, as the API's check (domain/certificates.c) */
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"ci-h\"><h2 id=\"ci-h\">%s</h2><form id=\"new-cert\" "
                  "class=\"form\" novalidate><div class=\"field\"><label for=\"cf-kind\">%s</label><select "
                  "id=\"cf-kind\" name=\"kind\">",
                  en ? "Issue or record a certificate" : "开具或登记证书", en ? "Kind" : "证书类型");
    for (size_t i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++)
        shop_html_put(h, "<option value=\"%s\" data-hint=\"%s\">%s</option>", KINDS[i], number_hint(KINDS[i], en),
                      shop_page_name(KINDS[i], en));
    shop_html_put(h,
                  "</select></div><div class=\"field\" data-field=\"number\"><label for=\"cf-number\">%s</label>"
                  "<input id=\"cf-number\" name=\"number\" maxlength=\"64\" aria-describedby=\"cf-number-hint\">"
                  "<small class=\"muted\" id=\"cf-number-hint\">%s</small></div>",
                  en ? "Number" : "证书编号", number_hint("conformity", en));
    text_field(h, "issuing_body", en ? "Issuing body" : "发证机构", "", 0, " maxlength=\"128\"");
    text_field(h, "holder", en ? "Holder (producer)" : "生产者（持证人）", d->name, 1, " maxlength=\"128\"");
    text_field(h, "product_name", en ? "Product" : "产品名称", "", 0, " maxlength=\"128\"");
    text_field(h, "quantity", en ? "Quantity or weight" : "数量（重量）", "", 0,
               en ? " maxlength=\"64\" placeholder=\"300 boxes\"" : " maxlength=\"64\" placeholder=\"300 盒\"");
    text_field(h, "origin", en ? "Origin" : "产地", "", 0, " maxlength=\"255\"");
    text_field(h, "address", en ? "Producer's address" : "生产者地址", "", 0, " maxlength=\"255\"");
    text_field(h, "contact", en ? "Contact phone" : "联系电话", "", 0, " maxlength=\"64\" inputmode=\"tel\"");
    shop_html_put(h,
                  "<div class=\"field\" data-field=\"basis\"><label for=\"cf-basis\">%s</label><select "
                  "id=\"cf-basis\" name=\"basis\"><option value=\"self_test\">%s</option><option "
                  "value=\"entrusted_test\">%s</option><option value=\"internal_control\">%s</option><option "
                  "value=\"supervised_sampling\">%s</option></select></div>",
                  en ? "Basis" : "承诺依据", en ? "Self-test" : "自检合格", en ? "Entrusted test" : "委托检测合格",
                  en ? "Quality-safety control" : "内部质量控制合格", en ? "Supervised sampling" : "监督抽检合格");
    shop_html_put(h, "<div class=\"grid2\">");
    text_field(h, "issued_on", en ? "Issued on" : "开具日期", issued, 1, " type=\"date\"");
    text_field(h, "valid_from", en ? "Valid from" : "有效期起", "", 0, " type=\"date\"");
    text_field(h, "valid_until", en ? "Valid until" : "有效期至", "", 0, " type=\"date\"");
    shop_html_put(h, "</div>");
    text_field(h, "verify_url", en ? "Where to verify it (https)" : "查询网址（https）", "", 0,
               " type=\"url\" maxlength=\"512\"");
    text_field(h, "scope", en ? "Scope (area, yearly output)" : "认证范围（面积、年产量）", "", 0,
               " maxlength=\"512\"");
    shop_html_put(h,
                  "<div class=\"field\" data-field=\"commitments\"><label for=\"cf-commitments\">%s</label><textarea "
                  "id=\"cf-commitments\" name=\"commitments\">%s</textarea><small class=\"muted\">%s</small></div>",
                  en ? "Commitments" : "承诺内容",
                  en ? "No banned pesticides, veterinary drugs or other banned compounds used\nResidues of permitted "
                       "pesticides and veterinary drugs within limits"
                     : "不使用禁用农药兽药、停用兽药和非法添加物\n常规农药兽药残留不超标",
                  en ? "One commitment a line." : "每行一条承诺。");
    shop_html_put(
        h,
        "<fieldset class=\"field\" data-field=\"test_results\"><legend>%s</legend><div "
        "class=\"table-wrap\" tabindex=\"0\"><table class=\"dash-table\" id=\"results\"><thead><tr><th scope=\"col\">%s"
        "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th "
        "scope=\"col\">%s</th></tr></thead><tbody></tbody></table></div><button type=\"button\" "
        "class=\"btn btn-small btn-outline\" id=\"add-result\">%s</button></fieldset>",
        en ? "Test results" : "检测结果", en ? "Item" : "检测项目", en ? "Method" : "检测方法", en ? "Result" : "结果",
        en ? "Limit" : "限量", en ? "Verdict" : "判定", en ? "Add a row" : "添加一行");
    text_field(h, "lot", en ? "Attach to lot (code)" : "关联批次（批次号）", lot ? lot : "", 0,
               " maxlength=\"64\" autocapitalize=\"characters\"");
    shop_html_put(h,
                  "<p class=\"form-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn btn-primary\">%s"
                  "</button></form></section>",
                  en ? "Issue certificate" : "开具证书");
}

int shop_dash_certs_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "certificates", &d);
    fl_db *db = NULL;
    shop_fault f;
    shop_page pg;
    const fl_signkey *key = NULL;
    const char *bad = NULL, *kind = shop_query(r, "kind"), *lot = shop_query(r, "lot");
    json_t *list = NULL, *c;
    char today[11];
    size_t i;

    if (!d.ready)
        return rc;
    if (kind && !shop_cert_kind_valid(kind))
        kind = NULL;
    if (lot && !shop_lot_code_valid(lot))
        lot = NULL;
    if (shop_page_parse(shop_query(r, "cursor"), NULL, 1, &pg, &bad) < 0)
        shop_page_parse(NULL, NULL, 1, &pg, &bad);
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_trace_key_get(r->ctx->cfg, &key, &f) < 0 ||
        shop_cert_list(db, key, d.coop_id, kind, pg.after[0], DASH_CERTS, &list, &f) < 0)
        return shop_fail_fault(r, &f);
    shop_page_today(today);
    shop_html h;
    shop_dash_begin(&h, r, &d, "dash_certs.js");
    shop_html_put(&h, "<div class=\"dash-split\"><div><nav class=\"chips\" aria-label=\"%s\"><a href=\"%s\"%m>%s</a>",
                  d.en ? "Kinds" : "证书类型", d.path, kind ? "" : " aria-current=\"page\"", d.en ? "All" : "全部");
    for (size_t k = 0; k < sizeof(KINDS) / sizeof(KINDS[0]); k++)
        shop_html_put(&h, " <a href=\"%s?kind=%s\"%m>%s</a>", d.path, KINDS[k],
                      kind && strcmp(kind, KINDS[k]) == 0 ? " aria-current=\"page\"" : "",
                      shop_page_name(KINDS[k], d.en));
    shop_html_put(&h, "</nav><ul class=\"dash-coops\" id=\"certs\">");
    json_array_foreach(json_object_get(list, "items"), i, c)
        cert_row(&h, c, d.en, shop_dash_may(&d, SHOP_MEMBER_ADMIN), today);
    shop_html_put(&h, "</ul>");
    if (json_array_size(json_object_get(list, "items")) == 0)
        shop_html_put(&h, "<p class=\"muted\">%s</p>", d.en ? "No certificates yet." : "还没有证书。");
    if (json_is_string(json_object_get(list, "next_cursor")))
        shop_html_put(&h, "<p><a class=\"btn btn-outline\" id=\"older\" href=\"%s?cursor=%s%m%s\">%s</a></p>", d.path,
                      S(list, "next_cursor"), kind ? "&amp;kind=" : "", kind ? kind : "",
                      d.en ? "Older records" : "更早的记录");
    shop_html_put(&h, "</div><div>");
    issue_form(&h, &d, lot);
    shop_html_put(&h, "</div></div>");
    json_decref(list);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}
