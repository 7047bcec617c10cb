/*
 * scan.c - the generic scanner for human-readable failure reports
 *
 * Servers that send no machine-readable report still write the same few
 * things: a sentence announcing the failed addresses ("The following
 * address(es) failed:", "could not be delivered to"), each address on its
 * own line or at the start of one ("<a@b>: host x said: 550 ..."), and the
 * remote server's reply ("Remote host said:", "<<< 550 ...", "SMTP error
 * from remote mail server after RCPT TO:<a@b>:"). The scanner pairs each
 * failed address with the reply text that follows it, up to the next one.
 * Transcripts come with many prompts (">>>"/"<<<", "In:"/"Out:", MDaemon's
 * "<stamp>: -->"/"<--", InterScan's "Sent <<<"/"Received >>>"); where no
 * code is written at all (IMail "Unknown user: a@b", OpenSMTPD "a@b: No MX
 * found for domain"), the reason in words on or around the address's line
 * is its diagnostic, and the classifier's reading of that wording is the
 * evidence that something failed.
 *
 * Addresses are never taken from the returned original (the text is cut
 * before it) nor from the bounce's own From/To (the reporter and the
 * original sender).
 */
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"
#include "extract/extract.h"

#define SCAN_MAX_LINES 4000
#define DIAG_MAX_LINES 12
#define SCAN_MAX_HITS 1000   /* pairing is quadratic: a human text lists fewer */
#define ENRICH_MAX_RECORDS 200

/* One failed address found in the text. */
typedef struct hit {
    bn_str addr;
    size_t line; /* index of the line where it is first named */
} hit;

/* The text split into lines, plus what the scanner found. */
typedef struct scan {
    bn_xctx *x;
    const bn_str *lines;
    size_t n;
    size_t from;     /* first line of the failure section */
    size_t anchor;   /* the line with the announcing sentence (n: none) */
    unsigned long long anchors_in; /* bit a: anchors[a] is the first anchor of the
                                      table the text holds (find_section), 0: none */
    bool weak_anchor; /* the section was placed by a weak word ("error") */
    hit *hits;
    size_t nhits, cap;
    bn_str skip[4];  /* addresses never taken: the bounce's From/To, the sender */
    const char *format; /* record.format: "generic", or the calling decoder's */
} scan;

/* Sentences that announce the list of failed recipients. */
static const char *const anchors[] = {
    /* DMA: "There was an error delivering your mail to <a@b>." heads each
       address's block; the reply below it may say "Recipient address
       rejected", which must not start the section after the address */
    "error delivering",
    "following address", "following recipient", "following e-mail address",
    "failed recipient", "could not be delivered to", "couldn't be delivered to",
    "was not delivered to", "wasn't delivered to", "undeliverable to",
    "delivery to the following", "did not reach", "permanent fatal error",
    "failed addresses follow", "delivery has failed to", "unable to deliver",
    "not be delivered", "delivery failed", "undeliverable", "could not deliver",
    "couldn't deliver", "permanent error", "temporary error", "addresses had",
    "recipient address", "user unknown", "no such user", "does not exist",
    "failure reason", "not listed", "delivery problem", "returned mail",
    /* delay warnings: the addresses still waiting */
    "not yet been delivered", "has been delayed", "was postponed", "is delayed",
    /* au/EZweb "Your message was not delivered within 3 days", hMailServer
       and Exchange "The following recipient(s) could not be reached" */
    "not delivered within", "could not be reached",
    /* weak ones last: they only place the section, they prove nothing */
    "rejected", "failed:", "error", "unknown",
};
#define STRONG_ANCHORS (sizeof anchors / sizeof anchors[0] - 4)

/* Local parts that name a mail system, never a failed recipient. */
static const char *const system_locals[] = {
    "mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "maildaemon",
};

/* split_lines - the text (x->text) as an array of lines: the line index
   when it holds them, else split here (arena) */
static int split_lines(scan *s)
{
    bn_str text = s->x->text, line;
    size_t pos = 0, cap = 64;
    _Static_assert(SCAN_MAX_LINES <= BN_X_LINES_MAX, "the line index keeps too few lines");
    size_t k = bn_x_text_lines(s->x, SCAN_MAX_LINES, &s->lines);
    if (k != SIZE_MAX) {
        s->n = k;
        return BN_OK;
    }
    bn_str *v = bn_arena_alloc(s->x->arena, cap * sizeof *v);
    if (!v)
        return BN_ENOMEM;
    while (s->n < SCAN_MAX_LINES && bn_x_line(text, &pos, &line)) {
        if (s->n == cap) {
            bn_str *nv = bn_arena_alloc(s->x->arena, cap * 2 * sizeof *nv);
            if (!nv)
                return BN_ENOMEM;
            memcpy(nv, v, cap * sizeof *nv);
            v = nv;
            cap *= 2;
        }
        v[s->n++] = line;
    }
    s->lines = v;
    return BN_OK;
}

/* eq_ci - two spans equal, ASCII case-insensitively */
static bool eq_ci(bn_str a, bn_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (bn_lc((unsigned char)a.p[i]) != bn_lc((unsigned char)b.p[i]))
            return false;
    return true;
}

/* is_system - the address is a mailer-daemon/postmaster mailbox */
static bool is_system(bn_str a)
{
    for (size_t i = 0; i < sizeof system_locals / sizeof system_locals[0]; i++) {
        size_t k = strlen(system_locals[i]);
        if (a.n > k && a.p[k] == '@' && bn_str_starts_ci(a, system_locals[i]))
            return true;
    }
    return false;
}

/* header_line - a quoted header line whose addresses are not failed recipients */
static bool header_line(bn_str l)
{
    l = bn_str_trim(l);
    static const char *const h[] = {"from:", "sender:", "reply-to:", "return-path:",
                                    "message-id:", "references:", "in-reply-to:",
                                    "received:", "envelope-from", "x-", "date:", "cc:"};
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
        if (bn_str_starts_ci(l, h[i]))
            return true;
    /* a message identifier looks like an address, also where a session log
       puts a time stamp before its field (MDaemon: "Tue 2025-03-25
       10:00:01.104: *  Message-ID: <id@host>"); a line that names an
       address before the field ("<a@b> (Message-ID: ...)") is not one */
    static const char *const ids[] = {"message-id:", "in-reply-to:", "references:"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *f = bn_str_find_ci(l, ids[i]);
        if (f && !memchr(l.p, '@', (size_t)(f - l.p)))
            return true;
    }
    return bn_str_find_ci(l, "mail from:") && !bn_str_find_ci(l, "rcpt to:");
}

/* skipped - the address must not be taken as a failed recipient */
static bool skipped(const scan *s, bn_str a)
{
    if (is_system(a))
        return true;
    for (size_t i = 0; i < sizeof s->skip / sizeof s->skip[0]; i++)
        if (s->skip[i].n && eq_ci(s->skip[i], a))
            return true;
    return false;
}

