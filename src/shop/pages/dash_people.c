/* dash_people.c - the dashboard's members and production bases (contract
 * in shop/pages/dash_pages.h), for the cooperative's admins:
 *
 *   /dash/{coop_id}/members   the members and their roles; invite by phone
 *                             or e-mail as farmer or admin (the invited
 *                             account accepts from its account page: no one
 *                             joins without consent), change a role, remove
 *   /dash/{coop_id}/bases     the bases (name, place, area, story); add one,
 *                             edit one
 *
 * dash_people.js sends the forms to the API. */
#include "farmlive/shop/pages/dash_pages.h"

#include <string.h>

#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/pages/dash.h"
#include "farmlive/shop/pages/page.h"

#define DASH_MEMBERS 100
#define DASH_BASES 100

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long I(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* A base's area in mu as the form shows it ("120.5"), "" when none. */
static void area_text(json_t *b, char out[32])
{
    json_t *v = json_object_get(b, "area_mu");
    out[0] = '\0';
    if (json_is_number(v))
        snprintf(out, 32, "%g", json_number_value(v));
}

/* ---- GET /dash/{coop_id}/members --------------------------------------------- */

static void member_row(shop_html *h, json_t *m, int en, long long me)
{
    long long id = I(m, "account_id");
    int admin = strcmp(S(m, "role"), "coop_admin") == 0;
    char when[SHOP_PAGE_TIME_LEN];
    shop_page_time(S(m, "joined_at"), when);
    when[10] = '\0'; /* the day */
    shop_html_put(
        h,
        "<tr data-member=\"%lld\"><td>%s%m</td><td>%s</td><td>%s</td><td><div class=\"row-actions\">"
        "<button type=\"button\" class=\"btn btn-small btn-outline member-role\" data-member=\"%lld\" "
        "data-role=\"%s\">%s</button><button type=\"button\" class=\"btn btn-small btn-danger "
        "member-remove\" data-member=\"%lld\">%s</button></div></td></tr>",
        id, S(m, "display_name"), id == me ? (en ? " (you)" : "（我）") : "",
        admin ? (en ? "admin" : "管理员") : (en ? "farmer" : "农户"), when, id, admin ? "farmer" : "coop_admin",
        admin ? (en ? "Make farmer" : "改为农户") : (en ? "Make admin" : "设为管理员"), id, en ? "Remove" : "移出");
}

int shop_dash_members_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "members", &d);
    fl_db *db = NULL;
    shop_fault f;
    shop_page pg = {.limit = DASH_MEMBERS};
    json_t *list = NULL, *m;
    size_t i;

    if (!d.ready)
        return rc;
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_coop_members_page(db, d.who.account_id, d.who.platform_admin, d.coop_id, &pg, &list, &f) < 0)
        return shop_fail_fault(r, &f);
    shop_html h;
    shop_dash_begin(&h, r, &d, "dash_people.js");
    shop_html_put(&h,
                  "<div class=\"dash-split\"><div><div class=\"table-wrap\" tabindex=\"0\"><table class=\"dash-table\" "
                  "id=\"members\">"
                  "<caption class=\"sr-only\">%s</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s"
                  "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                  d.title, d.en ? "Name" : "姓名", d.en ? "Role" : "角色", d.en ? "Joined" : "加入日期",
                  d.en ? "Change" : "操作");
    json_array_foreach(json_object_get(list, "items"), i, m) member_row(&h, m, d.en, d.who.account_id);
    shop_html_put(&h, "</tbody></table></div><p class=\"form-error\" id=\"member-error\" role=\"alert\"></p></div>");
    shop_html_put(&h,
                  "<div><section class=\"panel\" aria-labelledby=\"inv-h\"><h2 id=\"inv-h\">%s</h2><p class=\"muted "
                  "small\">%s</p><form id=\"invite\" class=\"form\" novalidate><div class=\"field\"><label "
                  "for=\"inv-login\">%s</label><input id=\"inv-login\" name=\"login\" maxlength=\"254\" required "
                  "autocomplete=\"off\" placeholder=\"13800000000 / name@example.com\"></div><div "
                  "class=\"field\"><label for=\"inv-role\">%s</label><select id=\"inv-role\" name=\"role\"><option "
                  "value=\"farmer\">%s</option><option value=\"coop_admin\">%s</option></select></div><p "
                  "class=\"form-error\" role=\"alert\"></p><p class=\"form-ok\" id=\"invite-ok\" role=\"status\"></p>"
                  "<button type=\"submit\" class=\"btn btn-primary\">%s</button></form></section></div></div>",
                  d.en ? "Invite a member" : "邀请成员",
                  d.en ? "The invited person accepts from their account page; no one joins without saying yes."
                       : "被邀请的人在“我的”页面接受后才会加入，不会未经同意被加入。",
                  d.en ? "Phone number or e-mail" : "手机号或邮箱", d.en ? "Role" : "角色", d.en ? "Farmer" : "农户",
                  d.en ? "Admin" : "管理员", d.en ? "Send invitation" : "发送邀请");
    json_decref(list);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}

/* ---- GET /dash/{coop_id}/bases ----------------------------------------------- */

