/*
 * scan.c - reading codes, retry delays and IP addresses out of reply text
 *
 * Diagnostics are free text written by many different servers; these
 * scanners are deliberately conservative about what counts as a code so
 * that IP addresses, ports, sizes and version numbers are never mistaken
 * for one.
 */
#include <arpa/inet.h>
#include <string.h>

#include "classify/classify.h"
#include "core/str.h"
#include "knowledge/knowledge.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__SSE2__)
/* eq3_16 - bit j set when q[j] (j < 16) is a, b or c */
static inline unsigned eq3_16(const char *q, char a, char b, char c)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(a)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(b)),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8(c))));
    return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/*
 * byte_mask - bit j set when p[base + j] (j < 16, base + j < n) is a, b or
 * c. A reply code starts with one of three digits: finding those 16 bytes at
 * a time skips the text between them at a fraction of a test per byte. The
 * last, partial 16 bytes of a text of 16 or more are read as the text's
 * final 16 bytes, the mask shifted into place: no byte loop, no copy.
 */
static inline unsigned byte_mask(const char *p, size_t n, size_t base, char a, char b, char c)
{
    unsigned m = 0;
#if defined(__SSE2__)
    if (base + 16 <= n)
        return eq3_16(p + base, a, b, c);
    if (n >= 16)
        return eq3_16(p + n - 16, a, b, c) >> (base + 16 - n);
#endif
    for (size_t j = 0; j < 16 && base + j < n; j++)
        if (p[base + j] == a || p[base + j] == b || p[base + j] == c)
            m |= 1u << j;
    return m;
}

/* reply_before_ok - a byte that may precede a reply code */
static bool reply_before_ok(unsigned char c)
{
    return bn_is_space(c) || c == ';' || c == ':' || c == '(' || c == '"' || c == '\'' ||
           c == '=';
}

/* leads_reply - p[i] starts the text (after blanks) or follows "; " / ": " */
static bool leads_reply(const char *p, size_t i)
{
    size_t j = i;
    while (j > 0 && bn_is_space((unsigned char)p[j - 1]))
        j--;
    return j == 0 || p[j - 1] == ';' || p[j - 1] == ':';
}

/* reply_at - a standalone reply code starts at p[i]: its value, else 0 */
static int reply_at(const char *p, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)p;
    if (i + 3 > n || (i > 0 && !reply_before_ok(u[i - 1])))
        return 0;
    if (!(u[i] == '2' || u[i] == '4' || u[i] == '5') || u[i + 1] < '0' || u[i + 1] > '5' ||
        !bn_is_digit(u[i + 2]))
        return 0;
    if (i + 3 < n && !(bn_is_space(u[i + 3]) || u[i + 3] == '-'))
        return 0;
    /* "550-5.7.1" / "550 5.7.1" go on with a status; "555-0100" and
     * "91 555 0100" are phone numbers: a number after the code must be one */
    if (i + 5 < n && (u[i + 3] == '-' || u[i + 3] == ' ') && bn_is_digit(u[i + 4]) &&
        u[i + 5] != '.')
        return 0;
    int code = (u[i] - '0') * 100 + (u[i + 1] - '0') * 10 + (u[i + 2] - '0');
    /*
     * A success code must be a real one ("X-Unix; 255" is an exit status) and
     * lead the reply ("250 ok", "smtp; 250 ...", "said: 250 ..."): a number in
     * the middle of a failure text ("250 messages") is not a delivery.
     */
    if (code < 300 && (!bn_kb_reply_find(code) || !leads_reply(p, i)))
        return 0;
    return code;
}

/* status_len_at - length of a standalone "c.s.d" at p[i], 0 when none (the
   shape is checked first: it refuses most candidates in a few tests) */
static inline size_t status_len_at(const char *p, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)p;
    /* in free text the subject is one digit 0-7 (all that is assigned): this
       keeps version numbers ("Exim 4.92.3", "Postfix 2.11.3") out */
    if (i + 5 > n || !(u[i] == '2' || u[i] == '4' || u[i] == '5') || u[i + 1] != '.' ||
        u[i + 2] < '0' || u[i + 2] > '7' || u[i + 3] != '.' || !bn_is_digit(u[i + 4]))
        return 0;
    if (i > 0 && (bn_is_alnum(u[i - 1]) || u[i - 1] == '.'))
        return 0;
    size_t j = i + 5, d = 1;
    while (j < n && bn_is_digit(u[j]) && d < 4)
        j++, d++;
    if (d > 3)
        return 0;
    if (j < n && (bn_is_alnum(u[j]) || (u[j] == '.' && j + 1 < n && bn_is_digit(u[j + 1]))))
        return 0;
    return j - i;
}

