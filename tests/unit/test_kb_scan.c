/*
 * test_kb_scan.c - the automaton scan finds the same markers wherever they
 * sit in a text: long texts are scanned as interleaved pieces that guess
 * their start state, so every marker is moved across every piece boundary
 * (and texts grow past the sizes where the scan changes strategy) and the
 * hits must equal those of the markers scanned on their own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "knowledge/knowledge.h"

/* Marker sets, each a text whose own hits are the expectation. */
static const char *const sets[] = {
    " user unknown ",
    " mailbox full ",
    " blocked using zen.spamhaus.org ",
    " the email account that you tried to reach does not exist - gsmtp ",
    " mailbox full blocked using b.barracudacentral.org try again later ",
};

#define TEXT_MAX 3200

/* same_hits - every field of two scans agrees */
static void same_hits(const bn_kb_hits *a, const bn_kb_hits *b, size_t pad, size_t n)
{
    if (a->phrase != b->phrase || a->phrase_prio != b->phrase_prio || a->marker != b->marker ||
        a->host != b->host || a->wording != b->wording || a->blocklist != b->blocklist ||
        a->transient != b->transient || a->retry != b->retry || a->failure != b->failure)
        fail_msg("hits differ with the markers at %zu of %zu bytes", pad, n);
}

/* scan_padded - the set after pad filler bytes, then filler up to n bytes */
static void scan_padded(const char *set, size_t pad, size_t n, bn_kb_hits *out)
{
    static unsigned char text[TEXT_MAX];
    size_t l = strlen(set);
    memset(text, 'q', n); /* 'q' runs start no marker */
    memcpy(text + pad, set, l);
    bn_kb_scan(text, n, out);
}

static void test_markers_anywhere(void **state)
{
    (void)state;
    static const size_t lens[] = {20, 36, 60, 100, 150, 250, 700, 2100, 3100};
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        size_t l = strlen(sets[s]);
        bn_kb_hits alone, h;
        bn_kb_scan((const unsigned char *)sets[s], l, &alone);
        assert_true(alone.phrase >= 0 || alone.blocklist >= 0); /* the set does hit */
        for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
            size_t n = lens[k];
            for (size_t pad = 0; pad + l <= n; pad += n > 800 ? 7 : 1) {
                scan_padded(sets[s], pad, n, &h);
                same_hits(&alone, &h, pad, n);
            }
        }
    }
}

/* Many hits in one text, in every piece: each is noted once, as by one sequential scan. */
static void test_many_hits(void **state)
{
    (void)state;
    static unsigned char text[TEXT_MAX];
    const char *unit = " user unknown ";
    size_t l = strlen(unit);
    bn_kb_hits alone, h;
    bn_kb_scan((const unsigned char *)unit, l, &alone);
    for (size_t n = 40; n + l < TEXT_MAX; n += 97) {
        size_t o = 0;
        memset(text, 'q', n);
        for (o = 3; o + l <= n; o += l)
            memcpy(text + o, unit, l);
        bn_kb_scan(text, n, &h);
        same_hits(&alone, &h, 3, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markers_anywhere),
        cmocka_unit_test(test_many_hits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
