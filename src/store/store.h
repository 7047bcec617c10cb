/*
 * store.h - the store's internal interface: the backend vtable
 *
 * The generic layer (store.c) holds the policy logic: it normalises
 * addresses, classifies records, computes deduplication keys and folds an
 * address's history into its suppression state. A backend only stores and
 * fetches rows: SQLite (store_sqlite.c) now, PostgreSQL (libpq) later
 * behind the same operations. Backends map their failures onto bn_err
 * (BN_EBUSY, BN_EFULL, BN_EUNAVAIL, BN_ESTORE) and write a message with
 * bn_store_set_error().
 */
#ifndef BN_STORE_H
#define BN_STORE_H

#include <stdint.h>

#include "bounce.h"

#define BN_DEDUP_LEN 16
#define BN_HISTORY_MAX 100000 /* events folded per address (newest kept) */
#define BN_NOTE_MAX 512

/* An event to store: strings NUL-terminated, never NULL. */
typedef struct bn_event_in {
    unsigned char dedup[BN_DEDUP_LEN];
    time_t time, ingested;
    bn_class cls;
    const char *address, *recipient, *domain, *reason, *status;
    int replycode;
    bool hardbounce;
    const char *permanence, *fault;
    const char *diagnostic, *rule, *format, *dsn_action, *feedback_type;
    const char *addresser, *message_id, *source, *ip, *remote_mta;
    const char *blocklist;
    time_t stamp; /* the record's own time as given (0: none); time differs
                     when that is missing or in the future */
} bn_event_in;

/* A manual action to store. */
typedef struct bn_manual_in {
    time_t time, until;
    const char *address, *recipient, *action, *note, *who;
} bn_manual_in;

/* One item of an address's history as the policy sees it. */
typedef struct bn_hist_item {
    time_t time;
    long long id;
    bn_class cls;       /* BN_CLASS_MANUAL for a person's action */
    bool unsuppress;    /* manual: unsuppress (else suppress) */
    time_t until;       /* manual suppress: expiry (0 for good) */
    char reason[64];    /* event reason; manual: start of the note */
} bn_hist_item;

/* The state an address's history folds into. */
typedef struct bn_fold {
    bool suppressed;
    bn_class kind;
    time_t since, until;
    long long event_id, manual_id;
    unsigned soft_count;
    char reason[64];
} bn_fold;

/* A row of the suppression table. */
typedef struct bn_supp_row {
    const char *address, *domain;
    bn_class kind;
    const char *reason;
    time_t since, until, updated;
    long long event_id, manual_id;
    unsigned soft_count;
} bn_supp_row;

typedef int (*bn_hist_cb)(void *ctx, const bn_hist_item *it);
typedef int (*bn_event_cb)(void *ctx, const bn_event *e);
typedef int (*bn_supp_cb)(void *ctx, const bn_suppression *e);
typedef int (*bn_addr_cb)(void *ctx, const char *address);

