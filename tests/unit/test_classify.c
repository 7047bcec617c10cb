/*
 * test_classify.c - the classifier: the reply table (tests/classify/replies.tsv),
 * the mandatory examples, precedence, SMTP-stage rules, code scanning,
 * retry delays, IP extraction and the explanations
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "classify/classify.h"

/* classify - run the classifier on literal fields (NULL / 0 = absent) */
static bn_verdict classify(int code, const char *status, const char *text, const char *cmd)
{
    bn_reply in = {0};
    bn_verdict v;
    in.replycode = code;
    in.status = status;
    in.status_len = status ? strlen(status) : 0;
    in.text = text;
    in.text_len = text ? strlen(text) : 0;
    in.command = cmd;
    in.command_len = cmd ? strlen(cmd) : 0;
    bn_classify(&v, &in);
    return v;
}

/* ---- the data-driven table -------------------------------------------- */

typedef struct row {
    char *f[8];
} row;

/* field - '-' means absent */
static const char *field(const char *s)
{
    return strcmp(s, "-") == 0 ? NULL : s;
}

/* unescape - "\n" and "\t" in the text column become real bytes */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && (p[1] == 'n' || p[1] == 't' || p[1] == 'r')) {
            *o++ = p[1] == 'n' ? '\n' : p[1] == 't' ? '\t' : '\r';
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
}

/* check_row - classify one row and compare; prints and returns false on mismatch */
static bool check_row(row *r, int line, bool *seen)
{
    char *text = r->f[7];
    unescape(text);
    bn_verdict v = classify(atoi(r->f[0]), field(r->f[1]), field(text), field(r->f[2]));
    bn_reason want;
    assert_int_equal(bn_reason_from_name(&want, r->f[3], strlen(r->f[3])), BN_OK);
    seen[want] = true;
    bool ok = v.reason == want && v.hardbounce == (r->f[4][0] == '1') &&
              strcmp(bn_action_name(v.action), r->f[5]) == 0 &&
              (strcmp(r->f[6], "-") == 0 || strcmp(bn_fault_name(v.fault), r->f[6]) == 0);
    if (!ok)
        fprintf(stderr, "replies.tsv:%d: want %s/%s/%s/%s got %s/%d/%s/%s [%s] %s\n", line,
                r->f[3], r->f[4], r->f[5], r->f[6], bn_reason_name(v.reason), v.hardbounce,
                bn_action_name(v.action), bn_fault_name(v.fault), v.rule, text);
    return ok;
}

/* split_row - 8 tab-separated fields */
static bool split_row(char *line, row *r)
{
    int n = 0;
    char *p = line;
    while (n < 8) {
        r->f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = 0;
        p = t + 1;
    }
    return n == 8;
}

static void test_replies_file(void **state)
{
    (void)state;
    FILE *fp = fopen(BN_SOURCE_DIR "/tests/classify/replies.tsv", "r");
    assert_non_null(fp);
    char line[8192];
    int lineno = 0, rows = 0, bad = 0;
    bool seen[BN_REASON_COUNT] = {false};
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        row r;
        if (!split_row(line, &r)) {
            fprintf(stderr, "replies.tsv:%d: want 8 fields\n", lineno);
            bad++;
            continue;
        }
        rows++;
        bad += !check_row(&r, lineno, seen);
    }
    fclose(fp);
    for (int i = 0; i < BN_REASON_COUNT; i++)
        if (!seen[i]) {
            fprintf(stderr, "replies.tsv: no row expects %s\n", bn_reason_name((bn_reason)i));
            bad++;
        }
    fprintf(stderr, "replies.tsv: %d rows, %d wrong\n", rows, bad);
    assert_true(rows >= 300);
    assert_int_equal(bad, 0);
}

/* ---- the mandatory examples ------------------------------------------ */

