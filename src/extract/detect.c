/*
 * detect.c - does the message present itself as a delivery report?
 *
 * Used to keep the generic scanner (and auto-reply detection) honest:
 * ordinary mail that happens to mention "550" or an address must not turn
 * into records. The evidence is what every mail system puts on a bounce:
 * a mailer-daemon/postmaster sender, a null Return-Path, a report
 * Content-Type, X-Failed-Recipients, or a delivery-failure subject.
 */
#include <stdint.h>
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"
#include "extract/formats/formats.h"

/* Subject phrases of delivery reports (case-insensitive, anywhere). */
static const char *const bounce_subjects[] = {
    "undeliver", "undelivered", "returned mail", "returned to sender",
    "delivery status", "delivery failure", "delivery failed", "failure notice",
    "mail delivery", "non-delivery", "nondelivery", "non delivery", "bounce",
    "could not be delivered", "not delivered", "delivery notification",
    "delivery problem", "delivery report", "mail failed", "failed mail",
    "mail system error", "rejected", "message not delivered", "delayed mail",
    "delivery delayed", "warning: could not send", "unzustellbar",
    "non remis", "no se puede entregar", "permanent error", "returned message",
    "error sending", "message delivery", "delivery error", "user unknown",
    "mailbox full", "undeliverable", "failed delivery", "delivery incomplete",
    "failed to deliver", "message delayed", "could not be sent",
    /* Exchange's localised "Undeliverable:" (Italian, Dutch, Swedish,
       Danish/Norwegian, Polish) */
    "non recapitabile", "onbestelbaar", "olevererbart", "kan ikke leveres", "niedostarczalne",
    /* Russian ("Недоставленное сообщение", "не доставлено") and Japanese
       ("メール配信エラー", "配送失敗") report subjects */
    "\xd0\xb5\xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd",
    "\xd0\xbd\xd0\xb5 \xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd",
    "\xe9\x85\x8d\xe4\xbf\xa1\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc",
    "\xe9\x85\x8d\xe9\x80\x81\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc",
    "\xe9\x85\x8d\xe4\xbf\xa1\xe5\xa4\xb1\xe6\x95\x97",
    "\xe9\x85\x8d\xe9\x80\x81\xe5\xa4\xb1\xe6\x95\x97",
};

/* Names of mail systems in a sender's address (its local part: "MAILER-DAEMON@"). */
static const char *const system_locals[] = {
    "mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "maildaemon",
    "mailadmin", "post_master", "mail-router", "mail.delivery",
};

/* Whole words of a sender's local part that name a mail system ("ndr@",
   "mailer@", "x.daemon@"); inside a word they are a person's name or
   anything else ("sandra@", "andrew@"). A local part starting with "bounce"
   (bounces+x@, bouncer@) is one too: bn_x_system_sender */
static const char *const system_words[] = {"bounce", "bounces", "ndr", "mailer", "daemon",
                                           "mmdf"};

/* Whole words of a display name that name a mail system ("MMSC NDR
   Administrator"); "bounce" is not one of them ("Bounce Fitness") */
static const char *const system_name_words[] = {"ndr", "mailer", "daemon", "mmdf"};

/* Display names and comments of mail systems: several words, or a name no
   person has ("Mail Delivery Subsystem", "MAILER-DAEMON (Mail Delivery System)") */
static const char *const system_names[] = {
    "mailer-daemon", "mailerdaemon", "postmaster", "mail delivery", "mail administrator",
    "mail system", "smtp gateway", "mail.delivery",
};

/* Subject prefixes of a person's reply ("Re:", German "AW:", Nordic "SV:",
   Dutch "Antw:", Italian "Rif:"): a reply that quotes a bounce is no bounce */
static const char *const reply_prefixes[] = {"re", "aw", "sv", "vs", "antw", "rif", "odp"};

/* contains_any - s contains one of the phrases */
static bool contains_any(bn_str s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bn_str_find_ci(s, list[i]))
            return true;
    return false;
}

