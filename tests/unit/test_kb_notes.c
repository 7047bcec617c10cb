/*
 * test_kb_notes.c - what bn_kb_scan notes equals a naive search.
 *
 * The scanner notes most automaton states through a summary computed at
 * build time (the phrase, marker, wording and blocklist that noting the
 * state's patterns one by one would keep) and reads text in either ASCII
 * case. This test writes its own reference: every pattern occurrence found
 * by plain comparison, noted by the rules of knowledge.h (highest phrase
 * priority first found, longest marker / wording / blocklist first found,
 * first host standing alone, word-bounded phrases only between non-word
 * bytes), occurrences in order of their end and, at one end, longest first
 * (the order the automaton's output lists have), the ASCII patterns before
 * the non-ASCII ones (two automata). Texts: every pattern alone,
 * upper-cased, next to another, and pseudo-random mixes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "knowledge/knowledge.h"

#define TEXT_MAX 1024

/* word_byte - part of a word for the 'w' flag (as knowledge.c: UTF-8 counts) */
static bool word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
}

/* alnum - an ASCII letter or digit */
static bool alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* ends_at - pattern p occurs in t ending at end (folded compare) */
static bool ends_at(const unsigned char *t, size_t end, const bn_kb_pattern *p)
{
    if (p->len > end)
        return false;
    for (size_t k = 0; k < p->len; k++)
        if (bn_kb_fold_table[t[end - p->len + k]] != (unsigned char)p->text[k])
            return false;
    return true;
}

/* ref_phrase - note a phrase occurrence [s, e) by the rules of knowledge.h */
static void ref_phrase(bn_kb_hits *h, const unsigned char *t, size_t n, size_t s, size_t e,
                       int row)
{
    const bn_kb_phrase *ph = &bn_kb_phrases[row];
    if ((ph->flags & BN_PF_WORD) && ((s > 0 && word_byte(t[s - 1])) || (e < n && word_byte(t[e]))))
        return;
    h->transient |= (ph->flags & BN_PF_TRANSIENT) != 0;
    h->retry |= (ph->flags & BN_PF_RETRY) != 0;
    h->failure |= (ph->flags & BN_PF_FAILURE) != 0;
    h->mailbox |= (ph->flags & BN_PF_MAILBOX) != 0;
    if (ph->reason >= 0 && (h->phrase < 0 || ph->prio > h->phrase_prio))
        h->phrase = row, h->phrase_prio = ph->prio;
}

/* ref_provider - note a provider occurrence [s, e) */
static void ref_provider(bn_kb_hits *h, const unsigned char *t, size_t n, size_t s, size_t e,
                         int row)
{
    const bn_kb_provider *p = &bn_kb_providers[row];
    if (p->kind == BN_PK_HOST) {
        if ((s == 0 || !alnum(t[s - 1])) && (e == n || !alnum(t[e])) && h->host < 0)
            h->host = row;
        return;
    }
    int *best = p->kind == BN_PK_WORDING ? &h->wording : &h->marker;
    if (*best < 0 || p->key_len > bn_kb_providers[*best].key_len)
        *best = row;
}

/* ref_note - note one occurrence ending at e */
static void ref_note(bn_kb_hits *h, const unsigned char *t, size_t n, size_t e,
                     const bn_kb_pattern *p)
{
    size_t s = e - p->len;
    if (p->kind == BN_PAT_PHRASE)
        ref_phrase(h, t, n, s, e, p->index);
    else if (p->kind == BN_PAT_PROVIDER)
        ref_provider(h, t, n, s, e, p->index);
    else if (h->blocklist < 0 || strlen(bn_kb_blocklists[p->index].marker) >
                                     strlen(bn_kb_blocklists[h->blocklist].marker))
        h->blocklist = p->index;
}

/* The patterns grouped by last byte (counting sort), built once. */
static uint16_t by_last[BN_AC_NPATTERNS];
static size_t last_start[257];

/* index_patterns - fill by_last / last_start */
static void index_patterns(void)
{
    size_t count[257] = {0};
    for (size_t p = 0; p < BN_AC_NPATTERNS; p++)
        count[(unsigned char)bn_kb_patterns[p].text[bn_kb_patterns[p].len - 1] + 1]++;
    for (size_t c = 1; c < 257; c++)
        count[c] += count[c - 1];
    memcpy(last_start, count, sizeof count);
    for (size_t p = 0; p < BN_AC_NPATTERNS; p++)
        by_last[count[(unsigned char)bn_kb_patterns[p].text[bn_kb_patterns[p].len - 1]]++] =
            (uint16_t)p;
}

/* high_pattern - the pattern has a non-ASCII byte (the second automaton's) */
static bool high_pattern(const bn_kb_pattern *p)
{
    for (size_t k = 0; k < p->len; k++)
        if ((unsigned char)p->text[k] >= 0x80)
            return true;
    return false;
}

/* ref_pass - note the occurrences of the ASCII patterns or of the others
   (high): ends in order, longest pattern first at one end */
