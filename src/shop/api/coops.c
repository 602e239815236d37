/* coops.c - cooperatives, their members and production bases.
 *
 *   GET    /api/v1/coops                              list (public, cursor pages)
 *   POST   /api/v1/coops                              create (platform admin)
 *   GET    /api/v1/coops/{id}                         one, with bases (public)
 *   PATCH  /api/v1/coops/{id}                         partial update (its admin)
 *   GET    /api/v1/coops/{id}/members                 members (its members)
 *   POST   /api/v1/coops/{id}/members                 add (its admin)
 *   PATCH  /api/v1/coops/{id}/members/{account_id}    change role (its admin)
 *   DELETE /api/v1/coops/{id}/members/{account_id}    remove (its admin)
 *   GET    /api/v1/coops/{id}/bases                   bases (public)
 *   POST   /api/v1/coops/{id}/bases                   add a base (its admin)
 *   PATCH  /api/v1/coops/{id}/bases/{base_id}         update a base (its admin)
 *
 * Every handler under /coops/{id} first checks the cooperative exists (404),
 * then asks shop_auth_coop() about that cooperative, so an admin of one
 * cooperative gets 403 on another's. A cooperative always keeps at least one
 * coop_admin: demoting or removing the last one is a 409, decided while the
 * admin rows are locked so two concurrent requests cannot both pass.
 * Writes that change what product JSON shows (the cooperative's name, a
 * base) call shop_catalogue_changed() after they commit. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/db.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/catalogue.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/http.h"

#define COOPS_LIMIT_DEFAULT 20
#define COOPS_LIMIT_MAX 100
#define COOPS_AREA_MAX 99999999.99

#define ISO8601(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* clang-format off */
/* The cooperative's text fields, in column order; one table drives parsing,
 * INSERT and UPDATE. */
enum {
    CF_NAME, CF_NAME_EN, CF_CREDIT_CODE, CF_PROVINCE, CF_CITY, CF_COUNTY, CF_TOWNSHIP,
    CF_VILLAGE, CF_CONTACT_NAME, CF_CONTACT_PHONE, CF_DESCRIPTION, CF_COUNT
};

typedef struct coop_field {
    const char *key;
    size_t min, max;
    int required; /* on create */
    int nullable;
} coop_field;

static const coop_field COOP_FIELDS[CF_COUNT] = {
    /* key              min  max    required nullable */
    {"name",            1,   128,   1,       0},
    {"name_en",         1,   128,   0,       1},
    {"credit_code",     18,  18,    1,       0},
    {"province",        1,   32,    1,       0},
    {"city",            1,   32,    1,       0},
    {"county",          1,   32,    1,       0},
    {"township",        1,   32,    0,       1},
    {"village",         1,   32,    0,       1},
    {"contact_name",    1,   64,    1,       0},
    {"contact_phone",   5,   20,    1,       0},
    {"description",     0,   10000, 0,       1},
};

typedef struct coop_in {
    const char *v[CF_COUNT];
    long long has[CF_COUNT];
} coop_in;

/* Columns of COOP_SELECT. */
enum {
    CC_ID, CC_NAME, CC_NAME_EN, CC_CREDIT_CODE, CC_PROVINCE, CC_CITY, CC_COUNTY, CC_TOWNSHIP,
    CC_VILLAGE, CC_CONTACT_NAME, CC_CONTACT_PHONE, CC_DESCRIPTION, CC_MEMBERS, CC_CREATED,
    CC_UPDATED
};

#define COOP_SELECT                                                                                \
    "SELECT c.id, c.name, c.name_en, c.credit_code, c.province, c.city, c.county, c.township, "   \
    "c.village, c.contact_name, c.contact_phone, c.description, "                                 \
    "(SELECT COUNT(*) FROM coop_members m WHERE m.coop_id = c.id), "                              \
    ISO8601("c.created_at") ", " ISO8601("c.updated_at") " FROM cooperatives c "

#define BASE_SELECT                                                                                \
    "SELECT id, coop_id, name, location, latitude, longitude, area_mu, description, "             \
    ISO8601("created_at") ", " ISO8601("updated_at") " FROM production_bases "

#define MEMBER_SELECT                                                                              \
    "SELECT m.account_id, a.display_name, m.role, " ISO8601("m.joined_at")                        \
    " FROM coop_members m JOIN accounts a ON a.id = m.account_id WHERE m.coop_id = ? "
