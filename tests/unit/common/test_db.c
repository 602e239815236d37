/* test_db.c - src/common/db.c against a real MariaDB.
 *
 * The server is the one tests/run.sh starts (FARMLIVE_DB_PORT and friends
 * are exported; the settings are read with fl_config_load). Without
 * FARMLIVE_DB_PORT every test is skipped.
 *
 * Includes db.c (as h2o's t/00unit does) to reach its statics: the
 * statement cache (STMT_CACHE, ncache), acquire_timeout() for a short wait,
 * and the broken flag.
 *
 * Scratch tables are t_unit_db_*: dropped and created in the group setup,
 * dropped in the group teardown. Tests share one pool of 4 connections;
 * the pool tests make their own. */
/* db.c first: it has a static fail() that cmocka.h's fail() macro would
 * rewrite. */
#include "../../../src/common/db.c"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#define T_ITEMS "t_unit_db_items"
#define T_PARENT "t_unit_db_parent"
#define T_CHILD "t_unit_db_child"

static fl_config cfg;
static fl_db_pool *pool; /* NULL when FARMLIVE_DB_PORT is unset */

/* -- helpers ------------------------------------------------------------ */

static fl_db *take(fl_db_pool *p)
{
    fl_db *db = NULL;
    int rc = fl_db_acquire(p, &db);
    if (rc != FL_DB_OK)
        fail_msg("fl_db_acquire: %d", rc);
    return db;
}

static void exec_ok(fl_db *db, const char *sql)
{
    int rc = fl_db_exec(db, sql, "");
    if (rc != FL_DB_OK)
        fail_msg("%s: rc %d (%s)", sql, rc, fl_db_error(db));
}

/* COUNT(*) of the items table with the given name. */
static long long count_name(fl_db *db, const char *name)
{
    fl_rows *r = NULL;
    int rc = fl_db_query(db, &r, "SELECT COUNT(*) FROM " T_ITEMS " WHERE name = ?", "s", name);
    if (rc != FL_DB_OK)
        fail_msg("count: rc %d (%s)", rc, fl_db_error(db));
    long long n = fl_rows_int(r, 0, 0);
    fl_rows_free(r);
    return n;
}

static long long connection_id(fl_db *db)
{
    fl_rows *r = NULL;
    int rc = fl_db_query(db, &r, "SELECT CONNECTION_ID()", "");
    if (rc != FL_DB_OK)
        fail_msg("CONNECTION_ID(): rc %d (%s)", rc, fl_db_error(db));
    long long id = fl_rows_int(r, 0, 0);
    fl_rows_free(r);
    return id;
}

/* Kills connection `id` from `killer` and waits until the server no longer
 * lists it, so the victim's next statement surely finds it gone. */
