/* trace_page.c - the public trace page a buyer sees after scanning a QR code,
 * and the GS1 Digital Link resolver that leads there.
 *
 *   GET /t/{lot_code}[?lang=en]          mobile-first HTML, Chinese by default
 *   GET /01/{gtin}/10/{lot_code}         302 to /t/{lot_code} when the GTIN is the lot's
 *
 * The page renders shop_trace_document() (the same data as the JSON route)
 * through the escaping writer (html.h):
 * product, cooperative, base, certificates with test results (a revoked one
 * stamped as revoked), the timeline and the verification result. An unknown
 * code answers a small 404 page, never a JSON error. No script, one inline
 * style sheet, so it loads on a weak mobile network. */
#include "farmlive/shop/pages/trace_page.h"

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace_doc.h"
#include "farmlive/shop/domain/trace_key.h"
#include "farmlive/shop/pages/html.h"

#define PAGE_MAX (4 * 1024 * 1024)
#define HTML_TYPE "text/html; charset=utf-8"

/* Every label in both languages: [0] zh, [1] en. */
enum {
    T_TITLE,
    T_LOT,
    T_VERIFIED,
    T_BROKEN,
    T_COOP,
    T_BASE,
    T_FARMER,
    T_HARVEST,
    T_PACK,
    T_QTY,
    T_CERTS,
    T_NUMBER,
    T_BODY,
    T_VALID,
    T_REVOKED,
    T_REASON,
    T_PRODUCER,
    T_CONTACT,
    T_ADDRESS,
    T_ORIGIN,
    T_ISSUED,
    T_COMMIT,
    T_BASIS,
    T_RESULTS,
    T_ITEM,
    T_METHOD,
    T_RESULT,
    T_LIMIT,
    T_VERDICT,
    T_TIMELINE,
    T_NOT_FOUND,
    T_NOT_FOUND_TEXT,
    T_SWITCH,
    T_EXPIRED,
    T_SUSPENDED,
    T_SIG_BAD,
    T_SELF_ISSUED,
    T_PENDING,
    T_CHECKED,
    T_KEY,
    T_NONE,
    T_LIVE,
    T_LIVE_SOLD,
    T_LIVE_REPLAY,
    T_LIVE_SHOWN,
    T_COUNT
};

static const char *const TEXT[T_COUNT][2] = {
    [T_TITLE] = {"产品追溯", "Product trace"},
    [T_LOT] = {"批次号", "Lot"},
    [T_VERIFIED] = {"✓ 记录完整，签名有效", "✓ Record intact, signatures valid"},
    [T_BROKEN] = {"✗ 验证失败：记录可能被篡改", "✗ Verification failed: the record may have been altered"},
    [T_COOP] = {"合作社", "Cooperative"},
    [T_BASE] = {"生产基地", "Production base"},
    [T_FARMER] = {"负责农户", "Responsible farmer"},
    [T_HARVEST] = {"采收日期", "Harvested"},
    [T_PACK] = {"包装日期", "Packed"},
    [T_QTY] = {"批次数量", "Lot size"},
    [T_CERTS] = {"证书", "Certificates"},
    [T_NUMBER] = {"证书编号", "Number"},
    [T_BODY] = {"发证机构", "Issued by"},
    [T_VALID] = {"有效期", "Valid"},
    [T_REVOKED] = {"已撤销", "REVOKED"},
    [T_REASON] = {"撤销原因", "Reason"},
    [T_PRODUCER] = {"生产者", "Producer"},
    [T_CONTACT] = {"联系方式", "Contact"},
    [T_ADDRESS] = {"地址", "Address"},
    [T_ORIGIN] = {"产地", "Origin"},
    [T_ISSUED] = {"开具日期", "Issued"},
    [T_COMMIT] = {"承诺", "Commitments"},
    [T_BASIS] = {"承诺依据", "Basis"},
    [T_RESULTS] = {"检测结果", "Test results"},
    [T_ITEM] = {"项目", "Item"},
    [T_METHOD] = {"方法", "Method"},
    [T_RESULT] = {"结果", "Result"},
    [T_LIMIT] = {"限量", "Limit"},
    [T_VERDICT] = {"判定", "Verdict"},
    [T_TIMELINE] = {"生产流通记录", "From farm to you"},
    [T_NOT_FOUND] = {"未找到该批次", "Lot not found"},
    [T_NOT_FOUND_TEXT] = {"请核对包装上的批次号或重新扫码。", "Check the lot code on the box, or scan the code again."},
    [T_SWITCH] = {"English", "中文"},
    [T_EXPIRED] = {"已过期", "EXPIRED"},
    [T_SUSPENDED] = {"已暂停", "SUSPENDED"},
    [T_SIG_BAD] = {"签名无效", "signature invalid"},
    [T_SELF_ISSUED] = {"生产者自行开具", "self-issued by the producer"},
    [T_PENDING] = {"待平台核验", "pending verification by the platform"},
    [T_CHECKED] = {"平台已核验", "verified by the platform"},
    [T_KEY] = {"平台公钥", "Platform public key"},
    [T_NONE] = {"无", "none"},
    [T_LIVE] = {"在直播间售出", "Sold in a livestream"},
    [T_LIVE_SOLD] = {"本批次售出", "units of this lot sold"},
    [T_LIVE_REPLAY] = {"看回放", "Watch the replay"},
    [T_LIVE_SHOWN] = {"讲解时刻", "presented at"},
};

