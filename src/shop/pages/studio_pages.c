/* studio_pages.c - the farmer studio (contract in shop/pages/studio_pages.h).
 *
 * The pages carry what the farmer needs at once (sessions, shelf, counters
 * from the session report) in the HTML; the scripts add the writes and the
 * live parts. Every write goes through the API and its role checks: a page
 * only decides what to show. */
#include "farmlive/shop/pages/studio_pages.h"

#include <string.h>

#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/live_report.h"
#include "farmlive/shop/domain/live_room.h"
#include "farmlive/shop/domain/products.h"
#include "farmlive/shop/pages/page.h"

#define STUDIO_SESSIONS 50
#define STUDIO_PRODUCTS 100

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The refusal: who is signed in but may not use this studio. Nothing of
 * the session is on it. */
static int refuse(shop_req *r, int en, int of_session)
{
    shop_html h;
    shop_page_meta m = {.title = en ? "Not your studio" : "无权访问", .path = "/studio"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h,
                  "<section class=\"panel refusal\" id=\"refused\"><h1>%s</h1><p>%s</p><p><a class=\"btn "
                  "btn-primary\" href=\"/\">%s</a></p></section>",
                  m.title,
                  of_session
                      ? (en ? "This live session belongs to another cooperative. Only its members can open it."
                            : "这个直播间属于其他合作社，只有该合作社的成员才能进入直播工作台。")
                      : (en ? "The live studio is for members of a cooperative." : "直播工作台只对合作社成员开放。"),
                  en ? "Back to the shop" : "返回首页");
    shop_page_end(&h, r, en, &m, NULL);
    return shop_page_reply(r, &h, 403);
}

/* ---- GET /studio ------------------------------------------------------------ */

/* The caller's first cooperative (the one their sessions are made in), 0
 * when none. */
static int first_coop(fl_db *db, long long account_id, long long *coop, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT coop_id FROM coop_members WHERE account_id = ? ORDER BY coop_id LIMIT 1",
                         "i", account_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *coop = fl_rows_count(rows) ? fl_rows_int(rows, 0, 0) : 0;
    fl_rows_free(rows);
    return SHOP_OK;
}

static void session_row(shop_html *h, json_t *s, int en)
{
    char when[SHOP_PAGE_TIME_LEN];
    const char *st = S(s, "status"), *label, *t;
    int on = strcmp(st, "live") == 0 || strcmp(st, "idle") == 0;
    if (on) {
        t = S(s, "started_at");
        label = en ? "Started" : "开播于";
    } else if (strcmp(st, "ended") == 0) {
        t = S(s, "ended_at");
        label = en ? "Ended" : "结束于";
    } else if (S(s, "planned_at")) {
        t = S(s, "planned_at");
        label = en ? "Planned for" : "计划开播";
    } else {
        t = S(s, "created_at");
        label = en ? "Made" : "创建于";
    }
    shop_page_time(t, when);
    shop_html_put(h, "<li class=\"panel studio-row\"><a class=\"studio-a\" href=\"/studio/%s\">", S(s, "id"));
    if (S(s, "cover_url"))
        shop_html_put(h, "<img class=\"studio-cover\" src=\"%s\" alt=\"\" width=\"96\" height=\"72\">",
                      S(s, "cover_url"));
    shop_html_put(h, "<span class=\"studio-row-text\"><strong>%s</strong> <span class=\"live-tag%m\">%s</span><br>",
                  S(s, "title"), on ? " on" : "", shop_page_name(st, en));
    if (when[0])
        shop_html_put(h, "<small class=\"muted\">%s %s</small>", label, when);
    shop_html_put(h, "</span></a></li>");
}

static void session_group(shop_html *h, json_t *list, int en, const char *id, const char *title, const char *a,
                          const char *b)
{
    size_t i, n = 0;
    json_t *s;
    json_array_foreach(list, i, s) n += strcmp(S(s, "status"), a) == 0 || (b && strcmp(S(s, "status"), b) == 0);
    if (n == 0)
        return;
    shop_html_put(h, "<section class=\"block\" aria-labelledby=\"%s\"><h2 id=\"%s\">%s</h2><ul class=\"studio-list\">",
                  id, id, title);
    json_array_foreach(list, i, s) if (strcmp(S(s, "status"), a) == 0 || (b && strcmp(S(s, "status"), b) == 0))
        session_row(h, s, en);
    shop_html_put(h, "</ul></section>");
}

