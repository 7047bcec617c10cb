/*
 * test_message.c - RFC 5322 header blocks and the MIME walk
 *
 * Table-driven: input text -> header fields / part tree / anomaly flags /
 * part texts, all written out by hand. Every case also runs with the input
 * at the end of a page followed by PROT_NONE, and so does every prefix of
 * every MIME case, so a scanner reading one byte too far faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "msg_test_util.h"

/* ---- header blocks ---- */

typedef struct hcase {
    const char *name;
    const char *in;
    size_t in_len;          /* 0: strlen(in) */
    const char *fields[8];  /* "Name=raw value" expected, in order */
    long body_at;           /* expected *consumed */
    unsigned anom;          /* exact anomaly flags expected */
} hcase;

static const hcase hcases[] = {
    {"lf", "From: a\nTo: b\n\nbody", 0, {"From=a", "To=b"}, 15, 0},
    {"crlf", "From: a\r\nTo: b\r\n\r\nbody", 0, {"From=a", "To=b"}, 18, 0},
    {"bare_cr", "From: a\rTo: b\r\rbody", 0, {"From=a", "To=b"}, 15, 0},
    {"folded", "Subject: a\r\n b\r\n\tc\r\nX: y\r\n\r\n", 0, {"Subject=a\r\n b\r\n\tc", "X=y"}, 28, 0},
    {"no_colon_inside", "A: 1\ngarbage\nB: 2\n\nbody", 0, {"A=1\ngarbage", "B=2"}, 19, BN_ANOM_BAD_HEADER},
    {"no_empty_line", "A: 1\nThis is body text\nmore\n", 0, {"A=1"}, 5, BN_ANOM_BAD_HEADER},
    {"never_ends", "A: 1\nB: 2", 0, {"A=1", "B=2"}, 9, 0},
    {"nul", "A: x\0y\n\nz", 9, {"A=x\0y"}, 8, BN_ANOM_NUL},
    {"8bit", "Subject: caf\xc3\xa9\n\n", 0, {"Subject=caf\xc3\xa9"}, 16, BN_ANOM_8BIT_HEADER},
    {"obs_space_before_colon", "Subject : hi\n\n", 0, {"Subject=hi"}, 14, 0},
    {"leading_fold", " stray\nA: 1\n\n", 0, {"A=1"}, 13, BN_ANOM_BAD_HEADER},
    {"empty_value", "A:\nB:  \n\n", 0, {"A=", "B="}, 9, 0},
    {"mbox_from_inside", "A: 1\n>From x@y Mon\nB: 2\n\n", 0, {"A=1\n>From x@y Mon", "B=2"}, 25, BN_ANOM_BAD_HEADER},
    {"value_tabs", "A:\t\tx y\n\n", 0, {"A=x y"}, 9, 0},
    {"empty_input", "", 0, {NULL}, 0, 0},
    {"only_empty_line", "\r\nbody", 0, {NULL}, 2, 0},
    /* folding lost in a returned message: "s=..." lines without the blank */
    {"lost_fold", "DKIM-Signature: v=1;\ns=sel;\nbh=abc=;\nb=xyz\nSubject: kept\n\n", 0,
     {"DKIM-Signature=v=1;\ns=sel;\nbh=abc=;\nb=xyz", "Subject=kept"}, 58, BN_ANOM_BAD_HEADER},
    {"body_without_blank_8bit", "A: 1\nbody caf\xe9\n", 0, {"A=1"}, 5, BN_ANOM_BAD_HEADER},
    {"dsn_block", "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; a@b\n", 0,
     {"Reporting-MTA=dns; mx.example"}, 32, 0},
    /* field names past 16 bytes (the vector name scan), a bad byte in each block */
    {"name_16", "ABCDEFGHIJKLMNOP: x\n\n", 0, {"ABCDEFGHIJKLMNOP=x"}, 21, 0},
    {"name_32", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef: y\n\n", 0,
     {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef=y"}, 37, 0},
    {"name_del_at_19", "X-Very-Long-Header-\x7fName: v\nB: 2\n\n", 0, {"B=2"}, 34,
     BN_ANOM_BAD_HEADER},
    {"name_8bit_at_17", "Content-Transfer-\xc3\xa9ncoding: x\nB: 2\n\n", 0, {"B=2"}, 36,
     BN_ANOM_BAD_HEADER | BN_ANOM_8BIT_HEADER},
    {"name_space_at_18", "ABCDEFGHIJKLMNOPQR STU: z\n\n", 0, {NULL}, 0, BN_ANOM_BAD_HEADER},
};

/* field_str - "Name=value" of a field, into buf */
static size_t field_str(const bn_header *h, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < h->name.n && n + 1 < size; i++)
        buf[n++] = h->name.p[i];
    if (n + 1 < size)
        buf[n++] = '=';
    for (size_t i = 0; i < h->value.n && n + 1 < size; i++)
        buf[n++] = h->value.p[i];
    buf[n] = '\0';
    return n;
}

/* run_hcase - parse one case from p and compare with the table */
static void run_hcase(const hcase *c, const char *p, size_t n)
{
    tmsg t;
    bn_headers h;
    size_t used = 99999;
    tmsg_init(&t);
    assert_int_equal(bn_headers_parse(&t.msg, p, n, &h, &used), BN_OK);
    size_t want = 0;
    while (want < 8 && c->fields[want])
        want++;
    if (h.n != want)
        fail_msg("%s: %zu fields, want %zu", c->name, h.n, want);
    for (size_t i = 0; i < want; i++) {
        char buf[256];
        size_t len = field_str(&h.v[i], buf, sizeof buf);
        /* expected strings may hold a NUL: compare with the literal's layout */
        size_t wl = strlen(c->fields[i]);
        if (strcmp(c->name, "nul") == 0)
            wl = 5;
        if (len != wl || memcmp(buf, c->fields[i], wl) != 0)
            fail_msg("%s: field %zu is '%s', want '%s'", c->name, i, buf, c->fields[i]);
    }
    if ((long)used != c->body_at)
        fail_msg("%s: body at %zu, want %ld", c->name, used, c->body_at);
    if (t.msg.anomalies != c->anom)
        fail_msg("%s: anomalies %#x, want %#x", c->name, t.msg.anomalies, c->anom);
    tmsg_fini(&t);
}

/* test_header_table - every header case, plain and at a guard page */
static void test_header_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hcases / sizeof hcases[0]; i++) {
        const hcase *c = &hcases[i];
        size_t n = c->in_len ? c->in_len : strlen(c->in);
        guard g;
        run_hcase(c, c->in, n);
        char *p = guard_put(&g, c->in, n);
        assert_non_null(p);
        run_hcase(c, p, n);
        guard_free(&g);
    }
}

/* odd_header - parse "Subject: " + k 'a' + odd + "b\nTo: c\n\n" + a body
   that holds both odd bytes, at a guard page; the anomalies seen */
static unsigned odd_header(size_t k, char odd, size_t *nfields, size_t *used)
{
    char in[256];
    size_t n = 0;
    n += (size_t)snprintf(in, sizeof in, "Subject: ");
    memset(in + n, 'a', k);
    n += k;
    if (odd != 'a')
        in[n++] = odd;
    static const char rest[] = "b\nTo: c\n\nbody \xe9 and \0 too, long enough for a vector\n";
    memcpy(in + n, rest, sizeof rest - 1);
    n += sizeof rest - 1;
    guard g;
    char *p = guard_put(&g, in, n);
    assert_non_null(p);
    tmsg t;
    bn_headers h;
    tmsg_init(&t);
    assert_int_equal(bn_headers_parse(&t.msg, p, n, &h, used), BN_OK);
    *nfields = h.n;
    *used = n - *used; /* the body's length, the same whatever k */
    unsigned a = t.msg.anomalies;
    tmsg_fini(&t);
    guard_free(&g);
    return a;
}

