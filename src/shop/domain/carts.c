/* carts.c - carts in Redis, for guests and signed-in buyers.
 *
 *   GET    /api/v1/cart                 the cart with current prices, stock
 *                                       and per-cooperative subtotals (fen)
 *   PUT    /api/v1/cart/items/{sku_id}  {"quantity": n}; 0 removes the line
 *   DELETE /api/v1/cart                 empty it
 *
 * The routes are public: a signed-in caller uses cart:a:{account}; a guest
 * uses cart:g:{sha256(token)} where the token (64 hex) is the fl_cart cookie
 * or the X-Cart-Token header. The first PUT of a guest without one creates
 * it (Set-Cookie, and "cart_token" in the body for API clients). Logging in
 * merges the guest cart into the account's (shop_carts_merge_guest, called
 * by sessions.c). Every access renews the 7-day idle expiry.
 *
 * The hash's field "v" is the cart's version: a random token that every
 * change replaces (put, merge; a read sets one on a cart that has none).
 * Checkout consumes a version once (orders.c, table cart_checkouts) and
 * empties the cart only if its version is still the one it bought, so a
 * change made meanwhile is never lost and one cart makes one checkout. */
#include "farmlive/shop/domain/carts.h"
#include "farmlive/shop/api/handlers.h"
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

/* KEYS: the cart. ARGV: sku, quantity, ttl, max lines, new version. */
static const char put_lua[] =
    "local lines = redis.call('HLEN', KEYS[1]) - redis.call('HEXISTS', KEYS[1], 'v') "
    "if tonumber(ARGV[2]) == 0 then "
    "  if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then "
    "    if lines > 1 then redis.call('HSET', KEYS[1], 'v', ARGV[5]) else redis.call('DEL', KEYS[1]) end "
    "  end "
    "  return 1 "
    "end "
    "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and lines >= tonumber(ARGV[4]) then return 0 end "
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'v', ARGV[5]) redis.call('EXPIRE', KEYS[1], ARGV[3]) return 1";

/* KEYS: the guest cart, the account's. ARGV: ttl, max quantity, max
 * lines, new version. */
static const char merge_lua[] =
    "local v = redis.call('HGETALL', KEYS[1]) "
    "local n = 0 "
    "for i = 1, #v, 2 do "
    "  local lines = redis.call('HLEN', KEYS[2]) - redis.call('HEXISTS', KEYS[2], 'v') "
    "  if v[i] ~= 'v' and (redis.call('HEXISTS', KEYS[2], v[i]) == 1 or lines < tonumber(ARGV[3])) then "
    "    local q = tonumber(redis.call('HGET', KEYS[2], v[i]) or '0') + tonumber(v[i + 1]) "
    "    if q > tonumber(ARGV[2]) then q = tonumber(ARGV[2]) end "
    "    redis.call('HSET', KEYS[2], v[i], q) "
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

static int is_token(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 64;
}

/* The guest token of the request, or NULL. */
static const char *guest_token(shop_req *r)
{
    const char *t = shop_header(r, "X-Cart-Token");
    if (!is_token(t))
        t = shop_cookie(r, SHOP_CART_COOKIE);
    return is_token(t) ? t : NULL;
}

static void guest_key(const char *token, char key[80])
{
    char hash[FL_SHA256_HEX];
    fl_sha256_hex(token, strlen(token), hash);
    snprintf(key, 80, "cart:g:%s", hash);
}

/* The caller's cart key; "" for a guest without a token. */
static void cart_key(shop_req *r, char key[80])
{
    const char *t;
    key[0] = '\0';
    if (r->session)
        snprintf(key, 80, "cart:a:%lld", r->session->account_id);
    else if ((t = guest_token(r)) != NULL)
        guest_key(t, key);
}

static int by_sku(const void *a, const void *b)
{
    const shop_cart_item *x = a, *y = b;
    return x->sku_id < y->sku_id ? -1 : x->sku_id > y->sku_id;
}

/* The cart under key: its lines, sorted by SKU, and its version (when
 * version is not NULL; "" for an empty cart). */
