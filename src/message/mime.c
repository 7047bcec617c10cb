/*
 * mime.c - the MIME walk: one message into a flat, pre-order table of parts
 *
 * Each entity's header block is parsed (header.c), its Content-Type read,
 * and multipart bodies are split on their boundary lines. Boundary lines
 * are found by a vector search for lines that start with "--", each
 * checked once, so the work per level is linear in the body whatever the
 * boundary looks like; nesting is capped by
 * max_mime_depth, so the whole walk is linear too. message/rfc822-like
 * parts are parsed as nested entities.
 * Bodies are not decoded here: bn_part_body()/bn_part_text() do it on demand.
 */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#define MIME_AVX2 1
#include <immintrin.h>
#endif

#include "core/str.h"
#include "message/message.h"
#include "message/msg_priv.h"

/* Recursion guard whatever opts say: the walk recurses once per level. */
#define MIME_DEPTH_HARD 200
#define BOUNDARY_MAX 512

/* ---- Content-Type and friends ---- */

/* has_upper8 - one of the 8 bytes at p is 'A'..'Z': adding 0x3F (0x25)
   sets a 7-bit byte's top bit from 'A' ('['); the 7-bit mask keeps the
   carries inside their byte, ~w drops 8-bit bytes */
static inline bool has_upper8(const char *p)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    uint64_t w, x;
    memcpy(&w, p, 8);
    x = w & ones * 0x7F;
    return ((x + ones * 0x3F) & ~(x + ones * 0x25) & ~w & ones * 0x80) != 0;
}

/* lower_span - s lowercased (the input itself when already lowercase) */
static bn_str lower_span(bn_msg *msg, bn_str s)
{
    size_t i = 0;
    while (i + 8 <= s.n && !has_upper8(s.p + i)) /* a word at a time: types are 10-25 bytes */
        i += 8;
    while (i < s.n && bn_lc((unsigned char)s.p[i]) == (unsigned char)s.p[i])
        i++;
    if (i == s.n)
        return s;
    char *d = bn_arena_alloc(msg->arena, s.n);
    if (!d)
        return s;
    for (i = 0; i < s.n; i++)
        d[i] = (char)bn_lc((unsigned char)s.p[i]);
    return bn_str_make(d, s.n);
}

/* token classes for first_token: 1 = space or '"' (skipped before the
   token), 2 = ';' or '(' (ends it too); one lookup a byte instead of six
   compares */
#define TK_SKIP 1
#define TK_END 2
static const unsigned char token_class[256] = {
    [' '] = TK_SKIP, ['\t'] = TK_SKIP, ['\r'] = TK_SKIP, ['\n'] = TK_SKIP,
    ['\f'] = TK_SKIP, ['\v'] = TK_SKIP, ['"'] = TK_SKIP, [';'] = TK_END, ['('] = TK_END,
};

/* first_token - the leading token of a value (type/subtype, encoding, disposition) */
static inline bn_str first_token(bn_str v)
{
    size_t i = 0, st;
    if (!v.n)
        return BN_STR_NULL;
    while (i < v.n && token_class[(unsigned char)v.p[i]] == TK_SKIP)
        i++;
    st = i;
    while (i < v.n && !token_class[(unsigned char)v.p[i]])
        i++;
    return bn_str_make(v.p + st, i - st);
}

/* fold_eq8, fold_eq4 - the 8 (4) bytes at p equal those of lit (lowercase
   letters, digits, '-') ASCII case-insensitively: the case bit is folded
   on the literal's letters only (bit 6 set: no digit or '-' has it), so no
   other byte passes for a letter */
static inline bool fold_eq8(const char *p, const char *lit)
{
    uint64_t w, l;
    memcpy(&w, p, 8);
    memcpy(&l, lit, 8);
    return (w | (l & UINT64_C(0x4040404040404040)) >> 1) == l;
}
static inline bool fold_eq4(const char *p, const char *lit)
{
    uint32_t w, l;
    memcpy(&w, p, 4);
    memcpy(&l, lit, 4);
    return (w | (l & UINT32_C(0x40404040)) >> 1) == l;
}

