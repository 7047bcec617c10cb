/*
 * policy.c - the list-hygiene policy: settings, classes and the fold
 *
 * The policy is a pure function of an address's history: its events and
 * the manual actions on it, in time order, fold into "suppressed (kind,
 * since, until)" or "deliverable". Ingest and `bounce rebuild` run the
 * same fold, so a rebuilt list equals one built by ingesting the events.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "core/str.h"
#include "store/store.h"

#define DAY (24L * 3600)

static const char *const class_names[BN_CLASS_COUNT] = {
    "ignore", "hard", "complaint", "suspend", "soft",
    "sender", "message", "delivery", "manual"};

/* bn_class_name - "hard", "soft", ... */
const char *bn_class_name(bn_class c)
{
    return (unsigned)c < BN_CLASS_COUNT ? class_names[c] : "ignore";
}

/* bn_class_from_name - parse a class name (case-insensitive) */
int bn_class_from_name(bn_class *out, const char *name, size_t len)
{
    for (unsigned i = 0; i < BN_CLASS_COUNT; i++)
        if (bn_str_eq_ci((bn_str){name, len}, class_names[i])) {
            *out = (bn_class)i;
            return BN_OK;
        }
    return BN_EINVAL;
}

/* bn_class_suppresses - the class can put an address on the list */
bool bn_class_suppresses(bn_class c)
{
    return c == BN_CLASS_HARD || c == BN_CLASS_COMPLAINT ||
           c == BN_CLASS_SUSPEND || c == BN_CLASS_SOFT;
}

/* default_class - the documented class of each reason */
static bn_class default_class(bn_reason r)
{
    switch (r) {
    case BN_REASON_USERUNKNOWN: case BN_REASON_HOSTUNKNOWN:
    case BN_REASON_HASMOVED: case BN_REASON_NOTACCEPT:
    case BN_REASON_SUPPRESSED:
        return BN_CLASS_HARD;
    case BN_REASON_FEEDBACK:
        return BN_CLASS_COMPLAINT;
    case BN_REASON_SUSPEND:
        return BN_CLASS_SUSPEND;
    case BN_REASON_AUTHFAILURE: case BN_REASON_BADREPUTATION:
    case BN_REASON_BLOCKED: case BN_REASON_FAILEDSTARTTLS:
    case BN_REASON_NORELAYING: case BN_REASON_POLICYVIOLATION:
    case BN_REASON_REJECTED: case BN_REASON_REQUIREPTR:
    case BN_REASON_SECURITYERROR: case BN_REASON_SPAMDETECTED:
    case BN_REASON_SYNTAXERROR:
        return BN_CLASS_SENDER;
    case BN_REASON_CONTENTERROR: case BN_REASON_EMAILTOOLARGE:
    case BN_REASON_NOTCOMPLIANTRFC: case BN_REASON_VIRUSDETECTED:
        return BN_CLASS_MESSAGE;
    case BN_REASON_DELIVERED:
        return BN_CLASS_DELIVERY;
    case BN_REASON_VACATION:
        return BN_CLASS_IGNORE;
    default: /* mailboxfull, expired, system/network errors, rate limits,
                filtered, mailererror, and unknown: undefined, onhold */
        return BN_CLASS_SOFT;
    }
}

/* bn_policy_init - the documented defaults */
void bn_policy_init(bn_policy *p)
{
    memset(p, 0, sizeof *p);
    p->version = BN_POLICY_VERSION;
    p->soft_threshold = 3;
    p->soft_window = 15 * DAY;
    p->soft_expiry = 30 * DAY;
    p->suspend_expiry = 90 * DAY;
    p->local_case_sensitive = false;
    for (unsigned r = 0; r < BN_REASON_COUNT; r++)
        p->reason_class[r] = (unsigned char)default_class((bn_reason)r);
}

