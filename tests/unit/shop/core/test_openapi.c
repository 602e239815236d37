/* test_openapi.c - schema/openapi.yaml describes exactly shop_routes[].
 *
 * The route table in src/shop/api/routes.c is the API; the OpenAPI file is its
 * documentation. This test loads the YAML (libyaml's document API) once and
 * checks, for every row and every documented operation:
 *
 *   - the (method, path template) pairs are the same set, both ways;
 *   - x-farmlive-role names the row's role;
 *   - an operation has a JSON requestBody exactly when the row takes JSON (one
 *     with `required: false` when the row's JSON is optional), another
 *     requestBody (a file) exactly when the row takes an upload;
 *   - the {params} of the path template are the operation's `in: path`
 *     parameters (path-level and operation-level, $refs followed), each
 *     required;
 *   - public operations say `security: []`, the others do not.
 *
 * Every failure message names the route, e.g.
 *   "GET /api/v1/coops/{id}/bases: in routes.c but not in schema/openapi.yaml".
 *
 * The file is $FARMLIVE_OPENAPI, or schema/openapi.yaml relative to the
 * current directory (tests run from the repository root). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "farmlive/shop/core/routes.h"

#define OPENAPI_DEFAULT "schema/openapi.yaml"
#define MAX_OPS 256
#define MAX_PARAMS 16
#define REPORT_MAX 8192

/* One documented operation: a method key under a path item. */
typedef struct doc_op {
    char method[8];    /* upper case */
    const char *path;  /* the path item's key (NUL-terminated by libyaml) */
    yaml_node_t *item; /* the path item mapping */
    yaml_node_t *op;   /* the operation mapping */
} doc_op;

typedef struct spec {
    const char *file;
    yaml_document_t doc;
    int loaded;
    doc_op ops[MAX_OPS];
    size_t nops;
    /* problems found while walking `paths` (duplicates, unknown keys) */
    char walk_report[REPORT_MAX];
    size_t walk_problems;
} spec;

/* A bounded report: problems are appended as lines; past the maximum the
 * text ends in "..." and only the count goes on growing. */
typedef struct report {
    char *buf;
    size_t cap;
    size_t len;
    size_t count;
} report;

static void report_add(report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report_add(report *rep, const char *fmt, ...)
{
    va_list ap;
    int n;

    rep->count++;
    if (rep->len + 5 >= rep->cap)
        return;
    rep->buf[rep->len++] = '\n';
    rep->buf[rep->len++] = ' ';
    rep->buf[rep->len++] = ' ';
    va_start(ap, fmt);
    n = vsnprintf(rep->buf + rep->len, rep->cap - rep->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= rep->cap - rep->len) {
        rep->len = rep->cap - 4;
        memcpy(rep->buf + rep->len, "...", 4);
        return;
    }
    rep->len += (size_t)n;
}

/* Fails the running test, listing every problem, when there was any. */
static void report_check(const report *rep, const char *what, const char *file)
{
    if (rep->count > 0)
        fail_msg("%zu %s (%s):%s", rep->count, what, file, rep->buf);
}

/* ---------------------------------------------------------------- YAML */

static int scalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

static const char *scalar_str(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value under key in a mapping node, or NULL. */
static yaml_node_t *map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *p;

    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        if (scalar_is(yaml_document_get_node(doc, p->key), key))
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* Follows a local "$ref: '#/a/b/c'" (one level or a chain); other nodes are
 * returned as they are. NULL when a reference does not resolve. */
static yaml_node_t *deref(yaml_document_t *doc, yaml_node_t *n)
{
    int hops;

    for (hops = 0; n && hops < 8; hops++) {
        const char *ref = scalar_str(map_get(doc, n, "$ref"));
        yaml_node_t *cur;
        char seg[128];

        if (!ref)
            return n;
        if (strncmp(ref, "#/", 2) != 0)
            return NULL;
        cur = yaml_document_get_root_node(doc);
        ref += 2;
        while (*ref && cur) {
            size_t i = 0;
            while (*ref && *ref != '/' && i + 1 < sizeof(seg)) {
                if (ref[0] == '~' && ref[1] == '1') {
                    seg[i++] = '/';
                    ref += 2;
                } else if (ref[0] == '~' && ref[1] == '0') {
                    seg[i++] = '~';
                    ref += 2;
                } else {
                    seg[i++] = *ref++;
                }
            }
            seg[i] = '\0';
            if (*ref == '/')
                ref++;
            cur = map_get(doc, cur, seg);
        }
        n = cur;
    }
    return n;
}

static int is_http_method(const char *key, char upper[8])
{
    static const char *const methods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
    size_t i, j;

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(key, methods[i]) == 0) {
            for (j = 0; key[j] && j < 7; j++)
                upper[j] = (char)(key[j] - 'a' + 'A');
            upper[j] = '\0';
            return 1;
        }
    }
    return 0;
}

