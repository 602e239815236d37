/* shop/core/query.h - MariaDB as domain functions use it (query.c): one
 * transaction around a step, a lookup that must find its row. Failures come
 * back as a shop_fault (shop_fault_db's mapping), so a domain function
 * stays a run of steps with one exit. */
#ifndef FARMLIVE_SHOP_CORE_QUERY_H
#define FARMLIVE_SHOP_CORE_QUERY_H

#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"

/* A step run inside a transaction: SHOP_OK, or a SHOP_E_* with f filled. */
typedef int (*shop_tx_step)(fl_db *db, void *arg, shop_fault *f);

/* BEGIN, step(db, arg, f), COMMIT. A step that refuses, or a COMMIT that
 * fails, rolls everything back. Returns the step's status or the
 * database's fault. */
int shop_tx(fl_db *db, shop_tx_step step, void *arg, shop_fault *f);

/* The outcome of a query that must find a row: SHOP_OK when dbrc is
 * FL_DB_OK and rows holds at least one; else the database's fault, or err
 * (SHOP_E_NOT_FOUND, SHOP_E_VALIDATION for a reference in a body) with the
 * message fmt. */
int shop_found(int dbrc, const fl_rows *rows, shop_fault *f, int err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
