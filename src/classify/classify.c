/*
 * classify.c - bn_classify(): from a reply (code, enhanced status, text,
 * command) to a verdict (reason, permanence, fault, action, evidence)
 *
 * Precedence. Every piece of evidence becomes a candidate with a weight;
 * the heaviest decides the reason and its rule id becomes verdict.rule.
 * On equal weight the candidate considered first (the code) stays.
 *
 *   weight  evidence                                      rule id
 *   95      a 2xx reply / 2.x.x status (success)          reply.2xx / status.2.x.x
 *   90      phrase of priority 9 (outranks a blocklist)   phrase.*
 *   85      provider marker ([TSS04], (S3150), IB508)     prov.*
 *           or wording of the identified provider
 *   80      a blocklist named in the text                 bl.*
 *   70      provider-only unregistered status (5.7.509)   prov.*.s-*
 *   50-70   phrase of priority 5-7 (specific wording)     phrase.*
 *   45      identified provider's reading of a status     prov.*.s-*
 *   10*s    registered status of strength s (0-4)         status.x.s.d
 *   30      phrase of priority 3 (weak wording)           phrase.*
 *   10      reply code alone (only those that decide)     reply.nnn
 *
 * So: specific text beats a generic code; a specific enhanced code beats a
 * bare reply code and weak wording; a provider's own marker beats generic
 * text once the provider is identified. 550 and 554 never decide alone.
 *
 * Then the SMTP context rules (each named in verdict.rule when it fires):
 *   rule.mail-stage        5xx at MAIL FROM with a recipient-side reason, no
 *                          reason, or weak "blocked" wording: the sender was
 *                          refused -> rejected
 *   rule.conn-stage        refused at connect/HELO: a host-level event, never a
 *                          recipient fact (554 -> blocked, 421 -> systemerror)
 *   rule.status-x.2.0      "user unknown" under X.2.0 (other mailbox status):
 *                          the server says mailbox, not address -> filtered
 *   rule.data-stage        "user unknown" after DATA without an addressing
 *                          status: the address was accepted at RCPT, so a
 *                          filter refused it -> filtered
 *   rule.sender-status     recipient-side wording that is weak (priority
 *                          3) under X.7.x, or ordinary (5) under X.1.7 or
 *                          X.1.8: the status about the sender decides
 *   rule.userunknown-unconfirmed  "user unknown" by wording only (status
 *                          absent, X.0.x, X.2.0 or X.2.1) and not known to
 *                          answer RCPT:
 *                          as likely a filter's wording -> filtered (not for
 *                          priority 6+ wording that names the address itself)
 *   rule.552-recipients    552 "too many recipients": RFC 5321 §4.5.3.1.10,
 *                          transient (it means 452)
 *   none.onhold / none.undefined   nothing decided: with a code or failure
 *                          wording (onhold), or without (undefined: nothing
 *                          in the text says what happened)
 *
 * Phrases are matched over the normalised text; when none matches and the
 * text holds an address, once more with its addresses taken out ("550
 * Address x@y does not exist": rescan_without_addresses). Of two phrases of
 * one priority the first in the text wins.
 *
 * Permanence: the reply code's class when there is a reply code (it is what
 * the server did to this transaction: "550 4.4.7" is final), else the
 * status class, else a transient hint in the text. X.2.2, X.3.1, X.4.5 and
 * X.5.3 are persistent-transient even under 5xx (RFC 3463), and so is
 * mailboxfull found by text.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "classify/classify.h"
#include "core/str.h"
#include "knowledge/knowledge.h"

/* Text past this many normalised bytes is not matched (replies are short). */
#define NORM_MAX 8192

typedef struct cand {
    int reason; /* -1: none */
    int weight;
    const char *rule;
} cand;

typedef struct ctx {
    const bn_reply *in;
    bn_verdict *out;
    unsigned char norm[NORM_MAX + BN_SCAN_PAD]; /* the pad: bn_ip_scan_padded */
    size_t nn;
    bn_status_code st;
    bool have_st;
    const bn_kb_status *st_row;
    bn_kb_hits hits;
    const char *provider;
    cand best;
    bool has_text;
    unsigned high; /* non-zero when norm may hold a byte >= 0x80 */
} ctx;

