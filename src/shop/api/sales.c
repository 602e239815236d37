/* sales.c - a cooperative's sales; the rules are domain/sales.c's.
 *
 *   GET /api/v1/coops/{id}/sales[?from=YYYY-MM-DD&to=YYYY-MM-DD]   coop admin: totals per China
 *       day (refunds subtracted), best products; the last 30 days by default, 92 at most */
#include "farmlive/shop/api/sales.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/sales.h"

#include <time.h>

int shop_sales_get(shop_req *r)
{
    fl_db *db = NULL;
    json_t *out = NULL;
    shop_fault f;
    const char *bad;
    long long coop_id, d0, d1;
    int err;
    if ((err = shop_auth_coop_enter(r, SHOP_MEMBER_ADMIN, &db, &coop_id)) < 0)
        return err;
    if (shop_sales_period(shop_query(r, "from"), shop_query(r, "to"), (long long)time(NULL), &d0, &d1, &bad) < 0)
        return shop_fail(r, SHOP_E_BAD_REQUEST,
                         "%s must be a day as YYYY-MM-DD; to not before from, at most %d days after it", bad,
                         SHOP_SALES_DAYS_MAX);
    int rc = shop_sales_report(db, coop_id, d0, d1, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}
