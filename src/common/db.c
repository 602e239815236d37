/* db.c - MariaDB pool over Connector/C prepared statements.
 *
 *   fl_db_pool: conns[size], a stack of free indexes, mutex + condvar
 *   fl_db:      one MYSQL handle, its statement cache, broken/in_tx flags
 *
 * A connection is opened on first acquire and reopened on the acquire after
 * a connection-level error, so a restarted server is picked up by itself.
 * Outside a transaction a statement that fails because the connection was
 * lost is retried once on a fresh connection. */
#include "farmlive/db.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/slots.h"

#include <errno.h>
#include <mysql.h>
#include <errmsg.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STMT_CACHE 96
#define ACQUIRE_TIMEOUT_MS 5000
#define PING_TIMEOUT_MS 1000

struct cached_stmt {
    char *sql;
    MYSQL_STMT *stmt;
    unsigned long long last_use;
};

struct fl_db {
    fl_db_pool *pool;
    int index;
    MYSQL *mysql;
    int broken;    /* connection unusable: reopen on next acquire */
    int maybe_ran; /* the last failed statement may have run on the server */
    int in_tx;
    struct cached_stmt cache[STMT_CACHE];
    size_t ncache;
    unsigned long long tick;
    unsigned long long affected;
    unsigned long long insert_id;
    char err[256];
};

struct fl_db_pool {
    fl_config cfg;
    fl_db *conns;
    fl_slots slots;
};

struct cell {
    char *s; /* NULL for SQL NULL */
    size_t len;
};

struct fl_rows {
    size_t nrows;
    size_t ncols;
    size_t ncells; /* allocated: rows counted by the server * ncols */
    struct cell *cells;
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
    mysql_library_init(0, NULL, NULL);
}

/* -- error classification ---------------------------------------------- */

static int classify(unsigned int code)
{
    switch (code) {
    case 0:
        return FL_DB_OK;
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_LOST_EXTENDED:
    case 1053: /* ER_SERVER_SHUTDOWN */
    case 1927: /* ER_CONNECTION_KILLED */
    case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */
        return FL_DB_EDOWN;
    case 1062: /* ER_DUP_ENTRY */
    case 1586:
        return FL_DB_EDUP;
    case 1216:
    case 1217:
    case 1451:
    case 1452:
        return FL_DB_EFK;
    case 1205: /* lock wait timeout */
    case 1213: /* deadlock */
        return FL_DB_EDEADLOCK;
    case 1264: /* out of range */
    case 1265: /* data truncated */
    case 1292: /* incorrect datetime */
    case 1366: /* incorrect value */
    case 1406: /* data too long */
    case 4025: /* CHECK constraint failed */
        return FL_DB_ECHECK;
    default:
        return FL_DB_ERR;
    }
}

static int fail(fl_db *db, unsigned int code, const char *msg, const char *sql)
{
    int rc = classify(code);
    snprintf(db->err, sizeof(db->err), "%u: %s", code, msg ? msg : "");
    if (rc == FL_DB_EDOWN)
        db->broken = 1;
    if (rc == FL_DB_ERR || rc == FL_DB_EDOWN)
        fl_log(rc == FL_DB_EDOWN ? FL_LOG_WARN : FL_LOG_ERROR, "db_error", "%s (sql: %.200s)", db->err,
               sql ? sql : "-");
    return rc;
}

/* -- connections ------------------------------------------------------- */

static void conn_close(fl_db *db)
{
    for (size_t i = 0; i < db->ncache; i++) {
        mysql_stmt_close(db->cache[i].stmt);
        fl_free(db->cache[i].sql);
    }
    db->ncache = 0;
    if (db->mysql)
        mysql_close(db->mysql);
    db->mysql = NULL;
    db->in_tx = 0;
}

