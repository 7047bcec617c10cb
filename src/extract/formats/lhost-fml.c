/*
 * lhost-fml.c - notices of the fml mailing-list manager
 *
 * fml answers a post it refuses with a plain-text notice from the list's
 * admin address, marked "X-MLServer: fml ...": "You are not a member of
 * this mailing list <list@host>.", "Duplicated Message-ID in <list@host>."
 * (loop alert), "... is too big". The failed destination is the list
 * address the notice names; the reason is what fml says it did.
 */
#include <string.h>

#include "core/str.h"
#include "extract/formats/formats.h"

/* What each fml notice means (phrases fml itself writes). */
static const struct {
    const char *phrase;
    bn_reason reason;
    const char *rule;
} notices[] = {
    {"not a member", BN_REASON_REJECTED, "lhost-fml.not-member"},
    {"are not member", BN_REASON_REJECTED, "lhost-fml.not-member"},
    {"duplicated message-id", BN_REASON_SYSTEMERROR, "lhost-fml.loop-alert"},
    {"loop alert", BN_REASON_SYSTEMERROR, "lhost-fml.loop-alert"},
    {"too big", BN_REASON_EMAILTOOLARGE, "lhost-fml.too-big"},
    {"too large", BN_REASON_EMAILTOOLARGE, "lhost-fml.too-big"},
};

/* fml_detect - the notice carries fml's X-MLServer header */
static bool fml_detect(bn_xctx *x)
{
    bn_str v;
    return bn_hdr_find(&x->msg->parts[0].hdrs, "X-MLServer", &v) && bn_str_find_ci(v, "fml");
}

/* first_paragraph - the notice's first non-blank paragraph */
static bn_str first_paragraph(bn_xctx *x)
{
    size_t pos = 0;
    bn_str line, para = BN_STR_NULL;
    while (bn_x_line(x->text, &pos, &line)) {
        if (bn_x_is_blank(line)) {
            if (para.n)
                break;
            continue;
        }
        if (!para.n)
            para.p = line.p;
        para.n = (size_t)(line.p + line.n - para.p);
    }
    return bn_x_unfold(x->arena, para);
}

/* fml_decode - one record: the list address and what fml did */
static int fml_decode(bn_xctx *x)
{
    bn_str para = first_paragraph(x);
    bn_str subj = bn_x_top(x, BN_XTOP_SUBJECT);
    size_t i = 0;
    while (i < sizeof notices / sizeof notices[0] && !bn_str_find_ci(para, notices[i].phrase) &&
           !bn_str_find_ci(subj, notices[i].phrase))
        i++;
    if (i == sizeof notices / sizeof notices[0])
        return BN_OK; /* another fml message (a digest, a command reply) */
    bn_xrec *r = bn_x_add(x, "lhost-fml");
    if (!r)
        return x->oom;
    size_t pos = 0;
    r->r.recipient = bn_x_addr_scan(para, &pos);
    r->r.recipient_src = r->r.recipient.n ? "list address in the fml notice" : NULL;
    r->r.diagnostic = para;
    r->reason = notices[i].reason;
    r->reason_rule = notices[i].rule;
    r->r.reason_src = "fml notice";
    r->date = bn_x_top(x, BN_XTOP_DATE);
    return BN_OK;
}

const bn_decoder bn_decoder_lhost_fml = {"lhost-fml", fml_detect, fml_decode, NULL};
