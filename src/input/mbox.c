/*
 * mbox.c - streaming mbox splitter (mboxrd reading rules)
 *
 * A message starts at a From_ line ("From addr date") at the start of the
 * stream or after an empty line; ">From ", ">>From "... lines lose one '>'
 * (mboxrd). LF and CRLF are both accepted. The stream is read through a
 * fixed window and only line starts need look-ahead (at most
 * BN_MBOX_FROM_MAX bytes), so an endless line costs no memory and cannot
 * hang the reader: it is consumed window by window.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "bounce.h"
#include "core/alloc.h"
#include "input/input.h"

/* bn_mbox_init - a splitter reading through fn(ctx) */
void bn_mbox_init(bn_mbox *m, bn_read_fn fn, void *ctx, size_t max)
{
    memset(m, 0, sizeof(*m));
    m->read = fn;
    m->ctx = ctx;
    m->max = max;
    m->at_bol = true;
    m->prev_blank = true; /* the stream start counts as after an empty line */
}

/* bn_mbox_free - release the buffers */
void bn_mbox_free(bn_mbox *m)
{
    bn_free(m->mem);
    bn_free(m->msg);
    m->mem = m->in = m->msg = NULL;
}

static int to_buffer(bn_mbox *m);

/* window_alloc - the read window, its start aligned to BN_MBOX_ALIGN */
static bool window_alloc(bn_mbox *m)
{
    if (!(m->mem = bn_malloc(BN_MBOX_WINDOW + BN_MBOX_ALIGN)))
        return false;
    uintptr_t a = (uintptr_t)m->mem;
    m->in = m->mem + (BN_MBOX_ALIGN - a % BN_MBOX_ALIGN) % BN_MBOX_ALIGN;
    return true;
}

/*
 * fill - make at least want bytes available unless the stream ends. The
 * unread bytes move to just before a BN_MBOX_ALIGN boundary, so read()
 * writes from an aligned address: the kernel's copy (rep movsb) is faster
 * to an aligned destination (a tenth less time in it, measured), and that
 * copy is most of reading an mbox.
 */
static int fill(bn_mbox *m, size_t want)
{
    if (!m->in && !window_alloc(m))
        return BN_ENOMEM;
    if (m->end - m->pos >= want || m->eof)
        return BN_OK;
    if (m->in_win && m->win_len && to_buffer(m) != BN_OK) /* the window moves */
        return BN_ENOMEM;
    size_t left = m->end - m->pos, at = (BN_MBOX_ALIGN - left % BN_MBOX_ALIGN) % BN_MBOX_ALIGN;
    memmove(m->in + at, m->in + m->pos, left);
    m->pos = at;
    m->end = at + left;
    while (m->end - m->pos < want && !m->eof) {
        long got = m->read(m->ctx, m->in + m->end, BN_MBOX_WINDOW - m->end);
        if (got < 0) {
            m->read_errno = errno;
            return BN_EIO;
        }
        if (got == 0)
            m->eof = true;
        m->end += (size_t)got;
    }
    return BN_OK;
}

/* is_digit - c is an ASCII digit */
static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* has_time - "d:dd" starts at some i >= a on the line at a (i + 4 < n):
   found through its colon, by memchr (the byte loop was ~300 instructions
   a From_ line) */
static bool has_time(const char *p, size_t a, size_t n)
{
    if (a + 4 >= n)
        return false;
    const char *nl = memchr(p + a, '\n', n - a);
    /* the digits after the colon come before the LF, and a byte after them */
    size_t end = nl ? (size_t)(nl - p) : n - 1;
    for (size_t c = a + 1; c + 2 < end;) {
        const char *q = memchr(p + c, ':', end - 2 - c);
        if (!q)
            return false;
        c = (size_t)(q - p);
        if (is_digit(p[c - 1]) && is_digit(p[c + 1]) && is_digit(p[c + 2]))
            return true;
        c++;
    }
    return false;
}

