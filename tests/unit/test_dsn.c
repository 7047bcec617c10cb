/* test_dsn.c - the pure-text pieces of extraction: DSN fields, addresses, codes, dates */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/str.h"
#include "extract/extract.h"

static bn_arena arena;

/* S - span of a C string literal */
#define S(lit) ((bn_str){(lit), sizeof(lit) - 1})

/* assert_span - span equals the expected C string */
#define assert_span(span, want)                                                \
    do {                                                                       \
        bn_str s_ = (span);                                                    \
        const char *w_ = (want);                                               \
        if (s_.n != strlen(w_) || (s_.n && memcmp(s_.p, w_, s_.n) != 0))       \
            fail_msg("got \"%.*s\", want \"%s\"", (int)s_.n, s_.p ? s_.p : "", \
                     w_);                                                      \
    } while (0)

/* test_addr_field_token_ends - the address token of a field ends at its
   first space ('\t'..'\r' or ' '), '(' or ','; local parts of 1-44 bytes
   put that byte at every offset of the 16-byte blocks and the text's last
   block (SSE2 path); bytes next to those in the ASCII table do not end it */
static void test_addr_field_token_ends(void **state)
{
    (void)state;
    static const char stops[] = {' ', '\t', '\n', '\v', '\f', '\r', '(', ','};
    static const char local_chars[] = "ab+-*c'd"; /* atext; '+', '-', '*', '\'' sit near ',' and '(' */
    for (size_t len = 1; len <= 44; len++) {
        char addr[64], value[128];
        for (size_t i = 0; i < len; i++)
            addr[i] = local_chars[i % (sizeof local_chars - 1)];
        addr[0] = 'x'; /* a leading quote would be stripped */
        memcpy(addr + len, "@ex.example", 12);
        snprintf(value, sizeof value, "rfc822; %s", addr);
        assert_span(bn_x_addr_field(bn_str_cstr(value)), addr); /* no stop: the whole rest */
        /* short tails put the stop in the text's last block; a missed '('
           would give "...example(c", which passes as an address */
        static const char *const tails[] = {"", "c", "c)", "more text after it"};
        for (size_t k = 0; k < sizeof stops; k++)
            for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                snprintf(value, sizeof value, "rfc822;%s%c%s", addr, stops[k], tails[t]);
                assert_span(bn_x_addr_field(bn_str_cstr(value)), addr);
            }
    }
}

/* test_find_status_offsets - a code after 0-40 bytes of words, with and
   without a decoy dot ("v1.2" is no code) before it, at the text's end or
   not: the dot search meets it in a 16-byte block and in the last bytes */
static void test_find_status_offsets(void **state)
{
    (void)state;
    static const char *const tails[] = {"", " x", " user unknown here, really"};
    for (size_t pre = 0; pre <= 40; pre++)
        for (int decoy = 0; decoy < 2; decoy++)
            for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                char text[128];
                size_t n = 0;
                for (; n < pre; n++)
                    text[n] = (char)('a' + n % 7);
                if (decoy && pre >= 5)
                    memcpy(text + pre - 5, "v1.2 ", 5);
                n += (size_t)snprintf(text + n, sizeof text - n, " 5.1.1%s", tails[t]);
                assert_span(bn_x_find_status((bn_str){text, n}), "5.1.1");
                text[pre + 2] = ','; /* "5,1.1": no code left */
                assert_span(bn_x_find_status((bn_str){text, n}), "");
            }
}

static int setup(void **state)
{
    (void)state;
    bn_arena_init(&arena, 1u << 24);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bn_arena_free(&arena);
    return 0;
}

