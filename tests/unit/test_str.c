/* test_str.c - core/str.c span helpers: the case-insensitive search and the
   multi-needle matcher against naive reference implementations */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "core/str.h"

/* ref_lc - ASCII lowering, written out independently of bn_lower_table */
static unsigned char ref_lc(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ref_at - needle (nn bytes) occurs at hay[i] case-insensitively */
static bool ref_at(const char *hay, size_t hn, size_t i, const char *needle, size_t nn)
{
    if (i + nn > hn)
        return false;
    for (size_t k = 0; k < nn; k++)
        if (ref_lc((unsigned char)hay[i + k]) != ref_lc((unsigned char)needle[k]))
            return false;
    return true;
}

/* ref_find - the first position of needle in hay, or hn when absent */
static size_t ref_find(const char *hay, size_t hn, const char *needle, size_t nn)
{
    for (size_t i = 0; i + nn <= hn; i++)
        if (ref_at(hay, hn, i, needle, nn))
            return i;
    return hn;
}

/* rng - xorshift: the same pseudo-random texts on every run */
static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* An alphabet where matches, near misses and case variants are frequent;
   '@'/'`' and '['/'{' differ only in bit 0x20 like letters do, 0xC3 is 8-bit. */
static const char alpha[] = "aAbBrR@`[{ :\xc3\n";

/* random_text - n bytes from alpha */
static void random_text(uint32_t *s, char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = alpha[rng(s) % (sizeof alpha - 1)];
}

/* test_find_ci_known - fixed cases: case folding, ends, absent, 8-bit */
static void test_find_ci_known(void **state)
{
    (void)state;
    bn_str h = BN_STR("Remote host said: 550 5.1.1 User Unknown");
    assert_ptr_equal(bn_str_find_ci(h, "user unknown"), h.p + 28);
    assert_ptr_equal(bn_str_find_ci(h, "REMOTE"), h.p);
    assert_ptr_equal(bn_str_find_ci(h, "unknown"), h.p + 33);
    assert_null(bn_str_find_ci(h, "unknownx"));
    assert_null(bn_str_find_ci(h, "said:550"));
    assert_ptr_equal(bn_str_find_ci(h, ""), h.p);
    /* '@' and '`' fold together only under a naive |0x20: they must not match */
    bn_str at = BN_STR("x`example.com and x@example.com");
    assert_ptr_equal(bn_str_find_ci(at, "x@example.com"), at.p + 18);
    bn_str u = BN_STR("caf\xc3\xa9 CAF\xc3\x89");
    assert_ptr_equal(bn_str_find_ci(u, "caf\xc3\xa9"), u.p);
    assert_null(bn_str_find_ci((bn_str){u.p + 1, u.n - 1}, "caf\xc3\xa9"));
}

/* plant_flipped - a copy of needle at a random place of hay, some letters
   with their case flipped (a match the case-insensitive search must find) */
static void plant_flipped(uint32_t *s, char *hay, size_t hn, const char *needle, size_t nn)
{
    size_t at = rng(s) % (hn - nn + 1);
    for (size_t k = 0; k < nn; k++)
        hay[at + k] = bn_is_alpha((unsigned char)needle[k]) && rng(s) % 2
                          ? (char)(needle[k] ^ 0x20)
                          : needle[k];
}

/* test_find_ci_random - bn_mem_find_ci agrees with the naive search on
   random texts of every length from 0 to 80 (all block/tail splits) */
static void test_find_ci_random(void **state)
{
    (void)state;
    uint32_t s = 12345;
    char hay[100], needle[8];
    for (int round = 0; round < 20000; round++) {
        size_t hn = rng(&s) % 81, nn = 1 + rng(&s) % 6;
        random_text(&s, hay, hn);
        random_text(&s, needle, nn);
        if (hn >= nn && rng(&s) % 2)
            plant_flipped(&s, hay, hn, needle, nn);
        size_t want = ref_find(hay, hn, needle, nn);
        const char *got = bn_mem_find_ci(hay, hn, needle, nn);
        assert_int_equal(got ? (size_t)(got - hay) : hn, want);
    }
}

/* test_find_ci_long - texts long enough for the 32-start blocks (AVX2) and
   the 16-start ones after them, needles up to 12 bytes, planted anywhere */
static void test_find_ci_long(void **state)
{
    (void)state;
    uint32_t s = 999;
    char hay[400], needle[13];
    for (int round = 0; round < 20000; round++) {
        size_t hn = rng(&s) % sizeof hay, nn = 2 + rng(&s) % 11;
        random_text(&s, hay, hn);
        random_text(&s, needle, nn);
        if (hn >= nn && rng(&s) % 2)
            plant_flipped(&s, hay, hn, needle, nn);
        size_t want = ref_find(hay, hn, needle, nn);
        const char *got = bn_mem_find_ci(hay, hn, needle, nn);
        assert_int_equal(got ? (size_t)(got - hay) : hn, want);
    }
}

/* ref_multi - earliest start of any needle (ties: lowest index); hn if none */
static size_t ref_multi(const char *hay, size_t hn, const char *const *nd, size_t n,
                        size_t *which)
{
    for (size_t i = 0; i < hn; i++)
        for (size_t k = 0; k < n; k++)
            if (ref_at(hay, hn, i, nd[k], strlen(nd[k]))) {
                *which = k;
                return i;
            }
    return hn;
}

/* test_multi_known - the earliest phrase wins; on a tie the first row */
static void test_multi_known(void **state)
{
    (void)state;
    static const char *const nd[] = {"rcpt to:", "to command", " to", "in reply to rcpt"};
    bn_multi m;
    size_t k = 99;
    assert_true(bn_multi_init(&m, nd, 4));
    bn_str t = BN_STR("550 (in reply to RCPT TO command)");
    assert_ptr_equal(bn_multi_find(&m, t, &k), t.p + 5);
    assert_int_equal(k, 3);
    bn_str t2 = BN_STR("xRCPT TO: <a@b>");
    assert_ptr_equal(bn_multi_find(&m, t2, &k), t2.p + 1);
    assert_int_equal(k, 0);
    assert_null(bn_multi_find(&m, BN_STR("nothing here"), &k));
    assert_int_equal(bn_multi_mask(&m, t), (1u << 1) | (1u << 2) | (1u << 3));
    static const char *const too_many[65] = {"x"};
    assert_false(bn_multi_init(&m, too_many, 65));
    static const char *const empty[] = {"a", ""};
    assert_false(bn_multi_init(&m, empty, 2));
    assert_null(bn_multi_find(&m, BN_STR("a"), NULL)); /* a refused table finds nothing */
}

/* check_multi - bn_multi_find and bn_multi_mask agree with the naive loops */
static void check_multi(const char *hay, size_t hn, const char *const *nd, size_t n)
{
    bn_multi m;
    assert_true(bn_multi_init(&m, nd, n));
    size_t wk = 0, gk = 0, want = ref_multi(hay, hn, nd, n, &wk);
    const char *got = bn_multi_find(&m, (bn_str){hay, hn}, &gk);
    assert_int_equal(got ? (size_t)(got - hay) : hn, want);
    if (got)
        assert_int_equal(gk, wk);
    unsigned long long mask = 0;
    for (size_t k = 0; k < n; k++)
        if (ref_find(hay, hn, nd[k], strlen(nd[k])) < hn)
            mask |= 1ULL << k;
    assert_true(bn_multi_mask(&m, (bn_str){hay, hn}) == mask);
    /* the lowest needle found and where its first match starts */
    size_t low = mask ? (size_t)__builtin_ctzll(mask) : BN_MULTI_MAX, at = 7777;
    assert_int_equal(bn_multi_lowest_at(&m, (bn_str){hay, hn}, &at), low);
    if (mask)
        assert_int_equal(at, ref_find(hay, hn, nd[low], strlen(nd[low])));
    else
        assert_int_equal(at, 7777);
}

/* test_multi_every_offset - a needle planted at every offset of texts of
   every length up to 100 (in either case, next to bytes whose nibbles
   resemble its own): the two-byte filter's block edges (the 16th byte of a
   block, whose successor is read in the next one), the last byte of the
   text (no successor) and the 32/16-byte switch all answer as the naive loops */
static void test_multi_every_offset(void **state)
{
    (void)state;
    /* 17 anchors would exceed the table: these share buckets and nibbles
       ("q" 0x71 and "a" 0x61 share a low nibble, "Q" folds onto "q") */
    static const char *const nd[] = {"qx", "Q", "zap", "aq", "pq!", "vw", "xq", "wq", "qa"};
    char hay[101];
    for (size_t k = 0; k < sizeof nd / sizeof nd[0]; k++) {
        size_t nn = strlen(nd[k]);
        for (size_t hn = nn; hn <= 100; hn++)
            for (size_t at = 0; at + nn <= hn; at++) {
                for (size_t i = 0; i < hn; i++)
                    hay[i] = "acegikmoACEGIKMO"[(i * 7 + hn) % 16]; /* no needle byte but 'a' */
                for (size_t i = 0; i < nn; i++) {
                    unsigned char c = (unsigned char)nd[k][i];
                    bool flip = (at + i) % 2 && bn_is_alpha(c); /* the other case */
                    hay[at + i] = (char)(flip ? c ^ 0x20 : c);
                }
                char *exact = malloc(hn); /* ASan: no byte after the text is read */
                assert_non_null(exact);
                memcpy(exact, hay, hn);
                check_multi(exact, hn, nd, sizeof nd / sizeof nd[0]);
                free(exact);
            }
    }
}

/* test_multi_lowest_slow - bn_multi_lowest_at when the anchors do not fit
   (17 one-byte needles of distinct bytes: a search per needle) */
static void test_multi_lowest_slow(void **state)
{
    (void)state;
    static const char *const nd[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                     "j", "k", "l", "m", "n", "o", "p", "q"};
    bn_multi m;
    assert_true(bn_multi_init(&m, nd, 17));
    assert_true(m.slow);
    size_t at = 0;
    assert_int_equal(bn_multi_lowest_at(&m, BN_STR("zzQzzPzzzq"), &at), 15);
    assert_int_equal(at, 5);
    check_multi("xx q yy c zz c", 14, nd, 17);
    check_multi("xyz", 3, nd, 17);
}

/* test_multi_random - bn_multi_find/bn_multi_mask against the naive loops */
static void test_multi_random(void **state)
{
    (void)state;
    uint32_t s = 777;
    char hay[64], store[8][6];
    const char *nd[8];
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + rng(&s) % 8, hn = rng(&s) % 64;
        for (size_t k = 0; k < n; k++) {
            size_t len = 1 + rng(&s) % 4;
            random_text(&s, store[k], len);
            store[k][len] = '\0';
            nd[k] = store[k];
        }
        random_text(&s, hay, hn);
        check_multi(hay, hn, nd, n);
    }
}

