/* shop/core/rights.h - who may act on a cooperative's data (rights.c).
 *
 * An account's role in a cooperative is its coop_members row (farmer or
 * coop_admin); a platform admin may act on every cooperative. These are the
 * rights that depend on data: domain functions take the caller's identity
 * (account_id, 0 for anonymous; platform_admin) and ask here, so a handler,
 * a job or a live room gets the same answer. core/auth.c asks the same for a
 * request (shop_auth_coop and friends). */
#ifndef FARMLIVE_SHOP_CORE_RIGHTS_H
#define FARMLIVE_SHOP_CORE_RIGHTS_H

#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"

enum shop_member_role { SHOP_MEMBER_NONE = 0, SHOP_MEMBER_FARMER = 1, SHOP_MEMBER_ADMIN = 2 };

/* Who acts in a domain operation (from a session, a job, a live room, a
 * test): account_id 0 for nobody signed in. */
typedef struct shop_actor {
    long long account_id;
    int platform_admin; /* may act on every cooperative */
} shop_actor;

/* shop_rights_coop for an actor. */
int shop_rights_actor(fl_db *db, const shop_actor *who, long long coop_id, int min_role, shop_fault *f);

/* The rule itself, pure: SHOP_OK when min_role is SHOP_MEMBER_NONE, or the
 * caller is a platform admin, or role (the caller's role in coop_id) is at
 * least min_role; else 401 for an anonymous caller (account_id 0), 403 for
 * the rest, filled into f. */
int shop_rights_decide(long long account_id, int platform_admin, int role, int min_role, long long coop_id,
                       shop_fault *f);

/* The SHOP_MEMBER_* role of account_id in coop_id into *role (NONE for an
 * anonymous caller, without asking MariaDB): SHOP_OK, or a database fault. */
int shop_rights_member_role(fl_db *db, long long coop_id, long long account_id, int *role, shop_fault *f);

/* shop_rights_decide for the caller's role in coop_id, asking MariaDB only
 * when the answer depends on it. */
int shop_rights_coop(fl_db *db, long long coop_id, long long account_id, int platform_admin, int min_role,
                     shop_fault *f);

/* 404 unless coop_id names a cooperative; then shop_rights_coop. For the
 * routes under /coops/{id}: a missing cooperative is 404 for everyone. */
int shop_rights_coop_enter(fl_db *db, long long coop_id, long long account_id, int platform_admin, int min_role,
                           shop_fault *f);

/* The best role account_id holds in any cooperative into *best (NONE when
 * it holds none): for the route table's coop_member and coop_admin roles. */
int shop_rights_best_role(fl_db *db, long long account_id, int *best, shop_fault *f);

#endif
