/*
 * test_logs.c - the MTA log reader (src/logs/)
 *
 * Data-driven part: tests/logs/{postfix,exim,sendmail}.log are read line by
 * line and every record is compared with the row of <name>.expected.tsv
 * (written from the generator's hand-made scenario table, see
 * tests/logs/gen_samples.py): recipient, addresser, Message-ID, action,
 * status, reply code, command, remote MTA, timestamp, reason, fault,
 * anomaly. "*" in a cell accepts anything; "a|b" accepts either. The last
 * row holds the expected counters.
 * The rest checks the pieces by hand: timestamps and framing of every
 * supported syslog flavour, year inference, the sender map's eviction,
 * chunked feeding, garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounce.h"
#include "core/alloc.h"
#include "core/str.h"
#include "logs/logs.h"

#define NOW_2027 1798848000 /* 2027-01-02T00:00:00Z */

/* ---- helpers ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static bn_log_reader *reader_utc(void)
{
    bn_log_opts o = BN_LOG_OPTS_INIT;
    o.utc_offset = 0;
    o.now = NOW_2027;
    bn_log_reader *r = NULL;
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    return r;
}

/* one_line - records of a single line on a fresh reader state */
static size_t one_line(bn_log_reader *r, const char *line, const bn_record **recs)
{
    size_t n = 0;
    assert_int_equal(bn_log_line(r, line, strlen(line), recs, &n), BN_OK);
    return n;
}

static bool span_is(bn_str s, const char *lit)
{
    return s.n == strlen(lit) && (s.n == 0 || memcmp(s.p, lit, s.n) == 0);
}

/* ---- data-driven samples ---- */

/* cell_ok - an expected cell ("*", "a|b|c", or exact) against a value */
static bool cell_ok(const char *want, const char *got, size_t gotn)
{
    if (strcmp(want, "*") == 0)
        return true;
    const char *p = want;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == gotn && memcmp(p, got, n) == 0)
            return true;
        if (!bar)
            return false;
        p = bar + 1;
    }
}

#define NCOLS 13

/* split_tsv - cut a row into its cells (in place) */
static int split_tsv(char *row, char **cells, int max)
{
    int n = 0;
    cells[n++] = row;
    for (char *p = row; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            cells[n++] = p + 1;
        }
    return n;
}

typedef struct sample_run {
    const char *name;
    char **rows;       /* expected rows (cells joined by NUL) */
    size_t nrows, next;
    int failures;
    char stats[512];
} sample_run;

/* check_record - compare one record with the next expected row */
static void check_record(sample_run *s, size_t lineno, const bn_record *r)
{
    char *c[NCOLS];
    if (s->next >= s->nrows) {
        fprintf(stderr, "%s:%zu: unexpected record for %.*s\n", s->name, lineno,
                (int)r->recipient.n, r->recipient.p);
        s->failures++;
        return;
    }
    char *row = s->rows[s->next++];
    if (split_tsv(row, c, NCOLS) != NCOLS) {
        fprintf(stderr, "%s: bad expected row\n", s->name);
        s->failures++;
        return;
    }
    char num[32], ts[32];
    snprintf(num, sizeof(num), "%d", r->verdict.replycode);
    snprintf(ts, sizeof(ts), "%lld", (long long)r->timestamp);
    const char *rs = bn_reason_name(r->verdict.reason), *fs = bn_fault_name(r->verdict.fault);
    const char *anom = (r->anomalies & BN_ANOM_TRUNCATED) ? "truncated" : "";
    struct {
        const char *name;
        const char *got;
        size_t n;
    } f[NCOLS] = {
        {"line", NULL, 0},
        {"recipient", r->recipient.p, r->recipient.n},
        {"addresser", r->addresser.p, r->addresser.n},
        {"message_id", r->message_id.p, r->message_id.n},
        {"action", r->dsn_action.p, r->dsn_action.n},
        {"status", r->verdict.status, strlen(r->verdict.status)},
        {"replycode", num, strlen(num)},
        {"command", r->command.p, r->command.n},
        {"remote_mta", r->remote_mta.p, r->remote_mta.n},
        {"timestamp", ts, strlen(ts)},
        {"reason", rs, strlen(rs)},
        {"fault", fs, strlen(fs)},
        {"anomaly", anom, strlen(anom)},
    };
    if ((size_t)atol(c[0]) != lineno) {
        fprintf(stderr, "%s:%zu: record expected from line %s\n", s->name, lineno, c[0]);
        s->failures++;
        s->next--; /* resynchronise on the next record */
        return;
    }
    for (int i = 1; i < NCOLS; i++) {
        if (cell_ok(c[i], f[i].got ? f[i].got : "", f[i].n))
            continue;
        fprintf(stderr, "%s:%zu: %s: want '%s', got '%.*s' (rule %s, recipient %s)\n", s->name,
                lineno, f[i].name, c[i], (int)f[i].n, f[i].got ? f[i].got : "",
                r->verdict.rule, c[1]);
        s->failures++;
    }
}

/* load_expected - rows of <name>.expected.tsv and the stats row */
static char *load_expected(sample_run *s, const char *path)
{
    size_t len;
    char *buf = slurp(path, &len);
    assert_non_null(buf);
    s->rows = calloc(len / 8 + 2, sizeof(char *));
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "#stats\t", 7) == 0)
            snprintf(s->stats, sizeof(s->stats), "%s", line + 7);
        else if (line[0] != '#')
            s->rows[s->nrows++] = line;
    }
    return buf;
}

/* stats_text - the counters in the expected row's format */
static void stats_text(const bn_log_stats *st, char *buf, size_t size)
{
    snprintf(buf, size,
             "lines=%llu\trecords=%llu\tbounced=%llu\texpired=%llu\tdeferred=%llu\t"
             "delivered=%llu\tstate=%llu\tother=%llu\tgarbage=%llu\ttruncated=%llu",
             (unsigned long long)st->lines, (unsigned long long)st->records,
             (unsigned long long)st->bounced, (unsigned long long)st->expired,
             (unsigned long long)st->deferred, (unsigned long long)st->delivered,
             (unsigned long long)st->state, (unsigned long long)st->other,
             (unsigned long long)st->garbage, (unsigned long long)st->truncated);
}

static void run_sample(const char *name)
{
    char path[1024];
    size_t len;
    sample_run s = {.name = name};
    snprintf(path, sizeof(path), "%s/tests/logs/%s.expected.tsv", BN_SOURCE_DIR, name);
    char *exp = load_expected(&s, path);
    snprintf(path, sizeof(path), "%s/tests/logs/%s.log", BN_SOURCE_DIR, name);
    char *log = slurp(path, &len);
    assert_non_null(log);
    bn_log_reader *r = reader_utc();
    size_t lineno = 0;
    for (char *p = log, *end = log + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const bn_record *recs;
        size_t count;
        lineno++;
        assert_int_equal(bn_log_line(r, p, n, &recs, &count), BN_OK);
        for (size_t i = 0; i < count; i++)
            check_record(&s, lineno, &recs[i]);
        p += n + 1;
    }
    if (s.next != s.nrows) {
        fprintf(stderr, "%s: %zu expected records not produced\n", name, s.nrows - s.next);
        s.failures++;
    }
    bn_log_stats st;
    char got[512];
    bn_log_stats_get(r, &st);
    stats_text(&st, got, sizeof(got));
    if (strcmp(got, s.stats) != 0) {
        fprintf(stderr, "%s: counters\n  want %s\n  got  %s\n", name, s.stats, got);
        s.failures++;
    }
    bn_log_reader_free(r);
    free(log);
    free(exp);
    free(s.rows);
    assert_int_equal(s.failures, 0);
}

