/*
 * lhost-apachejames.c - Apache James' bounces (its Bounce/DSNBounce mailets)
 *
 * James writes "Error message below:" with the remote reply under it, then
 * "Message details:" listing the original's envelope and headers as
 * indented "Name: value" lines ("  MAIL FROM: a@b", "  RCPT TO: c@d",
 * "  From: ...", "  Subject: ..."). The failed recipient is the RCPT TO
 * line; the diagnostic is the paragraph after "Error message below:".
 */
#include "core/str.h"
#include "extract/formats/formats.h"

/* The mailet's headings. */
static const char *const error_below[] = {"error message below:"};
const bn_phrases bn_text_apachejames_error_below = BN_PHRASES(error_below); /* in bn_family_texts */
static const char *const details[] = {"message details:"};
const bn_phrases bn_text_apachejames_details = BN_PHRASES(details); /* in bn_family_texts */

/* james_detect - both headings of the mailet's text */
static bool james_detect(bn_xctx *x)
{
    return bn_x_text_has(x, error_below, 1) && bn_x_text_has(x, details, 1);
}

/* after_heading - the paragraph after the line that holds heading */
static bn_str after_heading(bn_xctx *x, const char *heading)
{
    size_t pos = 0;
    bn_str line, para = BN_STR_NULL;
    bool in = false;
    while (bn_x_line(x->text, &pos, &line)) {
        if (!in) {
            in = bn_str_find_ci(line, heading) != NULL;
            continue;
        }
        if (bn_x_is_blank(line)) {
            if (para.n)
                break;
            continue;
        }
        if (!para.n)
            para.p = line.p;
        para.n = (size_t)(line.p + line.n - para.p);
    }
    return para;
}

/* rcpt_lines - each "RCPT TO:" line of the details gives one record */
static int rcpt_lines(bn_xctx *x, bn_str details_para, bn_str diag)
{
    size_t pos = 0;
    bn_str line;
    while (bn_x_line(details_para, &pos, &line)) {
        bn_str t = bn_str_trim(line);
        if (!bn_str_starts_ci(t, "rcpt to:"))
            continue;
        size_t ap = 0;
        bn_str a = bn_x_addr_scan(t, &ap);
        if (!a.n)
            continue;
        bn_xrec *r = bn_x_add(x, "lhost-apachejames");
        if (!r)
            return x->oom;
        r->r.recipient = a;
        r->r.recipient_src = "RCPT TO line of the James message details";
        r->r.diagnostic = diag;
        r->r.command = bn_x_command(x, diag);
        r->status = bn_x_find_status(diag);
        r->replycode = bn_x_find_replycode(diag);
        if (r->status.n)
            r->r.status_src = "diagnostic text";
    }
    return BN_OK;
}

/* james_decode - the RCPT TO recipients with the error paragraph */
static int james_decode(bn_xctx *x)
{
    if (!bn_x_looks_like_bounce(x))
        return BN_OK;
    bn_str diag = bn_x_unfold(x->arena, after_heading(x, "error message below:"));
    int rc = rcpt_lines(x, after_heading(x, "message details:"), diag);
    if (rc || x->n)
        return rc;
    return bn_x_decode_family(x, "lhost-apachejames");
}

const bn_decoder bn_decoder_lhost_apachejames = {"lhost-apachejames", james_detect,
                                                 james_decode, NULL};
