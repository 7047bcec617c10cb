/*
 * lhost-sendmail.c - Sendmail's bounces without a delivery-status part
 *
 * Sendmail 8 sends RFC 3464 reports (decoded as such); older releases, V5
 * and sendmail-derived servers send text only: "----- The following
 * addresses had permanent fatal errors -----", the address and "(reason:
 * 550 ...)", "----- Transcript of session follows -----" with ">>> RCPT
 * TO:<...>" / "<<< 550 ..." turns, and "----- Unsent message follows -----"
 * (V5) or "----- Original message follows -----". The subject is
 * "Returned mail: <what went wrong>". The scanner pairs the addresses with
 * their "(reason: ...)" and reads the command from the transcript.
 */
#include "extract/formats/formats.h"

/* Section rules sendmail writes. */
static const char *const sendmail_text[] = {
    "----- the following addresses had permanent fatal errors -----",
    "----- transcript of session follows -----",
    "----- unsent message follows -----",
    "----- original message follows -----",
    "----- the following addresses had transient non-fatal errors -----",
};
const bn_phrases bn_text_sendmail = BN_PHRASES(sendmail_text); /* in bn_family_texts */

/* sendmail_detect - sendmail's section rules, or its "Returned mail:" subject */
static bool sendmail_detect(bn_xctx *x)
{
    return bn_x_text_has(x, sendmail_text, sizeof sendmail_text / sizeof sendmail_text[0]) ||
           bn_x_hdr_has(x, "Subject", "returned mail:");
}

/* sendmail_decode - the failed addresses with their reasons */
static int sendmail_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-sendmail");
}

const bn_decoder bn_decoder_lhost_sendmail = {"lhost-sendmail", sendmail_detect,
                                              sendmail_decode, NULL};
