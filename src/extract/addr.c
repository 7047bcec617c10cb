/* addr.c - finding and cleaning mailbox addresses in report fields and text */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"
#include "extract/extract.h"

/* is_local_ch - byte allowed in an unquoted local part (RFC 5322 atext, '.', UTF-8) */
static bool is_local_ch(unsigned char c)
{
    if (bn_is_alnum(c) || c >= 0x80)
        return true;
    return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

/* is_domain_ch - byte allowed in a domain name (LDH, '.', UTF-8 for IDN) */
static bool is_domain_ch(unsigned char c)
{
    return bn_is_alnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80;
}

/* domain_span - length of the domain starting at s[i] (name or [literal]) */
static size_t domain_span(bn_str s, size_t i)
{
    size_t k = i;
    if (k < s.n && s.p[k] == '[') {
        while (k < s.n && s.p[k] != ']' && !bn_is_space((unsigned char)s.p[k]))
            k++;
        return (k < s.n && s.p[k] == ']') ? k + 1 - i : 0;
    }
    while (k < s.n && is_domain_ch((unsigned char)s.p[k]))
        k++;
    /* a sentence's full stop or a dash after the address is not part of it */
    while (k > i && (s.p[k - 1] == '.' || s.p[k - 1] == '-'))
        k--;
    return k - i;
}

/* domain_ok - the domain has a dot between labels, or is an address literal */
static bool domain_ok(bn_str d)
{
    if (d.n == 0)
        return false;
    if (d.p[0] == '[')
        return d.n > 2;
    if (d.p[0] == '.' || d.p[0] == '-')
        return false;
    const char *dot = memchr(d.p, '.', d.n);
    return dot && dot + 1 < d.p + d.n;
}

/* glued - a control byte (not white space) next to an address */
static bool glued(unsigned char c)
{
    return (c < 0x20 && !bn_is_space(c)) || c == 0x7f;
}

/* x400_skip - length of an X.400 attribute glued before the address
   ("c=US;a= ;p=Org;dda:SMTP=user@example.net", Exchange 5.5/2000 NDRs): its
   "SMTP=" / "RFC-822=" is no part of the mailbox; 0 when there is none */
static size_t x400_skip(bn_str s, size_t l, size_t at)
{
    static const char *const attr[] = {"smtp=", "rfc-822=", "rfc822="};
    bn_str local = {s.p + l, at - l};
    if (l > 0 && s.p[l - 1] != ':' && s.p[l - 1] != ';' && !bn_is_space((unsigned char)s.p[l - 1]))
        return 0;
    for (size_t i = 0; i < sizeof attr / sizeof attr[0]; i++) {
        size_t k = strlen(attr[i]);
        if (local.n > k && bn_str_starts_ci(local, attr[i]))
            return k;
    }
    return 0;
}

/* addr_at - the address around the '@' at s[at], or empty */
static bn_str addr_at(bn_str s, size_t at)
{
    size_t l = at;
    while (l > 0 && is_local_ch((unsigned char)s.p[l - 1]))
        l--;
    while (l < at && s.p[l] == '.')
        l++;
    l += x400_skip(s, l, at);
    if (l == at)
        return BN_STR_NULL;
    size_t dn = domain_span(s, at + 1);
    bn_str dom = {s.p + at + 1, dn};
    if (!domain_ok(dom))
        return BN_STR_NULL;
    /* glued to a control byte ("d.\0wright@x", "a@example.co\0m"): the
       address was cut by garbage, and its piece is another mailbox */
    if ((l > 0 && glued((unsigned char)s.p[l - 1])) ||
        (at + 1 + dn < s.n && glued((unsigned char)s.p[at + 1 + dn])))
        return BN_STR_NULL;
    return (bn_str){s.p + l, at + 1 + dn - l};
}

/* bn_x_addr_scan - first address (local@domain.tld) in free text from *pos */
bn_str bn_x_addr_scan(bn_str s, size_t *pos)
{
    for (size_t i = *pos; i < s.n; i++) {
        if (s.p[i] != '@')
            continue;
        bn_str a = addr_at(s, i);
        if (a.n) {
            *pos = (size_t)(a.p - s.p) + a.n;
            return a;
        }
    }
    *pos = s.n;
    return BN_STR_NULL;
}

#if defined(__SSE2__)
/* space_mask16 - bit k set when byte k of the 16 at p is a bn_is_space byte
   (' ', or '\t'..'\r': one unsigned range test) */
static inline unsigned space_mask16(__m128i v)
{
    __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('\t'));
    __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8('\r' - '\t')), t);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl, _mm_cmpeq_epi8(v, _mm_set1_epi8(' '))));
}