enum cmd { CMD_NONE, CMD_CONN, CMD_MAIL, CMD_RCPT, CMD_DATA, CMD_OTHER };

/* consider - keep the candidate if it outweighs the current best */
static void consider(ctx *c, int reason, int weight, const char *rule)
{
    if (reason < 0 || !rule)
        return;
    if (c->best.reason < 0 || weight > c->best.weight)
        c->best = (cand){reason, weight, rule};
}

/* skip_code_token - at a continuation "550-5.7.1 " / "550 5.7.1 " token: its length */
static size_t skip_code_token(const char *t, size_t n, size_t i, int code)
{
    char c3[4];
    if (code < 200 || code > 599 || i + 3 > n)
        return 0;
    c3[0] = (char)('0' + code / 100), c3[1] = (char)('0' + code / 10 % 10);
    c3[2] = (char)('0' + code % 10);
    if (memcmp(t + i, c3, 3) != 0 || (i + 3 < n && t[i + 3] != '-' && t[i + 3] != ' '))
        return 0;
    size_t j = i + 4;
    if (j >= n)
        return n - i;
    /* also the repeated enhanced code right after it */
    size_t k = j;
    while (k < n && (bn_is_digit((unsigned char)t[k]) || t[k] == '.'))
        k++;
    if (k > j + 4 && k < n && t[k] == ' ' && t[j + 1] == '.')
        j = k + 1;
    return j - i;
}

/*
 * after_blank - at t[i], the first byte after a run of blanks: how many bytes
 * a repeated reply-code prefix ("550-5.7.1 ") there takes, 0 when none. Only
 * bytes after some output are checked: the leading code stays in the text.
 */
static size_t after_blank(const char *t, size_t n, size_t i, int code, size_t o)
{
    if (o == 0 || (unsigned char)t[i] != (unsigned char)('0' + code / 100))
        return 0;
    return skip_code_token(t, n, i, code);
}

/* skip_blanks - past a run of blanks (space, tab, CR, LF, FF, VT) at t[i] */
static size_t skip_blanks(const char *t, size_t n, size_t i)
{
    while (i < n && bn_kb_fold_table[(unsigned char)t[i]] == ' ')
        i++;
    return i;
}

/* blank_run - at the blank t[i]: past the run and any repeated code prefixes
   after it; emits one space unless the text ends there */
static size_t blank_run(ctx *c, const char *t, size_t n, size_t i, int code, size_t *o)
{
    i = skip_blanks(t, n, i);
    for (size_t skip; i < n && (skip = after_blank(t, n, i, code, *o)) > 0;)
        i = skip_blanks(t, n, i + skip);
    if (i < n)
        c->norm[(*o)++] = ' ';
    return i;
}

#if defined(__SSE2__)
/* blanks16 - which of the 16 bytes of v are blanks (space, \t..\r) */
static inline unsigned blanks16(__m128i v)
{
    __m128i ctl = _mm_sub_epi8(v, _mm_set1_epi8(9)); /* \t..\r -> 0..4 */
    __m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    return (unsigned)_mm_movemask_epi8(
        _mm_or_si128(sp, _mm_cmpeq_epi8(_mm_min_epu8(ctl, _mm_set1_epi8(4)), ctl)));
}

/*
 * fold16 - copy 16 bytes at t to out (case as it is); returns a bit mask
 * of the blanks among them that need blank_run(): all but a single space
 * followed by a byte that is not a blank and does not start "first second"
 * (the reply code's first two digits, which may start a repeated code
 * prefix; "550 5.1.1" has no "55" after its space). Those single
 * spaces are already right in the output; the others may be stored unfolded,
 * as the caller's output position stops before them. The byte after the
 * last one is not in view, so a blank there always counts (a second load
 * to look at it measured more instructions than the stops it saves).
 */
