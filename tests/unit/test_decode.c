/*
 * test_decode.c - base64, quoted-printable, RFC 2231 parameters and RFC 2047
 * encoded words: input -> expected bytes, written out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "msg_test_util.h"

typedef struct dcase {
    const char *in;
    const char *out;
    size_t out_len; /* 0: strlen(out) */
    bool bad;
} dcase;

static const dcase b64_cases[] = {
    {"aGVsbG8=", "hello", 0, false},
    {"aGVs\r\nbG8=\r\n", "hello", 0, false},
    {"aGVsbG8", "hello", 0, false},            /* missing padding: tolerated */
    {"aGk=aGk=", "hihi", 0, false},             /* concatenated chunks */
    {"aG k\t=", "hi", 0, false},                /* whitespace anywhere */
    {"aGk*!", "hi", 0, true},                   /* junk skipped, flagged */
    {"aGVsbG8gd", "hello ", 0, true},           /* a lone last sextet */
    {"", "", 0, false},
    {"AAEC/w==", "\x00\x01\x02\xff", 4, false},
    {"+/+/", "\xfb\xff\xbf", 0, false},
    {"====", "", 0, false},
    {"Zg=", "f", 0, false},
};

static const dcase qp_cases[] = {
    {"caf=C3=A9", "caf\xc3\xa9", 0, false},
    {"caf=c3=a9", "caf\xc3\xa9", 0, false},     /* lowercase hex tolerated */
    {"soft=\r\nbreak", "softbreak", 0, false},
    {"soft=  \nbreak", "softbreak", 0, false},  /* whitespace after '=' */
    {"trail  \t\r\nx", "trail\r\nx", 0, false}, /* transport whitespace dropped */
    {"in  side", "in  side", 0, false},
    {"a=ZZb", "a=ZZb", 0, true},                /* not an escape: kept, flagged */
    {"end=", "end", 0, false},                  /* soft break at the very end */
    {"x=4", "x=4", 0, true},                    /* cut escape */
    {"=00", "\x00", 1, false},
    {"bare\rcr", "bare\rcr", 0, false},
    {"tail  ", "tail", 0, false},
    {"enc=20\nx", "enc \nx", 0, false},          /* an encoded space is not transport's */
    {"keep =\nx", "keep x", 0, false},            /* the soft break protects the space */
    {"a \r\n \r\nb", "a\r\n\r\nb", 0, false},
};

/* run_dcases - run a decoder over a table */
static void run_dcases(const dcase *c, size_t n, bn_str (*fn)(bn_arena *, const char *, size_t, bool *),
                       const char *what)
{
    for (size_t i = 0; i < n; i++) {
        tmsg t;
        guard g;
        bool bad = !c[i].bad;
        tmsg_init(&t);
        size_t in_n = strlen(c[i].in);
        char *p = guard_put(&g, c[i].in, in_n);
        bn_str r = fn(&t.arena, p, in_n, &bad);
        size_t want = c[i].out_len ? c[i].out_len : strlen(c[i].out);
        if (r.n != want || (want && memcmp(r.p, c[i].out, want) != 0))
            fail_msg("%s '%s': got '%.*s'", what, c[i].in, (int)r.n, r.p);
        if (bad != c[i].bad)
            fail_msg("%s '%s': bad %d", what, c[i].in, bad);
        guard_free(&g);
        tmsg_fini(&t);
    }
}

static void test_base64(void **state)
{
    (void)state;
    run_dcases(b64_cases, sizeof b64_cases / sizeof b64_cases[0], bn_decode_base64, "base64");
}

static void test_qp(void **state)
{
    (void)state;
    run_dcases(qp_cases, sizeof qp_cases / sizeof qp_cases[0], bn_decode_qp, "qp");
}

/* test_qp_runs - plain runs of every length either side of the 16-byte
   step, between escapes, soft breaks and dropped whitespace, at a guard page
   (the run copy stores whole blocks) */
