/* str.c - byte-span helpers (see str.h) */
#include "str.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define L16(b)                                                                 \
    b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10,   \
        b + 11, b + 12, b + 13, b + 14, b + 15

/* ASCII-only lowering: bytes >= 0x80 are left alone (UTF-8 stays intact). */
const unsigned char bn_lower_table[256] = {
    L16(0x00), L16(0x10), L16(0x20), L16(0x30),
    0x40, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    L16(0x60), L16(0x70), L16(0x80), L16(0x90), L16(0xa0), L16(0xb0),
    L16(0xc0), L16(0xd0), L16(0xe0), L16(0xf0),
};

/* bn_str_trim - without leading and trailing whitespace */
bn_str bn_str_trim(bn_str s)
{
    while (s.n && bn_is_space((unsigned char)s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && bn_is_space((unsigned char)s.p[s.n - 1]))
        s.n--;
    return s;
}

/* bn_str_eq_ci - equal, ASCII case-insensitively (one pass, no strlen:
   these run on every header name and line start) */
bool bn_str_eq_ci(bn_str a, const char *lit)
{
    size_t i = 0;
    for (; lit[i]; i++)
        if (i >= a.n || bn_lc((unsigned char)a.p[i]) != bn_lc((unsigned char)lit[i]))
            return false;
    return i == a.n;
}

/* bn_str_starts_ci - s starts with lit, ASCII case-insensitively */
bool bn_str_starts_ci(bn_str s, const char *lit)
{
    for (size_t i = 0; lit[i]; i++)
        if (i >= s.n || bn_lc((unsigned char)s.p[i]) != bn_lc((unsigned char)lit[i]))
            return false;
    return true;
}

/* eq_ci_n - hay[0..n) equals needle[0..n), ASCII case-insensitively */
static inline bool eq_ci_n(const char *hay, const char *needle, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (bn_lc((unsigned char)hay[k]) != bn_lc((unsigned char)needle[k]))
            return false;
    return true;
}

#if defined(__SSE2__)
/*
 * find_ci_sse2 - bn_mem_find_ci for needles of 2+ bytes: 16 start positions
 * at a time are filtered on the needle's first and last bytes, both sides
 * ORed with 0x20 (a letter then matches in either case; another byte may
 * give a false candidate, which the full compare rejects), so common first
 * letters no longer cost a memchr restart each.
 */
static const char *find_ci_sse2(const char *hay, size_t hn, const char *needle, size_t nn)
{
    const unsigned char fb = (unsigned char)(bn_lc((unsigned char)needle[0]) | 0x20);
    const unsigned char lb = (unsigned char)(bn_lc((unsigned char)needle[nn - 1]) | 0x20);
    const __m128i f = _mm_set1_epi8((char)fb), l = _mm_set1_epi8((char)lb);
    const __m128i x20 = _mm_set1_epi8(0x20);
    size_t last = hn - nn; /* the last possible start */
    size_t i = 0;
    for (; i + 15 <= last; i += 16) {
        __m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(hay + i)), x20);
        __m128i b = _mm_or_si128(
            _mm_loadu_si128((const __m128i *)(const void *)(hay + i + nn - 1)), x20);
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));
        for (; mask; mask &= mask - 1) {
            unsigned k = (unsigned)__builtin_ctz(mask);
            if (eq_ci_n(hay + i + k, needle, nn))
                return hay + i + k;
        }
    }
    for (; i <= last; i++)
        if (((unsigned char)hay[i] | 0x20) == fb && eq_ci_n(hay + i, needle, nn))
            return hay + i;
    return NULL;
}
#endif

/* bn_mem_find_ci - first occurrence of needle in hay (ASCII case-insensitive), or NULL */
const char *bn_mem_find_ci(const char *hay, size_t hn, const char *needle, size_t nn)
{
    if (nn == 0)
        return hay;
    if (hn < nn)
        return NULL;
#if defined(__SSE2__)
    if (nn >= 2)
        return find_ci_sse2(hay, hn, needle, nn);
#endif
    /*
     * Candidates come from memchr (vectorised in glibc) on both cases of the
     * first byte: the scanners call this over whole bodies for many markers,
     * and a byte-by-byte folded compare was most of the parse time.
     */
    unsigned char lo = bn_lc((unsigned char)needle[0]);
    unsigned char up = bn_is_alpha(lo) ? (unsigned char)(lo - 32) : lo;
    const char *end = hay + (hn - nn) + 1; /* candidates start before end */
    const char *next_lo = memchr(hay, lo, (size_t)(end - hay));
    const char *next_up = up != lo ? memchr(hay, up, (size_t)(end - hay)) : NULL;
    while (next_lo || next_up) {
        const char *c = !next_up || (next_lo && next_lo < next_up) ? next_lo : next_up;
        size_t k = 1;
        while (k < nn && bn_lc((unsigned char)c[k]) == bn_lc((unsigned char)needle[k]))
            k++;
        if (k == nn)
            return c;
        if (c == next_lo)
            next_lo = c + 1 < end ? memchr(c + 1, lo, (size_t)(end - c - 1)) : NULL;
        else
            next_up = c + 1 < end ? memchr(c + 1, up, (size_t)(end - c - 1)) : NULL;
    }
    return NULL;
}

