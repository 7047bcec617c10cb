/* json.c - JSON writer with UTF-8 validation (see json.h) */
#include "core/json.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* BN_ALWAYS_INLINE - for the hot copy GCC judged too large to inline */
#if defined(__GNUC__)
#define BN_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define BN_ALWAYS_INLINE static inline
#endif
/* BN_NOINLINE - for the rare path whose stack canary would cost the hot one */
#if defined(__GNUC__)
#define BN_NOINLINE static __attribute__((noinline))
#else
#define BN_NOINLINE static
#endif

/* put - append n bytes, counting what does not fit */
static void put(bn_json *j, const char *s, size_t n)
{
    if (j->len < j->size) {
        size_t room = j->size - j->len;
        memcpy(j->buf + j->len, s, n < room ? n : room);
    }
    j->len += n;
}

/* putc1 - append one byte */
static void putc1(bn_json *j, char c)
{
    if (j->len < j->size)
        j->buf[j->len] = c;
    j->len++;
}

/* bn_json_init - start writing into buf (size bytes, NUL included) */
void bn_json_init(bn_json *j, char *buf, size_t size)
{
    memset(j, 0, sizeof(*j));
    j->buf = buf;
    j->size = buf ? size : 0;
    j->first[0] = true;
}

/* bn_json_finish - NUL-terminate (truncating if needed); the length needed */
size_t bn_json_finish(bn_json *j)
{
    if (j->size > 0)
        j->buf[j->len < j->size ? j->len : j->size - 1] = '\0';
    return j->len;
}

/* sep - comma before a value unless it is the first one or follows a key */
static void sep(bn_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth])
        putc1(j, ',');
    j->first[j->depth] = false;
}

