/*
 * charset.c - any charset label real mail uses, converted to UTF-8
 *
 * glibc iconv does the work, with three things around it:
 * - an alias table for labels iconv refuses or gets wrong for mail
 *   (ks_c_5601-1987, iso-8859-8-i, unknown-8bit...) and for labels whose
 *   de-facto meaning is a superset (gb2312 -> GB18030, shift_jis -> CP932);
 * - our own loop: iconv stops at the first invalid byte, we emit U+FFFD,
 *   skip one byte and go on, so nothing is dropped and nothing fails;
 * - fast paths without iconv: ASCII-only text in an ASCII-compatible
 *   charset, UTF-8 (validated, repaired) and windows-1252 (a table), which
 *   together are most of the mail there is.
 * iso-2022-jp is rewritten to EUC-JP and decoded as EUC-JP-MS, because real
 * iso-2022-jp mail carries the NEC/IBM extensions (circled digits...) that
 * glibc's strict ISO-2022-JP rejects.
 * Descriptors are cached per parser (msg->iconv_cache): iconv_t is not
 * thread-safe, so nothing here is global and mutable.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "core/alloc.h"
#include "core/str.h"
#include "message/message.h"
#include "message/msg_priv.h"

/* Internal target: iso-2022-jp through our EUC-JP rewrite. */
#define CS_JIS "(iso-2022-jp)"

typedef struct cs_alias {
    const char *label; /* lowercase */
    const char *target;
} cs_alias;

