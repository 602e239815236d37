/* http.c - what a handler sees of its request (accessors, body fields, the
 * request's connections), its replies, and the one place where errors become
 * HTTP statuses and JSON bodies. The request's lifecycle on libmicrohttpd is
 * server.c's. */
#include "farmlive/shop/core/http.h"
#include "farmlive/log.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

/* -- the error vocabulary, mapped once --------------------------------- */

static const struct {
    int status;
    const char *code;
} err_map[SHOP_E_COUNT] = {
    [0] = {200, "ok"},
    [-SHOP_E_BAD_REQUEST] = {400, "bad_request"},
    [-SHOP_E_BAD_JSON] = {400, "malformed_json"},
    [-SHOP_E_UNAUTHORIZED] = {401, "unauthorized"},
    [-SHOP_E_FORBIDDEN] = {403, "forbidden"},
    [-SHOP_E_CSRF] = {403, "csrf_failed"},
    [-SHOP_E_NOT_FOUND] = {404, "not_found"},
    [-SHOP_E_METHOD] = {405, "method_not_allowed"},
    [-SHOP_E_CONFLICT] = {409, "conflict"},
    [-SHOP_E_TOO_LARGE] = {413, "payload_too_large"},
    [-SHOP_E_MEDIA_TYPE] = {415, "unsupported_media_type"},
    [-SHOP_E_VALIDATION] = {422, "validation_failed"},
    [-SHOP_E_RATE_LIMITED] = {429, "rate_limited"},
    [-SHOP_E_INTERNAL] = {500, "internal"},
    [-SHOP_E_UNAVAILABLE] = {503, "unavailable"},
};

int shop_err_status(int err)
{
    return (err <= 0 && err > -SHOP_E_COUNT) ? err_map[-err].status : 500;
}

const char *shop_err_code(int err)
{
    return (err <= 0 && err > -SHOP_E_COUNT) ? err_map[-err].code : "internal";
}

static int vfail(shop_req *r, int err, const char *code, const char *fmt, va_list ap)
{
    r->err = err;
    r->err_code = code ? code : shop_err_code(err);
    r->err_msg = fl_arena_vprintf(r->arena, fmt, ap);
    return err;
}

int shop_fail(shop_req *r, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, err, NULL, fmt, ap);
    va_end(ap);
    return err;
}

int shop_fail_code(shop_req *r, int err, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, err, code, fmt, ap);
    va_end(ap);
    return err;
}

int shop_fail_fault(shop_req *r, const shop_fault *f)
{
    char secs[12];
    if (f->retry_after_s > 0) {
        snprintf(secs, sizeof(secs), "%d", f->retry_after_s);
        shop_add_header(r, "Retry-After", secs);
    }
    if (f->err == SHOP_E_INTERNAL)
        return shop_fail_code(r, f->err, f->code, "%s (request %s)", f->msg, r->request_id);
    return shop_fail_code(r, f->err, f->code, "%s", f->msg);
}

int shop_fail_db(shop_req *r, int dberr)
{
    shop_fault f;
    shop_fault_db(&f, dberr);
    return shop_fail_fault(r, &f);
}

int shop_fail_kv(shop_req *r)
{
    shop_fault f;
    shop_fault_kv(&f);
    return shop_fail_fault(r, &f);
}

/* -- replies ----------------------------------------------------------- */

static void free_cb(void *p)
{
    free(p);
}

int shop_reply_json(shop_req *r, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!text)
        return shop_fail(r, SHOP_E_INTERNAL, "could not encode the reply");
    fl_arena_defer(r->arena, free_cb, text);
    r->status = status;
    r->resp = text;
    r->resp_len = strlen(text);
    r->resp_type = "application/json; charset=utf-8";
    return SHOP_OK;
}

int shop_reply_outcome(shop_req *r, int rc, int status, json_t *out, const shop_fault *f)
{
    if (rc < 0) {
        json_decref(out);
        return shop_fail_fault(r, f);
    }
    if (status == 204) {
        json_decref(out);
        return shop_reply_empty(r, 204);
    }
    return shop_reply_json(r, status, out);
}

int shop_reply_raw(shop_req *r, int status, const char *type, const char *data, size_t len)
{
    r->status = status;
    r->resp = data;
    r->resp_len = len;
    r->resp_type = type;
    return SHOP_OK;
}

int shop_reply_empty(shop_req *r, int status)
{
    r->status = status;
    r->resp = "";
    r->resp_len = 0;
    r->resp_type = NULL;
    return SHOP_OK;
}

void shop_add_header(shop_req *r, const char *name, const char *value)
{
    /* Set-Cookie may repeat (one per cookie); any other name is replaced */
    for (size_t i = 0; strcasecmp(name, "Set-Cookie") != 0 && i < r->nhdrs; i++) {
        if (strcasecmp(r->hdr_name[i], name) == 0) {
            r->hdr_value[i] = fl_arena_strdup(r->arena, value);
            return;
        }
    }
    if (r->nhdrs == SHOP_MAX_HEADERS) {
        fl_log(FL_LOG_ERROR, "http_headers_full", "dropping header %s", name);
        return;
    }
    r->hdr_name[r->nhdrs] = fl_arena_strdup(r->arena, name);
    r->hdr_value[r->nhdrs] = fl_arena_strdup(r->arena, value);
    r->nhdrs++;
}

