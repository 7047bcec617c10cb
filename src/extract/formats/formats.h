/*
 * formats.h - the format decoders (one file per bounce-format family).
 * Each file defines one `const bn_decoder bn_decoder_<name>`; declare it
 * here and list it in table.c.
 */
#ifndef BN_FORMATS_H
#define BN_FORMATS_H

#include "extract/extract.h"

extern const bn_decoder bn_decoder_lhost_amazonses; /* lhost-amazonses.c: SES JSON */
extern const bn_decoder bn_decoder_lhost_fml;       /* lhost-fml.c: fml list notices */

#endif
