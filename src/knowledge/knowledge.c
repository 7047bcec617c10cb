/*
 * knowledge.c - code lookups, provider rows and the phrase automaton
 *
 * Every table is static data generated at build time (tools/gentables.c), so
 * nothing here allocates, locks or initialises: the lookups are safe from any
 * number of threads.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/* bn_kb_reply_find - the row of a reply code, or NULL (one load: the
   generated index covers every code 200-599) */
const bn_kb_reply *bn_kb_reply_find(int code)
{
    if (code < 200 || code > 599)
        return NULL;
    int i = bn_kb_reply_lut[code - 200];
    return i < 0 ? NULL : &bn_kb_replies[i];
}

/* bn_kb_variant_find - see knowledge.h (a handful of rows: a linear search) */
const bn_kb_reason *bn_kb_variant_find(bn_reason r, bn_fault f)
{
    for (int i = 0; i < BN_KB_NVARIANTS; i++)
        if (bn_kb_variants[i].reason == (int)r && bn_kb_variants[i].r.fault == (unsigned)f)
            return &bn_kb_variants[i].r;
    return NULL;
}

/* bn_kb_status_find - class-specific row first, then the X row */
const bn_kb_status *bn_kb_status_find(const bn_status_code *s)
{
    if ((s->cls == 2 || s->cls == 4 || s->cls == 5) && s->subject >= 0 &&
        s->subject < BN_KB_STATUS_LUT_SUB && s->detail >= 0 && s->detail < BN_KB_STATUS_LUT_DET) {
        int i = bn_kb_status_lut[s->cls == 2 ? 0 : s->cls - 3][s->subject][s->detail];
        return i < 0 ? NULL : &bn_kb_statuses[i];
    }
    /* beyond every row's subject or detail: no row (a scan would find none) */
    if (s->subject > BN_KB_STATUS_MAX_SUB || s->detail > BN_KB_STATUS_MAX_DET)
        return NULL;
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

/* status_key - a status as one number, ordered like the codes (the key of
   bn_kb_provider_status_key) */
static long status_key(const bn_status_code *s)
{
    return s->cls * 1000000L + s->subject * 1000L + s->detail;
}

/* provider_status_first - position in the sorted index of the first row with
   the status (the generated table answers the common codes in one load) */
static size_t provider_status_first(const bn_status_code *s, long key)
{
    /* the index has the dimensions of bn_kb_status_lut's class planes */
    if ((s->cls == 4 || s->cls == 5) && s->subject >= 0 && s->subject < BN_KB_STATUS_LUT_SUB &&
        s->detail >= 0 && s->detail < BN_KB_STATUS_LUT_DET) {
        int i = bn_kb_provider_status_lut[s->cls - 4][s->subject][s->detail];
        return i < 0 ? BN_KB_NPROVIDER_STATUS : (size_t)i;
    }
    size_t lo = 0, hi = BN_KB_NPROVIDER_STATUS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (key > (long)bn_kb_provider_status_key[mid])
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* bn_kb_provider_status - the identified provider's row, else a global row.
   The provider names of the rows are one table's strings: equal pointers
   settle most comparisons without strcmp. */
const bn_kb_provider *bn_kb_provider_status(const char *provider, const bn_status_code *s)
{
    const bn_kb_provider *global = NULL;
    long key = status_key(s);
    for (size_t i = provider_status_first(s, key);
         i < BN_KB_NPROVIDER_STATUS && (long)bn_kb_provider_status_key[i] == key; i++) {
        const bn_kb_provider *r = &bn_kb_providers[bn_kb_provider_status_index[i]];
        if (provider && (r->provider == provider || strcmp(r->provider, provider) == 0))
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

/* keep_phrase - the phrase row (with a reason) of priority prio replaces
   the best so far when it is the first or ranks higher (first wins ties) */
static inline void keep_phrase(bn_kb_hits *h, int row, int prio)
{
    if (h->phrase < 0 || prio > h->phrase_prio) {
        h->phrase = row;
        h->phrase_prio = prio;
    }
}

/* note_phrase - the phrase's hints, and keep it if it has a reason */
static void note_phrase(bn_kb_hits *h, int row)
{
    const bn_kb_phrase *ph = &bn_kb_phrases[row];
    if (ph->flags & BN_PF_TRANSIENT)
        h->transient = true;
    if (ph->flags & BN_PF_RETRY)
        h->retry = true;
    if (ph->flags & BN_PF_FAILURE)
        h->failure = true;
    if (ph->flags & BN_PF_MAILBOX)
        h->mailbox = true;
    if (ph->reason < 0)
        return;
    keep_phrase(h, row, ph->prio);
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
 * the hot loop. A transition is one load, col[byte][state * row_mul] (the
 * stored states are pre-scaled: gentables.c emit_ac), and the state chain
 * carries no other work, so the loop runs at the latency of one table load
 * per byte.
 */
static inline size_t dfa_step(const uint16_t *const *col, unsigned row_mul, unsigned first_out,
                              const unsigned char *text, size_t i, size_t n, unsigned *state)
{
    unsigned s = *state;
    for (; i < n; i++) {
        s = col[text[i]][s * row_mul];
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
            i_ = dfa_step(pfx##_col, pfx##_ROW_MUL, pfx##_FIRST_OUT, (text), i_, (n), &st_); \
            if (i_ == (n))                                                                   \
                break;                                                                       \
            unsigned r_ = st_ / pfx##_STATE_SCALE;                                           \
            uint32_t a_ = pfx##_out_start[r_], b_ = pfx##_out_start[r_ + 1];                 \
            for (uint32_t k_ = a_; k_ < b_; k_++)                                            \
                note_hit((hits), (text), (n), i_ + 1, pfx##_out[k_]);                        \
        }                                                                                    \
    } while (0)

/* The ASCII automaton's state after one byte (gentables.c emit_ac: planes of
   short rows, states stored pre-scaled). The chains keep states as size_t:
   the 16-bit load then needs no widening before it indexes the next one. */
#define AC_NEXT(s, byte) bn_ac_col[(byte)][(size_t)(s) * bn_ac_ROW_MUL]

/* The scan records states as 16 bits (gentables.c emits 16-bit values while
   the automaton has fewer than 32768 states, stored times two). */
_Static_assert(sizeof bn_ac_delta[0] == sizeof(uint16_t), "ASCII automaton states exceed 16 bits");

/* The text is scanned in blocks of this many bytes: one block's states fit
   the record buffer (4 KiB of stack). */
#define SCAN_BLOCK 2048
/* Blocks this long are scanned as 4 or 2 interleaved chains (chains_run);
   more chains overlap more table-load latency but each later chain costs
   CHAIN_WARM extra steps, so short texts use fewer. Eight chains measured
   slower than four: their states no longer fit the registers (x86-64). */
#define CHAINS4_MIN 40
#define CHAINS2_MIN 16
#define CHAINS_MAX 4
/* Every chain but the first starts this many bytes early from the root: its
   state at its own start is then right whenever the true state there is
   shallower than this (the root-most states of ordinary text nearly always
   are); when it is not, the chain is corrected (chain_fix), which with the
   records costs only the bytes until the two scans agree. Measured on the
   bench mix: 8 is faster than 12 and 16. */
#define CHAIN_WARM 8

/*
 * chains_run - the block t[0..len) as K chains in one loop, every state
 * recorded in rec[i] (the state after byte i). The automaton is bound by the
 * latency of one table load per byte; K independent chains of loads overlap,
 * so a long block takes little more than 1/K of the time. Chain 0 starts in
 * the true state s0 and covers [0, L); chain k covers [k*step + W, k*step +
 * L) after warming up on the W bytes before from the root, and leaves its
 * state at its start in warm[k] for chain_fix. The states live in registers
 * (K is a constant here, the loops unroll) and the loop only records them:
 * finding the states with output is one vector pass afterwards (note_outputs).
 */
static inline __attribute__((always_inline)) void chains_run(const unsigned char *t, size_t L,
                                                             size_t step, const unsigned K,
                                                             unsigned s0, uint16_t *rec,
                                                             unsigned *warm)
{
    size_t s[CHAINS_MAX] = {0};
    size_t w;
    s[0] = s0;
    /* unroll hints measured with callgrind on the bench mix: the warm-up
       unrolled spilled registers; the main loop two at a time saves a
       loop test per two steps per chain */
#pragma GCC unroll 1
    for (w = 0; w < CHAIN_WARM; w++) {
        s[0] = AC_NEXT(s[0], t[w]);
        rec[w] = (uint16_t)s[0];
#pragma GCC unroll 4
        for (unsigned k = 1; k < K; k++)
            s[k] = AC_NEXT(s[k], t[k * step + w]);
    }
#pragma GCC unroll 4
    for (unsigned k = 1; k < K; k++)
        warm[k] = (unsigned)s[k];
#pragma GCC unroll 2
    for (; w < L; w++) {
#pragma GCC unroll 4
        for (unsigned k = 0; k < K; k++) {
            s[k] = AC_NEXT(s[k], t[k * step + w]);
            rec[k * step + w] = (uint16_t)s[k];
        }
    }
}

/* run_seq - one chain over t[from..to) from state s, recorded; the state at 'to' */
static unsigned run_seq(const unsigned char *t, size_t from, size_t to, unsigned s, uint16_t *rec)
{
    for (size_t i = from; i < to; i++) {
        s = AC_NEXT(s, t[i]);
        rec[i] = (uint16_t)s;
    }
    return s;
}

/*
 * chain_fix - chain k started in the wrong state: scan its range again from
 * the true state s only until that scan reaches the state the chain recorded
 * at the same byte (from there on the two agree, being one deterministic
 * automaton), overwriting the wrong records on the way.
 */
static void chain_fix(const unsigned char *t, size_t from, size_t to, unsigned s, uint16_t *rec)
{
    for (size_t i = from; i < to; i++) {
        s = AC_NEXT(s, t[i]);
        if (s == rec[i])
            return;
        rec[i] = (uint16_t)s;
    }
}

/* chains_block - K chains over the block, corrected in order, then the rest
   (fewer than K bytes) alone: rec holds the true state after every byte */
static inline __attribute__((always_inline)) void chains_block(const unsigned char *t, size_t len,
                                                               const unsigned K, unsigned s0,
                                                               uint16_t *rec)
{
    size_t L = (len + (K - 1) * CHAIN_WARM) / K, step = L - CHAIN_WARM;
    unsigned warm[CHAINS_MAX] = {0};
    chains_run(t, L, step, K, s0, rec, warm);
    unsigned truth = rec[L - 1];
    for (unsigned k = 1; k < K; k++) {
        size_t from = k * step + CHAIN_WARM, to = k * step + L;
        if (warm[k] != truth)
            chain_fix(t, from, to, truth, rec);
        truth = rec[to - 1];
    }
    run_seq(t, (K - 1) * step + L, len, truth, rec);
}

/*
 * note_state - every pattern of the ASCII automaton's state v (as stored),
 * ending at end. Most states' outputs do not depend on the text around
 * them: their summary (gentables.c state_summary: the phrase, marker,
 * wording and blocklist that noting them in order would keep, and the
 * hints) is noted at once; the others are noted one by one.
 */
static void note_state(bn_kb_hits *h, const unsigned char *t, size_t n, size_t end, unsigned v)
{
    unsigned st = v / bn_ac_STATE_SCALE;
    const bn_kb_sum *m = &bn_ac_sum[st - bn_ac_FIRST_OUT / bn_ac_STATE_SCALE];
    if (m->list) {
        for (uint32_t k = bn_ac_out_start[st]; k < bn_ac_out_start[st + 1]; k++)
            note_hit(h, t, n, end, bn_ac_out[k]);
        return;
    }
    if (m->flags) { /* hints are rare: one test for all four */
        h->transient |= (m->flags & BN_PF_TRANSIENT) != 0;
        h->retry |= (m->flags & BN_PF_RETRY) != 0;
        h->failure |= (m->flags & BN_PF_FAILURE) != 0;
        h->mailbox |= (m->flags & BN_PF_MAILBOX) != 0;
    }
    /* the summary holds the phrase's priority and hints, and only phrases
       with a reason: its phrase row need not be read (a cache miss per
       state with output, the table being cold between messages) */
    if (m->phrase >= 0)
        keep_phrase(h, m->phrase, m->prio);
    if (!m->other)
        return;
    if (m->marker >= 0)
        note_provider(h, m->marker);
    if (m->wording >= 0)
        note_provider(h, m->wording);
    if (m->blocklist >= 0)
        note_blocklist(h, m->blocklist);
}

/* Entries past a block's end in its record buffer: note_outputs reads them. */
#define REC_PAD 16

/*
 * note_outputs - the patterns of every recorded state with output, in text
 * order (as one sequential scan would note them). States with output are
 * numbered last, so this is a compare against one bound. While the stored
 * states fit 15 bits, it is a signed compare of 16 states at a time, packed
 * to one mask bit per state; rec[len..len + REC_PAD) is set to the root
 * (no output) so that no tail is left over.
 */
static void note_outputs(bn_kb_hits *h, const unsigned char *t, size_t n, size_t base,
                         uint16_t *rec, size_t len)
{
#if defined(__SSE2__) && bn_ac_NSTATES * bn_ac_STATE_SCALE <= 32768
    const __m128i below = _mm_set1_epi16((short)(bn_ac_FIRST_OUT - 1));
    memset(rec + len, 0, REC_PAD * sizeof *rec);
    for (size_t i = 0; i < len; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(rec + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(rec + i + 8));
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_packs_epi16(_mm_cmpgt_epi16(a, below), _mm_cmpgt_epi16(b, below)));
        for (; m; m &= m - 1) {
            size_t j = i + (unsigned)__builtin_ctz(m);
            note_state(h, t, n, base + j + 1, rec[j]);
        }
    }
#else
    for (size_t i = 0; i < len; i++)
        if (rec[i] >= bn_ac_FIRST_OUT)
            note_state(h, t, n, base + i + 1, rec[i]);
#endif
}

/* scan_block - the ASCII automaton over t[base..base+len) from state s, noting
   every pattern that ends there; returns the state at the end */
static unsigned scan_block(const unsigned char *t, size_t n, size_t base, size_t len, unsigned s,
                           bn_kb_hits *h)
{
    uint16_t rec[SCAN_BLOCK + REC_PAD];
    const unsigned char *b = t + base;
    if (len >= CHAINS4_MIN)
        chains_block(b, len, 4, s, rec);
    else if (len >= CHAINS2_MIN)
        chains_block(b, len, 2, s, rec);
    else
        run_seq(b, 0, len, s, rec);
    s = rec[len - 1];
    note_outputs(h, t, n, base, rec, len);
    return s;
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
    bn_kb_scan_hinted(text, n, has_high(text, n), hits);
}

/* bn_kb_scan_hinted - bn_kb_scan with the non-ASCII check done by the caller */
void bn_kb_scan_hinted(const unsigned char *text, size_t n, bool maybe_high, bn_kb_hits *hits)
{
    *hits = (bn_kb_hits){-1, 0, -1, -1, -1, -1, false, false, false, false};
    unsigned s = 0;
    for (size_t base = 0; base < n; base += SCAN_BLOCK)
        s = scan_block(text, n, base, n - base < SCAN_BLOCK ? n - base : SCAN_BLOCK, s, hits);
    if (maybe_high)
        RUN_DFA(bn_acu, hits, text, n);
}
