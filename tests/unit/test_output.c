/* test_output.c - bn_record_json and bn_record_sisimai_json on a hand-made record */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce.h"
#include "core/json.h"
#include "core/str.h"
#include "output/output.h"

/* sample - a record with every field set, some text hostile */
static bn_record sample(void)
{
    bn_record r;
    memset(&r, 0, sizeof(r));
    r.recipient = BN_STR("bob@example.net");
    r.original_recipient = BN_STR("Bob.Alias@example.net");
    r.addresser = BN_STR("Sender@Example.ORG");
    r.timestamp = 1772532901; /* 2026-03-03T10:15:01Z */
    r.diagnostic = BN_STR("550 5.1.1 \"bob\" M\xfcller\tunknown");
    r.diagnostic_type = BN_STR("smtp");
    r.command = BN_STR("RCPT");
    r.remote_mta = BN_STR("mx.example.net");
    r.reporting_mta = BN_STR("mail.example.org");
    r.dsn_action = BN_STR("failed");
    r.message_id = BN_STR("<m1@example.org>");
    r.subject = BN_STR("News\x01letter");
    r.list_id = BN_STR("<news.example.org>");
    r.format = "rfc3464";
    r.recipient_src = "DSN Final-Recipient";
    r.status_src = "DSN Status";
    r.reason_src = "classifier";
    r.anomalies = BN_ANOM_TRUNCATED | BN_ANOM_8BIT_HEADER;
    r.verdict.reason = BN_REASON_USERUNKNOWN;
    r.verdict.permanence = BN_PERM_PERMANENT;
    r.verdict.fault = BN_FAULT_RECIPIENT;
    r.verdict.action = BN_ACTION_SUPPRESS;
    r.verdict.hardbounce = true;
    r.verdict.replycode = 550;
    strcpy(r.verdict.status, "5.1.1");
    r.verdict.retry_after = -1;
    r.verdict.rule = "test.rule";
    return r;
}

static const char want_head[] =
    "{\"source\":\"box.mbox:2\",\"recipient\":\"bob@example.net\","
    "\"addresser\":\"Sender@Example.ORG\",\"timestamp\":\"2026-03-03T10:15:01Z\","
    "\"status\":\"5.1.1\",\"replycode\":550,\"reason\":\"userunknown\",\"hardbounce\":true,"
    "\"permanence\":\"permanent\",\"fault\":\"recipient\",\"action\":\"suppress\","
    "\"retry_after\":\"\",\"command\":\"RCPT\","
    "\"diagnostic\":\"550 5.1.1 \\\"bob\\\" M\xef\xbf\xbdller\\tunknown\","
    "\"remote_mta\":\"mx.example.net\",\"reporting_mta\":\"mail.example.org\","
    "\"format\":\"rfc3464\",\"rule\":\"test.rule\",\"feedback_type\":\"\","
    "\"message_id\":\"<m1@example.org>\",\"subject\":\"News\\u0001letter\","
    "\"explanation\":\"";
static const char want_tail[] =
    "\",\"original_recipient\":\"Bob.Alias@example.net\",\"list_id\":\"<news.example.org>\","
    "\"provider\":\"\",\"blocklist\":\"\",\"ip\":\"\",\"dsn_action\":\"failed\","
    "\"diagnostic_type\":\"smtp\",\"source_ip\":\"\","
    "\"anomalies\":[\"truncated\",\"8bit-header\"],"
    "\"recipient_src\":\"DSN Final-Recipient\",\"status_src\":\"DSN Status\","
    "\"reason_src\":\"classifier\"}";

/* test_record_json - keys in order, values escaped, explanation in place */
static void test_record_json(void **state)
{
    (void)state;
    bn_record r = sample();
    char out[4096], expl[1024];
    size_t n = bn_record_json(&r, "box.mbox:2", out, sizeof(out));
    assert_int_equal(n, strlen(out));
    size_t hn = sizeof(want_head) - 1, tn = sizeof(want_tail) - 1;
    assert_true(n > hn + tn);
    if (memcmp(out, want_head, hn) != 0)
        fail_msg("head differs:\n%s\n%s", out, want_head);
    assert_string_equal(out + n - tn, want_tail);
    size_t en = bn_verdict_explain(&r.verdict, expl, sizeof(expl));
    assert_true(en > 0 && en < sizeof(expl));
    /* between head and tail: the explanation, escaped like any string */
    char esc[2048];
    bn_json j;
    bn_json_init(&j, esc, sizeof(esc));
    bn_json_escape(&j, expl, en);
    size_t escn = bn_json_finish(&j);
    assert_int_equal(n - hn - tn, escn);
    assert_memory_equal(out + hn, esc, escn);
}

