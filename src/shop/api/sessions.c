/* sessions.c - log in (POST /api/v1/sessions) and out
 * (DELETE /api/v1/sessions/current).
 *
 * Logging in: the login rules (normalized logins, the limits counted
 * first) are domain/sessions.c's; the password is checked on the hashing
 * pool (core/hashpool.h) while the request waits suspended; then the
 * session is made (core/auth.c), a guest cart joins the account's, and the
 * answer carries the token, the CSRF token and the account, with the
 * session cookie. */
#include "farmlive/shop/api/sessions.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/hashpool.h"
#include "farmlive/shop/api/carts.h"
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/shop/domain/sessions.h"
#include "farmlive/crypto.h"

#include <string.h>

/* A login waiting for its password check. */
struct login_wait {
    shop_login st;
    shop_pwjob job;
};

/* After the check: settle the attempt, make the session, answer. */
static int login_checked(shop_req *r, void *arg)
{
    const fl_config *cfg = r->ctx->cfg;
    struct login_wait *w = arg;
    const char *cookie;
    char token[65], csrf[65];
    shop_fault f;
    fl_kv *kv = NULL;
    fl_db *db = NULL;
    json_t *account = NULL, *body;
    long long id = w->st.account_id;
    int rc;

    if ((rc = shop_kv(r, &kv)))
        return rc;
    if (shop_login_end(kv, &w->st, w->job.ok, &f) < 0)
        return shop_fail_fault(r, &f);
    if ((rc = shop_auth_session_create(r, id, w->st.platform_admin, token, csrf)))
        return rc;
    shop_carts_merge_guest(r, id); /* a guest cart joins the account's cart */
    if ((rc = shop_db(r, &db)))
        return rc;
    if (shop_account_json(db, id, &account, &f) < 0)
        return shop_fail_fault(r, &f);
    cookie = fl_arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s", SHOP_SESSION_COOKIE,
                             token, cfg->session_ttl, cfg->cookie_secure ? "; Secure" : "");
    shop_add_header(r, "Set-Cookie", cookie);
    body = json_pack("{s:s,s:s,s:i,s:o}", "token", token, "csrf_token", csrf, "expires_in", cfg->session_ttl, "account",
                     account);
    sodium_memzero(token, sizeof(token));
    return shop_reply_json(r, 200, body);
}

int shop_sessions_create(shop_req *r)
{
    struct login_wait *w = fl_arena_alloc(r->arena, sizeof(*w));
    const char *login;
    shop_fault f;
    fl_kv *kv = NULL;
    fl_db *db = NULL;
    int rc;

    memset(w, 0, sizeof(*w));
    if ((rc = shop_body_str(r, "login", 1, 1, 254, &login)) ||
        (rc = shop_body_str(r, "password", 1, 1, 128, &w->job.password)) || (rc = shop_kv(r, &kv)) ||
        (rc = shop_db(r, &db)))
        return rc;
    if (shop_login_begin(db, kv, r->ctx->cfg, r->arena, login, r->client_ip, &w->st, &f) < 0)
        return shop_fail_fault(r, &f);
    w->job.stored = w->st.stored;
    rc = shop_hash_then(r, &w->job, login_checked, w);
    if (rc != SHOP_SUSPENDED)
        shop_login_cancel(kv, &w->st); /* refused before the check: not an attempt */
    return rc;
}

int shop_sessions_delete(shop_req *r)
{
    int rc = shop_auth_session_destroy(r);
    if (rc)
        return rc;
    shop_add_header(r, "Set-Cookie",
                    fl_arena_printf(r->arena, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", SHOP_SESSION_COOKIE,
                                    r->ctx->cfg->cookie_secure ? "; Secure" : ""));
    return shop_reply_empty(r, 204);
}
