/*
 * address.c - address normalisation, RFC 3492 punycode, VERP decoding
 *
 * The suppression list compares addresses on a normalised key: domain
 * lowercased and in its ASCII (IDNA "xn--") form, local part lowercased
 * unless the list says local parts are case-sensitive. Lowercasing of
 * non-ASCII domain labels is a simple per-code-point mapping for Latin,
 * Greek, Cyrillic and fullwidth letters; there is no NFC normalisation
 * (UTS #46), so a domain written in decomposed form gets another key.
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

/* cp_lower - simple lowercase mapping (Latin, Greek, Cyrillic, fullwidth) */
static uint32_t cp_lower(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7))
        return c + 0x20;
    if (c >= 0xFF21 && c <= 0xFF3A) /* fullwidth A-Z: IDNA maps to ASCII */
        return c - 0xFF21 + 'a';
    if (c >= 0xFF10 && c <= 0xFF19)
        return c - 0xFF10 + '0';
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) ||
        (c >= 0x14A && c <= 0x177))
        return c | 1u;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && (c & 1u))
        return c + 1;
    if (c == 0x178)
        return 0xFF;
    if ((c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
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
        if (!utf8_next(&p, end, &c))
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
        if (!utf8_next(&q, end, &c))
            return BN_EINVAL;
    }
    return BN_OK;
}

/* strip_brackets - trim space and one pair of angle brackets */
static bn_str strip_brackets(bn_str s)
{
    s = bn_str_trim(s);
    if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
        s = bn_str_trim((bn_str){s.p + 1, s.n - 2});
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
    for (size_t i = 0; i < ln; i++)
        out[o.n++] = (char)((flags & BN_ADDR_CASE_LOCAL) ? lp[i] : bn_lc(lp[i]));
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
