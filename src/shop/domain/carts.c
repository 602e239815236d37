/* carts.c - the cart model in Redis: keys, read, put, merge, clear, and its
 * priced view (the routes and the guest token: api/carts.c).
 *
 * Every change of a cart is one Lua script, so a line's quantity, the
 * cart's line count and its version change together. */
#include "farmlive/shop/domain/carts.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEYS: the cart. ARGV: ttl, a new version for a cart that has none. */
static const char read_lua[] =
    "local v = redis.call('HGETALL', KEYS[1]) "
    "if #v > 0 then "
    "  redis.call('EXPIRE', KEYS[1], ARGV[1]) "
    "  if redis.call('HSETNX', KEYS[1], 'v', ARGV[2]) == 1 then v = redis.call('HGETALL', KEYS[1]) end "
    "end "
    "return v";

/* KEYS: the cart. ARGV: sku, quantity, ttl, max lines, new version, the
 * SKU's price now. */
static const char put_lua[] =
    "local lines = redis.call('HLEN', KEYS[1]) - redis.call('HEXISTS', KEYS[1], 'v') "
    "if tonumber(ARGV[2]) == 0 then "
    "  if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then "
    "    if lines > 1 then redis.call('HSET', KEYS[1], 'v', ARGV[5]) else redis.call('DEL', KEYS[1]) end "
    "  end "
    "  return 1 "
    "end "
    "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and lines >= tonumber(ARGV[4]) then return 0 end "
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. ARGV[6], 'v', ARGV[5]) "
    "redis.call('EXPIRE', KEYS[1], ARGV[3]) return 1";

/* KEYS: the guest cart, the account's. ARGV: ttl, max quantity, max
 * lines, new version. A line's value is "quantity:price" or, from before
 * prices were kept, "quantity". */
static const char merge_lua[] =
    "local function qty(x) return tonumber(string.match(x, '^(%d+)')) or 0 end "
    "local function price(x) return string.match(x, ':(%d+)$') end "
    "local v = redis.call('HGETALL', KEYS[1]) "
    "local n = 0 "
    "for i = 1, #v, 2 do "
    "  local lines = redis.call('HLEN', KEYS[2]) - redis.call('HEXISTS', KEYS[2], 'v') "
    "  local cur = redis.call('HGET', KEYS[2], v[i]) "
    "  if v[i] ~= 'v' and (cur or lines < tonumber(ARGV[3])) then "
    "    local q = (cur and qty(cur) or 0) + qty(v[i + 1]) "
    "    if q > tonumber(ARGV[2]) then q = tonumber(ARGV[2]) end "
    "    local p = (cur and price(cur)) or price(v[i + 1]) "
    "    redis.call('HSET', KEYS[2], v[i], p and (q .. ':' .. p) or tostring(q)) "
    "    n = n + 1 "
    "  end "
    "end "
    "redis.call('DEL', KEYS[1]) "
    "if n > 0 then redis.call('HSET', KEYS[2], 'v', ARGV[4]) redis.call('EXPIRE', KEYS[2], ARGV[1]) end "
    "return n";

/* KEYS: the cart. ARGV: the version checked out. */
static const char clear_lua[] =
    "if redis.call('HGET', KEYS[1], 'v') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/* A new cart version: 128 bits from the CSPRNG, as hex. */
static void new_version(char out[SHOP_CART_VERSION_LEN + 1])
{
    char t[FL_TOKEN_HEX];
    fl_random_token(t);
    memcpy(out, t, SHOP_CART_VERSION_LEN);
    out[SHOP_CART_VERSION_LEN] = '\0';
}

void shop_cart_key_account(long long account_id, char key[SHOP_CART_KEY_MAX])
{
    snprintf(key, SHOP_CART_KEY_MAX, "cart:a:%lld", account_id);
}

void shop_cart_key_guest(const char *token, char key[SHOP_CART_KEY_MAX])
{
    char hash[FL_SHA256_HEX];
    fl_sha256_hex(token, strlen(token), hash);
    snprintf(key, SHOP_CART_KEY_MAX, "cart:g:%s", hash);
}

int shop_cart_token_ok(const char *t)
{
    size_t n = 0;
    for (; t && t[n]; n++)
        if (!((t[n] >= '0' && t[n] <= '9') || (t[n] >= 'a' && t[n] <= 'f')))
            return 0;
    return n == SHOP_CART_TOKEN_LEN;
}

static int by_sku(const void *a, const void *b)
{
    const shop_cart_item *x = a, *y = b;
    return x->sku_id < y->sku_id ? -1 : x->sku_id > y->sku_id;
}

