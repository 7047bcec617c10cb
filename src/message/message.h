/*
 * message.h - RFC 5322 / MIME message layer (internal interface)
 *
 * bn_msg_parse() walks one message into a flat table of parts. Headers and
 * raw bodies are spans into the input (zero-copy); unfolded header values,
 * transfer-decoded bodies and charset-converted text are made on demand in
 * the arena. Nothing here fails on bad input: it records BN_ANOM_* flags
 * in msg->anomalies and goes on. Only allocation failure returns an error.
 *
 * Tolerated deviations are listed in docs/VIOLATIONS.md.
 */
#ifndef BN_MESSAGE_H
#define BN_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "bounce.h"
#include "core/arena.h"

/* One header field: name and raw value (folded, as in the input). */
typedef struct bn_header {
    bn_str name;  /* without the colon, as written */
    bn_str value; /* raw value after the colon: may hold CR/LF folds */
} bn_header;

/* A header block: the fields in order. */
typedef struct bn_headers {
    bn_header *v;
    size_t n;
} bn_headers;

typedef enum bn_cte {
    BN_CTE_NONE = 0, /* 7bit, 8bit, binary or absent */
    BN_CTE_BASE64,
    BN_CTE_QP,
    BN_CTE_OTHER     /* uuencode, x-... : left as is */
} bn_cte;

/* One MIME entity. Parts are stored in document order (pre-order walk). */
typedef struct bn_part {
    bn_headers hdrs;
    bn_str type;       /* lowercased "text/plain"; "text/plain" when absent */
    bn_str charset;    /* parameter as written, may be empty: bn_part_charset() reads it */
    bn_str ctype;      /* the Content-Type value as written (valid types only) */
    bn_str boundary;   /* for multipart types, may be empty */
    bn_str report_type;/* multipart/report's report-type, lowercased */
    bn_cte cte;
    bn_str body_raw;   /* the body as in the input, before transfer decoding */
    int parent;        /* index of the enclosing part, -1 for the top */
    unsigned depth;    /* 0 for the top-level entity */
    bool is_attachment;/* Content-Disposition: attachment */
    /* Filled lazily by bn_part_body()/bn_part_text(): */
    bool decoded_done, text_done, charset_done;
    bn_str decoded;    /* transfer-decoded bytes */
    bn_str text;       /* decoded and converted to UTF-8 */
} bn_part;

/*
 * A message/rfc822 (or message/global, text/rfc822-headers) part's body is
 * itself parsed: its entity becomes the next part, with parent set to the
 * message/rfc822 part, so a returned original is found by walking children.
 */
typedef struct bn_msg {
    bn_arena *arena;
    const bn_parse_opts *opts;
    const char *buf;   /* the whole input */
    size_t len;
    bn_part *parts;    /* parts[0] is the top-level entity */
    size_t nparts;
    size_t parts_cap;  /* allocated entries of parts (internal) */
    size_t decoded_total; /* bytes decoded so far (max_decoded) */
    unsigned anomalies;   /* BN_ANOM_* */
    void *iconv_cache;    /* charset.c's descriptors, owned by the parser */
} bn_msg;

/*
 * bn_msg_parse - split buf into headers and MIME parts. msg->arena,
 * msg->opts and msg->iconv_cache must be set by the caller. Returns BN_OK,
 * BN_EFORMAT when buf has no header block at all (empty, binary), or
 * BN_ENOMEM.
 */
int bn_msg_parse(bn_msg *msg, const char *buf, size_t len);

/*
 * bn_msg_parse_entity - parse p[0..n) (an embedded message found in text,
 * for example) as one more entity: headers, body and, for multiparts, its
 * children, appended to msg->parts with parent as the parent (-1 for none).
 * Returns the new part's index (>= 0), BN_ETOOBIG past max_mime_parts or
 * max_mime_depth, or BN_ENOMEM. Appending may move msg->parts: keep
 * indices, not bn_part pointers, across this call.
 */
int bn_msg_parse_entity(bn_msg *msg, const char *p, size_t n, int parent);

/*
 * bn_headers_parse - parse the header block at the start of p[0..n) (a
 * message's, a MIME part's, or a "Name: value" block such as a DSN field
 * group) into *out (fields in the arena, spans into p). *consumed is where
 * the body starts: after the empty line, at the end of p when there is no
 * empty line, or at the first non-header line not followed by a header
 * line. Lines end at LF, CRLF or CR. Returns BN_OK or BN_ENOMEM; bad lines
 * set BN_ANOM_BAD_HEADER, NUL/8-bit bytes BN_ANOM_NUL/BN_ANOM_8BIT_HEADER,
 * limits BN_ANOM_HEADER_LIMIT. Values have leading blanks skipped.
 */
