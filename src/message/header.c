/*
 * header.c - RFC 5322 header blocks: splitting, lookup, unfolding
 *
 * A header block is scanned once, byte by byte through a class table
 * (picohttpparser style): line ends are LF, CRLF or a bare CR; NUL and
 * 8-bit bytes are noted on the way. Fields are spans into the input; the
 * array of fields lives in the arena. The block ends at the first empty
 * line, at the end of the input, or at a non-header line with no header
 * line among the next few (the body began without its empty line). A
 * non-header line with headers after it is a fold that lost its leading
 * blank: it joins the field before it.
 */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "core/str.h"
#include "message/message.h"
#include "message/msg_priv.h"

enum { HC_CR = 1, HC_LF = 2, HC_NUL = 4, HC_8BIT = 8 };

/* the per-line helpers: inlined into both copies of headers_loop */
#define HDR_INLINE static inline __attribute__((always_inline))

#define H8 HC_8BIT, HC_8BIT, HC_8BIT, HC_8BIT, HC_8BIT, HC_8BIT, HC_8BIT, HC_8BIT
#define H16 H8, H8
/* byte classes of the line scanner: 0 for ordinary bytes */
static const unsigned char hclass[256] = {
    [0] = HC_NUL, ['\n'] = HC_LF, ['\r'] = HC_CR,
    [0x80] = H16, H16, H16, H16, H16, H16, H16, H16,
};
#undef H8
#undef H16

/* field-name bytes: printable ASCII except ':' (RFC 5322 ftext) */
static bool is_ftext(unsigned char c)
{
    return c > 32 && c < 127 && c != ':';
}

typedef struct hscan {
    const unsigned char *s;
    size_t n;
    unsigned seen; /* HC_NUL | HC_8BIT met so far */
    bool avx2;     /* the CPU has AVX2 */
} hscan;

#if defined(__x86_64__) && defined(__GNUC__)
#define HDR_AVX2 1
#define HK32(c) c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, \
                c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c
enum { HK_CR, HK_LF, HK_SP, HK_DEL, HK_COLON };
/* line_masks_avx2's constants, read from memory as operands: built in
   registers, GCC rebuilt them (three instructions each) on every line, as
   the hb_grow call in the loop clobbers the vector registers */
static const unsigned char hk_table[5][32] __attribute__((aligned(32))) = {
    {HK32('\r')}, {HK32('\n')}, {HK32(32)}, {HK32(127)}, {HK32(':')},
};
#undef HK32

/* hk - constant k of hk_table; the empty asm hides the table's contents
   from GCC, which would fold the load back into a rebuilt constant */
__attribute__((target("avx2"))) static inline __m256i hk(int k)
{
    const unsigned char(*t)[32] = hk_table;
    __asm__("" : "+r"(t));
    return _mm256_load_si256((const __m256i *)(const void *)t[k]);
}

/* special_avx2 - from i, the first byte that is CR, LF, NUL or 8-bit, 32 at
   a time (a header line is 40-60 bytes: half the iterations of SSE2);
   stops short of the last 31 bytes */
__attribute__((target("avx2"))) static inline size_t special_avx2(const unsigned char *s,
                                                                    size_t i, size_t n)
{
    const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
    const __m256i nul = _mm256_setzero_si256();
    for (; i + 32 <= n; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
        __m256i hit = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, cr),
                                                      _mm256_cmpeq_epi8(v, lf)),
                                      _mm256_cmpeq_epi8(v, nul));
        unsigned m = (unsigned)_mm256_movemask_epi8(hit) | (unsigned)_mm256_movemask_epi8(v);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
    return i;
}
#endif

/* plain8 - none of the 8 bytes at p is a control below 0x0E or 8-bit */
static inline bool plain8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    return !(((w - ones * 0x0E) & ~w & high) | (w & high));
}

/* plain16_end - from i, the first byte that is CR, LF, NUL or 8-bit, 16 at
   a time with SSE2 (tabs, which plain8 stops at, are in every folded
   Received field); stops short of the last 15 bytes */
