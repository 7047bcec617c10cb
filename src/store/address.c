/*
 * address.c - address normalisation, RFC 3492 punycode, VERP decoding
 *
 * The suppression list compares addresses on a normalised key: domain
 * lowercased and in its ASCII (IDNA "xn--") form, local part lowercased
 * unless the list says local parts are case-sensitive (then not at all,
 * ASCII or not). Lowercasing of non-ASCII letters, in domains and local
 * parts alike, is a simple per-code-point mapping for Latin, Greek, Cyrillic
 * and fullwidth letters (lower_rows); there is no NFC normalisation (UTS
 * #46), so a domain written in decomposed form gets another key. A quoted
 * local part whose content needs no quotes loses them; no-break spaces,
 * zero-width characters and BOMs are trimmed around an address and refused
 * in it. A change to any of this changes keys: raise BN_ADDR_KEYS_VERSION.
 */
#include <stdint.h>
#include <string.h>

#include "bounce.h"
#include "core/str.h"

#define LOCAL_MAX 64
#define DOMAIN_MAX 253
#define LABEL_MAX 63
#define LABEL_CP_MAX 256

/* ---- punycode (RFC 3492 section 5 parameters) ---- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700,
       PC_INITIAL_BIAS = 72, PC_INITIAL_N = 128 };

/* pc_digit - the basic code point for digit d (0..35), lowercase */
static char pc_digit(uint32_t d)
{
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* pc_value - digit value of a basic code point, or PC_BASE when none */
static uint32_t pc_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0' + 26;
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    return PC_BASE;
}

