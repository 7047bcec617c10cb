/*
 * lhost-domino.c - HCL/IBM/Lotus Domino's delivery failure reports
 *
 * Domino writes "Your message\n\n  Subject: ...\n\nwas not delivered to:
 * \n\n  user@dest\n\nbecause:\n\n  User user (user@dest) not listed in Domino
 * Directory" (one "was not delivered to:" / "because:" pair per failure),
 * in the server's language; an RFC 3464 part, when present, is decoded as
 * such. The scanner pairs the address with the paragraph introduced by
 * "because:".
 */
#include "extract/formats/formats.h"

/* The two headings of the report. */
static const char *const not_delivered[] = {"was not delivered to:"};
const bn_phrases bn_text_domino_not_delivered = BN_PHRASES(not_delivered); /* in bn_family_texts */
static const char *const because[] = {"because:"};
const bn_phrases bn_text_domino_because = BN_PHRASES(because); /* in bn_family_texts */

/* domino_detect - both headings, or a Domino Received/X-Mailer field */
static bool domino_detect(bn_xctx *x)
{
    return (bn_x_text_has(x, not_delivered, 1) && bn_x_text_has(x, because, 1)) ||
           bn_x_hdr_has(x, "X-Mailer", "domino");
}

/* domino_decode - the address and the paragraph after "because:" */
static int domino_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-domino");
}

const bn_decoder bn_decoder_lhost_domino = {"lhost-domino", domino_detect, domino_decode, NULL};