/* A standard two-recipient DSN with folded Diagnostic-Code. */
static void test_dsn_standard(void **state)
{
    (void)state;
    bn_str t = S("Reporting-MTA: dns; mx.example.org\r\n"
                 "X-Postfix-Sender: rfc822; sender@example.org\r\n"
                 "Arrival-Date: Thu, 29 Apr 2010 23:34:45 +0900\r\n"
                 "\r\n"
                 "Final-Recipient: rfc822; user1@example.com\r\n"
                 "Original-Recipient: rfc822;alias@example.com\r\n"
                 "Action: failed\r\n"
                 "Status: 5.1.1\r\n"
                 "Remote-MTA: dns; mx.example.com\r\n"
                 "Diagnostic-Code: smtp; 550 5.1.1 <user1@example.com>:\r\n"
                 "    Recipient address rejected: User unknown\r\n"
                 "\r\n"
                 "Final-Recipient: RFC822; <user2@example.com>\r\n"
                 "Action: delayed\r\n"
                 "Status: 4.4.1\r\n"
                 "Will-Retry-Until: Sun, 2 May 2010 23:34:45 +0900\r\n");
    bn_dsn d;
    assert_int_equal(bn_dsn_parse(&d, &arena, t, false, 100), BN_OK);
    assert_int_equal(d.n, 2);
    assert_span(bn_dsn_mta_name(d.reporting_mta), "mx.example.org");
    assert_span(bn_x_addr_field(d.x_sender), "sender@example.org");
    assert_span(bn_x_addr_field(d.r[0].final_rcpt), "user1@example.com");
    assert_span(bn_x_addr_field(d.r[0].orig_rcpt), "alias@example.com");
    assert_span(d.r[0].action, "failed");
    assert_span(d.r[0].diag_type, "smtp");
    assert_span(d.r[0].diag,
                "550 5.1.1 <user1@example.com>: Recipient address rejected: User unknown");
    assert_span(bn_x_addr_field(d.r[1].final_rcpt), "user2@example.com");
    assert_span(d.r[1].action, "delayed");
    assert_span(d.r[1].will_retry, "Sun, 2 May 2010 23:34:45 +0900");
}

/* test_dsn_every_field - every field name of RFC 3464 and the extensions,
   in any case, lands in its slot; names of the same length that differ
   (in their first, middle or last byte) and longer names are no field */
static void test_dsn_every_field(void **state)
{
    (void)state;
    bn_str t = S("REPORTING-MTA: dns; r.example\n"
                 "Received-From-MTA: dns; f.example\n"
                 "arrival-date: Mon, 3 May 2010\n"
                 "Original-Envelope-Id: env1\n"
                 "X-Postfix-Sender: rfc822; s@example.org\n"
                 "X-Original-Message-ID: <m1@example.org>\n"
                 "Xction: ignored\n"
                 "Final-Recipienz: rfc822; no@example.org\n"
                 "Status-And-More-Than-Thirty-Two-Bytes: 4.0.0\n"
                 "\n"
                 "Original-Recipient: rfc822; o@example.com\n"
                 "final-recipient: rfc822; f@example.com\n"
                 "X-Actual-Recipient: rfc822; a@example.com\n"
                 "ACTION: failed\n"
                 "Status: 5.1.1\n"
                 "Remote-MTA: dns; mx.example.com\n"
                 "Diagnostic-Code: smtp; 550 no\n"
                 "Last-Attempt-Date: Tue, 4 May 2010\n"
                 "Will-Retry-Until: Wed, 5 May 2010\n"
                 "Final-Log-ID: log1\n");
    bn_dsn d;
    assert_int_equal(bn_dsn_parse(&d, &arena, t, false, 100), BN_OK);
    assert_int_equal(d.fields, 16);
    assert_int_equal(d.n, 1);
    assert_span(d.reporting_mta, "dns; r.example");
    assert_span(d.received_from_mta, "dns; f.example");
    assert_span(d.arrival_date, "Mon, 3 May 2010");
    assert_span(d.envid, "env1");
    assert_span(d.x_sender, "rfc822; s@example.org");
    assert_span(d.x_orig_msgid, "<m1@example.org>");
    assert_span(d.r[0].orig_rcpt, "rfc822; o@example.com");
    assert_span(d.r[0].final_rcpt, "rfc822; f@example.com");
    assert_span(d.r[0].x_actual_rcpt, "rfc822; a@example.com");
    assert_span(d.r[0].action, "failed");
    assert_span(d.r[0].status, "5.1.1");
    assert_span(d.r[0].remote_mta, "dns; mx.example.com");
    assert_span(d.r[0].diag, "550 no");
    assert_span(d.r[0].last_attempt, "Tue, 4 May 2010");
    assert_span(d.r[0].will_retry, "Wed, 5 May 2010");
    assert_span(d.r[0].final_log_id, "log1");
    /* DSN-Gateway stands in for a missing Reporting-MTA */
    assert_int_equal(bn_dsn_parse(&d, &arena, S("DSN-Gateway: dns; g.example\n"), false, 100),
                     BN_OK);
    assert_int_equal(d.fields, 1);
    assert_span(d.reporting_mta, "dns; g.example");
}