/* alone_on_line - the line holds only the address (maybe in <> or quotes,
   maybe with a colon after it: "<user@dest>:", "\"user@dest\":") */
static bool alone_on_line(bn_str l, bn_str a)
{
    bn_str t = bn_str_trim(l);
    if (t.n && t.p[t.n - 1] == ':')
        t.n--;
    if (t.n >= 2 && ((t.p[0] == '<' && t.p[t.n - 1] == '>') ||
                     (t.p[0] == '"' && t.p[t.n - 1] == '"')))
        t = (bn_str){t.p + 1, t.n - 2};
    return t.p == a.p && t.n == a.n;
}

/* skipped_exact - the address is one of the bounce's own From/To or the sender */
static bool skipped_exact(const scan *s, bn_str a)
{
    for (size_t i = 0; i < sizeof s->skip / sizeof s->skip[0]; i++)
        if (s->skip[i].n && eq_ci(s->skip[i], a))
            return true;
    return false;
}

/* add_hit - remember a failed address (once) */
static int add_hit(scan *s, bn_str a, size_t line)
{
    for (size_t i = 0; i < s->nhits; i++)
        if (eq_ci(s->hits[i].addr, a))
            return BN_OK;
    if (s->nhits >= SCAN_MAX_HITS) {
        s->x->over_limit = true;
        return BN_OK;
    }
    if (s->nhits == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        hit *nv = bn_arena_alloc(s->x->arena, ncap * sizeof *nv);
        if (!nv)
            return BN_ENOMEM;
        if (s->nhits)
            memcpy(nv, s->hits, s->nhits * sizeof *nv);
        s->hits = nv;
        s->cap = ncap;
    }
    s->hits[s->nhits++] = (hit){a, line};
    return BN_OK;
}

/* lines_span - the text the lines cover */
static bn_str lines_span(const scan *s)
{
    const char *e = s->lines[s->n - 1].p + s->lines[s->n - 1].n;
    return (bn_str){s->lines[0].p, (size_t)(e - s->lines[0].p)};
}

static size_t line_of(const scan *s, const char *p);

/* find_section - first line of the paragraph holding the anchor sentence;
   s->anchor gets the anchor's own line */
static size_t find_section(scan *s)
{
    enum { NANCHORS = sizeof anchors / sizeof anchors[0] };
    _Static_assert(NANCHORS <= BN_MULTI_MAX, "anchors: too many rows for bn_multi");
    bn_multi scratch;
    s->anchor = s->n;
    /* one pass tells the first anchor of the table the text holds and where
       it first occurs: none spans a line, so its line is the first that
       holds it */
    size_t at = 0;
    bn_str span = s->n ? lines_span(s) : BN_STR_NULL;
    size_t low = s->n ? bn_multi_lowest_at(bn_x_multi(s->x, anchors, NANCHORS, &scratch), span,
                                           &at)
                      : BN_MULTI_MAX;
    s->anchors_in = low < NANCHORS ? 1ULL << low : 0;
    if (!s->anchors_in)
        return 0;
    size_t i = line_of(s, span.p + at);
    s->anchor = i;
    s->weak_anchor = low >= STRONG_ANCHORS;
    while (i > 0 && !bn_x_is_blank(s->lines[i - 1]))
        i--;
    return i;
}

/* list_sep - only separators of an address list lie between two addresses */
static bool list_sep(bn_str l, size_t from, size_t to)
{
    bool comma = false;
    for (size_t i = from; i < to; i++) {
        char c = l.p[i];
        if (c == ',' || c == ';')
            comma = true;
        else if (c != ' ' && c != '\t' && c != '<' && c != '>' && c != '"')
            return false;
    }
    return comma;
}

/* take - the address may be a failed recipient in this pass. The last pass
   (nothing else named) also takes a postmaster mailbox standing alone on a
   line, or the sender's own address (mail sent to oneself) when a line
   introduces it as a failed one ("user@dest:", "<user@dest>:", the way
   Exim, qmail and Postfix head an address's block; never how a report
   shows who sent the message) */
static bool take(const scan *s, bn_str l, bn_str a, bool with_system)
{
    if (!skipped(s, a))
        return true;
    if (!with_system || !alone_on_line(l, a))
        return false;
    if (is_system(a))
        return !skipped_exact(s, a);
    bn_str t = bn_str_trim(l);
    return t.n && t.p[t.n - 1] == ':';
}

/*
 * collect - failed addresses named in the section, in order. One per line
 * (others on the line are senders or hosts being quoted) unless the line is
 * a comma-separated list. System mailboxes (postmaster@...) only when
 * with_system (a second pass).
 */
static int collect(scan *s, size_t from, bool with_system)
{
    for (size_t i = from; i < s->n; i++) {
        bn_str l = s->lines[i];
        if (!bn_str_chr(l, '@') || header_line(l))
            continue; /* no address: the header test would only cost */
        size_t pos = 0, last_end = 0;
        bool taken = false;
        for (bn_str a = bn_x_addr_scan(l, &pos); a.n; a = bn_x_addr_scan(l, &pos)) {
            size_t st = (size_t)(a.p - l.p);
            if (taken && !list_sep(l, last_end, st))
                break;
            if (!take(s, l, a, with_system))
                continue;
            if (add_hit(s, a, i))
                return BN_ENOMEM;
            taken = true;
            last_end = st + a.n;
        }
    }
    return BN_OK;
}

/* block_has_reply - the block of hit i holds a server reply line */
static bool block_has_reply(const scan *s, size_t i);

/* names_cause - the classifier reads a failure cause in the wording of t
   (a phrase, not a bare code's class) */
static bool names_cause(bn_str t)
{
    if (!t.n)
        return false;
    bn_reply in = {0};
    in.text = t.p;
    in.text_len = t.n;
    bn_verdict v;
    bn_classify(&v, &in);
    if (v.reason == BN_REASON_UNDEFINED || v.reason == BN_REASON_ONHOLD || !v.rule)
        return false;
    return strncmp(v.rule, "none.", 5) && strncmp(v.rule, "status.", 7) &&
           strncmp(v.rule, "reply.", 6);
}

/* line_names_cause - the address's line, with the lines right above and
   below it in its paragraph, names a failure cause ("Unknown user: a@b",
   "User ... not listed in Domino Directory\na@b") */
static bool line_names_cause(const scan *s, size_t line)
{
    size_t a = line, b = line + 1;
    if (a > 0 && !bn_x_is_blank(s->lines[a - 1]))
        a--;
    if (b < s->n && !bn_x_is_blank(s->lines[b]))
        b++;
    const char *e = s->lines[b - 1].p + s->lines[b - 1].n;
    return names_cause((bn_str){s->lines[a].p, (size_t)(e - s->lines[a].p)});
}

