/*
 * test_charset.c - charset labels to UTF-8: every row of the alias table,
 * the U+FFFD policy, the fast paths and the descriptor cache.
 *
 * Each label is listed here with the group its text must decode as; each
 * group has sample bytes with their UTF-8 written out by hand (checked
 * against the code charts, not against this program). A table row that
 * this list does not name fails the test, and so does a label that
 * decodes its group's samples wrongly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "message/msg_priv.h"
#include "msg_test_util.h"

#include <errno.h>
#include <iconv.h>

enum {
    G_AUTO, G_UTF8, G_1252, G_HEBREW, G_ARABIC, G_KOREAN, G_UTF7, G_CHINESE, G_BIG5, G_SJIS,
    G_EUCJP, G_JIS, G_THAI, G_TURKISH, G_1250, G_1251, G_1253, G_1255, G_1256, G_1257, G_1258,
    G_KOI8R, G_MAC, G_COUNT
};

typedef struct sample {
    const char *in, *out;
} sample;

/* two samples per group (the second may be NULL) */
static const sample samples[G_COUNT][2] = {
    [G_AUTO] = {{"\xc3\xa9", "\xc3\xa9"}, {"\x80\xe9", "\xe2\x82\xac\xc3\xa9"}},
    [G_UTF8] = {{"\xc3\xa9", "\xc3\xa9"}, {"a\xe9", "a\xef\xbf\xbd"}},
    [G_1252] = {{"\xc3\xa9", "\xc3\x83\xc2\xa9"}, {"\x80\x9f", "\xe2\x82\xac\xc5\xb8"}},
    [G_HEBREW] = {{"\xe0", "\xd7\x90"}, {"a\xfa", "a\xd7\xaa"}},
    [G_ARABIC] = {{"\xc7", "\xd8\xa7"}, {NULL, NULL}},
    [G_KOREAN] = {{"\xc7\xd1", "\xed\x95\x9c"}, {"\x81\x41", "\xea\xb0\x82"}},
    [G_UTF7] = {{"+AOk-", "\xc3\xa9"}, {"a+ZeVnLIqe-", "a\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"}},
    [G_CHINESE] = {{"\xd6\xd0", "\xe4\xb8\xad"}, {"\x81\x30\x81\x30", "\xc2\x80"}},
    [G_BIG5] = {{"\xa4\xa4", "\xe4\xb8\xad"}, {NULL, NULL}},
    [G_SJIS] = {{"\x82\xa0", "\xe3\x81\x82"}, {"\x87\x40", "\xe2\x91\xa0"}},
    [G_EUCJP] = {{"\xa4\xa2", "\xe3\x81\x82"}, {"\xad\xa1", "\xe2\x91\xa0"}},
    [G_JIS] = {{"\x1b$B$\"\x1b(B", "\xe3\x81\x82"}, {"x\x1b$B-!\x1b(By", "x\xe2\x91\xa0y"}},
    [G_THAI] = {{"\xa1", "\xe0\xb8\x81"}, {"\x80", "\xe2\x82\xac"}},
    [G_TURKISH] = {{"\xfd", "\xc4\xb1"}, {"\x80", "\xe2\x82\xac"}},
    [G_1250] = {{"\x8a", "\xc5\xa0"}, {NULL, NULL}},
    [G_1251] = {{"\xc0", "\xd0\x90"}, {NULL, NULL}},
    [G_1253] = {{"\xc1", "\xce\x91"}, {NULL, NULL}},
    [G_1255] = {{"\xe0", "\xd7\x90"}, {NULL, NULL}},
    [G_1256] = {{"\xc7", "\xd8\xa7"}, {NULL, NULL}},
    [G_1257] = {{"\xc0", "\xc4\x84"}, {NULL, NULL}},
    [G_1258] = {{"\xc3", "\xc4\x82"}, {NULL, NULL}},
    [G_KOI8R] = {{"\xc1", "\xd0\xb0"}, {NULL, NULL}},
    [G_MAC] = {{"\x8e", "\xc3\xa9"}, {NULL, NULL}},
};

typedef struct label {
    const char *label;
    int group;
} label;

