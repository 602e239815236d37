/* shop/domain/order_model.h - the order: its fields, its one writer, its one
 * reader and its one serializer (order_model.c).
 *
 * An order is a row of `orders` (with its cooperative's name) and its rows
 * of `order_lines` (each with its lot's code). In memory it is a shop_order:
 * the text of each field as MariaDB gives it (numbers in decimal, times as
 * DATETIME text "2026-11-20 20:00:00", NULL for SQL NULL), indexed by the
 * field lists below. Every path goes through the same pieces:
 *
 *   checkout, both flash paths   shop_order_init, shop_order_add_line
 *   (one order or a batch)       -> shop_order_insert, shop_order_lines_insert
 *                                   (one INSERT ... JSON_TABLE each, for one
 *                                   order or a thousand)
 *                                -> shop_order_text: the answer
 *   GET /orders/{id}, the lists  shop_order_read, shop_order_page: a SELECT
 *                                of the same fields -> shop_order_text
 *
 * so a new order's answer and GET of it are the same bytes, and the order's
 * shape is written down once, here.
 *
 * Adding a column to orders (say live_session_id): one X line in
 * SHOP_ORDER_FIELDS (the SELECT, the INSERT, its JSON_TABLE parameter and
 * the answer follow from it), one member of shop_order_new, and the line of
 * shop_order_init that sets it (order_model.c). A column a later update
 * fills (like carrier) needs only the X line, with no JSON_TABLE type.
 * A column answered as another table's value is two lines: the column,
 * written and not answered, and the value, answered and not written, read
 * through a join of the read path (live_id: the order's session, answered
 * by its public id as every URL names it). */
#ifndef FARMLIVE_SHOP_DOMAIN_ORDER_MODEL_H
#define FARMLIVE_SHOP_DOMAIN_ORDER_MODEL_H

#include <stddef.h>
#include "farmlive/arena.h"
#include "farmlive/buf.h"
#include "farmlive/db.h"

/* How a field is written in the answer. NULL is `null` whatever the kind. */
enum shop_field_kind {
    SHOP_FIELD_INT,  /* a number, as MariaDB gives it */
    SHOP_FIELD_STR,  /* a string */
    SHOP_FIELD_TIME, /* a DATETIME, answered as RFC 3339 UTC ("2026-11-20T20:00:00Z") */
    SHOP_FIELD_ADDR  /* a string member of the nested "address" object (consecutive fields) */
};

/* The order's fields, in the answer's order ("lines" follows them):
 *   X(NAME, read, json, kind, write)
 *   NAME   SHOP_OF_NAME indexes shop_order.v
 *   read   what the read path selects (o: orders, c: its cooperative,
 *          ls: the live session it was sold in)
 *   json   the member's name in the answer (NULL: written, not answered)
 *   write  the JSON_TABLE type the writer inserts the column as ("o.x":
 *          column x), or NULL when MariaDB (id) or a later update sets it */
