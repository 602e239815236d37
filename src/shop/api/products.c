/* products.c - the catalogue: products, their images and SKUs.
 *
 *   GET   /api/v1/products                    list (listed only), cached
 *   POST  /api/v1/products                    create with images and SKUs
 *   GET   /api/v1/products/{id}               one product
 *   PATCH /api/v1/products/{id}               partial update, images replaced
 *   POST  /api/v1/products/{id}/delist        status -> delisted
 *   POST  /api/v1/products/{id}/skus          add a SKU
 *   PATCH /api/v1/products/{id}/skus/{sku_id} partial SKU update
 *
 * Rights: every write looks the product's cooperative up in MariaDB and asks
 * shop_auth_coop(..., SHOP_MEMBER_ADMIN) about that cooperative, never about
 * one named in the body alone. Reads of draft or delisted products are for
 * that cooperative's members and platform admins; anyone else gets 404.
 *
 * A product's JSON is built from one row of PRODUCT_SELECT, whose two
 * correlated subqueries return the images and SKUs as JSON arrays, so a page
 * of the list is one query. Every committed write calls
 * shop_catalogue_changed() before replying.
 *
 * Status transitions: draft -> listed | delisted, listed <-> delisted; nothing
 * goes back to draft. Certifications arrive with a later issue: the JSON
 * carries "certifications": [] and the certified filter is wired through to
 * SQL (see PRODUCTS_LIST_SQL) so that issue only fills in the predicate. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/api/catalogue.h"
#include "farmlive/shop/domain/trace.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/http.h"

#define PRODUCTS_LIMIT_DEFAULT 20
#define PRODUCTS_LIMIT_MAX 100
#define PRODUCTS_Q_MAX 100
#define PRODUCTS_IMAGES_MAX 10
#define PRODUCTS_SKUS_MAX 50
#define PRODUCTS_U32_MAX 4294967295LL

#define ISO8601(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* clang-format off */
/* Columns, in the order product_json() reads them. */
enum {
    PC_ID, PC_COOP_ID, PC_COOP_NAME, PC_NAME_ZH, PC_NAME_EN, PC_CATEGORY, PC_DESCRIPTION,
    PC_STATUS, PC_BASE_ID, PC_BASE_NAME, PC_CREATED, PC_UPDATED, PC_IMAGES, PC_SKUS, PC_CERTS
};

#define PRODUCT_SELECT                                                                             \
    "SELECT p.id, p.coop_id, c.name, p.name_zh, p.name_en, p.category, p.description, p.status, " \
    "p.base_id, b.name, " ISO8601("p.created_at") ", " ISO8601("p.updated_at") ", "              \
    "(SELECT JSON_ARRAYAGG(JSON_OBJECT('url', i.url, 'alt', i.alt) ORDER BY i.position) "        \
    "FROM product_images i WHERE i.product_id = p.id), "                                          \
    "(SELECT JSON_ARRAYAGG(JSON_OBJECT('id', s.id, 'spec', s.spec, 'unit', s.unit, "             \
    "'price_fen', s.price_fen, 'weight_g', s.weight_g, 'gtin', s.gtin, 'active', s.active) "     \
    "ORDER BY s.id) FROM skus s WHERE s.product_id = p.id), "                                     \
    SHOP_TRACE_CERTIFICATIONS_SQL("p") " "                                                         \
    "FROM products p JOIN cooperatives c ON c.id = p.coop_id "                                    \
    "LEFT JOIN production_bases b ON b.id = p.base_id "

/* Parameters: cursor x2, coop x2, category x2, q x4, certified x2, limit.
 * The certified predicate compares the wanted value (-1: any) with whether
 * the product or its base holds a valid, unexpired certification. */
static const char PRODUCTS_LIST_SQL[] =
    PRODUCT_SELECT
    "WHERE p.status = 'listed' "
    "AND (? = 0 OR p.id < ?) "
    "AND (? = 0 OR p.coop_id = ?) "
    "AND (? IS NULL OR p.category = ?) "
    "AND (? IS NULL OR p.name_zh LIKE ? ESCAPE '!' OR p.name_en LIKE ? ESCAPE '!' "
    "     OR p.description LIKE ? ESCAPE '!') "
    "AND (? < 0 OR ? = " SHOP_TRACE_CERTIFIED_SQL("p") ") "
    "ORDER BY p.id DESC LIMIT ?";