/* test_unknowns_are_empty - unknown values are "" (numbers too), never missing */
static void test_unknowns_are_empty(void **state)
{
    (void)state;
    bn_record r;
    char out[4096];
    memset(&r, 0, sizeof(r));
    r.verdict.retry_after = 3600;
    r.verdict.rule = "none";
    bn_record_json(&r, NULL, out, sizeof(out));
    assert_non_null(strstr(out, "{\"source\":\"\",\"recipient\":\"\",\"addresser\":\"\","
                                "\"timestamp\":\"\",\"status\":\"\",\"replycode\":\"\","
                                "\"reason\":\"undefined\",\"hardbounce\":false,"));
    assert_non_null(strstr(out, "\"retry_after\":3600,"));
    assert_non_null(strstr(out, "\"format\":\"\","));
    assert_non_null(strstr(out, "\"anomalies\":[],"));
}

/* test_record_json_short_buffer - the snprintf contract */
static void test_record_json_short_buffer(void **state)
{
    (void)state;
    bn_record r = sample();
    char full[4096], small[16];
    size_t n = bn_record_json(&r, "x", full, sizeof(full));
    assert_int_equal(bn_record_json(&r, "x", small, sizeof(small)), n);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, full, sizeof(small) - 1);
    assert_int_equal(bn_record_json(&r, "x", NULL, 0), n);
}

/* test_sisimai_json - Sisimai's keys and types; token checked with Python's hashlib:
 * sha1("\x02sender@example.org\x1ebob@example.net\x1e1772532901\x03") */
static void test_sisimai_json(void **state)
{
    (void)state;
    bn_record r = sample();
    char out[4096];
    size_t n = bn_record_sisimai_json(&r, "/var/mail/b.eml", out, sizeof(out));
    assert_int_equal(n, strlen(out));
    assert_string_equal(
        out,
        "{\"action\":\"failed\",\"addresser\":\"Sender@Example.ORG\","
        "\"alias\":\"Bob.Alias@example.net\",\"catch\":null,\"deliverystatus\":\"5.1.1\","
        "\"destination\":\"example.net\","
        "\"diagnosticcode\":\"550 5.1.1 \\\"bob\\\" M\xef\xbf\xbdller\\tunknown\","
        "\"diagnostictype\":\"SMTP\",\"feedbacktype\":\"\",\"hardbounce\":1,"
        "\"lhost\":\"mail.example.org\",\"listid\":\"<news.example.org>\","
        "\"messageid\":\"<m1@example.org>\",\"origin\":\"/var/mail/b.eml\","
        "\"reason\":\"userunknown\",\"recipient\":\"bob@example.net\",\"replycode\":\"550\","
        "\"rhost\":\"mx.example.net\",\"senderdomain\":\"Example.ORG\","
        "\"smtpagent\":\"rfc3464\",\"smtpcommand\":\"RCPT\",\"subject\":\"News\\u0001letter\","
        "\"timestamp\":1772532901,\"timezoneoffset\":\"+0000\","
        "\"token\":\"26fe6faffac6e0c733b696d1111e3c00b109aa41\"}");
}

/* test_sisimai_defaults - no DSN action: derived; same recipient is no alias */
static void test_sisimai_defaults(void **state)
{
    (void)state;
    bn_record r = sample();
    char out[4096];
    r.dsn_action = BN_STR_NULL;
    r.original_recipient = BN_STR("BOB@example.net");
    r.verdict.permanence = BN_PERM_TRANSIENT;
    r.verdict.replycode = 0;
    r.verdict.hardbounce = false;
    bn_record_sisimai_json(&r, "x", out, sizeof(out));
    assert_non_null(strstr(out, "{\"action\":\"delayed\","));
    assert_non_null(strstr(out, "\"alias\":\"\","));
    assert_non_null(strstr(out, "\"hardbounce\":0,"));
    assert_non_null(strstr(out, "\"replycode\":\"\","));
}

/* term - bn_term_text into a string */
static char *term(const char *p, size_t n, size_t cols, bool pad)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    bn_term_text(f, p, n, cols, pad);
    fclose(f);
    return out;
}

/* test_term_text - no escape sequence from a bounce reaches the terminal */
static void test_term_text(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n, cols; /* n 0: strlen */
        bool pad;
        const char *want;
    } v[] = {
        {"bob\x1b[31mred", 0, 40, false, "bob?[31mred"},
        {"nul\0x", 5, 40, false, "nul?x"},
        {"a\xc2\x9b" "2Jb", 0, 40, false, "a?2Jb"},       /* C1 CSI */
        {"tab\there\nnl", 0, 40, false, "tab here nl"},
        {"M\xfcller", 0, 40, false, "M?ller"},
        {"M\xc3\xbcller", 0, 40, false, "M\xc3\xbcller"},
        {"abcdef", 0, 3, false, "abc"},
        {"ab", 0, 5, true, "ab   "},
        {"\xc3\xa9\xc3\xa9\xc3\xa9", 0, 2, false, "\xc3\xa9\xc3\xa9"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char *got = term(v[i].in, v[i].n ? v[i].n : strlen(v[i].in), v[i].cols, v[i].pad);
        if (strcmp(got, v[i].want) != 0)
            fail_msg("case %zu: [%s]", i, got);
        free(got);
    }
}