/* The form's shelf picker: every active SKU of the cooperative's listed
 * products, as checkboxes. */
static void sku_picker(shop_html *h, json_t *products, int en)
{
    json_t *p, *k;
    size_t i, j;
    char money[32];
    shop_html_put(h, "<fieldset class=\"field sku-pick\"><legend>%s</legend>",
                  en ? "Products for the shelf" : "上架商品（小黄车）");
    if (json_array_size(json_object_get(products, "items")) == 0)
        shop_html_put(h, "<p class=\"muted\">%s</p>",
                      en ? "Your cooperative has no products on sale yet." : "合作社还没有在售商品。");
    json_array_foreach(json_object_get(products, "items"), i, p)
    {
        json_t *names = json_object_get(p, "name");
        const char *name = en && S(names, "en") ? S(names, "en") : S(names, "zh");
        json_array_foreach(json_object_get(p, "skus"), j, k)
        {
            if (!json_is_true(json_object_get(k, "active")))
                continue;
            shop_page_money(I(k, "price_fen"), money);
            shop_html_put(h,
                          "<label class=\"check\"><input type=\"checkbox\" name=\"sku\" value=\"%lld\"> <span>%s "
                          "<small class=\"muted\">%s</small> %s</span></label>",
                          I(k, "id"), name, S(k, "spec"), money);
        }
    }
    shop_html_put(h, "</fieldset>");
}

static void new_form(shop_html *h, json_t *products, int en)
{
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"new-h\"><h2 id=\"new-h\">%s</h2>"
                  "<form id=\"new-session\" class=\"form\" novalidate>"
                  "<div class=\"field\"><label for=\"title\">%s</label><input id=\"title\" name=\"title\" "
                  "maxlength=\"128\" required placeholder=\"%s\"></div>"
                  "<fieldset class=\"field when\"><legend>%s</legend>"
                  "<label class=\"check\"><input type=\"radio\" name=\"when\" value=\"now\" checked> %s</label>"
                  "<label class=\"check\"><input type=\"radio\" name=\"when\" value=\"later\"> %s</label></fieldset>"
                  "<div class=\"field\" id=\"planned-field\"><label for=\"planned\">%s</label>"
                  "<input id=\"planned\" name=\"planned\" type=\"datetime-local\"></div>"
                  "<div class=\"field\"><label for=\"cover\">%s</label><input id=\"cover\" name=\"cover\" "
                  "type=\"file\" accept=\"image/jpeg,image/png,image/webp\"><small class=\"muted\">%s</small></div>",
                  en ? "New session" : "新建直播", en ? "Title" : "直播标题",
                  en ? "e.g. Collecting green-shell eggs" : "例如：带你去鸡舍捡绿壳蛋", en ? "When" : "开播时间",
                  en ? "Go live now" : "现在开播", en ? "Schedule for later" : "预约开播",
                  en ? "Planned start (China time)" : "计划开播时间（北京时间）", en ? "Cover picture" : "封面图片",
                  en ? "JPEG, PNG or WebP, up to 8 MB" : "JPEG、PNG 或 WebP，不超过 8 MB");
    sku_picker(h, products, en);
    shop_html_put(h,
                  "<p class=\"form-error\" id=\"new-error\" role=\"alert\"></p>"
                  "<button type=\"submit\" class=\"btn btn-primary btn-block\">%s</button></form></section>",
                  en ? "Create session" : "创建直播");
}