/* clang-format off */
#define SHOP_ORDER_FIELDS(X)                                                                                   \
    X(ID,               "o.id",               "id",               SHOP_FIELD_INT,  NULL)                      \
    X(STATUS,           "o.status",           "status",           SHOP_FIELD_STR,  "VARCHAR(16)")             \
    X(BUYER_ACCOUNT_ID, "o.buyer_account_id", "buyer_account_id", SHOP_FIELD_INT,  "BIGINT")                  \
    X(COOP_ID,          "o.coop_id",          "coop_id",          SHOP_FIELD_INT,  "BIGINT")                  \
    X(COOP_NAME,        "c.name",             "coop_name",        SHOP_FIELD_STR,  NULL)                      \
    X(FLASH_SALE_ID,    "o.flash_sale_id",    "flash_sale_id",    SHOP_FIELD_INT,  "BIGINT")                  \
    X(LIVE_ID,          "o.live_id",          NULL,               SHOP_FIELD_INT,  "BIGINT")                  \
    X(LIVE_PUBLIC_ID,   "ls.public_id",       "live_id",          SHOP_FIELD_STR,  NULL)                      \
    X(PAYMENT_METHOD,   "o.payment_method",   "payment_method",   SHOP_FIELD_STR,  "VARCHAR(8)")              \
    X(TOTAL_FEN,        "o.total_fen",        "total_fen",        SHOP_FIELD_INT,  "BIGINT")                  \
    X(SHIP_NAME,        "o.ship_name",        "name",             SHOP_FIELD_ADDR, "VARCHAR(64)")             \
    X(SHIP_PHONE,       "o.ship_phone",       "phone",            SHOP_FIELD_ADDR, "VARCHAR(20)")             \
    X(SHIP_PROVINCE,    "o.ship_province",    "province",         SHOP_FIELD_ADDR, "VARCHAR(32)")             \
    X(SHIP_CITY,        "o.ship_city",        "city",             SHOP_FIELD_ADDR, "VARCHAR(32)")             \
    X(SHIP_COUNTY,      "o.ship_county",      "county",           SHOP_FIELD_ADDR, "VARCHAR(32)")             \
    X(SHIP_DETAIL,      "o.ship_detail",      "detail",           SHOP_FIELD_ADDR, "VARCHAR(255)")            \
    X(CARRIER,          "o.carrier",          "carrier",          SHOP_FIELD_STR,  NULL)                      \
    X(TRACKING_NO,      "o.tracking_no",      "tracking_no",      SHOP_FIELD_STR,  NULL)                      \
    X(PAYMENT_TXN,      "o.payment_txn",      "payment_txn",      SHOP_FIELD_STR,  NULL)                      \
    X(CANCEL_REASON,    "o.cancel_reason",    "cancel_reason",    SHOP_FIELD_STR,  NULL)                      \
    X(CANCELLED_BY,     "o.cancelled_by",     "cancelled_by",     SHOP_FIELD_STR,  NULL)                      \
    X(REFUND_REASON,    "o.refund_reason",    "refund_reason",    SHOP_FIELD_STR,  NULL)                      \
    X(REFUND_GOODS,     "o.refund_goods",     "refund_goods",     SHOP_FIELD_STR,  NULL)                      \
    X(EXPIRES_AT,       "o.expires_at",       "expires_at",       SHOP_FIELD_TIME, "VARCHAR(32)")             \
    X(PAID_AT,          "o.paid_at",          "paid_at",          SHOP_FIELD_TIME, NULL)                      \
    X(SHIPPED_AT,       "o.shipped_at",       "shipped_at",       SHOP_FIELD_TIME, NULL)                      \
    X(DELIVERED_AT,     "o.delivered_at",     "delivered_at",     SHOP_FIELD_TIME, NULL)                      \
    X(COMPLETED_AT,     "o.completed_at",     "completed_at",     SHOP_FIELD_TIME, NULL)                      \
    X(CANCELLED_AT,     "o.cancelled_at",     "cancelled_at",     SHOP_FIELD_TIME, NULL)                      \
    X(REFUNDED_AT,      "o.refunded_at",      "refunded_at",      SHOP_FIELD_TIME, NULL)                      \
    X(RETURNED_AT,      "o.returned_at",      "returned_at",      SHOP_FIELD_TIME, NULL)                      \
    X(CREATED_AT,       "o.created_at",       "created_at",       SHOP_FIELD_TIME, "VARCHAR(32)")

/* An order line's fields, the same way (l: order_lines, t: its lot); a
 * field without a JSON name is written but not answered. */
#define SHOP_ORDER_LINE_FIELDS(X)                                                                              \
    X(ORDER_ID,         "l.order_id",         NULL,               SHOP_FIELD_INT,  "BIGINT")                  \
    X(SKU_ID,           "l.sku_id",           "sku_id",           SHOP_FIELD_INT,  "BIGINT")                  \
    X(LOT_ID,           "l.lot_id",           "lot_id",           SHOP_FIELD_INT,  "BIGINT")                  \
    X(LOT_CODE,         "t.code",             "lot_code",         SHOP_FIELD_STR,  NULL)                      \
    X(PRODUCT_NAME,     "l.product_name",     "product_name",     SHOP_FIELD_STR,  "VARCHAR(128)")            \
    X(SPEC,             "l.spec",             "spec",             SHOP_FIELD_STR,  "VARCHAR(64)")             \
    X(UNIT,             "l.unit",             "unit",             SHOP_FIELD_STR,  "VARCHAR(16)")             \
    X(QUANTITY,         "l.quantity",         "quantity",         SHOP_FIELD_INT,  "BIGINT")                  \
    X(UNIT_PRICE_FEN,   "l.unit_price_fen",   "unit_price_fen",   SHOP_FIELD_INT,  "BIGINT")                  \
    X(LINE_TOTAL_FEN,   "l.quantity * l.unit_price_fen", "line_total_fen", SHOP_FIELD_INT, NULL)
/* clang-format on */

#define SHOP_OF_ENUM_(NAME, read, json, kind, write) SHOP_OF_##NAME,
#define SHOP_OL_ENUM_(NAME, read, json, kind, write) SHOP_OL_##NAME,
enum shop_order_field { SHOP_ORDER_FIELDS(SHOP_OF_ENUM_) SHOP_OF_COUNT };
enum shop_order_line_field { SHOP_ORDER_LINE_FIELDS(SHOP_OL_ENUM_) SHOP_OL_COUNT };

