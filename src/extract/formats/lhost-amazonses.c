/*
 * lhost-amazonses.c - Amazon SES notifications delivered by mail (SNS email
 * subscriptions): a JSON body, either the notification itself or an SNS
 * envelope whose "Message" string holds it.
 *
 *   {"notificationType":"Bounce","bounce":{"bounceType":"Permanent",
 *    "bounceSubType":"General","bouncedRecipients":[{"emailAddress":...,
 *    "action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 ..."}],
 *    "timestamp":"...","reportingMTA":"dsn; ..."},"mail":{"source":...}}
 *
 * Complaint notifications become feedback records, Delivery notifications
 * delivered records; SES's own suppression list is reason "suppressed".
 * Event publishing ("eventType") has the same members.
 */
#include <string.h>

#include "core/str.h"
#include "extract/formats/formats.h"

#define SES_MAX_DEPTH_ENVELOPE 2

/* json_body - the JSON object the body starts with, or empty: SNS's "Email"
   subscriptions put an unsubscribe footer after it ("--", "If you wish to
   stop receiving notifications from this topic...") */
static bn_str json_body(bn_str t)
{
    return bn_xj_leading_object(t);
}

/* ses_detect - a JSON body that names an SES notification */
static bool ses_detect(bn_xctx *x)
{
    bn_str j = json_body(x->text);
    /* keys are searched unquoted: in an SNS envelope they are escaped (\"key\") */
    return j.n && (bn_str_find_ci(j, "notificationType") ||
                   bn_str_find_ci(j, "eventType"));
}

/* get - a member decoded as a string (empty when absent) */
static bn_str get(bn_xctx *x, bn_str obj, const char *key)
{
    bn_str v;
    return bn_xj_member(obj, key, &v) ? bn_xj_string(x->arena, v) : BN_STR_NULL;
}

/* notification - the notification object: the body, or SNS's "Message" */
static bn_str notification(bn_xctx *x)
{
    bn_str j = json_body(x->text);
    for (int i = 0; i < SES_MAX_DEPTH_ENVELOPE && j.n; i++) {
        bn_str t;
        if (bn_xj_member(j, "notificationType", &t) || bn_xj_member(j, "eventType", &t))
            return j;
        j = json_body(get(x, j, "Message"));
    }
    return BN_STR_NULL;
}

/* common - fields every record of the notification shares */
static void common(bn_xctx *x, bn_xrec *r, bn_str detail, bn_str mail)
{
    r->date = get(x, detail, "timestamp");
    r->r.reporting_mta = bn_dsn_mta_name(get(x, detail, "reportingMTA"));
    bn_str hdrs;
    if (bn_xj_member(mail, "commonHeaders", &hdrs)) {
        r->r.subject = get(x, hdrs, "subject");
        r->r.message_id = get(x, hdrs, "messageId");
    }
    x->addresser = bn_x_addr_field(get(x, mail, "source"));
}

/* bounce_reason - what SES itself decided, when it decided (its suppression list) */
static void bounce_reason(bn_xrec *r, bn_str subtype)
{
    if (bn_str_eq_ci(subtype, "Suppressed") || bn_str_eq_ci(subtype, "OnAccountSuppressionList")) {
        r->reason = BN_REASON_SUPPRESSED;
        r->reason_rule = "lhost-amazonses.suppressed";
        r->r.reason_src = "SES bounceSubType";
    }
}

