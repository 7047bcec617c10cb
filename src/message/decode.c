/*
 * decode.c - transfer decodings (base64, quoted-printable) and the capped
 * arena output buffer the message layer writes into
 *
 * Both decoders are tolerant: junk is skipped or kept literally, a flag
 * says so, and the output is never longer than the input, so one arena
 * allocation of the input's size bounds them.
 */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"
#include "message/message.h"
#include "message/msg_priv.h"

/* bn_obuf_init - empty buffer with room for hint bytes (capped at limit) */
void bn_obuf_init(bn_obuf *b, bn_arena *a, size_t hint, size_t limit)
{
    memset(b, 0, sizeof *b);
    b->a = a;
    b->limit = limit;
    if (hint > limit)
        hint = limit;
    if (hint) {
        b->p = bn_arena_alloc(a, hint);
        if (b->p)
            b->cap = hint;
        else
            b->oom = true;
    }
}

/* bn_obuf_reserve - make room for n more bytes; false when impossible */
bool bn_obuf_reserve(bn_obuf *b, size_t n)
{
    if (n <= b->cap - b->n)
        return true;
    if (b->oom)
        return false;
    size_t want = b->n + n < b->n ? SIZE_MAX : b->n + n;
    size_t grow = b->cap > SIZE_MAX / 2 ? SIZE_MAX : b->cap * 2;
    if (grow < want)
        grow = want;
    if (grow > b->limit)
        grow = b->limit;
    if (grow > b->cap) {
        char *np = bn_arena_grow(b->a, b->p, b->cap, grow);
        if (!np) {
            b->oom = true;
            return false;
        }
        b->p = np;
        b->cap = grow;
    }
    return n <= b->cap - b->n;
}

/* bn_obuf_put - append n bytes (cut at the limit) */
void bn_obuf_put(bn_obuf *b, const char *p, size_t n)
{
    if (!n)
        return;
    if (!bn_obuf_reserve(b, n)) {
        b->full = true;
        n = b->cap - b->n;
    }
    if (n) {
        memcpy(b->p + b->n, p, n);
        b->n += n;
    }
}

/* bn_decoded_room - bytes still allowed under opts->max_decoded */
size_t bn_decoded_room(const bn_msg *msg)
{
    size_t max = msg->opts ? msg->opts->max_decoded : SIZE_MAX;
    return msg->decoded_total >= max ? 0 : max - msg->decoded_total;
}

/* bn_decoded_add - count n decoded bytes against the limit */
void bn_decoded_add(bn_msg *msg, size_t n)
{
    msg->decoded_total = msg->decoded_total + n < n ? SIZE_MAX : msg->decoded_total + n;
}

/* ---- base64 ---- */

enum { B64_WS = 64, B64_PAD = 65, B64_JUNK = 66 };

#define J B64_JUNK
#define W B64_WS
/* byte -> sextet, or a class: whitespace, padding, junk */
static const unsigned char b64_tab[256] = {
    J, J, J, J, J, J, J, J, J, W, W, W, W, W, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    W, J, J, J, J, J, J, J, J, J, J, 62, J, J, J, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, J, J, J, B64_PAD, J, J,
    J, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, J, J, J, J, J,
    J, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
    J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
};
#undef J
#undef W

/* b64_flush - emit the q sextets (2 or 3) of an unfinished quantum */
static size_t b64_flush(unsigned char *o, uint32_t acc, unsigned q)
{
    if (q == 2) {
        o[0] = (unsigned char)(acc >> 4);
        return 1;
    }
    if (q == 3) {
        o[0] = (unsigned char)(acc >> 10);
        o[1] = (unsigned char)(acc >> 2);
        return 2;
    }
    return 0;
}

/*
 * bn_decode_base64 - decode, skipping whitespace and junk; padding in the
 * middle (concatenated chunks) restarts a quantum. Missing padding at the
 * end is tolerated silently; junk bytes and a lone last sextet set *bad.
 */
