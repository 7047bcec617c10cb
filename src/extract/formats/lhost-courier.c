/*
 * lhost-courier.c - the Courier mail server's bounces
 *
 * Courier writes "This is a delivery status notification from HOST,
 * running the Courier mail server, version X." then "UNDELIVERABLE MAIL" /
 * "DELAYED MAIL", "Your message to the following recipients cannot be
 * delivered:", and per recipient "<user@dest>:" followed by the host and
 * the transcript turns ">>> RCPT TO:<...>" / "<<< 550 ...". It normally
 * attaches an RFC 3464 part (decoded as such); this decoder reads the text
 * when that part is missing or names nobody.
 */
#include "extract/formats/formats.h"

/* Courier's own sentences. */
static const char *const courier_text[] = {
    "running the courier mail server",
    "your message to the following recipients cannot be delivered",
    "your message to the following recipients has been delayed",
};
const bn_phrases bn_text_courier = BN_PHRASES(courier_text); /* in bn_family_texts */

/* courier_detect - Courier's notification sentences */
static bool courier_detect(bn_xctx *x)
{
    return bn_x_text_has(x, courier_text, sizeof courier_text / sizeof courier_text[0]);
}

/* courier_decode - one record per "<address>:" block, command from ">>>" */
static int courier_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-courier");
}

const bn_decoder bn_decoder_lhost_courier = {"lhost-courier", courier_detect, courier_decode,
                                             NULL};
