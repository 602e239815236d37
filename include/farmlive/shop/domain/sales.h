/* shop/domain/sales.h - what a cooperative sold over a period (sales.c):
 * totals per day and its best products. Per live session it is the
 * session reports' (live_report.h).
 *
 * Days are China's (FL_CHINA_UTC_OFFSET_S); an order counts on the day it
 * was placed. It sold when it was paid or confirmed (cash on delivery)
 * and went on from there: shipped, delivered, completed. An order
 * awaiting payment or cancelled never sold and is not counted.
 * Refunds are subtracted on the day the order was placed: a refunded
 * order leaves orders, units and revenue_fen and is counted in refunds
 * and refunded_fen instead, so revenue_fen is what the cooperative keeps
 * and a day's figures agree with the session reports (which leave refunded
 * orders out the same way); gross_fen = revenue_fen + refunded_fen. Money
 * is the lines' total in fen (quantity x unit price, as charged). */
#ifndef FARMLIVE_SHOP_DOMAIN_SALES_H
#define FARMLIVE_SHOP_DOMAIN_SALES_H

#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"

#define SHOP_SALES_DAYS_MAX 92 /* days one report covers */
#define SHOP_SALES_BEST 10     /* best products listed */

/* The period a report covers, in days since 1970-01-01 (China's days):
 * from and to "YYYY-MM-DD" (inclusive), each NULL for its default: to
 * today (China's day of now_s), from SHOP_SALES_DAYS_DEFAULT days before
 * to. 0 with *d0 and *d1, or -1 with *bad naming the parameter at fault
 * ("from": not a date; "to": not a date, before from, or more than
 * SHOP_SALES_DAYS_MAX days after it). Pure. */
#define SHOP_SALES_DAYS_DEFAULT 30
int shop_sales_period(const char *from, const char *to, long long now_s, long long *d0, long long *d1,
                      const char **bad);

/* Cooperative coop_id's sales over China's days d0..d1 (inclusive, as
 * shop_sales_period made them): {"from","to","totals":{orders, units,
 * revenue_fen, refunds, refunded_fen, gross_fen},"days":[{"date", the same
 * figures}] (every day of the period, oldest first, zeros included),
 * "best_products":[{"product_id","name_zh","name_en","orders","units",
 * "revenue_fen"}] (up to SHOP_SALES_BEST, most revenue first)}. SHOP_OK;
 * 503/500. */
int shop_sales_report(fl_db *db, long long coop_id, long long d0, long long d1, json_t **out, shop_fault *f);

#endif