/* bn_parse_duration - "30d", "12h", "15m", "90s", "2w", "3600" -> seconds */
int bn_parse_duration(long *out, const char *s)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return BN_EINVAL;
    errno = 0;
    long v = strtol(s, &end, 10), mult = 1;
    if (errno || v > 100L * 365 * DAY)
        return BN_EINVAL;
    switch (*end) {
    case '\0': case 's': break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = DAY; break;
    case 'w': mult = 7 * DAY; break;
    default: return BN_EINVAL;
    }
    if (*end && end[1])
        return BN_EINVAL;
    if (v > 100L * 365 * DAY / mult)
        return BN_EINVAL;
    *out = v * mult;
    return BN_OK;
}

/* parse_date - "YYYY-MM-DD" with optional "THH:MM[:SS][Z]" (UTC) */
static int parse_date(time_t *out, const char *s)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    struct tm tm = {0};
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return BN_EINVAL;
    s += n;
    if (*s == 'T' || *s == ' ') {
        int m = 0;
        if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
            return BN_EINVAL;
        s += 1 + m;
        if (*s == ':' && (sscanf(s + 1, "%2d%n", &sec, &m) != 1 || m != 2))
            return BN_EINVAL;
        s += *s == ':' ? 3 : 0;
        s += *s == 'Z';
    }
    if (*s || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        h > 23 || mi > 59 || sec > 60)
        return BN_EINVAL;
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    *out = timegm(&tm);
    struct tm back;
    gmtime_r(out, &back);
    return back.tm_mday == d ? BN_OK : BN_EINVAL; /* 2026-02-30 */
}

/* bn_parse_time - an absolute date, a duration ago ("24h"), or "all" (0) */
int bn_parse_time(time_t *out, const char *s, time_t now)
{
    long ago;
    if (!s || !*s)
        return BN_EINVAL;
    if (strcmp(s, "all") == 0) {
        *out = 0;
        return BN_OK;
    }
    if (strchr(s, '-'))
        return parse_date(out, s);
    if (bn_parse_duration(&ago, s))
        return BN_EINVAL;
    *out = now - ago;
    return BN_OK;
}

/* set_class_of - "reason.NAME = CLASS" */
static int set_class_of(bn_policy *p, const char *reason, const char *value,
                        char *err, size_t errsize)
{
    bn_reason r;
    bn_class c;
    if (bn_reason_from_name(&r, reason, strlen(reason))) {
        snprintf(err, errsize, "unknown reason '%s'", reason);
        return BN_EINVAL;
    }
    if (bn_class_from_name(&c, value, strlen(value)) || c == BN_CLASS_MANUAL) {
        snprintf(err, errsize, "unknown class '%s' for reason.%s (hard, "
                 "complaint, suspend, soft, sender, message, delivery, ignore)",
                 value, reason);
        return BN_EINVAL;
    }
    p->reason_class[r] = (unsigned char)c;
    return BN_OK;
}

/* set_bool - true/false/yes/no/1/0 */
static int set_bool(bool *out, const char *v)
{
    if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
        *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
        *out = false;
    else
        return BN_EINVAL;
    return BN_OK;
}

/* set_number - a duration or count setting */
static int set_number(bn_policy *p, const char *key, const char *value)
{
    long v;
    if (!strcmp(key, "soft_threshold")) {
        char *end;
        errno = 0;
        v = strtol(value, &end, 10);
        if (errno || *end || !isdigit((unsigned char)*value) || v < 1 || v > 1000)
            return BN_EINVAL;
        p->soft_threshold = (unsigned)v;
        return BN_OK;
    }
    if (bn_parse_duration(&v, value) || v <= 0)
        return BN_EINVAL;
    if (!strcmp(key, "soft_window")) p->soft_window = v;
    else if (!strcmp(key, "soft_expiry")) p->soft_expiry = v;
    else p->suspend_expiry = v;
    return BN_OK;
}