/* eq_word - t equals lit[0..n) (n >= 4; lowercase letters, digits, '-')
   ASCII case-insensitively, a word at a time: bn_str_eq_ci's byte loop
   cost ~6 instructions a byte on field names and values of every part */
static inline bool eq_word(bn_str t, const char *lit, size_t n)
{
    if (t.n != n)
        return false;
    if (n < 8)
        return fold_eq4(t.p, lit) && fold_eq4(t.p + n - 4, lit + n - 4);
    for (size_t k = 0; k + 8 < n; k += 8)
        if (!fold_eq8(t.p + k, lit + k))
            return false;
    return fold_eq8(t.p + n - 8, lit + n - 8);
}
#define EQ_WORD(t, lit) eq_word((t), lit, sizeof lit - 1)

/* is_multipart - t starts with "multipart/" (any case) in two loads: a
   bn_str_starts_ci call per part walked cost a byte loop each */
static inline bool is_multipart(bn_str t)
{
    return t.n >= 10 && fold_eq8(t.p, "multipar") && fold_eq4(t.p + 6, "art/");
}

/* type_token - first_token of a Content-Type value, and whether it is a
   valid "type/subtype" (both halves present): the '/' is looked for in the
   same byte loop (a memchr call per part cost more than the type's bytes) */
static inline bn_str type_token(bn_str v, bool *valid)
{
    size_t i = 0, st, sl = SIZE_MAX;
    *valid = false;
    if (!v.n)
        return BN_STR_NULL;
    while (i < v.n && token_class[(unsigned char)v.p[i]] == TK_SKIP)
        i++;
    st = i;
    for (; i < v.n && !token_class[(unsigned char)v.p[i]]; i++)
        if (v.p[i] == '/' && sl == SIZE_MAX)
            sl = i;
    *valid = sl != SIZE_MAX && sl > st && sl + 1 < i;
    return bn_str_make(v.p + st, i - st);
}

/* parse_cte - the transfer encoding named by a Content-Transfer-Encoding value */
static bn_cte parse_cte(bn_str v)
{
    bn_str t = first_token(v);
    if (!t.n || EQ_WORD(t, "7bit") || EQ_WORD(t, "8bit") || EQ_WORD(t, "binary"))
        return BN_CTE_NONE;
    if (EQ_WORD(t, "base64"))
        return BN_CTE_BASE64;
    if (EQ_WORD(t, "quoted-printable"))
        return BN_CTE_QP;
    return BN_CTE_OTHER;
}

/* content_prefix - the 8 bytes at p are "content-" in any case: one
   compare, the case bit folded on the seven letters only (so no byte but
   'C' or 'c' passes for 'c', and only '-' for '-'); the byte loop cost ~10
   instructions a byte on every field of every part */
static bool content_prefix(const char *p)
{
    static const unsigned char fold[8] = {0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0};
    uint64_t w, f, lit;
    memcpy(&w, p, 8);
    memcpy(&f, fold, 8);
    memcpy(&lit, "content-", 8);
    return (w | f) == lit;
}

/* mime_field - 1, 2 or 3 for Content-Type, -Transfer-Encoding,
   -Disposition (any case), 0 for any other name; the length picks the
   one suffix worth comparing */
static int mime_field(bn_str n)
{
    /* the first letter first: 'c' starts few names, while half of them are
       12 bytes or longer (a length test first mispredicted often) */
    if (!n.n || (n.p[0] | 0x20) != 'c' || n.n < 12 || !content_prefix(n.p))
        return 0;
    bn_str t = bn_str_make(n.p + 8, n.n - 8);
    if (t.n == 4)
        return EQ_WORD(t, "type") ? 1 : 0;
    if (t.n == 17)
        return EQ_WORD(t, "transfer-encoding") ? 2 : 0;
    if (t.n == 11)
        return EQ_WORD(t, "disposition") ? 3 : 0;
    return 0;
}

/* find_mime_fields - Content-Type, -Transfer-Encoding, -Disposition in one
   pass (the first of each) */
