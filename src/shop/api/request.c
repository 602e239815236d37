/* request.c - the acting account and a page's position from a request
 * (contract in shop/api/request.h). */
#include "farmlive/shop/api/request.h"

#include <limits.h>

#include "farmlive/shop/core/values.h"

shop_actor shop_request_actor(const shop_req *r)
{
    shop_actor who = {0, 0};
    if (r->session) {
        who.account_id = r->session->account_id;
        who.platform_admin = r->session->platform_admin;
    }
    return who;
}

int shop_request_page(shop_req *r, long long *cursor, long long *limit)
{
    const char *v;
    *cursor = 0;
    *limit = SHOP_PAGE_LIMIT_DEFAULT;
    if ((v = shop_query(r, "limit")) && shop_parse_dec(v, 1, SHOP_PAGE_LIMIT_MAX, limit))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "limit must be 1..%d", SHOP_PAGE_LIMIT_MAX);
    if ((v = shop_query(r, "cursor")) && *v && shop_cursor_parse(v, cursor))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "cursor is not valid");
    return SHOP_OK;
}

int shop_request_id(shop_req *r, const char *name, long long *id)
{
    const char *v = shop_query(r, name);
    *id = 0;
    if (v && shop_parse_dec(v, 1, LLONG_MAX, id))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "%s must be an id", name);
    return SHOP_OK;
}
