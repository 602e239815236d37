/* shop/domain/sessions.h - signing in: the login rules (domain/sessions.c).
 *
 * Failed logins are counted in Redis per account (rl:login:acct:{sha256 of
 * the folded login}) and per client address (rl:login:ip:{ip}) over
 * cfg->login_window; at the limit the answer is 429 with Retry-After until
 * the window ends, decided before the password is looked at, so guessing
 * costs the attacker time, not us. An unknown login costs a password check
 * like a wrong password (against a dummy hash) and is answered alike. A
 * successful login clears the account's counter.
 *
 * The session itself (its token in Redis, the cookie) is core/auth.c's. */
#ifndef FARMLIVE_SHOP_DOMAIN_SESSIONS_H
#define FARMLIVE_SHOP_DOMAIN_SESSIONS_H

#include "farmlive/arena.h"
#include "farmlive/config.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/status.h"

#define SHOP_LOGIN_KEY_MAX 96

/* The Redis keys of a login's failure counters. */
typedef struct shop_login_keys {
    char acct[SHOP_LOGIN_KEY_MAX]; /* "rl:login:acct:" + sha256(folded login) in hex */
    char ip[SHOP_LOGIN_KEY_MAX];   /* "rl:login:ip:" + client address */
} shop_login_keys;

/* Pure: the counters' keys of login (as typed: folded here) from
 * client_ip. */
void shop_login_keys_make(fl_arena *a, const char *login, const char *client_ip, shop_login_keys *k);

/* Checks login (email, any case, or phone) and password against the
 * accounts, under the failure limits: SHOP_OK with *account_id and
 * *platform_admin set; else 429 rate_limited (retry_after_s set), 401
 * invalid_credentials, or a MariaDB or Redis fault. */
int shop_login_check(fl_db *db, fl_kv *kv, const fl_config *cfg, fl_arena *a, const char *login, const char *password,
                     const char *client_ip, long long *account_id, int *platform_admin, shop_fault *f);

#endif