int shop_studio_page(shop_req *r)
{
    int en = shop_page_lang(r), rc, role = SHOP_MEMBER_NONE;
    shop_actor who = shop_auth_actor(r);
    fl_db *db = NULL;
    shop_fault f;
    json_t *list = NULL, *products = NULL;
    long long coop = 0;
    shop_product_query pq = {.certified = -1};

    if (!r->session)
        return shop_page_signin_first(r, "/studio");
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_rights_best_role(db, who.account_id, &role, &f) < 0 || first_coop(db, who.account_id, &coop, &f) < 0)
        return shop_fail_fault(r, &f);
    if (role == SHOP_MEMBER_NONE)
        return refuse(r, en, 0);
    pq.coop = coop;
    shop_page_parse(NULL, NULL, 1, &pq.page, &(const char *){NULL});
    pq.page.limit = STUDIO_PRODUCTS;
    if (shop_live_studio_list(r->ctx->cfg, db, &who, STUDIO_SESSIONS, &list, &f) < 0 ||
        shop_products_page(db, &pq, &products, &f) < 0) {
        json_decref(list);
        return shop_fail_fault(r, &f);
    }

    shop_html h;
    shop_page_meta m = {.title = en ? "Live studio" : "直播工作台", .path = "/studio", .script = "studio.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<h1>%s</h1>", m.title);
    session_group(&h, list, en, "on-air", en ? "On air" : "直播中", "live", "idle");
    session_group(&h, list, en, "upcoming", en ? "Coming up" : "直播预告", "created", NULL);
    new_form(&h, products, en);
    session_group(&h, list, en, "ended", en ? "Ended" : "已结束", "ended", NULL);
    if (json_array_size(list) == 0)
        shop_html_put(&h, "<p class=\"muted\" id=\"no-sessions\">%s</p>",
                      en ? "No sessions yet: make your first one above." : "还没有直播，在上面创建第一场吧。");
    json_decref(list);
    json_decref(products);
    shop_page_end(&h, r, en, &m, json_pack("{s:I}", "coop_id", (json_int_t)coop));
    return shop_page_reply(r, &h, 200);
}

/* ---- GET /studio/{id} ------------------------------------------------------- */

static void push_panel(shop_html *h, shop_req *r, int en, int key_visible)
{
    shop_html_put(h, "<section class=\"panel\" id=\"push-panel\" aria-labelledby=\"push-h\"><h2 id=\"push-h\">%s</h2>",
                  en ? "Streaming address" : "推流地址");
    if (!key_visible) {
        shop_html_put(h, "<p class=\"muted\" id=\"key-hidden\">%s</p></section>",
                      en ? "The stream key is shown only to the farmer who made this session and the "
                           "cooperative's admins."
                         : "推流密钥只对创建这场直播的农户和合作社管理员显示。");
        return;
    }
    shop_html_put(h,
                  "<div class=\"field\"><label for=\"rtmp-url\">%s</label><div class=\"copy-row\"><input "
                  "id=\"rtmp-url\" readonly value=\"%s\"><button type=\"button\" class=\"btn btn-outline copy\" "
                  "data-copy=\"rtmp-url\">%s</button></div></div>"
                  "<div class=\"field\"><label for=\"stream-key\">%s</label><div class=\"copy-row\"><input "
                  "id=\"stream-key\" readonly value=\"\" placeholder=\"%s\"><button type=\"button\" class=\"btn "
                  "btn-outline copy\" data-copy=\"stream-key\">%s</button></div></div>"
                  "<div class=\"qr-box\" id=\"qr\" hidden><p class=\"muted small\">%s</p><img id=\"qr-img\" alt=\"%s\" "
                  "width=\"220\" height=\"220\"></div>"
                  "<p class=\"muted small\" id=\"key-note\">%s</p>",
                  en ? "Server (RTMP)" : "服务器地址（RTMP）", r->ctx->cfg->rtmp_public_url, en ? "Copy" : "复制",
                  en ? "Stream key" : "推流密钥", en ? "hidden: get a new key" : "已隐藏：点“换新密钥”获取",
                  en ? "Copy" : "复制", en ? "Scan with your phone's streaming app" : "用手机直播 App 扫码即可推流",
                  en ? "QR code of the full push URL" : "完整推流地址的二维码",
                  en ? "A key is shown once. A new key stops the old one working for the next push."
                     : "密钥只显示一次；换新密钥后，旧密钥不能再开始推流。");
    if (r->ctx->cfg->srt_public_addr[0]) /* SRT ingest, for phones on lossy uplinks: the key in its stream id */
        shop_html_put(h,
                      "<div class=\"field\"><label for=\"srt-url\">%s</label><div class=\"copy-row\"><input "
                      "id=\"srt-url\" readonly value=\"\" placeholder=\"%s\"><button type=\"button\" class=\"btn "
                      "btn-outline copy\" data-copy=\"srt-url\">%s</button></div></div>"
                      "<div class=\"qr-box\" id=\"srt-qr\" hidden><p class=\"muted small\">%s</p><img "
                      "id=\"srt-qr-img\" alt=\"%s\" width=\"220\" height=\"220\"></div>",
                      en ? "SRT push URL (weak mobile networks)" : "SRT 推流地址（信号弱时更稳）",
                      en ? "hidden: get a new key" : "已隐藏：点“换新密钥”获取", en ? "Copy" : "复制",
                      en ? "For streaming apps that speak SRT" : "支持 SRT 的直播 App 扫码推流",
                      en ? "QR code of the SRT push URL" : "SRT 推流地址的二维码");
    shop_html_put(h, "<button type=\"button\" class=\"btn btn-outline\" id=\"new-key\">%s</button>",
                  en ? "New key" : "换新密钥");
    shop_html_put(h, "</section>");
}

