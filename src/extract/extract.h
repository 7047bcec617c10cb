/*
 * extract.h - turning a parsed message into records (internal interface)
 *
 * bn_parse() (parse.c) runs a cascade over the parts of one message:
 *   ARF report -> RFC 3464 delivery-status -> format decoders (formats/)
 *   -> generic human-readable scanner; auto-replies (RFC 3834) aside.
 * Each stage appends "extraction records" (bn_xrec) to the context; the
 * finalizer classifies them and turns them into public bn_record values.
 *
 * Writing a format decoder (src/extract/formats/lhost-<name>.c):
 *   - define `const bn_decoder bn_decoder_<name>` with detect() answering
 *     "mine or not" cheaply (headers first: From, Subject, X-Mailer...),
 *     decode() appending records with bn_x_add(), and optionally enrich()
 *     that only completes records a standard part already produced (it is
 *     called without detect(): it checks what it needs, cheapest first);
 *   - list it in formats/table.c (order: specific before general);
 *   - set rec->r.format to the decoder name, and the evidence strings
 *     recipient_src/status_src/reason_src to short static phrases.
 * All text given to decoders is UTF-8 (bn_part_text). Spans may point into
 * the input or into the arena; never write through them.
 */
#ifndef BN_EXTRACT_H
#define BN_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "bounce.h"
#include "core/arena.h"
#include "core/str.h"
#include "message/message.h"

/* One record while extracting: the public record plus the raw evidence. */
typedef struct bn_xrec {
    bn_record r;            /* recipient, diagnostic, command, format... */
    bn_str status;          /* enhanced status as found ("5.1.1"), may be empty */
    int replycode;          /* SMTP reply code found, 0 when none */
    bn_reason reason;       /* forced by format knowledge, else UNDEFINED */
    const char *reason_rule;/* rule id for a forced reason (static) */
    bn_str date;            /* raw date text of the failure, may be empty */
    bool temporary;         /* the report says it is not final (delayed) */
    bool weak_recipient;    /* recipient is a guess (last resort): review, never act */
    bool queue_expired;     /* the report says the queue lifetime ran out (x.4.7) */
    bn_str cmd_none;        /* a text already searched for a command, in vain */
} bn_xrec;

/* What we know of the returned original message. */
typedef struct bn_orig {
    bool found;
    int part;               /* index of the original's entity part, -1 if inline */
    bn_headers hdrs;        /* its header fields */
    bn_str body;            /* its body (inline copies), may be empty */
    const char *src;        /* "message/rfc822", "text/rfc822-headers", "inline" */
} bn_orig;

/* Matchers of static phrase tables, kept by the parser (match.c). */
typedef struct bn_xcache bn_xcache;

/* The state of one extraction. */
typedef struct bn_xctx {
    bn_msg *msg;
    bn_arena *arena;
    const bn_parse_opts *opts;
    bn_xrec *v;             /* records, in order of appearance */
    size_t n, cap;
    bool over_limit;        /* more recipients than max_recipients */
    int oom;                /* BN_ENOMEM once an allocation failed */
    bn_str text;            /* the human-readable text of the bounce (UTF-8),
                               cut before an inline copy of the original */
    int text_part;          /* part index of text, -1 when none */
    bn_orig orig;
    bn_str addresser;       /* sender of the original, once known */
    bn_xcache *cache;       /* the parser's matchers (NULL: build each time) */
    /* The lines of text as bn_x_original walked them, for the stages that
       walk them again (bn_x_text_lines); at most BN_X_LINES_MAX are kept */
    const char *lines_of;   /* text.p when they were taken */
    bn_str *lines;
    size_t nlines, lines_cap;
    bool lines_all;         /* every line up to the walk's end is kept */
    /* bn_x_text_has's pass for the family tables: which of their phrases
       the text (fam_text, as it was then) holds */
    bn_str fam_text;
    unsigned long long fam_mask;
    bool fam_done, fam_fit;
    /* the bounce's own From, To, Subject and Date as bn_x_top gives them */
    bn_str top[4];
    unsigned top_done;      /* bit k: top[k] is known */
} bn_xctx;