/* has_any - contains_any for a static table, with the parser's matcher: one
   pass over s instead of one search per phrase (47 subjects) */
static bool has_any(const bn_xctx *x, bn_str s, const char *const *list, size_t n)
{
    bn_multi scratch;
    if (!x->cache || !s.n)
        return contains_any(s, list, n); /* building a matcher costs more than this */
    return bn_multi_find(bn_x_multi(x, list, n, &scratch), s, NULL) != NULL;
}

/* has_word - one of the words is a whole word of s (words: runs of letters
   and digits) */
static bool has_word(bn_str s, const char *const *words, size_t n)
{
    size_t i = 0;
    while (i < s.n) {
        while (i < s.n && !bn_is_alnum((unsigned char)s.p[i]))
            i++;
        size_t start = i;
        while (i < s.n && bn_is_alnum((unsigned char)s.p[i]))
            i++;
        bn_str w = {s.p + start, i - start};
        for (size_t k = 0; w.n && k < n; k++)
            if (bn_str_eq_ci(w, words[k]))
                return true;
    }
    return false;
}

/* local_part - the local part of the From field's address; the whole value
   when it holds none ("MAILER-DAEMON") */
static bn_str local_part(bn_str from)
{
    size_t pos = 0;
    bn_str a = bn_x_addr_scan(from, &pos);
    if (!a.n)
        return bn_str_trim(from);
    const char *at = memchr(a.p, '@', a.n);
    return at ? (bn_str){a.p, (size_t)(at - a.p)} : a;
}

/* bn_x_system_sender - the bounce's From is a mail system: its address's
   local part, or its display name or comment, says so */
bool bn_x_system_sender(bn_xctx *x)
{
    bn_str from = bn_x_top(x, BN_XTOP_FROM);
    if (!from.n)
        return false;
    bn_str local = local_part(from);
    return bn_str_starts_ci(local, "bounce") || /* bouncer@, bounceback@, bounce-123@ */
           has_any(x, local, system_locals, sizeof system_locals / sizeof system_locals[0]) ||
           has_word(local, system_words, sizeof system_words / sizeof system_words[0]) ||
           has_any(x, from, system_names, sizeof system_names / sizeof system_names[0]) ||
           has_word(from, system_name_words,
                    sizeof system_name_words / sizeof system_name_words[0]);
}

/* reply_subject - the Subject starts with a reply prefix ("Re:", "AW: ",
   "Re[2]:", "RE : ") */
static bool reply_subject(bn_xctx *x)
{
    bn_str s;
    /* the field as written first: decoding it (RFC 2047, charsets) costs more
       than the question for every report, and a prefix is rarely encoded */
    if (!bn_hdr_find(&x->msg->parts[0].hdrs, "Subject", &s))
        return false;
    s = bn_str_trim(s);
    if (bn_str_starts_ci(s, "=?"))
        s = bn_str_trim(bn_x_top(x, BN_XTOP_SUBJECT));
    size_t i = 0;
    while (i < s.n && bn_is_alpha((unsigned char)s.p[i]))
        i++;
    bn_str word = {s.p, i};
    if (i < s.n && s.p[i] == '[') { /* "Re[2]:" */
        const char *close = memchr(s.p + i, ']', s.n - i);
        if (!close)
            return false;
        i = (size_t)(close - s.p) + 1;
    }
    if (i < s.n && s.p[i] == ' ') /* French typography: "RE : " */
        i++;
    if (i >= s.n || s.p[i] != ':')
        return false;
    for (size_t k = 0; k < sizeof reply_prefixes / sizeof reply_prefixes[0]; k++)
        if (bn_str_eq_ci(word, reply_prefixes[k]))
            return true;
    return false;
}

/* null_sender - the message came from the null return path (Return-Path
   "<>", or a From of "<>"): a mail system's, never a person's */
