/* test_router.c - src/shop/core/router.c against the real table in routes.c.
 *
 * Includes router.c (as h2o's t/00unit does) to test split() and match()
 * directly; routes.c is linked, and with it every handler, so this binary
 * links all shop objects but router.o.
 *
 * Cases are data-driven: method, path, the pattern expected (NULL for no
 * match), path_known when nothing matched, and the captured params. One
 * more test walks the table itself: every row, given a concrete path, must
 * match that very row (no row shadows another). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/core/router.c"

#include <stdio.h>

/* -- split ----------------------------------------------------------------- */

static void test_split(void **state)
{
    (void)state;
    char *segs[MAX_SEGS];
    char p1[] = "/";
    assert_int_equal(split(p1, segs), 0);

    char p2[] = "/a/bc/d";
    assert_int_equal(split(p2, segs), 3);
    assert_string_equal(segs[0], "a");
    assert_string_equal(segs[1], "bc");
    assert_string_equal(segs[2], "d");

    char p3[] = "/a//b/";
    assert_int_equal(split(p3, segs), 4);
    assert_string_equal(segs[0], "a");
    assert_string_equal(segs[1], "");
    assert_string_equal(segs[2], "b");
    assert_string_equal(segs[3], "");

    char p4[] = "no-slash";
    assert_int_equal(split(p4, segs), (size_t)-1);
    char p5[] = "";
    assert_int_equal(split(p5, segs), (size_t)-1);

    char twelve[] = "/1/2/3/4/5/6/7/8/9/10/11/12";
    assert_int_equal(split(twelve, segs), 12);
    assert_string_equal(segs[11], "12");
    char thirteen[] = "/1/2/3/4/5/6/7/8/9/10/11/12/13";
    assert_int_equal(split(thirteen, segs), (size_t)-1);
    char twelve_slash[] = "/1/2/3/4/5/6/7/8/9/10/11/12/";
    assert_int_equal(split(twelve_slash, segs), (size_t)-1);
}

/* -- match ------------------------------------------------------------------ */

static void test_match_pattern(void **state)
{
    (void)state;
    const char *params[SHOP_MAX_PARAMS];
    size_t np = 99;
    char p[] = "/x/42/y/7";
    char *segs[MAX_SEGS];
    size_t n = split(p, segs);
    assert_int_equal(match("/x/{a}/y/{b}", segs, n, params, &np), 1);
    assert_int_equal(np, 2);
    assert_string_equal(params[0], "42");
    assert_string_equal(params[1], "7");
    assert_int_equal(match("/x/{a}/y", segs, n, params, &np), 0);       /* fewer segments */
    assert_int_equal(match("/x/{a}/y/{b}/z", segs, n, params, &np), 0); /* more */
    assert_int_equal(match("/x/{a}/z/{b}", segs, n, params, &np), 0);   /* literal differs */
    assert_int_equal(match("/", segs, n, params, &np), 0);
    /* a literal is compared whole, not as a prefix */
    char q[] = "/xy";
    n = split(q, segs);
    assert_int_equal(match("/x", segs, n, params, &np), 0);
    assert_int_equal(match("/xyz", segs, n, params, &np), 0);
    assert_int_equal(match("/xy", segs, n, params, &np), 1);
    /* a parameter never captures an empty segment */
    char r[] = "/x//y/7";
    n = split(r, segs);
    assert_int_equal(match("/x/{a}/y/{b}", segs, n, params, &np), 0);
}

/* -- the real table ----------------------------------------------------------- */

struct route_case {
    const char *method;
    const char *path;
    const char *pattern; /* the route expected, NULL for none */
    const char *rmethod; /* its method when not the request's (HEAD) */
    int path_known;      /* checked when pattern is NULL */
    const char *params[3];
};