/* test_header_odd_bytes - a NUL or an 8-bit byte at every offset of a
   header line (either side of the 32- and 16-byte vector steps) is noted;
   the same bytes in the body are not */
static void test_header_odd_bytes(void **state)
{
    (void)state;
    const size_t body = strlen("body \xe9 and ") + 1 + strlen(" too, long enough for a vector\n");
    for (size_t k = 0; k < 100; k++) {
        size_t nf, bl;
        assert_int_equal(odd_header(k, 'a', &nf, &bl), 0);
        assert_int_equal(nf, 2);
        assert_int_equal(bl, body);
        assert_int_equal(odd_header(k, '\xe9', &nf, &bl), BN_ANOM_8BIT_HEADER);
        assert_int_equal(nf, 2);
        assert_int_equal(odd_header(k, '\0', &nf, &bl), BN_ANOM_NUL);
        assert_int_equal(bl, body);
    }
}

/* name_line - parse name (nl letters, a space inside at sp_at when > 0,
   one before the colon when sp) + ": " + vl 'v' + eol + "B: 2" + eol + eol
   + "body" at a guard page; checks the fields against what was written */
static void name_line(size_t nl, size_t vl, const char *eol, bool sp, size_t sp_at)
{
    char in[256], name[64], value[128];
    for (size_t k = 0; k < nl; k++)
        name[k] = (char)('A' + k % 26);
    if (sp_at)
        name[sp_at] = ' ';
    name[nl] = '\0';
    memset(value, 'v', vl);
    value[vl] = '\0';
    int n = snprintf(in, sizeof in, "%s%s: %s%sB: 2%s%sbody", name, sp ? " " : "", value, eol,
                     eol, eol);
    guard g;
    char *p = guard_put(&g, in, (size_t)n);
    assert_non_null(p);
    tmsg t;
    bn_headers h;
    size_t used;
    tmsg_init(&t);
    assert_int_equal(bn_headers_parse(&t.msg, p, (size_t)n, &h, &used), BN_OK);
    assert_int_equal(used, (size_t)n - 4);
    if (sp_at) { /* "AB CD:" is no field: a stray line before the first one */
        assert_int_equal(h.n, 1);
        assert_int_equal(t.msg.anomalies, BN_ANOM_BAD_HEADER);
    } else {
        assert_int_equal(h.n, 2);
        if (!str_is(h.v[0].name, name) || !str_is(h.v[0].value, value))
            fail_msg("name %zu value %zu: got '%.*s' = '%.*s'", nl, vl, (int)h.v[0].name.n,
                     h.v[0].name.p, (int)h.v[0].value.n, h.v[0].value.p);
        assert_int_equal(t.msg.anomalies, 0);
    }
    assert_true(str_is(h.v[h.n - 1].name, "B") && str_is(h.v[h.n - 1].value, "2"));
    tmsg_fini(&t);
    guard_free(&g);
}

/* test_header_line_lengths - names and lines of every length either side
   of the 32-byte load that finds a line's end and its name's end at once,
   LF and CRLF, "Name :", and a space inside the name at every offset */
static void test_header_line_lengths(void **state)
{
    (void)state;
    for (size_t nl = 1; nl <= 40; nl++) {
        for (size_t vl = 0; vl <= 70; vl++) {
            name_line(nl, vl, "\n", false, 0);
            name_line(nl, vl, "\r\n", false, 0);
            name_line(nl, vl, "\n", true, 0);
        }
        for (size_t k = 1; k + 1 < nl; k++) /* (a space last is "Name :") */
            name_line(nl, 5, "\n", false, k);
    }
}

/* test_header_limits - max_headers and max_header_size truncate and flag */
static void test_header_limits(void **state)
{
    (void)state;
    tmsg t;
    bn_headers h;
    size_t used;
    const char *in = "A: 0123456789\nB: 2\nC: 3\n\nbody";
    tmsg_init(&t);
    t.opts.max_headers = 2;
    t.opts.max_header_size = 5;
    assert_int_equal(bn_headers_parse(&t.msg, in, strlen(in), &h, &used), BN_OK);
    assert_int_equal(h.n, 2);
    assert_true(str_is(h.v[0].value, "01234"));
    assert_true(str_is(h.v[1].value, "2"));
    assert_int_equal(used, 25);
    assert_int_equal(t.msg.anomalies, BN_ANOM_HEADER_LIMIT);
    tmsg_fini(&t);
}

/* test_folded_limit - a fold past max_header_size is cut, the next field kept */
static void test_folded_limit(void **state)
{
    (void)state;
    tmsg t;
    bn_headers h;
    size_t used;
    const char *in = "A: 012\n 345\n 678\nB: x\n\n";
    tmsg_init(&t);
    t.opts.max_header_size = 6;
    assert_int_equal(bn_headers_parse(&t.msg, in, strlen(in), &h, &used), BN_OK);
    assert_int_equal(h.n, 2);
    assert_true(str_is(h.v[0].value, "012\n 3"));
    assert_true(str_is(h.v[1].value, "x"));
    assert_true(t.msg.anomalies & BN_ANOM_HEADER_LIMIT);
    tmsg_fini(&t);
}

/* test_hdr_access - find (case-insensitive), unfold, get (decoded) */
static void test_hdr_access(void **state)
{
    (void)state;
    tmsg t;
    bn_headers h;
    size_t used;
    bn_str v;
    const char *in = "subject: =?utf-8?q?caf=C3=A9?=\r\n  =?utf-8?b?IOKCrA==?= end\r\n"
                     "X-Fold: a  \r\n\t b\r\n\r\n";
    tmsg_init(&t);
    assert_int_equal(bn_headers_parse(&t.msg, in, strlen(in), &h, &used), BN_OK);
    assert_true(bn_hdr_find(&h, "SUBJECT", &v));
    assert_false(bn_hdr_find(&h, "Subjec", &v));
    assert_int_equal(v.n, 0);
    assert_true(str_is(bn_hdr_get(&t.msg, &h, "Subject"), "caf\xc3\xa9 \xe2\x82\xac end"));
    assert_true(bn_hdr_find(&h, "x-fold", &v));
    assert_true(str_is(bn_hdr_unfold(&t.msg, v), "a b"));
    assert_true(str_is(bn_hdr_get(&t.msg, &h, "Missing"), ""));
    assert_true(str_is(bn_hdr_unfold(&t.msg, BN_STR("  plain  ")), "plain"));
    tmsg_fini(&t);
}

/* test_hdr_get_values - bn_hdr_get (which returns plain ASCII values as
   they are, trimmed) gives what unfolding, RFC 2047 decoding and trimming
   give, and what is expected, for values plain or not, around the 16-byte
   vector step */
