/* account_pages.c - a buyer's account, as pages.
 *
 *   GET /signin?next=/path     login (e-mail or phone) and password; its
 *                              script (src/web/pages/account.js) signs in
 *                              through POST /api/v1/sessions (a guest's
 *                              cart joins the account's) and goes to next
 *   GET /register?next=/path   name, e-mail or phone, password; the script
 *                              makes the account (POST /api/v1/accounts),
 *                              signs in and goes to next
 *   GET /account               (signed in) who, the address book (make
 *                              default, delete), sign out (DELETE
 *                              /api/v1/sessions/current)
 *
 * next is only ever a path of this site ("/..." but not "//..."), else
 * "/". A signed-in caller opening /signin or /register goes to next. */
#include "farmlive/shop/pages/account_pages.h"

#include <string.h>

#include "farmlive/shop/domain/accounts.h"
#include "farmlive/shop/domain/addresses.h"
#include "farmlive/shop/pages/page.h"

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ?next= when it is a path of this site, else "/". */
static const char *next_path(shop_req *r)
{
    const char *n = shop_query(r, "next");
    if (!n || n[0] != '/' || n[1] == '/' || n[1] == '\\' || strlen(n) > 512)
        return "/";
    for (const char *p = n; *p; p++)
        if ((unsigned char)*p < 0x21)
            return "/";
    return n;
}

static int go(shop_req *r, const char *path)
{
    shop_add_header(r, "Location", path);
    shop_add_header(r, "Cache-Control", "no-store");
    return shop_reply_empty(r, 303);
}

/* The sign-in and register forms share their frame. */
static int account_form(shop_req *r, int registering)
{
    int en = shop_page_lang(r);
    const char *next = next_path(r);
    if (r->session)
        return go(r, next);
    shop_html h;
    shop_page_meta m = {.title = registering ? (en ? "Create an account" : "注册") : (en ? "Sign in" : "登录"),
                        .path = registering ? "/register" : "/signin",
                        .script = "account.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h, "<section class=\"panel narrow\"><h1>%s</h1><form id=\"%s\" class=\"form\" novalidate>", m.title,
                  registering ? "register" : "signin");
    if (registering)
        shop_html_put(&h,
                      "<label for=\"display_name\">%s</label><input id=\"display_name\" name=\"display_name\" "
                      "autocomplete=\"nickname\" required maxlength=\"64\">",
                      en ? "Your name" : "昵称");
    shop_html_put(&h,
                  "<label for=\"login\">%s</label><input id=\"login\" name=\"login\" autocomplete=\"username\" "
                  "required maxlength=\"254\">"
                  "<label for=\"password\">%s</label><input id=\"password\" name=\"password\" type=\"password\" "
                  "autocomplete=\"%s\" required minlength=\"%d\" maxlength=\"128\">",
                  en ? "E-mail or mobile number" : "邮箱或手机号", en ? "Password" : "密码",
                  registering ? "new-password" : "current-password", registering ? 8 : 1);
    if (registering)
        shop_html_put(&h, "<p class=\"hint\">%s</p>", en ? "At least 8 characters." : "至少 8 位。");
    shop_html_put(&h,
                  "<p class=\"error\" id=\"form-error\" role=\"alert\"></p>"
                  "<button type=\"submit\" class=\"btn btn-primary btn-block\">%s</button></form>",
                  m.title);
    if (registering)
        shop_html_put(&h, "<p>%s <a href=\"/signin?next=%s\">%s</a></p>", en ? "Have an account?" : "已有账号？",
                      shop_page_urlenc(r, next), en ? "Sign in" : "登录");
    else
        shop_html_put(&h, "<p>%s <a href=\"/register?next=%s\">%s</a></p>", en ? "New here?" : "还没有账号？",
                      shop_page_urlenc(r, next), en ? "Create an account" : "注册");
    shop_html_put(&h, "</section>");
    shop_page_end(&h, r, en, &m, json_pack("{s:s}", "next", next));
    return shop_page_reply(r, &h, 200);
}

int shop_signin_page(shop_req *r)
{
    return account_form(r, 0);
}

int shop_register_page(shop_req *r)
{
    return account_form(r, 1);
}

