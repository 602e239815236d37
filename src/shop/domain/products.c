/* products.c - the catalogue's rules (see shop/domain/products.h).
 *
 * A product's JSON is built from one row of PRODUCT_SELECT, whose correlated
 * subqueries return the images, SKUs and certifications as JSON arrays, so a
 * page of the list is one query. Certifications come from traceability (the
 * SHOP_TRACE_* SQL of domain/trace.h): the product's own and its base's.
 * A search (q) reads product_search (domain/product_search.c), which every
 * write here brings up to date inside its own transaction, as its last
 * statement, holding the product's row lock. */
#include "farmlive/shop/domain/products.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/domain/certificates.h"
#include "farmlive/shop/domain/media.h"
#include "farmlive/shop/domain/product_search.h"
#include "farmlive/shop/domain/stock_level.h"

#include <stdio.h>
#include <string.h>

#define ISO8601(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* clang-format off */
/* Columns of PRODUCT_COLUMNS, in order (a search adds its score). */
enum {
    PC_ID, PC_COOP_ID, PC_COOP_NAME, PC_NAME_ZH, PC_NAME_EN, PC_CATEGORY, PC_DESCRIPTION,
    PC_STATUS, PC_BASE_ID, PC_BASE_NAME, PC_CREATED, PC_UPDATED, PC_IMAGES, PC_SKUS, PC_CERTS,
    PC_SCORE
};

#define PRODUCT_COLUMNS                                                                            \
    "p.id, p.coop_id, c.name, p.name_zh, p.name_en, p.category, p.description, p.status, "        \
    "p.base_id, b.name, " ISO8601("p.created_at") ", " ISO8601("p.updated_at") ", "              \
    "(SELECT JSON_ARRAYAGG(JSON_OBJECT('url', i.url, 'alt', i.alt) ORDER BY i.position) "        \
    "FROM product_images i WHERE i.product_id = p.id), "                                          \
    "(SELECT JSON_ARRAYAGG(JSON_OBJECT('id', s.id, 'spec', s.spec, 'unit', s.unit, "             \
    "'price_fen', s.price_fen, 'weight_g', s.weight_g, 'gtin', s.gtin, 'active', s.active, "      \
    "'units', (SELECT COALESCE(SUM(l.remaining), 0) FROM lots l WHERE l.sku_id = s.id)) "         \
    "ORDER BY s.id) FROM skus s WHERE s.product_id = p.id), "                                     \
    SHOP_TRACE_CERTIFICATIONS_SQL("p") " "

/* What PRODUCT_COLUMNS reads besides products p. */
#define PRODUCT_JOINS                                                                              \
    "JOIN cooperatives c ON c.id = p.coop_id LEFT JOIN production_bases b ON b.id = p.base_id "

#define PRODUCT_SELECT "SELECT " PRODUCT_COLUMNS "FROM products p " PRODUCT_JOINS

/* The filters both lists share. Parameters: coop x2, category x2,
 * certified x2. The certified predicate compares the wanted value (-1:
 * any) with whether the product or its base holds a valid, unexpired
 * certification. */
#define PRODUCT_FILTERS                                                                            \
    "AND (? = 0 OR p.coop_id = ?) "                                                               \
    "AND (? IS NULL OR p.category = ?) "                                                          \
    "AND (? < 0 OR ? = " SHOP_TRACE_CERTIFIED_SQL("p") ") "

/* Newest first. Parameters: cursor x2, the filters, limit. */
static const char PRODUCTS_LIST_SQL[] =
    PRODUCT_SELECT
    "WHERE p.status = 'listed' "
    "AND (? = 0 OR p.id < ?) "
    PRODUCT_FILTERS
    "ORDER BY p.id DESC LIMIT ?";

/* A search, best score first, then newest. The page's ids are chosen
 * first (r), so the columns' subqueries run for its rows alone.
 * Parameters: the match x2, cursor (id, score, score, id), the filters,
 * limit. */