/* clang-format on */

/* ---- codecs ---------------------------------------------------------------- */

/* Unified social credit code: 18 characters, digits and capital letters. */
static int credit_code_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]) && !(s[n] >= 'A' && s[n] <= 'Z'))
            return 0;
    return n == 18;
}

/* Digits with an optional leading +, and inner spaces or dashes. */
static int phone_valid(const char *s)
{
    int digits = 0;
    if (*s == '+')
        s++;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s))
            digits++;
        else if (*s != ' ' && *s != '-')
            return 0;
    }
    return digits >= 5;
}

/* A DECIMAL column as a JSON number (NULL -> null). */
static json_t *jdec(const char *s)
{
    return s ? json_real(strtod(s, NULL)) : json_null();
}

/* ---- body fields ----------------------------------------------------------- */

/* The cooperative's text fields. creating: required ones must be there and
 * absent ones stay NULL; otherwise only given fields are marked in has[],
 * and null clears a nullable one. */
static int coop_parse(shop_req *r, int creating, coop_in *in)
{
    int rc = SHOP_OK;
    memset(in, 0, sizeof(*in));
    for (size_t i = 0; i < CF_COUNT; i++) {
        const coop_field *f = &COOP_FIELDS[i];
        json_t *v = json_object_get(r->body, f->key);
        in->has[i] = v != NULL;
        if (v && json_is_null(v) && !f->nullable) {
            rc = shop_fail(r, SHOP_E_VALIDATION, "%s %s", f->key,
                           creating ? "is required" : "cannot be null");
            goto out;
        }
        if ((creating || (v && !json_is_null(v))) &&
            (rc = shop_body_str(r, f->key, creating && f->required, f->min, f->max, &in->v[i])))
            goto out;
    }
    if (in->v[CF_CREDIT_CODE] && !credit_code_valid(in->v[CF_CREDIT_CODE])) {
        rc = shop_fail(r, SHOP_E_VALIDATION,
                       "credit_code must be 18 characters of digits and capital letters");
        goto out;
    }
    if (in->v[CF_CONTACT_PHONE] && !phone_valid(in->v[CF_CONTACT_PHONE])) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "contact_phone must be a phone number");
        goto out;
    }
out:
    return rc;
}

/* body[key] as a number in [min, max]. *present: given and not null;
 * *given: the key is there at all (null included). */
