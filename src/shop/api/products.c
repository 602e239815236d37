/* products.c - the catalogue's routes: parse, call domain/products.c, reply.
 *
 *   GET   /api/v1/products                    list (listed only), cached
 *   POST  /api/v1/products                    create with images and SKUs
 *   GET   /api/v1/products/{id}               one product
 *   PATCH /api/v1/products/{id}               partial update, images replaced
 *   POST  /api/v1/products/{id}/delist        status -> delisted
 *   POST  /api/v1/products/{id}/skus          add a SKU
 *   PATCH /api/v1/products/{id}/skus/{sku_id} partial SKU update
 *
 * Bodies become a shop_product_in / shop_sku_in here, every field checked
 * for shape, length and format (422 naming its path, e.g. skus[1].gtin);
 * the rules that need data, rights included, are the domain's. Every write
 * that succeeded calls shop_catalogue_changed() before replying.
 *
 * The list is the hot read: its normalised query is the key of the
 * catalogue read cache (api/catalogue.c), looked up before anything else;
 * only a miss takes a MariaDB connection. A search (q) goes to the engine
 * (domain/product_search.h) uncached. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/api/catalogue.h"
#include "farmlive/shop/api/products.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/product_search.h"
#include "farmlive/shop/domain/products.h"

#define PRODUCTS_U32_MAX 4294967295LL

/* ---- body fields ---------------------------------------------------------- */

/* obj[key] as a string of min..max characters. *present tells whether the
 * key was there (null included); *out is NULL when absent or null, null being
 * accepted only when nullable. Fails 422 naming where+key. */
