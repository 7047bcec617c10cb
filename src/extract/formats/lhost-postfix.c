/*
 * lhost-postfix.c - Postfix's bounces without a delivery-status part
 *
 * Postfix (bounce(8) templates) writes "This is the mail system at host
 * HOST." (before 2.3: "This is the Postfix program at host HOST."), "I'm
 * sorry to have to inform you that your message could not be delivered to
 * one or more recipients.", signs "The mail system" / "The Postfix
 * program", then one paragraph per recipient: "<user@dest>: host mx[ip]
 * said: 550 ... (in reply to RCPT TO command)" or "<user@dest> (expanded
 * from <alias@dest>): ...". Current Postfix adds an RFC 3464 part (decoded
 * as such); old ones, and reports whose DSN part lists no recipient, are
 * text only. The scanner pairs each "<address>:" with its text; "(in reply
 * to X command)" gives the command.
 */
#include "extract/formats/formats.h"

/* Sentences of the bounce(8) templates. */
static const char *const postfix_text[] = {
    "this is the mail system at host",
    "this is the postfix program at host",
    "i'm sorry to have to inform you that your message could not",
    "i'm sorry to have to inform you that the message returned",
    "the postfix program",
};
const bn_phrases bn_text_postfix = BN_PHRASES(postfix_text); /* in bn_family_texts */

/* postfix_detect - a bounce(8) template sentence */
static bool postfix_detect(bn_xctx *x)
{
    return bn_x_text_has(x, postfix_text, sizeof postfix_text / sizeof postfix_text[0]);
}

/* postfix_decode - one record per "<address>: ..." paragraph */
static int postfix_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-postfix");
}

const bn_decoder bn_decoder_lhost_postfix = {"lhost-postfix", postfix_detect, postfix_decode,
                                             NULL};
