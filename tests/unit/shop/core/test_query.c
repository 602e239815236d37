/* test_query.c - src/shop/core/query.c and the row-reading half of
 * src/shop/core/values.c against a real MariaDB (the one tests/run.sh
 * starts; without FARMLIVE_DB_PORT the tests that need it are skipped):
 *
 *   shop_found   a row, no row (404 or 422 with the message), a failed query
 *   shop_tx      a step that commits, one that refuses (rolled back), a
 *                COMMIT of a transaction the step already broke
 *   shop_row_json       every kind of field, nested and optional objects
 *   shop_page_json / shop_cursor_next_keys   a full page has a cursor made
 *                of the last shown row's keys; the last page has null
 *
 * Scratch table t_unit_query: created in the group setup, dropped after. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/config.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/values.h"

#define T_QUERY "t_unit_query"

static fl_config cfg;
static fl_db_pool *pool; /* NULL without FARMLIVE_DB_PORT */
static fl_db *db;

static int group_setup(void **state)
{
    char err[256];
    (void)state;
    if (!getenv("FARMLIVE_DB_PORT"))
        return 0;
    if (fl_config_load(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "config: %s\n", err);
        return -1;
    }
    cfg.db_pool = 1;
    pool = fl_db_pool_new(&cfg);
    if (fl_db_acquire(pool, &db) != FL_DB_OK || fl_db_exec(db, "DROP TABLE IF EXISTS " T_QUERY, "") != FL_DB_OK ||
        fl_db_exec(db,
                   "CREATE TABLE " T_QUERY " (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(32) "
                   "NOT NULL UNIQUE) ENGINE=InnoDB",
                   "") != FL_DB_OK) {
        fprintf(stderr, "cannot prepare MariaDB on port %d\n", cfg.db_port);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (db)
        fl_db_exec(db, "DROP TABLE IF EXISTS " T_QUERY, "");
    fl_db_release(db);
    fl_db_pool_free(pool);
    return 0;
}

static long long count_rows(void)
{
    fl_rows *rows = NULL;
    assert_int_equal(fl_db_query(db, &rows, "SELECT COUNT(*) FROM " T_QUERY, ""), FL_DB_OK);
    long long n = fl_rows_int(rows, 0, 0);
    fl_rows_free(rows);
    return n;
}

/* -- shop_found -------------------------------------------------------------- */

static void test_found_without_rows(void **state)
{
    shop_fault f;
    (void)state;
    /* no rows at all (as a query that found none leaves them) */
    assert_int_equal(shop_found(FL_DB_OK, NULL, &f, SHOP_E_NOT_FOUND, "product %d not found", 7), SHOP_E_NOT_FOUND);
    assert_string_equal(f.msg, "product 7 not found");
    assert_null(f.code);
    assert_int_equal(shop_found(FL_DB_OK, NULL, &f, SHOP_E_VALIDATION, "base_id %d", 3), SHOP_E_VALIDATION);
    /* a failed query is the database's fault, whatever was asked */
    assert_int_equal(shop_found(FL_DB_EDOWN, NULL, &f, SHOP_E_NOT_FOUND, "x"), SHOP_E_UNAVAILABLE);
    assert_string_equal(f.code, "database_unavailable");
    assert_int_equal(f.retry_after_s, 2);
    assert_int_equal(shop_found(FL_DB_ERR, NULL, &f, SHOP_E_NOT_FOUND, "x"), SHOP_E_INTERNAL);
}

static void test_found_with_a_row(void **state)
{
    fl_rows *rows = NULL;
    (void)state;
    if (!pool)
        skip();
    assert_int_equal(fl_db_query(db, &rows, "SELECT 1", ""), FL_DB_OK);
    assert_int_equal(shop_found(FL_DB_OK, rows, NULL, SHOP_E_NOT_FOUND, "x"), SHOP_OK);
    fl_rows_free(rows);
    assert_int_equal(fl_db_query(db, &rows, "SELECT 1 FROM " T_QUERY " WHERE id = -1", ""), FL_DB_OK);
    assert_int_equal(shop_found(FL_DB_OK, rows, NULL, SHOP_E_NOT_FOUND, "x"), SHOP_E_NOT_FOUND);
    fl_rows_free(rows);
}

/* -- shop_tx ------------------------------------------------------------------- */

typedef struct insert_two {
    long long first, second;
    int refuse; /* refuse after both inserts */
} insert_two;

static int insert_two_step(fl_db *d, void *arg, shop_fault *f)
{
    insert_two *t = arg;
    int rc = fl_db_exec(d, "INSERT INTO " T_QUERY " (id, name) VALUES (?, CONCAT('n', ?))", "ii", t->first, t->first);
    if (rc == FL_DB_OK)
        rc = fl_db_exec(d, "INSERT INTO " T_QUERY " (id, name) VALUES (?, CONCAT('n', ?))", "ii", t->second, t->second);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (t->refuse)
        return shop_fault_set(f, SHOP_E_CONFLICT, "sold_out", "refused after writing");
    return SHOP_OK;
}

static void test_tx(void **state)
{
    shop_fault f;
    (void)state;
    if (!pool)
        skip();
    long long before = count_rows();
    insert_two ok = {1, 2, 0}, refused = {3, 4, 1}, dup = {5, 1, 0};

    assert_int_equal(shop_tx(db, insert_two_step, &ok, &f), SHOP_OK);
    assert_int_equal(count_rows(), before + 2);

    /* the step's refusal comes back as it was, and nothing it wrote stays */
    assert_int_equal(shop_tx(db, insert_two_step, &refused, &f), SHOP_E_CONFLICT);
    assert_string_equal(f.code, "sold_out");
    assert_int_equal(count_rows(), before + 2);

    /* a failing statement in the middle: its fault, and the first insert undone */
    assert_int_equal(shop_tx(db, insert_two_step, &dup, &f), SHOP_E_CONFLICT);
    assert_string_equal(f.code, "duplicate");
    assert_int_equal(count_rows(), before + 2);

    /* the connection is usable afterwards, outside any transaction */
    insert_two more = {6, 7, 0};
    assert_int_equal(shop_tx(db, insert_two_step, &more, &f), SHOP_OK);
    assert_int_equal(count_rows(), before + 4);
}

/* -- rows as JSON ---------------------------------------------------------------- */

enum { C_ID, C_NAME, C_NONE, C_DEC, C_NODEC, C_FLAG, C_OFF, C_REF_ID, C_REF_NAME, C_NULL_REF };

static const shop_col REF_FIELDS[] = {
    {"id", C_REF_ID, SHOP_COL_INT},
    {"name", C_REF_NAME, SHOP_COL_STR},
};
static const shop_col NULL_REF_FIELDS[] = {
    {"id", C_NULL_REF, SHOP_COL_INT},
    {"name", C_REF_NAME, SHOP_COL_STR},
};
static const shop_col FIELDS[] = {
    {"id", C_ID, SHOP_COL_INT},
    {"name", C_NAME, SHOP_COL_STR},
    {"none", C_NONE, SHOP_COL_STR},
    {"area", C_DEC, SHOP_COL_DEC},
    {"lat", C_NODEC, SHOP_COL_DEC},
    {"on", C_FLAG, SHOP_COL_BOOL},
    {"off", C_OFF, SHOP_COL_BOOL},
    {"ref", 0, SHOP_COL_OBJECT, REF_FIELDS, 2},
    {"opt", 0, SHOP_COL_OBJECT_OR_NULL, REF_FIELDS, 2},
    {"gone", 0, SHOP_COL_OBJECT_OR_NULL, NULL_REF_FIELDS, 2},
};

static void test_row_json(void **state)
{
    fl_rows *rows = NULL;
    (void)state;
    if (!pool)
        skip();
    assert_int_equal(fl_db_query(db, &rows,
                                 "SELECT 42, '萍乡', NULL, CAST(12.50 AS DECIMAL(10,2)), NULL, 1, 0, "
                                 "9, 'base', NULL",
                                 ""),
                     FL_DB_OK);
    json_t *o = shop_row_json(rows, 0, FIELDS, sizeof(FIELDS) / sizeof(FIELDS[0]));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, "{\"id\":42,\"name\":\"萍乡\",\"none\":null,\"area\":12.5,\"lat\":null,"
                              "\"on\":true,\"off\":false,\"ref\":{\"id\":9,\"name\":\"base\"},"
                              "\"opt\":{\"id\":9,\"name\":\"base\"},\"gone\":null}");
    free(text);
    json_decref(o);
    fl_rows_free(rows);
}