static const struct route_case cases[] = {
    /* literals */
    {"GET", "/healthz", "/healthz", NULL, 0, {NULL}},
    {"GET", "/metrics", "/metrics", NULL, 0, {NULL}},
    {"GET", "/", "/", NULL, 0, {NULL}},
    {"GET", "/api/v1/me", "/api/v1/me", NULL, 0, {NULL}},
    {"POST", "/api/v1/accounts", "/api/v1/accounts", NULL, 0, {NULL}},
    {"DELETE", "/api/v1/sessions/current", "/api/v1/sessions/current", NULL, 0, {NULL}},
    {"GET", "/api/v1/coops", "/api/v1/coops", NULL, 0, {NULL}},
    {"POST", "/api/v1/coops", "/api/v1/coops", NULL, 0, {NULL}},
    {"GET", "/api/v1/products", "/api/v1/products", NULL, 0, {NULL}},
    {"POST", "/api/v1/products", "/api/v1/products", NULL, 0, {NULL}},

    /* {param} segments, captured in order */
    {"GET", "/assets/app.js", "/assets/{file}", NULL, 0, {"app.js"}},
    {"GET", "/api/v1/coops/12", "/api/v1/coops/{id}", NULL, 0, {"12"}},
    {"PATCH", "/api/v1/coops/12", "/api/v1/coops/{id}", NULL, 0, {"12"}},
    {"GET", "/api/v1/coops/abc", "/api/v1/coops/{id}", NULL, 0, {"abc"}}, /* the handler checks ids */
    {"GET", "/api/v1/coops/12/members", "/api/v1/coops/{id}/members", NULL, 0, {"12"}},
    {"POST", "/api/v1/coops/3/members", "/api/v1/coops/{id}/members", NULL, 0, {"3"}},
    {"PATCH", "/api/v1/coops/7/members/99", "/api/v1/coops/{id}/members/{account_id}", NULL, 0, {"7", "99"}},
    {"DELETE", "/api/v1/coops/7/members/99", "/api/v1/coops/{id}/members/{account_id}", NULL, 0, {"7", "99"}},
    {"GET", "/api/v1/coops/5/bases", "/api/v1/coops/{id}/bases", NULL, 0, {"5"}},
    {"PATCH", "/api/v1/coops/5/bases/6", "/api/v1/coops/{id}/bases/{base_id}", NULL, 0, {"5", "6"}},
    {"GET", "/api/v1/products/1", "/api/v1/products/{id}", NULL, 0, {"1"}},
    {"POST", "/api/v1/products/1/delist", "/api/v1/products/{id}/delist", NULL, 0, {"1"}},
    {"POST", "/api/v1/products/1/skus", "/api/v1/products/{id}/skus", NULL, 0, {"1"}},
    {"PATCH", "/api/v1/products/10/skus/20", "/api/v1/products/{id}/skus/{sku_id}", NULL, 0, {"10", "20"}},
    /* a param is one whole segment, any bytes but '/' */
    {"GET", "/api/v1/products/%2F..%00", "/api/v1/products/{id}", NULL, 0, {"%2F..%00"}},
    /* "current" is a literal on DELETE only; no {id} route under sessions */
    {"GET", "/api/v1/sessions/other", NULL, NULL, 0, {NULL}},

    /* HEAD is answered by the GET route */
    {"HEAD", "/api/v1/products", "/api/v1/products", "GET", 0, {NULL}},
    {"HEAD", "/", "/", "GET", 0, {NULL}},
    {"HEAD", "/api/v1/coops/4/bases", "/api/v1/coops/{id}/bases", "GET", 0, {"4"}},
    {"HEAD", "/api/v1/sessions", NULL, NULL, 1, {NULL}}, /* POST only */
    {"HEAD", "/api/v1/sessions/current", NULL, NULL, 1, {NULL}},

    /* the path is known under another method */
    {"GET", "/api/v1/sessions/current", NULL, NULL, 1, {NULL}},
    {"GET", "/api/v1/sessions", NULL, NULL, 1, {NULL}},
    {"PUT", "/api/v1/products/1", NULL, NULL, 1, {NULL}},
    {"DELETE", "/api/v1/products/1", NULL, NULL, 1, {NULL}},
    {"GET", "/api/v1/products/1/skus", NULL, NULL, 1, {NULL}},
    {"POST", "/healthz", NULL, NULL, 1, {NULL}},
    {"POST", "/", NULL, NULL, 1, {NULL}},
    {"get", "/healthz", NULL, NULL, 1, {NULL}}, /* methods are case-sensitive */
    {"", "/healthz", NULL, NULL, 1, {NULL}},

    /* trailing slash, double slash, empty segments: no match at all */
    {"GET", "/api/v1/products/", NULL, NULL, 0, {NULL}},
    {"GET", "/healthz/", NULL, NULL, 0, {NULL}},
    {"GET", "/api/v1/products/1/", NULL, NULL, 0, {NULL}},
    {"GET", "//", NULL, NULL, 0, {NULL}},
    {"GET", "//healthz", NULL, NULL, 0, {NULL}},
    {"GET", "/api//v1/products", NULL, NULL, 0, {NULL}},
    {"GET", "/api/v1//products", NULL, NULL, 0, {NULL}},
    {"GET", "/api/v1/coops//bases", NULL, NULL, 0, {NULL}}, /* {id} never empty */
    {"GET", "/assets/", NULL, NULL, 0, {NULL}},
    {"PATCH", "/api/v1/coops/7/members/", NULL, NULL, 0, {NULL}},

    /* unknown, partial, longer, differently cased */
    {"GET", "/nope", NULL, NULL, 0, {NULL}},
    {"GET", "/api", NULL, NULL, 0, {NULL}},
    {"GET", "/api/v1", NULL, NULL, 0, {NULL}},
    {"GET", "/api/v2/products", NULL, NULL, 0, {NULL}},
    {"GET", "/HEALTHZ", NULL, NULL, 0, {NULL}},
    {"GET", "/healthzz", NULL, NULL, 0, {NULL}},
    {"GET", "/health", NULL, NULL, 0, {NULL}},
    {"GET", "/api/v1/products/1/skus/2/extra", NULL, NULL, 0, {NULL}},
    {"GET", "/assets/css/site.css", NULL, NULL, 0, {NULL}}, /* {file} is one segment */

    /* not a path */
    {"GET", "", NULL, NULL, 0, {NULL}},
    {"GET", "healthz", NULL, NULL, 0, {NULL}},
    {"GET", "*", NULL, NULL, 0, {NULL}},

    /* segment bound: 12 is the most; more is refused before matching */
    {"GET", "/a/b/c/d/e/f/g/h/i/j/k/l", NULL, NULL, 0, {NULL}},
    {"GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m", NULL, NULL, 0, {NULL}},
    {"GET", "/api/v1/products/1/skus/2/a/b/c/d/e/f/g/h/i/j", NULL, NULL, 0, {NULL}},
};