static void find_mime_fields(const bn_headers *h, bn_str *ct, bn_str *cte, bn_str *cd)
{
    bn_str *slot[4] = {NULL, ct, cte, cd};
    bool got[4] = {false, false, false, false};
    *ct = *cte = *cd = BN_STR_NULL;
    for (size_t i = 0; i < h->n; i++) {
        int k = mime_field(h->v[i].name);
        if (k && !got[k]) {
            *slot[k] = h->v[i].value;
            got[k] = true;
        }
    }
}

/* read_type - fill the part's type, charset, boundary, report-type, cte */
static void read_type(bn_msg *msg, bn_part *pt, bn_str deftype)
{
    bn_str ct, cte, cd;
    find_mime_fields(&pt->hdrs, &ct, &cte, &cd);
    bool valid;
    bn_str t = type_token(ct, &valid);
    if (valid) {
        pt->type = lower_span(msg, t);
    } else {
        if (ct.n)
            msg->anomalies |= BN_ANOM_BAD_HEADER; /* RFC 2045 5.2: use the default */
        pt->type = deftype;
    }
    pt->cte = parse_cte(cte);
    pt->is_attachment = EQ_WORD(first_token(cd), "attachment");
    if (!ct.n || !valid)
        return;
    pt->ctype = ct;
    bool multi = is_multipart(pt->type);
    /* the charset waits for bn_part_charset(): most parts' text is never
       asked for (the returned original's, message/rfc822's...). RFC 2231
       values ('*') are read now: a bad charset in one is an anomaly. */
    if (!multi && !memchr(ct.p, '*', ct.n))
        return;
    /* one pass over the parameters for the ones this type needs */
    static const char *const names[] = {"charset", "boundary", "report-type"};
    bool report = multi && bn_part_is(pt, "multipart/report");
    bn_str v[3];
    bn_params_get(msg, ct, names, v, report ? 3 : multi ? 2 : 1);
    pt->charset = v[0];
    pt->charset_done = true;
    if (multi)
        pt->boundary = v[1];
    if (report)
        pt->report_type = lower_span(msg, bn_str_trim(v[2]));
}

/* ---- boundary lines ---- */

/*
 * dashes - the line starts beginning with "--" that a multipart's scan met
 * in the range of the child it is about to parse. The child's own
 * multiparts (a returned original's, nested ones) take their candidates
 * from here instead of scanning those bytes again: a quarter of the bytes
 * the boundary scan read were read twice or more. At most DASH_MAX are
 * kept, on the stack (no allocation that could fail or count against the
 * arena's cap); past that the rest of the range is not covered.
 */
#define DASH_MAX 64
typedef struct dashes {
    uintptr_t lo, hi;  /* every candidate line start in (lo, hi) is in pos */
    size_t n;
    uintptr_t full_at; /* the first candidate not kept (0: none) */
    const char *pos[DASH_MAX]; /* ascending */
} dashes;

typedef struct lcur {
    const char *s;
    size_t n;
    size_t lf, cr; /* next LF / CR at or after the last query (n if none) */
    bool avx2;     /* the CPU has AVX2 (next_dash_line) */
    const dashes *use; /* candidates to read instead of scanning, or NULL */
    size_t k;          /* use->pos[k] is the next one not yet passed */
    dashes *rec;       /* where to record the candidates met, or NULL */
    size_t last;       /* where next_delim's last walk stopped */
} lcur;

#define LCUR_UNKNOWN SIZE_MAX /* lf / cr not searched for yet */

/* lcur_init - a line cursor over s[0..n); eol_at() searches when first
   asked (parse_multipart's cursor never asks: searching at once cost two
   memchr over each multipart body, one of them for a CR that LF-only mail
   never has) */
static void lcur_init(lcur *c, const char *s, size_t n)
{
    c->s = s;
    c->n = n;
    c->lf = c->cr = LCUR_UNKNOWN;
    c->use = NULL;
    c->rec = NULL;
    c->k = 0;
#if defined(MIME_AVX2)
    c->avx2 = n >= 64 && __builtin_cpu_supports("avx2");
#else
    c->avx2 = false;
#endif
}