static bool null_sender(bn_xctx *x)
{
    bn_str v;
    if (bn_hdr_find(&x->msg->parts[0].hdrs, "Return-Path", &v) &&
        bn_str_eq_ci(bn_str_trim(v), "<>"))
        return true;
    bn_str from = bn_str_trim(bn_x_top(x, BN_XTOP_FROM));
    return !from.n || bn_str_eq_ci(from, "<>");
}

/* bn_x_human_reply - a person's reply (Subject "Re: ...", From no mail
   system, a real return path) with no report in it: what it quotes or
   pastes of a bounce ("I got back 550 5.1.1 User unknown", DSN fields) is
   a conversation, and the addresses it names are no failed recipients */
bool bn_x_human_reply(bn_xctx *x)
{
    /* a report part first: most messages have one, and it settles it */
    return x->msg->nparts && !bn_x_is_report(x) && reply_subject(x) &&
           !bn_x_system_sender(x) && !null_sender(x);
}

/* aggregate_report - a DMARC aggregate or SMTP TLS report (RFC 7489 7.2.1.1,
   RFC 8460 5.3: "Report Domain: example.com Submitter: ..."): statistics
   of the sender's domain, sent by a postmaster, and no bounce */
static bool aggregate_report(bn_xctx *x)
{
    bn_str subj = bn_str_trim(bn_x_top(x, BN_XTOP_SUBJECT));
    return bn_str_starts_ci(subj, "Report Domain:") && bn_str_find_ci(subj, "Submitter:");
}

/* report_container - the top part is a multipart/report of a delivery
   report (or of an unnamed type); a read receipt (disposition-notification)
   or a TLS report (tlsrpt) is not one */
static bool report_container(const bn_msg *m)
{
    bn_str t = m->parts[0].report_type;
    return bn_part_is(&m->parts[0], "multipart/report") &&
           !bn_str_eq_ci(t, "disposition-notification") && !bn_str_eq_ci(t, "tlsrpt");
}

/* bn_x_bounce_claim - how the message presents itself as a delivery report:
   BN_CLAIM_HEADERS by X-Failed-Recipients, a report container or a mail
   system's sender; BN_CLAIM_SUBJECT by a delivery-failure Subject alone
   (which a person's "Order 1234 not delivered" also has); BN_CLAIM_NONE */
bn_claim bn_x_bounce_claim(bn_xctx *x)
{
    bn_msg *m = x->msg;
    if (!m->nparts)
        return BN_CLAIM_NONE;
    bn_str v;
    if (bn_hdr_find(&m->parts[0].hdrs, "X-Failed-Recipients", &v))
        return BN_CLAIM_HEADERS;
    if (aggregate_report(x))
        return BN_CLAIM_NONE;
    if (report_container(m) || bn_x_system_sender(x))
        return BN_CLAIM_HEADERS;
    bool null = null_sender(x);
    if (reply_subject(x)) /* a person's "Re: Your parcel could not be delivered"; from
                             the null sender, a gateway's bounce or an auto-reply */
        return null ? BN_CLAIM_SUBJECT : BN_CLAIM_NONE;
    bn_str subj = bn_x_top(x, BN_XTOP_SUBJECT);
    if (!has_any(x, subj, bounce_subjects, sizeof bounce_subjects / sizeof bounce_subjects[0]))
        return BN_CLAIM_NONE;
    return null ? BN_CLAIM_HEADERS : BN_CLAIM_SUBJECT; /* no person sends from <> */
}

/* bn_x_looks_like_bounce - the message presents itself as a delivery report;
   a reply from the null sender does not quite (an auto-reply is one too): only
   the scanner, which then asks for a server's code, reads it as a bounce */
bool bn_x_looks_like_bounce(bn_xctx *x)
{
    bn_claim c = bn_x_bounce_claim(x);
    return c == BN_CLAIM_HEADERS || (c == BN_CLAIM_SUBJECT && !reply_subject(x));
}

