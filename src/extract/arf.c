/*
 * arf.c - complaints: RFC 5965 feedback reports and the Microsoft JMRP form
 *
 * One record per Original-Rcpt-To; else Removal-Recipient; else the address
 * in the complained-about message's To (often redacted: kept as written).
 * The reason is always "feedback"; feedback_type says which kind.
 */
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"

/* feedback_fields - a text whose lines hold "Feedback-Type:" and "User-Agent:" */
static bool feedback_fields(bn_str t)
{
    const char *ft = bn_str_find_ci(t, "\nFeedback-Type:");
    return (ft || bn_str_starts_ci(t, "Feedback-Type:")) && bn_str_find_ci(t, "User-Agent:");
}

/* find_report - index of a message/feedback-report part, or -1. In a
   multipart/report for feedback, a text part carrying the fields will do. */
static int find_report(bn_xctx *x)
{
    bn_msg *m = x->msg;
    for (size_t i = 0; i < m->nparts; i++)
        if (bn_part_is(&m->parts[i], "message/feedback-report"))
            return (int)i;
    if (!m->nparts || !bn_str_eq_ci(m->parts[0].report_type, "feedback-report"))
        return -1;
    for (size_t i = 1; i < m->nparts; i++)
        if (bn_part_is(&m->parts[i], "text/plain") && m->parts[i].parent == 0 &&
            feedback_fields(bn_part_text(m, &m->parts[i])))
            return (int)i;
    return -1;
}

/* new_complaint - a feedback record with the report's common fields */
static bn_xrec *new_complaint(bn_xctx *x, const bn_headers *f, const char *fmt)
{
    bn_xrec *r = bn_x_add(x, fmt);
    if (!r)
        return NULL;
    r->reason = BN_REASON_FEEDBACK;
    r->reason_rule = "arf-feedback-report";
    r->r.reason_src = fmt[0] == 'a' ? "ARF Feedback-Type" : "complaint report";
    if (!f)
        return r;
    bn_str ft = bn_x_field_value(x->arena, f, "Feedback-Type");
    r->r.feedback_type = ft.n ? bn_x_lower_word(x->arena, ft, bn_x_is_token_char) : BN_STR("other");
    r->r.source_ip = bn_str_trim(bn_x_field_value(x->arena, f, "Source-IP"));
    r->r.reporting_mta = bn_dsn_mta_name(bn_x_field_value(x->arena, f, "Reporting-MTA"));
    r->date = bn_x_field_value(x->arena, f, "Arrival-Date");
    if (!r->date.n)
        r->date = bn_x_field_value(x->arena, f, "Received-Date");
    bn_str from = bn_x_field_value(x->arena, f, "Original-Mail-From");
    if (from.n)
        x->addresser = bn_x_addr_field(from);
    return r;
}

/* original_to - the first address in the complained-about message's To */
static bn_str original_to(bn_xctx *x)
{
    if (!x->orig.found)
        return BN_STR_NULL;
    bn_str to = bn_x_field_value(x->arena, &x->orig.hdrs, "To");
    bn_str a = bn_x_addr_field(to);
    return bn_x_addr_valid(a) ? a : BN_STR_NULL;
}

/* by_field - one record per field named name in the report; count added */
static size_t by_field(bn_xctx *x, const bn_headers *f, const char *name, const char *src)
{
    size_t added = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (!f->v[i].name.n || !bn_str_eq_ci(f->v[i].name, name))
            continue;
        bn_str a = bn_x_addr_field(bn_x_unfold(x->arena, f->v[i].value));
        if (!a.n || bn_x_find(x, a))
            continue;
        bn_xrec *r = new_complaint(x, f, "arf");
        if (!r)
            break;
        r->r.recipient = a;
        r->r.recipient_src = src;
        added++;
    }
    return added;
}

/* from_report - records from a message/feedback-report part */
static int from_report(bn_xctx *x, bn_part *p)
{
    bn_headers f;
    size_t used;
    if (bn_x_fields(x->arena, bn_part_text(x->msg, p), false, 10000, &f, &used))
        return BN_ENOMEM;
    if (by_field(x, &f, "Original-Rcpt-To", "ARF Original-Rcpt-To") ||
        by_field(x, &f, "Removal-Recipient", "ARF Removal-Recipient"))
        return x->oom;
    bn_xrec *r = new_complaint(x, &f, "arf");
    if (!r)
        return x->oom;
    r->r.recipient = original_to(x);
    r->r.recipient_src = r->r.recipient.n ? "complained-about message To" : NULL;
    return BN_OK;
}

/* jmrp_recipient - Microsoft's complaint: the original carries X-HmXmrOriginalRecipient */
static bn_str jmrp_recipient(bn_xctx *x)
{
    if (!x->orig.found)
        return BN_STR_NULL;
    bn_str v = bn_x_field_value(x->arena, &x->orig.hdrs, "X-HmXmrOriginalRecipient");
    return v.n ? bn_x_addr_field(v) : BN_STR_NULL;
}

/* unsubscribe_request - a mail client's "unsubscribe" message (RFC 2369 mailto) */
static bool unsubscribe_request(bn_xctx *x)
{
    const bn_headers *h = &x->msg->parts[0].hdrs;
    bn_str v;
    if (bn_hdr_find(h, "X-Apple-Unsubscribe", &v) && bn_str_eq_ci(bn_str_trim(v), "true"))
        return true;
    /* the returned original first: decoding the Subject costs more */
    return !x->orig.found && bn_str_eq_ci(bn_x_top(x, BN_XTOP_SUBJECT), "unsubscribe");
}

/* from_unsubscribe - an opt-out complaint from whoever sent the request */
static int from_unsubscribe(bn_xctx *x)
{
    bn_xrec *r = new_complaint(x, NULL, "arf");
    if (!r)
        return x->oom;
    r->r.feedback_type = BN_STR("opt-out");
    r->r.recipient = bn_x_addr_field(bn_x_top(x, BN_XTOP_FROM));
    r->r.recipient_src = r->r.recipient.n ? "From of the unsubscribe request" : NULL;
    r->r.reason_src = "unsubscribe request (List-Unsubscribe mailto)";
    r->date = bn_x_top(x, BN_XTOP_DATE);
    return BN_OK;
}

/* bn_x_arf - RFC 5965 feedback reports and similar complaint formats */
int bn_x_arf(bn_xctx *x, bool *is_arf)
{
    int rep = find_report(x);
    *is_arf = false;
    if (rep >= 0) {
        *is_arf = true;
        return from_report(x, &x->msg->parts[rep]);
    }
    if (x->msg->nparts && unsubscribe_request(x)) {
        *is_arf = true;
        return from_unsubscribe(x);
    }
    bn_str jm = jmrp_recipient(x);
    if (!jm.n)
        return BN_OK;
    *is_arf = true;
    bn_xrec *r = new_complaint(x, NULL, "arf");
    if (!r)
        return x->oom;
    r->r.feedback_type = BN_STR("abuse");
    r->r.recipient = jm;
    r->r.recipient_src = "X-HmXmrOriginalRecipient of the complained-about message";
    r->r.reason_src = "Microsoft JMRP complaint";
    return BN_OK;
}