static const char PRODUCTS_SEARCH_SQL[] =
    "SELECT " PRODUCT_COLUMNS ", r.score FROM ("
    "SELECT m.id, m.score FROM " SHOP_PRODUCT_SEARCH_SQL " m JOIN products p ON p.id = m.id "
    "WHERE p.status = 'listed' "
    "AND (? = 0 OR m.score < ? OR (m.score = ? AND m.id < ?)) "
    PRODUCT_FILTERS
    "ORDER BY m.score DESC, m.id DESC LIMIT ?) r "
    "JOIN products p ON p.id = r.id " PRODUCT_JOINS
    "ORDER BY r.score DESC, p.id DESC";

/* A cooperative's own list, every status, newest first. Parameters: coop,
 * cursor x2, limit. */
static const char PRODUCTS_COOP_SQL[] =
    PRODUCT_SELECT
    "WHERE p.coop_id = ? AND (? = 0 OR p.id < ?) "
    "ORDER BY p.id DESC LIMIT ?";

static const char PRODUCT_GET_SQL[] = PRODUCT_SELECT "WHERE p.id = ?";

/* Columns of SKU_GET_SQL. */
enum { SC_ID, SC_SPEC, SC_UNIT, SC_PRICE, SC_WEIGHT, SC_GTIN, SC_ACTIVE };
static const char SKU_GET_SQL[] =
    "SELECT id, spec, unit, price_fen, weight_g, gtin, active FROM skus WHERE id = ?";
/* clang-format on */

/* ---- pure checks ---------------------------------------------------------- */

int shop_gtin14_valid(const char *g)
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

int shop_image_url_valid(const char *u)
{
    return shop_https_url_valid(u) || shop_media_path_valid(u);
}

int shop_product_status_valid(const char *status, int creating)
{
    return strcmp(status, "draft") == 0 || strcmp(status, "listed") == 0 ||
           (!creating && strcmp(status, "delisted") == 0);
}

int shop_product_status_change_ok(const char *from, const char *to)
{
    return strcmp(from, to) == 0 || strcmp(to, "draft") != 0;
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

/* One product from row i of a PRODUCT_SELECT result. Never NULL. */
static json_t *product_json(const fl_rows *rows, size_t i)
{
    json_t *p = json_object(), *skus, *sku;
    size_t k;

    json_object_set_new(p, "id", json_integer(fl_rows_int(rows, i, PC_ID)));
    json_object_set_new(p, "coop",
                        json_pack("{s:I,s:o}", "id", (json_int_t)fl_rows_int(rows, i, PC_COOP_ID), "name",
                                  shop_json_str(fl_rows_str(rows, i, PC_COOP_NAME))));
    json_object_set_new(p, "name",
                        json_pack("{s:o,s:o}", "zh", shop_json_str(fl_rows_str(rows, i, PC_NAME_ZH)), "en",
                                  shop_json_str(fl_rows_str(rows, i, PC_NAME_EN))));
    json_object_set_new(p, "category", shop_json_str(fl_rows_str(rows, i, PC_CATEGORY)));
    json_object_set_new(p, "description", shop_json_str(fl_rows_str(rows, i, PC_DESCRIPTION)));
    json_object_set_new(p, "status", shop_json_str(fl_rows_str(rows, i, PC_STATUS)));
    if (fl_rows_str(rows, i, PC_BASE_ID))
        json_object_set_new(p, "base",
                            json_pack("{s:I,s:o}", "id", (json_int_t)fl_rows_int(rows, i, PC_BASE_ID), "name",
                                      shop_json_str(fl_rows_str(rows, i, PC_BASE_NAME))));
    else
        json_object_set_new(p, "base", json_null());
    json_object_set_new(p, "images", jarray_text(fl_rows_str(rows, i, PC_IMAGES)));
    skus = jarray_text(fl_rows_str(rows, i, PC_SKUS));
    json_array_foreach(skus, k, sku)
    { /* a level, not the count: see stock_level.h */
        int active = json_integer_value(json_object_get(sku, "active")) != 0;
        json_object_set_new(sku, "active", json_boolean(active));
        json_object_set_new(sku, "availability",
                            json_string(shop_stock_level(json_integer_value(json_object_get(sku, "units")), active)));
        json_object_del(sku, "units");
    }
    json_object_set_new(p, "skus", skus);
    json_object_set_new(p, "certifications", jarray_text(fl_rows_str(rows, i, PC_CERTS)));
    json_object_set_new(p, "created_at", shop_json_str(fl_rows_str(rows, i, PC_CREATED)));
    json_object_set_new(p, "updated_at", shop_json_str(fl_rows_str(rows, i, PC_UPDATED)));
    return p;
}

/* Product id as JSON into *out, whoever asks; its cooperative and status
 * into the optional outs. 404 when absent. */
static int product_load(fl_db *db, long long id, json_t **out, long long *coop_id, int *listed, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, PRODUCT_GET_SQL, "i", id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "product %lld not found", id)) == SHOP_OK) {
        *out = product_json(rows, 0);
        if (coop_id)
            *coop_id = fl_rows_int(rows, 0, PC_COOP_ID);
        if (listed)
            *listed = strcmp(fl_rows_str(rows, 0, PC_STATUS), "listed") == 0;
    }
    fl_rows_free(rows);
    return rc;
}