/* bn_x_is_report - the message carries a delivery report for sure */
bool bn_x_is_report(bn_xctx *x)
{
    bn_msg *m = x->msg;
    bn_str v;
    if (!m->nparts)
        return false;
    if (bn_hdr_find(&m->parts[0].hdrs, "X-Failed-Recipients", &v))
        return true;
    for (size_t i = 0; i < m->nparts; i++)
        if (bn_part_is(&m->parts[i], "message/delivery-status") ||
            bn_part_is(&m->parts[i], "message/global-delivery-status"))
            return true;
    return bn_part_is(&m->parts[0], "multipart/report") &&
           bn_str_eq_ci(m->parts[0].report_type, "delivery-status");
}

/* family_bits - the bits of table (v, n) in the families' pass (its
   phrases' indexes among all of bn_family_texts'), 0 when it is none of them */
static unsigned long long family_bits(const char *const *v, size_t n)
{
    size_t off = 0;
    for (size_t i = 0; i < bn_family_texts_count; i++) {
        const bn_phrases *t = bn_family_texts[i];
        if (t->v != v || t->n != n) {
            off += t->n;
            continue;
        }
        if (!n || off + n > BN_MULTI_MAX)
            return 0;
        return (n == BN_MULTI_MAX ? ~0ULL : (1ULL << n) - 1) << off;
    }
    return 0;
}

/* family_matcher - the matcher of all the families' phrases, in order, or
   NULL when they do not fit one */
static const bn_multi *family_matcher(bn_xctx *x, bn_multi *scratch)
{
    const char *first = bn_family_texts[0]->v[0];
    const char *needles[BN_MULTI_MAX];
    size_t k = 0;
    for (size_t i = 0; i < bn_family_texts_count; i++)
        k += bn_family_texts[i]->n;
    if (k > BN_MULTI_MAX)
        return NULL;
    const bn_multi *m = bn_x_multi_cached(x, bn_family_texts, first, k);
    if (m)
        return m; /* gathered only to build it */
    k = 0;
    for (size_t i = 0; i < bn_family_texts_count; i++)
        for (size_t j = 0; j < bn_family_texts[i]->n; j++)
            needles[k++] = bn_family_texts[i]->v[j];
    return bn_x_multi_keyed(x, bn_family_texts, needles, k, scratch);
}

/* family_mask - *mask = which of the families' phrases x->text holds (one
   pass, kept for the next detectors while the text stays the same); false
   when the families' pass cannot answer */
static bool family_mask(bn_xctx *x, unsigned long long *mask)
{
    if (!x->fam_done || x->fam_text.p != x->text.p || x->fam_text.n != x->text.n) {
        bn_multi scratch;
        const bn_multi *m = family_matcher(x, &scratch);
        x->fam_fit = m != NULL;
        x->fam_mask = m ? bn_multi_mask(m, x->text) : 0;
        x->fam_text = x->text;
        x->fam_done = true;
    }
    *mask = x->fam_mask;
    return x->fam_fit;
}

/* bn_x_text_has - the bounce's text contains one of the phrases: a family
   table's answer from the families' pass, else one pass with the parser's
   matcher of the table instead of one search per phrase */
bool bn_x_text_has(bn_xctx *x, const char *const *phrases, size_t n)
{
    bn_multi scratch;
    unsigned long long bits = x->cache ? family_bits(phrases, n) : 0, mask;
    if (bits && family_mask(x, &mask))
        return (mask & bits) != 0;
    if (n < 2 || n > BN_MULTI_MAX)
        return contains_any(x->text, phrases, n);
    return bn_multi_find(bn_x_multi(x, phrases, n, &scratch), x->text, NULL) != NULL;
}

/* bn_x_text_says - the bounce's text holds one of the phrases outside a
   quoted "Subject:" line: a summary of the original ("Subject: Your order
   has been delayed") says nothing of the delivery */
