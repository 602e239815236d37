/* shop/pages/dash_desk.h - entering the cooperative dashboard's orders,
 * inventory and sales pages (dash_desk.c): who may open them, and the
 * refusal everyone else gets, with nothing of the cooperative on it. */
#ifndef FARMLIVE_SHOP_PAGES_DASH_DESK_H
#define FARMLIVE_SHOP_PAGES_DASH_DESK_H

#include "farmlive/db.h"
#include "farmlive/shop/core/http.h"

/* The cooperative of path parameter 0 for /dash/{id}/{section}, when the
 * caller holds at least min_role in it (SHOP_MEMBER_*; a platform admin
 * holds every role): SHOP_OK with *db, *coop_id and *role (the caller's
 * role, SHOP_MEMBER_ADMIN for a platform admin). Else the page is answered
 * and the result is 1 (a guest sent to sign in, 404 for no such
 * cooperative, the 403 refusal page) or negative (failed). */
int shop_dash_desk_enter(shop_req *r, int en, const char *section, int min_role, fl_db **db, long long *coop_id,
                         int *role);

#endif
