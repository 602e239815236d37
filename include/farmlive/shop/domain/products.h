/* shop/domain/products.h - the catalogue's rules: products, their images and
 * SKUs, and the listing (domain/products.c).
 *
 * The API layer turns a request body into a shop_product_in / shop_sku_in
 * whose shapes, lengths and formats are already checked (with the pure
 * validators below); these functions apply the rules that need data: the
 * cooperative exists, the caller administers it, a base belongs to it, a
 * status change is allowed, a GTIN is not taken. Each returns SHOP_OK or a
 * SHOP_E_* with f filled, and on success the product (or SKU) as stored,
 * as a new JSON reference in *out.
 *
 * Rights: every write asks core/rights.h whether the caller (account_id, 0
 * for anonymous; platform_admin) is a coop_admin of the product's
 * cooperative, never of one named in the input alone. Reads of draft or
 * delisted products are for that cooperative's members and platform
 * admins; anyone else is told 404.
 *
 * Status transitions: draft -> listed | delisted, listed <-> delisted;
 * nothing goes back to draft.
 *
 * Writes do not touch the catalogue read cache (api/catalogue.c): the
 * caller that committed one calls shop_catalogue_changed(). Each rewrites
 * the product's search row inside its own transaction, last, holding the
 * product's row lock (domain/product_search.h); SKU writes lock the
 * product's row first. */
#ifndef FARMLIVE_SHOP_DOMAIN_PRODUCTS_H
#define FARMLIVE_SHOP_DOMAIN_PRODUCTS_H

#include <jansson.h>
#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/core/values.h"

#define SHOP_PRODUCT_IMAGES_MAX 10
#define SHOP_PRODUCT_SKUS_MAX 50
#define SHOP_PRODUCT_Q_MAX 100 /* characters of a search */

typedef struct shop_image_in {
    const char *url;
    const char *alt; /* NULL: none */
} shop_image_in;

/* A SKU to create (spec, unit, price_fen, weight_g given; active defaults to
 * 1) or the fields of a SKU to change (has_*: given; a given NULL gtin
 * clears it). */
typedef struct shop_sku_in {
    const char *spec, *unit, *gtin;
    long long price_fen, weight_g, active;
    int has_spec, has_unit, has_gtin, has_price, has_weight, has_active;
} shop_sku_in;

/* A product to create, or the fields of a product to change (has_*: given;
 * a given NULL clears a nullable field; base_id 0: none). */
typedef struct shop_product_in {
    long long coop_id; /* create: the owner; update: when given, must be the owner */
    int has_coop;
    const char *name_zh, *name_en, *category, *description, *status;
    int has_name_zh, has_name_en, has_category, has_description, has_status;
    long long base_id;
    int has_base;
    shop_image_in *images; /* replace the images when has_images */
    size_t nimages;
    int has_images;
    shop_sku_in *skus; /* create only: 1..SHOP_PRODUCT_SKUS_MAX */
    size_t nskus;
} shop_product_in;

/* GET /products's filters. */
typedef struct shop_product_query {
    const char *match;    /* a search: shop_search_expr's text of q (domain/product_search.h); NULL: none */
    const char *category; /* NULL: any */
    long long coop;       /* 0: any */
    int certified;        /* -1 any, 0 without, 1 with a valid certification */
    shop_page page;       /* without a search one key, the product id (newest first); with one two keys,
                             the score then the product id (best first, then newest) */
} shop_product_query;

/* ---- pure checks (no I/O) ---- */

/* GTIN-14: 14 digits, the last the GS1 mod-10 check digit. */
int shop_gtin14_valid(const char *g);
/* An image URL: https only (core/values.h, shop_https_url_valid), or the
 * shop's own media "/assets/NAME" or "/media/NAME" (shop_media_path_valid). */
int shop_image_url_valid(const char *u);
/* A status a client may set: creating, draft or listed; else also
 * delisted. */
int shop_product_status_valid(const char *status, int creating);
/* Whether a product may go from status from to status to. */
int shop_product_status_change_ok(const char *from, const char *to);

/* ---- reads ---- */

/* One page of listed products passing q's filters, as {"items": [...],
 * "next_cursor": ...}: newest first, or with a search the best matches
 * first (then newest). */
int shop_products_page(fl_db *db, const shop_product_query *q, json_t **out, shop_fault *f);
/* One page of cooperative coop_id's products in every status (drafts and
 * delisted too), newest first, for its members and platform admins (who:
 * 401/403 else): the cooperative's own catalogue, as the dashboard lists it. */
int shop_products_coop_page(fl_db *db, const shop_actor *who, long long coop_id, const shop_page *pg, json_t **out,
                            shop_fault *f);
/* Product id as the caller may see it (404 when absent or hidden). */
int shop_product_get(fl_db *db, long long id, long long account_id, int platform_admin, json_t **out, shop_fault *f);

/* ---- writes ---- */

/* The product, its images and SKUs in one transaction. 422 when coop_id is
 * not a cooperative or base_id not one of its bases, 409 when a GTIN is
 * taken (nothing is kept). */
int shop_product_create(fl_db *db, long long account_id, int platform_admin, const shop_product_in *in, json_t **out,
                        shop_fault *f);
/* The given fields of product id; images, when given, replace the old ones.
 * 404 unknown product; 422 for another coop_id, a foreign base or a status
 * going back to draft. */
int shop_product_update(fl_db *db, long long account_id, int platform_admin, long long id, const shop_product_in *in,
                        json_t **out, shop_fault *f);
/* Status -> delisted (idempotent). */
/* Adds an uploaded image (data, len: the file's bytes) as the product's
 * last image, alt its text (NULL: none): rights first (nothing is decoded
 * for a caller who may not write the product), then at most
 * SHOP_PRODUCT_IMAGES_MAX images (409), then the file checked and stored
 * under media_dir (domain/media.h: 413, 415, 422 as it says), then the row,
 * whose url is "/media/{name}-{largest width}.jpg". *out: the product. */
int shop_product_image_upload(fl_db *db, long long account_id, int platform_admin, long long id, const char *media_dir,
                              const void *data, size_t len, const char *alt, json_t **out, shop_fault *f);
int shop_product_delist(fl_db *db, long long account_id, int platform_admin, long long id, json_t **out, shop_fault *f);
/* Adds a SKU to product id. */
int shop_sku_create(fl_db *db, long long account_id, int platform_admin, long long product_id, const shop_sku_in *in,
                    json_t **out, shop_fault *f);
/* Changes the given fields of SKU sku_id, which must belong to product_id
 * (else 404). */
int shop_sku_update(fl_db *db, long long account_id, int platform_admin, long long product_id, long long sku_id,
                    const shop_sku_in *in, json_t **out, shop_fault *f);

#endif