bool bn_x_text_says(const bn_xctx *x, const char *const *phrases, size_t n)
{
    bn_multi scratch;
    const bn_multi *m = bn_x_multi(x, phrases, n, &scratch);
    bn_str t = x->text;
    for (const char *hit; (hit = bn_multi_find(m, t, NULL)) != NULL;) {
        const char *ls = hit;
        while (ls > x->text.p && ls[-1] != '\n' && ls[-1] != '\r')
            ls--;
        bn_str before = bn_str_trim((bn_str){ls, (size_t)(hit - ls)});
        if (!bn_str_starts_ci(before, "Subject:"))
            return true;
        const char *nl = memchr(hit, '\n', (size_t)(t.p + t.n - hit));
        if (!nl)
            return false;
        t = (bn_str){nl + 1, (size_t)(t.p + t.n - nl - 1)};
    }
    return false;
}

/* bn_x_top - the bounce's From, To, Subject or Date, decoded once: the
   stages ask for them again and again (RFC 2047 and charset decoding) */
bn_str bn_x_top(bn_xctx *x, bn_xtop which)
{
    static const char *const names[] = {"From", "To", "Subject", "Date"};
    static const size_t lens[] = {4, 2, 7, 4}; /* no strlen per lookup */
    if (!(x->top_done & 1u << which)) {
        x->top[which] = bn_hdr_get_n(x->msg, &x->msg->parts[0].hdrs, names[which], lens[which]);
        x->top_done |= 1u << which;
    }
    return x->top[which];
}

/* bn_x_hdr_has_n - a field of the bounce's header named name[0..n) (any
   occurrence: Received fields repeat) contains needle[0..nn) */
bool bn_x_hdr_has_n(const bn_xctx *x, const char *name, size_t n, const char *needle, size_t nn)
{
    if (!x->msg->nparts)
        return false;
    const bn_headers *h = &x->msg->parts[0].hdrs;
    for (size_t i = 0; i < h->n; i++) /* the length first: most names differ in it */
        if (h->v[i].name.n == n && bn_str_eq_ci(h->v[i].name, name) &&
            bn_mem_find_ci(h->v[i].value.p, h->v[i].value.n, needle, nn))
            return true;
    return false;
}

/* bn_x_decode_family - the scanner's pairing, labelled format, for a family
   recognised by its text: only when the message presents itself as a bounce
   (a person forwarding a copy of one, or quoting it, sent no bounce) */
int bn_x_decode_family(bn_xctx *x, const char *format)
{
    if (!bn_x_looks_like_bounce(x))
        return BN_OK;
    return bn_x_scan_as(x, format);
}

/* names - the line names the recipient of record r */
static bool names(bn_str line, const bn_xrec *r)
{
    bn_str a = r->r.recipient;
    return a.n && bn_mem_find_ci(line.p, line.n, a.p, a.n);
}

/*
 * bn_x_paragraphs - out[i - first] = the text from the first line naming the
 * recipient of record i to the end of the paragraph that follows it (blank
 * lines right after an address alone are skipped: "user@dest:\n\nSMTP
 * error ..."), for the records [first, x->n). One pass: the scanner's
 * records are in the order the text names them. Empty when not found.
 */
int bn_x_paragraphs(const bn_xctx *x, size_t first, bn_str **out)
{
    size_t n = x->n - first, k = 0, pos = 0, lines = 0;
    *out = n ? bn_arena_calloc(x->arena, n, sizeof **out) : NULL;
    if (n && !*out)
        return BN_ENOMEM;
    bn_str line, *cur = NULL;
    while ((k < n || cur) && bn_x_line(x->text, &pos, &line)) {
        bool next = k < n && names(line, &x->v[first + k]);
        if (cur && (next || (bn_x_is_blank(line) && lines))) {
            cur = NULL; /* the paragraph of record k - 1 ends here */
        } else if (cur) {
            lines += !bn_x_is_blank(line);
            if (!bn_x_is_blank(line))
                cur->n = (size_t)(line.p + line.n - cur->p);
            continue;
        }
        while (k < n && !x->v[first + k].r.recipient.n)
            k++; /* no address to look for */
        if (k < n && names(line, &x->v[first + k])) {
            cur = &(*out)[k++];
            *cur = line;
            lines = 0;
        }
    }
    return BN_OK;
}