static const char PRODUCT_GET_SQL[] = PRODUCT_SELECT "WHERE p.id = ?";

static const char SKU_GET_SQL[] =
    "SELECT id, spec, unit, price_fen, weight_g, gtin, active FROM skus WHERE id = ?";
/* clang-format on */

typedef struct image_in {
    const char *url;
    const char *alt;
} image_in;

typedef struct sku_in {
    const char *spec, *unit, *gtin;
    long long price_fen, weight_g, active;
    int has_spec, has_unit, has_gtin, has_price, has_weight, has_active;
} sku_in;

typedef struct product_in {
    const char *name_zh, *name_en, *category, *description, *status;
    int has_name_zh, has_name_en, has_category, has_description, has_status;
    long long base_id; /* 0 = none */
    int has_base;
    image_in *images;
    size_t nimages;
    int has_images;
    sku_in *skus;
    size_t nskus;
} product_in;

typedef struct list_query {
    const char *q, *category;
    long long coop, cursor, limit;
    int certified; /* -1 any, 0 not certified, 1 certified */
} list_query;

/* ---- small codecs (no I/O) ---------------------------------------------- */

/* Number of UTF-8 characters in s[0..len), or -1 when it is not valid UTF-8. */
static long utf8_chars(const char *s, size_t len)
{
    long n = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t more = c < 0x80             ? 0
                      : (c & 0xE0) == 0xC0 ? 1
                      : (c & 0xF0) == 0xE0 ? 2
                      : (c & 0xF8) == 0xF0 ? 3
                                           : 9;
        if (more == 9 || (more == 1 && c < 0xC2) || (more && i + more >= len))
            return -1;
        for (size_t k = 1; k <= more; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return -1;
        i += more + 1;
        n++;
    }
    return n;
}

/* GTIN-14: 14 digits, the last the GS1 mod-10 check digit. */
static int gtin14_valid(const char *g)
{
    int sum = 0;
    if (strlen(g) != 14)
        return 0;
    for (int i = 0; i < 14; i++)
        if (g[i] < '0' || g[i] > '9')
            return 0;
    for (int i = 0; i < 13; i++)
        sum += (g[i] - '0') * (i % 2 == 0 ? 3 : 1);
    return (10 - sum % 10) % 10 == g[13] - '0';
}

/* An image URL: http(s)://host... or a site path "/..." (not "//"), with no
 * spaces or control characters. */
static int image_url_valid(const char *u)
{
    if (strncmp(u, "https://", 8) == 0)
        u += 8;
    else if (strncmp(u, "http://", 7) == 0)
        u += 7;
    else if (u[0] == '/' && u[1] != '/')
        u += 1;
    else
        return 0;
    for (; *u; u++)
        if ((unsigned char)*u <= 0x20 || *u == 0x7f)
            return 0;
    return 1;
}

/* Parses a whole decimal number in [min, max]; 0 or -1. */
/* "%q%" with %, _ and the escape character ! escaped by "!". */
static char *like_pattern(fl_arena *a, const char *q)
{
    size_t n = strlen(q), j = 0;
    char *p = fl_arena_alloc(a, 2 * n + 3);
    if (!p)
        return NULL;
    p[j++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (q[i] == '%' || q[i] == '_' || q[i] == '!')
            p[j++] = '!';
        p[j++] = q[i];
    }
    p[j++] = '%';
    p[j] = '\0';
    return p;
}

/* ---- body fields ---------------------------------------------------------- */

/* obj[key] as a string of min..max characters. *present tells whether the
 * key was there (null included); *out is NULL when absent or null, null being
 * accepted only when nullable. Fails 422 naming where+key. */
static int field_str(shop_req *r, json_t *obj, const char *where, const char *key, int required,
                     int nullable, size_t min, size_t max, const char **out, int *present)
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
    n = utf8_chars(json_string_value(v), json_string_length(v));
    if (n < 0 || (size_t)n < min || (size_t)n > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s%s must be %zu to %zu characters long", where,
                         key, min, max);
    *out = json_string_value(v);
    return SHOP_OK;
}

/* obj[key] as an integer in [min, max]; null counts as absent. */
static int field_int(shop_req *r, json_t *obj, const char *where, const char *key, int required,
                     long long min, long long max, long long *out, int *present)
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
        return shop_fail(r, SHOP_E_VALIDATION, "%s%s must be between %lld and %lld", where, key,
                         min, max);
    *out = json_integer_value(v);
    return SHOP_OK;
}

