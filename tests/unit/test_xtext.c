/*
 * test_xtext.c - the fast paths of extraction's text helpers against plain
 * reference versions: unfolding, reply codes, field names, the line index of
 * the bounce's text, the families' one-pass phrase search, DSN field names
 * and bn_multi_lowest. Each reference is the simple loop the fast path
 * replaced; random inputs are built from the bytes that matter to each.
 */
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
#include "extract/formats/formats.h"

static bn_arena arena;

/* S - span of a C string literal */
#define S(lit) ((bn_str){(lit), sizeof(lit) - 1})

static int setup(void **state)
{
    (void)state;
    bn_arena_init(&arena, 1u << 26);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bn_arena_free(&arena);
    return 0;
}

/* rnd - a small fixed-seed generator: the same inputs on every run */
static unsigned rnd(void)
{
    static uint32_t s = 12345u;
    s = s * 1103515245u + 12345u;
    return (s >> 16) & 0x7FFFu;
}

/* random_text - n bytes drawn from alphabet into buf */
static bn_str random_text(char *buf, size_t n, const char *alphabet)
{
    size_t k = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        buf[i] = alphabet[rnd() % k];
    return (bn_str){buf, n};
}

/* same_span - equal bytes */
static bool same_span(bn_str a, bn_str b)
{
    return a.n == b.n && (!a.n || memcmp(a.p, b.p, a.n) == 0);
}

/* ---- bn_x_unfold ---- */

/* ref_needs_unfold - an EOL, a tab or two spaces in a row */
static bool ref_needs_unfold(bn_str s)
{
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == '\r' || c == '\n' || c == '\t' || (c == ' ' && i + 1 < s.n && s.p[i + 1] == ' '))
            return true;
    }
    return false;
}

/* ref_unfold - bn_x_unfold one byte at a time (out: s.n + 1 bytes) */
static bn_str ref_unfold(bn_str s, char *out)
{
    s = bn_str_trim(s);
    if (!ref_needs_unfold(s))
        return s;
    size_t o = 0;
    bool sp = false;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (bn_is_space(c)) {
            sp = true;
            continue;
        }
        if (sp && o)
            out[o++] = ' ';
        sp = false;
        out[o++] = (char)c;
    }
    return (bn_str){out, o};
}

/* Whitespace-heavy text: runs, folds, tabs, FF/VT, across 16-byte blocks. */
static void test_unfold_random(void **state)
{
    (void)state;
    static const char *const alphabets[] = {"ab ", "abc  \t\r\n", "a \n", "x\f\v \r\n\t",
                                            "word \r\n "};
    char buf[200], want[201];
    for (int round = 0; round < 20000; round++) {
        size_t n = rnd() % 120;
        bn_str s = random_text(buf, n, alphabets[round % 5]);
        bn_str got = bn_x_unfold(&arena, s), ref = ref_unfold(s, want);
        if (!same_span(got, ref))
            fail_msg("round %d: unfold of %zu bytes: got %zu bytes, want %zu", round, n, got.n,
                     ref.n);
        if (!ref_needs_unfold(bn_str_trim(s)))
            assert_ptr_equal(got.p, bn_str_trim(s).p); /* nothing to do: no copy */
        if (round % 1000 == 0)
            bn_arena_reset(&arena);
    }
    assert_true(same_span(bn_x_unfold(&arena, S("  a  b\r\n\tc  ")), S("a b c")));
    assert_true(same_span(bn_x_unfold(&arena, S("0123456789abcde \r\n 0123456789abcdef  x")),
                          S("0123456789abcde 0123456789abcdef x")));
}

/* ---- bn_x_find_replycode ---- */

/* ref_replycode - the first reply code starting a word (the byte loop) */
static int ref_replycode(bn_str s)
{
    for (size_t i = 0; i + 3 <= s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c != '2' && c != '4' && c != '5')
            continue;
        if (i > 0 && !bn_is_space((unsigned char)s.p[i - 1]) && !strchr(";:(\"'<#[", s.p[i - 1]))
            continue;
        if (!bn_is_digit((unsigned char)s.p[i + 1]) || !bn_is_digit((unsigned char)s.p[i + 2]) ||
            s.p[i + 1] > '5')
            continue;
        if (i + 3 < s.n && !strchr(" -\t\r\n])", s.p[i + 3]))
            continue;
        return (c - '0') * 100 + (s.p[i + 1] - '0') * 10 + (s.p[i + 2] - '0');
    }
    return 0;
}

