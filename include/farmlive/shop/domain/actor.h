/* shop/domain/actor.h - who acts in a domain operation, and what a
 * cooperative lets them do.
 *
 * Which cooperative an operation touches is often a property of the data (the
 * lot's, the certificate's), so who may do it is a domain rule: the domain
 * function takes the caller as a shop_actor (from the session, a job, a
 * live room, a test) and asks shop_actor_may() before it changes anything.
 * The API builds the actor from the request (api/actor.h). */
#ifndef FARMLIVE_SHOP_DOMAIN_ACTOR_H
#define FARMLIVE_SHOP_DOMAIN_ACTOR_H

#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"

typedef struct shop_actor {
    long long account_id; /* 0: nobody signed in */
    int platform_admin;   /* may act on every cooperative */
} shop_actor;

/* The least membership an operation needs in a cooperative. */
enum shop_actor_need {
    SHOP_ACTOR_MEMBER = 1, /* a farmer or a coop_admin */
    SHOP_ACTOR_ADMIN = 2   /* a coop_admin */
};

/* SHOP_OK when cooperative coop_id exists, else SHOP_E_NOT_FOUND (or the
 * database's fault). */
int shop_coop_exists(fl_db *db, long long coop_id, shop_fault *f);

/* SHOP_OK when who may act on coop_id with need (SHOP_ACTOR_*), a platform
 * admin always; SHOP_E_UNAUTHORIZED for nobody, SHOP_E_FORBIDDEN for
 * anyone else (or the database's fault). */
int shop_actor_may(fl_db *db, const shop_actor *who, long long coop_id, int need, shop_fault *f);

#endif
