/* orders.c - the order routes; the rules are domain/checkout.c's and
 * domain/orders.c's, the order's answer domain/order_model.c's.
 *
 *   POST /api/v1/orders                 checkout the caller's cart, or the items named (a one-tap
 *                                       buy), in a live session when named (Idempotency-Key)
 *   GET  /api/v1/orders                 the caller's orders (?status, ?cursor, ?limit)
 *   GET  /api/v1/orders/{id}            one order: its buyer, its cooperative's members
 *   POST /api/v1/orders/{id}/cancel     buyer or coop admin: pending_payment|confirmed -> cancelled
 *                                       ({reason?}: who cancelled is recorded too)
 *   POST /api/v1/orders/{id}/ship       coop member: paid|confirmed -> shipped (carrier, tracking_no)
 *   POST /api/v1/orders/{id}/deliver    coop member: shipped -> delivered
 *   POST /api/v1/orders/{id}/complete   buyer: delivered -> completed
 *   POST /api/v1/orders/{id}/refund     coop admin: paid|shipped|delivered|completed (in the window)
 *                                       -> refunded ({reason, return}: return says whether shipped
 *                                       goods come back)
 *   POST /api/v1/orders/{id}/return-received  coop member: a refund's goods are back -> on sale again
 *   GET  /api/v1/coops/{id}/orders      a cooperative's orders (?status, ?cursor, ?limit)
 *
 * An order nobody may see is 404, never 403. */
#include "farmlive/shop/api/orders.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/checkout.h"
#include "farmlive/shop/domain/order_model.h"
#include "farmlive/shop/domain/orders.h"

#include <stdint.h>
#include <string.h>

#define ANSWER_MAX (16 * 1024 * 1024)
#define JSON_UTF8 "application/json; charset=utf-8"

int shop_orders_create(shop_req *r)
{
    shop_address addr;
    shop_checkout_in in = {.buyer = r->session->account_id, .addr = &addr, .expected_total_fen = -1};
    shop_idem k;
    shop_fault f;
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    json_t *detail = NULL;
    char *text = NULL;
    int err;
    if (shop_order_input(r->body, &in.online, &addr, &f) < 0 || shop_checkout_input(r->body, r->arena, &in, &f) < 0)
        return shop_fail_fault(r, &f);
    if ((err = shop_body_int(r, "expected_total_fen", 0, 0, INT64_MAX, &in.expected_total_fen, NULL)) < 0)
        return err;
    if ((err = shop_idem_begin(r, "orders", &k)) != 0)
        return err < 0 ? err : SHOP_OK;
    if ((!in.items && (err = shop_kv(r, &kv)) < 0) || (err = shop_db(r, &db)) < 0)
        return err;
    switch (shop_checkout(r->ctx, db, kv, &in, &k, r->arena, &text, &detail, &f)) {
    case SHOP_OK:
        return shop_reply_raw(r, 201, "application/json", text, strlen(text));
    case SHOP_CHECKOUT_REPLAY:
        err = shop_idem_replay(r, &k);
        return err < 0 ? err : err == 1 ? SHOP_OK : shop_fail(r, SHOP_E_INTERNAL, "idempotency key vanished");
    case SHOP_CHECKOUT_REFUSED:
        return shop_idem_fail_fault(r, &k, &f, detail);
    default:
        return shop_fail_fault(r, &f);
    }
}

/* Answers order id as it is now. */
static int order_reply(shop_req *r, fl_db *db, long long id)
{
    shop_order o;
    fl_buf b;
    int found, rc = shop_order_read(db, r->arena, id, &o, &found);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (!found)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no order %lld", id);
    fl_buf_init(&b, 2048, ANSWER_MAX);
    char *text = shop_order_text(&b, &o) == 0 ? fl_arena_strndup(r->arena, b.p, b.len) : NULL;
    fl_buf_free(&b);
    if (!text)
        return shop_fail(r, SHOP_E_INTERNAL, "could not write order %lld", id);
    return shop_reply_raw(r, 200, JSON_UTF8, text, strlen(text));
}

/* Path parameter 0's order, when the caller is one of `allowed` to it. */
static int order_enter(shop_req *r, int allowed, fl_db **db, long long *id)
{
    shop_fault f;
    int err;
    if ((err = shop_param_id(r, 0, id)) < 0 || (err = shop_db(r, db)) < 0)
        return err;
    if (shop_order_access(*db, *id, r->session->account_id, r->session->platform_admin, allowed, &f) < 0)
        return shop_fail_fault(r, &f);
    return SHOP_OK;
}