/* Digits, separators and brackets in every position of 16-byte blocks. */
static void test_replycode_random(void **state)
{
    (void)state;
    char buf[100];
    for (int round = 0; round < 50000; round++) {
        size_t n = rnd() % 90;
        bn_str s = random_text(buf, n, round % 2 ? "2455069 -x:(" : "25a 4.1.5x0");
        int got = bn_x_find_replycode(s), want = ref_replycode(s);
        if (got != want)
            fail_msg("round %d: \"%.*s\": got %d, want %d", round, (int)n, buf, got, want);
    }
    assert_int_equal(bn_x_find_replycode(S("host said: 550 5.1.1 unknown")), 550);
    assert_int_equal(bn_x_find_replycode(S("0123456789abcdefghij 451-try later")), 451);
    assert_int_equal(bn_x_find_replycode(S("x550 and 5500 and 550")), 550);
    assert_int_equal(bn_x_find_replycode(S("55")), 0);
}

/* ---- bn_x_field_name_len ---- */

/* ref_field_name_len - the byte loop over the name */
static size_t ref_field_name_len(bn_str line)
{
    size_t i = 0;
    while (i < line.n && i <= 76) {
        unsigned char c = (unsigned char)line.p[i];
        if (c == ':' || c <= 32 || c >= 127)
            break;
        i++;
    }
    size_t name = i;
    while (i < line.n && bn_is_wsp((unsigned char)line.p[i]))
        i++;
    if (name == 0 || name > 76 || i >= line.n || line.p[i] != ':')
        return 0;
    return name;
}

/* Names of every length around 16, 76 and 77, with the bytes that end them. */
static void test_field_name_random(void **state)
{
    (void)state;
    char buf[120];
    for (int round = 0; round < 50000; round++) {
        size_t n = rnd() % 110;
        bn_str s = random_text(buf, n, "aaaaaaaaaaaaaaaaaaaa-:: \t\x7f\x80\x1f");
        size_t got = bn_x_field_name_len(s), want = ref_field_name_len(s);
        if (got != want)
            fail_msg("round %d: got %zu, want %zu", round, got, want);
    }
    for (size_t len = 1; len < 90; len++) { /* a long name, then ":" */
        memset(buf, 'n', len);
        memcpy(buf + len, " : v", 4);
        assert_int_equal(bn_x_field_name_len((bn_str){buf, len + 4}), len <= 76 ? len : 0);
    }
    assert_int_equal(bn_x_field_name_len(S("Final-Recipient: rfc822; a@b.example")), 15);
    assert_int_equal(bn_x_field_name_len(S("Final-Recipient\xc3\xa9: x")), 0);
}

/* ---- the line index (bn_x_lines_keep, bn_x_text_lines) ---- */

/* index_text - an extraction context whose line index holds every line of t */
static void index_text(bn_xctx *x, bn_str t)
{
    memset(x, 0, sizeof *x);
    x->arena = &arena;
    x->text = t;
    x->lines_of = t.p;
    x->lines_all = true;
    size_t pos = 0;
    bn_str line;
    while (bn_x_line(t, &pos, &line))
        bn_x_lines_keep(x, line);
}

/* expect_lines - the index answers exactly bn_x_line's lines of x->text */
static void expect_lines(const bn_xctx *x)
{
    const bn_str *v;
    size_t n = bn_x_text_lines(x, SIZE_MAX, &v), pos = 0, k = 0;
    bn_str line;
    assert_int_not_equal(n, SIZE_MAX);
    while (bn_x_line(x->text, &pos, &line)) {
        assert_true(k < n);
        assert_ptr_equal(v[k].p, line.p);
        assert_int_equal(v[k].n, line.n);
        k++;
    }
    assert_int_equal(k, n);
}

/* CRLF, LF and bare CR lines; a cut at a line start; a cut inside a line. */
static void test_text_lines(void **state)
{
    (void)state;
    static const char t[] = "one\r\ntwo\n\nthree\rfour\r\n\r\nfive";
    bn_xctx x;
    index_text(&x, S(t));
    expect_lines(&x);
    x.text.n = (size_t)(strstr(t, "three") - t); /* cut at a line start */
    expect_lines(&x);
    const bn_str *v;
    assert_int_equal(bn_x_text_lines(&x, 2, &v), 2);
    x.text.n = (size_t)(strstr(t, "hree") - t); /* inside a line: not these lines */
    assert_int_equal(bn_x_text_lines(&x, SIZE_MAX, &v), SIZE_MAX);
    x.text = S("other text");
    assert_int_equal(bn_x_text_lines(&x, SIZE_MAX, &v), SIZE_MAX);
    bn_xctx none;
    memset(&none, 0, sizeof none);
    none.text = S(t);
    assert_int_equal(bn_x_text_lines(&none, SIZE_MAX, &v), SIZE_MAX);
    bn_arena_reset(&arena);
}