static int field_bool(shop_req *r, json_t *obj, const char *where, const char *key, long long *out,
                      int *present)
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
static int sku_parse(shop_req *r, json_t *obj, const char *where, int creating, sku_in *s)
{
    int rc;
    memset(s, 0, sizeof(*s));
    s->active = 1;
    if (!json_is_object(obj)) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "%s must be an object", *where ? where : "body");
        goto out;
    }
    if ((rc = field_str(r, obj, where, "spec", creating, 0, 1, 64, &s->spec, &s->has_spec)) ||
        (rc = field_str(r, obj, where, "unit", creating, 0, 1, 16, &s->unit, &s->has_unit)) ||
        (rc = field_int(r, obj, where, "price_fen", creating, 1, PRODUCTS_U32_MAX, &s->price_fen,
                        &s->has_price)) ||
        (rc = field_int(r, obj, where, "weight_g", creating, 1, PRODUCTS_U32_MAX, &s->weight_g,
                        &s->has_weight)) ||
        (rc = field_str(r, obj, where, "gtin", 0, 1, 0, 14, &s->gtin, &s->has_gtin)) ||
        (rc = field_bool(r, obj, where, "active", &s->active, &s->has_active)))
        goto out;
    if (s->gtin && !gtin14_valid(s->gtin)) {
        rc = shop_fail(r, SHOP_E_VALIDATION,
                       "%sgtin must be 14 digits ending in a valid GS1 check digit", where);
        goto out;
    }
out:
    return rc;
}

/* "images": an array of at most 10 {url, alt?}; null means none. */
static int images_parse(shop_req *r, json_t *arr, product_in *in)
{
    int rc = SHOP_OK;
    in->has_images = 1;
    if (json_is_null(arr))
        goto out;
    if (!json_is_array(arr) || json_array_size(arr) > PRODUCTS_IMAGES_MAX) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "images must be an array of at most %d images",
                       PRODUCTS_IMAGES_MAX);
        goto out;
    }
    in->nimages = json_array_size(arr);
    in->images = fl_arena_alloc(r->arena, (in->nimages + 1) * sizeof(*in->images));
    if (!in->images) {
        rc = shop_fail(r, SHOP_E_TOO_LARGE, "request too large");
        goto out;
    }
    for (size_t i = 0; i < in->nimages; i++) {
        json_t *img = json_array_get(arr, i);
        char *where = fl_arena_printf(r->arena, "images[%zu].", i);
        if (!where || !json_is_object(img)) {
            rc = shop_fail(r, SHOP_E_VALIDATION, "images[%zu] must be an object", i);
            goto out;
        }
        if ((rc = field_str(r, img, where, "url", 1, 0, 1, 512, &in->images[i].url, NULL)) ||
            (rc = field_str(r, img, where, "alt", 0, 1, 0, 255, &in->images[i].alt, NULL)))
            goto out;
        if (!image_url_valid(in->images[i].url)) {
            rc = shop_fail(r, SHOP_E_VALIDATION, "%surl must start with http://, https:// or /",
                           where);
            goto out;
        }
    }
out:
    return rc;
}

static int skus_parse(shop_req *r, json_t *arr, product_in *in)
{
    int rc = SHOP_OK;
    if (!json_is_array(arr) || json_array_size(arr) < 1 ||
        json_array_size(arr) > PRODUCTS_SKUS_MAX) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "skus must be an array of 1..%d SKUs",
                       PRODUCTS_SKUS_MAX);
        goto out;
    }
    in->nskus = json_array_size(arr);
    in->skus = fl_arena_alloc(r->arena, in->nskus * sizeof(*in->skus));
    if (!in->skus) {
        rc = shop_fail(r, SHOP_E_TOO_LARGE, "request too large");
        goto out;
    }
    for (size_t i = 0; i < in->nskus; i++) {
        char *where = fl_arena_printf(r->arena, "skus[%zu].", i);
        if (!where) {
            rc = shop_fail(r, SHOP_E_TOO_LARGE, "request too large");
            goto out;
        }
        if ((rc = sku_parse(r, json_array_get(arr, i), where, 1, &in->skus[i])))
            goto out;
    }
out:
    return rc;
}

/* The product fields of a create (creating: name_zh, category and skus
 * required, status draft|listed defaulting to draft) or of a PATCH. */
