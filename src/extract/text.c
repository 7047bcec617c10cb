/* text.c - line, code and command helpers over UTF-8 text spans */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"
#include "extract/extract.h"

/* bn_x_lines_grow - bn_x_lines_keep when the index is full: grow it (arena),
   up to BN_X_LINES_MAX lines */
void bn_x_lines_grow(bn_xctx *x, bn_str line)
{
    size_t cap = x->lines_cap ? x->lines_cap * 2 : 64;
    if (cap > BN_X_LINES_MAX)
        cap = BN_X_LINES_MAX;
    bn_str *nv = x->nlines < cap ? bn_arena_alloc(x->arena, cap * sizeof *nv) : NULL;
    if (!nv) {
        x->lines_all = false; /* the index stops here */
        return;
    }
    if (x->nlines)
        memcpy(nv, x->lines, x->nlines * sizeof *nv);
    x->lines = nv;
    x->lines_cap = cap;
    x->lines[x->nlines++] = line;
}

/* bn_x_text_lines - the first lines of x->text from the index (see extract.h) */
size_t bn_x_text_lines(const bn_xctx *x, size_t max, const bn_str **lines)
{
    if (!x->nlines || x->lines_of != x->text.p)
        return SIZE_MAX;
    const char *end = x->text.p + x->text.n;
    size_t k = x->nlines;
    while (k && x->lines[k - 1].p >= end)
        k--; /* lines below a cut (the text was shortened at a line start) */
    if (k && x->lines[k - 1].p + x->lines[k - 1].n > end)
        return SIZE_MAX; /* a cut inside a line: not the lines of this text */
    *lines = x->lines;
    if (k >= max)
        return max;
    return k < x->nlines || x->lines_all ? k : SIZE_MAX;
}

#if defined(__SSE2__)
/* folds_in - the 16 bytes at p hold an EOL, a tab or two spaces in a row
   (inline: asked for every 15 bytes of every value unfolded) */
static inline bool folds_in(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i ctl = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                               _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
    unsigned sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    return _mm_movemask_epi8(ctl) || (sp & (sp >> 1));
}
#endif

/* needs_unfold - s has an EOL, a tab or two spaces in a row (16 bytes at a
   time with SSE2: most texts need nothing and are scanned whole) */
static bool needs_unfold(bn_str s)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (s.n >= 16) {
        /* blocks that overlap by one byte, so that no pair of spaces falls
           between two; the last block ends at the end (most values are
           short: a byte loop over their tail cost more than the blocks) */
        for (; i + 16 < s.n; i += 15)
            if (folds_in(s.p + i))
                return true;
        return folds_in(s.p + s.n - 16);
    }
#endif
    for (; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!bn_is_space(c))
            continue; /* most bytes: one test */
        if (c == '\r' || c == '\n' || c == '\t')
            return true;
        if (c == ' ' && i + 1 < s.n && s.p[i + 1] == ' ')
            return true;
    }
    return false;
}

#if defined(__SSE2__)
/* irregular_at - bit k set when byte k of the 16 at p starts a run of
   whitespace that unfolding changes: any whitespace but a single space
   before a non-space byte (a space last in the block may go on in the next
   one, so it counts); 0: the block copies as it is */
static unsigned irregular_at(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    __m128i other = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\f')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\v')))));
    unsigned s = (unsigned)_mm_movemask_epi8(sp), o = (unsigned)_mm_movemask_epi8(other);
    return o | (s & (((s | o) >> 1) | 0x8000u));
}
#endif

/* unfold_into - s (trimmed: it starts and ends with a non-space byte)
   with each run of whitespace made one space, into out; returns the length */
