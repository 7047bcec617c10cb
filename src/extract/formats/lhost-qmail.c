/*
 * lhost-qmail.c - qmail's bounce messages (QSBMF, the qmail-send bounce
 * message format, and the netqmail / vpopmail / qmail-ldap variants)
 *
 * qmail-send writes "Hi. This is the qmail-send program at HOST.", then
 * "I'm afraid I wasn't able to deliver your message to the following
 * addresses.", one paragraph per address ("<user@dest>:" alone on a line,
 * then qmail-remote's sentence and "Remote host said: 550 ..."), and
 * "--- Below this line is a copy of the message."; its own Received field
 * says "(qmail NNN invoked for bounce)". qmail-remote names the refused
 * step in words, not as a command: those sentences give the command.
 */
#include "core/str.h"
#include "extract/formats/formats.h"

/* Sentences of qmail-send and qmail-remote. */
static const char *const qmail_text[] = {
    "this is the qmail-send program",
    "--- below this line is a copy of the message",
    "i wasn't able to deliver your message to the following addresses",
    "this message has been in the queue too long",
};
const bn_phrases bn_text_qmail = BN_PHRASES(qmail_text); /* in bn_family_texts */

/* qmail-remote's sentences and the step each one reports. */
static const struct {
    const char *phrase;
    const char *cmd;
} steps[] = {
    {"but greeting failed", "CONN"},
    {"but my name was rejected", "HELO"},
    {"but sender was rejected", "MAIL"},
    {"does not like recipient", "RCPT"},
    {"failed on data command", "DATA"},
    {"failed after i sent the message", "DATA"},
};

/* qmail_detect - qmail-send's sentences, or its "invoked for bounce" Received */
static bool qmail_detect(bn_xctx *x)
{
    return bn_x_text_has(x, qmail_text, sizeof qmail_text / sizeof qmail_text[0]) ||
           bn_x_hdr_has(x, "Received", "invoked for bounce");
}

/* step_command - the SMTP step a qmail-remote sentence in d reports, or empty */
static bn_str step_command(bn_str d)
{
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (bn_str_find_ci(d, steps[i].phrase))
            return bn_str_cstr(steps[i].cmd);
    return BN_STR_NULL;
}

/* qmail_decode - one record per "<address>:" paragraph */
static int qmail_decode(bn_xctx *x)
{
    size_t first = x->n;
    bn_str *para = NULL;
    int rc = bn_x_decode_family(x, "lhost-qmail");
    if (!rc)
        rc = bn_x_paragraphs(x, first, &para);
    for (size_t i = first; !rc && i < x->n; i++) {
        bn_xrec *r = &x->v[i];
        bn_str own = r->r.recipient.n ? para[i - first] : x->text;
        bn_str c = step_command(own);
        if (c.n)
            r->r.command = c; /* qmail's words beat a quoted "MAIL FROM:" */
        /* qmail-send gave up after queuelifetime: the "#4.x.x" before it is
           only the last attempt's */
        r->queue_expired |= bn_str_find_ci(own, "in the queue too long") != NULL;
    }
    return rc;
}

const bn_decoder bn_decoder_lhost_qmail = {"lhost-qmail", qmail_detect, qmail_decode, NULL};