static void kill_connection(fl_db *killer, long long id)
{
    char sql[64];
    snprintf(sql, sizeof(sql), "KILL %lld", id);
    exec_ok(killer, sql);
    for (int i = 0; i < 100; i++) {
        fl_rows *r = NULL;
        assert_int_equal(
            fl_db_query(killer, &r, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?", "i", id),
            FL_DB_OK);
        long long n = fl_rows_int(r, 0, 0);
        fl_rows_free(r);
        if (n == 0)
            return;
        usleep(20 * 1000);
    }
    fail_msg("connection %lld still listed 2 s after KILL", id);
}

static fl_db_pool *small_pool(int size)
{
    fl_config c = cfg;
    c.db_pool = size;
    return fl_db_pool_new(&c);
}

/* -- fixture ------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    if (!getenv("FARMLIVE_DB_PORT"))
        return 0;
    if (fl_config_load(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "config: %s\n", err);
        return -1;
    }
    cfg.db_pool = 4;
    pool = fl_db_pool_new(&cfg);
    fl_db *db = NULL;
    if (fl_db_acquire(pool, &db) != FL_DB_OK) {
        fprintf(stderr, "cannot reach MariaDB on port %d\n", cfg.db_port);
        return -1;
    }
    static const char *const ddl[] = {
        "DROP TABLE IF EXISTS " T_CHILD,
        "DROP TABLE IF EXISTS " T_PARENT,
        "DROP TABLE IF EXISTS " T_ITEMS,
        "CREATE TABLE IF NOT EXISTS " T_ITEMS " ("
        " id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " name VARCHAR(64) NOT NULL UNIQUE,"
        " qty BIGINT NULL,"
        " note LONGTEXT NULL,"
        " data LONGBLOB NULL,"
        " small TINYINT UNSIGNED NULL"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        "CREATE TABLE IF NOT EXISTS " T_PARENT " (id BIGINT NOT NULL PRIMARY KEY) ENGINE=InnoDB",
        "CREATE TABLE IF NOT EXISTS " T_CHILD " ("
        " id BIGINT NOT NULL PRIMARY KEY,"
        " parent_id BIGINT NOT NULL,"
        " FOREIGN KEY (parent_id) REFERENCES " T_PARENT " (id)"
        ") ENGINE=InnoDB",
    };
    int rc = FL_DB_OK;
    for (size_t i = 0; i < sizeof(ddl) / sizeof(ddl[0]) && rc == FL_DB_OK; i++)
        rc = fl_db_exec(db, ddl[i], "");
    if (rc != FL_DB_OK)
        fprintf(stderr, "scratch tables: %s\n", fl_db_error(db));
    fl_db_release(db);
    return rc == FL_DB_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (!pool)
        return 0;
    fl_db *db = NULL;
    if (fl_db_acquire(pool, &db) == FL_DB_OK) {
        fl_db_exec(db, "DROP TABLE IF EXISTS " T_CHILD, "");
        fl_db_exec(db, "DROP TABLE IF EXISTS " T_PARENT, "");
        fl_db_exec(db, "DROP TABLE IF EXISTS " T_ITEMS, "");
        fl_db_release(db);
    }
    fl_db_pool_free(pool);
    pool = NULL;
    mysql_library_end();
    return 0;
}

/* Each test starts with an empty items table and a fully free pool. */
static int setup(void **state)
{
    (void)state;
    if (!pool)
        return 0;
    fl_db *db = take(pool);
    exec_ok(db, "DELETE FROM " T_ITEMS);
    fl_db_release(db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!pool)
        return 0;
    int size, in_use;
    unsigned long long waits;
    fl_db_pool_stats(pool, &size, &in_use, &waits);
    if (in_use != 0) {
        /* A failed assertion jumped past its releases: start the next test
         * from a new pool rather than let the failure spread. */
        fprintf(stderr, "teardown: %d connections were not released; new pool\n", in_use);
        fl_db_pool_free(pool);
        pool = fl_db_pool_new(&cfg);
    }
    return 0;
}

/* -- statements and parameters ------------------------------------------- */

static void test_exec_and_query_params(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    static const unsigned char bin[] = {0x00, 0xff, 'a', 0x00, '\n', 0x7f};

    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name, qty, note, data) VALUES (?, ?, ?, ?)", "sisb",
                                "apple", -9000000000LL, "caf\xc3\xa9 \xe5\x86\x9c", bin, sizeof(bin)),
                     FL_DB_OK);
    assert_int_equal(fl_db_affected(db), 1);
    unsigned long long id1 = fl_db_insert_id(db);
    assert_true(id1 > 0);

    /* NULL for 's' binds SQL NULL */
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name, qty, note) VALUES (?, ?, ?)", "sis", "pear", 7LL,
                                (const char *)NULL),
                     FL_DB_OK);
    unsigned long long id2 = fl_db_insert_id(db);
    assert_int_equal(id2, id1 + 1);

    fl_rows *r = NULL;
    assert_int_equal(fl_db_query(db, &r, "SELECT id, name, qty, note, data, small FROM " T_ITEMS " ORDER BY id", ""),
                     FL_DB_OK);
    assert_int_equal(fl_rows_count(r), 2);
    assert_int_equal(fl_rows_cols(r), 6);
    assert_int_equal(fl_rows_int(r, 0, 0), (long long)id1);
    assert_string_equal(fl_rows_str(r, 0, 1), "apple");
    assert_int_equal(fl_rows_len(r, 0, 1), 5);
    assert_int_equal(fl_rows_int(r, 0, 2), -9000000000LL);
    assert_string_equal(fl_rows_str(r, 0, 2), "-9000000000");
    assert_string_equal(fl_rows_str(r, 0, 3), "caf\xc3\xa9 \xe5\x86\x9c");
    /* binary comes back whole, NUL bytes included */
    assert_int_equal(fl_rows_len(r, 0, 4), sizeof(bin));
    assert_memory_equal(fl_rows_str(r, 0, 4), bin, sizeof(bin));
    assert_null(fl_rows_str(r, 0, 5));
    assert_int_equal(fl_rows_len(r, 0, 5), 0);
    assert_int_equal(fl_rows_int(r, 0, 5), 0);

    assert_string_equal(fl_rows_str(r, 1, 1), "pear");
    assert_int_equal(fl_rows_int(r, 1, 2), 7);
    assert_null(fl_rows_str(r, 1, 3));
    assert_null(fl_rows_str(r, 1, 4));

    /* out of range reads are NULL / 0, not a crash */
    assert_null(fl_rows_str(r, 2, 0));
    assert_null(fl_rows_str(r, 0, 6));
    assert_int_equal(fl_rows_len(r, 9, 9), 0);
    fl_rows_free(r);

    /* parameters in WHERE, 'i' and 's' */
    assert_int_equal(
        fl_db_query(db, &r, "SELECT name FROM " T_ITEMS " WHERE id = ? AND name <> ?", "is", (long long)id2, "apple"),
        FL_DB_OK);
    assert_int_equal(fl_rows_count(r), 1);
    assert_string_equal(fl_rows_str(r, 0, 0), "pear");
    fl_rows_free(r);

    /* a query with no rows */
    assert_int_equal(fl_db_query(db, &r, "SELECT name FROM " T_ITEMS " WHERE id = ?", "i", 0LL), FL_DB_OK);
    assert_non_null(r);
    assert_int_equal(fl_rows_count(r), 0);
    assert_int_equal(fl_rows_cols(r), 1);
    assert_null(fl_rows_str(r, 0, 0));
    fl_rows_free(r);

    fl_db_release(db);
}