/* clang-format off */
static const shop_col SKU_FIELDS[] = {
    {"id", SC_ID, SHOP_COL_INT},
    {"spec", SC_SPEC, SHOP_COL_STR},
    {"unit", SC_UNIT, SHOP_COL_STR},
    {"price_fen", SC_PRICE, SHOP_COL_INT},
    {"weight_g", SC_WEIGHT, SHOP_COL_INT},
    {"gtin", SC_GTIN, SHOP_COL_STR},
    {"active", SC_ACTIVE, SHOP_COL_BOOL},
};
/* clang-format on */

static int sku_load(fl_db *db, long long sku_id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, SKU_GET_SQL, "i", sku_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "sku %lld not found", sku_id)) == SHOP_OK)
        *out = shop_row_json(rows, 0, SKU_FIELDS, sizeof(SKU_FIELDS) / sizeof(SKU_FIELDS[0]));
    fl_rows_free(rows);
    return rc;
}

/* ---- reads ---------------------------------------------------------------- */

int shop_products_page(fl_db *db, const shop_product_query *q, json_t **out, shop_fault *f)
{
    static const size_t id_col = PC_ID, ranked_cols[] = {PC_SCORE, PC_ID};
    const long long *after = q->page.after, limit = q->page.limit;
    fl_rows *rows = NULL;
    int rc;
    if (q->match)
        rc = fl_db_query(db, &rows, PRODUCTS_SEARCH_SQL, "ssiiiiiissiii", q->match, q->match, after[1], after[0],
                         after[0], after[1], q->coop, q->coop, q->category, q->category, (long long)q->certified,
                         (long long)q->certified, limit + 1);
    else
        rc = fl_db_query(db, &rows, PRODUCTS_LIST_SQL, "iiiissiii", after[0], after[0], q->coop, q->coop, q->category,
                         q->category, (long long)q->certified, (long long)q->certified, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = q->match ? shop_page_json(rows, limit, product_json, ranked_cols, 2)
                    : shop_page_json(rows, limit, product_json, &id_col, 1);
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_products_coop_page(fl_db *db, const shop_actor *who, long long coop_id, const shop_page *pg, json_t **out,
                            shop_fault *f)
{
    static const size_t id_col = PC_ID;
    fl_rows *rows = NULL;
    int rc = shop_rights_actor(db, who, coop_id, SHOP_MEMBER_FARMER, f);
    if (rc < 0)
        return rc;
    rc = fl_db_query(db, &rows, PRODUCTS_COOP_SQL, "iiii", coop_id, pg->after[0], pg->after[0], pg->limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = shop_page_json(rows, pg->limit, product_json, &id_col, 1);
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_product_get(fl_db *db, long long id, long long account_id, int platform_admin, json_t **out, shop_fault *f)
{
    json_t *p = NULL;
    long long coop_id = 0;
    int listed = 0, role = SHOP_MEMBER_NONE, rc;

    if ((rc = product_load(db, id, &p, &coop_id, &listed, f)) < 0)
        goto out;
    if (!listed && !platform_admin) {
        if ((rc = shop_rights_member_role(db, coop_id, account_id, &role, f)) < 0)
            goto out;
        if (role < SHOP_MEMBER_FARMER) {
            rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "product %lld not found", id);
            goto out;
        }
    }
    *out = p;
    p = NULL;
    rc = SHOP_OK;
out:
    json_decref(p);
    return rc;
}

/* ---- writes --------------------------------------------------------------- */

/* The product's search row brought up to date inside the caller's
 * transaction (domain/product_search.h). */
static int search_sync(fl_db *db, long long product_id, shop_fault *f)
{
    int rc = shop_product_search_sync(db, product_id);
    return rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
}

/* Product id -> its cooperative into *coop_id, then the caller must
 * administer that cooperative. 404 unknown product. */
static int product_for_write(fl_db *db, long long account_id, int platform_admin, long long id, long long *coop_id,
                             shop_fault *f)
{
    enum { PW_COOP };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT coop_id FROM products WHERE id = ?", "i", id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "product %lld not found", id)) == SHOP_OK) {
        *coop_id = fl_rows_int(rows, 0, PW_COOP);
        rc = shop_rights_coop(db, *coop_id, account_id, platform_admin, SHOP_MEMBER_ADMIN, f);
    }
    fl_rows_free(rows);
    return rc;
}

/* 422 unless base_id is a production base of coop_id. */
static int base_check(fl_db *db, long long coop_id, long long base_id, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc =
        fl_db_query(db, &rows, "SELECT 1 FROM production_bases WHERE id = ? AND coop_id = ?", "ii", base_id, coop_id);
    rc = shop_found(rc, rows, f, SHOP_E_VALIDATION, "base_id %lld is not a base of this cooperative", base_id);
    fl_rows_free(rows);
    return rc;
}

/* Replaces the product's images (inside the caller's transaction). */
static int images_store(fl_db *db, long long product_id, const shop_product_in *in, shop_fault *f)
{
    int rc = fl_db_exec(db, "DELETE FROM product_images WHERE product_id = ?", "i", product_id);
    for (size_t i = 0; rc == FL_DB_OK && i < in->nimages; i++)
        rc = fl_db_exec(db,
                        "INSERT INTO product_images (product_id, position, url, alt) "
                        "VALUES (?, ?, ?, ?)",
                        "iiss", product_id, (long long)i, in->images[i].url, in->images[i].alt);
    return rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
}

/* A GTIN taken by another SKU: 409 naming the field (where: its path). */
static int gtin_taken(shop_fault *f, const char *where, const char *gtin)
{
    return shop_fault_set(f, SHOP_E_CONFLICT, NULL, "%sgtin %s is already used by another SKU", where,
                          gtin ? gtin : "");
}

/* Inserts one SKU into *sku_id. */
static int sku_insert(fl_db *db, long long product_id, const shop_sku_in *s, const char *where, long long *sku_id,
                      shop_fault *f)
{
    int rc = fl_db_exec(db,
                        "INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin, "
                        "active) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        "issiisi", product_id, s->spec, s->unit, s->price_fen, s->weight_g, s->gtin, s->active);
    if (rc == FL_DB_EDUP)
        return gtin_taken(f, where, s->gtin);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *sku_id = (long long)fl_db_insert_id(db);
    return SHOP_OK;
}

/* shop_product_create's transaction: the product, its images, its SKUs. */
typedef struct product_insert {
    const shop_product_in *in;
    long long id; /* out */
} product_insert;

static int product_insert_step(fl_db *db, void *arg, shop_fault *f)
{
    product_insert *p = arg;
    const shop_product_in *in = p->in;
    long long sku_id = 0;
    int rc = fl_db_exec(db,
                        "INSERT INTO products (coop_id, base_id, name_zh, name_en, category, "
                        "description, status) VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?)",
                        "iisssss", in->coop_id, in->base_id, in->name_zh, in->name_en, in->category, in->description,
                        in->status ? in->status : "draft");
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    p->id = (long long)fl_db_insert_id(db);
    if ((rc = images_store(db, p->id, in, f)) < 0)
        return rc;
    for (size_t i = 0; i < in->nskus; i++) {
        char where[32];
        snprintf(where, sizeof(where), "skus[%zu].", i);
        if ((rc = sku_insert(db, p->id, &in->skus[i], where, &sku_id, f)) < 0)
            return rc;
    }
    return search_sync(db, p->id, f);
}

int shop_product_create(fl_db *db, long long account_id, int platform_admin, const shop_product_in *in, json_t **out,
                        shop_fault *f)
{
    product_insert p = {.in = in};
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT 1 FROM cooperatives WHERE id = ?", "i", in->coop_id);
    rc = shop_found(rc, rows, f, SHOP_E_VALIDATION, "coop_id %lld is not a cooperative", in->coop_id);
    fl_rows_free(rows);
    if (rc < 0 || (rc = shop_rights_coop(db, in->coop_id, account_id, platform_admin, SHOP_MEMBER_ADMIN, f)) < 0 ||
        (in->base_id && (rc = base_check(db, in->coop_id, in->base_id, f)) < 0) ||
        (rc = shop_tx(db, product_insert_step, &p, f)) < 0)
        return rc;
    return product_load(db, p.id, out, NULL, NULL, f);
}

/* shop_product_update's transaction: the status rule under the row lock,
 * the fields, the images, the search row. */
typedef struct product_change {
    long long id;
    const shop_product_in *in;
} product_change;

static int product_update_step(fl_db *db, void *arg, shop_fault *f)
{
    enum { PS_STATUS };
    const product_change *p = arg;
    const shop_product_in *in = p->in;
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT status FROM products WHERE id = ? FOR UPDATE", "i", p->id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "product %lld not found", p->id)) < 0)
        goto out;
    if (in->status && !shop_product_status_change_ok(fl_rows_str(rows, 0, PS_STATUS), in->status)) {
        rc = shop_fault_set(f, SHOP_E_VALIDATION, NULL, "status cannot go from %s back to draft",
                            fl_rows_str(rows, 0, PS_STATUS));
        goto out;
    }
    rc = fl_db_exec(db,
                    "UPDATE products SET name_zh = IF(?, ?, name_zh), name_en = IF(?, ?, name_en), "
                    "category = IF(?, ?, category), description = IF(?, ?, description), "
                    "base_id = IF(?, NULLIF(?, 0), base_id), status = IF(?, ?, status), "
                    "updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
                    "isisisisiiisi", (long long)in->has_name_zh, in->name_zh, (long long)in->has_name_en, in->name_en,
                    (long long)in->has_category, in->category, (long long)in->has_description, in->description,
                    (long long)in->has_base, in->base_id, (long long)in->has_status, in->status, p->id);
    if (rc != FL_DB_OK)
        rc = shop_fault_db(f, rc);
    else if (!in->has_images || (rc = images_store(db, p->id, in, f)) == SHOP_OK)
        rc = search_sync(db, p->id, f);
out:
    fl_rows_free(rows);
    return rc;
}

int shop_product_update(fl_db *db, long long account_id, int platform_admin, long long id, const shop_product_in *in,
                        json_t **out, shop_fault *f)
{
    product_change p = {id, in};
    long long coop_id = 0;
    int rc;
    if ((rc = product_for_write(db, account_id, platform_admin, id, &coop_id, f)) < 0)
        return rc;
    if (in->has_coop && in->coop_id != coop_id)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "coop_id cannot be changed");
    if ((in->base_id && (rc = base_check(db, coop_id, in->base_id, f)) < 0) ||
        (rc = shop_tx(db, product_update_step, &p, f)) < 0)
        return rc;
    return product_load(db, id, out, NULL, NULL, f);
}

/* One uploaded image appended: the step of shop_product_image_upload. */
typedef struct image_append {
    long long id;
    const char *url, *alt;
} image_append;

static int image_append_step(fl_db *db, void *arg, shop_fault *f)
{
    enum { IA_COUNT, IA_NEXT };
    const image_append *a = arg;
    fl_rows *rows = NULL;
    /* the product row locked: two uploads at once take two positions */
    int rc = fl_db_query(db, &rows, "SELECT id FROM products WHERE id = ? FOR UPDATE", "i", a->id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "product %lld not found", a->id)) < 0)
        goto out;
    fl_rows_free(rows);
    rows = NULL;
    rc = fl_db_query(db, &rows,
                     "SELECT COUNT(*), COALESCE(MAX(position) + 1, 0) FROM product_images WHERE product_id = ?", "i",
                     a->id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    if (fl_rows_int(rows, 0, IA_COUNT) >= SHOP_PRODUCT_IMAGES_MAX) {
        rc = shop_fault_set(f, SHOP_E_CONFLICT, NULL, "a product has at most %d images", SHOP_PRODUCT_IMAGES_MAX);
        goto out;
    }
    rc = fl_db_exec(db, "INSERT INTO product_images (product_id, position, url, alt) VALUES (?, ?, ?, ?)", "iiss",
                    a->id, fl_rows_int(rows, 0, IA_NEXT), a->url, a->alt);
    rc = rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
out:
    fl_rows_free(rows);
    return rc;
}

int shop_product_image_upload(fl_db *db, long long account_id, int platform_admin, long long id, const char *media_dir,
                              const void *data, size_t len, const char *alt, json_t **out, shop_fault *f)
{
    enum { IC_COUNT };
    long long coop_id = 0;
    fl_rows *rows = NULL;
    char name[SHOP_MEDIA_NAME_LEN + 1], url[96];
    int w = 0, h = 0, rc;
    if ((rc = product_for_write(db, account_id, platform_admin, id, &coop_id, f)) < 0)
        return rc;
    /* checked again under the lock; this spares decoding a refused upload */
    rc = fl_db_query(db, &rows, "SELECT COUNT(*) FROM product_images WHERE product_id = ?", "i", id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    long long n = fl_rows_int(rows, 0, IC_COUNT);
    fl_rows_free(rows);
    if (n >= SHOP_PRODUCT_IMAGES_MAX)
        return shop_fault_set(f, SHOP_E_CONFLICT, NULL, "a product has at most %d images", SHOP_PRODUCT_IMAGES_MAX);
    if ((rc = shop_media_store_image(media_dir, data, len, name, &w, &h, f)) < 0)
        return rc;
    snprintf(url, sizeof(url), "/media/%s-%d.jpg", name, shop_media_widths[shop_media_nwidths - 1]);
    image_append a = {id, url, alt};
    if ((rc = shop_tx(db, image_append_step, &a, f)) < 0)
        return rc;
    return product_load(db, id, out, NULL, NULL, f);
}

/* shop_product_delist's transaction: the status, the search row. */
static int product_delist_step(fl_db *db, void *arg, shop_fault *f)
{
    const long long *id = arg;
    int rc = fl_db_exec(db, "UPDATE products SET status = 'delisted' WHERE id = ?", "i", *id);
    return rc != FL_DB_OK ? shop_fault_db(f, rc) : search_sync(db, *id, f);
}

int shop_product_delist(fl_db *db, long long account_id, int platform_admin, long long id, json_t **out, shop_fault *f)
{
    long long coop_id = 0;
    int rc;
    if ((rc = product_for_write(db, account_id, platform_admin, id, &coop_id, f)) < 0 ||
        (rc = shop_tx(db, product_delist_step, &id, f)) < 0)
        return rc;
    return product_load(db, id, out, NULL, NULL, f);
}

/* shop_sku_create's and shop_sku_update's transaction: the product's row
 * locked (its search row follows every SKU write in their order), the SKU
 * (a change: 404 unless it is the product's), the search row. */
typedef struct sku_change {
    long long product_id, sku_id; /* sku_id 0: create, then out */
    const shop_sku_in *in;
} sku_change;

static int sku_write_step(fl_db *db, void *arg, shop_fault *f)
{
    sku_change *c = arg;
    const shop_sku_in *in = c->in;
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT s.id FROM products p LEFT JOIN skus s ON s.product_id = p.id AND s.id = ? "
                         "WHERE p.id = ? FOR UPDATE",
                         "ii", c->sku_id, c->product_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "product %lld not found", c->product_id)) < 0)
        goto out;
    if (c->sku_id == 0) {
        rc = sku_insert(db, c->product_id, in, "", &c->sku_id, f);
        goto out_sync;
    }
    if (!fl_rows_str(rows, 0, 0)) {
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "sku %lld not found in product %lld", c->sku_id, c->product_id);
        goto out;
    }
    rc = fl_db_exec(db,
                    "UPDATE skus SET spec = IF(?, ?, spec), unit = IF(?, ?, unit), "
                    "price_fen = IF(?, ?, price_fen), weight_g = IF(?, ?, weight_g), "
                    "gtin = IF(?, ?, gtin), active = IF(?, ?, active) WHERE id = ?",
                    "isisiiiiisiii", (long long)in->has_spec, in->spec, (long long)in->has_unit, in->unit,
                    (long long)in->has_price, in->price_fen, (long long)in->has_weight, in->weight_g,
                    (long long)in->has_gtin, in->gtin, (long long)in->has_active, in->active, c->sku_id);
    if (rc == FL_DB_EDUP)
        rc = gtin_taken(f, "", in->gtin);
    else if (rc != FL_DB_OK)
        rc = shop_fault_db(f, rc);
out_sync:
    if (rc == SHOP_OK)
        rc = search_sync(db, c->product_id, f);
out:
    fl_rows_free(rows);
    return rc;
}

int shop_sku_create(fl_db *db, long long account_id, int platform_admin, long long product_id, const shop_sku_in *in,
                    json_t **out, shop_fault *f)
{
    sku_change c = {.product_id = product_id, .in = in};
    long long coop_id = 0;
    int rc;
    if ((rc = product_for_write(db, account_id, platform_admin, product_id, &coop_id, f)) < 0 ||
        (rc = shop_tx(db, sku_write_step, &c, f)) < 0)
        return rc;
    return sku_load(db, c.sku_id, out, f);
}

int shop_sku_update(fl_db *db, long long account_id, int platform_admin, long long product_id, long long sku_id,
                    const shop_sku_in *in, json_t **out, shop_fault *f)
{
    sku_change c = {.product_id = product_id, .sku_id = sku_id, .in = in};
    long long coop_id = 0;
    int rc;
    if ((rc = product_for_write(db, account_id, platform_admin, product_id, &coop_id, f)) < 0 ||
        (rc = shop_tx(db, sku_write_step, &c, f)) < 0)
        return rc;
    return sku_load(db, sku_id, out, f);
}