static void test_sample_postfix(void **state) { run_sample("postfix"); }
static void test_sample_exim(void **state) { run_sample("exim"); }
static void test_sample_sendmail(void **state) { run_sample("sendmail"); }

/* ---- timestamps and framing ---- */

static void test_time_formats(void **state)
{
    bn_logtime t;
    assert_int_equal(bn_log_parse_time(&t, "Nov 30 07:20:36 x", 17), 15);
    assert_int_equal(t.mon, 11);
    assert_int_equal(t.day, 30);
    assert_int_equal(t.year, 0);
    assert_int_equal(t.sec, 36);
    assert_int_equal(bn_log_parse_time(&t, "Nov  3 07:20:36 x", 17), 15);
    assert_int_equal(t.day, 3);
    assert_int_equal(bn_log_parse_time(&t, "Nov 30 2026 07:20:36 x", 22), 20);
    assert_int_equal(t.year, 2026);
    assert_int_equal(bn_log_parse_time(&t, "2026-11-30T07:20:36.123456+01:00 x", 34), 32);
    assert_true(t.has_zone);
    assert_int_equal(t.off_min, 60);
    assert_int_equal(bn_log_parse_time(&t, "2026-11-30T07:20:36-0530 x", 26), 24);
    assert_int_equal(t.off_min, -330);
    assert_int_equal(bn_log_parse_time(&t, "2026-11-30T07:20:36Z", 20), 20);
    assert_int_equal(t.off_min, 0);
    assert_int_equal(bn_log_parse_time(&t, "2026-11-30 07:20:36 +0100 x", 27), 25);
    assert_int_equal(t.off_min, 60);
    /* not stamps */
    assert_int_equal(bn_log_parse_time(&t, "Foo 30 07:20:36 x", 17), 0);
    assert_int_equal(bn_log_parse_time(&t, "Feb 30 07:20:36 x", 17), 0);
    assert_int_equal(bn_log_parse_time(&t, "2026-13-01T00:00:00", 19), 0);
    assert_int_equal(bn_log_parse_time(&t, "2026-11-30T24:00:00", 19), 0);
    assert_int_equal(bn_log_parse_time(&t, "Nov 30 07:20", 12), 0);
    /* days_from_civil against known values */
    assert_int_equal(bn_log_days(1970, 1, 1), 0);
    assert_int_equal(bn_log_days(2000, 3, 1), 11017);
    assert_int_equal(bn_log_days(2026, 11, 30), 20787);
}

/* the same delivery in every framing: time, host and program must agree */
static void test_framings(void **state)
{
    static const char *const lines[] = {
        "Nov 30 07:20:36 mx postfix/smtp[99]: ",
        "<22>Nov 30 07:20:36 mx postfix/smtp[99]: ",
        "Nov 30 2026 07:20:36 mx postfix/smtp[99]: ",
        "2026-11-30T07:20:36+00:00 mx postfix/smtp[99]: ",
        "2026-11-30T08:20:36.000123+01:00 mx postfix/smtp[99]: ",
        "2026-11-30T07:20:36+0000 mx postfix/smtp[99]: ",   /* journald short-iso */
        "2026-11-30T02:20:36-0500 mx postfix/smtp[99]: ",
        "<22>1 2026-11-30T07:20:36.5Z mx postfix/smtp 99 - - ",
        "<22>1 2026-11-30T07:20:36Z mx postfix/smtp 99 - [meta x=\"a]b\\]\"] ",
        "<22>1 2026-11-30T07:20:36Z mx postfix/smtp 99 ID47 - \xEF\xBB\xBF",
    };
    const char *body = "4D2B81E0A1: to=<u@Example.ORG>, relay=mx.example.org[192.0.2.1]:25, "
                       "delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host "
                       "mx.example.org[192.0.2.1] said: 550 5.1.1 No such user (in reply to "
                       "RCPT TO command))";
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        char line[1024];
        snprintf(line, sizeof(line), "%s%s", lines[i], body);
        bn_log_reader *r = reader_utc();
        const bn_record *rec;
        size_t n = one_line(r, line, &rec);
        if (n != 1)
            fail_msg("no record from framing %zu: %s", i, lines[i]);
        assert_int_equal(rec->timestamp, 1796023236); /* 2026-11-30T07:20:36Z */
        assert_true(span_is(rec->reporting_mta, "mx"));
        assert_true(span_is(rec->recipient, "u@example.org"));
        assert_true(span_is(rec->remote_mta, "mx.example.org"));
        assert_true(span_is(rec->command, "RCPT"));
        assert_true(span_is(rec->diagnostic, "550 5.1.1 No such user"));
        assert_true(span_is(rec->dsn_action, "failed"));
        assert_string_equal(rec->verdict.status, "5.1.1");
        assert_int_equal(rec->verdict.replycode, 550);
        assert_string_equal(rec->format, "log-postfix");
        bn_log_reader_free(r);
    }
}

/* a host-less syslog line, and Exim's own stamp with a zone and a pid */
static void test_framing_variants(void **state)
{
    bn_log_reader *r = reader_utc();
    const bn_record *rec;
    assert_int_equal(one_line(r, "Nov 30 07:20:36 postfix/smtp[1]: 4D2B81E0A1: to=<a@b.example>, "
                                 "relay=none, delay=1, dsn=4.4.1, status=deferred (connect to "
                                 "b.example[192.0.2.9]:25: Connection refused)", &rec), 1);
    assert_int_equal(rec->reporting_mta.n, 0);
    assert_true(span_is(rec->remote_mta, "b.example"));
    assert_true(span_is(rec->dsn_action, "delayed"));
    assert_int_equal(rec->verdict.permanence, BN_PERM_TRANSIENT);
    assert_false(rec->verdict.hardbounce);
    assert_int_not_equal(rec->verdict.action, BN_ACTION_SUPPRESS);
    assert_int_equal(one_line(r, "2026-11-30 08:20:36 +0100 [4242] 1qABCD-0001xY-AB ** x@y.example: "
                                 "Unrouteable address", &rec), 1);
    assert_int_equal(rec->timestamp, 1796023236);
    assert_true(span_is(rec->recipient, "x@y.example"));
    assert_true(span_is(rec->diagnostic, "Unrouteable address"));
    /* Exim through syslog */
    assert_int_equal(one_line(r, "Nov 30 07:20:36 mx exim[77]: 1qABCD-0001xY-AB == x@y.example "
                                 "R=dnslookup T=remote_smtp defer (111): Connection refused", &rec), 1);
    assert_true(span_is(rec->dsn_action, "delayed"));
    assert_true(span_is(rec->diagnostic, "Connection refused"));
    bn_log_reader_free(r);
}

