/* sessions.c - log in (POST /api/v1/sessions) and out
 * (DELETE /api/v1/sessions/current).
 *
 * Logging in: the login rules (failure limits, password) are
 * domain/sessions.c's; then the session is made (core/auth.c), a guest cart
 * joins the account's, and the answer carries the token, the CSRF token and
 * the account, with the session cookie. */
#include "farmlive/shop/api/sessions.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/carts.h"
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/shop/domain/sessions.h"
#include "farmlive/crypto.h"

int shop_sessions_create(shop_req *r)
{
    const fl_config *cfg = r->ctx->cfg;
    const char *login, *password, *cookie;
    char token[65], csrf[65];
    shop_fault f;
    fl_kv *kv = NULL;
    fl_db *db = NULL;
    json_t *account = NULL, *body;
    long long id = 0;
    int platform_admin = 0, rc;

    if ((rc = shop_body_str(r, "login", 1, 1, 254, &login)) ||
        (rc = shop_body_str(r, "password", 1, 1, 128, &password)) || (rc = shop_kv(r, &kv)) || (rc = shop_db(r, &db)))
        return rc;
    if (shop_login_check(db, kv, cfg, r->arena, login, password, r->client_ip, &id, &platform_admin, &f) < 0)
        return shop_fail_fault(r, &f);
    if ((rc = shop_auth_session_create(r, id, platform_admin, token, csrf)))
        return rc;
    shop_carts_merge_guest(r, id); /* a guest cart joins the account's cart */
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
