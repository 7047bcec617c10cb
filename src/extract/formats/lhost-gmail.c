/*
 * lhost-gmail.c - Gmail's and Google Workspace's plain-text bounces (those
 * without a delivery-status part)
 *
 * The classic template names the recipients, then the remote reply under
 * Google's own words:
 *
 *   Delivery to the following recipient failed permanently:
 *        user@example.com
 *   Technical details of permanent failure:
 *   Google tried to deliver your message, but it was rejected by the server
 *   for the recipient domain example.com by mx.example.com. [192.0.2.1].
 *   The error that the other server returned was:
 *   550 550 5.1.1 <user@example.com>... User unknown (state 14).
 *
 * "(state N)" is where Google's SMTP client stood: 14 answers RCPT (the
 * recipient's own address is in its replies), 17/18 DATA and after it;
 * other states (13 answers the sender or the connection) are left to the
 * reply's text. The later template ("** Address not found **",
 * "** Message not delivered **") says "The response from the remote server
 * was:" or "The response was:", sometimes with "(SENT_MAIL)"-style states.
 * A "permanent failure" to connect, with no reply at all, is Google giving
 * up after its retry period: the queue expired. Delay warnings are
 * temporary. A failure of the user's own "Send mail as" server (help link
 * ?p=CustomFromDenied) is the sender's setup: reason rejected.
 */
#include <string.h>

#include "core/str.h"
#include "extract/formats/formats.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define GMAIL_HOST_WINDOW 512 /* "for the recipient domain D by H. [ip]" fits */

/* Where Google introduces the remote server's reply, most specific first. */
static const char *const reply_intros[] = {
    "The error that the other server returned was:",
    "The response from the remote server was:",
    "The response was:",
};

/* Phrases only Google's templates write. */
static const char *const markers[] = {
    "Technical details of permanent failure:",
    "Technical details of temporary failure:",
    "The error that the other server returned was:",
    "The response from the remote server was:",
    "Google tried to deliver your message",
};

/* A failure to reach the server at all (no reply to read). */
static const char *const connect_failures[] = {
    "did not accept our requests to connect", "socket error", "timed out",
    "connection refused", "domain name not found", "no route to host",
};

/* find_first - the earliest of the phrases in s (one pass), or NULL; *len
   its length */
static const char *find_first(const bn_xctx *x, bn_str s, const char *const *list, size_t n,
                              size_t *len)
{
    bn_multi scratch; /* the parser keeps the matcher: built once, not per message */
    size_t k = 0;
    const char *p = bn_multi_find(bn_x_multi(x, list, n, &scratch), s, &k);
    if (p)
        *len = strlen(list[k]);
    return p;
}

/* from_google - the bounce comes from Google's own mailer-daemon */
static bool from_google(bn_xctx *x)
{
    bn_str from = bn_x_top(x, BN_XTOP_FROM);
    return bn_str_find_ci(from, "@googlemail.com") || bn_str_find_ci(from, "@google.com") ||
           bn_str_find_ci(from, "@gmail.com");
}

/* gm_detect - Google's wording, or "The response was:" from Google's daemon */
static bool gm_detect(bn_xctx *x)
{
    size_t len;
    if (find_first(x, x->text, markers, NELEM(markers), &len))
        return true;
    return from_google(x) && bn_str_find_ci(x->text, "The response was:");
}

/* paragraph_after - the text from p (past leading blank lines) to the next
   blank line or Google's "----- Original message -----" separator, unfolded */
static bn_str paragraph_after(bn_xctx *x, const char *p)
{
    bn_str rest = {p, (size_t)(x->text.p + x->text.n - p)}, l, para = BN_STR_NULL;
    size_t pos = 0;
    while (bn_x_line(rest, &pos, &l)) {
        bn_str t = bn_str_trim(l);
        if (!t.n || bn_str_starts_ci(t, "-----")) {
            if (para.n)
                break;
            continue;
        }
        if (!para.n)
            para.p = l.p;
        para.n = (size_t)(l.p + l.n - para.p);
    }
    return bn_x_unfold(x->arena, para);
}

/* undouble - "550 550 5.1.1 ..." (Google prefixes the code the reply already
   carries) -> "550 5.1.1 ..." */
static bn_str undouble(bn_str d)
{
    if (d.n > 8 && bn_is_digit((unsigned char)d.p[0]) && d.p[3] == ' ' && !memcmp(d.p, d.p + 4, 3) &&
        (d.p[7] == ' ' || d.p[7] == '-'))
        return (bn_str){d.p + 4, d.n - 4};
    return d;
}

/* server_reply - the remote reply Google quotes, else its technical details */
static bn_str server_reply(bn_xctx *x)
{
    size_t len = 0;
    const char *p = find_first(x, x->text, reply_intros, NELEM(reply_intros), &len);
    if (p)
        return undouble(paragraph_after(x, p + len));
    p = bn_str_find_ci(x->text, "Technical details of ");
    if (!p)
        return BN_STR_NULL;
    const char *colon = bn_str_chr((bn_str){p, (size_t)(x->text.p + x->text.n - p)}, ':');
    return colon ? paragraph_after(x, colon + 1) : BN_STR_NULL;
}