static const label labels[] = {
    {"7bit", G_AUTO}, {"8bit", G_AUTO}, {"binary", G_AUTO}, {"charset", G_AUTO},
    {"default", G_AUTO}, {"unknown", G_AUTO}, {"unknown-8bit", G_AUTO}, {"x-unknown", G_AUTO},
    {"x-user-defined", G_AUTO}, {"us-ascii", G_AUTO}, {"ascii", G_AUTO}, {"us_ascii", G_AUTO},
    {"646", G_AUTO}, {"ansi_x3.4-1968", G_AUTO}, {"ansi_x3.4-1986", G_AUTO},
    {"iso-ir-6", G_AUTO}, {"iso646-us", G_AUTO}, {"iso_646.irv:1991", G_AUTO}, {"us", G_AUTO},
    {"cp367", G_AUTO}, {"ibm367", G_AUTO}, {"csascii", G_AUTO}, {"x-ascii", G_AUTO},
    {"utf-8", G_UTF8}, {"utf8", G_UTF8}, {"x-utf-8", G_UTF8}, {"x-utf8", G_UTF8},
    {"unicode-1-1-utf-8", G_UTF8}, {"unicode-2-0-utf-8", G_UTF8}, {"x-unicode20utf8", G_UTF8},
    {"iso-8859-1", G_1252}, {"iso8859-1", G_1252}, {"iso_8859-1", G_1252},
    {"iso_8859-1:1987", G_1252}, {"iso88591", G_1252}, {"8859-1", G_1252}, {"latin1", G_1252},
    {"latin-1", G_1252}, {"l1", G_1252}, {"iso-ir-100", G_1252}, {"cp819", G_1252},
    {"ibm819", G_1252}, {"csisolatin1", G_1252}, {"windows-1252", G_1252}, {"cp1252", G_1252},
    {"x-cp1252", G_1252}, {"win-1252", G_1252}, {"ansi_1252", G_1252},
    {"iso-8859-8-i", G_HEBREW}, {"iso-8859-8-e", G_HEBREW}, {"iso_8859-8-i", G_HEBREW},
    {"csiso88598i", G_HEBREW}, {"csiso88598e", G_HEBREW}, {"logical", G_HEBREW},
    {"visual", G_HEBREW},
    {"iso-8859-6-i", G_ARABIC}, {"iso-8859-6-e", G_ARABIC}, {"csiso88596i", G_ARABIC},
    {"csiso88596e", G_ARABIC},
    {"ks_c_5601-1987", G_KOREAN}, {"ks_c_5601-1989", G_KOREAN}, {"ks_c_5601", G_KOREAN},
    {"ksc5601", G_KOREAN}, {"ksc_5601", G_KOREAN}, {"korean", G_KOREAN},
    {"csksc56011987", G_KOREAN}, {"iso-ir-149", G_KOREAN}, {"euc-kr", G_KOREAN},
    {"euckr", G_KOREAN}, {"cseuckr", G_KOREAN}, {"x-euc-kr", G_KOREAN},
    {"windows-949", G_KOREAN}, {"x-windows-949", G_KOREAN}, {"cp949", G_KOREAN},
    {"ms949", G_KOREAN}, {"uhc", G_KOREAN},
    {"unicode-1-1-utf-7", G_UTF7}, {"unicode-2-0-utf-7", G_UTF7},
    {"x-unicode-2-0-utf-7", G_UTF7}, {"csunicode11utf7", G_UTF7}, {"utf-7", G_UTF7},
    {"x-utf-7", G_UTF7},
    {"gb2312", G_CHINESE}, {"csgb2312", G_CHINESE}, {"gb_2312-80", G_CHINESE},
    {"gb_2312", G_CHINESE}, {"chinese", G_CHINESE}, {"iso-ir-58", G_CHINESE},
    {"euc-cn", G_CHINESE}, {"x-euc-cn", G_CHINESE}, {"euccn", G_CHINESE}, {"cn-gb", G_CHINESE},
    {"gbk", G_CHINESE}, {"x-gbk", G_CHINESE}, {"csgbk", G_CHINESE}, {"cp936", G_CHINESE},
    {"x-cp936", G_CHINESE}, {"ms936", G_CHINESE}, {"windows-936", G_CHINESE},
    {"gb18030", G_CHINESE},
    {"big5", G_BIG5}, {"csbig5", G_BIG5}, {"cn-big5", G_BIG5}, {"x-x-big5", G_BIG5},
    {"x-big5", G_BIG5}, {"big5-hkscs", G_BIG5}, {"big5hkscs", G_BIG5}, {"cp950", G_BIG5},
    {"ms950", G_BIG5}, {"windows-950", G_BIG5},
    {"shift_jis", G_SJIS}, {"shift-jis", G_SJIS}, {"shiftjis", G_SJIS}, {"x-sjis", G_SJIS},
    {"sjis", G_SJIS}, {"x-shift_jis", G_SJIS}, {"csshiftjis", G_SJIS}, {"ms_kanji", G_SJIS},
    {"ms932", G_SJIS}, {"cp932", G_SJIS}, {"windows-31j", G_SJIS}, {"cswindows31j", G_SJIS},
    {"windows-932", G_SJIS}, {"x-ms-cp932", G_SJIS},
    {"euc-jp", G_EUCJP}, {"x-euc-jp", G_EUCJP}, {"eucjp", G_EUCJP}, {"x-eucjp", G_EUCJP},
    {"ujis", G_EUCJP}, {"cseucpkdfmtjapanese", G_EUCJP}, {"euc-jp-ms", G_EUCJP},
    {"iso-2022-jp", G_JIS}, {"csiso2022jp", G_JIS}, {"iso2022jp", G_JIS},
    {"iso-2022-jp-1", G_JIS}, {"iso-2022-jp-2", G_JIS}, {"iso-2022-jp-3", G_JIS},
    {"iso-2022-jp-ms", G_JIS}, {"jis", G_JIS}, {"cp50220", G_JIS}, {"cp50221", G_JIS},
    {"cp50222", G_JIS}, {"x-cp50220", G_JIS}, {"x-cp50221", G_JIS},
    {"tis-620", G_THAI}, {"tis620", G_THAI}, {"cstis620", G_THAI}, {"iso-8859-11", G_THAI},
    {"iso8859-11", G_THAI}, {"windows-874", G_THAI}, {"cp874", G_THAI}, {"dos-874", G_THAI},
    {"x-windows-874", G_THAI},
    {"iso-8859-9", G_TURKISH}, {"iso8859-9", G_TURKISH}, {"iso_8859-9", G_TURKISH},
    {"iso-ir-148", G_TURKISH}, {"latin5", G_TURKISH}, {"l5", G_TURKISH},
    {"csisolatin5", G_TURKISH}, {"windows-1254", G_TURKISH}, {"cp1254", G_TURKISH},
    {"x-cp1254", G_TURKISH},
    {"x-cp1250", G_1250},
    {"x-cp1251", G_1251}, {"win-1251", G_1251},
    {"x-cp1253", G_1253},
    {"x-cp1255", G_1255},
    {"x-cp1256", G_1256},
    {"x-cp1257", G_1257},
    {"x-cp1258", G_1258},
    {"koi8", G_KOI8R}, {"cskoi8r", G_KOI8R}, {"koi", G_KOI8R},
    {"macintosh", G_MAC}, {"mac", G_MAC}, {"x-mac-roman", G_MAC}, {"csmacintosh", G_MAC},
};

