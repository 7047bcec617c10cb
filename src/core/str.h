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

#include "bounce.h"

#define BN_STR(lit) ((bn_str){(lit), sizeof(lit) - 1})
#define BN_STR_NULL ((bn_str){NULL, 0})

extern const unsigned char bn_lower_table[256];

static inline unsigned char bn_lc(unsigned char c) { return bn_lower_table[c]; }
static inline bool bn_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
static inline bool bn_is_wsp(unsigned char c) { return c == ' ' || c == '\t'; }
static inline bool bn_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline bool bn_is_alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline bool bn_is_alnum(unsigned char c) { return bn_is_digit(c) || bn_is_alpha(c); }

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
    return bn_lc((unsigned char)a.p[0]) == bn_lc((unsigned char)lit[0]) &&
           bn_str_eq_ci_rest(a, lit);
}
/* bn_str_starts_ci - s starts with lit, ASCII case-insensitively */
bool bn_str_starts_ci(bn_str s, const char *lit);
/* bn_mem_find_ci - first occurrence of needle in hay (ASCII case-insensitive), or NULL */
const char *bn_mem_find_ci(const char *hay, size_t hn, const char *needle, size_t nn);
/* bn_str_find_ci - bn_mem_find_ci on spans with a C-string needle */
const char *bn_str_find_ci(bn_str hay, const char *needle);
/* bn_str_chr - first byte c in s, or NULL */
const char *bn_str_chr(bn_str s, char c);
/* bn_mem_eol - first CR or LF in p[0..n), or NULL (one pass, for line splitters) */
const char *bn_mem_eol(const char *p, size_t n);

/*
 * bn_multi - up to 64 non-empty needles searched in one pass (ASCII
 * case-insensitive). The scanners look for dozens of phrases in the same
 * text. Each needle is anchored on one of its bytes, chosen rare in bounce
 * text (byte frequencies measured on the corpus); the search compares 16
 * or 32 bytes at a time with the few distinct anchor bytes, the byte after
 * an anchor narrows the needles to compare, and only those are compared.
 * Building costs a pass over the needles: build once per table and keep it
 * (extract: bn_x_multi caches them per parser).
 */
#define BN_MULTI_MAX 64
#define BN_MULTI_ANCHORS 16
typedef struct bn_multi {
    const char *needle[BN_MULTI_MAX];
    size_t len[BN_MULTI_MAX];
    unsigned char at[BN_MULTI_MAX];     /* offset of the needle's anchor byte */
    unsigned long long alone;           /* needles of one byte (no next byte) */
    unsigned char slot[256];            /* folded byte -> anchor index + 1, 0: none */
    unsigned char anchor[BN_MULTI_ANCHORS]; /* folded (| 0x20) anchor bytes */
    unsigned long long group[BN_MULTI_ANCHORS]; /* needles anchored on each */
    /* the needles of an anchor whose next byte, folded, is b: [anchor][b & 63] */
    unsigned long long pair[BN_MULTI_ANCHORS][64];
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

#endif
