/*
 * store_pg.h - internals shared by the PostgreSQL backend's files
 *
 * store_pg.c: connection, errors, transactions, migrations (open/close);
 * store_pg_ops.c: the row operations of bn_store_ops; store_pg_schema.c:
 * the migrations in PostgreSQL's dialect; store_pg_lib.c: libpq, opened
 * with dlopen on the first PostgreSQL store. Only compiled where libpq's
 * header is (BN_WITH_POSTGRES); libpq itself is needed at run time only.
 */
#ifndef BN_STORE_PG_H
#define BN_STORE_PG_H

#include <libpq-fe.h>

#include "store/store.h"

/* libpq is not linked: with its dependencies (OpenSSL, GnuTLS, Kerberos,
 * LDAP...) it doubled the peak RSS and the loader's start-up work of every
 * `bounce parse`, which never talks to a server. The backend calls it
 * through this table instead, filled by bn_pq_load() on the first
 * PostgreSQL store of the process. The members take their types from
 * libpq-fe.h, so a mismatch is a compile error. */
#define BN_PQ_FUNCS(X)                                                         \
    X(PQclear) X(PQcmdStatus) X(PQconnectdbParams) X(PQenterPipelineMode)      \
    X(PQerrorMessage) X(PQexec) X(PQexecPrepared) X(PQexitPipelineMode)        \
    X(PQfinish) X(PQfreemem) X(PQgetCopyData) X(PQgetResult) X(PQgetisnull)    \
    X(PQgetlength) X(PQgetvalue) X(PQntuples) X(PQpipelineSync) X(PQprepare)   \
    X(PQreset) X(PQresultErrorField) X(PQresultStatus) X(PQsendQueryPrepared)  \
    X(PQsetNoticeProcessor) X(PQsetSingleRowMode) X(PQstatus)                  \
    X(PQtransactionStatus)

#define BN_PQ_MEMBER(f) __typeof__(f) *f;
typedef struct bn_pq_api {
    BN_PQ_FUNCS(BN_PQ_MEMBER)
} bn_pq_api;
#undef BN_PQ_MEMBER

/* bn_pq - the functions, valid once bn_pq_load() returned BN_OK */
extern bn_pq_api bn_pq;

/* bn_pq_load - open libpq unless the process has (thread-safe). BN_OK, or
 * BN_EUNAVAIL with the reason and the fix in err: a missing library is
 * an installation problem that the administrator repairs, so an MTA's
 * pipe exits 75 (EX_TEMPFAIL) and the bounce is delivered again later. */
int bn_pq_load(char *err, size_t size);

/* The backend's calls go through the table. Not in store_pg_lib.c, which
 * fills it by name. */
#ifndef BN_PQ_LOADER
#define PQclear (bn_pq.PQclear)
#define PQcmdStatus (bn_pq.PQcmdStatus)
#define PQconnectdbParams (bn_pq.PQconnectdbParams)
#define PQenterPipelineMode (bn_pq.PQenterPipelineMode)
#define PQerrorMessage (bn_pq.PQerrorMessage)
#define PQexec (bn_pq.PQexec)
#define PQexecPrepared (bn_pq.PQexecPrepared)
#define PQexitPipelineMode (bn_pq.PQexitPipelineMode)
#define PQfinish (bn_pq.PQfinish)
#define PQfreemem (bn_pq.PQfreemem)
#define PQgetCopyData (bn_pq.PQgetCopyData)
#define PQgetResult (bn_pq.PQgetResult)
#define PQgetisnull (bn_pq.PQgetisnull)
#define PQgetlength (bn_pq.PQgetlength)
#define PQgetvalue (bn_pq.PQgetvalue)
#define PQntuples (bn_pq.PQntuples)
#define PQpipelineSync (bn_pq.PQpipelineSync)
#define PQprepare (bn_pq.PQprepare)
#define PQreset (bn_pq.PQreset)
#define PQresultErrorField (bn_pq.PQresultErrorField)
#define PQresultStatus (bn_pq.PQresultStatus)
#define PQsendQueryPrepared (bn_pq.PQsendQueryPrepared)
#define PQsetNoticeProcessor (bn_pq.PQsetNoticeProcessor)
#define PQsetSingleRowMode (bn_pq.PQsetSingleRowMode)
#define PQstatus (bn_pq.PQstatus)
#define PQtransactionStatus (bn_pq.PQtransactionStatus)
#endif

