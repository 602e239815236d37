/* coops.c - cooperatives, their members and production bases (see
 * shop/domain/coops.h). */
#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/domain/media.h"
#include "farmlive/shop/domain/product_search.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define ISO8601(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* clang-format off */
const shop_coop_field shop_coop_fields[SHOP_CF_COUNT] = {
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
    {"low_rendition",   1,   16,    0,       0},
};

/* Columns of COOP_SELECT. */
enum {
    CC_ID, CC_NAME, CC_NAME_EN, CC_CREDIT_CODE, CC_PROVINCE, CC_CITY, CC_COUNTY, CC_TOWNSHIP,
    CC_VILLAGE, CC_CONTACT_NAME, CC_CONTACT_PHONE, CC_DESCRIPTION, CC_LOW_RENDITION, CC_MEMBERS,
    CC_CREATED, CC_UPDATED
};
#define COOP_SELECT                                                                                \
    "SELECT c.id, c.name, c.name_en, c.credit_code, c.province, c.city, c.county, c.township, "   \
    "c.village, c.contact_name, c.contact_phone, c.description, c.low_rendition, "                \
    "(SELECT COUNT(*) FROM coop_members m WHERE m.coop_id = c.id), "                              \
    ISO8601("c.created_at") ", " ISO8601("c.updated_at") " FROM cooperatives c "

/* Columns of BASE_SELECT. */
enum {
    BC_ID, BC_COOP_ID, BC_NAME, BC_LOCATION, BC_LAT, BC_LON, BC_AREA, BC_DESCRIPTION, BC_CREATED,
    BC_UPDATED, BC_PHOTOS
};
#define BASE_SELECT                                                                                \
    "SELECT id, coop_id, name, location, latitude, longitude, area_mu, description, "             \
    ISO8601("created_at") ", " ISO8601("updated_at") ", "                                        \
    "(SELECT JSON_ARRAYAGG(ph.url ORDER BY ph.position) FROM base_photos ph "                     \
    "WHERE ph.base_id = production_bases.id) FROM production_bases "

/* Columns of MEMBER_SELECT; MB_JOINED_US (microseconds since 1970, exact
 * and free of time zones) is the first key of the members' cursor. */
enum { MB_ACCOUNT, MB_NAME, MB_ROLE, MB_JOINED, MB_JOINED_US };
#define MEMBER_JOINED_US "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', m.joined_at)"
#define MEMBER_SELECT                                                                              \
    "SELECT m.account_id, a.display_name, m.role, " ISO8601("m.joined_at") ", "                   \
    MEMBER_JOINED_US " FROM coop_members m JOIN accounts a ON a.id = m.account_id "               \
    "WHERE m.coop_id = ? "
/* clang-format on */

/* ---- pure checks ------------------------------------------------------------ */

int shop_low_rendition_valid(const char *s)
{
    return strcmp(s, "default") == 0 || strcmp(s, "off") == 0 || strcmp(s, "on") == 0 || strcmp(s, "auto") == 0;
}

int shop_credit_code_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]) && !(s[n] >= 'A' && s[n] <= 'Z'))
            return 0;
    return n == 18;
}

int shop_contact_phone_valid(const char *s)
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

