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
 *   GET  /api/v1/coops/{id}/orders      a cooperative's orders (?status, ?date: China's day,
 *                                       ?live_id: bought in that session, ?cursor, ?limit)
 *   POST /api/v1/coops/{id}/orders/ship coop member: several orders shipped at once, each in its
 *                                       own transaction, a result per order
 *
 * An order nobody may see is 404, never 403. */
#include "farmlive/shop/api/orders.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/checkout.h"
#include "farmlive/shop/domain/coop_orders.h"
#include "farmlive/shop/domain/live.h"
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

/* ?status=&cursor=&limit= of both lists, and a cooperative's ?date= (China's
 * day, YYYY-MM-DD) and ?live_id= (a session's public id); a bad value is
 * 400 naming it. */
static int list_query(shop_req *r, int coop, shop_order_query *q)
{
    const char *s = shop_query(r, "status"), *date = coop ? shop_query(r, "date") : NULL;
    const char *live = coop ? shop_query(r, "live_id") : NULL;
    shop_page pg;
    int rc;
    q->status = NULL;
    if (s && !(q->status = shop_order_status(s)))
        return shop_fail(r, SHOP_E_BAD_REQUEST,
                         "status must be one of pending_payment, paid, confirmed, shipped, "
                         "delivered, completed, cancelled, refunded");
    if (date) {
        char *from = fl_arena_alloc(r->arena, FL_SQLTIME_LEN), *to = fl_arena_alloc(r->arena, FL_SQLTIME_LEN);
        if (shop_cn_day(date, from, to) < 0)
            return shop_fail(r, SHOP_E_BAD_REQUEST, "date must be a day as YYYY-MM-DD (China's time)");
        q->from = from;
        q->to = to;
    }
    if (live && !shop_live_id_valid(live))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "live_id must be a live session's id (16 hex digits)");
    q->live_public_id = live;
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
    if ((err = list_query(r, 0, &q)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    return list_reply(r, db, &q);
}

int shop_orders_coop_list(shop_req *r)
{
    fl_db *db = NULL;
    shop_order_query q = {0};
    int err;
    if ((err = shop_param_id(r, 0, &q.coop_id)) < 0 || (err = shop_auth_coop(r, q.coop_id, SHOP_MEMBER_FARMER)) < 0 ||
        (err = list_query(r, 1, &q)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    return list_reply(r, db, &q);
}

/* ---- several at once ---------------------------------------------------- */

/* Item i of the body's "orders": {order_id, carrier, tracking_no}, each
 * checked as POST /orders/{id}/ship checks them; 422 naming orders[i].x. */
static int ship_item(shop_req *r, size_t i, shop_ship_item *it)
{
    static const char *const keys[] = {"carrier", "tracking_no"};
    json_t *o = json_array_get(json_object_get(r->body, "orders"), i);
    json_t *id = json_object_get(o, "order_id");
    if (!json_is_object(o))
        return shop_fail(r, SHOP_E_VALIDATION, "orders[%zu] must be an object {order_id, carrier, tracking_no}", i);
    if (!json_is_integer(id) || json_integer_value(id) < 1)
        return shop_fail(r, SHOP_E_VALIDATION, "orders[%zu].order_id must be an order's id", i);
    it->order_id = json_integer_value(id);
    for (size_t k = 0; k < 2; k++) {
        json_t *v = json_object_get(o, keys[k]);
        const char *s = json_string_value(v);
        long n = s && strlen(s) == json_string_length(v) ? shop_utf8_chars(s, strlen(s)) : -1;
        if (n < 1 || n > 64)
            return shop_fail(r, SHOP_E_VALIDATION, "orders[%zu].%s must be a string of 1 to 64 characters", i, keys[k]);
        *(k ? &it->tracking : &it->carrier) = s;
    }
    for (size_t j = 0; j < i; j++)
        if (json_integer_value(json_object_get(json_array_get(json_object_get(r->body, "orders"), j), "order_id")) ==
            it->order_id)
            return shop_fail(r, SHOP_E_VALIDATION, "orders[%zu].order_id repeats orders[%zu]'s (%lld)", i, j,
                             it->order_id);
    return SHOP_OK;
}

int shop_orders_coop_ship(shop_req *r)
{
    fl_db *db = NULL;
    long long coop_id;
    json_t *list = json_object_get(r->body, "orders");
    size_t n = json_array_size(list);
    int err;
    if ((err = shop_param_id(r, 0, &coop_id)) < 0 || (err = shop_auth_coop(r, coop_id, SHOP_MEMBER_FARMER)) < 0)
        return err;
    if (!json_is_array(list) || n < 1 || n > SHOP_SHIP_MANY_MAX)
        return shop_fail(r, SHOP_E_VALIDATION, "orders must be an array of 1 to %d {order_id, carrier, tracking_no}",
                         SHOP_SHIP_MANY_MAX);
    shop_ship_item *items = fl_arena_alloc(r->arena, n * sizeof(*items));
    shop_ship_result *res = fl_arena_alloc(r->arena, n * sizeof(*res));
    for (size_t i = 0; i < n; i++)
        if ((err = ship_item(r, i, &items[i])) < 0)
            return err;
    if ((err = shop_db(r, &db)) < 0)
        return err;
    size_t shipped = shop_coop_ship_many(r->ctx, db, coop_id, r->session->account_id, items, n, res);
    json_t *out =
        json_pack("{s:I, s:I, s:[]}", "shipped", (json_int_t)shipped, "failed", (json_int_t)(n - shipped), "items");
    json_t *arr = json_object_get(out, "items");
    for (size_t i = 0; i < n; i++) {
        const shop_fault *f = &res[i].f;
        json_array_append_new(
            arr, res[i].ok
                     ? json_pack("{s:I, s:b}", "order_id", (json_int_t)items[i].order_id, "shipped", 1)
                     : json_pack("{s:I, s:b, s:{s:s, s:s}}", "order_id", (json_int_t)items[i].order_id, "shipped", 0,
                                 "error", "code", f->code ? f->code : shop_err_code(f->err), "message", f->msg));
    }
    return shop_reply_json(r, 200, out);
}
