/*
 * lhost-gmx.c - GMX (and web.de, mail.com) bounces
 *
 * GMX's mail servers write an Exim-derived text ("This message was created
 * automatically by mail delivery software.", "The following address
 * failed:") but name the recipient in quotes ("\"user@dest\":"), the step
 * as "SMTP error from remote server after RCPT command:" and the host as
 * "host: mx.dest", and end with "--- The header of the original message is
 * following. ---". They come from MAILER-DAEMON@...gmx... with X-GMX-*
 * filter fields (the X-UI-* ones are United Internet's, 1&1's too: 1&1 is
 * listed first). Listed before Exim, whose sentences it shares.
 */
#include "extract/formats/formats.h"

/* gmx_detect - the bounce comes from GMX's servers */
static bool gmx_detect(bn_xctx *x)
{
    bn_str v;
    const bn_headers *h = &x->msg->parts[0].hdrs;
    return bn_x_hdr_has(x, "From", "@mail.gmx.") || bn_x_hdr_has(x, "From", "@gmx.") ||
           bn_hdr_find(h, "X-GMX-Antivirus", &v) || bn_hdr_find(h, "X-GMX-Antispam", &v);
}

/* gmx_decode - each quoted address with the reply under it */
static int gmx_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-gmx");
}

const bn_decoder bn_decoder_lhost_gmx = {"lhost-gmx", gmx_detect, gmx_decode, NULL};