static void counters(shop_html *h, json_t *report, int en)
{
    char money[32];
    shop_page_money(I(report, "revenue_fen"), money);
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"count-h\"><h2 id=\"count-h\">%s</h2>"
                  "<dl class=\"counters\" aria-live=\"polite\"><div><dt>%s</dt><dd id=\"c-viewers\">0</dd></div>",
                  en ? "Live counters" : "实时数据", en ? "Viewers" : "在看");
    shop_html_put(h, "<div><dt>%s</dt><dd id=\"c-likes\">%lld</dd></div>", en ? "Likes" : "点赞", I(report, "likes"));
    shop_html_put(h, "<div><dt>%s</dt><dd id=\"c-orders\">%lld</dd></div>", en ? "Orders" : "订单",
                  I(report, "orders"));
    shop_html_put(h, "<div><dt>%s</dt><dd id=\"c-units\">%lld</dd></div>", en ? "Units" : "件数", I(report, "units"));
    shop_html_put(h, "<div><dt>%s</dt><dd id=\"c-revenue\">%s</dd></div></dl></section>", en ? "Revenue" : "成交额",
                  money);
}

static void shelf_panel(shop_html *h, json_t *shelf, int en, int ended)
{
    json_t *it;
    size_t i;
    char money[32];
    shop_html_put(
        h,
        "<section class=\"panel\" aria-labelledby=\"shelf-h\"><h2 id=\"shelf-h\">%s</h2><ol class=\"st-shelf\" "
        "id=\"shelf\">",
        en ? "Shelf" : "小黄车");
    json_array_foreach(json_object_get(shelf, "items"), i, it)
    {
        long long fen =
            json_is_integer(json_object_get(it, "live_price_fen")) ? I(it, "live_price_fen") : I(it, "price_fen");
        int pinned = json_is_true(json_object_get(it, "pinned"));
        const char *name = en && S(it, "name_en") ? S(it, "name_en") : S(it, "name");
        shop_page_money(fen, money);
        shop_html_put(
            h,
            "<li class=\"st-item%m\" data-sku=\"%lld\"><span class=\"st-no\">%lld</span><span "
            "class=\"st-text\"><strong>%s</strong> <small class=\"muted\">%s</small><br>%s · %s %lld"
            "%m</span>",
            pinned ? " pinned" : "", I(it, "sku_id"), I(it, "number"), name, S(it, "spec"), money,
            en ? "stock" : "库存", I(it, "stock"),
            pinned ? (en ? " <span class=\"badge-now\">Presenting</span>" : " <span class=\"badge-now\">讲解中</span>")
                   : "");
        if (!ended)
            shop_html_put(h, "<button type=\"button\" class=\"btn btn-small %m\" data-pin=\"%lld\">%s</button>",
                          pinned ? "btn-outline unpin" : "btn-primary pin", I(it, "sku_id"),
                          pinned ? (en ? "Unpin" : "取消讲解") : (en ? "Pin" : "讲解"));
        shop_html_put(h, "</li>");
    }
    shop_html_put(h, "</ol>");
    if (json_array_size(json_object_get(shelf, "items")) == 0)
        shop_html_put(h, "<p class=\"muted\">%s</p>", en ? "The shelf is empty." : "小黄车还是空的。");
    shop_html_put(h, "<p class=\"note\" id=\"shelf-note\" role=\"status\"></p></section>");
}