static void test_null_rows_accessors(void **state)
{
    (void)state;
    assert_int_equal(fl_rows_count(NULL), 0);
    assert_int_equal(fl_rows_cols(NULL), 0);
    assert_null(fl_rows_str(NULL, 0, 0));
    assert_int_equal(fl_rows_len(NULL, 0, 0), 0);
    assert_int_equal(fl_rows_int(NULL, 0, 0), 0);
    fl_rows_free(NULL);
    fl_db_release(NULL);
    fl_db_pool_free(NULL);
}

static void test_column_types_as_text(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    fl_rows *r = NULL;
    assert_int_equal(fl_db_query(db, &r,
                                 "SELECT CAST(12.50 AS DECIMAL(6,2)), 1.5e0, DATE('2024-02-29'),"
                                 " TIMESTAMP('2024-02-29 13:14:15'), NULL, '', ? IS NULL",
                                 "s", (const char *)NULL),
                     FL_DB_OK);
    assert_int_equal(fl_rows_count(r), 1);
    assert_string_equal(fl_rows_str(r, 0, 0), "12.50");
    assert_string_equal(fl_rows_str(r, 0, 1), "1.5");
    assert_string_equal(fl_rows_str(r, 0, 2), "2024-02-29");
    assert_string_equal(fl_rows_str(r, 0, 3), "2024-02-29 13:14:15");
    assert_null(fl_rows_str(r, 0, 4));
    assert_non_null(fl_rows_str(r, 0, 5)); /* empty string is not NULL */
    assert_string_equal(fl_rows_str(r, 0, 5), "");
    assert_int_equal(fl_rows_int(r, 0, 6), 1);
    fl_rows_free(r);
    fl_db_release(db);
}

/* Values longer than the 64-byte minimum buffer, one row short and one long
 * in the same column, and one past the 1 MiB bound buffer (fetched column by
 * column). */
