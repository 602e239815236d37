/* shop/core/idem.h - Idempotency-Key handling for checkout routes (idem.c).
 *
 * The first answer to a key is stored in MariaDB (idempotency_keys, kept at
 * least 24 h) and replayed for retries with `Idempotent-Replayed: true`; the
 * same key with another body (or on another route) is 422. An order's answer
 * is stored inside the order's own transaction, so "an order exists" and
 * "its answer is stored" commit together; a concurrent duplicate blocks on
 * the key's row and then replays the winner's answer. Refusals decided after
 * execution began (sold out, out of stock, ...) are stored too; validation
 * errors before execution and 503s (retryable) are not.
 *
 * The key and its storage (shop_idem, shop_idem_store*_tx) are what a domain
 * operation needs to store its answer in its own transaction; the rest reads
 * and answers a request (core/http.h), for the API layer. */
#ifndef FARMLIVE_SHOP_CORE_IDEM_H
#define FARMLIVE_SHOP_CORE_IDEM_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/status.h"

struct shop_req;

typedef struct shop_idem {
    long long account_id;
    const char *scope; /* the route, e.g. "orders" or "flash:12" */
    const char *key;
    char hash[65]; /* sha256 of the canonical body */
} shop_idem;

/* One answer to store: k's (status, body). */
typedef struct shop_idem_answer {
    const shop_idem *k;
    int status;
    const char *body;
} shop_idem_answer;

/* Stores n answers in the caller's transaction, one INSERT for all (the
 * keys as one JSON_TABLE parameter). FL_DB_EDUP means another request with
 * one of these keys won: roll back, and (for a single key) replay it with
 * shop_idem_replay. FL_DB_OK, FL_DB_E*, or FL_DB_ERR when a body or key is
 * not UTF-8 or the parameter would pass 64 MiB. */
int shop_idem_store_all_tx(fl_db *db, const shop_idem_answer *answers, size_t n);
/* The same for one key. */
int shop_idem_store_tx(fl_db *db, const shop_idem *k, int status, const char *body);

/* Reads the Idempotency-Key header (required: 400 when missing, 422 when
 * longer than 255 characters) and hashes the body. Then looks the key up:
 * returns 1 when it already answered (replayed into r), 0 to proceed, or a
 * negative SHOP_E_* (already failed). */
int shop_idem_begin(struct shop_req *r, const char *scope, shop_idem *k);

/* Like shop_idem_begin without the lookup, for routes whose every outcome
 * stores its answer with an INSERT that finds an earlier answer by its
 * duplicate key (then replayed): saves a round trip on hot paths. 0 or a
 * negative SHOP_E_* (already failed). With a deferred session (core/auth.h)
 * k->account_id is 0: the caller sets it once the session is settled. */
int shop_idem_prepare(struct shop_req *r, const char *scope, shop_idem *k);

/* Replies (status, body) and stores it as the key's answer (own statement);
 * when another answer was stored first, replays that one instead. body is
 * stolen. */
int shop_idem_reply(struct shop_req *r, const shop_idem *k, int status, json_t *body);
/* A refusal as shop_fail would answer it, stored for the key. */
int shop_idem_fail(struct shop_req *r, const shop_idem *k, int err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The refusal f, stored for the key, its error object carrying detail's
 * members beside code, message and request_id (detail stolen; NULL: none). */
int shop_idem_fail_fault(struct shop_req *r, const shop_idem *k, const shop_fault *f, json_t *detail);

/* Replays the stored answer for k: 1 when one existed, 0 when none, <0 on
 * error (already failed). */
int shop_idem_replay(struct shop_req *r, const shop_idem *k);

/* A periodic job (core/jobs.h): deletes answers older than 48 h, 10,000 a
 * pass. 0, or -1 when MariaDB is down. */
int shop_idem_purge(shop_ctx *ctx);

#endif