static void test_hdr_get_values(void **state)
{
    (void)state;
    static const struct {
        const char *value, *want;
    } c[] = {
        {"  plain value \t ", "plain value"},
        {"a\tb\vc", "a\tb\vc"},
        {"0123456789abcde", "0123456789abcde"},
        {"0123456789abcdef", "0123456789abcdef"},
        {"0123456789abcdef0", "0123456789abcdef0"},
        {"0123456789abcdef0123456789abcdef=", "0123456789abcdef0123456789abcdef="},
        {"0123456789abcdef0123456789abcde=?utf-8?q?x?=", "0123456789abcdef0123456789abcdex"},
        {"x=?utf-8?q?=C3=A9?=", "x\xc3\xa9"},
        {"=?utf-8?q?y?=", "y"},
        {"caf\xe9", "caf\xc3\xa9"},
        {"0123456789abcdef caf\xe9", "0123456789abcdef caf\xc3\xa9"},
        {"a\r\n b", "a b"},
        {"0123456789abcdef\r\n\t0123456789abcdef", "0123456789abcdef 0123456789abcdef"},
        {"   ", ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        tmsg t;
        tmsg_init(&t);
        bn_header f = {BN_STR("X"), bn_str_cstr(c[i].value)};
        bn_headers h = {&f, 1};
        bn_str got = bn_hdr_get(&t.msg, &h, "x");
        bn_str slow = bn_str_trim(bn_decode_rfc2047(&t.msg, bn_hdr_unfold(&t.msg, f.value)));
        if (!str_is(got, c[i].want) || !str_is(slow, c[i].want))
            fail_msg("case %zu: got '%.*s', slow path '%.*s', want '%s'", i, (int)got.n, got.p,
                     (int)slow.n, slow.p, c[i].want);
        tmsg_fini(&t);
    }
}

/* test_hdr_get_every_position - a fold, an encoded word or an 8-bit byte
   at every offset of values of 1-40 bytes is seen (the plain-value test
   reads the tail in overlapping words): bn_hdr_get decodes it */
static void test_hdr_get_every_position(void **state)
{
    (void)state;
    static const struct {
        const char *ins, *out;
    } sp[] = {{"\n ", " "}, {"\r\n\t", " "}, {"=?utf-8?q?b?=", "b"}, {"\xe9", "\xc3\xa9"}};
    for (size_t s = 0; s < sizeof sp / sizeof sp[0]; s++)
        for (size_t len = 1; len <= 40; len++)
            for (size_t k = 1; k < len; k++) {
                char in[64], want[64];
                memset(in, 'a', k);
                memset(want, 'a', k);
                snprintf(in + k, sizeof in - k, "%s%.*s", sp[s].ins, (int)(len - k),
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
                snprintf(want + k, sizeof want - k, "%s%.*s", sp[s].out, (int)(len - k),
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
                tmsg t;
                tmsg_init(&t);
                bn_header f = {BN_STR("X"), bn_str_cstr(in)};
                bn_headers h = {&f, 1};
                bn_str got = bn_hdr_get(&t.msg, &h, "x");
                if (!str_is(got, want))
                    fail_msg("special %zu at %zu of %zu: got '%.*s'", s, k, len, (int)got.n,
                             got.p);
                tmsg_fini(&t);
            }
}

/* ---- the MIME walk ---- */

typedef struct mcase {
    const char *name;
    const char *in;
    const char *tree;     /* "<depth><type>" per part, space separated */
    unsigned anom;        /* exact anomaly flags */
    int text_part;        /* part whose bn_part_text is checked, -1 none */
    const char *text;
    int rc;               /* bn_msg_parse result */
} mcase;

#define REPORT_HDR                                                             \
    "From: MAILER-DAEMON@mx.example\n"                                       \
    "Content-Type: multipart/report; report-type=Delivery-Status;\n"          \
    "\tboundary=\"=_outer\"\n\n"

static const mcase mcases[] = {
    {"single_no_ct", "Subject: x\n\nhello\n", "0text/plain", 0, 0, "hello\n", BN_OK},
    /* Content-* names in any case; near misses (one byte off, one too many
       or too few) come first and must not be taken */
    {"mime_field_names",
     "Content-Typo: text/html\nContent_Type: text/html\nContent-Types: text/html\n"
     "CONTENT-TYPE: multipart/mixed; boundary=b\n\n--b\n"
     "Content-Transfer-Encodinx: quoted-printable\nKontent-Transfer-Encoding: 7bit\n"
     "CoNtEnT-tRaNsFeR-eNcOdInG: base64\ncontent-type: text/plain\n\naGk=\n--b--\n",
     "0multipart/mixed 1text/plain", 0, 1, "hi", BN_OK},
    {"quoted_boundary_pre_epi",
     "Content-Type: multipart/mixed; boundary=\"b 1\"\n\npreamble\n--b 1\n\none\n--b 1\n"
     "Content-Type: text/html\n\n<b>two</b>\n--b 1--\nepilogue\n",
     "0multipart/mixed 1text/plain 1text/html", 0, 2, "<b>two</b>", BN_OK},
    {"unquoted_odd_case_spaces",
     "Content-Type: Multipart/Mixed; BOUNDARY = xyz\n\n--xyz  \t\nA: 1\n\nfirst\n--xyz--  \n",
     "0multipart/mixed 1text/plain", 0, 1, "first", BN_OK},
    {"crlf_parts",
     "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n",
     "0multipart/mixed 1text/plain 1text/plain", 0, 2, "two", BN_OK},
    {"bare_cr_parts", "Content-Type: multipart/mixed; boundary=b\r\r--b\r\rone\r--b--\r",
     "0multipart/mixed 1text/plain", 0, 1, "one", BN_OK},
    {"missing_close", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n",
     "0multipart/mixed 1text/plain 1text/plain", BN_ANOM_NO_CLOSE_BOUNDARY, 2, "two\n", BN_OK},
    {"no_delimiter_at_all", "Content-Type: multipart/mixed; boundary=b\n\njust text\n",
     "0multipart/mixed", BN_ANOM_NO_CLOSE_BOUNDARY, 0, "just text\n", BN_OK},
    {"inner_missing_close",
     "Content-Type: multipart/mixed; boundary=out\n\n--out\n"
     "Content-Type: multipart/alternative; boundary=in\n\n--in\n\ninner\n--out\n\nlast\n--out--\n",
     "0multipart/mixed 1multipart/alternative 2text/plain 1text/plain",
     BN_ANOM_NO_CLOSE_BOUNDARY, 2, "inner", BN_OK},
    {"boundary_prefix_of_inner",
     "Content-Type: multipart/mixed; boundary=abc\n\n--abc\n"
     "Content-Type: multipart/alternative; boundary=abcd\n\n--abcd\n\nx\n--abcd\n\ny\n--abcd--\n"
     "--abc--\n",
     "0multipart/mixed 1multipart/alternative 2text/plain 2text/plain", 0, 3, "y", BN_OK},
    {"not_a_delimiter_mid_line",
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nsee --b here\n--bx\n--b--\n",
     "0multipart/mixed 1text/plain", 0, 1, "see --b here\n--bx", BN_OK},
    {"dsn_report",
     REPORT_HDR "--=_outer\nContent-Type: text/plain; charset=us-ascii\n\nFailed.\n"
                "--=_outer\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
                "Final-Recipient: rfc822; a@b\nStatus: 5.1.1\n"
                "--=_outer\nContent-Type: message/rfc822\n\nSubject: orig\n"
                "Content-Type: multipart/alternative; boundary=alt\n\n--alt\n\nplain\n--alt--\n"
                "--=_outer--\n",
     "0multipart/report 1text/plain 1message/delivery-status 1message/rfc822 2multipart/alternative "
     "3text/plain",
     0, 2, "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@b\nStatus: 5.1.1", BN_OK},
    {"rfc822_headers",
     REPORT_HDR "--=_outer\nContent-Type: text/rfc822-headers\n\nSubject: orig\nTo: a@b\n"
                "--=_outer--\n",
     "0multipart/report 1text/rfc822-headers 2text/plain", 0, -1, NULL, BN_OK},
    {"rfc822_base64_tolerated",
     "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
     "U3ViamVjdDogaGkKCmJvZHkK\n",
     "0message/rfc822 1text/plain", 0, 1, "body\n", BN_OK},
    {"rfc822_leading_blank_and_from",
     "Content-Type: message/rfc822\n\n\r\n  \nFrom a@b Mon Nov 30 07:00:00 2026\nSubject: s\n\nx\n",
     "0message/rfc822 1text/plain", 0, 1, "x\n", BN_OK},
    /* an indented first line with no header after it: body, not a header block */
    {"rfc822_indented_text",
     "Content-Type: message/rfc822\n\n\n Subject: s\n\nx\n",
     "0message/rfc822 1text/plain", BN_ANOM_BAD_HEADER, 1, " Subject: s\n\nx\n", BN_OK},
    {"guessed_boundary", "Content-Type: multipart/mixed\n\n--zz\n\none\n--zz--\n",
     "0multipart/mixed 1text/plain", BN_ANOM_BAD_HEADER, 1, "one", BN_OK},
    {"mbox_from_and_bom", "\xef\xbb\xbf" "From sender@x Mon Nov 30 07:00:00 2026\nSubject: s\n\nb\n",
     "0text/plain", 0, 0, "b\n", BN_OK},
    {"digest_default", "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: in\n\nx\n--d--\n",
     "0multipart/digest 1message/rfc822 2text/plain", 0, 2, "x", BN_OK},
    {"base64_latin1",
     "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: BASE64\n\nY2Fm6Q==\n",
     "0text/plain", 0, 0, "caf\xc3\xa9", BN_OK},
    {"qp_utf8",
     "Content-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: quoted-printable\n\n"
     "caf=C3=A9 =\nsoft  \nend\n",
     "0text/plain", 0, 0, "caf\xc3\xa9 soft\nend\n", BN_OK},
    {"bad_base64_flagged",
     "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGk*!\n",
     "0text/plain", BN_ANOM_BAD_BASE64, 0, "hi", BN_OK},
    {"bad_qp_flagged",
     "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\na=ZZb\n",
     "0text/plain", BN_ANOM_BAD_QP, 0, "a=ZZb\n", BN_OK},
    {"invalid_type_defaults", "Content-Type: text\n\nx", "0text/plain", BN_ANOM_BAD_HEADER, 0, "x",
     BN_OK},
    {"empty_input", "", "0text/plain", 0, -1, NULL, BN_EFORMAT},
    {"binary_no_header", "\x01\x02\x03 no colon here\n", "0text/plain", BN_ANOM_BAD_HEADER, -1, NULL,
     BN_EFORMAT},
    {"global_nested",
     "Content-Type: message/global\n\nSubject: =?utf-8?q?x?=\nContent-Type: text/plain; charset=utf-8\n"
     "\n\xc3\xa9t\xc3\xa9\n",
     "0message/global 1text/plain", 0, 1, "\xc3\xa9t\xc3\xa9\n", BN_OK},
    {"windows1252_fallback", "Subject: x\nContent-Type: text/plain; charset=unknown-8bit\n\n\x93q\x94",
     "0text/plain", 0, 0, "\xe2\x80\x9cq\xe2\x80\x9d", BN_OK},
    /* the charset is read when asked for, but an RFC 2231 value at once: its
       own charset may be bad, and that is an anomaly of the message */
    {"rfc2231_charset_at_once",
     "Content-Type: application/octet-stream; charset*=x-no-such''%E9\n\nx",
     "0application/octet-stream", BN_ANOM_BAD_CHARSET, -1, NULL, BN_OK},
};

/* tree_str - "<depth><type>" of each part, space separated */
static void tree_str(const bn_msg *m, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < m->nparts && n + 4 < size; i++) {
        const bn_part *pt = &m->parts[i];
        n += (size_t)snprintf(buf + n, size - n, "%s%u%.*s", i ? " " : "", pt->depth,
                              (int)pt->type.n, pt->type.p);
    }
}

/* check_parents - every part's parent comes before it and is one level up */
static void check_parents(const bn_msg *m)
{
    for (size_t i = 0; i < m->nparts; i++) {
        const bn_part *pt = &m->parts[i];
        if (i == 0) {
            assert_int_equal(pt->parent, -1);
            continue;
        }
        assert_true(pt->parent >= 0 && (size_t)pt->parent < i);
        assert_int_equal(m->parts[pt->parent].depth + 1, pt->depth);
    }
}

/* run_mcase - parse, compare tree, flags and one part's text */
static void run_mcase(const mcase *c, const char *p, size_t n)
{
    tmsg t;
    char tree[512];
    tmsg_init(&t);
    int rc = bn_msg_parse(&t.msg, p, n);
    if (rc != c->rc)
        fail_msg("%s: rc %d, want %d", c->name, rc, c->rc);
    tree_str(&t.msg, tree, sizeof tree);
    if (strcmp(tree, c->tree) != 0)
        fail_msg("%s: tree '%s', want '%s'", c->name, tree, c->tree);
    check_parents(&t.msg);
    if (c->text_part >= 0) {
        bn_str s = bn_part_text(&t.msg, &t.msg.parts[c->text_part]);
        if (!str_is(s, c->text))
            fail_msg("%s: text '%.*s', want '%s'", c->name, (int)s.n, s.p, c->text);
    }
    if (t.msg.anomalies != c->anom)
        fail_msg("%s: anomalies %#x, want %#x", c->name, t.msg.anomalies, c->anom);
    tmsg_fini(&t);
}

/* test_mime_table - every MIME case, plain and at a guard page */
static void test_mime_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
        const mcase *c = &mcases[i];
        guard g;
        run_mcase(c, c->in, strlen(c->in));
        char *p = guard_put(&g, c->in, strlen(c->in));
        assert_non_null(p);
        run_mcase(c, p, strlen(c->in));
        guard_free(&g);
    }
}

