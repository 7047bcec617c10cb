/* date.c - RFC 5322 dates (and the variants servers write) to UTC time_t */
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "extract/extract.h"

static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";

/* Zone names seen in Date and DSN date fields, offset in minutes. */
static const struct {
    const char *name;
    int minutes;
} zones[] = {
    {"UT", 0},       {"UTC", 0},      {"GMT", 0},      {"Z", 0},
    {"EST", -300},   {"EDT", -240},   {"CST", -360},   {"CDT", -300},
    {"MST", -420},   {"MDT", -360},   {"PST", -480},   {"PDT", -420},
    {"JST", 540},    {"CET", 60},     {"CEST", 120},   {"BST", 60},
};

/* tok - next token of letters/digits at s[*i], skipping separators (inline:
   a date is a dozen of them) */
static inline bn_str tok(bn_str s, size_t *i)
{
    while (*i < s.n && !bn_is_alnum((unsigned char)s.p[*i]) && s.p[*i] != '+' && s.p[*i] != '-')
        (*i)++;
    size_t st = *i;
    if (*i < s.n && (s.p[*i] == '+' || s.p[*i] == '-'))
        (*i)++;
    while (*i < s.n && bn_is_alnum((unsigned char)s.p[*i]))
        (*i)++;
    return (bn_str){s.p + st, *i - st};
}

/* num - the span as a non-negative number, or -1 */
static long num(bn_str t)
{
    if (!t.n || t.n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (!bn_is_digit((unsigned char)t.p[i]))
            return -1;
        v = v * 10 + (t.p[i] - '0');
    }
    return v;
}

/* month_of - 0..11 for a month name, or -1 */
static int month_of(bn_str t)
{
    if (t.n < 3)
        return -1;
    for (int m = 0; m < 12; m++)
        if (bn_lc((unsigned char)t.p[0]) == months[m * 3] &&
            bn_lc((unsigned char)t.p[1]) == months[m * 3 + 1] &&
            bn_lc((unsigned char)t.p[2]) == months[m * 3 + 2])
            return m;
    return -1;
}

/* zone_of - offset in minutes of a zone token; *ok false if not a zone */
static int zone_of(bn_str t, bool *ok)
{
    *ok = true;
    if (t.n == 5 && (t.p[0] == '+' || t.p[0] == '-')) {
        long v = num((bn_str){t.p + 1, 4});
        if (v >= 0) {
            int m = (int)(v / 100) * 60 + (int)(v % 100);
            return t.p[0] == '-' ? -m : m;
        }
    }
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (bn_str_eq_ci(t, zones[i].name))
            return zones[i].minutes;
    *ok = false;
    return 0;
}

/* parse_time - "HH:MM[:SS]" at s[*i]; false if absent */
static bool parse_time(bn_str s, size_t *i, struct tm *tm)
{
    long v[3] = {0, 0, 0};
    int k = 0;
    while (k < 3) {
        bn_str t = tok(s, i);
        v[k] = num(t);
        if (v[k] < 0 || v[k] > 60)
            return false;
        k++;
        if (*i >= s.n || s.p[*i] != ':')
            break;
    }
    if (k < 2)
        return false;
    tm->tm_hour = (int)v[0];
    tm->tm_min = (int)v[1];
    tm->tm_sec = (int)v[2];
    return true;
}

/* utc_seconds - timegm() of the broken-down time, for the ranges the
   parsers accept (year 1900-2999, day 1-31, hour/minute/second 0-60: the
   excess carries over as timegm's normalisation does): the days-from-civil
   arithmetic, without the library's call (a third of the date parse) */
static time_t utc_seconds(const struct tm *tm)
{
    long y = tm->tm_year + 1900L, m = tm->tm_mon + 1L;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm->tm_mday - 1;
    long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return (time_t)(((days * 24 + tm->tm_hour) * 60 + tm->tm_min) * 60 + tm->tm_sec);
}

/* iso_date - "2026-03-20T10:00:00.000Z" / "+09:00" offsets; 0 if not ISO 8601 */
static time_t iso_date(bn_str s)
{
    s = bn_str_trim(s);
    if (s.n < 19 || s.p[4] != '-' || s.p[7] != '-' || (s.p[10] != 'T' && s.p[10] != ' ') ||
        s.p[13] != ':' || s.p[16] != ':')
        return 0;
    long y = num((bn_str){s.p, 4}), mo = num((bn_str){s.p + 5, 2}), d = num((bn_str){s.p + 8, 2});
    long h = num((bn_str){s.p + 11, 2}), mi = num((bn_str){s.p + 14, 2});
    long se = num((bn_str){s.p + 17, 2});
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || se < 0 || se > 60)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)y - 1900;
    tm.tm_mon = (int)mo - 1;
    tm.tm_mday = (int)d;
    tm.tm_hour = (int)h;
    tm.tm_min = (int)mi;
    tm.tm_sec = (int)se;
    size_t i = 19;
    while (i < s.n && (s.p[i] == '.' || bn_is_digit((unsigned char)s.p[i])))
        i++;
    long off = 0;
    if (i + 6 <= s.n && (s.p[i] == '+' || s.p[i] == '-') && s.p[i + 3] == ':') {
        long oh = num((bn_str){s.p + i + 1, 2}), om = num((bn_str){s.p + i + 4, 2});
        if (oh >= 0 && om >= 0)
            off = (s.p[i] == '-' ? -1 : 1) * (oh * 60 + om);
    }
    time_t t = utc_seconds(&tm);
    return t == (time_t)-1 ? 0 : t - (time_t)off * 60;
}

