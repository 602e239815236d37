/* checkout.c - a cart becomes orders, one per cooperative (see checkout.h).
 *
 *   cart (Redis) -> lines_load: each SKU's snapshot, sorted by cooperative
 *                   lines_refusal: every line that cannot be bought, short
 *                   of stock, or at another price than the buyer saw
 *   checkout_tx:  cart_checkouts (the version, once)
 *                 per cooperative: the order row, stock reserved lot by
 *                 lot (shop_inv_reserve, as many lots as it takes), one
 *                 line per lot
 *                 every line, the answer, the stored answer; commit
 *   cart emptied if still at that version; stock levels told */
#include "farmlive/shop/domain/checkout.h"
#include "farmlive/shop/domain/carts.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/shop/domain/stock_level.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TX_ATTEMPTS 4
#define ANSWER_MAX (16 * 1024 * 1024)
#define CART_TAKEN 3 /* checkout_tx: this version of the cart was checked out already */

typedef struct line_in {
    long long sku_id, coop_id, price_fen, added_fen, stock;
    int qty;
    const char *coop_name, *name, *spec, *unit;
    const char *unavailable; /* why it cannot be bought (shop_cart_line_unavailable), or NULL */
} line_in;

static int by_coop_sku(const void *a, const void *b)
{
    const line_in *x = a, *y = b;
    if (x->coop_id != y->coop_id)
        return x->coop_id < y->coop_id ? -1 : 1;
    return x->sku_id < y->sku_id ? -1 : x->sku_id > y->sku_id;
}

static const char LINE_SQL[] =
    "SELECT p.coop_id, c.name, s.price_fen, p.name_zh, s.spec, s.unit, s.active = 1, p.status = 'listed', "
    "(SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE sku_id = s.id) "
    "FROM skus s JOIN products p ON p.id = s.product_id JOIN cooperatives c ON c.id = p.coop_id WHERE s.id = ?";
enum { LI_COOP_ID, LI_COOP_NAME, LI_PRICE, LI_NAME, LI_SPEC, LI_UNIT, LI_ACTIVE, LI_LISTED, LI_STOCK };

/* Snapshots name, spec, price, stock and cooperative of every cart line,
 * and whether it can be bought, sorted by cooperative then SKU. SHOP_OK or
 * a negative SHOP_E_*. */
static int lines_load(fl_db *db, fl_arena *a, const shop_cart_item *items, size_t n, line_in *lines, shop_fault *f)
{
    fl_rows *rows = NULL;
    for (size_t i = 0; i < n; i++) {
        int rc = fl_db_query(db, &rows, LINE_SQL, "i", items[i].sku_id);
        if (rc != FL_DB_OK)
            return shop_fault_db(f, rc);
        int found = fl_rows_count(rows) == 1;
        lines[i] = (line_in){.sku_id = items[i].sku_id, .qty = items[i].qty, .added_fen = items[i].added_fen};
        lines[i].unavailable = shop_cart_line_unavailable(found, found && fl_rows_int(rows, 0, LI_ACTIVE) == 1,
                                                          found && fl_rows_int(rows, 0, LI_LISTED) == 1,
                                                          found ? fl_rows_int(rows, 0, LI_STOCK) : 0, items[i].qty);
        if (found) {
            lines[i].coop_id = fl_rows_int(rows, 0, LI_COOP_ID);
            lines[i].price_fen = fl_rows_int(rows, 0, LI_PRICE);
            lines[i].stock = fl_rows_int(rows, 0, LI_STOCK);
            lines[i].coop_name = fl_arena_strdup(a, fl_rows_str(rows, 0, LI_COOP_NAME));
            lines[i].name = fl_arena_strdup(a, fl_rows_str(rows, 0, LI_NAME));
            lines[i].spec = fl_arena_strdup(a, fl_rows_str(rows, 0, LI_SPEC));
            lines[i].unit = fl_arena_strdup(a, fl_rows_str(rows, 0, LI_UNIT));
        }
        fl_rows_free(rows);
        rows = NULL;
    }
    qsort(lines, n, sizeof(*lines), by_coop_sku);
    return SHOP_OK;
}

/* 1 when line l cannot be bought only because its lots hold too few. */
static int short_only(const line_in *l)
{
    return l->unavailable && strcmp(l->unavailable, "not_enough_stock") == 0;
}

/* Why the lines cannot be checked out as they are, before anything is
 * written: lines that cannot be bought (422 sku_unavailable, naming every
 * line that cannot, short ones too), else lines the lots cannot cover (409
 * out_of_stock), else prices that are not the ones the buyer saw (409
 * price_changed). SHOP_OK, or SHOP_CHECKOUT_REFUSED with f and *detail. */
