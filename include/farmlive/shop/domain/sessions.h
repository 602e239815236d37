/* shop/domain/sessions.h - signing in: the login rules (domain/sessions.c).
 *
 * A login is normalized once (shop_login_normalize: trimmed, ASCII letters
 * folded) and compared byte for byte (the accounts' email and phone are
 * binary-collated), so one account has one spelling.
 *
 * Every attempt is counted before its password is looked at, in one Redis
 * script that checks and counts together, so parallel guesses cannot pass
 * the limits between a check and a count:
 *   - per account (rl:login:acct:{id}; an unknown login by the SHA-256 of
 *     its normalized form, answered alike): cfg->login_max_failures within
 *     cfg->login_window, then 429 with Retry-After until the window ends;
 *   - per client address (rl:login:ip:{ip}): past cfg->login_max_ip_failures
 *     the address is slowed down, not locked out: one attempt, then a wait
 *     that doubles with each further one up to cfg->login_ip_delay_max
 *     seconds (429 with Retry-After meanwhile; rl:login:ipwait:{ip}).
 * A successful login takes its attempt back from the address and clears the
 * account's count. An unknown login costs a password check like a wrong
 * password (against a dummy hash).
 *
 * The check itself is the caller's (argon2id, off the worker threads:
 * core/hashpool.h), between shop_login_begin and shop_login_end. The
 * session (its token in Redis, the cookie) is core/auth.c's. */
#ifndef FARMLIVE_SHOP_DOMAIN_SESSIONS_H
#define FARMLIVE_SHOP_DOMAIN_SESSIONS_H

#include "farmlive/arena.h"
#include "farmlive/config.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/status.h"

#define SHOP_LOGIN_KEY_MAX 96

/* The Redis keys of a login's counters. */
typedef struct shop_login_keys {
    char acct[SHOP_LOGIN_KEY_MAX];   /* "rl:login:acct:" + account id, or sha256(normalized login) in hex */
    char ip[SHOP_LOGIN_KEY_MAX];     /* "rl:login:ip:" + client address */
    char ipwait[SHOP_LOGIN_KEY_MAX]; /* "rl:login:ipwait:" + client address */
} shop_login_keys;

/* An attempt between shop_login_begin and shop_login_end. */
typedef struct shop_login {
    shop_login_keys keys;
    long long account_id; /* 0: no account has this login */
    int platform_admin;
    const char *stored; /* the argon2id hash to check the password against (a dummy's for no account) */
} shop_login;

/* Pure: the counters' keys of an attempt on account_id (0: none found,
 * then by login, normalized here) from client_ip. */
void shop_login_keys_make(fl_arena *a, long long account_id, const char *login, const char *client_ip,
                          shop_login_keys *k);

/* Finds the account of login (email, any case, or phone; normalized here)
 * and counts the attempt: SHOP_OK with *st filled (check the password
 * against st->stored, then call shop_login_end); else 429 rate_limited
 * (retry_after_s set, nothing counted) or a MariaDB or Redis fault. */
int shop_login_begin(fl_db *db, fl_kv *kv, const fl_config *cfg, fl_arena *a, const char *login, const char *client_ip,
                     shop_login *st, shop_fault *f);
/* Settles an attempt begun: SHOP_OK when the password matched an account
 * (its counts given back), else 401 invalid_credentials (it stays counted). */
int shop_login_end(fl_kv *kv, const shop_login *st, int password_ok, shop_fault *f);
/* Gives back an attempt begun whose password will not be checked (the
 * hashing pool refused it). */
void shop_login_cancel(fl_kv *kv, const shop_login *st);

#endif