static size_t unfold_into(char *out, bn_str s)
{
    size_t o = 0, i = 0;
    while (i < s.n) {
#if defined(__SSE2__)
        /* the bytes before the next run to fold copy at once, 16 at a time
           (a byte loop here was most of the cost of joining lines) */
        if (i + 16 <= s.n) {
            unsigned irr = irregular_at(s.p + i);
            size_t j = irr ? (size_t)__builtin_ctz(irr) : 16;
            memcpy(out + o, s.p + i, 16); /* only j of them are kept */
            o += j;
            i += j;
            if (j == 16)
                continue;
        }
#endif
        if (!bn_is_space((unsigned char)s.p[i])) {
            out[o++] = s.p[i++];
            continue;
        }
        while (bn_is_space((unsigned char)s.p[i]))
            i++; /* the text ends with a non-space byte: this stops */
        out[o++] = ' ';
    }
    return o;
}

/* bn_x_unfold - join folds and whitespace runs into one space, trimmed */
bn_str bn_x_unfold(bn_arena *a, bn_str s)
{
    s = bn_str_trim(s);
    if (!needs_unfold(s))
        return s;
    /* the 16-byte copies stay inside: each starts at o <= i, i + 16 <= s.n */
    char *out = bn_arena_alloc(a, s.n + 1);
    if (!out)
        return s;
    size_t o = unfold_into(out, s);
    out[o] = '\0';
    return (bn_str){out, o};
}

/* digits_at - count of digits at s[i..], at most max+1 */
static size_t digits_at(bn_str s, size_t i, size_t max)
{
    size_t k = 0;
    while (i + k < s.n && bn_is_digit((unsigned char)s.p[i + k]) && k <= max)
        k++;
    return k;
}

/* status_at - length of an enhanced status code starting at i, or 0 */
static size_t status_at(bn_str s, size_t i)
{
    char c = s.p[i];
    if (c != '2' && c != '4' && c != '5')
        return 0;
    if (i > 0 && (bn_is_alnum((unsigned char)s.p[i - 1]) || s.p[i - 1] == '.'))
        return 0;
    if (i + 1 >= s.n || s.p[i + 1] != '.')
        return 0;
    size_t a = digits_at(s, i + 2, 3);
    if (a == 0 || a > 3 || i + 2 + a >= s.n || s.p[i + 2 + a] != '.')
        return 0;
    size_t b = digits_at(s, i + 3 + a, 3);
    if (b == 0 || b > 3)
        return 0;
    size_t end = i + 3 + a + b;
    /* "5.1.1." ends a sentence; "5.1.1.3" is a version or an IP address */
    if (end < s.n && (bn_is_alnum((unsigned char)s.p[end]) ||
                      (s.p[end] == '.' && end + 1 < s.n &&
                       bn_is_digit((unsigned char)s.p[end + 1]))))
        return 0;
    return end - i;
}

/* next_dot - offset of the first '.' in s at or after j, or s.n (inline,
   16 bytes a step: a memchr call per dot cost more on the short replies
   most searches are of) */
static inline size_t next_dot(bn_str s, size_t j)
{
#if defined(__SSE2__)
    for (; j + 16 <= s.n; j += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s.p + j));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
        if (m)
            return j + (size_t)__builtin_ctz(m);
    }
#endif
    while (j < s.n && s.p[j] != '.')
        j++;
    return j;
}

/* bn_x_find_status - first enhanced status code ("5.1.1") in s; empty if none */
bn_str bn_x_find_status(bn_str s)
{
    /* a code has its first '.' right after its first digit: only the byte
       before each dot can start one */
    size_t j = 1;
    while (j < s.n) {
        size_t d = next_dot(s, j);
        if (d >= s.n)
            break;
        size_t i = d - 1;
        size_t k = status_at(s, i);
        if (k)
            return (bn_str){s.p + i, k};
        j = i + 2;
    }
    return BN_STR_NULL;
}

/* replycode_at - the reply code starting a word at s.p[i] (s.p[i] is '2',
   '4' or '5'), followed by ' ', '-', a line end or a bracket; 0 if none */
