/* shop/domain/addresses.h - a buyer's address book (addresses.c): where
 * parcels go, in China's province / city / county / detail, with the name
 * and phone of who receives them (phone.h's check). The HTTP side is
 * api/addresses.c (GET/POST /api/v1/me/addresses, PATCH/DELETE
 * /api/v1/me/addresses/{id}).
 *
 * Rules: at most SHOP_ADDRESSES_MAX addresses an account (409 beyond);
 * exactly one default while the book is not empty: the first address
 * becomes it, making another the default takes the mark from the old one,
 * and deleting the default hands it to the newest left. An address of
 * another account does not exist for the caller (404). Every change locks
 * the account's row first, so two changes of one book run one after the
 * other; the unique key on default_of (migration 065) stands behind it.
 *
 * An address answers as
 *   {"id": 3, "name": "王小明", "phone": "13800138000", "province": "江西省",
 *    "city": "萍乡市", "county": "安源区", "detail": "...", "is_default": true,
 *    "created_at": "2026-12-06T08:00:00Z"}
 * and the book as a list page (core/values.h), oldest first. */
#ifndef FARMLIVE_SHOP_DOMAIN_ADDRESSES_H
#define FARMLIVE_SHOP_DOMAIN_ADDRESSES_H

#include <jansson.h>

#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/order_model.h"

#define SHOP_ADDRESSES_MAX 20

/* An address to save, or the fields of one to change: a.* NULL where not
 * given (an update), is_default -1 when not given, else 0 or 1. */
typedef struct shop_address_in {
    shop_address a;
    int is_default;
} shop_address_in;

/* Pure: reads body's fields into *in (strings point into body). partial 0:
 * every field but is_default is required (a new address); 1: at least one
 * field, each given one checked. Lengths as an order's address (name 64,
 * phone 20, province, city, county 32, detail 255 characters, none empty,
 * no control characters), phone a Chinese number. SHOP_OK, or
 * SHOP_E_VALIDATION naming the field. */
int shop_address_input(const json_t *body, int partial, shop_address_in *in, shop_fault *f);

/* One page of account's addresses, oldest first (one-key cursor: the id). */
int shop_addresses_page(fl_db *db, long long account, const shop_page *pg, json_t **out, shop_fault *f);
/* Saves a new address (in from shop_address_input, partial 0); *out: it. */
int shop_address_create(fl_db *db, long long account, const shop_address_in *in, json_t **out, shop_fault *f);
/* Changes the given fields of account's address id; is_default 1 makes it
 * the default, 0 on the default is 409 (choose another instead). */
int shop_address_update(fl_db *db, long long account, long long id, const shop_address_in *in, json_t **out,
                        shop_fault *f);
/* Deletes account's address id. */
int shop_address_delete(fl_db *db, long long account, long long id, shop_fault *f);

#endif
