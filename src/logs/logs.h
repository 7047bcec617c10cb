/*
 * logs.h - MTA delivery logs (internal interface of src/logs/)
 *
 * One log line goes through three stages, all zero-copy over the line:
 *   1. bn_log_header() (log_header.c): the syslog / journald / Exim main
 *      log framing -> timestamp, host, program, message text;
 *   2. an MTA reader (log_postfix.c, log_exim.c, log_sendmail.c) turns the
 *      message text into a delivery event (bn_logev), or feeds the sender
 *      map (queue id -> sender, log_qmap.c), or says "not mine";
 *   3. the reader (log_reader.c) turns an event into a bn_record and runs
 *      the classifier over it (log_classify.c).
 * Nothing here allocates per line: records live in an array owned by the
 * reader, rewritten on each line; the few bytes that must be rewritten
 * (lowercased domains) go into a per-line arena that is reset, not freed.
 */
#ifndef BN_LOGS_H
#define BN_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bounce.h"
#include "core/arena.h"

/* ---- framing (log_header.c, log_time.c) ---- */

typedef enum bn_logframe {
    BN_LOGFRAME_NONE = 0, /* not a log line we understand */
    BN_LOGFRAME_SYSLOG,   /* "<time> host prog[pid]: text" (3164, 5424, ISO) */
    BN_LOGFRAME_EXIM      /* Exim main log: "<date time> [pid] text" */
} bn_logframe;

/* The broken-down time of a line before it becomes a time_t. */
typedef struct bn_logtime {
    int year;          /* 0 when the line has none (RFC 3164) */
    int mon, day;      /* 1..12, 1..31 */
    int hour, min, sec;
    bool has_zone;     /* zone given: off_min is meaningful */
    int off_min;       /* minutes east of UTC */
} bn_logtime;

typedef struct bn_logline {
    bn_logframe frame;
    bn_logtime tm;
    bool has_time;
    bn_str host;       /* reporting host, may be empty */
    bn_str prog;       /* program name without [pid] ("postfix/smtp") */
    bn_str text;       /* the program's message */
} bn_logline;

/* bn_log_header - split the framing of one line; false when it has none */
bool bn_log_header(bn_logline *out, const char *p, size_t n);
/* bn_log_parse_time - a timestamp at the start of s; consumed length or 0 */
size_t bn_log_parse_time(bn_logtime *out, const char *p, size_t n);
/* bn_log_days - days since 1970-01-01 of a civil date (proleptic Gregorian) */
long bn_log_days(int year, int mon, int day);

/* ---- events (one per recipient of a delivery line) ---- */

typedef enum bn_logstatus {
    BN_LOGST_NONE = 0,
    BN_LOGST_SENT,
    BN_LOGST_BOUNCED,
    BN_LOGST_DEFERRED,
    BN_LOGST_EXPIRED
} bn_logstatus;

typedef struct bn_logev {
    const char *format;  /* "log-postfix", "log-exim", "log-sendmail" */
    char mta;            /* 'p', 'e', 's': namespace of queue ids in the map */
    bn_logstatus status;
    bn_str qid;          /* queue id / message id of the MTA */
    bn_str rcpt;         /* recipient as logged (brackets removed) */
    bn_str orig_rcpt;    /* original recipient, may be empty */
    bn_str relay;        /* remote host name, may be empty */
    bn_str dsn;          /* enhanced status as logged, may be empty */
    bn_str text;         /* diagnostic text, may be empty */
    bn_str command;      /* "RCPT", "DATA", "MAIL", "CONN"...; may be empty */
    bool remote;         /* text is the remote server's own reply */
    bool truncated;      /* the line was cut short; read as far as it goes */
    const char *rcpt_src;/* evidence: where the recipient came from */
} bn_logev;

/* What an MTA reader made of one message text. */
typedef enum bn_logres {
    BN_LOGRES_OTHER = 0, /* not a line of interest (other program, info) */
    BN_LOGRES_STATE,     /* updated the sender map: no record */
    BN_LOGRES_EVENT,     /* one or more delivery events */
    BN_LOGRES_SKIP,      /* a delivery line that yields no record (queued) */
    BN_LOGRES_TRUNCATED, /* a delivery line cut short before its status */
    BN_LOGRES_GARBAGE    /* our program, but unreadable */
} bn_logres;

/* ---- the sender map (log_qmap.c) ---- */

#define BN_QMAP_ID_MAX 32      /* queue ids longer than this are not kept */
#define BN_QMAP_SENDER_MAX 256 /* longer senders are kept cut (anomaly) */
#define BN_QMAP_MSGID_MAX 256
#define BN_QMAP_HOST_MAX 255 /* a DNS name (253 at most) fits; longer ones are cut */

typedef struct bn_qentry {
    uint8_t idlen, live;
    char mta;
    char id[BN_QMAP_ID_MAX];
    uint8_t hlen; /* length of its host (bn_qmap_host), 0 for none */
    uint16_t slen, mlen;
    bool has_sender;
    char sender[BN_QMAP_SENDER_MAX];
    char msgid[BN_QMAP_MSGID_MAX];
} bn_qentry;

/*
 * A bounded map queue id -> (sender, message-id). Entries sit in a ring in
 * insertion order; when the ring is full the oldest entry is dropped, so a
 * log with messages that never log "removed" cannot grow it. The index is
 * an open-addressing table of ring positions with their hashes (linear
 * probing, backward shift deletion), so probing rarely touches an entry.
 * A map made with hosts (the defer map) also keeps a host name per entry,
 * in a side array of cap * BN_QMAP_HOST_MAX bytes beside the ring, so the
 * sender map, which has no use for one, does not pay for it.
 */