/* status_dots - bit j set when p[base + j] is a '.' right after a 2, 4 or 5
   (the only place a status's first dot can be), 16 bytes at a time */
static unsigned status_dots(const char *p, size_t n, size_t base)
{
    unsigned lead = byte_mask(p, n, base, '2', '4', '5') << 1;
    if (base > 0 && (p[base - 1] == '2' || p[base - 1] == '4' || p[base - 1] == '5'))
        lead |= 1;
    return byte_mask(p, n, base, '.', '.', '.') & lead;
}

/* found - a status position and length found by find_status */
typedef struct found {
    size_t at, len;
} found;

/*
 * find_status - the first failure status (4.x.x/5.x.x) into *fail and the
 * first success status (2.x.x) before it into *ok (at = n when none). One
 * pass for both: most texts hold no failure status, and a second pass for
 * the success one would read the text again.
 */
static void find_status(const char *p, size_t n, found *fail, found *ok)
{
    *fail = (found){n, 0}, *ok = (found){n, 0};
    for (size_t base = 0; base < n; base += 16) {
        for (unsigned m = status_dots(p, n, base); m; m &= m - 1) {
            size_t i = base + (unsigned)__builtin_ctz(m) - 1, l;
            if (p[i] == '2' && ok->at < n)
                continue;
            if ((l = status_len_at(p, n, i)) == 0)
                continue;
            if (p[i] != '2') {
                *fail = (found){i, l};
                return;
            }
            *ok = (found){i, l};
        }
    }
}

/* copy_status - store a found status: 5 to 7 bytes (status_len_at), so two
   fixed-size copies that overlap do it without a call to memcpy */
static void copy_status(char status[BN_STATUS_MAX], const char *p, size_t l)
{
    memcpy(status, p, 4);
    memcpy(status + l - 4, p + l - 4, 4);
    status[l] = 0;
}

/* scan_status - the status after the reply code, else any failure, else success */
static void scan_status(const char *p, size_t n, size_t after, char status[BN_STATUS_MAX])
{
    size_t len = 0, i = after;
    while (i < n && (p[i] == '-' || p[i] == ' ' || p[i] == '#' || p[i] == '\t'))
        i++;
    if (after > 0 && i < n && (len = status_len_at(p, n, i)) > 0) {
        copy_status(status, p + i, len);
        return;
    }
    found fail, ok;
    find_status(p, n, &fail, &ok);
    i = fail.at, len = fail.len;
    if (i == n) {
        /* a success status only where a reply would start */
        i = ok.at, len = ok.len;
        if (i < n && !leads_reply(p, i) && !(i > 0 && p[i - 1] == '#'))
            i = n;
    }
    if (i < n)
        copy_status(status, p + i, len);
}

/* bn_reply_scan - find an SMTP reply code and/or an enhanced status code */
bool bn_reply_scan(const char *p, size_t n, int *replycode, char status[BN_STATUS_MAX])
{
    int code = 0;
    size_t after = 0;
    char st[BN_STATUS_MAX] = "";
    /* a code starts with 2, 4 or 5: only those bytes are tried, in order */
    for (size_t base = 0; p && base < n && !code; base += 16) {
        for (unsigned m = byte_mask(p, n, base, '2', '4', '5'); m && !code; m &= m - 1) {
            size_t i = base + (unsigned)__builtin_ctz(m);
            code = reply_at(p, n, i);
            if (code)
                after = i + 3;
        }
    }
    if (p)
        scan_status(p, n, after, st);
    if (replycode)
        *replycode = code;
    if (status)
        memcpy(status, st, BN_STATUS_MAX);
    return code != 0 || st[0] != 0;
}

/* unit_seconds - seconds in the unit word at p (s, sec, minutes, hours...), 0 if none */
static long unit_seconds(const char *p, size_t n)
{
    static const struct {
        const char *w;
        long s;
    } units[] = {{"seconds", 1}, {"second", 1}, {"secs", 1}, {"sec", 1},
                 {"minutes", 60}, {"minute", 60}, {"mins", 60}, {"min", 60},
                 {"hours", 3600}, {"hour", 3600}, {"hrs", 3600}, {"hr", 3600},
                 {"days", 86400}, {"day", 86400}, {"s", 1}, {"m", 60}, {"h", 3600}};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        size_t l = strlen(units[k].w);
        if (l <= n && memcmp(p, units[k].w, l) == 0 && (l == n || !bn_is_alpha((unsigned char)p[l])))
            return units[k].s;
    }
    return 0;
}

