/*
 * param.c - Content-Type style parameters (RFC 2045 + RFC 2231)
 *
 * Tolerant reading: names in any case, spaces around '=', quoted or bare
 * values, comments, a missing ';' between parameters, RFC 2231 extended
 * values (charset'lang'%XX) and continuations (name*0, name*1*, ...) in any
 * order. Values are spans into the header when nothing needs decoding.
 */
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"
#include "message/message.h"
#include "message/msg_priv.h"

#define SEG_MAX 64       /* continuation segments kept per parameter */
#define SEG_INDEX_MAX 999

typedef struct pseg {
    unsigned idx;
    bool ext;     /* name*N* : percent-encoded */
    bool quoted;
    bn_str v;     /* raw value: inside the quotes when quoted */
} pseg;

typedef struct pfound {
    bool plain_set, ext_set;
    pseg plain, ext;
    pseg seg[SEG_MAX];
    size_t nseg;
} pfound;

typedef struct pcur {
    const char *s;
    size_t n, i;
} pcur;

/* skip_cfws_at - skip whitespace, folds and (nested) comments */
static void skip_cfws_at(pcur *c)
{
    while (c->i < c->n) {
        unsigned char ch = (unsigned char)c->s[c->i];
        if (bn_is_space(ch)) {
            c->i++;
        } else if (ch == '(') {
            unsigned depth = 0;
            for (; c->i < c->n; c->i++) {
                if (c->s[c->i] == '\\' && c->i + 1 < c->n)
                    c->i++;
                else if (c->s[c->i] == '(')
                    depth++;
                else if (c->s[c->i] == ')' && --depth == 0) {
                    c->i++;
                    break;
                }
            }
        } else {
            return;
        }
    }
}

/* skip_cfws - skip_cfws_at, inline for the usual case of nothing to skip
   (three calls per parameter, most of them skipping nothing) */
static inline void skip_cfws(pcur *c)
{
    if (c->i < c->n && (bn_is_space((unsigned char)c->s[c->i]) || c->s[c->i] == '('))
        skip_cfws_at(c);
}

/* byte classes: PC_NAME (1) a parameter-name byte, printable ASCII but
   = ; " ( ); PC_STOP (2) ends a bare value: ';', '(' or white space;
   PC_TYPE (4) ends the leading type/subtype: ';' or white space. One
   lookup a byte instead of up to seven compares; 8-bit bytes are 0. */
enum { PC_NAME = 1, PC_STOP = 2, PC_TYPE = 4 };
static const unsigned char pclass[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    6, 1, 0, 1, 1, 1, 1, 1, 2, 0, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1, 0, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
};

/* is_pname - byte of a parameter name (token without '=' ';' '*' is allowed) */
static inline bool is_pname(unsigned char c)
{
    return pclass[c] == PC_NAME;
}

/* skip_to - from i, the first byte of class cls (PC_STOP or PC_TYPE), or
   n; 16 at a time with SSE2 (types and bare boundaries are 10-70 bytes:
   the byte loops were a third of the parameter scan) */
static size_t skip_to(const char *s, size_t i, size_t n, unsigned char cls)
{
#if defined(__SSE2__)
    const __m128i c8 = _mm_set1_epi8(8), c14 = _mm_set1_epi8(14), sp = _mm_set1_epi8(' ');
    const __m128i semi = _mm_set1_epi8(';');
    const __m128i paren = _mm_set1_epi8(cls == PC_STOP ? '(' : ';');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* signed compares: 8-bit bytes are negative, so not in 9..13 */
        __m128i hit = _mm_and_si128(_mm_cmpgt_epi8(v, c8), _mm_cmplt_epi8(v, c14));
        hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, semi)));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(hit, _mm_cmpeq_epi8(v, paren)));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i < n && !(pclass[(unsigned char)s[i]] & cls))
        i++;
    return i;
}