/* ---- JSON out --------------------------------------------------------------- */

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* clang-format off */
static const shop_col REGION_FIELDS[] = {
    {"province", CC_PROVINCE, SHOP_COL_STR}, {"city", CC_CITY, SHOP_COL_STR},
    {"county", CC_COUNTY, SHOP_COL_STR}, {"township", CC_TOWNSHIP, SHOP_COL_STR},
    {"village", CC_VILLAGE, SHOP_COL_STR},
};
static const shop_col CONTACT_FIELDS[] = {
    {"name", CC_CONTACT_NAME, SHOP_COL_STR}, {"phone", CC_CONTACT_PHONE, SHOP_COL_STR},
};
static const shop_col COOP_FIELDS[] = {
    {"id", CC_ID, SHOP_COL_INT},
    {"name", CC_NAME, SHOP_COL_STR},
    {"name_en", CC_NAME_EN, SHOP_COL_STR},
    {"credit_code", CC_CREDIT_CODE, SHOP_COL_STR},
    {"region", 0, SHOP_COL_OBJECT, REGION_FIELDS, NFIELDS(REGION_FIELDS)},
    {"contact", 0, SHOP_COL_OBJECT, CONTACT_FIELDS, NFIELDS(CONTACT_FIELDS)},
    {"description", CC_DESCRIPTION, SHOP_COL_STR},
    {"low_rendition", CC_LOW_RENDITION, SHOP_COL_STR},
    {"member_count", CC_MEMBERS, SHOP_COL_INT},
    {"created_at", CC_CREATED, SHOP_COL_STR},
    {"updated_at", CC_UPDATED, SHOP_COL_STR},
};
static const shop_col BASE_FIELDS[] = {
    {"id", BC_ID, SHOP_COL_INT},
    {"coop_id", BC_COOP_ID, SHOP_COL_INT},
    {"name", BC_NAME, SHOP_COL_STR},
    {"location", BC_LOCATION, SHOP_COL_STR},
    {"latitude", BC_LAT, SHOP_COL_DEC},
    {"longitude", BC_LON, SHOP_COL_DEC},
    {"area_mu", BC_AREA, SHOP_COL_DEC},
    {"description", BC_DESCRIPTION, SHOP_COL_STR},
    {"created_at", BC_CREATED, SHOP_COL_STR},
    {"updated_at", BC_UPDATED, SHOP_COL_STR},
};
static const shop_col MEMBER_FIELDS[] = {
    {"account_id", MB_ACCOUNT, SHOP_COL_INT},
    {"display_name", MB_NAME, SHOP_COL_STR},
    {"role", MB_ROLE, SHOP_COL_STR},
    {"joined_at", MB_JOINED, SHOP_COL_STR},
};
/* clang-format on */

static json_t *coop_json(const fl_rows *rows, size_t i)
{
    return shop_row_json(rows, i, COOP_FIELDS, NFIELDS(COOP_FIELDS));
}

static json_t *base_json(const fl_rows *rows, size_t i)
{
    json_t *b = shop_row_json(rows, i, BASE_FIELDS, NFIELDS(BASE_FIELDS));
    const char *text = fl_rows_str(rows, i, BC_PHOTOS);
    json_t *photos = text ? json_loads(text, 0, NULL) : NULL; /* NULL: no photo */
    if (!json_is_array(photos)) {
        json_decref(photos);
        photos = json_array();
    }
    json_object_set_new(b, "photos", photos);
    return b;
}

static json_t *member_json(const fl_rows *rows, size_t i)
{
    return shop_row_json(rows, i, MEMBER_FIELDS, NFIELDS(MEMBER_FIELDS));
}

/* The outcome of a query for one record: its JSON by fn into *out, 404
 * naming what when there is none. Owns (frees) rows. */
static int one_row(int dbrc, fl_rows *rows, json_t *(*fn)(const fl_rows *, size_t), const char *what, json_t **out,
                   shop_fault *f)
{
    int rc = shop_found(dbrc, rows, f, SHOP_E_NOT_FOUND, "%s not found", what);
    if (rc == SHOP_OK)
        *out = fn(rows, 0);
    fl_rows_free(rows);
    return rc;
}

/* The outcome of a page's query: shop_page_json into *out. Owns rows. */
static int page_rows(int dbrc, fl_rows *rows, const shop_page *pg, json_t *(*fn)(const fl_rows *, size_t),
                     const size_t *cols, size_t nkeys, json_t **out, shop_fault *f)
{
    int rc = SHOP_OK;
    if (dbrc != FL_DB_OK)
        rc = shop_fault_db(f, dbrc);
    else
        *out = shop_page_json(rows, pg->limit, fn, cols, nkeys);
    fl_rows_free(rows);
    return rc;
}

static int member_load(fl_db *db, long long coop_id, long long account_id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, MEMBER_SELECT "AND m.account_id = ?", "ii", coop_id, account_id);
    return one_row(rc, rows, member_json, "member", out, f);
}

static int base_load(fl_db *db, long long base_id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, BASE_SELECT "WHERE id = ?", "i", base_id);
    return one_row(rc, rows, base_json, "base", out, f);
}

/* ---- cooperatives ----------------------------------------------------------- */

/* Sets each cooperative's "bases" in items (a page of coop_json objects,
 * ids descending, every cooperative between the first and the last id on
 * it: the list has no filter) from one query over that id range. */
