/* test_live.c - the I/O-free parts of src/shop/domain/live.c: the status
 * machine (every op from every status, one table) and the id, key and
 * status checks. (The event feed the sessions publish on is tested in
 * tests/unit/shop/rt/.) Includes live.c to reach its statics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/live.c"

static const struct {
    enum shop_live_op op;
    const char *from;
    int want;
    const char *to, *reason;
} machine[] = {
    /* clang-format off */
    {SHOP_LIVE_PUBLISH,   "created", LIVE_NEXT_CHANGE, "live",    "publish"},
    {SHOP_LIVE_PUBLISH,   "live",    LIVE_NEXT_CHANGE, "live",    "reconnect"}, /* takeover */
    {SHOP_LIVE_PUBLISH,   "idle",    LIVE_NEXT_CHANGE, "live",    "reconnect"},
    {SHOP_LIVE_PUBLISH,   "ended",   LIVE_NEXT_REFUSE, "ended",   NULL},
    {SHOP_LIVE_UNPUBLISH, "created", LIVE_NEXT_SAME,   "created", NULL},
    {SHOP_LIVE_UNPUBLISH, "live",    LIVE_NEXT_CHANGE, "idle",    "unpublish"},
    {SHOP_LIVE_UNPUBLISH, "idle",    LIVE_NEXT_SAME,   "idle",    NULL},
    {SHOP_LIVE_UNPUBLISH, "ended",   LIVE_NEXT_SAME,   "ended",   NULL},
    {SHOP_LIVE_END,       "created", LIVE_NEXT_CHANGE, "ended",   "ended"},
    {SHOP_LIVE_END,       "live",    LIVE_NEXT_CHANGE, "ended",   "ended"},
    {SHOP_LIVE_END,       "idle",    LIVE_NEXT_CHANGE, "ended",   "ended"},
    {SHOP_LIVE_END,       "ended",   LIVE_NEXT_SAME,   "ended",   NULL},
    /* clang-format on */
};

static void test_status_machine(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(machine) / sizeof(machine[0]); i++) {
        const char *to = NULL, *reason = NULL;
        int got = live_next(machine[i].op, machine[i].from, &to, &reason);
        if (got != machine[i].want || strcmp(to, machine[i].to) != 0 ||
            (machine[i].reason ? !reason || strcmp(reason, machine[i].reason) != 0 : reason != NULL))
            fail_msg("row %zu (op %d from %s): got %d -> %s (%s)", i, machine[i].op, machine[i].from, got, to,
                     reason ? reason : "-");
    }
}

static void test_checks(void **state)
{
    (void)state;
    assert_true(is_hex("0123456789abcdef", 16));
    assert_false(is_hex("0123456789ABCDEF", 16)); /* keys and ids are lowercase */
    assert_false(is_hex("0123456789abcde", 16));
    assert_false(is_hex("0123456789abcdef0", 16));
    assert_false(is_hex("0123456789abcdeg", 16));
    assert_false(is_hex("", 16));
    assert_true(shop_live_id_valid("0123456789abcdef"));
    assert_false(shop_live_id_valid(NULL));
    assert_false(shop_live_id_valid("0123456789abcdef0123"));
    assert_true(shop_live_status_valid("created") && shop_live_status_valid("live") && shop_live_status_valid("idle") &&
                shop_live_status_valid("ended"));
    assert_false(shop_live_status_valid("LIVE") || shop_live_status_valid("") || shop_live_status_valid("live "));
}

/* The refusals that need no database: a malformed key is an unknown key
 * (403), a malformed id an unknown session (404); the sweep's entry
 * refuses publish and malformed ids. */
static void test_refusals_before_the_database(void **state)
{
    shop_live_change ch;
    shop_fault f;
    (void)state;
    assert_int_equal(shop_live_change_status(NULL, NULL, SHOP_LIVE_PUBLISH, "not-hex", NULL, &ch, &f),
                     SHOP_E_FORBIDDEN);
    assert_string_equal(f.msg, "unknown stream key");
    assert_int_equal(shop_live_change_status(NULL, NULL, SHOP_LIVE_END, "0123", NULL, &ch, &f), SHOP_E_NOT_FOUND);
    assert_int_equal(shop_live_apply(NULL, NULL, SHOP_LIVE_PUBLISH, "0123456789abcdef", "x", NULL), -1);
    assert_int_equal(shop_live_apply(NULL, NULL, SHOP_LIVE_END, "nope", "x", NULL), -1);
    assert_int_equal(shop_live_find(NULL, NULL, "NOPE", NULL, &f), SHOP_E_NOT_FOUND);
}

/* The key's answer: the push URL joins the server and the key with one
 * slash, whether or not the configured server ends with one. */
static void test_push_url(void **state)
{
    static const char *const servers[] = {"rtmp://live.example.com:1935/live", "rtmp://live.example.com:1935/live/"};
    const char *key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        fl_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        snprintf(cfg.rtmp_public_url, sizeof(cfg.rtmp_public_url), "%s", servers[i]);
        json_t *o = json_object();
        key_json(&cfg, o, key);
        assert_string_equal(json_string_value(json_object_get(o, "push_url")),
                            "rtmp://live.example.com:1935/live/"
                            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        assert_string_equal(json_string_value(json_object_get(o, "stream_key")), key);
        assert_string_equal(json_string_value(json_object_get(o, "rtmp_url")), servers[i]);
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_machine),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_refusals_before_the_database),
        cmocka_unit_test(test_push_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