static void test_long_text(void **state)
{
    (void)state;
    if (!pool)
        skip();
    static const size_t lens[] = {3, 65, 1000, 200 * 1024, (1u << 20) + 4096};
    char *text = fl_malloc(lens[4] + 1);
    for (size_t i = 0; i < lens[4]; i++)
        text[i] = (char)('a' + i % 26);
    fl_db *db = take(pool);
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        char name[16];
        snprintf(name, sizeof(name), "long%zu", k);
        char saved = text[lens[k]];
        text[lens[k]] = '\0';
        int rc = fl_db_exec(db, "INSERT INTO " T_ITEMS " (name, note, data) VALUES (?, ?, ?)", "ssb", name, text, text,
                            lens[k]);
        text[lens[k]] = saved;
        if (rc != FL_DB_OK)
            fail_msg("insert %zu bytes: rc %d (%s)", lens[k], rc, fl_db_error(db));
    }
    fl_rows *r = NULL;
    assert_int_equal(fl_db_query(db, &r, "SELECT name, note, data, LENGTH(note) FROM " T_ITEMS " ORDER BY id", ""),
                     FL_DB_OK);
    assert_int_equal(fl_rows_count(r), 5);
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(fl_rows_int(r, k, 3), (long long)lens[k]);
        for (size_t col = 1; col <= 2; col++) {
            const char *s = fl_rows_str(r, k, col);
            assert_non_null(s);
            if (fl_rows_len(r, k, col) != lens[k])
                fail_msg("row %zu col %zu: %zu bytes back, %zu sent", k, col, fl_rows_len(r, k, col), lens[k]);
            assert_memory_equal(s, text, lens[k]);
            assert_int_equal(s[lens[k]], '\0');
        }
    }
    fl_rows_free(r);

    /* one long value alone (its buffer sized from max_length) */
    assert_int_equal(fl_db_query(db, &r, "SELECT note FROM " T_ITEMS " WHERE name = ?", "s", "long3"), FL_DB_OK);
    assert_int_equal(fl_rows_len(r, 0, 0), lens[3]);
    assert_memory_equal(fl_rows_str(r, 0, 0), text, lens[3]);
    fl_rows_free(r);
    fl_db_release(db);
    fl_free(text);
}

static void test_affected_rows(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    for (long long i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "n%lld", i);
        assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name, qty) VALUES (?, ?)", "si", name, i), FL_DB_OK);
    }
    assert_int_equal(fl_db_exec(db, "UPDATE " T_ITEMS " SET qty = qty + 10 WHERE qty >= ?", "i", 2LL), FL_DB_OK);
    assert_int_equal(fl_db_affected(db), 3);
    assert_int_equal(fl_db_insert_id(db), 0);
    /* CLIENT_FOUND_ROWS: rows matched count even when nothing changes */
    assert_int_equal(fl_db_exec(db, "UPDATE " T_ITEMS " SET qty = qty WHERE qty < ?", "i", 2LL), FL_DB_OK);
    assert_int_equal(fl_db_affected(db), 2);
    assert_int_equal(fl_db_exec(db, "UPDATE " T_ITEMS " SET qty = 1 WHERE id = ?", "i", 0LL), FL_DB_OK);
    assert_int_equal(fl_db_affected(db), 0);
    assert_int_equal(fl_db_exec(db, "DELETE FROM " T_ITEMS " WHERE qty > ?", "i", 10LL), FL_DB_OK);
    assert_int_equal(fl_db_affected(db), 3);
    /* the same statement again (cached) with another parameter */
    assert_int_equal(fl_db_exec(db, "DELETE FROM " T_ITEMS " WHERE qty > ?", "i", -1LL), FL_DB_OK);
    assert_int_equal(fl_db_affected(db), 2);
    fl_db_release(db);
}

/* -- error classification ------------------------------------------------ */

static void test_duplicate_key(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "dup"), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "dup"), FL_DB_EDUP);
    assert_non_null(strstr(fl_db_error(db), "1062"));
    assert_int_equal(db->broken, 0);
    /* the connection is still good */
    assert_int_equal(count_name(db, "dup"), 1);
    fl_db_release(db);
}

