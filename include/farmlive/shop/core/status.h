/* shop/core/status.h - the shop's status vocabulary, and why an operation
 * refused.
 *
 * SHOP_E_* are the negative statuses of every layer above common/ (0 is
 * SHOP_OK). Each maps to one HTTP status and default error code, in one
 * place: core/http.c (shop_err_status, shop_err_code).
 *
 * A domain operation does not answer HTTP: when it refuses, it fills a
 * shop_fault (class, code for clients, message for people) and returns the
 * class; the API layer answers it with shop_fail_fault (core/http.h), a
 * job logs it, a test reads it. */
#ifndef FARMLIVE_SHOP_CORE_STATUS_H
#define FARMLIVE_SHOP_CORE_STATUS_H

enum shop_err {
    SHOP_OK = 0,
    SHOP_E_BAD_REQUEST = -1,   /* 400 bad_request (also: a bad query-string value) */
    SHOP_E_BAD_JSON = -2,      /* 400 malformed_json */
    SHOP_E_UNAUTHORIZED = -3,  /* 401 unauthorized */
    SHOP_E_FORBIDDEN = -4,     /* 403 forbidden */
    SHOP_E_CSRF = -5,          /* 403 csrf_failed */
    SHOP_E_NOT_FOUND = -6,     /* 404 not_found */
    SHOP_E_METHOD = -7,        /* 405 method_not_allowed */
    SHOP_E_CONFLICT = -8,      /* 409 conflict */
    SHOP_E_TOO_LARGE = -9,     /* 413 payload_too_large */
    SHOP_E_MEDIA_TYPE = -10,   /* 415 unsupported_media_type */
    SHOP_E_VALIDATION = -11,   /* 422 validation_failed (a JSON body's field) */
    SHOP_E_RATE_LIMITED = -12, /* 429 rate_limited */
    SHOP_E_INTERNAL = -13,     /* 500 internal */
    SHOP_E_UNAVAILABLE = -14   /* 503 unavailable */
};
#define SHOP_E_COUNT 15

#define SHOP_FAULT_MSG_MAX 320

typedef struct shop_fault {
    int err;           /* SHOP_E_* (< 0) */
    const char *code;  /* a static string; NULL: the class's default code */
    int retry_after_s; /* > 0: answered with Retry-After (429, 503) */
    char msg[SHOP_FAULT_MSG_MAX];
} shop_fault;

/* Fills f (which may be NULL: the status alone is wanted) and returns err,
 * so a domain function writes `return shop_fault_set(f, SHOP_E_CONFLICT,
 * "sold_out", "flash sale %lld is sold out", id);`. */
int shop_fault_set(shop_fault *f, int err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps an FL_DB_* status as shop_fail_db does (down/timeout -> 503,
 * duplicate -> 409, foreign key/check -> 422, else 500, logged) into f. */
int shop_fault_db(shop_fault *f, int dberr);
/* 503 naming Redis. */
int shop_fault_kv(shop_fault *f);

#endif