typedef struct bn_qmap {
    bn_qentry *ring;
    char *hosts;         /* entry i's host at i * BN_QMAP_HOST_MAX; NULL: none kept */
    uint32_t cap, next;  /* ring size; next slot to (re)use */
    uint64_t *index;     /* hash << 32 | (ring position + 1); 0 = empty */
    uint32_t mask;       /* index size - 1 (power of two >= 2 * cap) */
    uint32_t live;       /* entries in the map */
    uint64_t evicted;
} bn_qmap;

int bn_qmap_init(bn_qmap *m, size_t cap, bool hosts);
void bn_qmap_free(bn_qmap *m);
/* bn_qmap_get - the live entry of (mta, id), or NULL */
const bn_qentry *bn_qmap_get(const bn_qmap *m, char mta, bn_str id);
/* bn_qmap_put - set the sender (or message-id) of (mta, id), creating it;
   the entry, or NULL when the id cannot be kept */
bn_qentry *bn_qmap_put(bn_qmap *m, char mta, bn_str id, const bn_str *sender, const bn_str *msgid);
/* bn_qmap_set_host - an entry's host (cut to BN_QMAP_HOST_MAX); nothing
   when the map keeps no hosts */
void bn_qmap_set_host(bn_qmap *m, bn_qentry *e, bn_str host);
/* bn_qmap_host - an entry's host; empty when it has none */
bn_str bn_qmap_host(const bn_qmap *m, const bn_qentry *e);
/* bn_qmap_del - forget (mta, id) */
void bn_qmap_del(bn_qmap *m, char mta, bn_str id);

/* ---- MTA readers ---- */

/*
 * What the readers remember between lines: senders by queue id, and the
 * recipients Postfix and Exim deferred (key "qid:hash(rcpt)", value
 * recipient, "dsn text" and the remote host), because an expiry line names
 * only the sender (Postfix) or only that retries ran out (Exim), not the
 * reply that failed nor the server that gave it.
 */
typedef struct bn_logstate {
    bn_qmap senders;
    bn_qmap defers;
} bn_logstate;

/* Output of an MTA reader: events in a caller array. */
typedef struct bn_logout {
    bn_logev *ev;
    size_t n, cap;
    size_t dropped;      /* events past cap (recipient limit) */
} bn_logout;

bool bn_log_is_postfix(bn_str prog);
bool bn_log_is_exim(bn_str prog);
bool bn_log_is_sendmail(bn_str prog);
bn_logres bn_log_postfix(bn_logstate *st, bn_str prog, bn_str text,
                         bn_logout *out);
bn_logres bn_log_exim(bn_logstate *st, bn_str text, bn_logout *out);
bn_logres bn_log_sendmail(bn_logstate *st, bn_str text, bn_logout *out);
/* bn_logout_add - a zeroed event at the end of out, or NULL when full */
bn_logev *bn_logout_add(bn_logout *out);

/*
 * bn_log_reader_state - the reader's maps, for a caller that keeps the
 * deferred recipients across restarts (cli/log_state.c). Entries of the
 * defer map have mta BN_LOG_DEFER_MTA.
 */
#define BN_LOG_DEFER_MTA 'P'
/* A queue id with deferred recipients has an entry of this mta, keyed by
   the queue id alone, that lists their keys: removing the message looks
   there first. */
#define BN_LOG_DEFER_MARK 'p'
/* bn_log_defer_mark - note a deferred recipient ("QID:hash" key) on its
   queue id's mark (log_defer.c; cli/log_state.c restores them with it) */
void bn_log_defer_mark(bn_qmap *m, bn_str key);
/* The defer map (log_defer.c), shared by the Postfix and Exim readers. */
void bn_log_defer_note(bn_logstate *st, const bn_logev *ev);
bool bn_log_defer_take(bn_logstate *st, bn_logev *ev);
void bn_log_defer_forget(bn_logstate *st, bn_str qid);
bool bn_log_defer_of(const bn_qentry *e, bn_str qid);
void bn_log_defer_reply(const bn_qmap *m, const bn_qentry *e, bn_logev *ev);
typedef struct bn_log_reader bn_log_reader;
bn_logstate *bn_log_reader_state(bn_log_reader *r);

/* ---- shared scanning helpers (log_scan.c) ---- */

/* bn_log_qid - a queue id token ([0-9A-Za-z]) at the start of s, length or 0 */
size_t bn_log_qid(bn_str s, size_t min, size_t max);
/* bn_log_after - s without its first k bytes (k <= s.n) */
static inline bn_str bn_log_after(bn_str s, size_t k)
{
    return (bn_str){s.p + k, s.n - k};
}
/* bn_log_prefix - s starts with the literal (case-sensitive) */
bool bn_log_prefix(bn_str s, const char *lit, size_t litn);
#define BN_LOG_PREFIX(s, lit) bn_log_prefix((s), (lit), sizeof(lit) - 1)
/* bn_log_find - first occurrence of a literal (case-sensitive), or NULL */
const char *bn_log_find(bn_str s, const char *lit, size_t litn);
#define BN_LOG_FIND(s, lit) bn_log_find((s), (lit), sizeof(lit) - 1)
/* bn_log_unbracket - "<addr>" -> "addr"; anything else unchanged */
bn_str bn_log_unbracket(bn_str s);
/* bn_log_command - SMTP command named in a phrase ("RCPT TO" -> "RCPT") */
bn_str bn_log_command(bn_str phrase);
/* bn_log_hostname - "host.name[1.2.3.4]:25" or "host. [1.2.3.4]" -> "host.name" */
bn_str bn_log_hostname(bn_str relay);

/* ---- classification (log_classify.c) ---- */

/* bn_log_classify - fill rec->verdict and its evidence from an event */
void bn_log_classify(bn_record *rec, const bn_logev *ev);

#endif