static int bases_attach(fl_db *db, json_t *items, shop_fault *f)
{
    size_t n = json_array_size(items), k = 0;
    fl_rows *rows = NULL;
    json_t *item;
    int rc;
    if (n == 0)
        return SHOP_OK;
    rc = fl_db_query(db, &rows, BASE_SELECT "WHERE coop_id BETWEEN ? AND ? ORDER BY coop_id DESC, id", "ii",
                     (long long)json_integer_value(json_object_get(json_array_get(items, n - 1), "id")),
                     (long long)json_integer_value(json_object_get(json_array_get(items, 0), "id")));
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    for (size_t i = 0; i < n; i++) {
        json_t *list = json_array();
        long long id;
        item = json_array_get(items, i);
        id = json_integer_value(json_object_get(item, "id"));
        for (; k < fl_rows_count(rows) && fl_rows_int(rows, k, BC_COOP_ID) == id; k++)
            json_array_append_new(list, base_json(rows, k));
        json_object_set_new(item, "bases", list);
    }
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_coops_page(fl_db *db, const shop_page *pg, json_t **out, shop_fault *f)
{
    static const size_t cols[] = {CC_ID};
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, COOP_SELECT "WHERE (? = 0 OR c.id < ?) ORDER BY c.id DESC LIMIT ?", "iii",
                         pg->after[0], pg->after[0], pg->limit + 1);
    if ((rc = page_rows(rc, rows, pg, coop_json, cols, 1, out, f)) < 0)
        return rc;
    if ((rc = bases_attach(db, json_object_get(*out, "items"), f)) < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int shop_coop_get(fl_db *db, long long id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL, *bases = NULL;
    json_t *list;
    int rc = fl_db_query(db, &rows, COOP_SELECT "WHERE c.id = ?", "i", id);
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &bases, BASE_SELECT "WHERE coop_id = ? ORDER BY id", "i", id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "cooperative %lld not found", id)) < 0)
        goto out;
    *out = coop_json(rows, 0);
    list = json_array();
    for (size_t i = 0; i < fl_rows_count(bases); i++)
        json_array_append_new(list, base_json(bases, i));
    json_object_set_new(*out, "bases", list);
out:
    fl_rows_free(bases);
    fl_rows_free(rows);
    return rc;
}

static int credit_code_taken(shop_fault *f, const char *code)
{
    return shop_fault_set(f, SHOP_E_CONFLICT, NULL, "credit_code %s is already registered", code);
}

/* shop_coop_create's transaction. */
typedef struct coop_insert {
    const shop_coop_in *in;
    long long admin_id; /* 0: none */
    long long id;       /* out */
} coop_insert;

static int coop_insert_step(fl_db *db, void *arg, shop_fault *f)
{
    coop_insert *c = arg;
    const char *const *v = c->in->v;
    int rc =
        fl_db_exec(db,
                   "INSERT INTO cooperatives (name, name_en, credit_code, province, city, "
                   "county, township, village, contact_name, contact_phone, description, low_rendition) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, 'default'))",
                   "ssssssssssss", v[SHOP_CF_NAME], v[SHOP_CF_NAME_EN], v[SHOP_CF_CREDIT_CODE], v[SHOP_CF_PROVINCE],
                   v[SHOP_CF_CITY], v[SHOP_CF_COUNTY], v[SHOP_CF_TOWNSHIP], v[SHOP_CF_VILLAGE], v[SHOP_CF_CONTACT_NAME],
                   v[SHOP_CF_CONTACT_PHONE], v[SHOP_CF_DESCRIPTION], v[SHOP_CF_LOW_RENDITION]);
    if (rc == FL_DB_EDUP)
        return credit_code_taken(f, v[SHOP_CF_CREDIT_CODE]);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    c->id = (long long)fl_db_insert_id(db);
    if (c->admin_id)
        rc = fl_db_exec(db,
                        "INSERT INTO coop_members (coop_id, account_id, role) "
                        "VALUES (?, ?, 'coop_admin')",
                        "ii", c->id, c->admin_id);
    return rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
}

int shop_coop_session_low_rendition(fl_db *db, const char *public_id, const char **out, shop_fault *f)
{
    static const char *const modes[] = {"off", "on", "auto"};
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT c.low_rendition FROM live_sessions l JOIN cooperatives c ON c.id = l.coop_id "
                         "WHERE l.public_id = ?",
                         "s", public_id);
    *out = NULL;
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) > 0 && fl_rows_str(rows, 0, 0))
        for (size_t i = 0; i < 3; i++)
            if (strcmp(fl_rows_str(rows, 0, 0), modes[i]) == 0)
                *out = modes[i];
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_coop_create(fl_db *db, const shop_coop_in *in, const shop_account_ref *admin, json_t **out, shop_fault *f)
{
    coop_insert c = {.in = in};
    int rc;
    if ((admin && (rc = shop_account_resolve(db, admin, &c.admin_id, f)) < 0) ||
        (rc = shop_tx(db, coop_insert_step, &c, f)) < 0)
        return rc;
    return shop_coop_get(db, c.id, out, f);
}