/* pc_adapt - bias adaptation (RFC 3492 6.1) */
static uint32_t pc_adapt(uint32_t delta, uint32_t numpoints, int firsttime)
{
    uint32_t k = 0;
    delta = firsttime ? delta / PC_DAMP : delta / 2;
    delta += delta / numpoints;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

/* pc_threshold - t for position k under bias */
static uint32_t pc_threshold(uint32_t k, uint32_t bias)
{
    if (k <= bias)
        return PC_TMIN;
    if (k >= bias + PC_TMAX)
        return PC_TMAX;
    return k - bias;
}

/* pc_put - append one byte, BN_ETOOBIG when out is full */
static int pc_put(char *out, size_t size, size_t *len, char c)
{
    if (*len >= size)
        return BN_ETOOBIG;
    out[(*len)++] = c;
    return BN_OK;
}

/* pc_encode_delta - write delta as a generalized variable-length integer */
static int pc_encode_delta(char *out, size_t size, size_t *len, uint32_t q,
                           uint32_t bias)
{
    for (uint32_t k = PC_BASE;; k += PC_BASE) {
        uint32_t t = pc_threshold(k, bias);
        if (q < t)
            break;
        if (pc_put(out, size, len, pc_digit(t + (q - t) % (PC_BASE - t))))
            return BN_ETOOBIG;
        q = (q - t) / (PC_BASE - t);
    }
    return pc_put(out, size, len, pc_digit(q));
}

/* pc_copy_basic - the basic code points first, then the delimiter */
static int pc_copy_basic(char *out, size_t size, size_t *len,
                         const uint32_t *cp, size_t n, size_t *b)
{
    *b = 0;
    for (size_t j = 0; j < n; j++) {
        if (cp[j] >= 0x80)
            continue;
        if (pc_put(out, size, len, (char)cp[j]))
            return BN_ETOOBIG;
        (*b)++;
    }
    if (*b > 0 && pc_put(out, size, len, '-'))
        return BN_ETOOBIG;
    return BN_OK;
}

/* bn_punycode_encode - code points to punycode (RFC 3492 6.3) */
int bn_punycode_encode(char *out, size_t size, size_t *out_len,
                       const uint32_t *cp, size_t n)
{
    uint32_t cpn = PC_INITIAL_N, delta = 0, bias = PC_INITIAL_BIAS;
    size_t len = 0, b, h;
    int rc = pc_copy_basic(out, size, &len, cp, n, &b);
    if (rc)
        return rc;
    if (n > 0x10000)
        return BN_EINVAL;
    for (h = b; h < n; cpn++, delta++) {
        uint32_t m = UINT32_MAX;
        for (size_t j = 0; j < n; j++)
            if (cp[j] >= cpn && cp[j] < m)
                m = cp[j];
        if (m > 0x10FFFF || (m - cpn) > (UINT32_MAX - delta) / (h + 1))
            return BN_EINVAL;
        delta += (m - cpn) * (uint32_t)(h + 1);
        cpn = m;
        for (size_t j = 0; j < n; j++) {
            if (cp[j] < cpn && ++delta == 0)
                return BN_EINVAL;
            if (cp[j] != cpn)
                continue;
            if ((rc = pc_encode_delta(out, size, &len, delta, bias)))
                return rc;
            bias = pc_adapt(delta, (uint32_t)h + 1, h == b);
            delta = 0;
            h++;
        }
    }
    *out_len = len;
    return BN_OK;
}

/* pc_decode_delta - read one variable-length integer into *i */
static int pc_decode_delta(const char *in, size_t len, size_t *pos, uint32_t *i,
                           uint32_t bias)
{
    uint32_t w = 1;
    for (uint32_t k = PC_BASE;; k += PC_BASE) {
        if (*pos >= len)
            return BN_EINVAL;
        uint32_t digit = pc_value((unsigned char)in[(*pos)++]);
        if (digit >= PC_BASE || digit > (UINT32_MAX - *i) / w)
            return BN_EINVAL;
        *i += digit * w;
        uint32_t t = pc_threshold(k, bias);
        if (digit < t)
            return BN_OK;
        if (w > UINT32_MAX / (PC_BASE - t))
            return BN_EINVAL;
        w *= PC_BASE - t;
    }
}

/* bn_punycode_decode - punycode to code points (RFC 3492 6.2) */
int bn_punycode_decode(uint32_t *out, size_t size, size_t *out_n,
                       const char *in, size_t len)
{
    uint32_t cpn = PC_INITIAL_N, i = 0, bias = PC_INITIAL_BIAS;
    size_t b = 0, n = 0, pos;
    for (size_t j = 0; j < len; j++)
        if (in[j] == '-')
            b = j;
    for (size_t j = 0; j < b; j++) {
        if ((unsigned char)in[j] >= 0x80)
            return BN_EINVAL;
        if (n >= size)
            return BN_ETOOBIG;
        out[n++] = (unsigned char)in[j];
    }
    for (pos = b > 0 ? b + 1 : 0; pos < len;) {
        uint32_t oldi = i;
        int rc = pc_decode_delta(in, len, &pos, &i, bias);
        if (rc)
            return rc;
        bias = pc_adapt(i - oldi, (uint32_t)n + 1, oldi == 0);
        if (i / (n + 1) > UINT32_MAX - cpn)
            return BN_EINVAL;
        cpn += i / (uint32_t)(n + 1);
        i %= (uint32_t)(n + 1);
        if (cpn > 0x10FFFF || (cpn >= 0xD800 && cpn <= 0xDFFF))
            return BN_EINVAL;
        if (n >= size)
            return BN_ETOOBIG;
        memmove(out + i + 1, out + i, (n - i) * sizeof *out);
        out[i++] = cpn;
        n++;
    }
    *out_n = n;
    return BN_OK;
}

/* ---- UTF-8 and case ---- */

/* utf8_next - decode one code point at *p (strict), 0 on invalid input */
static int utf8_next(const unsigned char **p, const unsigned char *end,
                     uint32_t *cp)
{
    const unsigned char *s = *p;
    unsigned need;
    uint32_t c = *s, min;
    if (c < 0x80) {
        *cp = c;
        *p = s + 1;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) { need = 1; c &= 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { need = 2; c &= 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { need = 3; c &= 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - s) <= need)
        return 0;
    for (unsigned k = 1; k <= need; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    *p = s + need + 1;
    return 1;
}

typedef struct lower_row {
    uint16_t first, last; /* code points first, first + stride, ... last */
    uint8_t stride;
    int16_t delta;        /* lowercase = code point + delta */
} lower_row;

/* generated by tools/gen_lower.py (Unicode 14.0.0): 105 rows */
static const lower_row lower_rows[] = {
    {0x0100, 0x012E, 2, 1},
    {0x0132, 0x0136, 2, 1},
    {0x0139, 0x0147, 2, 1},
    {0x014A, 0x0176, 2, 1},
    {0x0178, 0x0178, 1, -121},
    {0x0179, 0x017D, 2, 1},
    {0x0181, 0x0181, 1, 210},
    {0x0182, 0x0184, 2, 1},
    {0x0186, 0x0186, 1, 206},
    {0x0187, 0x0187, 1, 1},
    {0x0189, 0x018A, 1, 205},
    {0x018B, 0x018B, 1, 1},
    {0x018E, 0x018E, 1, 79},
    {0x018F, 0x018F, 1, 202},
    {0x0190, 0x0190, 1, 203},
    {0x0191, 0x0191, 1, 1},
    {0x0193, 0x0193, 1, 205},
    {0x0194, 0x0194, 1, 207},
    {0x0196, 0x0196, 1, 211},
    {0x0197, 0x0197, 1, 209},
    {0x0198, 0x0198, 1, 1},
    {0x019C, 0x019C, 1, 211},
    {0x019D, 0x019D, 1, 213},
    {0x019F, 0x019F, 1, 214},
    {0x01A0, 0x01A4, 2, 1},
    {0x01A6, 0x01A6, 1, 218},
    {0x01A7, 0x01A7, 1, 1},
    {0x01A9, 0x01A9, 1, 218},
    {0x01AC, 0x01AC, 1, 1},
    {0x01AE, 0x01AE, 1, 218},
    {0x01AF, 0x01AF, 1, 1},
    {0x01B1, 0x01B2, 1, 217},
    {0x01B3, 0x01B5, 2, 1},
    {0x01B7, 0x01B7, 1, 219},
    {0x01B8, 0x01B8, 1, 1},
    {0x01BC, 0x01BC, 1, 1},
    {0x01C4, 0x01C4, 1, 2},
    {0x01C5, 0x01C5, 1, 1},
    {0x01C7, 0x01C7, 1, 2},
    {0x01C8, 0x01C8, 1, 1},
    {0x01CA, 0x01CA, 1, 2},
    {0x01CB, 0x01DB, 2, 1},
    {0x01DE, 0x01EE, 2, 1},
    {0x01F1, 0x01F1, 1, 2},
    {0x01F2, 0x01F4, 2, 1},
    {0x01F6, 0x01F6, 1, -97},
    {0x01F7, 0x01F7, 1, -56},
    {0x01F8, 0x021E, 2, 1},
    {0x0220, 0x0220, 1, -130},
    {0x0222, 0x0232, 2, 1},
    {0x023B, 0x023B, 1, 1},
    {0x023D, 0x023D, 1, -163},
    {0x0241, 0x0241, 1, 1},
    {0x0243, 0x0243, 1, -195},
    {0x0244, 0x0244, 1, 69},
    {0x0245, 0x0245, 1, 71},
    {0x0246, 0x024E, 2, 1},
    {0x0370, 0x0372, 2, 1},
    {0x0376, 0x0376, 1, 1},
    {0x037F, 0x037F, 1, 116},
    {0x0386, 0x0386, 1, 38},
    {0x0388, 0x038A, 1, 37},
    {0x038C, 0x038C, 1, 64},
    {0x038E, 0x038F, 1, 63},
    {0x0391, 0x03A1, 1, 32},
    {0x03A3, 0x03AB, 1, 32},
    {0x03CF, 0x03CF, 1, 8},
    {0x03D8, 0x03EE, 2, 1},
    {0x03F4, 0x03F4, 1, -60},
    {0x03F7, 0x03F7, 1, 1},
    {0x03F9, 0x03F9, 1, -7},
    {0x03FA, 0x03FA, 1, 1},
    {0x03FD, 0x03FF, 1, -130},
    {0x0400, 0x040F, 1, 80},
    {0x0410, 0x042F, 1, 32},
    {0x0460, 0x0480, 2, 1},
    {0x048A, 0x04BE, 2, 1},
    {0x04C0, 0x04C0, 1, 15},
    {0x04C1, 0x04CD, 2, 1},
    {0x04D0, 0x052E, 2, 1},
    {0x1E00, 0x1E94, 2, 1},
    {0x1EA0, 0x1EFE, 2, 1},
    {0x1F08, 0x1F0F, 1, -8},
    {0x1F18, 0x1F1D, 1, -8},
    {0x1F28, 0x1F2F, 1, -8},
    {0x1F38, 0x1F3F, 1, -8},
    {0x1F48, 0x1F4D, 1, -8},
    {0x1F59, 0x1F5F, 2, -8},
    {0x1F68, 0x1F6F, 1, -8},
    {0x1F88, 0x1F8F, 1, -8},
    {0x1F98, 0x1F9F, 1, -8},
    {0x1FA8, 0x1FAF, 1, -8},
    {0x1FB8, 0x1FB9, 1, -8},
    {0x1FBA, 0x1FBB, 1, -74},
    {0x1FBC, 0x1FBC, 1, -9},
    {0x1FC8, 0x1FCB, 1, -86},
    {0x1FCC, 0x1FCC, 1, -9},
    {0x1FD8, 0x1FD9, 1, -8},
    {0x1FDA, 0x1FDB, 1, -100},
    {0x1FE8, 0x1FE9, 1, -8},
    {0x1FEA, 0x1FEB, 1, -112},
    {0x1FEC, 0x1FEC, 1, -7},
    {0x1FF8, 0x1FF9, 1, -128},
    {0x1FFA, 0x1FFB, 1, -126},
    {0x1FFC, 0x1FFC, 1, -9},
};

/* cp_lower - simple lowercase mapping: ASCII, Latin-1, the rows above
 * (Latin Extended-A/B and Additional, Greek, Cyrillic), fullwidth forms */
static uint32_t cp_lower(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7))
        return c + 0x20;
    if (c >= 0xFF21 && c <= 0xFF3A) /* fullwidth A-Z: IDNA maps to ASCII */
        return c - 0xFF21 + 'a';
    if (c >= 0xFF10 && c <= 0xFF19)
        return c - 0xFF10 + '0';
    size_t lo = 0, hi = sizeof lower_rows / sizeof lower_rows[0];
    if (c < lower_rows[0].first || c > lower_rows[hi - 1].last)
        return c;
    while (lo < hi) { /* the first row whose last is >= c */
        size_t mid = (lo + hi) / 2;
        if (lower_rows[mid].last < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    const lower_row *r = &lower_rows[lo];
    if (c < r->first || (c - r->first) % r->stride != 0)
        return c;
    return (uint32_t)((int32_t)c + r->delta);
}

/* is_invisible - a no-break space, zero-width character or BOM: trimmed
 * around an address like a space, refused inside one (a key with one would
 * look like another address and escape the suppression of that address) */
static bool is_invisible(uint32_t c)
{
    return c == 0xA0 || (c >= 0x200B && c <= 0x200D) || c == 0x2060 ||
           c == 0xFEFF;
}

/* is_dot - a label separator: "." and the IDNA ideographic/fullwidth dots */
static bool is_dot(uint32_t c)
{
    return c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61;
}

/* ---- the domain ---- */

typedef struct outbuf {
    char *p;
    size_t n, cap;
} outbuf;

/* ob_put - append bytes; false when the cap is reached */
static bool ob_put(outbuf *o, const char *s, size_t n)
{
    if (o->n + n > o->cap)
        return false;
    memcpy(o->p + o->n, s, n);
    o->n += n;
    return true;
}

/* label_ascii_ok - letters, digits, hyphen (and "_", seen in real domains) */
static bool label_ascii_ok(const uint32_t *cp, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(cp[i] < 0x80 && (bn_is_alnum((unsigned char)cp[i]) ||
                               cp[i] == '-' || cp[i] == '_')))
            return false;
    return n > 0 && cp[0] != '-' && cp[n - 1] != '-';
}

/* emit_label - one lowercased label, punycode-encoded when not ASCII */
static int emit_label(outbuf *o, const uint32_t *cp, size_t n)
{
    char tmp[LABEL_MAX + 1];
    size_t len = 0;
    bool ascii = true;
    if (n == 0)
        return BN_EINVAL;
    for (size_t i = 0; i < n; i++)
        ascii = ascii && cp[i] < 0x80;
    if (ascii) {
        if (n > LABEL_MAX || !label_ascii_ok(cp, n))
            return BN_EINVAL;
        for (size_t i = 0; i < n; i++)
            tmp[len++] = (char)cp[i];
    } else {
        for (size_t i = 0; i < n; i++) /* the ASCII in a U-label is LDH */
            if (cp[i] < 0x80 && !bn_is_alnum((unsigned char)cp[i]) && cp[i] != '-')
                return BN_EINVAL;
        if (cp[0] == '-' || cp[n - 1] == '-' ||
            bn_punycode_encode(tmp, LABEL_MAX - 4, &len, cp, n))
            return BN_EINVAL;
        memmove(tmp + 4, tmp, len);
        memcpy(tmp, "xn--", 4);
        len += 4;
    }
    return ob_put(o, tmp, len) ? BN_OK : BN_EINVAL;
}

/* norm_literal - "[192.0.2.1]" / "[IPv6:...]": checked loosely, lowercased */
static int norm_literal(outbuf *o, const unsigned char *p, size_t n)
{
    if (n < 3 || p[n - 1] != ']')
        return BN_EINVAL;
    for (size_t i = 1; i + 1 < n; i++)
        if (!(bn_is_alnum(p[i]) || p[i] == '.' || p[i] == ':'))
            return BN_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!ob_put(o, (const char *)&(char){(char)bn_lc(p[i])}, 1))
            return BN_EINVAL;
    return BN_OK;
}

/* norm_ascii_domain - the common case: ASCII only, one pass, no code
 * points; BN_ENOTFOUND when a byte is not ASCII (the general path then) */
static int norm_ascii_domain(outbuf *o, const unsigned char *p, size_t n)
{
    size_t start = o->n, label = 0;
    if (n > 0 && p[n - 1] == '.')
        n--;
    if (n == 0 || n > DOMAIN_MAX || o->n + n > o->cap)
        return n > DOMAIN_MAX ? BN_EINVAL : BN_ENOTFOUND;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            o->n = start;
            return BN_ENOTFOUND;
        }
        if (c == '.') {
            if (label == 0 || p[i - 1] == '-')
                return BN_EINVAL;
            label = 0;
        } else if (bn_is_alnum(c) || c == '_' || (c == '-' && label > 0)) {
            if (++label > LABEL_MAX)
                return BN_EINVAL;
        } else {
            return BN_EINVAL;
        }
        o->p[o->n++] = (char)bn_lc(c);
    }
    return label == 0 || p[n - 1] == '-' ? BN_EINVAL : BN_OK;
}