/* digits - the n digits at p as a number, or -1 when one is not a digit */
static long digits(const char *p, size_t n)
{
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!bn_is_digit((unsigned char)p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* time_fast - "HH:MM:SS" at p (each at most 60, as parse_time takes them) */
static bool time_fast(const char *p, struct tm *tm)
{
    long h = digits(p, 2), m = digits(p + 3, 2), sec = digits(p + 6, 2);
    if (p[2] != ':' || p[5] != ':' || h < 0 || h > 60 || m < 0 || m > 60 || sec < 0 || sec > 60)
        return false;
    tm->tm_hour = (int)h;
    tm->tm_min = (int)m;
    tm->tm_sec = (int)sec;
    return true;
}

/*
 * rfc_date_fast - the form nearly every Date field has, "[Www, ]D[D] Mmm
 * YYYY HH:MM:SS +HHMM" (then the end, or a byte that is no letter or digit),
 * read at fixed places; false for anything else, which the general parse
 * below reads (and would read this form to the same time: the tokens are
 * the same, and a day name is never a month)
 */
static bool rfc_date_fast(bn_str s, time_t *out)
{
    size_t i = 0;
    if (s.n >= 5 && s.p[3] == ',' && s.p[4] == ' ' && month_of((bn_str){s.p, 3}) < 0 &&
        bn_is_alpha((unsigned char)s.p[0]) && bn_is_alpha((unsigned char)s.p[1]) &&
        bn_is_alpha((unsigned char)s.p[2]))
        i = 5;
    size_t dn = i + 1 < s.n && s.p[i + 1] == ' ' ? 1 : 2;
    /* after the day: ' ', month, ' ', year, ' ', time, ' ', zone: 24 bytes */
    if (s.n < i + dn + 24)
        return false;
    const char *p = s.p + i + dn; /* the space after the day */
    long day = digits(s.p + i, dn), year = digits(p + 5, 4);
    int mon = month_of((bn_str){p + 1, 3});
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (day < 1 || day > 31 || mon < 0 || year < 1900 || year >= 3000 || p[0] != ' ' ||
        p[4] != ' ' || p[9] != ' ' || p[18] != ' ' || !time_fast(p + 10, &tm))
        return false;
    long zone = digits(p + 20, 4);
    size_t end = (size_t)(p + 24 - s.p);
    if ((p[19] != '+' && p[19] != '-') || zone < 0 ||
        (end < s.n && bn_is_alnum((unsigned char)s.p[end])))
        return false;
    tm.tm_mday = (int)day;
    tm.tm_mon = mon;
    tm.tm_year = (int)year - 1900;
    int minutes = (int)(zone / 100) * 60 + (int)(zone % 100);
    time_t t = utc_seconds(&tm);
    *out = t == (time_t)-1 ? 0 : t - (time_t)(p[19] == '-' ? -minutes : minutes) * 60;
    return true;
}

/* bn_x_date - parse "[Day,] DD Mon YYYY HH:MM[:SS] zone" (and Mon DD order, ISO 8601) */
time_t bn_x_date(bn_str s)
{
    if (!s.n)
        return 0; /* an absent field is (NULL, 0): no pointer arithmetic on it */
    time_t fast;
    if (rfc_date_fast(s, &fast))
        return fast; /* the token walk costs several times more (every Date is read) */
    time_t iso = iso_date(s);
    if (iso)
        return iso;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    size_t i = 0;
    long day = -1, year = -1;
    int mon = -1, mo;
    for (int guard = 0; guard < 5 && (day < 0 || mon < 0 || year < 0); guard++) {
        bn_str t = tok(s, &i);
        if (!t.n)
            return 0;
        long v = num(t);
        if (v >= 1 && v <= 31 && day < 0)
            day = v;
        else if (v >= 1900 && v < 3000 && day >= 0)
            year = v;
        else if (v >= 0 && v < 100 && day >= 0 && mon >= 0 && t.n == 2 &&
                 (i >= s.n || s.p[i] != ':') && (t.p == s.p || t.p[-1] != ':'))
            year = v < 50 ? 2000 + v : 1900 + v;
        else if (mon < 0 && (mo = month_of(t)) >= 0)
            mon = mo; /* looked up once (it was twice), and only while missing */
    }
    if (day < 0 || mon < 0 || year < 0 || !parse_time(s, &i, &tm))
        return 0;
    tm.tm_mday = (int)day;
    tm.tm_mon = mon;
    tm.tm_year = (int)year - 1900;
    bool ok = false;
    size_t j = i;
    int zone = zone_of(tok(s, &j), &ok);
    time_t t = utc_seconds(&tm);
    if (t == (time_t)-1)
        return 0;
    return t - (time_t)(ok ? zone : 0) * 60;
}
