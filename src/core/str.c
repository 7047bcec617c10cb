/* str.c - byte-span helpers (see str.h) */
#include "str.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MULTI_AVX2 1 /* an AVX2 loop for bn_multi, used when the CPU has it */
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

#define S BN_CT_SPACE
#define A BN_CT_ALNUM
#define A10 A, A, A, A, A, A, A, A, A, A
/* The byte classes of bn_is_space and bn_is_alnum (ASCII only). */
const unsigned char bn_ctype[256] = {
    ['\t'] = S, ['\n'] = S, ['\v'] = S, ['\f'] = S, ['\r'] = S, [' '] = S,
    ['0'] = A10,
    ['A'] = A10, A10, A, A, A, A, A, A,
    ['a'] = A10, A10, A, A, A, A, A, A,
};
#undef S
#undef A
#undef A10

/* bn_str_eq_ci_rest - equal, ASCII case-insensitively, the first bytes
   known to agree (one pass, no strlen: these run on every header name) */
bool bn_str_eq_ci_rest(bn_str a, const char *lit)
{
    size_t i = 1;
    for (; lit[i]; i++)
        if (i >= a.n || bn_lc((unsigned char)a.p[i]) != bn_lc((unsigned char)lit[i]))
            return false;
    return i == a.n;
}

/* bn_str_starts_ci_rest - s starts with lit, ASCII case-insensitively, the
   first bytes known to agree */
bool bn_str_starts_ci_rest(bn_str s, const char *lit)
{
    for (size_t i = 1; lit[i]; i++)
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
/* ci_starts - bit k set when start hay[i + k] (of 16) has the needle's
   first byte f and last byte l (nn bytes apart), both ORed with 0x20 */
static inline unsigned ci_starts(const char *hay, size_t i, size_t nn, __m128i f, __m128i l)
{
    const __m128i x20 = _mm_set1_epi8(0x20);
    __m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(hay + i)), x20);
    __m128i b = _mm_or_si128(
        _mm_loadu_si128((const __m128i *)(const void *)(hay + i + nn - 1)), x20);
    return (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));
}

/* ci_verify - the first of the candidate starts hay[i + k] (bits of mask)
   where the needle is, or NULL */
static inline const char *ci_verify(const char *hay, size_t i, unsigned mask, const char *needle,
                                    size_t nn)
{
    for (; mask; mask &= mask - 1) {
        unsigned k = (unsigned)__builtin_ctz(mask);
        if (eq_ci_n(hay + i + k, needle, nn))
            return hay + i + k;
    }
    return NULL;
}

#if defined(MULTI_AVX2)
/* find_ci_avx2 - find_ci_sse2's blocks 32 starts at a time (AVX2 CPUs):
   the starts before the returned index hold no match unless *hit says
   where the first one is */
__attribute__((target("avx2"))) static size_t find_ci_avx2(const char *hay, size_t last,
                                                          const char *needle, size_t nn,
                                                          const char **hit)
{
    const __m256i x20 = _mm256_set1_epi8(0x20);
    const __m256i f = _mm256_set1_epi8((char)(bn_lc((unsigned char)needle[0]) | 0x20));
    const __m256i l = _mm256_set1_epi8((char)(bn_lc((unsigned char)needle[nn - 1]) | 0x20));
    size_t i = 0;
    for (; i + 31 <= last; i += 32) {
        __m256i a = _mm256_or_si256(
            _mm256_loadu_si256((const __m256i *)(const void *)(hay + i)), x20);
        __m256i b = _mm256_or_si256(
            _mm256_loadu_si256((const __m256i *)(const void *)(hay + i + nn - 1)), x20);
        unsigned mask = (unsigned)_mm256_movemask_epi8(
            _mm256_and_si256(_mm256_cmpeq_epi8(a, f), _mm256_cmpeq_epi8(b, l)));
        for (; mask; mask &= mask - 1) {
            unsigned k = (unsigned)__builtin_ctz(mask);
            if (eq_ci_n(hay + i + k, needle, nn)) {
                *hit = hay + i + k;
                return i;
            }
        }
    }
    return i;
}
#endif

