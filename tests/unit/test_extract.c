/*
 * test_extract.c - bn_parse() over tests/extract/NAME.eml, checked against
 * NAME.expect (format in tests/extract/README.md), plus the API contracts.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "bounce.h"
#include "core/alloc.h"

#define MAX_FILES 256
#define MAX_FILE (1u << 20)

static char names[MAX_FILES][128];
static char err[8192]; /* first failure of the current file: reported after cleanup */

/* note - remember a failure (the first one only) */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    if (err[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, sizeof err, fmt, ap);
    va_end(ap);
}

/* slurp - read a whole file into a malloc'd buffer (NUL-terminated) */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_FILE, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* span - a bn_str copied into buf as a C string */
static const char *span(bn_str s, char *buf, size_t size)
{
    size_t n = s.n < size - 1 ? s.n : size - 1;
    if (n)
        memcpy(buf, s.p, n);
    buf[n] = '\0';
    return buf;
}

/* field - the named field of a record as text; NULL if the name is unknown */
static const char *field(const bn_record *r, const char *name, char *buf, size_t size)
{
    static const struct {
        const char *name;
        size_t off;
    } spans[] = {
        {"recipient", offsetof(bn_record, recipient)},
        {"original_recipient", offsetof(bn_record, original_recipient)},
        {"addresser", offsetof(bn_record, addresser)},
        {"diagnostic", offsetof(bn_record, diagnostic)},
        {"diagnostic_type", offsetof(bn_record, diagnostic_type)},
        {"command", offsetof(bn_record, command)},
        {"remote_mta", offsetof(bn_record, remote_mta)},
        {"reporting_mta", offsetof(bn_record, reporting_mta)},
        {"dsn_action", offsetof(bn_record, dsn_action)},
        {"feedback_type", offsetof(bn_record, feedback_type)},
        {"source_ip", offsetof(bn_record, source_ip)},
        {"message_id", offsetof(bn_record, message_id)},
        {"subject", offsetof(bn_record, subject)},
        {"list_id", offsetof(bn_record, list_id)},
    };
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++)
        if (!strcmp(name, spans[i].name))
            return span(*(const bn_str *)(const void *)((const char *)r + spans[i].off), buf,
                        size);
    if (!strcmp(name, "format"))
        return r->format ? r->format : "";
    if (!strcmp(name, "recipient_src"))
        return r->recipient_src ? r->recipient_src : "";
    if (!strcmp(name, "status_src"))
        return r->status_src ? r->status_src : "";
    if (!strcmp(name, "reason_src"))
        return r->reason_src ? r->reason_src : "";
    if (!strcmp(name, "status"))
        return r->verdict.status;
    if (!strcmp(name, "reason"))
        return bn_reason_name(r->verdict.reason);
    if (!strcmp(name, "permanence"))
        return bn_permanence_name(r->verdict.permanence);
    if (!strcmp(name, "replycode"))
        snprintf(buf, size, "%d", r->verdict.replycode);
    else if (!strcmp(name, "hardbounce"))
        snprintf(buf, size, "%d", r->verdict.hardbounce ? 1 : 0);
    else if (!strcmp(name, "timestamp"))
        snprintf(buf, size, "%lld", (long long)r->timestamp);
    else
        return NULL;
    return buf;
}

/* contains_ci - needle in hay, ASCII case-insensitively */
static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return true;
    return false;
}

/* Options and checks read from one .expect file. */
typedef struct expect {
    char envelope_to[256];
    unsigned max_recipients;
    long count;
    char anomaly[64];
} expect;

/* read_options - the lines before the first "--" */
static void read_options(char *text, expect *e)
{
    e->count = -1;
    for (char *l = strtok(text, "\n"); l && strcmp(l, "--"); l = strtok(NULL, "\n")) {
        if (!strncmp(l, "envelope_to: ", 13))
            snprintf(e->envelope_to, sizeof e->envelope_to, "%s", l + 13);
        else if (!strncmp(l, "max_recipients: ", 16))
            e->max_recipients = (unsigned)atoi(l + 16);
        else if (!strncmp(l, "count: ", 7))
            e->count = atol(l + 7);
        else if (!strncmp(l, "anomaly: ", 9))
            snprintf(e->anomaly, sizeof e->anomaly, "%s", l + 9);
    }
}