static void test_qp_runs(void **state)
{
    (void)state;
    for (size_t k = 0; k < 70; k++) {
        char in[512], want[512];
        size_t n = 0, w = 0;
        memset(in + n, 'a', k), n += k, memset(want + w, 'a', k), w += k;
        memcpy(in + n, "=41", 3), n += 3, want[w++] = 'A';
        memset(in + n, 'b', k), n += k, memset(want + w, 'b', k), w += k;
        memcpy(in + n, "=\n", 2), n += 2;
        memset(in + n, 'c', k), n += k, memset(want + w, 'c', k), w += k;
        memcpy(in + n, "  \r\n=3D", 7), n += 7, memcpy(want + w, "\r\n=", 3), w += 3;
        memset(in + n, 'd', k), n += k, memset(want + w, 'd', k), w += k;
        tmsg t;
        guard g;
        bool bad = true;
        tmsg_init(&t);
        char *p = guard_put(&g, in, n);
        bn_str r = bn_decode_qp(&t.arena, p, n, &bad);
        if (r.n != w || memcmp(r.p, want, w) != 0 || bad)
            fail_msg("qp run %zu: got '%.*s'", k, (int)r.n, r.p);
        guard_free(&g);
        tmsg_fini(&t);
    }
}

/* ---- parameters ---- */

typedef struct pcase {
    const char *value;
    const char *param;
    const char *want;
} pcase;

static const pcase pcases[] = {
    {"multipart/mixed; boundary=\"b 1\"", "boundary", "b 1"},
    {"multipart/mixed; boundary=abc", "boundary", "abc"},
    {"multipart/mixed; BOUNDARY=abc", "boundary", "abc"},
    {"multipart/mixed; Boundary = \"abc\" ; x=y", "boundary", "abc"},
    {"multipart/mixed;\r\n\tboundary=\"----=_Part_1\"", "boundary", "----=_Part_1"},
    {"multipart/mixed boundary=abc", "boundary", "abc"},           /* missing ';' */
    {"text/plain; charset=us-ascii (Plain text)", "charset", "us-ascii"},
    {"text/plain; charset=us-ascii format=flowed", "format", "flowed"},
    {"text/plain; format=flowed; charset=\"utf-8\"", "charset", "utf-8"},
    {"text/plain; xcharset=a; charset=b", "charset", "b"},
    {"text/plain; charset=a; charset=b", "charset", "a"},          /* first wins */
    {"text/plain; name=\"a\\\"b\\\\c\"", "name", "a\"b\\c"},       /* quoted-pair */
    {"text/plain; name=\"unterminated", "name", "unterminated"},
    {"text/plain; a=\"x\"; name=\"y\\\"z\"", "name", "y\"z"}, /* escape after a plain one */
    {"text/plain; (a comment; name=no) name=yes", "name", "yes"},
    {"text/plain; name=", "name", ""},
    {"text/plain", "charset", ""},
    {"", "charset", ""},
    /* RFC 2231 */
    {"attachment; filename*=utf-8''caf%C3%A9.txt", "filename", "caf\xc3\xa9.txt"},
    {"attachment; filename*=iso-8859-1'fr'caf%E9.txt", "filename", "caf\xc3\xa9.txt"},
    {"attachment; filename*0=\"abc\"; filename*1=\"def\"", "filename", "abcdef"},
    {"attachment; filename*1=\"def\"; filename*0=\"abc\"", "filename", "abcdef"},
    {"attachment; filename*0*=utf-8''%C3; filename*1*=%A9; filename*2=\".txt\"", "filename",
     "\xc3\xa9.txt"},
    {"attachment; filename=\"plain\"; filename*=utf-8''ext", "filename", "ext"},
    {"attachment; filename*0=\"a\"; filename*2=\"c\"", "filename", "a"}, /* gap */
    {"attachment; filename*=noquotes%41", "filename", "noquotesA"},
    {"attachment; filename*=utf-8''100%", "filename", "100%"},
    {"multipart/mixed; boundary*=us-ascii'en'b%201", "boundary", "b 1"},
};

static void test_params(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pcases / sizeof pcases[0]; i++) {
        tmsg t;
        guard g;
        tmsg_init(&t);
        size_t n = strlen(pcases[i].value);
        char *p = guard_put(&g, pcases[i].value, n);
        bn_str r = bn_param_get(&t.msg, bn_str_make(p, n), pcases[i].param);
        if (!str_is(r, pcases[i].want))
            fail_msg("param %s of '%s': got '%.*s', want '%s'", pcases[i].param, pcases[i].value,
                     (int)r.n, r.p, pcases[i].want);
        guard_free(&g);
        tmsg_fini(&t);
    }
}

/* test_params_many - bn_params_get: each of several parameters read in one
   pass, as bn_param_get reads it alone */