/* test_table_row - the columns of one record */
static void test_table_row(void **state)
{
    (void)state;
    bn_record r = sample();
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    bn_table_header(f, 100);
    bn_table_row(f, &r, 100);
    fclose(f);
    char *row = strchr(strchr(out, '\n') + 1, '\n') + 1;
    assert_memory_equal(row, "bob@example.net                  userunknown     5.1.1   suppress    ", 68);
    assert_true(strlen(strchr(row, '\n')) == 1); /* one line */
    assert_true(strchr(row, '\n') - row <= 100);
    free(out);
}

/* iso_ref - the timestamp as gmtime_r and strftime write it: the reference
   bn_iso8601's own arithmetic is checked against */
static void iso_ref(time_t t, char out[64])
{
    struct tm tm;
    out[0] = '\0';
    if (t != 0 && gmtime_r(&t, &tm) && tm.tm_year >= -1900 && tm.tm_year <= 8099)
        snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* test_iso8601 - bn_iso8601 agrees with gmtime_r from year 0 to 9999 (every
   day boundary of a prime stride, the edges, negative times), "" outside */
static void test_iso8601(void **state)
{
    (void)state;
    static const long long edges[] = {
        0, 1, -1, 86399, 86400, -86400, -86401, 951782400 /* 2000-02-29 */,
        4107542399LL /* 2100-02-28T23:59:59 */, 4107542400LL, -62167219200LL /* 0000-01-01 */,
        -62167219201LL, 253402300799LL /* 9999-12-31T23:59:59 */, 253402300800LL,
        -9223372036854775807LL, 9223372036854775807LL};
    char got[21], want[64];
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        bn_iso8601((time_t)edges[i], got);
        iso_ref((time_t)edges[i], want);
        if (strcmp(got, want) != 0)
            fail_msg("%lld: %s, want \"%s\"", edges[i], got, want);
    }
    for (long long t = -62167219200LL; t < 253402300800LL; t += 86400LL * 997 + 3607) {
        bn_iso8601((time_t)t, got);
        iso_ref((time_t)t, want);
        if (strcmp(got, want) != 0)
            fail_msg("%lld: %s, want %s", t, got, want);
    }
    bn_iso8601(1772532901, got);
    assert_string_equal(got, "2026-03-03T10:15:01Z"); /* written out by hand */
    bn_iso8601(-62167219200LL, got);
    assert_string_equal(got, "0000-01-01T00:00:00Z");
}

/* hostile - a record whose values need every kind of escape, with empty
   values between non-empty ones, all anomaly bits (unknown ones have no
   name), the largest numbers and a long value of control bytes (the worst
   case: six output bytes for each) */
static bn_record hostile(char *ctl, size_t ctl_n)
{
    bn_record r;
    memset(&r, 0, sizeof(r));
    memset(ctl, '\x01', ctl_n);
    r.recipient = BN_STR("q\"u\\o@example.net");
    r.diagnostic = (bn_str){ctl, ctl_n};
    r.remote_mta = BN_STR("\xff\xfe\xe2\x82 \xe2\x80\xa8");
    r.subject = BN_STR("\0nul\0");
    r.source_ip = BN_STR("\t");
    r.command = (bn_str){NULL, 4}; /* NULL is "", whatever its length says */
    r.format = "f\"mt";
    r.recipient_src = "";
    r.status_src = NULL;
    r.reason_src = "r";
    r.anomalies = ~0u;
    r.verdict.reason = (bn_reason)9999; /* out of range: "undefined" */
    r.verdict.replycode = INT_MAX;
    r.verdict.retry_after = LONG_MAX;
    r.verdict.rule = "x";
    return r;
}

/* check_every_size - at every buffer size from 0 to well past the worst
   case (the size that switches to the unchecked writer is inside), the
   same length and the same bytes: the whole record when it fits, else its
   prefix and a NUL. Each buffer is a heap block of exactly that size, so
   ASan sees a byte written past it. */
static void check_every_size(const bn_record *r, const char *source, size_t last)
{
    char *full = malloc(last + 1);
    assert_non_null(full);
    size_t n = bn_record_json(r, source, full, last + 1);
    assert_true(n < last && strlen(full) == n);
    for (size_t size = 0; size <= last; size++) {
        char *b = size ? malloc(size) : NULL;
        assert_true(size == 0 || b != NULL);
        if (bn_record_json(r, source, b, size) != n)
            fail_msg("size %zu: length differs", size);
        size_t keep = size > n ? n : (size ? size - 1 : 0);
        if (size && (memcmp(b, full, keep) != 0 || b[keep] != 0))
            fail_msg("size %zu: bytes differ", size);
        free(b);
    }
    free(full);
}