static void flash_panel(shop_html *h, json_t *shelf, int en)
{
    json_t *it;
    size_t i;
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"flash-h\"><h2 id=\"flash-h\">%s</h2><form id=\"flash\" "
                  "class=\"form\" novalidate><div class=\"field\"><label for=\"flash-sku\">%s</label><select "
                  "id=\"flash-sku\" name=\"sku\">",
                  en ? "Flash sale" : "限时秒杀", en ? "Product" : "商品");
    json_array_foreach(json_object_get(shelf, "items"), i, it)
        shop_html_put(h, "<option value=\"%lld\">%lld. %s %s</option>", I(it, "sku_id"), I(it, "number"),
                      en && S(it, "name_en") ? S(it, "name_en") : S(it, "name"), S(it, "spec"));
    shop_html_put(h,
                  "</select></div><div class=\"grid2\"><div class=\"field\"><label for=\"flash-price\">%s</label>"
                  "<input id=\"flash-price\" inputmode=\"decimal\" required placeholder=\"19.90\"></div>"
                  "<div class=\"field\"><label for=\"flash-units\">%s</label><input id=\"flash-units\" type=\"number\" "
                  "min=\"1\" required value=\"10\"></div><div class=\"field\"><label for=\"flash-limit\">%s</label>"
                  "<input id=\"flash-limit\" type=\"number\" min=\"1\" value=\"1\"></div><div class=\"field\"><label "
                  "for=\"flash-countdown\">%s</label><input id=\"flash-countdown\" type=\"number\" min=\"10\" "
                  "max=\"300\" value=\"30\"></div></div><p class=\"form-error\" id=\"flash-error\" role=\"alert\"></p>"
                  "<button type=\"submit\" class=\"btn btn-primary btn-block\">%s</button></form>"
                  "<p class=\"note\" id=\"flash-state\" role=\"status\" aria-live=\"polite\"></p></section>",
                  en ? "Price (yuan)" : "秒杀价（元）", en ? "Units" : "数量", en ? "Per buyer" : "每人限购",
                  en ? "Countdown (10–300 s)" : "倒计时（10–300 秒）", en ? "Start flash sale" : "开始秒杀");
}