/* -- pages --------------------------------------------------------------------- */

static json_t *id_item(const fl_rows *rows, size_t i)
{
    return json_integer(fl_rows_int(rows, i, 1));
}

static void test_page_json(void **state)
{
    static const size_t one_key[] = {1}, two_keys[] = {0, 1};
    fl_rows *rows = NULL;
    json_t *page;
    (void)state;
    if (!pool)
        skip();
    /* three rows read for a page of two: the third says another page follows */
    assert_int_equal(fl_db_query(db, &rows,
                                 "SELECT 1700000000123456, 30 UNION ALL SELECT 1700000000123457, 20 "
                                 "UNION ALL SELECT 1700000000123458, 10",
                                 ""),
                     FL_DB_OK);
    page = shop_page_json(rows, 2, id_item, one_key, 1);
    assert_int_equal(json_array_size(json_object_get(page, "items")), 2);
    assert_string_equal(json_string_value(json_object_get(page, "next_cursor")), "14"); /* 20 */
    json_decref(page);
    page = shop_page_json(rows, 2, id_item, two_keys, 2);
    assert_string_equal(json_string_value(json_object_get(page, "next_cursor")), "60a2418202241.14");
    long long keys[2];
    assert_int_equal(shop_cursor_parse_keys(json_string_value(json_object_get(page, "next_cursor")), keys, 2), 0);
    assert_int_equal(keys[0], 1700000000123457LL);
    assert_int_equal(keys[1], 20);
    json_decref(page);
    /* a page that shows every row read is the last: null */
    page = shop_page_json(rows, 3, id_item, one_key, 1);
    assert_int_equal(json_array_size(json_object_get(page, "items")), 3);
    assert_true(json_is_null(json_object_get(page, "next_cursor")));
    json_decref(page);
    fl_rows_free(rows);

    /* no rows: an empty last page */
    page = shop_page_json(NULL, 20, id_item, one_key, 1);
    assert_int_equal(json_array_size(json_object_get(page, "items")), 0);
    assert_true(json_is_null(json_object_get(page, "next_cursor")));
    json_decref(page);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found_without_rows), cmocka_unit_test(test_found_with_a_row), cmocka_unit_test(test_tx),
        cmocka_unit_test(test_row_json),           cmocka_unit_test(test_page_json),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