/* Keys a path item may hold besides operations. */
static int is_path_item_field(const char *key)
{
    return strcmp(key, "summary") == 0 || strcmp(key, "description") == 0 || strcmp(key, "servers") == 0 ||
           strcmp(key, "parameters") == 0 || strcmp(key, "$ref") == 0 || strncmp(key, "x-", 2) == 0;
}

/* Collects every operation under `paths`; records duplicate path keys and
 * keys that are neither methods nor path item fields (a misspelt method). */
static void collect_ops(spec *s, yaml_node_t *paths)
{
    report rep = {s->walk_report, sizeof(s->walk_report), 0, 0};
    yaml_node_pair_t *p, *q;

    for (p = paths->data.mapping.pairs.start; p < paths->data.mapping.pairs.top; p++) {
        yaml_node_t *key = yaml_document_get_node(&s->doc, p->key);
        yaml_node_t *item = yaml_document_get_node(&s->doc, p->value);
        const char *path = scalar_str(key);

        if (!path) {
            report_add(&rep, "a key under paths is not a string");
            continue;
        }
        for (q = paths->data.mapping.pairs.start; q < p; q++) {
            if (scalar_is(yaml_document_get_node(&s->doc, q->key), path))
                report_add(&rep, "%s: path listed twice under paths", path);
        }
        if (!item || item->type != YAML_MAPPING_NODE) {
            report_add(&rep, "%s: path item is not a mapping", path);
            continue;
        }
        for (q = item->data.mapping.pairs.start; q < item->data.mapping.pairs.top; q++) {
            const char *k = scalar_str(yaml_document_get_node(&s->doc, q->key));
            char method[8];

            if (!k) {
                report_add(&rep, "%s: a key is not a string", path);
            } else if (is_http_method(k, method)) {
                if (s->nops == MAX_OPS) {
                    report_add(&rep, "more than %d operations: raise MAX_OPS", MAX_OPS);
                    continue;
                }
                memcpy(s->ops[s->nops].method, method, sizeof(method));
                s->ops[s->nops].path = path;
                s->ops[s->nops].item = item;
                s->ops[s->nops].op = yaml_document_get_node(&s->doc, q->value);
                s->nops++;
            } else if (!is_path_item_field(k)) {
                report_add(&rep, "%s: unknown key '%s' (a misspelt method?)", path, k);
            }
        }
    }
    s->walk_problems = rep.count;
}

static int setup_spec(void **state)
{
    spec *s = NULL;
    FILE *f = NULL;
    yaml_parser_t parser;
    yaml_node_t *root, *paths;
    int parser_ready = 0;
    int rc = -1;

    s = calloc(1, sizeof(*s));
    if (!s)
        goto out;
    s->file = getenv("FARMLIVE_OPENAPI");
    if (!s->file || !*s->file)
        s->file = OPENAPI_DEFAULT;
    f = fopen(s->file, "rb");
    if (!f) {
        print_error("cannot open %s (set FARMLIVE_OPENAPI or run from the repository root)\n", s->file);
        goto out;
    }
    if (!yaml_parser_initialize(&parser))
        goto out;
    parser_ready = 1;
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &s->doc)) {
        print_error("%s:%zu:%zu: YAML error: %s %s\n", s->file, parser.problem_mark.line + 1,
                    parser.problem_mark.column + 1, parser.problem ? parser.problem : "",
                    parser.context ? parser.context : "");
        goto out;
    }
    s->loaded = 1;
    root = yaml_document_get_root_node(&s->doc);
    paths = map_get(&s->doc, root, "paths");
    if (!paths || paths->type != YAML_MAPPING_NODE) {
        print_error("%s: no 'paths' mapping at the top level\n", s->file);
        goto out;
    }
    collect_ops(s, paths);
    rc = 0;

out:
    if (parser_ready)
        yaml_parser_delete(&parser);
    if (f)
        fclose(f);
    if (rc != 0 && s) {
        if (s->loaded)
            yaml_document_delete(&s->doc);
        free(s);
        s = NULL;
    }
    *state = s;
    return rc;
}

static int teardown_spec(void **state)
{
    spec *s = *state;

    if (s) {
        if (s->loaded)
            yaml_document_delete(&s->doc);
        free(s);
    }
    return 0;
}

/* ------------------------------------------------------------- lookups */

static const doc_op *find_op(const spec *s, const char *method, const char *path)
{
    size_t i;

    for (i = 0; i < s->nops; i++) {
        if (strcmp(s->ops[i].method, method) == 0 && strcmp(s->ops[i].path, path) == 0)
            return &s->ops[i];
    }
    return NULL;
}