typedef struct shop_order_line {
    const char *v[SHOP_OL_COUNT];
} shop_order_line;

typedef struct shop_order {
    const char *v[SHOP_OF_COUNT];
    shop_order_line *lines;
    size_t nlines, cap;
} shop_order;

typedef struct shop_address {
    const char *name, *phone, *province, *city, *county, *detail;
} shop_address;

/* What a new order is made of. */
typedef struct shop_order_new {
    long long buyer_account_id, coop_id;
    const char *coop_name;
    long long flash_sale_id;    /* 0: not a flash sale's */
    long long live_id;          /* the live session it was sold in (live_sessions.id), 0: none */
    const char *live_public_id; /* that session's public id, answered as "live_id" */
    int online;                 /* 1: online payment, pending_payment until paid; 0: cash on delivery, confirmed */
    long long total_fen;
    const shop_address *address;
    long long created;  /* unix seconds: created_at */
    long long expiry_s; /* online: expires_at = created + expiry_s */
} shop_order_new;

typedef struct shop_order_line_new {
    long long sku_id, lot_id;
    const char *lot_code, *product_name, *spec, *unit;
    long long quantity, unit_price_fen;
} shop_order_line_new;

/* A new order (no id, no lines yet) in o, its texts from arena a. */
void shop_order_init(shop_order *o, fl_arena *a, const shop_order_new *in);
/* o's id (0 until inserted). */
long long shop_order_id(const shop_order *o);
/* Appends a line to o (memory from a). The strings of in and of
 * shop_order_new are referenced, not copied: they must live as long as o. */
void shop_order_add_line(shop_order *o, fl_arena *a, const shop_order_line_new *in);

/* The writer, inside the caller's transaction (each statement takes its
 * rows as one JSON parameter, JSON_TABLE):
 *
 * shop_order_insert inserts the n orders' rows and sets each one's id to
 * the statement's first id + i (memory from a). InnoDB numbers the rows of
 * one INSERT ... SELECT consecutively (innodb_autoinc_lock_mode 0 or 1);
 * a caller inserting more than one checks the ids where it uses them (the
 * flash writer's slot claims join on id, buyer and sale).
 * shop_order_lines_insert inserts every line of the n orders, each naming
 * its order's id.
 * Both: FL_DB_OK or FL_DB_E*; FL_DB_ERR also when a text is not UTF-8 or
 * the parameter would pass 64 MiB. */
int shop_order_insert(fl_db *db, fl_arena *a, shop_order *orders, size_t n);
int shop_order_lines_insert(fl_db *db, shop_order *orders, size_t n);

/* The serializer: appends o as its JSON answer (compact, the fields in
 * list order, then "lines"). 0, or -1 when a text is not UTF-8 or b
 * reached its maximum. */
int shop_order_text(fl_buf *b, const shop_order *o);

/* The reader. shop_order_read reads order id into *o (texts from a: they
 * live as long as it); *found 0 when there is none. FL_DB_OK or FL_DB_E*. */
int shop_order_read(fl_db *db, fl_arena *a, long long id, shop_order *o, int *found);

/* Which orders a list holds, newest first: a buyer's (buyer_id) or a
 * cooperative's (coop_id). status NULL: any; sold: only orders that sold
 * (paid or confirmed, and on: not awaiting payment, cancelled or refunded);
 * from/to: DATETIME texts (UTC), created_at in [from, to) (NULL: open);
 * live_public_id: only those bought in that live session (NULL: any);
 * before: only ids below it (0: the first page); limit: rows at most. */
typedef struct shop_order_query {
    long long buyer_id, coop_id; /* exactly one of them */
    const char *status;
    int sold;
    const char *from, *to;
    const char *live_public_id;
    long long before, limit;
} shop_order_query;

/* A page of the orders q names (limit 1..100) as the list answer
 * {"items": [...], "next_cursor": "..."|null} into b (the cursor:
 * core/values.h). FL_DB_OK, FL_DB_E*, or FL_DB_ERR when the text cannot be
 * made. */
int shop_order_page(fl_db *db, fl_arena *a, const shop_order_query *q, fl_buf *b);

/* Up to q->limit + 1 of the orders q names, with their lines, into
 * *orders (from a; *n of them): one more than the limit says there are
 * more. FL_DB_OK or FL_DB_E*. */
int shop_order_list(fl_db *db, fl_arena *a, const shop_order_query *q, shop_order **orders, size_t *n);

#endif