/* Sorted by label (C locale) for bsearch; every row is tested. */
static const cs_alias cs_aliases[] = {
    {"646", BN_CS_AUTO},
    {"7bit", BN_CS_AUTO},
    {"8859-1", "WINDOWS-1252"},
    {"8bit", BN_CS_AUTO},
    {"ansi_1252", "WINDOWS-1252"},
    {"ansi_x3.4-1968", BN_CS_AUTO},
    {"ansi_x3.4-1986", BN_CS_AUTO},
    {"ascii", BN_CS_AUTO},
    {"big5", "BIG5-HKSCS"},
    {"big5-hkscs", "BIG5-HKSCS"},
    {"big5hkscs", "BIG5-HKSCS"},
    {"binary", BN_CS_AUTO},
    {"charset", BN_CS_AUTO},
    {"chinese", "GB18030"},
    {"cn-big5", "BIG5-HKSCS"},
    {"cn-gb", "GB18030"},
    {"cp1252", "WINDOWS-1252"},
    {"cp1254", "WINDOWS-1254"},
    {"cp367", BN_CS_AUTO},
    {"cp50220", CS_JIS},
    {"cp50221", CS_JIS},
    {"cp50222", CS_JIS},
    {"cp819", "WINDOWS-1252"},
    {"cp874", "CP874"},
    {"cp932", "CP932"},
    {"cp936", "GB18030"},
    {"cp949", "CP949"},
    {"cp950", "BIG5-HKSCS"},
    {"csascii", BN_CS_AUTO},
    {"csbig5", "BIG5-HKSCS"},
    {"cseuckr", "CP949"},
    {"cseucpkdfmtjapanese", "EUC-JP-MS"},
    {"csgb2312", "GB18030"},
    {"csgbk", "GB18030"},
    {"csiso2022jp", CS_JIS},
    {"csiso88596e", "ISO-8859-6"},
    {"csiso88596i", "ISO-8859-6"},
    {"csiso88598e", "ISO-8859-8"},
    {"csiso88598i", "ISO-8859-8"},
    {"csisolatin1", "WINDOWS-1252"},
    {"csisolatin5", "WINDOWS-1254"},
    {"cskoi8r", "KOI8-R"},
    {"csksc56011987", "CP949"},
    {"csmacintosh", "MACINTOSH"},
    {"csshiftjis", "CP932"},
    {"cstis620", "CP874"},
    {"csunicode11utf7", "UTF-7"},
    {"cswindows31j", "CP932"},
    {"default", BN_CS_AUTO},
    {"dos-874", "CP874"},
    {"euc-cn", "GB18030"},
    {"euc-jp", "EUC-JP-MS"},
    {"euc-jp-ms", "EUC-JP-MS"},
    {"euc-kr", "CP949"},
    {"euccn", "GB18030"},
    {"eucjp", "EUC-JP-MS"},
    {"euckr", "CP949"},
    {"gb18030", "GB18030"},
    {"gb2312", "GB18030"},
    {"gb_2312", "GB18030"},
    {"gb_2312-80", "GB18030"},
    {"gbk", "GB18030"},
    {"ibm367", BN_CS_AUTO},
    {"ibm819", "WINDOWS-1252"},
    {"iso-2022-jp", CS_JIS},
    {"iso-2022-jp-1", CS_JIS},
    {"iso-2022-jp-2", CS_JIS},
    {"iso-2022-jp-3", CS_JIS},
    {"iso-2022-jp-ms", CS_JIS},
    {"iso-8859-1", "WINDOWS-1252"},
    {"iso-8859-11", "CP874"},
    {"iso-8859-6-e", "ISO-8859-6"},
    {"iso-8859-6-i", "ISO-8859-6"},
    {"iso-8859-8-e", "ISO-8859-8"},
    {"iso-8859-8-i", "ISO-8859-8"},
    {"iso-8859-9", "WINDOWS-1254"},
    {"iso-ir-100", "WINDOWS-1252"},
    {"iso-ir-148", "WINDOWS-1254"},
    {"iso-ir-149", "CP949"},
    {"iso-ir-58", "GB18030"},
    {"iso-ir-6", BN_CS_AUTO},
    {"iso2022jp", CS_JIS},
    {"iso646-us", BN_CS_AUTO},
    {"iso8859-1", "WINDOWS-1252"},
    {"iso8859-11", "CP874"},
    {"iso8859-9", "WINDOWS-1254"},
    {"iso88591", "WINDOWS-1252"},
    {"iso_646.irv:1991", BN_CS_AUTO},
    {"iso_8859-1", "WINDOWS-1252"},
    {"iso_8859-1:1987", "WINDOWS-1252"},
    {"iso_8859-8-i", "ISO-8859-8"},
    {"iso_8859-9", "WINDOWS-1254"},
    {"jis", CS_JIS},
    {"koi", "KOI8-R"},
    {"koi8", "KOI8-R"},
    {"korean", "CP949"},
    {"ks_c_5601", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601-1989", "CP949"},
    {"ksc5601", "CP949"},
    {"ksc_5601", "CP949"},
    {"l1", "WINDOWS-1252"},
    {"l5", "WINDOWS-1254"},
    {"latin-1", "WINDOWS-1252"},
    {"latin1", "WINDOWS-1252"},
    {"latin5", "WINDOWS-1254"},
    {"logical", "ISO-8859-8"},
    {"mac", "MACINTOSH"},
    {"macintosh", "MACINTOSH"},
    {"ms932", "CP932"},
    {"ms936", "GB18030"},
    {"ms949", "CP949"},
    {"ms950", "BIG5-HKSCS"},
    {"ms_kanji", "CP932"},
    {"shift-jis", "CP932"},
    {"shift_jis", "CP932"},
    {"shiftjis", "CP932"},
    {"sjis", "CP932"},
    {"tis-620", "CP874"},
    {"tis620", "CP874"},
    {"uhc", "CP949"},
    {"ujis", "EUC-JP-MS"},
    {"unicode-1-1-utf-7", "UTF-7"},
    {"unicode-1-1-utf-8", BN_CS_UTF8},
    {"unicode-2-0-utf-7", "UTF-7"},
    {"unicode-2-0-utf-8", BN_CS_UTF8},
    {"unknown", BN_CS_AUTO},
    {"unknown-8bit", BN_CS_AUTO},
    {"us", BN_CS_AUTO},
    {"us-ascii", BN_CS_AUTO},
    {"us_ascii", BN_CS_AUTO},
    {"utf-7", "UTF-7"},
    {"utf-8", BN_CS_UTF8},
    {"utf8", BN_CS_UTF8},
    {"visual", "ISO-8859-8"},
    {"win-1251", "WINDOWS-1251"},
    {"win-1252", "WINDOWS-1252"},
    {"windows-1252", "WINDOWS-1252"},
    {"windows-1254", "WINDOWS-1254"},
    {"windows-31j", "CP932"},
    {"windows-874", "CP874"},
    {"windows-932", "CP932"},
    {"windows-936", "GB18030"},
    {"windows-949", "CP949"},
    {"windows-950", "BIG5-HKSCS"},
    {"x-ascii", BN_CS_AUTO},
    {"x-big5", "BIG5-HKSCS"},
    {"x-cp1250", "WINDOWS-1250"},
    {"x-cp1251", "WINDOWS-1251"},
    {"x-cp1252", "WINDOWS-1252"},
    {"x-cp1253", "WINDOWS-1253"},
    {"x-cp1254", "WINDOWS-1254"},
    {"x-cp1255", "WINDOWS-1255"},
    {"x-cp1256", "WINDOWS-1256"},
    {"x-cp1257", "WINDOWS-1257"},
    {"x-cp1258", "WINDOWS-1258"},
    {"x-cp50220", CS_JIS},
    {"x-cp50221", CS_JIS},
    {"x-cp936", "GB18030"},
    {"x-euc-cn", "GB18030"},
    {"x-euc-jp", "EUC-JP-MS"},
    {"x-euc-kr", "CP949"},
    {"x-eucjp", "EUC-JP-MS"},
    {"x-gbk", "GB18030"},
    {"x-mac-roman", "MACINTOSH"},
    {"x-ms-cp932", "CP932"},
    {"x-shift_jis", "CP932"},
    {"x-sjis", "CP932"},
    {"x-unicode-2-0-utf-7", "UTF-7"},
    {"x-unicode20utf8", BN_CS_UTF8},
    {"x-unknown", BN_CS_AUTO},
    {"x-user-defined", BN_CS_AUTO},
    {"x-utf-7", "UTF-7"},
    {"x-utf-8", BN_CS_UTF8},
    {"x-utf8", BN_CS_UTF8},
    {"x-windows-874", "CP874"},
    {"x-windows-949", "CP949"},
    {"x-x-big5", "BIG5-HKSCS"},
};

#define CS_NALIASES (sizeof cs_aliases / sizeof cs_aliases[0])
#define CS_LABEL_MAX 64
#define CS_CACHE_N 8

/* cs_cmp - bsearch comparator on labels */
static int cs_cmp(const void *key, const void *row)
{
    return strcmp(key, ((const cs_alias *)row)->label);
}

/* bn_charset_alias - canonical target of a lowercased label, or NULL */
const char *bn_charset_alias(const char *label, size_t n)
{
    char key[CS_LABEL_MAX + 1];
    if (n > CS_LABEL_MAX)
        return NULL;
    memcpy(key, label, n);
    key[n] = '\0';
    const cs_alias *a = bsearch(key, cs_aliases, CS_NALIASES, sizeof cs_aliases[0], cs_cmp);
    return a ? a->target : NULL;
}

/* bn_charset_alias_count - rows in the alias table */
size_t bn_charset_alias_count(void)
{
    return CS_NALIASES;
}

/* bn_charset_alias_at - row i of the alias table */
void bn_charset_alias_at(size_t i, const char **label, const char **target)
{
    *label = cs_aliases[i].label;
    *target = cs_aliases[i].target;
}

/* ---- UTF-8 ---- */

/* utf8_seq - length of the valid UTF-8 sequence at p (n > 0), 0 if invalid */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define CS_AVX2 1
/* ascii_avx2 - ascii_run 32 bytes at a time; stops at a non-ASCII byte or
   where fewer than 32 are left */
__attribute__((target("avx2"))) static size_t ascii_avx2(const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        unsigned m = (unsigned)_mm256_movemask_epi8(
            _mm256_loadu_si256((const __m256i *)(const void *)(p + i)));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
    return i;
}
#endif

/* ascii_run - length of the leading ASCII bytes, 32 (AVX2), 16 (SSE2) or 8
   at a time (it runs over every text part and header value converted) */
static size_t ascii_run(const unsigned char *p, size_t n)
{
    size_t i = 0;
#if defined(CS_AVX2)
    if (n >= 64 && __builtin_cpu_supports("avx2")) {
        i = ascii_avx2(p, n);
        if (i < n && p[i] >= 0x80)
            return i;
    }
#endif
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned m = (unsigned)_mm_movemask_epi8(v);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            break;
        i += 8;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* bn_utf8_valid - the bytes are valid UTF-8 */
bool bn_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        i += ascii_run(s + i, n - i);
        if (i >= n)
            break;
        size_t k = utf8_seq(s + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* bn_utf8_repair - append p as UTF-8, each invalid byte as U+FFFD; true if all valid */
bool bn_utf8_repair(bn_obuf *out, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, run = 0;
    bool ok = true;
    while (i < n) {
        size_t k = ascii_run(s + i, n - i);
        if (!k)
            k = utf8_seq(s + i, n - i);
        if (k) {
            i += k;
            continue;
        }
        bn_obuf_put(out, p + run, i - run); /* the valid run before */
        bn_obuf_put(out, BN_FFFD, 3);
        ok = false;
        run = ++i;
    }
    bn_obuf_put(out, p + run, n - run);
    return ok;
}

/* bn_utf8_cut - length of s without a sequence cut short at its end */
size_t bn_utf8_cut(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = n, back = 0;
    while (i > 0 && back < 4 && (s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0 || s[i - 1] < 0xC0)
        return n; /* ends in ASCII or in stray continuation bytes */
    unsigned lead = s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    return back + 1 < need ? i - 1 : n;
}

/* ---- windows-1252 without iconv ---- */

/* 0x80..0x9F; the five holes become the C1 controls (WHATWG does the same) */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* put_cp - append code point u (< 0x10000) as UTF-8 */
static void put_cp(bn_obuf *out, unsigned u)
{
    char b[3];
    size_t k;
    if (u < 0x80) {
        b[0] = (char)u;
        k = 1;
    } else if (u < 0x800) {
        b[0] = (char)(0xC0 | (u >> 6));
        b[1] = (char)(0x80 | (u & 0x3F));
        k = 2;
    } else {
        b[0] = (char)(0xE0 | (u >> 12));
        b[1] = (char)(0x80 | ((u >> 6) & 0x3F));
        b[2] = (char)(0x80 | (u & 0x3F));
        k = 3;
    }
    if (out->cap - out->n < k) {
        bn_obuf_put(out, b, k); /* grows, or cuts at the limit */
        return;
    }
    for (size_t i = 0; i < k; i++) /* room already: no call per character */
        out->p[out->n++] = b[i];
}

/* ascii_copy - copy the ASCII run at s[i] to out; the index after it. Up to
   16 bytes go byte by byte into the room there is: in latin1 text an 8-bit
   letter comes every few bytes, and the run search and the append call cost
   more than such short runs; a longer run (or no room) takes those calls. */
static size_t ascii_copy(bn_obuf *out, const unsigned char *s, size_t i, size_t n)
{
#if defined(__SSE2__)
    /* 16 bytes stored at once while there is room, kept up to the first
       8-bit byte: the byte loop below cost ~7 instructions a byte */
    while (i + 16 <= n && out->cap - out->n >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        _mm_storeu_si128((__m128i *)(void *)(out->p + out->n), v);
        unsigned m = (unsigned)_mm_movemask_epi8(v);
        size_t k = m ? (size_t)__builtin_ctz(m) : 16;
        out->n += k;
        i += k;
        if (m)
            return i;
    }
#endif
    size_t room = out->cap - out->n, k = 0;
    while (k < 16 && k < room && i + k < n && s[i + k] < 0x80) {
        out->p[out->n + k] = (char)s[i + k];
        k++;
    }
    out->n += k;
    i += k;
    if (i < n && s[i] < 0x80) {
        size_t r = ascii_run(s + i, n - i);
        bn_obuf_put(out, (const char *)s + i, r);
        i += r;
    }
    return i;
}

/* cp1252_convert - windows-1252 (and so latin1) to UTF-8; never invalid */
static void cp1252_convert(bn_obuf *out, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    (void)bn_obuf_reserve(out, n + n / 2); /* one growth for most text; put() caps */
    while (i < n && !out->full) {
        i = ascii_copy(out, s, i, n);
        if (i < n) {
            put_cp(out, s[i] < 0xA0 ? cp1252_c1[s[i] - 0x80] : s[i]);
            i++;
        }
    }
}

/* ---- iconv with our error policy ---- */

typedef struct cs_cache_ent {
    char name[CS_LABEL_MAX + 1];
    iconv_t cd; /* (iconv_t)-1: iconv does not know the name */
} cs_cache_ent;

typedef struct cs_cache {
    cs_cache_ent e[CS_CACHE_N];
    unsigned n, next;
} cs_cache;

/* bn_iconv_cache_free - release the descriptors cached in *cache */
void bn_iconv_cache_free(void **cache)
{
    cs_cache *c = *cache;
    if (!c)
        return;
    for (unsigned i = 0; i < c->n; i++)
        if (c->e[i].cd != (iconv_t)-1)
            iconv_close(c->e[i].cd);
    bn_free(c);
    *cache = NULL;
}

/*
 * glibc_unsafe - a converter glibc gets wrong on hostile input: its
 * ISO-2022-CN-EXT decoder reads a byte past the input after a lone SO
 * (fuzz_rfc2047, fuzz/regressions/rfc2047/crash-080b7153...; the same
 * module had CVE-2024-2961). Such a name is treated as unknown. iconv_open
 * drops bytes such as ')' from a name, so the name is compared by its
 * letters and digits alone ("iso-2022-cn-ex)t": crash-9c77f27c...).
 */
static bool glibc_unsafe(const char *t)
{
    static const char key[] = "ISO2022CNEXT";
    size_t k = 0;
    for (; *t; t++) {
        unsigned char c = (unsigned char)*t;
        if (!bn_is_alnum(c))
            continue;
        if (k == sizeof key - 1 || bn_lc(c) != bn_lc((unsigned char)key[k]))
            return false;
        k++;
    }
    return k == sizeof key - 1;
}

/* cs_open - cached descriptor name -> UTF-8, or (iconv_t)-1 */
static iconv_t cs_open(bn_msg *msg, const char *name)
{
    cs_cache *c = msg->iconv_cache;
    if (!c) {
        c = bn_calloc(1, sizeof *c);
        if (!c)
            return (iconv_t)-1;
        msg->iconv_cache = c;
    }
    for (unsigned i = 0; i < c->n; i++)
        if (strcmp(c->e[i].name, name) == 0)
            return c->e[i].cd;
    cs_cache_ent *e;
    if (c->n < CS_CACHE_N) {
        e = &c->e[c->n++];
    } else { /* round-robin eviction: a message rarely uses many */
        e = &c->e[c->next];
        c->next = (c->next + 1) % CS_CACHE_N;
        if (e->cd != (iconv_t)-1)
            iconv_close(e->cd);
    }
    snprintf(e->name, sizeof e->name, "%s", name);
    e->cd = glibc_unsafe(name) ? (iconv_t)-1 : iconv_open("UTF-8", name);
    return e->cd;
}

/* iconv_loop - convert with cd; invalid input becomes U+FFFD. True if clean. */
static bool iconv_loop(iconv_t cd, bn_obuf *out, const char *p, size_t n)
{
    char *in = (char *)(uintptr_t)p; /* iconv's prototype lacks const */
    size_t inleft = n;
    bool ok = true;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (inleft && !out->full && !out->oom) {
        if (!bn_obuf_reserve(out, inleft + inleft / 2 + 16) && out->cap - out->n < 8)
            break;
        char *o = out->p + out->n;
        size_t oleft = out->cap - out->n;
        size_t r = iconv(cd, &in, &inleft, &o, &oleft);
        int err = errno;
        out->n = (size_t)(o - out->p);
        if (r != (size_t)-1)
            break;
        if (err == E2BIG) {
            if (!bn_obuf_reserve(out, out->cap - out->n + 64))
                break;
        } else if (err == EILSEQ) {
            bn_obuf_put(out, BN_FFFD, 3);
            in++;
            inleft--;
            ok = false;
        } else { /* EINVAL: the input ends inside a character */
            bn_obuf_put(out, BN_FFFD, 3);
            inleft = 0;
            ok = false;
        }
    }
    if (bn_obuf_reserve(out, 16)) { /* return to the initial shift state */
        char *o = out->p + out->n;
        size_t oleft = out->cap - out->n;
        iconv(cd, NULL, NULL, &o, &oleft);
        out->n = (size_t)(o - out->p);
    }
    return ok;
}

/* Shortest ASCII run copied past iconv: a shorter one stays in the chunk
   (an iconv call costs more than converting a few bytes). */
#define EUC_ASCII_RUN 32

/* high_run - length of the leading bytes of 0x80 and above */
static size_t high_run(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] >= 0x80)
        i++;
    return i;
}

/*
 * euc_loop - iconv_loop for EUC-JP-MS, whose multibyte characters hold only
 * bytes of 0x80 and above: ASCII runs of EUC_ASCII_RUN bytes or more are
 * copied as they are (glibc spends ~25 instructions a byte on them, and
 * Japanese bounces are mostly ASCII). Each chunk given to iconv ends with
 * an ASCII byte (a whole character) or at the end of the text, so no
 * character or error spans two chunks and the output is iconv_loop's.
 * The caller makes sure the limit cannot cut (3 output bytes an input byte).
 */
static bool euc_loop(iconv_t cd, bn_obuf *out, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t from = 0, i = 0; /* from: where the bytes not yet written start */
    bool ok = true;
    while (i < n && !out->oom) { /* out of memory: stop where iconv_loop does */
        size_t a = ascii_run(s + i, n - i);
        if (a >= EUC_ASCII_RUN) {
            size_t copy = i; /* the run's first byte closes the pending chunk */
            if (from < i) {
                ok &= iconv_loop(cd, out, p + from, i + 1 - from);
                copy = i + 1;
            }
            bn_obuf_put(out, p + copy, i + a - copy);
            from = i + a;
        }
        i += a;
        i += high_run(s + i, n - i);
    }
    if (from < n && !out->oom)
        ok &= iconv_loop(cd, out, p + from, n - from);
    return ok;
}

/* ---- iso-2022-jp as EUC-JP ---- */

enum { JIS_ASCII, JIS_KANJI, JIS_KANA, JIS_X0212 };

/* jis_escape - mode selected by the escape at p, or -1 if not ours; *len its size */
static int jis_escape(const unsigned char *p, size_t n, size_t *len)
{
    if (n >= 3 && p[1] == '(' && (p[2] == 'B' || p[2] == 'J')) {
        *len = 3;
        return JIS_ASCII;
    }
    if (n >= 3 && p[1] == '(' && p[2] == 'I') {
        *len = 3;
        return JIS_KANA;
    }
    if (n >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@')) {
        *len = 3;
        return JIS_KANJI;
    }
    if (n >= 4 && p[1] == '$' && p[2] == '(' && p[3] == 'D') {
        *len = 4;
        return JIS_X0212;
    }
    return -1;
}

/* jis_put - one character (1 or 2 bytes at p) of mode as EUC-JP; bytes used */
static size_t jis_put(bn_obuf *out, int mode, const unsigned char *p, size_t n)
{
    char b[3];
    if (mode == JIS_KANA && p[0] >= 0x21 && p[0] <= 0x5F) {
        b[0] = (char)0x8E;
        b[1] = (char)(p[0] | 0x80);
        bn_obuf_put(out, b, 2);
        return 1;
    }
    if ((mode == JIS_KANJI || mode == JIS_X0212) && n >= 2 && p[0] >= 0x21 &&
        p[0] <= 0x7E && p[1] >= 0x21 && p[1] <= 0x7E) {
        size_t k = 0;
        if (mode == JIS_X0212)
            b[k++] = (char)0x8F;
        b[k++] = (char)(p[0] | 0x80);
        b[k++] = (char)(p[1] | 0x80);
        bn_obuf_put(out, b, k);
        return 2;
    }
    if (mode != JIS_ASCII && p[0] > 0x20 && p[0] < 0x80) {
        bn_obuf_put(out, "\xff", 1); /* broken pair: EUC-JP makes it U+FFFD */
        return 1;
    }
    bn_obuf_put(out, (const char *)p, 1); /* ASCII, controls, stray 8-bit */
    return 1;
}

/* jis_shift_at - the first ESC, SO or SI at or after i (n if none); 16 at a
   time with SSE2 (ASCII-mode runs are most of a Japanese bounce's bytes) */
static size_t jis_shift_at(const unsigned char *s, size_t i, size_t n)
{
#if defined(__SSE2__)
    const __m128i esc = _mm_set1_epi8(0x1B), so = _mm_set1_epi8(0x0E), si = _mm_set1_epi8(0x0F);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, esc),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, so), _mm_cmpeq_epi8(v, si)));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i < n && s[i] != 0x1B && s[i] != 0x0E && s[i] != 0x0F)
        i++;
    return i;
}