/* delay_at - "<number> <unit>" at p: seconds, or -1 */
static long delay_at(const char *p, size_t n)
{
    size_t i = 0;
    long v = 0;
    while (i < n && bn_is_digit((unsigned char)p[i]) && v < 10000000)
        v = v * 10 + (p[i++] - '0');
    if (i == 0 || v >= 10000000)
        return -1;
    if (i < n && p[i] == ' ')
        i++;
    long u = unit_seconds(p + i, n - i);
    return u ? v * u : -1;
}

/* bn_retry_after_scan - seconds the text asks to wait, or -1 */
long bn_retry_after_scan(const char *p, size_t n)
{
    static const char *const keys[] = {"try again in ", "try again after ", "retry in ",
                                       "retry after ", "again in about ", "try again in about ",
                                       "wait ", "retry-after: ", "please wait "};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        size_t kl = strlen(keys[k]);
        const char *hit = p;
        size_t left = n;
        while (left >= kl && (hit = bn_mem_find_ci(hit, left, keys[k], kl)) != NULL) {
            long s = delay_at(hit + kl, n - (size_t)(hit + kl - p));
            if (s >= 0)
                return s;
            hit += kl;
            left = n - (size_t)(hit - p);
        }
    }
    return -1;
}

/* octet_len - the number of 1 to 3 digits at u[j] (before n) worth at most
   255 and not followed by a fourth digit; 0 when there is no such number.
   Unrolled: it runs for every dot that may start an address. */
static inline size_t octet_len(const unsigned char *u, size_t n, size_t j)
{
    size_t left = n - j;
    if (left == 0 || !bn_is_digit(u[j]))
        return 0;
    if (left == 1 || !bn_is_digit(u[j + 1]))
        return 1;
    if (left == 2 || !bn_is_digit(u[j + 2]))
        return 2;
    unsigned v = (u[j] - '0') * 100u + (u[j + 1] - '0') * 10u + (u[j + 2] - '0');
    if (v > 255 || (left > 3 && bn_is_digit(u[j + 3])))
        return 0;
    return 3;
}

/* ipv4_at - a dotted quad at p[i] not inside a longer dotted number: its length */
static size_t ipv4_at(const char *p, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)p;
    if (i > 0 && (bn_is_digit(u[i - 1]) || u[i - 1] == '.'))
        return 0;
    size_t j = i;
    for (int part = 0; part < 4; part++) {
        size_t d = octet_len(u, n, j);
        if (d == 0)
            return 0;
        j += d;
        if (part < 3) {
            if (j >= n || u[j] != '.')
                return 0;
            j++;
        }
    }
    if (j < n && (bn_is_digit(u[j]) || (u[j] == '.' && j + 1 < n && bn_is_digit(u[j + 1]))))
        return 0;
    return j - i;
}

/* is_hex - hexadecimal digit */
static bool is_hex(unsigned char c)
{
    return bn_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* ipv6_at - an IPv6 literal (validated by inet_pton) at p[i]: its length */
static size_t ipv6_at(const char *p, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)p;
    if (i > 0 && (is_hex(u[i - 1]) || u[i - 1] == ':' || bn_is_alpha(u[i - 1])))
        return 0;
    size_t j = i, colons = 0;
    /* quick reject: an IPv6 literal has a ':' within its first 5 bytes */
    if (!memchr(p + i, ':', n - i < 5 ? n - i : 5))
        return 0;
    while (j < n && j - i < BN_IP_MAX - 1 && (is_hex(u[j]) || u[j] == ':' || u[j] == '.'))
        colons += u[j++] == ':';
    while (j > i && u[j - 1] == '.')
        j--;
    if (colons < 2 || j - i < 3 || (j < n && bn_is_alnum(u[j])))
        return 0;
    char tmp[BN_IP_MAX];
    unsigned char bin[16];
    memcpy(tmp, p + i, j - i);
    tmp[j - i] = 0;
    return inet_pton(AF_INET6, tmp, bin) == 1 ? j - i : 0;
}

/* ip_start - start of the token that holds the separator at p[i]: back over
   at most 'max' bytes of the kind the address uses (digits or hex digits) */