static const shop_route *find_route(const char *method, const char *path)
{
    size_t i;

    for (i = 0; i < shop_routes_count; i++) {
        if (strcmp(shop_routes[i].method, method) == 0 && strcmp(shop_routes[i].pattern, path) == 0)
            return &shop_routes[i];
    }
    return NULL;
}

static const char *role_name(int role)
{
    switch (role) {
    case SHOP_ROLE_PUBLIC:
        return "public";
    case SHOP_ROLE_USER:
    case SHOP_ROLE_USER_DEFERRED: /* how the session is looked up is not the API's business */
        return "user";
    case SHOP_ROLE_COOP_MEMBER:
        return "coop_member";
    case SHOP_ROLE_COOP_ADMIN:
        return "coop_admin";
    case SHOP_ROLE_PLATFORM_ADMIN:
        return "platform_admin";
    }
    return "?";
}

/* ---------------------------------------------------------------- tests */

static void test_every_route_is_documented(void **state)
{
    spec *s = *state;
    char buf[REPORT_MAX];
    report rep = {buf, sizeof(buf), 0, 0};
    size_t i;

    buf[0] = '\0';
    assert_true(shop_routes_count > 0);
    for (i = 0; i < shop_routes_count; i++) {
        const shop_route *rt = &shop_routes[i];
        if (!find_op(s, rt->method, rt->pattern))
            report_add(&rep, "%s %s: in routes.c but not in %s", rt->method, rt->pattern, s->file);
    }
    report_check(&rep, "route(s) missing from the OpenAPI file", s->file);
}

static void test_every_operation_is_a_route(void **state)
{
    spec *s = *state;
    char buf[REPORT_MAX];
    report rep = {buf, sizeof(buf), 0, 0};
    size_t i, j;

    buf[0] = '\0';
    if (s->walk_problems > 0) {
        report_add(&rep, "while reading paths:%s", s->walk_report);
        rep.count += s->walk_problems - 1;
    }
    for (i = 0; i < s->nops; i++) {
        const doc_op *op = &s->ops[i];
        if (!find_route(op->method, op->path))
            report_add(&rep, "%s %s: in %s but not in routes.c", op->method, op->path, s->file);
        for (j = 0; j < i; j++) {
            if (strcmp(s->ops[j].method, op->method) == 0 && strcmp(s->ops[j].path, op->path) == 0)
                report_add(&rep, "%s %s: documented twice", op->method, op->path);
        }
    }
    report_check(&rep, "problem(s) with documented operations", s->file);
}

static void test_roles_match(void **state)
{
    spec *s = *state;
    char buf[REPORT_MAX];
    report rep = {buf, sizeof(buf), 0, 0};
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < shop_routes_count; i++) {
        const shop_route *rt = &shop_routes[i];
        const doc_op *op = find_op(s, rt->method, rt->pattern);
        const char *want = role_name(rt->role);
        const char *got;

        if (!op)
            continue; /* reported by test_every_route_is_documented */
        got = scalar_str(map_get(&s->doc, op->op, "x-farmlive-role"));
        if (!got)
            report_add(&rep, "%s %s: no x-farmlive-role (want %s)", rt->method, rt->pattern, want);
        else if (strcmp(got, want) != 0)
            report_add(&rep, "%s %s: x-farmlive-role is %s, routes.c says %s", rt->method, rt->pattern, got, want);
    }
    report_check(&rep, "operation(s) whose role differs from routes.c", s->file);
}

static void test_request_bodies_match(void **state)
{
    spec *s = *state;
    char buf[REPORT_MAX];
    report rep = {buf, sizeof(buf), 0, 0};
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < shop_routes_count; i++) {
        const shop_route *rt = &shop_routes[i];
        const doc_op *op = find_op(s, rt->method, rt->pattern);
        yaml_node_t *body, *json;

        if (!op)
            continue;
        body = deref(&s->doc, map_get(&s->doc, op->op, "requestBody"));
        json = map_get(&s->doc, map_get(&s->doc, body, "content"), "application/json");
        if (rt->body == SHOP_BODY_JSON_OPT && json && !scalar_is(map_get(&s->doc, body, "required"), "false"))
            report_add(&rep, "%s %s: takes an optional JSON body in routes.c but its requestBody is required",
                       rt->method, rt->pattern);
        else if ((rt->body == SHOP_BODY_JSON || rt->body == SHOP_BODY_JSON_OPT) && !json)
            report_add(&rep,
                       "%s %s: takes JSON in routes.c but has no application/json "
                       "requestBody",
                       rt->method, rt->pattern);
        else if ((rt->body == SHOP_BODY_JSON || rt->body == SHOP_BODY_JSON_OPT) && !map_get(&s->doc, json, "schema"))
            report_add(&rep, "%s %s: requestBody has no schema", rt->method, rt->pattern);
        else if (rt->body == SHOP_BODY_UPLOAD && (!body || json))
            report_add(&rep, "%s %s: takes an upload in routes.c but has no non-JSON requestBody", rt->method,
                       rt->pattern);
        else if (rt->body == SHOP_BODY_NONE && body)
            report_add(&rep, "%s %s: has a requestBody but routes.c takes no body", rt->method, rt->pattern);
    }
    report_check(&rep, "operation(s) whose request body differs from routes.c", s->file);
}