static int body_real(shop_req *r, const char *key, int required, int nullable, double min,
                     double max, double *out, int *present, int *given)
{
    json_t *v = json_object_get(r->body, key);
    *present = v && !json_is_null(v);
    *given = v != NULL;
    if (v && json_is_null(v) && !nullable)
        return shop_fail(r, SHOP_E_VALIDATION, "%s cannot be null", key);
    if (!*present)
        return required ? shop_fail(r, SHOP_E_VALIDATION, "%s is required", key) : SHOP_OK;
    if (!json_is_number(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be a number", key);
    *out = json_number_value(v);
    if (!isfinite(*out) || *out < min || *out > max)
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be between %g and %g", key, min, max);
    return SHOP_OK;
}

typedef struct base_in {
    const char *name, *location, *description;
    char lat[24], lon[24], area[24]; /* DECIMAL text */
    long long has_name, has_location, has_description, has_lat, has_lon, has_area;
    int lat_null, lon_null;
} base_in;

static int base_parse(shop_req *r, int creating, base_in *in)
{
    json_t *v;
    double x = 0;
    int present = 0, given = 0, rc;
    memset(in, 0, sizeof(*in));

    if ((v = json_object_get(r->body, "name")) || creating) {
        in->has_name = 1;
        if ((rc = shop_body_str(r, "name", 1, 1, 128, &in->name)))
            goto out;
    }
    if ((v = json_object_get(r->body, "location")) || creating) {
        in->has_location = 1;
        if ((rc = shop_body_str(r, "location", 1, 1, 255, &in->location)))
            goto out;
    }
    if ((v = json_object_get(r->body, "description"))) {
        in->has_description = 1;
        if (!json_is_null(v) &&
            (rc = shop_body_str(r, "description", 0, 0, 10000, &in->description)))
            goto out;
    }
    if ((rc = body_real(r, "area_mu", creating, 0, 0.01, COOPS_AREA_MAX, &x, &present, &given)))
        goto out;
    if (present) {
        in->has_area = 1;
        snprintf(in->area, sizeof(in->area), "%.2f", x);
    }
    if ((rc = body_real(r, "latitude", 0, 1, -90, 90, &x, &present, &given)))
        goto out;
    in->has_lat = given;
    if (present)
        snprintf(in->lat, sizeof(in->lat), "%.6f", x);
    if ((rc = body_real(r, "longitude", 0, 1, -180, 180, &x, &present, &given)))
        goto out;
    in->has_lon = given;
    if (present)
        snprintf(in->lon, sizeof(in->lon), "%.6f", x);
out:
    return rc;
}

/* ---- JSON out -------------------------------------------------------------- */

static json_t *coop_json(const fl_rows *rows, size_t i)
{
    json_t *c = json_object();
    json_object_set_new(c, "id", json_integer(fl_rows_int(rows, i, CC_ID)));
    json_object_set_new(c, "name", shop_json_str(fl_rows_str(rows, i, CC_NAME)));
    json_object_set_new(c, "name_en", shop_json_str(fl_rows_str(rows, i, CC_NAME_EN)));
    json_object_set_new(c, "credit_code", shop_json_str(fl_rows_str(rows, i, CC_CREDIT_CODE)));
    json_object_set_new(c, "region",
                        json_pack("{s:o,s:o,s:o,s:o,s:o}", "province",
                                  shop_json_str(fl_rows_str(rows, i, CC_PROVINCE)), "city",
                                  shop_json_str(fl_rows_str(rows, i, CC_CITY)), "county",
                                  shop_json_str(fl_rows_str(rows, i, CC_COUNTY)), "township",
                                  shop_json_str(fl_rows_str(rows, i, CC_TOWNSHIP)), "village",
                                  shop_json_str(fl_rows_str(rows, i, CC_VILLAGE))));
    json_object_set_new(c, "contact",
                        json_pack("{s:o,s:o}", "name", shop_json_str(fl_rows_str(rows, i, CC_CONTACT_NAME)),
                                  "phone", shop_json_str(fl_rows_str(rows, i, CC_CONTACT_PHONE))));
    json_object_set_new(c, "description", shop_json_str(fl_rows_str(rows, i, CC_DESCRIPTION)));
    json_object_set_new(c, "member_count", json_integer(fl_rows_int(rows, i, CC_MEMBERS)));
    json_object_set_new(c, "created_at", shop_json_str(fl_rows_str(rows, i, CC_CREATED)));
    json_object_set_new(c, "updated_at", shop_json_str(fl_rows_str(rows, i, CC_UPDATED)));
    return c;
}

static json_t *base_json(const fl_rows *rows, size_t i)
{
    json_t *b = json_object();
    json_object_set_new(b, "id", json_integer(fl_rows_int(rows, i, 0)));
    json_object_set_new(b, "coop_id", json_integer(fl_rows_int(rows, i, 1)));
    json_object_set_new(b, "name", shop_json_str(fl_rows_str(rows, i, 2)));
    json_object_set_new(b, "location", shop_json_str(fl_rows_str(rows, i, 3)));
    json_object_set_new(b, "latitude", jdec(fl_rows_str(rows, i, 4)));
    json_object_set_new(b, "longitude", jdec(fl_rows_str(rows, i, 5)));
    json_object_set_new(b, "area_mu", jdec(fl_rows_str(rows, i, 6)));
    json_object_set_new(b, "description", shop_json_str(fl_rows_str(rows, i, 7)));
    json_object_set_new(b, "created_at", shop_json_str(fl_rows_str(rows, i, 8)));
    json_object_set_new(b, "updated_at", shop_json_str(fl_rows_str(rows, i, 9)));
    return b;
}

static json_t *member_json(const fl_rows *rows, size_t i)
{
    return json_pack("{s:I,s:o,s:o,s:o}", "account_id", (json_int_t)fl_rows_int(rows, i, 0),
                     "display_name", shop_json_str(fl_rows_str(rows, i, 1)), "role",
                     shop_json_str(fl_rows_str(rows, i, 2)), "joined_at", shop_json_str(fl_rows_str(rows, i, 3)));
}

/* Runs a query and replies with every row mapped by fn: as {"items":[...]}
 * when one is 0, else the first row alone (404 naming what when none).
 * Takes dbrc, the query's status, and owns (frees) rows. */
static int reply_rows(shop_req *r, int http_status, int one, const char *what,
                      json_t *(*fn)(const fl_rows *, size_t), int dbrc, fl_rows *rows)
{
    json_t *items = NULL;
    int rc;
    if (dbrc != FL_DB_OK) {
        rc = shop_fail_db(r, dbrc);
        goto out;
    }
    if (one) {
        if (fl_rows_count(rows) == 0) {
            rc = shop_fail(r, SHOP_E_NOT_FOUND, "%s not found", what);
            goto out;
        }
        rc = shop_reply_json(r, http_status, fn(rows, 0));
        goto out;
    }
    items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows); i++)
        json_array_append_new(items, fn(rows, i));
    rc = shop_reply_json(r, http_status, json_pack("{s:o}", "items", items));
    items = NULL;
out:
    json_decref(items);
    fl_rows_free(rows);
    return rc;
}

