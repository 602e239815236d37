/* test_trace.c - the rules of a new trace event in src/shop/domain/trace.c
 * (event_check): the kinds, RFC 3339 times with offsets turned into the one
 * UTC form that is stored and hashed, nothing in the future, details an
 * object without decimals, an inspection's results. One table; includes trace.c to reach the static. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/trace.c"

#define NOW 1795132800LL /* 2026-11-20T00:00:00Z */

static void test_event_rules(void **state)
{
    static const struct {
        const char *kind, *at, *details;
        const char *error; /* NULL: accepted; else the start of the message */
        const char *utc;   /* accepted: the form stored and hashed */
    } cases[] = {
        {"raised", "2026-10-01T01:00:00Z", "{\"flock\":\"1200\"}", NULL, "2026-10-01T01:00:00Z"},
        {"sold", "2026-11-20T00:05:00Z", NULL, NULL, "2026-11-20T00:05:00Z"}, /* within the five minutes of slack */
        {"inspected", "2026-11-01T00:00:00Z", "{\"results\":[{\"item\":\"x\",\"result\":\"y\"}]}", NULL,
         "2026-11-01T00:00:00Z"},
        /* offsets, as a phone in China sends them, stored in UTC */
        {"sold", "2026-11-04T08:00:00+08:00", NULL, NULL, "2026-11-04T00:00:00Z"},
        {"sold", "2026-11-04T02:30:00+08:00", NULL, NULL, "2026-11-03T18:30:00Z"}, /* the day before in UTC */
        {"sold", "2026-11-19T19:00:00-05:00", NULL, NULL, "2026-11-20T00:00:00Z"},
        {"sold", "2026-11-20T05:35:00+05:30", NULL, NULL, "2026-11-20T00:05:00Z"},
        {"sold", "2026-11-04T08:00:00+00:00", NULL, NULL, "2026-11-04T08:00:00Z"},
        {"sold", "2026-11-04t08:00:00z", NULL, NULL, "2026-11-04T08:00:00Z"},
        {"sold", "2026-11-04T08:00:00.5Z", NULL, NULL, "2026-11-04T08:00:00Z"}, /* seconds are the unit */
        {"sold", "2026-11-04T16:00:00.123456789+08:00", NULL, NULL, "2026-11-04T08:00:00Z"},
        {"teleported", "2026-11-01T00:00:00Z", NULL, "kind must be one of", NULL},
        {NULL, "2026-11-01T00:00:00Z", NULL, "kind must be one of", NULL},
        {"sold", "2026-11-04 08:00:00+08:00", NULL, "occurred_at must be a real RFC 3339 time", NULL},
        {"sold", "2026-11-04T08:00:00", NULL, "occurred_at must be a real RFC 3339 time", NULL}, /* no zone */
        {"sold", "2026-11-04T08:00:00+0800", NULL, "occurred_at must be a real RFC 3339 time", NULL},
        {"sold", "2026-11-04T08:00:00+24:00", NULL, "occurred_at must be a real RFC 3339 time", NULL},
        {"sold", "2026-11-04T08:00:00+08:60", NULL, "occurred_at must be a real RFC 3339 time", NULL},
        {"sold", "2026-11-31T00:00:00Z", NULL, "occurred_at must be a real RFC 3339 time", NULL},
        {"sold", "2026-11-04T24:00:00Z", NULL, "occurred_at must be a real RFC 3339 time", NULL},
        {"sold", NULL, NULL, "occurred_at must be a real RFC 3339 time", NULL},
        {"sold", "2026-11-20T00:05:01Z", NULL, "occurred_at 2026-11-20T00:05:01Z is in the future", NULL},
        {"sold", "2026-11-20T08:05:01+08:00", NULL, "occurred_at 2026-11-20T08:05:01+08:00 is in the future", NULL},
        {"sold", "2099-01-01T00:00:00Z", NULL, "occurred_at 2099-01-01T00:00:00Z is in the future", NULL},
        {"sold", "2026-11-01T00:00:00Z", "[1]", "details must be an object", NULL},
        {"sold", "2026-11-01T00:00:00Z", "{\"kg\":1.5}", "details may not hold decimal numbers", NULL},
        {"inspected", "2026-11-01T00:00:00Z", NULL, "an inspected event needs details.results", NULL},
        {"inspected", "2026-11-01T00:00:00Z", "{\"results\":[{\"item\":\"x\"}]}",
         "an inspected event needs details.results", NULL},
        {"inspected", "2026-11-01T00:00:00Z", "{\"results\":[]}", "an inspected event needs details.results", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *details = cases[i].details ? json_loads(cases[i].details, JSON_DECODE_ANY, NULL) : NULL;
        shop_trace_event_new in = {
            .kind = cases[i].kind, .occurred_at = cases[i].at, .place = "大城基地", .details = details};
        shop_fault f = {0};
        char utc[FL_TIME_LEN] = "";
        long long at = 0;
        int rc = event_check(&in, NOW, &at, utc, &f);
        if (!cases[i].error ? rc != SHOP_OK || strcmp(utc, cases[i].utc) != 0
                            : rc != SHOP_E_VALIDATION || strncmp(f.msg, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("case %zu: rc %d, '%s', stored '%s', want %s %s", i, rc, f.msg, utc,
                     cases[i].error ? cases[i].error : "accepted", cases[i].utc ? cases[i].utc : "");
        json_decref(details);
    }
}

static void test_event_time(void **state)
{
    shop_trace_event_new in = {.kind = "fed", .occurred_at = "2026-10-01T01:00:00Z", .place = "x"};
    shop_fault f = {0};
    char utc[FL_TIME_LEN];
    long long at = 0;
    (void)state;
    assert_int_equal(event_check(&in, NOW, &at, utc, &f), SHOP_OK);
    assert_int_equal(at, 1790816400LL);
    in.occurred_at = "2026-10-01T09:00:00+08:00";
    assert_int_equal(event_check(&in, NOW, &at, utc, &f), SHOP_OK);
    assert_int_equal(at, 1790816400LL);
    assert_string_equal(utc, "2026-10-01T01:00:00Z");
    in.place = NULL;
    assert_int_equal(event_check(&in, NOW, &at, utc, &f), SHOP_E_VALIDATION);
    assert_string_equal(f.msg, "place is required");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_rules),
        cmocka_unit_test(test_event_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