/* More lines than the index keeps: it answers up to BN_X_LINES_MAX, and a
   text cut above that, but not the whole text. */
static void test_text_lines_partial(void **state)
{
    (void)state;
    size_t nl = BN_X_LINES_MAX + 500;
    char *buf = bn_arena_alloc(&arena, nl * 2);
    assert_non_null(buf);
    for (size_t i = 0; i < nl; i++) {
        buf[2 * i] = (char)('a' + i % 26);
        buf[2 * i + 1] = '\n';
    }
    bn_xctx x;
    index_text(&x, (bn_str){buf, nl * 2});
    const bn_str *v;
    assert_int_equal(x.nlines, BN_X_LINES_MAX);
    assert_false(x.lines_all);
    assert_int_equal(bn_x_text_lines(&x, SIZE_MAX, &v), SIZE_MAX);
    assert_int_equal(bn_x_text_lines(&x, BN_X_LINES_MAX, &v), BN_X_LINES_MAX);
    x.text.n = 200; /* 100 lines */
    expect_lines(&x);
    bn_arena_reset(&arena);
}

/* ---- the families' one-pass phrase search (bn_x_text_has) ---- */

/* naive_has - t holds one of the table's phrases (one search each) */
static bool naive_has(bn_str t, const bn_phrases *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (bn_str_find_ci(t, p->v[i]))
            return true;
    return false;
}

/* The tables fit one matcher, and each answer is the naive one: texts made
   of pieces of every family's phrases (case changed), some cut short. */
static void test_family_texts(void **state)
{
    (void)state;
    size_t total = 0;
    for (size_t i = 0; i < bn_family_texts_count; i++)
        total += bn_family_texts[i]->n;
    assert_true(total <= BN_MULTI_MAX);
    bn_xctx x;
    memset(&x, 0, sizeof x);
    x.arena = &arena;
    x.cache = bn_xcache_new();
    assert_non_null(x.cache);
    char buf[600];
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        while (n < 400) {
            const bn_phrases *p = bn_family_texts[rnd() % bn_family_texts_count];
            const char *ph = p->v[rnd() % p->n];
            size_t k = strlen(ph), take = rnd() % 4 ? k - k / 3 : k; /* mostly a piece */
            for (size_t j = 0; j < take; j++)
                buf[n++] = (char)(rnd() % 2 && bn_is_alpha((unsigned char)ph[j])
                                      ? ph[j] ^ 0x20 /* the other case */
                                      : ph[j]);
            buf[n++] = ' ';
        }
        x.text = (bn_str){buf, n}; /* a new text each round: the pass is redone */
        for (size_t i = 0; i < bn_family_texts_count; i++) {
            const bn_phrases *p = bn_family_texts[i];
            assert_int_equal(bn_x_text_has(&x, p->v, p->n), naive_has(x.text, p));
        }
        x.text.n /= 2; /* shortened in place: the same pointer, a new answer */
        for (size_t i = 0; i < bn_family_texts_count; i++) {
            const bn_phrases *p = bn_family_texts[i];
            assert_int_equal(bn_x_text_has(&x, p->v, p->n), naive_has(x.text, p));
        }
    }
    static const char *const other[] = {"not a family", "phrase"};
    x.text = S("a phrase of no family");
    assert_true(bn_x_text_has(&x, other, 2));
    assert_false(bn_x_text_has(&x, other, 1));
    bn_xcache_free(x.cache);
}

/* ---- the SMTP command a text names ---- */

/* The parser's matcher (bn_x_command, now used by the decoders) answers as
   bn_x_find_command's phrase-by-phrase search of short texts: the phrase
   that starts first, on a tie the earlier row. */
static void test_command_same(void **state)
{
    (void)state;
    static const char *const pieces[] = {"after ", "end of ", "data", "rcpt to", " command",
                                         "mail from:", "in reply to ", "helo", "smtp:", "RCPT",
                                         "sender was rejected", ">>> DATA", " from", "x"};
    enum { NP = sizeof pieces / sizeof pieces[0] };
    bn_xctx x;
    memset(&x, 0, sizeof x);
    x.cache = bn_xcache_new();
    assert_non_null(x.cache);
    char buf[400];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0, parts = 1 + rnd() % 12;
        for (size_t i = 0; i < parts; i++) {
            const char *p = pieces[rnd() % NP];
            memcpy(buf + n, p, strlen(p));
            n += strlen(p);
        }
        bn_str s = {buf, n}, a = bn_x_find_command(s), b = bn_x_command(&x, s);
        if (!same_span(a, b))
            fail_msg("\"%.*s\": %.*s vs %.*s", (int)n, buf, (int)a.n, a.p ? a.p : "", (int)b.n,
                     b.p ? b.p : "");
    }
    bn_xcache_free(x.cache);
}