/* Adds the names of the `in: path` parameters of a parameter list to names,
 * and reports any that is not required. */
static void path_params_of(spec *s, yaml_node_t *list, const doc_op *op, const char **names, size_t *n, report *rep)
{
    yaml_node_item_t *it;

    if (!list)
        return;
    if (list->type != YAML_SEQUENCE_NODE) {
        report_add(rep, "%s %s: parameters is not a list", op->method, op->path);
        return;
    }
    for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
        yaml_node_t *param = deref(&s->doc, yaml_document_get_node(&s->doc, *it));
        const char *name;

        if (!param) {
            report_add(rep, "%s %s: a parameter $ref does not resolve", op->method, op->path);
            continue;
        }
        if (!scalar_is(map_get(&s->doc, param, "in"), "path"))
            continue;
        name = scalar_str(map_get(&s->doc, param, "name"));
        if (!name) {
            report_add(rep, "%s %s: a path parameter has no name", op->method, op->path);
            continue;
        }
        if (!scalar_is(map_get(&s->doc, param, "required"), "true"))
            report_add(rep, "%s %s: path parameter %s is not required: true", op->method, op->path, name);
        if (*n < MAX_PARAMS)
            names[(*n)++] = name;
    }
}

static int name_in(const char *name, size_t len, const char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return 1;
    }
    return 0;
}

static void test_path_parameters_declared(void **state)
{
    spec *s = *state;
    char buf[REPORT_MAX];
    report rep = {buf, sizeof(buf), 0, 0};
    size_t i, j;

    buf[0] = '\0';
    for (i = 0; i < s->nops; i++) {
        const doc_op *op = &s->ops[i];
        const char *declared[MAX_PARAMS];
        size_t ndeclared = 0;
        const char *c;

        path_params_of(s, map_get(&s->doc, op->item, "parameters"), op, declared, &ndeclared, &rep);
        path_params_of(s, map_get(&s->doc, op->op, "parameters"), op, declared, &ndeclared, &rep);
        for (c = strchr(op->path, '{'); c; c = strchr(c + 1, '{')) {
            const char *end = strchr(c, '}');
            if (!end)
                break;
            if (!name_in(c + 1, (size_t)(end - c - 1), declared, ndeclared))
                report_add(&rep, "%s %s: {%.*s} has no `in: path` parameter", op->method, op->path, (int)(end - c - 1),
                           c + 1);
        }
        for (j = 0; j < ndeclared; j++) {
            char needle[80];
            snprintf(needle, sizeof(needle), "{%s}", declared[j]);
            if (!strstr(op->path, needle))
                report_add(&rep, "%s %s: path parameter %s is not in the template", op->method, op->path, declared[j]);
        }
    }
    report_check(&rep, "path parameter problem(s)", s->file);
}

static void test_security_matches_role(void **state)
{
    spec *s = *state;
    char buf[REPORT_MAX];
    report rep = {buf, sizeof(buf), 0, 0};
    yaml_node_t *global = map_get(&s->doc, yaml_document_get_root_node(&s->doc), "security");
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < shop_routes_count; i++) {
        const shop_route *rt = &shop_routes[i];
        const doc_op *op = find_op(s, rt->method, rt->pattern);
        yaml_node_t *sec;
        int open;

        if (!op)
            continue;
        sec = map_get(&s->doc, op->op, "security");
        if (!sec)
            sec = global;
        open =
            !sec || (sec->type == YAML_SEQUENCE_NODE && sec->data.sequence.items.top == sec->data.sequence.items.start);
        if (rt->role == SHOP_ROLE_PUBLIC && !open)
            report_add(&rep,
                       "%s %s: public in routes.c but asks for credentials "
                       "(want security: [])",
                       rt->method, rt->pattern);
        else if (rt->role != SHOP_ROLE_PUBLIC && open)
            report_add(&rep, "%s %s: needs %s in routes.c but has no security requirement", rt->method, rt->pattern,
                       role_name(rt->role));
    }
    report_check(&rep, "operation(s) whose security differs from routes.c", s->file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_documented),
        cmocka_unit_test(test_every_operation_is_a_route),
        cmocka_unit_test(test_roles_match),
        cmocka_unit_test(test_request_bodies_match),
        cmocka_unit_test(test_path_parameters_declared),
        cmocka_unit_test(test_security_matches_role),
    };

    return cmocka_run_group_tests_name("shop/openapi", tests, setup_spec, teardown_spec);
}