static void test_foreign_key_and_range(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_CHILD " (id, parent_id) VALUES (?, ?)", "ii", 1LL, 999LL),
                     FL_DB_EFK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name, small) VALUES (?, ?)", "si", "big", 300LL),
                     FL_DB_ECHECK);
    assert_int_equal(count_name(db, "big"), 0);
    fl_db_release(db);
}

static void test_bad_statements(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    /* a syntax error, logged, the connection is fine afterwards */
    assert_int_equal(fl_db_exec(db, "SELEKT 1", ""), FL_DB_ERR);
    assert_int_equal(db->broken, 0);
    /* parameter count mismatch */
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", ""), FL_DB_ERR);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "ss", "a", "b"), FL_DB_ERR);
    /* an unknown type letter */
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "x", "a"), FL_DB_ERR);
    /* NOT NULL column given NULL: not a connection error */
    assert_true(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", (const char *)NULL) < 0);
    assert_int_equal(db->broken, 0);
    /* fl_db_query on a statement without a result set: no rows */
    fl_rows *r = NULL;
    assert_int_equal(fl_db_query(db, &r, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "q"), FL_DB_OK);
    assert_non_null(r);
    assert_int_equal(fl_rows_count(r), 0);
    fl_rows_free(r);
    assert_int_equal(count_name(db, "q"), 1);
    fl_db_release(db);
}

/* -- transactions ---------------------------------------------------------- */

static void test_rollback_leaves_no_row(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    fl_db *other = take(pool);
    assert_int_equal(fl_db_begin(db), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "rb"), FL_DB_OK);
    assert_int_equal(count_name(db, "rb"), 1);    /* visible inside */
    assert_int_equal(count_name(other, "rb"), 0); /* not outside */
    assert_int_equal(fl_db_rollback(db), FL_DB_OK);
    assert_int_equal(db->in_tx, 0);
    assert_int_equal(count_name(db, "rb"), 0);
    assert_int_equal(count_name(other, "rb"), 0);
    /* autocommit is back on: a plain insert is seen by the other at once */
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "after"), FL_DB_OK);
    assert_int_equal(count_name(other, "after"), 1);
    /* rollback and commit outside a transaction are no-ops */
    assert_int_equal(fl_db_rollback(db), FL_DB_OK);
    assert_int_equal(fl_db_commit(db), FL_DB_OK);
    fl_db_release(other);
    fl_db_release(db);
}

static void test_commit_keeps_row(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    fl_db *other = take(pool);
    assert_int_equal(fl_db_begin(db), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "c1"), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "c2"), FL_DB_OK);
    assert_int_equal(count_name(other, "c1"), 0);
    assert_int_equal(fl_db_commit(db), FL_DB_OK);
    assert_int_equal(db->in_tx, 0);
    assert_int_equal(count_name(other, "c1"), 1);
    assert_int_equal(count_name(other, "c2"), 1);
    fl_db_release(other);
    fl_db_release(db);
}

static void test_release_inside_transaction_rolls_back(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    assert_int_equal(fl_db_begin(db), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "forgotten"), FL_DB_OK);
    fl_db_release(db); /* no commit */
    assert_int_equal(db->in_tx, 0);

    /* Whichever connection comes next (the same one: the free list is a
     * stack) sees no row and runs in autocommit mode again. */
    fl_db *again = take(pool);
    assert_ptr_equal(again, db);
    assert_int_equal(count_name(again, "forgotten"), 0);
    assert_int_equal(fl_db_exec(again, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "auto"), FL_DB_OK);
    fl_db *other = take(pool);
    assert_int_equal(count_name(other, "auto"), 1);
    fl_db_release(other);
    fl_db_release(again);
}

/* A duplicate inside a transaction does not end it: the earlier insert is
 * still there to commit or roll back. */
static void test_error_inside_transaction(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    assert_int_equal(fl_db_begin(db), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "tx1"), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "tx1"), FL_DB_EDUP);
    assert_int_equal(db->in_tx, 1);
    assert_int_equal(fl_db_rollback(db), FL_DB_OK);
    assert_int_equal(count_name(db, "tx1"), 0);
    fl_db_release(db);
}