/* Deviations: no blank lines between recipients, "Status :" spacing, LF only. */
static void test_dsn_missing_blank_lines(void **state)
{
    (void)state;
    bn_str t = S("Reporting-MTA: dns; a.example\n"
                 "Final-Recipient: rfc822; one@example.com\n"
                 "Action: failed\n"
                 "Status : 5.0.0\n"
                 "Diagnostic-Code: smtp; 550 5.2.2 mailbox full\n"
                 "Final-Recipient: rfc822; two@example.com\n"
                 "Action: failed\n"
                 "Status: 5.1.1\n");
    bn_dsn d;
    assert_int_equal(bn_dsn_parse(&d, &arena, t, false, 100), BN_OK);
    assert_int_equal(d.n, 2);
    assert_span(bn_x_addr_field(d.r[0].final_rcpt), "one@example.com");
    assert_span(d.r[0].status, "5.0.0");
    assert_span(bn_x_addr_field(d.r[1].final_rcpt), "two@example.com");
    assert_span(d.r[1].status, "5.1.1");
    assert_span(bn_dsn_mta_name(d.reporting_mta), "a.example");
}

/* Blocks separated by two blank lines (IIS), bare CR line ends, no address type. */
static void test_dsn_double_blank_and_cr(void **state)
{
    (void)state;
    bn_str t = S("Reporting-MTA: dns;iis.example\r\r\r"
                 "Final-Recipient: <x@example.net>\r"
                 "Action: failed\r"
                 "Status: 5.2.1\r\r\r"
                 "Original-Recipient: rfc822;y@example.net\r"
                 "Final-Recipient: y@example.net\r"
                 "Action: failed\r"
                 "Status: 5.1.1\r");
    bn_dsn d;
    assert_int_equal(bn_dsn_parse(&d, &arena, t, false, 100), BN_OK);
    assert_int_equal(d.n, 2);
    assert_span(bn_x_addr_field(d.r[0].final_rcpt), "x@example.net");
    assert_span(bn_x_addr_field(d.r[1].final_rcpt), "y@example.net");
    assert_span(bn_x_addr_field(d.r[1].orig_rcpt), "y@example.net");
}

/* Inline mode stops at the paragraph after the DSN (the original's headers). */
static void test_dsn_inline(void **state)
{
    (void)state;
    bn_str t = S("Some text\n\nReporting-MTA: dns; m.example\n\n"
                 "Final-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.1.1\n"
                 "\n\nReturn-Path: <s@example.org>\nFrom: s@example.org\n"
                 "Final-Recipient: rfc822; not-this@example.com\n");
    size_t off = bn_dsn_find_inline(t);
    assert_true(off < t.n);
    bn_dsn d;
    bn_str rest = {t.p + off, t.n - off};
    assert_int_equal(bn_dsn_parse(&d, &arena, rest, true, 100), BN_OK);
    assert_int_equal(d.n, 1);
    assert_span(bn_x_addr_field(d.r[0].final_rcpt), "a@example.com");
    bn_str none = S("no report here\nAction: failed\n");
    assert_int_equal(bn_dsn_find_inline(none), none.n); /* Action alone opens nothing */
}