static void test_mandatory(void **state)
{
    (void)state;
    bn_verdict v = classify(0, NULL, "550 5.1.1 <bob@example.org>: user unknown", "RCPT");
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
    assert_true(v.hardbounce);
    assert_int_equal(v.action, BN_ACTION_SUPPRESS);
    assert_int_equal(v.fault, BN_FAULT_RECIPIENT);
    assert_int_equal(v.replycode, 550);
    assert_string_equal(v.status, "5.1.1");
    assert_false(v.status_derived);

    v = classify(0, NULL,
                 "550 5.7.1 Service unavailable; client [192.0.2.1] blocked using "
                 "zen.spamhaus.org; listed at zen.spamhaus.org",
                 "RCPT");
    assert_int_equal(v.reason, BN_REASON_BLOCKED);
    assert_int_equal(v.fault, BN_FAULT_SENDER);
    assert_int_equal(v.action, BN_ACTION_FIX_SENDER);
    assert_false(v.hardbounce);
    assert_string_equal(v.blocklist, "Spamhaus ZEN");
    assert_string_equal(v.ip, "192.0.2.1");

    /* the remote MTA's name identifies the provider when the text does not:
       KDDI au's "550 : User unknown" is its reception filter, even at RCPT */
    bn_reply hin = {0};
    const char *kddi = "550 : User unknown";
    hin.text = kddi;
    hin.text_len = strlen(kddi);
    hin.command = "RCPT";
    hin.command_len = 4;
    bn_classify(&v, &hin);
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
    assert_null(v.provider);
    hin.host = "lsean.ezweb.ne.jp";
    hin.host_len = strlen(hin.host);
    bn_classify(&v, &hin);
    assert_int_equal(v.reason, BN_REASON_FILTERED);
    assert_string_equal(v.provider, "KDDI");
    assert_string_equal(v.rule, "prov.kddi.filtered");
    /* a host name that only contains a provider's domain inside a word does not */
    hin.host = "mx.notezweb.ne.jp.example";
    hin.host_len = strlen(hin.host);
    bn_classify(&v, &hin);
    assert_null(v.provider);

    /* Microsoft's 5.7.606-649 family names its own list even without the URL */
    v = classify(0, NULL, "550 5.7.612 Access denied, banned sending IP [203.0.113.9]", "RCPT");
    assert_int_equal(v.reason, BN_REASON_BLOCKED);
    assert_non_null(v.blocklist);
    assert_string_equal(v.blocklist, "Microsoft blocklist");
    assert_string_equal(v.ip, "203.0.113.9");

    v = classify(0, NULL, "452 4.2.2 The email account that you tried to reach is over quota",
                 "RCPT");
    assert_int_equal(v.reason, BN_REASON_MAILBOXFULL);
    assert_int_equal(v.permanence, BN_PERM_TRANSIENT);
    assert_int_equal(v.action, BN_ACTION_RETRY);

    v = classify(0, NULL, "421 mx.example.net Service busy, try again later", NULL);
    assert_int_equal(v.action, BN_ACTION_RETRY);
    assert_int_equal(v.permanence, BN_PERM_TRANSIENT);

    v = classify(0, NULL,
                 "550-5.7.26 Unauthenticated email from example.com is not accepted due\n"
                 "550-5.7.26 to domain's DMARC policy. Please contact the administrator of\n"
                 "550 5.7.26 example.com domain. - gsmtp",
                 "DATA");
    assert_int_equal(v.reason, BN_REASON_AUTHFAILURE);
    assert_string_equal(v.provider, "Google");

    v = classify(0, NULL, "552 5.5.3 Too many recipients", "RCPT");
    assert_int_equal(v.permanence, BN_PERM_TRANSIENT);
    assert_int_equal(v.action, BN_ACTION_RETRY);
    assert_int_equal(v.reason, BN_REASON_RATELIMITED);

    v = classify(0, NULL, "554 5.7.1 Message rejected: spam content detected", "DATA");
    assert_int_equal(v.reason, BN_REASON_SPAMDETECTED);
    assert_int_equal(v.action, BN_ACTION_FIX_MESSAGE);

    v = classify(550, NULL, NULL, NULL);
    assert_int_not_equal(v.reason, BN_REASON_USERUNKNOWN);
    assert_int_equal(v.action, BN_ACTION_REVIEW);
    assert_false(v.hardbounce);
    assert_string_equal(v.status, "5.0.0");
    assert_true(v.status_derived);
    assert_string_equal(v.rule, "none.onhold");
}

