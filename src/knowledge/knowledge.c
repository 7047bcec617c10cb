/*
 * knowledge.c - code lookups, provider rows and the phrase automaton
 *
 * Every table is static data generated at build time (tools/gentables.c), so
 * nothing here allocates, locks or initialises: the lookups are safe from any
 * number of threads.
 */
#include <string.h>

#include "bounce.h"
#include "core/str.h"
#include "knowledge/knowledge.h"

/* parse_num - 1 to 3 digits at p[*i], advancing *i; -1 when none */
static int parse_num(const char *p, size_t n, size_t *i)
{
    int v = 0, digits = 0;
    while (*i < n && bn_is_digit((unsigned char)p[*i]) && digits < 4) {
        v = v * 10 + (p[*i] - '0');
        (*i)++;
        digits++;
    }
    return (digits == 0 || digits > 3) ? -1 : v;
}

/* bn_status_parse - parse exactly "c.s.d" (class 2|4|5, 1-3 digits each) */
bool bn_status_parse(const char *p, size_t n, bn_status_code *out)
{
    size_t i = 1;
    if (!p || n < 5 || !(p[0] == '2' || p[0] == '4' || p[0] == '5') || p[1] != '.')
        return false;
    i = 2;
    int sub = parse_num(p, n, &i);
    if (sub < 0 || i >= n || p[i] != '.')
        return false;
    i++;
    int det = parse_num(p, n, &i);
    if (det < 0 || i != n)
        return false;
    out->cls = p[0] - '0';
    out->subject = sub;
    out->detail = det;
    return true;
}

