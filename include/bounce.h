/*
 * bounce.h - public interface of libbounce
 *
 * libbounce reads bounce messages (RFC 3464 DSNs, ARF complaints, RFC 3834
 * auto-replies and the non-standard formats of real mail servers), SMTP
 * replies and MTA log lines, and turns each failed recipient into a record
 * with a decision: what happened, whether it is permanent, whose problem it
 * is and what to do.
 *
 * Conventions (see docs/ARCHITECTURE.md):
 * - Fallible functions return int: BN_OK (0) or a negative bn_err. Output
 *   parameters come first. bn_strerror() names an error.
 * - Input is (pointer, length); nothing needs a terminating NUL.
 * - Bad input is not an error: it yields records with anomaly flags, or no
 *   record. Errors are for the caller's mistakes and the environment.
 * - Strings in results are bn_str spans, valid until the owning object is
 *   reused or freed. They are not NUL-terminated. Text in results is UTF-8
 *   as far as the input allowed; writers must still validate it.
 */
#ifndef BOUNCE_H
#define BOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BN_VERSION "0.1.0"

#if defined(__GNUC__)
#define BN_API __attribute__((visibility("default")))
#else
#define BN_API
#endif

/* Error codes. Stable: never renumbered, only appended. */
typedef enum bn_err {
    BN_OK = 0,
    BN_ENOMEM = -1,    /* allocation failed */
    BN_EINVAL = -2,    /* invalid argument from the caller */
    BN_ETOOBIG = -3,   /* input past a hard limit */
    BN_EIO = -4,       /* read or write failed */
    BN_ESTORE = -5,    /* the store failed (see the store's message) */
    BN_EBUSY = -6,     /* the store stayed locked past the wait limit */
    BN_ENOTFOUND = -7, /* no such entry */
    BN_EFORMAT = -8,   /* input is not a mail message at all */
    BN_EFULL = -9,     /* disk or database full */
    BN_EUNAVAIL = -10  /* store unreachable (server down) */
} bn_err;

BN_API const char *bn_strerror(int err);
BN_API const char *bn_version(void);

/* A span of bytes: not NUL-terminated, may be empty (p may be NULL then). */
typedef struct bn_str {
    const char *p;
    size_t n;
} bn_str;

/*
 * Reasons: Sisimai's vocabulary (newest names). The enum values are part of
 * the ABI; the names are what JSON and the store carry.
 */
#define BN_REASON_LIST(X)                                                      \
    X(UNDEFINED, "undefined")                                                  \
    X(AUTHFAILURE, "authfailure")                                              \
    X(BADREPUTATION, "badreputation")                                          \
    X(BLOCKED, "blocked")                                                      \
    X(CONTENTERROR, "contenterror")                                            \
    X(DELIVERED, "delivered")                                                  \
    X(EMAILTOOLARGE, "emailtoolarge")                                          \
    X(EXPIRED, "expired")                                                      \
    X(FAILEDSTARTTLS, "failedstarttls")                                        \
    X(FEEDBACK, "feedback")                                                    \
    X(FILTERED, "filtered")                                                    \
    X(HASMOVED, "hasmoved")                                                    \
    X(HOSTUNKNOWN, "hostunknown")                                              \
    X(MAILBOXFULL, "mailboxfull")                                              \
    X(MAILERERROR, "mailererror")                                              \
    X(NETWORKERROR, "networkerror")                                            \
    X(NORELAYING, "norelaying")                                                \
    X(NOTACCEPT, "notaccept")                                                  \
    X(NOTCOMPLIANTRFC, "notcompliantrfc")                                      \
    X(ONHOLD, "onhold")                                                        \
    X(POLICYVIOLATION, "policyviolation")                                      \
    X(RATELIMITED, "ratelimited")                                              \
    X(REJECTED, "rejected")                                                    \
    X(REQUIREPTR, "requireptr")                                                \
    X(SECURITYERROR, "securityerror")                                          \
    X(SPAMDETECTED, "spamdetected")                                            \
    X(SUPPRESSED, "suppressed")                                                \
    X(SUSPEND, "suspend")                                                      \
    X(SYNTAXERROR, "syntaxerror")                                              \
    X(SYSTEMERROR, "systemerror")                                              \
    X(SYSTEMFULL, "systemfull")                                                \
    X(USERUNKNOWN, "userunknown")                                              \
    X(VACATION, "vacation")                                                    \
    X(VIRUSDETECTED, "virusdetected")

typedef enum bn_reason {
#define BN_REASON_ENUM_(id, name) BN_REASON_##id,
    BN_REASON_LIST(BN_REASON_ENUM_)
#undef BN_REASON_ENUM_
        BN_REASON_COUNT
} bn_reason;

/* bn_reason_name - the reason's name ("userunknown"); "undefined" if out of range */
BN_API const char *bn_reason_name(bn_reason r);
/* bn_reason_from_name - parse a name (case-insensitive); BN_EINVAL if unknown */
BN_API int bn_reason_from_name(bn_reason *out, const char *name, size_t len);