/* ---- precedence and stage rules ---------------------------------------- */

static void test_precedence(void **state)
{
    (void)state;
    /* a phrase beats a generic code */
    bn_verdict v = classify(550, "5.7.1", "Mailbox is full", NULL);
    assert_int_equal(v.reason, BN_REASON_MAILBOXFULL);
    /* a specific status beats weak wording ("address rejected") */
    v = classify(550, "5.2.2", "Address rejected", NULL);
    assert_int_equal(v.reason, BN_REASON_MAILBOXFULL);
    /* a specific status beats a bare reply code */
    v = classify(551, "5.1.1", NULL, NULL);
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
    assert_string_equal(v.rule, "status.x.1.1");
    v = classify(551, NULL, NULL, NULL);
    assert_int_equal(v.reason, BN_REASON_HASMOVED);
    assert_string_equal(v.rule, "reply.551");
    /* a provider marker beats generic text */
    v = classify(0, NULL, "421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred "
                          "due to unexpected volume or user complaints",
                 NULL);
    assert_int_equal(v.reason, BN_REASON_BADREPUTATION);
    assert_string_equal(v.rule, "prov.yahoo.tss04");
    assert_string_equal(v.provider, "Yahoo");
    /* the identified provider's reading of a code */
    v = classify(0, NULL, "550 5.7.1 Please visit https://support.google.com/mail/ - gsmtp",
                 NULL);
    assert_int_equal(v.reason, BN_REASON_SPAMDETECTED);
    assert_string_equal(v.rule, "prov.google.s-5.7.1");
    /* an unregistered provider-only code applies without identification */
    v = classify(0, NULL, "550 5.7.708 Service unavailable. Access denied", NULL);
    assert_int_equal(v.reason, BN_REASON_BLOCKED);
    assert_string_equal(v.provider, "Microsoft");
    /* a priority-9 phrase outranks a blocklist name, which is still reported */
    v = classify(0, NULL, "550 MailFrom domain is listed in Spamhaus DBL", "MAIL");
    assert_int_equal(v.reason, BN_REASON_REJECTED);
    assert_string_equal(v.blocklist, "Spamhaus");
}

static void test_class_conflict(void **state)
{
    (void)state;
    /* the reply code's class is what the server did: 550 with 4.4.7 is final */
    bn_verdict v = classify(0, NULL, "550 4.4.7 QUEUE.Expired; message expired", NULL);
    assert_int_equal(v.reason, BN_REASON_EXPIRED);
    assert_int_equal(v.permanence, BN_PERM_PERMANENT);
    assert_string_equal(v.status, "4.4.7");
    /* 451 with 5.x.x is transient */
    v = classify(451, "5.7.1", "Denied", NULL);
    assert_int_equal(v.permanence, BN_PERM_TRANSIENT);
    assert_int_equal(v.action, BN_ACTION_FIX_SENDER);
    /* X.2.2 stays transient under 552 */
    v = classify(552, "5.2.2", "Mailbox full", NULL);
    assert_int_equal(v.permanence, BN_PERM_TRANSIENT);
    /* no reply code: the status class decides */
    v = classify(0, "4.1.1", NULL, NULL);
    assert_int_equal(v.permanence, BN_PERM_TRANSIENT);
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
    assert_int_equal(v.action, BN_ACTION_RETRY);
    /* a 2.x.x status under a 5xx code does not make it a delivery */
    v = classify(550, "2.0.0", "User unknown", "RCPT");
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
    /* "user unknown" by wording alone, stage unknown: not confirmed */
    v = classify(550, NULL, "User unknown", NULL);
    assert_int_equal(v.reason, BN_REASON_FILTERED);
    assert_string_equal(v.rule, "rule.userunknown-unconfirmed");
    v = classify(550, "5.1.1", "User unknown", NULL);
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
}