/* read_value - the value at the cursor: quoted-string or bare token */
static pseg read_value(pcur *c)
{
    pseg v = {0};
    if (c->i < c->n && c->s[c->i] == '"') {
        size_t st = ++c->i;
        /* no backslash before the closing quote (the usual case): memchr
           finds it at once; the byte loop read long boundaries 2-3 times */
        const char *q = st < c->n ? memchr(c->s + st, '"', c->n - st) : NULL;
        if (q && !memchr(c->s + st, '\\', (size_t)(q - c->s) - st))
            c->i = (size_t)(q - c->s);
        while (c->i < c->n && c->s[c->i] != '"') {
            if (c->s[c->i] == '\\' && c->i + 1 < c->n)
                c->i++;
            c->i++;
        }
        v.v = bn_str_make(c->s + st, c->i - st); /* unterminated: to the end */
        v.quoted = true;
        if (c->i < c->n)
            c->i++;
        return v;
    }
    size_t st = c->i;
    c->i = skip_to(c->s, c->i, c->n, PC_STOP);
    v.v = bn_str_make(c->s + st, c->i - st);
    return v;
}

/* seg_index - parse "*N" or "*N*" after the base name; -1 if not a segment */
static long seg_index(bn_str rest, bool *ext)
{
    long idx = 0;
    size_t i = 1, nd = 0;
    if (rest.n < 2 || rest.p[0] != '*')
        return -1;
    while (i < rest.n && bn_is_digit((unsigned char)rest.p[i]) && nd < 4) {
        idx = idx * 10 + (rest.p[i++] - '0');
        nd++;
    }
    if (!nd || idx > SEG_INDEX_MAX)
        return -1;
    *ext = i < rest.n && rest.p[i] == '*';
    return i + *ext == rest.n ? idx : -1;
}

/* note - record the parameter name=v if its name belongs to the wanted one */
static void note(pfound *f, bn_str name, const char *want, size_t wn, pseg v)
{
    /* the first byte rules out most names without a call */
    if (name.n < wn || bn_lc((unsigned char)name.p[0]) != bn_lc((unsigned char)want[0]) ||
        !bn_str_starts_ci(name, want))
        return;
    bn_str rest = bn_str_make(name.p + wn, name.n - wn);
    bool ext = false;
    long idx;
    if (rest.n == 0 && !f->plain_set) {
        f->plain = v;
        f->plain_set = true;
    } else if (rest.n == 1 && rest.p[0] == '*' && !f->ext_set) {
        f->ext = v;
        f->ext.ext = true;
        f->ext_set = true;
    } else if ((idx = seg_index(rest, &ext)) >= 0 && f->nseg < SEG_MAX) {
        for (size_t k = 0; k < f->nseg; k++)
            if (f->seg[k].idx == (unsigned)idx)
                return; /* duplicate: the first wins */
        v.idx = (unsigned)idx;
        v.ext = ext;
        f->seg[f->nseg++] = v;
    }
}

/* scan_params - collect every form of the parameters want[0..n) in value,
   into f[0..n): one pass, however many a caller asks for */
static void scan_params(pfound *f, bn_str value, const char *const *want, size_t n)
{
    pcur c = {value.p, value.n, 0};
    size_t wn[BN_PARAMS_MAX];
    for (size_t k = 0; k < n; k++)
        wn[k] = strlen(want[k]);
    /* the type/subtype (or disposition) comes first */
    c.i = skip_to(c.s, c.i, c.n, PC_TYPE);
    while (c.i < c.n) {
        skip_cfws(&c);
        if (c.i < c.n && c.s[c.i] == ';') {
            c.i++;
            continue;
        }
        size_t st = c.i;
        while (c.i < c.n && is_pname((unsigned char)c.s[c.i]))
            c.i++;
        bn_str name = bn_str_make(c.s + st, c.i - st);
        skip_cfws(&c);
        if (c.i >= c.n || c.s[c.i] != '=') {
            if (c.i == st)
                c.i++; /* a stray byte: step over it */
            continue;
        }
        c.i++;
        skip_cfws(&c);
        pseg v = read_value(&c);
        for (size_t k = 0; name.n && k < n; k++)
            note(&f[k], name, want[k], wn[k], v);
    }
}

/* seg_cmp - order segments by index */
static int seg_cmp(const void *a, const void *b)
{
    unsigned x = ((const pseg *)a)->idx, y = ((const pseg *)b)->idx;
    return x < y ? -1 : x > y;
}

