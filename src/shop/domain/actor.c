/* actor.c - what a cooperative lets an account do (contract in shop/domain/actor.h). */
#include "farmlive/shop/domain/actor.h"

#include <string.h>

int shop_coop_exists(fl_db *db, long long coop_id, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT 1 FROM cooperatives WHERE id = ?", "i", coop_id);
    if (rc != FL_DB_OK)
        rc = shop_fault_db(f, rc);
    else if (fl_rows_count(rows) == 0)
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "cooperative %lld not found", coop_id);
    else
        rc = SHOP_OK;
    fl_rows_free(rows);
    return rc;
}

int shop_actor_may(fl_db *db, const shop_actor *who, long long coop_id, int need, shop_fault *f)
{
    enum { MC_ROLE };
    fl_rows *rows = NULL;
    const char *role;
    int have, rc;
    if (!who || who->account_id <= 0)
        return shop_fault_set(f, SHOP_E_UNAUTHORIZED, NULL, "sign in first");
    if (who->platform_admin)
        return SHOP_OK;
    rc = fl_db_query(db, &rows, "SELECT role FROM coop_members WHERE coop_id = ? AND account_id = ?", "ii", coop_id,
                     who->account_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    role = fl_rows_count(rows) ? fl_rows_str(rows, 0, MC_ROLE) : NULL;
    have = !role ? 0 : strcmp(role, "coop_admin") == 0 ? SHOP_ACTOR_ADMIN : SHOP_ACTOR_MEMBER;
    fl_rows_free(rows);
    if (have < need)
        return shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "you are not %s of cooperative %lld",
                              need == SHOP_ACTOR_ADMIN ? "an admin" : "a member", coop_id);
    return SHOP_OK;
}
