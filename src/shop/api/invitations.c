/* invitations.c - GET /api/v1/me/invitations and
 * POST /api/v1/me/invitations/{id}/{accept,decline}: parse, call
 * domain/invitations.c, reply. */
#include "farmlive/shop/api/invitations.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/invitations.h"

int shop_invitations_list(shop_req *r)
{
    shop_page pg;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    int rc;
    if ((rc = shop_query_page(r, 1, &pg)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_invitations_mine(db, shop_auth_account(r), &pg, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

static int answer(shop_req *r, int accept)
{
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_invitation_answer(db, shop_auth_account(r), id, accept, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_invitations_accept(shop_req *r)
{
    return answer(r, 1);
}

int shop_invitations_decline(shop_req *r)
{
    return answer(r, 0);
}
