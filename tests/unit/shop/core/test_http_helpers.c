/* test_http_helpers.c - the error vocabulary of src/shop/core/http.c and the
 * helpers handlers use without a connection.
 *
 * shop_err_status / shop_err_code are checked for every SHOP_E_* value from
 * one table (the one place errors become HTTP, so a new SHOP_E_* without a
 * row here fails test_every_value_is_mapped). shop_fail*, shop_add_header
 * and shop_param_id run on a shop_req with only an arena, as a handler's
 * would have. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/shop/core/http.h"

static const struct {
    int err;
    int status;
    const char *code;
} want[] = {
    {SHOP_OK, 200, "ok"},
    {SHOP_E_BAD_REQUEST, 400, "bad_request"},
    {SHOP_E_BAD_JSON, 400, "malformed_json"},
    {SHOP_E_UNAUTHORIZED, 401, "unauthorized"},
    {SHOP_E_FORBIDDEN, 403, "forbidden"},
    {SHOP_E_CSRF, 403, "csrf_failed"},
    {SHOP_E_NOT_FOUND, 404, "not_found"},
    {SHOP_E_METHOD, 405, "method_not_allowed"},
    {SHOP_E_CONFLICT, 409, "conflict"},
    {SHOP_E_TOO_LARGE, 413, "payload_too_large"},
    {SHOP_E_MEDIA_TYPE, 415, "unsupported_media_type"},
    {SHOP_E_VALIDATION, 422, "validation_failed"},
    {SHOP_E_RATE_LIMITED, 429, "rate_limited"},
    {SHOP_E_INTERNAL, 500, "internal"},
    {SHOP_E_UNAVAILABLE, 503, "unavailable"},
};
#define NWANT (sizeof(want) / sizeof(want[0]))

/* -- the mapping ------------------------------------------------------------ */

static void test_status_and_code_per_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < NWANT; i++) {
        int st = shop_err_status(want[i].err);
        const char *code = shop_err_code(want[i].err);
        if (st != want[i].status || !code || strcmp(code, want[i].code) != 0)
            fail_msg("error %d: %d %s, want %d %s", want[i].err, st, code ? code : "(null)", want[i].status,
                     want[i].code);
    }
}

/* The table above covers 0 .. -(SHOP_E_COUNT-1), each once. */
static void test_every_value_is_mapped(void **state)
{
    (void)state;
    assert_int_equal(NWANT, SHOP_E_COUNT);
    for (int e = 0; e > -SHOP_E_COUNT; e--) {
        int seen = 0;
        for (size_t i = 0; i < NWANT; i++)
            seen += want[i].err == e;
        if (seen != 1)
            fail_msg("error %d appears %d times in the test table", e, seen);
        /* every value has its own code */
        for (int f = e - 1; f > -SHOP_E_COUNT; f--)
            if (strcmp(shop_err_code(e), shop_err_code(f)) == 0)
                fail_msg("errors %d and %d share the code %s", e, f, shop_err_code(e));
    }
}

/* Values outside the vocabulary are internal errors, never a table read
 * out of bounds (ASan would say). */
static void test_out_of_range(void **state)
{
    (void)state;
    static const int outside[] = {1, 2, 200, 404, -SHOP_E_COUNT, -SHOP_E_COUNT - 1, -100, -1000000, 2147483647};
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        assert_int_equal(shop_err_status(outside[i]), 500);
        assert_string_equal(shop_err_code(outside[i]), "internal");
    }
}

/* -- failures recorded on a request -------------------------------------------- */

static int req_setup(void **state)
{
    shop_req *r = calloc(1, sizeof(*r));
    r->arena = fl_arena_new(0);
    r->method = "GET";
    r->path = "/api/v1/products/x";
    snprintf(r->request_id, sizeof(r->request_id), "%s", "0123456789abcdef0123456789abcdef");
    *state = r;
    return 0;
}

static int req_teardown(void **state)
{
    shop_req *r = *state;
    fl_arena_free(r->arena);
    free(r);
    return 0;
}

static const char *header(const shop_req *r, const char *name)
{
    for (size_t i = 0; i < r->nhdrs; i++)
        if (strcmp(r->hdr_name[i], name) == 0)
            return r->hdr_value[i];
    return NULL;
}

