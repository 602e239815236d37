/* carts.c - the cart routes, for guests and signed-in buyers; the cart
 * itself is domain/carts.c's.
 *
 *   GET    /api/v1/cart                 the cart with current prices, stock
 *                                       and per-cooperative subtotals (fen)
 *   PUT    /api/v1/cart/items/{sku_id}  {"quantity": n}; 0 removes the line
 *   DELETE /api/v1/cart                 empty it
 *
 * The routes are public: a signed-in caller uses its account's cart; a
 * guest the cart of its token (64 hex), the fl_cart cookie or the
 * X-Cart-Token header. The first PUT of a guest without one creates it
 * (Set-Cookie, and "cart_token" in the body for API clients). Logging in
 * merges the guest cart into the account's (shop_carts_merge_guest, called
 * by sessions.c). */
#include "farmlive/shop/api/carts.h"
#include "farmlive/crypto.h"
#include "farmlive/shop/domain/carts.h"

/* The guest token of the request, or NULL. */
static const char *guest_token(shop_req *r)
{
    const char *t = shop_header(r, "X-Cart-Token");
    if (!shop_cart_token_ok(t))
        t = shop_cookie(r, SHOP_CART_COOKIE);
    return shop_cart_token_ok(t) ? t : NULL;
}

/* The caller's cart key; "" for a guest without a token. */
static void cart_key(shop_req *r, char key[SHOP_CART_KEY_MAX])
{
    const char *t;
    key[0] = '\0';
    if (r->session)
        shop_cart_key_account(r->session->account_id, key);
    else if ((t = guest_token(r)) != NULL)
        shop_cart_key_guest(t, key);
}

static void cookie_set(shop_req *r, const char *token, int max_age)
{
    shop_add_header(r, "Set-Cookie",
                    fl_arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s", SHOP_CART_COOKIE,
                                    token, max_age, r->ctx->cfg->cookie_secure ? "; Secure" : ""));
}

/* Answers the cart under key ("": none) with its priced view; token: the
 * guest's, shown to API clients as "cart_token", or NULL. */
static int cart_reply(shop_req *r, const char *key, const char *token)
{
    shop_cart_item items[SHOP_CART_MAX_ITEMS];
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    json_t *body = NULL;
    shop_fault f;
    size_t n = 0;
    int err;
    if (key[0] && ((err = shop_kv(r, &kv)) < 0))
        return err;
    if (key[0] && shop_cart_read(kv, key, items, &n, NULL, &f) < 0)
        return shop_fail_fault(r, &f);
    if (n > 0 && (err = shop_db(r, &db)) < 0)
        return err;
    if (shop_cart_view(db, items, n, &body, &f) < 0)
        return shop_fail_fault(r, &f);
    if (token)
        json_object_set_new(body, "cart_token", json_string(token));
    return shop_reply_json(r, 200, body);
}

int shop_carts_get(shop_req *r)
{
    char key[SHOP_CART_KEY_MAX];
    cart_key(r, key);
    return cart_reply(r, key, NULL);
}

int shop_carts_put_item(shop_req *r)
{
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    shop_fault f;
    char key[SHOP_CART_KEY_MAX], token[FL_TOKEN_HEX];
    const char *new_token = NULL;
    long long sku, qty;
    int err;
    if ((err = shop_param_id(r, 0, &sku)) < 0 ||
        (err = shop_body_int(r, "quantity", 1, 0, SHOP_CART_MAX_QTY, &qty, NULL)) < 0 || (err = shop_db(r, &db)) < 0)
        return err;
    cart_key(r, key);
    if (!key[0]) { /* a guest's first line: a new token */
        fl_random_token(token);
        new_token = token;
        shop_cart_key_guest(token, key);
    }
    if ((err = shop_kv(r, &kv)) < 0)
        return err;
    if (shop_cart_put(db, kv, key, sku, qty, &f) < 0)
        return shop_fail_fault(r, &f);
    if (new_token)
        cookie_set(r, new_token, SHOP_CART_TTL);
    return cart_reply(r, key, new_token ? new_token : (r->session ? NULL : guest_token(r)));
}

int shop_carts_clear(shop_req *r)
{
    fl_kv *kv = NULL;
    shop_fault f;
    char key[SHOP_CART_KEY_MAX];
    int err;
    cart_key(r, key);
    if (key[0]) {
        if ((err = shop_kv(r, &kv)) < 0)
            return err;
        if (shop_cart_delete(kv, key, &f) < 0)
            return shop_fail_fault(r, &f);
    }
    return shop_reply_empty(r, 204);
}

void shop_carts_merge_guest(shop_req *r, long long account_id)
{
    char gkey[SHOP_CART_KEY_MAX];
    const char *t = guest_token(r);
    /* a merge never fails the login: no shop_kv (it would record a 503) */
    if (!t || (!r->kv && fl_kv_acquire(r->ctx->kv, &r->kv) != FL_KV_OK))
        return;
    shop_cart_key_guest(t, gkey);
    shop_cart_merge(r->kv, gkey, account_id);
    cookie_set(r, "", 0); /* the guest cart is gone: so is the cookie that named it */
}
