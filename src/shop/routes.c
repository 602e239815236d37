/* routes.c - the whole shop API on one screen.
 *
 * Order matters only for readability: the matcher tries every route and a
 * literal segment never matches a {param} of another route first, because
 * patterns here never overlap. schema/openapi.yaml describes the same list;
 * tests/unit/shop/test_openapi.c checks the two agree. */
#include "farmlive/shop_routes.h"
#include "farmlive/shop_handlers.h"

#define PUB SHOP_ROLE_PUBLIC
#define USER SHOP_ROLE_USER
#define MEMBER SHOP_ROLE_COOP_MEMBER
#define ADMIN SHOP_ROLE_COOP_ADMIN
#define OPS SHOP_ROLE_PLATFORM_ADMIN
#define JSON SHOP_BODY_JSON
#define NONE SHOP_BODY_NONE

const shop_route shop_routes[] = {
    /* method  pattern                                      handler                     role    body */
    {"GET",    "/healthz",                                  shop_health_get,            PUB,    NONE},
    {"GET",    "/metrics",                                  shop_metrics_get,           PUB,    NONE},
    {"GET",    "/",                                         shop_web_page,              PUB,    NONE},
    {"GET",    "/assets/{file}",                            shop_web_asset,             PUB,    NONE},

    {"POST",   "/api/v1/accounts",                          shop_accounts_create,       PUB,    JSON},
    {"GET",    "/api/v1/me",                                shop_accounts_me,           USER,   NONE},
    {"POST",   "/api/v1/sessions",                          shop_sessions_create,       PUB,    JSON},
    {"DELETE", "/api/v1/sessions/current",                  shop_sessions_delete,       USER,   NONE},

    {"GET",    "/api/v1/coops",                             shop_coops_list,            PUB,    NONE},
    {"POST",   "/api/v1/coops",                             shop_coops_create,          OPS,    JSON},
    {"GET",    "/api/v1/coops/{id}",                        shop_coops_get,             PUB,    NONE},
    {"PATCH",  "/api/v1/coops/{id}",                        shop_coops_update,          ADMIN,  JSON},
    {"GET",    "/api/v1/coops/{id}/members",                shop_coops_members_list,    MEMBER, NONE},
    {"POST",   "/api/v1/coops/{id}/members",                shop_coops_members_add,     ADMIN,  JSON},
    {"PATCH",  "/api/v1/coops/{id}/members/{account_id}",   shop_coops_members_update,  ADMIN,  JSON},
    {"DELETE", "/api/v1/coops/{id}/members/{account_id}",   shop_coops_members_remove,  ADMIN,  NONE},
    {"GET",    "/api/v1/coops/{id}/bases",                  shop_coops_bases_list,      PUB,    NONE},
    {"POST",   "/api/v1/coops/{id}/bases",                  shop_coops_bases_create,    ADMIN,  JSON},
    {"PATCH",  "/api/v1/coops/{id}/bases/{base_id}",        shop_coops_bases_update,    ADMIN,  JSON},

    {"GET",    "/api/v1/products",                          shop_products_list,         PUB,    NONE},
    {"POST",   "/api/v1/products",                          shop_products_create,       ADMIN,  JSON},
    {"GET",    "/api/v1/products/{id}",                     shop_products_get,          PUB,    NONE},
    {"PATCH",  "/api/v1/products/{id}",                     shop_products_update,       ADMIN,  JSON},
    {"POST",   "/api/v1/products/{id}/delist",              shop_products_delist,       ADMIN,  NONE},
    {"POST",   "/api/v1/products/{id}/skus",                shop_products_sku_create,   ADMIN,  JSON},
    {"PATCH",  "/api/v1/products/{id}/skus/{sku_id}",       shop_products_sku_update,   ADMIN,  JSON},

    /* -- traceability: lots.c, certificates.c, trace.c, labels.c -- */

    /* -- buying: carts.c, orders.c, inventory.c, payments.c, flash.c -- */

    /* -- live: live.c -- */
};

const size_t shop_routes_count = sizeof(shop_routes) / sizeof(shop_routes[0]);
