/* timefmt.h - the one parser and formatter of dates and times (timefmt.c).
 *
 * The API speaks RFC 3339 in UTC ("2026-11-20T20:00:00Z") and calendar
 * dates ("2026-11-20"); MariaDB stores DATETIME in UTC ("2026-11-20
 * 20:00:00"). Every conversion between them goes through here. Pure: no
 * I/O, no locale, no time zone but UTC and the offset a value carries. */
#ifndef FARMLIVE_TIMEFMT_H
#define FARMLIVE_TIMEFMT_H

#define FL_DATE_LEN 11      /* "YYYY-MM-DD" + NUL */
#define FL_TIME_LEN 21      /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
#define FL_SQLTIME_LEN 20   /* "YYYY-MM-DD HH:MM:SS" + NUL */
#define FL_TIME_TEXT_MAX 35 /* the longest text fl_time_parse takes: 9 fraction digits and an offset */

/* China keeps one zone, UTC+08:00, without summer time: the shop's days
 * (orders by day, sales per day, "today") and the clock its pages show. */
#define FL_CHINA_UTC_OFFSET_S (8 * 3600)

/* The day of China's calendar at instant unix_s, as days since 1970-01-01
 * (what fl_date_parse gives for that date): a farmer's "today". */
long long fl_china_day(long long unix_s);

/* A calendar date "YYYY-MM-DD" (years 1900..2999, a real day of that
 * month): 0 with *days the days since 1970-01-01 (may be NULL), or -1. */
int fl_date_parse(const char *s, long long *days);

/* The instant calendar date s ("YYYY-MM-DD", as fl_date_parse) begins at
 * the UTC offset offset_s (seconds east of UTC: China's +08:00 is 28800):
 * 0 with *unix_s, or -1. The day ends 86400 s later. */
int fl_date_start(const char *s, long long offset_s, long long *unix_s);

/* An RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS", optional fraction
 * (".123", ignored: seconds are the unit), then "Z" or an offset "+08:00"
 * / "-05:30" (hours <= 23, minutes <= 59); 't' and 'z' accepted as RFC
 * 3339 allows. 0 with *unix_s the instant as seconds since the epoch
 * (UTC), or -1. */
int fl_time_parse(const char *s, long long *unix_s);

/* unix_s as "YYYY-MM-DDTHH:MM:SSZ" / "YYYY-MM-DD HH:MM:SS" /
 * "YYYY-MM-DD" (UTC). */
void fl_time_format(long long unix_s, char out[FL_TIME_LEN]);
void fl_time_sql(long long unix_s, char out[FL_SQLTIME_LEN]);
void fl_date_format(long long unix_s, char out[FL_DATE_LEN]);

/* A MariaDB DATETIME's text ("YYYY-MM-DD HH:MM:SS[.fff]") as RFC 3339
 * UTC into out: 0, or -1 (out then empty) when s is not one. */
int fl_time_from_sql(const char *s, char out[FL_TIME_LEN]);

#endif
