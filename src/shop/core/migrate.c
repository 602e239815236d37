/* migrate.c - numbered migrations and the demo seed.
 *
 * schema/migrations/NNN_name.sql files are applied in version order under a
 * MariaDB named lock (two shops starting together do not both migrate).
 * Each applied version is recorded in schema_migrations with the file's
 * SHA-256; a changed file that was already applied is reported, not re-run.
 * DDL commits implicitly in MariaDB, so a file that fails half-way may leave
 * its first statements applied: the error names the file to fix. */
#include "farmlive/shop/core/migrate.h"
#include "farmlive/alloc.h"
#include "farmlive/crypto.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MIGRATIONS 1000
#define MAX_FILE (8 * 1024 * 1024)

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0)
        goto out_close;
    long size = ftell(f);
    if (size < 0 || size > MAX_FILE || fseek(f, 0, SEEK_SET) != 0)
        goto out_close;
    buf = fl_malloc((size_t)size + 1);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fl_free(buf);
        buf = NULL;
        goto out_close;
    }
    buf[size] = '\0';
    *len = (size_t)size;
out_close:
    fclose(f);
    return buf;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NNN_name.sql -> NNN, or -1 when the name is not a migration. */
static int version_of(const char *name)
{
    size_t n = strlen(name);
    if (n < 9 || strcmp(name + n - 4, ".sql") != 0 || name[3] != '_')
        return -1;
    for (int i = 0; i < 3; i++)
        if (name[i] < '0' || name[i] > '9')
            return -1;
    int v = (int)strtol(name, NULL, 10);
    return v > 0 ? v : -1;
}

static int apply_one(fl_db *db, const char *dir, const char *name, int version)
{
    char path[1024], sum[FL_SHA256_HEX];
    size_t len = 0;
    fl_rows *rows = NULL;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char *sql = read_file(path, &len);
    if (!sql) {
        fprintf(stderr, "migrate: cannot read %s\n", path);
        return -1;
    }
    fl_sha256_hex(sql, len, sum);
    enum { SM_CHECKSUM };
    rc = fl_db_query(db, &rows, "SELECT checksum FROM schema_migrations WHERE version = ?", "i", (long long)version);
    if (rc != FL_DB_OK) {
        fprintf(stderr, "migrate: %s: %s\n", name, fl_db_error(db));
        goto out_free;
    }
    if (fl_rows_count(rows) == 1) {
        if (strcmp(fl_rows_str(rows, 0, SM_CHECKSUM), sum) != 0)
            fprintf(stderr, "migrate: warning: %s changed after it was applied; not re-run\n", name);
        rc = 0;
        goto out_free;
    }
    if (fl_db_exec_script(db, sql, len) != FL_DB_OK) {
        fprintf(stderr, "migrate: %s failed: %s\n", path, fl_db_error(db));
        rc = -1;
        goto out_free;
    }
    rc = fl_db_exec(db, "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)", "iss",
                    (long long)version, name, sum);
    if (rc != FL_DB_OK)
        fprintf(stderr, "migrate: recording %s failed: %s\n", name, fl_db_error(db));
    else
        printf("migrate: applied %s\n", name);
out_free:
    fl_rows_free(rows);
    fl_free(sql);
    return rc == FL_DB_OK ? 0 : -1;
}

int shop_migrate_run(fl_db_pool *pool, const char *dir)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    char *names[MAX_MIGRATIONS];
    size_t n = 0;
    int rc = -1;
    DIR *d = opendir(dir);

    if (!d) {
        fprintf(stderr, "migrate: cannot open %s\n", dir);
        return -1;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (version_of(e->d_name) > 0 && n < MAX_MIGRATIONS)
            names[n++] = fl_strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);

    if (fl_db_acquire(pool, &db) != FL_DB_OK) {
        fprintf(stderr, "migrate: cannot connect to MariaDB\n");
        goto out_names;
    }
    enum { GL_TAKEN };
    if (fl_db_query(db, &rows, "SELECT GET_LOCK('farmlive_migrate', 60)", "") != FL_DB_OK ||
        fl_rows_int(rows, 0, GL_TAKEN) != 1) {
        fprintf(stderr, "migrate: could not take the migration lock\n");
        goto out_release;
    }
    if (fl_db_exec(db,
                   "CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, name VARCHAR(255) NOT NULL, "
                   "checksum CHAR(64) NOT NULL, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) "
                   "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                   "") != FL_DB_OK) {
        fprintf(stderr, "migrate: cannot create schema_migrations: %s\n", fl_db_error(db));
        goto out_unlock;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && version_of(names[i]) == version_of(names[i - 1])) {
            fprintf(stderr, "migrate: %s and %s share a version\n", names[i - 1], names[i]);
            goto out_unlock;
        }
        if (apply_one(db, dir, names[i], version_of(names[i])) < 0)
            goto out_unlock;
    }
    printf("migrate: schema is up to date (%zu migrations)\n", n);
    rc = 0;
out_unlock:
    fl_rows_free(rows);
    rows = NULL;
    if (fl_db_query(db, &rows, "SELECT RELEASE_LOCK('farmlive_migrate')", "") == FL_DB_OK)
        fl_rows_free(rows);
out_release:
    fl_db_release(db);
out_names:
    for (size_t i = 0; i < n; i++)
        fl_free(names[i]);
    return rc;
}

int shop_migrate_seed(fl_db_pool *pool, const char *file)
{
    fl_db *db = NULL;
    size_t len = 0;
    int rc = -1;
    char *sql = read_file(file, &len);
    if (!sql) {
        fprintf(stderr, "seed: cannot read %s\n", file);
        return -1;
    }
    if (fl_db_acquire(pool, &db) != FL_DB_OK) {
        fprintf(stderr, "seed: cannot connect to MariaDB\n");
        goto out_free;
    }
    if (fl_db_begin(db) != FL_DB_OK || fl_db_exec_script(db, sql, len) != FL_DB_OK) {
        fprintf(stderr, "seed: %s failed: %s\n", file, fl_db_error(db));
        fl_db_rollback(db);
        goto out_release;
    }
    if (fl_db_commit(db) != FL_DB_OK) {
        fprintf(stderr, "seed: commit failed: %s\n", fl_db_error(db));
        goto out_release;
    }
    printf("seed: applied %s\n", file);
    rc = 0;
out_release:
    fl_db_release(db);
out_free:
    fl_free(sql);
    return rc;
}