/*
 * find_ci_sse2 - bn_mem_find_ci for needles of 2+ bytes: 16 start positions
 * at a time are filtered on the needle's first and last bytes, both sides
 * ORed with 0x20 (a letter then matches in either case; another byte may
 * give a false candidate, which the full compare rejects), so common first
 * letters no longer cost a memchr restart each. The last starts are one
 * block that ends at the last one, those already seen masked off (a byte
 * loop there cost more than the blocks).
 */
static const char *find_ci_sse2(const char *hay, size_t hn, const char *needle, size_t nn)
{
    const unsigned char fb = (unsigned char)(bn_lc((unsigned char)needle[0]) | 0x20);
    const unsigned char lb = (unsigned char)(bn_lc((unsigned char)needle[nn - 1]) | 0x20);
    const __m128i f = _mm_set1_epi8((char)fb), l = _mm_set1_epi8((char)lb);
    size_t last = hn - nn; /* the last possible start */
    size_t i = 0;
#if defined(MULTI_AVX2)
    if (last >= 63 && __builtin_cpu_supports("avx2")) { /* long texts: half the blocks */
        const char *hit = NULL;
        i = find_ci_avx2(hay, last, needle, nn, &hit);
        if (hit)
            return hit;
    }
#endif
    for (; i + 15 <= last; i += 16) {
        const char *r = ci_verify(hay, i, ci_starts(hay, i, nn, f, l), needle, nn);
        if (r)
            return r;
    }
    if (i <= last && last >= 15) {
        size_t b = last - 15; /* i > b: fewer than 16 starts are left */
        return ci_verify(hay, b, ci_starts(hay, b, nn, f, l) & (0xFFFFu << (i - b)), needle, nn);
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

/*
 * How often each byte occurs in bounce text, folded as the search folds it
 * (b | 0x20: a letter in either case, and a few control bytes with the
 * punctuation 32 above them), in 1/4096 (255: 6% or more), measured once
 * over the corpus's mbox; bytes >= 0x80 get a middling guess (UTF-8 text).
 * The rarest byte of a needle makes the fewest false candidates.
 */
static const unsigned char multi_freq[256] = {
    255,   2,  19,   3,   1,   1,   2,   3,  15,  19,  89,  14,  10,  97,  83,  26,
    141,  69,  85,  50,  43,  45,  36,  31,  34,  36,  72,  30,  18,  35,  17,   3,
    255,   2,  19,   3,   1,   1,   2,   3,  15,  19,  89,  14,  10,  97,  83,  26,
    141,  69,  85,  50,  43,  45,  36,  31,  34,  36,  72,  30,  18,  35,  17,   3,
     11, 205,  63, 103, 108, 253,  74,  67,  65, 147,  42,  46, 112, 121, 140, 169,
    106,  30, 141, 136, 188,  66,  45,  41,  63,  57,  29,   4,   0,   4,   0,   6,
     11, 205,  63, 103, 108, 253,  74,  67,  65, 147,  42,  46, 112, 121, 140, 169,
    106,  30, 141, 136, 188,  66,  45,  41,  63,  57,  29,   4,   0,   4,   0,   6,
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40
};

/*
 * multi_cost - what anchoring on a byte of frequency f followed by one of
 * frequency f2 costs per byte of text, in 1/4096 instruction: each anchor
 * byte found costs a next-byte test (~8), each that passes it a needle
 * compare (~15); a new anchor byte costs ~3 instructions per 16-byte block.
 */
static size_t multi_cost(size_t f, size_t f2, bool new_anchor)
{
    return 8 * f + 15 * f * f2 / 4096 + (new_anchor ? 768 : 0);
}

/* multi_fold - the byte as the search compares it */
static inline unsigned char multi_fold(unsigned char c) { return (unsigned char)(c | 0x20); }

/* multi_pick - the anchor offset of needle nd[0..len): the cheapest byte
   that has a byte after it (multi_cost); SIZE_MAX when every anchor slot is
   taken and none of its bytes has one */
static size_t multi_pick(const bn_multi *m, const char *nd, size_t len)
{
    size_t best = SIZE_MAX, cost = SIZE_MAX;
    size_t lim = len < 256 ? len : 256; /* offsets fit an unsigned char */
    for (size_t i = 0; i < lim && (i + 1 < len || len == 1); i++) {
        unsigned char f = multi_fold((unsigned char)nd[i]);
        size_t f2 = len == 1 ? 4096 : multi_freq[multi_fold((unsigned char)nd[i + 1])];
        if (!m->slot[f] && m->nanchors == BN_MULTI_ANCHORS)
            continue;
        size_t c = multi_cost(multi_freq[f], f2, !m->slot[f]);
        if (c < cost) {
            cost = c;
            best = i;
        }
    }
    return best;
}

/* multi_add - anchor needle k at nd[at] */
static void multi_add(bn_multi *m, size_t k, size_t at)
{
    const char *nd = m->needle[k];
    unsigned char f = multi_fold((unsigned char)nd[at]);
    if (!m->slot[f]) {
        m->anchor[m->nanchors] = f;
        m->group[m->nanchors] = 0;
        memset(m->pair[m->nanchors], 0, sizeof m->pair[0]);
        memset(m->prev[m->nanchors], 0, sizeof m->prev[0]);
        m->slot[f] = (unsigned char)++m->nanchors;
    }
    unsigned s = m->slot[f] - 1u;
    unsigned char bucket = (unsigned char)(1u << (s & 7));
    m->nib[0][f & 15] |= bucket;
    m->nib[1][f >> 4] |= bucket;
    m->group[s] |= 1ULL << k;
    if (at)
        m->prev[s][multi_fold((unsigned char)nd[at - 1]) & 63] |= 1ULL << k;
    else
        for (size_t b = 0; b < 64; b++)
            m->prev[s][b] |= 1ULL << k; /* anchored on its first byte: any byte before */
    m->at[k] = (unsigned char)at;
    m->first[k] = multi_fold((unsigned char)nd[0]);
    m->last[k] = multi_fold((unsigned char)nd[m->len[k] - 1]);
    if (m->len[k] == 1) {
        m->alone |= 1ULL << k;
        for (size_t b = 0; b < 64; b++)
            m->pair[s][b] |= 1ULL << k; /* any byte may follow */
        for (size_t b = 0; b < 16; b++) {
            m->nib[2][b] |= bucket;
            m->nib[3][b] |= bucket;
        }
    } else {
        unsigned char g = multi_fold((unsigned char)nd[at + 1]);
        m->pair[s][g & 63] |= 1ULL << k;
        m->nib[2][g & 15] |= bucket;
        m->nib[3][g >> 4] |= bucket;
    }
    if (at > m->max_at)
        m->max_at = at;
}

/* bn_multi_init - the matcher for needles[0..n) (see str.h) */
bool bn_multi_init(bn_multi *m, const char *const *needles, size_t n)
{
    memset(m->slot, 0, sizeof m->slot);
    memset(m->nib, 0, sizeof m->nib);
    m->n = m->nanchors = m->max_at = 0;
    m->alone = 0;
    m->slow = false;
    if (n > BN_MULTI_MAX)
        return false;
    for (size_t k = 0; k < n; k++) {
        m->needle[k] = needles[k];
        m->len[k] = strlen(needles[k]);
        if (!m->len[k]) {
            memset(m->slot, 0, sizeof m->slot);
            m->nanchors = 0;
            return false;
        }
        size_t at = multi_pick(m, needles[k], m->len[k]);
        if (at == SIZE_MAX)
            m->slow = true;
        else
            multi_add(m, k, at);
    }
    m->n = n;
    return true;
}

/* A match being looked for: the best start so far and what may still match. */
typedef struct multi_state {
    size_t start, which;       /* best match (start SIZE_MAX: none yet) */
    unsigned long long found;  /* needles seen anywhere (bn_multi_mask) */
    unsigned long long want;   /* needles still worth verifying */
    bool lowest;               /* only the lowest index found matters */
} multi_state;

/* multi_cands - the needles that may occur with their anchor at hay.p[p]:
   the anchor byte, then the byte after it, narrow them at once; the byte
   before it then drops many of the rest (the "ft" of "left" or "soft"
   for the ten "after ..." phrases: a quarter of the compares) */
static inline unsigned long long multi_cands(const bn_multi *m, bn_str hay, size_t p)
{
    unsigned s = m->slot[multi_fold((unsigned char)hay.p[p])];
    if (!s)
        return 0;
    unsigned long long g;
    if (p + 1 < hay.n)
        g = m->pair[s - 1][multi_fold((unsigned char)hay.p[p + 1]) & 63];
    else
        g = m->group[s - 1] & m->alone;
    return p ? g & m->prev[s - 1][multi_fold((unsigned char)hay.p[p - 1]) & 63] : g;
}

/* multi_verify - compare the needles g anchored at hay.p[p] (all: every
   match counts, else only one that starts before the best so far) */
static void multi_verify(const bn_multi *m, bn_str hay, size_t p, unsigned long long g,
                         multi_state *st, bool all)
{
    for (; g; g &= g - 1) {
        unsigned k = (unsigned)__builtin_ctzll(g);
        if (p < m->at[k])
            continue;
        size_t b = p - m->at[k];
        /* the needle's first and last bytes next: most needles sharing an
           anchor pair ("ge" of every "message") start differently, and
           those that share their start too ("after data", "after helo")
           end differently */
        if (multi_fold((unsigned char)hay.p[b]) != m->first[k] ||
            m->len[k] > hay.n - b ||
            multi_fold((unsigned char)hay.p[b + m->len[k] - 1]) != m->last[k] ||
            (!all && (b > st->start || (b == st->start && k > st->which))))
            continue;
        if (!eq_ci_n(hay.p + b, m->needle[k], m->len[k]))
            continue;
        st->found |= 1ULL << k;
        /* find: the best match so far; lowest: where the lowest needle seen
           starts (its first match: the needle is not looked for again) */
        if (!all || (st->lowest && (st->start == SIZE_MAX || k < st->which))) {
            st->start = b;
            st->which = k;
        }
    }
    if (all) /* lowest: a needle above the lowest one seen can no longer matter */
        st->want &= st->lowest ? (st->found & (0 - st->found)) - 1 : ~st->found;
}

/* multi_check - verify the needles anchored at hay.p[p], if any */
static inline void multi_check(const bn_multi *m, bn_str hay, size_t p, multi_state *st, bool all)
{
    unsigned long long g = multi_cands(m, hay, p) & st->want;
    if (g)
        multi_verify(m, hay, p, g, st, all);
}

/* multi_done - nothing left to look for: a match that starts at or before
   the best one has its anchor at most max_at bytes after it */
static inline bool multi_done(const bn_multi *m, const multi_state *st, size_t p, bool all)
{
    if (all)
        return !st->want;
    return st->start != SIZE_MAX && p > st->start + m->max_at;
}

#if defined(MULTI_AVX2)
/* nib_pass - the bucket bits of the folded bytes v that tables lo/hi admit */
__attribute__((target("avx2"))) static inline __m256i nib_pass(__m256i v, __m256i lo, __m256i hi)
{
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i l = _mm256_and_si256(v, low4);
    __m256i h = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    return _mm256_and_si256(_mm256_shuffle_epi8(lo, l), _mm256_shuffle_epi8(hi, h));
}

/* nib_table - a 16-byte nibble table in both lanes (shuffles work per lane) */
__attribute__((target("avx2"))) static inline __m256i nib_table(const unsigned char *t)
{
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)t));
}

