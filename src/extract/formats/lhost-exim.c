/*
 * lhost-exim.c - Exim's bounce messages
 *
 * Exim writes (deliver.c, or the bounce_message_text of a configuration):
 *   "This message was created automatically by mail delivery software."
 *   "A message that you sent could not be delivered to one or more of its
 *    recipients. This is a permanent error. The following address(es) failed:"
 * then per address an indented block ("  user@dest\n    host mx [ip]\n
 * SMTP error from remote mail server after RCPT TO:<user@dest>:\n    550 ..."),
 * and "------ This is a copy of the message, including all the headers.";
 * its delay warnings say "has not yet been delivered to one or more of its
 * recipients after more than N hours on the queue". The blocks are what
 * the generic scanner pairs; the command is in "after RCPT TO:", "after end
 * of data". GMX and 1&1 run Exim-derived text: their decoders come first.
 */
#include "extract/formats/formats.h"

/* Sentences only Exim's templates write (customised texts keep the last ones). */
static const char *const exim_text[] = {
    "created automatically by mail delivery software",
    "smtp error from remote mail server after",
    "this is a copy of the message, including all the headers",
    "this is a copy of your message, including all the headers",
    "incorrectly constructed:", /* malformed recipient addresses */
    "the following address(es) failed",
    "has not yet been delivered to one or more of its recipients",
    "retry timeout exceeded",
    "all relevant mx records point to non-existent hosts",
};
const bn_phrases bn_text_exim = BN_PHRASES(exim_text); /* in bn_family_texts */

/* exim_detect - the text holds one of Exim's own sentences */
static bool exim_detect(bn_xctx *x)
{
    return bn_x_text_has(x, exim_text, sizeof exim_text / sizeof exim_text[0]);
}

/* exim_decode - the failed addresses with the replies written under them */
static int exim_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-exim");
}

const bn_decoder bn_decoder_lhost_exim = {"lhost-exim", exim_detect, exim_decode, NULL};
