/* checkout.c - a cart (or a one-tap buy's items) becomes orders, one per
 * cooperative (see checkout.h).
 *
 *   cart (Redis) or items -> lines_load: each SKU's snapshot, sorted by
 *                            cooperative; the live session named, if any
 *                   lines_refusal: every line that cannot be bought, short
 *                   of stock, or at another price than the buyer saw
 *   checkout_tx:  cart_checkouts (the cart's version, once)
 *                 the session's status (shared lock): live prices apply?
 *                 per cooperative: the order row, stock reserved lot by
 *                 lot (shop_inv_reserve, as many lots as it takes), one
 *                 line per lot
 *                 every line, the answer, the stored answer; commit
 *   cart emptied if still at that version; stock levels told; the room
 *   told what was bought */
#include "farmlive/shop/domain/checkout.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/shop/domain/stock_level.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/room_events.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TX_ATTEMPTS 4
#define ANSWER_MAX (16 * 1024 * 1024)
#define CART_TAKEN 3   /* checkout_tx: this version of the cart was checked out already */
#define LIVE_NOT_YET 4 /* checkout_tx: the session named has not gone live */
#define SHELF_PRICES_MAX 100

typedef struct line_in {
    long long sku_id, coop_id, price_fen, added_fen, stock;
    int qty;
    const char *coop_name, *name, *spec, *unit;
    const char *unavailable; /* why it cannot be bought (shop_cart_line_unavailable), or NULL */
} line_in;

/* The live session a buy names, as checkout_tx finds it. */
typedef struct room_sale {
    long long id, coop_id;
    const char *public_id;
    int on_air; /* live or idle when bought: the shelf's live prices apply */
    size_t nprices;
    struct {
        long long sku_id, price_fen;
    } prices[SHELF_PRICES_MAX];
} room_sale;

static int by_coop_sku(const void *a, const void *b)
{
    const line_in *x = a, *y = b;
    if (x->coop_id != y->coop_id)
        return x->coop_id < y->coop_id ? -1 : 1;
    return x->sku_id < y->sku_id ? -1 : x->sku_id > y->sku_id;
}

static int by_sku(const void *a, const void *b)
{
    const shop_cart_item *x = a, *y = b;
    return x->sku_id < y->sku_id ? -1 : x->sku_id > y->sku_id;
}

int shop_checkout_input(const json_t *body, fl_arena *a, shop_checkout_in *in, shop_fault *f)
{
    json_t *items = json_object_get(body, "items"), *live = json_object_get(body, "live_id"), *it;
    size_t i;
    in->items = NULL;
    in->nitems = 0;
    in->live_id = NULL;
    if (live && !json_is_null(live)) {
        if (!json_is_string(live) || !shop_live_id_valid(json_string_value(live)))
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "live_id must be a live session's id (16 hex)");
        in->live_id = json_string_value(live);
    }
    if (!items || json_is_null(items))
        return SHOP_OK;
    if (!json_is_array(items) || json_array_size(items) < 1 || json_array_size(items) > SHOP_CART_MAX_ITEMS)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "items must be a list of 1 to %d {sku_id, quantity}",
                              SHOP_CART_MAX_ITEMS);
    shop_cart_item *list = fl_arena_alloc(a, json_array_size(items) * sizeof(*list));
    json_array_foreach(items, i, it)
    {
        json_t *sku = json_object_get(it, "sku_id"), *qty = json_object_get(it, "quantity");
        if (!json_is_integer(sku) || json_integer_value(sku) < 1)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "items[%zu].sku_id must be an id", i);
        if (!json_is_integer(qty) || json_integer_value(qty) < 1 || json_integer_value(qty) > SHOP_CART_MAX_QTY)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "items[%zu].quantity must be between 1 and %d", i,
                                  SHOP_CART_MAX_QTY);
        list[i] = (shop_cart_item){json_integer_value(sku), (int)json_integer_value(qty)};
    }
    qsort(list, json_array_size(items), sizeof(*list), by_sku);
    for (i = 1; i < json_array_size(items); i++)
        if (list[i].sku_id == list[i - 1].sku_id)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "items names SKU %lld twice", list[i].sku_id);
    in->items = list;
    in->nitems = json_array_size(items);
    return SHOP_OK;
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
 * out_of_stock), else, when check_prices, prices that are not the ones the
 * buyer saw (409 price_changed). SHOP_OK, or SHOP_CHECKOUT_REFUSED with f and *detail. */
