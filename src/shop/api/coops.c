/* coops.c - the routes of cooperatives, their members and production bases:
 * parse, call domain/coops.c, reply.
 *
 *   GET    /api/v1/coops                              list (public, pages)
 *   POST   /api/v1/coops                              create (platform admin)
 *   GET    /api/v1/coops/{id}                         one, with bases (public)
 *   PATCH  /api/v1/coops/{id}                         partial update (its admin)
 *   GET    /api/v1/coops/{id}/members                 members (its members, pages)
 *   POST   /api/v1/coops/{id}/members                 add (its admin)
 *   PATCH  /api/v1/coops/{id}/members/{account_id}    change role (its admin)
 *   DELETE /api/v1/coops/{id}/members/{account_id}    remove (its admin)
 *   GET    /api/v1/coops/{id}/bases                   bases (public, pages)
 *   POST   /api/v1/coops/{id}/bases                   add a base (its admin)
 *   PATCH  /api/v1/coops/{id}/bases/{base_id}         update a base (its admin)
 *
 * Bodies are checked here for shape, length and format (422 naming the
 * field); whether the cooperative exists, the caller's rights in it and the
 * last-admin rule are the domain's. Writes that change what product JSON
 * shows (the cooperative's name, a base) call shop_catalogue_changed(). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "farmlive/shop/api/catalogue.h"
#include "farmlive/shop/api/coops.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/http.h"
#include "farmlive/shop/domain/accounts.h"
#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/domain/invitations.h"

/* ---- body fields ----------------------------------------------------------- */

/* The cooperative's text fields (domain/coops.h's table). creating:
 * required ones must be there and absent ones stay NULL; otherwise only
 * given fields are marked in has[], and null clears a nullable one. */
static int coop_parse(shop_req *r, int creating, shop_coop_in *in)
{
    int rc;
    memset(in, 0, sizeof(*in));
    for (size_t i = 0; i < SHOP_CF_COUNT; i++) {
        const shop_coop_field *f = &shop_coop_fields[i];
        json_t *v = json_object_get(r->body, f->key);
        in->has[i] = v != NULL;
        if (v && json_is_null(v) && !f->nullable)
            return shop_fail(r, SHOP_E_VALIDATION, "%s %s", f->key, creating ? "is required" : "cannot be null");
        if ((creating || (v && !json_is_null(v))) &&
            (rc = shop_body_str(r, f->key, creating && f->required, f->min, f->max, &in->v[i])))
            return rc;
    }
    if (in->v[SHOP_CF_CREDIT_CODE] && !shop_credit_code_valid(in->v[SHOP_CF_CREDIT_CODE]))
        return shop_fail(r, SHOP_E_VALIDATION, "credit_code must be 18 characters of digits and capital letters");
    if (in->v[SHOP_CF_CONTACT_PHONE] && !shop_contact_phone_valid(in->v[SHOP_CF_CONTACT_PHONE]))
        return shop_fail(r, SHOP_E_VALIDATION, "contact_phone must be a phone number");
    if (in->v[SHOP_CF_LOW_RENDITION] && !shop_low_rendition_valid(in->v[SHOP_CF_LOW_RENDITION]))
        return shop_fail(r, SHOP_E_VALIDATION, "low_rendition must be default, off, on or auto");
    return SHOP_OK;
}

/* body[key] as a number in [min, max], printed with decimals places into
 * out (left "" when absent or null). *given: the key is there at all (null
 * included). */