/* hexv - value of a hex digit, -1 if not one */
static int hexv(unsigned char c)
{
    if (bn_is_digit(c))
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* put_seg - append a segment's value: unquoted, or percent-decoded if ext */
static void put_seg(bn_obuf *o, bn_str v, bool ext, bool quoted)
{
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        int h1, h2;
        if (quoted && c == '\\' && i + 1 < v.n) {
            c = (unsigned char)v.p[++i];
        } else if (ext && c == '%' && i + 2 < v.n && (h1 = hexv((unsigned char)v.p[i + 1])) >= 0 &&
                   (h2 = hexv((unsigned char)v.p[i + 2])) >= 0) {
            c = (unsigned char)(h1 << 4 | h2);
            i += 2;
        }
        char ch = (char)c;
        bn_obuf_put(o, &ch, 1);
    }
}

/* split_charset - strip "charset'lang'" from an extended value */
static bn_str split_charset(bn_str v, bn_str *cs)
{
    const char *q1 = v.n ? memchr(v.p, '\'', v.n) : NULL;
    const char *q2 = q1 ? memchr(q1 + 1, '\'', (size_t)(v.p + v.n - q1 - 1)) : NULL;
    *cs = BN_STR_NULL;
    if (!q2)
        return v; /* no charset'lang' prefix: tolerate */
    *cs = bn_str_make(v.p, (size_t)(q1 - v.p));
    return bn_str_make(q2 + 1, (size_t)(v.p + v.n - q2 - 1));
}

/* needs_copy - a value that must be rewritten (escapes, percent codes) */
static bool needs_copy(const pseg *s)
{
    if (!s->v.n)
        return false;
    return (s->quoted && memchr(s->v.p, '\\', s->v.n)) || (s->ext && memchr(s->v.p, '%', s->v.n));
}

/* join - concatenate segments 0, 1, ... (stops at a gap) and convert */
static bn_str join(bn_msg *msg, pseg *seg, size_t nseg)
{
    bn_obuf o;
    bn_str cs = BN_STR_NULL;
    size_t total = 0;
    for (size_t k = 0; k < nseg; k++)
        total += seg[k].v.n;
    if (nseg == 1 && !seg[0].ext && !needs_copy(&seg[0]))
        return seg[0].v;
    bn_obuf_init(&o, msg->arena, total + 1, total + 1);
    for (size_t k = 0; k < nseg && seg[k].idx == k; k++) {
        bn_str v = seg[k].v;
        if (k == 0 && seg[k].ext)
            v = split_charset(v, &cs);
        put_seg(&o, v, seg[k].ext, seg[k].quoted);
    }
    if (!cs.n)
        return bn_obuf_str(&o);
    return bn_to_utf8(msg, cs, bn_obuf_str(&o), NULL);
}

/* param_value - the value of one parameter from what scan_params found */
static bn_str param_value(bn_msg *msg, pfound *f)
{
    if (f->nseg) {
        qsort(f->seg, f->nseg, sizeof f->seg[0], seg_cmp);
        if (f->seg[0].idx == 0)
            return join(msg, f->seg, f->nseg);
    }
    if (f->ext_set)
        return join(msg, &f->ext, 1);
    if (f->plain_set)
        return join(msg, &f->plain, 1);
    return BN_STR_NULL;
}

/* bn_params_get - several parameters of one value in one pass (see message.h) */
void bn_params_get(bn_msg *msg, bn_str header_value, const char *const *params, bn_str *out,
                   size_t n)
{
    pfound f[BN_PARAMS_MAX];
    if (n > BN_PARAMS_MAX)
        n = BN_PARAMS_MAX;
    for (size_t k = 0; k < n; k++) {
        f[k].plain_set = f[k].ext_set = false;
        f[k].nseg = 0;
        out[k] = BN_STR_NULL;
    }
    /* every parameter has an '=': most message/... and multipart types
       carry none worth the scan */
    if (!header_value.n || !memchr(header_value.p, '=', header_value.n))
        return;
    scan_params(f, header_value, params, n);
    for (size_t k = 0; k < n; k++)
        out[k] = param_value(msg, &f[k]);
}

/* bn_param_get - a Content-Type style parameter (RFC 2045/2231), or empty */
bn_str bn_param_get(bn_msg *msg, bn_str header_value, const char *param)
{
    bn_str v;
    bn_params_get(msg, header_value, &param, &v, 1);
    return v;
}