static void test_params_many(void **state)
{
    (void)state;
    static const char *const names[] = {"charset", "boundary", "report-type"};
    static const struct {
        const char *value;
        const char *want[3];
    } cases[] = {
        {"multipart/report; report-type=\"delivery-status\"; boundary*0=\"ab\"; "
         "boundary*1=\"c\\\"d\"; charset=US-ASCII",
         {"US-ASCII", "abc\"d", "delivery-status"}},
        {"text/plain; name=\"x\\\\y\"; charset=\"utf-8\"", {"utf-8", "", ""}},
        {"multipart/mixed; charset=a; boundary=\"q; r\"; report-type=x; charset=b",
         {"a", "q; r", "x"}},
        {"", {"", "", ""}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tmsg t;
        tmsg_init(&t);
        bn_str v = bn_str_cstr(cases[i].value), got[3];
        bn_params_get(&t.msg, v, names, got, 3);
        for (size_t k = 0; k < 3; k++) {
            bn_str one = bn_param_get(&t.msg, v, names[k]);
            if (!str_is(got[k], cases[i].want[k]) || !str_is(one, cases[i].want[k]))
                fail_msg("case %zu %s: got '%.*s' / alone '%.*s', want '%s'", i, names[k],
                         (int)got[k].n, got[k].p, (int)one.n, one.p, cases[i].want[k]);
        }
        tmsg_fini(&t);
    }
}

/* test_params_every_byte - each byte inside a parameter name and inside a
   bare value: a name byte is printable ASCII but = ; " ( ); a bare value
   ends at ';', '(' or white space and keeps every other byte */
static void test_params_every_byte(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        tmsg t;
        tmsg_init(&t);
        bool name_byte = c > 32 && c < 127 && !strchr("=;\"()", (int)c);
        bool stop = (c && strchr(" \t\r\n\f\v;(", (int)c)) != 0;
        char v[16] = "t/p; a?b=1", pn[4] = "a?b";
        v[6] = pn[1] = (char)c;
        if (c) {
            bn_str r = bn_param_get(&t.msg, bn_str_make(v, 10), pn);
            if (!str_is(r, name_byte ? "1" : ""))
                fail_msg("name byte %#x: got '%.*s'", c, (int)r.n, r.p);
        }
        char w[16] = "t/p; v=ab?cd";
        w[9] = (char)c;
        bn_str r = bn_param_get(&t.msg, bn_str_make(w, 12), "v");
        if (stop ? !str_is(r, "ab") : (r.n != 5 || memcmp(r.p, w + 7, 5) != 0))
            fail_msg("value byte %#x: got '%.*s'", c, (int)r.n, r.p);
        tmsg_fini(&t);
    }
}

/* test_params_long_spans - the byte that ends a type (white space, ';')
   or a bare value (those and '(') at every offset of spans up to 48 bytes
   (read 16 at a time), and bytes that end neither (8-bit, controls next to
   the white-space range, ')') */
