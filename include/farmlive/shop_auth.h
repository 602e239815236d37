/* shop_auth.h - sessions, CSRF and rights.
 *
 * Sessions live in Redis under sess:{sha256(token)} as a hash
 * {account_id, platform_admin, csrf}, with a sliding expiry of
 * cfg->session_ttl. The token reaches the shop in the fl_session cookie
 * (HttpOnly, SameSite=Lax) or as `Authorization: Bearer TOKEN`. */
#ifndef FARMLIVE_SHOP_AUTH_H
#define FARMLIVE_SHOP_AUTH_H

#include "farmlive/shop_http.h"

#define SHOP_SESSION_COOKIE "fl_session"

enum shop_member_role { SHOP_MEMBER_NONE = 0, SHOP_MEMBER_FARMER = 1, SHOP_MEMBER_ADMIN = 2 };

/* Resolves r->session from the request's token (NULL when absent, unknown or
 * expired) and checks CSRF for cookie-authenticated unsafe methods, then the
 * route's role. Called by http.c before the handler. */
int shop_auth_request(shop_req *r);

/* Creates a session for account_id; writes the new token (64 hex) and CSRF
 * token into the given buffers. */
int shop_auth_session_create(shop_req *r, long long account_id, int platform_admin,
                             char token[65], char csrf[65]);
int shop_auth_session_destroy(shop_req *r);

/* The caller's role in coop_id (SHOP_MEMBER_*), via MariaDB. Negative on error
 * (already failed). */
int shop_auth_member_role(shop_req *r, long long coop_id);
/* SHOP_OK when the caller is at least min_role (SHOP_MEMBER_FARMER or
 * SHOP_MEMBER_ADMIN) in coop_id, or a platform admin; else fails 401/403. */
int shop_auth_coop(shop_req *r, long long coop_id, int min_role);

/* Path parameter {id} (the first) must name a cooperative, else 404; then,
 * unless min_role is SHOP_MEMBER_NONE, the caller needs that role in it (as
 * shop_auth_coop). On SHOP_OK, *coop_id is the id and *db the request's
 * MariaDB connection. */
int shop_auth_coop_enter(shop_req *r, int min_role, fl_db **db, long long *coop_id);

#endif
