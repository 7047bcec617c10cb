/* dsn.c - RFC 3464 / RFC 6533 delivery-status field blocks, tolerant of real servers */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"
#include "extract/extract.h"

enum { F_NONE, F_MSG, F_RCPT };

/* Where a known field goes: per-message slot or per-recipient slot offset. */
typedef struct dsn_field {
    const char *name;
    size_t len;  /* strlen(name) (dsn_lens holds them all for lookup) */
    int scope;
    size_t off; /* offsetof in bn_dsn or bn_dsn_rcpt */
} dsn_field;

/* Most used first: lookup() tries the names of the field's length in this
   order (the names differ, so the order changes no answer) */
#define DSN_FIELDS(M, R)                                                        \
    R("Final-Recipient", final_rcpt)                                            \
    R("Action", action)                                                         \
    R("Status", status)                                                         \
    R("Diagnostic-Code", diag)                                                  \
    R("Remote-MTA", remote_mta)                                                 \
    M("Reporting-MTA", reporting_mta)                                           \
    M("Arrival-Date", arrival_date)                                             \
    R("Last-Attempt-Date", last_attempt)                                        \
    R("Original-Recipient", orig_rcpt)                                          \
    M("Received-From-MTA", received_from_mta)                                   \
    M("X-Postfix-Sender", x_sender)                                             \
    R("Will-Retry-Until", will_retry)                                           \
    R("X-Actual-Recipient", x_actual_rcpt)                                      \
    M("Original-Envelope-Id", envid)                                            \
    M("X-Original-Message-ID", x_orig_msgid)                                    \
    M("DSN-Gateway", reporting_mta) /* only used when Reporting-MTA is absent */ \
    R("Final-Log-ID", final_log_id)
#define M(n, f) {n, sizeof n - 1, F_MSG, offsetof(bn_dsn, f)},
#define R(n, f) {n, sizeof n - 1, F_RCPT, offsetof(bn_dsn_rcpt, f)},
static const dsn_field dsn_fields[] = {DSN_FIELDS(M, R)};
#undef M
#undef R
/* The names' lengths, in table order (zero after the last): lookup()
   compares a name's length with all of them at once */
#define L(n, f) sizeof n - 1,
static const unsigned char dsn_lens[32] = {DSN_FIELDS(L, L)};
#undef L
_Static_assert(sizeof dsn_fields / sizeof dsn_fields[0] <= 32, "dsn_lens: too many fields");

/* fold8 - 8 bytes at p with the case bit set */
static uint64_t fold8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v | 0x2020202020202020ULL;
}

/* fold4 - 4 bytes at p with the case bit set */
static uint32_t fold4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v | 0x20202020u;
}

/*
 * name_eq - a field name equals a table name, ASCII case-insensitively. The
 * names hold letters and '-' only, and a field name has no byte below 33
 * (bn_x_fields): setting the case bit on both sides is then exact ('-' is
 * 0x2D with the bit set, only CR would fold onto it). 8 bytes at a time:
 * every field of every DSN is looked up.
 */
static bool name_eq(bn_str name, const dsn_field *f)
{
    size_t n = f->len, i = 0;
    if (name.n != n)
        return false;
    if (n >= 8) {
        for (; i + 8 <= n; i += 8)
            if (fold8(name.p + i) != fold8(f->name + i))
                return false;
        return fold8(name.p + n - 8) == fold8(f->name + n - 8); /* the tail, overlapping */
    }
    if (n >= 4) /* "Action", "Status": two overlapping 4-byte compares */
        return fold4(name.p) == fold4(f->name) && fold4(name.p + n - 4) == fold4(f->name + n - 4);
    for (; i < n; i++)
        if (((unsigned char)name.p[i] | 0x20) != ((unsigned char)f->name[i] | 0x20))
            return false;
    return true;
}