static int read_key(shop_req *r, const char *key, shop_cart_item *items, size_t *n,
                    char version[SHOP_CART_VERSION_LEN + 1])
{
    fl_kv *kv = NULL;
    char ttl[16], fresh[SHOP_CART_VERSION_LEN + 1];
    int err;
    *n = 0;
    if (version)
        version[0] = '\0';
    if (!key[0])
        return SHOP_OK;
    if ((err = shop_kv(r, &kv)) < 0)
        return err;
    snprintf(ttl, sizeof(ttl), "%d", SHOP_CART_TTL);
    new_version(fresh);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %s %s", read_lua, key, ttl, fresh);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        if (rep)
            freeReplyObject(rep);
        return shop_fail_kv(r);
    }
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        const char *f = rep->element[i]->str ? rep->element[i]->str : "";
        const char *val = rep->element[i + 1]->str ? rep->element[i + 1]->str : "0";
        if (strcmp(f, "v") == 0) {
            if (version && strlen(val) == SHOP_CART_VERSION_LEN)
                memcpy(version, val, SHOP_CART_VERSION_LEN + 1);
            continue;
        }
        long long sku = strtoll(f, NULL, 10), q = strtoll(val, NULL, 10);
        if (sku > 0 && q > 0 && *n < SHOP_CART_MAX_ITEMS) {
            items[*n].sku_id = sku;
            items[*n].qty = (int)(q > SHOP_CART_MAX_QTY ? SHOP_CART_MAX_QTY : q);
            (*n)++;
        }
    }
    freeReplyObject(rep);
    qsort(items, *n, sizeof(*items), by_sku);
    return SHOP_OK;
}

int shop_cart_read(shop_req *r, shop_cart_item *items, size_t *n, char version[SHOP_CART_VERSION_LEN + 1])
{
    char key[80];
    cart_key(r, key);
    return read_key(r, key, items, n, version);
}

void shop_cart_clear(shop_req *r, const char *version)
{
    fl_kv *kv = NULL;
    char key[80];
    cart_key(r, key);
    if (!key[0] || !version[0] || fl_kv_acquire(r->ctx->kv, &kv) != FL_KV_OK)
        return;
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %s", clear_lua, key, version);
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "cart_clear_failed", "cart %s not cleared after checkout", key);
    if (rep)
        freeReplyObject(rep);
    fl_kv_release(kv);
}

void shop_carts_merge_guest(shop_req *r, long long account_id)
{
    fl_kv *kv = NULL;
    char gkey[80], akey[80];
    const char *t = guest_token(r);
    /* a merge never fails the login: no shop_kv (it would record a 503) */
    if (!t || (!r->kv && fl_kv_acquire(r->ctx->kv, &r->kv) != FL_KV_OK))
        return;
    kv = r->kv;
    guest_key(t, gkey);
    char version[SHOP_CART_VERSION_LEN + 1];
    new_version(version);
    snprintf(akey, sizeof(akey), "cart:a:%lld", account_id);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 2 %s %s %d %d %d %s", merge_lua, gkey, akey, SHOP_CART_TTL,
                                SHOP_CART_MAX_QTY, SHOP_CART_MAX_ITEMS, version);
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "cart_merge_failed", "guest cart not merged into account %lld", account_id);
    if (rep)
        freeReplyObject(rep);
    /* the guest cart is gone: so is the cookie that named it */
    shop_add_header(r, "Set-Cookie",
                    fl_arena_printf(r->arena, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s", SHOP_CART_COOKIE,
                                    r->ctx->cfg->cookie_secure ? "; Secure" : ""));
}

/* The cart view: lines with current price, stock and line total, grouped per
 * cooperative with subtotals. Unknown SKUs are shown as unavailable. */
static int cart_view(shop_req *r, const shop_cart_item *items, size_t n, const char *token)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *groups = json_array();
    long long total = 0;
    int err = SHOP_OK;
    if (n > 0 && (err = shop_db(r, &db)) < 0)
        goto out_free;
    for (size_t i = 0; i < n; i++) {
        int rc = fl_db_query(db, &rows,
                             "SELECT p.coop_id, c.name, p.id, p.name_zh, s.spec, s.unit, s.price_fen, "
                             "s.active = 1 AND p.status = 'listed', "
                             "(SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE sku_id = s.id) "
                             "FROM skus s JOIN products p ON p.id = s.product_id "
                             "JOIN cooperatives c ON c.id = p.coop_id WHERE s.id = ?",
                             "i", items[i].sku_id);
        if (rc != FL_DB_OK) {
            err = shop_fail_db(r, rc);
            goto out_free;
        }
        json_t *line;
        long long coop = 0;
        const char *coop_name = "";
        if (fl_rows_count(rows) == 1) {
            long long price = fl_rows_int(rows, 0, 6), stock = fl_rows_int(rows, 0, 8);
            int active = fl_rows_int(rows, 0, 7) == 1;
            coop = fl_rows_int(rows, 0, 0);
            coop_name = fl_rows_str(rows, 0, 1);
            line = json_pack("{s:I,s:I,s:s,s:s,s:s,s:i,s:I,s:I,s:I,s:b}", "sku_id", items[i].sku_id, "product_id",
                             fl_rows_int(rows, 0, 2), "product_name", fl_rows_str(rows, 0, 3), "spec",
                             fl_rows_str(rows, 0, 4), "unit", fl_rows_str(rows, 0, 5), "quantity", items[i].qty,
                             "unit_price_fen", price, "line_total_fen", price * items[i].qty, "stock", stock,
                             "available", active && stock >= items[i].qty);
        } else {
            line = json_pack("{s:I,s:i,s:b}", "sku_id", items[i].sku_id, "quantity", items[i].qty, "available", 0);
        }
        json_t *g = NULL;
        for (size_t k = 0; k < json_array_size(groups); k++)
            if (json_integer_value(json_object_get(json_array_get(groups, k), "coop_id")) == coop)
                g = json_array_get(groups, k);
        if (!g) {
            g = json_pack("{s:I,s:s,s:[],s:I}", "coop_id", coop, "coop_name", coop_name, "items", "subtotal_fen",
                          (json_int_t)0);
            json_array_append_new(groups, g);
        }
        json_array_append_new(json_object_get(g, "items"), line);
        json_t *lt = json_object_get(line, "line_total_fen");
        if (lt) {
            json_object_set_new(g, "subtotal_fen",
                                json_integer(json_integer_value(json_object_get(g, "subtotal_fen")) +
                                             json_integer_value(lt)));
            total += json_integer_value(lt);
        }
        fl_rows_free(rows);
        rows = NULL;
    }
    json_t *body = json_pack("{s:O,s:I,s:i}", "coops", groups, "total_fen", total, "item_count", (int)n);
    if (token)
        json_object_set_new(body, "cart_token", json_string(token));
    err = shop_reply_json(r, 200, body);