/*
 * jis_to_euc - rewrite iso-2022-jp as EUC-JP; false when an escape we do not
 * handle appears (iso-2022-jp-2's other charsets: leave those to glibc).
 */
static bool jis_to_euc(bn_obuf *out, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    int mode = JIS_ASCII, shifted = JIS_ASCII;
    size_t i = 0;
    while (i < n && !out->full && !out->oom) {
        size_t len;
        if (s[i] == 0x1B) {
            int m = jis_escape(s + i, n - i, &len);
            if (m < 0)
                return false;
            mode = shifted = m;
            i += len;
        } else if (s[i] == 0x0E || s[i] == 0x0F) { /* SO / SI katakana */
            mode = s[i] == 0x0E ? JIS_KANA : shifted;
            i++;
        } else if (mode == JIS_ASCII && shifted == JIS_ASCII) {
            /* an ASCII run up to the next escape or shift, in one append
               (line ends change nothing in ASCII mode) */
            size_t k = jis_shift_at(s, i + 1, n);
            bn_obuf_put(out, p + i, k - i);
            i = k;
        } else if (s[i] == '\n' || s[i] == '\r') {
            mode = shifted = JIS_ASCII; /* lines must end in ASCII: recover */
            bn_obuf_put(out, p + i++, 1);
        } else {
            i += jis_put(out, mode, s + i, n - i);
        }
    }
    return true;
}