#define NLABELS (sizeof labels / sizeof labels[0])

/* convert - bn_to_utf8 of a C string in a label */
static bn_str convert(tmsg *t, const char *cs, const char *in, size_t n, bool *bad)
{
    return bn_to_utf8(&t->msg, bn_str_cstr(cs), bn_str_make(in, n), bad);
}

/* test_every_label - each listed label decodes its group's samples */
static void test_every_label(void **state)
{
    (void)state;
    tmsg t;
    tmsg_init(&t);
    for (size_t i = 0; i < NLABELS; i++) {
        for (int k = 0; k < 2; k++) {
            const sample *s = &samples[labels[i].group][k];
            if (!s->in)
                continue;
            bn_str r = convert(&t, labels[i].label, s->in, strlen(s->in), NULL);
            if (!str_is(r, s->out))
                fail_msg("label %s sample %d: got '%.*s', want '%s'", labels[i].label, k,
                         (int)r.n, r.p, s->out);
        }
    }
    tmsg_fini(&t);
}

/* test_table_rows - every row is named above, sorted, lowercase, openable */
static void test_table_rows(void **state)
{
    (void)state;
    size_t n = bn_charset_alias_count();
    const char *prev = "";
    assert_int_equal(n, NLABELS);
    for (size_t i = 0; i < n; i++) {
        const char *lab, *target;
        bn_charset_alias_at(i, &lab, &target);
        assert_true(strcmp(prev, lab) < 0); /* bsearch needs strict order */
        prev = lab;
        for (const char *c = lab; *c; c++)
            assert_false(*c >= 'A' && *c <= 'Z');
        size_t k = 0;
        while (k < NLABELS && strcmp(labels[k].label, lab) != 0)
            k++;
        if (k == NLABELS)
            fail_msg("alias row %s has no test", lab);
        assert_ptr_equal(bn_charset_alias(lab, strlen(lab)), target);
        if (target[0] != '(' && strcmp(target, "UTF-8") != 0) {
            iconv_t cd = iconv_open("UTF-8", target);
            if (cd == (iconv_t)-1)
                fail_msg("alias row %s: iconv does not know %s", lab, target);
            iconv_close(cd);
        }
    }
}

