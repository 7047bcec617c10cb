/*
 * str.h - byte-span helpers shared by every module
 *
 * Message data is (pointer, length), never NUL-terminated, and classified
 * as unsigned char with table lookups (picohttpparser, mblaze).
 */
#ifndef BN_STR_H
#define BN_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "bounce.h"

#define BN_STR(lit) ((bn_str){(lit), sizeof(lit) - 1})
#define BN_STR_NULL ((bn_str){NULL, 0})

extern const unsigned char bn_lower_table[256];

static inline unsigned char bn_lc(unsigned char c) { return bn_lower_table[c]; }
/* Byte classes: one load and one branch per byte (the compares were two
   branches; every trim, blank test and word scan asks). */
#define BN_CT_SPACE 1 /* ' ', '\t', '\r', '\n', '\f', '\v' */
#define BN_CT_ALNUM 2 /* ASCII letters and digits */
extern const unsigned char bn_ctype[256];
static inline bool bn_is_space(unsigned char c) { return bn_ctype[c] & BN_CT_SPACE; }
static inline bool bn_is_wsp(unsigned char c) { return c == ' ' || c == '\t'; }

/* bn_utf8_put - code point c (< 0x110000) as UTF-8 at p; the bytes written (1-4) */
static inline size_t bn_utf8_put(char *p, unsigned long c)
{
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    size_t len = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (size_t k = len - 1; k > 0; k--, c >>= 6)
        p[k] = (char)(0x80 | (c & 0x3F));
    p[0] = (char)(len == 1 ? c : (lead[len] | c));
    return len;
}
static inline bool bn_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline bool bn_is_alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline bool bn_is_alnum(unsigned char c) { return bn_ctype[c] & BN_CT_ALNUM; }

static inline bn_str bn_str_make(const char *p, size_t n) { return (bn_str){p, n}; }
static inline bn_str bn_str_cstr(const char *s)
{
    return (bn_str){s, s ? strlen(s) : 0};
}

/* bn_str_trim - without leading and trailing whitespace (inline: the
   per-line helpers of extraction call it on every short line) */