typedef enum bn_permanence {
    BN_PERM_UNKNOWN = 0,
    BN_PERM_PERMANENT,
    BN_PERM_TRANSIENT
} bn_permanence;

/* Whose problem it is. */
typedef enum bn_fault {
    BN_FAULT_UNKNOWN = 0,
    BN_FAULT_RECIPIENT,     /* the address or mailbox */
    BN_FAULT_SENDER,        /* sender's IP, domain, authentication, reputation */
    BN_FAULT_MESSAGE,       /* the message itself: size, content, format */
    BN_FAULT_NETWORK,       /* DNS, connections, routing */
    BN_FAULT_REMOTE_SYSTEM, /* the receiving system is broken or full */
    BN_FAULT_NONE           /* nothing failed (delivery, auto-reply) */
} bn_fault;

/* What to do about it. */
typedef enum bn_action {
    BN_ACTION_REVIEW = 0, /* not enough evidence: a person should look */
    BN_ACTION_SUPPRESS,   /* stop sending to this address */
    BN_ACTION_RETRY,      /* temporary: retrying can help */
    BN_ACTION_FIX_SENDER, /* the address is fine; fix the sending side */
    BN_ACTION_FIX_MESSAGE,/* the address is fine; change the message */
    BN_ACTION_NONE        /* nothing to do */
} bn_action;

BN_API const char *bn_permanence_name(bn_permanence p); /* "permanent" ... */
BN_API const char *bn_fault_name(bn_fault f);           /* "recipient" ... */
BN_API const char *bn_action_name(bn_action a);         /* "suppress" ... */

/* ------------------------------------------------------------------ */
/* The classifier                                                      */
/* ------------------------------------------------------------------ */

/* What the classifier looks at. Every field is optional (0 / NULL). */
typedef struct bn_reply {
    int replycode;       /* SMTP reply code, 0 when unknown */
    const char *status;  /* enhanced status code text ("5.1.1"), may be NULL */
    size_t status_len;
    const char *text;    /* the server's text; may hold "550-" continuations */
    size_t text_len;
    const char *command; /* SMTP command it answered: "RCPT", "DATA", ... */
    size_t command_len;
    const char *host;    /* the remote MTA that replied (DSN Remote-MTA), may be
                            NULL: names the provider when the text does not */
    size_t host_len;
} bn_reply;

#define BN_STATUS_MAX 16
#define BN_IP_MAX 46

/* The decision. Static strings (rule, provider, blocklist) live forever. */
typedef struct bn_verdict {
    bn_reason reason;
    bn_permanence permanence;
    bn_fault fault;
    bn_action action;
    bool hardbounce;           /* true only when the address itself is bad */
    int replycode;             /* given, or found in the text; 0 when none */
    char status[BN_STATUS_MAX];/* enhanced code given/found, or derived from the
                                  reply code (550 -> 5.0.0); "" when neither */
    bool status_derived;       /* status came from the reply code only */
    long retry_after;          /* seconds, when the text says; -1 otherwise */
    const char *rule;          /* id of the rule that decided, never NULL */
    const char *provider;      /* provider whose row matched, or NULL */
    const char *blocklist;     /* blocklist named in the text, or NULL */
    char ip[BN_IP_MAX];        /* an IPv4/IPv6 address named in the text, or "" */
} bn_verdict;

/* bn_classify - decide reason, permanence, fault and action for one reply */
BN_API void bn_classify(bn_verdict *out, const bn_reply *in);

/*
 * bn_verdict_explain - one or two plain sentences: what happened, whose side
 * it is on, what to do. Writes at most size bytes including the NUL; returns
 * the length it needed (like snprintf).
 */
BN_API size_t bn_verdict_explain(const bn_verdict *v, char *buf, size_t size);

/* Knowledge lookups: static strings, or NULL when the code is unknown. */
BN_API const char *bn_replycode_meaning(int code);
/* What a sender should know and do when a reply code is all there is ("550"). */
BN_API const char *bn_replycode_advice(int code);
BN_API const char *bn_status_meaning(const char *status, size_t len);
/* Meaning of a provider marker or provider-specific code ("TSS04", "S3150"). */
BN_API const char *bn_provider_meaning(const char *marker, size_t len,
                                       const char **provider);

/* ------------------------------------------------------------------ */
/* Bounce messages                                                     */
/* ------------------------------------------------------------------ */