static int lines_refusal(const line_in *lines, size_t n, long long expected, json_t **detail, shop_fault *f)
{
    json_t *list = json_array();
    long long total = 0;
    size_t unsold = 0, shortn = 0, stale = 0;
    for (size_t i = 0; i < n; i++) {
        shortn += short_only(&lines[i]);
        unsold += lines[i].unavailable && !short_only(&lines[i]);
        stale += lines[i].added_fen && lines[i].added_fen != lines[i].price_fen;
        total += lines[i].price_fen * lines[i].qty;
    }
    for (size_t i = 0; i < n && (unsold || shortn); i++) {
        if (unsold && lines[i].unavailable)
            json_array_append_new(list,
                                  json_pack("{s:I,s:s}", "sku_id", lines[i].sku_id, "reason", lines[i].unavailable));
        else if (!unsold && short_only(&lines[i]))
            json_array_append_new(list, json_pack("{s:I,s:i,s:I}", "sku_id", lines[i].sku_id, "quantity", lines[i].qty,
                                                  "stock", lines[i].stock));
    }
    if (unsold || shortn) {
        if (unsold)
            shop_fault_set(f, SHOP_E_VALIDATION, "sku_unavailable",
                           "%zu line(s) of the cart cannot be bought (see lines): remove them", unsold + shortn);
        else
            shop_fault_set(f, SHOP_E_CONFLICT, "out_of_stock",
                           "not enough stock for %zu line(s) of the cart (see lines)", shortn);
        *detail = json_pack("{s:o}", "lines", list);
        return SHOP_CHECKOUT_REFUSED;
    }
    if (expected >= 0 ? expected == total : stale == 0) {
        json_decref(list);
        return SHOP_OK;
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:I,s:i,s:I,s:o,s:I}", "sku_id", lines[i].sku_id, "quantity",
                                              lines[i].qty, "unit_price_fen", lines[i].price_fen, "added_price_fen",
                                              lines[i].added_fen ? json_integer(lines[i].added_fen) : json_null(),
                                              "line_total_fen", lines[i].price_fen * lines[i].qty));
    if (expected >= 0)
        shop_fault_set(f, SHOP_E_CONFLICT, "price_changed",
                       "the cart totals %lld fen now, not the %lld fen expected: check the prices and confirm", total,
                       expected);
    else
        shop_fault_set(f, SHOP_E_CONFLICT, "price_changed",
                       "%zu price(s) changed since they were added (see lines): the cart totals %lld fen now; "
                       "confirm with expected_total_fen",
                       stale, total);
    *detail = json_pack("{s:I,s:o}", "total_fen", total, "lines", list);
    return SHOP_CHECKOUT_REFUSED;
}

/* The orders of lines[i..j) (one cooperative): its row, then its stock and
 * lines. FL_DB_OK, SHOP_INV_SHORT with *short_sku, SHOP_INV_RETRY or
 * FL_DB_E*. */
static int order_write(fl_db *db, fl_arena *a, shop_order *o, const shop_order_new *in, const line_in *lines, size_t i,
                       size_t j, long long *short_sku)
{
    shop_alloc *allocs = NULL;
    size_t nalloc = 0;
    shop_order_init(o, a, in);
    int rc = shop_order_insert(db, a, o, 1);
    long long order_id = shop_order_id(o);
    for (size_t m = i; m < j && rc == FL_DB_OK; m++) {
        rc = shop_inv_reserve(db, a, lines[m].sku_id, lines[m].qty, order_id, in->buyer_account_id, NULL, &allocs,
                              &nalloc);
        if (rc == SHOP_INV_SHORT)
            *short_sku = lines[m].sku_id;
        for (size_t q = 0; rc == FL_DB_OK && q < nalloc; q++)
            shop_order_add_line(o, a,
                                &(shop_order_line_new){.sku_id = lines[m].sku_id,
                                                       .lot_id = allocs[q].lot_id,
                                                       .lot_code = fl_arena_strdup(a, allocs[q].code),
                                                       .product_name = lines[m].name,
                                                       .spec = lines[m].spec,
                                                       .unit = lines[m].unit,
                                                       .quantity = allocs[q].qty,
                                                       .unit_price_fen = lines[m].price_fen});
    }
    return rc;
}

/* One attempt at the checkout transaction. Its first write consumes the
 * cart's version, so a second checkout of the same cart waits here for the
 * first and then finds it taken. FL_DB_OK with *text the stored answer,
 * CART_TAKEN, SHOP_INV_SHORT with *short_sku, SHOP_INV_RETRY, FL_DB_EDUP
 * (the key was answered meanwhile) or FL_DB_E*. Rolls back unless OK. */