static int replycode_at(bn_str s, size_t i)
{
    unsigned char c = (unsigned char)s.p[i];
    if (i > 0 && !bn_is_space((unsigned char)s.p[i - 1]) && s.p[i - 1] != ';' &&
        s.p[i - 1] != ':' && s.p[i - 1] != '(' && s.p[i - 1] != '"' &&
        s.p[i - 1] != '\'' && s.p[i - 1] != '<' && s.p[i - 1] != '#' && s.p[i - 1] != '[')
        return 0;
    if (!bn_is_digit((unsigned char)s.p[i + 1]) || !bn_is_digit((unsigned char)s.p[i + 2]))
        return 0;
    if (s.p[i + 1] > '5')
        return 0;
    if (i + 3 < s.n && s.p[i + 3] != ' ' && s.p[i + 3] != '-' && s.p[i + 3] != '\t' &&
        s.p[i + 3] != '\r' && s.p[i + 3] != '\n' && s.p[i + 3] != ']' && s.p[i + 3] != ')')
        return 0;
    return (c - '0') * 100 + (s.p[i + 1] - '0') * 10 + (s.p[i + 2] - '0');
}

/* bn_x_find_replycode - first reply code starting a word, followed by ' ', '-', end */
int bn_x_find_replycode(bn_str s)
{
    size_t i = 0;
    if (s.n < 3)
        return 0;
    size_t last = s.n - 3; /* the last position a code can start at */
#if defined(__SSE2__)
    /* the bytes '2', '4', '5' found 16 at a time: replies are scanned whole
       and most of their bytes start no code */
    const __m128i c2 = _mm_set1_epi8('2'), c4 = _mm_set1_epi8('4'), c5 = _mm_set1_epi8('5');
    for (; i + 16 <= last + 1; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(v, c2), _mm_or_si128(_mm_cmpeq_epi8(v, c4), _mm_cmpeq_epi8(v, c5))));
        for (; m; m &= m - 1) {
            int rc = replycode_at(s, i + (size_t)__builtin_ctz(m));
            if (rc)
                return rc;
        }
    }
#endif
    for (; i <= last; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c != '2' && c != '4' && c != '5')
            continue;
        int rc = replycode_at(s, i);
        if (rc)
            return rc;
    }
    return 0;
}

/* Phrases that name the SMTP command a reply answered, most specific first. */
static const struct {
    const char *phrase;
    const char *cmd;
} command_phrases[] = {
    {"after end of data", "DATA"},
    {"after data", "DATA"},
    {"end of data", "DATA"},
    {"reply to end of data", "DATA"},
    {"after rcpt to", "RCPT"},
    {"after rcpt command", "RCPT"}, /* GMX: "after RCPT command:" */
    {"after mail command", "MAIL"},
    {"reply to rcpt to", "RCPT"},
    {"in reply to rcpt", "RCPT"},
    {"rcpt to:", "RCPT"},
    {"rcpt to command", "RCPT"},
    {"after mail from", "MAIL"},
    {"reply to mail from", "MAIL"},
    {"in reply to mail", "MAIL"},
    {"mail from:", "MAIL"},
    {"after helo", "HELO"},
    {"after ehlo", "EHLO"},
    {"reply to helo", "HELO"},
    {"reply to ehlo", "EHLO"},
    {"in reply to data", "DATA"},
    {"reply to data", "DATA"},
    {"after starttls", "STARTTLS"},
    {"after auth", "AUTH"},
    {"after initial connection", "CONN"},
    {"in reply to data command", "DATA"},
    {">>> data", "DATA"},
    /* hMailServer names what it sent last: "hMailServer sent: ." is the
       dot that ends the message data */
    {"sent: .", "DATA"},
    /* "SMTP:RCPT host 192.0.2.8: 553 ..." (a gateway's technical details) */
    {"smtp:rcpt", "RCPT"},
    {"smtp:mail", "MAIL"},
    {"smtp:data", "DATA"},
    /* Postfix "(in reply to RCPT TO command)" with the verb rewritten */
    {" to command", "RCPT"},
    {" from command", "MAIL"},
    /* qmail's sentences */
    {"sender was rejected", "MAIL"},
    {"does not like recipient", "RCPT"},
    {"failed after i sent the message", "DATA"},
    {"failed on data command", "DATA"},
};