/* test_label_forms - quotes, spaces and case around a label do not matter */
static void test_label_forms(void **state)
{
    (void)state;
    tmsg t;
    tmsg_init(&t);
    assert_true(str_is(convert(&t, " \"KS_C_5601-1987\" ", "\xc7\xd1", 2, NULL), "\xed\x95\x9c"));
    assert_true(str_is(convert(&t, "'Shift_JIS'", "\x82\xa0", 2, NULL), "\xe3\x81\x82"));
    /* a label iconv knows but the table does not */
    assert_true(str_is(convert(&t, "ISO-8859-15", "\xa4", 1, NULL), "\xe2\x82\xac"));
    assert_true(str_is(convert(&t, "utf-16le", "a\0b\0", 4, NULL), "ab"));
    /* iso-2022-jp whose line forgot to return to ASCII: the next line is ASCII */
    assert_true(str_is(convert(&t, "iso-2022-jp", "\x1b$B$\"\nxy", 8, NULL), "\xe3\x81\x82\nxy"));
    /* iso-2022-jp-2 escapes we do not rewrite go to glibc (here: ESC . A, ESC N) */
    assert_true(str_is(convert(&t, "iso-2022-jp-2", "\x1b.A\x1bNi", 6, NULL), "\xc3\xa9"));
    tmsg_fini(&t);
}

/* test_invalid_bytes - U+FFFD per bad byte, nothing dropped, flags set */
static void test_invalid_bytes(void **state)
{
    (void)state;
    tmsg t;
    bool bad = false;
    tmsg_init(&t);
    assert_true(str_is(convert(&t, "cp949", "\xc7\xd1\xff\xc7\xd1", 5, &bad),
                       "\xed\x95\x9c\xef\xbf\xbd\xed\x95\x9c"));
    assert_true(bad);
    assert_true(t.msg.anomalies & BN_ANOM_BAD_CHARSET);
    t.msg.anomalies = 0;
    bad = false;
    /* EINVAL: the input ends inside a character */
    assert_true(str_is(convert(&t, "euc-kr", "a\xc7", 2, &bad), "a\xef\xbf\xbd"));
    assert_true(bad);
    bad = false;
    assert_true(str_is(convert(&t, "utf-8", "\xc3\xa9\xc3", 3, &bad), "\xc3\xa9\xef\xbf\xbd"));
    assert_true(bad);
    bad = true;
    assert_true(str_is(convert(&t, "utf-8", "ok", 2, &bad), "ok"));
    assert_false(bad);
    tmsg_fini(&t);
}