/* stop_mask16 - bit k set when byte k of the 16 at p is a space, c1 or c2 */
static inline unsigned stop_mask16(const char *p, char c1, char c2)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    unsigned m = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(c1)), _mm_cmpeq_epi8(v, _mm_set1_epi8(c2))));
    return m | space_mask16(v);
}
#endif

/* token_len - the bytes of v before its first space, '(' or ',' (16 at a
   time with SSE2: a byte loop here was a third of bn_x_addr_field) */
static size_t token_len(bn_str v)
{
    size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= v.n; i += 16) {
        unsigned m = stop_mask16(v.p + i, '(', ',');
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
    if (i < v.n && v.n >= 16) {
        /* the last bytes: the block that ends at the end, the bytes before i shifted out */
        unsigned m = stop_mask16(v.p + v.n - 16, '(', ',') >> (16 - (v.n - i));
        return m ? i + (size_t)__builtin_ctz(m) : v.n;
    }
#endif
    while (i < v.n && !bn_is_space((unsigned char)v.p[i]) && v.p[i] != '(' && v.p[i] != ',')
        i++;
    return i;
}

/* strip_type - the part after "rfc822;" / "utf-8;" (a type token before any '@') */
static bn_str strip_type(bn_str v)
{
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (c == ';')
            return bn_str_trim((bn_str){v.p + i + 1, v.n - i - 1});
        if (c == '@' || c == '<' || c == '"' || bn_is_space((unsigned char)c))
            break;
    }
    return v;
}

/* trails - a byte stripped from the end of an address token (as strchr
   of ".;>\"'" answers: the NUL byte too), without a call per byte */
static inline bool trails(char c)
{
    return c == '.' || c == ';' || c == '>' || c == '"' || c == '\'' || c == '\0';
}

/* leads - a byte stripped from the start of an address token (strchr of
   "<\"'", the NUL byte too) */
static inline bool leads(char c)
{
    return c == '<' || c == '"' || c == '\'' || c == '\0';
}

/* quoted_addr - a quoted local part and its domain at the start of v
   ("john doe"@example.com, "first..last"@example.com: RFC 5321 4.1.2), with
   the quotes; empty when v holds no such address */
static bn_str quoted_addr(bn_str v)
{
    size_t i = 1;
    if (v.n < 5 || v.p[0] != '"')
        return BN_STR_NULL;
    while (i < v.n && v.p[i] != '"') {
        if (v.p[i] == '\r' || v.p[i] == '\n')
            return BN_STR_NULL;
        i += v.p[i] == '\\' ? 2 : 1;
    }
    if (i + 2 >= v.n || i == 1 || v.p[i + 1] != '@')
        return BN_STR_NULL;
    size_t d = domain_span(v, i + 2);
    bn_str a = {v.p, i + 2 + d};
    return domain_ok((bn_str){v.p + i + 2, d}) ? a : BN_STR_NULL;
}

/* bn_x_addr_field - the address of a DSN/ARF address field ("rfc822; <a@b>") */
bn_str bn_x_addr_field(bn_str value)
{
    bn_str v = strip_type(bn_str_trim(value));
    bn_str q = quoted_addr(v.n && v.p[0] == '<' ? (bn_str){v.p + 1, v.n - 1} : v);
    if (q.n)
        return q;
    const char *lt = bn_str_chr(v, '<');
    if (lt) {
        bn_str in = {lt + 1, v.n - (size_t)(lt + 1 - v.p)};
        const char *gt = bn_str_chr(in, '>');
        if (gt) {
            bn_str a = bn_str_trim((bn_str){in.p, (size_t)(gt - in.p)});
            if (bn_str_chr(a, '@') && bn_x_addr_valid(a))
                return a;
        }
    }
    bn_str tok = {v.p, token_len(v)};
    while (tok.n && trails(tok.p[tok.n - 1]))
        tok.n--;
    while (tok.n && leads(tok.p[0])) {
        tok.p++;
        tok.n--;
    }
    if (bn_x_addr_valid(tok))
        return tok;
    size_t pos = 0;
    return bn_x_addr_scan(v, &pos);
}

/* hex_value - a hex digit's value, or -1 */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* has_escape - "\x{" somewhere in a */
static bool has_escape(bn_str a)
{
    for (size_t i = 0; i + 2 < a.n; i++)
        if (a.p[i] == '\\' && a.p[i + 1] == 'x' && a.p[i + 2] == '{')
            return true;
    return false;
}

/* embedded_char - "\x{HEX}" (1-6 hex digits, RFC 6533 EmbeddedUnicodeChar)
   at p[0..n): its length and the code point in *cp, or 0 */
