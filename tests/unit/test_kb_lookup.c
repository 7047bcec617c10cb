/*
 * test_kb_lookup.c - the generated direct indexes and the DFA layout agree
 * with plain searches written here: every reply code 0-999, every status
 * c.s.d with class 2/4/5 over a wide range (inside and outside the indexes),
 * every provider status for every provider, and the automaton's outputs
 * against a naive "which marker ends here" over texts built from the markers.
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
#include "knowledge/knowledge.h"

/* ref_reply - the reply row by a linear search */
static const bn_kb_reply *ref_reply(int code)
{
    for (size_t i = 0; i < BN_KB_NREPLIES; i++)
        if (bn_kb_replies[i].code == code)
            return &bn_kb_replies[i];
    return NULL;
}

static void test_reply_index(void **state)
{
    (void)state;
    for (int code = -5; code < 1000; code++)
        if (bn_kb_reply_find(code) != ref_reply(code))
            fail_msg("reply code %d: index and search differ", code);
}

/* ref_status - the registry row: the class's own row, else the X row */
static const bn_kb_status *ref_status(int cls, int sub, int det)
{
    const bn_kb_status *any = NULL;
    for (size_t i = 0; i < BN_KB_NSTATUSES; i++) {
        const bn_kb_status *r = &bn_kb_statuses[i];
        if (r->subject != sub || r->detail != det)
            continue;
        if (r->cls == '0' + cls)
            return r;
        if (r->cls == 'X')
            any = r;
    }
    return any;
}

/* ref_provider_status - the provider's own status row, else the first
   global (gstatus) row of any provider, by a linear search in row order */
static const bn_kb_provider *ref_provider_status(const char *provider, const bn_status_code *s)
{
    const bn_kb_provider *global = NULL;
    for (size_t i = 0; i < BN_KB_NPROVIDERS; i++) {
        const bn_kb_provider *r = &bn_kb_providers[i];
        if (!bn_kb_row_is_status(r, s))
            continue;
        if (provider && strcmp(r->provider, provider) == 0)
            return r;
        if (r->kind == BN_PK_GSTATUS && !global)
            global = r;
    }
    return global;
}

/* check_provider_status - every provider (and none) for one status */
static void check_provider_status(const bn_status_code *s)
{
    for (size_t i = 0; i <= BN_KB_NPROVIDERS; i++) {
        const char *p = i < BN_KB_NPROVIDERS ? bn_kb_providers[i].provider : NULL;
        if (bn_kb_provider_status(p, s) != ref_provider_status(p, s))
            fail_msg("status %d.%d.%d for %s: index and search differ", s->cls, s->subject,
                     s->detail, p ? p : "(none)");
    }
}

static void test_status_index(void **state)
{
    (void)state;
    static const int classes[] = {2, 4, 5};
    static const int big[] = {32, 40, 99, 100, 509, 606, 650, 999};
    for (int k = 0; k < 3; k++) {
        for (int sub = 0; sub < 12; sub++) {
            for (int det = 0; det < 48 + 8; det++) {
                bn_status_code s = {classes[k], sub, det < 48 ? det : big[det - 48]};
                if (bn_kb_status_find(&s) != ref_status(s.cls, s.subject, s.detail))
                    fail_msg("status %d.%d.%d: index and search differ", s.cls, s.subject,
                             s.detail);
                check_provider_status(&s);
            }
        }
    }
}

/* ASCII markers grouped by their last byte, for ends_here */
static uint16_t by_last[BN_AC_NPATTERNS];
static size_t last_start[257];

/* ascii_pattern - every byte of the pattern is ASCII (the ASCII automaton's) */
static bool ascii_pattern(const bn_kb_pattern *pat)
{
    for (size_t j = 0; j < pat->len; j++)
        if ((unsigned char)pat->text[j] >= 0x80)
            return false;
    return true;
}

/* index_markers - group the ASCII markers by last byte (counting sort) */
static void index_markers(void)
{
    size_t count[257] = {0};
    for (size_t p = 0; p < BN_AC_NPATTERNS; p++) {
        const bn_kb_pattern *pat = &bn_kb_patterns[p];
        if (ascii_pattern(pat))
            count[(unsigned char)pat->text[pat->len - 1] + 1]++;
    }
    for (size_t c = 1; c < 257; c++)
        count[c] += count[c - 1];
    memcpy(last_start, count, sizeof count);
    for (size_t p = 0; p < BN_AC_NPATTERNS; p++) {
        const bn_kb_pattern *pat = &bn_kb_patterns[p];
        if (ascii_pattern(pat))
            by_last[count[(unsigned char)pat->text[pat->len - 1]]++] = (uint16_t)p;
    }
}

/* ends_here - some ASCII marker ends at t[end - 1] (naive search) */
static bool ends_here(const unsigned char *t, size_t end)
{
    unsigned char c = t[end - 1];
    for (size_t k = last_start[c]; k < last_start[c + 1]; k++) {
        const bn_kb_pattern *pat = &bn_kb_patterns[by_last[k]];
        if (pat->len <= end && memcmp(t + end - pat->len, pat->text, pat->len) == 0)
            return true;
    }
    return false;
}

/* check_dfa - walk the ASCII automaton as laid out (planes of short rows,
   pre-scaled states reached through the byte's column pointer) and compare
   "a state with output" with the naive search at every byte */
static void check_dfa(const unsigned char *t, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++) {
        s = bn_ac_col[t[i]][s * bn_ac_ROW_MUL];
        if ((s >= bn_ac_FIRST_OUT) != ends_here(t, i + 1))
            fail_msg("automaton and search differ after byte %zu of \"%.*s\"", i, (int)n,
                     (const char *)t);
    }
}

static void test_dfa_layout(void **state)
{
    (void)state;
    unsigned char text[1024];
    index_markers();
    /* every marker alone, after a word, and run into the next marker */
    for (size_t p = 0; p < BN_AC_NPATTERNS; p++) {
        const bn_kb_pattern *a = &bn_kb_patterns[p], *b = &bn_kb_patterns[(p + 7) % BN_AC_NPATTERNS];
        size_t n = 0;
        memcpy(text + n, "xq ", 3), n += 3;
        memcpy(text + n, a->text, a->len), n += a->len;
        memcpy(text + n, b->text, b->len), n += b->len;
        text[n++] = ' ';
        check_dfa(text, n);
    }
    /* pseudo-random texts over the bytes markers use and some they do not */
    static const char alphabet[] = "abcdeilmnorstu .:-/0123456789[]()<>@;#_=";
    unsigned seed = 12345;
    for (int k = 0; k < 300; k++) {
        size_t n = 1 + (size_t)k * 3 % 300;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = (unsigned char)alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        check_dfa(text, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_index),
        cmocka_unit_test(test_status_index),
        cmocka_unit_test(test_dfa_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