/*
 * multi_scan_avx2 - multi_scan's loop 32 bytes at a time on a CPU with AVX2
 * (the x86-64 baseline has only SSE2); returns where it stopped. An anchor
 * byte and the byte after it are tested together by four nibble lookups
 * (a superset of the pairs the needles have): fewer false candidates, and
 * so fewer mispredicted branches, than a compare per anchor byte.
 */
__attribute__((target("avx2"))) static size_t multi_scan_avx2(const bn_multi *m, bn_str hay,
                                                              multi_state *st, bool all)
{
    const __m256i lo1 = nib_table(m->nib[0]), hi1 = nib_table(m->nib[1]);
    const __m256i lo2 = nib_table(m->nib[2]), hi2 = nib_table(m->nib[3]);
    const __m256i x20 = _mm256_set1_epi8(0x20), zero = _mm256_setzero_si256();
    size_t i = 0;
    /* the byte after the block is read too: stop 33 bytes before the end */
    for (; i + 33 <= hay.n && !multi_done(m, st, i, all); i += 32) {
        const char *p = hay.p + i;
        __m256i v = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)p), x20);
        __m256i w =
            _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p + 1)), x20);
        __m256i r = _mm256_and_si256(nib_pass(v, lo1, hi1), nib_pass(w, lo2, hi2));
        unsigned mask = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r, zero));
        for (; mask; mask &= mask - 1)
            multi_check(m, hay, i + (size_t)__builtin_ctz(mask), st, all);
    }
    return i;
}