/* The cooperative with its bases. */
static int coop_reply(shop_req *r, fl_db *db, int http_status, long long id)
{
    fl_rows *rows = NULL, *bases = NULL;
    json_t *c = NULL, *list;
    int rc = fl_db_query(db, &rows, COOP_SELECT "WHERE c.id = ?", "i", id);
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &bases, BASE_SELECT "WHERE coop_id = ? ORDER BY id", "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "cooperative %lld not found", id);
        goto out;
    }
    c = coop_json(rows, 0);
    list = json_array();
    for (size_t i = 0; i < fl_rows_count(bases); i++)
        json_array_append_new(list, base_json(bases, i));
    json_object_set_new(c, "bases", list);
    rc = shop_reply_json(r, http_status, c);
    c = NULL;
out:
    json_decref(c);
    fl_rows_free(bases);
    fl_rows_free(rows);
    return rc;
}

static int member_reply(shop_req *r, fl_db *db, int http_status, long long coop_id,
                        long long account_id)
{
    fl_rows *rows = NULL;
    int rc =
        fl_db_query(db, &rows, MEMBER_SELECT "AND m.account_id = ?", "ii", coop_id, account_id);
    return reply_rows(r, http_status, 1, "member", member_json, rc, rows);
}

static int base_reply(shop_req *r, fl_db *db, int http_status, long long base_id)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, BASE_SELECT "WHERE id = ?", "i", base_id);
    return reply_rows(r, http_status, 1, "base", base_json, rc, rows);
}

/* ---- shared steps ---------------------------------------------------------- */

/* An account named by body "login" (email or phone) or "account_id", exactly
 * one of the two (prefix: "admin_" for coop creation). 422 when unknown. */
static int account_resolve(shop_req *r, fl_db *db, const char *prefix, int required,
                           long long *account_id)
{
    char kid[32], klogin[32];
    const char *login = NULL;
    fl_rows *rows = NULL;
    long long id = 0;
    int has_id = 0, rc;

    *account_id = 0;
    snprintf(kid, sizeof(kid), "%saccount_id", prefix);
    snprintf(klogin, sizeof(klogin), "%slogin", prefix);
    if ((rc = shop_body_int(r, kid, 0, 1, LLONG_MAX, &id, &has_id)) ||
        (rc = shop_body_str(r, klogin, 0, 1, 254, &login)))
        goto out;
    if (has_id && login) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "give %s or %s, not both", klogin, kid);
        goto out;
    }
    if (!has_id && !login) {
        if (required)
            rc = shop_fail(r, SHOP_E_VALIDATION, "%s or %s is required", klogin, kid);
        goto out;
    }
    if (has_id)
        rc = fl_db_query(db, &rows, "SELECT id FROM accounts WHERE id = ?", "i", id);
    else
        rc = fl_db_query(db, &rows, "SELECT id FROM accounts WHERE email = ? OR phone = ?", "ss",
                         login, login);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "%s names no account", has_id ? kid : klogin);
        goto out;
    }
    *account_id = fl_rows_int(rows, 0, 0);
out:
    fl_rows_free(rows);
    return rc;
}

static int role_parse(shop_req *r, const char **role)
{
    int rc = shop_body_str(r, "role", 1, 1, 16, role);
    if (rc == SHOP_OK && strcmp(*role, "farmer") != 0 && strcmp(*role, "coop_admin") != 0)
        rc = shop_fail(r, SHOP_E_VALIDATION, "role must be farmer or coop_admin");
    return rc;
}