static void test_params_long_spans(void **state)
{
    (void)state;
    static const char bytes[] = " \t\n\v\f\r;(\xe9\x08\x0e)a";
    for (size_t b = 0; b < sizeof bytes - 1; b++) {
        char c = bytes[b];
        bool type_end = strchr(" \t\n\v\f\r;", c) != NULL;
        bool value_end = type_end || c == '(';
        for (size_t k = 0; k < 48; k++) {
            char v[128];
            tmsg t;
            tmsg_init(&t);
            /* the type: ends at c (then v=2 is read) or runs on to the ';' */
            int n = snprintf(v, sizeof v, "t/%.*s%cv=2; v=1", (int)k,
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", c);
            bn_str r = bn_param_get(&t.msg, bn_str_make(v, (size_t)n), "v");
            if (!str_is(r, type_end ? "2" : "1"))
                fail_msg("type byte %#x at %zu: got '%.*s'", (unsigned char)c, k, (int)r.n, r.p);
            /* a bare value (not empty: blanks after '=' are skipped): ends
               at c or runs to the end */
            n = snprintf(v, sizeof v, "t/p; v=%.*s%cbbbbbbbbbbbbbbbbbbbb", (int)k,
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", c);
            r = bn_param_get(&t.msg, bn_str_make(v, (size_t)n), "v");
            size_t want = value_end ? k : (size_t)n - 7;
            if (k && (r.n != want || memcmp(r.p, v + 7, want) != 0))
                fail_msg("value byte %#x at %zu: got '%.*s'", (unsigned char)c, k, (int)r.n, r.p);
            tmsg_fini(&t);
        }
    }
}

/* ---- RFC 2047 ---- */

typedef struct ecase {
    const char *in;
    const char *want;
} ecase;

static const ecase ecases[] = {
    {"plain text", "plain text"},
    {"=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9"},
    {"=?UTF-8?Q?caf=c3=a9?=", "caf\xc3\xa9"},
    {"=?utf-8?b?Y2Fmw6k=?=", "caf\xc3\xa9"},
    {"=?iso-8859-1?q?a_b?=", "a b"},
    {"=?iso-8859-1?q?caf=E9?= =?iso-8859-1?q?_ok?=", "caf\xc3\xa9 ok"}, /* space dropped */
    {"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"},                           /* folded gap */
    {"=?utf-8?q?a?= plain =?utf-8?q?b?=", "a plain b"},                   /* text kept */
    {"Re: =?utf-8?q?x?= end", "Re: x end"},
    /* one character (U+00E9, C3 A9) split across two words */
    {"=?utf-8?b?w6=?= =?utf-8?b?qQ==?=", "\xc3\xa9"},
    {"=?utf-8?q?=C3?= =?UTF-8?q?=A9?=", "\xc3\xa9"},
    /* Shift_JIS character split, then charset change */
    {"=?shift_jis?b?gg==?==?shift_jis?b?oA==?= =?utf-8?q?!?=", "\xe3\x81\x82!"},
    {"=?utf-8*en?q?lang?=", "lang"},                                      /* RFC 2231 lang */
    {"=?utf-8?x?bad?=", "=?utf-8?x?bad?="},                               /* bad encoding */
    {"=?utf-8?q?unclosed", "=?utf-8?q?unclosed"},
    {"=??q?nocharset?=", "=??q?nocharset?="},
    {"a=?utf-8?q?x?=b", "axb"},                                           /* inside a word */
    {"=?utf-8?q?with space?=", "with space"},
    {"=?bogus-charset?q?ab?=", "ab"},
    {"raw caf\xe9", "raw caf\xc3\xa9"},                                   /* 8-bit latin1 */
    {"raw caf\xc3\xa9", "raw caf\xc3\xa9"},                               /* 8-bit UTF-8 */
    {"=?utf-8?q?bad=FF?=", "bad\xef\xbf\xbd"},
    {"=?", "=?"},
    {"?= =? ?=", "?= =? ?="},
    {"", ""},
};

static void test_rfc2047(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ecases / sizeof ecases[0]; i++) {
        tmsg t;
        guard g;
        tmsg_init(&t);
        size_t n = strlen(ecases[i].in);
        char *p = guard_put(&g, ecases[i].in, n);
        bn_str r = bn_decode_rfc2047(&t.msg, bn_str_make(p, n));
        if (!str_is(r, ecases[i].want))
            fail_msg("2047 '%s': got '%.*s', want '%s'", ecases[i].in, (int)r.n, r.p,
                     ecases[i].want);
        guard_free(&g);
        tmsg_fini(&t);
    }
}

/* test_rfc2047_hostile - a megabyte of unclosed openers stays linear */
static void test_rfc2047_hostile(void **state)
{
    (void)state;
    size_t n = 1u << 20;
    char *p = malloc(n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = "=?a?q?x"[i % 7];
    tmsg t;
    tmsg_init(&t);
    double t0 = cpu_s();
    bn_str r = bn_decode_rfc2047(&t.msg, bn_str_make(p, n));
    assert_true(cpu_s() - t0 < 1.0);
    assert_int_equal(r.n, n);
    /* one closer at the very end: every opener finds the same one */
    p[n - 2] = '?';
    p[n - 1] = '=';
    t0 = cpu_s();
    (void)bn_decode_rfc2047(&t.msg, bn_str_make(p, n));
    assert_true(cpu_s() - t0 < 1.0);
    /* ... and a line end before it: no word may span it, none is rescanned */
    p[n - 3] = '\n';
    t0 = cpu_s();
    r = bn_decode_rfc2047(&t.msg, bn_str_make(p, n));
    assert_true(cpu_s() - t0 < 1.0);
    assert_int_equal(r.n, n);
    tmsg_fini(&t);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_qp),
        cmocka_unit_test(test_qp_runs),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_params_many),
        cmocka_unit_test(test_params_every_byte),
        cmocka_unit_test(test_params_long_spans),
        cmocka_unit_test(test_rfc2047),
        cmocka_unit_test(test_rfc2047_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