/* bounces - one record per bouncedRecipients element */
static int bounces(bn_xctx *x, bn_str b, bn_str mail)
{
    bn_str list, e;
    bn_str type = get(x, b, "bounceType"), sub = get(x, b, "bounceSubType");
    size_t pos = 0;
    if (!bn_xj_member(b, "bouncedRecipients", &list))
        return BN_OK;
    while (bn_xj_next(list, &pos, &e)) {
        bn_xrec *r = bn_x_add(x, "lhost-amazonses");
        if (!r)
            return x->oom;
        r->r.recipient = bn_x_addr_field(get(x, e, "emailAddress"));
        r->r.recipient_src = "SES bouncedRecipients";
        r->r.dsn_action = get(x, e, "action");
        r->status = bn_x_find_status(get(x, e, "status"));
        r->r.status_src = r->status.n ? "SES status" : NULL;
        bn_str diag = get(x, e, "diagnosticCode");
        const char *semi = bn_str_chr(diag, ';');
        if (semi && (size_t)(semi - diag.p) < 16) {
            r->r.diagnostic_type = bn_str_trim((bn_str){diag.p, (size_t)(semi - diag.p)});
            diag = bn_str_trim((bn_str){semi + 1, diag.n - (size_t)(semi + 1 - diag.p)});
        }
        r->r.diagnostic = diag;
        r->replycode = bn_x_find_replycode(diag);
        r->r.command = bn_x_command(x, diag);
        r->temporary = bn_str_eq_ci(type, "Transient");
        bounce_reason(r, sub);
        common(x, r, b, mail);
    }
    return BN_OK;
}

/* complaints - one feedback record per complainedRecipients element */
static int complaints(bn_xctx *x, bn_str c, bn_str mail)
{
    bn_str list, e;
    size_t pos = 0;
    bn_str type = get(x, c, "complaintFeedbackType");
    if (!bn_xj_member(c, "complainedRecipients", &list))
        return BN_OK;
    while (bn_xj_next(list, &pos, &e)) {
        bn_xrec *r = bn_x_add(x, "lhost-amazonses");
        if (!r)
            return x->oom;
        r->r.recipient = bn_x_addr_field(get(x, e, "emailAddress"));
        r->r.recipient_src = "SES complainedRecipients";
        r->r.feedback_type = type.n ? type : BN_STR("abuse");
        r->reason = BN_REASON_FEEDBACK;
        r->reason_rule = "lhost-amazonses.complaint";
        r->r.reason_src = "SES complaint notification";
        common(x, r, c, mail);
    }
    return BN_OK;
}

/* deliveries - one delivered record per recipients element */
static int deliveries(bn_xctx *x, bn_str d, bn_str mail)
{
    bn_str list, e;
    size_t pos = 0;
    if (!bn_xj_member(d, "recipients", &list))
        return BN_OK;
    bn_str reply = get(x, d, "smtpResponse");
    while (bn_xj_next(list, &pos, &e)) {
        bn_xrec *r = bn_x_add(x, "lhost-amazonses");
        if (!r)
            return x->oom;
        r->r.recipient = bn_x_addr_field(bn_xj_string(x->arena, e));
        r->r.recipient_src = "SES delivery recipients";
        r->r.diagnostic = reply;
        r->status = bn_x_find_status(reply);
        r->replycode = bn_x_find_replycode(reply);
        r->reason = BN_REASON_DELIVERED;
        r->reason_rule = "lhost-amazonses.delivery";
        r->r.reason_src = "SES delivery notification";
        common(x, r, d, mail);
    }
    return BN_OK;
}

/* ses_decode - records from the notification */
static int ses_decode(bn_xctx *x)
{
    bn_str n = notification(x);
    bn_str mail = BN_STR_NULL, part;
    if (!n.n)
        return BN_OK;
    bn_xj_member(n, "mail", &mail);
    bn_str type = get(x, n, "notificationType");
    if (!type.n)
        type = get(x, n, "eventType");
    if (bn_str_eq_ci(type, "Bounce") && bn_xj_member(n, "bounce", &part))
        return bounces(x, part, mail);
    if (bn_str_eq_ci(type, "Complaint") && bn_xj_member(n, "complaint", &part))
        return complaints(x, part, mail);
    if (bn_str_eq_ci(type, "Delivery") && bn_xj_member(n, "delivery", &part))
        return deliveries(x, part, mail);
    return BN_OK;
}

const bn_decoder bn_decoder_lhost_amazonses = {"lhost-amazonses", ses_detect, ses_decode, NULL};
