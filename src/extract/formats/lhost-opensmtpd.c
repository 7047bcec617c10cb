/*
 * lhost-opensmtpd.c - OpenSMTPD's bounces
 *
 * OpenSMTPD (smtpd/bounce.c) writes "Hi!\n\nThis is the MAILER-DAEMON,
 * please DO NOT REPLY to this e-mail.", then "An error has occurred while
 * attempting to deliver a message for the following list of recipients:"
 * (delays: "Delivery to the following recipients was postponed"), one line
 * per recipient "user@dest: 550 5.1.1 ...", and "Below is a copy of the
 * original message:". Each line pairs an address with its reply.
 */
#include "extract/formats/formats.h"

/* OpenSMTPD's template sentences. */
static const char *const opensmtpd_text[] = {
    "this is the mailer-daemon, please do not reply to this",
    "an error has occurred while attempting to deliver a message for",
    "delivery to the following recipients was postponed",
};
const bn_phrases bn_text_opensmtpd = BN_PHRASES(opensmtpd_text); /* in bn_family_texts */

/* opensmtpd_detect - the bounce template's sentences */
static bool opensmtpd_detect(bn_xctx *x)
{
    return bn_x_text_has(x, opensmtpd_text, sizeof opensmtpd_text / sizeof opensmtpd_text[0]);
}

/* opensmtpd_decode - one record per "address: reply" line */
static int opensmtpd_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-opensmtpd");
}

const bn_decoder bn_decoder_lhost_opensmtpd = {"lhost-opensmtpd", opensmtpd_detect,
                                               opensmtpd_decode, NULL};