/* heads_block - the line starts with the address and a colon ("a@b: No MX
   found for domain", "<a@b>:"): the way Courier, qmail, Exim, Postfix and
   OpenSMTPD head a failed recipient's block, never how prose names a
   contact address */
static bool heads_block(bn_str l, bn_str a)
{
    bn_str t = bn_str_trim(l);
    size_t k = t.n && t.p[0] == '<' ? 1 : 0;
    if (t.p + k != a.p)
        return false;
    k += a.n;
    if (k < t.n && t.p[k] == '>')
        k++;
    return k < t.n && t.p[k] == ':';
}

/* has_evidence - hit i has a reply in its block, heads its own block
   ("a@b: ...") or is named with a failure cause in words */
static bool has_evidence(const scan *s, size_t i)
{
    if (block_has_reply(s, i))
        return true;
    return s->hits[i].line < s->n &&
           (heads_block(s->lines[s->hits[i].line], s->hits[i].addr) ||
            line_names_cause(s, s->hits[i].line));
}

/* any_evidence - one of the hits has evidence of its failure */
static bool any_evidence(const scan *s)
{
    for (size_t i = 0; i < s->nhits && i < 64; i++)
        if (has_evidence(s, i))
            return true;
    return false;
}

/*
 * widen - a weak word placed the section ("If you believe this is in error,
 * write to helpdesk@..."), and no address found below it shows a failure:
 * the failed address is above ("Unknown user: a@b"). Collect from the start
 * too, in the order of the text; prune() then keeps those with evidence.
 */
static int widen(scan *s)
{
    int rc = collect(s, 0, false);
    for (size_t i = 1; !rc && i < s->nhits; i++) {
        hit h = s->hits[i];
        size_t k = i;
        for (; k > 0 && s->hits[k - 1].line > h.line; k--)
            s->hits[k] = s->hits[k - 1];
        s->hits[k] = h;
    }
    return rc;
}

/* prune - with several addresses, drop those with no reply in their block
   when another has one (a contact address in the prose, not a recipient);
   an address heading its own block, or named with a cause in words ("No
   such domain.", "Unknown user: a@b"), stays */
static void prune(scan *s)
{
    if (s->nhits < 2)
        return;
    bool keep[64];
    size_t n = s->nhits < 64 ? s->nhits : 64, any = 0;
    for (size_t i = 0; i < n; i++)
        any += keep[i] = has_evidence(s, i);
    if (!any || any == n || s->nhits > 64)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            s->hits[k++] = s->hits[i];
    s->nhits = k;
}

/* from_header - X-Failed-Recipients (Exim, Gmail): the failed addresses */
static int from_header(scan *s)
{
    bn_str v = bn_hdr_get(s->x->msg, &s->x->msg->parts[0].hdrs, "X-Failed-Recipients");
    size_t pos = 0;
    for (bn_str a = bn_x_addr_scan(v, &pos); a.n; a = bn_x_addr_scan(v, &pos)) {
        size_t line = s->n;
        for (size_t i = s->from; i < s->n && line == s->n; i++)
            if (bn_str_find_ci(s->lines[i], "@") &&
                bn_mem_find_ci(s->lines[i].p, s->lines[i].n, a.p, a.n))
                line = i;
        if (add_hit(s, a, line == s->n ? s->from : line))
            return BN_ENOMEM;
    }
    return BN_OK;
}

/* code_kind - 1: the line holds a 4xx/5xx reply code or a 4.x.x/5.x.x
   status; -1: its first code says something else ("250 2.1.5 Ok" in a
   transcript is no failure); 0: it holds no code */
static int code_kind(bn_str t)
{
    bn_str st = bn_x_find_status(t);
    if (st.n)
        return st.p[0] != '2' ? 1 : -1;
    int code = bn_x_find_replycode(t);
    if (code)
        return code >= 400 && code < 600 ? 1 : -1;
    return 0;
}

/* has_failure_code - the line holds a 4xx/5xx reply code or a 4.x.x/5.x.x status */
static bool has_failure_code(bn_str t)
{
    return code_kind(t) > 0;
}

/* ends_ci - the n bytes before t.p[i] are lit (n = strlen(lit)) */
static inline bool ends_ci(bn_str t, size_t i, const char *lit, size_t n)
{
    return i >= n && bn_str_eq_ci((bn_str){t.p + i - n, n}, lit);
}

/* said_colon - a colon of t ends "said:", "reason:" or "... deferred:"
   (the words are compared at each colon: one walk instead of three searches) */
static bool said_colon(bn_str t)
{
    for (const char *c = bn_str_chr(t, ':'); c;) {
        size_t i = (size_t)(c - t.p);
        if (ends_ci(t, i, "said", 4) || ends_ci(t, i, "reason", 6) ||
            ends_ci(t, i, "... deferred", 12))
            return true;
        c = bn_str_chr((bn_str){c + 1, t.n - i - 1}, ':');
    }
    return false;
}

/* worded_reply - a line without a code that introduces the server's reply
   in words ("<<< ...", "SMTP error ...", "... said:", "reason:") */
static bool worded_reply(bn_str t)
{
    if (bn_str_starts_ci(t, "<<<") || bn_str_find_ci(t, "smtp error"))
        return true;
    /* the other wordings end with a colon: most lines have none */
    return said_colon(t);
}

/* is_reply_line - a line that carries the remote server's answer: a failure
   code (each code looked for once), else no code of success and a reply's
   wording */
static bool is_reply_line(bn_str l)
{
    bn_str t = bn_str_trim(l);
    int k = code_kind(t);
    return k ? k > 0 : worded_reply(t);
}

/* first_reply - the first line of [a, b) with a failure code, else the first
   is_reply_line; the lines without a code (of the first 64) are noted on the
   way, so the second walk reads no code again */
static size_t first_reply(const scan *s, size_t a, size_t b)
{
    unsigned long long nocode = 0;
    for (size_t i = a; i < b; i++) {
        int k = code_kind(bn_str_trim(s->lines[i]));
        if (k > 0)
            return i;
        if (!k && i - a < 64)
            nocode |= 1ULL << (i - a);
    }
    for (size_t i = a; i < b; i++) {
        bn_str t = bn_str_trim(s->lines[i]);
        bool none = i - a < 64 ? (nocode >> (i - a) & 1) : !code_kind(t);
        if (none && worded_reply(t))
            return i;
    }
    return b;
}

/* join_lines - lines [a, b) unfolded into one diagnostic string (arena) */
static bn_str join_lines(scan *s, size_t a, size_t b)
{
    if (a >= b)
        return BN_STR_NULL;
    const char *p = s->lines[a].p;
    const char *e = s->lines[b - 1].p + s->lines[b - 1].n;
    return bn_x_unfold(s->x->arena, (bn_str){p, (size_t)(e - p)});
}