bn_str bn_decode_base64(bn_arena *a, const char *p, size_t n, bool *bad)
{
    unsigned char *out = bn_arena_alloc(a, n / 4 * 3 + 3);
    const unsigned char *s = (const unsigned char *)p;
    size_t o = 0;
    uint32_t acc = 0;
    unsigned q = 0;
    bool junk = false;
    if (!out)
        return BN_STR_NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned v = b64_tab[s[i]];
        if (v < 64) {
            acc = acc << 6 | v;
            if (++q == 4) {
                out[o++] = (unsigned char)(acc >> 16);
                out[o++] = (unsigned char)(acc >> 8);
                out[o++] = (unsigned char)acc;
                q = 0;
                acc = 0;
            }
        } else if (v == B64_PAD) {
            junk |= q == 1;
            o += b64_flush(out + o, acc, q);
            q = 0;
            acc = 0;
        } else if (v == B64_JUNK) {
            junk = true;
        }
    }
    junk |= q == 1;
    o += b64_flush(out + o, acc, q);
    if (bad)
        *bad = junk;
    return (bn_str){(const char *)out, o};
}

/* ---- quoted-printable ---- */

/* hex digit value, 0xFF if not a hex digit (lowercase tolerated) */
static const unsigned char hexval[256] = {
    ['0'] = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ['A'] = 10, 11, 12, 13, 14, 15,
    ['a'] = 10, 11, 12, 13, 14, 15,
};

/* is_hex - c is a hex digit ('0' maps to 0 in hexval, so test explicitly) */
static inline bool is_hex(unsigned char c)
{
    return bn_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* qp special bytes: '=' and the line ends (trailing whitespace is cut there) */
static const unsigned char qp_special[256] = {['='] = 1, ['\r'] = 1, ['\n'] = 1};

/*
 * qp_plain - copy the run of bytes from i that QP keeps as they are to
 * out + o; the run's end. 16 at a time with SSE2 (runs are whole lines),
 * each block stored as it is tested: a memcpy call per line cost as much
 * as the search. The store may run past the run, never past out's n
 * bytes: o <= i, as QP output never outgrows its input.
 */
static size_t qp_plain(const unsigned char *s, size_t i, size_t n, unsigned char *out, size_t o)
{
    size_t j = i;
    unsigned char *d = out + o; /* d[j - i] is where s[j] goes */
#if defined(__SSE2__)
    const __m128i eq = _mm_set1_epi8('='), cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    for (; j + 16 <= n; j += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
        _mm_storeu_si128((__m128i *)(void *)(d + (j - i)), v);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, eq), _mm_cmpeq_epi8(v, cr)),
                                   _mm_cmpeq_epi8(v, lf));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m)
            return j + (size_t)__builtin_ctz(m);
    }
#endif
    for (; j < n && !qp_special[s[j]]; j++)
        d[j - i] = s[j];
    return j;
}

/* qp_equals - handle '=' at s[i]; appends to out; returns the next index */
static size_t qp_equals(const unsigned char *s, size_t n, size_t i, unsigned char *out,
                        size_t *o, bool *junk)
{
    if (i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
        out[(*o)++] = (unsigned char)(hexval[s[i + 1]] << 4 | hexval[s[i + 2]]);
        return i + 3;
    }
    size_t j = i + 1;
    while (j < n && bn_is_wsp(s[j]))
        j++;
    if (j == n)
        return j; /* soft break at the very end */
    if (s[j] == '\r')
        return j + 1 + (j + 1 < n && s[j + 1] == '\n');
    if (s[j] == '\n')
        return j + 1;
    out[(*o)++] = '='; /* not an escape: keep it as written */
    *junk = true;
    return i + 1;
}

/*
 * bn_decode_qp - quoted-printable decode; sets *bad on invalid escapes.
 * Line ends are kept as written; whitespace before a line end is dropped
 * (RFC 2045 6.7 rule 3: transports add it).
 */
bn_str bn_decode_qp(bn_arena *a, const char *p, size_t n, bool *bad)
{
    unsigned char *out = bn_arena_alloc(a, n);
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, o = 0;
    bool junk = false;
    if (!out)
        return BN_STR_NULL;
    size_t keep = 0; /* output before this is not transport whitespace */
    while (i < n) {
        size_t j = qp_plain(s, i, n, out, o);
        o += j - i;
        i = j;
        if (i >= n)
            break;
        if (s[i] == '=') {
            i = qp_equals(s, n, i, out, &o, &junk);
        } else { /* a line end: whitespace before it was added in transit */
            while (o > keep && bn_is_wsp(out[o - 1]))
                o--;
            out[o++] = s[i++];
            if (s[i - 1] == '\r' && i < n && s[i] == '\n')
                out[o++] = s[i++]; /* CRLF at once: no qp_plain call for the LF */
        }
        keep = o;
    }
    while (o > keep && bn_is_wsp(out[o - 1]))
        o--;
    if (bad)
        *bad = junk;
    return (bn_str){(const char *)out, o};
}
