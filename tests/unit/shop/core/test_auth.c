/* test_auth.c - the pure parts of src/shop/core/auth.c: what counts as a
 * token, which methods need the CSRF header, reading a session from the
 * Lua lookup's three fields, and the caller's identity as domain functions
 * take it. (Lookups in Redis run in the integration suites.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/core/auth.c"

static void test_is_token(void **state)
{
    char t[66];
    (void)state;
    memset(t, 'a', 64);
    t[64] = '\0';
    assert_true(is_token(t));
    t[10] = '9';
    assert_true(is_token(t));
    t[10] = 'A'; /* upper case is not how tokens are made */
    assert_false(is_token(t));
    t[10] = 'g';
    assert_false(is_token(t));
    t[10] = 'a';
    t[63] = '\0'; /* 63 characters */
    assert_false(is_token(t));
    t[63] = 'a';
    t[64] = 'a';
    t[65] = '\0'; /* 65 */
    assert_false(is_token(t));
    assert_false(is_token(""));
}

static void test_safe_methods(void **state)
{
    (void)state;
    assert_true(is_safe_method("GET"));
    assert_true(is_safe_method("HEAD"));
    assert_true(is_safe_method("OPTIONS"));
    assert_false(is_safe_method("POST"));
    assert_false(is_safe_method("PATCH"));
    assert_false(is_safe_method("DELETE"));
    assert_false(is_safe_method("get"));
}

static redisReply str_reply(const char *s)
{
    redisReply r;
    memset(&r, 0, sizeof(r));
    r.type = REDIS_REPLY_STRING;
    r.str = (char *)s;
    r.len = strlen(s);
    return r;
}

static void test_session_from(void **state)
{
    shop_req req;
    redisReply id = str_reply("42"), admin = str_reply("1"), csrf = str_reply("c0ffee"),
               nil = {.type = REDIS_REPLY_NIL};
    redisReply *found[3] = {&id, &admin, &csrf}, *gone[3] = {&nil, &nil, &nil}, *plain[3] = {&id, &nil, &csrf};
    (void)state;
    memset(&req, 0, sizeof(req));
    req.arena = fl_arena_new(0);

    session_from(&req, found, "abc", 1);
    assert_non_null(req.session);
    assert_int_equal(req.session->account_id, 42);
    assert_int_equal(req.session->platform_admin, 1);
    assert_int_equal(req.session->via_cookie, 1);
    assert_string_equal(req.session->token_hash, "abc");
    assert_string_equal(req.session->csrf, "c0ffee");
    assert_int_equal(shop_auth_account(&req), 42);
    assert_int_equal(shop_auth_platform_admin(&req), 1);
    assert_string_equal(shop_auth_session_key(&req), "sess:abc");

    session_from(&req, plain, "abc", 0); /* no platform_admin field: not one */
    assert_non_null(req.session);
    assert_int_equal(req.session->platform_admin, 0);

    session_from(&req, gone, "abc", 0); /* expired or unknown */
    assert_null(req.session);
    assert_int_equal(shop_auth_account(&req), 0);
    assert_int_equal(shop_auth_platform_admin(&req), 0);
    assert_null(shop_auth_session_key(&req));

    fl_arena_free(req.arena);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_token),
        cmocka_unit_test(test_safe_methods),
        cmocka_unit_test(test_session_from),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
