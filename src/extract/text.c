/* text.c - line, code and command helpers over UTF-8 text spans */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"
#include "extract/extract.h"

/* bn_x_line - next line of s from *pos (without EOL); false at the end */
bool bn_x_line(bn_str s, size_t *pos, bn_str *line)
{
    size_t i = *pos;
    if (i >= s.n)
        return false;
    size_t start = i;
    /* a vectorised search for the CR or LF: lines are scanned many times
       over, a byte loop here was a tenth of the parse */
    const char *eol = bn_mem_eol(s.p + start, s.n - start);
    size_t len = eol ? (size_t)(eol - (s.p + start)) : s.n - start;
    i = start + len;
    *line = (bn_str){s.p + start, len};
    /* CRLF, LF or a bare CR each end one line */
    if (i < s.n && s.p[i] == '\r') {
        i++;
        if (i < s.n && s.p[i] == '\n')
            i++;
    } else if (i < s.n) {
        i++;
    }
    *pos = i;
    return true;
}

/* bn_x_is_blank - the span holds only whitespace */
bool bn_x_is_blank(bn_str s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!bn_is_space((unsigned char)s.p[i]))
            return false;
    return true;
}

/* needs_unfold - s has an EOL, a tab or two spaces in a row (16 bytes at a
   time with SSE2: most texts need nothing and are scanned whole) */
static bool needs_unfold(bn_str s)
{
    size_t i = 0;
#if defined(__SSE2__)
    unsigned last_sp = 0; /* the byte before the block is a space */
    for (; i + 16 <= s.n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
        __m128i ctl = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                                                _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
        unsigned sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
        if (_mm_movemask_epi8(ctl) || (sp & (sp >> 1)) || (last_sp & sp))
            return true;
        last_sp = sp >> 15;
    }
    if (last_sp && i < s.n && s.p[i] == ' ')
        return true;
#endif
    for (; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '\r' || c == '\n' || c == '\t')
            return true;
        if (c == ' ' && i + 1 < s.n && s.p[i + 1] == ' ')
            return true;
    }
    return false;
}

#if defined(__SSE2__)
/* plain_block - the 16 bytes at p copy as they are: no whitespace but
   single spaces, none of them last (a run may go on in the next block) */
static bool plain_block(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i other = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\f')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\v')))));
    unsigned sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    return !_mm_movemask_epi8(other) && !(sp & (sp >> 1)) && !(sp & 0x8000u);
}
#endif

/* bn_x_unfold - join folds and whitespace runs into one space, trimmed */
bn_str bn_x_unfold(bn_arena *a, bn_str s)
{
    s = bn_str_trim(s);
    if (!needs_unfold(s))
        return s;
    char *out = bn_arena_alloc(a, s.n + 1);
    if (!out)
        return s;
    size_t o = 0;
    bool sp = false;
    for (size_t i = 0; i < s.n;) {
#if defined(__SSE2__)
        /* prose between the folds copies 16 bytes at a time */
        if (!sp && i + 16 <= s.n && plain_block(s.p + i)) {
            memcpy(out + o, s.p + i, 16);
            o += 16;
            i += 16;
            continue;
        }
#endif
        unsigned char c = (unsigned char)s.p[i++];
        if (bn_is_space(c)) {
            sp = true;
            continue;
        }
        if (sp && o)
            out[o++] = ' ';
        sp = false;
        out[o++] = (char)c;
    }
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

/* bn_x_find_status - first enhanced status code ("5.1.1") in s; empty if none */
bn_str bn_x_find_status(bn_str s)
{
    /* a code has its first '.' right after its first digit: only the byte
       before each dot can start one (memchr finds the dots) */
    size_t j = 1;
    while (j < s.n) {
        const char *dot = memchr(s.p + j, '.', s.n - j);
        if (!dot)
            break;
        size_t i = (size_t)(dot - s.p) - 1;
        size_t k = status_at(s, i);
        if (k)
            return (bn_str){s.p + i, k};
        j = i + 2;
    }
    return BN_STR_NULL;
}

/* bn_x_find_replycode - first reply code starting a word, followed by ' ', '-', end */
int bn_x_find_replycode(bn_str s)
{
    for (size_t i = 0; i + 3 <= s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < '2' || c > '5' || c == '3')
            continue;
        if (i > 0 && !bn_is_space((unsigned char)s.p[i - 1]) && s.p[i - 1] != ';' &&
            s.p[i - 1] != ':' && s.p[i - 1] != '(' && s.p[i - 1] != '"' &&
            s.p[i - 1] != '\'' && s.p[i - 1] != '<' && s.p[i - 1] != '#' && s.p[i - 1] != '[')
            continue;
        if (!bn_is_digit((unsigned char)s.p[i + 1]) || !bn_is_digit((unsigned char)s.p[i + 2]))
            continue;
        if (s.p[i + 1] > '5')
            continue;
        if (i + 3 < s.n && s.p[i + 3] != ' ' && s.p[i + 3] != '-' && s.p[i + 3] != '\t' &&
            s.p[i + 3] != '\r' && s.p[i + 3] != '\n' && s.p[i + 3] != ']' && s.p[i + 3] != ')')
            continue;
        return (c - '0') * 100 + (s.p[i + 1] - '0') * 10 + (s.p[i + 2] - '0');
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
    while (k < v.n && in_word((unsigned char)v.p[k]))
        k++;
    char *o = bn_arena_dup(a, v.p, k);
    if (!o)
        return (bn_str){v.p, k};
    for (size_t i = 0; i < k; i++)
        o[i] = (char)bn_lc((unsigned char)o[i]);
    return (bn_str){o, k};
}