int shop_cart_read(fl_kv *kv, const char *key, shop_cart_item *items, size_t *n,
                   char version[SHOP_CART_VERSION_LEN + 1], shop_fault *f)
{
    char ttl[16], fresh[SHOP_CART_VERSION_LEN + 1];
    *n = 0;
    if (version)
        version[0] = '\0';
    snprintf(ttl, sizeof(ttl), "%d", SHOP_CART_TTL);
    new_version(fresh);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %s %s", read_lua, key, ttl, fresh);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        if (rep)
            freeReplyObject(rep);
        return shop_fault_kv(f);
    }
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        const char *field = rep->element[i]->str ? rep->element[i]->str : "";
        const char *val = rep->element[i + 1]->str ? rep->element[i + 1]->str : "0";
        if (strcmp(field, "v") == 0) {
            if (version && strlen(val) == SHOP_CART_VERSION_LEN)
                memcpy(version, val, SHOP_CART_VERSION_LEN + 1);
            continue;
        }
        char *end = NULL;
        long long sku = strtoll(field, NULL, 10), q = strtoll(val, &end, 10);
        long long price = end && *end == ':' ? strtoll(end + 1, NULL, 10) : 0;
        if (sku > 0 && q > 0 && *n < SHOP_CART_MAX_ITEMS) {
            items[*n].sku_id = sku;
            items[*n].qty = (int)(q > SHOP_CART_MAX_QTY ? SHOP_CART_MAX_QTY : q);
            items[*n].added_fen = price > 0 ? price : 0;
            (*n)++;
        }
    }
    freeReplyObject(rep);
    qsort(items, *n, sizeof(*items), by_sku);
    return SHOP_OK;
}

static const char SKU_ON_SALE_SQL[] = "SELECT s.active = 1 AND p.status = 'listed', s.price_fen "
                                      "FROM skus s JOIN products p ON p.id = s.product_id WHERE s.id = ?";
enum { SO_ON_SALE, SO_PRICE };

int shop_cart_put(fl_db *db, fl_kv *kv, const char *key, long long sku_id, long long qty, shop_fault *f)
{
    fl_rows *rows = NULL;
    char version[SHOP_CART_VERSION_LEN + 1];
    long long price = 0;
    if (qty > 0) {
        int rc = fl_db_query(db, &rows, SKU_ON_SALE_SQL, "i", sku_id);
        if (rc != FL_DB_OK)
            return shop_fault_db(f, rc);
        int found = fl_rows_count(rows) == 1, on_sale = found && fl_rows_int(rows, 0, SO_ON_SALE) == 1;
        if (found)
            price = fl_rows_int(rows, 0, SO_PRICE);
        fl_rows_free(rows);
        if (!found)
            return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no SKU %lld", sku_id);
        if (!on_sale)
            return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "SKU %lld is not on sale", sku_id);
    }
    new_version(version);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %lld %lld %d %d %s %lld", put_lua, key, sku_id, qty, SHOP_CART_TTL,
                                SHOP_CART_MAX_ITEMS, version, price);
    if (!rep || rep->type != REDIS_REPLY_INTEGER) {
        if (rep)
            freeReplyObject(rep);
        return shop_fault_kv(f);
    }
    int stored = rep->integer == 1;
    freeReplyObject(rep);
    if (!stored)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "a cart holds at most %d different SKUs",
                              SHOP_CART_MAX_ITEMS);
    return SHOP_OK;
}

int shop_cart_delete(fl_kv *kv, const char *key, shop_fault *f)
{
    redisReply *rep = fl_kv_cmd(kv, "DEL %s", key);
    if (!rep)
        return shop_fault_kv(f);
    freeReplyObject(rep);
    return SHOP_OK;
}

void shop_cart_clear(fl_kv *kv, const char *key, const char *version)
{
    if (!version[0])
        return;
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %s", clear_lua, key, version);
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "cart_clear_failed", "cart %s not cleared after checkout", key);
    if (rep)
        freeReplyObject(rep);
}

void shop_cart_merge(fl_kv *kv, const char *guest_key, long long account_id)
{
    char akey[SHOP_CART_KEY_MAX], version[SHOP_CART_VERSION_LEN + 1];
    new_version(version);
    shop_cart_key_account(account_id, akey);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 2 %s %s %d %d %d %s", merge_lua, guest_key, akey, SHOP_CART_TTL,
                                SHOP_CART_MAX_QTY, SHOP_CART_MAX_ITEMS, version);
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "cart_merge_failed", "guest cart not merged into account %lld", account_id);
    if (rep)
        freeReplyObject(rep);
}

/* ---- the priced view ---------------------------------------------------- */

const char *shop_cart_line_unavailable(int found, int sku_active, int product_listed, long long stock, long long qty)
{
    if (!found)
        return "no_such_sku";
    if (!sku_active)
        return "sku_inactive";
    if (!product_listed)
        return "product_not_listed";
    return stock < qty ? "not_enough_stock" : NULL;
}

