/* shop/core/http.h - what a shop handler sees: the request, the reply, errors.
 *
 * A handler runs on one of libmicrohttpd's pool threads, with the whole body
 * already read (at most 1 MiB) and, for routes that take JSON, parsed into
 * r->body (always an object). It answers in exactly one of two ways:
 *
 *   return shop_reply_json(r, 200, obj);        -- SHOP_OK
 *   return shop_fail(r, SHOP_E_VALIDATION, "price_fen must be > 0");
 *
 * Errors are the negative SHOP_E_* vocabulary (core/status.h); http.c maps each to its
 * HTTP status and the body {"error":{"code":...,"message":...}} in one place.
 * Memory for the request comes from r->arena; connections taken with
 * shop_db()/shop_kv() are released when the request ends. */
#ifndef FARMLIVE_SHOP_CORE_HTTP_H
#define FARMLIVE_SHOP_CORE_HTTP_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/arena.h"
#include "farmlive/config.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/core/values.h"

#define SHOP_MAX_PARAMS 6
#define SHOP_MAX_HEADERS 12
#define SHOP_BODY_MAX (1024 * 1024)       /* a request's body */
#define SHOP_UPLOAD_MAX (8 * 1024 * 1024) /* an upload route's (SHOP_BODY_UPLOAD) */

struct MHD_Connection;
struct shop_route;

typedef struct shop_session {
    long long account_id;
    int platform_admin;  /* 1 for the platform_admin role */
    int via_cookie;      /* authenticated by cookie: unsafe methods need CSRF */
    char token_hash[65]; /* the Redis key part; the token itself is never kept */
    char csrf[65];
} shop_session;

typedef struct shop_req {
    shop_ctx *ctx;
    fl_arena *arena;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    const struct shop_route *route;
    const char *params[SHOP_MAX_PARAMS];
    size_t nparams;
    json_t *body;         /* parsed JSON object, or NULL; owned by the request */
    const char *raw_body; /* the body bytes as received (e.g. for signatures), or NULL */
    size_t raw_body_len;
    shop_session *session;   /* NULL when anonymous */
    const char *session_key; /* a Bearer session not yet looked up (SHOP_ROLE_USER_DEFERRED): its
                                Redis key, until shop_auth_settle*; else NULL */
    char request_id[33];
    char client_ip[64];

    /* reply */
    int status;
    const char *resp;
    size_t resp_len;
    const char *resp_type;
    const char *hdr_name[SHOP_MAX_HEADERS];
    const char *hdr_value[SHOP_MAX_HEADERS];
    size_t nhdrs;

    /* error, when the handler failed */
    int err;
    const char *err_code;
    const char *err_msg;

    fl_db *db; /* taken lazily by shop_db() */
    fl_kv *kv; /* taken lazily by shop_kv() */
} shop_req;

/* Deferred answers, for a handler whose work finishes on another thread:
 *
 *   shop_suspend(r);            -- first: releases r's connections, parks
 *                                  the HTTP connection
 *   hand r to the other thread;
 *   return SHOP_SUSPENDED;
 *
 * The other thread fills the reply (shop_reply_* or shop_fail*, using r's
 * arena: r is its alone until then) and calls shop_resume(r, result)
 * exactly once, where result is what the handler would have returned; r
 * must not be touched after that. Shutdown waits for every suspended
 * request to be resumed.
 *
 * Or, when what is left to do may block (MariaDB, a synchronous Redis
 * call), the other thread calls shop_resume_then(r, next, arg) instead:
 * the request goes back to its HTTP worker thread, which calls next(r,
 * arg) as if it were the handler (it may suspend again). */
#define SHOP_SUSPENDED 1
void shop_suspend(shop_req *r);
void shop_resume(shop_req *r, int result);
void shop_resume_then(shop_req *r, int (*next)(shop_req *r, void *arg), void *arg);
/* Releases r's database and Redis connections early (they are released
 * anyway once the handler's answer is queued, before it is sent). */
void shop_release_conns(shop_req *r);

