/* shop/core/routes.h - the static route table and its matcher.
 *
 * api/routes.c holds the one table (the API layer provides it, core matches
 * it): method, path pattern, handler, the role the
 * caller needs, whether the body is JSON. Patterns are literal segments and
 * {name} segments, each {name} matching one non-empty segment; captured
 * values appear in shop_req.params in order. Coop-level rights (which
 * cooperative) are checked by the handler with shop_auth_coop(). */
#ifndef FARMLIVE_SHOP_CORE_ROUTES_H
#define FARMLIVE_SHOP_CORE_ROUTES_H

#include <stddef.h>
#include "farmlive/shop/core/http.h"

typedef int (*shop_handler)(shop_req *r);

enum shop_role {
    SHOP_ROLE_PUBLIC = 0,    /* anyone */
    SHOP_ROLE_USER,          /* any signed-in account */
    SHOP_ROLE_USER_DEFERRED, /* as USER, but a Bearer token's session is looked up by the
                                handler, within its own Redis call (shop_auth.h) */
    SHOP_ROLE_COOP_MEMBER,   /* a farmer or coop_admin of some cooperative */
    SHOP_ROLE_COOP_ADMIN,    /* a coop_admin of some cooperative */
    SHOP_ROLE_PLATFORM_ADMIN /* the platform's operators */
};

/* NONE: the body is ignored; JSON: parsed into shop_req.body (415 unless
 * application/json, 400 when malformed); JSON_OPT: the same when a body is
 * sent, none is fine (shop_req.body NULL: every field absent); UPLOAD: raw
 * bytes in shop_req.raw_body up to SHOP_UPLOAD_MAX, its type checked by the
 * handler. */
enum shop_body { SHOP_BODY_NONE = 0, SHOP_BODY_JSON = 1, SHOP_BODY_UPLOAD = 2, SHOP_BODY_JSON_OPT = 3 };

typedef struct shop_route {
    const char *method;
    const char *pattern;
    shop_handler handler;
    int role;
    int body;
} shop_route;

extern const shop_route shop_routes[];
extern const size_t shop_routes_count;

/* Matches method and path (path is modified: segments are NUL-split in
 * place). Returns the route, filling params; NULL when nothing matches, with
 * *path_known set when the path matched some route under another method. */
const shop_route *shop_route_match(const char *method, char *path, const char **params, size_t *nparams,
                                   int *path_known);
/* Index of a route in the table (for metrics). */
size_t shop_route_index(const shop_route *route);

#endif
