/*
 * log_time.c - timestamps of log lines
 *
 * Accepted at the start of a line:
 *   RFC 3164      "Nov 30 07:20:36", "Nov  3 07:20:36", with an optional
 *                 fraction, and the "Nov 30 2026 07:20:36" variant
 *   ISO 8601      "2026-11-30T07:20:36[.frac][Z|+01:00|+0100]" (RFC 5424,
 *                 rsyslog's high-precision format, journald short-iso)
 *   Exim          "2026-11-30 07:20:36[.frac][ +0100]"
 * The civil date becomes days with Howard Hinnant's days_from_civil (exact
 * for every Gregorian year), so no libc time call is made per line.
 */
#include "core/str.h"
#include "logs/logs.h"

/* digits - n decimal digits at p as a number, or -1 */
static int digits(const char *p, size_t avail, size_t n)
{
    int v = 0;
    if (avail < n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!bn_is_digit((unsigned char)p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* bn_log_days - days since 1970-01-01 of a civil date (proleptic Gregorian) */
long bn_log_days(int year, int mon, int day)
{
    long y = (long)year - (mon <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (mon + 9) % 12;
    long doy = (153 * mp + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* month_of - 1..12 for an English three-letter month name, or 0 */
static int month_of(const char *p, size_t n)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (n < 3)
        return 0;
    for (int m = 0; m < 12; m++)
        if (names[3 * m] == p[0] && names[3 * m + 1] == p[1] &&
            names[3 * m + 2] == p[2])
            return m + 1;
    return 0;
}

/* clock_at - "hh:mm:ss" at p; consumed length (8) or 0 */
static size_t clock_at(bn_logtime *t, const char *p, size_t n)
{
    if (n < 8 || p[2] != ':' || p[5] != ':')
        return 0;
    t->hour = digits(p, n, 2);
    t->min = digits(p + 3, n - 3, 2);
    t->sec = digits(p + 6, n - 6, 2);
    if (t->hour < 0 || t->hour > 23 || t->min < 0 || t->min > 59 ||
        t->sec < 0 || t->sec > 60)
        return 0;
    return 8;
}

/* fraction - ".123456" at p: its length (the value is not kept) */
static size_t fraction(const char *p, size_t n)
{
    size_t i = 1;
    if (n < 2 || p[0] != '.' || !bn_is_digit((unsigned char)p[1]))
        return 0;
    while (i < n && i < 12 && bn_is_digit((unsigned char)p[i]))
        i++;
    return i;
}

/* zone - "Z", "+01:00" or "+0100" at p: consumed length, 0 if none */
static size_t zone(bn_logtime *t, const char *p, size_t n)
{
    if (n >= 1 && p[0] == 'Z') {
        t->has_zone = true;
        t->off_min = 0;
        return 1;
    }
    if (n < 5 || (p[0] != '+' && p[0] != '-'))
        return 0;
    int hh = digits(p + 1, n - 1, 2);
    size_t k = (n >= 6 && p[3] == ':') ? 4 : 3;
    int mm = digits(p + k, n - k, 2);
    if (hh < 0 || hh > 18 || mm < 0 || mm > 59)
        return 0;
    t->has_zone = true;
    t->off_min = (p[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    return k + 2;
}

/* valid_date - month and day in range (day against the month's length) */
static bool valid_date(const bn_logtime *t)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return t->mon >= 1 && t->mon <= 12 && t->day >= 1 &&
           t->day <= mdays[t->mon - 1];
}

/* parse_iso - "2026-11-30T07:20:36..." or Exim's "2026-11-30 07:20:36..." */
static size_t parse_iso(bn_logtime *t, const char *p, size_t n)
{
    if (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' '))
        return 0;
    t->year = digits(p, n, 4);
    t->mon = digits(p + 5, n - 5, 2);
    t->day = digits(p + 8, n - 8, 2);
    if (t->year < 1970 || !valid_date(t) || !clock_at(t, p + 11, n - 11))
        return 0;
    size_t i = 19;
    i += fraction(p + i, n - i);
    if (p[10] == 'T') {
        i += zone(t, p + i, n - i);
    } else if (i + 1 < n && p[i] == ' ' && (p[i + 1] == '+' || p[i + 1] == '-')) {
        size_t z = zone(t, p + i + 1, n - i - 1);
        if (z)
            i += 1 + z;
    }
    return i;
}

/* parse_bsd - "Nov 30 07:20:36" (RFC 3164), optionally "Nov 30 2026 07:20:36" */
static size_t parse_bsd(bn_logtime *t, const char *p, size_t n)
{
    if (n < 15 || p[3] != ' ')
        return 0;
    t->mon = month_of(p, n);
    if (!t->mon)
        return 0;
    /* the day is space-padded ("Nov  3") or zero-padded ("Nov 03") */
    t->day = p[4] == ' ' ? digits(p + 5, n - 5, 1) : digits(p + 4, n - 4, 2);
    if (p[6] != ' ' || !valid_date(t))
        return 0;
    size_t i = 7;
    int y = digits(p + i, n - i, 4);
    if (y >= 1970 && n > i + 4 && p[i + 4] == ' ') {
        t->year = y;
        i += 5;
    }
    if (!clock_at(t, p + i, n - i))
        return 0;
    i += 8;
    i += fraction(p + i, n - i);
    return i;
}

/* bn_log_parse_time - a timestamp at the start of s; consumed length or 0 */
size_t bn_log_parse_time(bn_logtime *out, const char *p, size_t n)
{
    bn_logtime t = {0};
    size_t k;
    if (n == 0)
        return 0;
    if (bn_is_digit((unsigned char)p[0]))
        k = parse_iso(&t, p, n);
    else
        k = parse_bsd(&t, p, n);
    if (k)
        *out = t;
    return k;
}