/* bn_policy_set - one "key = value" setting */
int bn_policy_set(bn_policy *p, const char *key, const char *value,
                  char *err, size_t errsize)
{
    bool b;
    if (!strncmp(key, "reason.", 7))
        return set_class_of(p, key + 7, value, err, errsize);
    if (!strcmp(key, "soft_threshold") || !strcmp(key, "soft_window") ||
        !strcmp(key, "soft_expiry") || !strcmp(key, "suspend_expiry")) {
        if (set_number(p, key, value) == BN_OK)
            return BN_OK;
        snprintf(err, errsize, "bad value '%s' for %s (a count 1-1000, or a "
                 "duration like 15d, 12h)", value, key);
        return BN_EINVAL;
    }
    if (!strcmp(key, "local_case_sensitive")) {
        if (set_bool(&b, value) == BN_OK) {
            p->local_case_sensitive = b;
            return BN_OK;
        }
        snprintf(err, errsize, "bad value '%s' for %s (true or false)", value, key);
        return BN_EINVAL;
    }
    if (!strcmp(key, "unknown")) {
        int rc = set_class_of(p, "undefined", value, err, errsize);
        return rc ? rc : set_class_of(p, "onhold", value, err, errsize);
    }
    snprintf(err, errsize, "unknown setting '%s'", key);
    return BN_EINVAL;
}

/* split_line - "key = value" into trimmed, NUL-terminated parts */
static int split_line(char *line, char **key, char **value)
{
    char *eq = strchr(line, '='), *e;
    if (!eq)
        return BN_EINVAL;
    *eq = '\0';
    *key = line;
    *value = eq + 1;
    while (**key == ' ' || **key == '\t') (*key)++;
    while (**value == ' ' || **value == '\t') (*value)++;
    for (e = eq; e > *key && isspace((unsigned char)e[-1]); e--) e[-1] = '\0';
    e = *value + strlen(*value);
    for (; e > *value && isspace((unsigned char)e[-1]); e--) e[-1] = '\0';
    return **key ? BN_OK : BN_EINVAL;
}

/* policy_line - one line of a config text; empty and "#" lines skipped */
static int policy_line(bn_policy *p, char *line, const char *where,
                       unsigned lineno, char *err, size_t errsize)
{
    char *key, *value, sub[256];
    while (*line == ' ' || *line == '\t') line++;
    if (*line == '\0' || *line == '#' || *line == '\n' || *line == '\r')
        return BN_OK;
    line[strcspn(line, "\r\n")] = '\0';
    if (split_line(line, &key, &value)) {
        snprintf(err, errsize, "%s:%u: expected 'key = value'", where, lineno);
        return BN_EINVAL;
    }
    if (bn_policy_set(p, key, value, sub, sizeof sub) == BN_OK)
        return BN_OK;
    snprintf(err, errsize, "%s:%u: %s", where, lineno, sub);
    return BN_EINVAL;
}

/* bn_policy_load - read a config file of settings */
int bn_policy_load(bn_policy *p, const char *path, char *err, size_t errsize)
{
    char line[1024];
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errsize, "cannot read policy file %s: %s", path,
                 strerror(errno));
        return BN_EIO;
    }
    int rc = BN_OK;
    while (rc == BN_OK && fgets(line, sizeof line, f))
        rc = policy_line(p, line, path, ++lineno, err, errsize);
    fclose(f);
    return rc;
}

/* bn_policy_parse_text - settings text, as bn_policy_format writes it */
int bn_policy_parse_text(bn_policy *p, const char *text, char *err,
                         size_t errsize)
{
    char line[1024];
    unsigned lineno = 0;
    while (*text) {
        size_t n = strcspn(text, "\n");
        if (n >= sizeof line)
            return BN_EINVAL;
        memcpy(line, text, n);
        line[n] = '\0';
        text += n + (text[n] == '\n');
        if (policy_line(p, line, "stored policy", ++lineno, err, errsize))
            return BN_EINVAL;
    }
    return BN_OK;
}