/* eol_at - index of the first CR or LF at or after i (n if none); i never decreases */
static size_t eol_at(lcur *c, size_t i)
{
    if (c->lf < i || c->lf == LCUR_UNKNOWN) {
        const char *q = i < c->n ? memchr(c->s + i, '\n', c->n - i) : NULL;
        c->lf = q ? (size_t)(q - c->s) : c->n;
    }
    if (c->cr < i || c->cr == LCUR_UNKNOWN) {
        const char *q = i < c->n ? memchr(c->s + i, '\r', c->n - i) : NULL;
        c->cr = q ? (size_t)(q - c->s) : c->n;
    }
    return c->lf < c->cr ? c->lf : c->cr;
}

/* after_eol - start of the next line after the line end at e */
static size_t after_eol(const lcur *c, size_t e)
{
    if (e >= c->n)
        return c->n;
    return e + 1 + (c->s[e] == '\r' && e + 1 < c->n && c->s[e + 1] == '\n');
}

typedef struct delim {
    size_t start; /* where the delimiter line begins */
    size_t next;  /* where the line after it begins */
    bool close;   /* "--boundary--" */
} delim;

/* is_delim - the line [i, e) is "--B" or "--B--", plus trailing whitespace */
static bool is_delim(const char *s, size_t i, size_t e, bn_str b, bool *close)
{
    if (e - i < b.n + 2 || s[i] != '-' || s[i + 1] != '-' || memcmp(s + i + 2, b.p, b.n) != 0)
        return false;
    size_t j = i + 2 + b.n;
    *close = j + 1 < e && s[j] == '-' && s[j + 1] == '-';
    if (*close)
        j += 2;
    while (j < e && bn_is_space((unsigned char)s[j]))
        j++;
    return j == e;
}

/* dash_after - s[j] ends a line and the next one starts with "--" */
static inline bool dash_after(const char *s, size_t n, size_t j)
{
    return (s[j] == '\n' || s[j] == '\r') && j + 2 < n && s[j + 1] == '-' && s[j + 2] == '-';
}

#if defined(MIME_AVX2)
/* eol_dash32 - bit k: byte k of the 32 at p is CR or LF (*eols), or '-' */
__attribute__((target("avx2"))) static inline uint32_t eol_dash32(const char *p, uint32_t *eols)
{
    const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
    const __m256i dash = _mm256_set1_epi8('-');
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i eol = _mm256_or_si256(_mm256_cmpeq_epi8(v, lf), _mm256_cmpeq_epi8(v, cr));
    *eols = (uint32_t)_mm256_movemask_epi8(eol);
    return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, dash));
}

/* eol_dash_mask - eol_dash32 over 64 bytes */
__attribute__((target("avx2"))) static inline uint64_t eol_dash_mask(const char *p,
                                                                     uint64_t *eols)
{
    uint32_t e0, e1;
    uint64_t d = eol_dash32(p, &e0) | (uint64_t)eol_dash32(p + 32, &e1) << 32;
    *eols = e0 | (uint64_t)e1 << 32;
    return d;
}

/* dash_avx2 - from j, the first line end followed by '-' (a candidate for
   next_dash_line), 64 positions a loop while 64 bytes are left: true and
   *at = the line end, or false and *at = where the byte loops go on. One
   load per 32 bytes: the line-end bits shifted by one meet the dash bits
   of the byte after (a line end at a block's end carries over), instead
   of a second, unaligned load of the bytes after. */
__attribute__((target("avx2"))) static bool dash_avx2(const char *s, size_t j, size_t n,
                                                        size_t *at)
{
    uint64_t carry = 0; /* the byte before the block ends a line */
    for (; j + 64 <= n; j += 64) {
        uint64_t eols, hit = eol_dash_mask(s + j, &eols);
        hit &= eols << 1 | carry;
        if (hit) {
            *at = j + (size_t)__builtin_ctzll(hit) - 1;
            return true;
        }
        carry = eols >> 63;
    }
    *at = j - carry;
    return false;
}
#endif

/* dash_sse2 - next_dash_line 16 positions at a time, as dash_avx2 */
static size_t dash_sse2(const char *s, size_t j, size_t n)
{
#if defined(__SSE2__)
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), dash = _mm_set1_epi8('-');
    for (; j + 18 <= n; j += 16) {
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(s + j + 1));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(s + j + 2));
        __m128i eol = _mm_or_si128(_mm_cmpeq_epi8(v0, lf), _mm_cmpeq_epi8(v0, cr));
        __m128i dd = _mm_and_si128(_mm_cmpeq_epi8(v1, dash), _mm_cmpeq_epi8(v2, dash));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(eol, dd));
        if (m)
            return j + (size_t)__builtin_ctz(m);
    }
