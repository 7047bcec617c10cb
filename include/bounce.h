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

#ifdef __cplusplus
}
#endif
#endif /* BOUNCE_H */
