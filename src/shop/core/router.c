/* router.c - matches a method and path against the static table.
 *
 * The path is split in place into at most MAX_SEGS segments; each route's
 * pattern is compared segment by segment, literal or {param}. A trailing
 * slash is not ignored: /api/v1/products/ matches nothing. */
#include "farmlive/shop/core/routes.h"

#include <string.h>

#define MAX_SEGS 12

static size_t split(char *path, char **segs)
{
    size_t n = 0;
    char *p = path;
    if (*p != '/')
        return (size_t)-1;
    if (p[1] == '\0')
        return 0; /* "/" */
    while (*p == '/') {
        if (n == MAX_SEGS)
            return (size_t)-1;
        *p++ = '\0';
        segs[n++] = p;
        p = strchr(p, '/') ? strchr(p, '/') : p + strlen(p);
    }
    return n;
}

/* 1 when pattern matches segs, filling params. */
static int match(const char *pattern, char **segs, size_t nsegs, const char **params, size_t *nparams)
{
    const char *p = pattern;
    size_t i = 0, np = 0;
    if (strcmp(pattern, "/") == 0)
        return nsegs == 0;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (i == nsegs)
            return 0;
        if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
            if (segs[i][0] == '\0' || np == SHOP_MAX_PARAMS)
                return 0;
            params[np++] = segs[i];
        } else if (strlen(segs[i]) != len || memcmp(segs[i], p, len) != 0) {
            return 0;
        }
        i++;
        p += len;
    }
    if (i != nsegs)
        return 0;
    *nparams = np;
    return 1;
}

const shop_route *shop_route_match(const char *method, char *path, const char **params, size_t *nparams,
                                   int *path_known)
{
    char *segs[MAX_SEGS];
    size_t nsegs = split(path, segs);
    *path_known = 0;
    *nparams = 0;
    if (nsegs == (size_t)-1)
        return NULL;
    for (size_t i = 0; i < shop_routes_count; i++) {
        const shop_route *rt = &shop_routes[i];
        const char *tmp[SHOP_MAX_PARAMS];
        size_t ntmp = 0;
        if (!match(rt->pattern, segs, nsegs, tmp, &ntmp))
            continue;
        int same = strcmp(rt->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0);
        if (!same) {
            *path_known = 1;
            continue;
        }
        memcpy(params, tmp, ntmp * sizeof(*tmp));
        *nparams = ntmp;
        return rt;
    }
    return NULL;
}

size_t shop_route_index(const shop_route *route)
{
    return (size_t)(route - shop_routes);
}