/* container_open - begin an object or array; depth past the limit still balances */
static void container_open(bn_json *j, char c)
{
    sep(j);
    putc1(j, c);
    if (j->depth + 1 < BN_JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

/* container_close - end an object or array */
static void container_close(bn_json *j, char c)
{
    putc1(j, c);
    if (j->depth > 0)
        j->depth--;
}

/* Containers: the writer tracks commas per nesting level. */
void bn_json_object_begin(bn_json *j) { container_open(j, '{'); }
void bn_json_object_end(bn_json *j) { container_close(j, '}'); }
void bn_json_array_begin(bn_json *j) { container_open(j, '['); }
void bn_json_array_end(bn_json *j) { container_close(j, ']'); }

/* Byte classes: 0 copy as is, 1 needs an escape, 2 starts a UTF-8 sequence. */
static const unsigned char jclass[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* cont - a UTF-8 continuation byte within [lo, hi] */
static bool cont(unsigned char c, unsigned char lo, unsigned char hi)
{
    return c >= lo && c <= hi;
}

/*
 * bn_utf8_valid_len - length of the valid UTF-8 sequence at p, or 0; then
 * *bad_len is the length of the maximal invalid subpart (Unicode 3.9,
 * "U+FFFD substitution of maximal subparts"), at least 1.
 */
size_t bn_utf8_valid_len(const unsigned char *p, size_t n, size_t *bad_len)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t need, i;
    *bad_len = 1;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80; /* no overlongs */
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
    } else
        return 0;
    for (i = 1; i <= need; i++) {
        if (i >= n || !cont(p[i], i == 1 ? lo : 0x80, i == 1 ? hi : 0xBF)) {
            *bad_len = i;
            return 0;
        }
    }
    return need + 1;
}

/* ascii_escape - the JSON escape of one ASCII byte that needs one, at o
   (at most 6 bytes); its length */
static size_t ascii_escape(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e = 0;
    switch (c) {
    case '"': e = '"'; break;
    case '\\': e = '\\'; break;
    case '\b': e = 'b'; break;
    case '\f': e = 'f'; break;
    case '\n': e = 'n'; break;
    case '\r': e = 'r'; break;
    case '\t': e = 't'; break;
    default: break;
    }
    o[0] = '\\';
    o[1] = e;
    if (e)
        return 2;
    memcpy(o + 1, "u00", 3);
    o[4] = hex[c >> 4];
    o[5] = hex[c & 15];
    return 6;
}

/*
 * escape_unit - the output for the byte or UTF-8 sequence at p (n > 0
 * bytes left) that is not copied as it is: an escape, a valid sequence
 * (U+2028/2029 escaped for JavaScript) or U+FFFD for a maximal invalid
 * subpart. At most 6 bytes at o; its length, *used the input consumed.
 * The one place of the escaping rules (both writers use it).
 */
static size_t escape_unit(char *o, const unsigned char *p, size_t n, size_t *used)
{
    size_t bad, k;
    *used = 1;
    if (jclass[p[0]] == 1)
        return ascii_escape(o, p[0]);
    k = bn_utf8_valid_len(p, n, &bad);
    if (k == 0) {
        *used = bad;
        memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
        return 3;
    }
    *used = k;
    if (k == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
        memcpy(o, p[2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
        return 6;
    }
    memcpy(o, p, k);
    return k;
}

/*
 * plain_word - none of 8 bytes needs attention: no control byte, '"', '\\'
 * or byte >= 0x80 (SWAR: the classic "has a zero byte" / "has a byte less
 * than" tests, so runs of plain ASCII cost one test per 8 bytes).
 */
static bool plain_word(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
    uint64_t bad = (x - ones * 0x20) | ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash);
    return ((bad | x) & high) == 0;
}

/* plain_run - end of the run of bytes copied as they are, from i */
static size_t plain_run(const unsigned char *p, size_t i, size_t n)
{
#if defined(__SSE2__)
    /* 16 at a time: a signed compare with 0x20 catches controls and 8-bit
       bytes (negative) together, two more catch '"' and '\\' */
    const __m128i sp = _mm_set1_epi8(0x20), q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, sp),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
        unsigned m = (unsigned)_mm_movemask_epi8(bad);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i + 8 <= n && plain_word(p + i))
        i += 8;
    while (i < n && jclass[p[i]] == 0)
        i++;
    return i;
}

/* short_plain - copy a short value that needs no escape straight into the
   buffer; false (nothing counted) when it does not fit or needs one */
static bool short_plain(bn_json *j, const unsigned char *p, size_t n)
{
    if (n > 32 || j->len >= j->size || j->size - j->len <= n)
        return false;
    char *o = j->buf + j->len;
    for (size_t i = 0; i < n; i++) {
        if (jclass[p[i]])
            return false; /* the general path writes it again from the start */
        o[i] = (char)p[i];
    }
    j->len += n;
    return true;
}

/* bn_json_escape - escaped body of a JSON string, without quotes */
void bn_json_escape(bn_json *j, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    /* most values (codes, names, addresses, keys) are short plain ASCII: the
       run search and put() cost more than the copy */
    if (short_plain(j, p, n))
        return;
    while (i < n) {
        size_t run = plain_run(p, i, n);
        if (run > i)
            put(j, (const char *)p + i, run - i);
        i = run;
        if (i >= n)
            break;
        char u[6];
        size_t used, k = escape_unit(u, p + i, n - i, &used);
        put(j, u, k);
        i += used;
    }
}

/* bn_json_raw - append n bytes as they are (a caller's template piece) */
void bn_json_raw(bn_json *j, const char *s, size_t n)
{
    put(j, s, n);
}

#if defined(__SSE2__)
/* bad16 - mask of the 16 bytes of v that need attention (as plain_run) */
static inline unsigned bad16(__m128i v)
{
    __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    return (unsigned)_mm_movemask_epi8(bad);
}

/* copy_plain_16 - copy n bytes (n >= 16) 16 at a time, the last 16
   overlapping, while testing them: false as soon as a byte needs an escape
   (what was stored by then is left for the caller to overwrite). One pass
   with no call: a separate search and memcpy cost more on values this short. */