/* ---- stateful 7-bit charsets: text that reads as itself ---- */

enum { PT_NONE, PT_UTF7, PT_2022, PT_2022CN };

/* pt_family - which stateful 7-bit charset target names (PT_NONE: another) */
static int pt_family(const char *t)
{
    if (strcmp(t, "UTF-7") == 0)
        return PT_UTF7;
    if (strcmp(t, CS_JIS) == 0 || strcmp(t, "iso-2022-kr") == 0 ||
        strcmp(t, "iso-2022-cn-ext") == 0)
        return PT_2022;
    return strcmp(t, "iso-2022-cn") == 0 ? PT_2022CN : PT_NONE;
}

/* pt_stop - byte c is not read as itself in family f: 8-bit bytes, the
   shifts ('+' in UTF-7; ESC, SO, SI in ISO-2022) and what glibc refuses
   (UTF-7: controls but TAB/LF/CR, '\\', '~', DEL; ISO-2022-CN: DEL) */
static bool pt_stop(int f, unsigned char c)
{
    if (c >= 0x80)
        return true;
    if (f == PT_UTF7)
        return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == '+' || c == '\\' ||
               c == '~' || c == 0x7F;
    return c == 0x1B || c == 0x0E || c == 0x0F || (f == PT_2022CN && c == 0x7F);
}