#define BN_X_LINES_MAX 4000 /* the most lines a stage reads (the scanner) */

/* A format decoder: one file per bounce-format family in formats/. */
typedef struct bn_decoder {
    const char *name;                 /* "lhost-exim": goes into record.format */
    bool (*detect)(bn_xctx *x);       /* cheap: is this message in my format? */
    int (*decode)(bn_xctx *x);        /* append records; BN_OK or BN_ENOMEM */
    int (*enrich)(bn_xctx *x);        /* optional (NULL): complete existing records
                                         (runs without detect(): checks for itself) */
} bn_decoder;

/* The decoder table (formats/table.c), tried in order. */
extern const bn_decoder *const bn_decoders[];
extern const size_t bn_decoders_count;

/* ---- records (records.c) ---- */

/* bn_x_add - a new zeroed record (format set), or NULL when full / out of memory */
bn_xrec *bn_x_add(bn_xctx *x, const char *format);
/* bn_x_final_code - the record's own reply is a permanent failure (5.x.x or
   5xx): a delay the report also tells of does not make it temporary */
bool bn_x_final_code(const bn_xrec *r);
/* bn_x_find - the record whose recipient equals addr (case-insensitive), or NULL */
bn_xrec *bn_x_find(bn_xctx *x, bn_str addr);

/* ---- phrase matchers (match.c) ---- */

/* bn_xcache_new - an empty matcher cache (NULL when out of memory) */
bn_xcache *bn_xcache_new(void);
/* bn_xcache_free - release the cache */
void bn_xcache_free(bn_xcache *c);
/*
 * bn_x_multi - the bn_multi of needles[0..n), built on the first call and
 * kept by the parser: needles must be a static table (its address is the
 * key). Without a cache (or when it is full) the matcher is built in
 * *scratch. A table bn_multi_init refuses gives a matcher that finds nothing.
 */
const bn_multi *bn_x_multi(const bn_xctx *x, const char *const *needles, size_t n,
                           bn_multi *scratch);
/* bn_x_multi_cached - the matcher the parser keeps under key (n needles, the
   first one first), or NULL: lets a caller skip gathering its needles */
const bn_multi *bn_x_multi_cached(const bn_xctx *x, const void *key, const char *first, size_t n);
/* bn_x_multi_keyed - bn_x_multi for needles gathered from a static table key
   (the needles array itself may be a temporary) */
const bn_multi *bn_x_multi_keyed(const bn_xctx *x, const void *key, const char *const *needles,
                                 size_t n, bn_multi *scratch);

/* ---- text helpers (text.c) ---- */

/* bn_x_line - next line of s from *pos (without EOL); false at the end.
   Inline: every stage walks lines, tens of thousands per thousand messages */
static inline bool bn_x_line(bn_str s, size_t *pos, bn_str *line)
{
    size_t i = *pos;
    if (i >= s.n)
        return false;
    /* a vectorised search for the CR or LF: a byte loop was a tenth of the parse */
    const char *eol = bn_mem_eol(s.p + i, s.n - i);
    size_t len = eol ? (size_t)(eol - (s.p + i)) : s.n - i;
    *line = (bn_str){s.p + i, len};
    i += len;
    /* CRLF, LF or a bare CR each end one line */
    if (i < s.n && s.p[i] == '\r') {
        i++;
        if (i < s.n && s.p[i] == '\n')
            i++;
    } else if (i < s.n) {
        i++;
    }
    *pos = i;
    return true;
}
/* bn_x_lines_grow - bn_x_lines_keep's slow path (text.c) */
void bn_x_lines_grow(bn_xctx *x, bn_str line);
/* bn_x_lines_keep - keep line (the next line of x->text) in the line index;
   lines past BN_X_LINES_MAX (or when memory runs out) leave it partial */