static int lines_refusal(const line_in *lines, size_t n, long long expected, int check_prices, json_t **detail,
                         shop_fault *f)
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
    if (!check_prices || (expected >= 0 ? expected == total : stale == 0)) {
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

/* The session a buy names: it exists and sells some of the lines'
 * products. SHOP_OK, SHOP_CHECKOUT_REFUSED (f) or a negative SHOP_E_*. */
static int room_find(fl_db *db, const char *public_id, const line_in *lines, size_t n, room_sale *room, shop_fault *f)
{
    enum { RF_ID, RF_COOP };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT id, coop_id FROM live_sessions WHERE public_id = ?", "s", public_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    memset(room, 0, sizeof(*room));
    if (fl_rows_count(rows) == 1) {
        room->id = fl_rows_int(rows, 0, RF_ID);
        room->coop_id = fl_rows_int(rows, 0, RF_COOP);
        room->public_id = public_id;
    }
    fl_rows_free(rows);
    if (!room->id) {
        shop_fault_set(f, SHOP_E_VALIDATION, NULL, "live_id: no live session %s", public_id);
        return SHOP_CHECKOUT_REFUSED;
    }
    for (size_t i = 0; i < n; i++)
        if (lines[i].coop_id == room->coop_id)
            return SHOP_OK;
    shop_fault_set(f, SHOP_E_VALIDATION, NULL, "live_id: live session %s sells another cooperative's products",
                   public_id);
    return SHOP_CHECKOUT_REFUSED;
}

/* Inside the transaction: the session's status under a shared lock (it
 * cannot end meanwhile) and, while it is on air, its shelf's live prices.
 * FL_DB_OK, LIVE_NOT_YET or FL_DB_E*. */
static int room_lock(fl_db *db, room_sale *room)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT status FROM live_sessions WHERE id = ? LOCK IN SHARE MODE", "i", room->id);
    if (rc != FL_DB_OK)
        return rc;
    const char *status = fl_rows_count(rows) ? fl_rows_str(rows, 0, 0) : "created";
    int not_yet = strcmp(status, "created") == 0;
    room->on_air = strcmp(status, "live") == 0 || strcmp(status, "idle") == 0;
    fl_rows_free(rows);
    if (not_yet)
        return LIVE_NOT_YET;
    room->nprices = 0;
    if (!room->on_air)
        return FL_DB_OK;
    if ((rc = fl_db_query(db, &rows,
                          "SELECT sku_id, live_price_fen FROM live_shelf WHERE live_id = ? AND live_price_fen IS NOT "
                          "NULL LIMIT 100",
                          "i", room->id)) != FL_DB_OK)
        return rc;
    for (size_t i = 0; i < fl_rows_count(rows) && i < SHELF_PRICES_MAX; i++) {
        room->prices[i].sku_id = fl_rows_int(rows, i, 0);
        room->prices[i].price_fen = fl_rows_int(rows, i, 1);
        room->nprices++;
    }
    fl_rows_free(rows);
    return FL_DB_OK;
}

/* The unit price of line l: the room's live price when it applies. */
static long long price_of(const room_sale *room, const line_in *l)
{
    for (size_t i = 0; room && room->on_air && l->coop_id == room->coop_id && i < room->nprices; i++)
        if (room->prices[i].sku_id == l->sku_id)
            return room->prices[i].price_fen;
    return l->price_fen;
}

/* The orders of lines[i..j) (one cooperative): its row, then its stock and
 * lines. FL_DB_OK, SHOP_INV_SHORT with *short_sku, SHOP_INV_RETRY or
 * FL_DB_E*. */
static int order_write(fl_db *db, fl_arena *a, shop_order *o, const shop_order_new *in, const line_in *lines, size_t i,
                       size_t j, const room_sale *room, long long *short_sku)
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
                                                       .unit_price_fen = price_of(room, &lines[m])});
    }
    return rc;
}

/* One attempt at the checkout transaction. Its first write consumes the
 * cart's version (version NULL: no cart), so a second checkout of the same
 * cart waits here for the first and then finds it taken. FL_DB_OK with
 * *text the stored answer (orders[0..*norders) written), CART_TAKEN,
 * LIVE_NOT_YET, SHOP_INV_SHORT with *short_sku, SHOP_INV_RETRY, FL_DB_EDUP
 * (the key was answered meanwhile) or FL_DB_E*. Rolls back unless OK. */
