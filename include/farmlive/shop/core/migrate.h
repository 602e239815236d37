/* shop/core/migrate.h - schema migrations and the demo seed.
 *
 * shop_migrate_run() applies schema/migrations/NNN_name.sql in order, each in
 * its own step, recording applied versions in schema_migrations; already
 * applied versions are skipped, so it is idempotent. On failure it prints
 * the file that failed and returns -1. shop_migrate_seed() runs one SQL file
 * (the demo seed) in one transaction. */
#ifndef FARMLIVE_SHOP_CORE_MIGRATE_H
#define FARMLIVE_SHOP_CORE_MIGRATE_H

#include "farmlive/db.h"

int shop_migrate_run(fl_db_pool *pool, const char *dir);
int shop_migrate_seed(fl_db_pool *pool, const char *file);

#endif