static void test_route_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct route_case *c = &cases[i];
        char path[256];
        snprintf(path, sizeof(path), "%s", c->path);
        const char *params[SHOP_MAX_PARAMS] = {NULL};
        size_t np = 99;
        int known = 99;
        const shop_route *rt = shop_route_match(c->method, path, params, &np, &known);

        if (!c->pattern) {
            if (rt)
                fail_msg("%s %s: matched %s %s, want no match", c->method, c->path, rt->method, rt->pattern);
            if (known != c->path_known)
                fail_msg("%s %s: path_known %d, want %d", c->method, c->path, known, c->path_known);
            if (np != 0)
                fail_msg("%s %s: %zu params on no match", c->method, c->path, np);
            continue;
        }
        if (!rt)
            fail_msg("%s %s: no match (path_known %d), want %s", c->method, c->path, known, c->pattern);
        const char *want_method = c->rmethod ? c->rmethod : c->method;
        if (strcmp(rt->pattern, c->pattern) != 0 || strcmp(rt->method, want_method) != 0)
            fail_msg("%s %s: matched %s %s, want %s %s", c->method, c->path, rt->method, rt->pattern, want_method,
                     c->pattern);
        size_t want_np = 0;
        while (want_np < 3 && c->params[want_np])
            want_np++;
        if (np != want_np)
            fail_msg("%s %s: %zu params, want %zu", c->method, c->path, np, want_np);
        for (size_t k = 0; k < np; k++) {
            if (strcmp(params[k], c->params[k]) != 0)
                fail_msg("%s %s: param %zu is \"%s\", want \"%s\"", c->method, c->path, k, params[k], c->params[k]);
            /* captured in place: the params point into the caller's buffer */
            assert_true(params[k] > path && params[k] < path + sizeof(path));
        }
        assert_ptr_equal(&shop_routes[shop_route_index(rt)], rt);
    }
}