/* nib_pass16 - nib_pass on 16 bytes */
__attribute__((target("avx2"))) static inline __m128i nib_pass16(__m128i v, const unsigned char *lo,
                                                                const unsigned char *hi)
{
    const __m128i low4 = _mm_set1_epi8(0x0f);
    __m128i l = _mm_and_si128(v, low4), h = _mm_and_si128(_mm_srli_epi16(v, 4), low4);
    return _mm_and_si128(_mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)lo), l),
                         _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)hi), h));
}

/* nib_mask16 - bit k set when hay.p[p + k] and the byte after it pass the
   two-byte filter; the 16th byte's successor is not read (it may be past the
   end): that byte passes on the anchor test alone */
__attribute__((target("avx2"))) static inline unsigned nib_mask16(const bn_multi *m, const char *p)
{
    const __m128i x20 = _mm_set1_epi8(0x20), zero = _mm_setzero_si128();
    __m128i v = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)p), x20);
    __m128i p1 = nib_pass16(v, m->nib[0], m->nib[1]);
    __m128i p2 = nib_pass16(_mm_srli_si128(v, 1), m->nib[2], m->nib[3]);
    unsigned both = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(p1, p2), zero));
    unsigned one = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(p1, zero));
    return (both & 0x7FFFu) | (one & 0x8000u);
}