static inline bool copy_plain_16(char *o, const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (; i + 16 < n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        if (bad16(v))
            return false;
        _mm_storeu_si128((__m128i *)(void *)(o + i), v);
    }
    __m128i last = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
    if (bad16(last))
        return false;
    _mm_storeu_si128((__m128i *)(void *)(o + n - 16), last);
    return true;
}
#endif

/* plain_8_16 - none of the n bytes (8 <= n <= 16) needs an escape: the
   first and last 8, overlapping, tested as two words */
static inline bool plain_8_16(const unsigned char *p, size_t n)
{
    return plain_word(p) && plain_word(p + n - 8);
}

/* copy_8_16 - copy n bytes (8 <= n <= 16) as two overlapping 8-byte moves */
static inline void copy_8_16(char *o, const unsigned char *p, size_t n)
{
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + n - 8, 8);
    memcpy(o, &a, 8);
    memcpy(o + n - 8, &b, 8);
}

#if defined(__SSE2__)
/* copy_plain_4_15 - copy n bytes (4 <= n < 16) when none needs an
   escape: two overlapping loads of 8 (or 4) bytes tested together in one
   register, so short values cost no loop and one branch */
static inline bool copy_plain_4_15(char *o, const unsigned char *p, size_t n)
{
    if (n >= 8) {
        __m128i a = _mm_loadl_epi64((const __m128i *)(const void *)p);
        __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)(p + n - 8));
        if (bad16(_mm_unpacklo_epi64(a, b)))
            return false;
        _mm_storel_epi64((__m128i *)(void *)o, a);
        _mm_storel_epi64((__m128i *)(void *)(o + n - 8), b);
        return true;
    }
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + n - 4, 4);
    __m128i v = _mm_unpacklo_epi32(_mm_cvtsi32_si128((int)a), _mm_cvtsi32_si128((int)b));
    if (bad16(v) & 0xFF) /* the 8 upper bytes are zeros, not ours */
        return false;
    memcpy(o, &a, 4);
    memcpy(o + n - 4, &b, 4);
    return true;
}
#endif

/* copy_plain - copy (p, n) to o when no byte needs an escape (most
   values: codes, names, addresses); false otherwise, o then holding part
   of it for the caller to overwrite. Tested and copied 16 bytes (SSE2) or
   a word at a time, the last piece overlapping: only values under 4
   (8 without SSE2) bytes take a byte loop. */
BN_ALWAYS_INLINE bool copy_plain(char *o, const unsigned char *p, size_t n)
{
#if defined(__SSE2__)
    if (n >= 16)
        return copy_plain_16(o, p, n);
    if (n >= 4)
        return copy_plain_4_15(o, p, n);
#else
    if (n >= 16) {
        if (plain_run(p, 0, n) != n)
            return false;
        memcpy(o, p, n);
        return true;
    }
    if (n >= 8) {
        if (!plain_8_16(p, n))
            return false;
        copy_8_16(o, p, n);
        return true;
    }
#endif
    for (size_t i = 0; i < n; i++) {
        if (jclass[p[i]])
            return false;
        o[i] = (char)p[i];
    }
    return true;
}

/* quoted_plain - "p" copied straight into the buffer when it fits and no
   byte needs an escape; false, with nothing counted, otherwise */
static bool quoted_plain(bn_json *j, const unsigned char *p, size_t n)
{
    if (j->len >= j->size || j->size - j->len <= n + 2)
        return false;
    char *o = j->buf + j->len;
    if (!copy_plain(o + 1, p, n))
        return false;
    o[0] = '"';
    o[n + 1] = '"';
    j->len += n + 2;
    return true;
}