#if defined(__SSE2__)
/* pt_stop16 - mask of the bytes of v that pt_stop() names, 16 at a time
   (the check runs over whole text parts) */
static unsigned pt_stop16(int f, __m128i v)
{
#define EQ(c) _mm_cmpeq_epi8(v, _mm_set1_epi8((char)(c)))
    __m128i stop = _mm_cmplt_epi8(v, _mm_setzero_si128()); /* 8-bit bytes */
    if (f != PT_2022)
        stop = _mm_or_si128(stop, EQ(0x7F));
    if (f == PT_UTF7) {
        __m128i ok_ctl = _mm_or_si128(_mm_or_si128(EQ('\t'), EQ('\n')), EQ('\r'));
        __m128i ctl = _mm_andnot_si128(ok_ctl, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
        stop = _mm_or_si128(_mm_or_si128(stop, ctl),
                            _mm_or_si128(_mm_or_si128(EQ('+'), EQ('\\')), EQ('~')));
    } else {
        stop = _mm_or_si128(stop, _mm_or_si128(_mm_or_si128(EQ(0x1B), EQ(0x0E)), EQ(0x0F)));
    }
#undef EQ
    return (unsigned)_mm_movemask_epi8(stop);
}
#endif

/*
 * bn_charset_passthrough - p[0..n) converts to itself from target, a
 * stateful 7-bit charset (UTF-7, ISO-2022-*): outlook's DSNs label plain
 * ASCII "unicode-1-1-utf-7", and glibc's UTF-7 module cost more than the
 * rest of their parse. The byte sets are glibc's, checked byte by byte
 * against iconv in test_charset.
 */
bool bn_charset_passthrough(const char *target, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    int f = pt_family(target);
    size_t i = 0;
    if (f == PT_NONE)
        return false;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16)
        if (pt_stop16(f, _mm_loadu_si128((const __m128i *)(const void *)(s + i))))
            return false;
#endif
    for (; i < n; i++)
        if (pt_stop(f, s[i]))
            return false;
    return true;
}

