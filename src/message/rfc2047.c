/*
 * rfc2047.c - encoded words in header values ("=?charset?B?...?=")
 *
 * Decoded bytes of adjacent words in the same charset are joined before
 * the charset conversion, so a multi-byte character split across two words
 * comes out whole. Whitespace between two encoded words is dropped (RFC
 * 2047 6.2). Malformed words stay as written. Text outside words that is
 * not UTF-8 is read as windows-1252. The scan is linear: the positions of
 * the next "?=" and the next line end are remembered, so a value full of
 * "=?" openers without closers is not searched again and again.
 */
#include <string.h>

#include "core/str.h"
#include "message/message.h"
#include "message/msg_priv.h"

#define EW_CHARSET_MAX 64

typedef struct ew {
    bn_str charset; /* without an RFC 2231 "*lang" suffix */
    char enc;       /* 'b' or 'q' */
    bn_str text;
    size_t end;     /* index after "?=" */
} ew;

typedef struct ewscan {
    const char *s;
    size_t n;
    size_t close;   /* index of the next "?=" at or after close_from, or n */
    size_t close_from;
    size_t eol;     /* index of the next CR or LF at or after eol_from, or n */
    size_t eol_from;
} ewscan;

/* find_eol - index of the first CR or LF at or after i (n if none), cached */
static size_t find_eol(ewscan *sc, size_t i)
{
    if (i >= sc->eol_from && i <= sc->eol)
        return sc->eol;
    size_t j = i;
    while (j < sc->n && sc->s[j] != '\r' && sc->s[j] != '\n')
        j++;
    sc->eol_from = i;
    sc->eol = j;
    return j;
}

/* find_close - index of the first "?=" at or after i (n if none), cached */
static size_t find_close(ewscan *sc, size_t i)
{
    if (i >= sc->close_from && i <= sc->close)
        return sc->close;
    size_t j = i;
    for (;;) {
        const char *q = j < sc->n ? memchr(sc->s + j, '?', sc->n - j) : NULL;
        if (!q || (size_t)(q - sc->s) + 1 >= sc->n) {
            j = sc->n;
            break;
        }
        j = (size_t)(q - sc->s);
        if (sc->s[j + 1] == '=')
            break;
        j++;
    }
    sc->close_from = i;
    sc->close = j;
    return j;
}

/* is_cs_byte - byte allowed in a charset name */
static bool is_cs_byte(unsigned char c)
{
    return c > 32 && c < 127 && c != '?' && c != '=' && c != '"' && c != '(' && c != ')';
}

/* parse_ew - the encoded word starting at k ("=?"), false if malformed */
static bool parse_ew(ewscan *sc, size_t k, ew *w)
{
    const unsigned char *s = (const unsigned char *)sc->s;
    size_t j = k + 2;
    while (j < sc->n && j - (k + 2) <= EW_CHARSET_MAX && is_cs_byte(s[j]))
        j++;
    if (j == k + 2 || j + 3 > sc->n || s[j] != '?' || s[j + 2] != '?')
        return false;
    w->enc = (char)bn_lc(s[j + 1]);
    if (w->enc != 'b' && w->enc != 'q')
        return false;
    w->charset = bn_str_make(sc->s + k + 2, j - (k + 2));
    const char *star = memchr(w->charset.p, '*', w->charset.n);
    if (star)
        w->charset.n = (size_t)(star - w->charset.p);
    size_t t = j + 3, e = find_close(sc, t);
    if (e >= sc->n)
        return false;
    if (find_eol(sc, t) < e)
        return false; /* a word never spans lines */
    w->text = bn_str_make(sc->s + t, e - t);
    w->end = e + 2;
    return true;
}