int bn_headers_parse(bn_msg *msg, const char *p, size_t n, bn_headers *out,
                     size_t *consumed);

/* bn_hdr_find_n - raw value of the first header named name[0..n) (case-insensitive) */
bool bn_hdr_find_n(const bn_headers *h, const char *name, size_t n, bn_str *value);
/* bn_hdr_get_n - bn_hdr_get with the name's length given */
bn_str bn_hdr_get_n(bn_msg *msg, const bn_headers *h, const char *name, size_t n);

/* bn_hdr_find - raw value of the first header named name (case-insensitive);
   inline so that the length of a literal name folds to a constant */
static inline bool bn_hdr_find(const bn_headers *h, const char *name, bn_str *value)
{
    return bn_hdr_find_n(h, name, strlen(name), value);
}
/*
 * bn_hdr_get - the first header named name, unfolded, RFC 2047-decoded to
 * UTF-8 and trimmed; empty span when absent. Allocates in the arena.
 */
static inline bn_str bn_hdr_get(bn_msg *msg, const bn_headers *h, const char *name)
{
    return bn_hdr_get_n(msg, h, name, strlen(name));
}
/* bn_hdr_unfold - the value with folds (CR/LF + WSP) joined to one space, trimmed */
bn_str bn_hdr_unfold(bn_msg *msg, bn_str raw);

/* bn_param_get - a Content-Type style parameter (RFC 2045/2231), or empty */
bn_str bn_param_get(bn_msg *msg, bn_str header_value, const char *param);
/* bn_params_get - out[k] = bn_param_get(msg, header_value, params[k]) for
   k < n (n <= BN_PARAMS_MAX), reading the value once */
#define BN_PARAMS_MAX 4
void bn_params_get(bn_msg *msg, bn_str header_value, const char *const *params, bn_str *out,
                   size_t n);

/* bn_part_body - transfer-decoded body (base64/QP); the raw body otherwise */
bn_str bn_part_body(bn_msg *msg, bn_part *part);
/* bn_part_charset - the part's charset parameter as written, or empty */
bn_str bn_part_charset(bn_msg *msg, bn_part *part);
/* bn_part_text - decoded body converted to UTF-8 from the part's charset */
bn_str bn_part_text(bn_msg *msg, bn_part *part);

/* bn_part_is - part's type equals a lowercase "type/subtype"; inline so that
   the length of a literal type folds to a constant (tens of thousands of
   calls per thousand messages, each paying a strlen and a call) */
static inline bool bn_part_is(const bn_part *part, const char *type)
{
    size_t n = strlen(type);
    return part->type.n == n && memcmp(part->type.p, type, n) == 0;
}

/* ---- decoding primitives (decode.c, rfc2047.c, charset.c) ---- */

/* bn_decode_base64 - decode, skipping junk; sets *bad on invalid input */
bn_str bn_decode_base64(bn_arena *a, const char *p, size_t n, bool *bad);
/* bn_decode_qp - quoted-printable decode; sets *bad on invalid escapes */
bn_str bn_decode_qp(bn_arena *a, const char *p, size_t n, bool *bad);
/* bn_decode_rfc2047 - decode encoded words in a header value to UTF-8 */
bn_str bn_decode_rfc2047(bn_msg *msg, bn_str value);
/*
 * bn_to_utf8 - convert from charset (any label real mail uses) to UTF-8;
 * invalid sequences become U+FFFD; nothing is dropped. *bad (bad may be
 * NULL) tells whether the charset was unknown or bytes were invalid; both
 * also set BN_ANOM_BAD_CHARSET. Empty charset: UTF-8 if valid, else
 * windows-1252. Returns bytes itself when nothing needs converting (ASCII
 * in an ASCII-compatible charset, valid UTF-8); output counts against
 * max_decoded (BN_ANOM_DECODE_LIMIT when cut).
 */
bn_str bn_to_utf8(bn_msg *msg, bn_str charset, bn_str bytes, bool *bad);
/* bn_utf8_valid - the bytes are valid UTF-8 */
bool bn_utf8_valid(const char *p, size_t n);
/* bn_iconv_cache_free - release the descriptors cached in *cache */
void bn_iconv_cache_free(void **cache);

#endif
