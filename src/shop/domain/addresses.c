/* addresses.c - a buyer's address book (contract in shop/domain/addresses.h).
 *
 * Each change is one transaction that starts by locking the account's row
 * (SELECT ... FOR UPDATE), so the count limit and the one default are
 * decided with nobody else changing the book. */
#include "farmlive/shop/domain/addresses.h"

#include <stddef.h>
#include <string.h>

#include "farmlive/shop/domain/phone.h"

/* The columns, in order (ADDR_SELECT and the JSON). */
#define ADDR_SELECT                                                                                                    \
    "SELECT id, name, phone, province, city, county, detail, is_default, "                                             \
    "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') FROM addresses "
enum { AD_ID, AD_NAME, AD_PHONE, AD_PROVINCE, AD_CITY, AD_COUNTY, AD_DETAIL, AD_DEFAULT, AD_CREATED };

static const struct {
    const char *key;
    size_t max;
    size_t off;
} FIELDS[] = {
    {"name", 64, offsetof(shop_address, name)},         {"phone", 20, offsetof(shop_address, phone)},
    {"province", 32, offsetof(shop_address, province)}, {"city", 32, offsetof(shop_address, city)},
    {"county", 32, offsetof(shop_address, county)},     {"detail", 255, offsetof(shop_address, detail)},
};
#define NFIELDS (sizeof(FIELDS) / sizeof(FIELDS[0]))

static const char **field(shop_address *a, size_t i)
{
    return (const char **)((char *)a + FIELDS[i].off);
}

/* 1 when s holds no control character (a parcel label has one line). */
static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

int shop_address_input(const json_t *body, int partial, shop_address_in *in, shop_fault *f)
{
    int given = 0;
    memset(in, 0, sizeof(*in));
    in->is_default = -1;
    if (!json_is_object(body))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "the body must be an object");
    for (size_t i = 0; i < NFIELDS; i++) {
        json_t *v = json_object_get(body, FIELDS[i].key);
        if (!v && partial)
            continue;
        const char *s = json_string_value(v);
        long n = s ? shop_utf8_chars(s, strlen(s)) : -1;
        if (!s || n < 1 || (size_t)n > FIELDS[i].max || !printable(s))
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "%s must be a string of 1 to %zu characters",
                                  FIELDS[i].key, FIELDS[i].max);
        *field(&in->a, i) = s;
        given++;
    }
    if (in->a.phone && !shop_phone_cn_valid(in->a.phone))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "phone must be a mobile number (13800138000, +86 allowed) or a landline with its "
                              "area code (0799-6812345)");
    json_t *d = json_object_get(body, "is_default");
    if (d) {
        if (!json_is_boolean(d))
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "is_default must be true or false");
        in->is_default = json_is_true(d);
        given++;
    }
    if (partial && !given)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "give at least one of name, phone, province, city, county, detail, is_default");
    return SHOP_OK;
}

static json_t *address_json(const fl_rows *rows, size_t i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(fl_rows_int(rows, i, AD_ID)));
    for (size_t k = 0; k < NFIELDS; k++)
        json_object_set_new(o, FIELDS[k].key, shop_json_str(fl_rows_str(rows, i, AD_NAME + k)));
    json_object_set_new(o, "is_default", json_boolean(fl_rows_int(rows, i, AD_DEFAULT) != 0));
    json_object_set_new(o, "created_at", shop_json_str(fl_rows_str(rows, i, AD_CREATED)));
    return o;
}

int shop_addresses_page(fl_db *db, long long account, const shop_page *pg, json_t **out, shop_fault *f)
{
    static const size_t cols[] = {AD_ID};
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, ADDR_SELECT "WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?", "iii", account,
                         pg->after[0], pg->limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = shop_page_json(rows, pg->limit, address_json, cols, 1);
    fl_rows_free(rows);
    return SHOP_OK;
}

/* Address id of account as it is now, into *out (404 when none). */
static int address_get(fl_db *db, long long account, long long id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, ADDR_SELECT "WHERE id = ? AND account_id = ?", "ii", id, account);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) == 0) {
        fl_rows_free(rows);
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no address %lld in your address book", id);
    }
    if (out)
        *out = address_json(rows, 0);
    fl_rows_free(rows);
    return SHOP_OK;
}

/* Starts the book's transaction: locks the account's row; *count: its
 * addresses. */