/* multi_rest_avx2 - the bytes from hay.p[i] on (hay.n >= 16) 16 at a time
   with the two-byte filter (the last byte of each block passes on its
   anchor alone), the last block ending at the end; short texts (most
   phrase searches are of one line or one reply) take only this path */
__attribute__((target("avx2"))) static void multi_rest_avx2(const bn_multi *m, bn_str hay, size_t i,
                                                           multi_state *st, bool all)
{
    for (; i + 16 <= hay.n && !multi_done(m, st, i, all); i += 16)
        for (unsigned mask = nib_mask16(m, hay.p + i); mask; mask &= mask - 1)
            multi_check(m, hay, i + (size_t)__builtin_ctz(mask), st, all);
    if (i >= hay.n || multi_done(m, st, i, all))
        return;
    size_t b = hay.n - 16; /* i > b: fewer than 16 bytes left */
    for (unsigned mask = nib_mask16(m, hay.p + b) & (0xFFFFu << (i - b)); mask; mask &= mask - 1)
        multi_check(m, hay, b + (size_t)__builtin_ctz(mask), st, all);
}
#endif

#if defined(__SSE2__)
/* multi_tail - the last bytes from hay.p[i] on (fewer than 16, hay.n >= 16):
   one block that ends at the end, its bytes before i masked off (a check
   per byte here was a tenth of the search on the short texts most are) */
static size_t multi_tail(const bn_multi *m, bn_str hay, size_t i, const __m128i *a,
                         multi_state *st, bool all)
{
    size_t b = hay.n - 16; /* i > b: the loop stopped with fewer than 16 left */
    __m128i v = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(hay.p + b)),
                             _mm_set1_epi8(0x20));
    __m128i hit = _mm_cmpeq_epi8(v, a[0]);
    for (size_t j = 1; j < m->nanchors; j++)
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, a[j]));
    unsigned mask = (unsigned)_mm_movemask_epi8(hit) & (0xFFFFu << (i - b));
    for (; mask; mask &= mask - 1)
        multi_check(m, hay, b + (size_t)__builtin_ctz(mask), st, all);
    return hay.n;
}
#endif

/* multi_scan - visit every byte of hay that is an anchor byte, in order, until
   done (all: every needle found, else the earliest match settled) */