/* test_multi_shared_start - needles that share their anchor pair and their
   first byte, told apart only further on (the last byte is compared before
   the rest): texts of their pieces in random case, against the naive loops */
static void test_multi_shared_start(void **state)
{
    (void)state;
    static const char *const nd[] = {"after data", "after helo", "after rcpt to:",
                                     "after rcpt command", "after rcpt toX", "after rcpt",
                                     "afteR", "a:", "a;", "A["};
    static const char *const pieces[] = {"after ", "AFTER", "data", "helo", "rcpt ", "to:",
                                         "to;", "tox", "command", "a", ":", ";", "[", "{", " "};
    uint32_t s = 31337;
    char hay[200];
    for (int round = 0; round < 5000; round++) {
        size_t hn = 0;
        while (hn < sizeof hay - 20 && rng(&s) % 16) {
            const char *pc = pieces[rng(&s) % (sizeof pieces / sizeof pieces[0])];
            for (size_t i = 0; pc[i]; i++) {
                unsigned char c = (unsigned char)pc[i];
                hay[hn++] = (char)(bn_is_alpha(c) && rng(&s) % 2 ? c ^ 0x20 : c);
            }
        }
        char *exact = malloc(hn ? hn : 1); /* ASan: no byte after the text is read */
        assert_non_null(exact);
        memcpy(exact, hay, hn);
        check_multi(exact, hn, nd, sizeof nd / sizeof nd[0]);
        free(exact);
    }
}

