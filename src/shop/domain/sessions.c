/* sessions.c - the login rules (see shop/domain/sessions.h). */
#include "farmlive/shop/domain/sessions.h"
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Checks and counts one attempt. KEYS: account, address, address wait;
 * ARGV: account limit, address limit, window, longest address wait.
 * {0, 0} counted; {1, s} the account is locked for s seconds; {2, s} the
 * address waits s seconds. Past its limit an address may try once per
 * wait, the wait doubling (1, 2, 4 ... s) with each attempt past it. */
static const char begin_lua[] =
    "local a = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "if a >= tonumber(ARGV[1]) then local t = redis.call('TTL', KEYS[1]) if t < 1 then t = 1 end return {1, t} end "
    "local i = tonumber(redis.call('GET', KEYS[2]) or '0') "
    "local over = i - tonumber(ARGV[2]) "
    "if over >= 0 then "
    "  local t = redis.call('TTL', KEYS[3]) "
    "  if t > 0 then return {2, t} end "
    "  local d = math.min(2 ^ math.min(over, 20), tonumber(ARGV[4])) "
    "  redis.call('SET', KEYS[3], '1', 'EX', d) "
    "end "
    "if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end "
    "if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end "
    "return {0, 0}";
/* A matched password: the account's count cleared, the address's attempt
 * given back (KEYS: account, address; ARGV[1] 1 to clear the account). */
static const char giveback_lua[] =
    "if ARGV[1] == '1' then redis.call('DEL', KEYS[1]) "
    "elseif tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then "
    "redis.call('DECR', KEYS[1]) end "
    "if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end "
    "return 0";

/* Columns of LOGIN_SQL. */
enum { LC_ID, LC_HASH, LC_ROLE };
/* email and phone are binary-collated (schema 040): the normalized login
 * matches one spelling only */
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

void shop_login_keys_make(fl_arena *a, long long account_id, const char *login, const char *client_ip,
                          shop_login_keys *k)
{
    char hash[FL_SHA256_HEX];
    if (account_id > 0) {
        snprintf(k->acct, sizeof(k->acct), "rl:login:acct:%lld", account_id);
    } else {
        const char *norm = shop_login_normalize(a, login);
        fl_sha256_hex(norm, strlen(norm), hash);
        snprintf(k->acct, sizeof(k->acct), "rl:login:acct:%s", hash);
    }
    snprintf(k->ip, sizeof(k->ip), "rl:login:ip:%s", client_ip);
    snprintf(k->ipwait, sizeof(k->ipwait), "rl:login:ipwait:%s", client_ip);
}

int shop_login_begin(fl_db *db, fl_kv *kv, const fl_config *cfg, fl_arena *a, const char *login, const char *client_ip,
                     shop_login *st, shop_fault *f)
{
    const char *norm = shop_login_normalize(a, login);
    fl_rows *rows = NULL;
    redisReply *rep;
    int rc, which = 0, wait = 0;

    memset(st, 0, sizeof(*st));
    rc = fl_db_query(db, &rows, LOGIN_SQL, "ss", norm, norm);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) == 1) {
        st->account_id = fl_rows_int(rows, 0, LC_ID);
        st->platform_admin = strcmp(fl_rows_str(rows, 0, LC_ROLE), "platform_admin") == 0;
        st->stored = fl_arena_strdup(a, fl_rows_str(rows, 0, LC_HASH));
    } else {
        pthread_once(&dummy_once, make_dummy);
        st->stored = dummy_hash;
    }
    fl_rows_free(rows);
    shop_login_keys_make(a, st->account_id, norm, client_ip, &st->keys);

    rep = fl_kv_cmd(kv, "EVAL %s 3 %s %s %s %d %d %d %d", begin_lua, st->keys.acct, st->keys.ip, st->keys.ipwait,
                    cfg->login_max_failures, cfg->login_max_ip_failures, cfg->login_window, cfg->login_ip_delay_max);
    if (!rep)
        return shop_fault_kv(f);
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
        which = (int)rep->element[0]->integer;
        wait = rep->element[1]->integer > 0 ? (int)rep->element[1]->integer : 1;
    }
    freeReplyObject(rep);
    if (which == 0)
        return SHOP_OK;
    fl_log(FL_LOG_INFO, "login_limited", "login %s from %s", which == 1 ? "locked" : "slowed down", client_ip);
    shop_fault_set(f, SHOP_E_RATE_LIMITED, NULL,
                   which == 1 ? "too many failed logins; try again in %d seconds"
                              : "too many failed logins from this address; try again in %d seconds",
                   wait);
    f->retry_after_s = wait;
    return SHOP_E_RATE_LIMITED;
}

/* Gives the attempt back (a Redis failure only keeps it counted). */
static void give_back(fl_kv *kv, const shop_login *st, int clear_account)
{
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 2 %s %s %d", giveback_lua, st->keys.acct, st->keys.ip, clear_account);
    if (rep)
        freeReplyObject(rep);
}

int shop_login_end(fl_kv *kv, const shop_login *st, int password_ok, shop_fault *f)
{
    if (!password_ok || st->account_id <= 0) {
        fl_log(FL_LOG_INFO, "login_failed", "login failed (%s)", st->keys.ip + strlen("rl:login:ip:"));
        return shop_fault_set(f, SHOP_E_UNAUTHORIZED, "invalid_credentials", "the login or password is wrong");
    }
    give_back(kv, st, 1);
    return SHOP_OK;
}

void shop_login_cancel(fl_kv *kv, const shop_login *st)
{
    give_back(kv, st, 0);
}
