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
    NULL, /* sentinel */
};

const size_t bn_decoders_count = sizeof bn_decoders / sizeof bn_decoders[0] - 1;