static void test_stages(void **state)
{
    (void)state;
    /* at MAIL FROM a "user unknown" is about the sender */
    bn_verdict v = classify(550, NULL, "User unknown", "MAIL FROM");
    assert_int_equal(v.reason, BN_REASON_REJECTED);
    assert_string_equal(v.rule, "rule.mail-stage");
    /* at connection time nothing is a recipient fact */
    v = classify(554, NULL, "mx.example.net ESMTP no user here", "CONN");
    assert_int_equal(v.reason, BN_REASON_BLOCKED);
    assert_false(v.hardbounce);
    v = classify(421, NULL, "mx.example.net closing connection", "HELO");
    assert_int_equal(v.reason, BN_REASON_SYSTEMERROR);
    assert_int_equal(v.action, BN_ACTION_RETRY);
    /* "user unknown" after DATA: a filter refused it */
    v = classify(550, NULL, "User unknown", "DATA");
    assert_int_equal(v.reason, BN_REASON_FILTERED);
    assert_string_equal(v.rule, "rule.data-stage");
    /* the same at RCPT is the real thing */
    v = classify(550, NULL, "User unknown", "RCPT TO");
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
}

static void test_multiline(void **state)
{
    (void)state;
    /* a phrase broken by the continuation prefix is still found */
    bn_verdict v = classify(0, NULL,
                            "550-5.1.1 The email account that you tried to reach does\r\n"
                            "550-5.1.1 not exist. Please try double-checking the address\r\n"
                            "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp",
                            "RCPT");
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
    assert_int_equal(v.replycode, 550);
    v = classify(0, NULL, "550-Mailbox\n550-is\n550 full", NULL);
    assert_int_equal(v.reason, BN_REASON_MAILBOXFULL);
}

static void test_nothing(void **state)
{
    (void)state;
    bn_verdict v = classify(0, NULL, NULL, NULL);
    assert_int_equal(v.reason, BN_REASON_UNDEFINED);
    assert_string_equal(v.rule, "none.undefined");
    assert_int_equal(v.action, BN_ACTION_REVIEW);
    assert_int_equal(v.retry_after, -1);
    assert_string_equal(v.status, "");
    bn_classify(&v, NULL);
    assert_int_equal(v.reason, BN_REASON_UNDEFINED);
    v = classify(0, NULL, "something went wrong", NULL);
    assert_int_equal(v.reason, BN_REASON_UNDEFINED);
    v = classify(0, NULL, "550 something went wrong", NULL);
    assert_int_equal(v.reason, BN_REASON_ONHOLD);
    v = classify(0, "bogus", "   \r\n\t ", "");
    assert_int_equal(v.reason, BN_REASON_UNDEFINED);
}

static void test_long_text(void **state)
{
    (void)state;
    /* a huge reply: bounded work, the head is read, nothing overflows */
    size_t n = 200000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    memcpy(big, "552 5.2.2 mailbox full ", 23);
    for (size_t i = 100; i + 1 < n; i += 97)
        big[i] = ' ';
    big[n] = 0;
    bn_verdict v = classify(0, NULL, big, NULL);
    assert_int_equal(v.reason, BN_REASON_MAILBOXFULL);
    /* wording past the matched window is not read (documented limit) */
    memcpy(big, "550 xxxxxxxxxxxxxxxxxx ", 23);
    memcpy(big + n - 20, " user unknown      ", 19);
    v = classify(0, NULL, big, "RCPT");
    assert_int_equal(v.reason, BN_REASON_ONHOLD);
    free(big);
}

/* ---- scanners ----------------------------------------------------------- */

typedef struct scan_case {
    const char *text;
    int code;
    const char *status;
} scan_case;

