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

/* bn_str_trim - without leading and trailing whitespace */
bn_str bn_str_trim(bn_str s);
/* bn_str_eq_ci - equal, ASCII case-insensitively */
bool bn_str_eq_ci(bn_str a, const char *lit);
/* bn_str_starts_ci - s starts with lit, ASCII case-insensitively */
bool bn_str_starts_ci(bn_str s, const char *lit);
/* bn_mem_find_ci - first occurrence of needle in hay (ASCII case-insensitive), or NULL */
const char *bn_mem_find_ci(const char *hay, size_t hn, const char *needle, size_t nn);
/* bn_str_find_ci - bn_mem_find_ci on spans with a C-string needle */
const char *bn_str_find_ci(bn_str hay, const char *needle);
/* bn_str_chr - first byte c in s, or NULL */
const char *bn_str_chr(bn_str s, char c);

#endif
