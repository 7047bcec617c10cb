/*
 * lhost-exchange2003.c - Microsoft Exchange 2000/2003 non-delivery reports
 *
 * Exchange before 2007 writes "Your message did not reach some or all of
 * the intended recipients.", the original's Subject/Sent, then "The
 * following recipient(s) cannot be reached:" (or "could not be reached")
 * and per recipient "      user@dest on 3/20/2026 10:00 AM" with the
 * explanation and "<mx.dest #5.1.1>" indented under it. Its NDRs carry
 * "X-MS-Embedded-Report" or "X-MimeOLE: Produced By Microsoft Exchange V6".
 * The status sits in the "<host #5.x.x>" line of each block.
 */
#include "extract/formats/formats.h"

/* The NDR's sentences. */
static const char *const exchange_text[] = {
    "did not reach some or all of the intended recipients",
    "the following recipient(s) cannot be reached",
    "the following recipient(s) could not be reached",
};
const bn_phrases bn_text_exchange2003 = BN_PHRASES(exchange_text); /* in bn_family_texts */

/* exchange2003_detect - the NDR's sentences or its Exchange 6.x headers */
static bool exchange2003_detect(bn_xctx *x)
{
    bn_str v;
    return bn_x_text_has(x, exchange_text, sizeof exchange_text / sizeof exchange_text[0]) ||
           bn_hdr_find(&x->msg->parts[0].hdrs, "X-MS-Embedded-Report", &v) ||
           bn_x_hdr_has(x, "X-MimeOLE", "Exchange V6");
}

/* exchange2003_decode - one record per recipient block */
static int exchange2003_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-exchange2003");
}

const bn_decoder bn_decoder_lhost_exchange2003 = {"lhost-exchange2003", exchange2003_detect,
                                                  exchange2003_decode, NULL};