static inline unsigned fold16(const char *t, unsigned char *out, unsigned char first,
                              unsigned char second, unsigned *high)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)t);
    *high |= (unsigned)_mm_movemask_epi8(v); /* saves bn_kb_scan a pass for non-ASCII */
    unsigned bm = blanks16(v);
    unsigned sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    unsigned f1 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)first)));
    unsigned f2 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)second)));
    unsigned nf = (f1 & (f2 >> 1 | 0x8000u)) >> 1; /* the byte after the 16: unknown */
    unsigned single = sp & ~((bm >> 1) | 0x8000u) & ~nf;
    _mm_storeu_si128((__m128i *)(void *)out, v); /* case as it is: see normalise */
    return bm & ~single;
}

/*
 * fold_step - one fold16 step at t[i] (any number of bytes left): fewer
 * than 16 are read from a copy padded with blanks, so short texts and the
 * tail of long ones take the vector path too (a pad blank always counts as
 * needing blank_run, so the real bytes before it come out as the byte loop
 * would make them). Returns the new input position, advances *o.
 */
static size_t fold_step(ctx *c, const char *t, size_t n, size_t i, int code, size_t *o)
{
    char pad[48];
    const char *src = t + i;
    size_t left = n - i;
    if (left < 16 && n >= 16) {
        /* the text's last 16 bytes stored so that t[i..n) lands at pad + 16,
           blanks after it: two stores where a copy took a call */
        __m128i last = _mm_loadu_si128((const __m128i *)(const void *)(t + n - 16));
        _mm_storeu_si128((__m128i *)(void *)(pad + left), last);
        _mm_storeu_si128((__m128i *)(void *)(pad + 16 + left), _mm_set1_epi8(' '));
        src = pad + 16;
    } else if (left < 16) {
        memset(pad, ' ', 16);
        memcpy(pad, src, left);
        src = pad;
    }
    unsigned mask = fold16(src, c->norm + *o, (unsigned char)('0' + code / 100),
                           (unsigned char)('0' + code / 10 % 10), &c->high);
    if (!mask) {
        *o += 16;
        return i + 16;
    }
    size_t k = (size_t)__builtin_ctz(mask);
    if (k >= left) { /* only pad blanks need care: the text ends here */
        *o += left;
        return n;
    }
    *o += k;
    return blank_run(c, t, n, i + k, code, o);
}
#endif

/*
 * normalise - collapse blanks, drop repeated multi-line code prefixes.
 * ASCII case is left as it is on the vector path: the automaton's byte
 * columns fold it (gentables.c emit_ac), the IP scan reads digits and hex
 * either way, and the two readers that want lower case fold what they use
 * (bn_classify: the retry delay, an IPv6 address). The byte loop (no SSE2,
 * or the last bytes before NORM_MAX) folds case, which is the same to all
 * of them. This is the hot path of classification: words are copied 16
 * bytes at a time where SSE2 exists (one table load per byte elsewhere);
 * blanks and code prefixes are handled only where a blank run starts. It
 * also notes in c->high whether any byte >= 0x80 went by, so that
 * bn_kb_scan need not read the text again to decide that.
 */
static void normalise(ctx *c, const char *t, size_t n, int code)
{
    const unsigned char *fold = bn_kb_fold_table;
    unsigned char *out = c->norm;
    size_t o = 0, i = skip_blanks(t, n, 0);
#if defined(__SSE2__)
    while (i < n && o + 16 <= NORM_MAX)
        i = fold_step(c, t, n, i, code, &o);
#endif
    while (i < n && o < NORM_MAX) {
        unsigned char b = fold[(unsigned char)t[i]];
        if (b != ' ') {
            c->high |= b & 0x80u;
            out[o++] = b;
            i++;
            continue;
        }
        i = blank_run(c, t, n, i, code, &o);
    }
    if (o > 0 && out[o - 1] == ' ') /* cut at NORM_MAX right after a blank */
        o--;
    c->nn = o;
}

/* elide_addresses - the normalised text t without its address tokens (a
   blank-separated word holding '@', with its brackets and punctuation) into
   out: "address <x@y> does not exist" -> "address does not exist"; the
   length written */
static size_t elide_addresses(const unsigned char *t, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t s = i;
        while (i < n && t[i] != ' ')
            i++;
        if (!memchr(t + s, '@', i - s)) {
            if (o)
                out[o++] = ' ';
            memcpy(out + o, t + s, i - s);
            o += i - s;
        }
        i += i < n; /* the blank after the word */
    }
    return o;
}