static size_t plain16_end(const hscan *h, size_t i)
{
#if defined(__SSE2__)
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n'), nul = _mm_setzero_si128();
    for (; i + 16 <= h->n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(h->s + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)),
                                   _mm_cmpeq_epi8(v, nul));
        unsigned m = (unsigned)(_mm_movemask_epi8(hit) | _mm_movemask_epi8(v));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    return i;
}

/* line_end - index of the line end at or after i (n if none); notes NUL/8-bit */
HDR_INLINE size_t line_end(hscan *h, size_t i)
{
    for (;;) {
#if defined(HDR_AVX2)
        if (h->avx2) {
            i = special_avx2(h->s, i, h->n);
            if (i < h->n && (hclass[h->s[i]] & (HC_CR | HC_LF)))
                return i; /* the usual end: no tail loop to run */
        }
#endif
        i = plain16_end(h, i);
        while (i + 8 <= h->n && plain8(h->s + i)) /* a word at a time */
            i += 8;
        while (i < h->n && !hclass[h->s[i]])
            i++;
        if (i >= h->n || (hclass[h->s[i]] & (HC_CR | HC_LF)))
            return i;
        h->seen |= hclass[h->s[i]];
        i++;
    }
}

/* next_line - start of the line after the line end at e */
static size_t next_line(const hscan *h, size_t e)
{
    if (e >= h->n)
        return h->n;
    if (h->s[e] == '\r' && e + 1 < h->n && h->s[e + 1] == '\n')
        return e + 2;
    return e + 1;
}

/* ftext_end - the first byte from i on that is no field-name byte, at most
   e; 16 at a time with SSE2 (the byte loop was a quarter of the header parse) */
static size_t ftext_end(const hscan *h, size_t i, size_t e)
{
#if defined(__SSE2__)
    const __m128i sp = _mm_set1_epi8(32), del = _mm_set1_epi8(127), colon = _mm_set1_epi8(':');
    for (; i + 16 <= h->n && i < e; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(h->s + i));
        /* signed compares: bytes >= 0x80 are negative, so not above 32 */
        __m128i ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, colon),
                                      _mm_and_si128(_mm_cmpgt_epi8(v, sp), _mm_cmplt_epi8(v, del)));
        unsigned m = (unsigned)_mm_movemask_epi8(ok) ^ 0xFFFFu;
        if (m) {
            i += (size_t)__builtin_ctz(m);
            return i < e ? i : e;
        }
    }
#endif
    while (i < e && is_ftext(h->s[i]))
        i++;
    return i < e ? i : e;
}

#if defined(HDR_AVX2)
/* line_masks_avx2 - for the 32 bytes at p: bit k of *stop = byte k is CR,
   LF, NUL or 8-bit; the result's bit k = byte k is no field-name byte */
__attribute__((target("avx2"))) static inline unsigned line_masks_avx2(const unsigned char *p,
                                                                       unsigned *stop)
{
    const __m256i cr = hk(HK_CR), lf = hk(HK_LF);
    const __m256i sp = hk(HK_SP), del = hk(HK_DEL);
    const __m256i colon = hk(HK_COLON);
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i hit = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, cr),
                                                  _mm256_cmpeq_epi8(v, lf)),
                                  _mm256_cmpeq_epi8(v, _mm256_setzero_si256()));
    *stop = (unsigned)_mm256_movemask_epi8(hit) | (unsigned)_mm256_movemask_epi8(v);
    /* signed compares: bytes >= 0x80 are negative, so not above 32 */
    __m256i ok = _mm256_andnot_si256(
        _mm256_cmpeq_epi8(v, colon),
        _mm256_and_si256(_mm256_cmpgt_epi8(v, sp), _mm256_cmpgt_epi8(del, v)));
    return ~(unsigned)_mm256_movemask_epi8(ok);
}
#endif

/*
 * line_scan - line_end(h, i), and *name = ftext_end(h, i, e) when one
 * 32-byte load at the line start shows both (a line of under 32 bytes, or
 * a longer one's name): one load a line instead of one for the end and
 * one for the name. *name is SIZE_MAX when left to ftext_end.
 */