/* RFC 3164 stamps: year from "now", rollover into the next year */
static void test_year_inference(void **state)
{
    bn_log_opts o = BN_LOG_OPTS_INIT;
    o.utc_offset = 0;
    o.now = NOW_2027; /* 2 January 2027 */
    bn_log_reader *r;
    const bn_record *rec;
    const char *tail = " mx postfix/smtp[1]: 4D2B81E0A1: to=<a@b.example>, relay=none, "
                       "dsn=5.4.4, status=bounced (Host or domain name not found)";
    char line[512];
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    snprintf(line, sizeof(line), "Dec 31 23:59:59%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1798761599); /* 2026-12-31T23:59:59Z */
    snprintf(line, sizeof(line), "Jan  1 00:00:01%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1798761601); /* 2027-01-01T00:00:01Z */
    /* a straggler from the old year after the rollover */
    snprintf(line, sizeof(line), "Dec 31 23:59:58%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1798761598);
    snprintf(line, sizeof(line), "Jan  1 00:00:02%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1798761602);
    bn_log_reader_free(r);

    /* a log of this year's March read in January 2027 is from 2026 */
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    snprintf(line, sizeof(line), "Mar  1 00:00:00%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1772323200); /* 2026-03-01 */
    bn_log_reader_free(r);

    /* read on 30 November 2026: December is last year's, tomorrow is skew */
    o.now = 1796022000; /* 2026-11-30T07:00:00Z */
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    snprintf(line, sizeof(line), "Dec  1 00:00:00%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1796083200); /* 2026-12-01, one day of skew */
    bn_log_reader_free(r);
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    snprintf(line, sizeof(line), "Dec  2 00:00:00%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1764633600); /* 2025-12-02 */
    bn_log_reader_free(r);

    /* read late on 31 December 2026: "Jan  1" is tomorrow's (skew), not
       last January's; "Jan  2" is too far ahead, so last January's */
    o.now = 1798759800; /* 2026-12-31T23:30:00Z */
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    snprintf(line, sizeof(line), "Jan  1 00:10:00%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1798762200); /* 2027-01-01T00:10:00Z */
    bn_log_reader_free(r);
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    snprintf(line, sizeof(line), "Jan  2 00:10:00%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1767312600); /* 2026-01-02T00:10:00Z */
    bn_log_reader_free(r);

    /* an explicit year wins; a fixed offset applies to zone-less stamps */
    o.year = 2024;
    o.utc_offset = 120;
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    snprintf(line, sizeof(line), "Feb 29 02:00:00%s", tail);
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_int_equal(rec->timestamp, 1709164800); /* 2024-02-29T00:00:00Z */
    bn_log_reader_free(r);
}

/* ---- Postfix specifics ---- */

static void test_postfix_sender_map(void **state)
{
    bn_log_reader *r = reader_utc();
    const bn_record *rec;
    const char *to = "Nov 30 07:00:02 mx postfix/smtp[2]: 3F1A2B3C4D: to=<u@x.example>, "
                     "relay=x.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, "
                     "status=sent (250 2.0.0 Ok: queued as 123)";
    assert_int_equal(one_line(r, "Nov 30 07:00:00 mx postfix/cleanup[1]: 3F1A2B3C4D: "
                                 "message-id=<abc@x.example>", &rec), 0);
    assert_int_equal(one_line(r, "Nov 30 07:00:01 mx postfix/qmgr[1]: 3F1A2B3C4D: "
                                 "from=<s@me.example>, size=10, nrcpt=1 (queue active)", &rec), 0);
    assert_int_equal(one_line(r, to, &rec), 1);
    assert_true(span_is(rec->addresser, "s@me.example"));
    assert_true(span_is(rec->message_id, "abc@x.example"));
    assert_int_equal(rec->verdict.reason, BN_REASON_DELIVERED);
    assert_int_equal(rec->verdict.action, BN_ACTION_NONE);
    assert_int_equal(rec->verdict.fault, BN_FAULT_NONE);
    assert_int_equal(one_line(r, "Nov 30 07:00:03 mx postfix/qmgr[1]: 3F1A2B3C4D: removed", &rec), 0);
    assert_int_equal(one_line(r, to, &rec), 1);
    assert_int_equal(rec->addresser.n, 0);
    assert_int_equal(rec->message_id.n, 0);
    /* a multi-instance tag and an orig_to */
    assert_int_equal(one_line(r, "Nov 30 07:00:04 mx postfix-out/qmgr[1]: 5E6F7A8B9C: "
                                 "from=<t@me.example>, size=10, nrcpt=1 (queue active)", &rec), 0);
    assert_int_equal(one_line(r, "Nov 30 07:00:05 mx postfix-out/smtp[2]: 5E6F7A8B9C: "
                                 "to=<v@y.example>, orig_to=<alias@me.example>, relay=none, "
                                 "delay=1, dsn=5.4.4, status=bounced (Host or domain name not "
                                 "found. Name service error for name=y.example type=A: Host "
                                 "not found)", &rec), 1);
    assert_true(span_is(rec->addresser, "t@me.example"));
    assert_true(span_is(rec->original_recipient, "alias@me.example"));
    assert_int_equal(rec->verdict.reason, BN_REASON_HOSTUNKNOWN);
    bn_log_reader_free(r);
}

static void test_postfix_expired(void **state)
{
    bn_log_reader *r = reader_utc();
    const bn_record *rec;
    one_line(r, "Nov 30 07:00:00 mx postfix/qmgr[1]: 3F1A2B3C4D: from=<s@me.example>, size=1, "
                "nrcpt=3 (queue active)", &rec);
#define DEFER_LINE(who)                                                                    \
    "Nov 30 07:00:01 mx postfix/smtp[2]: 3F1A2B3C4D: to=<" who ">, relay=none, delay=1, "       \
    "dsn=4.4.1, status=deferred (connect to x.example[192.0.2.1]:25: Connection refused)"
    const char *lines[] = {DEFER_LINE("a@x.example"), DEFER_LINE("b@x.example"),
                           DEFER_LINE("c@x.example")};
    for (int i = 0; i < 3; i++) {
        const char *line = lines[i];
        assert_int_equal(one_line(r, line, &rec), 1);
    }
    /* b gets through on a later attempt: it must not expire */
    assert_int_equal(one_line(r, "Nov 30 08:00:00 mx postfix/smtp[2]: 3F1A2B3C4D: "
                                 "to=<b@x.example>, relay=x.example[192.0.2.1]:25, delay=9, "
                                 "dsn=2.0.0, status=sent (250 ok)", &rec), 1);
    size_t n = one_line(r, "Dec  5 07:00:00 mx postfix/qmgr[1]: 3F1A2B3C4D: from=<s@me.example>, "
                           "status=expired, returned to sender", &rec);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rec[i].verdict.reason, BN_REASON_EXPIRED);
        assert_true(span_is(rec[i].dsn_action, "failed"));
        assert_string_equal(rec[i].verdict.status, "4.4.1");
        assert_true(span_is(rec[i].addresser, "s@me.example"));
        assert_false(rec[i].verdict.hardbounce);
        /* the server of the deferral, named in its text (relay=none) */
        assert_true(span_is(rec[i].remote_mta, "x.example"));
    }
    assert_true(span_is(rec[0].recipient, "a@x.example") || span_is(rec[1].recipient, "a@x.example"));
    assert_true(span_is(rec[0].recipient, "c@x.example") || span_is(rec[1].recipient, "c@x.example"));
    /* once expired, they are forgotten */
    assert_int_equal(one_line(r, "Dec  5 07:00:01 mx postfix/qmgr[1]: 3F1A2B3C4D: from=<s@me.example>, "
                                 "status=expired, returned to sender", &rec), 0);
    bn_log_reader_free(r);
}

/* a message that leaves the queue (qmgr "removed", or deleted by postsuper)
   takes its deferred recipients along: a later message that reuses the
   queue id and expires names only its own. 40 recipients are more than the
   queue id's mark lists (32), so removal falls back to a scan of the map. */
static void test_postfix_queue_id_reuse(void **state)
{
    static const char *const removals[] = {
        "Nov 30 07:30:00 mx postfix/postsuper[9]: 3F1A2B3C4D: removed",
        "Nov 30 07:30:00 mx postfix/qmgr[1]: 3F1A2B3C4D: removed",
    };
    static const int deferred[] = {1, 2, 40};
    char line[512];
    for (size_t k = 0; k < 2 * 3; k++) {
        bn_log_reader *r = reader_utc();
        const bn_record *rec;
        one_line(r, "Nov 30 07:00:00 mx postfix/qmgr[1]: 3F1A2B3C4D: from=<s@me.example>, "
                    "size=1, nrcpt=40 (queue active)", &rec);
        for (int i = 0; i < deferred[k % 3]; i++) {
            snprintf(line, sizeof line, DEFER_LINE("x%d@x.example"), i);
            assert_int_equal(one_line(r, line, &rec), 1);
            assert_int_equal(one_line(r, line, &rec), 1); /* retried: noted once */
        }
        assert_int_equal(one_line(r, removals[k / 3], &rec), 0);
        one_line(r, "Dec  1 07:00:00 mx postfix/qmgr[1]: 3F1A2B3C4D: from=<t@me.example>, "
                    "size=1, nrcpt=1 (queue active)", &rec);
        assert_int_equal(one_line(r, DEFER_LINE("y@x.example"), &rec), 1);
        assert_int_equal(one_line(r, "Dec  6 07:00:00 mx postfix/qmgr[1]: 3F1A2B3C4D: "
                                     "from=<t@me.example>, status=expired, returned to sender",
                                  &rec), 1);
        assert_true(span_is(rec->recipient, "y@x.example"));
        assert_true(span_is(rec->addresser, "t@me.example"));
        bn_log_reader_free(r);
    }
}

/* local deliveries: the MTA's own words, not a server's reply */
static void test_postfix_local(void **state)
{
    bn_log_reader *r = reader_utc();
    const bn_record *rec;
    assert_int_equal(one_line(r, "Nov 30 07:00:01 mx postfix/local[2]: 3F1A2B3C4D: to=<bob@mx.example>, "
                                 "orig_to=<root>, relay=local, delay=0.1, delays=0/0/0/0.1, "
                                 "dsn=2.0.0, status=sent (delivered to mailbox)", &rec), 1);
    assert_int_equal(rec->verdict.reason, BN_REASON_DELIVERED);
    assert_true(span_is(rec->diagnostic_type, "x-postfix"));
    assert_true(span_is(rec->remote_mta, "local"));
    assert_int_equal(rec->verdict.replycode, 0);
    assert_string_equal(rec->verdict.status, "2.0.0");
    assert_int_equal(one_line(r, "Nov 30 07:00:02 mx postfix/pipe[3]: 3F1A2B3C4D: to=<eve@mx.example>, "
                                 "relay=dovecot, delay=0.1, delays=0/0/0/0.1, dsn=5.2.2, "
                                 "status=bounced (Quota exceeded (mailbox for user is full))", &rec),
                     1);
    assert_int_equal(rec->verdict.reason, BN_REASON_MAILBOXFULL);
    assert_true(span_is(rec->diagnostic, "Quota exceeded (mailbox for user is full)"));
    assert_false(rec->anomalies & BN_ANOM_TRUNCATED);
    /* address verification probes and unknown statuses: no record */
    assert_int_equal(one_line(r, "Nov 30 07:00:03 mx postfix/smtp[3]: 3F1A2B3C4D: to=<x@y.example>, "
                                 "relay=y.example[192.0.2.1]:25, delay=1, dsn=2.1.5, "
                                 "status=deliverable (250 2.1.5 Ok)", &rec), 0);
    /* other Postfix programs and other programs */
    assert_int_equal(one_line(r, "Nov 30 07:00:04 mx postfix/smtpd[4]: NOQUEUE: reject: RCPT from "
                                 "x[192.0.2.9]: 554 5.7.1 <a@b>: Relay access denied; from=<c@d> "
                                 "to=<a@b> proto=ESMTP helo=<x>", &rec), 0);
    assert_int_equal(one_line(r, "Nov 30 07:00:05 mx dovecot: lmtp(eve): to=<eve@mx.example>: "
                                 "status=bounced", &rec), 0);
    bn_log_stats st;
    bn_log_stats_get(r, &st);
    assert_int_equal(st.other, 3);
    assert_int_equal(st.records, 2);
    bn_log_reader_free(r);
}

/* truncated and odd Postfix lines: never a crash, counted */
static void test_postfix_truncated(void **state)
{
    const char *full = "Nov 30 07:00:01 mx postfix/smtp[2]: 3F1A2B3C4D: to=<u@x.example>, "
                       "relay=x.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, "
                       "status=bounced (host x.example[192.0.2.1] said: 550 5.1.1 unknown user "
                       "(in reply to RCPT TO command))";
    size_t len = strlen(full);
    for (size_t cut = 0; cut <= len; cut++) {
        bn_log_reader *r = reader_utc();
        const bn_record *rec;
        size_t n = 99;
        assert_int_equal(bn_log_line(r, full, cut, &rec, &n), BN_OK);
        if (n == 1) {
            /* a record needs the status word whole */
            assert_true(cut >= (size_t)(strstr(full, "bounced") - full) + 7);
            assert_true(span_is(rec->recipient, "u@x.example"));
            if (cut < len)
                assert_true(rec->anomalies & BN_ANOM_TRUNCATED);
            else
                assert_false(rec->anomalies & BN_ANOM_TRUNCATED);
        } else {
            assert_int_equal(n, 0);
        }
        bn_log_reader_free(r);
    }
}

/* ---- Exim and Sendmail specifics ---- */

/* an Exim expiry ("retry timeout exceeded") carries the reply of the
   recipient's last deferral: a reputation refusal makes it the sender's
   fault (the store then never suppresses the address for it), a refused
   connection the network's; delivered or completed recipients never expire
   with an old reply */
static void test_exim_expired(void **state)
{
    bn_log_reader *r = reader_utc();
    const bn_record *rec;
    one_line(r, "2026-11-30 07:00:00 1qABCD-0001xY-AB <= s@me.example H=localhost "
                "[127.0.0.1] P=esmtp S=100 id=m1@me.example", &rec);
    assert_int_equal(one_line(r, "2026-11-30 07:00:01 1qABCD-0001xY-AB == a@gmail.example "
                                 "R=dnslookup T=remote_smtp defer (-44) H=mx.gmail.example "
                                 "[192.0.2.5]: SMTP error from remote mail server after RCPT "
                                 "TO:<a@gmail.example>: 421 4.7.0 Our system has detected an "
                                 "unusual rate of unsolicited mail originating from your IP "
                                 "address", &rec), 1);
    assert_int_equal(one_line(r, "2026-11-30 07:00:02 1qABCD-0001xY-AB == b@x.example "
                                 "R=dnslookup T=remote_smtp defer (111): Connection refused",
                              &rec), 1);
    assert_int_equal(one_line(r, "2026-11-30 07:00:03 1qABCD-0001xY-AB == c@x.example "
                                 "R=dnslookup T=remote_smtp defer (111): Connection refused",
                              &rec), 1);
    assert_int_equal(one_line(r, "2026-11-30 08:00:00 1qABCD-0001xY-AB => c@x.example "
                                 "R=dnslookup T=remote_smtp H=mx.x.example [192.0.2.1] "
                                 "C=\"250 OK\"", &rec), 1);
    assert_int_equal(one_line(r, "2026-12-04 07:00:00 1qABCD-0001xY-AB ** a@gmail.example: "
                                 "retry timeout exceeded", &rec), 1);
    assert_int_equal(rec->verdict.reason, BN_REASON_EXPIRED);
    assert_int_equal(rec->verdict.fault, BN_FAULT_SENDER);
    assert_int_equal(rec->verdict.action, BN_ACTION_FIX_SENDER); /* reasons.tsv's variant */
    assert_int_equal(rec->verdict.replycode, 421);
    assert_non_null(bn_str_find_ci(rec->diagnostic, "unusual rate"));
    assert_true(span_is(rec->remote_mta, "mx.gmail.example")); /* the deferral's H= */
    assert_int_equal(one_line(r, "2026-12-04 07:00:01 1qABCD-0001xY-AB ** b@x.example: "
                                 "retry timeout exceeded", &rec), 1);
    assert_int_equal(rec->verdict.reason, BN_REASON_EXPIRED);
    assert_int_equal(rec->verdict.fault, BN_FAULT_NETWORK);
    assert_int_equal(rec->verdict.action, BN_ACTION_RETRY);
    assert_int_equal(rec->remote_mta.n, 0); /* its deferral named no H= */
    /* c was delivered: an expiry of it (never, but a reused id) has no reply */
    assert_int_equal(one_line(r, "2026-12-04 07:00:02 1qABCD-0001xY-AB ** c@x.example: "
                                 "retry timeout exceeded", &rec), 1);
    assert_null(bn_str_find_ci(rec->diagnostic, "Connection refused"));
    /* taken once: a second expiry line of a has only its own words */
    assert_int_equal(one_line(r, "2026-12-04 07:00:03 1qABCD-0001xY-AB ** a@gmail.example: "
                                 "retry timeout exceeded", &rec), 1);
    assert_int_not_equal(rec->verdict.fault, BN_FAULT_SENDER);
    assert_int_equal(rec->remote_mta.n, 0);
    /* Completed forgets the message's deferrals */
    one_line(r, "2026-12-04 08:00:00 1qABCD-0001xY-AC == d@gmail.example R=dnslookup "
                "T=remote_smtp defer (-44) H=mx.gmail.example [192.0.2.5]: SMTP error from "
                "remote mail server after RCPT TO:<d@gmail.example>: 421 4.7.0 IP reputation",
             &rec);
    one_line(r, "2026-12-04 08:00:01 1qABCD-0001xY-AC Completed", &rec);
    assert_int_equal(one_line(r, "2026-12-04 08:00:02 1qABCD-0001xY-AC ** d@gmail.example: "
                                 "retry timeout exceeded", &rec), 1);
    assert_int_not_equal(rec->verdict.fault, BN_FAULT_SENDER);
    bn_log_reader_free(r);
}

static void test_exim_lines(void **state)
{
    bn_log_reader *r = reader_utc();
    const bn_record *rec;
    assert_int_equal(one_line(r, "2026-11-30 07:00:00 1qABCD-0001xY-AB <= s@me.example "
                                 "H=localhost [127.0.0.1] P=esmtp S=100 id=m1@me.example", &rec), 0);
    assert_int_equal(one_line(r, "2026-11-30 07:00:01 1qABCD-0001xY-AB ** u@Gmail.COM "
                                 "<alias@me.example> R=dnslookup T=remote_smtp H=gmail-smtp-in.l."
                                 "google.com [142.250.102.27] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 "
                                 "CV=yes: SMTP error from remote mail server after pipelined RCPT "
                                 "TO:<u@Gmail.COM>: 550-5.1.1 The email account that you tried to "
                                 "reach does not exist.", &rec), 1);
    assert_true(span_is(rec->recipient, "u@gmail.com"));
    assert_true(span_is(rec->original_recipient, "alias@me.example"));
    assert_true(span_is(rec->addresser, "s@me.example"));
    assert_true(span_is(rec->message_id, "m1@me.example"));
    assert_true(span_is(rec->remote_mta, "gmail-smtp-in.l.google.com"));
    assert_true(span_is(rec->command, "RCPT"));
    assert_int_equal(rec->verdict.replycode, 550);
    assert_string_equal(rec->verdict.status, "5.1.1");
    assert_string_equal(rec->format, "log-exim");
    /* local delivery: the real address is the one in brackets */
    assert_int_equal(one_line(r, "2026-11-30 07:00:02 1qABCD-0001xY-AB => bob <bob@me.example> "
                                 "R=localuser T=local_delivery", &rec), 1);
    assert_true(span_is(rec->recipient, "bob@me.example"));
    assert_int_equal(rec->verdict.reason, BN_REASON_DELIVERED);
    /* no attempt made: no record */
    assert_int_equal(one_line(r, "2026-11-30 07:00:03 1qABCD-0001xY-AB == c@x.example "
                                 "routing defer (-51): retry time not reached", &rec), 0);
    assert_int_equal(one_line(r, "2026-11-30 07:00:04 1qABCD-0001xY-AB Completed", &rec), 0);
    assert_int_equal(one_line(r, "2026-11-30 07:00:05 1qABCD-0001xY-AB ** c@x.example: retry "
                                 "timeout exceeded", &rec), 1);
    assert_int_equal(rec->verdict.reason, BN_REASON_EXPIRED);
    assert_int_equal(rec->addresser.n, 0);
    /* the newer 6-11-4 id */
    assert_int_equal(one_line(r, "2026-11-30 07:00:06 1qABCD-00000001xY-ABCD ** d@x.example "
                                 "R=dnslookup T=remote_smtp H=mx.x.example [192.0.2.1]: SMTP error "
                                 "from remote mail server after end of data: 552 5.3.4 Message "
                                 "size exceeds fixed limit", &rec), 1);
    assert_true(span_is(rec->command, "DATA"));
    assert_int_equal(rec->verdict.reason, BN_REASON_EMAILTOOLARGE);
    /* a quoted local part holds a space: the address is one token, and the
       text after it is still found; a quote that never closes ends at the
       first space as any token does */
    assert_int_equal(one_line(r, "2026-11-30 07:00:07 1qABCD-0001xY-AB ** \"john doe\"@x.example "
                                 "R=dnslookup T=remote_smtp H=mx.x.example [192.0.2.1]: SMTP error "
                                 "from remote mail server after RCPT TO:<\"john doe\"@x.example>: "
                                 "550 5.1.1 User unknown", &rec), 1);
    assert_true(span_is(rec->recipient, "\"john doe\"@x.example"));
    assert_int_equal(rec->verdict.replycode, 550);
    assert_string_equal(rec->verdict.status, "5.1.1");
    assert_int_equal(rec->verdict.reason, BN_REASON_USERUNKNOWN);
    assert_int_equal(one_line(r, "2026-11-30 07:00:08 1qABCD-0001xY-AB ** jo\"hn@x.example "
                                 "R=dnslookup T=remote_smtp H=mx.x.example [192.0.2.1]: SMTP error "
                                 "from remote mail server after RCPT TO:<x@x.example>: "
                                 "550 5.1.1 User unknown", &rec), 1);
    assert_true(span_is(rec->recipient, "jo\"hn@x.example"));
    assert_int_equal(rec->verdict.replycode, 550);
    /* an address made by a redirection: its parent in parentheses, then
       the original address in angle brackets */
    assert_int_equal(one_line(r, "2026-11-30 07:00:09 1qABCD-0001xY-AB ** jd@x.example (jdoe) "
                                 "<jdoe@me.example> R=dnslookup T=remote_smtp H=mx.x.example "
                                 "[192.0.2.1]: SMTP error from remote mail server after RCPT "
                                 "TO:<jd@x.example>: 550 5.1.1 User unknown", &rec), 1);
    assert_true(span_is(rec->recipient, "jd@x.example"));
    assert_true(span_is(rec->original_recipient, "jdoe@me.example"));
    assert_true(span_is(rec->remote_mta, "mx.x.example"));
    assert_int_equal(rec->verdict.replycode, 550);
    /* a pipe delivery: the command has spaces (and an address); the
       recipient is the original address */
    assert_int_equal(one_line(r, "2026-11-30 07:00:10 1qABCD-0001xY-AB => |/usr/bin/autorespond "
                                 "jd@me.example /home/jd/.autorespond (jd@me.example) "
                                 "<jd@me.example> R=virtual_aliases T=address_pipe", &rec), 1);
    assert_true(span_is(rec->recipient, "jd@me.example"));
    assert_int_equal(rec->verdict.reason, BN_REASON_DELIVERED);
    assert_int_equal(one_line(r, "2026-11-30 07:00:11 1qABCD-0001xY-AB ** /var/mail/kim <kim@me.example> "
                                 "R=localuser T=local_file: mailbox is full", &rec), 1);
    assert_true(span_is(rec->recipient, "kim@me.example"));
    assert_true(span_is(rec->diagnostic, "mailbox is full"));
    bn_log_reader_free(r);
}

/* Exim through syslog keeps its own stamp (syslog_timestamp, the default)
   and, with +pid, "[pid]" between the two stamps and the message id */
static void test_exim_syslog_stamp(void **state)
{
    bn_log_reader *r = reader_utc();
    const bn_record *rec;
    assert_int_equal(one_line(r, "Nov 30 07:00:00 mx exim[123]: 2026-11-30 07:00:00 "
                                 "1qABCD-0001xY-AB <= s@me.example H=localhost [127.0.0.1] "
                                 "P=esmtpa S=1234 id=m1@me.example", &rec), 0);
    assert_int_equal(one_line(r, "Nov 30 07:00:01 mx exim[124]: 2026-11-30 07:00:01 [124] "
                                 "1qABCD-0001xY-AB ** bob@x.example R=dnslookup T=remote_smtp "
                                 "H=mx.x.example [192.0.2.2]: SMTP error from remote mail server "
                                 "after RCPT TO:<bob@x.example>: 550 5.1.1 <bob@x.example>: "
                                 "Recipient address rejected: User unknown", &rec), 1);
    assert_true(span_is(rec->recipient, "bob@x.example"));
    assert_true(span_is(rec->addresser, "s@me.example"));
    assert_true(span_is(rec->message_id, "m1@me.example"));
    assert_string_equal(rec->verdict.status, "5.1.1");
    assert_int_equal(rec->timestamp, 1796022001); /* the syslog stamp, 2026-11-30T07:00:01Z */
    /* a text that only starts with digits is left as it is */
    assert_int_equal(one_line(r, "Nov 30 07:00:02 mx exim[125]: 2026 was a year", &rec), 0);
    bn_log_reader_free(r);
}

static void test_sendmail_lines(void **state)
{
    bn_log_reader *r = reader_utc();
    const bn_record *rec;
    assert_int_equal(one_line(r, "Nov 30 07:00:00 mx sendmail[5]: 4AUA0000012345: from=<s@me.example>, "
                                 "size=10, class=0, nrcpts=2, msgid=<m@me.example>, proto=ESMTP, "
                                 "daemon=MTA, relay=localhost [127.0.0.1]", &rec), 0);
    size_t n = one_line(r, "Nov 30 07:00:01 mx sendmail[6]: 4AUA0000012345: to=<a@x.example>,b@X.example, "
                           "ctladdr=<s@me.example> (1000/1000), delay=00:00:01, xdelay=00:00:01, "
                           "mailer=esmtp, pri=120000, relay=mx.x.example. [192.0.2.1], dsn=4.0.0, "
                           "stat=Deferred: 451 4.7.1 Please try again later, greylisted", &rec);
    assert_int_equal(n, 2);
    assert_true(span_is(rec[0].recipient, "a@x.example"));
    assert_true(span_is(rec[1].recipient, "b@x.example"));
    for (size_t i = 0; i < n; i++) {
        assert_true(span_is(rec[i].addresser, "s@me.example"));
        assert_true(span_is(rec[i].message_id, "m@me.example"));
        assert_true(span_is(rec[i].remote_mta, "mx.x.example"));
        assert_true(span_is(rec[i].dsn_action, "delayed"));
        assert_true(span_is(rec[i].diagnostic, "451 4.7.1 Please try again later, greylisted"));
        assert_int_equal(rec[i].verdict.replycode, 451);
    }
    assert_int_equal(one_line(r, "Nov 30 07:00:02 mx sm-mta[6]: 4AUA0000012345: to=<a@x.example>, "
                                 "delay=00:00:01, mailer=esmtp, pri=1, stat=queued", &rec), 0);
    /* the queue lifetime ran out */
    assert_int_equal(one_line(r, "Dec  5 07:00:02 mx sm-mta[6]: 4AUA0000012345: to=<a@x.example>, "
                                 "delay=5+00:00:01, mailer=esmtp, pri=9, relay=mx.x.example., "
                                 "dsn=4.4.7, stat=Deferred: Cannot send message for 5 days", &rec), 1);
    assert_true(span_is(rec->dsn_action, "delayed"));
    assert_int_equal(one_line(r, "Dec  5 07:00:03 mx sm-mta[6]: 4AUA0000012345: to=<a@x.example>, "
                                 "delay=5+00:00:01, mailer=esmtp, pri=9, dsn=4.4.7, "
                                 "stat=Cannot send message for 5 days", &rec), 1);
    assert_int_equal(rec->verdict.reason, BN_REASON_EXPIRED);
    assert_true(span_is(rec->dsn_action, "failed"));
    bn_log_reader_free(r);
}

/* ---- the sender map ---- */

static void test_qmap_eviction(void **state)
{
    bn_qmap m;
    char id[16];
    assert_int_equal(bn_qmap_init(&m, 16, false), BN_OK);
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(id, sizeof(id), "Q%05d", i);
        bn_str s = {id, (size_t)n};
        bn_qmap_put(&m, 'p', s, &s, NULL);
        if (i % 3 == 0)
            bn_qmap_del(&m, 'p', s);
        /* every id of the last 16 insertions is there unless deleted */
        for (int j = i > 15 ? i - 15 : 0; j <= i; j++) {
            int k = snprintf(id, sizeof(id), "Q%05d", j);
            const bn_qentry *e = bn_qmap_get(&m, 'p', (bn_str){id, (size_t)k});
            if (j % 3 == 0) {
                assert_null(e);
            } else {
                assert_non_null(e);
                assert_int_equal(e->slen, k);
                assert_memory_equal(e->sender, id, (size_t)k);
            }
        }
        /* older ones are gone */
        if (i >= 16) {
            int k = snprintf(id, sizeof(id), "Q%05d", i - 16);
            assert_null(bn_qmap_get(&m, 'p', (bn_str){id, (size_t)k}));
        }
    }
    assert_true(m.evicted > 0);
    /* same id in another namespace is another key */
    bn_str a = BN_STR("ABC123");
    bn_qmap_put(&m, 'p', a, &a, NULL);
    assert_null(bn_qmap_get(&m, 'e', a));
    bn_qmap_free(&m);
}

/* a map made with hosts keeps one per entry: cut to BN_QMAP_HOST_MAX,
   replaced by a later one, empty again when the slot goes to another id;
   a map without hosts has none */
static void test_qmap_hosts(void **state)
{
    bn_qmap m, plain;
    char id[16], longhost[400];
    memset(longhost, 'h', sizeof longhost);
    assert_int_equal(bn_qmap_init(&m, 16, true), BN_OK);
    assert_int_equal(bn_qmap_init(&plain, 16, false), BN_OK);
    bn_str a = BN_STR("ABC123");
    bn_qentry *e = bn_qmap_put(&m, 'P', a, &a, NULL);
    assert_non_null(e);
    assert_int_equal(bn_qmap_host(&m, e).n, 0);
    bn_qmap_set_host(&m, e, BN_STR("mx1.example.net"));
    assert_true(span_is(bn_qmap_host(&m, bn_qmap_get(&m, 'P', a)), "mx1.example.net"));
    e = bn_qmap_put(&m, 'P', a, &a, NULL); /* the same id again: the same entry */
    assert_true(span_is(bn_qmap_host(&m, e), "mx1.example.net"));
    bn_qmap_set_host(&m, e, (bn_str){longhost, sizeof longhost});
    assert_int_equal(bn_qmap_host(&m, e).n, BN_QMAP_HOST_MAX);
    bn_qmap_set_host(&m, e, BN_STR(""));
    assert_int_equal(bn_qmap_host(&m, e).n, 0);
    bn_qmap_set_host(&m, e, BN_STR("mx2.example.net"));
    for (int i = 0; i < 16; i++) { /* every slot reused: ABC123 is evicted */
        int n = snprintf(id, sizeof(id), "Q%05d", i);
        bn_str s = {id, (size_t)n};
        e = bn_qmap_put(&m, 'P', s, &s, NULL);
        assert_int_equal(bn_qmap_host(&m, e).n, 0);
    }
    assert_null(bn_qmap_get(&m, 'P', a));
    e = bn_qmap_put(&plain, 'p', a, &a, NULL);
    bn_qmap_set_host(&plain, e, BN_STR("mx1.example.net"));
    assert_int_equal(bn_qmap_host(&plain, e).n, 0);
    assert_null(bn_qmap_put(&plain, 'p', (bn_str){longhost, BN_QMAP_ID_MAX + 1}, &a, NULL));
    bn_qmap_free(&m);
    bn_qmap_free(&plain);
}

/* ---- feeding chunks ---- */

typedef struct collect {
    char buf[1 << 16];
    size_t n;
} collect;

static int collect_cb(const bn_record *recs, size_t count, const char *line, size_t len,
                      void *payload)
{
    collect *c = payload;
    for (size_t i = 0; i < count; i++) {
        int k = snprintf(c->buf + c->n, sizeof(c->buf) - c->n, "%.*s %s %lld\n",
                         (int)recs[i].recipient.n, recs[i].recipient.p,
                         bn_reason_name(recs[i].verdict.reason), (long long)recs[i].timestamp);
        if (k > 0 && (size_t)k < sizeof(c->buf) - c->n)
            c->n += (size_t)k;
    }
    return 0;
}

/* feed_all - feed text in chunks of at most step bytes, like a reader would */
static void feed_all(const char *text, size_t len, size_t step, collect *out, bn_log_stats *st)
{
    bn_log_reader *r = reader_utc();
    char *pending = malloc(len + 1);
    size_t have = 0, pos = 0;
    while (pos < len || have) {
        size_t take = len - pos < step ? len - pos : step;
        memcpy(pending + have, text + pos, take);
        have += take;
        pos += take;
        size_t used;
        assert_int_equal(bn_log_feed(r, pending, have, pos == len, &used, collect_cb, out), BN_OK);
        memmove(pending, pending + used, have - used);
        have -= used;
        if (pos == len)
            assert_int_equal(have, 0);
    }
    bn_log_stats_get(r, st);
    free(pending);
    bn_log_reader_free(r);
}

static void test_feed_chunks(void **state)
{
    char path[1024];
    size_t len;
    snprintf(path, sizeof(path), "%s/tests/logs/postfix.log", BN_SOURCE_DIR);
    char *log = slurp(path, &len);
    assert_non_null(log);
    static collect whole, part;
    bn_log_stats s1, s2;
    whole.n = part.n = 0;
    feed_all(log, len, len, &whole, &s1);
    static const size_t steps[] = {1, 7, 100, 4096};
    for (size_t i = 0; i < 4; i++) {
        part.n = 0;
        feed_all(log, len, steps[i], &part, &s2);
        assert_int_equal(part.n, whole.n);
        assert_memory_equal(part.buf, whole.buf, whole.n);
        assert_int_equal(s1.lines, s2.lines);
        assert_int_equal(s1.records, s2.records);
    }
    assert_true(s1.records > 100);
    free(log);
}

/* CRLF lines, a last line without newline, a line past max_line */
static void test_feed_limits(void **state)
{
    bn_log_opts o = BN_LOG_OPTS_INIT;
    o.utc_offset = 0;
    o.now = NOW_2027;
    o.max_line = 256;
    bn_log_reader *r;
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    const char *ok = "Nov 30 07:00:01 mx postfix/smtp[2]: 3F1A2B3C4D: to=<u@x.example>, relay=none, "
                     "delay=1, dsn=5.4.4, status=bounced (Host or domain name not found)";
    char buf[4096];
    char big[600];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    int n = snprintf(buf, sizeof(buf), "%s\r\n%s\n%s\r\n%s", ok, big, ok, ok);
    static collect c;
    c.n = 0;
    size_t used;
    /* the overlong line arrives in pieces: it is skipped whole */
    assert_int_equal(bn_log_feed(r, buf, 300, false, &used, collect_cb, &c), BN_OK);
    size_t first = used;
    assert_int_equal(bn_log_feed(r, buf + first, 300, false, &used, collect_cb, &c), BN_OK);
    size_t pos = first + used;
    assert_int_equal(bn_log_feed(r, buf + pos, (size_t)n - pos, true, &used, collect_cb, &c), BN_OK);
    assert_int_equal(pos + used, (size_t)n);
    bn_log_stats st;
    bn_log_stats_get(r, &st);
    assert_int_equal(st.records, 3);
    assert_int_equal(st.too_long, 1);
    assert_int_equal(st.lines, 4);
    bn_log_reader_free(r);
}

/* feed_cut - records from text fed in two chunks cut at cut (the second
   with the unconsumed rest, at end of input); *too_long from the stats */
static size_t feed_cut(const char *text, size_t len, size_t cut, size_t max_line, size_t *too_long)
{
    bn_log_opts o = BN_LOG_OPTS_INIT;
    o.utc_offset = 0;
    o.now = NOW_2027;
    o.max_line = max_line;
    bn_log_reader *r;
    assert_int_equal(bn_log_reader_new(&r, &o), BN_OK);
    static collect c;
    c.n = 0;
    size_t used = 0, used2 = 0;
    assert_int_equal(bn_log_feed(r, text, cut, false, &used, collect_cb, &c), BN_OK);
    assert_int_equal(bn_log_feed(r, text + used, len - used, true, &used2, collect_cb, &c), BN_OK);
    assert_int_equal(used + used2, len);
    bn_log_stats st;
    bn_log_stats_get(r, &st);
    *too_long = st.too_long;
    bn_log_reader_free(r);
    return st.records;
}

/* a line of exactly max_line bytes before its CR LF (or a CR at the end)
   is read wherever the chunks are cut, one byte more is too long wherever
   they are cut (fuzz_logline: a chunk ending after the CR made it too long) */
static void test_feed_limit_crlf(void **state)
{
    (void)state;
    const char *ok = "Nov 30 07:00:01 mx postfix/smtp[2]: 3F1A2B3C4D: to=<u@x.example>, relay=none, "
                     "delay=1, dsn=5.4.4, status=bounced (Host or domain name not found)";
    static const char *const ends[] = {"\r\n", "\r", "\n"};
    for (size_t e = 0; e < 3; e++) {
        for (size_t extra = 0; extra < 2; extra++) {
            char buf[512];
            size_t max = strlen(ok) + 20;
            int n = snprintf(buf, sizeof buf, "%s%*s%s", ok, (int)(20 + extra), ")", ends[e]);
            assert_true(n > 0 && (size_t)n == max + extra + strlen(ends[e]));
            for (size_t cut = 0; cut <= (size_t)n; cut++) {
                size_t too_long;
                size_t recs = feed_cut(buf, (size_t)n, cut, max, &too_long);
                if (recs != 1 - extra || too_long != extra)
                    fail_msg("end %zu, %zu over, cut %zu: %zu records, %zu too long", e, extra,
                             cut, recs, too_long);
            }
        }
    }
}

/* garbage: random bytes and mangled lines never crash, never yield records
   without a recipient */
static void test_garbage(void **state)
{
    bn_log_reader *r = reader_utc();
    unsigned seed = 12345;
    char line[300];
    const char *seeds[] = {
        "Nov 30 07:00:01 mx postfix/smtp[2]: 3F1A2B3C4D: to=<",
        "Nov 30 07:00:01 mx postfix/qmgr[2]: 3F1A2B3C4D: from=<x>, status=expired",
        "2026-11-30 07:00:00 1qABCD-0001xY-AB ** ",
        "2026-11-30 07:00:00 1qABCD-0001xY-AB => <",
        "Nov 30 07:00:01 mx sendmail[2]: 4AUA0000012345: to=,,,, stat=",
        "<13>1 - - - - - -",
        "<999>",
        "",
    };
    for (int i = 0; i < 20000; i++) {
        const char *s = seeds[i % 8];
        size_t n = strlen(s);
        memcpy(line, s, n);
        size_t extra = (size_t)(seed % 60);
        for (size_t k = 0; k < extra && n < sizeof(line); k++) {
            seed = seed * 1103515245u + 12345u;
            line[n++] = (char)(seed >> 16);
        }
        const bn_record *rec;
        size_t cnt;
        assert_int_equal(bn_log_line(r, line, n, &rec, &cnt), BN_OK);
        for (size_t k = 0; k < cnt; k++)
            assert_true(rec[k].recipient.n > 0);
    }
    bn_log_stats st;
    bn_log_stats_get(r, &st);
    assert_int_equal(st.lines, 20000);
    bn_log_reader_free(r);
}

/* empty recipients: a delivery line whose recipient is empty ("to=<>",
   found by fuzz_logline) is garbage, never a record without a recipient;
   the same line with a recipient gives its record */
static void test_empty_recipient(void **state)
{
    static const char *const empty[] = {
        "Nov 30 07:00:01 mx postfix/smtp[2]: 3F1A2B3C4D: to=<>, relay=mx.example.org[192.0.2.1]:25, "
        "delay=1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 "
        "No such user (in reply to RCPT TO command))",
        "<22>1 2026-11-30T11:20:36.5Z mx postfix/smtp 99 - - 4DB281E0A1: to=<>, relay=none, "
        "delay=1, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.1]:25: "
        "Connection refused)",
    };
    const bn_record *rec;
    bn_log_stats st;
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        bn_log_reader *r = reader_utc();
        assert_int_equal(one_line(r, empty[i], &rec), 0);
        bn_log_stats_get(r, &st);
        assert_int_equal(st.garbage, 1);
        bn_log_reader_free(r);
    }
    bn_log_reader *r = reader_utc();
    const char *with = "Nov 30 07:00:01 mx postfix/smtp[2]: 3F1A2B3C4D: to=<u@example.org>, "
                       "relay=mx.example.org[192.0.2.1]:25, delay=1, dsn=5.1.1, status=bounced "
                       "(host mx.example.org[192.0.2.1] said: 550 5.1.1 No such user (in reply "
                       "to RCPT TO command))";
    assert_int_equal(one_line(r, with, &rec), 1);
    assert_true(span_is(rec[0].recipient, "u@example.org"));
    bn_log_reader_free(r);
}

/* allocation failures: the reader is made whole or not at all, and a line
   whose recipient cannot be lowercased in the arena keeps it as written */
static void test_alloc_failures(void **state)
{
    bn_log_reader *r = NULL;
    int rc = BN_ENOMEM;
    for (long n = 0; n < 20 && rc != BN_OK; n++) {
        bn_alloc_fail_after(n);
        rc = bn_log_reader_new(&r, NULL);
        bn_alloc_fail_after(-1);
        assert_true(rc == BN_OK || rc == BN_ENOMEM);
        if (rc != BN_OK)
            assert_null(r);
    }
    assert_int_equal(rc, BN_OK);
    const bn_record *rec;
    const char *line = "Nov 30 07:00:01 mx postfix/smtp[2]: 3F1A2B3C4D: to=<u@X.Example>, "
                       "relay=none, delay=1, dsn=5.4.4, status=bounced (Host or domain name "
                       "not found)";
    size_t n = 0;
    bn_alloc_fail_after(0);
    assert_int_equal(bn_log_line(r, line, strlen(line), &rec, &n), BN_OK);
    bn_alloc_fail_after(-1);
    assert_int_equal(n, 1);
    assert_true(span_is(rec->recipient, "u@X.Example") || span_is(rec->recipient, "u@x.example"));
    assert_int_equal(one_line(r, line, &rec), 1);
    assert_true(span_is(rec->recipient, "u@x.example"));
    bn_log_reader_free(r);
}

static void test_api_errors(void **state)
{
    bn_log_opts o = BN_LOG_OPTS_INIT;
    bn_log_reader *r = NULL;
    o.version = 99;
    assert_int_equal(bn_log_reader_new(&r, &o), BN_EINVAL);
    assert_int_equal(bn_log_reader_new(NULL, NULL), BN_EINVAL);
    assert_int_equal(bn_log_reader_new(&r, NULL), BN_OK);
    const bn_record *rec;
    size_t n;
    assert_int_equal(bn_log_line(r, NULL, 5, &rec, &n), BN_EINVAL);
    assert_int_equal(bn_log_line(r, NULL, 0, &rec, &n), BN_OK);
    bn_log_reader_free(r);
    bn_log_reader_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_formats),
        cmocka_unit_test(test_framings),
        cmocka_unit_test(test_framing_variants),
        cmocka_unit_test(test_year_inference),
        cmocka_unit_test(test_postfix_sender_map),
        cmocka_unit_test(test_postfix_expired),
        cmocka_unit_test(test_postfix_queue_id_reuse),
        cmocka_unit_test(test_postfix_local),
        cmocka_unit_test(test_postfix_truncated),
        cmocka_unit_test(test_exim_lines),
        cmocka_unit_test(test_exim_expired),
        cmocka_unit_test(test_exim_syslog_stamp),
        cmocka_unit_test(test_sendmail_lines),
        cmocka_unit_test(test_qmap_eviction),
        cmocka_unit_test(test_qmap_hosts),
        cmocka_unit_test(test_feed_chunks),
        cmocka_unit_test(test_feed_limits), cmocka_unit_test(test_feed_limit_crlf),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_empty_recipient),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_sample_postfix),
        cmocka_unit_test(test_sample_exim),
        cmocka_unit_test(test_sample_sendmail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