/* test_multi_long - texts long enough for the 16- and 32-byte loops (and
   their tails), up to 64 needles of up to 12 bytes, against the naive loops */
static void test_multi_long(void **state)
{
    (void)state;
    uint32_t s = 4242;
    static char hay[400], store[64][13];
    const char *nd[64];
    for (int round = 0; round < 3000; round++) {
        size_t n = 1 + rng(&s) % 64, hn = rng(&s) % sizeof hay;
        for (size_t k = 0; k < n; k++) {
            size_t len = 1 + rng(&s) % 12;
            random_text(&s, store[k], len);
            store[k][len] = '\0';
            nd[k] = store[k];
        }
        random_text(&s, hay, hn);
        if (hn > 40 && round % 2) { /* plant a needle: long ones match too */
            const char *p = nd[rng(&s) % n];
            memcpy(hay + rng(&s) % (hn - 12), p, strlen(p));
        }
        check_multi(hay, hn, nd, n);
    }
}

/* test_ctype - bn_is_space and bn_is_alnum (table lookups) against the
   byte classes written out, for all 256 bytes */
static void test_ctype(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        bool sp = c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
        bool al = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        assert_int_equal(bn_is_space((unsigned char)c), sp);
        assert_int_equal(bn_is_alnum((unsigned char)c), al);
    }
}

/* test_mem_eol - the first CR or LF at every offset, both before and after
   the 16-byte blocks; none when the text has neither */
static void test_mem_eol(void **state)
{
    (void)state;
    char buf[70];
    for (size_t n = 0; n <= sizeof buf; n++) {
        for (size_t at = 0; at < n; at++) {
            memset(buf, 'x', sizeof buf);
            buf[at] = at % 2 ? '\r' : '\n';
            if (at + 3 < n)
                buf[at + 3] = '\n'; /* a later one is not the answer */
            assert_ptr_equal(bn_mem_eol(buf, n), buf + at);
        }
        memset(buf, '\x8d', sizeof buf); /* 0x8d: CR with the high bit, not a CR */
        assert_null(bn_mem_eol(buf, n));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_ci_known),
        cmocka_unit_test(test_find_ci_random),
        cmocka_unit_test(test_find_ci_long),
        cmocka_unit_test(test_multi_known),
        cmocka_unit_test(test_multi_random),
        cmocka_unit_test(test_multi_long),
        cmocka_unit_test(test_multi_shared_start),
        cmocka_unit_test(test_multi_every_offset),
        cmocka_unit_test(test_multi_lowest_slow),
        cmocka_unit_test(test_mem_eol),
        cmocka_unit_test(test_ctype),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