static void test_reply_scan(void **state)
{
    (void)state;
    static const scan_case cases[] = {
        {"550 5.1.1 <x@y>: user unknown", 550, "5.1.1"},
        {"host mx.example.com[192.0.2.1] said: 550-5.7.1 blocked", 550, "5.7.1"},
        {"#5.1.1 bad address", 0, "5.1.1"},
        {"smtp; 552 Quota exceeded", 552, ""},
        {"smtp;550 5.7.509 Access denied", 550, "5.7.509"},
        {"connect to mx.example.com[192.0.2.1]:25: Connection timed out", 0, ""},
        {"Remote server returned (5.1.351) unknown recipient", 0, "5.1.351"},
        {"X-Unix; 255", 0, ""},
        {"250 2.1.5 Ok", 250, "2.1.5"},
        {"Messages from 192.0.2.192 deferred - 4.16.55.1; see", 0, ""},
        {"Postfix 2.11.3 said: 451 4.3.0 try later", 451, "4.3.0"},
        {"size 25600000 exceeds 10485760", 0, ""},
        {"(-1915321397:308:-2147467259)", 0, ""},
        {"421-4.7.0 [TSS04] try again", 421, "4.7.0"},
        {"550 (status 5.7.1) denied", 550, "5.7.1"},
        {"5.7.1234 is not a code", 0, ""},
        {"Mailbox has 250 messages", 0, ""},
        {"Exim 4.92.3 says no", 0, ""},
        {"Call me at 555-0100 or 555-0199", 0, ""},
        {"550-Mailbox unavailable", 550, ""},
        {"or call +34 91 555 0100.", 0, ""},
        {"554 554 5.7.0 Header error", 554, "5.7.0"},
        {"Postfix 2.11.3 here", 0, ""},
        {"#5.1.10 gone", 0, "5.1.10"},
        {"smtp; 250 2.0.0 Ok", 250, "2.0.0"},
        {"host mx said: 250 ok", 250, ""},
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int code = -1;
        char st[BN_STATUS_MAX];
        bool found = bn_reply_scan(cases[i].text, strlen(cases[i].text), &code, st);
        assert_int_equal(code, cases[i].code);
        assert_string_equal(st, cases[i].status);
        assert_int_equal(found, cases[i].code != 0 || cases[i].status[0]);
    }
    assert_false(bn_reply_scan(NULL, 0, NULL, NULL));
    /* a length shorter than the string is honoured */
    int code;
    char st[BN_STATUS_MAX];
    assert_true(bn_reply_scan("550 5.1.1", 3, &code, st));
    assert_int_equal(code, 550);
    assert_string_equal(st, "");
}

typedef struct retry_case {
    const char *text;
    long secs;
} retry_case;

static void test_retry_after(void **state)
{
    (void)state;
    static const retry_case cases[] = {
        {"421 4.7.0 try again in 5 minutes", 300},
        {"451 greylisted, retry after 300 seconds", 300},
        {"450 please wait 1 hour", 3600},
        {"421 too many connections, try again in 30s", 30},
        {"451 try again later", -1},
        {"550 user unknown", -1},
        {"try again in many minutes, retry in 2 min", 120},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bn_verdict v = classify(0, NULL, cases[i].text, NULL);
        assert_int_equal(v.retry_after, cases[i].secs);
    }
}

static void test_ip(void **state)
{
    (void)state;
    char ip[BN_IP_MAX];
    assert_true(bn_ip_scan("client [192.0.2.1] is listed", 28, ip));
    assert_string_equal(ip, "192.0.2.1");
    const char *t6 = "IP 2001:db8::25 blocked";
    assert_true(bn_ip_scan(t6, strlen(t6), ip));
    assert_string_equal(ip, "2001:db8::25");
    const char *none = "5.7.1 version 4.16.55.1.2 at 10:22:33";
    assert_false(bn_ip_scan(none, strlen(none), ip));
    assert_string_equal(ip, "");
    const char *bad = "999.1.1.1 and 1.2.3";
    assert_false(bn_ip_scan(bad, strlen(bad), ip));
    bn_verdict v = classify(0, NULL, "554 Your access from 203.0.113.9 is blocked", NULL);
    assert_string_equal(v.ip, "203.0.113.9");
}

/* ---- explanations --------------------------------------------------------- */

