/* shop/core/auth.h - sessions, CSRF and rights.
 *
 * Sessions live in Redis under sess:{sha256(token)} as a hash
 * {account_id, platform_admin, csrf}, with a sliding expiry of
 * cfg->session_ttl. The token reaches the shop in the fl_session cookie
 * (HttpOnly, SameSite=Lax) or as `Authorization: Bearer TOKEN`. */
#ifndef FARMLIVE_SHOP_CORE_AUTH_H
#define FARMLIVE_SHOP_CORE_AUTH_H

#include "farmlive/shop/core/http.h"
#include "farmlive/shop/core/rights.h"

#define SHOP_SESSION_COOKIE "fl_session"

/* Resolves r->session from the request's token (NULL when absent, unknown or
 * expired) and checks CSRF for cookie-authenticated unsafe methods, then the
 * route's role. Called by http.c before the handler. */
int shop_auth_request(shop_req *r);

/* Deferred sessions (routes of SHOP_ROLE_USER_DEFERRED), for hot routes
 * whose own work is one Redis script: the session lookup rides in it
 * instead of costing a round trip of its own. A request with a
 * well-formed Bearer token reaches such a handler with r->session NULL and
 * r->session_key set. The handler's script includes SHOP_AUTH_SESSION_LUA,
 * calls session(shop_auth_session_key(r), ttl) (ttl: cfg->session_ttl)
 * and acts only when it found one, returning its three fields; then the
 * handler calls shop_auth_settle with them. Or it calls
 * shop_auth_settle_now (a lookup of its own). Until settled the caller is
 * unknown. Cookie sessions (they need the CSRF check first) and requests
 * without a token are settled before the handler, as for
 * SHOP_ROLE_USER; the script then looks the session up again, so that it
 * acts for the session as it is now.
 *
 * session(key, ttl) returns the session hash's {account_id,
 * platform_admin, csrf} (false where absent) and slides its expiry, at
 * most once a minute. */
#define SHOP_AUTH_SESSION_LUA                                                                                          \
    "local function session(key, ttl) "                                                                                \
    "  local v = redis.call('HMGET', key, 'account_id', 'platform_admin', 'csrf') "                                    \
    "  if v[1] and redis.call('TTL', key) < tonumber(ttl) - 60 then redis.call('EXPIRE', key, ttl) end "               \
    "  return v "                                                                                                      \
    "end "

/* The Redis key of the session to look up: r->session_key, or a settled
 * session's own. NULL for an anonymous request (already refused). */
const char *shop_auth_session_key(shop_req *r);
/* Settles the session from session()'s three fields (REDIS_REPLY_STRING or
 * NIL each): SHOP_OK with r->session set, or 401 (already failed). */
int shop_auth_settle(shop_req *r, redisReply *const *fields);
/* Settles a deferred session with a lookup of its own: SHOP_OK with
 * r->session set, or failed (401, 503). */
int shop_auth_settle_now(shop_req *r);

/* Creates a session for account_id; writes the new token (64 hex) and CSRF
 * token into the given buffers. */
int shop_auth_session_create(shop_req *r, long long account_id, int platform_admin, char token[65], char csrf[65]);
int shop_auth_session_destroy(shop_req *r);

/* The caller's identity as domain functions take it (core/rights.h):
 * account_id 0 for an anonymous request. */
long long shop_auth_account(const shop_req *r);
/* The same as a shop_actor (core/rights.h). */
shop_actor shop_auth_actor(const shop_req *r);
int shop_auth_platform_admin(const shop_req *r);

/* The request's side of core/rights.h, each answering a refusal itself:
 * shop_auth_member_role: the caller's role in coop_id (SHOP_MEMBER_*), or
 * negative (already failed). shop_auth_coop: SHOP_OK when the caller is at
 * least min_role in coop_id or a platform admin, else fails 401/403. */
int shop_auth_member_role(shop_req *r, long long coop_id);
int shop_auth_coop(shop_req *r, long long coop_id, int min_role);

/* Path parameter {id} (the first) must name a cooperative, else 404; then,
 * unless min_role is SHOP_MEMBER_NONE, the caller needs that role in it (as
 * shop_auth_coop). On SHOP_OK, *coop_id is the id and *db the request's
 * MariaDB connection. */
int shop_auth_coop_enter(shop_req *r, int min_role, fl_db **db, long long *coop_id);

#endif