static int checkout_tx(fl_db *db, const shop_ctx *ctx, fl_arena *a, const shop_idem *k, long long buyer,
                       const char *version, const line_in *lines, size_t n, int online, const shop_address *addr,
                       char **text, long long *short_sku)
{
    shop_order *orders = fl_arena_alloc(a, n * sizeof(*orders));
    size_t norders = 0;
    fl_buf b;
    int rc;
    fl_buf_init(&b, 2048, ANSWER_MAX);
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        goto out_free;
    rc = fl_db_exec(db, "INSERT INTO cart_checkouts (account_id, cart_version) VALUES (?, ?)", "is", buyer, version);
    if (rc == FL_DB_EDUP)
        rc = CART_TAKEN;
    for (size_t i = 0, j; i < n && rc == FL_DB_OK; i = j) {
        shop_order_new in = {.buyer_account_id = buyer,
                             .coop_id = lines[i].coop_id,
                             .coop_name = lines[i].coop_name,
                             .online = online,
                             .address = addr,
                             .created = (long long)time(NULL),
                             .expiry_s = ctx->cfg->order_expiry_s};
        for (j = i; j < n && lines[j].coop_id == lines[i].coop_id; j++)
            in.total_fen += lines[j].price_fen * lines[j].qty;
        rc = order_write(db, a, &orders[norders++], &in, lines, i, j, short_sku);
    }
    if (rc == FL_DB_OK)
        rc = shop_order_lines_insert(db, orders, norders);
    if (rc == FL_DB_OK) {
        int err = fl_buf_append(&b, "{\"orders\":[", 11) < 0;
        for (size_t i = 0; i < norders && !err; i++)
            err = (i && fl_buf_append(&b, ",", 1) < 0) || shop_order_text(&b, &orders[i]) < 0;
        rc = err || fl_buf_append(&b, "]}", 2) < 0 ? FL_DB_ERR : FL_DB_OK;
    }
    if (rc == FL_DB_OK && (rc = shop_idem_store_tx(db, k, 201, b.p)) == FL_DB_OK && (rc = fl_db_commit(db)) == FL_DB_OK)
        *text = fl_arena_strndup(a, b.p, b.len);
    else
        fl_db_rollback(db);
out_free:
    fl_buf_free(&b);
    return rc;
}

/* After the commit: the stock levels the orders' lines moved. */
static void levels_note(shop_ctx *ctx, fl_db *db, const line_in *lines, size_t n)
{
    shop_stock_delta d[SHOP_CART_MAX_ITEMS];
    for (size_t i = 0; i < n; i++)
        d[i] = (shop_stock_delta){lines[i].sku_id, -lines[i].qty};
    shop_stock_note(ctx, db, d, n);
}

int shop_checkout(shop_ctx *ctx, fl_db *db, fl_kv *kv, const shop_checkout_in *in, const shop_idem *k, fl_arena *a,
                  char **text, json_t **detail, shop_fault *f)
{
    shop_cart_item items[SHOP_CART_MAX_ITEMS];
    line_in lines[SHOP_CART_MAX_ITEMS];
    char key[SHOP_CART_KEY_MAX], version[SHOP_CART_VERSION_LEN + 1];
    long long short_sku = 0;
    size_t n = 0;
    int err, rc = FL_DB_OK;
    *detail = NULL;
    shop_cart_key_account(in->buyer, key);
    if ((err = shop_cart_read(kv, key, items, &n, version, f)) < 0)
        return err;
    if (n == 0) {
        shop_fault_set(f, SHOP_E_CONFLICT, "cart_empty", "the cart is empty");
        return SHOP_CHECKOUT_REFUSED;
    }
    if ((err = lines_load(db, a, items, n, lines, f)) != SHOP_OK ||
        (err = lines_refusal(lines, n, in->expected_total_fen, detail, f)) != SHOP_OK)
        return err;
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        rc = checkout_tx(db, ctx, a, k, in->buyer, version, lines, n, in->online, in->addr, text, &short_sku);
        if (rc != SHOP_INV_RETRY && rc != FL_DB_EDEADLOCK)
            break;
    }
    switch (rc) {
    case FL_DB_OK:
        shop_cart_clear(kv, key, version);
        levels_note(ctx, db, lines, n);
        return SHOP_OK;
    case FL_DB_EDUP:
        return SHOP_CHECKOUT_REPLAY;
    case CART_TAKEN: /* another checkout of this cart won: it empties the cart, or this does */
        shop_cart_clear(kv, key, version);
        shop_fault_set(f, SHOP_E_CONFLICT, "cart_empty",
                       "this cart was just checked out by another request: see your orders");
        return SHOP_CHECKOUT_REFUSED;
    case SHOP_INV_SHORT: /* taken meanwhile, between the look and the transaction */
        shop_fault_set(f, SHOP_E_CONFLICT, "out_of_stock", "not enough stock of SKU %lld", short_sku);
        *detail = json_pack("{s:[{s:I}]}", "lines", "sku_id", short_sku);
        return SHOP_CHECKOUT_REFUSED;
    case SHOP_INV_RETRY:
        return shop_fault_db(f, FL_DB_EDEADLOCK);
    default:
        return shop_fault_db(f, rc);
    }
}

int shop_orders_purge_checkouts(shop_ctx *ctx)
{
    fl_db *db = NULL;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    int rc = fl_db_exec(db, "DELETE FROM cart_checkouts WHERE created_at < NOW(3) - INTERVAL 48 HOUR LIMIT 10000", "");
    fl_db_release(db);
    return rc == FL_DB_OK ? 0 : -1;
}
