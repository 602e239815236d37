/* dash_desk.c - entering the dashboard's orders, inventory and sales pages
 * (see dash_desk.h). */
#include "farmlive/shop/pages/dash_desk.h"

#include <stdint.h>

#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/pages/page.h"

/* The refusal: signed in, but not a member of this cooperative (or not in
 * the role the page needs). Nothing of the cooperative is on it. */
static int refuse(shop_req *r, int en, int member)
{
    shop_html h;
    shop_page_meta m = {.title = en ? "No access" : "无权访问", .path = "/"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h,
                  "<section class=\"panel refusal\" id=\"refused\"><h1>%s</h1><p>%s</p><p><a class=\"btn "
                  "btn-primary\" href=\"/\">%s</a></p></section>",
                  m.title,
                  member ? (en ? "This page is for the cooperative's admins." : "这个页面只对合作社管理员开放。")
                         : (en ? "This dashboard belongs to another cooperative. Only its members can open it."
                               : "这是其他合作社的管理后台，只有该合作社的成员才能进入。"),
                  en ? "Back to the shop" : "返回首页");
    shop_page_end(&h, r, en, &m, NULL);
    return shop_page_reply(r, &h, 403);
}

static int not_found(shop_req *r, int en)
{
    return shop_page_not_found(r, en, en ? "No such cooperative" : "没有这个合作社",
                               en ? "The link may be wrong." : "链接可能有误。");
}

/* An answered page: 1, or the failure. */
static int answered(int rc)
{
    return rc < 0 ? rc : 1;
}

int shop_dash_desk_enter(shop_req *r, int en, const char *section, int min_role, fl_db **db, long long *coop_id,
                         int *role)
{
    shop_fault f;
    int rc;
    const char *id = shop_param(r, 0);
    if (shop_parse_dec(id, 1, INT64_MAX, coop_id) < 0)
        return answered(r->session ? not_found(r, en) : shop_page_signin_first(r, "/"));
    if (!r->session)
        return answered(shop_page_signin_first(r, fl_arena_printf(r->arena, "/dash/%lld/%s", *coop_id, section)));
    if ((rc = shop_db(r, db)) < 0)
        return rc;
    if (shop_rights_coop_enter(*db, *coop_id, r->session->account_id, r->session->platform_admin, SHOP_MEMBER_NONE,
                               &f) < 0)
        return f.err == SHOP_E_NOT_FOUND ? answered(not_found(r, en)) : shop_fail_fault(r, &f);
    if (shop_rights_member_role(*db, *coop_id, r->session->account_id, role, &f) < 0)
        return shop_fail_fault(r, &f);
    if (r->session->platform_admin)
        *role = SHOP_MEMBER_ADMIN;
    if (*role < min_role)
        return answered(refuse(r, en, *role != SHOP_MEMBER_NONE));
    return SHOP_OK;
}