/* The recipient limit caps the blocks read. */
static void test_dsn_limit(void **state)
{
    (void)state;
    bn_str t = S("Final-Recipient: rfc822; a@x.example\nAction: failed\n\n"
                 "Final-Recipient: rfc822; b@x.example\nAction: failed\n\n"
                 "Final-Recipient: rfc822; c@x.example\nAction: failed\n");
    bn_dsn d;
    assert_int_equal(bn_dsn_parse(&d, &arena, t, false, 2), BN_OK);
    assert_int_equal(d.n, 2);
}

/* Address fields and free-text addresses: a table of inputs and answers. */
static void test_addr_field(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"rfc822; user@example.com", "user@example.com"},
        {"rfc822;<user@example.com>", "user@example.com"},
        {"RFC822; User@Example.COM (comment)", "User@Example.COM"},
        {"utf-8; \xe7\x94\xa8\xe6\x88\xb7@example.com", "\xe7\x94\xa8\xe6\x88\xb7@example.com"},
        {"user@example.com", "user@example.com"},
        {"<user@example.com>", "user@example.com"},
        {"\"Name\" <user@example.com>", "user@example.com"},
        {"rfc822; user@example.com.", "user@example.com"},
        {"rfc822; no address here", ""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_span(bn_x_addr_field(bn_str_cstr(cases[i].in)), cases[i].want);
}

/* Scanning free text finds addresses in order, skipping non-addresses. */
static void test_addr_scan(void **state)
{
    (void)state;
    bn_str t = S("Mail to <a.b+tag@Sub.Example.com>: failed. user@localhost, "
                 "then c@example.org.");
    size_t pos = 0;
    assert_span(bn_x_addr_scan(t, &pos), "a.b+tag@Sub.Example.com");
    assert_span(bn_x_addr_scan(t, &pos), "c@example.org");
    assert_int_equal(bn_x_addr_scan(t, &pos).n, 0);
    bn_str norm = bn_x_addr_norm(&arena, S("Kiji.Tora@EXAMPLE.Jp"));
    assert_span(norm, "Kiji.Tora@example.jp");
}

/* Enhanced status codes and reply codes in text. */
static void test_codes(void **state)
{
    (void)state;
    assert_span(bn_x_find_status(S("550 5.1.1 <a@b>... User unknown")), "5.1.1");
    assert_span(bn_x_find_status(S("Status: 4.4.7 (delivery time expired)")), "4.4.7");
    assert_span(bn_x_find_status(S("host 192.0.2.1 said 550")), "");
    assert_span(bn_x_find_status(S("version 5.1.1.3 then 5.7.26.")), "5.7.26");
    assert_span(bn_x_find_status(S("#5.1.0 X-Notes;")), "5.1.0");
    assert_int_equal(bn_x_find_replycode(S("smtp; 550-5.1.1 The email account")), 550);
    assert_int_equal(bn_x_find_replycode(S("host said: 452 4.2.2 full")), 452);
    assert_int_equal(bn_x_find_replycode(S("port 25000 then 1550 and 5501")), 0);
    assert_int_equal(bn_x_find_replycode(S("no code here")), 0);
    assert_span(bn_x_find_command(S("(in reply to RCPT TO command)")), "RCPT");
    assert_span(bn_x_find_command(S("SMTP error from remote mail server after end of data:")),
                "DATA");
    assert_span(bn_x_find_command(S("after MAIL FROM:<a@b> SIZE=1")), "MAIL");
    assert_span(bn_x_find_command(S("nothing")), "");
    /* the phrase that starts first wins, not the first row found: short
       texts are searched phrase by phrase, long ones with the matcher */
    static const char *const cmd_cases[][2] = {
        {"MAIL FROM:<a@b> rejected after rcpt to", "MAIL"},
        {"RCPT TO:<c@d> after MAIL FROM", "RCPT"},
        {"in reply to data command", "DATA"},
        {"HELO x after starttls", "STARTTLS"},
        {"none at all", ""},
        {"", ""},
    };
    static char buf[1200 + 64];
    for (size_t i = 0; i < sizeof cmd_cases / sizeof cmd_cases[0]; i++) {
        size_t n = strlen(cmd_cases[i][0]);
        assert_span(bn_x_find_command((bn_str){cmd_cases[i][0], n}), cmd_cases[i][1]);
        memset(buf, '.', 1200); /* past 1024 bytes: the matcher path */
        memcpy(buf + 1200, cmd_cases[i][0], n);
        assert_span(bn_x_find_command((bn_str){buf, 1200 + n}), cmd_cases[i][1]);
    }
}