/* norm_domain - lowercased, IDN labels to ASCII, trailing dot dropped */
static int norm_domain(outbuf *o, const unsigned char *p, size_t n)
{
    if (n == 0 || p[0] != '[') {
        int rc = norm_ascii_domain(o, p, n);
        if (rc != BN_ENOTFOUND)
            return rc;
    }
    uint32_t cp[LABEL_CP_MAX];
    size_t k = 0, start = o->n;
    const unsigned char *end = p + n;
    if (n > 0 && p[0] == '[')
        return norm_literal(o, p, n);
    if (n > 0 && p[n - 1] == '.')
        end--;
    while (p < end) {
        uint32_t c;
        if (!utf8_next(&p, end, &c) || is_invisible(c))
            return BN_EINVAL;
        if (is_dot(c)) {
            if (emit_label(o, cp, k) || !ob_put(o, ".", 1))
                return BN_EINVAL;
            k = 0;
        } else if (k >= LABEL_CP_MAX) {
            return BN_EINVAL;
        } else {
            cp[k++] = cp_lower(c);
        }
    }
    if (emit_label(o, cp, k) || o->n - start > DOMAIN_MAX)
        return BN_EINVAL;
    return BN_OK;
}

/* ---- the local part ---- */

/* Specials never allowed unquoted: ( ) < > [ ] : ; @ \ , " as bit masks
 * over 0x00-0x3F and 0x40-0x7F (a bit test per byte: filter is hot). */