/* test_record_json_every_size - the snprintf contract at every size, for
   the sample and a hostile record (the fast and the checked writer) */
static void test_record_json_every_size(void **state)
{
    (void)state;
    bn_record r = sample();
    check_every_size(&r, "box.mbox:2", 12000);
    char ctl[300];
    bn_record h = hostile(ctl, sizeof(ctl));
    check_every_size(&h, "s\x01rc", 12000);
    bn_record e; /* the template alone: no explanation, no anomaly */
    memset(&e, 0, sizeof(e));
    e.verdict.reason = (bn_reason)9999;
    e.verdict.replycode = INT_MAX;
    e.verdict.retry_after = LONG_MAX;
    check_every_size(&e, NULL, 3000);
    char out[8192];
    size_t n = bn_record_json(&h, "src", out, sizeof(out));
    assert_true(n < sizeof(out));
    /* written out by hand: the escapes, the empty values, the numbers */
    assert_non_null(strstr(out, "{\"source\":\"src\",\"recipient\":\"q\\\"u\\\\o@example.net\","
                                "\"addresser\":\"\",\"timestamp\":\"\",\"status\":\"\","
                                "\"replycode\":2147483647,\"reason\":\"undefined\","));
    assert_true(sizeof(long) < 8 ||
                strstr(out, "\"retry_after\":9223372036854775807,\"command\":\"\","
                            "\"diagnostic\":\"\\u0001\\u0001") != NULL);
    assert_non_null(strstr(out, "\\u0001\",\"remote_mta\":\"\xef\xbf\xbd\xef\xbf\xbd"
                                "\xef\xbf\xbd \\u2028\",\"reporting_mta\":\"\","
                                "\"format\":\"f\\\"mt\",\"rule\":\"x\","));
    assert_non_null(strstr(out, "\"subject\":\"\\u0000nul\\u0000\""));
    assert_non_null(strstr(out, "\"source_ip\":\"\\t\",\"anomalies\":[\"truncated\","));
    assert_non_null(strstr(out, "\"decode-limit\"],\"recipient_src\":\"\",\"status_src\":\"\","
                                "\"reason_src\":\"r\"}"));
    char buf[48];
    snprintf(buf, sizeof(buf), "\"retry_after\":%ld,", LONG_MAX);
    assert_non_null(strstr(out, buf));
}

/* has_field - the record in out holds "key":"want", want from names.c */
static void has_field(const char *out, const char *key, const char *want)
{
    char field[96];
    snprintf(field, sizeof(field), "\"%s\":\"%s\",", key, want);
    if (!strstr(out, field))
        fail_msg("no %s in %s", field, out);
}

/* test_record_names - the record's copies of our names (padded for one
   fixed move) are those of names.c, for every value and out-of-range ones,
   written straight (big buffer) and through the counting writer */
static void test_record_names(void **state)
{
    (void)state;
    static char out[8192], exact[8192];
    for (int k = -2; k < BN_REASON_COUNT + 2; k++) {
        bn_record r;
        memset(&r, 0, sizeof(r));
        r.verdict.rule = "x";
        r.verdict.retry_after = -1;
        r.verdict.reason = (bn_reason)k;
        r.verdict.permanence = (bn_permanence)(k % 5 - 1);
        r.verdict.fault = (bn_fault)(k % 9 - 1);
        r.verdict.action = (bn_action)(k % 8 - 1);
        r.timestamp = k % 2 ? 1772532901 : 0;
        size_t n = bn_record_json(&r, "s", out, sizeof(out));
        assert_true(n < sizeof(out));
        has_field(out, "reason", bn_reason_name(r.verdict.reason));
        has_field(out, "permanence", bn_permanence_name(r.verdict.permanence));
        has_field(out, "fault", bn_fault_name(r.verdict.fault));
        has_field(out, "action", bn_action_name(r.verdict.action));
        has_field(out, "timestamp", k % 2 ? "2026-03-03T10:15:01Z" : "");
        assert_int_equal(bn_record_json(&r, "s", exact, n + 1), n); /* too small for the worst case */
        assert_string_equal(exact, out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_json),
        cmocka_unit_test(test_unknowns_are_empty),
        cmocka_unit_test(test_record_json_short_buffer),
        cmocka_unit_test(test_record_json_every_size),
        cmocka_unit_test(test_record_names),
        cmocka_unit_test(test_sisimai_json),
        cmocka_unit_test(test_sisimai_defaults),
        cmocka_unit_test(test_term_text),
        cmocka_unit_test(test_table_row),
        cmocka_unit_test(test_iso8601),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