/* The MIME field names and values in any case, and near misses that differ
   from a keyword in one byte by more than the case bit (mime.c compares
   them a word at a time with the case bit folded on letters only, and
   finds uppercase type bytes a word at a time). */
typedef struct fcase {
    const char *hdr;  /* header block, without the empty line */
    const char *type; /* the part's type expected */
    bool copied;      /* the type had to be lowercased (else it points into hdr) */
    bn_cte cte;
    bool attach;
} fcase;

static const fcase fcases[] = {
    {"Content-Type: text/plain", "text/plain", false, BN_CTE_NONE, false},
    {"CONTENT-TYPE: TEXT/PLAIN", "text/plain", true, BN_CTE_NONE, false},
    {"content-type: text/plaiN", "text/plain", true, BN_CTE_NONE, false},
    {"Content-Type: application/VND.ms-excel", "application/vnd.ms-excel", true, BN_CTE_NONE,
     false},
    {"Content-Type: x@[/`{", "x@[/`{", false, BN_CTE_NONE, false},
    {"Content-Type: aAzZ/x", "aazz/x", true, BN_CTE_NONE, false},
    {"Content-Type: abcdefgZ/x", "abcdefgz/x", true, BN_CTE_NONE, false},
    {"Content-Type: Abcdefgh/x", "abcdefgh/x", true, BN_CTE_NONE, false},
    {"Content-Type: x/@[`{@[`{zZ", "x/@[`{@[`{zz", true, BN_CTE_NONE, false},
    /* 8-bit bytes whose low 7 bits are 'A' and 'Z': no uppercase letters */
    {"Content-Type: application/x-\xc1\xda\xc1\xda\xc1\xda\xc1\xda",
     "application/x-\xc1\xda\xc1\xda\xc1\xda\xc1\xda", false, BN_CTE_NONE, false},
    {"Content-Typ\x05: image/gif", "text/plain", false, BN_CTE_NONE, false},
    {"Content-Type: multipartOx/y", "multipartox/y", true, BN_CTE_NONE, false},
    {"Content-Transfer-Encoding: BASE64", "text/plain", false, BN_CTE_BASE64, false},
    {"CONTENT-TRANSFER-ENCODING: Quoted-Printable", "text/plain", false, BN_CTE_QP, false},
    {"content-transfer-encodinG: quoted-printablE", "text/plain", false, BN_CTE_QP, false},
    {"Content-Transfer=Encoding: base64", "text/plain", false, BN_CTE_NONE, false},
    {"Content-Transfer-Encoding: quoted=printable", "text/plain", false, BN_CTE_OTHER, false},
    {"Content-Transfer-Encoding: base\x16\x14", "text/plain", false, BN_CTE_OTHER, false},
    {"Content-Transfer-Encoding: \x17" "bit", "text/plain", false, BN_CTE_OTHER, false},
    {"Content-Transfer-Encoding: 7BIT", "text/plain", false, BN_CTE_NONE, false},
    {"Content-Transfer-Encoding: Binary", "text/plain", false, BN_CTE_NONE, false},
    {"Content-Transfer-Encoding: x-uuencode", "text/plain", false, BN_CTE_OTHER, false},
    {"Content-Disposition: ATTACHMENT; filename=a", "text/plain", false, BN_CTE_NONE, true},
    {"CONTENT-DISPOSITION: attachmenT", "text/plain", false, BN_CTE_NONE, true},
    {"Content-Disposition: @ttachment", "text/plain", false, BN_CTE_NONE, false},
    {"Content-Disposition: attachments", "text/plain", false, BN_CTE_NONE, false},
    {"Content-Dispositio\x0e: attachment", "text/plain", false, BN_CTE_NONE, false},
};