/* Inside a transaction: locks the cooperative's admin rows and the member's
 * row; 404 when account_id is not a member, 409 when it is the last admin
 * and would stop being one (leaving: new_role NULL). */
static int member_lock(shop_req *r, fl_db *db, long long coop_id, long long account_id,
                       const char *new_role)
{
    fl_rows *admins = NULL, *row = NULL;
    int rc = fl_db_query(db, &admins,
                         "SELECT account_id FROM coop_members WHERE coop_id = ? AND role = "
                         "'coop_admin' FOR UPDATE",
                         "i", coop_id);
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &row,
                         "SELECT role FROM coop_members WHERE coop_id = ? AND account_id = ? "
                         "FOR UPDATE",
                         "ii", coop_id, account_id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(row) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "account %lld is not a member of cooperative %lld",
                       account_id, coop_id);
        goto out;
    }
    if (strcmp(fl_rows_str(row, 0, 0), "coop_admin") == 0 && fl_rows_count(admins) <= 1 &&
        (!new_role || strcmp(new_role, "coop_admin") != 0)) {
        rc = shop_fail(r, SHOP_E_CONFLICT, "a cooperative keeps at least one coop_admin");
        goto out;
    }
    rc = SHOP_OK;
out:
    fl_rows_free(row);
    fl_rows_free(admins);
    return rc;
}

/* ---- cooperatives ---------------------------------------------------------- */

/* GET /api/v1/coops?limit=&cursor= : newest first. */
int shop_coops_list(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *out = NULL, *items;
    long long limit = COOPS_LIMIT_DEFAULT, cursor = 0;
    const char *v;
    size_t n;
    int rc;

    if ((v = shop_query(r, "limit")) && shop_parse_dec(v, 1, COOPS_LIMIT_MAX, &limit)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "limit must be 1..%d", COOPS_LIMIT_MAX);
        goto out;
    }
    if ((v = shop_query(r, "cursor")) && shop_cursor_parse(v, &cursor)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "cursor is not valid");
        goto out;
    }
    if ((rc = shop_db(r, &db)))
        goto out;
    rc = fl_db_query(db, &rows, COOP_SELECT "WHERE (? = 0 OR c.id < ?) ORDER BY c.id DESC LIMIT ?",
                     "iii", cursor, cursor, limit + 1);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    n = fl_rows_count(rows);
    items = json_array();
    out = json_pack("{s:o}", "items", items);
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append_new(items, coop_json(rows, i));
    json_object_set_new(out, "next_cursor", shop_cursor_next(rows, limit, CC_ID));
    rc = shop_reply_json(r, 200, out);
    out = NULL;
out:
    json_decref(out);
    fl_rows_free(rows);
    return rc;
}

/* POST /api/v1/coops: the cooperative and, when admin_login or
 * admin_account_id is given, its first coop_admin, in one transaction. */
