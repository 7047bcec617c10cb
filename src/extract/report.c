/*
 * report.c - records from RFC 3464 / RFC 6533 delivery-status reports
 *
 * Sources, best first: message/delivery-status, message/global-delivery-status
 * and text/delivery-status parts outside the returned original; else a DSN
 * block pasted into the human-readable text (servers that send one part).
 */
#include <stdint.h>
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"

/* is_dsn_type - media types of a machine-readable delivery report */
static bool is_dsn_type(const bn_part *p)
{
    return bn_part_is(p, "message/delivery-status") ||
           bn_part_is(p, "message/global-delivery-status") ||
           bn_part_is(p, "text/delivery-status") ||
           bn_part_is(p, "message/x-delivery-status");
}

/* is_generic_status - "X.0.0": the class only, the detail may be elsewhere */
static bool is_generic_status(bn_str s)
{
    return s.n == 5 && s.p[2] == '0' && s.p[4] == '0';
}

/*
 * pick_status - the DSN Status, or the code in the server's own reply when
 * it is of the same class and more than a bare class: MTAs map Status from
 * their own tables (sendmail: 5.1.1 for a 550 5.7.1 block; 4.4.7 for any
 * expiry), while the Diagnostic-Code carries the remote server's code.
 */
static void pick_status(bn_xrec *r, const bn_dsn_rcpt *d)
{
    bn_str st = bn_x_find_status(d->status);
    bn_str dg = bn_x_find_status(d->diag);
    r->r.status_src = "DSN Status";
    if (st.n == 5 && st.p[2] == '4' && st.p[4] == '7')
        r->queue_expired = true;
    if (dg.n && (!st.n || (dg.p[0] == st.p[0] && !is_generic_status(dg)))) {
        st = dg;
        r->r.status_src = "DSN Diagnostic-Code";
    }
    if (st.n == 5 && st.p[2] == '4' && st.p[4] == '7' && dg.n) {
        /* "4.4.7 Message expired ... <421 4.4.2 Connection timed out>": the
           code of the last attempt says why it expired */
        bn_str rest = {dg.p + dg.n, d->diag.n - (size_t)(dg.p + dg.n - d->diag.p)};
        bn_str last = bn_x_find_status(rest);
        if (last.n && !is_generic_status(last)) {
            st = last;
            r->r.status_src = "DSN Diagnostic-Code (last attempt)";
        }
    }
    if (!st.n)
        r->r.status_src = NULL;
    r->status = st;
}

/* set_action - the DSN Action and what it means for the reason */
static void set_action(bn_xctx *x, bn_xrec *r, bn_str action)
{
    r->r.dsn_action = bn_x_lower_word(x->arena, action, bn_x_is_alpha_char);
    bn_str a = r->r.dsn_action;
    /* "deliverable": Postfix's address-verification report (sendmail -bv) */
    if (bn_str_eq_ci(a, "delivered") || bn_str_eq_ci(a, "relayed") ||
        bn_str_eq_ci(a, "expanded") || bn_str_eq_ci(a, "deliverable")) {
        r->reason = BN_REASON_DELIVERED;
        r->reason_rule = "dsn-action-delivered";
        r->r.reason_src = "DSN Action";
    } else if (bn_str_eq_ci(a, "delayed")) {
        r->temporary = true;
    }
}

/* status_comment - "4.0.0 (cat.example: host name lookup failure)" -> the
   comment, which some MTAs use instead of a Diagnostic-Code */
static bn_str status_comment(bn_str v)
{
    const char *open = bn_str_chr(v, '(');
    if (!open)
        return BN_STR_NULL;
    bn_str c = {open + 1, v.n - (size_t)(open + 1 - v.p)};
    const char *close = bn_str_chr(c, ')');
    if (close)
        c.n = (size_t)(close - c.p);
    return bn_str_trim(c);
}

/* add_rcpt - one record from one per-recipient block */
static int add_rcpt(bn_xctx *x, const bn_dsn *d, const bn_dsn_rcpt *b)
{
    bn_xrec *r = bn_x_add(x, "rfc3464");
    if (!r)
        return x->oom;
    r->r.recipient = bn_x_addr_field_utf8(x->arena, b->final_rcpt);
    r->r.recipient_src = "DSN Final-Recipient";
    r->r.original_recipient = bn_x_addr_field_utf8(x->arena, b->orig_rcpt);
    if (!r->r.recipient.n && b->x_actual_rcpt.n) {
        r->r.recipient = bn_x_addr_field_utf8(x->arena, b->x_actual_rcpt);
        r->r.recipient_src = "DSN X-Actual-Recipient";
    }
    if (!r->r.recipient.n && r->r.original_recipient.n) {
        r->r.recipient = r->r.original_recipient;
        r->r.recipient_src = "DSN Original-Recipient";
    }
    if (!r->r.recipient.n)
        r->r.recipient_src = NULL;
    r->r.diagnostic = b->diag;
    r->r.diagnostic_type = b->diag_type;
    if (!r->r.diagnostic.n)
        r->r.diagnostic = status_comment(b->status);
    r->r.remote_mta = bn_dsn_mta_name(b->remote_mta);
    r->r.reporting_mta = bn_dsn_mta_name(d->reporting_mta);
    r->r.command = bn_x_command(x, b->diag);
    if (!r->r.command.n)
        r->cmd_none = b->diag; /* enrichment need not search it again */
    r->replycode = bn_x_find_replycode(b->diag);
    r->date = b->last_attempt.n ? b->last_attempt : d->arrival_date;
    pick_status(r, b);
    set_action(x, r, b->action);
    return BN_OK;
}