/* test_mime_field_case - each fcase as a message's only header */
static void test_mime_field_case(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
        const fcase *c = &fcases[i];
        char in[256];
        size_t n = (size_t)snprintf(in, sizeof in, "Subject: s\n%s\n\nbody\n", c->hdr);
        tmsg t;
        tmsg_init(&t);
        assert_int_equal(bn_msg_parse(&t.msg, in, n), BN_OK);
        const bn_part *pt = &t.msg.parts[0];
        if (!str_is(pt->type, c->type))
            fail_msg("%s: type '%.*s', want '%s'", c->hdr, (int)pt->type.n, pt->type.p, c->type);
        bool inside = pt->type.p >= in && pt->type.p < in + n;
        if (strcmp(c->type, "text/plain") != 0 || strstr(c->hdr, "text/plain"))
            if (inside == c->copied)
                fail_msg("%s: type %s", c->hdr, inside ? "not lowercased" : "copied");
        if (pt->cte != c->cte || pt->is_attachment != c->attach)
            fail_msg("%s: cte %d attachment %d", c->hdr, (int)pt->cte, (int)pt->is_attachment);
        tmsg_fini(&t);
    }
}

/* delim_case - a multipart with line ends eol whose preamble is pad bytes
   and decoy lines that only start like a delimiter, at a guard page: both
   parts are found whatever the offsets of the delimiter lines */
#define LONG_EPILOGUE                                                                      \
    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee" \
    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
static void delim_case(const char *eol, size_t pad, bool epilogue)
{
    char in[512];
    size_t n = (size_t)snprintf(in, sizeof in,
                                "Content-Type: multipart/mixed; boundary=b%s%s", eol, eol);
    memset(in + n, 'p', pad);
    n += pad;
    n += (size_t)snprintf(in + n, sizeof in - n,
                          "%s-x%s--c%s--bx%s-%s--b%s%sone%s--b %s%stwo%s--b--%s", eol, eol, eol,
                          eol, eol, eol, eol, eol, eol, eol, eol, epilogue ? eol : "");
    if (epilogue) /* long: the vector searches meet every delimiter, not a byte loop */
        n += (size_t)snprintf(in + n, sizeof in - n, "epilogue%.130s%s", LONG_EPILOGUE, eol);
    guard g;
    char *p = guard_put(&g, in, n);
    assert_non_null(p);
    tmsg t;
    char tree[128];
    tmsg_init(&t);
    assert_int_equal(bn_msg_parse(&t.msg, p, n), BN_OK);
    tree_str(&t.msg, tree, sizeof tree);
    if (strcmp(tree, "0multipart/mixed 1text/plain 1text/plain") != 0)
        fail_msg("eol %zu pad %zu: tree '%s'", strlen(eol), pad, tree);
    assert_true(str_is(bn_part_text(&t.msg, &t.msg.parts[1]), "one"));
    assert_true(str_is(bn_part_text(&t.msg, &t.msg.parts[2]), "two"));
    assert_int_equal(t.msg.anomalies, 0);
    tmsg_fini(&t);
    guard_free(&g);
}

/* long_part_case - a delimiter line after a part of pad bytes with no
   other line start in it, so that its line end falls on every offset of a
   vector step (the last byte of a 64-byte block included) */
static void long_part_case(const char *eol, size_t pad)
{
    char in[512], text[200];
    memset(text, 'p', pad);
    text[pad] = '\0';
    size_t n = (size_t)snprintf(in, sizeof in,
                                "Content-Type: multipart/mixed; boundary=b%s%s%s%s--b%s%s%s--b--"
                                "%s%s%s",
                                eol, eol, text, eol, eol, text, eol, eol, LONG_EPILOGUE, eol);
    tmsg t;
    char tree[128];
    tmsg_init(&t);
    assert_int_equal(bn_msg_parse(&t.msg, in, n), BN_OK);
    tree_str(&t.msg, tree, sizeof tree);
    if (strcmp(tree, "0multipart/mixed 1text/plain") != 0)
        fail_msg("eol %zu pad %zu: tree '%s'", strlen(eol), pad, tree);
    if (!str_is(t.msg.parts[1].body_raw, text))
        fail_msg("eol %zu pad %zu: part of %zu bytes", strlen(eol), pad,
                 t.msg.parts[1].body_raw.n);
    tmsg_fini(&t);
}

/* test_delimiter_offsets - delimiter lines at every offset from a vector
   step (64 and 16 bytes), near the end of the input or not, after LF, CRLF
   or a bare CR, past lines that start with "-", "--" or "--b" */
static void test_delimiter_offsets(void **state)
{
    (void)state;
    static const char *const eols[] = {"\n", "\r\n", "\r"};
    for (size_t e = 0; e < 3; e++)
        for (size_t pad = 0; pad < 140; pad++) {
            delim_case(eols[e], pad, false);
            delim_case(eols[e], pad, true);
            long_part_case(eols[e], pad);
        }
}

/* walk_all - parse and touch everything (bodies, texts, headers) */
static void walk_all(const char *p, size_t n)
{
    tmsg t;
    tmsg_init(&t);
    (void)bn_msg_parse(&t.msg, p, n);
    for (size_t i = 0; i < t.msg.nparts; i++) {
        bn_part *pt = &t.msg.parts[i];
        (void)bn_part_text(&t.msg, pt);
        (void)bn_hdr_get(&t.msg, &pt->hdrs, "Subject");
        (void)bn_param_get(&t.msg, pt->hdrs.n ? pt->hdrs.v[0].value : BN_STR_NULL, "charset");
        assert_true(pt->body_raw.n == 0 ||
                    (pt->body_raw.p >= p && pt->body_raw.p + pt->body_raw.n <= p + n) ||
                    pt->depth > 0); /* nested decoded entities live in the arena */
    }
    tmsg_fini(&t);
}