static int checkout_tx(fl_db *db, const shop_ctx *ctx, fl_arena *a, const shop_idem *k, const shop_checkout_in *cin,
                       const char *version, const line_in *lines, size_t n, room_sale *room, shop_order *orders,
                       size_t *norders, char **text, long long *short_sku)
{
    fl_buf b;
    int rc;
    *norders = 0;
    fl_buf_init(&b, 2048, ANSWER_MAX);
    if ((rc = fl_db_begin(db)) != FL_DB_OK)
        goto out_free;
    if (version) {
        rc = fl_db_exec(db, "INSERT INTO cart_checkouts (account_id, cart_version) VALUES (?, ?)", "is", cin->buyer,
                        version);
        if (rc == FL_DB_EDUP)
            rc = CART_TAKEN;
    }
    if (rc == FL_DB_OK && room)
        rc = room_lock(db, room);
    for (size_t i = 0, j; i < n && rc == FL_DB_OK; i = j) {
        int attributed = room && lines[i].coop_id == room->coop_id;
        shop_order_new in = {.buyer_account_id = cin->buyer,
                             .coop_id = lines[i].coop_id,
                             .coop_name = lines[i].coop_name,
                             .live_id = attributed ? room->id : 0,
                             .live_public_id = attributed ? room->public_id : NULL,
                             .online = cin->online,
                             .address = cin->addr,
                             .created = (long long)time(NULL),
                             .expiry_s = ctx->cfg->order_expiry_s};
        for (j = i; j < n && lines[j].coop_id == lines[i].coop_id; j++)
            in.total_fen += price_of(room, &lines[j]) * lines[j].qty;
        rc = order_write(db, a, &orders[(*norders)++], &in, lines, i, j, room, short_sku);
    }
    if (rc == FL_DB_OK)
        rc = shop_order_lines_insert(db, orders, *norders);
    if (rc == FL_DB_OK) {
        int err = fl_buf_append(&b, "{\"orders\":[", 11) < 0;
        for (size_t i = 0; i < *norders && !err; i++)
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

/* After the commit: each line of the orders sold in the room, announced
 * there ("just bought"). */
static void room_tell(const shop_ctx *ctx, const shop_order *orders, size_t n, long long buyer)
{
    for (size_t i = 0; i < n; i++) {
        const char *live = orders[i].v[SHOP_OF_LIVE_ID];
        for (size_t l = 0; live && l < orders[i].nlines; l++)
            shop_room_bought_later(ctx, strtoll(live, NULL, 10), buyer, orders[i].lines[l].v[SHOP_OL_PRODUCT_NAME],
                                   strtoll(orders[i].lines[l].v[SHOP_OL_QUANTITY], NULL, 10));
    }
}

int shop_checkout(shop_ctx *ctx, fl_db *db, fl_kv *kv, const shop_checkout_in *cin, const shop_idem *k, fl_arena *a,
                  char **text, json_t **detail, shop_fault *f)
{
    shop_cart_item cart[SHOP_CART_MAX_ITEMS];
    const shop_cart_item *items = cin->items;
    line_in lines[SHOP_CART_MAX_ITEMS];
    shop_order *orders = NULL;
    room_sale *room = NULL;
    char key[SHOP_CART_KEY_MAX], version[SHOP_CART_VERSION_LEN + 1];
    long long short_sku = 0;
    size_t n = cin->nitems, norders = 0;
    int err, rc = FL_DB_OK;
    *detail = NULL;
    if (!items) {
        shop_cart_key_account(cin->buyer, key);
        if ((err = shop_cart_read(kv, key, cart, &n, version, f)) < 0)
            return err;
        items = cart;
    }
    if (n == 0) {
        shop_fault_set(f, SHOP_E_CONFLICT, "cart_empty", "the cart is empty");
        return SHOP_CHECKOUT_REFUSED;
    }
    if (n > SHOP_CART_MAX_ITEMS)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "at most %d items", SHOP_CART_MAX_ITEMS);
    /* a room's live prices are its shelf's at the moment of the transaction:
     * what the buyer saw there, so only the cart's own prices are checked */
    if ((err = lines_load(db, a, items, n, lines, f)) != SHOP_OK ||
        (err = lines_refusal(lines, n, cin->expected_total_fen, !cin->live_id, detail, f)) != SHOP_OK)
        return err;
    orders = fl_arena_alloc(a, n * sizeof(*orders));
    if (cin->live_id) {
        room = fl_arena_alloc(a, sizeof(*room));
        if ((err = room_find(db, cin->live_id, lines, n, room, f)) != SHOP_OK)
            return err;
    }
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        rc = checkout_tx(db, ctx, a, k, cin, cin->items ? NULL : version, lines, n, room, orders, &norders, text,
                         &short_sku);
        if (rc != SHOP_INV_RETRY && rc != FL_DB_EDEADLOCK)
            break;
    }
    switch (rc) {
    case FL_DB_OK:
        if (!cin->items)
            shop_cart_clear(kv, key, version);
        levels_note(ctx, db, lines, n);
        room_tell(ctx, orders, norders, cin->buyer);
        return SHOP_OK;
    case FL_DB_EDUP:
        return SHOP_CHECKOUT_REPLAY;
    case CART_TAKEN: /* another checkout of this cart won: it empties the cart, or this does */
        shop_cart_clear(kv, key, version);
        shop_fault_set(f, SHOP_E_CONFLICT, "cart_empty",
                       "this cart was just checked out by another request: see your orders");
        return SHOP_CHECKOUT_REFUSED;
    case LIVE_NOT_YET:
        shop_fault_set(f, SHOP_E_CONFLICT, "live_not_started", "live session %s has not gone live yet", cin->live_id);
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