/* Socket takeover, for a body that has no end (Server-Sent Events):
 *
 *   return shop_reply_takeover(r, "text/event-stream", adopt, drop, arg);
 *
 * libmicrohttpd sends the reply's status line and headers (200, type, the
 * headers added); then, on the connection's worker thread,
 * adopt(arg, fd, chunked) is handed the connection's socket: a descriptor
 * of its own (non-blocking, TCP_NODELAY, not corked) that the callee now
 * owns and closes, after which libmicrohttpd forgets the connection and
 * frees everything it held for it (its memory pool: what a connection
 * costs libmicrohttpd stays with it no longer than the headers). chunked:
 * the client spoke HTTP/1.1, so the body must be written as HTTP chunks
 * and ended by the last chunk ("0\r\n\r\n"); else it is written as is
 * and ended by closing. When the connection ends before that (the client
 * went, shutdown), drop(arg) runs instead; exactly one of the two runs.
 * arg must be the caller's own memory (the request may be gone by then). */
typedef void (*shop_takeover_fn)(void *arg, int fd, int chunked);
int shop_reply_takeover(shop_req *r, const char *type, shop_takeover_fn adopt, void (*drop)(void *arg), void *arg);

/* Replies. Each returns SHOP_OK. shop_reply_json steals `body`. */
int shop_reply_json(shop_req *r, int status, json_t *body);
/* data must live until the arena is freed, which happens after the
 * response was sent (copy it into the arena if it would not). */
int shop_reply_raw(shop_req *r, int status, const char *type, const char *data, size_t len);
int shop_reply_empty(shop_req *r, int status);
/* Answers what a domain function returned: rc < 0, its fault f; else
 * status with out (stolen; no body for 204). So a handler ends with
 * `return shop_reply_outcome(r, shop_thing_do(..., &out, &f), 200, out, &f);`. */
int shop_reply_outcome(shop_req *r, int rc, int status, json_t *out, const shop_fault *f);
/* Adds a response header; name and value are copied into the arena. A
 * header of the same name is replaced, except Set-Cookie, which repeats. */
void shop_add_header(shop_req *r, const char *name, const char *value);

/* Failures. Each records the error and returns `err`, so handlers write
 * `return shop_fail(...)`. code overrides the default code string. */
int shop_fail(shop_req *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int shop_fail_code(shop_req *r, int err, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answers what a domain operation refused (core/status.h), Retry-After
 * included. */
int shop_fail_fault(shop_req *r, const shop_fault *f);
/* Maps an FL_DB_* status: down/timeout -> 503, duplicate -> 409,
 * foreign key/check -> 422, anything else -> 500 (shop_fault_db). */
int shop_fail_db(shop_req *r, int dberr);
/* 503 naming Redis. */
int shop_fail_kv(shop_req *r);

/* The HTTP status and default code for an error (used by http.c). */
int shop_err_status(int err);
const char *shop_err_code(int err);

/* Request accessors. */
const char *shop_param(const shop_req *r, size_t i);
/* Parses path parameter i as a positive id; a bad one fails with 404. */
int shop_param_id(shop_req *r, size_t i, long long *out);
const char *shop_query(shop_req *r, const char *key);
/* The page a list request asks for with ?cursor= and ?limit= (the
 * convention in core/values.h), for a list whose cursor has nkeys keys:
 * SHOP_OK, or 400 bad_request naming the parameter. */
int shop_query_page(shop_req *r, size_t nkeys, shop_page *pg);
/* ?name= as a positive id: SHOP_OK with *id (0 when absent or empty), or
 * 400 bad_request naming it. */
int shop_query_id(shop_req *r, const char *name, long long *id);
const char *shop_header(shop_req *r, const char *name);
const char *shop_cookie(shop_req *r, const char *name);

/* The request's connections, taken on first use and released at its end.
 * On failure they have already called shop_fail (503) and return it. */
int shop_db(shop_req *r, fl_db **out);
int shop_kv(shop_req *r, fl_kv **out);

/* Body field helpers: each fails with 422 naming the field.
 * shop_body_str: a string of min..max UTF-8 characters; *out = NULL when
 * absent and not required. shop_body_int: an integer in [min, max]; *present
 * tells whether it was given. */
int shop_body_str(shop_req *r, const char *key, int required, size_t min, size_t max, const char **out);
int shop_body_int(shop_req *r, const char *key, int required, long long min, long long max, long long *out,
                  int *present);
/* shop_body_bool: true or false into *out (1 / 0), -1 when absent or null. */
int shop_body_bool(shop_req *r, const char *key, int *out);
/* An upload route's body is a picture: Content-Type image/jpeg, image/png
 * or image/webp (415 otherwise; its content decides later what it is) and
 * not empty (400). SHOP_OK, or failed. */
int shop_body_image(shop_req *r);

#endif