/* Advisory lock keys, so that every bounce process on every machine
 * agrees. Migrations: one key per database. Writes: the pair ("boun", oid
 * of the list's suppression table), so that lists in different schemas of
 * one database do not wait for each other. */
#define PG_LOCK_MIGRATE 0x626f756e63650001LL /* "bounce" + 1 */
#define PG_LOCK_WRITE_CLASS 1651471726       /* "boun" */
#define PG_LOCK_WRITE_SQL                                                      \
    "SELECT pg_advisory_xact_lock(1651471726, 'suppression'::regclass::oid::int)"

enum pg_stmt {
    PS_META_GET, PS_META_SET, PS_EV_INSERT, PS_EV_INSERT_HIST,
    PS_MANUAL_INSERT, PS_HISTORY,
    PS_SUPP_GET, PS_SUPP_PUT, PS_SUPP_DEL, PS_SUPP_CLEAR, PS_SUPP_ITER,
    PS_EV_ITER, PS_EV_HISTORY, PS_EV_UPDATE, PS_ADDRESSES, PS_MANUAL_ITER,
    PS_MANUAL_UPDATE, PS_STATE_GET, PS_STATE_PUT, PS_STATE_DEL,
    PS_COUNT
};

/* A write to the list, buffered until the next read of the list or the
 * commit, then sent with the others in one pipeline (one round trip). */
typedef struct pg_write {
    enum pg_stmt id;     /* PS_SUPP_PUT or PS_SUPP_DEL */
    int n;
    char *block;         /* the parameters' text, one allocation */
    const char *vals[10];
} pg_write;

#define PG_WRITES_MAX 1000 /* flushed when this many are waiting */

typedef struct pg_store {
    PGconn *conn;
    char name[256];      /* the uri without its password, for messages */
    long wait_ms;
    bool readonly, bulk;
    uint32_t prepared;   /* bit per pg_stmt prepared on this connection */
    PGresult *kept;      /* result whose strings supp_get handed out */
    char *clean;         /* scratch for UTF-8-cleaned parameters */
    size_t clean_cap;
    PGresult *hist;      /* history read with the last insert (one use) */
    char hist_addr[BN_ADDR_MAX];
    pg_write *w;         /* buffered list writes */
    size_t nw;
} pg_store;

#define PG(s) ((pg_store *)(s)->impl)

/* the connection and transactions (store_pg.c) */
int pg_open(bn_store *s, const char *uri, const bn_store_opts *o);
void pg_close(bn_store *s);
int pg_begin(bn_store *s);
int pg_commit(bn_store *s);
void pg_rollback(bn_store *s);

/* pg_fail - map a failed result (or a lost connection) onto bn_err with a
 * message naming the database and what was being done; clears res */
int pg_fail(bn_store *s, PGresult *res, const char *what);
/* pg_exec - run SQL without parameters; BN_OK when it gave want */
int pg_exec(bn_store *s, const char *sql, ExecStatusType want, const char *what);
/* pg_run - a prepared statement with text parameters (NULL: SQL NULL) */
PGresult *pg_run(bn_store *s, enum pg_stmt id, int n, const char *const *vals,
                 const int *lens, const int *fmts);
/* pg_prepare - prepare a statement on first use; NULL or a failed result */
PGresult *pg_prepare(bn_store *s, enum pg_stmt id);
/* pg_flush - send the buffered list writes (one pipeline round trip) */
int pg_flush(bn_store *s);
/* pg_forget - drop buffered writes and the history cache (rollback) */
void pg_forget(bn_store *s);
/* pg_sql - the text of a statement */
const char *pg_sql(enum pg_stmt id);

/* bn_pg_schema - the migrations, in order (store_pg_schema.c) */
extern const char *const bn_pg_schema[];
extern const unsigned bn_pg_schema_count;

#endif