/* The base's fields as a form: a new base (b NULL) or an edit of b. */
static void base_form(shop_html *h, json_t *b, int en)
{
    char pre[32], area[32] = "";
    long long id = b ? I(b, "id") : 0;
    snprintf(pre, sizeof(pre), "b%lld", id);
    if (b)
        area_text(b, area);
    shop_html_put(h,
                  "<form class=\"form base-form\" data-base=\"%lld\" novalidate><div class=\"field\"><label "
                  "for=\"%m-name\">%s</label><input id=\"%m-name\" name=\"name\" maxlength=\"128\" required "
                  "value=\"%s\"></div><div class=\"field\"><label for=\"%m-loc\">%s</label><input id=\"%m-loc\" "
                  "name=\"location\" maxlength=\"255\" required value=\"%s\" placeholder=\"%s\"></div><div "
                  "class=\"field\"><label for=\"%m-area\">%s</label><input id=\"%m-area\" name=\"area_mu\" "
                  "inputmode=\"decimal\" value=\"%s\"></div><div class=\"field\"><label for=\"%m-story\">%s</label>"
                  "<textarea id=\"%m-story\" name=\"description\" maxlength=\"10000\">%s</textarea></div><p "
                  "class=\"form-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn btn-primary\">%s"
                  "</button></form>",
                  id, pre, en ? "Name" : "基地名称", pre, b ? S(b, "name") : "", pre, en ? "Place" : "地点", pre,
                  b ? S(b, "location") : "", en ? "village, township, county" : "例如：江西省萍乡市安源区高坑镇", pre,
                  en ? "Area (mu)" : "面积（亩）", pre, area, pre, en ? "Story" : "基地故事", pre,
                  b ? S(b, "description") : "", b ? (en ? "Save" : "保存") : (en ? "Add base" : "添加基地"));
}

/* The base's photos (their 320 rendition) and the form that uploads one. */
static void base_photos(shop_html *h, json_t *b, int en)
{
    json_t *u;
    size_t i;
    long long id = I(b, "id");
    json_t *photos = json_object_get(b, "photos");
    if (json_array_size(photos)) {
        shop_html_put(h, "<p class=\"row base-photos\">");
        json_array_foreach(photos, i, u)
        {
            char small[600];
            const char *url = json_string_value(u), *dash = url ? strrchr(url, '-') : NULL;
            if (!dash)
                continue;
            snprintf(small, sizeof(small), "%.*s-320.jpg", (int)(dash - url), url);
            shop_html_put(h,
                          "<img class=\"dash-thumb\" src=\"%s\" alt=\"%s\" width=\"56\" height=\"56\" "
                          "loading=\"lazy\">",
                          small, S(b, "name"));
        }
        shop_html_put(h, "</p>");
    }
    shop_html_put(h,
                  "<form class=\"form base-photo\" data-base=\"%lld\" novalidate><div class=\"field\"><label "
                  "for=\"bp%lld-photo\">%s</label><input id=\"bp%lld-photo\" name=\"photo\" type=\"file\" "
                  "accept=\"image/jpeg,image/png,image/webp\"><small class=\"muted\">%s</small></div><p "
                  "class=\"form-error\" role=\"alert\"></p><button type=\"submit\" class=\"btn btn-outline\">%s"
                  "</button></form>",
                  id, id, en ? "Upload photo" : "上传照片", id,
                  en ? "JPEG, PNG or WebP, up to 8 MB, 6 a base" : "JPEG、PNG 或 WebP，不超过 8 MB，每个基地最多 6 张",
                  en ? "Upload" : "上传");
}

int shop_dash_bases_page(shop_req *r)
{
    shop_dash d;
    int rc = shop_dash_enter(r, "bases", &d);
    fl_db *db = NULL;
    shop_fault f;
    shop_page pg = {.limit = DASH_BASES};
    json_t *list = NULL, *b;
    size_t i;

    if (!d.ready)
        return rc;
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_coop_bases_page(db, d.coop_id, &pg, &list, &f) < 0)
        return shop_fail_fault(r, &f);
    shop_html h;
    shop_dash_begin(&h, r, &d, "dash_people.js");
    shop_html_put(&h, "<div class=\"dash-split\"><div><ul class=\"dash-coops\" id=\"bases\">");
    json_array_foreach(json_object_get(list, "items"), i, b)
    {
        shop_html_put(&h, "<li class=\"panel\" data-base=\"%lld\"><h2 class=\"h3\">%s</h2><p class=\"muted\">%s",
                      I(b, "id"), S(b, "name"), S(b, "location"));
        char area[32];
        area_text(b, area);
        if (area[0])
            shop_html_put(&h, " · %s %s", area, d.en ? "mu" : "亩");
        shop_html_put(&h, "</p>");
        if (S(b, "description"))
            shop_html_put(&h, "<p>%s</p>", S(b, "description"));
        base_photos(&h, b, d.en);
        shop_html_put(&h, "<details><summary>%s</summary>", d.en ? "Edit" : "编辑");
        base_form(&h, b, d.en);
        shop_html_put(&h, "</details></li>");
    }
    shop_html_put(&h, "</ul>");
    if (json_array_size(json_object_get(list, "items")) == 0)
        shop_html_put(&h, "<p class=\"muted\">%s</p>", d.en ? "No bases yet." : "还没有基地。");
    shop_html_put(&h, "</div><div><section class=\"panel\" aria-labelledby=\"nb-h\"><h2 id=\"nb-h\">%s</h2>",
                  d.en ? "Add a base" : "添加基地");
    base_form(&h, NULL, d.en);
    shop_html_put(&h, "</section></div></div>");
    json_decref(list);
    shop_dash_end(&h, r, &d, NULL);
    return shop_page_reply(r, &h, 200);
}