static const char LINE_SQL[] =
    "SELECT p.coop_id, c.name, p.id, p.name_zh, s.spec, s.unit, s.price_fen, s.active = 1, p.status = 'listed', "
    "(SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE sku_id = s.id) "
    "FROM skus s JOIN products p ON p.id = s.product_id JOIN cooperatives c ON c.id = p.coop_id WHERE s.id = ?";
enum { CL_COOP_ID, CL_COOP_NAME, CL_PRODUCT_ID, CL_NAME, CL_SPEC, CL_UNIT, CL_PRICE, CL_ACTIVE, CL_LISTED, CL_STOCK };

/* The group of coop in groups, made when missing. */
static json_t *coop_group(json_t *groups, long long coop, const char *coop_name)
{
    for (size_t k = 0; k < json_array_size(groups); k++)
        if (json_integer_value(json_object_get(json_array_get(groups, k), "coop_id")) == coop)
            return json_array_get(groups, k);
    json_t *g = json_pack("{s:I,s:s,s:[],s:I}", "coop_id", coop, "coop_name", coop_name, "items", "subtotal_fen",
                          (json_int_t)0);
    json_array_append_new(groups, g);
    return g;
}

/* One line of the view from its row (rows NULL: no such SKU); *why the
 * reason it cannot be bought, or NULL. */
static json_t *line_json(const shop_cart_item *it, const fl_rows *rows, const char **why)
{
    if (!rows) {
        *why = shop_cart_line_unavailable(0, 0, 0, 0, it->qty);
        return json_pack("{s:I,s:i,s:b,s:s}", "sku_id", it->sku_id, "quantity", it->qty, "available", 0,
                         "unavailable_reason", *why);
    }
    long long price = fl_rows_int(rows, 0, CL_PRICE), stock = fl_rows_int(rows, 0, CL_STOCK);
    *why = shop_cart_line_unavailable(1, fl_rows_int(rows, 0, CL_ACTIVE) == 1, fl_rows_int(rows, 0, CL_LISTED) == 1,
                                      stock, it->qty);
    return json_pack("{s:I,s:I,s:s,s:s,s:s,s:i,s:I,s:o,s:b,s:I,s:I,s:b,s:o}", "sku_id", it->sku_id, "product_id",
                     fl_rows_int(rows, 0, CL_PRODUCT_ID), "product_name", fl_rows_str(rows, 0, CL_NAME), "spec",
                     fl_rows_str(rows, 0, CL_SPEC), "unit", fl_rows_str(rows, 0, CL_UNIT), "quantity", it->qty,
                     "unit_price_fen", price, "added_price_fen",
                     it->added_fen ? json_integer(it->added_fen) : json_null(), "price_changed",
                     it->added_fen && it->added_fen != price, "line_total_fen", price * it->qty, "stock", stock,
                     "available", *why == NULL, "unavailable_reason", *why ? json_string(*why) : json_null());
}

int shop_cart_view(fl_db *db, const shop_cart_item *items, size_t n, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    json_t *groups = json_array(), *unavailable = json_array();
    long long total = 0;
    int err = SHOP_OK, changed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *why;
        int rc = fl_db_query(db, &rows, LINE_SQL, "i", items[i].sku_id);
        if (rc != FL_DB_OK) {
            err = shop_fault_db(f, rc);
            goto out_free;
        }
        int found = fl_rows_count(rows) == 1;
        json_t *line = line_json(&items[i], found ? rows : NULL, &why);
        json_t *g = found ? coop_group(groups, fl_rows_int(rows, 0, CL_COOP_ID), fl_rows_str(rows, 0, CL_COOP_NAME))
                          : coop_group(groups, 0, "");
        json_array_append_new(json_object_get(g, "items"), line);
        changed |= json_is_true(json_object_get(line, "price_changed"));
        if (why) /* what cannot be bought is listed, not totalled */
            json_array_append_new(unavailable, json_pack("{s:I,s:s}", "sku_id", items[i].sku_id, "reason", why));
        else {
            long long lt = json_integer_value(json_object_get(line, "line_total_fen"));
            json_object_set_new(g, "subtotal_fen",
                                json_integer(json_integer_value(json_object_get(g, "subtotal_fen")) + lt));
            total += lt;
        }
        fl_rows_free(rows);
        rows = NULL;
    }
    *out = json_pack("{s:O,s:I,s:i,s:O,s:b}", "coops", groups, "total_fen", total, "item_count", (int)n, "unavailable",
                     unavailable, "price_changed", changed);
out_free:
    fl_rows_free(rows);
    json_decref(groups);
    json_decref(unavailable);
    return err;
}
