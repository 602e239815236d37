/* dash.c - the cooperative dashboard's shell (contract in
 * shop/pages/dash.h): the sections' table, the rights check and the frame
 * every dashboard page shares. */
#include "farmlive/shop/pages/dash.h"

#include <stdlib.h>
#include <string.h>

#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/pages/page.h"

/* The dashboard's sections, in the navigation's order: the URL's last
 * segment, the words, and the least role in the cooperative that sees the
 * section (a platform admin sees all). A new section is one line here, one
 * row in api/routes.c and its handler. */
/* clang-format off */
static const struct {
    const char *key, *zh, *en;
    int min_role;
} SECTIONS[] = {
    {"",             "概览",     "Overview",     SHOP_MEMBER_FARMER},
    {"members",      "成员",     "Members",      SHOP_MEMBER_ADMIN},
    {"bases",        "基地",     "Bases",        SHOP_MEMBER_ADMIN},
    {"products",     "商品",     "Products",     SHOP_MEMBER_ADMIN},
    {"lots",         "批次溯源", "Lots",         SHOP_MEMBER_FARMER},
    {"certificates", "合格证",   "Certificates", SHOP_MEMBER_FARMER},
    {"inventory",    "库存",     "Inventory",    SHOP_MEMBER_FARMER},
    {"orders",       "订单",     "Orders",       SHOP_MEMBER_FARMER},
    {"sales",        "销售",     "Sales",        SHOP_MEMBER_ADMIN},
    {"settings",     "设置",     "Settings",     SHOP_MEMBER_ADMIN},
};
/* clang-format on */
#define NSECTIONS (sizeof(SECTIONS) / sizeof(SECTIONS[0]))

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A path id: digits only, 1..2^53, else 0. */
static long long path_id(const char *s)
{
    char *end = NULL;
    if (!s || s[0] < '1' || s[0] > '9' || strlen(s) > 15)
        return 0;
    long long v = strtoll(s, &end, 10);
    return *end ? 0 : v;
}

/* The refusal: signed in, but not a member with the section's role. It
 * says nothing of the cooperative, not even whether it exists. */
static int refuse(shop_req *r, int en, int member)
{
    shop_html h;
    shop_page_meta m = {.title = en ? "Not your dashboard" : "无权访问", .path = "/dash"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h,
                  "<section class=\"panel refusal\" id=\"refused\"><h1>%s</h1><p>%s</p><p><a class=\"btn "
                  "btn-primary\" href=\"%s\">%s</a></p></section>",
                  m.title,
                  member ? (en ? "This part of the dashboard is for the cooperative's admins."
                               : "这部分工作台只对合作社管理员开放。")
                         : (en ? "This dashboard belongs to another cooperative. Only its members can open it."
                               : "这是其他合作社的工作台，只有该合作社的成员才能打开。"),
                  member ? "/dash" : "/",
                  member ? (en ? "Back to my dashboard" : "回到我的工作台") : (en ? "Back to the shop" : "返回首页"));
    shop_page_end(&h, r, en, &m, NULL);
    return shop_page_reply(r, &h, 403);
}

static size_t section_index(const char *key)
{
    for (size_t i = 0; i < NSECTIONS; i++)
        if (strcmp(SECTIONS[i].key, key) == 0)
            return i;
    abort(); /* a handler naming a section the table lacks: a bug */
}

int shop_dash_enter(shop_req *r, const char *section, shop_dash *d)
{
    size_t s = section_index(section);
    fl_db *db = NULL;
    shop_fault f;
    json_t *coop = NULL;
    int rc;

    memset(d, 0, sizeof(*d));
    d->en = shop_page_lang(r);
    d->section = SECTIONS[s].key;
    d->title = d->en ? SECTIONS[s].en : SECTIONS[s].zh;
    d->coop_id = path_id(shop_param(r, 0));
    d->path =
        d->coop_id ? fl_arena_printf(r->arena, "/dash/%lld%s%s", d->coop_id, section[0] ? "/" : "", section) : "/dash";
    if (!r->session)
        return shop_page_signin_first(r, d->path);
    d->who = shop_auth_actor(r);
    if ((rc = shop_db(r, &db)))
        return rc;
    if (d->who.platform_admin)
        d->role = SHOP_MEMBER_ADMIN;
    else if (d->coop_id && shop_rights_member_role(db, d->coop_id, d->who.account_id, &d->role, &f) < 0)
        return shop_fail_fault(r, &f);
    /* a non-member learns nothing, not even whether the cooperative exists */
    if (d->role == SHOP_MEMBER_NONE)
        return refuse(r, d->en, 0);
    if (d->role < SECTIONS[s].min_role)
        return refuse(r, d->en, 1);
    if (shop_coop_get(db, d->coop_id, &coop, &f) < 0) {
        if (f.err == SHOP_E_NOT_FOUND)
            return shop_page_not_found(r, d->en, d->en ? "Cooperative not found" : "未找到合作社",
                                       d->en ? "The link may be wrong." : "链接可能有误。");
        return shop_fail_fault(r, &f);
    }
    d->name = fl_arena_strdup(r->arena, S(coop, "name") ? S(coop, "name") : "");
    json_decref(coop);
    d->ready = 1;
    return SHOP_OK;
}

int shop_dash_may(const shop_dash *d, int min_role)
{
    return d->role >= min_role;
}

static void nav(shop_html *h, const shop_dash *d)
{
    shop_html_put(h, "<nav class=\"dash-nav\" aria-label=\"%s\"><ul>", d->en ? "Dashboard" : "工作台导航");
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (d->role < SECTIONS[i].min_role)
            continue;
        int here = strcmp(SECTIONS[i].key, d->section) == 0;
        shop_html_put(h, "<li><a href=\"/dash/%lld%m%s\"%m>%s</a></li>", d->coop_id, SECTIONS[i].key[0] ? "/" : "",
                      SECTIONS[i].key, here ? " aria-current=\"page\"" : "", d->en ? SECTIONS[i].en : SECTIONS[i].zh);
    }
    shop_html_put(h, "<li><a href=\"/studio\">%s</a></li></ul></nav>", d->en ? "Live studio" : "直播工作台");
}

void shop_dash_begin(shop_html *h, shop_req *r, shop_dash *d, const char *script)
{
    shop_page_meta m = {.title = d->title, .path = d->path, .script = script};
    d->script = script;
    shop_html_init(h, SHOP_PAGE_MAX);
    shop_page_begin(h, r, d->en, &m);
    shop_html_put(h, "<div class=\"dash\"><p class=\"dash-coop\"><a href=\"/dash\">%s</a> · <strong>%s</strong></p>",
                  d->en ? "Dashboard" : "合作社工作台", d->name);
    nav(h, d);
    shop_html_put(h, "<div class=\"dash-main\"><h1>%s</h1>", d->title);
}

void shop_dash_end(shop_html *h, shop_req *r, const shop_dash *d, json_t *data)
{
    shop_page_meta m = {.title = d->title, .path = d->path, .script = d->script};
    if (!data)
        data = json_object();
    json_object_set_new(data, "coop_id", json_integer(d->coop_id));
    json_object_set_new(data, "role", json_string(d->role >= SHOP_MEMBER_ADMIN ? "coop_admin" : "farmer"));
    json_object_set_new(data, "section", json_string(d->section));
    shop_html_put(h, "</div></div>");
    shop_page_end(h, r, d->en, &m, data);
}