/* fmt_duration - seconds as "15d" / "12h" / "90s" */
static void fmt_duration(char *buf, size_t size, long v)
{
    if (v % DAY == 0)
        snprintf(buf, size, "%ldd", v / DAY);
    else if (v % 3600 == 0)
        snprintf(buf, size, "%ldh", v / 3600);
    else
        snprintf(buf, size, "%lds", v);
}

/* bn_policy_format - the policy as config text, every setting spelled out */
size_t bn_policy_format(const bn_policy *p, char *buf, size_t size)
{
    char w[32], e[32], s[32];
    size_t n;
    fmt_duration(w, sizeof w, p->soft_window);
    fmt_duration(e, sizeof e, p->soft_expiry);
    fmt_duration(s, sizeof s, p->suspend_expiry);
    n = (size_t)snprintf(buf, size,
                         "soft_threshold = %u\nsoft_window = %s\nsoft_expiry = %s\n"
                         "suspend_expiry = %s\nlocal_case_sensitive = %s\n",
                         p->soft_threshold, w, e, s,
                         p->local_case_sensitive ? "true" : "false");
    for (unsigned r = 0; r < BN_REASON_COUNT; r++)
        n += (size_t)snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0,
                              "reason.%s = %s\n", bn_reason_name((bn_reason)r),
                              bn_class_name((bn_class)p->reason_class[r]));
    return n;
}

/* bn_policy_equal - same settings */
bool bn_policy_equal(const bn_policy *a, const bn_policy *b)
{
    return a->soft_threshold == b->soft_threshold &&
           a->soft_window == b->soft_window &&
           a->soft_expiry == b->soft_expiry &&
           a->suspend_expiry == b->suspend_expiry &&
           a->local_case_sensitive == b->local_case_sensitive &&
           memcmp(a->reason_class, b->reason_class, sizeof a->reason_class) == 0;
}

/* status_is_x21 - enhanced status "X.2.1": mailbox disabled */
static bool status_is_x21(const char *st)
{
    return (st[0] == '4' || st[0] == '5') && strcmp(st + 1, ".2.1") == 0;
}

/* bn_policy_classify - the class of one record under the policy */
bn_class bn_policy_classify(const bn_policy *p, const bn_record *r)
{
    const bn_verdict *v = &r->verdict;
    bn_class c = (unsigned)v->reason < BN_REASON_COUNT
                     ? (bn_class)p->reason_class[v->reason] : BN_CLASS_SOFT;
    if (c == BN_CLASS_COMPLAINT && bn_str_eq_ci(r->feedback_type, "not-spam"))
        return BN_CLASS_IGNORE;
    if (c == BN_CLASS_COMPLAINT && bn_str_eq_ci(r->feedback_type, "auth-failure"))
        return BN_CLASS_SENDER; /* a DMARC/SPF failure report, not a person */
    bool addr_class = c == BN_CLASS_HARD || c == BN_CLASS_SOFT ||
                      c == BN_CLASS_SUSPEND;
    if (addr_class && bn_str_eq_ci(r->dsn_action, "delayed"))
        return BN_CLASS_IGNORE; /* still being retried: not a failure yet */
    if (addr_class && status_is_x21(v->status) &&
        v->reason != BN_REASON_USERUNKNOWN && v->reason != BN_REASON_RATELIMITED)
        return BN_CLASS_SUSPEND; /* disabled; but a mailbox over its receiving
                                    rate (Gmail's X.2.1) is not disabled */
    if (c == BN_CLASS_SOFT && default_class(v->reason) == BN_CLASS_SOFT &&
        (v->fault == BN_FAULT_SENDER || v->fault == BN_FAULT_MESSAGE))
        /* the receiver refused the sender or the message: a rate limit on
           the sender's IP, retries until expiry after reputation, blocklist,
           TLS or content refusals. The address is fine. A policy's own soft
           class for a sender reason stays */
        return v->fault == BN_FAULT_SENDER ? BN_CLASS_SENDER : BN_CLASS_MESSAGE;
    if (c != default_class(v->reason))
        return c; /* the policy's own class for the reason: as set */
    if (c == BN_CLASS_SOFT && v->hardbounce)
        return BN_CLASS_HARD;
    if (c == BN_CLASS_HARD && v->permanence == BN_PERM_TRANSIENT)
        return BN_CLASS_SOFT; /* "450 4.1.1 try again": not proof yet, though
                                 the record keeps the reason's hardbounce */
    return c;
}