/* command_matcher - the matcher of command_phrases: the parser's cached one
   when x is given, else built in *scratch */
static const bn_multi *command_matcher(const bn_xctx *x, bn_multi *scratch)
{
    enum { NPHRASES = sizeof command_phrases / sizeof command_phrases[0] };
    _Static_assert(NPHRASES <= BN_MULTI_MAX, "command_phrases: too many rows for bn_multi");
    const bn_multi *kept =
        bn_x_multi_cached(x, command_phrases, command_phrases[0].phrase, NPHRASES);
    if (kept)
        return kept; /* the phrases are gathered only to build it */
    const char *phrases[NPHRASES];
    for (size_t k = 0; k < NPHRASES; k++)
        phrases[k] = command_phrases[k].phrase;
    if (x)
        return bn_x_multi_keyed(x, command_phrases, phrases, NPHRASES, scratch);
    bn_multi_init(scratch, phrases, NPHRASES);
    return scratch;
}

/* command_in - the command of the phrase m finds first in s: the phrase
   that starts first wins, on a tie the earlier row (one pass over s) */
static bn_str command_in(const bn_multi *m, bn_str s)
{
    size_t k;
    if (!bn_multi_find(m, s, &k))
        return BN_STR_NULL;
    return bn_str_cstr(command_phrases[k].cmd);
}

/* command_short - command_in for a short text without a matcher: each
   phrase searched before the best start so far, so the earliest start wins
   and on a tie the earlier row, as with the matcher */
static bn_str command_short(bn_str s)
{
    size_t best = s.n, k_best = 0;
    for (size_t k = 0; k < sizeof command_phrases / sizeof command_phrases[0]; k++) {
        const char *ph = command_phrases[k].phrase;
        size_t n = strlen(ph), room = best + n - 1; /* starts before best only */
        const char *f = bn_mem_find_ci(s.p, room < s.n ? room : s.n, ph, n);
        if (f && (size_t)(f - s.p) < best) {
            best = (size_t)(f - s.p);
            k_best = k;
        }
    }
    return best < s.n ? bn_str_cstr(command_phrases[k_best].cmd) : BN_STR_NULL;
}

/* bn_x_find_command - SMTP command a text says it answered ("RCPT"...) or empty */
bn_str bn_x_find_command(bn_str s)
{
    bn_multi m;
    if (s.n <= 1024)
        return command_short(s); /* building the matcher costs more than this */
    return command_in(command_matcher(NULL, &m), s);
}

/* bn_x_command - bn_x_find_command with the parser's cached matcher */
bn_str bn_x_command(const bn_xctx *x, bn_str s)
{
    bn_multi scratch;
    return s.n ? command_in(command_matcher(x, &scratch), s) : BN_STR_NULL;
}

/* bn_x_is_token_char - letter, digit, '-' or '_' (a field's keyword value) */
bool bn_x_is_token_char(unsigned char c)
{
    return bn_is_alnum(c) || c == '-' || c == '_';
}

/* bn_x_is_alpha_char - an ASCII letter */
bool bn_x_is_alpha_char(unsigned char c)
{
    return bn_is_alpha(c);
}

/* bn_x_lower_word - the leading run of in_word bytes of v (trimmed), lowercased */
bn_str bn_x_lower_word(bn_arena *a, bn_str v, bool (*in_word)(unsigned char))
{
    v = bn_str_trim(v);
    size_t k = 0;
    bool upper = false;
    for (; k < v.n && in_word((unsigned char)v.p[k]); k++)
        upper |= v.p[k] >= 'A' && v.p[k] <= 'Z';
    if (!upper)
        return (bn_str){v.p, k}; /* already lower case ("failed"): no copy */
    char *o = bn_arena_dup(a, v.p, k);
    if (!o)
        return (bn_str){v.p, k};
    for (size_t i = 0; i < k; i++)
        o[i] = (char)bn_lc((unsigned char)o[i]);
    return (bn_str){o, k};
}