static int product_parse(shop_req *r, int creating, product_in *in)
{
    json_t *body = r->body;
    json_t *v;
    int rc;
    memset(in, 0, sizeof(*in));
    if ((rc = field_str(r, body, "", "name_zh", creating, 0, 1, 128, &in->name_zh,
                        &in->has_name_zh)) ||
        (rc = field_str(r, body, "", "name_en", 0, 1, 1, 128, &in->name_en, &in->has_name_en)) ||
        (rc = field_str(r, body, "", "category", creating, 0, 1, 32, &in->category,
                        &in->has_category)) ||
        (rc = field_str(r, body, "", "description", 0, 1, 0, 10000, &in->description,
                        &in->has_description)) ||
        (rc = field_str(r, body, "", "status", 0, 0, 1, 16, &in->status, &in->has_status)))
        goto out;
    if (in->status && strcmp(in->status, "draft") != 0 && strcmp(in->status, "listed") != 0 &&
        (creating || strcmp(in->status, "delisted") != 0)) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "status must be %s",
                       creating ? "draft or listed" : "draft, listed or delisted");
        goto out;
    }
    if (creating && !in->status)
        in->status = "draft";
    v = json_object_get(body, "base_id");
    in->has_base = v != NULL;
    if (v && !json_is_null(v) &&
        (rc = field_int(r, body, "", "base_id", 1, 1, LLONG_MAX, &in->base_id, NULL)))
        goto out;
    if ((v = json_object_get(body, "images")) && (rc = images_parse(r, v, in)))
        goto out;
    if (creating && (rc = skus_parse(r, json_object_get(body, "skus"), in)))
        goto out;
    if (!creating && json_object_get(body, "skus")) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "skus are changed through /skus, not here");
        goto out;
    }
out:
    return rc;
}

/* ---- JSON out ------------------------------------------------------------- */

/* A JSON array held in a text column (NULL -> []). */
static json_t *jarray_text(const char *text)
{
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_array(v)) {
        json_decref(v);
        v = json_array();
    }
    return v;
}

static json_t *sku_json_fix(json_t *sku)
{
    json_t *active = json_object_get(sku, "active");
    json_object_set_new(sku, "active", json_boolean(json_integer_value(active) != 0));
    return sku;
}

/* One product from row i of a PRODUCT_SELECT result. Never NULL. */
static json_t *product_json(const fl_rows *rows, size_t i)
{
    json_t *p = json_object(), *skus, *sku;
    size_t k;

    json_object_set_new(p, "id", json_integer(fl_rows_int(rows, i, PC_ID)));
    json_object_set_new(p, "coop",
                        json_pack("{s:I,s:o}", "id", (json_int_t)fl_rows_int(rows, i, PC_COOP_ID),
                                  "name", shop_json_str(fl_rows_str(rows, i, PC_COOP_NAME))));
    json_object_set_new(p, "name",
                        json_pack("{s:o,s:o}", "zh", shop_json_str(fl_rows_str(rows, i, PC_NAME_ZH)), "en",
                                  shop_json_str(fl_rows_str(rows, i, PC_NAME_EN))));
    json_object_set_new(p, "category", shop_json_str(fl_rows_str(rows, i, PC_CATEGORY)));
    json_object_set_new(p, "description", shop_json_str(fl_rows_str(rows, i, PC_DESCRIPTION)));
    json_object_set_new(p, "status", shop_json_str(fl_rows_str(rows, i, PC_STATUS)));
    if (fl_rows_str(rows, i, PC_BASE_ID))
        json_object_set_new(p, "base",
                            json_pack("{s:I,s:o}", "id",
                                      (json_int_t)fl_rows_int(rows, i, PC_BASE_ID), "name",
                                      shop_json_str(fl_rows_str(rows, i, PC_BASE_NAME))));
    else
        json_object_set_new(p, "base", json_null());
    json_object_set_new(p, "images", jarray_text(fl_rows_str(rows, i, PC_IMAGES)));
    skus = jarray_text(fl_rows_str(rows, i, PC_SKUS));
    json_array_foreach(skus, k, sku) sku_json_fix(sku);
    json_object_set_new(p, "skus", skus);
    json_object_set_new(p, "certifications", jarray_text(fl_rows_str(rows, i, PC_CERTS)));
    json_object_set_new(p, "created_at", shop_json_str(fl_rows_str(rows, i, PC_CREATED)));
    json_object_set_new(p, "updated_at", shop_json_str(fl_rows_str(rows, i, PC_UPDATED)));
    return p;
}