/* ---- the entry point ---- */

/* cs_label - charset label trimmed of space and quotes, lowercased into key */
static size_t cs_label(bn_str cs, char key[CS_LABEL_MAX + 1])
{
    bn_str t = bn_str_trim(cs);
    while (t.n && (t.p[0] == '"' || t.p[0] == '\'')) {
        t.p++;
        t.n--;
    }
    while (t.n && (t.p[t.n - 1] == '"' || t.p[t.n - 1] == '\''))
        t.n--;
    t = bn_str_trim(t);
    if (t.n > CS_LABEL_MAX)
        t.n = CS_LABEL_MAX; /* no real label is that long; iconv will refuse */
    for (size_t i = 0; i < t.n; i++)
        key[i] = (char)bn_lc((unsigned char)t.p[i]);
    key[t.n] = '\0';
    return t.n;
}

/* ascii_compatible - ASCII bytes mean ASCII in this charset */
static bool ascii_compatible(const char *t)
{
    static const char *const no[] = {"utf-7", "utf7", "utf-16", "utf16", "utf-32",
                                     "utf32", "ucs", "unicode", "iso-2022", "iso2022",
                                     "hz", "cp1200", "cp1201", "ebcdic", "ibm037",
                                     "cp037", "ibm500", "cp500", "(iso-2022"};
    if (!strchr("uUiIhHcCeE(", t[0]))
        return true; /* no prefix below starts otherwise */
    if (strcmp(t, BN_CS_AUTO) == 0 || strcmp(t, BN_CS_UTF8) == 0)
        return true; /* the two most common targets, without the loop */
    bn_str s = bn_str_cstr(t);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (bn_str_starts_ci(s, no[i]))
            return false;
    return true;
}

