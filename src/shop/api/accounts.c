/* accounts.c - POST /api/v1/accounts (sign up) and GET /api/v1/me (with the
 * session's CSRF token): parse,
 * call domain/accounts.c, reply.
 *
 * Signing up: the body checked, the attempt counted against the sign-up
 * limits (a taken address counts too), a taken email or phone refused, then
 * the password hashed on the hashing pool (core/hashpool.h) while the
 * request waits suspended, and the account written on its worker thread. */
#include "farmlive/shop/api/accounts.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/hashpool.h"
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/crypto.h"

#include <string.h>

/* A sign-up waiting for its hash. */
struct signup_wait {
    shop_signup in;
    shop_pwjob job;
};

/* After the hash: write the account, answer it. */
static int signup_hashed(shop_req *r, void *arg)
{
    struct signup_wait *w = arg;
    shop_fault f;
    fl_db *db = NULL;
    json_t *account = NULL;
    long long id = 0;
    int rc;
    if (!w->job.ok)
        return shop_fail(r, SHOP_E_INTERNAL, "could not hash the password");
    w->in.password_hash = w->job.hash;
    if ((rc = shop_db(r, &db)) == SHOP_OK) {
        rc = shop_account_create(db, &w->in, &id, &f) < 0 || shop_account_json(db, id, &account, &f) < 0
                 ? shop_fail_fault(r, &f)
                 : shop_reply_json(r, 201, json_pack("{s:o}", "account", account));
    }
    sodium_memzero(w->job.hash, sizeof(w->job.hash));
    return rc;
}

int shop_accounts_create(shop_req *r)
{
    struct signup_wait *w = fl_arena_alloc(r->arena, sizeof(*w));
    shop_signup *in = &w->in;
    shop_fault f;
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    int rc;

    memset(w, 0, sizeof(*w));
    if ((rc = shop_body_str(r, "email", 0, 3, 254, &in->email)) ||
        (rc = shop_body_str(r, "phone", 0, 6, 16, &in->phone)) ||
        (rc = shop_body_str(r, "password", 1, 8, 128, &w->job.password)) ||
        (rc = shop_body_str(r, "display_name", 1, 1, 64, &in->display_name)))
        return rc;
    if (in->email)
        in->email = shop_login_normalize(r->arena, in->email);
    if (in->phone)
        in->phone = shop_login_normalize(r->arena, in->phone);
    if (!in->email && !in->phone)
        return shop_fail(r, SHOP_E_VALIDATION, "email or phone is required");
    if (in->email && !shop_email_valid(in->email))
        return shop_fail(r, SHOP_E_VALIDATION, "email is not a valid address");
    if (in->phone && !shop_phone_valid(in->phone))
        return shop_fail(r, SHOP_E_VALIDATION, "phone must be 6 to 15 digits, optionally after +");
    if ((rc = shop_kv(r, &kv)) || (rc = shop_db(r, &db)))
        return rc;
    if (shop_signup_admit(kv, r->ctx->cfg, r->client_ip, &f) < 0 || shop_signup_free(db, in, &f) < 0)
        return shop_fail_fault(r, &f);
    return shop_hash_then(r, &w->job, signup_hashed, w);
}

int shop_accounts_me(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    int rc;
    if ((rc = shop_db(r, &db)))
        return rc;
    rc = shop_account_me(db, shop_auth_account(r), shop_auth_platform_admin(r), &out, &f);
    /* the session's CSRF token, so any tab (not only the one that signed in)
     * can write: a cross-site page cannot read this answer */
    if (rc == SHOP_OK && r->session)
        json_object_set_new(out, "csrf_token", json_string(r->session->csrf));
    return shop_reply_outcome(r, rc, 200, out, &f);
}