/* Loads product id into *out (a new reference). 404 when absent. */
static int product_load(shop_req *r, fl_db *db, long long id, json_t **out, long long *coop_id,
                        const char **status)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, PRODUCT_GET_SQL, "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "product %lld not found", id);
        goto out;
    }
    *out = product_json(rows, 0);
    if (coop_id)
        *coop_id = fl_rows_int(rows, 0, PC_COOP_ID);
    if (status)
        *status = json_string_value(json_object_get(*out, "status"));
    rc = SHOP_OK;
out:
    fl_rows_free(rows);
    return rc;
}

static int product_reply(shop_req *r, fl_db *db, int http_status, long long id)
{
    json_t *p = NULL;
    int rc = product_load(r, db, id, &p, NULL, NULL);
    if (rc == SHOP_OK)
        rc = shop_reply_json(r, http_status, p);
    return rc;
}

static int sku_reply(shop_req *r, fl_db *db, int http_status, long long sku_id)
{
    fl_rows *rows = NULL;
    json_t *s = NULL;
    int rc = fl_db_query(db, &rows, SKU_GET_SQL, "i", sku_id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "sku %lld not found", sku_id);
        goto out;
    }
    s = json_object();
    json_object_set_new(s, "id", json_integer(fl_rows_int(rows, 0, 0)));
    json_object_set_new(s, "spec", shop_json_str(fl_rows_str(rows, 0, 1)));
    json_object_set_new(s, "unit", shop_json_str(fl_rows_str(rows, 0, 2)));
    json_object_set_new(s, "price_fen", json_integer(fl_rows_int(rows, 0, 3)));
    json_object_set_new(s, "weight_g", json_integer(fl_rows_int(rows, 0, 4)));
    json_object_set_new(s, "gtin", shop_json_str(fl_rows_str(rows, 0, 5)));
    json_object_set_new(s, "active", json_boolean(fl_rows_int(rows, 0, 6) != 0));
    rc = shop_reply_json(r, http_status, s);
    s = NULL;
out:
    json_decref(s);
    fl_rows_free(rows);
    return rc;
}

/* ---- shared steps of the writes ------------------------------------------ */

/* Path product {id} -> its cooperative, then the caller must administer that
 * cooperative. 404 unknown product, 401/403 from shop_auth_coop. */
static int product_for_write(shop_req *r, fl_db **db, long long *id, long long *coop_id)
{
    fl_rows *rows = NULL;
    int rc;
    if ((rc = shop_param_id(r, 0, id)) || (rc = shop_db(r, db)))
        goto out;
    rc = fl_db_query(*db, &rows, "SELECT coop_id FROM products WHERE id = ?", "i", *id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "product %lld not found", *id);
        goto out;
    }
    *coop_id = fl_rows_int(rows, 0, 0);
    rc = shop_auth_coop(r, *coop_id, SHOP_MEMBER_ADMIN);
out:
    fl_rows_free(rows);
    return rc;
}

/* 422 unless base_id is a production base of coop_id. */
static int base_check(shop_req *r, fl_db *db, long long coop_id, long long base_id)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT id FROM production_bases WHERE id = ? AND coop_id = ?",
                         "ii", base_id, coop_id);
    if (rc != FL_DB_OK)
        rc = shop_fail_db(r, rc);
    else if (fl_rows_count(rows) == 0)
        rc = shop_fail(r, SHOP_E_VALIDATION, "base_id %lld is not a base of this cooperative",
                       base_id);
    fl_rows_free(rows);
    return rc;
}

/* Replaces the product's images (inside the caller's transaction). */
static int images_store(shop_req *r, fl_db *db, long long product_id, const product_in *in)
{
    int rc = fl_db_exec(db, "DELETE FROM product_images WHERE product_id = ?", "i", product_id);
    for (size_t i = 0; rc == FL_DB_OK && i < in->nimages; i++)
        rc = fl_db_exec(db,
                        "INSERT INTO product_images (product_id, position, url, alt) "
                        "VALUES (?, ?, ?, ?)",
                        "iiss", product_id, (long long)i, in->images[i].url, in->images[i].alt);
    return rc == FL_DB_OK ? SHOP_OK : shop_fail_db(r, rc);
}