/* ---- the matcher cache ---- */

/* A table is built once; the same table with another count is another entry. */
static void test_xcache(void **state)
{
    (void)state;
    static const char *const t[] = {"alpha", "beta", "gamma"};
    bn_xctx x;
    memset(&x, 0, sizeof x);
    x.cache = bn_xcache_new();
    assert_non_null(x.cache);
    bn_multi s1, s2;
    assert_null(bn_x_multi_cached(&x, t, t[0], 3));
    const bn_multi *m3 = bn_x_multi(&x, t, 3, &s1);
    assert_ptr_equal(bn_x_multi_cached(&x, t, t[0], 3), m3);
    assert_ptr_not_equal(m3, &s1); /* kept by the cache, not in the scratch */
    const bn_multi *m2 = bn_x_multi(&x, t, 2, &s2);
    assert_ptr_not_equal(m2, m3);
    assert_ptr_equal(bn_x_multi(&x, t, 2, &s2), m2);
    assert_null(bn_multi_find(m2, S("only gamma here"), NULL));
    assert_non_null(bn_multi_find(m3, S("only gamma here"), NULL));
    static const char *many[40][1];
    for (size_t i = 0; i < 40; i++) { /* more tables than the cache keeps */
        many[i][0] = "a";
        bn_multi s;
        const bn_multi *m = bn_x_multi(&x, many[i], 1, &s);
        assert_non_null(m);
    }
    bn_xcache_free(x.cache);
}

/* ---- DSN field names ---- */

/* Names in any case, short (Action) and long (Final-Recipient, Remote-MTA);
   names that differ by a byte, or are longer, are not DSN fields. */
static void test_dsn_field_names(void **state)
{
    (void)state;
    bn_dsn d;
    assert_int_equal(bn_dsn_parse(&d, &arena,
                                  S("REPORTING-MTA: dns; mx.example\n\n"
                                    "final-recipient: rfc822; a@b.example\n"
                                    "aCTION: failed\nSTATUS: 5.1.1\n"
                                    "remote-mta: dns; in.b.example\n"
                                    "Final_Recipient: rfc822; x@y.example\n"
                                    "Statuss: 4.0.0\nDiagnostic-Codes: smtp; 451 no\n"),
                                  false, 10),
                     BN_OK);
    assert_int_equal(d.n, 1);
    assert_true(same_span(d.reporting_mta, S("dns; mx.example")));
    assert_true(same_span(d.r[0].final_rcpt, S("rfc822; a@b.example")));
    assert_true(same_span(d.r[0].action, S("failed")));
    assert_true(same_span(d.r[0].status, S("5.1.1")));
    assert_true(same_span(d.r[0].remote_mta, S("dns; in.b.example")));
    assert_int_equal(d.r[0].diag.n, 0);
    assert_int_equal(d.fields, 5);
    bn_arena_reset(&arena);
}

/* ---- bn_multi_lowest ---- */

/* The lowest index of a needle found anywhere, as bn_multi_mask's lowest bit. */
static void test_multi_lowest(void **state)
{
    (void)state;
    static const char *const nd[] = {"error", "unknown", "rejected", "user", "no such",
                                     "e", "delivery failed", "not"};
    enum { N = sizeof nd / sizeof nd[0] };
    bn_multi m;
    assert_true(bn_multi_init(&m, nd, N));
    char buf[300];
    for (int round = 0; round < 20000; round++) {
        size_t n = rnd() % 250;
        bn_str t = random_text(buf, n, "errorunknwjctsdliv fa");
        unsigned long long mask = bn_multi_mask(&m, t);
        size_t want = mask ? (size_t)__builtin_ctzll(mask) : BN_MULTI_MAX;
        assert_int_equal(bn_multi_lowest(&m, t), want);
    }
    assert_int_equal(bn_multi_lowest(&m, S("no such user, rejected")), 2);
    assert_int_equal(bn_multi_lowest(&m, S("xyz")), BN_MULTI_MAX);
    assert_int_equal(bn_multi_lowest(&m, S("")), BN_MULTI_MAX);
}

/* ---- bn_x_addr_valid ---- */