int shop_coops_create(shop_req *r)
{
    coop_in in;
    fl_db *db = NULL;
    long long id = 0, admin = 0;
    int in_tx = 0, rc;

    if ((rc = coop_parse(r, 1, &in)) || (rc = shop_db(r, &db)) ||
        (rc = account_resolve(r, db, "admin_", 0, &admin)))
        goto out;
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    rc = fl_db_exec(db,
                    "INSERT INTO cooperatives (name, name_en, credit_code, province, city, county, "
                    "township, village, contact_name, contact_phone, description) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    "sssssssssss", in.v[CF_NAME], in.v[CF_NAME_EN], in.v[CF_CREDIT_CODE],
                    in.v[CF_PROVINCE], in.v[CF_CITY], in.v[CF_COUNTY], in.v[CF_TOWNSHIP],
                    in.v[CF_VILLAGE], in.v[CF_CONTACT_NAME], in.v[CF_CONTACT_PHONE],
                    in.v[CF_DESCRIPTION]);
    if (rc == FL_DB_EDUP) {
        rc = shop_fail(r, SHOP_E_CONFLICT, "credit_code %s is already registered",
                       in.v[CF_CREDIT_CODE]);
        goto out;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    id = (long long)fl_db_insert_id(db);
    if (admin) {
        rc = fl_db_exec(db,
                        "INSERT INTO coop_members (coop_id, account_id, role) "
                        "VALUES (?, ?, 'coop_admin')",
                        "ii", id, admin);
        if (rc != FL_DB_OK) {
            rc = shop_fail_db(r, rc);
            goto out;
        }
    }
    if ((rc = fl_db_commit(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    rc = coop_reply(r, db, 201, id);
out:
    if (in_tx)
        fl_db_rollback(db);
    return rc;
}

/* GET /api/v1/coops/{id}: with region, contact, member count and bases. */
int shop_coops_get(shop_req *r)
{
    fl_db *db = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_db(r, &db)))
        return rc;
    return coop_reply(r, db, 200, id);
}

/* PATCH /api/v1/coops/{id}: given fields only; credit_code only by platform
 * admins (it identifies the cooperative to the state). */
int shop_coops_update(shop_req *r)
{
    coop_in in;
    fl_db *db = NULL;
    long long id = 0;
    int rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_ADMIN, &db, &id)) || (rc = coop_parse(r, 0, &in)))
        goto out;
    if (in.has[CF_CREDIT_CODE] && !r->session->platform_admin) {
        rc = shop_fail(r, SHOP_E_FORBIDDEN, "only platform admins change credit_code");
        goto out;
    }
    rc = fl_db_exec(db,
                    "UPDATE cooperatives SET name = IF(?, ?, name), name_en = IF(?, ?, name_en), "
                    "credit_code = IF(?, ?, credit_code), province = IF(?, ?, province), "
                    "city = IF(?, ?, city), county = IF(?, ?, county), "
                    "township = IF(?, ?, township), village = IF(?, ?, village), "
                    "contact_name = IF(?, ?, contact_name), "
                    "contact_phone = IF(?, ?, contact_phone), "
                    "description = IF(?, ?, description) WHERE id = ?",
                    "isisisisisisisisisisisi", in.has[CF_NAME], in.v[CF_NAME], in.has[CF_NAME_EN],
                    in.v[CF_NAME_EN], in.has[CF_CREDIT_CODE], in.v[CF_CREDIT_CODE],
                    in.has[CF_PROVINCE], in.v[CF_PROVINCE], in.has[CF_CITY], in.v[CF_CITY],
                    in.has[CF_COUNTY], in.v[CF_COUNTY], in.has[CF_TOWNSHIP], in.v[CF_TOWNSHIP],
                    in.has[CF_VILLAGE], in.v[CF_VILLAGE], in.has[CF_CONTACT_NAME],
                    in.v[CF_CONTACT_NAME], in.has[CF_CONTACT_PHONE], in.v[CF_CONTACT_PHONE],
                    in.has[CF_DESCRIPTION], in.v[CF_DESCRIPTION], id);
    if (rc == FL_DB_EDUP) {
        rc = shop_fail(r, SHOP_E_CONFLICT, "credit_code %s is already registered",
                       in.v[CF_CREDIT_CODE]);
        goto out;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (in.has[CF_NAME])
        shop_catalogue_changed(r); /* product JSON carries the name */
    rc = coop_reply(r, db, 200, id);
out:
    return rc;
}

/* ---- members --------------------------------------------------------------- */

/* GET /api/v1/coops/{id}/members: for that cooperative's members. */
int shop_coops_members_list(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_FARMER, &db, &id)))
        return rc;
    rc = fl_db_query(db, &rows, MEMBER_SELECT "ORDER BY m.joined_at, m.account_id", "i", id);
    return reply_rows(r, 200, 0, "members", member_json, rc, rows);
}

/* POST /api/v1/coops/{id}/members {login | account_id, role}. */
int shop_coops_members_add(shop_req *r)
{
    fl_db *db = NULL;
    const char *role = NULL;
    long long id = 0, account = 0;
    int rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_ADMIN, &db, &id)) || (rc = role_parse(r, &role)) ||
        (rc = account_resolve(r, db, "", 1, &account)))
        goto out;
    rc = fl_db_exec(db, "INSERT INTO coop_members (coop_id, account_id, role) VALUES (?, ?, ?)",
                    "iis", id, account, role);
    if (rc == FL_DB_EDUP) {
        rc = shop_fail(r, SHOP_E_CONFLICT, "account %lld is already a member", account);
        goto out;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    rc = member_reply(r, db, 201, id, account);
out:
    return rc;
}