static inline void bn_x_lines_keep(bn_xctx *x, bn_str line)
{
    if (x->nlines < x->lines_cap)
        x->lines[x->nlines++] = line;
    else
        bn_x_lines_grow(x, line);
}
/*
 * bn_x_text_lines - *lines = the first lines of x->text (as bn_x_line gives
 * them) from the index; returns how many, at most max: every line of the
 * text when fewer. SIZE_MAX when the index cannot tell (none was taken, or
 * it stops short of both max and the text's end): walk the text instead.
 */
size_t bn_x_text_lines(const bn_xctx *x, size_t max, const bn_str **lines);
/* bn_x_is_blank - the span holds only whitespace (inline: asked of every
   line by most walks, and most lines answer at their first byte) */
static inline bool bn_x_is_blank(bn_str s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!bn_is_space((unsigned char)s.p[i]))
            return false;
    return true;
}
/* bn_x_lower_word - the leading run of in_word bytes of v (trimmed), lowercased
   in the arena ("Abuse" -> "abuse", "failed (x)" -> "failed") */
bn_str bn_x_lower_word(bn_arena *a, bn_str v, bool (*in_word)(unsigned char));
/* bn_x_is_token_char - letter, digit, '-' or '_' (a field's keyword value) */
bool bn_x_is_token_char(unsigned char c);
/* bn_x_is_alpha_char - an ASCII letter */
bool bn_x_is_alpha_char(unsigned char c);
/* bn_x_unfold - join folded lines (EOL + WSP) into one space, collapse runs of
   whitespace, trim; a copy in the arena (or s itself when nothing changes) */
bn_str bn_x_unfold(bn_arena *a, bn_str s);
/* bn_x_find_status - first enhanced status code ("5.1.1") in s; empty if none */
bn_str bn_x_find_status(bn_str s);
/* bn_x_find_replycode - first SMTP reply code (2xx-5xx, followed by ' ', '-'
   or end) in s that starts a word; 0 if none */
int bn_x_find_replycode(bn_str s);
/* bn_x_find_command - SMTP command a text says it answered ("RCPT"...) or empty */
bn_str bn_x_find_command(bn_str s);
/* bn_x_command - bn_x_find_command with the parser's cached matcher */
bn_str bn_x_command(const bn_xctx *x, bn_str s);

/* ---- addresses (addr.c) ---- */

/* bn_x_addr_field - the address of a DSN/ARF address field ("rfc822; <a@b>");
   empty when the value holds no '@' address */
bn_str bn_x_addr_field(bn_str value);
/* bn_x_addr_field_utf8 - the same, "\x{HEX}" escapes of a utf-8 type decoded (arena) */
bn_str bn_x_addr_field_utf8(bn_arena *a, bn_str value);
/* bn_x_addr_scan - first address (local@domain.tld) in free text from *pos;
   advances *pos past it; empty when none */
bn_str bn_x_addr_scan(bn_str s, size_t *pos);
/* bn_x_addr_valid - looks like a mailbox: local@domain, no spaces */
bool bn_x_addr_valid(bn_str a);
/* bn_x_addr_norm - with the domain lowercased: s itself when it has no
   capital, else a copy (arena); s on failure */
bn_str bn_x_addr_norm(bn_arena *a, bn_str s);

/* ---- field blocks (fields.c): DSN, ARF and inline header blocks ---- */

/*
 * bn_x_fields - parse "Name: value" lines (with folded continuations) from
 * s. Stops at the end of s, or at the first line that is neither a field,
 * a continuation nor blank when stop_at_text is set. Blank lines are kept
 * as fields with an empty name (block separators). Returns BN_OK/BN_ENOMEM;
 * *used is how many bytes were read.
 */
int bn_x_fields(bn_arena *a, bn_str s, bool stop_at_text, size_t max,
                bn_headers *out, size_t *used);
/* bn_x_header_block - a message header block at the start of s (stops at the
   first blank line); *body gets what follows */
int bn_x_header_block(bn_arena *a, bn_str s, size_t max, bn_headers *out, bn_str *body);
/* bn_x_field_name_len - length of the field name a "Name: value" line starts
   with, or 0 when the line is no field line */