/* Anomalies: bad input recorded as flags, never as errors. */
enum {
    BN_ANOM_TRUNCATED = 1u << 0,         /* message past max_message_size */
    BN_ANOM_HEADER_LIMIT = 1u << 1,      /* too many headers / header too long */
    BN_ANOM_MIME_DEPTH = 1u << 2,        /* nesting past max_mime_depth */
    BN_ANOM_MIME_PARTS = 1u << 3,        /* more parts than max_mime_parts */
    BN_ANOM_NO_CLOSE_BOUNDARY = 1u << 4, /* multipart without closing boundary */
    BN_ANOM_BAD_BASE64 = 1u << 5,
    BN_ANOM_BAD_QP = 1u << 6,
    BN_ANOM_8BIT_HEADER = 1u << 7,       /* raw 8-bit bytes in headers */
    BN_ANOM_BAD_CHARSET = 1u << 8,       /* unknown charset or invalid bytes */
    BN_ANOM_NUL = 1u << 9,               /* NUL bytes in the message */
    BN_ANOM_RECIPIENT_LIMIT = 1u << 10,  /* more recipients than max_recipients */
    BN_ANOM_BAD_HEADER = 1u << 11,       /* malformed header line */
    BN_ANOM_DECODE_LIMIT = 1u << 12      /* decoded output past max_decoded */
};
/* bn_anomaly_name - short name of one flag ("truncated"), NULL if unknown */
BN_API const char *bn_anomaly_name(unsigned flag);

/* Limits. Defaults (BN_PARSE_OPTS_INIT) are documented in the README. */
typedef struct bn_parse_opts {
    int version;               /* BN_PARSE_OPTS_VERSION */
    size_t max_message_size;   /* bytes read of one message: 64 MiB */
    size_t max_headers;        /* headers per header block: 2000 */
    size_t max_header_size;    /* one header, unfolded: 64 KiB */
    unsigned max_mime_depth;   /* multipart nesting: 32 */
    unsigned max_mime_parts;   /* parts per message: 1000 */
    unsigned max_recipients;   /* records per message: 10000 */
    size_t max_decoded;        /* decoded bytes per message: 32 MiB */
    const char *envelope_to;   /* envelope recipient of the bounce (VERP), or NULL */
} bn_parse_opts;

#define BN_PARSE_OPTS_VERSION 1
#define BN_PARSE_OPTS_INIT                                                     \
    {BN_PARSE_OPTS_VERSION, 64u << 20, 2000, 64u << 10, 32, 1000, 10000,     \
     32u << 20, NULL}

/* One failed (or delivered, or auto-replied, or complained-about) recipient. */
typedef struct bn_record {
    bn_str recipient;          /* the failed address, lowercased domain */
    bn_str original_recipient; /* ORCPT / before alias expansion, may be empty */
    bn_str addresser;          /* the original message's sender */
    time_t timestamp;          /* when it failed (UTC); 0 when unknown */
    bn_str diagnostic;         /* the server's text, unfolded, UTF-8 */
    bn_str diagnostic_type;    /* "smtp", "x-unix", ... */
    bn_str command;            /* SMTP command: "RCPT", "DATA", ... */
    bn_str remote_mta;
    bn_str reporting_mta;
    bn_str dsn_action;         /* failed, delayed, delivered, relayed, expanded */
    bn_str feedback_type;      /* ARF: abuse, fraud, opt-out, ... */
    bn_str source_ip;          /* ARF Source-IP */
    bn_str message_id;         /* Message-ID of the original message */
    bn_str subject;            /* Subject of the original message, decoded */
    bn_str list_id;            /* List-Id of the original message */
    const char *format;        /* decoder that read it: "rfc3464", "lhost-exim" */
    const char *recipient_src; /* evidence: where the recipient came from */
    const char *status_src;    /* evidence: where the status came from */
    const char *reason_src;    /* evidence: what set the reason */
    unsigned anomalies;        /* BN_ANOM_* of the message */
    bn_verdict verdict;
    bool recipient_guessed;    /* the report names no recipient: this one is a
                                  guess (recipient_src says from what); the
                                  verdict's action is review, and the store
                                  keeps the event without acting on the address */
} bn_record;

typedef struct bn_parser bn_parser;

/* bn_parser_new - a parser with its own arena; opts NULL for the defaults */
BN_API int bn_parser_new(bn_parser **out, const bn_parse_opts *opts);
BN_API void bn_parser_free(bn_parser *p);

/*
 * bn_parse - read one message and produce its records, in the order the
 * recipients appear. *recs stays valid until the next bn_parse on p or
 * bn_parser_free. A non-bounce yields BN_OK with *count 0. BN_EFORMAT when
 * the input is not a mail message at all (no header). BN_ENOMEM on
 * allocation failure.
 */
BN_API int bn_parse(bn_parser *p, const char *buf, size_t len,
                    const bn_record **recs, size_t *count);

/* bn_parser_anomalies - BN_ANOM_* flags of the last message parsed */
BN_API unsigned bn_parser_anomalies(const bn_parser *p);
/* bn_parser_message_id - the Message-ID field of the last message parsed (its
 * own header: blanks and folds as one space, none at either end), copied into
 * buf and cut to size - 1 bytes; its length, 0 when it has none */
