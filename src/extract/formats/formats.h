/*
 * formats.h - the format decoders (one file per bounce-format family).
 * Each file defines one `const bn_decoder bn_decoder_<name>`; declare it
 * here and list it in table.c.
 */
#ifndef BN_FORMATS_H
#define BN_FORMATS_H

#include "extract/extract.h"

#endif