HDR_INLINE size_t line_scan(hscan *h, size_t i, size_t *name)
{
    *name = SIZE_MAX;
#if defined(HDR_AVX2)
    if (h->avx2 && i + 32 <= h->n) {
        unsigned stop, nf = line_masks_avx2(h->s + i, &stop);
        if (nf) /* CR and LF are no name bytes: the name ends at or before e */
            *name = i + (size_t)__builtin_ctz(nf);
        if (stop && (hclass[h->s[i + (size_t)__builtin_ctz(stop)]] & (HC_CR | HC_LF)))
            return i + (size_t)__builtin_ctz(stop);
        if (!stop) /* no line end, NUL or 8-bit byte in these 32 */
            return line_end(h, i + 32);
    }
#endif
    return line_end(h, i);
}

/* field_colon - index of the colon if the line at i starts a field, else 0;
   name: where its name ends (ftext_end), SIZE_MAX when not known yet;
   *nend: where it ends, without the WSP before the colon */
HDR_INLINE size_t field_colon(const hscan *h, size_t i, size_t e, size_t name, size_t *nend)
{
    size_t j = name != SIZE_MAX ? (name < e ? name : e) : ftext_end(h, i, e);
    if (j == i)
        return 0;
    size_t k = j;
    while (k < e && bn_is_wsp(h->s[k])) /* obsolete "Name :" */
        k++;
    *nend = j; /* only WSP between the name and the colon */
    return k < e && h->s[k] == ':' ? k : 0;
}

typedef struct hblock {
    bn_msg *msg;
    bn_header *v;
    size_t n, cap;
    size_t max_n, max_size;
    bool dropping; /* past max_headers: fields (and folds) are skipped */
    int err;
} hblock;

/* hb_grow - room for more fields; false when the arena refused */
static bool hb_grow(hblock *b)
{
    size_t nc = b->cap ? b->cap * 2 : 32;
    if (nc > b->max_n)
        nc = b->max_n;
    bn_header *nv = bn_arena_grow(b->msg->arena, b->v, b->cap * sizeof *nv, nc * sizeof *nv);
    if (!nv) {
        b->err = BN_ENOMEM;
        b->dropping = true;
        return false;
    }
    b->v = nv;
    b->cap = nc;
    return true;
}

/* hb_cap - the length of a value of len bytes, cut at max_size (flagged) */
HDR_INLINE size_t hb_cap(hblock *b, size_t len)
{
    if (len > b->max_size) {
        len = b->max_size;
        b->msg->anomalies |= BN_ANOM_HEADER_LIMIT;
    }
    return len;
}

/* hb_add - append the field name: value..end (value and hb_extend in
   one: the second call re-tested what the first had just set) */
HDR_INLINE void hb_add(hblock *b, bn_str name, const char *value, const char *end)
{
    if (b->n >= b->max_n) {
        b->msg->anomalies |= BN_ANOM_HEADER_LIMIT;
        b->dropping = true;
        return;
    }
    if (b->n == b->cap && !hb_grow(b))
        return;
    b->v[b->n++] = (bn_header){name, bn_str_make(value, hb_cap(b, (size_t)(end - value)))};
    b->dropping = false;
}

/* hb_extend - let the last field's value run to end (a folded line) */
HDR_INLINE void hb_extend(hblock *b, const char *end)
{
    if (b->dropping || b->n == 0)
        return;
    bn_str *v = &b->v[b->n - 1].value;
    v->n = hb_cap(b, (size_t)(end - v->p));
}

/* hb_field - record the field whose line is [i, e), its name ending at
   nend, its colon at c */
HDR_INLINE void hb_field(hblock *b, const hscan *h, size_t i, size_t nend, size_t c, size_t e)
{
    const char *s = (const char *)h->s;
    size_t v = c + 1;
    while (v < e && bn_is_wsp(h->s[v]))
        v++;
    hb_add(b, bn_str_make(s + i, nend - i), s + v, s + e);
}