/* same_length - bit i set when dsn_fields[i] is n bytes long (n > 0) */
static unsigned same_length(size_t n)
{
    unsigned m = 0;
    if (n >= 32)
        return 0;
#if defined(__SSE2__)
    /* 32 lengths in two compares: a walk of the table was most of lookup() */
    __m128i k = _mm_set1_epi8((char)n);
    const __m128i *t = (const __m128i *)(const void *)dsn_lens;
    m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(t), k)) |
        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(t + 1), k)) << 16;
#else
    for (size_t i = 0; i < 32; i++)
        m |= (unsigned)(dsn_lens[i] == n) << i;
#endif
    return m;
}

/* lookup - the table entry for a field name, or NULL */
static const dsn_field *lookup(bn_str name)
{
    for (unsigned m = name.n ? same_length(name.n) : 0; m; m &= m - 1) {
        const dsn_field *f = &dsn_fields[__builtin_ctz(m)];
        if (name_eq(name, f))
            return f;
    }
    return NULL;
}

/* slot - the bn_str a table entry designates in d or r */
static bn_str *slot(bn_dsn *d, bn_dsn_rcpt *r, const dsn_field *f)
{
    char *base = f->scope == F_MSG ? (char *)d : (char *)r;
    return (bn_str *)(void *)(base + f->off);
}

/* rcpt_has_any - the block already holds a recipient field */
static bool rcpt_has_any(const bn_dsn_rcpt *r)
{
    return r->final_rcpt.n || r->orig_rcpt.n || r->action.n || r->status.n || r->diag.n;
}

/* starts_new - field f (of recipient scope) opens a new recipient block;
   next_final: the field right after it is a Final-Recipient */
static bool starts_new(const bn_dsn_rcpt *cur, const dsn_field *f, bn_str *s, bool gap,
                       bool next_final)
{
    if (!cur)
        return true;
    if (gap && rcpt_has_any(cur))
        return true; /* a blank line after a recipient block */
    if (s->n)
        return true; /* a field seen twice: the blank line was missing */
    /* Original-Recipient usually leads: after a complete block, and followed
       by a Final-Recipient, it is the next one's (without that, it is this
       block's own, written after its Status) */
    return f->off == offsetof(bn_dsn_rcpt, orig_rcpt) && cur->final_rcpt.n &&
           cur->action.n && cur->status.n && next_final;
}

/* next_is_final - field i + 1 of fl (no blank line between) is a Final-Recipient */
static bool next_is_final(const bn_headers *fl, size_t i)
{
    return i + 1 < fl->n && bn_str_eq_ci(fl->v[i + 1].name, "Final-Recipient");
}

/* new_rcpt - append a zeroed recipient block, or NULL */
static bn_dsn_rcpt *new_rcpt(bn_dsn *d, bn_arena *a, size_t *cap, size_t max)
{
    if (d->n >= max)
        return NULL;
    if (d->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        bn_dsn_rcpt *nv = bn_arena_calloc(a, ncap, sizeof *nv);
        if (!nv)
            return NULL;
        if (d->n)
            memcpy(nv, d->r, d->n * sizeof *nv);
        d->r = nv;
        *cap = ncap;
    }
    bn_dsn_rcpt *r = &d->r[d->n++];
    memset(r, 0, sizeof *r);
    return r;
}

/* split_diag - "smtp; 550 text" -> type "smtp", text "550 text" */
static void split_diag(bn_dsn_rcpt *r)
{
    bn_str v = r->diag;
    for (size_t i = 0; i < v.n && i < 32; i++) {
        char c = v.p[i];
        if (c == ';') {
            r->diag_type = bn_str_trim((bn_str){v.p, i});
            r->diag = bn_str_trim((bn_str){v.p + i + 1, v.n - i - 1});
            return;
        }
        if (!bn_is_alnum((unsigned char)c) && c != '-' && c != '_')
            return;
    }
}

