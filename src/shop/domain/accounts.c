/* accounts.c - accounts (see shop/domain/accounts.h). */
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/crypto.h"
#include "farmlive/timefmt.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/values.h"

#include <ctype.h>
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

char *shop_login_fold(fl_arena *a, const char *s)
{
    char *out = fl_arena_strdup(a, s);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

int shop_account_create(fl_db *db, fl_arena *a, const shop_signup *in, long long *id, shop_fault *f)
{
    char hash[FL_PWHASH_MAX];
    const char *email = in->email ? shop_login_fold(a, in->email) : NULL;
    int rc;
    if (fl_password_hash(in->password, hash) != 0)
        return shop_fault_set(f, SHOP_E_INTERNAL, NULL, "could not hash the password");
    rc = fl_db_exec(db,
                    "INSERT INTO accounts (email, phone, display_name, password_hash) "
                    "VALUES (?, ?, ?, ?)",
                    "ssss", email, in->phone, in->display_name, hash);
    sodium_memzero(hash, sizeof(hash));
    if (rc == FL_DB_EDUP)
        return shop_fault_set(f, SHOP_E_CONFLICT, "account_exists", "an account with this %s already exists",
                              email ? "email or phone" : "phone");
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