/* code_at - a reply code or status code starts at t.p[i] */
static bool code_at(bn_str t, size_t i)
{
    bn_str rest = {t.p + i, t.n - i};
    if (!bn_is_digit((unsigned char)t.p[i]) ||
        (i > 0 && !bn_is_space((unsigned char)t.p[i - 1]) && t.p[i - 1] != ';'))
        return false;
    int rc = bn_x_find_replycode(rest);
    bn_str st = bn_x_find_status(rest);
    return (rc >= 400 && rest.n >= 3 && rest.p[0] == (char)('0' + rc / 100) &&
            !bn_is_digit((unsigned char)(rest.n > 3 ? rest.p[3] : ' '))) ||
           (st.n && st.p == rest.p);
}

/*
 * trim_to_reply - "<prose>: 550 5.1.1 <reply>" -> "550 5.1.1 <reply>": servers
 * introduce the remote reply after a colon ("said:", "returned was:",
 * "reason:"); the reply is what classifies, the prose may mislead
 */
static bn_str trim_to_reply(bn_str d)
{
    for (size_t i = 1; i < d.n; i++) {
        if (!code_at(d, i))
            continue;
        size_t k = i;
        while (k > 0 && bn_is_space((unsigned char)d.p[k - 1]))
            k--;
        if (k == 0 || (d.p[k - 1] != ':' && d.p[k - 1] != ';'))
            return d; /* "said: 550", "smtp;550" */
        bn_str r = {d.p + i, d.n - i};
        if (r.n && r.p[r.n - 1] == ')' && !bn_str_chr(r, '('))
            r.n--; /* "(reason: 550 ...)" */
        return bn_str_trim(r);
    }
    return d;
}

static bool is_separator_line(bn_str l);

/* Who speaks in a transcript line. */
enum turn { TURN_NONE, TURN_CLIENT, TURN_SERVER };

#define STAMP_MAX 48 /* a log stamp before an arrow: "Sun 2026-03-15 07:59:58.460: " */

/* has_dashes - "--" in p[0..n): both arrows hold it, most lines do not */
static bool has_dashes(const char *p, size_t n)
{
    for (const char *d = p, *e = p + n; d < e && (d = memchr(d, '-', (size_t)(e - d))); d++)
        if (d + 1 < e && d[1] == '-')
            return true;
    return false;
}

/* arrow_after_stamp - "<stamp>: <-- 550 ..." (MDaemon's session transcript):
   an arrow after a short prefix that ends in ": " or a blank */
static enum turn arrow_after_stamp(bn_str t, bn_str *rest)
{
    size_t lim = t.n < STAMP_MAX ? t.n : STAMP_MAX;
    if (!has_dashes(t.p, lim))
        return TURN_NONE; /* the cheap test first: this runs on every block line */
    for (size_t i = 1; i + 3 < lim; i++) {
        if (t.p[i - 1] != ' ' || t.p[i + 3] != ' ')
            continue;
        bool out = !memcmp(t.p + i, "-->", 3), in = !memcmp(t.p + i, "<--", 3);
        if (!out && !in)
            continue;
        *rest = bn_str_trim((bn_str){t.p + i + 3, t.n - i - 3});
        return out ? TURN_CLIENT : TURN_SERVER;
    }
    return TURN_NONE;
}

/* reply_first - t starts with a three-digit reply code */
static bool reply_first(bn_str t)
{
    return t.n >= 3 && bn_is_digit((unsigned char)t.p[0]) && bn_is_digit((unsigned char)t.p[1]) &&
           bn_is_digit((unsigned char)t.p[2]);
}

/* worded_arrow - "Received >>> 550 ...", "Sent <<< RCPT TO:<a@b>" (InterScan
   MSS, which points its arrows the other way), "受信 <<< 550": one word,
   then an arrow. The words after the arrow say who spoke: a reply code is
   the server, anything else the client's command */
static enum turn worded_arrow(bn_str t, bn_str *rest)
{
    size_t k = 0;
    while (k < t.n && k <= 16 && !bn_is_space((unsigned char)t.p[k]))
        k++;
    if (k == 0 || k > 16 || k + 4 > t.n || t.p[k] != ' ')
        return TURN_NONE;
    bn_str a = {t.p + k + 1, t.n - k - 1};
    if (!bn_str_starts_ci(a, ">>>") && !bn_str_starts_ci(a, "<<<"))
        return TURN_NONE;
    *rest = bn_str_trim((bn_str){a.p + 3, a.n - 3});
    return reply_first(*rest) ? TURN_SERVER : TURN_CLIENT;
}

/* prefix_turn - the turn a transcript prompt at the start of t gives
   (">>>", "In:", "-->": the client; "<<<", "Out:", "<--": the server);
   one test of the first byte for most lines */
static enum turn prefix_turn(bn_str t, bn_str *rest)
{
    const char *p = NULL;
    enum turn r = TURN_CLIENT;
    switch (t.n ? t.p[0] : 0) {
    case '>':
        p = ">>>";
        break;
    case 'i':
    case 'I':
        p = "in:";
        break;
    case '-':
        p = "-->";
        break;
    case '<':
        p = bn_str_starts_ci(t, "<<<") ? "<<<" : "<--";
        r = TURN_SERVER;
        break;
    case 'o':
    case 'O':
        p = "out:";
        r = TURN_SERVER;
        break;
    default:
        return TURN_NONE;
    }
    if (!bn_str_starts_ci(t, p))
        return TURN_NONE;
    size_t k = strlen(p);
    *rest = bn_str_trim((bn_str){t.p + k, t.n - k});
    return r;
}

#if defined(__SSE2__)
/* angle_in16 - the 16 bytes at p hold a '<' or '>' */
static inline bool angle_in16(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('>'))));
}
#endif

/* angle_within - a '<' or '>' in the first STAMP_MAX bytes of t: every
   arrow after a word or a stamp ("Sent <<<", "<stamp>: -->") lies there
   and holds one; most lines have none (one test instead of two searches) */
static bool angle_within(bn_str t)
{
    size_t lim = t.n < STAMP_MAX ? t.n : STAMP_MAX, i = 0;
#if defined(__SSE2__)
    if (lim >= 16) {
        for (; i + 16 <= lim; i += 16)
            if (angle_in16(t.p + i))
                return true;
        return i < lim && angle_in16(t.p + lim - 16); /* the rest: a last block */
    }
#endif
    for (; i < lim; i++)
        if (t.p[i] == '<' || t.p[i] == '>')
            return true;
    return false;
}

/* turn_of - a transcript turn: ">>> " / "In:" / "-->" (the client's command),
   "<<< " / "Out:" / "<--" (the server's reply); *rest gets the words after it */
static enum turn turn_of(bn_str l, bn_str *rest)
{
    bn_str t = bn_str_trim(l);
    enum turn p = prefix_turn(t, rest);
    if (p != TURN_NONE || !angle_within(t))
        return p;
    enum turn w = worded_arrow(t, rest);
    return w != TURN_NONE ? w : arrow_after_stamp(t, rest);
}

