/* accounts.c - POST /api/v1/accounts (sign up) and GET /api/v1/me. */
#include "farmlive/shop/api/accounts.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/crypto.h"

#include <ctype.h>
#include <string.h>

const char *shop_iso_time(shop_req *r, const char *s)
{
    if (!s)
        return NULL;
    /* "2026-11-26 19:00:00.123" -> "2026-11-26T19:00:00Z" */
    if (strlen(s) < 19)
        return fl_arena_strdup(r->arena, s);
    return fl_arena_printf(r->arena, "%.10sT%.8sZ", s, s + 11);
}

int shop_accounts_json(shop_req *r, long long id, json_t **out)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int err = shop_db(r, &db);
    if (err < 0)
        return err;
    int rc = fl_db_query(db, &rows,
                         "SELECT id, email, phone, display_name, role, created_at FROM accounts WHERE id = ?", "i",
                         id);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (fl_rows_count(rows) == 0) {
        fl_rows_free(rows);
        return shop_fail(r, SHOP_E_NOT_FOUND, "no account %lld", id);
    }
    *out = json_pack("{s:I,s:o,s:o,s:s,s:s,s:s}", "id", (json_int_t)fl_rows_int(rows, 0, 0), "email",
                     shop_json_str(fl_rows_str(rows, 0, 1)), "phone", shop_json_str(fl_rows_str(rows, 0, 2)),
                     "display_name", fl_rows_str(rows, 0, 3), "role", fl_rows_str(rows, 0, 4), "created_at",
                     shop_iso_time(r, fl_rows_str(rows, 0, 5)));
    fl_rows_free(rows);
    return SHOP_OK;
}

/* A plain, bounded e-mail check: local@domain.tld, no spaces or controls. */
static int valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || strlen(s) > 254)
        return 0;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',')
            return 0;
    return 1;
}

/* Digits with an optional leading +, 6 to 15 digits (E.164; a Chinese mobile
 * number is 11). */
static int valid_phone(const char *s)
{
    size_t n = 0;
    if (*s == '+')
        s++;
    for (; *s; s++, n++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return n >= 6 && n <= 15;
}

int shop_accounts_create(shop_req *r)
{
    const char *email, *phone, *password, *name;
    char hash[FL_PWHASH_MAX];
    fl_db *db = NULL;
    json_t *account = NULL;
    int err;

    if ((err = shop_body_str(r, "email", 0, 3, 254, &email)) < 0 ||
        (err = shop_body_str(r, "phone", 0, 6, 16, &phone)) < 0 ||
        (err = shop_body_str(r, "password", 1, 8, 128, &password)) < 0 ||
        (err = shop_body_str(r, "display_name", 1, 1, 64, &name)) < 0)
        return err;
    if (!email && !phone)
        return shop_fail(r, SHOP_E_VALIDATION, "email or phone is required");
    if (email && !valid_email(email))
        return shop_fail(r, SHOP_E_VALIDATION, "email is not a valid address");
    if (phone && !valid_phone(phone))
        return shop_fail(r, SHOP_E_VALIDATION, "phone must be 6 to 15 digits, optionally after +");
    char *email_lc = email ? fl_arena_strdup(r->arena, email) : NULL;
    for (char *p = email_lc; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (fl_password_hash(password, hash) != 0)
        return shop_fail(r, SHOP_E_INTERNAL, "could not hash the password");
    if ((err = shop_db(r, &db)) < 0)
        return err;
    int rc = fl_db_exec(db, "INSERT INTO accounts (email, phone, display_name, password_hash) VALUES (?, ?, ?, ?)",
                        "ssss", email_lc, phone, name, hash);
    sodium_memzero(hash, sizeof(hash));
    if (rc == FL_DB_EDUP)
        return shop_fail_code(r, SHOP_E_CONFLICT, "account_exists", "an account with this %s already exists",
                              email ? "email or phone" : "phone");
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if ((err = shop_accounts_json(r, (long long)fl_db_insert_id(db), &account)) < 0)
        return err;
    return shop_reply_json(r, 201, json_pack("{s:o}", "account", account));
}

int shop_accounts_me(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *account = NULL;
    int err;

    if ((err = shop_accounts_json(r, r->session->account_id, &account)) < 0)
        return err;
    if ((err = shop_db(r, &db)) < 0)
        goto out_account;
    int rc = fl_db_query(db, &rows,
                         "SELECT m.coop_id, c.name, m.role FROM coop_members m JOIN cooperatives c ON c.id = m.coop_id "
                         "WHERE m.account_id = ? ORDER BY m.coop_id",
                         "i", r->session->account_id);
    if (rc != FL_DB_OK) {
        err = shop_fail_db(r, rc);
        goto out_account;
    }
    json_t *members = json_array();
    json_t *roles = json_array();
    int farmer = 0, admin = 0;
    json_array_append_new(roles, json_string(r->session->platform_admin ? "platform_admin" : "buyer"));
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        const char *role = fl_rows_str(rows, i, 2);
        json_array_append_new(members, json_pack("{s:I,s:s,s:s}", "coop_id", (json_int_t)fl_rows_int(rows, i, 0),
                                                 "coop_name", fl_rows_str(rows, i, 1), "role", role));
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
    return shop_reply_json(r, 200, json_pack("{s:o,s:o,s:o}", "account", account, "roles", roles, "memberships", members));

out_account:
    json_decref(account);
    return err;
}
