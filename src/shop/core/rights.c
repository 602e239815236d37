/* rights.c - who may act on a cooperative's data (see shop/core/rights.h).
 *
 * The only reader of coop_members for rights: the route table's coop roles
 * (core/auth.c), the coop-scoped handlers (through shop_auth_coop*) and the
 * domain functions all end here. */
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/query.h"

#include <string.h>

static int role_of(const char *s)
{
    if (!s)
        return SHOP_MEMBER_NONE;
    return strcmp(s, "coop_admin") == 0 ? SHOP_MEMBER_ADMIN : SHOP_MEMBER_FARMER;
}

int shop_rights_decide(long long account_id, int platform_admin, int role, int min_role, long long coop_id,
                       shop_fault *f)
{
    if (min_role == SHOP_MEMBER_NONE)
        return SHOP_OK;
    if (account_id <= 0)
        return shop_fault_set(f, SHOP_E_UNAUTHORIZED, NULL, "sign in first");
    if (platform_admin || role >= min_role)
        return SHOP_OK;
    return shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "you are not %s of cooperative %lld",
                          min_role == SHOP_MEMBER_ADMIN ? "an admin" : "a member", coop_id);
}

int shop_rights_member_role(fl_db *db, long long coop_id, long long account_id, int *role, shop_fault *f)
{
    enum { MR_ROLE };
    fl_rows *rows = NULL;
    int rc;
    *role = SHOP_MEMBER_NONE;
    if (account_id <= 0)
        return SHOP_OK;
    rc = fl_db_query(db, &rows, "SELECT role FROM coop_members WHERE coop_id = ? AND account_id = ?", "ii", coop_id,
                     account_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *role = role_of(fl_rows_str(rows, 0, MR_ROLE));
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_rights_coop(fl_db *db, long long coop_id, long long account_id, int platform_admin, int min_role,
                     shop_fault *f)
{
    int role = SHOP_MEMBER_NONE, rc;
    if (min_role != SHOP_MEMBER_NONE && account_id > 0 && !platform_admin &&
        (rc = shop_rights_member_role(db, coop_id, account_id, &role, f)) < 0)
        return rc;
    return shop_rights_decide(account_id, platform_admin, role, min_role, coop_id, f);
}

int shop_rights_actor(fl_db *db, const shop_actor *who, long long coop_id, int min_role, shop_fault *f)
{
    return shop_rights_coop(db, coop_id, who ? who->account_id : 0, who ? who->platform_admin : 0, min_role, f);
}

int shop_rights_coop_enter(fl_db *db, long long coop_id, long long account_id, int platform_admin, int min_role,
                           shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT 1 FROM cooperatives WHERE id = ?", "i", coop_id);
    rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "cooperative %lld not found", coop_id);
    if (rc == SHOP_OK)
        rc = shop_rights_coop(db, coop_id, account_id, platform_admin, min_role, f);
    fl_rows_free(rows);
    return rc;
}

int shop_rights_best_role(fl_db *db, long long account_id, int *best, shop_fault *f)
{
    enum { BR_BEST };
    fl_rows *rows = NULL;
    long long v;
    int rc = fl_db_query(db, &rows,
                         "SELECT COALESCE(MAX(role = 'coop_admin'), -1) FROM coop_members "
                         "WHERE account_id = ?",
                         "i", account_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    v = fl_rows_int(rows, 0, BR_BEST);
    fl_rows_free(rows);
    *best = v < 0 ? SHOP_MEMBER_NONE : v == 1 ? SHOP_MEMBER_ADMIN : SHOP_MEMBER_FARMER;
    return SHOP_OK;
}