size_t bn_x_field_name_len(bn_str line);
/* bn_x_field_value_n - the value of the first field named name[0..n) in h,
   unfolded (no RFC 2047 decoding); empty when absent */
bn_str bn_x_field_value_n(bn_arena *a, const bn_headers *h, const char *name, size_t n);
/* bn_x_field_value - bn_x_field_value_n of a C string (inline: a literal's
   length folds to a constant, no strlen call per lookup) */
static inline bn_str bn_x_field_value(bn_arena *a, const bn_headers *h, const char *name)
{
    return bn_x_field_value_n(a, h, name, strlen(name));
}

/* ---- RFC 3464 delivery-status fields (dsn.c) ---- */

/* One per-recipient block; values unfolded, address fields as written. */
typedef struct bn_dsn_rcpt {
    bn_str final_rcpt, orig_rcpt, x_actual_rcpt;
    bn_str action, status, remote_mta, diag_type, diag;
    bn_str last_attempt, will_retry, final_log_id;
} bn_dsn_rcpt;

/* A parsed delivery-status body. */
typedef struct bn_dsn {
    bn_str reporting_mta, received_from_mta, arrival_date, envid;
    bn_str x_sender;        /* X-Postfix-Sender and similar */
    bn_str x_orig_msgid;    /* X-Original-Message-ID */
    bn_dsn_rcpt *r;
    size_t n;
    size_t fields;          /* DSN fields recognised (0: not a DSN) */
    size_t used;            /* bytes of the text read (inline blocks) */
} bn_dsn;

/*
 * bn_dsn_parse - parse a delivery-status body. inline_mode: the block sits
 * in human-readable text, so stop at the first paragraph that does not
 * start with a DSN field. At most max_rcpts recipient blocks.
 */
int bn_dsn_parse(bn_dsn *out, bn_arena *a, bn_str text, bool inline_mode, size_t max_rcpts);
/* bn_dsn_find_inline - offset of an inline DSN block in text, or text.n */
size_t bn_dsn_find_inline(bn_str text);
/* bn_dsn_find_inline_lines - bn_dsn_find_inline over the lines[0..n) of text */
size_t bn_dsn_find_inline_lines(bn_str text, const bn_str *lines, size_t n);
/* bn_dsn_mta_name - "dns; mx.example" -> "mx.example" */
bn_str bn_dsn_mta_name(bn_str v);

/* ---- the stages ---- */

/* bn_x_dsn - RFC 3464 / 6533 delivery-status parts (and inline DSN blocks) */
int bn_x_dsn(bn_xctx *x);
/* bn_x_arf - RFC 5965 feedback reports and similar complaint formats */
int bn_x_arf(bn_xctx *x, bool *is_arf);
/* bn_x_autoreply - RFC 3834 auto-replies: one vacation record */
bool bn_x_autoreply_detect(bn_xctx *x);
int bn_x_autoreply(bn_xctx *x);
/* bn_x_original - find the returned original (message/rfc822, headers, inline) */
int bn_x_original(bn_xctx *x);
/* bn_x_scan - the generic human-readable failure scanner */
int bn_x_scan(bn_xctx *x);
/*
 * bn_x_scan_as - the generic scanner's address/reply pairing, records
 * labelled with format: for a decoder whose family writes the usual
 * "address, then the server's reply" text (detect the family, then call
 * this; add format-specific fields after). x->text is the bounce's text.
 */
int bn_x_scan_as(bn_xctx *x, const char *format);
/* bn_x_scan_enrich - fill missing diagnostics of records from the text */
int bn_x_scan_enrich(bn_xctx *x);
/* bn_x_verp - decode a VERP envelope address into the recipient, or empty */
bn_str bn_x_verp(bn_arena *a, const char *envelope_to);
/* bn_x_looks_like_bounce - the bounce's From/Subject say it is a delivery report */
bool bn_x_looks_like_bounce(bn_xctx *x);
/* How a message presents itself as a delivery report (bn_x_bounce_claim). */
typedef enum { BN_CLAIM_NONE, BN_CLAIM_SUBJECT, BN_CLAIM_HEADERS } bn_claim;
/* bn_x_bounce_claim - by headers or structure, by its Subject alone, or not */
bn_claim bn_x_bounce_claim(bn_xctx *x);
/* bn_x_text_says - x->text holds one of the phrases, not on a quoted
   "Subject:" line (the original's summary) */