/* dash_nest_case - a multipart/alternative (boundary i) inside a
   multipart/mixed (boundary o), directly (same bytes: the inner walk reads
   the "--" lines the outer one met) or as a message/rfc822 part, its first
   part led by k lines that start with "--" (fewer, as many as, and more
   than the outer walk keeps), a third level (boundary j) inside it */
static void dash_nest_case(size_t k, bool rfc822, const char *eol)
{
    char *in = malloc(k * 16 + 1024), *w = in;
    assert_non_null(in);
    w += sprintf(w, "Content-Type: multipart/mixed; boundary=o%s%s--o%s", eol, eol, eol);
    if (rfc822)
        w += sprintf(w, "Content-Type: message/rfc822%s%sSubject: x%s", eol, eol, eol);
    w += sprintf(w, "Content-Type: multipart/alternative; boundary=i%s%s--i%s%s", eol, eol, eol, eol);
    for (size_t j = 0; j < k; j++)
        w += sprintf(w, "%s%s", j % 2 ? "-- sig" : "--ix", eol);
    w += sprintf(w, "A%s--i%sContent-Type: multipart/mixed; boundary=j%s%s--j%s%sB%s--j--%s--i--%s",
                 eol, eol, eol, eol, eol, eol, eol, eol, eol);
    w += sprintf(w, "--o%s%sC%s--o--%s", eol, eol, eol, eol);
    tmsg t;
    tmsg_init(&t);
    assert_int_equal(bn_msg_parse(&t.msg, in, (size_t)(w - in)), BN_OK);
    size_t base = rfc822 ? 2 : 1; /* index of the inner multipart */
    if (t.msg.nparts != base + 5 || t.msg.anomalies)
        fail_msg("k=%zu rfc822=%d: %zu parts, anomalies %#x", k, rfc822, t.msg.nparts,
                 t.msg.anomalies);
    bn_str a = t.msg.parts[base + 1].body_raw;
    size_t el = strlen(eol);
    assert_int_equal(a.n, (k + 1) / 2 * (4 + el) + k / 2 * (6 + el) + 1); /* "--ix", "-- sig" */
    assert_true(a.p[a.n - 1] == 'A');
    assert_true(bn_part_is(&t.msg.parts[base + 2], "multipart/mixed"));
    assert_true(str_is(t.msg.parts[base + 3].body_raw, "B"));
    assert_true(bn_part_is(&t.msg.parts[base + 4], "text/plain"));
    assert_int_equal(t.msg.parts[base + 4].parent, 0);
    assert_true(str_is(t.msg.parts[base + 4].body_raw, "C"));
    tmsg_fini(&t);
    free(in);
}

/* test_nested_dash_lines - nested multiparts split the same whether the
   inner walk scans its bytes or reads the candidates the outer walk met */
static void test_nested_dash_lines(void **state)
{
    (void)state;
    static const size_t ks[] = {0, 1, 2, 58, 59, 60, 61, 62, 63, 64, 65, 300};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        dash_nest_case(ks[i], false, "\n");
        dash_nest_case(ks[i], true, "\n");
        dash_nest_case(ks[i], false, "\r\n");
    }
}

/* test_guard_prefixes - every prefix of every MIME case at a guard page */
static void test_guard_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
        const char *in = mcases[i].in;
        size_t n = strlen(in);
        for (size_t k = 0; k <= n; k++) {
            guard g;
            char *p = guard_put(&g, in, k);
            assert_non_null(p);
            walk_all(p, k);
            guard_free(&g);
        }
    }
}

/* test_report_fields - report-type lowercased, charset as written, attachment */
static void test_report_fields(void **state)
{
    (void)state;
    tmsg t;
    const char *in = REPORT_HDR "--=_outer\nContent-Type: text/plain; charset=\"US-ASCII\"\n"
                                "Content-Disposition: ATTACHMENT; filename=x.txt\n\nx\n--=_outer--\n";
    tmsg_init(&t);
    assert_int_equal(bn_msg_parse(&t.msg, in, strlen(in)), BN_OK);
    assert_int_equal(t.msg.nparts, 2);
    assert_true(str_is(t.msg.parts[0].report_type, "delivery-status"));
    assert_true(str_is(t.msg.parts[0].boundary, "=_outer"));
    assert_true(str_is(bn_part_charset(&t.msg, &t.msg.parts[1]), "US-ASCII"));
    assert_true(t.msg.parts[1].is_attachment);
    assert_false(t.msg.parts[0].is_attachment);
    assert_true(bn_part_is(&t.msg.parts[1], "text/plain"));
    assert_false(bn_part_is(&t.msg.parts[1], "text/plai"));
    tmsg_fini(&t);
}

/* test_parse_entity - an embedded message found in text becomes a part */
static void test_parse_entity(void **state)
{
    (void)state;
    tmsg t;
    const char *in = "Subject: bounce\n\nSorry.\n------ This is a copy of the message ------\n\n"
                     "Subject: original\nMessage-ID: <1@x>\n\nhello\n";
    tmsg_init(&t);
    assert_int_equal(bn_msg_parse(&t.msg, in, strlen(in)), BN_OK);
    const char *emb = strstr(in, "Subject: original");
    int idx = bn_msg_parse_entity(&t.msg, emb, strlen(emb), 0);
    assert_int_equal(idx, 1);
    assert_int_equal(t.msg.parts[1].parent, 0);
    assert_int_equal(t.msg.parts[1].depth, 1);
    assert_true(str_is(bn_hdr_get(&t.msg, &t.msg.parts[1].hdrs, "message-id"), "<1@x>"));
    assert_true(str_is(t.msg.parts[1].body_raw, "hello\n"));
    t.opts.max_mime_parts = 2;
    assert_int_equal(bn_msg_parse_entity(&t.msg, emb, strlen(emb), -1), BN_ETOOBIG);
    assert_true(t.msg.anomalies & BN_ANOM_MIME_PARTS);
    tmsg_fini(&t);
}

/* test_limits_parts_depth - max_mime_parts and max_mime_depth stop the walk */
static void test_limits_parts_depth(void **state)
{
    (void)state;
    tmsg t;
    const char *in = "Content-Type: multipart/mixed; boundary=a\n\n--a\n\n1\n--a\n\n2\n--a\n\n3\n--a--\n";
    tmsg_init(&t);
    t.opts.max_mime_parts = 3;
    assert_int_equal(bn_msg_parse(&t.msg, in, strlen(in)), BN_OK);
    assert_int_equal(t.msg.nparts, 3);
    assert_int_equal(t.msg.anomalies, BN_ANOM_MIME_PARTS);
    tmsg_fini(&t);
    const char *nest = "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
                       "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n--a--\n";
    tmsg_init(&t);
    t.opts.max_mime_depth = 1;
    assert_int_equal(bn_msg_parse(&t.msg, nest, strlen(nest)), BN_OK);
    assert_int_equal(t.msg.nparts, 2);
    assert_int_equal(t.msg.anomalies, BN_ANOM_MIME_DEPTH);
    tmsg_fini(&t);
}

/* test_truncated_message - max_message_size cuts the input and flags it */
static void test_truncated_message(void **state)
{
    (void)state;
    tmsg t;
    const char *in = "Subject: x\n\n0123456789";
    tmsg_init(&t);
    t.opts.max_message_size = 15;
    assert_int_equal(bn_msg_parse(&t.msg, in, strlen(in)), BN_OK);
    assert_true(str_is(t.msg.parts[0].body_raw, "012"));
    assert_int_equal(t.msg.anomalies, BN_ANOM_TRUNCATED);
    tmsg_fini(&t);
}

/* test_nul_anywhere - a NUL anywhere in the message flags it: in the
   prologue, the header block, the body (first, last byte), a nested part;
   bytes past max_message_size do not count */
