/*
 * msg_header.h - one header of a raw message, to name the message in a note
 * (bounce ingest names a bounce it could not read by its Message-ID)
 */
#ifndef BN_MSG_HEADER_H
#define BN_MSG_HEADER_H

#include <stddef.h>

/*
 * msg_header - the value of the first header called name in the header
 * block of buf (up to the first empty line): unfolded, control characters
 * and runs of spaces as one space, trimmed, cut to cap - 1 bytes. Its
 * length; 0 (and "") when the message has no such header.
 */
size_t msg_header(const char *buf, size_t len, const char *name, char *out, size_t cap);

#endif
