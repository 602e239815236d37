/* live_page.c - a live session's room, as a buyer opens it from a link
 * pasted in a chat group.
 *
 *   GET /live/{id}   the room: the video (the relay's thumbnail as its
 *                    poster and as the Open Graph image), the session's
 *                    cooperative and status, the product now presented
 *                    (the pinned card: image, name, live price with the
 *                    everyday one struck through, units left, a buy
 *                    button), the shelf numbered 1, 2, 3..., the last chat
 *                    messages; a scheduled session shows as a preview, an
 *                    ended one its replay with the product moments to jump
 *                    to. An unknown id is a small 404 page.
 *
 * Everything above is in the first response, so the room paints before
 * any script; the page's script (src/web/pages/live.js) starts the player
 * (src/web/lib/player.js), follows the room's events and buys from the
 * card without leaving it, starting from the page data:
 *
 *   {"live": the session (live.h's JSON), "shelf": [shelf item...],
 *    "chat": [message..., newest first], "replay": replay.h's answer|null,
 *    "signed_in": bool, "lang"}
 *
 * Read through the same domain calls as the room's API (live.h, chat.h,
 * live_replay.h: the replay's answer carries the shelf with its pin and
 * the moments, whatever the session's status). */
#include "farmlive/shop/pages/live_page.h"

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/chat.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/live_replay.h"
#include "farmlive/shop/pages/page.h"

#define LIVE_CHAT_SHOWN 20 /* messages the first response carries */
#define LIVE_LOW_STOCK 30  /* "仅剩 N 件" from here down */

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The player chunk live.js will surely import, for the page to preload:
 * mpegts.js for a live room (HTTP-FLV is the room's player where the
 * browser has Media Source Extensions), hls.js for a replay; none for an
 * iPhone's or iPad's browser, which plays the room's HLS (a guess from the
 * User-Agent: a wrong one costs bytes, never the picture). */
static const char *player_chunk(shop_req *r, int ended)
{
    const char *ua = shop_header(r, "User-Agent");
    if (ua && (strstr(ua, "iPhone") || strstr(ua, "iPad") || strstr(ua, "iPod")))
        return NULL;
    return ended ? "hls.light.mjs" : "mpegts.js";
}

static int not_found(shop_req *r, int en)
{
    return shop_page_not_found(r, en, en ? "Live session not found" : "未找到这场直播",
                               en ? "The link may be wrong, or the session was removed."
                                  : "链接可能有误，或直播已被删除。");
}

/* A session's status as the room says it. */
static const char *status_label(const char *status, int en)
{
    if (strcmp(status, "created") == 0)
        return en ? "Coming up" : "直播预告";
    if (strcmp(status, "live") == 0)
        return en ? "Live" : "直播中";
    if (strcmp(status, "idle") == 0)
        return en ? "Paused" : "暂停中";
    return en ? "Ended" : "已结束";
}

/* The shelf item being presented, or NULL. */
static json_t *pinned_item(json_t *items)
{
    size_t i;
    json_t *x;
    json_array_foreach(items, i, x) if (json_is_true(json_object_get(x, "pinned"))) return x;
    return NULL;
}

/* The price a shelf item sells at in the room, and whether that is a live price. */
static long long room_price(json_t *x, int *is_live)
{
    json_t *lp = json_object_get(x, "live_price_fen");
    *is_live = json_is_integer(lp);
    return *is_live ? (long long)json_integer_value(lp) : I(x, "price_fen");
}

static const char *item_name(json_t *x, int en)
{
    return en && S(x, "name_en") ? S(x, "name_en") : S(x, "name");
}

/* The pinned product's card over the video (live.js redraws it from the
 * room's events; hidden while nothing is pinned). */
