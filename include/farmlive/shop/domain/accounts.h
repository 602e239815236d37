/* shop/domain/accounts.h - accounts: sign-up, the account record, finding
 * an account by login (domain/accounts.c).
 *
 * An account signs in with its email or phone, normalized once
 * (shop_login_normalize) at sign-up and at sign-in and compared byte for
 * byte (binary collation, schema 040); its own
 * role is buyer or platform_admin, and it holds farmer or coop_admin roles
 * through cooperative memberships. The password is stored only as an
 * argon2id hash. */
#ifndef FARMLIVE_SHOP_DOMAIN_ACCOUNTS_H
#define FARMLIVE_SHOP_DOMAIN_ACCOUNTS_H

#include <jansson.h>
#include "farmlive/arena.h"
#include "farmlive/config.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/status.h"

/* A sign-up, checked for shape and length by the caller (email and phone
 * normalized, then checked with the validators below; at least one given). */
typedef struct shop_signup {
    const char *email;         /* NULL: none */
    const char *phone;         /* NULL: none */
    const char *password_hash; /* argon2id (the caller hashes off the workers: core/hashpool.h) */
    const char *display_name;
} shop_signup;

/* An account named in a request, by id or by login (email or phone): one of
 * the two is set. The keys are the request's names for them, for messages. */
typedef struct shop_account_ref {
    long long id;      /* 0: by login */
    const char *login; /* NULL: by id */
    const char *id_key, *login_key;
} shop_account_ref;

/* ---- pure checks (no I/O) ---- */

/* A plain, bounded e-mail check: local@domain.tld, at most 254 bytes, no
 * spaces, controls or <>", characters. */
int shop_email_valid(const char *s);
/* An account's phone: digits with an optional leading +, 6 to 15 digits
 * (E.164; a Chinese mobile number is 11). */
int shop_phone_valid(const char *s);
/* A login as it is stored and compared, in the arena: s without leading
 * and trailing white space (ASCII, no-break and ideographic spaces), ASCII
 * letters lower-cased. Other bytes stay as they are: with a binary
 * collation "é" and "e" are two logins, never one account. */
char *shop_login_normalize(fl_arena *a, const char *s);

/* ---- operations ---- */

/* Counts one sign-up attempt from client_ip (a taken address counts: probing
 * is slow) against cfg->signup_max_ip per cfg->signup_window and
 * cfg->signup_max_global a minute, checked and counted together: SHOP_OK, or
 * 429 rate_limited with retry_after_s, or a Redis fault. */
int shop_signup_admit(fl_kv *kv, const fl_config *cfg, const char *client_ip, shop_fault *f);
/* 409 account_exists when in's email or phone is taken, before the password
 * is hashed; SHOP_OK when free. */
int shop_signup_free(fl_db *db, const shop_signup *in, shop_fault *f);
/* Creates the account (role buyer) into *id. 409 account_exists when the
 * email or phone is taken (by a sign-up that won the race). */
int shop_account_create(fl_db *db, const shop_signup *in, long long *id, shop_fault *f);
/* The public record {id, email, phone, display_name, role, created_at} of
 * account id as a new JSON object. 404 when there is none. */
int shop_account_json(fl_db *db, long long id, json_t **out, shop_fault *f);
/* GET /me's answer for the caller: {account, roles, memberships}. */
int shop_account_me(fl_db *db, long long account_id, int platform_admin, json_t **out, shop_fault *f);
/* The account ref names into *account_id; 422 naming the key when it names
 * none. */
int shop_account_resolve(fl_db *db, const shop_account_ref *ref, long long *account_id, shop_fault *f);

#endif