#endif
    (void)s;
    (void)n;
    return j;
}

/* next_dash_line - the first j >= from where a line ends and the next one
   starts with "--" (n if none): only such lines can be delimiters */
static size_t next_dash_line(const lcur *c, size_t j)
{
#if defined(MIME_AVX2)
    while (c->avx2 && dash_avx2(c->s, j, c->n, &j)) {
        if (dash_after(c->s, c->n, j))
            return j;
        j++; /* one dash only */
    }
#endif
    j = dash_sse2(c->s, j, c->n);
    for (; j + 2 < c->n; j++)
        if (dash_after(c->s, c->n, j))
            return j;
    return c->n;
}

/* dash_record - keep the candidate line start s + at in c->rec */
static void dash_record(lcur *c, size_t at)
{
    dashes *r = c->rec;
    if (r->full_at)
        return;
    if (r->n == DASH_MAX)
        r->full_at = (uintptr_t)(c->s + at);
    else
        r->pos[r->n++] = c->s + at;
}

/* dash_cached - next_dash_line(c, at) + 1 from c->use: the first kept line
   start after at whose "--" lies inside the cursor's range, n + 1 if none */
static size_t dash_cached(lcur *c, size_t at)
{
    const dashes *u = c->use;
    while (c->k < u->n && u->pos[c->k] <= c->s + at)
        c->k++;
    if (c->k < u->n && (size_t)(u->pos[c->k] - c->s) + 1 < c->n)
        return (size_t)(u->pos[c->k] - c->s);
    return c->n + 1;
}

/* next_candidate - the next line start after at that starts with "--"
   (n + 1 if none): scanned (and recorded) or read from c->use */
static size_t next_candidate(lcur *c, size_t at)
{
    if (c->use)
        return dash_cached(c, at);
    size_t l = next_dash_line(c, at) + 1;
    if (c->rec && l < c->n)
        dash_record(c, l);
    return l;
}

/*
 * next_delim - the first delimiter line starting at a line start >= i
 * (a line start). Only lines that start with "--" are looked at, found 64
 * (AVX2) or 16 positions a loop: memmem on "--boundary" cost a table
 * set-up per call and nearly an instruction per byte, a fifth of the MIME
 * walk. Each such line is checked once, so the work stays linear whatever
 * the boundary.
 */
static bool next_delim(lcur *c, size_t i, bn_str b, delim *d)
{
    size_t at = i;
    while (at < c->n && c->n - at >= b.n + 2) {
        if (c->s[at] == '-') {
            const char *eol = bn_mem_eol(c->s + at, c->n - at);
            size_t e = eol ? (size_t)(eol - c->s) : c->n;
            if (is_delim(c->s, at, e, b, &d->close)) {
                d->start = at;
                d->next = after_eol(c, e);
                c->last = at;
                return true;
            }
        }
        at = next_candidate(c, at); /* past the line end: n + 1 when none */
    }
    c->last = at;
    return false;
}

/* dash_covers - the candidates of u cover the whole of body (same bytes) */
static bool dash_covers(const dashes *u, bn_str body)
{
    uintptr_t p = (uintptr_t)body.p;
    return u && p >= u->lo && u->hi >= p && body.n <= u->hi - p;
}

/* dash_start - start recording into r for the walk from i */
static void dash_start(lcur *c, dashes *r, size_t i)
{
    r->n = 0;
    r->full_at = 0;
    r->lo = (uintptr_t)(c->s + i);
    c->rec = r;
}

/* dash_end - close the recording: everything met up to where the walk stopped */
static void dash_end(lcur *c, dashes *r)
{
    size_t hi = c->last < c->n ? c->last + 1 : c->n;
    r->hi = (uintptr_t)(c->s + hi);
    if (r->full_at && r->full_at < r->hi)
        r->hi = r->full_at;
    c->rec = NULL;
}