static void card(shop_html *h, json_t *x, int en, int can_buy)
{
    char price[32], was[32];
    int is_live = 0;
    shop_html_put(h, "<aside class=\"room-card\" id=\"card\" aria-label=\"%s\"%m>", en ? "Now presenting" : "正在讲解",
                  x ? "" : " hidden");
    if (!x) {
        shop_html_put(h, "</aside>");
        return;
    }
    long long fen = room_price(x, &is_live), stock = I(x, "stock");
    shop_page_money(fen, price);
    shop_page_money(I(x, "price_fen"), was);
    if (S(x, "image_url"))
        shop_html_put(h, "<img class=\"room-card-img\" src=\"%s\" alt=\"\" width=\"72\" height=\"72\">",
                      S(x, "image_url"));
    else
        shop_html_put(h, "<div class=\"room-card-img noimg\">%s</div>", en ? "No image" : "暂无图片");
    shop_html_put(h,
                  "<div class=\"room-card-body\"><p class=\"room-card-badge\">%s · %lld</p>"
                  "<p class=\"room-card-name\">%s <small>%s</small></p>"
                  "<p class=\"room-card-price\"><strong>%s</strong>",
                  en ? "Now presenting" : "讲解中", I(x, "number"), item_name(x, en), S(x, "spec"), price);
    if (is_live && fen != I(x, "price_fen"))
        shop_html_put(h, " <s>%s</s>", was);
    shop_html_put(h, "</p><p class=\"room-card-left\" id=\"card-left\">");
    if (stock <= 0)
        shop_html_put(h, "%s", en ? "Sold out" : "已售罄");
    else if (stock <= LIVE_LOW_STOCK)
        shop_html_put(h, en ? "Only %lld left" : "仅剩 %lld 件", stock);
    shop_html_put(
        h,
        "</p><p class=\"room-card-flash\" id=\"card-flash\" role=\"status\" aria-live=\"polite\"></p></div>"
        "<button class=\"btn btn-primary room-buy\" type=\"button\" id=\"card-buy\" data-sku=\"%lld\"%m>%s</button>"
        "</aside>",
        I(x, "sku_id"), can_buy && stock > 0 ? "" : " disabled",
        stock <= 0 ? (en ? "Sold out" : "已售罄") : (en ? "Buy now" : "马上抢"));
}

/* The shelf (小黄车): every product numbered, the presented one marked. */
static void shelf(shop_html *h, json_t *items, int en, int can_buy)
{
    char price[32];
    size_t i;
    json_t *x;
    int is_live = 0;
    shop_html_put(h,
                  "<section class=\"room-shelf panel\" id=\"shelf\" aria-labelledby=\"shelf-h\">"
                  "<h2 id=\"shelf-h\">%s <small>(%d)</small></h2><ol class=\"shelf-list\" id=\"shelf-list\">",
                  en ? "On sale in this session" : "直播商品", (int)json_array_size(items));
    json_array_foreach(items, i, x)
    {
        shop_page_money(room_price(x, &is_live), price);
        shop_html_put(h,
                      "<li class=\"shelf-item\" data-sku=\"%lld\"><span class=\"shelf-no\">%lld</span>"
                      "<a href=\"/p/%lld\">%s <small>%s</small></a>%m<span class=\"price\">%s</span>"
                      "<button class=\"btn btn-small\" type=\"button\" data-buy=\"%lld\"%m>%s</button></li>",
                      I(x, "sku_id"), I(x, "number"), I(x, "product_id"), item_name(x, en), S(x, "spec"),
                      json_is_true(json_object_get(x, "pinned"))
                          ? (en ? "<span class=\"tag on\">Presenting</span>" : "<span class=\"tag on\">讲解中</span>")
                          : "",
                      price, I(x, "sku_id"), can_buy && I(x, "stock") > 0 ? "" : " disabled", en ? "Buy" : "去购买");
    }
    if (json_array_size(items) == 0)
        shop_html_put(h, "<li class=\"muted\">%s</li>", en ? "Nothing on the shelf yet." : "主播还没有上架商品。");
    shop_html_put(h, "</ol></section>");
}