static const struct {
    const char *key, *zh, *en;
} NAMES[] = {
    {"conformity", "承诺达标合格证", "Certificate of conformity"},
    {"pollution_free", "无公害农产品", "Pollution-free product"},
    {"green_food", "绿色食品", "Green food"},
    {"organic", "有机产品", "Organic"},
    {"geo_indication", "农产品地理标志", "Geographical indication"},
    {"self_test", "自检合格", "self-test passed"},
    {"entrusted_test", "委托检测合格", "entrusted test passed"},
    {"internal_control", "内部质量控制合格", "internal quality control"},
    {"supervised_sampling", "监督抽检合格", "supervised sampling passed"},
    {"planted", "种植", "Planted"},
    {"raised", "养殖", "Raised"},
    {"fed", "饲喂", "Fed"},
    {"treated", "用药/处理", "Treated"},
    {"harvested", "采收", "Harvested"},
    {"inspected", "检测", "Inspected"},
    {"packed", "包装", "Packed"},
    {"shipped", "发货", "Shipped"},
    {"received", "收货", "Received"},
    {"sold", "售出", "Sold"},
    {"pass", "合格", "pass"},
    {"fail", "不合格", "fail"},
};

static const char *name_of(const char *key, int en)
{
    for (size_t i = 0; key && i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
        if (strcmp(key, NAMES[i].key) == 0)
            return en ? NAMES[i].en : NAMES[i].zh;
    return key ? key : "";
}

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char STYLE[] =
    "<style>"
    "*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,'PingFang SC',"
    "'Microsoft YaHei',sans-serif;background:#f4f6f1;color:#1d2a1d}"
    "main{max-width:640px;margin:0 auto;padding:12px}"
    "header{background:#2f6b2f;color:#fff;padding:16px 12px}header h1{margin:0;font-size:1.3em}"
    "header p{margin:4px 0 0;opacity:.9}nav{text-align:right;padding:6px 12px}"
    "nav a{color:#fff}.card{background:#fff;border-radius:10px;padding:12px;margin:12px 0;"
    "box-shadow:0 1px 3px rgba(0,0,0,.08)}h2{font-size:1.1em;margin:0 0 8px}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0}dt{color:#5b6b5b}dd{margin:0}"
    ".ok{background:#e3f4e1;border-left:6px solid #2f8f2f}.bad{background:#fdeaea;border-left:6px solid #c62828}"
    ".revoked{border:3px solid #c62828;position:relative}.stamp{display:inline-block;color:#fff;"
    "background:#c62828;font-weight:bold;padding:2px 10px;border-radius:4px;letter-spacing:.1em}"
    "table{width:100%;border-collapse:collapse;font-size:.9em}th,td{border-bottom:1px solid #e3e8e0;"
    "padding:4px;text-align:left}ol{list-style:none;padding:0;margin:0;border-left:3px solid #8bc08b}"
    "li{padding:0 0 12px 14px;position:relative}li:before{content:'';position:absolute;left:-8px;top:6px;"
    "width:13px;height:13px;border-radius:50%;background:#2f6b2f}time{color:#5b6b5b;font-size:.9em}"
    "small,.hash{color:#7a867a;font-size:.75em;word-break:break-all}footer{font-size:.85em;color:#5b6b5b;"
    "padding:12px}footer a{color:#2f6b2f}"
    "</style>";

static void page_head(shop_html *h, int en, const char *title, const char *code)
{
    shop_html_put(h,
                  "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                  "<title>%s</title>%m</head><body><header><nav><a href=\"/t/%s%s\">%s</a></nav>",
                  en ? "en" : "zh-CN", title, STYLE, code, en ? "" : "?lang=en", TEXT[T_SWITCH][en]);
}

static void row(shop_html *h, const char *label, const char *value)
{
    if (value && *value)
        shop_html_put(h, "<dt>%s</dt><dd>%s</dd>", label, value);
}

static void stamp(shop_html *h, const char *text)
{
    shop_html_put(h, "<span class=\"stamp\">%s</span>", text);
}

static void cert_card(shop_html *h, json_t *c, int en)
{
    const char *status = S(c, "status"), *from = S(c, "valid_from"), *until = S(c, "valid_until");
    const char *vouch = S(c, "verification");
    int revoked = status && strcmp(status, "revoked") == 0;
    int pending = vouch && strcmp(vouch, "pending") == 0;
    json_t *list, *x;
    char valid[64];
    size_t i;

    shop_html_put(h, "<section class=\"card%s\"><h2>%s ", revoked ? " revoked" : "", name_of(S(c, "kind"), en));
    if (revoked)
        stamp(h, TEXT[T_REVOKED][en]);
    else if (status && strcmp(status, "suspended") == 0)
        stamp(h, TEXT[T_SUSPENDED][en]);
    else if (json_is_true(json_object_get(c, "expired")))
        stamp(h, TEXT[T_EXPIRED][en]);
    if (pending) { /* not signed yet: no signature to find bad */
        shop_html_put(h, " ");
        stamp(h, TEXT[T_PENDING][en]);
    } else if (!json_is_true(json_object_get(c, "signature_valid"))) {
        shop_html_put(h, " ");
        stamp(h, TEXT[T_SIG_BAD][en]);
    }
    shop_html_put(h, "</h2><p class=\"vouch\">%s</p><dl>",
                  TEXT[vouch && strcmp(vouch, "self_issued") == 0 ? T_SELF_ISSUED
                       : pending                                  ? T_PENDING
                                                                  : T_CHECKED][en]);
    if (revoked)
        row(h, TEXT[T_REASON][en], S(c, "revoked_reason"));
    row(h, TEXT[T_NUMBER][en], S(c, "number"));
    row(h, TEXT[T_BODY][en], S(c, "issuing_body"));
    row(h, TEXT[T_PRODUCER][en], S(c, "holder"));
    row(h, TEXT[T_QTY][en], S(c, "quantity"));
    row(h, TEXT[T_CONTACT][en], S(c, "contact"));
    row(h, TEXT[T_ADDRESS][en], S(c, "address"));
    row(h, TEXT[T_ORIGIN][en], S(c, "origin"));
    row(h, TEXT[T_ISSUED][en], S(c, "issued_on"));
    if (from || until) {
        snprintf(valid, sizeof(valid), "%s – %s", from ? from : "", until ? until : "∞");
        row(h, TEXT[T_VALID][en], valid);
    }
    if (S(c, "basis"))
        row(h, TEXT[T_BASIS][en], name_of(S(c, "basis"), en));
    shop_html_put(h, "</dl>");
    if (json_array_size(list = json_object_get(c, "commitments"))) {
        shop_html_put(h, "<p><b>%s</b></p><ul>", TEXT[T_COMMIT][en]);
        json_array_foreach(list, i, x) shop_html_put(h, "<li>%s</li>", json_string_value(x));
        shop_html_put(h, "</ul>");
    }
    if (json_array_size(list = json_object_get(c, "test_results"))) {
        shop_html_put(h, "<p><b>%s</b></p><table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>",
                      TEXT[T_RESULTS][en], TEXT[T_ITEM][en], TEXT[T_METHOD][en], TEXT[T_RESULT][en], TEXT[T_LIMIT][en],
                      TEXT[T_VERDICT][en]);
        json_array_foreach(list, i, x)
            shop_html_put(h, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>", S(x, "item"),
                          S(x, "method"), S(x, "result"), S(x, "limit"), name_of(S(x, "verdict"), en));
        shop_html_put(h, "</table>");
    }
    shop_html_put(h, "</section>");
}

static void event_item(shop_html *h, json_t *ev, int en)
{
    json_t *d = json_object_get(ev, "details"), *v, *results;
    const char *k;
    char hash16[17];
    size_t i;
    shop_html_put(h, "<li><b>%s</b> <time>%s</time><br>%s · %s", name_of(S(ev, "kind"), en), S(ev, "occurred_at"),
                  S(ev, "place"), S(ev, "actor"));
    json_object_foreach(d, k, v)
    {
        if (json_is_string(v))
            shop_html_put(h, "<br><small>%s:</small> %s", k, json_string_value(v));
        else if (json_is_integer(v))
            shop_html_put(h, "<br><small>%s:</small> %lld", k, (long long)json_integer_value(v));
    }
    if (json_array_size(results = json_object_get(d, "results"))) {
        shop_html_put(h, "<table>");
        json_array_foreach(results, i, v) shop_html_put(h, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>", S(v, "item"),
                                                        S(v, "result"), name_of(S(v, "verdict"), en));
        shop_html_put(h, "</table>");
    }
    snprintf(hash16, sizeof(hash16), "%s", S(ev, "hash") ? S(ev, "hash") : "");
    shop_html_put(h, "<div class=\"hash\">#%lld %s…</div></li>",
                  (long long)json_integer_value(json_object_get(ev, "seq")), hash16);
}

/* A livestream the lot was sold or shown in: its title, the farmer, when,
 * what it sold of the lot, and the replay at the product's moment. */
static void live_item(shop_html *h, json_t *s, int en)
{
    json_t *m = json_object_get(s, "moment");
    const char *replay = S(s, "replay_at");
    char units[32];
    snprintf(units, sizeof(units), "%lld", (long long)json_integer_value(json_object_get(s, "units_sold")));
    shop_html_put(h, "<li><strong>%s</strong> · %s · %s", S(s, "title"), S(s, "farmer"), S(s, "started_at"));
    if (json_integer_value(json_object_get(s, "units_sold")) > 0)
        shop_html_put(h, " · %m %s", TEXT[T_LIVE_SOLD][en], units);
    if (json_is_object(m))
        shop_html_put(h, " · %m %s", TEXT[T_LIVE_SHOWN][en], S(m, "started_at"));
    if (replay)
        shop_html_put(h, " · <a href=\"%s\">%m</a>", replay, TEXT[T_LIVE_REPLAY][en]);
    shop_html_put(h, "</li>");
}

static int not_found_page(shop_req *r, const char *code, int en)
{
    shop_html h;
    shop_html_init(&h, PAGE_MAX);
    page_head(&h, en, TEXT[T_NOT_FOUND][en], code);
    shop_html_put(&h,
                  "<h1>%s</h1><p>%s: %s</p></header><main><section class=\"card\"><p>%s</p></section></main>"
                  "</body></html>",
                  TEXT[T_NOT_FOUND][en], TEXT[T_LOT][en], code, TEXT[T_NOT_FOUND_TEXT][en]);
    return shop_html_reply(r, &h, 404, HTML_TYPE);
}

static int lang_en(shop_req *r)
{
    const char *l = shop_query(r, "lang");
    return l && strncmp(l, "en", 2) == 0;
}

/* The verification card and the facts of the lot. */
static void page_summary(shop_html *h, json_t *doc, int en)
{
    json_t *lot = json_object_get(doc, "lot"), *coop = json_object_get(doc, "cooperative"),
           *base = json_object_get(doc, "base"), *ver = json_object_get(doc, "verification");
    int ok = json_is_true(json_object_get(ver, "verified"));
    char qty[96];

    shop_html_put(h, "<section class=\"card %s\" id=\"verification\"><h2>%s</h2>", ok ? "ok" : "bad",
                  ok ? TEXT[T_VERIFIED][en] : TEXT[T_BROKEN][en]);
    if (!ok)
        shop_html_put(h, "<p>%s</p>", S(ver, "reason"));
    shop_html_put(h, "<small>Ed25519 · %s %s · SHA-256 %s</small></section>", TEXT[T_KEY][en], S(ver, "key_id"),
                  S(json_object_get(ver, "head"), "hash"));
    shop_html_put(h, "<section class=\"card\"><dl>");
    row(h, TEXT[T_COOP][en], en && S(coop, "name_en") ? S(coop, "name_en") : S(coop, "name"));
    if (json_is_object(base)) {
        row(h, TEXT[T_BASE][en], S(base, "name"));
        row(h, "", S(base, "location"));
    }
    row(h, TEXT[T_FARMER][en], S(doc, "farmer"));
    row(h, TEXT[T_HARVEST][en], S(lot, "harvest_date"));
    row(h, TEXT[T_PACK][en], S(lot, "pack_date"));
    snprintf(qty, sizeof(qty), "%lld %s", (long long)json_integer_value(json_object_get(lot, "quantity")),
             S(lot, "unit") ? S(lot, "unit") : "");
    row(h, TEXT[T_QTY][en], qty);
    row(h, TEXT[T_CONTACT][en], S(coop, "contact_phone"));
    shop_html_put(h, "</dl></section>");
}

/* GET /t/{lot_code} */
int shop_trace_page(shop_req *r)
{
    const char *code = shop_lot_code_canon(r->arena, shop_param(r, 0)), *pname;
    const fl_signkey *key = NULL;
    json_t *doc = NULL, *product, *list, *x;
    fl_db *db = NULL;
    shop_fault f;
    shop_html h;
    int en = lang_en(r), rc;
    size_t i;

    if ((rc = shop_db(r, &db)))
        return rc;
    if ((rc = shop_trace_key_get(r->ctx->cfg, &key, &f)) ||
        (rc = shop_trace_document(db, key, r->ctx->cfg->public_base, code, r->arena, &doc, &f)))
        return rc == SHOP_E_NOT_FOUND ? not_found_page(r, code, en) : shop_fail_fault(r, &f);
    product = json_object_get(doc, "product");
    pname = en && S(product, "name_en") ? S(product, "name_en") : S(product, "name_zh");
    shop_html_init(&h, PAGE_MAX);
    page_head(&h, en, fl_arena_printf(r->arena, "%s · %s", pname, TEXT[T_TITLE][en]), code);
    shop_html_put(&h, "<h1>%s</h1><p>%s · %s %s</p></header><main>", pname, S(product, "spec"), TEXT[T_LOT][en], code);
    page_summary(&h, doc, en);
    list = json_object_get(doc, "certificates");
    shop_html_put(&h, "<h2>%s</h2>", TEXT[T_CERTS][en]);
    if (!json_array_size(list))
        shop_html_put(&h, "<section class=\"card\">%s</section>", TEXT[T_NONE][en]);
    json_array_foreach(list, i, x) cert_card(&h, x, en);
    list = json_object_get(doc, "live_sessions");
    if (json_array_size(list)) {
        shop_html_put(&h, "<section class=\"card\" id=\"live\"><h2>%s</h2><ul>", TEXT[T_LIVE][en]);
        json_array_foreach(list, i, x) live_item(&h, x, en);
        shop_html_put(&h, "</ul></section>");
    }
    list = json_object_get(doc, "events");
    shop_html_put(&h, "<section class=\"card\"><h2>%s</h2><ol>", TEXT[T_TIMELINE][en]);
    json_array_foreach(list, i, x) event_item(&h, x, en);
    shop_html_put(&h,
                  "</ol></section></main><footer><a href=\"/api/v1/trace/%s\">JSON</a> · "
                  "<a href=\"/api/v1/trace/%s/verify\">verify</a> · <a href=\"/api/v1/trace/%s/epcis\">EPCIS 2.0</a> · "
                  "<a href=\"/api/v1/trace/keys\">%s</a></footer></body></html>",
                  code, code, code, TEXT[T_KEY][en]);
    json_decref(doc);
    return shop_html_reply(r, &h, 200, HTML_TYPE);
}

/* GET /01/{gtin}/10/{lot_code}: GS1 Digital Link. The GTIN (8, 12, 13 or 14
 * digits, left-padded to 14) must be the lot's SKU's; then 302 to the page. */
int shop_trace_digital_link(shop_req *r)
{
    const char *gtin = shop_param(r, 0), *code = shop_lot_code_canon(r->arena, shop_param(r, 1));
    char g14[15];
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    size_t n = gtin ? strlen(gtin) : 0;
    int rc;

    if (n < 8 || n > 14 || strspn(gtin, "0123456789") != n || !shop_lot_code_valid(code))
        return not_found_page(r, code, lang_en(r));
    snprintf(g14, sizeof(g14), "%.*s%s", (int)(14 - n), "00000000000000", gtin);
    if ((rc = shop_db(r, &db)))
        return rc;
    rc = fl_db_query(db, &rows, "SELECT 1 FROM lots l JOIN skus s ON s.id = l.sku_id WHERE l.code = ? AND s.gtin = ?",
                     "ss", code, g14);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    n = fl_rows_count(rows);
    fl_rows_free(rows);
    if (n == 0)
        return not_found_page(r, code, lang_en(r));
    shop_add_header(
        r, "Location",
        fl_arena_printf(r->arena, "%s/t/%s%s", r->ctx->cfg->public_base, code, lang_en(r) ? "?lang=en" : ""));
    return shop_reply_raw(r, 302, "text/plain; charset=utf-8", "", 0);
}