bool bn_x_text_says(const bn_xctx *x, const char *const *phrases, size_t n);
/* bn_x_system_sender - the bounce's From is a mail system (MAILER-DAEMON...) */
bool bn_x_system_sender(bn_xctx *x);
/* bn_x_human_reply - a person's reply ("Re:") with no report in it: no bounce */
bool bn_x_human_reply(bn_xctx *x);
/* bn_x_is_report - the message carries a delivery report for sure (report part,
   multipart/report delivery-status, X-Failed-Recipients) */
bool bn_x_is_report(bn_xctx *x);
/* A static table of phrases and its size. */
typedef struct bn_phrases {
    const char *const *v;
    size_t n;
} bn_phrases;
#define BN_PHRASES(t) {t, sizeof t / sizeof t[0]}
/* bn_x_text_has - the bounce's text (x->text) contains one of the phrases
   (ASCII case-insensitive): a family's own sentences; phrases must be a
   static table (the parser caches its matcher, see bn_x_multi). The tables
   listed in bn_family_texts (formats/table.c) are answered from one pass
   over the text for all of them */
bool bn_x_text_has(bn_xctx *x, const char *const *phrases, size_t n);
/* The fields of the bounce's own header that several stages read. */
typedef enum bn_xtop { BN_XTOP_FROM, BN_XTOP_TO, BN_XTOP_SUBJECT, BN_XTOP_DATE } bn_xtop;
/* bn_x_top - bn_hdr_get of that field of the bounce's header (parts[0],
   which must exist), decoded on the first call and kept for the message */
bn_str bn_x_top(bn_xctx *x, bn_xtop which);
/* bn_x_hdr_has_n - a field of the bounce's header named name[0..n) (any
   occurrence) contains needle[0..nn) (case-insensitive) */
bool bn_x_hdr_has_n(const bn_xctx *x, const char *name, size_t n, const char *needle, size_t nn);
/* bn_x_hdr_has - bn_x_hdr_has_n of C strings (inline: literal lengths fold) */
static inline bool bn_x_hdr_has(const bn_xctx *x, const char *name, const char *needle)
{
    return bn_x_hdr_has_n(x, name, strlen(name), needle, strlen(needle));
}
/* bn_x_decode_family - bn_x_scan_as(x, format) for a family recognised by its
   text, only when the message presents itself as a bounce */
int bn_x_decode_family(bn_xctx *x, const char *format);
/* bn_x_paragraphs - *out (arena, x->n - first spans): for each record from
   first on, the text from the first line naming its recipient to the end of
   the paragraph that follows (empty when none); one pass over the text */
int bn_x_paragraphs(const bn_xctx *x, size_t first, bn_str **out);

/* ---- JSON bodies (jsonread.c): SES/SNS notifications ---- */

/* bn_xj_leading_object - the object t starts with, whatever follows it */
bn_str bn_xj_leading_object(bn_str t);
/* bn_xj_member - the value of key in the object span obj (top level only) */
bool bn_xj_member(bn_str obj, const char *key, bn_str *val);
/* bn_xj_next - the next element of the array span arr from *pos (0 to start) */
bool bn_xj_next(bn_str arr, size_t *pos, bn_str *elem);
/* bn_xj_string - a JSON string value decoded to UTF-8 (arena); other values
   as written; empty for null */
bn_str bn_xj_string(bn_arena *a, bn_str v);

/* ---- dates (date.c) ---- */

/* bn_x_date - parse an RFC 5322 date (common variants, ISO 8601) to UTC; 0 if not */
time_t bn_x_date(bn_str s);

#endif