static int body_dec(shop_req *r, const char *key, int required, int nullable, double min, double max, int decimals,
                    char out[24], long long *given)
{
    json_t *v = json_object_get(r->body, key);
    double x;
    out[0] = '\0';
    *given = v != NULL;
    if (v && json_is_null(v) && !nullable)
        return shop_fail(r, SHOP_E_VALIDATION, "%s cannot be null", key);
    if (!v || json_is_null(v))
        return required ? shop_fail(r, SHOP_E_VALIDATION, "%s is required", key) : SHOP_OK;
    if (!json_is_number(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be a number", key);
    x = json_number_value(v);
    if (!isfinite(x) || x < min || x > max)
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be between %g and %g", key, min, max);
    snprintf(out, 24, "%.*f", decimals, x);
    return SHOP_OK;
}

/* body[key] as a string of min..max characters when given (or creating);
 * *given says which. */
static int body_text(shop_req *r, const char *key, int creating, int nullable, size_t max, const char **out,
                     long long *given)
{
    json_t *v = json_object_get(r->body, key);
    *out = NULL;
    *given = v != NULL || (creating && !nullable);
    if (!*given || (nullable && json_is_null(v)))
        return SHOP_OK;
    return shop_body_str(r, key, !nullable, nullable ? 0 : 1, max, out);
}

static int base_parse(shop_req *r, int creating, shop_base_in *in)
{
    int rc;
    memset(in, 0, sizeof(*in));
    if ((rc = body_text(r, "name", creating, 0, 128, &in->name, &in->has_name)) ||
        (rc = body_text(r, "location", creating, 0, 255, &in->location, &in->has_location)) ||
        (rc = body_text(r, "description", creating, 1, 10000, &in->description, &in->has_description)) ||
        (rc = body_dec(r, "area_mu", creating, 0, 0.01, SHOP_BASE_AREA_MAX, 2, in->area, &in->has_area)) ||
        (rc = body_dec(r, "latitude", 0, 1, -90, 90, 6, in->lat, &in->has_lat)) ||
        (rc = body_dec(r, "longitude", 0, 1, -180, 180, 6, in->lon, &in->has_lon)))
        return rc;
    return SHOP_OK;
}

/* An account named by body "<prefix>login" (email or phone) or
 * "<prefix>account_id", exactly one of the two. *given: either was. */
static int account_parse(shop_req *r, const char *prefix, int required, shop_account_ref *ref, int *given)
{
    const char *kid = fl_arena_printf(r->arena, "%saccount_id", prefix);
    const char *klogin = fl_arena_printf(r->arena, "%slogin", prefix);
    int has_id = 0, rc;
    memset(ref, 0, sizeof(*ref));
    ref->id_key = kid;
    ref->login_key = klogin;
    if ((rc = shop_body_int(r, kid, 0, 1, LLONG_MAX, &ref->id, &has_id)) ||
        (rc = shop_body_str(r, klogin, 0, 1, 254, &ref->login)))
        return rc;
    if (ref->login)
        ref->login = shop_login_normalize(r->arena, ref->login);
    if (has_id && ref->login)
        return shop_fail(r, SHOP_E_VALIDATION, "give %s or %s, not both", klogin, kid);
    *given = has_id || ref->login;
    if (!*given && required)
        return shop_fail(r, SHOP_E_VALIDATION, "%s or %s is required", klogin, kid);
    return SHOP_OK;
}

static int role_parse(shop_req *r, const char **role)
{
    int rc = shop_body_str(r, "role", 1, 1, 16, role);
    if (rc == SHOP_OK && strcmp(*role, "farmer") != 0 && strcmp(*role, "coop_admin") != 0)
        rc = shop_fail(r, SHOP_E_VALIDATION, "role must be farmer or coop_admin");
    return rc;
}

/* ---- cooperatives ---------------------------------------------------------- */

/* GET /api/v1/coops?limit=&cursor= : newest first. */
int shop_coops_list(shop_req *r)
{
    shop_page pg;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    int rc;
    if ((rc = shop_query_page(r, 1, &pg)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coops_page(db, &pg, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* POST /api/v1/coops: the cooperative and, when admin_login or
 * admin_account_id is given, its first coop_admin. */
int shop_coops_create(shop_req *r)
{
    shop_coop_in in;
    shop_account_ref admin;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    int has_admin = 0, rc;
    if ((rc = coop_parse(r, 1, &in)) || (rc = account_parse(r, "admin_", 0, &admin, &has_admin)) ||
        (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_create(db, &in, has_admin ? &admin : NULL, &out, &f);
    return shop_reply_outcome(r, rc, 201, out, &f);
}

/* GET /api/v1/coops/{id}: with region, contact, member count and bases. */
int shop_coops_get(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_get(db, id, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* PATCH /api/v1/coops/{id}: given fields only. */
int shop_coops_update(shop_req *r)
{
    shop_coop_in in;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = coop_parse(r, 0, &in)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_update(db, shop_auth_account(r), shop_auth_platform_admin(r), id, &in, &out, &f);
    /* product JSON carries the cooperative's name */
    if (rc == SHOP_OK && in.has[SHOP_CF_NAME])
        shop_catalogue_changed(r);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* ---- members --------------------------------------------------------------- */

/* GET /api/v1/coops/{id}/members: for that cooperative's members, in the
 * order they joined. */
int shop_coops_members_list(shop_req *r)
{
    shop_page pg;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_query_page(r, 2, &pg)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_members_page(db, shop_auth_account(r), shop_auth_platform_admin(r), id, &pg, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* POST /api/v1/coops/{id}/members {login | account_id, role}: 202 with the
 * invitation, pending until the invited account accepts it. */
int shop_coops_members_add(shop_req *r)
{
    shop_account_ref who;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    const char *role = NULL;
    long long id = 0;
    int given = 0, rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = role_parse(r, &role)) ||
        (rc = account_parse(r, "", 1, &who, &given)) || (rc = shop_db(r, &db)))
        return rc;
    /* an invitation, the same answer whether or not who has an account */
    rc = shop_invitation_create(db, shop_auth_account(r), shop_auth_platform_admin(r), id, &who, role, &out, &f);
    return shop_reply_outcome(r, rc, 202, out, &f);
}

/* PATCH /api/v1/coops/{id}/members/{account_id} {role}. */
int shop_coops_members_update(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    const char *role = NULL;
    long long id = 0, member = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_param_id(r, 1, &member)) || (rc = role_parse(r, &role)) ||
        (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_member_set_role(db, shop_auth_account(r), shop_auth_platform_admin(r), id, member, role, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* DELETE /api/v1/coops/{id}/members/{account_id}: 204. */
int shop_coops_members_remove(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    long long id = 0, member = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_param_id(r, 1, &member)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_member_remove(db, shop_auth_account(r), shop_auth_platform_admin(r), id, member, &f);
    return shop_reply_outcome(r, rc, 204, NULL, &f);
}

/* ---- production bases ------------------------------------------------------ */

/* GET /api/v1/coops/{id}/bases: oldest first. */
int shop_coops_bases_list(shop_req *r)
{
    shop_page pg;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_query_page(r, 1, &pg)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_bases_page(db, id, &pg, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* POST /api/v1/coops/{id}/bases {name, location, area_mu, latitude?,
 * longitude?, description?} */
int shop_coops_bases_create(shop_req *r)
{
    shop_base_in in;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = base_parse(r, 1, &in)) || (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_base_create(db, shop_auth_account(r), shop_auth_platform_admin(r), id, &in, &out, &f);
    return shop_reply_outcome(r, rc, 201, out, &f);
}

/* PATCH /api/v1/coops/{id}/bases/{base_id}: the base must belong to the
 * cooperative in the path, else 404. */
int shop_coops_bases_update(shop_req *r)
{
    shop_base_in in;
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0, base_id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_param_id(r, 1, &base_id)) || (rc = base_parse(r, 0, &in)) ||
        (rc = shop_db(r, &db)))
        return rc;
    rc = shop_coop_base_update(db, shop_auth_account(r), shop_auth_platform_admin(r), id, base_id, &in, &out, &f);
    /* product JSON carries the base's name */
    if (rc == SHOP_OK)
        shop_catalogue_changed(r);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_coops_bases_photos_upload(shop_req *r)
{
    shop_fault f;
    fl_db *db = NULL;
    json_t *out = NULL;
    long long id = 0, base_id = 0;
    int rc;
    if ((rc = shop_param_id(r, 0, &id)) || (rc = shop_param_id(r, 1, &base_id)) || (rc = shop_body_image(r)) ||
        (rc = shop_db(r, &db)))
        return rc;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/media", r->ctx->cfg->var_dir);
    rc = shop_coop_base_photo_add(db, shop_auth_account(r), shop_auth_platform_admin(r), id, base_id, dir, r->raw_body,
                                  r->raw_body_len, &out, &f);
    /* the buyers' cooperative page shows the bases' photos */
    if (rc == SHOP_OK)
        shop_catalogue_changed(r);
    return shop_reply_outcome(r, rc, 201, out, &f);
}