/* ---- the fold ---- */

/* fold_expire - a temporary suppression that ended by time t is lifted */
static void fold_expire(bn_fold *f, time_t t)
{
    if (f->suppressed && f->until != 0 && f->until <= t)
        f->suppressed = false;
}

/* fold_set - suppress with kind/since/until from one history item */
static void fold_set(bn_fold *f, const bn_hist_item *it, time_t until,
                     unsigned soft_count)
{
    bool keep_since = f->suppressed;
    f->suppressed = true;
    f->kind = it->cls;
    if (!keep_since)
        f->since = it->time;
    f->until = until;
    f->soft_count = soft_count;
    if (it->cls == BN_CLASS_MANUAL) {
        f->manual_id = it->id;
        f->event_id = 0;
    } else {
        f->event_id = it->id;
        f->manual_id = 0;
    }
    snprintf(f->reason, sizeof f->reason, "%s", it->reason);
}

/* fold_lift - not suppressed any more */
static void fold_lift(bn_fold *f)
{
    f->suppressed = false;
}

/* fold_temporary - suspend or soft: extends, never shortens, never
 * replaces a suppression for good */
static void fold_temporary(bn_fold *f, const bn_hist_item *it, long expiry,
                           unsigned soft_count)
{
    if (f->suppressed && f->until == 0)
        return;
    time_t until = it->time + expiry;
    if (f->suppressed && f->until > until)
        until = f->until;
    fold_set(f, it, until, soft_count);
}

/* soft_window_count - soft items in (t - window, t] since the last reset */
static unsigned soft_window_count(const bn_hist_item *items, size_t i,
                                  size_t *lo, unsigned *cnt, long window)
{
    time_t t = items[i].time;
    (*cnt)++;
    while (*lo <= i && (items[*lo].cls != BN_CLASS_SOFT ||
                        items[*lo].time <= t - window)) {
        if (items[*lo].cls == BN_CLASS_SOFT)
            (*cnt)--;
        (*lo)++;
    }
    return *cnt;
}

/* bn_policy_fold - an address's history (sorted) folded into its state */
void bn_policy_fold(const bn_policy *p, const bn_hist_item *items, size_t n,
                    time_t now, bn_fold *out)
{
    size_t lo = 0;
    unsigned cnt = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const bn_hist_item *it = &items[i];
        fold_expire(out, it->time);
        switch (it->cls) {
        case BN_CLASS_MANUAL:
            if (it->unsuppress)
                fold_lift(out);
            else if (!(out->suppressed && out->until == 0))
                fold_set(out, it, it->until, 0);
            if (it->unsuppress)
                lo = i + 1, cnt = 0;
            break;
        case BN_CLASS_DELIVERY:
            if (out->suppressed && (out->kind == BN_CLASS_SOFT ||
                                    out->kind == BN_CLASS_SUSPEND))
                fold_lift(out);
            lo = i + 1, cnt = 0;
            break;
        case BN_CLASS_HARD: case BN_CLASS_COMPLAINT:
            if (!(out->suppressed && out->until == 0))
                fold_set(out, it, 0, 0);
            break;
        case BN_CLASS_SUSPEND:
            fold_temporary(out, it, p->suspend_expiry, 0);
            break;
        case BN_CLASS_SOFT: {
            unsigned c = soft_window_count(items, i, &lo, &cnt, p->soft_window);
            if (c >= p->soft_threshold)
                fold_temporary(out, it, p->soft_expiry, c);
            break;
        }
        default:
            break;
        }
    }
    fold_expire(out, now);
}
