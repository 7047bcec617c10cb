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

/* The families' text tables (formats.h), in the order of the decoders. */
const bn_phrases *const bn_family_texts[] = {
    &bn_text_einsundeins, &bn_text_mfilter, &bn_text_apachejames_error_below,
    &bn_text_apachejames_details, &bn_text_qmail, &bn_text_courier, &bn_text_opensmtpd,
    &bn_text_exchange2003, &bn_text_domino_not_delivered, &bn_text_domino_because,
    &bn_text_notes, &bn_text_postfix, &bn_text_sendmail, &bn_text_exim,
};

const size_t bn_family_texts_count = sizeof bn_family_texts / sizeof bn_family_texts[0];
