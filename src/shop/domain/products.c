/* products.c - the catalogue's rules (see shop/domain/products.h).
 *
 * A product's JSON is built from one row of PRODUCT_SELECT, whose correlated
 * subqueries return the images, SKUs and certifications as JSON arrays, so a
 * page of the list is one query. Certifications come from traceability (the
 * SHOP_TRACE_* SQL of domain/trace.h): the product's own and its base's. */
#include "farmlive/shop/domain/products.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/domain/certificates.h"
#include "farmlive/shop/domain/media.h"

#include <stdio.h>
#include <string.h>

#define ISO8601(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* clang-format off */
/* Columns of PRODUCT_SELECT, in order. */
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

char *shop_like_pattern(fl_arena *a, const char *q)
{
    size_t n = strlen(q), j = 0;
    char *p = fl_arena_alloc(a, 2 * n + 3);
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
    {
        json_t *active = json_object_get(sku, "active");
        json_object_set_new(sku, "active", json_boolean(json_integer_value(active) != 0));
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

int shop_products_page(fl_db *db, const shop_product_query *q, fl_arena *a, json_t **out, shop_fault *f)
{
    static const size_t id_col = PC_ID;
    fl_rows *rows = NULL;
    const char *like = q->q ? shop_like_pattern(a, q->q) : NULL;
    long long cursor = q->page.after[0], limit = q->page.limit;
    int rc =
        fl_db_query(db, &rows, PRODUCTS_LIST_SQL, "iiiissssssiii", cursor, cursor, q->coop, q->coop, q->category,
                    q->category, like, like, like, like, (long long)q->certified, (long long)q->certified, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = shop_page_json(rows, limit, product_json, &id_col, 1);
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
    return SHOP_OK;
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
 * the fields, the images. */
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
    else if (in->has_images)
        rc = images_store(db, p->id, in, f);
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

int shop_product_delist(fl_db *db, long long account_id, int platform_admin, long long id, json_t **out, shop_fault *f)
{
    long long coop_id = 0;
    int rc;
    if ((rc = product_for_write(db, account_id, platform_admin, id, &coop_id, f)) < 0)
        return rc;
    rc = fl_db_exec(db, "UPDATE products SET status = 'delisted' WHERE id = ?", "i", id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    return product_load(db, id, out, NULL, NULL, f);
}

int shop_sku_create(fl_db *db, long long account_id, int platform_admin, long long product_id, const shop_sku_in *in,
                    json_t **out, shop_fault *f)
{
    long long coop_id = 0, sku_id = 0;
    int rc;
    if ((rc = product_for_write(db, account_id, platform_admin, product_id, &coop_id, f)) < 0 ||
        (rc = sku_insert(db, product_id, in, "", &sku_id, f)) < 0)
        return rc;
    return sku_load(db, sku_id, out, f);
}

int shop_sku_update(fl_db *db, long long account_id, int platform_admin, long long product_id, long long sku_id,
                    const shop_sku_in *in, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    long long coop_id = 0;
    int rc;

    if ((rc = product_for_write(db, account_id, platform_admin, product_id, &coop_id, f)) < 0)
        goto out;
    rc = fl_db_query(db, &rows, "SELECT 1 FROM skus WHERE id = ? AND product_id = ?", "ii", sku_id, product_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "sku %lld not found in product %lld", sku_id, product_id)) < 0)
        goto out;
    rc = fl_db_exec(db,
                    "UPDATE skus SET spec = IF(?, ?, spec), unit = IF(?, ?, unit), "
                    "price_fen = IF(?, ?, price_fen), weight_g = IF(?, ?, weight_g), "
                    "gtin = IF(?, ?, gtin), active = IF(?, ?, active) WHERE id = ?",
                    "isisiiiiisiii", (long long)in->has_spec, in->spec, (long long)in->has_unit, in->unit,
                    (long long)in->has_price, in->price_fen, (long long)in->has_weight, in->weight_g,
                    (long long)in->has_gtin, in->gtin, (long long)in->has_active, in->active, sku_id);
    if (rc == FL_DB_EDUP) {
        rc = gtin_taken(f, "", in->gtin);
        goto out;
    }
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    rc = sku_load(db, sku_id, out, f);
out:
    fl_rows_free(rows);
    return rc;
}