/* -- the pool ------------------------------------------------------------- */

struct waiter {
    fl_db_pool *pool;
    int rc;
    fl_db *got;
};

static void *wait_for_conn(void *arg)
{
    struct waiter *w = arg;
    w->rc = fl_db_acquire(w->pool, &w->got);
    if (w->rc == FL_DB_OK)
        fl_db_release(w->got);
    return NULL;
}

static void test_pool_exhaustion(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db_pool *p = small_pool(1);
    int size, in_use;
    unsigned long long waits;

    fl_db *a = take(p);
    fl_db_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(size, 1);
    assert_int_equal(in_use, 1);
    assert_int_equal(waits, 0);

    /* nobody gives it back: a timeout, counted as a wait */
    fl_db *b = (fl_db *)1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(acquire_timeout(p, &b, 200), FL_DB_ETIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_null(b);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 150 && ms < 2000);
    fl_db_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(in_use, 1);
    assert_int_equal(waits, 1);

    /* a waiter gets the connection as soon as it is released */
    struct waiter w = {p, 1, NULL};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_for_conn, &w), 0);
    for (int i = 0; i < 500 && waits < 2; i++) { /* until the thread waits */
        usleep(10 * 1000);
        fl_db_pool_stats(p, &size, &in_use, &waits);
    }
    assert_int_equal(waits, 2);
    fl_db_release(a);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.rc, FL_DB_OK);
    assert_ptr_equal(w.got, a);

    fl_db_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(in_use, 0);
    assert_int_equal(fl_db_pool_ping(p), FL_DB_OK);
    fl_db_pool_free(p);
}

static void test_pool_unreachable_server(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_config c = cfg;
    c.db_pool = 2;
    c.db_port = 1; /* nothing listens there */
    snprintf(c.db_host, sizeof(c.db_host), "127.0.0.1");
    c.db_socket[0] = '\0';
    fl_db_pool *p = fl_db_pool_new(&c);
    fl_db *db = (fl_db *)1;
    assert_int_equal(fl_db_acquire(p, &db), FL_DB_EDOWN);
    assert_null(db);
    assert_int_equal(fl_db_pool_ping(p), FL_DB_EDOWN);
    int size, in_use;
    unsigned long long waits;
    fl_db_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(in_use, 0); /* a failed acquire gives the slot back */
    fl_db_pool_free(p);
}

/* -- the statement cache ---------------------------------------------------- */

static long long session_status(fl_db *db, const char *name)
{
    fl_rows *r = NULL;
    int rc = fl_db_query(db, &r, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = ?",
                         "s", name);
    if (rc != FL_DB_OK)
        fail_msg("status %s: rc %d (%s)", name, rc, fl_db_error(db));
    long long v = fl_rows_int(r, 0, 0);
    fl_rows_free(r);
    return v;
}

/* More distinct statements than the cache holds, on a fresh connection so
 * the server's counters are this test's alone. */
