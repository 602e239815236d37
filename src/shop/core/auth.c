/* auth.c - who is calling, and may they.
 *
 * Tokens are 64 hex characters (256 bits from the CSPRNG). Redis stores only
 * sha256(token), so a leaked Redis dump does not leak live tokens. Lookups
 * and the sliding expiry are one Lua call (one round trip, atomic). */
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/routes.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A session's Redis key: SESS_PREFIX then sha256(token) in hex. */
#define SESS_PREFIX "sess:"
#define SESS_PREFIX_LEN (sizeof(SESS_PREFIX) - 1)

static int need_session(shop_req *r)
{
    return shop_fail(r, SHOP_E_UNAUTHORIZED, "sign in first: send the session cookie or a Bearer token");
}

static const char lookup_lua[] = SHOP_AUTH_SESSION_LUA "return session(KEYS[1], ARGV[1])";

static const char create_lua[] =
    "redis.call('HSET', KEYS[1], 'account_id', ARGV[1], 'platform_admin', ARGV[2], 'csrf', ARGV[3], "
    "'created_at', ARGV[5]) "
    "redis.call('EXPIRE', KEYS[1], ARGV[4]) "
    "return 1";

static int is_token(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 64;
}

static int is_safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/* Sets r->session from session()'s three fields (left NULL when they say
 * none). hash: sha256(token). */
static void session_from(shop_req *r, redisReply *const *f, const char *hash, int via_cookie)
{
    r->session = NULL;
    if (f[0]->type != REDIS_REPLY_STRING || f[2]->type != REDIS_REPLY_STRING)
        return;
    shop_session *s = fl_arena_alloc(r->arena, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->account_id = strtoll(f[0]->str, NULL, 10);
    s->platform_admin = f[1]->type == REDIS_REPLY_STRING && strcmp(f[1]->str, "1") == 0;
    s->via_cookie = via_cookie;
    snprintf(s->token_hash, sizeof(s->token_hash), "%s", hash);
    snprintf(s->csrf, sizeof(s->csrf), "%s", f[2]->str);
    r->session = s;
}

/* Loads the session of the token whose sha256 is hash into r->session
 * (left NULL when unknown). Returns 0, or -1 when Redis could not be asked
 * (nothing recorded: the caller decides whether that fails the request). */
static int load_session(shop_req *r, const char *hash, int via_cookie)
{
    char key[80], ttl[16];
    if (!r->kv && fl_kv_acquire(r->ctx->kv, &r->kv) != FL_KV_OK)
        return -1;
    snprintf(key, sizeof(key), SESS_PREFIX "%s", hash);
    snprintf(ttl, sizeof(ttl), "%d", r->ctx->cfg->session_ttl);
    redisReply *rep = fl_kv_cmd(r->kv, "EVAL %s 1 %s %s", lookup_lua, key, ttl);
    if (!rep)
        return -1;
    int rc = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 3) {
        session_from(r, rep->element, hash, via_cookie);
    } else if (rep->type == REDIS_REPLY_ERROR) {
        fl_log(FL_LOG_ERROR, "redis_error", "session lookup: %s", rep->str);
        rc = -1;
    }
    freeReplyObject(rep);
    return rc;
}

int shop_auth_request(shop_req *r)
{
    const char *token = NULL;
    int via_cookie = 0;
    const char *authz = shop_header(r, "Authorization");

    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        token = authz + 7;
    } else if ((token = shop_cookie(r, SHOP_SESSION_COOKIE)) != NULL) {
        via_cookie = 1;
    }
    if (token && is_token(token)) {
        char hash[FL_SHA256_HEX];
        fl_sha256_hex(token, 64, hash);
        if (r->route->role == SHOP_ROLE_USER_DEFERRED && !via_cookie) {
            r->session_key = fl_arena_printf(r->arena, SESS_PREFIX "%s", hash);
            return SHOP_OK; /* the handler looks it up (shop_auth_settle*) */
        }
        /* Public routes stay readable while Redis is down: the caller is
         * then served as anonymous. */
        if (load_session(r, hash, via_cookie) < 0 && r->route->role != SHOP_ROLE_PUBLIC)
            return shop_fail_kv(r);
    }
    if (r->session && r->session->via_cookie && !is_safe_method(r->method)) {
        const char *csrf = shop_header(r, "X-CSRF-Token");
        if (!csrf || !fl_streq_ct(csrf, r->session->csrf))
            return shop_fail(r, SHOP_E_CSRF, "X-CSRF-Token is missing or does not match the session");
    }
    switch (r->route->role) {
    case SHOP_ROLE_PUBLIC:
        return SHOP_OK;
    case SHOP_ROLE_USER:
    case SHOP_ROLE_USER_DEFERRED:
        break;
    case SHOP_ROLE_PLATFORM_ADMIN:
        if (r->session && !r->session->platform_admin)
            return shop_fail(r, SHOP_E_FORBIDDEN, "this needs the platform_admin role");
        break;
    case SHOP_ROLE_COOP_MEMBER:
    case SHOP_ROLE_COOP_ADMIN:
        if (r->session && !r->session->platform_admin) {
            fl_db *db = NULL;
            shop_fault f;
            int best = SHOP_MEMBER_NONE, err;
            if ((err = shop_db(r, &db)) < 0)
                return err;
            if (shop_rights_best_role(db, r->session->account_id, &best, &f) < 0)
                return shop_fail_fault(r, &f);
            if (best == SHOP_MEMBER_NONE || (r->route->role == SHOP_ROLE_COOP_ADMIN && best < SHOP_MEMBER_ADMIN))
                return shop_fail(r, SHOP_E_FORBIDDEN, "this needs the %s role in a cooperative",
                                 r->route->role == SHOP_ROLE_COOP_ADMIN ? "coop_admin" : "farmer or coop_admin");
        }
        break;
    }
    if (!r->session)
        return need_session(r);
    return SHOP_OK;
}