/* bn_mbox_is_from_line - "From " addr " " ... with a time (hh:mm) on the line */
bool bn_mbox_is_from_line(const char *p, size_t n)
{
    size_t i = 5;
    if (n < 5 || memcmp(p, "From ", 5) != 0)
        return false;
    if (i >= n || p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
        return false;
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
        i++;
    return has_time(p, i, n);
}

/* skip_ws - past spaces and tabs from i; how many were skipped goes to *k */
static size_t skip_ws(const char *p, size_t n, size_t i, size_t *k)
{
    size_t st = i;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    *k = i - st;
    return i;
}

/* name3 - the three letters at p are one of the names packed in list */
static bool name3(const char *list, size_t count, const char *p)
{
    for (size_t i = 0; i < count; i++)
        if (!memcmp(list + 3 * i, p, 3))
            return true;
    return false;
}

/* asctime_at - "Www Mmm dd hh:mm:ss [zone ]yyyy" then end of line at p[i];
   the date ctime() writes on every mbox separator */
static bool asctime_at(const char *p, size_t n, size_t i)
{
    static const char *const days = "MonTueWedThuFriSatSun";
    static const char *const months = "JanFebMarAprMayJunJulAugSepOctNovDec";
    size_t k;
    if (i + 3 > n || !name3(days, 7, p + i) || (i = skip_ws(p, n, i + 3, &k), !k))
        return false;
    if (i + 3 > n || !name3(months, 12, p + i) || (i = skip_ws(p, n, i + 3, &k), !k))
        return false;
    size_t d = i;
    while (i < n && i - d < 3 && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i == d || i - d > 2 || (i = skip_ws(p, n, i, &k), !k))
        return false;
    if (i + 8 > n || p[i + 2] != ':' || p[i + 5] != ':')
        return false;
    i = skip_ws(p, n, i + 8, &k);
    if (i + 4 < n && !(p[i] >= '0' && p[i] <= '9')) /* a zone name before the year */
        while (i < n && p[i] != ' ' && p[i] != '\n')
            i++;
    i = skip_ws(p, n, i, &k);
    size_t y = i;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    i = skip_ws(p, n, i, &k);
    return i - y >= 4 && i < n && (p[i] == '\n' || p[i] == '\r');
}

/* header_follows - the line after the one at p is a header field "Name:" */
static bool header_follows(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    if (!nl)
        return false;
    size_t i = (size_t)(nl - p) + 1, st = i;
    while (i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':')
        i++;
    return i > st && i < n && p[i] == ':';
}

/*
 * exact_separator - a From_ line written exactly as mbox writers write it
 * ("From addr Www Mmm dd hh:mm:ss yyyy") and followed by a header field.
 * Some tools append a message without the empty line before it; such a
 * line still starts a message (a body line of this exact shape would have
 * been quoted ">From" by any mbox writer).
 */
static bool exact_separator(const char *p, size_t n)
{
    size_t i = 5, k;
    if (!bn_mbox_is_from_line(p, n))
        return false;
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
        i++;
    i = skip_ws(p, n, i, &k);
    return k && asctime_at(p, n, i) && header_follows(p, n);
}

/* is_quoted_from - ">From ", ">>From " ... (mboxrd quoting) */
static bool is_quoted_from(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == '>')
        i++;
    return i > 0 && n - i >= 5 && memcmp(p + i, "From ", 5) == 0;
}

/* buf_append - add n bytes to the message buffer */
static int buf_append(bn_mbox *m, const char *p, size_t n)
{
    if (m->msg_len + n > m->msg_cap) {
        size_t cap = m->msg_cap ? m->msg_cap : 4096;
        while (cap < m->msg_len + n)
            cap *= 2;
        if (cap > m->max)
            cap = m->max;
        char *grown = bn_realloc(m->msg, cap);
        if (!grown)
            return BN_ENOMEM;
        m->msg = grown;
        m->msg_cap = cap;
    }
    if (n > 0)
        memcpy(m->msg + m->msg_len, p, n);
    m->msg_len += n;
    return BN_OK;
}

/* to_buffer - copy the message so far out of the read window (which is
   about to move, or the message goes on elsewhere than right after it) */
static int to_buffer(bn_mbox *m)
{
    m->in_win = false;
    m->msg_len = 0;
    return buf_append(m, m->in + m->win_off, m->win_len);
}