/* strip_prompt - without a transcript's "<<< " / "Out: " / "<stamp>: <-- " prefix */
static bn_str strip_prompt(bn_str t)
{
    bn_str rest;
    t = bn_str_trim(t);
    return turn_of(t, &rest) == TURN_SERVER ? rest : t;
}

/* multiline - "550-5.1.1 ...": the reply goes on in the next line */
static bool multiline(bn_str l)
{
    bn_str t = strip_prompt(l);
    return t.n > 4 && bn_is_digit((unsigned char)t.p[0]) && bn_is_digit((unsigned char)t.p[1]) &&
           bn_is_digit((unsigned char)t.p[2]) && t.p[3] == '-';
}

/* is_prompt - a transcript turn: ">>> ", "<<< ", "In:", "Out:", "-->", "<--" */
static bool is_prompt(bn_str l)
{
    bn_str rest;
    return turn_of(l, &rest) != TURN_NONE;
}

/* continues - line l continues the reply of line prev: indented, or after a
   "550-" line; an unindented sentence or a new transcript turn is not */
static bool continues(bn_str prev, bn_str l)
{
    if (bn_x_is_blank(l))
        return false;
    if (multiline(prev))
        return true;
    return bn_is_wsp((unsigned char)l.p[0]) && !is_prompt(l);
}

/* introduces - "Reason:" / "For the following reason:" alone: the text follows */
static bool introduces(bn_str l)
{
    bn_str t = bn_str_trim(l);
    return t.n && t.p[t.n - 1] == ':' && !has_failure_code(t);
}

/* following_text - the paragraph after an introducing line (first..) */
static bn_str following_text(scan *s, size_t first, size_t b)
{
    size_t st = first + 1;
    while (st < b && st - first <= 2 && bn_x_is_blank(s->lines[st]))
        st++;
    size_t end = st;
    while (end < b && end - st < DIAG_MAX_LINES && !bn_x_is_blank(s->lines[end]))
        end++;
    return join_lines(s, first, end);
}

/* says_why - a plain line right above a reply that may hold its reason: not
   blank, not a transcript turn, not a section rule or "... while talking" */
static bool says_why(bn_str l)
{
    bn_str t = bn_str_trim(l);
    return t.n && !is_prompt(t) && !is_separator_line(t) && !bn_str_starts_ci(t, "...") &&
           !bn_str_chr(t, '@') && !introduces(t);
}

/* reply_text - the reply lines in [a, b) and their continuations, or empty:
   a line with a failure code first, else a line that introduces a reply */
static bn_str reply_text(scan *s, size_t a, size_t b)
{
    size_t first = first_reply(s, a, b);
    if (first == b)
        return BN_STR_NULL;
    if (introduces(s->lines[first]))
        return trim_to_reply(following_text(s, first, b));
    size_t end = first + 1;
    if (first > a + 1 && says_why(s->lines[first - 1]))
        first--; /* "mail.local: unknown user: x" above "554 ... Service unavailable" */
    while (end < b && end - first < DIAG_MAX_LINES && continues(s->lines[end - 1], s->lines[end]))
        end++;
    bn_str d = join_lines(s, first, end);
    bn_str t = strip_prompt(d);
    return trim_to_reply(t.n ? t : d);
}

/* is_separator_line - punctuation only ("------- Failure Reasons ----" is not) */
static bool is_separator_line(bn_str l)
{
    bn_str t = bn_str_trim(l);
    size_t alnum = 0;
    for (size_t i = 0; i < t.n; i++)
        alnum += bn_is_alnum((unsigned char)t.p[i]);
    return t.n && (alnum == 0 || (t.p[0] == '-' && t.p[t.n - 1] == '-'));
}

/* is_hit_line - another failed address is named on line l: the text above
   an address stops there ("User mailbox exceeds allowed size: a@b" over
   "Unknown user: c@d" is a's reason, not c's) */
static bool is_hit_line(const scan *s, size_t l)
{
    for (size_t k = 0; k < s->nhits; k++)
        if (s->hits[k].line == l)
            return true;
    return false;
}

/* labels_list - the line introduces a list ("Undeliverable recipients:",
   "配信できなかった宛先："): the address under it is an item of the list,
   its reason is not written above it */
static bool labels_list(bn_str l)
{
    bn_str t = bn_str_trim(l);
    if (t.n && t.p[t.n - 1] == ':')
        return true;
    return t.n >= 3 && !memcmp(t.p + t.n - 3, "\xef\xbc\x9a", 3); /* U+FF1A */
}

/* block_text - the address line and what follows it up to the block's end
   (two paragraphs at most), with the announcing sentence when it is apart */
static bn_str block_text(scan *s, size_t a, size_t b)
{
    size_t end = a, gaps = 0;
    bool closes = a + 1 >= b || bn_x_is_blank(s->lines[a + 1]);
    if (closes && !(a > 0 && labels_list(s->lines[a - 1]))) {
        /* the address closes its paragraph: the reason is written above it
           ("User not listed in public Name & Address Book\nuser@host") */
        size_t st = a;
        while (st > 0 && a - st < 3 && !bn_x_is_blank(s->lines[st - 1]) &&
               !is_separator_line(s->lines[st - 1]) && st - 1 != s->anchor &&
               !is_hit_line(s, st - 1))
            st--;
        if (st < a)
            return join_lines(s, st, a + 1);
    }
    while (end < b && end - a < DIAG_MAX_LINES) {
        if (end > a && bn_x_is_blank(s->lines[end]) && ++gaps > 2)
            break;
        end++;
    }
    bn_str d = join_lines(s, a, end);
    /* "Delivery to the following recipient has been delayed:" says what
       happened when the block itself has no reply */
    if (s->anchor >= a || s->anchor >= s->n || a - s->anchor > 3)
        return d;
    bn_str anchor = bn_str_trim(s->lines[s->anchor]);
    if (!anchor.n || anchor.p[anchor.n - 1] != ':')
        return d;
    size_t n = anchor.n + 1 + d.n;
    char *out = bn_arena_alloc(s->x->arena, n + 1);
    if (!out)
        return d;
    memcpy(out, anchor.p, anchor.n);
    out[anchor.n] = ' ';
    if (d.n)
        memcpy(out + anchor.n + 1, d.p, d.n);
    return (bn_str){out, n};
}

static size_t block_end(const scan *s, size_t i);
static bn_str command_for(scan *s, size_t i, bn_str diag, bn_str none);
static bool has_word(bn_str d);

/* has_text - a word in d: three ASCII letters in a row, or any non-ASCII
   character (Japanese, Russian... have no ASCII letters to count) */
static bool has_text(bn_str d)
{
    for (size_t i = 0; i < d.n; i++)
        if ((unsigned char)d.p[i] >= 0x80)
            return true;
    return has_word(d);
}