static inline bn_str bn_str_trim(bn_str s)
{
    while (s.n && bn_is_space((unsigned char)s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && bn_is_space((unsigned char)s.p[s.n - 1]))
        s.n--;
    return s;
}
/* bn_str_eq_ci_rest - bn_str_eq_ci once the first bytes agree */
bool bn_str_eq_ci_rest(bn_str a, const char *lit);
/* bn_str_eq_ci - equal, ASCII case-insensitively (inline: most compares, of
   header and field names against a table, fail on the first byte) */
static inline bool bn_str_eq_ci(bn_str a, const char *lit)
{
    if (!a.n || !lit[0])
        return !a.n && !lit[0];
#if defined(__GNUC__)
    /* a literal's length is known when compiled: a test instead of a call */
    if (__builtin_constant_p(__builtin_strlen(lit)) && a.n != __builtin_strlen(lit))
        return false;
#endif
    return bn_lc((unsigned char)a.p[0]) == bn_lc((unsigned char)lit[0]) &&
           bn_str_eq_ci_rest(a, lit);
}
/* bn_str_starts_ci_rest - bn_str_starts_ci once the first bytes agree */
bool bn_str_starts_ci_rest(bn_str s, const char *lit);
/* bn_str_starts_ci - s starts with lit, ASCII case-insensitively (inline:
   most tests, of a line against a prompt or a label, fail on the first byte) */
static inline bool bn_str_starts_ci(bn_str s, const char *lit)
{
    if (!lit[0])
        return true;
    return s.n && bn_lc((unsigned char)s.p[0]) == bn_lc((unsigned char)lit[0]) &&
           bn_str_starts_ci_rest(s, lit);
}
/* bn_mem_find_ci - first occurrence of needle in hay (ASCII case-insensitive), or NULL */
const char *bn_mem_find_ci(const char *hay, size_t hn, const char *needle, size_t nn);
/* bn_str_find_ci - bn_mem_find_ci on spans with a C-string needle (inline:
   the needles are literals, whose length is then known when compiled) */
static inline const char *bn_str_find_ci(bn_str hay, const char *needle)
{
    return bn_mem_find_ci(hay.p, hay.n, needle, strlen(needle));
}
/* bn_str_chr - first byte c in s, or NULL (inline: a call around memchr) */
static inline const char *bn_str_chr(bn_str s, char c)
{
    return s.n ? (const char *)memchr(s.p, c, s.n) : NULL;
}
/* bn_mem_eol - first CR or LF in p[0..n), or NULL (one pass, for line
   splitters; inline: every line of every text is split with it, and the
   call cost as much as the search on short lines) */
static inline const char *bn_mem_eol(const char *p, size_t n)
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

/*
 * bn_multi - up to 64 non-empty needles searched in one pass (ASCII
 * case-insensitive). The scanners look for dozens of phrases in the same
 * text. Each needle is anchored on one of its bytes, chosen rare in bounce
 * text (byte frequencies measured on the corpus); the search compares 16
 * or 32 bytes at a time with the few distinct anchor bytes (on AVX2 CPUs
 * an anchor byte and the byte after it at once, by nibble lookups), the
 * bytes after and before an anchor narrow the needles to compare, and only
 * those are compared.
 * Building costs a pass over the needles: build once per table and keep it
 * (extract: bn_x_multi caches them per parser).
 */
#define BN_MULTI_MAX 64
#define BN_MULTI_ANCHORS 16
typedef struct bn_multi {
    const char *needle[BN_MULTI_MAX];
    size_t len[BN_MULTI_MAX];
    unsigned char at[BN_MULTI_MAX];     /* offset of the needle's anchor byte */
    unsigned char first[BN_MULTI_MAX];  /* its first byte, folded (| 0x20) */
    unsigned char last[BN_MULTI_MAX];   /* its last byte, folded */
    unsigned long long alone;           /* needles of one byte (no next byte) */
    unsigned char slot[256];            /* folded byte -> anchor index + 1, 0: none */
    unsigned char anchor[BN_MULTI_ANCHORS]; /* folded (| 0x20) anchor bytes */
    unsigned long long group[BN_MULTI_ANCHORS]; /* needles anchored on each */
    /* the needles of an anchor whose next byte, folded, is b: [anchor][b & 63] */
    unsigned long long pair[BN_MULTI_ANCHORS][64];
    /* the needles of an anchor whose byte before it, folded, is b */
    unsigned long long prev[BN_MULTI_ANCHORS][64];
    /* nibble tables of a two-byte filter (anchor slot s is bucket bit s & 7):
       nib[0]/nib[1] the anchor byte's low/high nibble, nib[2]/nib[3] the
       byte after it; a byte pair passes when all four share a bucket bit */
    unsigned char nib[4][16];
    size_t n, nanchors, max_at;
    bool slow;                          /* anchors did not fit: one search per needle */
} bn_multi;

/* bn_multi_init - the matcher for needles[0..n) (n <= 64, none empty);
   false (and an empty matcher) when the table does not fit */
bool bn_multi_init(bn_multi *m, const char *const *needles, size_t n);
/* bn_multi_find - the earliest occurrence of any needle in hay, or NULL; on a
   tie the lowest index wins; *which (if not NULL) gets the needle's index */
const char *bn_multi_find(const bn_multi *m, bn_str hay, size_t *which);
/* bn_multi_mask - bit k set when needle k occurs anywhere in hay */
unsigned long long bn_multi_mask(const bn_multi *m, bn_str hay);
/* bn_multi_lowest - the lowest index k of a needle that occurs in hay
   (bn_multi_mask's lowest bit, with no needle above it verified once a
   lower one is seen); BN_MULTI_MAX when none occurs */
size_t bn_multi_lowest(const bn_multi *m, bn_str hay);
/* bn_multi_lowest_at - bn_multi_lowest, and *at (if not NULL) = where the
   first match of that needle starts (untouched when none occurs) */
size_t bn_multi_lowest_at(const bn_multi *m, bn_str hay, size_t *at);

#endif
