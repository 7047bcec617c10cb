/*
 * output.h - writers of records for people and programs (internal)
 *
 * The JSON writers are public (bn_record_json, bn_record_sisimai_json in
 * bounce.h). The table is for a terminal: one line per record, text made
 * safe for the terminal (no control bytes or escape sequences from the
 * bounce reach it) and cut to the width.
 */
#ifndef BN_OUTPUT_H
#define BN_OUTPUT_H

#include <stdio.h>

#include "bounce.h"

/* bn_table_header - the column titles and a rule, for a width (0: 120) */
void bn_table_header(FILE *out, unsigned width);
/* bn_table_row - one record as one line */
void bn_table_row(FILE *out, const bn_record *r, unsigned width);
/* bn_term_text - text made safe for a terminal, at most cols characters */
void bn_term_text(FILE *out, const char *p, size_t n, size_t cols, bool pad);
/* bn_iso8601 - "2024-01-02T03:04:05Z" into out (21 bytes), "" when t is 0 */
void bn_iso8601(time_t t, char out[21]);

#endif