/* test_unknown_charset - falls back to UTF-8-or-windows-1252 and flags it */
static void test_unknown_charset(void **state)
{
    (void)state;
    tmsg t;
    bool bad = false;
    tmsg_init(&t);
    assert_true(str_is(convert(&t, "x-no-such-charset", "caf\xe9", 4, &bad), "caf\xc3\xa9"));
    assert_true(bad);
    assert_true(t.msg.anomalies & BN_ANOM_BAD_CHARSET);
    /* the failed open is cached: a second use gives the same answer */
    assert_true(str_is(convert(&t, "x-no-such-charset", "\xc3\xa9", 2, NULL), "\xc3\xa9"));
    /* glibc's ISO-2022-CN-EXT reads past the input after a lone SO: never opened */
    static const char *const cn_ext[] = {"iso-2022-cn-ext", "ISO2022CNEXT", "\"Iso-2022-Cn-Ext\"",
                                         "iso-2022-cn-ex)t"};
    for (size_t i = 0; i < sizeof cn_ext / sizeof cn_ext[0]; i++) {
        t.msg.anomalies = 0;
        bad = false;
        assert_true(str_is(convert(&t, cn_ext[i], "a\x0e", 2, &bad), "a\x0e"));
        assert_true(bad);
        assert_true(t.msg.anomalies & BN_ANOM_BAD_CHARSET);
    }
    tmsg_fini(&t);
}

/* test_fast_paths - ASCII and valid UTF-8 come back without a copy */
static void test_fast_paths(void **state)
{
    (void)state;
    tmsg t;
    static const char ascii[] = "plain ascii text";
    static const char utf8[] = "caf\xc3\xa9";
    tmsg_init(&t);
    assert_ptr_equal(convert(&t, "iso-8859-1", ascii, strlen(ascii), NULL).p, ascii);
    assert_ptr_equal(convert(&t, "", utf8, strlen(utf8), NULL).p, utf8);
    assert_ptr_equal(convert(&t, "utf-8", utf8, strlen(utf8), NULL).p, utf8);
    /* not for charsets where ASCII bytes mean something else */
    assert_true(str_is(convert(&t, "utf-7", "+AOk-", 5, NULL), "\xc3\xa9"));
    assert_int_equal(t.arena.used > 0, 1);
    tmsg_fini(&t);
}

typedef struct vcase {
    const char *in;
    size_t n;
    bool valid;
} vcase;

static const vcase vcases[] = {
    {"", 0, true},
    {"ascii only, longer than eight bytes", 35, true},
    {"\xc3\xa9", 2, true},
    {"\xe2\x82\xac", 3, true},
    {"\xf0\x9f\x98\x80", 4, true},
    {"\xf4\x8f\xbf\xbf", 4, true},
    {"\xc0\x80", 2, false},         /* overlong */
    {"\xe0\x80\xaf", 3, false},     /* overlong */
    {"\xed\xa0\x80", 3, false},     /* surrogate */
    {"\xf4\x90\x80\x80", 4, false}, /* past U+10FFFF */
    {"\xf5\x80\x80\x80", 4, false},
    {"\xc3", 1, false},             /* cut */
    {"12345678\xe2\x82", 10, false},
    {"\x80", 1, false},
    {"\xfe", 1, false},
};

static void test_utf8_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
        guard g;
        char *p = guard_put(&g, vcases[i].in, vcases[i].n);
        if (bn_utf8_valid(p, vcases[i].n) != vcases[i].valid)
            fail_msg("utf8 case %zu", i);
        guard_free(&g);
    }
}

/* test_cache_churn - more charsets than cache slots: evicted, then freed */
static void test_cache_churn(void **state)
{
    (void)state;
    static const char *const cs[] = {"cp949", "gb2312", "big5", "koi8-r", "cp1251", "cp1250",
                                     "iso-8859-2", "iso-8859-5", "iso-8859-7", "cp874",
                                     "euc-jp", "shift_jis"};
    tmsg t;
    tmsg_init(&t);
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
            (void)convert(&t, cs[i], "\xc1\xc2", 2, NULL);
    /* still right after evictions */
    assert_true(str_is(convert(&t, "koi8-r", "\xc1", 1, NULL), "\xd0\xb0"));
    tmsg_fini(&t);
    assert_null(t.msg.iconv_cache);
}