static void test_statement_cache_eviction(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db_pool *p = small_pool(1);
    fl_db *db = take(p);
    const size_t n = STMT_CACHE + 20;
    char sql[64];
    /* A statement used between every other one stays cached (LRU). */
    const char *hot = "SELECT ? + 1000000";
    for (size_t i = 0; i < n; i++) {
        fl_rows *r = NULL;
        snprintf(sql, sizeof(sql), "SELECT ? + %zu", i);
        assert_int_equal(fl_db_query(db, &r, sql, "i", 1LL), FL_DB_OK);
        assert_int_equal(fl_rows_int(r, 0, 0), (long long)i + 1);
        fl_rows_free(r);
        assert_int_equal(fl_db_query(db, &r, hot, "i", (long long)i), FL_DB_OK);
        assert_int_equal(fl_rows_int(r, 0, 0), (long long)i + 1000000);
        fl_rows_free(r);
        assert_true(db->ncache <= STMT_CACHE);
    }
    assert_int_equal(db->ncache, STMT_CACHE);
    int hot_cached = 0, first_cached = 0;
    for (size_t i = 0; i < db->ncache; i++) {
        hot_cached |= strcmp(db->cache[i].sql, hot) == 0;
        first_cached |= strcmp(db->cache[i].sql, "SELECT ? + 0") == 0;
    }
    assert_true(hot_cached);
    assert_false(first_cached);

    /* every statement still runs, evicted ones are prepared again */
    for (size_t i = 0; i < n; i += 7) {
        fl_rows *r = NULL;
        snprintf(sql, sizeof(sql), "SELECT ? + %zu", i);
        assert_int_equal(fl_db_query(db, &r, sql, "i", 2LL), FL_DB_OK);
        assert_int_equal(fl_rows_int(r, 0, 0), (long long)i + 2);
        fl_rows_free(r);
    }
    assert_int_equal(db->ncache, STMT_CACHE);

    /* evicted statements are closed on the server too: it holds exactly
     * the cached ones (the status query below is prepared and cached) */
    long long prepared = session_status(db, "COM_STMT_PREPARE");
    long long closed = session_status(db, "COM_STMT_CLOSE");
    if (prepared - closed != (long long)db->ncache)
        fail_msg("server: %lld prepared, %lld closed; cache holds %zu", prepared, closed, db->ncache);
    fl_db_release(db);
    fl_db_pool_free(p);
}

/* -- reconnect ---------------------------------------------------------------- */

static void test_reconnect_after_kill(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    fl_db *killer = take(pool);
    long long id = connection_id(db);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "before"), FL_DB_OK);
    kill_connection(killer, id);

    /* a cached statement on the dead connection: retried on a new one */
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "after"), FL_DB_OK);
    assert_int_equal(db->broken, 0);
    long long id2 = connection_id(db);
    assert_true(id2 != id);
    assert_int_equal(count_name(killer, "after"), 1);
    /* the session was set up again (init command) */
    fl_rows *r = NULL;
    assert_int_equal(fl_db_query(db, &r, "SELECT @@session.time_zone", ""), FL_DB_OK);
    assert_string_equal(fl_rows_str(r, 0, 0), "+00:00");
    fl_rows_free(r);
    fl_db_release(killer);
    fl_db_release(db);
}

/* A connection killed while idle in the pool: the next user's first
 * statement still works. */
static void test_reconnect_idle_in_pool(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    long long id = connection_id(db);
    fl_db *killer = take(pool);
    fl_db_release(db);
    kill_connection(killer, id);
    fl_db_release(killer);

    fl_db *again = take(pool); /* the stack hands back the last released */
    fl_db *again2 = take(pool);
    fl_db *victim = again->index == db->index ? again : again2;
    assert_ptr_equal(victim, db);
    fl_rows *r = NULL;
    assert_int_equal(fl_db_query(victim, &r, "SELECT ? * 2", "i", 21LL), FL_DB_OK);
    assert_int_equal(fl_rows_int(r, 0, 0), 42);
    fl_rows_free(r);
    assert_true(connection_id(victim) != id);
    fl_db_release(again2);
    fl_db_release(again);
    assert_int_equal(fl_db_pool_ping(pool), FL_DB_OK);
}

/* Inside a transaction a lost connection is not retried (the transaction's
 * earlier work is gone): the error is EDOWN, and the pool reopens the
 * connection on the next acquire. */
static void test_kill_inside_transaction(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    fl_db *killer = take(pool);
    long long id = connection_id(db);
    assert_int_equal(fl_db_begin(db), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "lost"), FL_DB_OK);
    kill_connection(killer, id);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "lost2"), FL_DB_EDOWN);
    assert_int_equal(db->broken, 1);
    /* the commit must not claim success for the lost transaction */
    assert_int_equal(fl_db_commit(db), FL_DB_EDOWN);
    assert_int_equal(db->in_tx, 0);
    fl_db_release(db);
    assert_int_equal(count_name(killer, "lost"), 0);
    assert_int_equal(count_name(killer, "lost2"), 0);
    fl_db_release(killer);

    fl_db *again = take(pool);
    fl_db *again2 = take(pool);
    assert_int_equal(again->broken, 0);
    assert_int_equal(again2->broken, 0);
    assert_int_equal(count_name(again, "lost"), 0);
    assert_int_equal(count_name(again2, "lost"), 0);
    fl_db_release(again2);
    fl_db_release(again);
}