/*
 * rescan_without_addresses - no phrase matched: servers put the address in
 * the middle of their sentence ("550 Address x@y does not exist", "Mailbox
 * <x@y> does not exist"), where the phrase table has the sentence without
 * it. The text is scanned once more with its addresses taken out; only a
 * phrase is taken from that scan (rare: most texts match a phrase first).
 */
static void rescan_without_addresses(ctx *c)
{
    unsigned char t[NORM_MAX + BN_SCAN_PAD];
    size_t n = elide_addresses(c->norm, c->nn, t);
    if (n == c->nn)
        return;
    memset(t + n, 0, BN_SCAN_PAD);
    bn_kb_hits h;
    bn_kb_scan_hinted(t, n, c->high != 0, &h);
    if (h.phrase >= 0) {
        c->hits.phrase = h.phrase;
        c->hits.phrase_prio = h.phrase_prio;
    }
}

/* parse_command - which SMTP stage the reply answered */
static enum cmd parse_command(const bn_reply *in)
{
    if (!in->command || in->command_len == 0)
        return CMD_NONE;
    bn_str s = bn_str_trim((bn_str){in->command, in->command_len});
    if (bn_str_starts_ci(s, "RCPT"))
        return CMD_RCPT;
    if (bn_str_starts_ci(s, "MAIL"))
        return CMD_MAIL;
    if (bn_str_starts_ci(s, "DATA") || bn_str_starts_ci(s, "END OF DATA") ||
        bn_str_starts_ci(s, "BDAT") || bn_str_eq_ci(s, "."))
        return CMD_DATA;
    if (bn_str_starts_ci(s, "CONN") || bn_str_starts_ci(s, "HELO") ||
        bn_str_starts_ci(s, "EHLO") || bn_str_starts_ci(s, "GREETING") ||
        bn_str_starts_ci(s, "BANNER") || bn_str_starts_ci(s, "STARTTLS"))
        return CMD_CONN;
    return CMD_OTHER;
}

/* found_status - the code of a status bn_reply_scan found: by its contract
   "c.s.d" with a one-digit subject and a 1-3 digit detail, so what
   bn_status_parse would make of it, without checking the form again */
static bool found_status(const char *st, bn_status_code *out)
{
    int detail = 0;
    for (size_t i = 4; i < 7 && bn_is_digit((unsigned char)st[i]); i++)
        detail = detail * 10 + (st[i] - '0');
    *out = (bn_status_code){st[0] - '0', st[2] - '0', detail};
    return true;
}

/* take_codes - the given codes, or those found in the text (scanned only
   when one of them is missing) */
static void take_codes(ctx *c)
{
    const bn_reply *in = c->in;
    bn_verdict *v = c->out;
    int found_code = 0;
    char found_st[BN_STATUS_MAX] = "";
    bool code_given = in->replycode >= 200 && in->replycode <= 599;
    bn_str gs = in->status ? bn_str_trim((bn_str){in->status, in->status_len}) : BN_STR_NULL;
    bool st_given = gs.n && gs.n < BN_STATUS_MAX && bn_status_parse(gs.p, gs.n, &c->st);
    if (in->text && in->text_len && !(code_given && st_given))
        bn_reply_scan(in->text, in->text_len, &found_code, found_st);
    v->replycode = code_given ? in->replycode : found_code;
    if (st_given) {
        memcpy(v->status, gs.p, gs.n);
        v->status[gs.n] = 0;
        c->have_st = true;
    } else if (found_st[0]) {
        c->have_st = found_status(found_st, &c->st);
        memcpy(v->status, found_st, BN_STATUS_MAX);
    }
}

/* derive_status - "5.0.0" / "4.0.0" / "2.0.0" from the reply code when no status */
static void derive_status(bn_verdict *v)
{
    int cls = v->replycode / 100;
    if (v->status[0] || !(cls == 2 || cls == 4 || cls == 5))
        return;
    v->status[0] = (char)('0' + cls);
    memcpy(v->status + 1, ".0.0", 5);
    v->status_derived = true;
}