static size_t ip_start(const char *p, size_t i, size_t max, bool hex)
{
    size_t s = i;
    while (s > 0 && i - s < max &&
           (hex ? is_hex((unsigned char)p[s - 1]) : bn_is_digit((unsigned char)p[s - 1])))
        s--;
    return s;
}

/* ip_at_separator - the address whose '.' or ':' is at p[i]: its start, length 0 if none */
static size_t ip_at_separator(const char *p, size_t n, size_t i, size_t *start)
{
    bool v6 = p[i] == ':';
    size_t s = ip_start(p, i, v6 ? 4 : 3, v6);
    *start = s;
    /* an address starts a token: not inside a word or a longer number */
    if ((s == i && !v6) || (s > 0 && bn_is_alnum((unsigned char)p[s - 1])))
        return 0;
    return v6 ? ipv6_at(p, n, s) : ipv4_at(p, n, s);
}

/* sep_mask - bit j set when q[j] (j < 32) is a '.' or a ':' */
static inline unsigned sep_mask(const char *q)
{
#if defined(__SSE2__)
    const __m128i dot = _mm_set1_epi8('.'), colon = _mm_set1_epi8(':');
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)q);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(q + 16));
    unsigned lo = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(a, dot), _mm_cmpeq_epi8(a, colon)));
    unsigned hi = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(b, dot), _mm_cmpeq_epi8(b, colon)));
    return lo | hi << 16;
#else
    unsigned m = 0;
    for (unsigned j = 0; j < 32; j++)
        m |= (unsigned)(q[j] == '.' || q[j] == ':') << j;
    return m;
#endif
}

/*
 * may_start_ip - the separator at p[i] may be the one at which
 * ip_at_separator finds an address: a '.' between two digits and not
 * right after "x." (an IPv4 literal's first dot has a digit on either
 * side; host names' and URLs' dots have not, and in "5.1.1" the second
 * dot's number starts after a dot, which ipv4_at refuses), or a ':'
 * followed by a hex digit, ':' or '.' (the first colon of an IPv6 literal,
 * whose token has a second colon: "https:" and "said:" have none). A cheap
 * test that refuses most separators of ordinary text before the exact one.
 */
static inline bool may_start_ip(const char *p, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)p;
    if (i + 1 >= n)
        return false;
    if (u[i] == '.')
        return i > 0 && bn_is_digit(u[i - 1]) && bn_is_digit(u[i + 1]) &&
               !(i > 1 && u[i - 2] == '.');
    return is_hex(u[i + 1]) || u[i + 1] == ':' || u[i + 1] == '.';
}

/* ip_scan - bn_ip_scan over p[0..n) when p[0..readable) may be read */
static bool ip_scan(const char *p, size_t n, size_t readable, char out[BN_IP_MAX])
{
    char buf[32];
    out[0] = 0;
    if (!p || n == 0)
        return false;
    for (size_t base = 0; base < n; base += 32) {
        const char *q = p + base;
        unsigned live = 0xffffffffu;
        if (n - base < 32) {
            live = (1u << (n - base)) - 1;
            if (base + 32 > readable) { /* the end of the text: a padded copy */
                memset(buf, 0, sizeof buf);
                memcpy(buf, q, n - base);
                q = buf;
            }
        }
        for (unsigned m = sep_mask(q) & live; m; m &= m - 1) {
            size_t i = base + (unsigned)__builtin_ctz(m), s, l;
            if (!may_start_ip(p, n, i) || (l = ip_at_separator(p, n, i, &s)) == 0)
                continue;
            memcpy(out, p + s, l);
            out[l] = 0;
            return true;
        }
    }
    return false;
}

/*
 * bn_ip_scan - the first IPv4 or IPv6 literal in the text. Every literal
 * has a '.' (IPv4) or ':' (IPv6) within its first five bytes: those bytes
 * are found 32 at a time, and only those that pass a cheap test
 * (may_start_ip) start the exact check, in text order. Every address that
 * check can find is at such a separator, so the first found is the first
 * in the text.
 */
bool bn_ip_scan(const char *p, size_t n, char out[BN_IP_MAX])
{
    return ip_scan(p, n, n, out);
}

/* bn_ip_scan_padded - bn_ip_scan when 32 bytes past the text may be read */
bool bn_ip_scan_padded(const char *p, size_t n, char out[BN_IP_MAX])
{
    return ip_scan(p, n, n + BN_SCAN_PAD, out);
}