static int book_begin(fl_db *db, long long account, long long *count, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_begin(db);
    if (rc == FL_DB_OK)
        rc = fl_db_query(db, &rows, "SELECT id FROM accounts WHERE id = ? FOR UPDATE", "i", account);
    if (rc == FL_DB_OK) {
        fl_rows_free(rows);
        rc = fl_db_query(db, &rows, "SELECT COUNT(*) FROM addresses WHERE account_id = ?", "i", account);
    }
    if (rc != FL_DB_OK) {
        fl_db_rollback(db);
        return shop_fault_db(f, rc);
    }
    *count = fl_rows_int(rows, 0, 0);
    fl_rows_free(rows);
    return SHOP_OK;
}

/* Commits, or rolls back on an earlier error rc; then *out is address id. */
static int book_end(fl_db *db, int rc, long long account, long long id, json_t **out, shop_fault *f)
{
    if (rc == FL_DB_OK)
        rc = fl_db_commit(db);
    if (rc != FL_DB_OK) {
        fl_db_rollback(db);
        return shop_fault_db(f, rc);
    }
    return out ? address_get(db, account, id, out, f) : SHOP_OK;
}

static const char CLEAR_DEFAULT[] = "UPDATE addresses SET is_default = 0 WHERE account_id = ? AND is_default = 1";

int shop_address_create(fl_db *db, long long account, const shop_address_in *in, json_t **out, shop_fault *f)
{
    long long count = 0;
    int rc, make_default;
    if ((rc = book_begin(db, account, &count, f)) < 0)
        return rc;
    if (count >= SHOP_ADDRESSES_MAX) {
        fl_db_rollback(db);
        return shop_fault_set(f, SHOP_E_CONFLICT, NULL, "an address book holds at most %d addresses: delete one first",
                              SHOP_ADDRESSES_MAX);
    }
    make_default = count == 0 || in->is_default == 1;
    rc = make_default ? fl_db_exec(db, CLEAR_DEFAULT, "i", account) : FL_DB_OK;
    if (rc == FL_DB_OK)
        rc = fl_db_exec(db,
                        "INSERT INTO addresses (account_id, name, phone, province, city, county, detail, is_default) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        "issssssi", account, in->a.name, in->a.phone, in->a.province, in->a.city, in->a.county,
                        in->a.detail, (long long)make_default);
    long long id = rc == FL_DB_OK ? (long long)fl_db_insert_id(db) : 0;
    return book_end(db, rc, account, id, out, f);
}

int shop_address_update(fl_db *db, long long account, long long id, const shop_address_in *in, json_t **out,
                        shop_fault *f)
{
    json_t *now = NULL;
    long long count = 0;
    int rc;
    if ((rc = book_begin(db, account, &count, f)) < 0)
        return rc;
    if ((rc = address_get(db, account, id, &now, f)) < 0) {
        fl_db_rollback(db);
        return rc;
    }
    int was_default = json_is_true(json_object_get(now, "is_default"));
    json_decref(now);
    if (in->is_default == 0 && was_default) {
        fl_db_rollback(db);
        return shop_fault_set(f, SHOP_E_CONFLICT, NULL,
                              "this is the default address: make another one the default instead");
    }
    rc = in->is_default == 1 && !was_default ? fl_db_exec(db, CLEAR_DEFAULT, "i", account) : FL_DB_OK;
    if (rc == FL_DB_OK)
        rc = fl_db_exec(db,
                        "UPDATE addresses SET name = COALESCE(?, name), phone = COALESCE(?, phone), "
                        "province = COALESCE(?, province), city = COALESCE(?, city), county = COALESCE(?, county), "
                        "detail = COALESCE(?, detail), is_default = IF(? = 1, 1, is_default) "
                        "WHERE id = ? AND account_id = ?",
                        "ssssssiii", in->a.name, in->a.phone, in->a.province, in->a.city, in->a.county, in->a.detail,
                        (long long)in->is_default, id, account);
    return book_end(db, rc, account, id, out, f);
}

int shop_address_delete(fl_db *db, long long account, long long id, shop_fault *f)
{
    long long count = 0;
    int rc;
    if ((rc = book_begin(db, account, &count, f)) < 0)
        return rc;
    if ((rc = address_get(db, account, id, NULL, f)) < 0) {
        fl_db_rollback(db);
        return rc;
    }
    rc = fl_db_exec(db, "DELETE FROM addresses WHERE id = ? AND account_id = ?", "ii", id, account);
    /* the default gone: the newest address left takes the mark */
    if (rc == FL_DB_OK)
        rc = fl_db_exec(db,
                        "UPDATE addresses SET is_default = 1 WHERE account_id = ? AND NOT EXISTS "
                        "(SELECT 1 FROM (SELECT id FROM addresses WHERE account_id = ? AND is_default = 1) d) "
                        "ORDER BY id DESC LIMIT 1",
                        "ii", account, account);
    return book_end(db, rc, account, id, NULL, f);
}