#define SPECIALS_LO ((1ULL << 0x22) | (1ULL << 0x28) | (1ULL << 0x29) |      \
                     (1ULL << 0x2C) | (1ULL << 0x3A) | (1ULL << 0x3B) |      \
                     (1ULL << 0x3C) | (1ULL << 0x3E))
#define SPECIALS_HI ((1ULL << (0x40 - 64)) | (1ULL << (0x5B - 64)) |         \
                     (1ULL << (0x5C - 64)) | (1ULL << (0x5D - 64)))

/* local_byte_ok - a byte allowed in an unquoted local part */
static bool local_byte_ok(unsigned char c)
{
    if (c >= 0x80)
        return true; /* UTF-8 (SMTPUTF8), validated separately */
    if (c <= 0x20 || c == 0x7F)
        return false;
    return c < 64 ? !((SPECIALS_LO >> c) & 1) : !((SPECIALS_HI >> (c - 64)) & 1);
}

/* check_local - atoms and dots, or one quoted string; valid UTF-8 */
static int check_local(const unsigned char *p, size_t n)
{
    if (n == 0 || n > LOCAL_MAX)
        return BN_EINVAL;
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        for (size_t i = 1; i + 1 < n; i++)
            if (p[i] < 0x20 || p[i] == 0x7F)
                return BN_EINVAL;
    } else {
        for (size_t i = 0; i < n; i++)
            if (!local_byte_ok(p[i]))
                return BN_EINVAL;
    }
    bool ascii = true;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = p[i] < 0x80;
    for (const unsigned char *q = p, *end = p + n; !ascii && q < end;) {
        uint32_t c;
        if (!utf8_next(&q, end, &c) || is_invisible(c))
            return BN_EINVAL;
    }
    return BN_OK;
}