/* address_note - "\tuser@dest (user not found)" (SmarterMail), "a@b: No MX
   found for domain" (OpenSMTPD): the reason on the address's own line is
   the whole diagnostic; the paragraphs below it are the server's
   boilerplate ("Possible reasons include: ... mailbox is full") */
static bn_str address_note(const scan *s, size_t i)
{
    if (s->hits[i].line >= s->n)
        return BN_STR_NULL; /* X-Failed-Recipients over an empty text */
    bn_str l = bn_str_trim(s->lines[s->hits[i].line]);
    bn_str a = s->hits[i].addr;
    const char *at = bn_mem_find_ci(l.p, l.n, a.p, a.n);
    if (!at)
        return BN_STR_NULL;
    size_t k = (size_t)(at - l.p) + a.n;
    while (k < l.n && (l.p[k] == '>' || l.p[k] == ' ' || l.p[k] == '\t'))
        k++;
    bn_str note = {l.p + k, l.n - k};
    if (note.n && note.p[0] == ':' && has_text(note))
        return bn_str_trim((bn_str){note.p + 1, note.n - 1}); /* "a@b: No MX found" */
    if (note.n < 3 || note.p[0] != '(' || note.p[note.n - 1] != ')' || !has_text(note))
        return BN_STR_NULL;
    return l;
}

/* only_address - d names the address and nothing else ("<a@b>", "a@b -----") */
static bool only_address(bn_str d, bn_str addr)
{
    const char *at = bn_mem_find_ci(d.p, d.n, addr.p, addr.n);
    if (!at)
        return false;
    size_t k = (size_t)(at - d.p);
    return !has_text((bn_str){d.p, k}) && !has_text((bn_str){at + addr.n, d.n - k - addr.n});
}

/* section_text - the failure section from its announcing paragraph down to
   the address on line a ("Your message was not delivered within 3 days.
   Remote host is not responding.\n\n<a@b>"), or empty when it is far */
static bn_str section_text(scan *s, size_t a)
{
    if (s->from >= a || a - s->from > DIAG_MAX_LINES)
        return BN_STR_NULL;
    return join_lines(s, s->from, a + 1);
}

/* diagnostic_for - the reply text that belongs to hit i */
static bn_str diagnostic_for(scan *s, size_t i, bool allow_block)
{
    size_t a = s->hits[i].line;
    size_t b = block_end(s, i);
    bn_str d = reply_text(s, a, b);
    if (!d.n && s->nhits == 1)
        d = reply_text(s, 0, s->n);
    if (d.n || !allow_block)
        return d;
    d = address_note(s, i);
    if (!d.n)
        d = block_text(s, a, b);
    if (only_address(d, s->hits[i].addr)) {
        bn_str sec = section_text(s, a);
        if (sec.n)
            d = sec;
    }
    return d;
}

/* block_has_reply - the block of hit i holds a server reply line */
static bool block_has_reply(const scan *s, size_t i)
{
    size_t b = block_end(s, i);
    for (size_t k = s->hits[i].line; k < b && k < s->n; k++)
        if (is_reply_line(s->lines[k]))
            return true;
    return false;
}

/* emit - one record per failed address, with its diagnostic */
static int emit(scan *s, const char *src)
{
    for (size_t i = 0; i < s->nhits; i++) {
        bn_xrec *r = bn_x_add(s->x, s->format);
        if (!r)
            return s->x->oom;
        r->r.recipient = s->hits[i].addr;
        r->r.recipient_src = src;
        r->r.diagnostic = diagnostic_for(s, i, true);
        r->r.command = command_for(s, i, r->r.diagnostic, BN_STR_NULL);
        r->status = bn_x_find_status(r->r.diagnostic);
        r->replycode = bn_x_find_replycode(r->r.diagnostic);
        if (r->status.n)
            r->r.status_src = "diagnostic text";
    }
    return BN_OK;
}

/* failure_evidence - the text holds a 4xx/5xx reply, a status code or a failure
   sentence (the sentences: what find_section found) */
static bool failure_evidence(const scan *s)
{
    if (s->anchors_in & ((1ULL << STRONG_ANCHORS) - 1)) /* found by find_section */
        return true;
    for (size_t i = 0; i < s->n; i++)
        if (is_reply_line(s->lines[i]))
            return true;
    return false;
}

/*
 * classifier_evidence - the classifier finds a failure cause in the wording
 * of the text: "Unknown user: a@b" (IMail), "User mailbox exceeds allowed
 * size: a@b" write no code and no announcing sentence. A cause named by a
 * phrase counts, not a bare code's class (a message that only presents
 * itself as a bounce must still say what failed).
 */
static bool classifier_evidence(const scan *s)
{
    return s->n && names_cause(lines_span(s));
}

/* reply_at_start - the line starts with a 4xx/5xx reply ("550 5.1.1 ...",
   "550-...", "> 554 ..."), not a number inside prose ("550 Main Street" is
   an address, "order 550-1234" an order) */
static bool reply_at_start(bn_str l)
{
    bn_str t = bn_str_trim(l);
    while (t.n && t.p[0] == '>')
        t = bn_str_trim((bn_str){t.p + 1, t.n - 1});
    if (t.n < 4 || (t.p[0] != '4' && t.p[0] != '5') || !bn_is_digit((unsigned char)t.p[1]) ||
        !bn_is_digit((unsigned char)t.p[2]) || (t.p[3] != ' ' && t.p[3] != '-'))
        return false;
    return bn_x_find_status(t).n || t.p[3] == '-' || code_kind(t) > 0;
}

/*
 * strict_evidence - what a message that claims to be a bounce by its Subject
 * alone must show: failure_evidence and classifier_evidence, but a reply
 * code only where a server's reply has it (at a line's start, or with an
 * enhanced status): in a person's "Order 1234 not delivered", "550 Main
 * Street" is an address. And no challenge-response message ("held until you
 * confirm that you are a human"): it is no failure, and the address in it
 * is the person's own.
 */
static bool strict_evidence(const scan *s)
{
    static const char *const challenge[] = {
        "you are a human", "you are human", "not a robot", "challenge-response",
        "challenge/response", "verify your email address", "verify your address",
        "confirm your email address", "confirm your address", "protecting myself from spam"};
    if (bn_x_text_has(s->x, challenge, sizeof challenge / sizeof challenge[0]))
        return false;
    if ((s->anchors_in & ((1ULL << STRONG_ANCHORS) - 1)) || classifier_evidence(s))
        return true;
    for (size_t i = 0; i < s->n; i++) {
        bn_str st = bn_x_find_status(s->lines[i]);
        if ((st.n && st.p[0] != '2') || reply_at_start(s->lines[i]))
            return true;
    }
    return false;
}