/* The chat overlay: the last messages (chat: newest first), then the input
 * (a sign-in link for a guest, back to this room). */
static void chat(shop_html *h, shop_req *r, json_t *items, int en, const char *path, int open)
{
    json_t *x;
    shop_html_put(h,
                  "<section class=\"room-chat\" aria-label=\"%s\"><ul class=\"chat-list\" id=\"chat-list\" "
                  "aria-live=\"polite\">",
                  en ? "Chat" : "聊天");
    for (size_t i = json_array_size(items); i-- > 0;) {
        x = json_array_get(items, i);
        shop_html_put(h, "<li><b>%s</b> %s</li>", S(x, "author"), S(x, "text"));
    }
    shop_html_put(h, "</ul></section>");
    if (!open)
        return;
    shop_html_put(h,
                  "<div class=\"room-bar\"><button class=\"room-bag\" type=\"button\" id=\"bag\" "
                  "aria-controls=\"shelf\">%s</button>",
                  en ? "Shelf" : "小黄车");
    if (r->session)
        shop_html_put(h,
                      "<form class=\"chat-form\" id=\"chat-form\"><label class=\"sr-only\" for=\"chat-text\">%s</label>"
                      "<input id=\"chat-text\" name=\"text\" maxlength=\"200\" autocomplete=\"off\" placeholder=\"%s\">"
                      "<button class=\"btn btn-small\" type=\"submit\">%s</button></form>",
                      en ? "Say something" : "说点什么", en ? "Say something…" : "说点什么…", en ? "Send" : "发送");
    else
        shop_html_put(h, "<a class=\"chat-signin\" href=\"/signin?next=%s\">%s</a>", shop_page_urlenc(r, path),
                      en ? "Sign in to chat and buy" : "登录后聊天、下单");
    shop_html_put(h,
                  "<button class=\"room-like\" type=\"button\" id=\"like\">♥ <span class=\"sr-only\">%s</span>"
                  "<span id=\"likes\">0</span></button></div>",
                  en ? "Like" : "点赞");
}

/* The buy sheet: filled and opened by live.js (SKU, quantity, address,
 * payment); hidden in the first response. */
static void sheet(shop_html *h, int en)
{
    static const char *const fields[][3] = {
        {"name", "收货人", "Recipient"}, {"phone", "手机号", "Phone"},  {"province", "省", "Province"},
        {"city", "市", "City"},          {"county", "区/县", "County"}, {"detail", "详细地址", "Address"},
    };
    shop_html_put(
        h,
        "<div class=\"room-sheet\" id=\"sheet\" role=\"dialog\" aria-modal=\"true\" aria-labelledby=\"sheet-h\" "
        "hidden><form class=\"room-sheet-body\" id=\"buy-form\"><h2 id=\"sheet-h\">%s</h2>"
        "<fieldset id=\"buy-skus\"><legend>%s</legend></fieldset>"
        "<div class=\"qty\"><label for=\"buy-qty\">%s</label><input id=\"buy-qty\" name=\"qty\" "
        "type=\"number\" inputmode=\"numeric\" min=\"1\" max=\"99\" value=\"1\"></div>"
        "<fieldset id=\"buy-addr\"><legend>%s</legend><div id=\"buy-saved\"></div>"
        "<div id=\"buy-new\" class=\"addr-new\">",
        en ? "Buy without leaving the room" : "下单（不离开直播间）", en ? "Option" : "规格", en ? "Quantity" : "数量",
        en ? "Deliver to" : "收货地址");
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        shop_html_put(h, "<label for=\"b-%m\">%s</label><input id=\"b-%m\" name=\"%m\" autocomplete=\"off\">",
                      fields[i][0], en ? fields[i][2] : fields[i][1], fields[i][0], fields[i][0]);
    shop_html_put(h,
                  "</div></fieldset><fieldset><legend>%s</legend>"
                  "<label><input type=\"radio\" name=\"payment\" value=\"cod\" checked> %s</label>"
                  "<label><input type=\"radio\" name=\"payment\" value=\"online\"> %s</label></fieldset>"
                  "<p class=\"error\" id=\"buy-error\" role=\"alert\"></p>"
                  "<button class=\"btn btn-primary btn-block\" type=\"submit\" id=\"buy-place\">%s</button>"
                  "<button class=\"btn btn-block\" type=\"button\" id=\"buy-close\">%s</button></form></div>",
                  en ? "Payment" : "支付方式", shop_page_name("cod", en), shop_page_name("online", en),
                  en ? "Place the order" : "提交订单", en ? "Back to the room" : "返回直播间");
}