/*
 * append - add bytes to the message, past max only the flag. While the
 * message is one run of the read window it stays there and is returned
 * from there: copying every message into the buffer was a sixth of
 * reading an mbox. It is copied out when it stops being one run (an
 * mboxrd '>' dropped) or before the window moves.
 */
static int append(bn_mbox *m, const char *p, size_t n, bool *truncated)
{
    size_t have = m->in_win ? m->win_len : m->msg_len;
    if (have + n > m->max) {
        *truncated = true;
        n = m->max - have;
    }
    if (m->in_win) {
        if (!m->win_len)
            m->win_off = (size_t)(p - m->in);
        if (p == m->in + m->win_off + m->win_len) {
            m->win_len += n;
            return BN_OK;
        }
        int rc = to_buffer(m);
        if (rc != BN_OK)
            return rc;
    }
    return buf_append(m, p, n);
}

/* skip_line - drop bytes through the next LF, window by window */
static int skip_line(bn_mbox *m)
{
    for (;;) {
        const char *nl = memchr(m->in + m->pos, '\n', m->end - m->pos);
        if (nl) {
            m->pos = (size_t)(nl - m->in) + 1;
            return BN_OK;
        }
        m->pos = m->end;
        if (m->eof)
            return BN_OK;
        int rc = fill(m, 1);
        if (rc != BN_OK)
            return rc;
    }
}