static void ref_pass(const unsigned char *t, size_t n, bool high, bn_kb_hits *h)
{
    for (size_t e = 1; e <= n; e++) {
        const bn_kb_pattern *m[64];
        size_t nm = 0;
        unsigned char c = bn_kb_fold_table[t[e - 1]];
        for (size_t k = last_start[c]; k < last_start[c + 1] && nm < 64; k++) {
            const bn_kb_pattern *p = &bn_kb_patterns[by_last[k]];
            if (high_pattern(p) == high && ends_at(t, e, p))
                m[nm++] = p;
        }
        for (size_t i = 1; i < nm; i++) /* longest first (insertion sort) */
            for (size_t j = i; j > 0 && m[j]->len > m[j - 1]->len; j--) {
                const bn_kb_pattern *x = m[j];
                m[j] = m[j - 1], m[j - 1] = x;
            }
        for (size_t i = 0; i < nm; i++)
            ref_note(h, t, n, e, m[i]);
    }
}

/* ref_scan - the hits by plain search: the ASCII patterns over the whole
   text, then the non-ASCII ones (two automata, in that order: knowledge.h) */
static void ref_scan(const unsigned char *t, size_t n, bn_kb_hits *h)
{
    *h = (bn_kb_hits){-1, 0, -1, -1, -1, -1, false, false, false, false};
    ref_pass(t, n, false, h);
    ref_pass(t, n, true, h);
}

/* check - bn_kb_scan and the reference agree on t */
static void check(const unsigned char *t, size_t n)
{
    bn_kb_hits a, b;
    bn_kb_scan(t, n, &a);
    ref_scan(t, n, &b);
    if (a.phrase != b.phrase || a.phrase_prio != b.phrase_prio || a.marker != b.marker ||
        a.host != b.host || a.wording != b.wording || a.blocklist != b.blocklist ||
        a.transient != b.transient || a.retry != b.retry || a.failure != b.failure ||
        a.mailbox != b.mailbox)
        fail_msg("scan %d/%d/%d/%d/%d/%d/%d%d%d%d, search %d/%d/%d/%d/%d/%d/%d%d%d%d on \"%.*s\"",
                 a.phrase, a.phrase_prio, a.marker, a.host, a.wording, a.blocklist,
                 a.transient, a.retry, a.failure, a.mailbox, b.phrase, b.phrase_prio, b.marker,
                 b.host, b.wording, b.blocklist, b.transient, b.retry, b.failure, b.mailbox, (int)n,
                 (const char *)t);
}

/* put - append s (l bytes) to t at *n, upper-cased when up */
static void put(unsigned char *t, size_t *n, const char *s, size_t l, bool up)
{
    for (size_t k = 0; k < l && *n < TEXT_MAX; k++) {
        unsigned char c = (unsigned char)s[k];
        t[(*n)++] = up && c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
    }
}

/* Every pattern alone and upper-cased, between word bytes and between
   blanks, and run into the next pattern. */
static void test_every_pattern(void **state)
{
    (void)state;
    static unsigned char t[TEXT_MAX];
    index_patterns();
    for (size_t p = 0; p < BN_AC_NPATTERNS; p++) {
        const bn_kb_pattern *a = &bn_kb_patterns[p], *b = &bn_kb_patterns[(p + 11) % BN_AC_NPATTERNS];
        for (int variant = 0; variant < 4; variant++) {
            size_t n = 0;
            put(t, &n, variant & 1 ? "xq" : "x ", 2, false);
            put(t, &n, a->text, a->len, variant & 2);
            if (variant == 3)
                put(t, &n, b->text, b->len, false);
            put(t, &n, variant & 1 ? "qx" : " x", 2, false);
            check(t, n);
        }
    }
}

/* Pseudo-random mixes of patterns, pieces of them and filler, long enough
   for the scan's interleaved chains. */
static void test_mixes(void **state)
{
    (void)state;
    index_patterns();
    static unsigned char t[TEXT_MAX];
    static const char filler[] = " .:-/0123456789abcdeqxz[]()<>@;#=";
    unsigned seed = 2026;
    for (int k = 0; k < 1500; k++) {
        size_t n = 0, parts = 1 + (size_t)k % 9;
        for (size_t i = 0; i < parts; i++) {
            seed = seed * 1103515245u + 12345u;
            const bn_kb_pattern *p = &bn_kb_patterns[(seed >> 8) % BN_AC_NPATTERNS];
            size_t l = (seed >> 4) % 4 == 0 ? 1 + (seed >> 12) % p->len : p->len;
            put(t, &n, p->text, l, (seed >> 20) % 5 == 0);
            for (size_t f = (seed >> 24) % 4; f > 0; f--)
                put(t, &n, &filler[(seed >> (f * 3)) % (sizeof filler - 1)], 1, false);
        }
        check(t, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_pattern),
        cmocka_unit_test(test_mixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
