/* timefmt.c - dates and times as the API and MariaDB write them (see
 * timefmt.h). Days from civil dates by Howard Hinnant's algorithm, so no
 * timegm/strptime (locale- and TZ-free, and the same on every libc). */
#include "farmlive/timefmt.h"

#include <string.h>

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* days since 1970-01-01 of a valid civil date */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* the date at the start of s (10 characters, no terminator checked) */
static int date_at(const char *s, long long *days)
{
    int y, m, d;
    if (s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
        return -1;
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in(y, m))
        return -1;
    if (days)
        *days = days_from_civil(y, m, d);
    return 0;
}

int fl_date_parse(const char *s, long long *days)
{
    if (!s || strlen(s) != 10)
        return -1;
    return date_at(s, days);
}

int fl_date_start(const char *s, long long offset_s, long long *unix_s)
{
    long long days;
    if (fl_date_parse(s, &days) < 0)
        return -1;
    *unix_s = days * 86400 - offset_s;
    return 0;
}

int fl_time_parse(const char *s, long long *unix_s)
{
    long long days;
    int hh, mi, ss, oh, om;
    size_t n = s ? strlen(s) : 0;
    if (n < 20 || date_at(s, &days) < 0 || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
        digits(s + 11, 2, &hh) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &ss) || hh > 23 || mi > 59 ||
        ss > 59) /* no leap second: MariaDB has none */
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        const char *f = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == f || p - f > 9)
            return -1;
    }
    long long off = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        off = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' && !digits(p + 1, 2, &oh) &&
               !digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
        off = (oh * 60LL + om) * 60 * (*p == '-' ? -1 : 1);
    } else {
        return -1;
    }
    *unix_s = days * 86400 + hh * 3600LL + mi * 60LL + ss - off;
    return 0;
}

static void split(long long t, int *y, int *m, int *d, int *hh, int *mi, int *ss)
{
    long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    long long rem = t - days * 86400;
    civil_from_days(days, y, m, d);
    *hh = (int)(rem / 3600);
    *mi = (int)(rem / 60 % 60);
    *ss = (int)(rem % 60);
}

static void put(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD?HH:MM:SS" into out (19 characters, then NUL) */
static void write_time(long long unix_s, char sep, char *out)
{
    int y, m, d, hh, mi, ss;
    split(unix_s, &y, &m, &d, &hh, &mi, &ss);
    memcpy(out, "0000-00-00 00:00:00", 20);
    put(out, y, 4);
    put(out + 5, m, 2);
    put(out + 8, d, 2);
    out[10] = sep;
    put(out + 11, hh, 2);
    put(out + 14, mi, 2);
    put(out + 17, ss, 2);
}

void fl_time_format(long long unix_s, char out[FL_TIME_LEN])
{
    write_time(unix_s, 'T', out);
    out[19] = 'Z';
    out[20] = '\0';
}

void fl_time_sql(long long unix_s, char out[FL_SQLTIME_LEN])
{
    write_time(unix_s, ' ', out);
}

void fl_date_format(long long unix_s, char out[FL_DATE_LEN])
{
    char t[FL_SQLTIME_LEN];
    write_time(unix_s, ' ', t);
    memcpy(out, t, 10);
    out[10] = '\0';
}

int fl_time_from_sql(const char *s, char out[FL_TIME_LEN])
{
    int hh, mi, ss;
    out[0] = '\0';
    if (!s || strlen(s) < 19 || date_at(s, NULL) < 0 || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
        digits(s + 11, 2, &hh) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &ss))
        return -1;
    memcpy(out, s, 19);
    out[10] = 'T';
    out[19] = 'Z';
    out[20] = '\0';
    return 0;
}

long long fl_china_day(long long unix_s)
{
    long long t = unix_s + FL_CHINA_UTC_OFFSET_S;
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400); /* floor */
}