/* has_text - a byte other than CR/LF in p[0..n) */
static bool has_text(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\r' && p[i] != '\n')
            return true;
    return false;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define MBOX_AVX2 1
/* lf_look_mask - bit j: byte j of the 64 at p is LF (*lfs) or 'F' or '>' */
__attribute__((target("avx2"))) static inline uint64_t lf_look_mask(const char *p, uint64_t *lfs)
{
    const __m256i lf = _mm256_set1_epi8('\n'), f = _mm256_set1_epi8('F');
    const __m256i gt = _mm256_set1_epi8('>');
    __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
    __m256i la = _mm256_cmpeq_epi8(a, lf), lb = _mm256_cmpeq_epi8(b, lf);
    __m256i ka = _mm256_or_si256(_mm256_cmpeq_epi8(a, f), _mm256_cmpeq_epi8(a, gt));
    __m256i kb = _mm256_or_si256(_mm256_cmpeq_epi8(b, f), _mm256_cmpeq_epi8(b, gt));
    *lfs = (uint32_t)_mm256_movemask_epi8(la) | (uint64_t)(uint32_t)_mm256_movemask_epi8(lb) << 32;
    return (uint32_t)_mm256_movemask_epi8(ka) | (uint64_t)(uint32_t)_mm256_movemask_epi8(kb) << 32;
}

/*
 * look_avx2 - next_look 64 bytes a loop while 64 are left: an LF followed
 * by 'F' or '>', the only line starts that may be a From_ line or an
 * mboxrd quote. One load per 32 bytes: the LF bits shifted by one meet
 * the 'F'/'>' bits of the byte after (an LF at a block's end carries
 * over), instead of a second, unaligned load of the bytes after. Empty
 * lines do not stop the scan: stopping at each was ~30 returns to the
 * line loop a message, each with mispredicted branches. *at: the LF, or
 * where the byte loop goes on (the last LF looked at when it ends a block).
 */
__attribute__((target("avx2"))) static bool look_avx2(const char *p, size_t i, size_t end,
                                                        size_t *at)
{
    uint64_t carry = 0; /* the byte before the block is an LF */
    for (; i + 64 <= end; i += 64) {
        uint64_t lfs, look = lf_look_mask(p + i, &lfs);
        uint64_t hit = (lfs << 1 | carry) & look;
        if (hit) {
            *at = i + (size_t)__builtin_ctzll(hit) - 1;
            return true;
        }
        carry = lfs >> 63;
    }
    *at = i - carry;
    return false;
}
#endif

/* look_after - the line start after the LF at i (i + 1 < end) starts with
   'F' or '>': look_avx2's test, byte by byte */
static inline bool look_after(const char *p, size_t i)
{
    return p[i + 1] == '>' || p[i + 1] == 'F';
}

/*
 * next_look - index of the first LF in p[i..end) that ends the window or
 * is followed by 'F' or '>', or end if none. With AVX2 64 bytes at a
 * time (most lines need no look, and one memchr call per line cost more
 * than the vector test); line by line otherwise.
 */
static size_t next_look(const char *p, size_t i, size_t end)
{
#if defined(MBOX_AVX2)
    if (end - i >= 64 && __builtin_cpu_supports("avx2") && look_avx2(p, i, end, &i))
        return i;
#endif
    for (;;) {
        const char *nl = i < end ? memchr(p + i, '\n', end - i) : NULL;
        if (!nl)
            return end;
        i = (size_t)(nl - p);
        if (i + 1 == end || look_after(p, i))
            return i;
        i++;
    }
}

/* must_stop - the line at s (a line start inside the window) needs
   line_start(): it may be a From_ line or an mboxrd quote, or too little
   of it is in the window to tell */
static bool must_stop(const bn_mbox *m, size_t s)
{
    size_t avail = m->end - s;
    const char *p = m->in + s;
    if (p[0] != 'F' && p[0] != '>')
        return false;
    if (avail < BN_MBOX_FROM_MAX && !m->eof)
        return true;
    if (p[0] == 'F')
        return avail >= 5 && memcmp(p, "From ", 5) == 0;
    return is_quoted_from(p, avail);
}

/* ends_blank - the line that ends with the LF at k - 1 (and starts at or
   after lo, a line start) is empty: only CRs before its LF */
static bool ends_blank(const char *p, size_t lo, size_t k)
{
    size_t i = k - 1;
    while (i > lo && p[i - 1] == '\r')
        i--;
    return i == lo || p[i - 1] == '\n';
}

/*
 * more_lines - how far whole lines from e (a line start) can be copied in
 * one append: up to a line that must_stop() or the last LF in the window.
 * *blank: the last line taken is empty (left as is when none is taken);
 * line_start() needs it only at a "From " line, so it is worked out once,
 * backwards, at the end of the run. Copying runs of lines in one append,
 * not line by line, was a tenth of the parse.
 */
static size_t more_lines(const bn_mbox *m, size_t e, bool *blank)
{
    size_t s = e, k;
    if (e >= m->end || must_stop(m, e))
        return e;
    for (;;) {
        size_t q = next_look(m->in, e, m->end);
        if (q == m->end) { /* no such line: up to the last LF */
            k = m->end;
            while (k > s && m->in[k - 1] != '\n') /* the incomplete last line */
                k--;
            break;
        }
        k = q + 1;
        if (k == m->end || must_stop(m, k))
            break;
        e = k;
    }
    if (k > s)
        *blank = ends_blank(m->in, s, k);
    return k;
}

/* copy_segment - copy up to the end of the line or of the window (and the
   lines after it that need no look at their start) */
static int copy_segment(bn_mbox *m, bool *truncated)
{
    const char *start = m->in + m->pos;
    size_t avail = m->end - m->pos;
    const char *nl = memchr(start, '\n', avail);
    size_t n = nl ? (size_t)(nl - start) + 1 : avail;
    if (!m->line_text)
        m->line_text = has_text(start, n);
    bool blank = !m->line_text;
    if (nl)
        n = more_lines(m, m->pos + n, &blank) - m->pos;
    int rc = append(m, start, n, truncated);
    m->pos += n;
    if (nl) {
        m->at_bol = true;
        m->prev_blank = blank;
        m->line_text = false;
    } else {
        m->at_bol = false;
    }
    return rc;
}

/* msg_bytes - the message so far: in the window or in the buffer */
static char *msg_bytes(bn_mbox *m, size_t **len)
{
    *len = m->in_win ? &m->win_len : &m->msg_len;
    return m->in_win ? m->in + m->win_off : m->msg;
}

/* drop_separator - the empty line before a From_ line belongs to the mbox */
static void drop_separator(bn_mbox *m)
{
    size_t *len;
    const char *b = msg_bytes(m, &len);
    if (*len >= 4 && memcmp(b + *len - 4, "\r\n\r\n", 4) == 0)
        *len -= 2;
    else if (*len >= 2 && memcmp(b + *len - 2, "\n\n", 2) == 0)
        *len -= 1;
}

/* line_start - at a line start: 1 = message ends here, 0 = go on, <0 error */
static int line_start(bn_mbox *m, bool *have_msg)
{
    int rc = fill(m, BN_MBOX_FROM_MAX);
    if (rc != BN_OK)
        return rc;
    const char *p = m->in + m->pos;
    size_t avail = m->end - m->pos;
    /* most line starts looked at are empty lines, quotes or "From:" fields:
       one test here instead of two calls that each see they are no From_ line */
    bool from = avail >= 5 && memcmp(p, "From ", 5) == 0;
    if (m->sep_here || (from && ((m->prev_blank && bn_mbox_is_from_line(p, avail)) ||
                                 (*have_msg && exact_separator(p, avail))))) {
        if (*have_msg) {
            m->prev_blank = true; /* the next message starts at this line */
            m->sep_here = true;   /* which the next call need not check again */
            return 1;
        }
        m->sep_here = false;
        *have_msg = true;
        m->prev_blank = false;
        rc = skip_line(m);
        if (rc != BN_OK)
            return rc;
        /* the first line of the message is a line start too: unquote it */
        rc = fill(m, BN_MBOX_FROM_MAX);
        if (rc != BN_OK)
            return rc;
        p = m->in + m->pos;
        avail = m->end - m->pos;
    }
    if (is_quoted_from(p, avail))
        m->pos++; /* mboxrd: one '>' less */
    return 0;
}

/* next_mbox - one message of an mbox stream */
static int next_mbox(bn_mbox *m, bool *truncated, bool *more)
{
    bool have_msg = false;
    for (;;) {
        if (m->at_bol) {
            int rc = line_start(m, &have_msg);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                *more = true;
                break;
            }
        } else if (m->pos == m->end) {
            int rc = fill(m, 1);
            if (rc != BN_OK)
                return rc;
        }
        if (m->pos == m->end) {
            if (m->eof)
                break;
            continue;
        }
        int rc = copy_segment(m, truncated);
        if (rc != BN_OK)
            return rc;
    }
    if (!have_msg)
        return BN_ENOTFOUND;
    drop_separator(m);
    return BN_OK;
}