/* body_end - end of a part that stops before the delimiter at d: its line end goes */
static size_t body_end(const char *s, size_t start, size_t d)
{
    if (d > start && s[d - 1] == '\n')
        d--;
    if (d > start && s[d - 1] == '\r')
        d--;
    return d;
}

/* guess_boundary - a multipart without boundary: the first "--x" line names it */
static bn_str guess_boundary(bn_str body)
{
    lcur c;
    lcur_init(&c, body.p, body.n);
    for (size_t i = 0; i < body.n;) {
        size_t e = eol_at(&c, i);
        bn_str line = bn_str_trim(bn_str_make(body.p + i, e - i));
        if (line.n > 2 && line.n - 2 <= BOUNDARY_MAX && line.p[0] == '-' && line.p[1] == '-')
            return bn_str_make(line.p + 2, line.n - 2);
        if (line.n)
            return BN_STR_NULL; /* text first: not a multipart after all */
        i = after_eol(&c, e);
    }
    return BN_STR_NULL;
}

/* ---- the walk ---- */

static size_t skip_prologue(const char *p, size_t n);

/* skip_blank_lines - length of the empty lines at the start of p */
static size_t skip_blank_lines(const char *p, size_t n)
{
    size_t i = 0, line = 0;
    while (i < n && (p[i] == '\r' || p[i] == '\n' || p[i] == ' ' || p[i] == '\t')) {
        i++;
        if (p[i - 1] == '\r' || p[i - 1] == '\n')
            line = i; /* whitespace on a line of its own goes too, not the next line's */
    }
    return line;
}

static int parse_entity(bn_msg *msg, const char *p, size_t n, int parent, unsigned depth,
                        bn_str deftype, bool headers_only, const dashes *dc);

/* new_part - append a zeroed part; its index, or a negative error */
static int new_part(bn_msg *msg)
{
    unsigned max = msg->opts ? msg->opts->max_mime_parts : 1000;
    if (msg->nparts >= max) {
        msg->anomalies |= BN_ANOM_MIME_PARTS;
        return BN_ETOOBIG;
    }
    if (msg->nparts == msg->parts_cap) {
        size_t nc = msg->parts_cap ? msg->parts_cap * 2 : 16;
        if (nc > max)
            nc = max;
        bn_part *np = bn_arena_grow(msg->arena, msg->parts, msg->parts_cap * sizeof *np,
                                    nc * sizeof *np);
        if (!np)
            return BN_ENOMEM;
        msg->parts = np;
        msg->parts_cap = nc;
    }
    static const bn_part blank; /* copied in vector stores: memset was a rep stos (slow to start) */
    msg->parts[msg->nparts] = blank;
    return (int)msg->nparts++;
}

/* depth_ok - a child at depth d is allowed; flags the anomaly otherwise */
static bool depth_ok(bn_msg *msg, unsigned d)
{
    unsigned max = msg->opts ? msg->opts->max_mime_depth : 32;
    if (max > MIME_DEPTH_HARD)
        max = MIME_DEPTH_HARD;
    if (d <= max)
        return true;
    msg->anomalies |= BN_ANOM_MIME_DEPTH;
    return false;
}

/* content - what a container part holds: decoded when (wrongly) encoded */
static bn_str content(bn_msg *msg, int idx)
{
    bn_part *pt = &msg->parts[idx];
    if (pt->cte == BN_CTE_BASE64 || pt->cte == BN_CTE_QP)
        return bn_part_body(msg, pt);
    return pt->body_raw;
}

/* parse_multipart - split part idx on its boundary and parse the children;
   dc: candidates recorded by an enclosing multipart (may cover this body) */