int shop_orders_get(shop_req *r)
{
    fl_db *db = NULL;
    long long id;
    int err;
    if ((err = order_enter(r, SHOP_ORDER_BUYER | SHOP_ORDER_MEMBER, &db, &id)) < 0)
        return err;
    return order_reply(r, db, id);
}

/* ---- transitions -------------------------------------------------------- */

/* The transition routes: who may, then the move (by the caller), then the
 * order as it is. */
static int transition(shop_req *r, const char *to, int allowed, shop_order_act act)
{
    fl_db *db = NULL;
    shop_fault f;
    long long id;
    int err;
    if ((err = order_enter(r, allowed, &db, &id)) < 0)
        return err;
    act.actor = r->session->account_id;
    if (shop_order_transition(r->ctx, db, id, to, &act, &f) < 0)
        return shop_fail_fault(r, &f);
    return order_reply(r, db, id);
}

int shop_orders_cancel(shop_req *r)
{
    const char *reason;
    int err;
    if ((err = shop_body_str(r, "reason", 0, 1, SHOP_ORDER_REASON_MAX, &reason)) < 0)
        return err;
    return transition(r, "cancelled", SHOP_ORDER_BUYER | SHOP_ORDER_ADMIN, (shop_order_act){.reason = reason});
}

int shop_orders_ship(shop_req *r)
{
    const char *carrier, *tracking;
    int err;
    if ((err = shop_body_str(r, "carrier", 1, 1, 64, &carrier)) < 0 ||
        (err = shop_body_str(r, "tracking_no", 1, 1, 64, &tracking)) < 0)
        return err;
    return transition(r, "shipped", SHOP_ORDER_MEMBER, (shop_order_act){.carrier = carrier, .tracking = tracking});
}

int shop_orders_deliver(shop_req *r)
{
    return transition(r, "delivered", SHOP_ORDER_MEMBER, (shop_order_act){0});
}

int shop_orders_complete(shop_req *r)
{
    return transition(r, "completed", SHOP_ORDER_BUYER, (shop_order_act){0});
}

int shop_orders_refund(shop_req *r)
{
    const char *reason;
    json_t *ret = json_object_get(r->body, "return");
    int err;
    if ((err = shop_body_str(r, "reason", 1, 1, SHOP_ORDER_REASON_MAX, &reason)) < 0)
        return err;
    if (ret && !json_is_boolean(ret))
        return shop_fail(r, SHOP_E_VALIDATION, "return must be true (the goods come back) or false (they do not)");
    int goods = !ret ? 0 : json_is_true(ret) ? SHOP_REFUND_RETURN : SHOP_REFUND_NO_RETURN;
    return transition(r, "refunded", SHOP_ORDER_ADMIN, (shop_order_act){.reason = reason, .goods = goods});
}

int shop_orders_return_received(shop_req *r)
{
    return transition(r, "returned", SHOP_ORDER_MEMBER, (shop_order_act){0});
}

/* ---- lists -------------------------------------------------------------- */

/* ?status=&cursor=&limit= of both lists; a bad value is 400 naming it. */
static int list_query(shop_req *r, shop_order_query *q)
{
    const char *s = shop_query(r, "status");
    shop_page pg;
    int rc;
    q->status = NULL;
    if (s && !(q->status = shop_order_status(s)))
        return shop_fail(r, SHOP_E_BAD_REQUEST,
                         "status must be one of pending_payment, paid, confirmed, shipped, "
                         "delivered, completed, cancelled, refunded");
    if ((rc = shop_query_page(r, 1, &pg)) < 0)
        return rc;
    q->before = pg.after[0];
    q->limit = pg.limit;
    return SHOP_OK;
}

static int list_reply(shop_req *r, fl_db *db, const shop_order_query *q)
{
    fl_buf b;
    fl_buf_init(&b, 4096, ANSWER_MAX);
    int rc = shop_order_page(db, r->arena, q, &b);
    char *text = rc == FL_DB_OK ? fl_arena_strndup(r->arena, b.p, b.len) : NULL;
    fl_buf_free(&b);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    return shop_reply_raw(r, 200, JSON_UTF8, text, strlen(text));
}

int shop_orders_list(shop_req *r)
{
    fl_db *db = NULL;
    shop_order_query q = {.buyer_id = r->session->account_id};
    int err;
    if ((err = list_query(r, &q)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    return list_reply(r, db, &q);
}

int shop_orders_coop_list(shop_req *r)
{
    fl_db *db = NULL;
    shop_order_query q = {0};
    int err;
    if ((err = shop_param_id(r, 0, &q.coop_id)) < 0 || (err = shop_auth_coop(r, q.coop_id, SHOP_MEMBER_FARMER)) < 0 ||
        (err = list_query(r, &q)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    return list_reply(r, db, &q);
}
