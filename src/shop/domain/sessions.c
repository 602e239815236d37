/* sessions.c - the login rules (see shop/domain/sessions.h). */
#include "farmlive/shop/domain/sessions.h"
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* INCR with the window's expiry set by the first failure. */
static const char incr_lua[] = "local n = redis.call('INCR', KEYS[1]) "
                               "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
                               "return n";
/* {failures so far, seconds left in the window}. */
static const char count_lua[] = "return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('TTL', KEYS[1])}";

/* Columns of LOGIN_SQL. */
enum { LC_ID, LC_HASH, LC_ROLE };
static const char LOGIN_SQL[] = "SELECT id, password_hash, role FROM accounts WHERE email = ? OR phone = ?";

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

void shop_login_keys_make(fl_arena *a, const char *login, const char *client_ip, shop_login_keys *k)
{
    char hash[FL_SHA256_HEX];
    const char *folded = shop_login_fold(a, login);
    fl_sha256_hex(folded, strlen(folded), hash);
    snprintf(k->acct, sizeof(k->acct), "rl:login:acct:%s", hash);
    snprintf(k->ip, sizeof(k->ip), "rl:login:ip:%s", client_ip);
}

/* The seconds until key's window ends into *wait when its count reached
 * limit (0 under the limit): SHOP_OK, or a Redis fault. */
static int limited(fl_kv *kv, const char *key, int limit, int *wait, shop_fault *f)
{
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s", count_lua, key);
    if (!rep)
        return shop_fault_kv(f);
    *wait = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[0]->integer >= limit)
        *wait = rep->element[1]->integer > 0 ? (int)rep->element[1]->integer : 1;
    freeReplyObject(rep);
    return SHOP_OK;
}

/* Counts one failure on key; a Redis failure only loses the count. */
static void count_failure(fl_kv *kv, const char *key, int window)
{
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %d", incr_lua, key, window);
    if (rep)
        freeReplyObject(rep);
}

int shop_login_check(fl_db *db, fl_kv *kv, const fl_config *cfg, fl_arena *a, const char *login, const char *password,
                     const char *client_ip, long long *account_id, int *platform_admin, shop_fault *f)
{
    shop_login_keys keys;
    fl_rows *rows = NULL;
    redisReply *rep;
    int wait = 0, ok, rc;

    shop_login_keys_make(a, login, client_ip, &keys);
    if ((rc = limited(kv, keys.acct, cfg->login_max_failures, &wait, f)) < 0 ||
        (!wait && (rc = limited(kv, keys.ip, cfg->login_max_ip_failures, &wait, f)) < 0))
        return rc;
    if (wait > 0) {
        shop_fault_set(f, SHOP_E_RATE_LIMITED, NULL, "too many failed logins; try again in %d seconds", wait);
        f->retry_after_s = wait;
        return SHOP_E_RATE_LIMITED;
    }

    rc = fl_db_query(db, &rows, LOGIN_SQL, "ss", shop_login_fold(a, login), login);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) == 1) {
        ok = fl_password_verify(fl_rows_str(rows, 0, LC_HASH), password) == 0;
    } else {
        pthread_once(&dummy_once, make_dummy);
        fl_password_verify(dummy_hash, password);
        ok = 0;
    }
    if (!ok) {
        fl_rows_free(rows);
        count_failure(kv, keys.acct, cfg->login_window);
        count_failure(kv, keys.ip, cfg->login_window);
        fl_log(FL_LOG_INFO, "login_failed", "login failed from %s", client_ip);
        return shop_fault_set(f, SHOP_E_UNAUTHORIZED, "invalid_credentials", "the login or password is wrong");
    }
    *account_id = fl_rows_int(rows, 0, LC_ID);
    *platform_admin = strcmp(fl_rows_str(rows, 0, LC_ROLE), "platform_admin") == 0;
    fl_rows_free(rows);

    rep = fl_kv_cmd(kv, "DEL %s", keys.acct);
    if (rep)
        freeReplyObject(rep);
    return SHOP_OK;
}