static void test_explain_every_reason(void **state)
{
    (void)state;
    char buf[1024];
    for (int r = 0; r < BN_REASON_COUNT; r++) {
        bn_verdict v = classify(550, NULL, NULL, NULL);
        v.reason = (bn_reason)r;
        size_t n = bn_verdict_explain(&v, buf, sizeof buf);
        assert_true(n > 40);
        assert_int_equal(n, strlen(buf));
        assert_non_null(strchr(buf, '.'));
    }
}

static void test_explain_blocklist(void **state)
{
    (void)state;
    char buf[1024];
    bn_verdict v = classify(0, NULL,
                            "554 5.7.1 Service unavailable; Client host [198.51.100.7] "
                            "blocked using bl.spamcop.net",
                            "RCPT");
    bn_verdict_explain(&v, buf, sizeof buf);
    assert_non_null(strstr(buf, "SpamCop"));
    assert_non_null(strstr(buf, "probably fine"));
    assert_non_null(strstr(buf, "bounce doctor --ip 198.51.100.7"));
    assert_non_null(strstr(buf, "DMARC"));
    /* snprintf contract: the needed length even when truncated */
    char small[16];
    size_t need = bn_verdict_explain(&v, small, sizeof small);
    assert_int_equal(need, strlen(buf));
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(bn_verdict_explain(&v, NULL, 0), need);
    /* explanations name the retry delay */
    v = classify(0, NULL, "450 4.7.1 greylisted, try again in 5 minutes", NULL);
    bn_verdict_explain(&v, buf, sizeof buf);
    assert_non_null(strstr(buf, "300 seconds"));
}

/* test_host_lookups - the provider named by the remote MTA's name, whatever
   names were looked up before: names that differ only in case, in length or
   in one byte, a provider's domain inside a longer word, each asked in
   several rounds and orders */
static void test_host_lookups(void **state)
{
    (void)state;
    static const struct {
        const char *host, *provider;
    } cases[] = {
        {"aspmx.l.google.com", "Google"},   {"mx.example.org", NULL},
        {"mx1.hotmail.com", "Microsoft"},   {"ALT1.ASPMX.L.GOOGLE.COM", "Google"},
        {"mta7.am0.yahoodns.net", "Yahoo"}, {"mail.orange.fr", "Orange"},
        {"mx.qq.com", "Tencent"},           {"smtp.cox.net", "Cox"},
        {"mx.notorange.fr", NULL},          {"mx.icloud.com", "Apple"},
        {"mx.comcast.net", "Comcast"},      {"mx1.hotmail.co", NULL},
        {"mx1.hotmail.coM", "Microsoft"},   {"mx.qq.co", NULL},
    };
    const size_t n = sizeof(cases) / sizeof(cases[0]);
    const char *text = "550 : User unknown";
    for (size_t round = 0; round < 4; round++) {
        for (size_t k = 0; k < n; k++) {
            size_t i = round % 2 ? n - 1 - k : k; /* forwards, then backwards */
            bn_reply in = {0};
            bn_verdict v;
            in.text = text;
            in.text_len = strlen(text);
            in.host = cases[i].host;
            in.host_len = strlen(cases[i].host);
            bn_classify(&v, &in);
            if (!cases[i].provider && v.provider)
                fail_msg("%s: provider %s, want none", cases[i].host, v.provider);
            if (cases[i].provider && (!v.provider || strcmp(v.provider, cases[i].provider)))
                fail_msg("%s: provider %s, want %s", cases[i].host,
                         v.provider ? v.provider : "none", cases[i].provider);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replies_file),     cmocka_unit_test(test_mandatory),
        cmocka_unit_test(test_precedence),       cmocka_unit_test(test_class_conflict),
        cmocka_unit_test(test_stages),           cmocka_unit_test(test_multiline),
        cmocka_unit_test(test_nothing),          cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_reply_scan),
        cmocka_unit_test(test_host_lookups),
        cmocka_unit_test(test_retry_after),      cmocka_unit_test(test_ip),
        cmocka_unit_test(test_explain_every_reason), cmocka_unit_test(test_explain_blocklist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
