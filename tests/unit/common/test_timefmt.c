/* test_timefmt.c - src/common/timefmt.c: dates and times, data-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <limits.h>
#include <time.h>

#include "farmlive/timefmt.h"

#define BAD LLONG_MIN /* refused */

static const struct {
    const char *in;
    long long want; /* unix seconds, or BAD */
} TIMES[] = {
    {"1970-01-01T00:00:00Z", 0},
    {"2026-11-20T20:00:00Z", 1795204800},
    {"2026-11-21T04:00:00+08:00", 1795204800}, /* China time: the same instant */
    {"2026-11-20T14:30:00-05:30", 1795204800},
    {"2026-11-20T20:00:00.123Z", 1795204800}, /* the fraction is dropped */
    {"2026-11-20t20:00:00z", 1795204800},
    {"2024-02-29T12:00:00Z", 1709208000}, /* leap day */
    {"2999-12-31T23:59:59Z", 32503679999},
    {"1900-01-01T00:00:00Z", -2208988800},
    {"2023-02-29T12:00:00Z", BAD}, /* no such day */
    {"2026-13-01T00:00:00Z", BAD},
    {"2026-11-20T24:00:00Z", BAD},
    {"2026-11-20T20:60:00Z", BAD},
    {"2026-11-20T20:00:60Z", BAD},
    {"2026-11-20T20:00:00", BAD},      /* no zone */
    {"2026-11-20T20:00:00+8:00", BAD}, /* offset needs two digits */
    {"2026-11-20T20:00:00+08:00x", BAD},
    {"2026-11-20T20:00:00.Z", BAD},
    {"2026-11-20 20:00:00Z", BAD},
    {"2026-11-2T20:00:00Z", BAD},
    {"+026-11-20T20:00:00Z", BAD},
    {"", BAD},
};

static void test_time_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(TIMES) / sizeof(TIMES[0]); i++) {
        long long t = 0;
        int rc = fl_time_parse(TIMES[i].in, &t);
        if (TIMES[i].want == BAD) {
            if (rc != -1)
                fail_msg("'%s' was accepted as %lld", TIMES[i].in, t);
        } else if (rc != 0 || t != TIMES[i].want) {
            fail_msg("'%s': rc %d, %lld, want %lld", TIMES[i].in, rc, t, TIMES[i].want);
        }
    }
    assert_int_equal(fl_time_parse(NULL, &(long long){0}), -1);
}

static void test_dates(void **state)
{
    (void)state;
    long long d = -1;
    assert_int_equal(fl_date_parse("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(fl_date_parse("2026-11-20", &d), 0);
    assert_int_equal(d, 1795204800 / 86400);
    assert_int_equal(fl_date_parse("2000-02-29", NULL), 0);
    assert_int_equal(fl_date_parse("1900-02-29", NULL), -1); /* 1900 was no leap year */
    assert_int_equal(fl_date_parse("1899-12-31", NULL), -1);
    assert_int_equal(fl_date_parse("3000-01-01", NULL), -1);
    assert_int_equal(fl_date_parse("2026-11-20T", NULL), -1);
    assert_int_equal(fl_date_parse("2026/11/20", NULL), -1);
    assert_int_equal(fl_date_parse("2026-1-20", NULL), -1);
    assert_int_equal(fl_date_parse(NULL, NULL), -1);
}

/* Formatting agrees with the C library's gmtime over a spread of instants,
 * and parsing its own output gives the instant back. */
static void test_format_round_trip(void **state)
{
    (void)state;
    for (long long t = -2208988800LL; t < 32503680000LL; t += 86400LL * 397 + 3671) {
        char iso[FL_TIME_LEN], sql[FL_SQLTIME_LEN], date[FL_DATE_LEN], want[32], back[FL_TIME_LEN];
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        fl_time_format(t, iso);
        assert_string_equal(iso, want);
        fl_time_sql(t, sql);
        assert_memory_equal(sql, want, 10);
        assert_int_equal(sql[10], ' ');
        fl_date_format(t, date);
        assert_memory_equal(date, want, 10);
        long long again = 0;
        assert_int_equal(fl_time_parse(iso, &again), 0);
        assert_int_equal(again, t);
        assert_int_equal(fl_time_from_sql(sql, back), 0);
        assert_string_equal(back, iso);
    }
}

static void test_date_start(void **state)
{
    (void)state;
    long long t = 0;
    char sql[FL_SQLTIME_LEN];
    assert_int_equal(fl_date_start("2026-12-06", 8 * 3600, &t), 0); /* China's day starts at 16:00 UTC the day before */
    fl_time_sql(t, sql);
    assert_string_equal(sql, "2026-12-05 16:00:00");
    assert_int_equal(fl_date_start("2026-12-06", 0, &t), 0);
    fl_time_sql(t, sql);
    assert_string_equal(sql, "2026-12-06 00:00:00");
    assert_int_equal(fl_date_start("2026-02-30", 8 * 3600, &t), -1);
    assert_int_equal(fl_date_start("2026-12-6", 8 * 3600, &t), -1);
    assert_int_equal(fl_date_start(NULL, 0, &t), -1);
}

static void test_china_day(void **state)
{
    (void)state;
    long long d = 0, t = 0;
    /* 2026-12-06 23:30 UTC is 07:30 on 2026-12-07 in China: a farmer's "today" */
    assert_int_equal(fl_time_parse("2026-12-06T23:30:00Z", &t), 0);
    assert_int_equal(fl_date_parse("2026-12-07", &d), 0);
    assert_int_equal(fl_china_day(t), d);
    assert_int_equal(fl_time_parse("2026-12-06T15:59:59Z", &t), 0); /* 23:59:59 in China */
    assert_int_equal(fl_china_day(t), d - 1);
    assert_int_equal(fl_china_day(t + 1), d);
    assert_int_equal(fl_china_day(-8 * 3600), 0);
    assert_int_equal(fl_china_day(-8 * 3600 - 1), -1);
}

static void test_from_sql(void **state)
{
    (void)state;
    char out[FL_TIME_LEN];
    assert_int_equal(fl_time_from_sql("2026-11-26 19:00:00.123", out), 0);
    assert_string_equal(out, "2026-11-26T19:00:00Z");
    assert_int_equal(fl_time_from_sql("2026-11-26", out), -1);
    assert_string_equal(out, "");
    assert_int_equal(fl_time_from_sql(NULL, out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse), cmocka_unit_test(test_dates),     cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_date_start), cmocka_unit_test(test_china_day), cmocka_unit_test(test_from_sql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