/* bn_kb_reply_find - the row of a reply code, or NULL (rows are sorted) */
const bn_kb_reply *bn_kb_reply_find(int code)
{
    size_t lo = 0, hi = BN_KB_NREPLIES;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (bn_kb_replies[mid].code == code)
            return &bn_kb_replies[mid];
        if (bn_kb_replies[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* bn_kb_status_find - class-specific row first, then the X row */
const bn_kb_status *bn_kb_status_find(const bn_status_code *s)
{
    if ((s->cls == 4 || s->cls == 5) && s->subject >= 0 &&
        s->subject < BN_KB_STATUS_LUT_SUB && s->detail >= 0 && s->detail < BN_KB_STATUS_LUT_DET) {
        int i = bn_kb_status_lut[s->cls - 4][s->subject][s->detail];
        return i < 0 ? NULL : &bn_kb_statuses[i];
    }
    const bn_kb_status *any = NULL;
    char cls = (char)('0' + s->cls);
    for (size_t i = 0; i < BN_KB_NSTATUSES; i++) {
        const bn_kb_status *r = &bn_kb_statuses[i];
        if (r->subject != s->subject || r->detail != s->detail)
            continue;
        if (r->cls == cls)
            return r;
        if (r->cls == 'X')
            any = r;
    }
    return any;
}

/* bn_kb_row_is_status - the provider row's key equals the status */
bool bn_kb_row_is_status(const bn_kb_provider *row, const bn_status_code *s)
{
    return (row->kind == BN_PK_STATUS || row->kind == BN_PK_GSTATUS) &&
           row->scls == s->cls && row->ssub == s->subject && row->sdet == s->detail;
}

/* status_cmp - order of a status against a provider row (rows sorted by code) */
static int status_cmp(const bn_status_code *s, const bn_kb_provider *r)
{
    long a = s->cls * 1000000L + s->subject * 1000L + s->detail;
    long b = r->scls * 1000000L + r->ssub * 1000L + r->sdet;
    return a < b ? -1 : a > b;
}

/* bn_kb_provider_status - the identified provider's row, else a global row */
const bn_kb_provider *bn_kb_provider_status(const char *provider, const bn_status_code *s)
{
    size_t lo = 0, hi = BN_KB_NPROVIDER_STATUS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (status_cmp(s, &bn_kb_providers[bn_kb_provider_status_index[mid]]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const bn_kb_provider *global = NULL;
    for (size_t i = lo; i < BN_KB_NPROVIDER_STATUS; i++) {
        const bn_kb_provider *r = &bn_kb_providers[bn_kb_provider_status_index[i]];
        if (status_cmp(s, r) != 0)
            break;
        if (provider && strcmp(r->provider, provider) == 0)
            return r;
        if (r->kind == BN_PK_GSTATUS && !global)
            global = r;
    }
    return global;
}

/* is_word_byte - part of a word for the 'w' flag (UTF-8 bytes count as letters) */
static bool is_word_byte(unsigned char c)
{
    return bn_is_alnum(c) || c >= 0x80;
}

/* word_ok - the match [start, end) has no word byte on either side */
static bool word_ok(const unsigned char *t, size_t n, size_t start, size_t end)
{
    if (start > 0 && is_word_byte(t[start - 1]))
        return false;
    if (end < n && is_word_byte(t[end]))
        return false;
    return true;
}

/* note_phrase - keep the phrase with the highest priority (first wins ties) */
static void note_phrase(bn_kb_hits *h, int row)
{
    const bn_kb_phrase *ph = &bn_kb_phrases[row];
    if (ph->flags & BN_PF_TRANSIENT)
        h->transient = true;
    if (ph->flags & BN_PF_RETRY)
        h->retry = true;
    if (ph->flags & BN_PF_FAILURE)
        h->failure = true;
    if (ph->reason < 0)
        return;
    if (h->phrase < 0 || ph->prio > h->phrase_prio) {
        h->phrase = row;
        h->phrase_prio = ph->prio;
    }
}

/* note_provider - a marker or wording with a reason (longest wins) or a host name (first) */
static void note_provider(bn_kb_hits *h, int row)
{
    const bn_kb_provider *p = &bn_kb_providers[row];
    if (p->kind == BN_PK_HOST) {
        if (h->host < 0)
            h->host = row;
        return;
    }
    if (p->kind == BN_PK_WORDING) {
        if (h->wording < 0 || p->key_len > bn_kb_providers[h->wording].key_len)
            h->wording = row;
        return;
    }
    if (h->marker < 0 || p->key_len > bn_kb_providers[h->marker].key_len)
        h->marker = row;
}

/* note_blocklist - the longest marker names the list most precisely */
static void note_blocklist(bn_kb_hits *h, int row)
{
    if (h->blocklist < 0 ||
        strlen(bn_kb_blocklists[row].marker) > strlen(bn_kb_blocklists[h->blocklist].marker))
        h->blocklist = row;
}

/* note_hit - dispatch one pattern occurrence ending at end */
static void note_hit(bn_kb_hits *h, const unsigned char *t, size_t n, size_t end, int pid)
{
    const bn_kb_pattern *pat = &bn_kb_patterns[pid];
    size_t start = end - pat->len;
    if (pat->kind == BN_PAT_PHRASE) {
        if ((bn_kb_phrases[pat->index].flags & BN_PF_WORD) && !word_ok(t, n, start, end))
            return;
        note_phrase(h, pat->index);
    } else if (pat->kind == BN_PAT_PROVIDER) {
        /* host names must stand alone: "me.com" is not in "welcome.com" */
        if (bn_kb_providers[pat->index].kind == BN_PK_HOST &&
            !(start == 0 || !bn_is_alnum(t[start - 1])) )
            return;
        if (bn_kb_providers[pat->index].kind == BN_PK_HOST && end < n && bn_is_alnum(t[end]))
            return;
        note_provider(h, pat->index);
    } else {
        note_blocklist(h, pat->index);
    }
}

/*
 * dfa_step - advance over bytes until a state with output (or the end):
 * the hot loop. A row is found with one shift (rows are padded to a power of
 * two), and the state chain carries no other work, so the loop runs at the
 * latency of one table load per byte.
 */
static inline size_t dfa_step(const uint16_t *delta, unsigned shift, const unsigned char *cls,
                              unsigned first_out, const unsigned char *text, size_t i, size_t n,
                              unsigned *state)
{
    unsigned s = *state;
    for (; i < n; i++) {
        s = delta[(s << shift) | cls[text[i]]];
        if (s >= first_out)
            break;
    }
    *state = s;
    return i;
}

/* run_dfa - one automaton over the text, noting every pattern that ends */
#define RUN_DFA(pfx, hits, text, n)                                                          \
    do {                                                                                     \
        unsigned st_ = 0;                                                                    \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                \
            i_ = dfa_step(pfx##_delta, pfx##_SHIFT, pfx##_class, pfx##_FIRST_OUT,             \
                          (text), i_, (n), &st_);                                            \
            if (i_ == (n))                                                                   \
                break;                                                                       \
            uint32_t a_ = pfx##_out_start[st_], b_ = pfx##_out_start[st_ + 1];               \
            for (uint32_t k_ = a_; k_ < b_; k_++)                                            \
                note_hit((hits), (text), (n), i_ + 1, pfx##_out[k_]);                        \
        }                                                                                    \
    } while (0)

/* The ASCII automaton's state after one byte (the rows are 2^SHIFT wide). */
#define AC_NEXT(s, byte) bn_ac_delta[((s) << bn_ac_SHIFT) | bn_ac_class[(byte)]]

/* note_state - every pattern of the ASCII automaton's state st, ending at end */
static void note_state(bn_kb_hits *h, const unsigned char *t, size_t n, size_t end, unsigned st)
{
    for (uint32_t k = bn_ac_out_start[st]; k < bn_ac_out_start[st + 1]; k++)
        note_hit(h, t, n, end, bn_ac_out[k]);
}

/* scan_range - the ASCII automaton over t[i..lim) from state s (n is the
   whole text, for word-boundary checks); returns the state at lim */
static unsigned scan_range(const unsigned char *t, size_t i, size_t lim, size_t n, unsigned s,
                           bn_kb_hits *h)
{
    for (; i < lim; i++) {
        i = dfa_step(bn_ac_delta, bn_ac_SHIFT, bn_ac_class, bn_ac_FIRST_OUT, t, i, lim, &s);
        if (i == lim)
            break;
        note_state(h, t, n, i + 1, s);
    }
    return s;
}

/* Texts this long are scanned as 8, 4 or 2 interleaved chains (scan_chains);
   more chains overlap more table-load latency but each later chain costs
   CHAIN_WARM extra steps, so short texts use fewer. */
#define CHAINS8_MIN 192
#define CHAINS4_MIN 96
#define CHAINS2_MIN 40
#define CHAINS_MAX 8
/* Texts up to this long record the later chains' states (chain_converge). */
#define CHAIN_REC_MAX 2048
/* Every chain but the first starts this many bytes early from the root: its
   state at its own start is then right whenever the true state there is
   shallower than this (the root-most states of ordinary text nearly always
   are); when it is not, the chain is corrected (chain_converge). Measured
   on the bench mix: 16 beats 8, 12, 20 and 24. */
#define CHAIN_WARM 16
/* Matches of a later chain held until its start state is confirmed. */
#define CHAIN_PENDING 32

/* One chain's matches, held until the chain before it confirms its start. */
typedef struct chain_pend {
    uint32_t end[CHAIN_PENDING];
    uint16_t st[CHAIN_PENDING];
    unsigned np;
    bool full;
} chain_pend;

/* chain_hold - keep a later chain's match for confirmation */
static inline void chain_hold(chain_pend *p, size_t end, unsigned st)
{
    if (p->np < CHAIN_PENDING) {
        p->end[p->np] = (uint32_t)end;
        p->st[p->np++] = (uint16_t)st;
    } else {
        p->full = true;
    }
}

/*
 * chain_converge - chain k's start state was wrong: scan its range again from
 * the true state only until that scan reaches the state the chain recorded at
 * the same byte (from there on the two agree, being one deterministic
 * automaton); the chain's held matches after that point stand. rec[i] is the
 * chain's state after byte i. Returns the true state at 'to'.
 */
static unsigned chain_converge(const unsigned char *t, size_t from, size_t to, size_t n,
                               unsigned s, const uint16_t *rec, unsigned s_end,
                               const chain_pend *p, bn_kb_hits *h)
{
    for (size_t i = from; i < to; i++) {
        s = AC_NEXT(s, t[i]);
        if (s == rec[i]) {
            for (unsigned q = 0; q < p->np; q++)
                if (p->end[q] > i)
                    note_state(h, t, n, p->end[q], p->st[q]);
            return s_end;
        }
        if (s >= bn_ac_FIRST_OUT)
            note_state(h, t, n, i + 1, s);
    }
    return s;
}

/*
 * scan_chains - the text as K chains in one loop. The automaton is bound by
 * the latency of one table load per byte; K independent chains of loads
 * overlap, so a long text takes little more than 1/K of the time. Chain k
 * covers [p_k + W, p_k + L) after warming up on [p_k, p_k + W) from the
 * root; once the chain before it is known to end in the same state as the
 * warm-up, its held matches stand, else it is corrected (chain_converge, or
 * scanned again when rec is NULL or its matches overflowed). The hits are
 * always those of one sequential scan, in text order. rec (n entries, or
 * NULL) receives the later chains' states.
 */
static inline __attribute__((always_inline)) void
scan_chains(const unsigned char *t, size_t n, bn_kb_hits *h, const unsigned K, uint16_t *rec)
{
    size_t L = (n + (K - 1) * CHAIN_WARM) / K, step = L - CHAIN_WARM, w;
    unsigned s[CHAINS_MAX] = {0}, warm[CHAINS_MAX] = {0};
    chain_pend pend[CHAINS_MAX];
    for (unsigned k = 1; k < K; k++)
        pend[k].np = 0, pend[k].full = false;
    for (w = 0; w < CHAIN_WARM; w++) {
        s[0] = AC_NEXT(s[0], t[w]);
        if (s[0] >= bn_ac_FIRST_OUT)
            note_state(h, t, n, w + 1, s[0]);
        for (unsigned k = 1; k < K; k++)
            s[k] = AC_NEXT(s[k], t[k * step + w]);
    }
    for (unsigned k = 1; k < K; k++)
        warm[k] = s[k];
    for (; w < L; w++) {
        s[0] = AC_NEXT(s[0], t[w]);
        if (s[0] >= bn_ac_FIRST_OUT)
            note_state(h, t, n, w + 1, s[0]);
        for (unsigned k = 1; k < K; k++) {
            size_t i = k * step + w;
            s[k] = AC_NEXT(s[k], t[i]);
            if (rec)
                rec[i] = (uint16_t)s[k];
            if (s[k] >= bn_ac_FIRST_OUT)
                chain_hold(&pend[k], i + 1, s[k]);
        }
    }
    unsigned truth = s[0];
    for (unsigned k = 1; k < K; k++) {
        size_t from = k * step + CHAIN_WARM, to = k * step + L;
        if (warm[k] == truth && !pend[k].full) {
            for (unsigned q = 0; q < pend[k].np; q++)
                note_state(h, t, n, pend[k].end[q], pend[k].st[q]);
            truth = s[k];
        } else if (rec && !pend[k].full) {
            truth = chain_converge(t, from, to, n, truth, rec, s[k], &pend[k], h);
        } else {
            truth = scan_range(t, from, to, n, truth, h); /* speculation failed */
        }
    }
    scan_range(t, (K - 1) * step + L, n, n, truth, h);
}

/* has_high - any non-ASCII byte (only then the second automaton runs);
   eight bytes at a time, as it reads every byte of every text */
static bool has_high(const unsigned char *t, size_t n)
{
    uint64_t acc = 0, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, t + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= t[i];
    return (acc & 0x8080808080808080ull) != 0;
}

/*
 * bn_kb_scan - run the automata over normalised text and collect the hits.
 * ASCII markers and non-ASCII phrases live in two automata so that the hot
 * one has few byte classes (small rows, fewer cache misses).
 */
void bn_kb_scan(const unsigned char *text, size_t n, bn_kb_hits *hits)
{
    *hits = (bn_kb_hits){-1, 0, -1, -1, -1, -1, false, false, false};
    uint16_t rec[CHAIN_REC_MAX];
    if (n > UINT32_MAX)
        scan_range(text, 0, n, n, 0, hits);
    else if (n > CHAIN_REC_MAX)
        scan_chains(text, n, hits, 8, NULL);
    else if (n >= CHAINS8_MIN)
        scan_chains(text, n, hits, 8, rec);
    else if (n >= CHAINS4_MIN)
        scan_chains(text, n, hits, 4, rec);
    else if (n >= CHAINS2_MIN)
        scan_chains(text, n, hits, 2, rec);
    else
        scan_range(text, 0, n, n, 0, hits);
    if (has_high(text, n))
        RUN_DFA(bn_acu, hits, text, n);
}