/* says_delivered - a delivery receipt ("Your message has been delivered to
   the following recipients"): success wording (not on the original's quoted
   Subject line), no failure sentence ("did not reach", "could not be
   delivered": a partial report), no cause and no failure code */
static bool says_delivered(const scan *s)
{
    static const char *const ok[] = {
        "has been delivered to", "was delivered to", "successfully delivered",
        "delivery to these recipients or groups is complete", "was successfully relayed"};
    static const char *const failed[] = {
        "did not reach", "not be delivered", "undeliverable", "failed", "could not deliver",
        "unable to deliver", "not delivered", "rejected"};
    if (!bn_x_text_says(s->x, ok, sizeof ok / sizeof ok[0]) ||
        bn_x_text_says(s->x, failed, sizeof failed / sizeof failed[0]) ||
        classifier_evidence(s))
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (code_kind(bn_str_trim(s->lines[i])) > 0)
            return false;
    return true;
}

/* emit_anonymous - a failure without any named address (VERP may fill it) */
static int emit_anonymous(scan *s)
{
    bn_xrec *r = bn_x_add(s->x, s->format);
    if (!r)
        return s->x->oom;
    r->r.diagnostic = reply_text(s, s->from, s->n);
    if (!r->r.diagnostic.n && s->anchor < s->n)
        r->r.diagnostic = following_text(s, s->anchor, s->n); /* the failure sentence */
    r->r.command = bn_x_command(s->x, r->r.diagnostic);
    r->status = bn_x_find_status(r->r.diagnostic);
    r->replycode = bn_x_find_replycode(r->r.diagnostic);
    return BN_OK;
}

/* init_skip - the bounce's own From/To and the known sender */
static void init_skip(scan *s)
{
    bn_xctx *x = s->x;
    s->skip[0] = bn_x_addr_field(bn_x_top(x, BN_XTOP_FROM));
    s->skip[1] = bn_x_addr_field(bn_x_top(x, BN_XTOP_TO));
    s->skip[2] = x->addresser;
    if (x->orig.found)
        s->skip[3] = bn_x_addr_field(bn_x_field_value(x->arena, &x->orig.hdrs, "From"));
}

static int scan_run(bn_xctx *x, const char *format, bn_claim claim);

/* bn_x_scan - the generic human-readable failure scanner */
int bn_x_scan(bn_xctx *x)
{
    bn_claim claim = bn_x_bounce_claim(x);
    if (claim == BN_CLAIM_NONE)
        return BN_OK;
    return scan_run(x, "generic", claim);
}

/* bn_x_scan_as - the scanner's pairing for a decoder that recognised its format */
int bn_x_scan_as(bn_xctx *x, const char *format)
{
    return scan_run(x, format, BN_CLAIM_HEADERS);
}

/* scan_run - the scanner's pairing; claim: how the message presents itself
   as a bounce (a decoder's recognition counts as its headers) */
static int scan_run(bn_xctx *x, const char *format, bn_claim claim)
{
    scan s;
    memset(&s, 0, sizeof s);
    s.x = x;
    s.format = format;
    if (split_lines(&s))
        return BN_ENOMEM;
    init_skip(&s);
    s.from = find_section(&s);
    int rc = from_header(&s);
    const char *src = "X-Failed-Recipients";
    if (!rc && !s.nhits) {
        rc = collect(&s, s.from, false);
        src = "address in the failure text";
    }
    if (!rc && !s.nhits && s.from > 0)
        rc = collect(&s, 0, false);
    if (!rc && s.nhits && s.from > 0 && s.weak_anchor && !any_evidence(&s))
        rc = widen(&s);
    if (!rc && !s.nhits)
        rc = collect(&s, s.from, true); /* the failed address may be a postmaster */
    if (rc)
        return rc;
    /* a message that only calls itself a bounce (a subject, a sender name)
       must also say that something failed; by its subject alone, with a
       server's code */
    bool evidence = bn_x_is_report(x) ||
                    (claim == BN_CLAIM_SUBJECT ? strict_evidence(&s)
                                               : failure_evidence(&s) || classifier_evidence(&s));
    if (!evidence || (!strcmp(format, "generic") && says_delivered(&s)))
        return BN_OK; /* nothing failed, or a delivery receipt */
    prune(&s);
    return s.nhits ? emit(&s, src) : emit_anonymous(&s);
}

