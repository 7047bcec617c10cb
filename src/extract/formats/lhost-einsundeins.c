/*
 * lhost-einsundeins.c - 1&1 (IONOS, "kundenserver") bounces
 *
 * 1&1's relays write an Exim-derived text: "This message was created
 * automatically by mail delivery software.", "The following address
 * failed:", the address alone on a line, "For the following reason:" and
 * the reason paragraph (often with "http://postmaster.1and1.com/..."), or
 * "SMTP error from remote server for TEXT command, host: ... reason: 550 ...",
 * then "--- The header of the original message is following. ---". They
 * send from mailer-daemon@...kundenserver... Listed before Exim.
 */
#include "core/str.h"
#include "extract/formats/formats.h"

/* 1&1's own marks in the text. */
static const char *const oneandone_text[] = {"postmaster.1and1.", "1und1.de", "ionos."};
const bn_phrases bn_text_einsundeins = BN_PHRASES(oneandone_text); /* in bn_family_texts */

/* einsundeins_detect - sent by a kundenserver relay, or pointing to 1&1's help */
static bool einsundeins_detect(bn_xctx *x)
{
    return bn_x_hdr_has(x, "From", "kundenserver") ||
           bn_x_text_has(x, oneandone_text, sizeof oneandone_text / sizeof oneandone_text[0]);
}

/* einsundeins_decode - the address and the paragraph after "reason:"; the
   relay names the step "for TEXT command" (the message data) */
static int einsundeins_decode(bn_xctx *x)
{
    size_t first = x->n;
    bn_str *para = NULL;
    int rc = bn_x_decode_family(x, "lhost-einsundeins");
    if (!rc)
        rc = bn_x_paragraphs(x, first, &para);
    for (size_t i = first; !rc && i < x->n; i++) {
        bn_xrec *r = &x->v[i];
        if (!r->r.command.n && bn_str_find_ci(para[i - first], "for text command"))
            r->r.command = BN_STR("DATA");
    }
    return rc;
}

const bn_decoder bn_decoder_lhost_einsundeins = {"lhost-einsundeins", einsundeins_detect,
                                                 einsundeins_decode, NULL};