/* Dates: RFC 5322 and the variants seen in reports. */
static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(bn_x_date(S("Thu, 29 Apr 2010 23:34:45 +0900")), 1272551685);
    assert_int_equal(bn_x_date(S("Thu,29 Apr 2010 14:34:45 +0000")), 1272551685);
    assert_int_equal(bn_x_date(S("29 Apr 2010 07:34:45 -0700 (PDT)")), 1272551685);
    assert_int_equal(bn_x_date(S("Thu, 29 Apr 2010 14:34:45 GMT")), 1272551685);
    assert_int_equal(bn_x_date(S("Thu, 29 Apr 10 14:34:45 GMT")), 1272551685);
    assert_int_equal(bn_x_date(S("Apr 29 14:34:45")), 0); /* no year: not a date */
    assert_int_equal(bn_x_date(S("garbage")), 0);
    assert_int_equal(bn_x_date(S("")), 0);
    assert_int_equal(bn_x_date(S("2010-04-29T14:34:45.000Z")), 1272551685);
    assert_int_equal(bn_x_date(S("2010-04-29T23:34:45+09:00")), 1272551685);
}

/* Dates in the common form (read at fixed places) and next to it: each
   answers as the general token walk does. A leading space sends a date to
   the token walk (which skips it), so both readings can be compared. */
static void test_dates_fast(void **state)
{
    (void)state;
    assert_int_equal(bn_x_date(S("3 May 2026 00:00:00 -0130")), 1777771800);
    assert_int_equal(bn_x_date(S("Thu, 31 Dec 2026 23:59:60 +0000")), 1798761600);
    assert_int_equal(bn_x_date(S("Sun, 28 Feb 1999 12:00:00 +0545")), 920182500);
    assert_int_equal(bn_x_date(S("Sun, 28 Feb 1999 12:00:00 +0545x")), 920203200); /* no zone */
    assert_int_equal(bn_x_date(S("Sun, 28 Feb 1999 12:00:00 +0545 (NPT)")), 920182500);
    static const char *const parts[][8] = {
        {"Mon, ", "Mar, ", "Xyz, ", "12a, ", "", "Tue,", "Wed ", "Thu, "},
        {"0", "1", "9", "09", "31", "32", "7a", "13"},
        {" Jan", " feb", " MAR", " Xyz", " Apr", "  Apr", "-Apr", " April"},
        {" 1899", " 1900", " 2026", " 2999", " 3000", " 26", " 2026", " 20266"},
        {" 00:00:00", " 23:59:59", " 60:60:60", " 61:00:00", " 1:00:00", " 10:00",
         " 10:00:0x", " 12:34:56"},
        {" +0000", " -0700", " +0960", " +09a0", " GMT", " +09000", "", " -2359"},
        {"", " (PDT)", "x", ",", "\r\n", "", "0", " +0100"},
    };
    uint32_t r = 12345;
    char buf[96];
    for (int round = 0; round < 50000; round++) {
        size_t n = 1; /* buf[0] is the space of the token walk's copy */
        buf[0] = ' ';
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
            r = r * 1103515245u + 12345u;
            const char *piece = parts[k][(r >> 16) % 8];
            memcpy(buf + n, piece, strlen(piece));
            n += strlen(piece);
        }
        time_t walk = bn_x_date((bn_str){buf, n});
        assert_int_equal(bn_x_date((bn_str){buf + 1, n - 1}), walk);
    }
}