/* test_decode_limit - conversion output counts against max_decoded */
static void test_decode_limit(void **state)
{
    (void)state;
    tmsg t;
    tmsg_init(&t);
    t.opts.max_decoded = 4;
    bn_str r = convert(&t, "iso-8859-1", "\xe9\xe9\xe9\xe9", 4, NULL);
    assert_true(str_is(r, "\xc3\xa9\xc3\xa9"));
    t.msg.decoded_total = 0;
    t.opts.max_decoded = 5; /* room for one and a half: the half goes */
    assert_true(str_is(convert(&t, "utf-8", "\xe2\x82\xac\xe2\x82\xac\xff", 7, NULL), "\xe2\x82\xac"));
    assert_true(t.msg.anomalies & BN_ANOM_DECODE_LIMIT);
    tmsg_fini(&t);
}

/* glibc_identity - iconv from name turns p[0..n) into the same bytes */
static bool glibc_identity(const char *name, const char *p, size_t n)
{
    iconv_t cd = iconv_open("UTF-8", name);
    char out[64], *in = (char *)(uintptr_t)p, *o = out;
    size_t il = n, ol = sizeof out;
    assert_true(cd != (iconv_t)-1 && n < sizeof out);
    size_t r = iconv(cd, &in, &il, &o, &ol);
    iconv(cd, NULL, NULL, &o, &ol); /* the return to the initial state writes too */
    iconv_close(cd);
    return r != (size_t)-1 && il == 0 && (size_t)(o - out) == n && memcmp(out, p, n) == 0;
}

typedef struct ptcase {
    const char *label; /* as in mail */
    const char *iconv; /* what glibc decodes it with (iso-2022-jp: our EUC-JP rewrite
                          copies ASCII-mode runs, then EUC-JP-MS) */
    int passing;       /* how many of the 128 ASCII bytes read as themselves */
} ptcase;

/* test_passthrough_glibc - every byte the stateful 7-bit fast path lets
   through, glibc turns into itself, between other bytes too */
static void test_passthrough_glibc(void **state)
{
    (void)state;
    static const ptcase cases[] = {
        {"unicode-1-1-utf-7", "UTF-7", 95}, {"utf-7", "UTF-7", 95},
        {"iso-2022-jp", "EUC-JP-MS", 125},  {"iso-2022-jp", "ISO-2022-JP-2", 125},
        {"iso-2022-kr", "ISO-2022-KR", 125}, {"iso-2022-cn", "ISO-2022-CN", 124},
        {"iso-2022-cn-ext", "ISO-2022-CN-EXT", 125},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *target = bn_charset_alias(cases[k].label, strlen(cases[k].label));
        int passing = 0;
        for (int c = 0; c < 256; c++) {
            char s[3] = {'a', (char)c, 'b'};
            if (!bn_charset_passthrough(target ? target : cases[k].label, s, 3))
                continue;
            passing++;
            if (!glibc_identity(cases[k].iconv, s, 3))
                fail_msg("%s: byte 0x%02x is not itself in glibc", cases[k].label, c);
        }
        if (passing != cases[k].passing)
            fail_msg("%s: %d bytes pass, expected %d", cases[k].label, passing,
                     cases[k].passing);
    }
    assert_false(bn_charset_passthrough("UTF-8", "abc", 3)); /* not a stateful charset */
}

/* test_passthrough - plain ASCII in UTF-7 / ISO-2022 comes back as is;
   a shift or a byte glibc refuses still goes through iconv */
static void test_passthrough(void **state)
{
    (void)state;
    tmsg t;
    bool bad = true;
    /* longer than 16 bytes: the vector loop and the tail both look */
    static const char text[] =
        "Delivery has failed to these recipients or groups:\r\n\t<a@b.example>";
    tmsg_init(&t);
    assert_ptr_equal(convert(&t, "unicode-1-1-utf-7", text, strlen(text), &bad).p, text);
    assert_false(bad);
    assert_ptr_equal(convert(&t, "iso-2022-jp", text, strlen(text), NULL).p, text);
    assert_int_equal(t.arena.used, 0);
    assert_true(str_is(convert(&t, "unicode-1-1-utf-7", "Delivery to 1+AOk-2 failed", 26, NULL),
                       "Delivery to 1\xc3\xa9" "2 failed"));
    /* '~' past the vector loop, then in it: glibc's UTF-7 refuses it */
    assert_true(str_is(convert(&t, "utf-7", "a~b", 3, &bad), "a" BN_FFFD "b"));
    assert_true(bad);
    assert_true(str_is(convert(&t, "utf-7", "0123456789abcde~", 16, NULL),
                       "0123456789abcde" BN_FFFD));
    assert_true(str_is(convert(&t, "iso-2022-jp", "\x1b$B$\"\x1b(B", 8, NULL), "\xe3\x81\x82"));
    tmsg_fini(&t);
}