static int parse_multipart(bn_msg *msg, int idx, const dashes *dc)
{
    bn_part *pt = &msg->parts[idx];
    unsigned depth = pt->depth;
    bn_str b = pt->boundary, body = content(msg, idx);
    bn_str deftype = bn_part_is(pt, "multipart/digest") ? BN_STR("message/rfc822")
                                                        : BN_STR("text/plain");
    if (!b.n || b.n > BOUNDARY_MAX) {
        b = guess_boundary(body);
        msg->anomalies |= BN_ANOM_BAD_HEADER;
        if (!b.n)
            return BN_OK;
    }
    lcur c;
    delim d, nd;
    dashes mine; /* filled by dash_start before any use */
    lcur_init(&c, body.p, body.n);
    if (dash_covers(dc, body))
        c.use = dc;
    if (!next_delim(&c, 0, b, &d)) {
        msg->anomalies |= BN_ANOM_NO_CLOSE_BOUNDARY;
        return BN_OK; /* no part at all: the body stays a leaf */
    }
    while (!d.close) {
        bool rec = !c.use;
        if (rec)
            dash_start(&c, &mine, d.next);
        bool found = next_delim(&c, d.next, b, &nd);
        size_t end = found ? body_end(body.p, d.next, nd.start) : body.n;
        if (rec)
            dash_end(&c, &mine);
        if (!found)
            msg->anomalies |= BN_ANOM_NO_CLOSE_BOUNDARY;
        int r = parse_entity(msg, body.p + d.next, end - d.next, idx, depth + 1, deftype, false,
                             c.use ? c.use : rec ? &mine : NULL);
        if (r == BN_ENOMEM)
            return r;
        if (r < 0 || !found)
            break; /* part limit: the rest is not walked */
        d = nd;
    }
    return BN_OK;
}

/* is_nested - the part holds a message (or its header) to parse; *hdr_only */
static bool is_nested(const bn_part *pt, bool *hdr_only)
{
    *hdr_only = bn_part_is(pt, "text/rfc822-headers") || bn_part_is(pt, "message/rfc822-headers") ||
                bn_part_is(pt, "message/global-headers");
    return *hdr_only || bn_part_is(pt, "message/rfc822") || bn_part_is(pt, "message/global");
}

/* descend - parse what part idx contains: child parts or a nested message */
static int descend(bn_msg *msg, int idx, const dashes *dc)
{
    bn_part *pt = &msg->parts[idx];
    bool hdr_only;
    if (is_multipart(pt->type)) {
        if (!depth_ok(msg, pt->depth + 1))
            return BN_OK;
        return parse_multipart(msg, idx, dc);
    }
    if (is_nested(pt, &hdr_only)) {
        unsigned depth = pt->depth;
        bn_str body = content(msg, idx);
        size_t skip = skip_blank_lines(body.p, body.n); /* some MTAs put one first */
        skip += skip_prologue(body.p + skip, body.n - skip);
        body.p += skip;
        body.n -= skip;
        if (!body.n || !depth_ok(msg, depth + 1))
            return BN_OK;
        int r = parse_entity(msg, body.p, body.n, idx, depth + 1, BN_STR("text/plain"), hdr_only,
                             dc);
        return r == BN_ENOMEM ? r : BN_OK;
    }
    return BN_OK;
}

/* parse_entity - headers, type and contents of one entity; its index or error */
static int parse_entity(bn_msg *msg, const char *p, size_t n, int parent, unsigned depth,
                        bn_str deftype, bool headers_only, const dashes *dc)
{
    int idx = new_part(msg);
    if (idx < 0)
        return idx;
    bn_headers h;
    size_t used;
    if (bn_headers_parse(msg, p, n, &h, &used) != BN_OK)
        return BN_ENOMEM;
    bn_part *pt = &msg->parts[idx];
    pt->hdrs = h;
    pt->parent = parent;
    pt->depth = depth;
    pt->body_raw = bn_str_make(p + used, n - used);
    read_type(msg, pt, deftype);
    if (headers_only)
        return idx;
    int r = descend(msg, idx, dc);
    return r < 0 ? r : idx;
}

/*
 * bn_msg_parse_entity - parse p[0..n) as one entity (headers and body)
 * appended to msg->parts as a child of parent (-1: a new top). Returns the
 * new part's index, BN_ETOOBIG past max_mime_parts, or BN_ENOMEM.
 */
int bn_msg_parse_entity(bn_msg *msg, const char *p, size_t n, int parent)
{
    unsigned depth = 0;
    if (parent >= 0 && (size_t)parent < msg->nparts) {
        depth = msg->parts[parent].depth + 1;
        if (!depth_ok(msg, depth))
            return BN_ETOOBIG;
    } else {
        parent = -1;
    }
    return parse_entity(msg, p, n, parent, depth, BN_STR("text/plain"), false, NULL);
}