/* bn_str_find_ci - bn_mem_find_ci on spans with a C-string needle */
const char *bn_str_find_ci(bn_str hay, const char *needle)
{
    return bn_mem_find_ci(hay.p, hay.n, needle, strlen(needle));
}

/* bn_mem_eol - first CR or LF in p[0..n), or NULL: one pass over the line
   (two memchr calls cost more than the short lines they scan) */
const char *bn_mem_eol(const char *p, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
        if (m)
            return p + i + __builtin_ctz(m);
    }
#endif
    for (; i < n; i++)
        if (p[i] == '\r' || p[i] == '\n')
            return p + i;
    return NULL;
}

/* bn_str_chr - first byte c in s, or NULL */
const char *bn_str_chr(bn_str s, char c)
{
    return s.n ? memchr(s.p, c, s.n) : NULL;
}

/* multi_set - mark bit k in t for byte c in both cases */
static void multi_set(unsigned long long *t, unsigned char c, unsigned long long bit)
{
    t[bn_lc(c)] |= bit;
    if (bn_is_alpha(c))
        t[bn_lc(c) - 32] |= bit;
}

/* bn_multi_init - the matcher for needles[0..n) (see str.h) */
bool bn_multi_init(bn_multi *m, const char *const *needles, size_t n)
{
    /* only the filter tables need clearing; no strlen: the scanners build
       a matcher per text, so this runs thousands of times */
    memset(m->first, 0, sizeof m->first);
    memset(m->second, 0, sizeof m->second);
    m->single = 0;
    m->n = 0;
    if (n > BN_MULTI_MAX)
        return false;
    for (size_t k = 0; k < n; k++) {
        const char *nd = needles[k];
        unsigned long long bit = 1ULL << k;
        if (!nd[0]) {
            memset(m->first, 0, sizeof m->first);
            return false;
        }
        m->needle[k] = nd;
        multi_set(m->first, (unsigned char)nd[0], bit);
        if (!nd[1]) {
            m->single |= bit;
            for (size_t c = 0; c < 256; c++)
                m->second[c] |= bit;
        } else {
            multi_set(m->second, (unsigned char)nd[1], bit);
        }
    }
    m->n = n;
    return true;
}

/* multi_at - the needles (bits of cand) that occur at hay.p[i]: their first
   two bytes already agree */
static unsigned long long multi_at(const bn_multi *m, bn_str hay, size_t i,
                                   unsigned long long cand)
{
    unsigned long long hits = 0;
    for (; cand; cand &= cand - 1) {
        unsigned k = (unsigned)__builtin_ctzll(cand);
        const char *nd = m->needle[k];
        if (!nd[1]) {
            hits |= 1ULL << k;
            continue;
        }
        size_t j = 2;
        while (nd[j] && i + j < hay.n &&
               bn_lc((unsigned char)hay.p[i + j]) == bn_lc((unsigned char)nd[j]))
            j++;
        if (!nd[j])
            hits |= 1ULL << k;
    }
    return hits;
}

/* multi_cand - needles whose first two bytes agree with hay at i */
static inline unsigned long long multi_cand(const bn_multi *m, bn_str hay, size_t i)
{
    unsigned long long c = m->first[(unsigned char)hay.p[i]];
    if (!c)
        return 0;
    return c & (i + 1 < hay.n ? m->second[(unsigned char)hay.p[i + 1]] : m->single);
}

/* bn_multi_find - earliest occurrence of any needle in hay (see str.h) */
const char *bn_multi_find(const bn_multi *m, bn_str hay, size_t *which)
{
    for (size_t i = 0; i < hay.n; i++) {
        unsigned long long c = multi_cand(m, hay, i);
        if (c && (c = multi_at(m, hay, i, c))) {
            if (which)
                *which = (size_t)__builtin_ctzll(c);
            return hay.p + i;
        }
    }
    return NULL;
}

/* bn_multi_mask - bit k set when needle k occurs anywhere in hay */
unsigned long long bn_multi_mask(const bn_multi *m, bn_str hay)
{
    unsigned long long all = m->n == BN_MULTI_MAX ? ~0ULL : (1ULL << m->n) - 1;
    unsigned long long found = 0;
    for (size_t i = 0; i < hay.n && found != all; i++) {
        unsigned long long c = multi_cand(m, hay, i) & ~found;
        if (c)
            found |= multi_at(m, hay, i, c);
    }
    return found;
}