/* ref_euc - EUC-JP-MS to UTF-8 through glibc in one call per error, with
   the library's policy written out again (a bad byte: U+FFFD, skip it; the
   text ends inside a character: U+FFFD, stop), into out; its length */
static size_t ref_euc(const char *p, size_t n, char *out, size_t cap)
{
    iconv_t cd = iconv_open("UTF-8", "EUC-JP-MS");
    char *in = (char *)(uintptr_t)p, *o = out;
    size_t il = n, ol = cap;
    assert_true(cd != (iconv_t)-1);
    while (il && iconv(cd, &in, &il, &o, &ol) == (size_t)-1) {
        int err = errno;
        assert_true(err != E2BIG && ol >= 3);
        memcpy(o, BN_FFFD, 3);
        o += 3;
        ol -= 3;
        if (err == EINVAL)
            break;
        in++;
        il--;
    }
    iconv_close(cd);
    return (size_t)(o - out);
}

/* test_euc_ascii_runs - EUC-JP text whose long ASCII runs skip iconv reads
   exactly as glibc reads it whole: every lead byte, cut or broken, right
   before and at the end of a run, with every ASCII byte (NUL too) in it */
static void test_euc_ascii_runs(void **state)
{
    (void)state;
    static const struct {
        const char *b;
        size_t n;
    } tails[] = {{"", 0},         {"\xa1", 1}, {"\xa4\xa2", 2}, {"\xa1\xa1\xa1", 3},
                 {"\xfe", 1},     {"\x8e", 1}, {"\xb0\x41", 2}, {"\xa1\xa1\x8f", 3}};
    char in[400], got[2048];
    tmsg t;
    tmsg_init(&t);
    for (int lead = 0x80; lead < 0x100; lead++) {
        for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
            size_t n = 0;
            for (int r = 0; r < 2; r++) { /* run, lead + tail, run, lead + tail */
                for (int c = 0; c < 40; c++)
                    in[n++] = (char)((c * 37 + r * 11 + lead) % 128);
                in[n++] = (char)lead;
                memcpy(in + n, tails[k].b, tails[k].n);
                n += tails[k].n;
            }
            size_t want = ref_euc(in, n, got, sizeof got);
            bn_str r = convert(&t, "euc-jp", in, n, NULL);
            if (r.n != want || memcmp(r.p, got, want) != 0)
                fail_msg("lead 0x%02x, tail %zu: differs from glibc", lead, k);
        }
    }
    tmsg_fini(&t);
}

/* test_euc_every_code - every EUC-JP-MS code (two-byte, kana, three-byte
   JIS X 0212) and every lead byte followed by each trail byte comes out as
   valid UTF-8 and as glibc writes it: convert_named skips the UTF-8 check
   of this converter's output, which is safe only while this holds */
static void test_euc_every_code(void **state)
{
    (void)state;
    size_t cap = (size_t)128 * 256 * 4 * 2;
    char *in = malloc(cap), *want = malloc(cap * 3 + 64);
    assert_non_null(in);
    assert_non_null(want);
    tmsg t;
    tmsg_init(&t);
    for (int pre = 0; pre < 2; pre++) { /* without and with the 0x8F prefix */
        size_t n = 0;
        for (int a = 0x80; a < 0x100; a++) {
            for (int b = 0x00; b < 0x100; b += (b < 0x80 ? 0x21 : 1)) {
                if (pre)
                    in[n++] = (char)0x8F;
                in[n++] = (char)a;
                in[n++] = (char)b;
                in[n++] = 'x'; /* a bad pair ends here: the next one starts clean */
            }
        }
        size_t wn = ref_euc(in, n, want, cap * 3 + 64);
        bn_str r = convert(&t, "euc-jp", in, n, NULL);
        assert_true(bn_utf8_valid(r.p, r.n));
        assert_int_equal(r.n, wn);
        assert_memory_equal(r.p, want, wn);
    }
    tmsg_fini(&t);
    free(in);
    free(want);
}

