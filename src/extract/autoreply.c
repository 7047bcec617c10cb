/*
 * autoreply.c - RFC 3834 auto-replies (vacation, out of office)
 *
 * Evidence, strongest first: Auto-Submitted: auto-replied, the X-Autoreply
 * family, Precedence: auto_reply, then the subject lines responders write.
 * The caller runs this only when no delivery report was found, and only
 * when the message does not read like a bounce: many DSNs carry
 * "Auto-Submitted: auto-replied" too.
 */
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"

/* Subject prefixes (case-insensitive) that responders use. */
static const char *const subjects[] = {
    "out of office", "out of the office", "automatic reply", "auto reply", "autoreply",
    "auto-reply", "auto:", "autoresponse", "auto response", "auto-response",
    "autorespons", "abwesenheitsnotiz", "automatische antwort", "r\xc3\xa9ponse automatique",
    "reponse automatique", "absence", "risposta automatica", "respuesta autom\xc3\xa1tica",
    "respuesta automatica", "resposta autom\xc3\xa1tica", "automatisch antwoord",
    "afwezigheid", "\xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94", /* 自動応答 */
    "\xe8\x87\xaa\xe5\x8a\xa8\xe5\x9b\x9e\xe5\xa4\x8d",                 /* 自动回复 */
    "on vacation", "vacation", "away from", "i am away", "i'm away", "i am out",
    "i'm out", "out of the office", "ooo:", "fuera de la oficina", "poza biurem",
    "automaattinen vastaus", "autosvar", "automatisk svar", "autom\xc3\xa1tica",
    "abwesend", "odpowied\xc5\xba automatyczna", "automatick\xc3\xa1 odpov\xc4\x9b\xc4\x8f",
    ("\xd0\x90\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x82\xd0\xb8\xd1\x87\xd0\xb5"
     "\xd1\x81\xd0\xba\xd0\xb8\xd0\xb9 \xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82"), /* Автоматический ответ (as Outlook writes it) */
    "\xe8\x87\xaa\xe5\x8b\x95\xe5\x9b\x9e\xe8\xa6\x86",                                 /* 自動回覆 */
    "\xec\x9e\x90\xeb\x8f\x99 \xec\x9d\x91\xeb\x8b\xb5",                                /* 자동 응답 */
    "otomatik yan\xc4\xb1t", "automatic response", "autoresponder",
};

/* subject_says - the subject reads like an auto-reply's */
static bool subject_says(bn_str s)
{
    s = bn_str_trim(s);
    /* "Re:" / "AW:" before the responder's words */
    for (int i = 0; i < 2; i++)
        if (bn_str_starts_ci(s, "re:") || bn_str_starts_ci(s, "aw:") ||
            bn_str_starts_ci(s, "fw:"))
            s = bn_str_trim((bn_str){s.p + 3, s.n - 3});
    if (!s.n)
        return false;
    unsigned char c = bn_lc((unsigned char)s.p[0]);
    for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
        if (bn_lc((unsigned char)subjects[i][0]) == c && bn_str_starts_ci(s, subjects[i]))
            return true; /* the first byte tested inline: most subjects start no entry */
    return false;
}

/* is_reply_mark - a field whose presence marks an automatic response */
static bool is_reply_mark(bn_str name)
{
    static const char *const marks[] = {"X-Autoreply", "X-Autorespond", "X-Autoresponse",
                                        "X-Autoreply-From", "X-Mail-Autoreply"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (bn_str_eq_ci(name, marks[i]))
            return true;
    return false;
}

/* header_says - headers that mark an automatic response: Auto-Submitted
   (its first occurrence) "auto-replied", a responder's own field, or
   Precedence (its first occurrence) "auto_reply"; one pass over the fields
   instead of one search per name */
static bool header_says(bn_xctx *x)
{
    const bn_headers *h = &x->msg->parts[0].hdrs;
    bool submitted = false, precedence = false; /* first occurrence seen */
    for (size_t i = 0; i < h->n; i++) {
        bn_str name = h->v[i].name, v = h->v[i].value;
        /* the first letter picks the one test a name may pass */
        unsigned char c = name.n ? bn_lc((unsigned char)name.p[0]) : 0;
        if (c == 'a' && !submitted && bn_str_eq_ci(name, "Auto-Submitted")) {
            submitted = true;
            if (bn_str_starts_ci(bn_str_trim(v), "auto-replied"))
                return true;
        } else if (c == 'p' && !precedence && bn_str_eq_ci(name, "Precedence")) {
            precedence = true;
            if (bn_str_find_ci(v, "auto_reply"))
                return true;
        } else if (c == 'x' && is_reply_mark(name)) {
            return true;
        }
    }
    return false;
}

/* bn_x_autoreply_detect - the message is an automatic reply */
bool bn_x_autoreply_detect(bn_xctx *x)
{
    if (x->msg->nparts == 0)
        return false;
    if (header_says(x))
        return true;
    bn_str subj = bn_x_top(x, BN_XTOP_SUBJECT);
    return subject_says(subj);
}

/* body_excerpt - the first paragraph-ish part of the reply, unfolded */
static bn_str body_excerpt(bn_xctx *x)
{
    bn_str t = bn_str_trim(x->text);
    if (t.n > 400) {
        size_t k = 400;
        while (k > 300 && !bn_is_space((unsigned char)t.p[k]))
            k--;
        t.n = k;
    }
    return bn_x_unfold(x->arena, t);
}

/* first_msgid - the first "<...>" of an In-Reply-To / References value */
static bn_str first_msgid(bn_str v)
{
    const char *lt = bn_str_chr(v, '<');
    if (!lt)
        return BN_STR_NULL;
    bn_str rest = {lt, v.n - (size_t)(lt - v.p)};
    const char *gt = bn_str_chr(rest, '>');
    return gt ? (bn_str){lt, (size_t)(gt - lt) + 1} : BN_STR_NULL;
}

/* reply_context - an auto-reply answers our message: it went to our sender
   (its To) and names our Message-ID (In-Reply-To, else References) */
static void reply_context(bn_xctx *x, bn_xrec *r)
{
    const bn_headers *h = &x->msg->parts[0].hdrs;
    bn_str to = bn_x_addr_field(bn_x_top(x, BN_XTOP_TO));
    if (bn_x_addr_valid(to))
        r->r.addresser = to;
    r->r.message_id = first_msgid(bn_hdr_get(x->msg, h, "In-Reply-To"));
    if (!r->r.message_id.n)
        r->r.message_id = first_msgid(bn_hdr_get(x->msg, h, "References"));
}

/* bn_x_autoreply - one vacation record: the auto-replier is the recipient */
int bn_x_autoreply(bn_xctx *x)
{
    bn_xrec *r = bn_x_add(x, "rfc3834");
    if (!r)
        return x->oom;
    bn_str from = bn_x_top(x, BN_XTOP_FROM);
    r->r.recipient = bn_x_addr_field(from);
    if (!bn_x_addr_valid(r->r.recipient))
        r->r.recipient = BN_STR_NULL;
    r->r.recipient_src = r->r.recipient.n ? "From of the auto-reply" : NULL;
    r->r.diagnostic = body_excerpt(x);
    r->reason = BN_REASON_VACATION;
    r->reason_rule = "rfc3834-auto-reply";
    r->r.reason_src = header_says(x) ? "auto-reply headers" : "auto-reply subject";
    r->date = bn_x_top(x, BN_XTOP_DATE);
    reply_context(x, r);
    return BN_OK;
}