/* shop_coop_update's transaction. A new name changes the search rows of
 * the cooperative's products: their rows are locked first (products, then
 * the cooperative, the order product writes take them in), the rows
 * rewritten last. */
typedef struct coop_change {
    long long id;
    const shop_coop_in *in;
} coop_change;

static int coop_update_step(fl_db *db, void *arg, shop_fault *f)
{
    const coop_change *c = arg;
    const char *const *v = c->in->v;
    const long long *has = c->in->has;
    int renamed = has[SHOP_CF_NAME] || has[SHOP_CF_NAME_EN], rc = FL_DB_OK;
    fl_rows *rows = NULL;

    if (renamed) {
        rc = fl_db_query(db, &rows, "SELECT id FROM products WHERE coop_id = ? ORDER BY id FOR UPDATE", "i", c->id);
        fl_rows_free(rows);
    }
    if (rc == FL_DB_OK)
        rc = fl_db_exec(db,
                        "UPDATE cooperatives SET name = IF(?, ?, name), name_en = IF(?, ?, name_en), "
                        "credit_code = IF(?, ?, credit_code), province = IF(?, ?, province), "
                        "city = IF(?, ?, city), county = IF(?, ?, county), "
                        "township = IF(?, ?, township), village = IF(?, ?, village), "
                        "contact_name = IF(?, ?, contact_name), "
                        "contact_phone = IF(?, ?, contact_phone), "
                        "description = IF(?, ?, description), "
                        "low_rendition = IF(?, ?, low_rendition) WHERE id = ?",
                        "isisisisisisisisisisisisi", has[SHOP_CF_NAME], v[SHOP_CF_NAME], has[SHOP_CF_NAME_EN],
                        v[SHOP_CF_NAME_EN], has[SHOP_CF_CREDIT_CODE], v[SHOP_CF_CREDIT_CODE], has[SHOP_CF_PROVINCE],
                        v[SHOP_CF_PROVINCE], has[SHOP_CF_CITY], v[SHOP_CF_CITY], has[SHOP_CF_COUNTY], v[SHOP_CF_COUNTY],
                        has[SHOP_CF_TOWNSHIP], v[SHOP_CF_TOWNSHIP], has[SHOP_CF_VILLAGE], v[SHOP_CF_VILLAGE],
                        has[SHOP_CF_CONTACT_NAME], v[SHOP_CF_CONTACT_NAME], has[SHOP_CF_CONTACT_PHONE],
                        v[SHOP_CF_CONTACT_PHONE], has[SHOP_CF_DESCRIPTION], v[SHOP_CF_DESCRIPTION],
                        has[SHOP_CF_LOW_RENDITION], v[SHOP_CF_LOW_RENDITION], c->id);
    if (rc == FL_DB_EDUP)
        return credit_code_taken(f, v[SHOP_CF_CREDIT_CODE]);
    if (rc == FL_DB_OK && renamed)
        rc = shop_product_search_sync_coop(db, c->id);
    return rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
}

