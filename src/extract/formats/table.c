/*
 * table.c - the format decoders, tried in this order after the standard
 * reports. Specific formats first (they recognise themselves by headers),
 * general families last. Add one line per decoder file.
 */
#include "extract/extract.h"
#include "extract/formats/formats.h"

const bn_decoder *const bn_decoders[] = {
    &bn_decoder_lhost_amazonses,
    &bn_decoder_lhost_fml,
    &bn_decoder_lhost_zoho,
    &bn_decoder_lhost_gmail,
    &bn_decoder_lhost_yahoo,
    &bn_decoder_lhost_x6,
    &bn_decoder_lhost_exchange2007,
    /* MTA families, recognised by their software's own text: after the
       providers (recognised by headers), Exim-derived ones before Exim */
    &bn_decoder_lhost_einsundeins,
    &bn_decoder_lhost_gmx,
    &bn_decoder_lhost_mfilter,
    &bn_decoder_lhost_apachejames,
    &bn_decoder_lhost_qmail,
    &bn_decoder_lhost_courier,
    &bn_decoder_lhost_opensmtpd,
    &bn_decoder_lhost_exchange2003,
    &bn_decoder_lhost_domino,
    &bn_decoder_lhost_notes,
    &bn_decoder_lhost_postfix,
    &bn_decoder_lhost_sendmail,
    &bn_decoder_lhost_exim,
    NULL, /* sentinel */
};

const size_t bn_decoders_count = sizeof bn_decoders / sizeof bn_decoders[0] - 1;