/* word_command - the SMTP command word at the start of a client line */
static bn_str word_command(bn_str l)
{
    static const char *const cmds[] = {"RCPT", "MAIL", "DATA", "HELO", "EHLO",
                                       "STARTTLS", "AUTH", "BDAT", "QUIT"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (bn_str_starts_ci(l, cmds[i]))
            return bn_str_cstr(cmds[i]);
    if (l.n && l.p[0] == '.')
        return BN_STR("DATA"); /* the end-of-data dot */
    return BN_STR_NULL;
}

/* may_turn - turn_of(l) can find a turn: after the indent an "In:" or
   "Out:" prompt's first letter, or an angle bracket in the stamp window
   (every other prompt and arrow holds one; the untrimmed end holds none
   more); turn_of's first tests without its call and trims: most lines of a
   block are prose */
static inline bool may_turn(bn_str l)
{
    size_t i = 0;
    while (i < l.n && bn_is_space((unsigned char)l.p[i]))
        i++;
    if (i == l.n)
        return false;
    unsigned char c = bn_lc((unsigned char)l.p[i]);
    return c == 'i' || c == 'o' || angle_within((bn_str){l.p + i, l.n - i});
}

/* transcript_command - in a ">>> CMD" / "<<< 550" transcript, the command refused */
static bn_str transcript_command(scan *s, size_t a, size_t b, bn_str addr)
{
    bn_str last = BN_STR_NULL;
    for (size_t i = a; i < b; i++) {
        bn_str t;
        if (!may_turn(s->lines[i]))
            continue;
        enum turn turn = turn_of(s->lines[i], &t);
        if (turn == TURN_CLIENT) { /* sendmail ">>> RCPT", Postfix "In:  RCPT" */
            last = word_command(t);
            continue;
        }
        if (turn == TURN_SERVER && last.n) {
            int rc = bn_x_find_replycode(t);
            if (rc < 400)
                continue;
            bool ours = addr.n && bn_mem_find_ci(t.p, t.n, addr.p, addr.n);
            if (!ours && bn_str_chr(t, '@'))
                continue; /* another recipient's refusal */
            /* with PIPELINING the RCPT refusals arrive after ">>> DATA":
               a refusal naming the recipient answers RCPT */
            if (ours && bn_str_eq_ci(last, "DATA"))
                return BN_STR("RCPT");
            return last;
        }
    }
    return BN_STR_NULL;
}

/* block_end - the line where the block of hit i ends */
static size_t block_end(const scan *s, size_t i)
{
    size_t a = s->hits[i].line, b = s->n;
    for (size_t k = 0; k < s->nhits; k++)
        if (s->hits[k].line > a && s->hits[k].line < b)
            b = s->hits[k].line;
    return b;
}

/* same_span - a and b are the same bytes of the same text */
static bool same_span(bn_str a, bn_str b)
{
    return a.p == b.p && a.n == b.n;
}

/* command_for - the SMTP command named in the block of hit i (none: a
   text known to name no command, so diag is not searched again) */
static bn_str command_for(scan *s, size_t i, bn_str diag, bn_str none)
{
    bn_str c = same_span(diag, none) ? BN_STR_NULL : bn_x_command(s->x, diag);
    if (c.n)
        return c;
    size_t a = s->hits[i].line, b = block_end(s, i);
    c = transcript_command(s, a, b, s->hits[i].addr);
    if (c.n || a >= b)
        return c;
    size_t e = b - a > DIAG_MAX_LINES * 2 ? a + DIAG_MAX_LINES * 2 : b;
    return bn_x_command(s->x, join_lines(s, a, e));
}

/* line_of - the index of the line that holds p (a byte of the text) */
static size_t line_of(const scan *s, const char *p)
{
    size_t lo = 0, hi = s->n; /* the last line starting at or before p */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->lines[mid].p <= p)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* locate_one - the first line naming address a (s->n when none): one search
   over the text, when a has no line end (its match then lies in one line,
   and the first match is in the first line that holds it) */
static size_t locate_one(const scan *s, bn_str a)
{
    if (!s->n)
        return s->n;
    if (!bn_mem_eol(a.p, a.n)) {
        bn_str t = lines_span(s);
        const char *f = bn_mem_find_ci(t.p, t.n, a.p, a.n);
        return f ? line_of(s, f) : s->n;
    }
    for (size_t i = 0; i < s->n; i++)
        if (bn_mem_find_ci(s->lines[i].p, s->lines[i].n, a.p, a.n))
            return i;
    return s->n;
}

/* locate - the first line naming each hit's address (s->n when none) */
static void locate(scan *s)
{
    for (size_t k = 0; k < s->nhits; k++)
        if (s->hits[k].line == s->n)
            s->hits[k].line = locate_one(s, s->hits[k].addr);
}

/* exit_code_only - "Diagnostic-Code: X-Unix; 77": only the local delivery
   program's exit status; sendmail writes its meaning in the text
   ("(reason: Insufficient permission)"), which says more */
static bool exit_code_only(const bn_xrec *r)
{
    bn_str d = bn_str_trim(r->r.diagnostic);
    if (!d.n || d.n > 3 || !bn_str_eq_ci(r->r.diagnostic_type, "x-unix"))
        return false;
    for (size_t i = 0; i < d.n; i++)
        if (!bn_is_digit((unsigned char)d.p[i]))
            return false;
    return true;
}

/* has_word - d holds a word (three letters in a row), not only codes */
static bool has_word(bn_str d)
{
    size_t run = 0;
    for (size_t i = 0; i < d.n && run < 3; i++)
        run = bn_is_alpha((unsigned char)d.p[i]) ? run + 1 : 0;
    return run >= 3;
}

/* refine_status - a report's bare class (5.0.0, or none) gives way to the
   code of the server's reply found in the text, when of the same class:
   sendmail's DSN says "Status: 5.0.0" for a failed local mailer while its
   transcript says "554 5.3.0 unknown mailer error" (RFC 3463: X.0.0 is
   "other or undefined", the detail lives in the reply) */
static void refine_status(bn_xrec *r, bn_str d)
{
    bn_str t = bn_x_find_status(d);
    bn_str st = r->status;
    if (!t.n || (t.n == 5 && t.p[2] == '0' && t.p[4] == '0'))
        return;
    if (st.n && t.p[0] != st.p[0])
        return;
    r->status = t;
    r->r.status_src = "diagnostic text";
}

/* enrich_one - fill the diagnostic and command of the record of hit k */
static void enrich_one(scan *s, size_t k, bool only)
{
    bn_xrec *r = bn_x_find(s->x, s->hits[k].addr);
    if (!r)
        return;
    bool located = s->hits[k].line < s->n;
    bn_str code = exit_code_only(r) ? r->r.diagnostic : BN_STR_NULL;
    if (code.n)
        r->r.diagnostic = BN_STR_NULL;
    if (!r->r.diagnostic.n) {
        /* the paragraph naming the address is evidence only when the report
           itself says nothing precise (no status, or a bare class x.0.0) */
        bn_str st = r->status;
        bool vague = !st.n || (st.n == 5 && st.p[2] == '0' && st.p[4] == '0') ||
                     r->queue_expired; /* "expired" does not say why */
        bn_str d = located ? diagnostic_for(s, k, vague) : BN_STR_NULL;
        if (!d.n && only && !code.n)
            d = reply_text(s, 0, s->n); /* one recipient: the transcript is its own */
        if (code.n && !has_word(d))
            d = BN_STR_NULL; /* a bare code (the report's own Status): no reason */
        r->r.diagnostic = d.n ? d : code;
        if (d.n && !r->replycode)
            r->replycode = bn_x_find_replycode(d);
        if (d.n && vague && !r->queue_expired)
            refine_status(r, d);
    }
    if (r->r.command.n)
        return;
    if (located)
        r->r.command = command_for(s, k, r->r.diagnostic, r->cmd_none);
    else if (!same_span(r->r.diagnostic, r->cmd_none))
        r->r.command = bn_x_command(s->x, r->r.diagnostic);
}

/* bn_x_scan_enrich - fill missing diagnostics and commands of records from the text */
int bn_x_scan_enrich(bn_xctx *x)
{
    if (!x->text.n || x->n > ENRICH_MAX_RECORDS)
        return BN_OK;
    scan s;
    memset(&s, 0, sizeof s);
    s.x = x;
    if (split_lines(&s))
        return BN_ENOMEM;
    s.from = s.anchor = s.n; /* no announcing sentence to prepend */
    for (size_t i = 0; i < x->n; i++) {
        bn_xrec *r = &x->v[i];
        if ((r->r.diagnostic.n && r->r.command.n) || !r->r.recipient.n)
            continue;
        if (add_hit(&s, r->r.recipient, s.n))
            return BN_ENOMEM;
    }
    locate(&s);
    for (size_t k = 0; k < s.nhits; k++)
        enrich_one(&s, k, x->n == 1);
    bn_xrec *only = x->n == 1 ? &x->v[0] : NULL;
    if (only && !only->r.recipient.n && !only->r.diagnostic.n) {
        /* "Final-Recipient: rfc822;/var/spool/..." names no address: the
           one failure the text describes is this record's */
        only->r.diagnostic = reply_text(&s, 0, s.n);
        find_section(&s);
        if (!only->r.diagnostic.n && s.anchor < s.n)
            only->r.diagnostic = following_text(&s, s.anchor, s.n);
    }
    return BN_OK;
}
