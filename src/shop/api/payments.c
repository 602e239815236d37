/* payments.c - POST /api/v1/payments/notify, the payment provider's webhook.
 *
 * The provider signs every notice:
 *   X-Timestamp: unix seconds when it was sent
 *   X-Signature: lowercase hex HMAC-SHA256(FARMLIVE_PAYMENT_SECRET,
 *                "<X-Timestamp>." + raw body)
 * and sends the JSON body {"order_id", "amount_fen", "transaction_id",
 * "status": "paid"}. A timestamp more than 5 minutes away from now or a bad
 * signature is 401 (logged, nothing stored). A good notice for an order
 * awaiting payment with the exact amount marks it paid; a repeat of an
 * applied notice answers 200 "duplicate" and changes nothing; an unknown
 * order (404), a wrong amount (422) or an order that can no longer be paid
 * (409) is refused. Every signed notice is kept in payment_notices with
 * its outcome. tools/pay-notify.c signs notices for demos and tests. */
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOTIFY_WINDOW_S 300

/* 0 when sig_hex is HMAC-SHA256(secret, ts "." body), -1 otherwise. */
static int signature_ok(const char *secret, const char *ts, const char *body, size_t len, const char *sig_hex)
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    return fl_streq_ct(hex, sig_hex) ? 0 : -1;
}

static int notice_log(fl_db *db, long long order_id, const char *txn, long long amount, const char *outcome,
                      const char *reason)
{
    return fl_db_exec(db,
                      "INSERT INTO payment_notices (order_id, txn_id, amount_fen, outcome, reason) "
                      "VALUES (NULLIF(?, 0), ?, ?, ?, ?)",
                      "isiss", order_id, txn, amount, outcome, reason);
}

/* Refuses a signed notice: logs it, records it (own statement), fails. */
static int refuse(shop_req *r, fl_db *db, int err, const char *code, long long order_id, const char *txn,
                  long long amount, const char *why)
{
    fl_db_rollback(db);
    fl_log(FL_LOG_WARN, "payment_refused", "notice %s for order %lld (%lld fen) refused: %s", txn, order_id, amount,
           why);
    notice_log(db, order_id, txn, amount, "refused", why);
    return shop_fail_code(r, err, code, "payment notice refused: %s", why);
}

int shop_payments_notify(shop_req *r)
{
    const char *secret = r->ctx->cfg->payment_secret, *ts = shop_header(r, "X-Timestamp"),
               *sig = shop_header(r, "X-Signature"), *txn, *st;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long order_id, amount, flash, buyer, units;
    char *end = NULL;
    int err, rc;

    if (!secret[0])
        return shop_fail(r, SHOP_E_UNAVAILABLE, "payment notifications are not configured (FARMLIVE_PAYMENT_SECRET)");
    long long when = ts ? strtoll(ts, &end, 10) : 0;
    if (!ts || !*ts || *end || llabs((long long)time(NULL) - when) > NOTIFY_WINDOW_S) {
        fl_log(FL_LOG_WARN, "payment_unsigned", "notice from %s: missing or stale X-Timestamp", r->client_ip);
        return shop_fail_code(r, SHOP_E_UNAUTHORIZED, "bad_signature",
                              "X-Timestamp is missing or more than %d seconds from now", NOTIFY_WINDOW_S);
    }
    if (!sig || !r->raw_body || signature_ok(secret, ts, r->raw_body, r->raw_body_len, sig) != 0) {
        fl_log(FL_LOG_WARN, "payment_unsigned", "notice from %s: bad X-Signature", r->client_ip);
        return shop_fail_code(r, SHOP_E_UNAUTHORIZED, "bad_signature", "X-Signature does not match the notice");
    }
    if ((err = shop_body_int(r, "order_id", 1, 1, INT64_MAX, &order_id, NULL)) < 0 ||
        (err = shop_body_int(r, "amount_fen", 1, 0, INT64_MAX, &amount, NULL)) < 0 ||
        (err = shop_body_str(r, "transaction_id", 1, 1, 128, &txn)) < 0 ||
        (err = shop_body_str(r, "status", 0, 1, 16, &st)) < 0)
        return err;
    if (st && strcmp(st, "paid") != 0)
        return shop_fail(r, SHOP_E_VALIDATION, "status must be \"paid\"");
    if ((err = shop_db(r, &db)) < 0)
        return err;
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        return shop_fail_db(r, rc);
    rc = fl_db_query(db, &rows,
                     "SELECT status, total_fen, COALESCE(payment_txn, ''), payment_method FROM orders "
                     "WHERE id = ? FOR UPDATE",
                     "i", order_id);
    if (rc != FL_DB_OK)
        goto out_rollback;
    if (fl_rows_count(rows) != 1) {
        err = refuse(r, db, SHOP_E_NOT_FOUND, "unknown_order", 0, txn, amount, "unknown order");
        goto out_free;
    }
    const char *status = fl_rows_str(rows, 0, 0), *paid_txn = fl_rows_str(rows, 0, 2);
    long long total = fl_rows_int(rows, 0, 1);
    if (paid_txn[0] && strcmp(paid_txn, txn) == 0) {
        if ((rc = notice_log(db, order_id, txn, amount, "duplicate", NULL)) != FL_DB_OK ||
            (rc = fl_db_commit(db)) != FL_DB_OK)
            goto out_rollback;
        err = shop_reply_json(r, 200, json_pack("{s:s,s:I,s:s}", "result", "duplicate", "order_id", order_id,
                                                "status", status));
        goto out_free;
    }
    if (strcmp(fl_rows_str(rows, 0, 3), "online") != 0) {
        err = refuse(r, db, SHOP_E_CONFLICT, "not_payable", order_id, txn, amount, "cash-on-delivery order");
        goto out_free;
    }
    if (strcmp(status, "pending_payment") != 0) {
        err = refuse(r, db, SHOP_E_CONFLICT, "not_payable", order_id, txn, amount,
                     fl_arena_printf(r->arena, "order is %s", status));
        goto out_free;
    }
    if (amount != total) {
        err = refuse(r, db, SHOP_E_VALIDATION, "amount_mismatch", order_id, txn, amount,
                     fl_arena_printf(r->arena, "amount %lld fen, the order is %lld fen", amount, total));
        goto out_free;
    }
    rc = shop_order_move(db, order_id, "paid", 0, NULL, &flash, &buyer, &units);
    if (rc == 1)
        rc = FL_DB_ERR; /* cannot happen: the row is locked and pending */
    if (rc != FL_DB_OK ||
        (rc = fl_db_exec(db, "UPDATE orders SET payment_txn = ? WHERE id = ?", "si", txn, order_id)) != FL_DB_OK ||
        (rc = notice_log(db, order_id, txn, amount, "paid", NULL)) != FL_DB_OK || (rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    fl_log(FL_LOG_INFO, "order_paid", "order %lld paid by %s (%lld fen)", order_id, txn, amount);
    err = shop_reply_json(r, 200, json_pack("{s:s,s:I,s:s}", "result", "paid", "order_id", order_id, "status", "paid"));
    goto out_free;
out_rollback:
    fl_db_rollback(db);
    err = shop_fail_db(r, rc);
out_free:
    fl_rows_free(rows);
    return err;
}
