/* cashier_page.c - the sandbox cashier: in development
 * (FARMLIVE_PAY_SANDBOX=1, which `make run` sets), where a buyer pays an
 * online order without a real payment provider.
 *
 *   GET /pay/{id}   (the order's buyer) the order's amount under a banner
 *                   that says it is a sandbox and no money moves, and one
 *                   button: pay
 *
 * The page carries the payment notice the provider would send for this
 * order - the body {"order_id", "amount_fen", "transaction_id", "status":
 * "paid"}, its X-Timestamp and its X-Signature (domain/paysign.h, with
 * FARMLIVE_PAYMENT_SECRET) - and its script (src/web/pages/cashier.js)
 * posts it, as it is, to the real webhook POST /api/v1/payments/notify:
 * the order is paid through the same path as a provider's notice. The
 * signature covers this order and amount only, and the webhook takes it
 * within 5 minutes (the page says to reload after that). Without the
 * sandbox, and for an order not awaiting payment, the page is a 404. */
#include "farmlive/shop/pages/buy_pages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "farmlive/shop/domain/order_model.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/shop/domain/paysign.h"
#include "farmlive/shop/pages/page.h"

enum { PAY_STATUS, PAY_METHOD, PAY_TOTAL, PAY_COOP };

int shop_cashier_page(shop_req *r)
{
    const fl_config *cfg = r->ctx->cfg;
    int en = shop_page_lang(r), rc;
    long long id = 0;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    shop_fault f;
    char money[32], ts[24], sig[SHOP_PAYSIGN_HEX];
    const char *missing_t = en ? "Nothing to pay" : "没有待支付的订单",
               *missing = en ? "This order does not await an online payment here." : "该订单无需在此支付。";

    if (!cfg->pay_sandbox || !cfg->payment_secret[0] || shop_param_id(r, 0, &id) < 0)
        return shop_page_not_found(r, en, missing_t, missing);
    if (!r->session)
        return shop_page_signin_first(r, fl_arena_printf(r->arena, "/pay/%lld", id));
    if ((rc = shop_db(r, &db)))
        return rc;
    if ((rc = shop_order_access(db, id, r->session->account_id, 0, SHOP_ORDER_BUYER, &f)) < 0)
        return rc == SHOP_E_NOT_FOUND || rc == SHOP_E_FORBIDDEN ? shop_page_not_found(r, en, missing_t, missing)
                                                                : shop_fail_fault(r, &f);
    if ((rc = fl_db_query(db, &rows,
                          "SELECT o.status, o.payment_method, o.total_fen, c.name FROM orders o "
                          "JOIN cooperatives c ON c.id = o.coop_id WHERE o.id = ?",
                          "i", id)) != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (fl_rows_count(rows) != 1 || strcmp(fl_rows_str(rows, 0, PAY_STATUS), "pending_payment") != 0) {
        fl_rows_free(rows);
        return shop_page_not_found(r, en, missing_t, missing);
    }
    long long total = fl_rows_int(rows, 0, PAY_TOTAL);
    const char *coop =
        fl_arena_strndup(r->arena, fl_rows_str(rows, 0, PAY_COOP), strlen(fl_rows_str(rows, 0, PAY_COOP)));
    fl_rows_free(rows);

    long long now = (long long)time(NULL);
    const char *body = fl_arena_printf(r->arena,
                                       "{\"order_id\":%lld,\"amount_fen\":%lld,\"transaction_id\":\"sandbox-%lld\","
                                       "\"status\":\"paid\"}",
                                       id, total, id);
    snprintf(ts, sizeof(ts), "%lld", now);
    shop_paysign(cfg->payment_secret, ts, body, strlen(body), sig);

    shop_html h;
    shop_page_meta m = {.title = en ? "Sandbox cashier" : "沙箱收银台",
                        .path = fl_arena_printf(r->arena, "/pay/%lld", id),
                        .script = "cashier.js"};
    shop_page_money(total, money);
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(
        &h,
        "<section class=\"panel cashier\"><p class=\"sandbox-banner\" role=\"note\"><strong>%s</strong> %s</p>"
        "<h1>%s</h1><p>%s %lld · %s</p><p class=\"cashier-amount\">%s</p>"
        "<button class=\"btn btn-primary btn-block\" type=\"button\" id=\"pay\">%s</button>"
        "<p class=\"note\" id=\"pay-note\" role=\"status\" aria-live=\"polite\"></p>"
        "<p><a href=\"/orders/%lld\">%s</a></p></section>",
        en ? "SANDBOX" : "沙箱环境", en ? "For development: no real money moves." : "仅供开发测试，不会真实扣款。",
        m.title, en ? "Order" : "订单号", id, coop, money, en ? "Pay (sandbox)" : "确认支付（沙箱）", id,
        en ? "Back to the order" : "返回订单");
    shop_page_end(&h, r, en, &m,
                  json_pack("{s:I,s:{s:s,s:s,s:s}}", "order_id", (json_int_t)id, "notice", "body", body, "timestamp",
                            ts, "signature", sig));
    return shop_page_reply(r, &h, 200);
}