/* The replay's product moments, each a jump into the recording. */
static void moments(shop_html *h, json_t *list, int en)
{
    size_t i;
    json_t *x;
    shop_html_put(h,
                  "<section class=\"panel room-moments\" aria-labelledby=\"mom-h\"><h2 id=\"mom-h\">%s</h2>"
                  "<ol class=\"moment-list\" id=\"moments\">",
                  en ? "Product moments" : "讲解回放");
    json_array_foreach(list, i, x)
    {
        long long at = (long long)json_number_value(json_object_get(x, "at_s"));
        char mmss[32];
        snprintf(mmss, sizeof(mmss), "%02lld:%02lld", at / 60, at % 60);
        shop_html_put(h,
                      "<li><button class=\"moment\" type=\"button\" data-at=\"%lld\">%s</button> "
                      "<a href=\"/p/%lld\">%s <small>%s</small></a></li>",
                      at, mmss, I(x, "product_id"), S(x, "name"), S(x, "spec"));
    }
    if (json_array_size(list) == 0)
        shop_html_put(h, "<li class=\"muted\">%s</li>", en ? "No product was presented." : "本场没有商品讲解。");
    shop_html_put(h, "</ol></section>");
}

/* GET /live/{id} */
int shop_live_room_page(shop_req *r)
{
    const char *id = shop_param(r, 0);
    json_t *live = NULL, *chat_obj = NULL, *replay = NULL, *items, *pin;
    fl_db *db = NULL;
    shop_fault f;
    shop_html h;
    shop_actor who = shop_auth_actor(r);
    int en = shop_page_lang(r), rc;
    char when[SHOP_PAGE_TIME_LEN];

    if (!shop_live_id_valid(id))
        return not_found(r, en);
    if ((rc = shop_db(r, &db)))
        return rc;
    if ((rc = shop_live_find(r->ctx->cfg, db, id, &live, &f)))
        return rc == SHOP_E_NOT_FOUND ? not_found(r, en) : shop_fail_fault(r, &f);
    const char *status = S(live, "status");
    int ended = strcmp(status, "ended") == 0, scheduled = strcmp(status, "created") == 0;
    if ((rc = shop_room_replay_get(r->ctx, db, id, &replay, &f)))
        goto out_fault;
    items = json_object_get(replay, "shelf");
    if ((rc = shop_chat_list(db, &who, id, 0, LIVE_CHAT_SHOWN, &chat_obj, &f)))
        goto out_fault;
    pin = ended ? NULL : pinned_item(items);

    const char *path = fl_arena_printf(r->arena, "/live/%s", id), *coop = S(json_object_get(live, "coop"), "name");
    shop_page_meta m = {.title = S(live, "title"),
                        .description = fl_arena_printf(r->arena, "%s · %s", coop ? coop : "", status_label(status, en)),
                        .image = ended || scheduled ? NULL : S(live, "thumbnail_url"),
                        .path = path,
                        .script = "live.js",
                        .preload = scheduled ? NULL : player_chunk(r, ended)};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<div class=\"room\" id=\"room\" data-status=\"%s\"><div class=\"stage\">", status);
    if (ended) {
        json_t *rp = json_object_get(replay, "replay");
        shop_html_put(&h,
                      "<video class=\"room-video\" id=\"video\" controls playsinline preload=\"metadata\" "
                      "aria-label=\"%s\"></video>",
                      en ? "The session's replay" : "直播回放");
        if (!json_is_object(rp))
            shop_html_put(&h, "<p class=\"room-state\" id=\"room-state\" role=\"status\">%s</p>",
                          en ? "The replay is being prepared." : "回放生成中，请稍后再来。");
    } else if (scheduled) {
        /* the planned start when the farmer gave one, else when it was announced */
        const char *planned = S(live, "planned_at");
        shop_page_time(planned ? planned : S(live, "created_at"), when);
        shop_html_put(
            &h, "<div class=\"room-preview\"><p class=\"live-tag\">%s</p><p>%s</p><p class=\"muted\">%s %s</p></div>",
            en ? "Coming up" : "直播预告",
            en ? "The farmer has not started yet. The products below will be on sale."
               : "主播还没开播，下面的商品开播后上架销售。",
            planned ? (en ? "Starts at" : "计划开播") : (en ? "Announced" : "预告于"), when);
    } else {
        /* data-flv: the stream live_early.js requests at once (before the
         * page's modules arrive), for the player to read (lib/player.js) */
        shop_html_put(&h,
                      "<video class=\"room-video\" id=\"video\" playsinline muted autoplay poster=\"%s\" "
                      "data-flv=\"%s\" aria-label=\"%s\" aria-describedby=\"room-state\"></video>",
                      S(live, "thumbnail_url"), S(live, "flv_url"), en ? "The live video" : "直播画面");
        if (S(live, "flv_url"))
            shop_page_inline_script(&h, r, "live_early.js");
        shop_html_put(&h,
                      "<p class=\"room-state\" id=\"room-state\" "
                      "role=\"status\" aria-live=\"polite\" data-state=\"loading\">%s</p><button class=\"room-unmute\" "
                      "type=\"button\" id=\"unmute\">%s</button>",
                      strcmp(status, "idle") == 0 ? (en ? "The farmer will be right back…" : "主播马上回来…")
                                                  : (en ? "Connecting…" : "正在连接…"),
                      en ? "Tap for sound" : "点击开启声音");
    }
    shop_html_put(
        &h,
        "<header class=\"room-top\"><p class=\"room-coop\"><a href=\"/c/%lld\">%s</a></p>"
        "<h1 class=\"room-title\">%s</h1><p class=\"room-meta\"><span class=\"live-tag%m\" id=\"room-status\">"
        "%s</span> <span id=\"viewers\" class=\"room-viewers\"></span></p></header>",
        I(json_object_get(live, "coop"), "id"), coop, S(live, "title"), ended || scheduled ? "" : " on",
        status_label(status, en));
    shop_html_put(&h, "<div class=\"room-bought\" id=\"bought\" aria-live=\"polite\"></div>");
    if (!scheduled)
        chat(&h, r, json_object_get(chat_obj, "items"), en, path, !ended);
    if (!ended && !scheduled)
        card(&h, pin, en, 1);
    shop_html_put(&h, "</div>");
    if (ended)
        moments(&h, json_object_get(replay, "moments"), en);
    shelf(&h, items, en, !scheduled);
    shop_html_put(&h, "</div>");
    sheet(&h, en);

    json_t *data =
        json_pack("{s:O,s:O,s:O,s:O,s:b}", "live", live, "shelf", items, "chat", json_object_get(chat_obj, "items"),
                  "replay", ended ? replay : json_null(), "signed_in", r->session != NULL);
    shop_page_end(&h, r, en, &m, data);
    json_decref(live);
    json_decref(chat_obj);
    json_decref(replay);
    return shop_page_reply(r, &h, 200);

out_fault:
    json_decref(live);
    json_decref(chat_obj);
    json_decref(replay);
    return rc == SHOP_E_NOT_FOUND ? not_found(r, en) : shop_fail_fault(r, &f);
}
