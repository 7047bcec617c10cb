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
    bn_free(m->in);
    bn_free(m->msg);
    m->in = m->msg = NULL;
}

static int to_buffer(bn_mbox *m);

/* fill - make at least want bytes available unless the stream ends */
static int fill(bn_mbox *m, size_t want)
{
    if (!m->in && !(m->in = bn_malloc(BN_MBOX_WINDOW)))
        return BN_ENOMEM;
    if (m->end - m->pos >= want || m->eof)
        return BN_OK;
    if (m->in_win && m->win_len && to_buffer(m) != BN_OK) /* the window moves */
        return BN_ENOMEM;
    memmove(m->in, m->in + m->pos, m->end - m->pos);
    m->end -= m->pos;
    m->pos = 0;
    while (m->end < want && !m->eof) {
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
    for (; i + 4 < n && p[i] != '\n'; i++) {
        const unsigned char *q = (const unsigned char *)p + i;
        if (q[0] >= '0' && q[0] <= '9' && q[1] == ':' && q[2] >= '0' && q[2] <= '9' &&
            q[3] >= '0' && q[3] <= '9')
            return true;
    }
    return false;
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

/* needs_look - a line starting with c needs a look at its start, or may be
   empty (CR/LF first) */
static inline bool needs_look(char c)
{
    return c == '>' || c == 'F' || c == '\r' || c == '\n';
}

#if defined(__x86_64__) && defined(__GNUC__)
#define MBOX_AVX2 1
/*
 * look_avx2 - next_look 64 bytes at a time, up to the last 64 bytes: an LF
 * whose next byte is '>' 'F' CR or LF. Those four differ in their low
 * nibble, so one shuffle maps each byte to the one it would have to be
 * (a NUL maps to itself too: a needless look, which more_lines survives).
 * *at: the LF, or where the loop stopped.
 */
__attribute__((target("avx2"))) static bool look_avx2(const char *p, size_t i, size_t end,
                                                        size_t *at)
{
    const __m256i lf = _mm256_set1_epi8('\n'), lo = _mm256_set1_epi8(0x0F);
    const __m256i want = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 'F', 0, 0, 0, '\n', 0, 0, '\r', '>',
                                          0, 0, 0, 0, 0, 0, 0, 'F', 0, 0, 0, '\n', 0, 0, '\r',
                                          '>', 0);
    for (; i + 64 < end; i += 64) { /* two vectors a loop: half the loop tests */
        uint64_t m = 0;
        for (int k = 0; k < 64; k += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + k));
            __m256i w = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + k + 1));
            __m256i look =
                _mm256_cmpeq_epi8(_mm256_shuffle_epi8(want, _mm256_and_si256(w, lo)), w);
            m |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
                     _mm256_and_si256(_mm256_cmpeq_epi8(v, lf), look))
                 << k;
        }
        if (m) {
            *at = i + (size_t)__builtin_ctzll(m);
            return true;
        }
    }
    *at = i;
    return false;
}
#endif

/*
 * next_look - index of the first LF in p[i..end) that ends the window or
 * is followed by a line start that needs_look(), or end if none. With
 * AVX2 32 bytes at a time (most lines need no look, and one memchr call
 * per line cost more than the vector test); line by line otherwise.
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
        if (i + 1 == end || needs_look(p[i + 1]))
            return i;
        i++;
    }
}

/*
 * more_lines - how far whole lines after a line with text can be copied
 * with it, from e: a line start needs a look (line_start) only after an
 * empty line, when it starts with 'F' (a From_ line, maybe an exact
 * separator) or with '>' (mboxrd quoting), and only while the line ends
 * inside the window. *blank: the last line taken is empty. Copying runs of
 * lines in one append, not line by line, was a tenth of the parse.
 */
static size_t more_lines(const bn_mbox *m, size_t e, bool *blank)
{
    *blank = false;
    while (e < m->end && m->in[e] != '>' && m->in[e] != 'F' && !*blank) {
        if (m->in[e] == '\r' || m->in[e] == '\n') { /* maybe the empty line */
            const char *nl = memchr(m->in + e, '\n', m->end - e);
            if (!nl)
                break;
            size_t n = (size_t)(nl - (m->in + e)) + 1;
            *blank = !has_text(m->in + e, n);
            e += n;
            continue;
        }
        /* every line up to the LF found starts with another byte: none is empty */
        size_t q = next_look(m->in, e, m->end);
        if (q == m->end) { /* the rest has no such line: up to its last LF */
            size_t k = m->end;
            while (k > e && m->in[k - 1] != '\n') /* the incomplete last line */
                k--;
            return k;
        }
        e = q + 1;
    }
    return e;
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
    if (nl && m->line_text)
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
        m->is_mbox = bn_mbox_is_from_line(m->in, m->end);
    }
    if (m->is_mbox)
        rc = next_mbox(m, truncated, more);
    else if (m->count > 0)
        rc = BN_ENOTFOUND;
    else
        rc = next_single(m, truncated);
    if (rc != BN_OK)
        return rc;
    m->count++;
    size_t *n;
    char *b = msg_bytes(m, &n);
    *buf = b ? b : "";
    *len = *n;
    return BN_OK;
}