/* test_jis_escape_offsets - an escape (and SO/SI) after an ASCII run of
   every length up to 40 is found, before, in and after the 16-byte blocks */
static void test_jis_escape_offsets(void **state)
{
    (void)state;
    char in[128], want[128];
    tmsg t;
    tmsg_init(&t);
    for (size_t k = 0; k <= 40; k++) {
        memset(in, 'a', k); /* "a"*k, HIRAGANA A in JIS X 0208, "b"*20 */
        memcpy(in + k, "\x1b$B$\"\x1b(B", 8);
        memset(in + k + 8, 'b', 20);
        memset(want, 'a', k);
        memcpy(want + k, "\xe3\x81\x82", 3);
        memset(want + k + 3, 'b', 20);
        bn_str r = convert(&t, "iso-2022-jp", in, k + 28, NULL);
        if (r.n != k + 23 || memcmp(r.p, want, k + 23) != 0)
            fail_msg("escape after %zu ASCII bytes: wrong text", k);
        memcpy(in + k, "\x0e\x31\x0f", 3); /* SO, HALFWIDTH KATAKANA A, SI */
        memset(in + k + 3, 'b', 20);
        memcpy(want + k, "\xef\xbd\xb1", 3);
        memset(want + k + 3, 'b', 20);
        r = convert(&t, "iso-2022-jp", in, k + 3 + 20, NULL);
        if (r.n != k + 23 || memcmp(r.p, want, k + 23) != 0)
            fail_msg("SO after %zu ASCII bytes: wrong text", k);
    }
    tmsg_fini(&t);
}

/* test_latin1_runs - latin1 with ASCII runs of every length up to 40
   between 8-bit letters, whole and under every decode limit (the result is
   then the longest prefix of whole characters that fits) */
static void test_latin1_runs(void **state)
{
    (void)state;
    char in[128], want[256];
    for (size_t len = 0; len <= 40; len++) {
        size_t n = 0, w = 0; /* e-acute, "a"*len, euro sign, "b"*len */
        in[n++] = '\xe9';
        memcpy(want + w, "\xc3\xa9", 2), w += 2;
        memset(in + n, 'a', len), n += len;
        memset(want + w, 'a', len), w += len;
        in[n++] = '\x80';
        memcpy(want + w, "\xe2\x82\xac", 3), w += 3;
        memset(in + n, 'b', len), n += len;
        memset(want + w, 'b', len), w += len;
        for (size_t lim = 0; lim <= w + 1; lim++) {
            tmsg t;
            tmsg_init(&t);
            t.opts.max_decoded = lim < w + 1 ? lim : SIZE_MAX;
            /* the longest whole-character prefix of want within lim */
            size_t k = lim < w ? lim : w;
            while (k > 0 && k < w && (want[k] & 0xC0) == 0x80)
                k--;
            bn_str r = convert(&t, "iso-8859-1", in, n, NULL);
            if (r.n != k || (k && memcmp(r.p, want, k) != 0))
                fail_msg("run %zu, limit %zu: %zu bytes, want %zu", len, lim, r.n, k);
            tmsg_fini(&t);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_label),   cmocka_unit_test(test_table_rows),
        cmocka_unit_test(test_label_forms),   cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_unknown_charset), cmocka_unit_test(test_fast_paths),
        cmocka_unit_test(test_utf8_valid),    cmocka_unit_test(test_cache_churn),
        cmocka_unit_test(test_decode_limit), cmocka_unit_test(test_passthrough_glibc),
        cmocka_unit_test(test_passthrough),   cmocka_unit_test(test_euc_ascii_runs),
        cmocka_unit_test(test_jis_escape_offsets), cmocka_unit_test(test_euc_every_code), cmocka_unit_test(test_latin1_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