/* hexv - value of a hex digit, -1 if not one */
static int hexv(unsigned char c)
{
    if (bn_is_digit(c))
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* q_decode - append the Q-decoded text ('_' is space, =XX a byte) */
static void q_decode(bn_obuf *o, bn_str t)
{
    for (size_t i = 0; i < t.n; i++) {
        unsigned char c = (unsigned char)t.p[i];
        int h1, h2;
        if (c == '_')
            c = ' ';
        else if (c == '=' && i + 2 < t.n && (h1 = hexv((unsigned char)t.p[i + 1])) >= 0 &&
                 (h2 = hexv((unsigned char)t.p[i + 2])) >= 0) {
            c = (unsigned char)(h1 << 4 | h2);
            i += 2;
        }
        char ch = (char)c;
        bn_obuf_put(o, &ch, 1);
    }
}

typedef struct ewstate {
    bn_msg *msg;
    bn_obuf out;     /* UTF-8 result */
    bn_obuf pend;    /* decoded bytes of the current run of words */
    bn_str pend_cs;  /* their charset */
    bool in_run;     /* the last token was an encoded word */
} ewstate;

/* flush - convert the pending bytes to UTF-8 and append them */
static void flush(ewstate *st)
{
    if (st->pend.n) {
        bn_str u = bn_to_utf8(st->msg, st->pend_cs, bn_obuf_str(&st->pend), NULL);
        bn_obuf_put(&st->out, u.p, u.n);
    }
    st->pend.n = 0;
    st->in_run = false;
}

/* literal - append text found outside encoded words */
static void literal(ewstate *st, const char *p, size_t n)
{
    if (!n)
        return;
    flush(st);
    bn_str u = bn_to_utf8(st->msg, BN_STR_NULL, bn_str_make(p, n), NULL);
    bn_obuf_put(&st->out, u.p, u.n);
}

/* all_wsp - the span is only whitespace (folds included) */
static bool all_wsp(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!bn_is_space((unsigned char)p[i]))
            return false;
    return true;
}

/* word - append one encoded word's bytes to the run (new run if charset differs) */
static void word(ewstate *st, const ew *w)
{
    if (st->in_run && !(st->pend_cs.n == w->charset.n &&
                        bn_mem_find_ci(st->pend_cs.p, st->pend_cs.n, w->charset.p, w->charset.n)))
        flush(st);
    st->pend_cs = w->charset;
    if (w->enc == 'q') {
        q_decode(&st->pend, w->text);
    } else {
        bn_str b = bn_decode_base64(st->msg->arena, w->text.p, w->text.n, NULL);
        bn_obuf_put(&st->pend, b.p, b.n);
    }
    st->in_run = true;
}

/* has_ew_start - "=?" occurs in v (memchr on '=': most values have none,
   and the general case-insensitive search cost more than the decoding) */
static bool has_ew_start(bn_str v)
{
    const char *p = v.p, *end = v.p + v.n;
    while (p < end && (p = memchr(p, '=', (size_t)(end - p))) != NULL && p + 1 < end) {
        if (p[1] == '?')
            return true;
        p++;
    }
    return false;
}

/* bn_decode_rfc2047 - decode encoded words in a header value to UTF-8 */
bn_str bn_decode_rfc2047(bn_msg *msg, bn_str v)
{
    if (!v.n || !has_ew_start(v)) /* the usual case */
        return bn_to_utf8(msg, BN_STR_NULL, v, NULL);
    ewstate st = {.msg = msg};
    ewscan sc = {v.p, v.n, 0, 1, 0, 1}; /* both caches start empty */
    size_t lim = v.n > (size_t)-1 / 4 - 64 ? v.n : v.n * 4 + 64;
    bn_obuf_init(&st.out, msg->arena, v.n + 16, lim);
    bn_obuf_init(&st.pend, msg->arena, 0, v.n + 16);
    size_t i = 0, lit = 0;
    while (i + 1 < v.n) {
        const char *q = memchr(v.p + i, '=', v.n - i - 1);
        if (!q)
            break;
        size_t k = (size_t)(q - v.p);
        ew w;
        if (v.p[k + 1] != '?' || !parse_ew(&sc, k, &w)) {
            i = k + 1;
            continue;
        }
        if (!(st.in_run && all_wsp(v.p + lit, k - lit)))
            literal(&st, v.p + lit, k - lit);
        word(&st, &w);
        i = lit = w.end;
    }
    literal(&st, v.p + lit, v.n - lit);
    flush(&st);
    bn_str r = bn_obuf_str(&st.out);
    if (st.out.full || st.out.oom)
        r.n = bn_utf8_cut(r.p, r.n); /* out of memory: never end inside a character */
    return r;
}
