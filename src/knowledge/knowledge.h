/*
 * knowledge.h - lookups over the tables compiled from data/NAME.tsv
 *
 * The generated tables (gen/tables.h) hold the reply codes, the enhanced
 * status registry, provider rows, blocklists, phrases and the Aho-Corasick
 * DFA over every text marker. This module answers "what does this code
 * mean" and "which markers occur in this text"; the classifier
 * (src/classify/) decides what the evidence amounts to.
 */
#ifndef BN_KNOWLEDGE_H
#define BN_KNOWLEDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "tables.h"

/* A parsed enhanced status code: class 2/4/5, subject and detail 0..999. */
typedef struct bn_status_code {
    int cls, subject, detail;
} bn_status_code;

/* bn_status_parse - parse exactly "c.s.d" (class 2|4|5, 1-3 digits each) */
bool bn_status_parse(const char *p, size_t n, bn_status_code *out);

/* bn_kb_reply_find - the row of a reply code, or NULL */
const bn_kb_reply *bn_kb_reply_find(int code);

/* bn_kb_variant_find - reasons.tsv's row of reason r for fault f when it
   has one besides its own (a rate limit of the recipient's mailbox), or NULL */
const bn_kb_reason *bn_kb_variant_find(bn_reason r, bn_fault f);

/* bn_kb_reason_words - the action and words of reason r with fault f: the
   variant for f where there is one, the reason's own row otherwise (inline:
   the record writer asks three times a record, nearly always of the own row) */
static inline const bn_kb_reason *bn_kb_reason_words(bn_reason r, bn_fault f)
{
    const bn_kb_reason *own = &bn_kb_reasons[r];
    const bn_kb_reason *v = own->fault == (unsigned)f ? NULL : bn_kb_variant_find(r, f);
    return v ? v : own;
}

/*
 * bn_kb_status_find - the registry row of a status: the class-specific row
 * (5.s.d) when there is one, else the X.s.d row; NULL when unregistered.
 */
const bn_kb_status *bn_kb_status_find(const bn_status_code *s);

/*
 * bn_kb_provider_status - a provider row for this status: a "status" row of
 * the given provider (when provider is not NULL), else a "gstatus" row of
 * any provider; NULL when none.
 */
const bn_kb_provider *bn_kb_provider_status(const char *provider, const bn_status_code *s);

/* bn_kb_row_is_status - the provider row's key equals the status */
bool bn_kb_row_is_status(const bn_kb_provider *row, const bn_status_code *s);

/* What the automaton found in one text. Indexes are -1 when nothing. */
typedef struct bn_kb_hits {
    int phrase;       /* best phrase row: highest priority, then earliest */
    int phrase_prio;
    int marker;       /* provider marker row with a reason (longest key) */
    int host;         /* first provider host row */
    int wording;      /* provider wording row (longest key): counts only when
                         that provider is identified */
    int blocklist;    /* blocklist row with the longest marker */
    bool transient;   /* a transient hint ("try again later", "greylisted") */
    bool retry;       /* a retry-delay marker ("try again in", "retry after") */
    bool failure;     /* failure evidence without a cause ("did not reach") */
    bool mailbox;     /* wording about the recipient's mailbox ("receiving mail
                         at a rate"): a rate limit there is not the sender's */
} bn_kb_hits;

/*
 * bn_kb_scan - run the automaton over normalised text (whitespace runs
 * already collapsed to one space; ASCII case does not matter, the automaton
 * folds it as it reads) and collect the hits.
 * Allocation-free; O(n). Texts of 16 bytes or more are scanned as 2 or 4
 * interleaved pieces (each later piece speculating on its start state,
 * corrected when wrong): the hits are always those of one sequential scan.
 */
void bn_kb_scan(const unsigned char *text, size_t n, bn_kb_hits *hits);

/* bn_kb_scan_hinted - bn_kb_scan when the caller already knows whether the
 * text may hold a byte >= 0x80 (maybe_high false: it surely holds none, so
 * the non-ASCII automaton and the check for it are skipped). A wrong true
 * only costs time: that automaton's patterns all have a non-ASCII byte. */
void bn_kb_scan_hinted(const unsigned char *text, size_t n, bool maybe_high, bn_kb_hits *hits);

/* bn_kb_fold_table (tables.h): the byte as the automaton sees it: ASCII
 * lower case, every blank (space, tab, CR, LF, FF, VT) a space. */

#endif
