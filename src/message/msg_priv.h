/*
 * msg_priv.h - helpers shared by the message layer's .c files (private)
 *
 * bn_obuf is an output buffer in the message arena with a hard cap: the
 * decoders and converters append to it and stop (setting `full`) at the
 * cap instead of growing without bound.
 */
#ifndef BN_MSG_PRIV_H
#define BN_MSG_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "message/message.h"

typedef struct bn_obuf {
    bn_arena *a;
    char *p;
    size_t n, cap;   /* used and allocated bytes */
    size_t limit;    /* never hold more than this */
    bool full;       /* an append was cut at limit */
    bool oom;        /* the arena refused */
} bn_obuf;

/* bn_obuf_init - empty buffer with room for hint bytes (capped at limit) */
void bn_obuf_init(bn_obuf *b, bn_arena *a, size_t hint, size_t limit);
/* bn_obuf_put - append n bytes (cut at the limit) */
void bn_obuf_put(bn_obuf *b, const char *p, size_t n);
/* bn_obuf_reserve - make room for n more bytes; false when impossible */
bool bn_obuf_reserve(bn_obuf *b, size_t n);
/* bn_obuf_str - the content as a span */
static inline bn_str bn_obuf_str(const bn_obuf *b) { return (bn_str){b->p, b->n}; }

/* The replacement character U+FFFD in UTF-8. */
#define BN_FFFD "\xef\xbf\xbd"

/* bn_decoded_room - bytes still allowed under opts->max_decoded */
size_t bn_decoded_room(const bn_msg *msg);
/* bn_decoded_add - count n decoded bytes against the limit */
void bn_decoded_add(bn_msg *msg, size_t n);

/* bn_utf8_repair - append p as UTF-8, each invalid byte as U+FFFD; true if all valid */
bool bn_utf8_repair(bn_obuf *out, const char *p, size_t n);

/* bn_utf8_cut - length of p without a UTF-8 sequence cut short at its end */
size_t bn_utf8_cut(const char *p, size_t n);

/* bn_charset_alias - canonical target of a lowercased label, or NULL */
const char *bn_charset_alias(const char *label, size_t n);
/* bn_charset_alias_count / bn_charset_alias_at - the alias table (tests) */
size_t bn_charset_alias_count(void);
void bn_charset_alias_at(size_t i, const char **label, const char **target);

/* bn_charset_passthrough - p[0..n) converts to itself from target, an
   alias-table target or label that is a stateful 7-bit charset (UTF-7,
   ISO-2022-*); false for any other target */
bool bn_charset_passthrough(const char *target, const char *p, size_t n);

/* Targets of the alias table that are not iconv names. */
#define BN_CS_AUTO "(auto)" /* UTF-8 when valid, else windows-1252 */
#define BN_CS_UTF8 "UTF-8"  /* handled without iconv */

#endif