/*
 * weigh_subject - an unregistered detail (5.7.999) still names its subject:
 * the X.s.0 row's reason, at the weakest weight, so any wording refines it.
 * Provider-only codes (5.7.509) are handled by weigh_provider_status.
 */
static void weigh_subject(ctx *c)
{
    bn_status_code sub = {c->st.cls, c->st.subject, 0};
    const bn_kb_status *r = bn_kb_status_find(&sub);
    if (r && r->reason >= 0 && r->strength > 0)
        consider(c, r->reason, 10, r->rule);
}

/* weigh_codes - candidates from the reply code and the enhanced status */
static void weigh_codes(ctx *c)
{
    int code = c->out->replycode;
    if (code / 100 == 2 && !(c->have_st && c->st.cls != 2)) {
        const bn_kb_reply *ok = bn_kb_reply_find(code);
        consider(c, BN_REASON_DELIVERED, 95, ok ? ok->rule : "reply.2xx");
        return;
    }
    if (c->have_st && c->st.cls == 2 && code == 0) {
        consider(c, BN_REASON_DELIVERED, 95, "status.2.x.x");
        return;
    }
    const bn_kb_reply *r = code ? bn_kb_reply_find(code) : NULL;
    if (r && r->reason >= 0)
        consider(c, r->reason, 10, r->rule);
    if (!c->have_st)
        return;
    c->st_row = bn_kb_status_find(&c->st);
    if (c->st_row && c->st_row->reason >= 0 && c->st_row->strength > 0)
        consider(c, c->st_row->reason, 10 * c->st_row->strength, c->st_row->rule);
    if (!c->st_row)
        weigh_subject(c);
}

/* same_provider - two provider names (b may be NULL) are one: the names come
   from one table, so equal pointers settle most comparisons */
static bool same_provider(const char *a, const char *b)
{
    return b && (a == b || strcmp(a, b) == 0);
}

/* weigh_provider_status - the provider's reading of the status code */
static void weigh_provider_status(ctx *c)
{
    if (!c->have_st)
        return;
    const bn_kb_provider *p = bn_kb_provider_status(c->provider, &c->st);
    if (!p)
        return;
    bool own = same_provider(p->provider, c->provider);
    if (p->kind == BN_PK_GSTATUS)
        consider(c, p->reason, 70, p->rule);
    else if (own)
        consider(c, p->reason, 45, p->rule);
    if (!c->provider)
        c->provider = p->provider;
}

/* weigh_text - candidates from phrases, blocklists and provider markers */
static void weigh_text(ctx *c)
{
    const bn_kb_hits *h = &c->hits;
    if (h->phrase >= 0) {
        const bn_kb_phrase *ph = &bn_kb_phrases[h->phrase];
        consider(c, ph->reason, ph->prio * 10, ph->rule);
    }
    if (h->blocklist >= 0) {
        consider(c, BN_REASON_BLOCKED, 80, bn_kb_blocklists[h->blocklist].rule);
        c->out->blocklist = bn_kb_blocklists[h->blocklist].name;
    }
    if (h->marker >= 0) {
        const bn_kb_provider *m = &bn_kb_providers[h->marker];
        consider(c, m->reason, 85, m->rule);
    }
    /* a provider's wording reads that way only from that provider */
    if (h->wording >= 0 && c->provider &&
        same_provider(bn_kb_providers[h->wording].provider, c->provider)) {
        const bn_kb_provider *w = &bn_kb_providers[h->wording];
        consider(c, w->reason, 85, w->rule);
    }
}

/* provider_of_host - the provider whose host row the remote MTA's name holds, or NULL */
static const char *provider_of_host(const char *host, size_t n)
{
    unsigned char name[256];
    bn_kb_hits h;
    if (!host || n == 0 || n > sizeof name)
        return NULL;
    for (size_t i = 0; i < n; i++)
        name[i] = bn_kb_fold_table[(unsigned char)host[i]];
    bn_kb_scan(name, n, &h);
    return h.host >= 0 ? bn_kb_providers[h.host].provider : NULL;
}