/* PATCH /api/v1/coops/{id}/members/{account_id} {role}. */
int shop_coops_members_update(shop_req *r)
{
    fl_db *db = NULL;
    const char *role = NULL;
    long long id = 0, account = 0;
    int in_tx = 0, rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_ADMIN, &db, &id)) || (rc = shop_param_id(r, 1, &account)) ||
        (rc = role_parse(r, &role)))
        goto out;
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    if ((rc = member_lock(r, db, id, account, role)))
        goto out;
    rc = fl_db_exec(db, "UPDATE coop_members SET role = ? WHERE coop_id = ? AND account_id = ?",
                    "sii", role, id, account);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    rc = member_reply(r, db, 200, id, account);
out:
    if (in_tx)
        fl_db_rollback(db);
    return rc;
}

/* DELETE /api/v1/coops/{id}/members/{account_id}: 204. */
int shop_coops_members_remove(shop_req *r)
{
    fl_db *db = NULL;
    long long id = 0, account = 0;
    int in_tx = 0, rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_ADMIN, &db, &id)) || (rc = shop_param_id(r, 1, &account)))
        goto out;
    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    if ((rc = member_lock(r, db, id, account, NULL)))
        goto out;
    rc = fl_db_exec(db, "DELETE FROM coop_members WHERE coop_id = ? AND account_id = ?", "ii", id,
                    account);
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    rc = shop_reply_empty(r, 204);
out:
    if (in_tx)
        fl_db_rollback(db);
    return rc;
}

/* ---- production bases ------------------------------------------------------ */

/* GET /api/v1/coops/{id}/bases */
int shop_coops_bases_list(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_NONE, &db, &id)))
        return rc;
    rc = fl_db_query(db, &rows, BASE_SELECT "WHERE coop_id = ? ORDER BY id", "i", id);
    return reply_rows(r, 200, 0, "bases", base_json, rc, rows);
}

/* POST /api/v1/coops/{id}/bases {name, location, area_mu, latitude?,
 * longitude?, description?} */
int shop_coops_bases_create(shop_req *r)
{
    base_in in;
    fl_db *db = NULL;
    long long id = 0;
    int rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_ADMIN, &db, &id)) || (rc = base_parse(r, 1, &in)))
        goto out;
    rc = fl_db_exec(db,
                    "INSERT INTO production_bases (coop_id, name, location, latitude, longitude, "
                    "area_mu, description) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    "issssss", id, in.name, in.location, in.lat[0] ? in.lat : NULL,
                    in.lon[0] ? in.lon : NULL, in.area, in.description);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    rc = base_reply(r, db, 201, (long long)fl_db_insert_id(db));
out:
    return rc;
}

/* PATCH /api/v1/coops/{id}/bases/{base_id}: the base must belong to the
 * cooperative in the path, else 404. */
int shop_coops_bases_update(shop_req *r)
{
    base_in in;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long id = 0, base_id = 0;
    int rc;

    if ((rc = shop_auth_coop_enter(r, SHOP_MEMBER_ADMIN, &db, &id)) || (rc = shop_param_id(r, 1, &base_id)))
        goto out;
    rc = fl_db_query(db, &rows, "SELECT id FROM production_bases WHERE id = ? AND coop_id = ?",
                     "ii", base_id, id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "base %lld not found in cooperative %lld", base_id, id);
        goto out;
    }
    if ((rc = base_parse(r, 0, &in)))
        goto out;
    rc = fl_db_exec(db,
                    "UPDATE production_bases SET name = IF(?, ?, name), "
                    "location = IF(?, ?, location), latitude = IF(?, ?, latitude), "
                    "longitude = IF(?, ?, longitude), area_mu = IF(?, ?, area_mu), "
                    "description = IF(?, ?, description) WHERE id = ?",
                    "isisisisisisi", in.has_name, in.name, in.has_location, in.location, in.has_lat,
                    in.lat[0] ? in.lat : NULL, in.has_lon, in.lon[0] ? in.lon : NULL, in.has_area,
                    in.has_area ? in.area : NULL, in.has_description, in.description, base_id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    shop_catalogue_changed(r); /* product JSON carries the base's name */
    rc = base_reply(r, db, 200, base_id);
out:
    fl_rows_free(rows);
    return rc;
}