#define AHEAD_LINES 32
#define AHEAD_BYTES 8192

/*
 * field_ahead - start of a field line among the next few lines from i,
 * before any empty line; n when there is none. It tells a stray line
 * inside the header block (lost folding, a ">From " line) from the start
 * of a body that lost its empty line. Scans a copy: the bytes looked at
 * may be body, so they must not set the header's NUL/8-bit flags.
 */
static size_t field_ahead(const hscan *h0, size_t i)
{
    hscan h = *h0;
    for (unsigned k = 0; k < AHEAD_LINES && i < h.n; k++) {
        size_t e = line_end(&h, i);
        if (e == i)
            return h.n;
        size_t nend;
        if (!bn_is_wsp(h.s[i]) && field_colon(&h, i, e, SIZE_MAX, &nend))
            return i;
        if (e - i > AHEAD_BYTES)
            break;
        i = next_line(&h, e);
    }
    return h.n;
}

/*
 * headers_loop - bn_headers_parse's line loop over h (h->avx2 a constant
 * in each copy). Inlined into two callers, one compiled for AVX2, so that
 * special_avx2 and its constants are inlined into the loop: a call per
 * line was a tenth of the header parse.
 */
HDR_INLINE size_t headers_loop(hscan *hp, hblock *b, bool avx2)
{
    hscan h = *hp;
    const char *p = (const char *)h.s;
    size_t n = h.n, i = 0, good_until = 0; /* lines before good_until are inside the block */
    bn_msg *msg = b->msg;
    h.avx2 = avx2;
    while (i < n) {
        unsigned seen0 = h.seen; /* a line that turns out to be body must not count */
        size_t name, e = line_scan(&h, i, &name), nx = next_line(&h, e);
        size_t c, nend;
        if (e == i) { /* the empty line */
            i = nx;
            break;
        }
        if (bn_is_wsp(h.s[i]) && (b->n || b->dropping)) {
            hb_extend(b, p + e);
        } else if (!bn_is_wsp(h.s[i]) && (c = field_colon(&h, i, e, name, &nend))) {
            hb_field(b, &h, i, nend, c, e);
        } else {
            msg->anomalies |= BN_ANOM_BAD_HEADER;
            if (i >= good_until && (good_until = field_ahead(&h, nx)) >= n) {
                h.seen = seen0;
                break; /* the body starts here: no empty line before it */
            }
            hb_extend(b, p + e); /* a fold that lost its blank: keep the text */
        }
        i = nx;
    }
    hp->seen = h.seen;
    return i;
}

#if defined(HDR_AVX2)
/* headers_avx2 - headers_loop compiled for AVX2 */
__attribute__((target("avx2"))) static size_t headers_avx2(hscan *h, hblock *b)
{
    return headers_loop(h, b, true);
}
#endif

/*
 * bn_headers_parse - parse the header block at the start of p[0..n) into
 * *out; *consumed is where the body starts (after the empty line). Returns
 * BN_OK or BN_ENOMEM; bad lines set BN_ANOM_BAD_HEADER and are skipped.
 */
int bn_headers_parse(bn_msg *msg, const char *p, size_t n, bn_headers *out, size_t *consumed)
{
    hscan h = {(const unsigned char *)p, n, 0, false};
    hblock b = {.msg = msg};
    size_t i;
    b.max_n = msg->opts ? msg->opts->max_headers : 2000;
    b.max_size = msg->opts ? msg->opts->max_header_size : 65536;
#if defined(HDR_AVX2)
    if (n >= 64 && __builtin_cpu_supports("avx2"))
        i = headers_avx2(&h, &b);
    else
#endif
        i = headers_loop(&h, &b, false);
    if (h.seen & HC_NUL)
        msg->anomalies |= BN_ANOM_NUL;
    if (h.seen & HC_8BIT)
        msg->anomalies |= BN_ANOM_8BIT_HEADER;
    out->v = b.v;
    out->n = b.n;
    *consumed = i;
    return b.err;
}

