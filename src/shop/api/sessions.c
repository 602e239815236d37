/* sessions.c - log in (POST /api/v1/sessions) and out.
 *
 * Failed logins are counted in Redis per account (rl:login:acct:{sha256 of
 * the login}) and per client address (rl:login:ip:{ip}) over a window; at the
 * limit the shop answers 429 with Retry-After until the window ends, before
 * touching the password, so guessing costs the attacker time, not us. A
 * successful login clears the account's counter. */
#include "farmlive/shop/api/accounts.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/carts.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char incr_lua[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return n";

/* A valid argon2id hash of a random password, so unknown logins take as long
 * as wrong passwords. Made once at first use. */
static char dummy_hash[FL_PWHASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    char pw[33];
    fl_random_hex(pw, 16);
    fl_password_hash(pw, dummy_hash);
}

/* The seconds until key's window ends when its count reached limit, 0 when
 * under the limit, negative when Redis failed (already recorded). */
static int limited(shop_req *r, fl_kv *kv, const char *key, int limit)
{
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s", "return {tonumber(redis.call('GET', KEYS[1]) or '0'), "
                                                  "redis.call('TTL', KEYS[1])}",
                                key);
    if (!rep)
        return shop_fail_kv(r);
    int wait = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[0]->integer >= limit)
        wait = rep->element[1]->integer > 0 ? (int)rep->element[1]->integer : 1;
    freeReplyObject(rep);
    return wait;
}

static void count_failure(fl_kv *kv, const char *key, int window)
{
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %d", incr_lua, key, window);
    if (rep)
        freeReplyObject(rep);
}

int shop_sessions_create(shop_req *r)
{
    const char *login, *password;
    char login_hash[FL_SHA256_HEX], acct_key[96], ip_key[96], token[65], csrf[65];
    fl_kv *kv = NULL;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *account = NULL;
    const fl_config *cfg = r->ctx->cfg;
    int err;

    if ((err = shop_body_str(r, "login", 1, 1, 254, &login)) < 0 ||
        (err = shop_body_str(r, "password", 1, 1, 128, &password)) < 0)
        return err;
    char *lc = fl_arena_strdup(r->arena, login);
    for (char *p = lc; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    fl_sha256_hex(lc, strlen(lc), login_hash);
    snprintf(acct_key, sizeof(acct_key), "rl:login:acct:%s", login_hash);
    snprintf(ip_key, sizeof(ip_key), "rl:login:ip:%s", r->client_ip);

    if ((err = shop_kv(r, &kv)) < 0)
        return err;
    int wait = limited(r, kv, acct_key, cfg->login_max_failures);
    if (wait == 0)
        wait = limited(r, kv, ip_key, cfg->login_max_ip_failures);
    if (wait < 0)
        return wait;
    if (wait > 0) {
        char secs[16];
        snprintf(secs, sizeof(secs), "%d", wait);
        shop_add_header(r, "Retry-After", secs);
        return shop_fail(r, SHOP_E_RATE_LIMITED, "too many failed logins; try again in %d seconds", wait);
    }

    if ((err = shop_db(r, &db)) < 0)
        return err;
    int rc = fl_db_query(db, &rows, "SELECT id, password_hash, role FROM accounts WHERE email = ? OR phone = ?",
                         "ss", lc, login);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    int ok;
    if (fl_rows_count(rows) == 1) {
        ok = fl_password_verify(fl_rows_str(rows, 0, 1), password) == 0;
    } else {
        pthread_once(&dummy_once, make_dummy);
        fl_password_verify(dummy_hash, password);
        ok = 0;
    }
    if (!ok) {
        fl_rows_free(rows);
        count_failure(kv, acct_key, cfg->login_window);
        count_failure(kv, ip_key, cfg->login_window);
        fl_log(FL_LOG_INFO, "login_failed", "login failed from %s", r->client_ip);
        return shop_fail_code(r, SHOP_E_UNAUTHORIZED, "invalid_credentials", "the login or password is wrong");
    }
    long long id = fl_rows_int(rows, 0, 0);
    int platform_admin = strcmp(fl_rows_str(rows, 0, 2), "platform_admin") == 0;
    fl_rows_free(rows);

    redisReply *rep = fl_kv_cmd(kv, "DEL %s", acct_key);
    if (rep)
        freeReplyObject(rep);
    if ((err = shop_auth_session_create(r, id, platform_admin, token, csrf)) < 0)
        return err;
    shop_carts_merge_guest(r, id); /* a guest cart joins the account's cart */
    if ((err = shop_accounts_json(r, id, &account)) < 0)
        return err;
    char *cookie = fl_arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
                                   SHOP_SESSION_COOKIE, token, cfg->session_ttl, cfg->cookie_secure ? "; Secure" : "");
    shop_add_header(r, "Set-Cookie", cookie);
    json_t *body = json_pack("{s:s,s:s,s:i,s:o}", "token", token, "csrf_token", csrf, "expires_in", cfg->session_ttl,
                             "account", account);
    sodium_memzero(token, sizeof(token));
    return shop_reply_json(r, 200, body);
}

int shop_sessions_delete(shop_req *r)
{
    int err = shop_auth_session_destroy(r);
    if (err < 0)
        return err;
    shop_add_header(r, "Set-Cookie",
                    fl_arena_printf(r->arena, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", SHOP_SESSION_COOKIE,
                                    r->ctx->cfg->cookie_secure ? "; Secure" : ""));
    return shop_reply_empty(r, 204);
}