/*
 * label_ok - a name worth giving to iconv_open: glibc drops bytes it does
 * not like and reads "//" suffixes, so "utf-8\xff" would open as UTF-8 and
 * "x//TRANSLIT" would change the error policy.
 */
static bool label_ok(const char *t)
{
    for (; *t; t++) {
        unsigned char c = (unsigned char)*t;
        if (!bn_is_alnum(c) && c != '-' && c != '_' && c != '.' && c != ':' && c != '+' &&
            c != '(' && c != ')')
            return false;
    }
    return true;
}

/* auto_convert - UTF-8 when valid, else windows-1252 (never invalid) */
static bn_str auto_convert(bn_obuf *out, bn_str b)
{
    if (bn_utf8_valid(b.p, b.n))
        return b;
    cp1252_convert(out, b.p, b.n);
    return bn_obuf_str(out);
}

/* convert_named - bytes from target (an iconv name or our own) into out */
static bool convert_named(bn_msg *msg, bn_obuf *out, const char *target, bn_str b)
{
    if (strcmp(target, "WINDOWS-1252") == 0) {
        cp1252_convert(out, b.p, b.n);
        return true;
    }
    if (strcmp(target, CS_JIS) == 0) {
        bn_obuf euc;
        bn_obuf_init(&euc, msg->arena, b.n + b.n / 2 + 16, out->limit);
        if (jis_to_euc(&euc, b.p, b.n) && !euc.oom)
            return convert_named(msg, out, "EUC-JP-MS", bn_obuf_str(&euc)) && !euc.full;
        target = "ISO-2022-JP-2";
    }
    iconv_t cd = label_ok(target) ? cs_open(msg, target) : (iconv_t)-1;
    if (cd == (iconv_t)-1) {
        msg->anomalies |= BN_ANOM_BAD_CHARSET; /* unknown charset: best guess */
        if (bn_utf8_valid(b.p, b.n))
            bn_obuf_put(out, b.p, b.n);
        else
            cp1252_convert(out, b.p, b.n);
        return false;
    }
    size_t start = out->n;
    size_t room = out->limit - out->n;
    bool roomy = room >= 16 && (room - 16) / 3 >= b.n;
    bool euc = roomy && strcmp(target, "EUC-JP-MS") == 0;
    bool ok = euc ? euc_loop(cd, out, b.p, b.n) : iconv_loop(cd, out, b.p, b.n);
    /* out->p is NULL while nothing was written (an empty or failed output).
       EUC-JP-MS maps only to BMP scalar values and nothing was cut (roomy):
       its output needs no second pass, a third of the instructions of an
       ISO-2022-JP or EUC-JP conversion (test_charset checks every code) */
    if (out->p && !euc && !bn_utf8_valid(out->p + start, out->n - start)) {
        /* glibc lets some bad input through (UTF-8 -> UTF-8 past U+10FFFF) */
        bn_obuf fix;
        bn_obuf_init(&fix, msg->arena, out->n + 16, out->limit);
        bn_obuf_put(&fix, out->p, start);
        bn_utf8_repair(&fix, out->p + start, out->n - start);
        *out = fix;
        ok = false;
    }
    return ok;
}