/* Every row, given a concrete path ({x} -> "v<n>"), matches itself: under
 * its own method, under HEAD when it is a GET, and never with a trailing
 * slash. No row shadows a later one. */
static void test_every_route_matches_itself(void **state)
{
    (void)state;
    assert_true(shop_routes_count > 0);
    for (size_t i = 0; i < shop_routes_count; i++) {
        const shop_route *row = &shop_routes[i];
        char path[256] = "";
        char want[SHOP_MAX_PARAMS][16];
        size_t nwant = 0, len = 0;
        for (const char *p = row->pattern; *p;) {
            if (*p == '{') {
                const char *end = strchr(p, '}');
                assert_non_null(end);
                assert_true(nwant < SHOP_MAX_PARAMS);
                snprintf(want[nwant], sizeof(want[nwant]), "v%zu", nwant + 1);
                len += (size_t)snprintf(path + len, sizeof(path) - len, "%s", want[nwant]);
                nwant++;
                p = end + 1;
            } else {
                assert_true(len + 1 < sizeof(path));
                path[len++] = *p++;
                path[len] = '\0';
            }
        }
        static const char *const methods[] = {NULL, "HEAD"};
        for (size_t m = 0; m < 2; m++) {
            const char *method = methods[m] ? methods[m] : row->method;
            if (methods[m] && strcmp(row->method, "GET") != 0)
                continue;
            char buf[256];
            snprintf(buf, sizeof(buf), "%s", path);
            const char *params[SHOP_MAX_PARAMS];
            size_t np = 0;
            int known = 0;
            const shop_route *rt = shop_route_match(method, buf, params, &np, &known);
            if (rt != row)
                fail_msg("%s %s (row %zu, %s): matched %s", method, path, i, row->pattern,
                         rt ? rt->pattern : "nothing");
            assert_int_equal(shop_route_index(rt), i);
            assert_int_equal(np, nwant);
            for (size_t k = 0; k < np; k++)
                assert_string_equal(params[k], want[k]);
        }
        if (strcmp(row->pattern, "/") != 0) {
            char slash[260];
            snprintf(slash, sizeof(slash), "%s/", path);
            const char *params[SHOP_MAX_PARAMS];
            size_t np = 0;
            int known = 0;
            if (shop_route_match(row->method, slash, params, &np, &known))
                fail_msg("%s %s: a trailing slash matched", row->method, slash);
        }
    }
}

/* The table has no two rows with the same method and pattern, and a known
 * set of methods. */
static void test_table_rows_unique(void **state)
{
    (void)state;
    static const char *const ok_methods[] = {"GET", "POST", "PATCH", "DELETE", "PUT"};
    for (size_t i = 0; i < shop_routes_count; i++) {
        const shop_route *a = &shop_routes[i];
        int known = 0;
        for (size_t m = 0; m < sizeof(ok_methods) / sizeof(ok_methods[0]); m++)
            known |= strcmp(a->method, ok_methods[m]) == 0;
        if (!known)
            fail_msg("row %zu: method \"%s\"", i, a->method);
        assert_non_null(a->handler);
        assert_int_equal(a->pattern[0], '/');
        for (size_t j = i + 1; j < shop_routes_count; j++) {
            const shop_route *b = &shop_routes[j];
            if (strcmp(a->method, b->method) == 0 && strcmp(a->pattern, b->pattern) == 0)
                fail_msg("rows %zu and %zu: both %s %s", i, j, a->method, a->pattern);
        }
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's lines whole beside stderr */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_match_pattern),
        cmocka_unit_test(test_route_cases),
        cmocka_unit_test(test_every_route_matches_itself),
        cmocka_unit_test(test_table_rows_unique),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