/* identify_provider - a marker names the provider, else a host name in the
   text does, else the name of the remote MTA that replied */
static void identify_provider(ctx *c)
{
    if (c->hits.marker >= 0)
        c->provider = bn_kb_providers[c->hits.marker].provider;
    else if (c->hits.host >= 0)
        c->provider = bn_kb_providers[c->hits.host].provider;
    else
        c->provider = provider_of_host(c->in->host, c->in->host_len);
}

/* is_recipient_reason - reasons that state a fact about the recipient address */
static bool is_recipient_reason(int r)
{
    return r == BN_REASON_USERUNKNOWN || r == BN_REASON_HOSTUNKNOWN ||
           r == BN_REASON_MAILBOXFULL || r == BN_REASON_SUSPEND || r == BN_REASON_HASMOVED ||
           r == BN_REASON_FILTERED;
}

/* is_phrase_rule - the rule id starts with "phrase." (a byte compare that
   stops at the first difference: no library call for a rule id) */
static bool is_phrase_rule(const char *rule)
{
    static const char pfx[] = "phrase.";
    for (size_t i = 0; i < sizeof pfx - 1; i++)
        if (rule[i] != pfx[i])
            return false;
    return true;
}

/*
 * unconfirmed_user - "user unknown" rests on wording alone: no status, a
 * generic X.0.x one, or X.2.0/X.2.1 (mailbox statuses, not addressing ones). Filters
 * after DATA word their refusals the same way (Sisimai reads these as
 * filtered too).
 */
static bool unconfirmed_user(const ctx *c)
{
    /* priority 6+ wording names the address itself ("the address couldn't be
       found", "check if address is correct"): filters do not disguise as that */
    if (!is_phrase_rule(c->best.rule) || c->best.weight >= 60)
        return false;
    /* X.2.1 says "mailbox disabled": it does not confirm a missing address either */
    return !c->have_st || c->st.subject == 0 || (c->st.subject == 2 && c->st.detail <= 1);
}

/* status_filtered - X.2.0 under "user unknown": the mailbox exists, a filter refused */
static bool status_filtered(const ctx *c)
{
    return c->have_st && c->st.subject == 2 && c->st.detail == 0;
}

/*
 * apply_sender_status - a recipient-side reason read from wording that is
 * not specific against an enhanced code about the sender: weak wording
 * (priority 3) under X.7.x, where Postfix writes every policy refusal
 * after "Recipient address rejected:" ("554 5.7.1 <x>: Recipient address
 * rejected: your IP is on our reject list"), or ordinary wording (5) under
 * X.1.7/X.1.8, the sender's own address ("501 5.1.7 Invalid address"). The
 * status decides: the recipient's address was not found bad.
 */
static void apply_sender_status(ctx *c)
{
    int r = c->best.reason;
    if (!c->have_st || !c->st_row || c->st_row->reason < 0 || !is_recipient_reason(r) ||
        !is_phrase_rule(c->best.rule))
        return;
    bool policy = c->st.subject == 7 && c->best.weight <= 30;
    bool sender_addr = c->st.subject == 1 && (c->st.detail == 7 || c->st.detail == 8) &&
                       c->best.weight <= 50;
    if (policy || sender_addr)
        c->best = (cand){c->st_row->reason, c->best.weight, "rule.sender-status"};
}