static void test_nul_anywhere(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t n;
        unsigned want;
    } c[] = {
        {"From a@b 12:00\nS: x\n\nbody", 25, 0},
        {"From a\0b 12:00\nS: x\n\nbody", 25, BN_ANOM_NUL},
        {"S: x\0\n\nbody", 11, BN_ANOM_NUL},
        {"S: x\n\n\0body", 11, BN_ANOM_NUL},
        {"S: x\n\nbody\0", 11, BN_ANOM_NUL},
        {"S: x\nno header line\0\n", 21, BN_ANOM_NUL | BN_ANOM_BAD_HEADER},
        {"Content-Type: multipart/mixed; boundary=a\n\n--a\nX: \0\n\n1\n--a--\n", 61,
         BN_ANOM_NUL},
        {"S: x\n\nbody", 10, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        tmsg t;
        tmsg_init(&t);
        assert_int_equal(bn_msg_parse(&t.msg, c[i].in, c[i].n), BN_OK);
        if (t.msg.anomalies != c[i].want)
            fail_msg("case %zu: anomalies %#x, want %#x", i, t.msg.anomalies, c[i].want);
        tmsg_fini(&t);
    }
    tmsg t;
    tmsg_init(&t);
    t.opts.max_message_size = 10;
    assert_int_equal(bn_msg_parse(&t.msg, "S: x\n\nbody\0", 11), BN_OK);
    assert_int_equal(t.msg.anomalies, BN_ANOM_TRUNCATED);
    tmsg_fini(&t);
}

/* test_decode_limit - max_decoded cuts transfer decoding and flags it */
static void test_decode_limit(void **state)
{
    (void)state;
    tmsg t;
    const char *in = "Content-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n";
    tmsg_init(&t);
    t.opts.max_decoded = 8;
    assert_int_equal(bn_msg_parse(&t.msg, in, strlen(in)), BN_OK);
    bn_str b = bn_part_body(&t.msg, &t.msg.parts[0]);
    assert_true(str_is(b, "hello "));
    assert_true(t.msg.anomalies & BN_ANOM_DECODE_LIMIT);
    tmsg_fini(&t);
}

/* test_alloc_failures - every allocation failing in turn: clean errors, no crash or leak */
static void test_alloc_failures(void **state)
{
    (void)state;
    const mcase *c = NULL;
    for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++)
        if (strcmp(mcases[i].name, "dsn_report") == 0)
            c = &mcases[i];
    assert_non_null(c);
    int ok_seen = 0;
    for (long k = 0; k < 64 && !ok_seen; k++) {
        tmsg t;
        tmsg_init(&t);
        t.arena.cap = 1u << 20;
        bn_alloc_fail_after(k);
        int rc = bn_msg_parse(&t.msg, c->in, strlen(c->in));
        for (size_t i = 0; rc == BN_OK && i < t.msg.nparts; i++) {
            (void)bn_part_text(&t.msg, &t.msg.parts[i]);
            (void)bn_hdr_get(&t.msg, &t.msg.parts[i].hdrs, "Subject");
        }
        bn_alloc_fail_after(-1);
        assert_true(rc == BN_OK || rc == BN_ENOMEM);
        ok_seen = rc == BN_OK && t.msg.nparts == 6;
        tmsg_fini(&t);
    }
    assert_true(ok_seen);
    /* the arena refusing at every possible point (its cap, 16 bytes apart) */
    for (size_t cap = 0; cap < 8192; cap += 16) {
        for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
            tmsg t;
            tmsg_init(&t);
            t.arena.cap = cap;
            int rc = bn_msg_parse(&t.msg, mcases[i].in, strlen(mcases[i].in));
            for (size_t k = 0; rc == BN_OK && k < t.msg.nparts; k++) {
                bn_str x = bn_part_text(&t.msg, &t.msg.parts[k]);
                assert_true(bn_utf8_valid(x.p, x.n));
                (void)bn_hdr_get(&t.msg, &t.msg.parts[k].hdrs, "Subject");
            }
            assert_true(rc == BN_OK || rc == BN_ENOMEM || rc == BN_EFORMAT);
            tmsg_fini(&t);
        }
    }
}

/* ---- hostile sizes: bounded time and memory ---- */