/* Inserts one SKU; a GTIN already in use is a 409 naming the field. */
static int sku_insert(shop_req *r, fl_db *db, long long product_id, const sku_in *s,
                      const char *where, long long *sku_id)
{
    int rc = fl_db_exec(db,
                        "INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin, "
                        "active) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        "issiisi", product_id, s->spec, s->unit, s->price_fen, s->weight_g, s->gtin,
                        s->active);
    if (rc == FL_DB_EDUP)
        return shop_fail(r, SHOP_E_CONFLICT, "%sgtin %s is already used by another SKU", where,
                         s->gtin ? s->gtin : "");
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (sku_id)
        *sku_id = (long long)fl_db_insert_id(db);
    return SHOP_OK;
}

static int status_transition_ok(const char *from, const char *to)
{
    return strcmp(from, to) == 0 || strcmp(to, "draft") != 0;
}

/* ---- handlers ------------------------------------------------------------- */

static int list_parse(shop_req *r, list_query *lq)
{
    const char *v;
    long n;
    memset(lq, 0, sizeof(*lq));
    lq->limit = PRODUCTS_LIMIT_DEFAULT;
    lq->certified = -1;

    if ((v = shop_query(r, "limit")) && shop_parse_dec(v, 1, PRODUCTS_LIMIT_MAX, &lq->limit))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "limit must be 1..%d", PRODUCTS_LIMIT_MAX);
    if ((v = shop_query(r, "cursor")) && shop_cursor_parse(v, &lq->cursor))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "cursor is not valid");
    if ((v = shop_query(r, "coop")) && *v && shop_parse_dec(v, 1, LLONG_MAX, &lq->coop))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "coop must be a cooperative id");
    if ((v = shop_query(r, "certified")) && *v) {
        if (strcmp(v, "true") == 0)
            lq->certified = 1;
        else if (strcmp(v, "false") == 0)
            lq->certified = 0;
        else
            return shop_fail(r, SHOP_E_BAD_REQUEST, "certified must be true or false");
    }
    if ((v = shop_query(r, "category")) && *v) {
        n = utf8_chars(v, strlen(v));
        if (n < 1 || n > 32)
            return shop_fail(r, SHOP_E_BAD_REQUEST, "category must be 1..32 characters");
        lq->category = v;
    }
    if ((v = shop_query(r, "q")) && *v) {
        n = utf8_chars(v, strlen(v));
        if (n < 1 || n > PRODUCTS_Q_MAX)
            return shop_fail(r, SHOP_E_BAD_REQUEST, "q must be 1..%d characters", PRODUCTS_Q_MAX);
        lq->q = v;
    }
    return SHOP_OK;
}

/* GET /api/v1/products. The normalised query is the cache key; a hit replies
 * with the stored bytes, a miss queries, encodes once and stores. */
int shop_products_list(shop_req *r)
{
    list_query lq;
    unsigned long long gen = 0;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *out = NULL, *items;
    char *key, *like = NULL, *text = NULL;
    size_t n, keylen;
    int rc;

    if ((rc = list_parse(r, &lq)))
        goto out;
    key = fl_arena_printf(r->arena, "%zu:%s|%zu:%s|%lld|%d|%lld|%llx", lq.q ? strlen(lq.q) : 0,
                          lq.q ? lq.q : "", lq.category ? strlen(lq.category) : 0,
                          lq.category ? lq.category : "", lq.coop, lq.certified, lq.limit,
                          (unsigned long long)lq.cursor);
    if (!key || (lq.q && !(like = like_pattern(r->arena, lq.q)))) {
        rc = shop_fail(r, SHOP_E_TOO_LARGE, "query too large");
        goto out;
    }
    keylen = strlen(key);
    if (shop_catalogue_get(r, key, keylen, &gen)) {
        rc = SHOP_OK;
        goto out;
    }

    if ((rc = shop_db(r, &db)))
        goto out;
    rc = fl_db_query(db, &rows, PRODUCTS_LIST_SQL, "iiiissssssiii", lq.cursor, lq.cursor, lq.coop,
                     lq.coop, lq.category, lq.category, like, like, like, like,
                     (long long)lq.certified, (long long)lq.certified, lq.limit + 1);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    n = fl_rows_count(rows);
    out = json_object();
    items = json_array();
    json_object_set_new(out, "items", items);
    for (size_t i = 0; i < n && i < (size_t)lq.limit; i++)
        json_array_append_new(items, product_json(rows, i));
    json_object_set_new(out, "next_cursor", shop_cursor_next(rows, lq.limit, PC_ID));

    text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        rc = shop_fail(r, SHOP_E_INTERNAL, "could not encode the catalogue");
        goto out;
    }
    rc = shop_catalogue_put(r, key, keylen, gen, text, strlen(text));