static int conn_open(fl_db *db)
{
    const fl_config *c = &db->pool->cfg;
    unsigned int connect_timeout = 2, io_timeout = 30;
    my_bool off = 0;

    conn_close(db);
    db->mysql = mysql_init(NULL);
    if (!db->mysql)
        return FL_DB_EDOWN;
    mysql_options(db->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(db->mysql, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(db->mysql, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(db->mysql, MYSQL_OPT_RECONNECT, &off);
    mysql_options(db->mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    /* autocommit on whatever the server's default: fl_db_begin opens transactions */
    mysql_options(db->mysql, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00', autocommit = 1");
    /* with a socket path the host must be "localhost", or TCP is used */
    if (!mysql_real_connect(db->mysql, c->db_socket[0] ? "localhost" : c->db_host, c->db_user, c->db_password,
                            c->db_name, (unsigned int)c->db_port, c->db_socket[0] ? c->db_socket : NULL,
                            CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS)) {
        snprintf(db->err, sizeof(db->err), "%u: %s", mysql_errno(db->mysql), mysql_error(db->mysql));
        fl_log(FL_LOG_WARN, "db_connect_failed", "%s", db->err);
        mysql_close(db->mysql);
        db->mysql = NULL;
        db->broken = 1;
        return FL_DB_EDOWN;
    }
    db->broken = 0;
    return FL_DB_OK;
}

fl_db_pool *fl_db_pool_new(const fl_config *cfg)
{
    pthread_once(&lib_once, lib_init);
    fl_db_pool *p = fl_calloc(1, sizeof(*p));
    p->cfg = *cfg;
    fl_slots_init(&p->slots, cfg->db_pool);
    p->conns = fl_calloc((size_t)p->slots.size, sizeof(fl_db));
    for (int i = 0; i < p->slots.size; i++) {
        p->conns[i].pool = p;
        p->conns[i].index = i;
        p->conns[i].broken = 1;
    }
    return p;
}

void fl_db_pool_free(fl_db_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->slots.size; i++)
        conn_close(&p->conns[i]);
    fl_slots_destroy(&p->slots);
    fl_free(p->conns);
    fl_free(p);
}

static int acquire_timeout(fl_db_pool *p, fl_db **out, int timeout_ms)
{
    *out = NULL;
    int index = fl_slots_take(&p->slots, timeout_ms);
    if (index < 0)
        return FL_DB_ETIMEOUT;
    fl_db *db = &p->conns[index];

    /* A connection that sat idle while the server restarted is reopened
     * here, before anyone uses it. */
    if (db->broken || !db->mysql || fl_idle_conn_closed((int)mysql_get_socket(db->mysql))) {
        int rc = conn_open(db);
        if (rc != FL_DB_OK) {
            fl_db_release(db);
            return FL_DB_EDOWN;
        }
    }
    db->affected = db->insert_id = 0;
    db->err[0] = '\0';
    *out = db;
    return FL_DB_OK;
}

int fl_db_acquire(fl_db_pool *p, fl_db **out)
{
    return acquire_timeout(p, out, ACQUIRE_TIMEOUT_MS);
}

void fl_db_release(fl_db *db)
{
    if (!db)
        return;
    if (db->in_tx && !db->broken)
        fl_db_rollback(db);
    db->in_tx = 0;
    fl_db_pool *p = db->pool;
    fl_slots_put(&p->slots, db->index);
}

/* -- statements -------------------------------------------------------- */

static MYSQL_STMT *stmt_get(fl_db *db, const char *sql, int *rc)
{
    db->tick++;
    for (size_t i = 0; i < db->ncache; i++) {
        if (db->cache[i].sql == sql || strcmp(db->cache[i].sql, sql) == 0) {
            db->cache[i].last_use = db->tick;
            return db->cache[i].stmt;
        }
    }
    MYSQL_STMT *st = mysql_stmt_init(db->mysql);
    if (!st) {
        *rc = fail(db, mysql_errno(db->mysql), mysql_error(db->mysql), sql);
        return NULL;
    }
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
        *rc = fail(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        mysql_stmt_close(st);
        return NULL;
    }
    size_t slot = db->ncache;
    if (slot == STMT_CACHE) {
        slot = 0; /* evict the least recently used */
        for (size_t i = 1; i < db->ncache; i++)
            if (db->cache[i].last_use < db->cache[slot].last_use)
                slot = i;
        mysql_stmt_close(db->cache[slot].stmt);
        fl_free(db->cache[slot].sql);
    } else {
        db->ncache++;
    }
    db->cache[slot].sql = fl_strdup(sql);
    db->cache[slot].stmt = st;
    db->cache[slot].last_use = db->tick;
    return st;
}

static void rows_free_cells(struct cell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fl_free(cells[i].s);
    fl_free(cells);
}

/* Fetches the whole result of an executed statement into rows. */
static int fetch_all(fl_db *db, MYSQL_STMT *st, const char *sql, fl_rows **out)
{
    int rc = FL_DB_OK;
    my_bool on = 1;
    MYSQL_RES *meta = mysql_stmt_result_metadata(st);
    fl_rows *rows = fl_calloc(1, sizeof(*rows));
    MYSQL_BIND *binds = NULL;
    unsigned long *lens = NULL;
    my_bool *nulls = NULL, *errs = NULL;
    char **bufs = NULL;
    size_t cap = 0;

    if (!meta) {
        *out = rows;
        return FL_DB_OK;
    }
    size_t ncols = mysql_num_fields(meta);
    rows->ncols = ncols;
    mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
    if (mysql_stmt_store_result(st) != 0) {
        rc = fail(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        goto out_free_meta;
    }
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    binds = fl_calloc(ncols, sizeof(*binds));
    lens = fl_calloc(ncols, sizeof(*lens));
    nulls = fl_calloc(ncols, sizeof(*nulls));
    errs = fl_calloc(ncols, sizeof(*errs));
    bufs = fl_calloc(ncols, sizeof(*bufs));
    for (size_t c = 0; c < ncols; c++) {
        size_t size = fields[c].max_length < 64 ? 64 : fields[c].max_length;
        if (size > 1u << 20)
            size = 1u << 20; /* longer values are fetched column by column */
        bufs[c] = fl_malloc(size + 1);
        binds[c].buffer_type = MYSQL_TYPE_STRING;
        binds[c].buffer = bufs[c];
        binds[c].buffer_length = size;
        binds[c].length = &lens[c];
        binds[c].is_null = &nulls[c];
        binds[c].error = &errs[c];
    }
    if (mysql_stmt_bind_result(st, binds) != 0) {
        rc = fail(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        goto out_free_bufs;
    }
    size_t nrows = (size_t)mysql_stmt_num_rows(st);
    cap = nrows * ncols;
    rows->cells = fl_calloc(cap ? cap : 1, sizeof(struct cell));
    rows->ncells = cap;
    for (size_t r = 0;; r++) {
        int f = mysql_stmt_fetch(st);
        if (f == MYSQL_NO_DATA)
            break;
        if (f == 1) {
            rc = fail(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
            goto out_free_bufs;
        }
        if (r >= nrows)
            break;
        for (size_t c = 0; c < ncols; c++) {
            struct cell *cell = &rows->cells[r * ncols + c];
            if (nulls[c])
                continue;
            cell->len = lens[c];
            cell->s = fl_malloc(lens[c] + 1);
            if (lens[c] > binds[c].buffer_length) {
                MYSQL_BIND one = {0};
                unsigned long got = 0;
                one.buffer_type = MYSQL_TYPE_STRING;
                one.buffer = cell->s;
                one.buffer_length = lens[c];
                one.length = &got;
                if (mysql_stmt_fetch_column(st, &one, (unsigned int)c, 0) != 0) {
                    rc = fail(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
                    goto out_free_bufs;
                }
            } else {
                memcpy(cell->s, bufs[c], lens[c]);
            }
            cell->s[lens[c]] = '\0';
        }
        rows->nrows = r + 1;
    }

out_free_bufs:
    for (size_t c = 0; bufs && c < ncols; c++)
        fl_free(bufs[c]);
    fl_free(bufs);
    fl_free(binds);
    fl_free(lens);
    fl_free(nulls);
    fl_free(errs);
    mysql_stmt_free_result(st);
out_free_meta:
    mysql_free_result(meta);
    if (rc == FL_DB_OK)
        *out = rows;
    else
        fl_rows_free(rows);
    return rc;
}

static int run_once(fl_db *db, fl_rows **out, const char *sql, const char *types, va_list ap)
{
    int rc = FL_DB_OK;
    size_t n = strlen(types);
    MYSQL_BIND binds[32];
    long long ints[32];
    unsigned long lens[32];

    if (n > 32) {
        fl_log(FL_LOG_ERROR, "db_error", "more than 32 parameters: %.200s", sql);
        return FL_DB_ERR;
    }
    if (db->broken || !db->mysql)
        return FL_DB_EDOWN;
    if (fl_idle_conn_closed((int)mysql_get_socket(db->mysql))) {
        /* Nothing was sent yet: outside a transaction a new connection is
         * safe; inside one, the transaction is gone with the connection. */
        db->broken = 1;
        if (db->in_tx)
            return FL_DB_EDOWN;
        if (conn_open(db) != FL_DB_OK)
            return FL_DB_EDOWN;
    }
    MYSQL_STMT *st = stmt_get(db, sql, &rc);
    if (!st)
        return rc;
    if (mysql_stmt_param_count(st) != n) {
        fl_log(FL_LOG_ERROR, "db_error", "statement takes %lu parameters, %zu given: %.200s",
               mysql_stmt_param_count(st), n, sql);
        return FL_DB_ERR;
    }
    memset(binds, 0, sizeof(binds));
    for (size_t i = 0; i < n; i++) {
        switch (types[i]) {
        case 'i':
            ints[i] = va_arg(ap, long long);
            binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
            binds[i].buffer = &ints[i];
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) {
                binds[i].buffer_type = MYSQL_TYPE_NULL;
                break;
            }
            lens[i] = (unsigned long)strlen(s);
            binds[i].buffer_type = MYSQL_TYPE_STRING;
            binds[i].buffer = (void *)s;
            binds[i].buffer_length = lens[i];
            binds[i].length = &lens[i];
            break;
        }
        case 'b': {
            const void *b = va_arg(ap, const void *);
            lens[i] = (unsigned long)va_arg(ap, size_t);
            binds[i].buffer_type = MYSQL_TYPE_BLOB;
            binds[i].buffer = (void *)b;
            binds[i].buffer_length = lens[i];
            binds[i].length = &lens[i];
            break;
        }
        default:
            fl_log(FL_LOG_ERROR, "db_error", "bad parameter type '%c'", types[i]);
            return FL_DB_ERR;
        }
    }
    if (n && mysql_stmt_bind_param(st, binds) != 0)
        return fail(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
    if (mysql_stmt_execute(st) != 0) {
        unsigned int code = mysql_stmt_errno(st);
        /* Lost while the server may already have run it: never retried. */
        if (code == CR_SERVER_LOST || code == CR_SERVER_LOST_EXTENDED)
            db->maybe_ran = 1;
        return fail(db, code, mysql_stmt_error(st), sql);
    }
    if (out)
        return fetch_all(db, st, sql, out);
    db->affected = mysql_stmt_affected_rows(st);
    db->insert_id = mysql_stmt_insert_id(st);
    if (mysql_stmt_field_count(st) > 0) {
        /* rows nobody asked for: read and drop them, or the connection is
         * out of sync for its next statement */
        if (mysql_stmt_store_result(st) != 0)
            return fail(db, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        mysql_stmt_free_result(st);
    }
    return FL_DB_OK;
}

static int run(fl_db *db, fl_rows **out, const char *sql, const char *types, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    db->maybe_ran = 0;
    int rc = run_once(db, out, sql, types, ap2);
    va_end(ap2);
    if (rc == FL_DB_EDOWN && !db->in_tx && !db->maybe_ran) {
        /* The connection died while idle, before the statement reached the
         * server: one retry on a new connection. */
        if (conn_open(db) == FL_DB_OK) {
            va_copy(ap2, ap);
            rc = run_once(db, out, sql, types, ap2);
            va_end(ap2);
        }
    }
    return rc;
}

int fl_db_exec(fl_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = run(db, NULL, sql, types, ap);
    va_end(ap);
    return rc;
}

int fl_db_query(fl_db *db, fl_rows **out, const char *sql, const char *types, ...)
{
    va_list ap;
    *out = NULL;
    va_start(ap, types);
    int rc = run(db, out, sql, types, ap);
    va_end(ap);
    return rc;
}

unsigned long long fl_db_affected(const fl_db *db)
{
    return db->affected;
}

unsigned long long fl_db_insert_id(const fl_db *db)
{
    return db->insert_id;
}

const char *fl_db_error(const fl_db *db)
{
    return db->err;
}

/* -- transactions ------------------------------------------------------ */

int fl_db_begin(fl_db *db)
{
    static const char start[] = "START TRANSACTION";
    if (db->broken || !db->mysql) {
        if (conn_open(db) != FL_DB_OK)
            return FL_DB_EDOWN;
    }
    /* one round trip, and none after COMMIT or ROLLBACK: autocommit stays
     * on outside transactions (toggling it cost one more each way) */
    if (mysql_real_query(db->mysql, start, sizeof(start) - 1) != 0) {
        int rc = fail(db, mysql_errno(db->mysql), mysql_error(db->mysql), "BEGIN");
        if (rc == FL_DB_EDOWN && conn_open(db) == FL_DB_OK &&
            mysql_real_query(db->mysql, start, sizeof(start) - 1) == 0)
            goto started;
        return rc;
    }
started:
    db->in_tx = 1;
    return FL_DB_OK;
}

int fl_db_commit(fl_db *db)
{
    int rc = FL_DB_OK;
    if (!db->in_tx)
        return FL_DB_OK;
    if (mysql_commit(db->mysql) != 0) {
        rc = fail(db, mysql_errno(db->mysql), mysql_error(db->mysql), "COMMIT");
        if (!db->broken)
            mysql_rollback(db->mysql);
    }
    db->in_tx = 0;
    return rc;
}

int fl_db_rollback(fl_db *db)
{
    int rc = FL_DB_OK;
    if (!db->in_tx)
        return FL_DB_OK;
    if (!db->broken && mysql_rollback(db->mysql) != 0)
        rc = fail(db, mysql_errno(db->mysql), mysql_error(db->mysql), "ROLLBACK");
    db->in_tx = 0;
    return rc;
}

int fl_db_exec_script(fl_db *db, const char *sql, size_t len)
{
    int rc = FL_DB_OK;
    if (mysql_real_query(db->mysql, sql, (unsigned long)len) != 0)
        return fail(db, mysql_errno(db->mysql), mysql_error(db->mysql), "script");
    for (;;) {
        MYSQL_RES *res = mysql_store_result(db->mysql);
        if (res)
            mysql_free_result(res);
        int next = mysql_next_result(db->mysql);
        if (next == -1)
            break;
        if (next > 0)
            return fail(db, mysql_errno(db->mysql), mysql_error(db->mysql), "script");
    }
    return rc;
}

/* -- rows -------------------------------------------------------------- */

size_t fl_rows_count(const fl_rows *r)
{
    return r ? r->nrows : 0;
}

size_t fl_rows_cols(const fl_rows *r)
{
    return r ? r->ncols : 0;
}

const char *fl_rows_str(const fl_rows *r, size_t row, size_t col)
{
    if (!r || row >= r->nrows || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col].s;
}

size_t fl_rows_len(const fl_rows *r, size_t row, size_t col)
{
    if (!r || row >= r->nrows || col >= r->ncols)
        return 0;
    return r->cells[row * r->ncols + col].len;
}

long long fl_rows_int(const fl_rows *r, size_t row, size_t col)
{
    const char *s = fl_rows_str(r, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

void fl_rows_free(fl_rows *r)
{
    if (!r)
        return;
    if (r->cells)
        rows_free_cells(r->cells, r->ncells);
    fl_free(r);
}

/* -- health ------------------------------------------------------------ */

int fl_db_pool_ping(fl_db_pool *p)
{
    fl_db *db = NULL;
    int rc = acquire_timeout(p, &db, PING_TIMEOUT_MS);
    if (rc != FL_DB_OK)
        return rc == FL_DB_ETIMEOUT ? FL_DB_ETIMEOUT : FL_DB_EDOWN;
    if (mysql_ping(db->mysql) != 0) {
        db->broken = 1;
        rc = FL_DB_EDOWN;
    }
    fl_db_release(db);
    return rc;
}

void fl_db_pool_stats(fl_db_pool *p, int *size, int *in_use, unsigned long long *waits)
{
    fl_slots_stats(&p->slots, size, in_use, waits);
}