int shop_account_page(shop_req *r)
{
    int en = shop_page_lang(r), rc;
    fl_db *db = NULL;
    shop_fault f;
    json_t *me = NULL, *book = NULL, *a;
    size_t i;
    shop_page pg = {.limit = SHOP_ADDRESSES_MAX};
    if (!r->session)
        return shop_page_signin_first(r, "/account");
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_account_me(db, r->session->account_id, r->session->platform_admin, &me, &f) < 0)
        return shop_fail_fault(r, &f);
    if (shop_addresses_page(db, r->session->account_id, &pg, &book, &f) < 0) {
        json_decref(me);
        return shop_fail_fault(r, &f);
    }
    json_t *acc = json_object_get(me, "account");
    shop_html h;
    shop_page_meta m = {.title = en ? "My account" : "我的账户", .path = "/account", .script = "account.js"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h,
                  "<section class=\"panel\"><h1>%s</h1><p class=\"me\"><strong>%s</strong><br><span "
                  "class=\"muted\">%s</span></p><p><a class=\"btn btn-outline\" href=\"/orders\">%s</a> "
                  "<button type=\"button\" class=\"btn btn-outline\" id=\"signout\">%s</button></p></section>",
                  m.title, S(acc, "display_name"), S(acc, "email") ? S(acc, "email") : S(acc, "phone"),
                  en ? "My orders" : "我的订单", en ? "Sign out" : "退出登录");
    /* a member of a cooperative sells from the studio: the account page is where she finds it */
    if (json_array_size(json_object_get(me, "memberships")) > 0)
        shop_html_put(&h,
                      "<section class=\"panel\"><h2 class=\"h3\">%s</h2><p><a class=\"btn btn-primary\" "
                      "href=\"/studio\">%s</a> <a class=\"btn btn-outline\" href=\"/dash\">%s</a></p></section>",
                      en ? "Selling" : "我的店铺", en ? "Live studio: my sessions" : "直播工作台：我的直播",
                      en ? "Cooperative dashboard" : "合作社工作台");
    else if (r->session->platform_admin) /* every cooperative's dashboard, no studio of her own */
        shop_html_put(&h,
                      "<section class=\"panel\"><h2 class=\"h3\">%s</h2><p><a class=\"btn btn-primary\" "
                      "href=\"/dash\">%s</a></p></section>",
                      en ? "Platform" : "平台管理", en ? "Cooperatives' dashboards" : "合作社工作台");
    shop_html_put(&h, "<section class=\"panel\" aria-labelledby=\"book\"><h2 id=\"book\" class=\"h3\">%s</h2>",
                  en ? "Address book" : "收货地址");
    json_t *items = json_object_get(book, "items");
    if (json_array_size(items) == 0)
        shop_html_put(&h, "<p class=\"muted\">%s</p>",
                      en ? "No saved addresses: the first checkout saves one." : "还没有保存的地址，下单时可以保存。");
    shop_html_put(&h, "<ul class=\"addr-list\">");
    json_array_foreach(items, i, a)
    {
        int def = json_is_true(json_object_get(a, "is_default"));
        shop_html_put(&h,
                      "<li class=\"addr-item\" data-id=\"%lld\"><p><strong>%s</strong> %s%m<br><small>%s %s %s %s"
                      "</small></p><p>",
                      (long long)json_integer_value(json_object_get(a, "id")), S(a, "name"), S(a, "phone"),
                      def ? (en ? " <span class=\"tag\">Default</span>" : " <span class=\"tag\">默认</span>") : "",
                      S(a, "province"), S(a, "city"), S(a, "county"), S(a, "detail"));
        if (!def)
            shop_html_put(&h, "<button type=\"button\" class=\"btn btn-outline btn-small addr-default\">%s</button> ",
                          en ? "Make default" : "设为默认");
        shop_html_put(&h,
                      "<button type=\"button\" class=\"btn btn-outline btn-small addr-delete\">%s</button></p></li>",
                      en ? "Delete" : "删除");
    }
    shop_html_put(&h, "</ul><p class=\"note\" id=\"account-note\" role=\"status\" aria-live=\"polite\"></p></section>");
    json_decref(me);
    json_decref(book);
    shop_page_end(&h, r, en, &m, json_object());
    return shop_page_reply(r, &h, 200);
}
