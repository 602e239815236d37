/* query.c - MariaDB as domain functions use it (see shop/core/query.h). */
#include "farmlive/shop/core/query.h"

#include <stdarg.h>
#include <stdio.h>

int shop_tx(fl_db *db, shop_tx_step step, void *arg, shop_fault *f)
{
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if ((rc = step(db, arg, f)) < 0) {
        fl_db_rollback(db);
        return rc;
    }
    if ((rc = fl_db_commit(db)) != FL_DB_OK) {
        fl_db_rollback(db);
        return shop_fault_db(f, rc);
    }
    return SHOP_OK;
}

int shop_found(int dbrc, const fl_rows *rows, shop_fault *f, int err, const char *fmt, ...)
{
    char msg[SHOP_FAULT_MSG_MAX];
    va_list ap;
    if (dbrc != FL_DB_OK)
        return shop_fault_db(f, dbrc);
    if (fl_rows_count(rows) > 0)
        return SHOP_OK;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return shop_fault_set(f, err, NULL, "%s", msg);
}