/* big - a buffer of n bytes */
static char *big(size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

/* test_hostile_nesting - 10,000 nested multiparts stop at the depth limit fast */
static void test_hostile_nesting(void **state)
{
    (void)state;
    size_t cap = 10000 * 80 + 64, n = 0;
    char *p = big(cap);
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(p + n, cap - n,
                              "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
    tmsg t;
    tmsg_init(&t);
    double t0 = cpu_s();
    assert_int_equal(bn_msg_parse(&t.msg, p, n), BN_OK);
    assert_true(cpu_s() - t0 < 2.0);
    assert_int_equal(t.msg.nparts, 33); /* depths 0..32 */
    assert_true(t.msg.anomalies & BN_ANOM_MIME_DEPTH);
    assert_true(t.arena.used < (1u << 20));
    tmsg_fini(&t);
    free(p);
}

/* test_hostile_header_line - a 10 MB header line is cut at max_header_size */
static void test_hostile_header_line(void **state)
{
    (void)state;
    size_t n = 10u << 20;
    char *p = big(n);
    memcpy(p, "Subject: ", 9);
    memset(p + 9, 'a', n - 9 - 7);
    memcpy(p + n - 7, "\n\nbody\n", 7);
    tmsg t;
    tmsg_init(&t);
    double t0 = cpu_s();
    assert_int_equal(bn_msg_parse(&t.msg, p, n), BN_OK);
    bn_str s = bn_hdr_get(&t.msg, &t.msg.parts[0].hdrs, "Subject");
    assert_true(cpu_s() - t0 < 2.0);
    assert_int_equal(s.n, 64u << 10);
    assert_true(str_is(t.msg.parts[0].body_raw, "body\n"));
    assert_true(t.msg.anomalies & BN_ANOM_HEADER_LIMIT);
    assert_true(t.arena.used < (1u << 20));
    tmsg_fini(&t);
    free(p);
}

/* test_hostile_base64 - a 100 MB base64 body decodes only up to max_decoded */
static void test_hostile_base64(void **state)
{
    (void)state;
    const char *h = "Content-Transfer-Encoding: base64\n\n";
    size_t hn = strlen(h), n = 100u << 20;
    char *p = big(n);
    memcpy(p, h, hn);
    for (size_t i = hn; i < n; i++)
        p[i] = (i - hn) % 77 == 76 ? '\n' : "QUJD"[(i - hn) % 77 % 4];
    tmsg t;
    tmsg_init(&t);
    double t0 = cpu_s();
    assert_int_equal(bn_msg_parse(&t.msg, p, n), BN_OK);
    bn_str b = bn_part_body(&t.msg, &t.msg.parts[0]);
    assert_true(cpu_s() - t0 < 5.0);
    assert_true(b.n <= t.opts.max_decoded);
    assert_true(b.n > t.opts.max_decoded / 2);
    assert_memory_equal(b.p, "ABCABC", 6);
    assert_true(t.msg.anomalies & BN_ANOM_DECODE_LIMIT);
    assert_true(t.arena.used < t.opts.max_decoded + (2u << 20));
    tmsg_fini(&t);
    free(p);
}

/* test_hostile_dashes - boundary "-" over megabytes of dashes stays linear */
static void test_hostile_dashes(void **state)
{
    (void)state;
    const char *h = "Content-Type: multipart/mixed; boundary=\"-\"\n\n";
    size_t hn = strlen(h), n = 8u << 20;
    char *p = big(n);
    memcpy(p, h, hn);
    memset(p + hn, '-', n - hn);
    for (size_t i = hn + 1000; i < n; i += 1000)
        p[i] = 'x';
    tmsg t;
    tmsg_init(&t);
    double t0 = cpu_s();
    assert_int_equal(bn_msg_parse(&t.msg, p, n), BN_OK);
    assert_true(cpu_s() - t0 < 2.0);
    tmsg_fini(&t);
    free(p);
}

/* test_hostile_many_parts - 200,000 empty parts stop at max_mime_parts */
static void test_hostile_many_parts(void **state)
{
    (void)state;
    const char *h = "Content-Type: multipart/mixed; boundary=q\n\n";
    size_t hn = strlen(h), n = hn + 200000 * 4;
    char *p = big(n);
    memcpy(p, h, hn);
    for (size_t i = hn; i < n; i += 4)
        memcpy(p + i, "--q\n", 4);
    tmsg t;
    tmsg_init(&t);
    double t0 = cpu_s();
    assert_int_equal(bn_msg_parse(&t.msg, p, n), BN_OK);
    assert_true(cpu_s() - t0 < 2.0);
    assert_int_equal(t.msg.nparts, 1000);
    assert_true(t.msg.anomalies & BN_ANOM_MIME_PARTS);
    tmsg_fini(&t);
    free(p);
}

/* test_hostile_headers - 1,000,000 header lines keep max_headers */
static void test_hostile_headers(void **state)
{
    (void)state;
    size_t n = 1000000 * 5;
    char *p = big(n);
    for (size_t i = 0; i < n; i += 5)
        memcpy(p + i, "A: 1\n", 5);
    tmsg t;
    tmsg_init(&t);
    double t0 = cpu_s();
    assert_int_equal(bn_msg_parse(&t.msg, p, n), BN_OK);
    assert_true(cpu_s() - t0 < 2.0);
    assert_int_equal(t.msg.parts[0].hdrs.n, 2000);
    assert_true(t.msg.anomalies & BN_ANOM_HEADER_LIMIT);
    tmsg_fini(&t);
    free(p);
}

/* test_data_files - tests/message/<name>.eml against <name>.tree */
static void test_data_files(void **state);

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_table),
        cmocka_unit_test(test_header_odd_bytes),
        cmocka_unit_test(test_header_line_lengths),
        cmocka_unit_test(test_header_limits),
        cmocka_unit_test(test_folded_limit),
        cmocka_unit_test(test_hdr_access),
        cmocka_unit_test(test_hdr_get_values),
        cmocka_unit_test(test_hdr_get_every_position),
        cmocka_unit_test(test_mime_table),
        cmocka_unit_test(test_mime_field_case),
        cmocka_unit_test(test_guard_prefixes),
        cmocka_unit_test(test_delimiter_offsets),
        cmocka_unit_test(test_nested_dash_lines),
        cmocka_unit_test(test_report_fields),
        cmocka_unit_test(test_parse_entity),
        cmocka_unit_test(test_limits_parts_depth),
        cmocka_unit_test(test_truncated_message),
        cmocka_unit_test(test_nul_anywhere),
        cmocka_unit_test(test_decode_limit),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_hostile_nesting),
        cmocka_unit_test(test_hostile_header_line),
        cmocka_unit_test(test_hostile_base64),
        cmocka_unit_test(test_hostile_dashes),
        cmocka_unit_test(test_hostile_many_parts),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_data_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ---- data files: tests/message/<name>.eml + <name>.expect ---- */

#include <dirent.h>

/* read_file - whole file into a malloc'd buffer */
static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long len;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        p = malloc((size_t)len + 1);
        if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
            free(p);
            p = NULL;
        }
        *n = (size_t)len;
    }
    fclose(f);
    return p;
}

/* unescape - C escapes (\n \r \t \\ \xHH) of an expectation, in place */
static size_t unescape(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '\\' || !s[i + 1]) {
            s[o++] = s[i];
            continue;
        }
        char c = s[++i];
        if (c == 'n')
            s[o++] = '\n';
        else if (c == 'r')
            s[o++] = '\r';
        else if (c == 't')
            s[o++] = '\t';
        else if (c == 'x' && s[i + 1] && s[i + 2]) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            s[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else
            s[o++] = c;
    }
    s[o] = '\0';
    return o;
}

/* anomaly_names - "name,name" of the flags (or "none") */
static void anomaly_names(unsigned a, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned bit = 1; bit && n < size; bit <<= 1)
        if (a & bit)
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "",
                                  bn_anomaly_name(bit) ? bn_anomaly_name(bit) : "?");
    if (!n)
        snprintf(buf, size, "none");
}

/* check_line - one expectation line against the parsed message */
static void check_line(const char *file, tmsg *t, char *line)
{
    char got[1024];
    int idx;
    char name[128];
    int off = 0;
    if (strncmp(line, "tree: ", 6) == 0) {
        tree_str(&t->msg, got, sizeof got);
        if (strcmp(got, line + 6) != 0)
            fail_msg("%s: tree '%s', want '%s'", file, got, line + 6);
    } else if (strncmp(line, "anomalies: ", 11) == 0) {
        anomaly_names(t->msg.anomalies, got, sizeof got);
        if (strcmp(got, line + 11) != 0)
            fail_msg("%s: anomalies '%s', want '%s'", file, got, line + 11);
    } else if (sscanf(line, "text %d: %n", &idx, &off) == 1 && off > 0) {
        assert_true(idx >= 0 && (size_t)idx < t->msg.nparts);
        size_t wn = unescape(line + off);
        bn_str s = bn_part_text(&t->msg, &t->msg.parts[idx]);
        if (s.n != wn || memcmp(s.p, line + off, wn) != 0)
            fail_msg("%s: text %d is '%.*s', want '%s'", file, idx, (int)s.n, s.p, line + off);
    } else if (sscanf(line, "hdr %d %127[^:]: %n", &idx, name, &off) == 2 && off > 0) {
        assert_true(idx >= 0 && (size_t)idx < t->msg.nparts);
        size_t wn = unescape(line + off);
        bn_str s = bn_hdr_get(&t->msg, &t->msg.parts[idx].hdrs, name);
        if (s.n != wn || memcmp(s.p, line + off, wn) != 0)
            fail_msg("%s: %s of %d is '%.*s', want '%s'", file, name, idx, (int)s.n, s.p,
                     line + off);
    } else if (line[0] && line[0] != '#') {
        fail_msg("%s: bad expectation line '%s'", file, line);
    }
}

/* run_data_file - parse dir/name.eml and check dir/name.expect */
static void run_data_file(const char *dir, const char *name)
{
    char path[1024];
    size_t n, en;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *eml = read_file(path, &n);
    assert_non_null(eml);
    snprintf(path + strlen(path) - 4, 8, ".expect");
    char *exp = read_file(path, &en);
    if (!exp)
        fail_msg("%s: no expectation file", path);
    exp[en] = '\0';
    tmsg t;
    tmsg_init(&t);
    (void)bn_msg_parse(&t.msg, eml, n);
    for (char *line = exp, *nl; line && *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        check_line(path, &t, line);
    }
    tmsg_fini(&t);
    free(eml);
    free(exp);
}

static void test_data_files(void **state)
{
    (void)state;
    const char *dir = BN_SOURCE_DIR "/tests/message";
    DIR *d = opendir(dir);
    struct dirent *e;
    int count = 0;
    assert_non_null(d);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".eml") == 0) {
            run_data_file(dir, e->d_name);
            count++;
        }
    }
    closedir(d);
    assert_true(count >= 3);
}
