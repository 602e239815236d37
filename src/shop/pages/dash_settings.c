/* dash_settings.c - the dashboard's settings (contract in
 * shop/pages/dash_pages.h), for the cooperative's admins:
 *
 *   /dash/{coop_id}/settings   the cooperative's profile as buyers see it
 *                              (names, contact, description); its live
 *                              sessions' options: the relay's 360p
 *                              rendition for weak networks, and the other
 *                              platforms its sessions are forwarded to
 *                              (restream targets: add, on/off, remove; a
 *                              key is never shown again once stored)
 *
 * dash_settings.js sends the forms to the API (PATCH /api/v1/coops/{id},
 * /api/v1/coops/{id}/restream-targets). */
#include "farmlive/shop/pages/dash_pages.h"

#include <string.h>

#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/domain/restream_targets.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"

static const char *S(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* One text field of the profile form. */
static void field(shop_html *h, const char *name, const char *label, const char *value, int max, int required)
{
    shop_html_put(h,
                  "<div class=\"field\"><label for=\"cs-%m\">%s</label><input id=\"cs-%m\" name=\"%m\" "
                  "maxlength=\"%d\"%m value=\"%s\"></div>",
                  name, label, name, name, max, required ? " required" : "", value);
}

static void profile_form(shop_html *h, json_t *coop, int en)
{
    json_t *contact = json_object_get(coop, "contact");
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"cs-profile-h\"><h2 id=\"cs-profile-h\">%s</h2>"
                  "<form id=\"profile\" class=\"form\" novalidate>",
                  en ? "Profile" : "合作社资料");
    field(h, "name", en ? "Name" : "名称", S(coop, "name"), 128, 1);
    field(h, "name_en", en ? "Name in English" : "英文名称", S(coop, "name_en"), 128, 0);
    field(h, "contact_name", en ? "Contact person" : "联系人", S(contact, "name"), 64, 1);
    field(h, "contact_phone", en ? "Contact phone" : "联系电话", S(contact, "phone"), 20, 1);
    shop_html_put(h,
                  "<div class=\"field\"><label for=\"cs-description\">%s</label><textarea id=\"cs-description\" "
                  "name=\"description\" maxlength=\"4000\">%s</textarea><small class=\"muted\">%s</small></div><p "
                  "class=\"form-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn btn-primary\">%s"
                  "</button></form></section>",
                  en ? "About the cooperative" : "合作社介绍", S(coop, "description"),
                  en ? "Shown to buyers on the cooperative's page." : "展示在买家看到的合作社页面上。",
                  en ? "Save profile" : "保存资料");
}

/* The relay's 360p rendition: the four choices as radio buttons. */
static void rendition_form(shop_html *h, json_t *coop, int en)
{
    static const struct {
        const char *value, *zh, *en;
    } CHOICES[] = {
        {"default", "跟随平台设置", "The platform's setting"},
        {"auto", "画面清晰时提供（540p 及以上）", "When the picture is 540p or more"},
        {"on", "总是提供", "Always"},
        {"off", "不提供", "Never"},
    };
    const char *now = S(coop, "low_rendition");
    shop_html_put(h,
                  "<form id=\"rendition\" class=\"form\" novalidate><fieldset><legend>%s</legend><p class=\"muted "
                  "small\">%s</p>",
                  en ? "Low-bandwidth copy of the stream (360p)" : "弱网流畅画质（360p）",
                  en ? "Buyers on weak mobile networks can watch a 360p copy of about 400 kbps. It takes effect "
                       "the next time a session starts streaming."
                     : "为网络较差的买家提供约 400 kbps 的 360p 画面。下次开播（或推流重连）时生效。");
    for (size_t i = 0; i < sizeof(CHOICES) / sizeof(CHOICES[0]); i++)
        shop_html_put(h,
                      "<label class=\"check\"><input type=\"radio\" name=\"low_rendition\" value=\"%s\"%m> %s"
                      "</label>",
                      CHOICES[i].value, strcmp(now, CHOICES[i].value) == 0 ? " checked" : "",
                      en ? CHOICES[i].en : CHOICES[i].zh);
    shop_html_put(h,
                  "</fieldset><p class=\"form-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn "
                  "btn-primary\">%s</button></form>",
                  en ? "Save" : "保存");
}