int shop_coop_update(fl_db *db, long long account_id, int platform_admin, long long id, const shop_coop_in *in,
                     json_t **out, shop_fault *f)
{
    coop_change c = {id, in};
    int rc;

    if ((rc = shop_rights_coop_enter(db, id, account_id, platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        return rc;
    if (in->has[SHOP_CF_CREDIT_CODE] && !platform_admin)
        return shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "only platform admins change credit_code");
    if ((rc = shop_tx(db, coop_update_step, &c, f)) < 0)
        return rc;
    return shop_coop_get(db, id, out, f);
}

/* ---- members ---------------------------------------------------------------- */

int shop_coop_members_page(fl_db *db, long long account_id, int platform_admin, long long coop_id, const shop_page *pg,
                           json_t **out, shop_fault *f)
{
    static const size_t cols[] = {MB_JOINED_US, MB_ACCOUNT};
    fl_rows *rows = NULL;
    int rc;
    if ((rc = shop_rights_coop_enter(db, coop_id, account_id, platform_admin, SHOP_MEMBER_FARMER, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows,
                     MEMBER_SELECT "AND (? = 0 OR (" MEMBER_JOINED_US ", m.account_id) > (?, ?)) "
                                   "ORDER BY m.joined_at, m.account_id LIMIT ?",
                     "iiiii", coop_id, pg->after[1], pg->after[0], pg->after[1], pg->limit + 1);
    return page_rows(rc, rows, pg, member_json, cols, 2, out, f);
}

/* A change of membership: a new role, or leaving (role NULL). */
typedef struct member_change_in {
    long long coop_id, member;
    const char *new_role;
} member_change_in;

/* Inside a transaction: locks the cooperative's admin rows and the member's
 * row, then changes the membership. 404 when member is not a member, 409
 * when it is the last admin and would stop being one. */
static int member_change_step(fl_db *db, void *arg, shop_fault *f)
{
    enum { ML_ROLE };
    const member_change_in *c = arg;
    fl_rows *admins = NULL, *row = NULL;
    int rc = fl_db_query(db, &admins,
                         "SELECT account_id FROM coop_members WHERE coop_id = ? AND role = "
                         "'coop_admin' FOR UPDATE",
                         "i", c->coop_id);
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &row,
                         "SELECT role FROM coop_members WHERE coop_id = ? AND account_id = ? "
                         "FOR UPDATE",
                         "ii", c->coop_id, c->member);
    if ((rc = shop_found(rc, row, f, SHOP_E_NOT_FOUND, "account %lld is not a member of cooperative %lld", c->member,
                         c->coop_id)) < 0)
        goto out;
    if (strcmp(fl_rows_str(row, 0, ML_ROLE), "coop_admin") == 0 && fl_rows_count(admins) <= 1 &&
        (!c->new_role || strcmp(c->new_role, "coop_admin") != 0)) {
        rc = shop_fault_set(f, SHOP_E_CONFLICT, NULL, "a cooperative keeps at least one coop_admin");
        goto out;
    }
    if (c->new_role)
        rc = fl_db_exec(db, "UPDATE coop_members SET role = ? WHERE coop_id = ? AND account_id = ?", "sii", c->new_role,
                        c->coop_id, c->member);
    else
        rc = fl_db_exec(db, "DELETE FROM coop_members WHERE coop_id = ? AND account_id = ?", "ii", c->coop_id,
                        c->member);
    rc = rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
out:
    fl_rows_free(row);
    fl_rows_free(admins);
    return rc;
}

/* Changes member's role, or removes it (new_role NULL), as its coop_admin. */
static int member_change(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long member,
                         const char *new_role, shop_fault *f)
{
    member_change_in c = {coop_id, member, new_role};
    int rc = shop_rights_coop_enter(db, coop_id, account_id, platform_admin, SHOP_MEMBER_ADMIN, f);
    return rc < 0 ? rc : shop_tx(db, member_change_step, &c, f);
}

int shop_coop_member_set_role(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long member,
                              const char *role, json_t **out, shop_fault *f)
{
    int rc = member_change(db, account_id, platform_admin, coop_id, member, role, f);
    return rc < 0 ? rc : member_load(db, coop_id, member, out, f);
}

int shop_coop_member_remove(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long member,
                            shop_fault *f)
{
    return member_change(db, account_id, platform_admin, coop_id, member, NULL, f);
}

/* ---- production bases ------------------------------------------------------- */

int shop_coop_bases_page(fl_db *db, long long coop_id, const shop_page *pg, json_t **out, shop_fault *f)
{
    static const size_t cols[] = {BC_ID};
    fl_rows *rows = NULL;
    int rc;
    if ((rc = shop_rights_coop_enter(db, coop_id, 0, 0, SHOP_MEMBER_NONE, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows, BASE_SELECT "WHERE coop_id = ? AND id > ? ORDER BY id LIMIT ?", "iii", coop_id,
                     pg->after[0], pg->limit + 1);
    return page_rows(rc, rows, pg, base_json, cols, 1, out, f);
}

/* A decimal given as text, or SQL NULL for "". */
static const char *dec_or_null(const char *s)
{
    return s[0] ? s : NULL;
}

int shop_coop_base_create(fl_db *db, long long account_id, int platform_admin, long long coop_id,
                          const shop_base_in *in, json_t **out, shop_fault *f)
{
    int rc;
    if ((rc = shop_rights_coop_enter(db, coop_id, account_id, platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        return rc;
    rc = fl_db_exec(db,
                    "INSERT INTO production_bases (coop_id, name, location, latitude, longitude, "
                    "area_mu, description) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    "issssss", coop_id, in->name, in->location, dec_or_null(in->lat), dec_or_null(in->lon), in->area,
                    in->description);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    return base_load(db, (long long)fl_db_insert_id(db), out, f);
}

int shop_coop_base_update(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long base_id,
                          const shop_base_in *in, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc;
    if ((rc = shop_rights_coop_enter(db, coop_id, account_id, platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        goto out;
    rc = fl_db_query(db, &rows, "SELECT 1 FROM production_bases WHERE id = ? AND coop_id = ?", "ii", base_id, coop_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "base %lld not found in cooperative %lld", base_id, coop_id)) <
        0)
        goto out;
    rc = fl_db_exec(db,
                    "UPDATE production_bases SET name = IF(?, ?, name), "
                    "location = IF(?, ?, location), latitude = IF(?, ?, latitude), "
                    "longitude = IF(?, ?, longitude), area_mu = IF(?, ?, area_mu), "
                    "description = IF(?, ?, description) WHERE id = ?",
                    "isisisisisisi", in->has_name, in->name, in->has_location, in->location, in->has_lat,
                    dec_or_null(in->lat), in->has_lon, dec_or_null(in->lon), in->has_area, dec_or_null(in->area),
                    in->has_description, in->description, base_id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    rc = base_load(db, base_id, out, f);
out:
    fl_rows_free(rows);
    return rc;
}

/* One uploaded photo appended: the step of shop_coop_base_photo_add. */
typedef struct photo_append {
    long long base_id;
    const char *url;
} photo_append;

static int photo_append_step(fl_db *db, void *arg, shop_fault *f)
{
    enum { PA_COUNT, PA_NEXT };
    const photo_append *a = arg;
    fl_rows *rows = NULL;
    /* the base's row locked: two uploads at once take two positions */
    int rc = fl_db_query(db, &rows, "SELECT id FROM production_bases WHERE id = ? FOR UPDATE", "i", a->base_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "base %lld not found", a->base_id)) < 0)
        goto out;
    fl_rows_free(rows);
    rows = NULL;
    rc = fl_db_query(db, &rows, "SELECT COUNT(*), COALESCE(MAX(position) + 1, 0) FROM base_photos WHERE base_id = ?",
                     "i", a->base_id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_rows_int(rows, 0, PA_COUNT) >= SHOP_BASE_PHOTOS_MAX) {
        rc = shop_fault_set(f, SHOP_E_CONFLICT, NULL, "a base has at most %d photos", SHOP_BASE_PHOTOS_MAX);
        goto out;
    }
    rc = fl_db_exec(db, "INSERT INTO base_photos (base_id, position, url) VALUES (?, ?, ?)", "iis", a->base_id,
                    fl_rows_int(rows, 0, PA_NEXT), a->url);
    rc = rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
out:
    fl_rows_free(rows);
    return rc;
}

int shop_coop_base_photo_add(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long base_id,
                             const char *media_dir, const void *data, size_t len, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    char name[SHOP_MEDIA_NAME_LEN + 1], url[96];
    int w = 0, h = 0, rc;
    if ((rc = shop_rights_coop_enter(db, coop_id, account_id, platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows,
                     "SELECT (SELECT COUNT(*) FROM base_photos ph WHERE ph.base_id = b.id) "
                     "FROM production_bases b WHERE b.id = ? AND b.coop_id = ?",
                     "ii", base_id, coop_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "base %lld not found in cooperative %lld", base_id, coop_id)) <
        0) {
        fl_rows_free(rows);
        return rc;
    }
    /* checked again under the lock; this spares decoding a refused upload */
    long long n = fl_rows_int(rows, 0, 0);
    fl_rows_free(rows);
    if (n >= SHOP_BASE_PHOTOS_MAX)
        return shop_fault_set(f, SHOP_E_CONFLICT, NULL, "a base has at most %d photos", SHOP_BASE_PHOTOS_MAX);
    if ((rc = shop_media_store_image(media_dir, data, len, name, &w, &h, f)) < 0)
        return rc;
    snprintf(url, sizeof(url), "/media/%s-%d.jpg", name, shop_media_widths[shop_media_nwidths - 1]);
    photo_append a = {base_id, url};
    if ((rc = shop_tx(db, photo_append_step, &a, f)) < 0)
        return rc;
    return base_load(db, base_id, out, f);
}
