/* status.c - filling a shop_fault (see shop/core/status.h). The mapping of
 * MariaDB and Redis failures to what a client is told lives here once;
 * core/http.c answers a fault, whoever filled it. */
#include "farmlive/shop/core/status.h"
#include "farmlive/db.h"

#include <stdarg.h>
#include <stdio.h>

static int fault_vset(shop_fault *f, int err, const char *code, int retry_after_s, const char *fmt, va_list ap)
{
    if (!f)
        return err;
    f->err = err;
    f->code = code;
    f->retry_after_s = retry_after_s;
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    return err;
}

int shop_fault_set(shop_fault *f, int err, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fault_vset(f, err, code, err == SHOP_E_RATE_LIMITED || err == SHOP_E_UNAVAILABLE ? 1 : 0, fmt, ap);
    va_end(ap);
    return err;
}

static int fault_retry(shop_fault *f, int err, const char *code, int retry_after_s, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fault_retry(shop_fault *f, int err, const char *code, int retry_after_s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fault_vset(f, err, code, retry_after_s, fmt, ap);
    va_end(ap);
    return err;
}

int shop_fault_db(shop_fault *f, int dberr)
{
    switch (dberr) {
    case FL_DB_EDOWN:
    case FL_DB_ETIMEOUT:
        return fault_retry(f, SHOP_E_UNAVAILABLE, "database_unavailable", 2,
                           "the database is not answering; try again shortly");
    case FL_DB_EDEADLOCK:
        return fault_retry(f, SHOP_E_UNAVAILABLE, "busy", 1, "the request collided with another; retry it");
    case FL_DB_EDUP:
        return fault_retry(f, SHOP_E_CONFLICT, "duplicate", 0, "a record with these values already exists");
    case FL_DB_EFK:
        return fault_retry(f, SHOP_E_VALIDATION, "reference_invalid", 0, "a referenced record does not exist");
    case FL_DB_ECHECK:
        return fault_retry(f, SHOP_E_VALIDATION, "value_out_of_range", 0, "a value is out of its allowed range");
    default:
        return fault_retry(f, SHOP_E_INTERNAL, NULL, 0, "internal error");
    }
}

int shop_fault_kv(shop_fault *f)
{
    return fault_retry(f, SHOP_E_UNAVAILABLE, "redis_unavailable", 2,
                       "the session store is not answering; try again shortly");
}