const char *shop_auth_session_key(shop_req *r)
{
    if (r->session_key)
        return r->session_key;
    return r->session ? fl_arena_printf(r->arena, SESS_PREFIX "%s", r->session->token_hash) : NULL;
}

int shop_auth_settle(shop_req *r, redisReply *const *fields)
{
    const char *key = shop_auth_session_key(r);
    int via_cookie = r->session && r->session->via_cookie;
    r->session_key = NULL;
    if (key)
        session_from(r, fields, key + SESS_PREFIX_LEN, via_cookie);
    if (!r->session)
        return need_session(r);
    return SHOP_OK;
}

int shop_auth_settle_now(shop_req *r)
{
    if (r->session_key) {
        const char *hash = r->session_key + SESS_PREFIX_LEN;
        r->session_key = NULL;
        if (load_session(r, hash, 0) < 0)
            return shop_fail_kv(r);
    }
    if (!r->session)
        return need_session(r);
    return SHOP_OK;
}

int shop_auth_session_create(shop_req *r, long long account_id, int platform_admin, char token[65], char csrf[65])
{
    fl_kv *kv = NULL;
    char hash[FL_SHA256_HEX], key[80], ttl[16], id[24], now[24];
    int err = shop_kv(r, &kv);
    if (err < 0)
        return err;
    fl_random_token(token);
    fl_random_token(csrf);
    fl_sha256_hex(token, 64, hash);
    snprintf(key, sizeof(key), SESS_PREFIX "%s", hash);
    snprintf(ttl, sizeof(ttl), "%d", r->ctx->cfg->session_ttl);
    snprintf(id, sizeof(id), "%lld", account_id);
    snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
    redisReply *rep =
        fl_kv_cmd(kv, "EVAL %s 1 %s %s %s %s %s %s", create_lua, key, id, platform_admin ? "1" : "0", csrf, ttl, now);
    int ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (rep && !ok)
        fl_log(FL_LOG_ERROR, "redis_error", "session create: %s", rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
    if (rep)
        freeReplyObject(rep);
    return ok ? SHOP_OK : shop_fail_kv(r);
}

int shop_auth_session_destroy(shop_req *r)
{
    fl_kv *kv = NULL;
    if (!r->session)
        return SHOP_OK;
    int err = shop_kv(r, &kv);
    if (err < 0)
        return err;
    redisReply *rep = fl_kv_cmd(kv, "DEL " SESS_PREFIX "%s", r->session->token_hash);
    if (!rep)
        return shop_fail_kv(r);
    freeReplyObject(rep);
    return SHOP_OK;
}

long long shop_auth_account(const shop_req *r)
{
    return r->session ? r->session->account_id : 0;
}

shop_actor shop_auth_actor(const shop_req *r)
{
    shop_actor who = {shop_auth_account(r), shop_auth_platform_admin(r)};
    return who;
}

int shop_auth_platform_admin(const shop_req *r)
{
    return r->session && r->session->platform_admin;
}

int shop_auth_member_role(shop_req *r, long long coop_id)
{
    fl_db *db = NULL;
    shop_fault f;
    int role = SHOP_MEMBER_NONE, err;
    if (!r->session)
        return SHOP_MEMBER_NONE;
    if ((err = shop_db(r, &db)) < 0)
        return err;
    if (shop_rights_member_role(db, coop_id, r->session->account_id, &role, &f) < 0)
        return shop_fail_fault(r, &f);
    return role;
}

int shop_auth_coop(shop_req *r, long long coop_id, int min_role)
{
    fl_db *db = NULL;
    shop_fault f;
    int err;
    if ((err = shop_db(r, &db)) < 0)
        return err;
    if (shop_rights_coop(db, coop_id, shop_auth_account(r), shop_auth_platform_admin(r), min_role, &f) < 0)
        return shop_fail_fault(r, &f);
    return SHOP_OK;
}

int shop_auth_coop_enter(shop_req *r, int min_role, fl_db **db, long long *coop_id)
{
    shop_fault f;
    int err;
    if ((err = shop_param_id(r, 0, coop_id)) < 0 || (err = shop_db(r, db)) < 0)
        return err;
    if (shop_rights_coop_enter(*db, *coop_id, shop_auth_account(r), shop_auth_platform_admin(r), min_role, &f) < 0)
        return shop_fail_fault(r, &f);
    return SHOP_OK;
}