/* ref_addr_valid - the byte loop bn_x_addr_valid replaced */
static bool ref_addr_valid(bn_str a)
{
    if (a.n < 3 || a.n > 512)
        return false;
    size_t at = a.n;
    for (size_t i = 0; i < a.n; i++) {
        unsigned char c = (unsigned char)a.p[i];
        if (c <= ' ' || c == '<' || c == '>' || c == ',')
            return false;
        if (c == '@')
            at = i;
    }
    return at > 0 && at + 1 < a.n;
}

/* Addresses across 16-byte blocks: '@' first, last or in several blocks,
   a bad byte (space, control, '<', '>', ',') anywhere, UTF-8 and DEL bytes
   (above ' ': allowed), lengths around the limits. */
static void test_addr_valid_random(void **state)
{
    (void)state;
    char buf[600];
    static const char alphabet[] = "abc.@@-\x7f\xc3\xa9\x80\xff _<>,\t\x01";
    for (int round = 0; round < 30000; round++) {
        size_t n = rnd() % 70;
        if (round % 50 == 0)
            n = 500 + rnd() % 20; /* around the 512-byte limit */
        bn_str t = random_text(buf, n, round % 3 ? "abcdef.-@xyz" : alphabet);
        assert_int_equal(bn_x_addr_valid(t), ref_addr_valid(t));
    }
    assert_true(bn_x_addr_valid(S("user.name+tag@sub.example.com")));
    assert_true(bn_x_addr_valid(S("a@b@c.example.com.long.enough.x")));
    assert_false(bn_x_addr_valid(S("user.name+tag@sub.example.com@")));
    assert_false(bn_x_addr_valid(S("@user.name.tag.sub.example.com")));
    assert_false(bn_x_addr_valid(S("user.name+tag@sub.example,com.x")));
    assert_false(bn_x_addr_valid(S("user.name+tag@sub.example.com\x01")));
    assert_true(bn_x_addr_valid(S("\xc3\xa9l\xc3\xa8ve.name@\xc3\xa9" "cole.example")));
}

/* ---- bn_x_addr_field ---- */

/* The token after the type, its quotes and trailing punctuation stripped
   (a NUL byte counts as one, as strchr's set did). */
static void test_addr_field_strip(void **state)
{
    (void)state;
    assert_true(same_span(bn_x_addr_field(S("rfc822; 'user@example.com'.")),
                          S("user@example.com")));
    assert_true(same_span(bn_x_addr_field(S("rfc822;\"user@example.com\";")),
                          S("user@example.com")));
    assert_true(same_span(bn_x_addr_field(S("user@example.com>\0")), S("user@example.com")));
    assert_true(same_span(bn_x_addr_field(S("\0<user@example.com (x)")), S("user@example.com")));
    assert_true(same_span(bn_x_addr_field(S("rfc822; <a@b.example>")), S("a@b.example")));
    assert_int_equal(bn_x_addr_field(S("rfc822; nobody")).n, 0);
}

/* ---- bn_x_addr_norm ---- */

/* The domain (after the last '@') lowercased, the local part kept; an
   address already in lowercase comes back as it is, without a copy. */
static void test_addr_norm(void **state)
{
    (void)state;
    bn_str a = S("User.Name@Example.COM");
    assert_true(same_span(bn_x_addr_norm(&arena, a), S("User.Name@example.com")));
    bn_str b = S("User.Name@example.com");
    bn_str nb = bn_x_addr_norm(&arena, b);
    assert_ptr_equal(nb.p, b.p);
    assert_int_equal(nb.n, b.n);
    assert_true(same_span(bn_x_addr_norm(&arena, S("a@B@Mx.Example")), S("a@B@mx.example")));
    assert_true(same_span(bn_x_addr_norm(&arena, S("NoAt.Example")), S("NoAt.Example")));
    assert_true(same_span(bn_x_addr_norm(&arena, S("x@\xc3\x89Z")), S("x@\xc3\x89z")));
    bn_arena_reset(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unfold_random),     cmocka_unit_test(test_replycode_random),
        cmocka_unit_test(test_field_name_random), cmocka_unit_test(test_text_lines),
        cmocka_unit_test(test_text_lines_partial), cmocka_unit_test(test_family_texts),
        cmocka_unit_test(test_command_same),      cmocka_unit_test(test_xcache),
        cmocka_unit_test(test_dsn_field_names),
        cmocka_unit_test(test_multi_lowest),      cmocka_unit_test(test_addr_valid_random),
        cmocka_unit_test(test_addr_norm),         cmocka_unit_test(test_addr_field_strip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