typedef struct bn_store_ops {
    const char *name;
    int (*open)(bn_store *s, const char *uri, const bn_store_opts *o);
    void (*close)(bn_store *s);
    int (*begin)(bn_store *s);
    int (*commit)(bn_store *s);
    void (*rollback)(bn_store *s);
    /* meta: small key/value settings (policy, schema facts) */
    int (*meta_get)(bn_store *s, const char *key, char **val); /* bn_free */
    int (*meta_set)(bn_store *s, const char *key, const char *val);
    /* event_put: *inserted false when the dedup key was stored before */
    int (*event_put)(bn_store *s, const bn_event_in *ev, long long *id,
                     bool *inserted);
    int (*manual_put)(bn_store *s, const bn_manual_in *m, long long *id);
    /* history: events that can change the state (hard, complaint, suspend,
     * soft, delivery) and manual actions, the newest BN_HISTORY_MAX of
     * each, in any order (the caller sorts) */
    int (*history)(bn_store *s, const char *address, bn_hist_cb cb, void *ctx);
    int (*supp_get)(bn_store *s, const char *address, time_t now,
                    bn_suppression *out);
    int (*supp_put)(bn_store *s, const bn_supp_row *row);
    int (*supp_del)(bn_store *s, const char *address);
    int (*supp_clear)(bn_store *s);
    int (*supp_iter)(bn_store *s, const bn_list_filter *f, time_t now,
                     bn_supp_cb cb, void *ctx);
    /* supp_keys: address and reason of every entry in force (the set) */
    int (*supp_keys)(bn_store *s, time_t now,
                     int (*cb)(void *ctx, const char *address, size_t len,
                               const char *reason),
                     void *ctx);
    /* events: every event since, oldest first (history: one address) */
    int (*event_iter)(bn_store *s, time_t since, bn_event_cb cb, void *ctx);
    int (*event_history)(bn_store *s, const char *address, bn_event_cb cb,
                         void *ctx);
    /* event_update: rebuild's new key and class, and fault (NULL: keep the
     * stored one; a rate limit whose reply names another side) */
    int (*event_update)(bn_store *s, long long id, const char *address,
                        bn_class cls, const char *fault);
    /* addresses: every address with events or manual actions */
    int (*addresses)(bn_store *s, bn_addr_cb cb, void *ctx);
    /* manual_iter / manual_update: re-keying manual actions when a rebuild
     * changes local_case_sensitive. Appended last (a backend may leave them
     * NULL; then that change is refused) */
    int (*manual_iter)(bn_store *s,
                       int (*cb)(void *ctx, long long id, const char *recipient,
                                 const char *address),
                       void *ctx);
    int (*manual_update)(bn_store *s, long long id, const char *address);
    /* state_get / state_put: small named blobs kept with the data (where a
     * log reader stopped), written in the caller's transaction so that they
     * commit with the events they describe. get: *val (bn_free) holds len
     * bytes and a NUL after them, BN_ENOTFOUND when absent (also when the
     * schema predates the table: a read-only open of an old store). put:
     * val NULL deletes */
    int (*state_get)(bn_store *s, const char *key, char **val, size_t *len);
    int (*state_put)(bn_store *s, const char *key, const void *val, size_t len);
} bn_store_ops;

struct bn_store {
    const bn_store_ops *ops;
    void *impl;          /* the backend's state */
    bn_policy policy;
    bool in_tx;          /* inside bn_store_begin/commit */
    char err[512];
    char addr_buf[BN_ADDR_MAX];
    char *strings;       /* owned copy for results (bn_suppression) */
    void *ingest_ctx;    /* bn_store_ingest's scratch (14 KB), kept */
    bool keys_stale;     /* keys made under an older normalisation */
    bool lost;           /* the last failure was a lost server connection:
                            nothing of the transaction was written, and the
                            next bn_store_begin reconnects (PostgreSQL) */
};

/* bn_store_set_error - record the message of the last failure */
void bn_store_set_error(bn_store *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

extern const bn_store_ops bn_store_sqlite_ops;
#ifdef BN_WITH_POSTGRES
extern const bn_store_ops bn_store_pg_ops; /* store_pg*.c (libpq) */
#endif
/* store_keys_version - record that the list's keys are made by this
 * bounce's normalisation (BN_ADDR_KEYS_VERSION), in the open transaction */
int store_keys_version(bn_store *s);
/* bn_store_lost - the last failure was a lost connection (retry a batch
 * after bn_store_rollback; bn_store_begin reconnects) */
bool bn_store_lost(const bn_store *s);
/* bn_store_state_get - a named state blob (bn_free), len bytes plus a NUL;
 * BN_ENOTFOUND when none */
int bn_store_state_get(bn_store *s, const char *key, char **val, size_t *len);
/* bn_store_state_put - set (val NULL: delete) a named state blob; inside a
 * transaction it commits or rolls back with it */
int bn_store_state_put(bn_store *s, const char *key, const void *val, size_t len);
/* bn_store_is_pg_uri - postgres[ql]://..., postgresql:, postgres:, pg:... */
bool bn_store_is_pg_uri(const char *uri);

/* bn_store_refold_address - recompute one address's entry from its history */
int bn_store_refold_address(bn_store *s, const char *address);

/* bn_policy_fold - an address's history (sorted) folded into its state */
void bn_policy_fold(const bn_policy *p, const bn_hist_item *items, size_t n,
                    time_t now, bn_fold *out);
/* bn_class_suppresses - the class can put an address on the list */
bool bn_class_suppresses(bn_class c);
/* bn_policy_equal - same settings */
bool bn_policy_equal(const bn_policy *a, const bn_policy *b);
/* bn_policy_parse_text - settings text (bn_policy_format's output) */
int bn_policy_parse_text(bn_policy *p, const char *text, char *err,
                         size_t errsize);

#endif