/* add_all - records for every recipient block of a parsed DSN */
static int add_all(bn_xctx *x, const bn_dsn *d)
{
    for (size_t i = 0; i < d->n; i++) {
        int rc = add_rcpt(x, d, &d->r[i]);
        if (rc)
            return rc;
        if (x->over_limit)
            break;
    }
    if (!x->addresser.n && d->x_sender.n)
        x->addresser = bn_x_addr_field(d->x_sender);
    return BN_OK;
}

/* usable - the DSN names at least one recipient with an action or a status */
static bool usable(const bn_dsn *d)
{
    for (size_t i = 0; i < d->n; i++)
        if ((d->r[i].final_rcpt.n || d->r[i].orig_rcpt.n) &&
            (d->r[i].action.n || d->r[i].status.n))
            return true;
    return false;
}

/* in_rfc822 - part i lies inside an attached message (the original) */
static bool in_rfc822(const bn_msg *m, size_t i)
{
    for (int q = m->parts[i].parent; q >= 0; q = m->parts[q].parent)
        if (bn_part_is(&m->parts[q], "message/rfc822"))
            return true;
    return false;
}

/* dsn_parts - records from delivery-status parts; *found when one was read */
static int dsn_parts(bn_xctx *x, bool inside_original, bool *found)
{
    bn_msg *m = x->msg;
    size_t limit = x->opts->max_recipients + 1;
    for (size_t i = 0; i < m->nparts; i++) {
        bn_part *p = &m->parts[i];
        if (!is_dsn_type(p) || in_rfc822(m, i) != inside_original)
            continue;
        bn_dsn d;
        if (bn_dsn_parse(&d, x->arena, bn_part_text(m, p), false, limit))
            return BN_ENOMEM;
        if (!usable(&d))
            continue;
        *found = true;
        int rc = add_all(x, &d);
        if (rc)
            return rc;
    }
    return BN_OK;
}

/* dsn_inline - a DSN block pasted into the human-readable text */
static int dsn_inline(bn_xctx *x)
{
    bn_str t = x->text;
    const bn_str *lines;
    size_t n = bn_x_text_lines(x, SIZE_MAX, &lines);
    size_t off = n != SIZE_MAX ? bn_dsn_find_inline_lines(t, lines, n) : bn_dsn_find_inline(t);
    if (off >= t.n)
        return BN_OK;
    bn_dsn d;
    bn_str rest = {t.p + off, t.n - off};
    if (bn_dsn_parse(&d, x->arena, rest, true, x->opts->max_recipients + 1))
        return BN_ENOMEM;
    if (!usable(&d))
        return BN_OK;
    x->text.n = off; /* what follows is machine-readable, not the server's words */
    return add_all(x, &d);
}

/* dsn_other_text - a DSN block in another text/plain part than the one
   read as the bounce's text: a delivery-status part that came typed
   text/plain, or with no Content-Type at all (RFC 6522 3: a report may
   reach its reader mis-typed) */
static int dsn_other_text(bn_xctx *x)
{
    bn_msg *m = x->msg;
    for (size_t i = 0; i < m->nparts; i++) {
        bn_part *p = &m->parts[i];
        if ((int)i == x->text_part || !bn_part_is(p, "text/plain") || in_rfc822(m, i))
            continue;
        bn_str t = bn_part_text(m, p);
        size_t off = bn_dsn_find_inline(t);
        if (off >= t.n)
            continue;
        bn_dsn d;
        if (bn_dsn_parse(&d, x->arena, (bn_str){t.p + off, t.n - off}, true,
                         x->opts->max_recipients + 1))
            return BN_ENOMEM;
        if (usable(&d))
            return add_all(x, &d);
    }
    return BN_OK;
}

/* bn_x_dsn - RFC 3464 / 6533 delivery-status parts (and inline DSN blocks) */
int bn_x_dsn(bn_xctx *x)
{
    bool found = false;
    int rc = dsn_parts(x, false, &found);
    if (rc || found)
        return rc;
    rc = dsn_inline(x);
    if (rc || x->n || (rc = dsn_other_text(x)) || x->n)
        return rc;
    /* a forwarded bounce: the report sits inside an attached message */
    return dsn_parts(x, true, &found);
}
