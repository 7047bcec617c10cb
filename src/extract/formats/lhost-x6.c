/*
 * lhost-x6.c - "We had trouble delivering your message" reports
 *
 * An MTA (the family Sisimai calls X6) writes one line per error under
 * "N error(s):", naming the remote server in angle brackets, the stage in
 * parentheses and the server's reply in square brackets:
 *
 *   The following recipients returned permanent errors: a@example.com, b@example.com.
 *     Reason: SMTP Server <192.0.2.1> refused to accept your message (DATA),
 *     with the following error message: [554 5.4.6 Hop count exceeded]
 *   SMTP Server <mx.example.com> rejected recipient <c@example.com>
 *     (Error following RCPT command). It responded as follows: [550 5.1.1 User unknown]
 *
 * (each on one line). Every address of a line gets that line's reply.
 */
#include <string.h>

#include "core/str.h"
#include "extract/formats/formats.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* x6_detect - the report's opening sentence */
static bool x6_detect(bn_xctx *x)
{
    return bn_str_find_ci(x->text, "We had trouble delivering your message") &&
           bn_str_find_ci(x->text, "SMTP Server <");
}

/* between - the text between the first open after from and its close */
static bn_str between(bn_str s, const char *from, char open, char close)
{
    const char *p = from ? bn_str_find_ci(s, from) : s.p;
    if (!p)
        return BN_STR_NULL;
    bn_str rest = {p, (size_t)(s.p + s.n - p)};
    const char *o = bn_str_chr(rest, open);
    if (!o)
        return BN_STR_NULL;
    bn_str in = {o + 1, (size_t)(s.p + s.n - o - 1)};
    const char *c = bn_str_chr(in, close);
    return c ? bn_str_trim((bn_str){in.p, (size_t)(c - in.p)}) : BN_STR_NULL;
}

/* last_bracket - the last "[...]" of the line: the server's reply */
static bn_str last_bracket(bn_str l)
{
    const char *e = l.p + l.n;
    while (e > l.p && e[-1] != ']')
        e--;
    const char *o = e > l.p ? e - 1 : l.p;
    while (o > l.p && *o != '[')
        o--;
    if (e <= l.p || *o != '[')
        return BN_STR_NULL;
    return bn_str_trim((bn_str){o + 1, (size_t)(e - 1 - o - 1)});
}

/* stage - the command of "(DATA)" or "(Error following RCPT command)" */
static bn_str stage(bn_str l)
{
    static const char *const cmds[] = {"EHLO", "HELO", "MAIL", "RCPT", "DATA"};
    bn_str p = between(l, "SMTP Server <", '(', ')');
    for (size_t i = 0; i < NELEM(cmds); i++)
        if (bn_str_find_ci(p, cmds[i]))
            return bn_str_cstr(cmds[i]);
    return BN_STR_NULL;
}

/* recipients_part - where the line names its failed addresses */
static bn_str recipients_part(bn_str l)
{
    const char *p = bn_str_find_ci(l, "rejected recipient ");
    if (p) {
        bn_str rest = {p, (size_t)(l.p + l.n - p)};
        return between(rest, NULL, '<', '>');
    }
    p = bn_str_find_ci(l, "errors:");
    if (!p)
        return BN_STR_NULL;
    const char *r = bn_str_find_ci(l, "Reason:");
    const char *end = r && r > p ? r : l.p + l.n;
    return (bn_str){p + 7, (size_t)(end - p - 7)};
}

/* one_line - records for the addresses of one error line */
static int one_line(bn_xctx *x, bn_str l)
{
    bn_str who = recipients_part(l), a;
    bn_str reply = last_bracket(l);
    size_t pos = 0;
    while ((a = bn_x_addr_scan(who, &pos)).n) {
        bn_xrec *r = bn_x_add(x, "lhost-x6");
        if (!r)
            return x->oom;
        r->r.recipient = a;
        r->r.recipient_src = "address of the report's error line";
        r->r.diagnostic = reply.n ? reply : bn_str_trim(l);
        r->r.remote_mta = between(l, "SMTP Server", '<', '>');
        r->r.command = stage(l);
        r->status = bn_x_find_status(r->r.diagnostic);
        r->r.status_src = r->status.n ? "reply in the error line" : NULL;
        r->replycode = bn_x_find_replycode(r->r.diagnostic);
        r->temporary = bn_str_find_ci(l, "temporary error") != NULL;
    }
    return BN_OK;
}

/* x6_decode - one record per address of each error line */
static int x6_decode(bn_xctx *x)
{
    size_t pos = 0;
    bn_str l;
    while (bn_x_line(x->text, &pos, &l)) {
        if (!bn_str_find_ci(l, "SMTP Server <"))
            continue;
        int rc = one_line(x, l);
        if (rc)
            return rc;
    }
    return BN_OK;
}

const bn_decoder bn_decoder_lhost_x6 = {"lhost-x6", x6_detect, x6_decode, NULL};