static void test_shop_fail(void **state)
{
    shop_req *r = *state;
    assert_int_equal(shop_fail(r, SHOP_E_VALIDATION, "price_fen must be > %d (got %s)", 0, "-3"), SHOP_E_VALIDATION);
    assert_int_equal(r->err, SHOP_E_VALIDATION);
    assert_string_equal(r->err_code, "validation_failed");
    assert_string_equal(r->err_msg, "price_fen must be > 0 (got -3)");

    assert_int_equal(shop_fail_code(r, SHOP_E_CONFLICT, "sku_taken", "sku %s exists", "A-1"), SHOP_E_CONFLICT);
    assert_int_equal(r->err, SHOP_E_CONFLICT);
    assert_string_equal(r->err_code, "sku_taken");
    assert_string_equal(r->err_msg, "sku A-1 exists");

    /* a NULL code falls back to the default */
    assert_int_equal(shop_fail_code(r, SHOP_E_FORBIDDEN, NULL, "no"), SHOP_E_FORBIDDEN);
    assert_string_equal(r->err_code, "forbidden");
}

static void test_shop_fail_db(void **state)
{
    static const struct {
        int dberr;
        int err;
        const char *code;
        const char *retry_after; /* NULL: no header */
    } rows[] = {
        {FL_DB_EDOWN, SHOP_E_UNAVAILABLE, "database_unavailable", "2"},
        {FL_DB_ETIMEOUT, SHOP_E_UNAVAILABLE, "database_unavailable", "2"},
        {FL_DB_EDEADLOCK, SHOP_E_UNAVAILABLE, "busy", "1"},
        {FL_DB_EDUP, SHOP_E_CONFLICT, "duplicate", NULL},
        {FL_DB_EFK, SHOP_E_VALIDATION, "reference_invalid", NULL},
        {FL_DB_ECHECK, SHOP_E_VALIDATION, "value_out_of_range", NULL},
        {FL_DB_ERR, SHOP_E_INTERNAL, "internal", NULL},
        {-99, SHOP_E_INTERNAL, "internal", NULL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        req_teardown(state);
        req_setup(state);
        shop_req *r = *state;
        int rc = shop_fail_db(r, rows[i].dberr);
        if (rc != rows[i].err || r->err != rows[i].err || strcmp(r->err_code, rows[i].code) != 0)
            fail_msg("db error %d: %d %s, want %d %s", rows[i].dberr, rc, r->err_code, rows[i].err, rows[i].code);
        assert_non_null(r->err_msg);
        const char *ra = header(r, "Retry-After");
        if (rows[i].retry_after)
            assert_string_equal(ra, rows[i].retry_after);
        else
            assert_null(ra);
        if (rows[i].err == SHOP_E_INTERNAL)
            assert_non_null(strstr(r->err_msg, r->request_id)); /* the log line can be found */
    }
}

static void test_shop_fail_kv(void **state)
{
    shop_req *r = *state;
    assert_int_equal(shop_fail_kv(r), SHOP_E_UNAVAILABLE);
    assert_string_equal(r->err_code, "redis_unavailable");
    assert_string_equal(header(r, "Retry-After"), "2");
    assert_int_equal(shop_err_status(r->err), 503);
}

/* A domain function's outcome answered: its fault (Retry-After included), or the
 * record with the status asked for, or nothing for 204. */
static void test_reply_outcome(void **state)
{
    shop_req *r = *state;
    shop_fault f;
    shop_fault_set(&f, SHOP_E_RATE_LIMITED, NULL, "slow down");
    f.retry_after_s = 30;
    assert_int_equal(shop_reply_outcome(r, SHOP_E_RATE_LIMITED, 200, NULL, &f), SHOP_E_RATE_LIMITED);
    assert_string_equal(r->err_code, "rate_limited");
    assert_string_equal(r->err_msg, "slow down");
    assert_string_equal(header(r, "Retry-After"), "30");

    assert_int_equal(shop_reply_outcome(r, SHOP_OK, 201, json_pack("{s:i}", "id", 7), &f), SHOP_OK);
    assert_int_equal(r->status, 201);
    assert_string_equal(r->resp, "{\"id\":7}");

    /* 204 answers without a body, whatever came back */
    assert_int_equal(shop_reply_outcome(r, SHOP_OK, 204, json_object(), &f), SHOP_OK);
    assert_int_equal(r->status, 204);
    assert_int_equal(r->resp_len, 0);
}

/* -- headers --------------------------------------------------------------------- */

static void test_add_header(void **state)
{
    shop_req *r = *state;
    char name[32], value[32];
    snprintf(value, sizeof(value), "%s", "first");
    shop_add_header(r, "X-One", value);
    value[0] = 'F'; /* copied, not borrowed */
    assert_string_equal(header(r, "X-One"), "first");
    /* the same name in another case replaces the value */
    shop_add_header(r, "x-one", "second");
    assert_int_equal(r->nhdrs, 1);
    assert_string_equal(header(r, "X-One"), "second");
    /* bounded: past SHOP_MAX_HEADERS a header is dropped (and logged) */
    for (int i = 0; i < SHOP_MAX_HEADERS + 3; i++) {
        snprintf(name, sizeof(name), "X-H%d", i);
        shop_add_header(r, name, "v");
    }
    assert_int_equal(r->nhdrs, SHOP_MAX_HEADERS);
    snprintf(name, sizeof(name), "X-H%d", SHOP_MAX_HEADERS - 2); /* X-One holds the first place */
    assert_string_equal(r->hdr_name[SHOP_MAX_HEADERS - 1], name);
    /* replacing an existing one still works when full */
    shop_add_header(r, "X-H0", "new");
    assert_string_equal(header(r, "X-H0"), "new");
    assert_int_equal(r->nhdrs, SHOP_MAX_HEADERS);
}

/* -- path parameters --------------------------------------------------------------- */

static void test_param_id(void **state)
{
    static const struct {
        const char *text;
        long long id; /* 0: refused with 404 */
    } rows[] = {
        {"1", 1},   {"42", 42}, {"9223372036854775807", 9223372036854775807LL},
        {"0", 0},   {"-1", 0},  {"+1", 0},
        {"01", 0},  {"1x", 0},  {"x", 0},
        {"", 0},    {"1.0", 0}, {"0x10", 0},
        {" 12", 0}, {"\t7", 0}, {"99999999999999999999", 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        req_teardown(state);
        req_setup(state);
        shop_req *r = *state;
        r->params[0] = rows[i].text;
        r->nparams = 1;
        long long out = -7;
        int rc = shop_param_id(r, 0, &out);
        if (rows[i].id) {
            if (rc != SHOP_OK || out != rows[i].id)
                fail_msg("\"%s\": rc %d, id %lld, want %lld", rows[i].text, rc, out, rows[i].id);
        } else {
            if (rc != SHOP_E_NOT_FOUND || r->err != SHOP_E_NOT_FOUND || out != -7)
                fail_msg("\"%s\": rc %d, id %lld, want a 404", rows[i].text, rc, out);
            assert_non_null(strstr(r->err_msg, r->path));
        }
    }
    /* a missing parameter is a 404 as well */
    shop_req *r = *state;
    long long out = -7;
    assert_null(shop_param(r, 5));
    assert_int_equal(shop_param_id(r, 5, &out), SHOP_E_NOT_FOUND);
    assert_int_equal(out, -7);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's lines whole beside stderr */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_and_code_per_error),
        cmocka_unit_test(test_every_value_is_mapped),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test_setup_teardown(test_shop_fail, req_setup, req_teardown),
        cmocka_unit_test_setup_teardown(test_shop_fail_db, req_setup, req_teardown),
        cmocka_unit_test_setup_teardown(test_shop_fail_kv, req_setup, req_teardown),
        cmocka_unit_test_setup_teardown(test_reply_outcome, req_setup, req_teardown),
        cmocka_unit_test_setup_teardown(test_add_header, req_setup, req_teardown),
        cmocka_unit_test_setup_teardown(test_param_id, req_setup, req_teardown),
    };
    return cmocka_run_group_tests_name("http_helpers", tests, NULL, NULL);
}