/* state_command - the SMTP command of Google's "(state N)" or "(SENT_X)" */
static bn_str state_command(bn_str d)
{
    const char *s = bn_str_find_ci(d, "(state ");
    if (s && (size_t)(d.p + d.n - s) > 9) {
        int n = 0;
        for (const char *q = s + 7; q < d.p + d.n && bn_is_digit((unsigned char)*q) && n < 100; q++)
            n = n * 10 + (*q - '0');
        if (n == 14)
            return BN_STR("RCPT");
        if (n == 17 || n == 18)
            return BN_STR("DATA");
        return BN_STR_NULL;
    }
    s = bn_str_find_ci(d, "(SENT_");
    if (!s)
        return BN_STR_NULL;
    bn_str w = {s + 6, (size_t)(d.p + d.n - s - 6)};
    const char *close = bn_str_chr(w, ')');
    w.n = close ? (size_t)(close - w.p) : 0;
    static const char *const cmds[] = {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA"};
    for (size_t i = 0; i < NELEM(cmds); i++)
        if (bn_str_find_ci(w, cmds[i]))
            return bn_str_cstr(cmds[i]);
    return BN_STR_NULL;
}

/* remote_host - "rejected by the server for the recipient domain D by H. [ip]"
   -> H; the sentence may be folded, so a short window of it is unfolded */
static bn_str remote_host(bn_xctx *x)
{
    const char *p = bn_str_find_ci(x->text, "for the recipient domain");
    if (!p)
        return BN_STR_NULL;
    size_t left = (size_t)(x->text.p + x->text.n - p);
    bn_str t = bn_x_unfold(x->arena, (bn_str){p, left < GMAIL_HOST_WINDOW ? left : GMAIL_HOST_WINDOW});
    p = bn_str_find_ci(t, "for the recipient domain ");
    if (!p)
        return BN_STR_NULL;
    bn_str rest = {p + 25, (size_t)(t.p + t.n - p - 25)};
    const char *by = bn_str_find_ci(rest, " by ");
    if (!by || by - rest.p > 255)
        return BN_STR_NULL;
    bn_str h = {by + 4, 0};
    while (h.p + h.n < t.p + t.n && !bn_is_space((unsigned char)h.p[h.n]) && h.p[h.n] != '[')
        h.n++;
    while (h.n && h.p[h.n - 1] == '.')
        h.n--; /* "mx.example.com." ends the sentence */
    return h;
}

/* gave_up - a permanent failure without any reply: Google could not connect */
static bool gave_up(bn_xctx *x, bn_str d)
{
    size_t len;
    return bn_str_find_ci(x->text, "permanent failure") && !bn_x_find_replycode(d) &&
           !bn_x_find_status(d).n && find_first(x, d, connect_failures, NELEM(connect_failures), &len);
}

/* is_delay - a warning: Google still tries */
static bool is_delay(bn_xctx *x)
{
    return bn_str_find_ci(x->text, "has been delayed") ||
           bn_str_find_ci(x->text, "Technical details of temporary failure") ||
           bn_str_find_ci(x->text, "will be retried") ||
           bn_str_find_ci(x->text, "** Delivery delayed **");
}

/* sender_setup_error - Google's notice that the user's own "Send mail as"
   account (an external SMTP server Gmail relays through) is misconfigured:
   its help link names the template (?p=CustomFromDenied); the remote reply,
   if any, is about that server, not the recipient */
static bool sender_setup_error(bn_xctx *x)
{
    return bn_str_find_ci(x->text, "p=CustomFromDenied") != NULL;
}

/* fill - the reply's fields on one record the pairing produced */
static void fill(const bn_xctx *x, bn_xrec *r, bn_str d, bn_str host, bool delay, bool expired)
{
    if (d.n) {
        r->r.diagnostic = d;
        r->status = bn_x_find_status(d);
        r->r.status_src = r->status.n ? "Google's quote of the remote reply" : NULL;
        r->replycode = bn_x_find_replycode(d);
        r->r.command = state_command(d);
        if (!r->r.command.n)
            r->r.command = bn_x_command(x, d); /* the parser's matcher */
    }
    r->r.remote_mta = host;
    /* a notice may hold a permanent failure beside a delay: a 5xx is final */
    r->temporary = delay && !bn_x_final_code(r);
    if (expired) {
        r->reason = BN_REASON_EXPIRED;
        r->reason_rule = "lhost-gmail.gave-up";
        r->r.reason_src = "Gmail: permanent failure to connect after retrying";
    }
}

/* gm_decode - the scanner's recipients, with the reply Google quotes */
static int gm_decode(bn_xctx *x)
{
    size_t first = x->n;
    int rc = bn_x_scan_as(x, "lhost-gmail");
    if (rc || x->n == first)
        return rc;
    bn_str d = server_reply(x);
    bn_str host = remote_host(x);
    bool delay = is_delay(x);
    bool expired = !delay && gave_up(x, d); /* once: the text is the same for all */
    bool sender = sender_setup_error(x);
    for (size_t i = first; i < x->n; i++) {
        fill(x, &x->v[i], d, host, delay, expired);
        if (sender) {
            x->v[i].reason = BN_REASON_REJECTED;
            x->v[i].reason_rule = "lhost-gmail.send-mail-as";
            x->v[i].r.reason_src = "Gmail: the sender's 'Send mail as' server refused";
        }
    }
    return BN_OK;
}

const bn_decoder bn_decoder_lhost_gmail = {"lhost-gmail", gm_detect, gm_decode, NULL};
