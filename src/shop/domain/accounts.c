/* accounts.c - accounts (see shop/domain/accounts.h). */
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/crypto.h"
#include "farmlive/timefmt.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/values.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Columns of ACCOUNT_SQL. */
enum { AC_ID, AC_EMAIL, AC_PHONE, AC_NAME, AC_ROLE, AC_CREATED };
static const char ACCOUNT_SQL[] = "SELECT id, email, phone, display_name, role, created_at FROM accounts WHERE id = ?";

/* Columns of MEMBERSHIPS_SQL. */
enum { MC_COOP, MC_COOP_NAME, MC_ROLE };
static const char MEMBERSHIPS_SQL[] =
    "SELECT m.coop_id, c.name, m.role FROM coop_members m JOIN cooperatives c ON c.id = m.coop_id "
    "WHERE m.account_id = ? ORDER BY m.coop_id";

int shop_email_valid(const char *s)
{
    const char *at = strchr(s, '@'), *dot;
    if (!at || at == s || strchr(at + 1, '@') || strlen(s) > 254)
        return 0;
    dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',')
            return 0;
    return 1;
}

int shop_phone_valid(const char *s)
{
    size_t n = 0;
    if (*s == '+')
        s++;
    for (; *s; s++, n++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return n >= 6 && n <= 15;
}

/* The length of the white space s starts with (ASCII, U+00A0, U+3000). */
static size_t space_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (*u == ' ' || (*u >= '\t' && *u <= '\r'))
        return 1;
    if (u[0] == 0xc2 && u[1] == 0xa0)
        return 2;
    if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
        return 3;
    return 0;
}

char *shop_login_normalize(fl_arena *a, const char *s)
{
    size_t n, end = 0;
    char *out;
    while ((n = space_at(s)) > 0)
        s += n;
    /* end: just past the last byte that is not white space (no UTF-8
     * continuation byte starts a space: stepping a byte at a time is safe) */
    for (size_t i = 0; s[i];) {
        if ((n = space_at(s + i)) > 0) {
            i += n;
        } else {
            i++;
            end = i;
        }
    }
    out = fl_arena_alloc(a, end + 1);
    for (size_t i = 0; i < end; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[end] = '\0';
    return out;
}

/* KEYS: the address's count, the global count; ARGV: address limit, its
 * window, global limit (a minute). {0, 0} counted, {1|2, seconds} refused. */
static const char signup_lua[] =
    "local i = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "if i >= tonumber(ARGV[1]) then local t = redis.call('TTL', KEYS[1]) if t < 1 then t = 1 end return {1, t} end "
    "local g = tonumber(redis.call('GET', KEYS[2]) or '0') "
    "if g >= tonumber(ARGV[3]) then local t = redis.call('TTL', KEYS[2]) if t < 1 then t = 1 end return {2, t} end "
    "if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end "
    "if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], 60) end "
    "return {0, 0}";

int shop_signup_admit(fl_kv *kv, const fl_config *cfg, const char *client_ip, shop_fault *f)
{
    char key[96];
    int which = 0, wait = 0;
    redisReply *rep;
    snprintf(key, sizeof(key), "rl:signup:ip:%s", client_ip);
    rep = fl_kv_cmd(kv, "EVAL %s 2 %s rl:signup:all %d %d %d", signup_lua, key, cfg->signup_max_ip, cfg->signup_window,
                    cfg->signup_max_global);
    if (!rep)
        return shop_fault_kv(f);
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
        which = (int)rep->element[0]->integer;
        wait = rep->element[1]->integer > 0 ? (int)rep->element[1]->integer : 1;
    }
    freeReplyObject(rep);
    if (which == 0)
        return SHOP_OK;
    shop_fault_set(f, SHOP_E_RATE_LIMITED, NULL,
                   which == 1 ? "too many sign-ups from this address; try again in %d seconds"
                              : "too many sign-ups at the moment; try again in %d seconds",
                   wait);
    f->retry_after_s = wait;
    return SHOP_E_RATE_LIMITED;
}

