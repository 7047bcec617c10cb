/* str.c - byte-span helpers (see str.h) */
#include "str.h"

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

/* bn_str_eq_ci - equal, ASCII case-insensitively */
bool bn_str_eq_ci(bn_str a, const char *lit)
{
    size_t n = strlen(lit);
    if (a.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (bn_lc((unsigned char)a.p[i]) != bn_lc((unsigned char)lit[i]))
            return false;
    return true;
}

/* bn_str_starts_ci - s starts with lit, ASCII case-insensitively */
bool bn_str_starts_ci(bn_str s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (bn_lc((unsigned char)s.p[i]) != bn_lc((unsigned char)lit[i]))
            return false;
    return true;
}

/* bn_mem_find_ci - first occurrence of needle in hay (ASCII case-insensitive), or NULL */
const char *bn_mem_find_ci(const char *hay, size_t hn, const char *needle, size_t nn)
{
    if (nn == 0)
        return hay;
    if (hn < nn)
        return NULL;
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

/* bn_str_chr - first byte c in s, or NULL */
const char *bn_str_chr(bn_str s, char c)
{
    return s.n ? memchr(s.p, c, s.n) : NULL;
}
