/* payments.c - POST /api/v1/payments/notify, the payment provider's webhook.
 *
 * The provider signs every notice:
 *   X-Timestamp: unix seconds when it was sent
 *   X-Signature: lowercase hex HMAC-SHA256(FARMLIVE_PAYMENT_SECRET,
 *                "<X-Timestamp>." + raw body)
 * and sends the JSON body {"order_id", "amount_fen", "transaction_id",
 * "status": "paid"}, or "status": "failed" (with an optional "reason") when
 * the payment failed: the order awaiting it is cancelled, recorded as
 * cancelled by a payment failure. A timestamp more than 5 minutes away from now or a bad
 * signature is 401 (logged, nothing stored). A good notice for an order
 * awaiting payment with the exact amount marks it paid; a repeat of an
 * applied notice answers 200 "duplicate" and changes nothing; an unknown
 * order (404), a wrong amount (422) or an order that can no longer be paid
 * (409) is refused. Every signed notice is kept in payment_notices with
 * its outcome. tools/pay-notify.c signs notices for demos and tests.
 *
 * The signature is checked here; what a notice does to its order is the
 * order's rule (shop_order_pay, domain/orders.c). */
#include "farmlive/shop/api/payments.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/shop/domain/paysign.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOTIFY_WINDOW_S 300

/* 0 when sig_hex is HMAC-SHA256(secret, ts "." body), -1 otherwise. */
static int signature_ok(const char *secret, const char *ts, const char *body, size_t len, const char *sig_hex)
{
    char hex[SHOP_PAYSIGN_HEX];
    shop_paysign(secret, ts, body, len, hex);
    return fl_streq_ct(hex, sig_hex) ? 0 : -1;
}

int shop_payments_notify(shop_req *r)
{
    const char *secret = r->ctx->cfg->payment_secret, *ts = shop_header(r, "X-Timestamp"),
               *sig = shop_header(r, "X-Signature"), *st, *reason;
    shop_payment p;
    shop_fault f;
    fl_db *db = NULL;
    char *end = NULL, status[24];
    int err, duplicate;

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
    if ((err = shop_body_int(r, "order_id", 1, 1, INT64_MAX, &p.order_id, NULL)) < 0 ||
        (err = shop_body_int(r, "amount_fen", 1, 0, INT64_MAX, &p.amount_fen, NULL)) < 0 ||
        (err = shop_body_str(r, "transaction_id", 1, 1, 128, &p.txn)) < 0 ||
        (err = shop_body_str(r, "status", 0, 1, 16, &st)) < 0 ||
        (err = shop_body_str(r, "reason", 0, 1, 255, &reason)) < 0)
        return err;
    int failed = st && strcmp(st, "failed") == 0;
    if (st && !failed && strcmp(st, "paid") != 0)
        return shop_fail(r, SHOP_E_VALIDATION, "status must be \"paid\" or \"failed\"");
    if ((err = shop_db(r, &db)) < 0)
        return err;
    if ((failed ? shop_order_payment_failed(r->ctx, db, &p, reason, &duplicate, status, &f)
                : shop_order_pay(db, &p, &duplicate, status, &f)) < 0)
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 200,
                           json_pack("{s:s,s:I,s:s}", "result",
                                     duplicate ? "duplicate"
                                     : failed  ? "cancelled"
                                               : "paid",
                                     "order_id", p.order_id, "status", status));
}
