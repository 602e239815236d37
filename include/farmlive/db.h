/* db.h - MariaDB connection pool, prepared statements only, transactions.
 *
 * A pool holds `size` connections, opened lazily. fl_db_acquire() hands one
 * out (waiting at most acquire_timeout_ms); fl_db_release() gives it back and
 * accepts NULL. A connection that saw a connection-level error is marked
 * broken and reopened on its next acquire, so the pool recovers by itself
 * when the server comes back. A released connection still inside a
 * transaction is rolled back first.
 *
 * Statements: every fl_db_exec/fl_db_query call goes through a server-side
 * prepared statement, cached per connection by SQL text. Parameters are
 * described by a type string, one letter per parameter:
 *   'i'  long long
 *   's'  const char *   (NULL binds SQL NULL)
 *   'b'  const void *, size_t   (binary)
 * Results are fetched whole and every column is returned as text (NULL for
 * SQL NULL); fl_rows_int() parses integers.
 *
 * Status vocabulary of this layer: FL_DB_OK (0) or a negative FL_DB_E*. */
#ifndef FARMLIVE_DB_H
#define FARMLIVE_DB_H

#include <stddef.h>
#include "farmlive/config.h"

enum {
    FL_DB_OK = 0,
    FL_DB_EDOWN = -1,     /* server unreachable or connection lost */
    FL_DB_ETIMEOUT = -2,  /* no free connection in time */
    FL_DB_EDUP = -3,      /* duplicate key */
    FL_DB_EFK = -4,       /* foreign key violation */
    FL_DB_EDEADLOCK = -5, /* deadlock or lock wait timeout: retry the transaction */
    FL_DB_ECHECK = -6,    /* CHECK constraint or data out of range */
    FL_DB_ERR = -7        /* any other error (logged) */
};

typedef struct fl_db_pool fl_db_pool;
typedef struct fl_db fl_db;
typedef struct fl_rows fl_rows;

fl_db_pool *fl_db_pool_new(const fl_config *cfg);
void fl_db_pool_free(fl_db_pool *pool);

int fl_db_acquire(fl_db_pool *pool, fl_db **out);
void fl_db_release(fl_db *db);

/* Runs a statement without a result set. Affected rows and the last insert
 * id are then available from fl_db_affected() / fl_db_insert_id(). */
int fl_db_exec(fl_db *db, const char *sql, const char *types, ...);
/* Runs a query; on FL_DB_OK *out holds every row (free with fl_rows_free). */
int fl_db_query(fl_db *db, fl_rows **out, const char *sql, const char *types, ...);

unsigned long long fl_db_affected(const fl_db *db);
unsigned long long fl_db_insert_id(const fl_db *db);
const char *fl_db_error(const fl_db *db);

int fl_db_begin(fl_db *db);
int fl_db_commit(fl_db *db);
int fl_db_rollback(fl_db *db);

/* Runs a script of several statements (migrations only: trusted text from
 * schema/, never user input). */
int fl_db_exec_script(fl_db *db, const char *sql, size_t len);

size_t fl_rows_count(const fl_rows *r);
size_t fl_rows_cols(const fl_rows *r);
const char *fl_rows_str(const fl_rows *r, size_t row, size_t col);
size_t fl_rows_len(const fl_rows *r, size_t row, size_t col);
long long fl_rows_int(const fl_rows *r, size_t row, size_t col);
void fl_rows_free(fl_rows *r);

/* 0 when a connection answers a ping, else FL_DB_EDOWN. */
int fl_db_pool_ping(fl_db_pool *pool);
void fl_db_pool_stats(fl_db_pool *pool, int *size, int *in_use, unsigned long long *waits);

#endif