/* check_line - one "name: value" or "name~ value" line against a record */
static void check_line(const char *file, long idx, const bn_record *r, char *l)
{
    char *sep = strpbrk(l, ":~");
    if (!sep || (sep[1] != ' ' && sep[1] != '\0')) {
        note("%s: bad expect line \"%s\"", file, l);
        return;
    }
    bool contains = *sep == '~';
    const char *want = sep[1] ? sep + 2 : ""; /* "name:" alone: must be empty */
    *sep = '\0';
    char buf[4096];
    const char *got = field(r, l, buf, sizeof buf);
    if (!got) {
        note("%s: unknown field \"%s\"", file, l);
        return;
    }
    bool ok = contains ? contains_ci(got, want) : !strcmp(got, want);
    if (!ok)
        note("%s record %ld: %s is \"%s\", want %s\"%s\"", file, idx, l, got,
                 contains ? "to contain " : "", want);
}

/* check_records - the per-record sections of an .expect file */
static void check_records(const char *file, char *text, const bn_record *recs, size_t n)
{
    long idx = -1;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == '#')
            continue;
        if (!strcmp(l, "--")) {
            idx++;
            continue;
        }
        if (idx < 0)
            continue;
        if ((size_t)idx >= n) {
            note("%s: record %ld expected, only %zu produced", file, idx, n);
            return;
        }
        check_line(file, idx, &recs[idx], l);
    }
}

/* run_one - parse NAME.eml and check NAME.expect */
static void run_one(void **state)
{
    const char *name = *state;
    char path[512];
    size_t elen = 0, mlen = 0;
    snprintf(path, sizeof path, "%s/tests/extract/%s.expect", BN_SOURCE_DIR, name);
    char *exp = slurp(path, &elen);
    snprintf(path, sizeof path, "%s/tests/extract/%s.eml", BN_SOURCE_DIR, name);
    char *msg = slurp(path, &mlen);
    assert_non_null(exp);
    assert_non_null(msg);
    char *opts_copy = strdup(exp);
    expect e;
    memset(&e, 0, sizeof e);
    read_options(opts_copy, &e);
    bn_parse_opts o = BN_PARSE_OPTS_INIT;
    if (e.envelope_to[0])
        o.envelope_to = e.envelope_to;
    if (e.max_recipients)
        o.max_recipients = e.max_recipients;
    bn_parser *p = NULL;
    const bn_record *recs = NULL;
    size_t n = 0;
    err[0] = '\0';
    int rc = bn_parser_new(&p, &o);
    if (!rc)
        rc = bn_parse(p, msg, mlen, &recs, &n);
    if (rc)
        note("%s: bn_parse returned %d", name, rc);
    else if (e.count >= 0 && (long)n != e.count)
        note("%s: %zu records, want %ld", name, n, e.count);
    if (!rc && e.anomaly[0] && !(bn_parser_anomalies(p) & BN_ANOM_RECIPIENT_LIMIT))
        note("%s: anomaly %s not set", name, e.anomaly);
    if (!rc)
        check_records(name, exp, recs, n);
    bn_parser_free(p);
    free(opts_copy);
    free(exp);
    free(msg);
    if (err[0])
        fail_msg("%s", err);
}

/* test_eformat - input without a header block is not a message */
static void test_eformat(void **state)
{
    (void)state;
    bn_parser *p = NULL;
    assert_int_equal(bn_parser_new(&p, NULL), BN_OK);
    const bn_record *recs;
    size_t n = 99;
    assert_int_equal(bn_parse(p, "", 0, &recs, &n), BN_EFORMAT);
    assert_int_equal(bn_parse(p, "\x01\x02\x03 binary", 10, &recs, &n), BN_EFORMAT);
    assert_int_equal(bn_parse(NULL, "x", 1, &recs, &n), BN_EINVAL);
    bn_parse_opts bad = BN_PARSE_OPTS_INIT;
    bad.version = 99;
    bn_parser *q = NULL;
    assert_int_equal(bn_parser_new(&q, &bad), BN_EINVAL);
    bn_parser_free(p);
}

/* test_reuse - records of one message do not leak into the next */
static void test_reuse(void **state)
{
    (void)state;
    static const char bounce[] =
        "From: MAILER-DAEMON@a.example\nSubject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
        "boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; x@b.example\n"
        "Action: failed\nStatus: 5.1.1\n--b--\n";
    static const char plain[] = "From: a@b.example\nSubject: hi\n\nhello\n";
    bn_parser *p = NULL;
    assert_int_equal(bn_parser_new(&p, NULL), BN_OK);
    const bn_record *recs;
    size_t n;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(bn_parse(p, bounce, sizeof bounce - 1, &recs, &n), BN_OK);
        assert_int_equal(n, 1);
        assert_int_equal(recs[0].recipient.n, 11);
        assert_memory_equal(recs[0].recipient.p, "x@b.example", 11);
        assert_int_equal(bn_parse(p, plain, sizeof plain - 1, &recs, &n), BN_OK);
        assert_int_equal(n, 0);
    }
    bn_parser_free(p);
}

