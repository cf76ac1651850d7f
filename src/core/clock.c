/* Calendar time: ISO 8601 times with a UTC offset, and back to a civil date. The
 * conversions are Howard Hinnant's days_from_civil / civil_from_days ("chrono-compatible
 * low-level date algorithms", http://howardhinnant.github.io/date_algorithms.html): exact
 * for the proleptic Gregorian calendar, with no dependence on the host's time zone (the
 * library changes no global state such as TZ). */
#include <stdio.h>
#include <string.h>
#include "domino/model.h"

/* Days from 1970-01-01 to y-m-d. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* n decimal digits at *p, advancing it; -1 if they are not all digits. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9') return -1;
        v = 10 * v + (**p - '0');
    }
    return v;
}

int dm_parse_iso8601(const char *text, int64_t *unix_s, int *offset_min)
{
    const char *p = text;
    int y = digits(&p, 4), mo, d, h, mi, s = 0, offset = 9 * 60;  /* no offset: JST */
    if (y < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 1 || mo > 12 || *p++ != '-' ||
        (d = digits(&p, 2)) < 1 || d > days_in_month(y, mo) || (*p != 'T' && *p != ' '))
        return -1;
    p++;
    if ((h = digits(&p, 2)) < 0 || h > 23 || *p++ != ':' || (mi = digits(&p, 2)) < 0 || mi > 59) return -1;
    if (*p == ':' && (p++, (s = digits(&p, 2)) < 0 || s > 59)) return -1;
    if (*p == 'Z') {
        offset = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh = digits(&p, 2), om = 0;
        if (oh < 0 || oh > 14) return -1;
        if (*p == ':') p++;
        if (*p && ((om = digits(&p, 2)) < 0 || om > 59)) return -1;
        offset = sign * (60 * oh + om);
    }
    if (*p) return -1;
    *unix_s = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - (int64_t)offset * 60;
    *offset_min = offset;
    return 0;
}

void dm_civil_time(int64_t unix_s, int offset_min, int *year, int *month, int *day, int *hour, int *minute,
                   int *second)
{
    int64_t local = unix_s + (int64_t)offset_min * 60;
    int64_t days = (local >= 0 ? local : local - 86399) / 86400, sec = local - days * 86400;
    civil_from_days(days, year, month, day);
    *hour = (int)(sec / 3600);
    *minute = (int)(sec / 60 % 60);
    *second = (int)(sec % 60);
}