BN_API size_t bn_parser_message_id(const bn_parser *p, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

/*
 * bn_record_json - one JSON object (no newline) for a record, keys in a fixed
 * order, always valid UTF-8 JSON (invalid bytes become U+FFFD). source is
 * the name of the input ("path" or "path:N"). Writes at most size bytes
 * including NUL; returns the length needed.
 */
BN_API size_t bn_record_json(const bn_record *r, const char *source, char *buf,
                             size_t size);

/*
 * bn_record_sisimai_json - the record with Sisimai's keys and value types
 * (hardbounce 0/1, timestamp in epoch seconds, replycode as a string, token
 * = Sisimai's SHA-1 of addresser, recipient and time), so consumers of
 * Sisimai's JSON keep working. Same buffer contract as bn_record_json.
 */
BN_API size_t bn_record_sisimai_json(const bn_record *r, const char *source,
                                     char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Input: files, directories, Maildir, mbox, stdin                     */
/* ------------------------------------------------------------------ */

/*
 * A bn_source yields the messages found under a list of paths, one at a
 * time, with bounded memory: a file is one message; a file that starts
 * with a From_ line is an mbox (mboxrd: ">From" lines lose one '>'), split
 * as it streams; a directory is walked recursively in sorted order (hidden
 * entries skipped; in a Maildir only cur/, new/ and ".Folder"s); "-" is
 * stdin. At most max_message_size bytes of one message are kept (the item
 * says truncated). A path that cannot be read is an item with err set, and
 * the iteration goes on with the next path.
 *
 *     bn_source *src; bn_source_msg m;
 *     bn_source_new(&src, 0); bn_source_add(src, "Maildir");
 *     while (bn_source_next(src, &m))
 *         if (m.err) report(m.name, m.why); else bn_parse(p, m.buf, m.len, ...);
 *     bn_source_free(src);
 */
typedef struct bn_source bn_source;

typedef struct bn_source_msg {
    const char *name; /* "path"; "path:N" for the N-th (from 1) of an mbox
                         holding several; "-" for stdin */
    const char *buf;  /* the message, From_ line removed; valid until the
                         next bn_source_next */
    size_t len;
    bool truncated;   /* longer than max_message_size: buf is its start */
    int err;          /* BN_OK, or why this path gave no message (BN_EIO...) */
    const char *why;  /* with err: the reason in words ("Permission denied") */
} bn_source_msg;

/* bn_source_new - an empty source; max_message_size 0 means 64 MiB */
BN_API int bn_source_new(bn_source **out, size_t max_message_size);
/* bn_source_add - queue a file, directory, or "-" (stdin) */
BN_API int bn_source_add(bn_source *s, const char *path);
/* bn_source_next - the next message or error item; false when all is read */
BN_API bool bn_source_next(bn_source *s, bn_source_msg *m);
/* bn_source_stdin_one - stdin ("-") holds one message, as an MTA pipes it
 * (Postfix local(8) writes a From_ line first and quotes no body line):
 * a leading From_ line is dropped, and no later line starts another
 * message or loses a '>' */
BN_API void bn_source_stdin_one(bn_source *s);
BN_API void bn_source_free(bn_source *s);

/* ------------------------------------------------------------------ */
/* The suppression list (store)                                        */
/* ------------------------------------------------------------------ */

/*
 * Addresses. bn_address_normalize writes the key a list compares on: the
 * address without angle brackets and surrounding space, the domain
 * lowercased and IDN labels in their ASCII form (RFC 3492 punycode,
 * "xn--"), the local part lowercased unless BN_ADDR_CASE_LOCAL (letters of
 * Latin, Greek and Cyrillic as in domains), quotes that change nothing
 * dropped ("tom"@ is tom@), no-break spaces, zero-width characters and
 * BOMs trimmed around it (and refused inside: BN_EINVAL). Returns
 * BN_OK, or BN_EINVAL for something that is not an address (no "@", empty
 * part, spaces or control bytes, a label or the whole past RFC 5321's
 * limits). out holds at least BN_ADDR_MAX bytes; it is NUL-terminated.
 */
#define BN_ADDR_MAX 512
enum { BN_ADDR_CASE_LOCAL = 1u << 0 };
/*
 * BN_ADDR_KEYS_VERSION - raised whenever a change to bn_address_normalize
 * changes keys; a list remembers the version its keys were made with (2:
 * invisible characters trimmed, needless quotes dropped, non-ASCII letters
 * of Latin, Greek and Cyrillic lowercased in full).
 */
#define BN_ADDR_KEYS_VERSION 2
BN_API int bn_address_normalize(char *out, size_t *out_len, const char *in,
                                size_t len, unsigned flags);
/*
 * bn_punycode_encode / _decode - RFC 3492 Bootstring with Punycode's
 * parameters. encode: code points -> ASCII (no "xn--"); decode: the
 * reverse. Write at most size bytes / code points; BN_ETOOBIG when that is
 * not enough, BN_EINVAL on bad input or overflow.
 */
BN_API int bn_punycode_encode(char *out, size_t size, size_t *out_len,
                              const uint32_t *cp, size_t n);
BN_API int bn_punycode_decode(uint32_t *out, size_t size, size_t *out_n,
                              const char *in, size_t len);
/*
 * bn_verp_decode - the recipient encoded in a VERP envelope address.
 * pattern is "PREFIX{local}SEP{domain}@*" (default when NULL:
 * "bounces+{local}={domain}@*"); "bounces+user=example.com@lists.example"
 * gives "user@example.com". BN_ENOTFOUND when addr does not match.
 */
BN_API int bn_verp_decode(char *out, size_t size, const char *pattern,
                          const char *addr, size_t len);

/*
 * What the policy makes of a record. Every record is kept as an event; its
 * class says what it does to the list.
 */
typedef enum bn_class {
    BN_CLASS_IGNORE = 0, /* auto-replies, delays: kept, no effect */
    BN_CLASS_HARD,       /* the address is bad: suppressed at once, for good */
    BN_CLASS_COMPLAINT,  /* the recipient complained: suppressed for good */
    BN_CLASS_SUSPEND,    /* mailbox disabled: suppressed, expiring */
    BN_CLASS_SOFT,       /* temporary trouble: suppressed after N in D days */
    BN_CLASS_SENDER,     /* about the sender: never suppresses, reported */
    BN_CLASS_MESSAGE,    /* about the message: never suppresses, reported */
    BN_CLASS_DELIVERY,   /* delivered: resets the soft count */
    BN_CLASS_MANUAL,     /* suppressed or unsuppressed by a person */
    BN_CLASS_COUNT
} bn_class;
BN_API const char *bn_class_name(bn_class c);
BN_API int bn_class_from_name(bn_class *out, const char *name, size_t len);

/*
 * The list-hygiene policy. Defaults (BN_POLICY_INIT, docs/store.md): soft
 * bounces suppress after 3 within 15 days for 30 days; a disabled mailbox
 * for 90 days; unknown failures (undefined, onhold) count as soft. A list
 * keeps the policy it was built with; bn_store_rebuild changes it.
 */
typedef struct bn_policy {
    int version;                 /* BN_POLICY_VERSION */
    unsigned soft_threshold;     /* soft bounces that suppress: 3 */
    long soft_window;            /* ... within this many seconds: 15 days */
    long soft_expiry;            /* soft suppression lasts: 30 days */
    long suspend_expiry;         /* disabled-mailbox suppression: 90 days */
    bool local_case_sensitive;   /* compare local parts exactly: false */
    unsigned char reason_class[BN_REASON_COUNT]; /* bn_class per reason */
} bn_policy;
#define BN_POLICY_VERSION 1

/* bn_policy_init - the documented defaults */
BN_API void bn_policy_init(bn_policy *p);
/*
 * bn_policy_set - one "key = value" setting (config file line or flag):
 * soft_threshold, soft_window, soft_expiry, suspend_expiry (durations like
 * "15d", "12h", "3600"), local_case_sensitive (true/false), unknown
 * (soft/ignore/hard), reason.NAME (a class name). BN_EINVAL with a message
 * in err (errsize bytes) on an unknown key or bad value.
 */
BN_API int bn_policy_set(bn_policy *p, const char *key, const char *value,
                         char *err, size_t errsize);
/* bn_policy_load - read a config file of settings (# comments) */
BN_API int bn_policy_load(bn_policy *p, const char *path, char *err,
                          size_t errsize);
/* bn_policy_format - the policy as config text (what the store keeps) */
BN_API size_t bn_policy_format(const bn_policy *p, char *buf, size_t size);
/* bn_policy_classify - the class of one record under the policy */
BN_API bn_class bn_policy_classify(const bn_policy *p, const bn_record *r);
/* bn_parse_duration - "30d", "12h", "15m", "90s", "3600" -> seconds */
BN_API int bn_parse_duration(long *out, const char *s);
/* bn_parse_time - "2026-11-30", "2026-11-30T12:00:00Z", "24h"/"7d" (ago), "all" */
BN_API int bn_parse_time(time_t *out, const char *s, time_t now);

typedef struct bn_store bn_store;

typedef struct bn_store_opts {
    int version;              /* BN_STORE_OPTS_VERSION */
    long wait_ms;             /* how long to wait for a lock: 10000 */
    bool readonly;            /* open for reading only */
    const bn_policy *policy;  /* policy for a new list (NULL: defaults) */
    long max_pages;           /* cap the database size (pages), 0: none */
    bool bulk;                /* bulk load: a commit is not flushed to disk
                                 at once (a power loss may lose the last
                                 commits, never corrupts); default false:
                                 every commit is on disk when it returns */
} bn_store_opts;
#define BN_STORE_OPTS_VERSION 1
#define BN_STORE_OPTS_INIT {BN_STORE_OPTS_VERSION, 10000, false, NULL, 0, false}

/*
 * bn_store_open - open (creating and migrating as needed) the store at uri:
 * a file path for SQLite. On failure *out may still hold a store whose
 * bn_store_errmsg says why; free it with bn_store_close. Errors: BN_EBUSY
 * (locked past wait_ms), BN_EUNAVAIL (cannot open or create), BN_EFULL,
 * BN_ESTORE (not a bounce store, newer schema, corrupt).
 */
BN_API int bn_store_open(bn_store **out, const char *uri,
                         const bn_store_opts *opts);
BN_API void bn_store_close(bn_store *s);
/* bn_store_errmsg - what went wrong last, in words ("" when nothing) */
BN_API const char *bn_store_errmsg(const bn_store *s);
/* bn_store_keys_stale - the list's keys were made by an older
 * normalisation (BN_ADDR_KEYS_VERSION): an address may be missed until
 * bn_store_rebuild re-keys it */
BN_API bool bn_store_keys_stale(const bn_store *s);
/* bn_store_policy - the policy the list was built with */
BN_API const bn_policy *bn_store_policy(const bn_store *s);

/* Write transactions: everything between begin and commit lands or not. */
BN_API int bn_store_begin(bn_store *s);
BN_API int bn_store_commit(bn_store *s);
BN_API void bn_store_rollback(bn_store *s);

typedef struct bn_ingest_stats {
    size_t records;          /* records offered */
    size_t events;           /* new events stored */
    size_t duplicates;       /* already stored (same bounce seen again) */
    size_t suppressed;       /* addresses that became suppressed */
    size_t sender_side;      /* new sender-side events */
    size_t no_recipient;     /* records without a usable address, new or
                                already stored */
} bn_ingest_stats;

/*
 * bn_store_ingest - store the records of one message as events and apply
 * the policy. msg/msg_len (may be NULL/0) are the raw message, hashed into
 * the deduplication key so distinct bounces with equal text stay apart;
 * source names the input. Inside bn_store_begin/commit, or alone (then it
 * commits itself). stats may be NULL; counts are added to it.
 */
BN_API int bn_store_ingest(bn_store *s, const bn_record *recs, size_t n,
                           const char *source, const char *msg,
                           size_t msg_len, bn_ingest_stats *stats);

/* A person's decision: suppress (until 0: for good) or unsuppress. */
typedef struct bn_manual {
    const char *address;
    size_t address_len;
    const char *note;   /* why; required */
    const char *who;    /* who; NULL: the login name */
    time_t time;        /* when; 0: now */
    time_t until;       /* suppress only: expiry, 0 for good */
} bn_manual;
BN_API int bn_store_suppress(bn_store *s, const bn_manual *m);
BN_API int bn_store_unsuppress(bn_store *s, const bn_manual *m);

/* One entry of the list. Strings valid until the next call on the store. */
typedef struct bn_suppression {
    const char *address;
    const char *domain;
    bn_class kind;          /* hard, complaint, suspend, soft, manual */
    const char *reason;     /* bounce reason, or the note of a manual entry */
    time_t since;
    time_t until;           /* 0: for good */
    unsigned soft_count;    /* soft bounces in the window when decided */
    long long event_id;     /* the deciding event (0: manual) */
    const char *source;     /* input the deciding bounce came from */
    const char *message_id; /* original Message-ID of that bounce */
    const char *diagnostic; /* server's text of that bounce */
} bn_suppression;

/*
 * bn_store_check - is the address suppressed now? BN_OK and *out filled
 * when it is; BN_ENOTFOUND when it may be mailed; BN_EINVAL when it is not
 * an address.
 */
BN_API int bn_store_check(bn_store *s, const char *addr, size_t len,
                          bn_suppression *out);

typedef struct bn_list_filter {
    const char *reason;  /* reason or class name, NULL: any */
    time_t since;        /* suppressed since at least, 0: any */
} bn_list_filter;
/* bn_store_list - every entry in force now, by address; cb != 0 stops */
BN_API int bn_store_list(bn_store *s, const bn_list_filter *f,
                         int (*cb)(void *ctx, const bn_suppression *e),
                         void *ctx);

/* One stored event or manual action, for history and reports. */
typedef struct bn_event {
    long long id;
    time_t time;           /* of the bounce (ingest time when unknown) */
    time_t ingested;
    bn_class cls;
    const char *address, *recipient, *domain, *reason, *status;
    int replycode;
    bool hardbounce;
    const char *permanence;/* "permanent", "transient", "unknown" */
    const char *diagnostic, *rule, *format, *dsn_action, *feedback_type;
    const char *addresser, *message_id, *source, *ip, *remote_mta;
    const char *blocklist; /* blocklist the server named, or "" */
    const char *action;    /* manual: "suppress"/"unsuppress", else "" */
    const char *note, *who;/* manual only */
    time_t until;          /* manual suppress only */
    const char *fault;     /* whose side the failure was on ("sender"...),
                              "" for manual actions */
} bn_event;
/* bn_store_history - events and manual actions of an address, oldest first */
BN_API int bn_store_history(bn_store *s, const char *addr, size_t len,
                            int (*cb)(void *ctx, const bn_event *e),
                            void *ctx);
/* bn_store_events - every event (not manual actions) since a time */
BN_API int bn_store_events(bn_store *s, time_t since,
                           int (*cb)(void *ctx, const bn_event *e), void *ctx);

typedef struct bn_rebuild_stats {
    size_t events, addresses, suppressed, reclassified;
} bn_rebuild_stats;
/*
 * bn_store_rebuild - re-evaluate the whole list from the stored events and
 * manual actions under policy (NULL: the stored one), and keep that policy.
 * One transaction.
 */
BN_API int bn_store_rebuild(bn_store *s, const bn_policy *policy,
                            bn_rebuild_stats *stats);

/*
 * The suppressed set in memory, for filtering big lists: loaded once, then
 * a hash lookup per address (no query per address).
 */
typedef struct bn_suppset bn_suppset;
BN_API int bn_suppset_load(bn_suppset **out, bn_store *s);
BN_API void bn_suppset_free(bn_suppset *set);
BN_API size_t bn_suppset_size(const bn_suppset *set);
/*
 * bn_suppset_lookup - normalise addr and look it up: BN_OK and *reason
 * (static until free) when suppressed, BN_ENOTFOUND when not, BN_EINVAL
 * when it is not an address.
 */
BN_API int bn_suppset_lookup(const bn_suppset *set, const char *addr,
                             size_t len, const char **reason);

/*
 * Per receiving domain report. bn_report_build reads the events since a
 * time and groups them; bn_report_json / the fields give the figures, and
 * warnings say where rejections are mostly about the sender.
 */
typedef struct bn_report_reason {
    const char *reason;
    bn_class cls;
    long count;
} bn_report_reason;
typedef struct bn_report_domain {
    const char *domain;
    long total;                /* every event at the domain */
    long rejections;           /* hard + suspend + soft + sender + message */
    long hard, suspend, soft, complaint, sender, message, delivered, ignored;
    bn_report_reason *reasons; /* by count, descending */
    size_t nreasons;
    const char *warning;       /* NULL when none */
    const char *advice;        /* what to check (bn_verdict_explain), or NULL */
    const char *ips;           /* sending IPs seen in sender-side events, or "" */
    long repeats;              /* events not counted above: another delay
                                  (a retried deferral, a second delay
                                  notice) of a message to a recipient in
                                  the same class, by Message-ID */
} bn_report_domain;
typedef struct bn_report {
    time_t since, now;
    bn_report_domain *domains; /* by total, descending */
    size_t ndomains;
    long events;
    struct bn_report_priv *priv;
} bn_report;
/* bn_report_build - min_sender: fewest sender-side events for a warning */
BN_API int bn_report_build(bn_report **out, bn_store *s, time_t since,
                           long min_sender);
/*
 * bn_report_build_at - the same, with the time the report is made at (the
 * window's words, "in the last 24 h", compare since with it): a caller that
 * computed since from its own clock reading passes that reading, so the
 * two cannot straddle a second.
 */
BN_API int bn_report_build_at(bn_report **out, bn_store *s, time_t since,
                              time_t now, long min_sender);
BN_API void bn_report_free(bn_report *r);

/* ------------------------------------------------------------------ */
/* MTA delivery logs                                                   */
/* ------------------------------------------------------------------ */

/*
 * A log reader turns delivery lines of Postfix, Exim and Sendmail logs
 * (syslog RFC 3164 / 5424 / ISO 8601 stamps, journald short-iso, Exim's
 * main log) into the same records as bounce messages: bounced and expired
 * recipients are bounces (dsn_action "failed"), deferred ones temporary
 * failures ("delayed"), sent ones deliveries ("delivered"). The sender
 * comes from the queue id's earlier "from=" line, kept in a bounded map.
 * Other lines are skipped and counted; nothing in a line is an error.
 */
#define BN_LOG_LOCALTIME (-100000) /* utc_offset: the machine's local time */

typedef struct bn_log_opts {
    int version;             /* BN_LOG_OPTS_VERSION */
    int year;                /* year of stamps without one; 0: inferred */
    time_t now;              /* "now" for that inference; 0: the clock */
    int utc_offset;          /* minutes east of UTC of stamps without a zone,
                                or BN_LOG_LOCALTIME */
    size_t max_line;         /* longer lines are skipped: 64 KiB */
    size_t max_queue;        /* queue ids whose sender is kept: 20000 */
    unsigned max_recipients; /* records per line (Sendmail lists): 1000 */
} bn_log_opts;
#define BN_LOG_OPTS_VERSION 1
#define BN_LOG_OPTS_INIT                                                       \
    {BN_LOG_OPTS_VERSION, 0, 0, BN_LOG_LOCALTIME, 64u << 10, 20000, 1000}

typedef struct bn_log_stats {
    uint64_t lines;      /* lines read */
    uint64_t records;    /* records produced */
    uint64_t bounced, expired, deferred, delivered; /* records by status */
    uint64_t state;      /* sender / queue bookkeeping lines used */
    uint64_t other;      /* other programs, or lines of no interest */
    uint64_t garbage;    /* no log framing, or unreadable MTA lines */
    uint64_t truncated;  /* cut short: skipped, or read as far as they go */
    uint64_t too_long;   /* past max_line: skipped */
    uint64_t evicted;    /* queue ids forgotten because the map was full */
} bn_log_stats;

typedef struct bn_log_reader bn_log_reader;

/* bn_log_reader_new - a reader; opts NULL for BN_LOG_OPTS_INIT */
BN_API int bn_log_reader_new(bn_log_reader **out, const bn_log_opts *opts);
BN_API void bn_log_reader_free(bn_log_reader *r);
/*
 * bn_log_line - read one line (without its newline; a trailing CR is
 * ignored). *recs stays valid until the next call on r. Lines without a
 * record give BN_OK and *count 0.
 */
BN_API int bn_log_line(bn_log_reader *r, const char *line, size_t len,
                       const bn_record **recs, size_t *count);
/*
 * Called with the records of one line and the line itself (without its
 * newline); a non-zero return stops bn_log_feed.
 */
typedef int (*bn_log_cb)(const bn_record *recs, size_t count, const char *line,
                         size_t len, void *payload);
/*
 * bn_log_feed - read the complete lines of a chunk (LF or CRLF). *consumed
 * is set to the bytes used; the caller passes the rest again with more
 * data. With eof, a last line without newline is read too. Returns BN_OK,
 * or the callback's non-zero value.
 */
BN_API int bn_log_feed(bn_log_reader *r, const char *buf, size_t len, bool eof,
                       size_t *consumed, bn_log_cb cb, void *payload);
/* bn_log_stats_get - counters since the reader was made */
BN_API void bn_log_stats_get(const bn_log_reader *r, bn_log_stats *out);

/* ------------------------------------------------------------------ */
/* Sender health check (bounce doctor)                                 */
/* ------------------------------------------------------------------ */

/*
 * bn_doctor_run asks DNS about a sending IP and domain: IP and domain
 * blocklists, reverse DNS, SPF (evaluated for the IP), DMARC, DKIM keys of
 * the given selectors, MX. Queries run in parallel through c-ares, each
 * with its own timeout; the whole run has a deadline. A check whose answer
 * could not be had says "unknown" and why, never pass or fail.
 */
typedef enum bn_check_status {
    BN_CHECK_PASS = 0,
    BN_CHECK_WARN,
    BN_CHECK_FAIL,
    BN_CHECK_UNKNOWN
} bn_check_status;

/* One finding. Strings are NUL-terminated, valid until bn_doctor_free. */
typedef struct bn_check {
    const char *check;      /* "dnsbl" "dbl" "ptr" "fcrdns" "spf" "dmarc" "dkim" "mx" */
    const char *target;     /* what was looked at: list zone, domain, selector name */
    bn_check_status status;
    const char *detail;     /* what was found, one line */
    const char *advice;     /* what to do about it, or NULL */
} bn_check;

typedef struct bn_doctor_opts {
    int version;               /* BN_DOCTOR_OPTS_VERSION */
    const char *ip;            /* sending IPv4 or IPv6 address (required) */
    const char *domain;        /* sending domain, or NULL */
    const char *const *selectors; /* DKIM selectors to check */
    size_t nselectors;
    const char *resolver;      /* "IP", "IP:PORT", "[IPv6]:PORT"; NULL: the system's */
    unsigned timeout_ms;       /* first try of one query: 2000 (doubles per retry) */
    unsigned tries;            /* tries per query: 2 */
    unsigned deadline_ms;      /* the whole run: 20000 */
    bool all_lists;            /* also the blocklists the table marks off */
    const char *dnsbl_table;   /* a table in data/dnsbl.tsv format, or NULL */
    size_t dnsbl_table_len;
} bn_doctor_opts;

#define BN_DOCTOR_OPTS_VERSION 1
#define BN_DOCTOR_OPTS_INIT                                                    \
    {BN_DOCTOR_OPTS_VERSION, NULL, NULL, NULL, 0, NULL, 2000, 2, 20000, false, \
     NULL, 0}

typedef struct bn_doctor bn_doctor;

/* bn_doctor_opts_error - what is wrong with opts (static text), or NULL */
BN_API const char *bn_doctor_opts_error(const bn_doctor_opts *opts);
/* bn_doctor_run - run the checks; BN_EINVAL when bn_doctor_opts_error says
 * so, BN_ENOMEM. DNS trouble is not an error: it makes checks unknown. */
BN_API int bn_doctor_run(bn_doctor **out, const bn_doctor_opts *opts);
BN_API size_t bn_doctor_count(const bn_doctor *d);
BN_API const bn_check *bn_doctor_get(const bn_doctor *d, size_t i);
BN_API void bn_doctor_free(bn_doctor *d);
/* bn_check_status_name - "pass" "warn" "fail" "unknown" */
BN_API const char *bn_check_status_name(bn_check_status s);
/* bn_check_json - one JSON object (no newline): check, target, status,
 * detail, advice (null when none). snprintf-like: returns the length needed */
BN_API size_t bn_check_json(const bn_check *c, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* BOUNCE_H */