static int field_str(shop_req *r, json_t *obj, const char *where, const char *key, int required, int nullable,
                     size_t min, size_t max, const char **out, int *present)
{
    json_t *v = json_object_get(obj, key);
    long n;
    *out = NULL;
    if (present)
        *present = v != NULL;
    if (v && json_is_null(v) && !nullable)
        return shop_fail(r, SHOP_E_VALIDATION, "%s%s cannot be null", where, key);
    if (!v || json_is_null(v)) {
        if (required)
            return shop_fail(r, SHOP_E_VALIDATION, "%s%s is required", where, key);
        return SHOP_OK;
    }
    if (!json_is_string(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s%s must be a string", where, key);
    n = shop_utf8_chars(json_string_value(v), json_string_length(v));
    if (n < 0 || (size_t)n < min || (size_t)n > max || strlen(json_string_value(v)) != json_string_length(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s%s must be %zu to %zu characters long", where, key, min, max);
    *out = json_string_value(v);
    return SHOP_OK;
}

/* obj[key] as an integer in [min, max]; null counts as absent. */
static int field_int(shop_req *r, json_t *obj, const char *where, const char *key, int required, long long min,
                     long long max, long long *out, int *present)
{
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = v != NULL && !json_is_null(v);
    if (!v || json_is_null(v)) {
        if (required)
            return shop_fail(r, SHOP_E_VALIDATION, "%s%s is required", where, key);
        return SHOP_OK;
    }
    if (!json_is_integer(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s%s must be an integer", where, key);
    if (json_integer_value(v) < min || json_integer_value(v) > max)
        return shop_fail(r, SHOP_E_VALIDATION, "%s%s must be between %lld and %lld", where, key, min, max);
    *out = json_integer_value(v);
    return SHOP_OK;
}

static int field_bool(shop_req *r, json_t *obj, const char *where, const char *key, long long *out, int *present)
{
    json_t *v = json_object_get(obj, key);
    *present = v != NULL;
    if (!v)
        return SHOP_OK;
    if (!json_is_boolean(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s%s must be true or false", where, key);
    *out = json_is_true(v);
    return SHOP_OK;
}

/* One SKU object. creating: spec, unit, price_fen, weight_g are required and
 * active defaults to true; otherwise every field is optional. */
static int sku_parse(shop_req *r, json_t *obj, const char *where, int creating, shop_sku_in *s)
{
    int rc;
    memset(s, 0, sizeof(*s));
    s->active = 1;
    if (!json_is_object(obj))
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be an object", *where ? where : "body");
    if ((rc = field_str(r, obj, where, "spec", creating, 0, 1, 64, &s->spec, &s->has_spec)) ||
        (rc = field_str(r, obj, where, "unit", creating, 0, 1, 16, &s->unit, &s->has_unit)) ||
        (rc = field_int(r, obj, where, "price_fen", creating, 1, PRODUCTS_U32_MAX, &s->price_fen, &s->has_price)) ||
        (rc = field_int(r, obj, where, "weight_g", creating, 1, PRODUCTS_U32_MAX, &s->weight_g, &s->has_weight)) ||
        (rc = field_str(r, obj, where, "gtin", 0, 1, 0, 14, &s->gtin, &s->has_gtin)) ||
        (rc = field_bool(r, obj, where, "active", &s->active, &s->has_active)))
        return rc;
    if (s->gtin && !shop_gtin14_valid(s->gtin))
        return shop_fail(r, SHOP_E_VALIDATION, "%sgtin must be 14 digits ending in a valid GS1 check digit", where);
    return SHOP_OK;
}

/* "images": an array of at most SHOP_PRODUCT_IMAGES_MAX {url, alt?}; null
 * means none. */
static int images_parse(shop_req *r, json_t *arr, shop_product_in *in)
{
    int rc;
    in->has_images = 1;
    if (json_is_null(arr))
        return SHOP_OK;
    if (!json_is_array(arr) || json_array_size(arr) > SHOP_PRODUCT_IMAGES_MAX)
        return shop_fail(r, SHOP_E_VALIDATION, "images must be an array of at most %d images", SHOP_PRODUCT_IMAGES_MAX);
    in->nimages = json_array_size(arr);
    in->images = fl_arena_alloc(r->arena, (in->nimages + 1) * sizeof(*in->images));
    for (size_t i = 0; i < in->nimages; i++) {
        json_t *img = json_array_get(arr, i);
        char *where = fl_arena_printf(r->arena, "images[%zu].", i);
        if (!json_is_object(img))
            return shop_fail(r, SHOP_E_VALIDATION, "images[%zu] must be an object", i);
        if ((rc = field_str(r, img, where, "url", 1, 0, 1, 512, &in->images[i].url, NULL)) ||
            (rc = field_str(r, img, where, "alt", 0, 1, 0, 255, &in->images[i].alt, NULL)))
            return rc;
        if (!shop_image_url_valid(in->images[i].url))
            return shop_fail(r, SHOP_E_VALIDATION, "%surl must be an https:// URL or the shop's own /assets/ path",
                             where);
    }
    return SHOP_OK;
}

static int skus_parse(shop_req *r, json_t *arr, shop_product_in *in)
{
    int rc;
    if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > SHOP_PRODUCT_SKUS_MAX)
        return shop_fail(r, SHOP_E_VALIDATION, "skus must be an array of 1..%d SKUs", SHOP_PRODUCT_SKUS_MAX);
    in->nskus = json_array_size(arr);
    in->skus = fl_arena_alloc(r->arena, in->nskus * sizeof(*in->skus));
    for (size_t i = 0; i < in->nskus; i++) {
        char *where = fl_arena_printf(r->arena, "skus[%zu].", i);
        if ((rc = sku_parse(r, json_array_get(arr, i), where, 1, &in->skus[i])))
            return rc;
    }
    return SHOP_OK;
}

/* The product fields of a create (creating: coop_id, name_zh, category and
 * skus required, status draft|listed defaulting to draft) or of a PATCH. */
static int product_parse(shop_req *r, int creating, shop_product_in *in)
{
    json_t *body = r->body;
    json_t *v;
    int rc;
    memset(in, 0, sizeof(*in));
    if ((rc = field_int(r, body, "", "coop_id", creating, 1, LLONG_MAX, &in->coop_id, &in->has_coop)) ||
        (rc = field_str(r, body, "", "name_zh", creating, 0, 1, 128, &in->name_zh, &in->has_name_zh)) ||
        (rc = field_str(r, body, "", "name_en", 0, 1, 1, 128, &in->name_en, &in->has_name_en)) ||
        (rc = field_str(r, body, "", "category", creating, 0, 1, 32, &in->category, &in->has_category)) ||
        (rc = field_str(r, body, "", "description", 0, 1, 0, 10000, &in->description, &in->has_description)) ||
        (rc = field_str(r, body, "", "status", 0, 0, 1, 16, &in->status, &in->has_status)))
        return rc;
    if (in->status && !shop_product_status_valid(in->status, creating))
        return shop_fail(r, SHOP_E_VALIDATION, "status must be %s",
                         creating ? "draft or listed" : "draft, listed or delisted");
    v = json_object_get(body, "base_id");
    in->has_base = v != NULL;
    if (v && !json_is_null(v) && (rc = field_int(r, body, "", "base_id", 1, 1, LLONG_MAX, &in->base_id, NULL)))
        return rc;
    if ((v = json_object_get(body, "images")) && (rc = images_parse(r, v, in)))
        return rc;
    if (creating)
        return skus_parse(r, json_object_get(body, "skus"), in);
    if (json_object_get(body, "skus"))
        return shop_fail(r, SHOP_E_VALIDATION, "skus are changed through /skus, not here");
    return SHOP_OK;
}

/* ---- the list ------------------------------------------------------------- */

/* A text filter of 1..max characters; "" is absent. */
static int query_text(shop_req *r, const char *key, long max, const char **out)
{
    const char *v = shop_query(r, key);
    long n;
    *out = NULL;
    if (!v || !*v)
        return SHOP_OK;
    n = shop_utf8_chars(v, strlen(v));
    if (n < 1 || n > max)
        return shop_fail(r, SHOP_E_BAD_REQUEST, "%s must be 1..%ld characters", key, max);
    *out = v;
    return SHOP_OK;
}

/* ?q=: the buyer's words (1..SHOP_PRODUCT_Q_MAX characters, at least one
 * word: not only spaces, punctuation or symbols) as the engine's query. */
static int query_search(shop_req *r, shop_product_query *q)
{
    const char *v;
    int rc;
    if ((rc = query_text(r, "q", SHOP_PRODUCT_Q_MAX, &v)) || !v)
        return rc;
    if (shop_search_expr(r->arena, v, &q->match) == 0)
        return shop_fail(r, SHOP_E_BAD_REQUEST,
                         "q must hold a word: letters, digits or Chinese characters, "
                         "not only spaces, punctuation or symbols");
    return SHOP_OK;
}

static int list_parse(shop_req *r, shop_product_query *q)
{
    const char *v;
    int rc;
    memset(q, 0, sizeof(*q));
    q->certified = -1;
    if ((rc = query_search(r, q)))
        return rc;
    if ((rc = shop_query_page(r, q->match ? 2 : 1, &q->page)))
        return rc;
    if ((rc = shop_query_id(r, "coop", &q->coop)))
        return rc;
    if ((v = shop_query(r, "certified")) && *v) {
        if (strcmp(v, "true") == 0)
            q->certified = 1;
        else if (strcmp(v, "false") == 0)
            q->certified = 0;
        else
            return shop_fail(r, SHOP_E_BAD_REQUEST, "certified must be true or false");
    }
    if ((rc = query_text(r, "category", 32, &q->category)))
        return rc;
    return SHOP_OK;
}

/* GET /api/v1/products. Browsing (no q): the normalised query is the cache
 * key; a hit replies with the stored bytes, a miss queries, encodes once
 * and stores. A search is not cached: its answers are as many as the words
 * buyers type, and would push the browsing pages out of the cache's 256
 * places; the engine answers it from MariaDB each time. */
int shop_products_list(shop_req *r)
{
    shop_product_query q;
    shop_fault f;
    unsigned long long gen = 0;
    fl_db *db = NULL;
    json_t *page = NULL;
    char *key = NULL, *text = NULL;
    size_t keylen = 0;
    int rc;

    if ((rc = list_parse(r, &q)))
        goto out;
    if (!q.match) {
        key = fl_arena_printf(r->arena, "%zu:%s|%lld|%d|%lld|%llx", q.category ? strlen(q.category) : 0,
                              q.category ? q.category : "", q.coop, q.certified, q.page.limit,
                              (unsigned long long)q.page.after[0]);
        keylen = strlen(key);
        if (shop_catalogue_get(r, key, keylen, &gen)) {
            rc = SHOP_OK;
            goto out;
        }
    }
    if ((rc = shop_db(r, &db)))
        goto out;
    if (shop_products_page(db, &q, &page, &f) < 0) {
        rc = shop_fail_fault(r, &f);
        goto out;
    }
    if (!key) {
        rc = shop_reply_json(r, 200, page);
        page = NULL;
        goto out;
    }
    text = json_dumps(page, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        rc = shop_fail(r, SHOP_E_INTERNAL, "could not encode the catalogue");
        goto out;
    }
    rc = shop_catalogue_put(r, key, keylen, gen, text, strlen(text));
out:
    free(text);
    json_decref(page);
    return rc;
}

/* ---- one product ---------------------------------------------------------- */

/* POST /api/v1/products: the product, its images and SKUs in one transaction. */
int shop_products_create(shop_req *r)
{
    shop_product_in in;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    int rc;
    if ((rc = product_parse(r, 1, &in)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_product_create(db, shop_auth_account(r), shop_auth_platform_admin(r), &in, &out, &f);
    if (rc == SHOP_OK)
        shop_catalogue_changed(r);
    return shop_reply_outcome(r, rc, 201, out, &f);
}

/* GET /api/v1/products/{id}: listed ones for anyone; others for the
 * cooperative's members and platform admins, 404 for the rest. */
int shop_products_get(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_product_get(db, id, shop_auth_account(r), shop_auth_platform_admin(r), &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* PATCH /api/v1/products/{id}: the given fields; images, when given, replace
 * the old ones. */
int shop_products_update(shop_req *r)
{
    shop_product_in in;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = product_parse(r, 0, &in)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_product_update(db, shop_auth_account(r), shop_auth_platform_admin(r), id, &in, &out, &f);
    if (rc == SHOP_OK) {
        shop_catalogue_changed(r);
        shop_flash_end_unsellable(db, id); /* a product no longer listed ends its sales */
    }
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* POST /api/v1/products/{id}/delist: idempotent. */
int shop_products_delist(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_product_delist(db, shop_auth_account(r), shop_auth_platform_admin(r), id, &out, &f);
    if (rc == SHOP_OK) {
        shop_catalogue_changed(r);
        shop_flash_end_unsellable(db, id); /* its sales end, their units back to the lots */
    }
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* POST /api/v1/products/{id}/skus */
int shop_products_sku_create(shop_req *r)
{
    shop_sku_in s;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = sku_parse(r, r->body, "", 1, &s)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_sku_create(db, shop_auth_account(r), shop_auth_platform_admin(r), id, &s, &out, &f);
    if (rc == SHOP_OK)
        shop_catalogue_changed(r);
    return shop_reply_outcome(r, rc, 201, out, &f);
}

/* PATCH /api/v1/products/{id}/skus/{sku_id}: the SKU must belong to the
 * product in the path, else 404. */
int shop_products_sku_update(shop_req *r)
{
    shop_sku_in s;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0, sku_id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_param_id(r, 1, &sku_id)) ||
        (rc = sku_parse(r, r->body, "", 0, &s)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_sku_update(db, shop_auth_account(r), shop_auth_platform_admin(r), id, sku_id, &s, &out, &f);
    if (rc == SHOP_OK) {
        shop_catalogue_changed(r);
        shop_flash_end_unsellable(db, id); /* a SKU deactivated ends its sales */
    }
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* POST /api/v1/products/{id}/images: the body is the image file itself
 * (Content-Type image/jpeg, image/png or image/webp; its content decides),
 * ?alt= its text. 201 with the product. */
int shop_products_images_upload(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    const char *alt = shop_query(r, "alt");
    if ((rc = shop_param_id(r, 0, &id)))
        return rc;
    if ((rc = shop_body_image(r)))
        return rc;
    if (alt && (shop_utf8_chars(alt, strlen(alt)) < 0 || shop_utf8_chars(alt, strlen(alt)) > 255))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "alt must be UTF-8 text of at most 255 characters");
    if ((rc = shop_db(r, &db)))
        return rc;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/media", r->ctx->cfg->var_dir);
    rc = shop_product_image_upload(db, shop_auth_account(r), shop_auth_platform_admin(r), id, dir, r->raw_body,
                                   r->raw_body_len, alt && *alt ? alt : NULL, &out, &f);
    if (rc == SHOP_OK)
        shop_catalogue_changed(r);
    return shop_reply_outcome(r, rc, 201, out, &f);
}