out:
    free(text);
    json_decref(out);
    fl_rows_free(rows);
    return rc;
}

/* POST /api/v1/products: the product, its images and SKUs in one transaction. */
int shop_products_create(shop_req *r)
{
    product_in in;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long coop_id = 0, id = 0;
    int in_tx = 0, rc;

    if ((rc = field_int(r, r->body, "", "coop_id", 1, 1, LLONG_MAX, &coop_id, NULL)) ||
        (rc = shop_db(r, &db)))
        goto out;
    rc = fl_db_query(db, &rows, "SELECT id FROM cooperatives WHERE id = ?", "i", coop_id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "coop_id %lld is not a cooperative", coop_id);
        goto out;
    }
    if ((rc = shop_auth_coop(r, coop_id, SHOP_MEMBER_ADMIN)) || (rc = product_parse(r, 1, &in)))
        goto out;
    if (in.base_id && (rc = base_check(r, db, coop_id, in.base_id)))
        goto out;

    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    rc = fl_db_exec(db,
                    "INSERT INTO products (coop_id, base_id, name_zh, name_en, category, "
                    "description, status) VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?)",
                    "iisssss", coop_id, in.base_id, in.name_zh, in.name_en, in.category,
                    in.description, in.status);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    id = (long long)fl_db_insert_id(db);
    if ((rc = images_store(r, db, id, &in)))
        goto out;
    for (size_t i = 0; i < in.nskus; i++) {
        char where[32];
        snprintf(where, sizeof(where), "skus[%zu].", i);
        if ((rc = sku_insert(r, db, id, &in.skus[i], where, NULL)))
            goto out;
    }
    if ((rc = fl_db_commit(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    shop_catalogue_changed(r);
    rc = product_reply(r, db, 201, id);
out:
    if (in_tx)
        fl_db_rollback(db);
    fl_rows_free(rows);
    return rc;
}

/* GET /api/v1/products/{id}: listed ones for anyone; others for the
 * cooperative's members and platform admins, 404 for the rest. */
int shop_products_get(shop_req *r)
{
    fl_db *db = NULL;
    json_t *p = NULL;
    const char *status = NULL;
    long long id = 0, coop_id = 0;
    int rc, role;

    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_db(r, &db)) ||
        (rc = product_load(r, db, id, &p, &coop_id, &status)))
        goto out;
    if (strcmp(status, "listed") != 0) {
        role = SHOP_MEMBER_NONE;
        if (r->session && r->session->platform_admin)
            role = SHOP_MEMBER_ADMIN;
        else if (r->session && (role = shop_auth_member_role(r, coop_id)) < 0) {
            rc = role;
            goto out;
        }
        if (role < SHOP_MEMBER_FARMER) {
            rc = shop_fail(r, SHOP_E_NOT_FOUND, "product %lld not found", id);
            goto out;
        }
    }
    rc = shop_reply_json(r, 200, p);
    p = NULL;
out:
    json_decref(p);
    return rc;
}

/* PATCH /api/v1/products/{id}: the given fields; images, when given, replace
 * the old ones. Status changes follow status_transition_ok(). */