static int taken(const char *what, shop_fault *f)
{
    return shop_fault_set(f, SHOP_E_CONFLICT, "account_exists", "an account with this %s already exists", what);
}

int shop_signup_free(fl_db *db, const shop_signup *in, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT 1 FROM accounts WHERE email = ? OR phone = ? LIMIT 1", "ss", in->email,
                         in->phone);
    size_t n = rc == FL_DB_OK ? fl_rows_count(rows) : 0;
    fl_rows_free(rows);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    return n ? taken(in->email ? "email or phone" : "phone", f) : SHOP_OK;
}

int shop_account_create(fl_db *db, const shop_signup *in, long long *id, shop_fault *f)
{
    int rc = fl_db_exec(db,
                        "INSERT INTO accounts (email, phone, display_name, password_hash) "
                        "VALUES (?, ?, ?, ?)",
                        "ssss", in->email, in->phone, in->display_name, in->password_hash);
    if (rc == FL_DB_EDUP)
        return taken(in->email ? "email or phone" : "phone", f);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *id = (long long)fl_db_insert_id(db);
    return SHOP_OK;
}

int shop_account_json(fl_db *db, long long id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    char created[FL_TIME_LEN];
    int rc = fl_db_query(db, &rows, ACCOUNT_SQL, "i", id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "no account %lld", id)) < 0) {
        fl_rows_free(rows);
        return rc;
    }
    fl_time_from_sql(fl_rows_str(rows, 0, AC_CREATED), created);
    *out =
        json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)fl_rows_int(rows, 0, AC_ID), "email",
                  shop_json_str(fl_rows_str(rows, 0, AC_EMAIL)), "phone", shop_json_str(fl_rows_str(rows, 0, AC_PHONE)),
                  "display_name", shop_json_str(fl_rows_str(rows, 0, AC_NAME)), "role",
                  shop_json_str(fl_rows_str(rows, 0, AC_ROLE)), "created_at", shop_json_str(created));
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_account_me(fl_db *db, long long account_id, int platform_admin, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    json_t *account = NULL, *members, *roles;
    int farmer = 0, admin = 0, rc;

    if ((rc = shop_account_json(db, account_id, &account, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows, MEMBERSHIPS_SQL, "i", account_id);
    if (rc != FL_DB_OK) {
        json_decref(account);
        return shop_fault_db(f, rc);
    }
    members = json_array();
    roles = json_array();
    json_array_append_new(roles, json_string(platform_admin ? "platform_admin" : "buyer"));
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        const char *role = fl_rows_str(rows, i, MC_ROLE);
        json_array_append_new(members, json_pack("{s:I,s:o,s:o}", "coop_id", (json_int_t)fl_rows_int(rows, i, MC_COOP),
                                                 "coop_name", shop_json_str(fl_rows_str(rows, i, MC_COOP_NAME)), "role",
                                                 shop_json_str(role)));
        if (strcmp(role, "coop_admin") == 0)
            admin = 1;
        else
            farmer = 1;
    }
    if (farmer)
        json_array_append_new(roles, json_string("farmer"));
    if (admin)
        json_array_append_new(roles, json_string("coop_admin"));
    fl_rows_free(rows);
    *out = json_pack("{s:o,s:o,s:o}", "account", account, "roles", roles, "memberships", members);
    return SHOP_OK;
}

int shop_account_resolve(fl_db *db, const shop_account_ref *ref, long long *account_id, shop_fault *f)
{
    enum { RC_ID };
    fl_rows *rows = NULL;
    int rc;
    if (ref->login)
        rc = fl_db_query(db, &rows, "SELECT id FROM accounts WHERE email = ? OR phone = ?", "ss", ref->login,
                         ref->login);
    else
        rc = fl_db_query(db, &rows, "SELECT id FROM accounts WHERE id = ?", "i", ref->id);
    rc = shop_found(rc, rows, f, SHOP_E_VALIDATION, "%s names no account", ref->login ? ref->login_key : ref->id_key);
    if (rc == SHOP_OK)
        *account_id = fl_rows_int(rows, 0, RC_ID);
    fl_rows_free(rows);
    return rc;
}