/* next_single - the whole stream as one message (kept up to max) */
static int next_single(bn_mbox *m, bool *truncated)
{
    for (;;) {
        int rc = fill(m, 1);
        if (rc != BN_OK)
            return rc;
        if (m->pos == m->end && m->eof)
            return BN_OK;
        rc = append(m, m->in + m->pos, m->end - m->pos, truncated);
        m->pos = m->end;
        if (rc != BN_OK)
            return rc;
    }
}

/* next_one - the stream as one message (not an mbox, or m->one): without
   the From_ line an MTA pipe puts first */
static int next_one(bn_mbox *m, bool *truncated)
{
    if (m->is_mbox) {
        int rc = skip_line(m);
        if (rc != BN_OK)
            return rc;
    }
    return next_single(m, truncated);
}

/* bn_mbox_next - the next message of the stream */
int bn_mbox_next(bn_mbox *m, const char **buf, size_t *len, bool *truncated,
                 bool *more)
{
    int rc = BN_OK;
    *truncated = *more = false;
    m->msg_len = m->win_len = 0;
    m->in_win = true;
    if (!m->probed) {
        if ((rc = fill(m, BN_MBOX_FROM_MAX)) != BN_OK)
            return rc;
        m->probed = true;
        m->is_mbox = bn_mbox_is_from_line(m->in + m->pos, m->end - m->pos);
    }
    if (m->is_mbox && !m->one)
        rc = next_mbox(m, truncated, more);
    else if (m->count > 0)
        rc = BN_ENOTFOUND;
    else
        rc = next_one(m, truncated);
    if (rc != BN_OK)
        return rc;
    m->count++;
    size_t *n;
    char *b = msg_bytes(m, &n);
    *buf = b ? b : "";
    *len = *n;
    return BN_OK;
}