/* skip_prologue - length of a UTF-8 BOM and an mbox "From " line at the start */
static size_t skip_prologue(const char *p, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    if (n - i >= 5 && memcmp(p + i, "From ", 5) == 0) {
        lcur c;
        lcur_init(&c, p, n);
        i = after_eol(&c, eol_at(&c, i));
    }
    return i;
}

/* nul_unseen - a NUL in buf[0..len) where the top header block's scan,
   which notes NULs itself, did not look: the prologue and the body (a
   memchr over the whole message was a pass over the header block for
   nothing) */
static bool nul_unseen(const bn_msg *msg, const char *buf, size_t len, size_t skip)
{
    if (msg->nparts == 0)
        return len && memchr(buf, 0, len);
    bn_str body = msg->parts[0].body_raw;
    return (skip && memchr(buf, 0, skip)) || (body.n && memchr(body.p, 0, body.n));
}

/*
 * bn_msg_parse - split buf into headers and MIME parts. Returns BN_OK,
 * BN_EFORMAT when buf has no header block at all, or BN_ENOMEM.
 */
int bn_msg_parse(bn_msg *msg, const char *buf, size_t len)
{
    msg->buf = buf;
    msg->parts = NULL;
    msg->nparts = msg->parts_cap = 0;
    msg->decoded_total = 0;
    msg->anomalies = 0;
    if (msg->opts && len > msg->opts->max_message_size) {
        len = msg->opts->max_message_size;
        msg->anomalies |= BN_ANOM_TRUNCATED;
    }
    msg->len = len;
    size_t skip = skip_prologue(buf, len);
    int r = parse_entity(msg, buf + skip, len - skip, -1, 0, BN_STR("text/plain"), false, NULL);
    if (r == BN_ENOMEM)
        return r;
    if (nul_unseen(msg, buf, len, skip))
        msg->anomalies |= BN_ANOM_NUL;
    if (msg->nparts == 0 || msg->parts[0].hdrs.n == 0)
        return BN_EFORMAT;
    return BN_OK;
}

/* bn_part_body - transfer-decoded body (base64/QP); the raw body otherwise */
bn_str bn_part_body(bn_msg *msg, bn_part *part)
{
    if (part->decoded_done)
        return part->decoded;
    bn_str in = part->body_raw;
    bool bad = false;
    part->decoded = in;
    if (part->cte == BN_CTE_BASE64 || part->cte == BN_CTE_QP) {
        size_t room = bn_decoded_room(msg);
        if (in.n > room) { /* output never exceeds input: cutting input is enough */
            in.n = room;
            msg->anomalies |= BN_ANOM_DECODE_LIMIT;
        }
        if (part->cte == BN_CTE_BASE64)
            part->decoded = bn_decode_base64(msg->arena, in.p, in.n, &bad);
        else
            part->decoded = bn_decode_qp(msg->arena, in.p, in.n, &bad);
        if (bad)
            msg->anomalies |= part->cte == BN_CTE_BASE64 ? BN_ANOM_BAD_BASE64 : BN_ANOM_BAD_QP;
        if (!part->decoded.p && in.n)
            msg->anomalies |= BN_ANOM_DECODE_LIMIT; /* the arena refused */
        bn_decoded_add(msg, part->decoded.n);
    }
    part->decoded_done = true;
    return part->decoded;
}

/* bn_part_charset - the part's charset parameter as written, or empty */
bn_str bn_part_charset(bn_msg *msg, bn_part *part)
{
    if (!part->charset_done) {
        part->charset = part->ctype.n ? bn_param_get(msg, part->ctype, "charset") : BN_STR_NULL;
        part->charset_done = true;
    }
    return part->charset;
}

/* bn_part_text - decoded body converted to UTF-8 from the part's charset */
bn_str bn_part_text(bn_msg *msg, bn_part *part)
{
    if (part->text_done)
        return part->text;
    bn_str body = bn_part_body(msg, part);
    part->text = bn_to_utf8(msg, bn_part_charset(msg, part), body, NULL);
    part->text_done = true;
    return part->text;
}