/* finish - unfold values, split Diagnostic-Code, drop empty recipient blocks */
static void finish(bn_dsn *d, bn_arena *a)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        bn_dsn_rcpt r = d->r[i];
        if (!r.final_rcpt.n && !r.orig_rcpt.n && !r.status.n && !r.action.n)
            continue;
        bn_str *f = &r.final_rcpt;
        for (bn_str *e = (bn_str *)(void *)(&r + 1); f < e; f++)
            if (f->n) /* most fields are absent: nothing to unfold */
                *f = bn_x_unfold(a, *f);
        split_diag(&r);
        d->r[k++] = r;
    }
    d->n = k;
    bn_str *m[] = {&d->reporting_mta, &d->received_from_mta, &d->arrival_date,
                   &d->envid, &d->x_sender, &d->x_orig_msgid};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (m[i]->n)
            *m[i] = bn_x_unfold(a, *m[i]);
}

/* bn_dsn_parse - parse a delivery-status body into per-message and per-recipient fields */
int bn_dsn_parse(bn_dsn *out, bn_arena *a, bn_str text, bool inline_mode, size_t max_rcpts)
{
    memset(out, 0, sizeof *out);
    bn_headers fl;
    size_t used = 0, cap = 0;
    if (bn_x_fields(a, text, inline_mode, 100000, &fl, &used))
        return BN_ENOMEM;
    bn_dsn_rcpt *cur = NULL;
    bool gap = false, para_start = true;
    for (size_t i = 0; i < fl.n; i++) {
        if (!fl.v[i].name.n) {
            gap = para_start = true;
            continue;
        }
        const dsn_field *f = lookup(fl.v[i].name);
        if (inline_mode && para_start && !f && out->fields)
            break; /* the paragraph after the DSN (e.g. the original's headers) */
        para_start = false;
        if (!f)
            continue;
        out->fields++;
        if (f->scope == F_RCPT) {
            bn_str *s = cur ? slot(out, cur, f) : NULL;
            if (starts_new(cur, f, s ? s : &(bn_str){0}, gap, next_is_final(&fl, i))) {
                cur = new_rcpt(out, a, &cap, max_rcpts);
                if (!cur)
                    break;
            }
            gap = false;
        }
        bn_str *s = slot(out, cur, f);
        if (!s->n)
            *s = fl.v[i].value;
        used = (size_t)(fl.v[i].value.p + fl.v[i].value.n - text.p);
    }
    out->used = used;
    finish(out, a);
    return BN_OK;
}

/* line_is_dsn_start - a line that opens a DSN block in text */
static bool line_is_dsn_start(bn_str line)
{
    unsigned char c = line.n ? bn_lc((unsigned char)line.p[0]) : 0;
    if (c != 'r' && c != 'f' && c != 'o')
        return false; /* most lines: one test, not five compares */
    return bn_str_starts_ci(line, "Reporting-MTA:") ||
           bn_str_starts_ci(line, "Final-Recipient:") ||
           bn_str_starts_ci(line, "Original-Recipient:") ||
           bn_str_starts_ci(line, "Received-From-MTA:") ||
           bn_str_starts_ci(line, "Original-Envelope-Id:");
}

/* bn_dsn_find_inline - offset of an inline DSN block in text, or text.n */
size_t bn_dsn_find_inline(bn_str text)
{
    size_t pos = 0, start;
    bn_str line;
    for (start = pos; bn_x_line(text, &pos, &line); start = pos)
        if (line_is_dsn_start(line))
            return start;
    return text.n;
}

/* bn_dsn_find_inline_lines - bn_dsn_find_inline over the lines[0..n) of text */
size_t bn_dsn_find_inline_lines(bn_str text, const bn_str *lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (line_is_dsn_start(lines[i]))
            return (size_t)(lines[i].p - text.p);
    return text.n;
}

/* bn_dsn_mta_name - "dns; mx.example" -> "mx.example" */
bn_str bn_dsn_mta_name(bn_str v)
{
    const char *semi = bn_str_chr(v, ';');
    if (semi)
        v = (bn_str){semi + 1, v.n - (size_t)(semi + 1 - v.p)};
    v = bn_str_trim(v);
    size_t k = 0;
    while (k < v.n && !bn_is_space((unsigned char)v.p[k]))
        k++;
    return (bn_str){v.p, k};
}