/* fl_db_exec on a statement that returns rows: the rows are thrown away and
 * the connection stays in step for the next statement. */
static void test_exec_discards_result_set(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    assert_int_equal(fl_db_exec(db, "SELECT ? UNION ALL SELECT 2", "i", 1LL), FL_DB_OK);
    fl_rows *r = NULL;
    int rc = fl_db_query(db, &r, "SELECT ? + 1", "i", 41LL);
    if (rc != FL_DB_OK)
        fail_msg("the statement after an exec of a SELECT: rc %d (%s)", rc, fl_db_error(db));
    assert_int_equal(fl_rows_int(r, 0, 0), 42);
    fl_rows_free(r);
    /* the same SELECT again through exec (cached statement) */
    assert_int_equal(fl_db_exec(db, "SELECT ? UNION ALL SELECT 2", "i", 1LL), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "SELECT ? UNION ALL SELECT 2", "i", 1LL), FL_DB_OK);
    assert_int_equal(fl_db_begin(db), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "SELECT ? UNION ALL SELECT 2", "i", 1LL), FL_DB_OK);
    assert_int_equal(fl_db_commit(db), FL_DB_OK);
    fl_db_release(db);
}

/* fl_db_begin on a connection killed while idle reopens it. */
static void test_begin_after_idle_kill(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    fl_db *killer = take(pool);
    kill_connection(killer, connection_id(db));
    assert_int_equal(fl_db_begin(db), FL_DB_OK);
    assert_int_equal(fl_db_exec(db, "INSERT INTO " T_ITEMS " (name) VALUES (?)", "s", "tx-after-kill"), FL_DB_OK);
    assert_int_equal(count_name(killer, "tx-after-kill"), 0);
    assert_int_equal(fl_db_commit(db), FL_DB_OK);
    assert_int_equal(count_name(killer, "tx-after-kill"), 1);
    fl_db_release(killer);
    fl_db_release(db);
}

static void test_exec_script(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_db *db = take(pool);
    static const char script[] = "INSERT INTO " T_ITEMS " (name) VALUES ('s1');\n"
                                 "SELECT 1;\n"
                                 "INSERT INTO " T_ITEMS " (name) VALUES ('s2');\n";
    assert_int_equal(fl_db_exec_script(db, script, sizeof(script) - 1), FL_DB_OK);
    assert_int_equal(count_name(db, "s1"), 1);
    assert_int_equal(count_name(db, "s2"), 1);
    static const char bad[] = "INSERT INTO " T_ITEMS " (name) VALUES ('s3');\n"
                              "INSERT INTO " T_ITEMS " (name) VALUES ('s1');\n";
    assert_int_equal(fl_db_exec_script(db, bad, sizeof(bad) - 1), FL_DB_EDUP);
    /* the connection is usable after a failed script */
    assert_int_equal(count_name(db, "s3"), 1);
    fl_db_release(db);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);         /* as the shop does: a dead peer is an error, not a signal */
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's lines whole beside stderr */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_exec_and_query_params),
        T(test_null_rows_accessors),
        T(test_column_types_as_text),
        T(test_long_text),
        T(test_affected_rows),
        T(test_duplicate_key),
        T(test_foreign_key_and_range),
        T(test_bad_statements),
        T(test_rollback_leaves_no_row),
        T(test_commit_keeps_row),
        T(test_release_inside_transaction_rolls_back),
        T(test_error_inside_transaction),
        T(test_pool_exhaustion),
        T(test_pool_unreachable_server),
        T(test_statement_cache_eviction),
        T(test_reconnect_after_kill),
        T(test_reconnect_idle_in_pool),
        T(test_kill_inside_transaction),
        T(test_begin_after_idle_kill),
        T(test_exec_discards_result_set),
        T(test_exec_script),
    };
#undef T
    return cmocka_run_group_tests_name("db", tests, group_setup, group_teardown);
}
