/* shop/domain/live_report.h - what a live session sold (live_report.c):
 * the session report for its farmer and the coop admins, and a
 * cooperative's list of sessions with their totals.
 *
 * An order counts for the session it names (orders.live_id: bought in the
 * room through the cart, a one-tap buy, the room's flash sale, or from the
 * replay) unless it was cancelled or refunded. An order counts for a
 * product moment when it holds that moment's product and was placed while
 * the moment ran (orders carry their time to the second). Revenue is the
 * lines' total in fen. */
#ifndef FARMLIVE_SHOP_DOMAIN_LIVE_REPORT_H
#define FARMLIVE_SHOP_DOMAIN_LIVE_REPORT_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"

/* ---- the arithmetic (pure) ---------------------------------------------------- */

/* One order line as the report sees it. */
typedef struct shop_room_line {
    long long order_id, product_id, units, fen;
    long long at_ms; /* the order's time */
} shop_room_line;

typedef struct shop_room_sum {
    long long orders, units, revenue_fen;
} shop_room_sum;

/* Sums lines[0..n) that match: product_id (0: any product) and, when
 * to_ms > 0, placed in [from_ms, to_ms). Orders are counted once however
 * many of their lines match. scratch: room for n order ids. */
shop_room_sum shop_room_sum_lines(const shop_room_line *lines, size_t n, long long product_id, long long from_ms,
                                  long long to_ms, long long *scratch);

/* ---- the reports ------------------------------------------------------------------ */

/* The report of session public_id for who (a member of its cooperative, or
 * a platform admin): {"id","title","status","coop":{id,name},"farmer",
 * "started_at","ended_at","duration_s","on_air_s","peak_viewers",
 * "unique_viewers","likes","chat_messages","orders","units",
 * "revenue_fen","replay":{orders,units,revenue_fen},"products":[{
 * "product_id","name","orders","units","revenue_fen"}],"moments":[moment +
 * {orders,units,revenue_fen}]}. duration_s: first publish to the end (or
 * now); on_air_s: the time live (the recording's length); replay: what
 * was sold after the end. 404, 401/403. */
int shop_room_report(fl_db *db, const shop_actor *who, const char *public_id, json_t **out, shop_fault *f);

/* A page of cooperative coop_id's sessions, newest first, each with its
 * totals: {"items":[{"id","title","status","started_at","ended_at",
 * "duration_s","peak_viewers","unique_viewers","likes","orders","units",
 * "revenue_fen"}],"next_cursor"}. For its members (404 no such
 * cooperative, 401/403). */
int shop_room_coop_page(fl_db *db, const shop_actor *who, long long coop_id, long long before, long long limit,
                        json_t **out, shop_fault *f);

#endif