/* -- accessors --------------------------------------------------------- */

const char *shop_param(const shop_req *r, size_t i)
{
    return i < r->nparams ? r->params[i] : NULL;
}

int shop_param_id(shop_req *r, size_t i, long long *out)
{
    const char *s = shop_param(r, i);
    char *end = NULL;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || s[0] < '1' || s[0] > '9' || *end != '\0' || errno == ERANGE)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such resource: %s", r->path);
    *out = v;
    return SHOP_OK;
}

const char *shop_query(shop_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

int shop_query_id(shop_req *r, const char *name, long long *id)
{
    const char *v = shop_query(r, name);
    *id = 0;
    if (v && *v && shop_parse_dec(v, 1, LLONG_MAX, id))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "%s must be an id", name);
    return SHOP_OK;
}

int shop_query_page(shop_req *r, size_t nkeys, shop_page *pg)
{
    const char *bad = NULL;
    if (shop_page_parse(shop_query(r, "cursor"), shop_query(r, "limit"), nkeys, pg, &bad) == 0)
        return SHOP_OK;
    if (strcmp(bad, "limit") == 0)
        return shop_fail(r, SHOP_E_BAD_REQUEST, "limit must be 1..%d", SHOP_PAGE_LIMIT_MAX);
    return shop_fail(r, SHOP_E_BAD_REQUEST, "cursor is not valid: pass back a next_cursor");
}

const char *shop_header(shop_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *shop_cookie(shop_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

int shop_db(shop_req *r, fl_db **out)
{
    if (!r->db) {
        int rc = fl_db_acquire(r->ctx->db, &r->db);
        if (rc != FL_DB_OK)
            return shop_fail_db(r, rc);
    }
    *out = r->db;
    return SHOP_OK;
}

int shop_kv(shop_req *r, fl_kv **out)
{
    if (!r->kv && fl_kv_acquire(r->ctx->kv, &r->kv) != FL_KV_OK)
        return shop_fail_kv(r);
    *out = r->kv;
    return SHOP_OK;
}

int shop_body_str(shop_req *r, const char *key, int required, size_t min, size_t max, const char **out)
{
    json_t *v = r->body ? json_object_get(r->body, key) : NULL;
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return shop_fail(r, SHOP_E_VALIDATION, "%s is required", key);
        return SHOP_OK;
    }
    if (!json_is_string(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be a string", key);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s must not contain NUL characters", key);
    long n = shop_utf8_chars(s, strlen(s));
    if (n < 0 || (size_t)n < min || (size_t)n > max)
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be %zu to %zu characters long", key, min, max);
    *out = s;
    return SHOP_OK;
}

int shop_body_image(shop_req *r)
{
    const char *type = shop_header(r, "Content-Type");
    if (!type || !(strncasecmp(type, "image/jpeg", 10) == 0 || strncasecmp(type, "image/png", 9) == 0 ||
                   strncasecmp(type, "image/webp", 10) == 0))
        return shop_fail(r, SHOP_E_MEDIA_TYPE, "Content-Type must be image/jpeg, image/png or image/webp");
    if (r->raw_body_len == 0)
        return shop_fail(r, SHOP_E_BAD_REQUEST, "the body must be the image file");
    return SHOP_OK;
}

int shop_body_int(shop_req *r, const char *key, int required, long long min, long long max, long long *out,
                  int *present)
{
    json_t *v = r->body ? json_object_get(r->body, key) : NULL;
    if (present)
        *present = 0;
    if (!v || json_is_null(v)) {
        if (required)
            return shop_fail(r, SHOP_E_VALIDATION, "%s is required", key);
        return SHOP_OK;
    }
    if (!json_is_integer(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be an integer", key);
    long long x = json_integer_value(v);
    if (x < min || x > max)
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be between %lld and %lld", key, min, max);
    *out = x;
    if (present)
        *present = 1;
    return SHOP_OK;
}

int shop_body_bool(shop_req *r, const char *key, int *out)
{
    json_t *v = r->body ? json_object_get(r->body, key) : NULL;
    *out = -1;
    if (!v || json_is_null(v))
        return SHOP_OK;
    if (!json_is_boolean(v))
        return shop_fail(r, SHOP_E_VALIDATION, "%s must be true or false", key);
    *out = json_is_true(v);
    return SHOP_OK;
}

/* -- the request's connections ---------------------------------------- */

void shop_release_conns(shop_req *r)
{
    fl_db_release(r->db);
    fl_kv_release(r->kv);
    r->db = NULL;
    r->kv = NULL;
}