int shop_studio_live_page(shop_req *r)
{
    int en = shop_page_lang(r), rc, key_visible;
    shop_actor who = shop_auth_actor(r);
    const char *id = shop_param(r, 0);
    fl_db *db = NULL;
    shop_fault f;
    shop_room room;
    json_t *live = NULL, *shelf = NULL, *report = NULL;

    if (!r->session)
        return shop_page_signin_first(r, fl_arena_printf(r->arena, "/studio/%s", shop_live_id_valid(id) ? id : ""));
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_room_enter(db, &who, id, 0, &room, &f) < 0) {
        if (f.err == SHOP_E_NOT_FOUND)
            return shop_page_not_found(r, en, en ? "No such session" : "没有这场直播",
                                       en ? "The link may be wrong." : "链接可能有误。");
        if (f.err == SHOP_E_FORBIDDEN || f.err == SHOP_E_UNAUTHORIZED)
            return refuse(r, en, 1);
        return shop_fail_fault(r, &f);
    }
    key_visible = shop_live_key_visible(db, &who, id, &f) == SHOP_OK;
    if (shop_live_find(r->ctx->cfg, db, id, &live, &f) < 0 || shop_room_shelf_get(db, id, &shelf, &f) < 0 ||
        shop_room_report(db, &who, id, &report, &f) < 0) {
        json_decref(live);
        json_decref(shelf);
        return shop_fail_fault(r, &f);
    }
    int ended = strcmp(room.status, "ended") == 0;
    char when[SHOP_PAGE_TIME_LEN];
    shop_html h;
    shop_page_meta m = {
        .title = S(live, "title"), .path = fl_arena_printf(r->arena, "/studio/%s", id), .script = "studio_live.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_page_time(S(live, "planned_at"), when);
    shop_html_put(&h,
                  "<p class=\"crumbs\"><a href=\"/studio\">← %s</a></p><h1>%s <span class=\"live-tag%m\" "
                  "id=\"status\">%s</span></h1>",
                  en ? "Live studio" : "直播工作台", S(live, "title"), shop_room_on_air(&room) ? " on" : "",
                  shop_page_name(room.status, en));
    if (when[0] && strcmp(room.status, "created") == 0)
        shop_html_put(&h, "<p class=\"muted\" id=\"planned\">%s %s</p>", en ? "Planned for" : "计划开播", when);
    /* the report first once ended: it is what the farmer comes back for */
    shop_html_put(&h,
                  "<section class=\"panel\" id=\"report\" aria-labelledby=\"report-h\"%m><h2 id=\"report-h\">%s</h2>"
                  "<dl class=\"counters report-grid\" id=\"report-list\"></dl><p><a id=\"replay\" class=\"btn "
                  "btn-outline\" hidden>%s</a></p></section>",
                  ended ? "" : " hidden", en ? "Session report" : "直播报告", en ? "Watch the replay" : "观看回放");
    shop_html_put(&h,
                  "<div class=\"studio-grid\"><div class=\"studio-main\"><section class=\"panel\" "
                  "aria-labelledby=\"prev-h\"><h2 id=\"prev-h\">%s</h2><div class=\"st-preview\" id=\"preview\"><video "
                  "id=\"preview-video\" muted playsinline aria-label=\"%s\"></video><p class=\"st-pstate\" "
                  "id=\"preview-state\" role=\"status\"></p></div>"
                  "<dl class=\"health\" id=\"health\"><div><dt>%s</dt><dd id=\"h-state\">—</dd></div><div><dt>%s</dt>"
                  "<dd id=\"h-bitrate\">—</dd></div><div><dt>%s</dt><dd id=\"h-fps\">—</dd></div><div><dt>%s</dt><dd "
                  "id=\"h-res\">—</dd></div></dl></section>",
                  en ? "Preview" : "直播预览", en ? "The stream as buyers see it" : "买家看到的直播画面",
                  en ? "Stream" : "推流状态", en ? "Bitrate" : "码率", en ? "Frame rate" : "帧率",
                  en ? "Resolution" : "分辨率");
    counters(&h, report, en);
    if (!ended) /* an ended session takes no more pushes: no key, no QR code to scan */
        push_panel(&h, r, en, key_visible);
    shop_html_put(&h, "</div><div class=\"studio-side\">");
    shelf_panel(&h, shelf, en, ended);
    if (!ended)
        flash_panel(&h, shelf, en);
    shop_html_put(&h,
                  "<section class=\"panel\" aria-labelledby=\"chat-h\"><h2 id=\"chat-h\">%s</h2><ul class=\"chat\" "
                  "id=\"chat\"></ul><p class=\"note\" id=\"chat-note\" role=\"status\"></p></section>",
                  en ? "Chat" : "评论区");
    if (!ended)
        shop_html_put(&h,
                      "<section class=\"panel\" id=\"end-panel\"><button type=\"button\" class=\"btn btn-danger "
                      "btn-block\" id=\"end\">%s</button></section>",
                      en ? "End the session" : "结束直播");
    shop_html_put(&h, "</div></div>");
    json_t *data = json_pack("{s:s,s:s,s:O,s:o,s:b,s:s}", "id", id, "status", room.status, "live", live, "report",
                             report, "key_visible", key_visible, "thumbnail_url", S(live, "thumbnail_url"));
    json_decref(live);
    json_decref(shelf);
    shop_page_end(&h, r, en, &m, data);
    return shop_page_reply(r, &h, 200);
}