int shop_products_update(shop_req *r)
{
    product_in in;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long id = 0, coop_id = 0, body_coop = 0;
    int in_tx = 0, has_coop = 0, rc;

    if ((rc = product_for_write(r, &db, &id, &coop_id)) || (rc = product_parse(r, 0, &in)) ||
        (rc = field_int(r, r->body, "", "coop_id", 0, 1, LLONG_MAX, &body_coop, &has_coop)))
        goto out;
    if (has_coop && body_coop != coop_id) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "coop_id cannot be changed");
        goto out;
    }
    if (in.base_id && (rc = base_check(r, db, coop_id, in.base_id)))
        goto out;

    if ((rc = fl_db_begin(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 1;
    rc = fl_db_query(db, &rows, "SELECT status FROM products WHERE id = ? FOR UPDATE", "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "product %lld not found", id);
        goto out;
    }
    if (in.status && !status_transition_ok(fl_rows_str(rows, 0, 0), in.status)) {
        rc = shop_fail(r, SHOP_E_VALIDATION, "status cannot go from %s back to draft",
                       fl_rows_str(rows, 0, 0));
        goto out;
    }
    rc = fl_db_exec(db,
                    "UPDATE products SET name_zh = IF(?, ?, name_zh), name_en = IF(?, ?, name_en), "
                    "category = IF(?, ?, category), description = IF(?, ?, description), "
                    "base_id = IF(?, NULLIF(?, 0), base_id), status = IF(?, ?, status), "
                    "updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
                    "isisisisiiisi", (long long)in.has_name_zh, in.name_zh,
                    (long long)in.has_name_en, in.name_en, (long long)in.has_category, in.category,
                    (long long)in.has_description, in.description, (long long)in.has_base,
                    in.base_id, (long long)in.has_status, in.status, id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (in.has_images && (rc = images_store(r, db, id, &in)))
        goto out;
    if ((rc = fl_db_commit(db)) != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    in_tx = 0;
    shop_catalogue_changed(r);
    rc = product_reply(r, db, 200, id);
out:
    if (in_tx)
        fl_db_rollback(db);
    fl_rows_free(rows);
    return rc;
}

/* POST /api/v1/products/{id}/delist: idempotent. */
int shop_products_delist(shop_req *r)
{
    fl_db *db = NULL;
    long long id = 0, coop_id = 0;
    int rc;

    if ((rc = product_for_write(r, &db, &id, &coop_id)))
        goto out;
    rc = fl_db_exec(db, "UPDATE products SET status = 'delisted' WHERE id = ?", "i", id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    shop_catalogue_changed(r);
    rc = product_reply(r, db, 200, id);
out:
    return rc;
}

/* POST /api/v1/products/{id}/skus */
int shop_products_sku_create(shop_req *r)
{
    sku_in s;
    fl_db *db = NULL;
    long long id = 0, coop_id = 0, sku_id = 0;
    int rc;

    if ((rc = product_for_write(r, &db, &id, &coop_id)) ||
        (rc = sku_parse(r, r->body, "", 1, &s)) || (rc = sku_insert(r, db, id, &s, "", &sku_id)))
        goto out;
    shop_catalogue_changed(r);
    rc = sku_reply(r, db, 201, sku_id);
out:
    return rc;
}

/* PATCH /api/v1/products/{id}/skus/{sku_id}: the SKU must belong to the
 * product in the path, else 404. */
int shop_products_sku_update(shop_req *r)
{
    sku_in s;
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long id = 0, coop_id = 0, sku_id = 0;
    int rc;

    if ((rc = product_for_write(r, &db, &id, &coop_id)) || (rc = shop_param_id(r, 1, &sku_id)))
        goto out;
    rc = fl_db_query(db, &rows, "SELECT id FROM skus WHERE id = ? AND product_id = ?", "ii", sku_id,
                     id);
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    if (fl_rows_count(rows) == 0) {
        rc = shop_fail(r, SHOP_E_NOT_FOUND, "sku %lld not found in product %lld", sku_id, id);
        goto out;
    }
    if ((rc = sku_parse(r, r->body, "", 0, &s)))
        goto out;
    rc = fl_db_exec(db,
                    "UPDATE skus SET spec = IF(?, ?, spec), unit = IF(?, ?, unit), "
                    "price_fen = IF(?, ?, price_fen), weight_g = IF(?, ?, weight_g), "
                    "gtin = IF(?, ?, gtin), active = IF(?, ?, active) WHERE id = ?",
                    "isisiiiiisiii", (long long)s.has_spec, s.spec, (long long)s.has_unit, s.unit,
                    (long long)s.has_price, s.price_fen, (long long)s.has_weight, s.weight_g,
                    (long long)s.has_gtin, s.gtin, (long long)s.has_active, s.active, sku_id);
    if (rc == FL_DB_EDUP) {
        rc = shop_fail(r, SHOP_E_CONFLICT, "gtin %s is already used by another SKU",
                       s.gtin ? s.gtin : "");
        goto out;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fail_db(r, rc);
        goto out;
    }
    shop_catalogue_changed(r);
    rc = sku_reply(r, db, 200, sku_id);
out:
    fl_rows_free(rows);
    return rc;
}