/* dot_string - atoms joined by single dots (RFC 5321 Dot-string, UTF-8
 * atoms as RFC 6531 allows): what a quoted local part holds when its quotes
 * are not needed */
static bool dot_string(const unsigned char *p, size_t n)
{
    if (n == 0 || p[0] == '.' || p[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!local_byte_ok(p[i]) || (p[i] == '.' && p[i + 1] == '.'))
            return false;
    return true;
}

/* copy_local - the local part into the key: without quotes that change
 * nothing ("tom"@ is tom@, RFC 5321 2.4/4.1.2), lowercased (ASCII and the
 * letters domains are lowercased with) unless case matters */
static void copy_local(outbuf *o, const unsigned char *p, size_t n,
                       unsigned flags)
{
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"' && dot_string(p + 1, n - 2))
        p++, n -= 2;
    if (flags & BN_ADDR_CASE_LOCAL) {
        memcpy(o->p + o->n, p, n);
        o->n += n;
        return;
    }
    for (const unsigned char *q = p, *end = p + n; q < end;) {
        uint32_t c;
        if (*q < 0x80) {
            o->p[o->n++] = (char)bn_lc(*q++);
            continue;
        }
        utf8_next(&q, end, &c); /* valid: check_local decoded it */
        /* never longer than it was: cp_lower keeps the length, or maps a
           fullwidth letter or digit to ASCII */
        o->n += bn_utf8_put(o->p + o->n, cp_lower(c));
    }
}

/* invisible_prefix - bytes of an invisible character that starts p, or 0 */
static size_t invisible_prefix(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p, *q = s;
    uint32_t c;
    if (n == 0 || s[0] < 0x80 || !utf8_next(&q, s + n, &c) || !is_invisible(c))
        return 0;
    return (size_t)(q - s);
}

/* invisible_suffix - bytes of an invisible character that ends p, or 0 */
static size_t invisible_suffix(const char *p, size_t n)
{
    for (size_t k = 2; k <= 3 && k <= n; k++)
        if (invisible_prefix(p + n - k, k) == k)
            return k;
    return 0;
}

/* trim_blank - drop spaces and invisible characters (a BOM, a no-break
 * space from a spreadsheet or web page) at both ends */
static bn_str trim_blank(bn_str s)
{
    for (size_t k = 1; k;) {
        s = bn_str_trim(s);
        if ((k = invisible_prefix(s.p, s.n)))
            s.p += k, s.n -= k;
        else if ((k = invisible_suffix(s.p, s.n)))
            s.n -= k;
    }
    return s;
}

/* strip_brackets - trim blanks and one pair of angle brackets */
static bn_str strip_brackets(bn_str s)
{
    s = trim_blank(s);
    if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
        s = trim_blank((bn_str){s.p + 1, s.n - 2});
    return s;
}

/* bn_address_normalize - the comparison key of an address */
int bn_address_normalize(char *out, size_t *out_len, const char *in,
                         size_t len, unsigned flags)
{
    bn_str s = strip_brackets((bn_str){in, in ? len : 0});
    const char *at = NULL;
    outbuf o = {out, 0, BN_ADDR_MAX - 1};
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] == '@')
            at = s.p + i;
    if (!at)
        return BN_EINVAL;
    size_t ln = (size_t)(at - s.p);
    const unsigned char *lp = (const unsigned char *)s.p;
    if (check_local(lp, ln))
        return BN_EINVAL;
    copy_local(&o, lp, ln, flags);
    out[o.n++] = '@';
    if (norm_domain(&o, (const unsigned char *)at + 1, s.n - ln - 1))
        return BN_EINVAL;
    out[o.n] = '\0';
    if (out_len)
        *out_len = o.n;
    return BN_OK;
}