static void multi_scan(const bn_multi *m, bn_str hay, multi_state *st, bool all)
{
    size_t i = 0;
    if (!m->nanchors)
        return;
#if defined(MULTI_AVX2)
    if (hay.n >= 16 && __builtin_cpu_supports("avx2")) {
        if (hay.n >= 33)
            i = multi_scan_avx2(m, hay, st, all);
        multi_rest_avx2(m, hay, i, st, all);
        return;
    }
#endif
#if defined(__SSE2__)
    __m128i a[BN_MULTI_ANCHORS];
    for (size_t j = 0; j < m->nanchors; j++)
        a[j] = _mm_set1_epi8((char)m->anchor[j]);
    const __m128i x20 = _mm_set1_epi8(0x20);
    for (; i + 16 <= hay.n && !multi_done(m, st, i, all); i += 16) {
        __m128i v = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(hay.p + i)), x20);
        __m128i hit = _mm_cmpeq_epi8(v, a[0]);
        for (size_t j = 1; j < m->nanchors; j++)
            hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, a[j]));
        for (unsigned mask = (unsigned)_mm_movemask_epi8(hit); mask; mask &= mask - 1)
            multi_check(m, hay, i + (size_t)__builtin_ctz(mask), st, all);
    }
    if (i < hay.n && hay.n >= 16 && !multi_done(m, st, i, all))
        i = multi_tail(m, hay, i, a, st, all);
#endif
    for (; i < hay.n && !multi_done(m, st, i, all); i++)
        multi_check(m, hay, i, st, all);
}

/* multi_slow - the anchors did not fit: one search per needle */
static void multi_slow(const bn_multi *m, bn_str hay, multi_state *st)
{
    for (size_t k = 0; k < m->n; k++) {
        const char *f = bn_mem_find_ci(hay.p, hay.n, m->needle[k], m->len[k]);
        if (!f)
            continue;
        st->found |= 1ULL << k;
        if ((size_t)(f - hay.p) < st->start) {
            st->start = (size_t)(f - hay.p);
            st->which = k;
        }
    }
}

/* multi_all - the bits of the matcher's needles */
static unsigned long long multi_all(const bn_multi *m)
{
    return m->n == BN_MULTI_MAX ? ~0ULL : (1ULL << m->n) - 1;
}

/* bn_multi_find - earliest occurrence of any needle in hay (see str.h) */
const char *bn_multi_find(const bn_multi *m, bn_str hay, size_t *which)
{
    multi_state st = {SIZE_MAX, 0, 0, multi_all(m), false};
    if (!m->n || !hay.n)
        return NULL;
    if (m->slow)
        multi_slow(m, hay, &st);
    else
        multi_scan(m, hay, &st, false);
    if (st.start == SIZE_MAX)
        return NULL;
    if (which)
        *which = st.which;
    return hay.p + st.start;
}

/* bn_multi_mask - bit k set when needle k occurs anywhere in hay */
unsigned long long bn_multi_mask(const bn_multi *m, bn_str hay)
{
    multi_state st = {SIZE_MAX, 0, 0, multi_all(m), false};
    if (!m->n || !hay.n)
        return 0;
    if (m->slow) {
        multi_slow(m, hay, &st);
        return st.found;
    }
    multi_scan(m, hay, &st, true);
    return st.found;
}

/* lowest_slow - bn_multi_lowest_at when the anchors did not fit */
static size_t lowest_slow(const bn_multi *m, bn_str hay, size_t *at)
{
    for (size_t k = 0; k < m->n; k++) {
        const char *f = bn_mem_find_ci(hay.p, hay.n, m->needle[k], m->len[k]);
        if (f) {
            *at = (size_t)(f - hay.p);
            return k;
        }
    }
    return BN_MULTI_MAX;
}

/* bn_multi_lowest_at - the lowest index of a needle in hay and where its
   first match starts (see str.h) */
size_t bn_multi_lowest_at(const bn_multi *m, bn_str hay, size_t *at)
{
    multi_state st = {SIZE_MAX, 0, 0, multi_all(m), true};
    size_t where = 0;
    if (!at)
        at = &where;
    if (!m->n || !hay.n)
        return BN_MULTI_MAX;
    if (m->slow)
        return lowest_slow(m, hay, at);
    multi_scan(m, hay, &st, true);
    if (!st.found)
        return BN_MULTI_MAX;
    *at = st.start;
    return st.which;
}

/* bn_multi_lowest - the lowest index of a needle in hay (see str.h) */
size_t bn_multi_lowest(const bn_multi *m, bn_str hay)
{
    return bn_multi_lowest_at(m, hay, NULL);
}