/* test_message_id - the last message's own Message-ID, unfolded and cut to
   the buffer; none for a message without one, and none before any parse */
static void test_message_id(void **state)
{
    (void)state;
    static const char folded[] = "From: MAILER-DAEMON@a.example\r\nMessage-ID:\r\n"
                                 "\t<f-1@a.example>  \r\nSubject: x\r\n\r\nbody\r\n";
    static const char none[] = "From: a@b.example\nSubject: hi\n\nhello\n";
    bn_parser *p = NULL;
    char buf[32], small[6];
    const bn_record *recs;
    size_t n;
    assert_int_equal(bn_parser_new(&p, NULL), BN_OK);
    assert_int_equal(bn_parser_message_id(p, buf, sizeof buf), 0);
    assert_int_equal(bn_parse(p, folded, sizeof folded - 1, &recs, &n), BN_OK);
    assert_int_equal(bn_parser_message_id(p, buf, sizeof buf), 15);
    assert_string_equal(buf, "<f-1@a.example>");
    assert_int_equal(bn_parser_message_id(p, small, sizeof small), 5);
    assert_string_equal(small, "<f-1@");
    assert_int_equal(bn_parser_message_id(p, buf, 0), 0);
    assert_int_equal(bn_parse(p, none, sizeof none - 1, &recs, &n), BN_OK);
    assert_int_equal(bn_parser_message_id(p, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    bn_parser_free(p);
}

/* test_alloc_failures - every allocation failure gives BN_ENOMEM, never a crash or leak */
static void test_alloc_failures(void **state)
{
    (void)state;
    static const char *const inputs[] = {"dsn-postfix-two", "generic-exim", "arf-abuse",
                                         "ses-sns-bounce", "autoreply-subject", "qmail-steps"};
    for (size_t f = 0; f < sizeof inputs / sizeof inputs[0]; f++) {
        char path[512];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/tests/extract/%s.eml", BN_SOURCE_DIR, inputs[f]);
        char *msg = slurp(path, &len);
        assert_non_null(msg);
        bool completed = false;
        for (long n = 0; n < 400 && !completed; n++) {
            bn_parser *p = NULL;
            bn_alloc_fail_after(n);
            int rc = bn_parser_new(&p, NULL);
            const bn_record *recs;
            size_t cnt = 0;
            if (rc == BN_OK)
                rc = bn_parse(p, msg, len, &recs, &cnt);
            long made = bn_alloc_fail_after(-1);
            if (rc != BN_OK && rc != BN_ENOMEM)
                fail_msg("%s: allocation %ld failed: bn_parse returned %d", inputs[f], n, rc);
            completed = rc == BN_OK && made <= n;
            bn_parser_free(p);
        }
        free(msg);
        assert_true(completed);
    }
}

/* list_inputs - NAME of every tests/extract/NAME.eml, sorted */
static size_t list_inputs(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/extract", BN_SOURCE_DIR);
    DIR *d = opendir(dir);
    size_t n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) && n < MAX_FILES;) {
        size_t l = strlen(e->d_name);
        if (l > 4 && l < sizeof names[0] && !strcmp(e->d_name + l - 4, ".eml")) {
            memcpy(names[n], e->d_name, l - 4);
            names[n][l - 4] = '\0';
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    return n;
}

int main(void)
{
    size_t n = list_inputs();
    struct CMUnitTest *tests = calloc(n + 4, sizeof *tests);
    if (!tests || n == 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        tests[i].name = names[i];
        tests[i].test_func = run_one;
        tests[i].initial_state = names[i];
    }
    tests[n] = (struct CMUnitTest)cmocka_unit_test(test_eformat);
    tests[n + 1] = (struct CMUnitTest)cmocka_unit_test(test_reuse);
    tests[n + 2] = (struct CMUnitTest)cmocka_unit_test(test_alloc_failures);
    tests[n + 3] = (struct CMUnitTest)cmocka_unit_test(test_message_id);
    int rc = _cmocka_run_group_tests("extract", tests, n + 4, NULL, NULL);
    free(tests);
    return rc;
}