/* bn_json_str - a quoted string value */
void bn_json_str(bn_json *j, const char *p, size_t n)
{
    sep(j);
    if (!p) {
        p = "";
        n = 0;
    }
    if (quoted_plain(j, (const unsigned char *)p, n))
        return;
    putc1(j, '"');
    bn_json_escape(j, p, n);
    putc1(j, '"');
}

/* bn_json_cstr - a quoted string from a C string (NULL is "") */
void bn_json_cstr(bn_json *j, const char *s)
{
    bn_json_str(j, s, s ? strlen(s) : 0);
}

/* bn_json_key_plain - a key of n bytes that needs no escaping (a literal
   of ours): quotes, key and colon copied as they are */
void bn_json_key_plain(bn_json *j, const char *key, size_t n)
{
    sep(j);
    if (j->len < j->size && j->size - j->len > n + 3) { /* room: one copy */
        char *o = j->buf + j->len;
        o[0] = '"';
        memcpy(o + 1, key, n);
        o[n + 1] = '"';
        o[n + 2] = ':';
        j->len += n + 3;
    } else {
        putc1(j, '"');
        put(j, key, n);
        put(j, "\":", 2);
    }
    j->after_key = true;
}

/* bn_json_key - a key: a string followed by a colon */
void bn_json_key(bn_json *j, const char *key)
{
    bn_json_cstr(j, key);
    putc1(j, ':');
    j->after_key = true;
}

/* bn_json_digits - v in decimal at the end of tmp; where it starts (digits
   by hand: snprintf costs more than the rest of a number) */
size_t bn_json_digits(char tmp[BN_JSON_DIGITS], long long v)
{
    size_t k = BN_JSON_DIGITS;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[--k] = '-';
    return k;
}

/* bn_json_int - a number */
void bn_json_int(bn_json *j, long long v)
{
    char tmp[BN_JSON_DIGITS];
    size_t k = bn_json_digits(tmp, v);
    sep(j);
    put(j, tmp + k, sizeof(tmp) - k);
}

/* bn_json_bool - true or false */
void bn_json_bool(bn_json *j, bool v)
{
    sep(j);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

/* bn_json_null - null */
void bn_json_null(bn_json *j)
{
    sep(j);
    put(j, "null", 4);
}

/* bn_json_kv_str - key and string value */
void bn_json_kv_str(bn_json *j, const char *key, const char *p, size_t n)
{
    bn_json_key(j, key);
    bn_json_str(j, p, n);
}

/* bn_json_kv_cstr - key and C-string value (NULL is "") */
void bn_json_kv_cstr(bn_json *j, const char *key, const char *s)
{
    bn_json_key(j, key);
    bn_json_cstr(j, s);
}

/* bn_json_kv_int - key and number */
void bn_json_kv_int(bn_json *j, const char *key, long long v)
{
    bn_json_key(j, key);
    bn_json_int(j, v);
}

/* bn_json_kv_bool - key and boolean */
void bn_json_kv_bool(bn_json *j, const char *key, bool v)
{
    bn_json_key(j, key);
    bn_json_bool(j, v);
}

/* escape_general_to - bn_json_escape_to past the plain copy: runs of
   plain bytes, escapes, UTF-8 checked. Not inlined: its stack canary
   would be paid by every value. */
BN_NOINLINE char *escape_general_to(char *o, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = plain_run(p, i, n);
        memcpy(o, p + i, run - i);
        o += run - i;
        i = run;
        if (i >= n)
            break;
        size_t used;
        o += escape_unit(o, p + i, n - i, &used);
        i += used;
    }
    return o;
}

/* bn_json_escape_to - escaped body of (s, n) at o, which has room for
   6 * n bytes (the worst case: a control byte becomes \u00XX); its end.
   No bounds checks: the caller reserved the worst case once. */
char *bn_json_escape_to(char *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (copy_plain(o, p, n)) /* the common case, inline and without a canary */
        return o + n;
    return escape_general_to(o, p, n);
}