/* finish - account the output and flag limits; the result span */
static bn_str finish(bn_msg *msg, bn_obuf *out, bn_str r)
{
    if (r.p == out->p && out->p)
        bn_decoded_add(msg, out->n);
    if (out->full || out->oom) {
        msg->anomalies |= BN_ANOM_DECODE_LIMIT;
        r.n = bn_utf8_cut(r.p, r.n); /* never end inside a character */
    }
    return r;
}

/*
 * bn_to_utf8 - convert from charset (any label real mail uses) to UTF-8;
 * invalid sequences become U+FFFD; nothing is dropped.
 */
bn_str bn_to_utf8(bn_msg *msg, bn_str charset, bn_str bytes, bool *bad)
{
    if (!charset.n && bytes.n && ascii_run((const unsigned char *)bytes.p, bytes.n) == bytes.n) {
        if (bad) /* ASCII header text (no charset): most calls, no label to read */
            *bad = false;
        return bytes;
    }
    char key[CS_LABEL_MAX + 1];
    size_t kn = cs_label(charset, key);
    const char *target = kn ? bn_charset_alias(key, kn) : BN_CS_AUTO;
    if (!target)
        target = key; /* not ours: let iconv try the label as written */
    bool ok = true;
    if (bad)
        *bad = false;
    if (bytes.n == 0)
        return (bn_str){"", 0};
    if (ascii_run((const unsigned char *)bytes.p, bytes.n) == bytes.n &&
        (ascii_compatible(target) || bn_charset_passthrough(target, bytes.p, bytes.n)))
        return bytes; /* the common case: nothing to convert */
    bn_obuf out;
    bn_obuf_init(&out, msg->arena, bytes.n + bytes.n / 2 + 16, bn_decoded_room(msg));
    bn_str r;
    if (strcmp(target, BN_CS_AUTO) == 0) {
        r = auto_convert(&out, bytes);
    } else if (strcmp(target, BN_CS_UTF8) == 0) {
        if (bn_utf8_valid(bytes.p, bytes.n))
            return bytes;
        ok = bn_utf8_repair(&out, bytes.p, bytes.n);
        r = bn_obuf_str(&out);
    } else {
        ok = convert_named(msg, &out, target, bytes);
        r = bn_obuf_str(&out);
    }
    if (!ok) {
        msg->anomalies |= BN_ANOM_BAD_CHARSET;
        if (bad)
            *bad = true;
    }
    return finish(msg, &out, r);
}