/* apply_stage - what the SMTP command the reply answered changes */
static void apply_stage(ctx *c, enum cmd cmd)
{
    int r = c->best.reason;
    int code = c->out->replycode;
    bool weak = r < 0 || c->best.weight < 50;
    /* at MAIL FROM, weak "blocked" wording ("access denied") or a bare X.7.x
       (X.7.0, X.7.1) refusal is about the sender */
    bool mail_sender = r < 0 || is_recipient_reason(r) ||
                       (weak && r == BN_REASON_BLOCKED) ||
                       (r == BN_REASON_SECURITYERROR && c->best.weight <= 10);
    if (cmd == CMD_MAIL && mail_sender && code / 100 == 5) {
        c->best = (cand){BN_REASON_REJECTED, c->best.weight, "rule.mail-stage"};
    } else if (cmd == CMD_CONN && (is_recipient_reason(r) || weak)) {
        if (code / 100 == 5)
            c->best = (cand){BN_REASON_BLOCKED, c->best.weight, "rule.conn-stage"};
        else if (code / 100 == 4)
            c->best = (cand){BN_REASON_SYSTEMERROR, c->best.weight, "rule.conn-stage"};
    } else if (r == BN_REASON_USERUNKNOWN && status_filtered(c)) {
        c->best = (cand){BN_REASON_FILTERED, c->best.weight, "rule.status-x.2.0"};
    } else if (cmd == CMD_DATA && r == BN_REASON_USERUNKNOWN && unconfirmed_user(c)) {
        c->best = (cand){BN_REASON_FILTERED, c->best.weight, "rule.data-stage"};
    } else if (cmd != CMD_RCPT && r == BN_REASON_USERUNKNOWN && unconfirmed_user(c)) {
        c->best = (cand){BN_REASON_FILTERED, c->best.weight, "rule.userunknown-unconfirmed"};
    }
}

/* decide_permanence - reply class, else status class, else text hints */
static bn_permanence decide_permanence(ctx *c)
{
    int code = c->out->replycode;
    int r = c->out->reason;
    if (r == BN_REASON_MAILBOXFULL || (c->st_row && c->st_row->perm == 2 && c->st.cls != 2))
        return BN_PERM_TRANSIENT;
    if (code == 552 && r == BN_REASON_RATELIMITED) {
        c->out->rule = "rule.552-recipients";
        return BN_PERM_TRANSIENT;
    }
    int cls = code ? code / 100 : (c->have_st ? c->st.cls : 0);
    if (cls == 4)
        return BN_PERM_TRANSIENT;
    if (cls == 5)
        return BN_PERM_PERMANENT;
    if (cls == 2)
        return BN_PERM_UNKNOWN;
    if (c->hits.transient)
        return BN_PERM_TRANSIENT;
    return BN_PERM_UNKNOWN;
}

/* bn_reason_action - see classify.h */
bn_action bn_reason_action(bn_reason r, bn_fault f)
{
    if ((unsigned)r >= BN_REASON_COUNT)
        return BN_ACTION_REVIEW;
    return (bn_action)bn_kb_reason_words(r, f)->action;
}

/* decide_action - the reason's action; transient failures are retried */
static bn_action decide_action(const bn_verdict *v)
{
    bn_action a = bn_reason_action(v->reason, v->fault);
    if (v->permanence == BN_PERM_TRANSIENT && (a == BN_ACTION_SUPPRESS || a == BN_ACTION_REVIEW))
        return BN_ACTION_RETRY;
    return a;
}

/* prefetch_words - start loading the rule id and the reason's words, which
   the record writer reads next (cold lines of big tables: a miss there
   stalled it; fetched now, they arrive while the parse goes on) */
static void prefetch_words(const bn_verdict *v)
{
    const bn_kb_reason *r = bn_kb_reason_words(v->reason, v->fault);
    __builtin_prefetch(v->rule);
    __builtin_prefetch(r->what);
    __builtin_prefetch(r->advice);
}

/*
 * side_of - whose failure the winning reason is. The reason's own fault,
 * except that a reason with a recipient variant in reasons.tsv (a rate
 * limit) is the recipient's when the reply ties it to the mailbox: mailbox
 * wording ("the user you are trying to contact is receiving mail at a
 * rate"), or a specific X.2.x status (RFC 3463: "mailbox status") in a text
 * that does not call itself temporary. X.2.0 is no evidence: greylisting
 * answers "450 4.2.0 ... Greylisted" (Postgrey), throttles "4.2.0 too many
 * connections from your IP". A sender's rate limit names the IP,
 * connections or recipients, never the mailbox.
 */
static bn_fault side_of(const ctx *c, bn_reason r)
{
    bn_fault own = (bn_fault)bn_kb_reasons[r].fault;
    bool status = c->have_st && c->st.subject == 2 && c->st.detail != 0 && !c->hits.transient;
    bool mailbox = c->hits.mailbox || status;
    if (own == BN_FAULT_SENDER && mailbox && bn_kb_variant_find(r, BN_FAULT_RECIPIENT))
        return BN_FAULT_RECIPIENT;
    return own;
}