static void target_item(shop_html *h, json_t *t, int en)
{
    long long id = (long long)json_integer_value(json_object_get(t, "id"));
    int on = json_is_true(json_object_get(t, "enabled"));
    shop_html_put(h,
                  "<li class=\"target\" data-target=\"%lld\"><p><strong>%s</strong> <span class=\"tag st\">%s</span>"
                  "</p><p><code class=\"break\">%s</code></p><div class=\"row-actions\"><button type=\"button\" "
                  "class=\"btn btn-small btn-outline target-toggle\" data-target=\"%lld\" data-enabled=\"%s\">%s"
                  "</button><button type=\"button\" class=\"btn btn-small btn-danger target-remove\" "
                  "data-target=\"%lld\">%s</button></div></li>",
                  id, S(t, "name"), on ? (en ? "on" : "已启用") : (en ? "off" : "已停用"), S(t, "url"), id,
                  on ? "false" : "true", on ? (en ? "Turn off" : "停用") : (en ? "Turn on" : "启用"), id,
                  en ? "Remove" : "删除");
}

static void restream_panel(shop_html *h, json_t *list, int en)
{
    json_t *items = json_object_get(list, "items"), *t;
    size_t i, n = json_array_size(items);
    shop_html_put(h,
                  "<section class=\"panel\" aria-labelledby=\"cs-restream-h\"><h2 id=\"cs-restream-h\">%s</h2><p "
                  "class=\"muted small\">%s</p>",
                  en ? "Stream to other platforms too" : "同步推流到其他平台",
                  en ? "While a session is live, the relay also pushes it to these platforms' RTMP addresses. "
                       "A change takes effect the next time a session starts streaming."
                     : "直播时，系统会把画面同时推送到这些平台的推流地址。修改在下次开播（或推流重连）时生效。");
    if (n) {
        shop_html_put(h, "<ul class=\"targets\" id=\"targets\" aria-label=\"%s\">",
                      en ? "Restream targets" : "推流目标");
        json_array_foreach(items, i, t) target_item(h, t, en);
        shop_html_put(h, "</ul>");
    } else {
        shop_html_put(h, "<p class=\"muted\" id=\"no-targets\">%s</p>",
                      en ? "No other platform yet." : "还没有添加其他平台。");
    }
    shop_html_put(h, "<p class=\"form-error\" id=\"target-error\" role=\"alert\"></p>");
    if (n < SHOP_RESTREAM_TARGETS_MAX)
        shop_html_put(h,
                      "<form id=\"target-add\" class=\"form\" novalidate><div class=\"field\"><label "
                      "for=\"ta-name\">%s</label><input id=\"ta-name\" name=\"name\" maxlength=\"64\" required "
                      "placeholder=\"%s\"></div><div class=\"field\"><label for=\"ta-url\">%s</label><input "
                      "id=\"ta-url\" name=\"url\" maxlength=\"1024\" required autocomplete=\"off\" "
                      "spellcheck=\"false\" placeholder=\"rtmp://push.example.com/live/KEY\"><small "
                      "class=\"muted\">%s</small></div><p class=\"form-error\" role=\"alert\"></p><button "
                      "type=\"submit\" class=\"btn btn-primary\">%s</button></form>",
                      en ? "Platform" : "平台名称", en ? "e.g. Douyin" : "例如：抖音",
                      en ? "Push URL (server and stream key)" : "推流地址（服务器地址/推流码）",
                      en ? "The stream key is stored encrypted and never shown again."
                         : "推流码加密保存，保存后不再完整显示。",
                      en ? "Add platform" : "添加平台");
    shop_html_put(h, "</section>");
}

int shop_dash_settings_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "settings", &d);
    fl_db *db = NULL;
    shop_fault f;
    json_t *coop = NULL, *targets = NULL;
    shop_html h;

    if (!d.ready)
        return rc;
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_coop_get(db, d.coop_id, &coop, &f) < 0)
        return shop_fail_fault(r, &f);
    if (shop_restream_target_list(db, &d.who, d.coop_id, 0, SHOP_RESTREAM_TARGETS_MAX, &targets, &f) < 0) {
        json_decref(coop);
        return shop_fail_fault(r, &f);
    }
    shop_dash_begin(&h, r, &d, "dash_settings.js");
    shop_html_put(&h, "<div class=\"dash-split\"><div>");
    profile_form(&h, coop, d.en);
    shop_html_put(&h, "</div><div><section class=\"panel\" aria-labelledby=\"cs-live-h\"><h2 id=\"cs-live-h\">%s</h2>",
                  d.en ? "Live sessions" : "直播设置");
    rendition_form(&h, coop, d.en);
    shop_html_put(&h, "</section>");
    restream_panel(&h, targets, d.en);
    shop_html_put(&h, "</div></div>");
    json_decref(coop);
    json_decref(targets);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}