/* name_eq - field name equals lit (ASCII case-insensitive) */
static bool name_eq(bn_str name, const char *lit, size_t n)
{
    if (name.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (bn_lc((unsigned char)name.p[i]) != bn_lc((unsigned char)lit[i]))
            return false;
    return true;
}

/* bn_hdr_find_n - raw value of the first header named name[0..n) (case-insensitive) */
bool bn_hdr_find_n(const bn_headers *h, const char *name, size_t n, bn_str *value)
{
    for (size_t i = 0; i < h->n; i++) {
        if (name_eq(h->v[i].name, name, n)) {
            if (value)
                *value = h->v[i].value;
            return true;
        }
    }
    if (value)
        *value = BN_STR_NULL;
    return false;
}

/* is_fold_byte - part of a fold: CR, LF or WSP */
static inline bool is_fold_byte(unsigned char c)
{
    return c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

/* bn_hdr_unfold - the value with folds (CR/LF + WSP) joined to one space, trimmed */
bn_str bn_hdr_unfold(bn_msg *msg, bn_str raw)
{
    bn_str t = bn_str_trim(raw);
    if (!t.n || (!memchr(t.p, '\n', t.n) && !memchr(t.p, '\r', t.n)))
        return t;
    char *o = bn_arena_alloc(msg->arena, t.n);
    size_t k = 0;
    if (!o)
        return t; /* out of memory: the folded value is still readable */
    for (size_t i = 0; i < t.n;) {
        size_t j = i;
        bool eol = false;
        while (j < t.n && is_fold_byte((unsigned char)t.p[j])) {
            eol |= t.p[j] == '\r' || t.p[j] == '\n';
            j++;
        }
        if (j > i && eol) {
            o[k++] = ' ';
        } else if (j > i) {
            memcpy(o + k, t.p + i, j - i);
            k += j - i;
        } else {
            o[k++] = t.p[j++];
        }
        i = j;
    }
    return bn_str_make(o, k);
}

/* special8 - one of the 8 bytes at p is CR, LF, '=' or 8-bit (a byte
   equal to c makes a zero byte of w ^ c; the zero-byte test is exact as to
   whether there is one) */
static inline bool special8(const char *p)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
    uint64_t w, cr, lf, eq;
    memcpy(&w, p, 8);
    cr = w ^ ones * '\r';
    lf = w ^ ones * '\n';
    eq = w ^ ones * '=';
    return ((((cr - ones) & ~cr) | ((lf - ones) & ~lf) | ((eq - ones) & ~eq) | w) & high) != 0;
}

/* plain_ascii - p[0..n) has no CR, LF, '=' or 8-bit byte: unfolding,
   RFC 2047 decoding and the charset conversion all leave it as it is.
   The tail is read in overlapping words (values are 10-60 bytes: a byte
   loop over the last 0-15 cost more than the rest) */
static bool plain_ascii(const char *p, size_t n)
{
    size_t i = 0;
    if (n < 8) {
        for (; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c >= 0x80 || c == '\r' || c == '\n' || c == '=')
                return false;
        }
        return true;
    }
#if defined(__SSE2__)
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n'), eq = _mm_set1_epi8('=');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)),
                                   _mm_cmpeq_epi8(v, eq));
        if (_mm_movemask_epi8(hit) | _mm_movemask_epi8(v))
            return false;
    }
#endif
    for (; i + 8 <= n; i += 8)
        if (special8(p + i))
            return false;
    return i == n || !special8(p + n - 8);
}

/* bn_hdr_get_n - the first header named name[0..n), unfolded, RFC 2047-decoded, trimmed */
bn_str bn_hdr_get_n(bn_msg *msg, const bn_headers *h, const char *name, size_t n)
{
    bn_str raw;
    if (!bn_hdr_find_n(h, name, n, &raw))
        return (bn_str){"", 0};
    bn_str t = bn_str_trim(raw);
    if (t.n && plain_ascii(t.p, t.n))
        return t; /* the usual value: one pass instead of four, and no calls */
    return bn_str_trim(bn_decode_rfc2047(msg, bn_hdr_unfold(msg, raw)));
}