out_free:
    fl_rows_free(rows);
    json_decref(groups);
    return err;
}

int shop_carts_get(shop_req *r)
{
    shop_cart_item items[SHOP_CART_MAX_ITEMS];
    size_t n = 0;
    int err = shop_cart_read(r, items, &n, NULL);
    if (err < 0)
        return err;
    return cart_view(r, items, n, NULL);
}

int shop_carts_put_item(shop_req *r)
{
    shop_cart_item items[SHOP_CART_MAX_ITEMS];
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    fl_kv *kv = NULL;
    char key[80], token[FL_TOKEN_HEX];
    const char *new_token = NULL;
    long long sku, qty;
    size_t n = 0;
    int err;

    if ((err = shop_param_id(r, 0, &sku)) < 0 ||
        (err = shop_body_int(r, "quantity", 1, 0, SHOP_CART_MAX_QTY, &qty, NULL)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    if (qty > 0) {
        int rc = fl_db_query(db, &rows,
                             "SELECT s.active = 1 AND p.status = 'listed' FROM skus s "
                             "JOIN products p ON p.id = s.product_id WHERE s.id = ?",
                             "i", sku);
        if (rc != FL_DB_OK)
            return shop_fail_db(r, rc);
        int found = fl_rows_count(rows) == 1, sold = found && fl_rows_int(rows, 0, 0) == 1;
        fl_rows_free(rows);
        if (!found)
            return shop_fail(r, SHOP_E_NOT_FOUND, "no SKU %lld", sku);
        if (!sold)
            return shop_fail(r, SHOP_E_VALIDATION, "SKU %lld is not on sale", sku);
    }
    cart_key(r, key);
    if (!key[0]) {
        fl_random_token(token);
        new_token = token;
        guest_key(token, key);
        shop_add_header(r, "Set-Cookie",
                        fl_arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
                                        SHOP_CART_COOKIE, token, SHOP_CART_TTL,
                                        r->ctx->cfg->cookie_secure ? "; Secure" : ""));
    }
    if ((err = shop_kv(r, &kv)) < 0)
        return err;
    char version[SHOP_CART_VERSION_LEN + 1];
    new_version(version);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %lld %lld %d %d %s", put_lua, key, sku, qty, SHOP_CART_TTL,
                                SHOP_CART_MAX_ITEMS, version);
    if (!rep || rep->type != REDIS_REPLY_INTEGER) {
        if (rep)
            freeReplyObject(rep);
        return shop_fail_kv(r);
    }
    int stored = rep->integer == 1;
    freeReplyObject(rep);
    if (!stored)
        return shop_fail(r, SHOP_E_VALIDATION, "a cart holds at most %d different SKUs", SHOP_CART_MAX_ITEMS);
    if ((err = read_key(r, key, items, &n, NULL)) < 0)
        return err;
    return cart_view(r, items, n, new_token ? new_token : (r->session ? NULL : guest_token(r)));
}

int shop_carts_clear(shop_req *r)
{
    fl_kv *kv = NULL;
    char key[80];
    int err;
    cart_key(r, key);
    if (key[0]) {
        if ((err = shop_kv(r, &kv)) < 0)
            return err;
        redisReply *rep = fl_kv_cmd(kv, "DEL %s", key);
        if (!rep)
            return shop_fail_kv(r);
        freeReplyObject(rep);
    }
    return shop_reply_empty(r, 204);
}