/* finish - reason, fault, hardbounce, permanence and action from the winner */
static void finish(ctx *c)
{
    bn_verdict *v = c->out;
    if (c->best.reason >= 0) {
        v->reason = (bn_reason)c->best.reason;
        v->rule = c->best.rule;
    } else if (v->replycode || c->have_st || c->hits.failure) {
        /* a failure code or wording without a readable cause: evidence, not enough */
        v->reason = BN_REASON_ONHOLD;
        v->rule = "none.onhold";
    } else {
        v->reason = BN_REASON_UNDEFINED;
        v->rule = "none.undefined";
    }
    v->permanence = decide_permanence(c);
    v->fault = side_of(c, v->reason);
    v->action = decide_action(v);
    v->hardbounce = v->reason == BN_REASON_USERUNKNOWN || v->reason == BN_REASON_HOSTUNKNOWN ||
                    v->reason == BN_REASON_HASMOVED ||
                    (v->reason == BN_REASON_NOTACCEPT && v->permanence != BN_PERM_TRANSIENT);
    v->provider = c->provider;
    derive_status(v);
    prefetch_words(v);
}

/* verdict_init - the empty verdict */
static void verdict_init(bn_verdict *v)
{
    /* a copy of a template: fewer stores than a memset and six fields */
    static const bn_verdict empty = {
        .reason = BN_REASON_UNDEFINED,
        .permanence = BN_PERM_UNKNOWN,
        .fault = BN_FAULT_UNKNOWN,
        .action = BN_ACTION_REVIEW,
        .retry_after = -1,
        .rule = "none.undefined",
    };
    *v = empty;
}

/* lower - ASCII lower case, in place (the normalised text is copied with
   its case on the fast path: normalise) */
static void lower(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) /* arithmetic, not a table: it vectorises */
        p[i] = (unsigned char)(p[i] + ((unsigned char)(p[i] - 'A') < 26u ? 32 : 0));
}

/* is_ipv6 - the address bn_ip_scan found is an IPv6 one: it has a ':' in
   its first five bytes (an IPv4 one has none; ip is BN_IP_MAX bytes) */
static bool is_ipv6(const char *ip)
{
    return (ip[0] == ':') | (ip[1] == ':') | (ip[2] == ':') | (ip[3] == ':') | (ip[4] == ':');
}

/* bn_classify - decide reason, permanence, fault and action for one reply */
void bn_classify(bn_verdict *out, const bn_reply *in)
{
    ctx c;
    verdict_init(out);
    if (!in)
        return;
    c.in = in;
    c.out = out;
    c.nn = 0;
    c.high = 0;
    c.have_st = false;
    c.st_row = NULL;
    c.provider = NULL;
    c.best = (cand){-1, 0, NULL};
    take_codes(&c);
    c.has_text = in->text && in->text_len;
    if (c.has_text)
        normalise(&c, in->text, in->text_len, out->replycode);
    c.has_text = c.nn > 0;
    bn_kb_scan_hinted(c.norm, c.nn, c.high != 0, &c.hits);
    if (c.hits.phrase < 0 && c.nn && memchr(c.norm, '@', c.nn))
        rescan_without_addresses(&c);
    identify_provider(&c);
    weigh_codes(&c);
    if (c.best.weight < 95) {
        weigh_provider_status(&c);
        weigh_text(&c);
        apply_sender_status(&c);
        apply_stage(&c, parse_command(in));
    }
    finish(&c);
    if (c.hits.retry) { /* rare: its unit words are matched in lower case */
        lower(c.norm, c.nn);
        out->retry_after = bn_retry_after_scan((const char *)c.norm, c.nn);
    }
    memset(c.norm + c.nn, 0, BN_SCAN_PAD); /* defined bytes, though none is used */
    if (bn_ip_scan_padded((const char *)c.norm, c.nn, out->ip) && is_ipv6(out->ip))
        lower((unsigned char *)out->ip, strlen(out->ip)); /* IPv6 hex digits */
}
