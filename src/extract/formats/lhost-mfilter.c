/*
 * lhost-mfilter.c - m-FILTER (Digital Arts) mail gateway bounces
 *
 * m-FILTER writes a Japanese notice, the failed address alone on a line,
 * then sections "-------server message" (the remote reply), "-------SMTP
 * command" (the command it answered, alone on the next line) and
 * "-------original message". Its messages carry "X-Mailer: m-FILTER".
 * The scanner finds the address; the reply and the command come from their
 * sections (a notice names one address).
 */
#include "core/str.h"
#include "extract/formats/formats.h"

/* m-FILTER's section rules. */
static const char *const mfilter_text[] = {"-------server message", "-------smtp command"};
const bn_phrases bn_text_mfilter = BN_PHRASES(mfilter_text); /* in bn_family_texts */

/* mfilter_detect - its X-Mailer or its section rules */
static bool mfilter_detect(bn_xctx *x)
{
    return bn_x_hdr_has(x, "X-Mailer", "m-FILTER") ||
           bn_x_text_has(x, mfilter_text, sizeof mfilter_text / sizeof mfilter_text[0]);
}

/* section_text - the lines after the section rule that starts with rule, up
   to the next rule or blank line, unfolded; empty when absent */
static bn_str section_text(bn_xctx *x, const char *rule)
{
    size_t pos = 0;
    bn_str line, para = BN_STR_NULL;
    bool in = false;
    while (bn_x_line(x->text, &pos, &line)) {
        bn_str t = bn_str_trim(line);
        if (!in) {
            in = bn_str_starts_ci(t, rule);
            continue;
        }
        if (!t.n || bn_str_starts_ci(t, "-------"))
            break;
        if (!para.p)
            para.p = line.p;
        para.n = (size_t)(line.p + line.n - para.p);
    }
    return bn_x_unfold(x->arena, para);
}

/* section_command - the command word on the line after "-------SMTP command" */
static bn_str section_command(bn_xctx *x)
{
    size_t pos = 0;
    bn_str line;
    bool next = false;
    while (bn_x_line(x->text, &pos, &line)) {
        bn_str t = bn_str_trim(line);
        if (next && t.n) {
            size_t k = 0;
            while (k < t.n && bn_is_alpha((unsigned char)t.p[k]))
                k++;
            return k >= 4 && k <= 8 ? (bn_str){t.p, k} : BN_STR_NULL;
        }
        next = bn_str_starts_ci(t, "-------smtp command");
    }
    return BN_STR_NULL;
}

/* mfilter_decode - records from the scanner, command from its section */
static int mfilter_decode(bn_xctx *x)
{
    size_t first = x->n;
    int rc = bn_x_decode_family(x, "lhost-mfilter");
    if (rc || x->n != first + 1)
        return rc; /* one notice, one address: its sections are that address's */
    bn_xrec *r = &x->v[first];
    bn_str reply = section_text(x, "-------server message");
    if (reply.n) {
        r->r.diagnostic = reply;
        r->status = bn_x_find_status(reply);
        r->replycode = bn_x_find_replycode(reply);
    }
    bn_str cmd = section_command(x);
    if (cmd.n)
        r->r.command = cmd;
    return BN_OK;
}

const bn_decoder bn_decoder_lhost_mfilter = {"lhost-mfilter", mfilter_detect, mfilter_decode,
                                             NULL};