static size_t embedded_char(const char *p, size_t n, uint32_t *cp)
{
    size_t i = 3;
    uint32_t v = 0;
    if (n < 5 || p[0] != '\\' || p[1] != 'x' || p[2] != '{')
        return 0;
    for (int h; i < n && i < 9 && (h = hex_value(p[i])) >= 0; i++)
        v = v * 16 + (uint32_t)h;
    if (i == 3 || i >= n || p[i] != '}' || v == 0 || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return i + 1;
}

/* is_utf8_type - the field's address type is "utf-8" (RFC 6533) */
static bool is_utf8_type(bn_str v)
{
    v = bn_str_trim(v);
    return v.n > 6 && bn_str_starts_ci(v, "utf-8") && (v.p[5] == ';' || bn_is_space((unsigned char)v.p[5]));
}

/* bn_x_addr_field_utf8 - bn_x_addr_field, with the "\x{HEX}" escapes of a
   utf-8 type address (RFC 6533 3) decoded into a copy (arena) */
bn_str bn_x_addr_field_utf8(bn_arena *a, bn_str value)
{
    bn_str addr = bn_x_addr_field(value);
    if (!is_utf8_type(value) || !has_escape(addr))
        return addr;
    char *out = bn_arena_alloc(a, addr.n); /* a 4-byte character takes 5+ escaped */
    size_t o = 0;
    if (!out)
        return addr;
    for (size_t i = 0; i < addr.n;) {
        uint32_t cp;
        size_t k = embedded_char(addr.p + i, addr.n - i, &cp);
        if (k) {
            o += bn_utf8_put(out + o, cp);
            i += k;
        } else {
            out[o++] = addr.p[i++];
        }
    }
    return (bn_str){out, o};
}

/* bad_byte - white space, a control byte, '<', '>' or ',': never in a mailbox */
static bool bad_byte(unsigned char c)
{
    return c <= ' ' || c == '<' || c == '>' || c == ',';
}

#if defined(__SSE2__)
/* block_scan - the 16 bytes at p: false when one is a bad_byte, else
   *at = p - base + the offset of their last '@' (when they hold one) */
static bool block_scan(const char *p, const char *base, size_t *at)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i low = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(' ')), _mm_set1_epi8(' '));
    __m128i bad = _mm_or_si128(low, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
                                                 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')),
                                                              _mm_cmpeq_epi8(v, _mm_set1_epi8(',')))));
    if (_mm_movemask_epi8(bad))
        return false;
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
    if (m)
        *at = (size_t)(p - base) + 31u - (size_t)__builtin_clz(m);
    return true;
}
#endif

/* bn_x_addr_valid - looks like a mailbox: local@domain, no spaces (the
   last '@' splits it); 16 bytes at a time: every address field and every
   address found in a text is asked */
bool bn_x_addr_valid(bn_str a)
{
    if (a.n < 3 || a.n > 512)
        return false;
    size_t at = a.n, i = 0;
#if defined(__SSE2__)
    if (a.n >= 16) {
        for (; i + 16 <= a.n; i += 16)
            if (!block_scan(a.p + i, a.p, &at))
                return false;
        /* the rest: a last block that ends at the end (its '@' is the last) */
        if (i < a.n && !block_scan(a.p + a.n - 16, a.p, &at))
            return false;
        return at > 0 && at + 1 < a.n;
    }
#endif
    for (; i < a.n; i++) {
        unsigned char c = (unsigned char)a.p[i];
        if (bad_byte(c))
            return false; /* white space and control bytes are all <= ' ' */
        if (c == '@')
            at = i;
    }
    return at > 0 && at + 1 < a.n;
}

/* bn_x_addr_norm - with the domain lowercased: s itself when it has no
   capital, else a copy (arena); s on failure */
bn_str bn_x_addr_norm(bn_arena *a, bn_str s)
{
    const char *at = NULL;
    for (size_t i = s.n; i > 0; i--)
        if (s.p[i - 1] == '@') {
            at = s.p + i - 1;
            break;
        }
    if (!at)
        return s;
    size_t d = (size_t)(at - s.p) + 1;
    while (d < s.n && !(s.p[d] >= 'A' && s.p[d] <= 'Z'))
        d++;
    if (d == s.n)
        return s; /* already lowercase (most are): no copy */
    char *out = bn_arena_dup(a, s.p, s.n);
    if (!out)
        return s;
    for (size_t i = (size_t)(at - s.p) + 1; i < s.n; i++)
        out[i] = (char)bn_lc((unsigned char)out[i]);
    return (bn_str){out, s.n};
}