/* ---- VERP ---- */

/* verp_split - pattern into prefix, separator and domain suffix */
static int verp_split(const char *pat, bn_str *pre, bn_str *sep, bn_str *suf)
{
    const char *l = strstr(pat, "{local}"), *d = strstr(pat, "{domain}");
    if (!l || !d || d < l + 7)
        return BN_EINVAL;
    *pre = (bn_str){pat, (size_t)(l - pat)};
    *sep = (bn_str){l + 7, (size_t)(d - (l + 7))};
    *suf = bn_str_cstr(d + 8);
    if (sep->n == 0 || suf->n == 0 || suf->p[0] != '@')
        return BN_EINVAL;
    return BN_OK;
}

/* verp_find_sep - last occurrence of sep in [p, p+n), or NULL */
static const char *verp_find_sep(const char *p, size_t n, bn_str sep)
{
    const char *found = NULL;
    for (size_t i = 0; i + sep.n <= n; i++)
        if (memcmp(p + i, sep.p, sep.n) == 0)
            found = p + i;
    return found;
}

/* bn_verp_decode - the recipient encoded in a VERP envelope address */
int bn_verp_decode(char *out, size_t size, const char *pattern,
                   const char *addr, size_t len)
{
    bn_str pre, sep, suf, a = strip_brackets((bn_str){addr, len});
    const char *at = NULL;
    if (verp_split(pattern ? pattern : "bounces+{local}={domain}@*", &pre,
                   &sep, &suf))
        return BN_EINVAL;
    for (size_t i = 0; i < a.n; i++)
        if (a.p[i] == '@')
            at = a.p + i;
    if (!at || (size_t)(at - a.p) < pre.n ||
        (pre.n > 0 && bn_mem_find_ci(a.p, pre.n, pre.p, pre.n) != a.p))
        return BN_ENOTFOUND;
    bn_str dom = {at + 1, a.n - (size_t)(at - a.p) - 1};
    if (!(suf.n == 2 && suf.p[1] == '*') &&
        !bn_str_eq_ci(dom, suf.p + 1))
        return BN_ENOTFOUND;
    const char *body = a.p + pre.n;
    size_t bn = (size_t)(at - body);
    const char *s = verp_find_sep(body, bn, sep);
    if (!s || s == body || s + sep.n >= at)
        return BN_ENOTFOUND;
    size_t ln = (size_t)(s - body), dn = (size_t)(at - (s + sep.n));
    if (ln + dn + 2 > size)
        return BN_ETOOBIG;
    memcpy(out, body, ln);
    out[ln] = '@';
    memcpy(out + ln + 1, s + sep.n, dn);
    out[ln + 1 + dn] = '\0';
    return BN_OK;
}