/* VERP: the recipient encoded in the envelope address. */
static void test_verp(void **state)
{
    (void)state;
    assert_span(bn_x_verp(&arena, "bounces+user=example.com@lists.example.org"),
                "user@example.com");
    assert_span(bn_x_verp(&arena, "<bounce-jane.doe=example.net@mail.example.org>"),
                "jane.doe@example.net");
    assert_span(bn_x_verp(&arena, "plain@example.org"), "");
    assert_span(bn_x_verp(&arena, "bounces+nodomain@example.org"), "");
    assert_span(bn_x_verp(&arena, NULL), "");
}

/* Field blocks: folding, blank separators, a header block and its body. */
static void test_fields(void **state)
{
    (void)state;
    bn_headers h;
    bn_str body;
    bn_str t = S("From: a@example.org\nSubject: one\n two\nTo: b@example.org\n\nBody\n");
    assert_int_equal(bn_x_header_block(&arena, t, 100, &h, &body), BN_OK);
    assert_int_equal(h.n, 3);
    assert_span(bn_x_field_value(&arena, &h, "subject"), "one two");
    assert_span(body, "Body\n");
    size_t used;
    assert_int_equal(bn_x_fields(&arena, S("A: 1\n\nB: 2\ntext\nC: 3\n"), true, 100, &h, &used),
                     BN_OK);
    assert_int_equal(h.n, 3); /* A, blank, B: stops at "text" */
    assert_int_equal(used, 11);
}

/* JSON reading: members, arrays, escapes, malformed input. */
static void test_json(void **state)
{
    (void)state;
    bn_str o = S("{ \"a\" : [1, {\"b\":\"x\\\"y\"}, \"\\u00e9\\ud83d\\ude00\"], \"c\": null, "
                 "\"d\": {\"a\": 2} }");
    bn_str v, e;
    assert_true(bn_xj_member(o, "a", &v));
    size_t pos = 0;
    assert_true(bn_xj_next(v, &pos, &e));
    assert_span(e, "1");
    assert_true(bn_xj_next(v, &pos, &e));
    bn_str b;
    assert_true(bn_xj_member(e, "b", &b));
    assert_span(bn_xj_string(&arena, b), "x\"y");
    assert_true(bn_xj_next(v, &pos, &e));
    assert_span(bn_xj_string(&arena, e), "\xc3\xa9\xf0\x9f\x98\x80");
    assert_false(bn_xj_next(v, &pos, &e));
    assert_true(bn_xj_member(o, "c", &v));
    assert_int_equal(bn_xj_string(&arena, v).n, 0);
    assert_true(bn_xj_member(o, "d", &v)); /* top level only: d's own "a" is not o's */
    assert_false(bn_xj_member(o, "b", &v));
    assert_false(bn_xj_member(S("{\"a\": [1, 2"), "a", &v));   /* unterminated */
    assert_false(bn_xj_member(S("[\"a\", 1]"), "a", &v));       /* not an object */
    assert_false(bn_xj_member(S("{\"a\" 1}"), "a", &v));         /* no colon */
    char deep[300];
    memset(deep, '[', sizeof deep);
    bn_str dv = {deep, sizeof deep};
    pos = 0;
    assert_false(bn_xj_next(dv, &pos, &e)); /* nesting past the limit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dsn_standard),
        cmocka_unit_test(test_dsn_every_field),
        cmocka_unit_test(test_dsn_missing_blank_lines),
        cmocka_unit_test(test_dsn_double_blank_and_cr),
        cmocka_unit_test(test_dsn_inline),
        cmocka_unit_test(test_dsn_limit),
        cmocka_unit_test(test_addr_field),
        cmocka_unit_test(test_addr_scan),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_dates_fast),
        cmocka_unit_test(test_verp),
        cmocka_unit_test(test_addr_field_token_ends),
        cmocka_unit_test(test_find_status_offsets),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
