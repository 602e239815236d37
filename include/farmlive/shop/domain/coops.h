/* shop/domain/coops.h - cooperatives, their members and production bases
 * (domain/coops.c).
 *
 * The API layer turns a body into a shop_coop_in / shop_base_in whose
 * fields are checked for shape, length and format (the field table and the
 * pure validators below); these functions apply the rules that need data.
 * Each returns SHOP_OK or a SHOP_E_* with f filled, and on success the
 * record as stored as a new JSON reference in *out.
 *
 * Rights: the functions on one cooperative take the caller's identity
 * (account_id, 0 for anonymous; platform_admin) and check, in this order,
 * that the cooperative exists (404) and that the caller holds the role the
 * operation needs in it (core/rights.h: 401/403), so an admin of one
 * cooperative is refused on another's. Creating a cooperative is for
 * platform admins, which the route table checks.
 *
 * A cooperative always keeps at least one coop_admin: demoting or removing
 * the last one is a 409, decided while the admin rows are locked so two
 * concurrent requests cannot both pass.
 *
 * Writes that change what product JSON shows (the cooperative's name, a
 * base) leave the catalogue read cache to the caller, as domain/products.h
 * says. */
#ifndef FARMLIVE_SHOP_DOMAIN_COOPS_H
#define FARMLIVE_SHOP_DOMAIN_COOPS_H

#include <stddef.h>
#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/accounts.h"

#define SHOP_BASE_AREA_MAX 99999999.99 /* mu */

/* The cooperative's text fields, in column order. */
enum shop_coop_field_id {
    SHOP_CF_NAME,
    SHOP_CF_NAME_EN,
    SHOP_CF_CREDIT_CODE,
    SHOP_CF_PROVINCE,
    SHOP_CF_CITY,
    SHOP_CF_COUNTY,
    SHOP_CF_TOWNSHIP,
    SHOP_CF_VILLAGE,
    SHOP_CF_CONTACT_NAME,
    SHOP_CF_CONTACT_PHONE,
    SHOP_CF_DESCRIPTION,
    SHOP_CF_LOW_RENDITION, /* default, off, on or auto (shop_low_rendition_valid) */
    SHOP_CF_COUNT
};

/* What each field may hold: one table drives parsing, INSERT and UPDATE. */
typedef struct shop_coop_field {
    const char *key; /* the JSON key */
    size_t min, max; /* characters */
    int required;    /* on create */
    int nullable;    /* may be cleared */
} shop_coop_field;

extern const shop_coop_field shop_coop_fields[SHOP_CF_COUNT];

/* A cooperative to create (v[] NULL where absent), or the fields to change
 * (has[]: given; a given NULL clears a nullable field). */
typedef struct shop_coop_in {
    const char *v[SHOP_CF_COUNT];
    long long has[SHOP_CF_COUNT];
} shop_coop_in;

/* A production base to create, or the fields to change. Decimals travel as
 * text ("27.620000"); "" is none (clears latitude or longitude). */
typedef struct shop_base_in {
    const char *name, *location, *description;
    char lat[24], lon[24], area[24];
    long long has_name, has_location, has_description, has_lat, has_lon, has_area;
} shop_base_in;

/* ---- pure checks (no I/O) ---- */

/* 1 when s is a cooperative's low_rendition: default, off, on or auto. */
int shop_low_rendition_valid(const char *s);
/* Unified social credit code: 18 characters, digits and capital letters. */
int shop_credit_code_valid(const char *s);
/* A contact phone: digits with an optional leading +, inner spaces or
 * dashes, at least 5 digits. */
int shop_contact_phone_valid(const char *s);

/* ---- cooperatives ---- */

/* One page of cooperatives, newest first (one-key cursor: the id), each
 * with its production bases, as shop_coop_get gives them. */
int shop_coops_page(fl_db *db, const shop_page *pg, json_t **out, shop_fault *f);
/* The cooperative with region, contact, member count and its bases. */
int shop_coop_get(fl_db *db, long long id, json_t **out, shop_fault *f);
/* For the relay's publish answer: the low rendition the cooperative of the
 * session public_id chose ("off", "on" or "auto", static), or NULL for
 * 'default' (the relay's own setting) and for no such session. */
int shop_coop_session_low_rendition(fl_db *db, const char *public_id, const char **out, shop_fault *f);
/* Creates the cooperative and, when admin is given (non-NULL), makes that
 * account its first coop_admin, in one transaction. 409 for a credit code
 * already registered; 422 when admin names no account. */
int shop_coop_create(fl_db *db, const shop_coop_in *in, const shop_account_ref *admin, json_t **out, shop_fault *f);
/* The given fields (its coop_admin); the credit code only by platform
 * admins (it identifies the cooperative to the state). */
int shop_coop_update(fl_db *db, long long account_id, int platform_admin, long long id, const shop_coop_in *in,
                     json_t **out, shop_fault *f);

/* ---- members ---- */

/* One page of members (for its members), by joined time then account id
 * (a two-key cursor). */
int shop_coop_members_page(fl_db *db, long long account_id, int platform_admin, long long coop_id, const shop_page *pg,
                           json_t **out, shop_fault *f);
/* (Members join by invitation: domain/invitations.h.) */
/* Changes member's role. 404 for a non-member; 409 for the last admin. */
int shop_coop_member_set_role(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long member,
                              const char *role, json_t **out, shop_fault *f);
/* Removes member. 404 for a non-member; 409 for the last admin. */
int shop_coop_member_remove(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long member,
                            shop_fault *f);

/* ---- production bases ---- */

/* One page of the cooperative's bases (public), oldest first (one-key
 * cursor: the id). */
int shop_coop_bases_page(fl_db *db, long long coop_id, const shop_page *pg, json_t **out, shop_fault *f);
/* Adds a base (its coop_admin). */
int shop_coop_base_create(fl_db *db, long long account_id, int platform_admin, long long coop_id,
                          const shop_base_in *in, json_t **out, shop_fault *f);
/* Changes the given fields of base_id, which must belong to coop_id (else
 * 404). */
int shop_coop_base_update(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long base_id,
                          const shop_base_in *in, json_t **out, shop_fault *f);

/* Photos a base may have. */
#define SHOP_BASE_PHOTOS_MAX 6
/* Appends a photo to base_id of coop_id (its coop_admin; another
 * cooperative's base is 404): data is the image file, checked and drawn by
 * shop_media_store_image into media_dir as product photos are (415, 413,
 * 422); 409 past SHOP_BASE_PHOTOS_MAX. *out: the base, the new photo's url
 * (the 1080 rendition) last in its "photos". */
int shop_coop_base_photo_add(fl_db *db, long long account_id, int platform_admin, long long coop_id, long long base_id,
                             const char *media_dir, const void *data, size_t len, json_t **out, shop_fault *f);

#endif
