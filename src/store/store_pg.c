/*
 * store_pg.c - the PostgreSQL backend of the store: one list shared by
 * many machines (libpq)
 *
 * The uri is a libpq connection URI (postgresql://user@host/db?...) or
 * "pg:" / "postgresql:" followed by an optional keyword/value string
 * ("pg:host=/run/postgresql dbname=bounce"); empty, libpq takes the PG*
 * variables (PGHOST, PGDATABASE, PGUSER, PGPASSFILE...).
 *
 * Semantics match the SQLite backend: the same tables and keys
 * (store_pg_schema.c), migrations applied on open inside one transaction
 * under an advisory lock (concurrent openers wait for each other), and one
 * writer at a time: a write transaction takes pg_advisory_xact_lock on the
 * list's key (store_pg.h), like SQLite's BEGIN IMMEDIATE. That is what keeps the
 * policy's decisions right when two machines ingest bounces of the same
 * address at once: the second transaction folds the address's history
 * only after the first committed, and under READ COMMITTED every statement
 * sees what was committed before it. Deduplication is the unique key with
 * ON CONFLICT DO NOTHING. lock_timeout is the bounded wait (BN_EBUSY).
 *
 * A lost connection fails the current transaction with BN_EUNAVAIL
 * (nothing of it is written: PostgreSQL rolls it back) and the next
 * bn_store_begin reconnects, so a long run can retry its batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "store/store_pg.h"

/* redact - the uri for messages, without a password */
static void redact(const char *uri, char *out, size_t size)
{
    const char *scheme = strstr(uri, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at)
        snprintf(out, size, "%.*s:***%s", (int)(colon - uri), uri, at);
    else
        snprintf(out, size, "%s", uri);
    char *pw = strstr(out, "password=");
    if (pw) /* keyword form or a query parameter: cut there */
        snprintf(pw, size - (size_t)(pw - out), "password=***");
}

/* conninfo_of - what libpq gets: a URI as is, else what follows "pg:" */
static const char *conninfo_of(const char *uri)
{
    static const char *const prefix[] = {"postgresql:", "postgres:", "pg:"};
    if (strstr(uri, "://"))
        return uri;
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
        if (!strncmp(uri, prefix[i], strlen(prefix[i])))
            return uri + strlen(prefix[i]);
    return uri;
}

/* lost_state - an SQLSTATE that ends the session (connection failure,
 * administrator shutdown, crash): a retry needs a new connection */
static bool lost_state(const char *st)
{
    return st && (!strncmp(st, "08", 2) || !strncmp(st, "57P", 3));
}

/* sqlstate_class - the bn_err for an SQLSTATE (NULL and no result: the
 * connection) */
static int sqlstate_class(const char *st, bool conn_bad, bool no_result)
{
    if (conn_bad || (!st && no_result) || lost_state(st) ||
        (st && !strcmp(st, "53300")))
        return BN_EUNAVAIL; /* lost, shut down, starting, too many clients */
    if (!st)
        return BN_ESTORE;
    if (!strcmp(st, "55P03") || !strcmp(st, "40P01") || !strcmp(st, "40001"))
        return BN_EBUSY;    /* lock timeout, deadlock, serialization */
    if (!strncmp(st, "53", 2))
        return BN_EFULL;    /* disk full, out of memory */
    if (!strcmp(st, "25006") || !strcmp(st, "42501") || !strncmp(st, "28", 2) ||
        !strcmp(st, "3D000"))
        return BN_EUNAVAIL; /* read-only, no permission, auth, no database */
    return BN_ESTORE;
}

/* first_line - the primary message, without "ERROR:" and newlines */
static void first_line(char *out, size_t size, PGresult *res, PGconn *c)
{
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!m || !*m)
        m = PQerrorMessage(c);
    if (!strncmp(m, "ERROR:  ", 8))
        m += 8;
    size_t n = strcspn(m, "\n");
    snprintf(out, size, "%.*s", (int)n, m);
    if (!*out)
        snprintf(out, size, "no answer from the server");
}

/* pg_fail - map a failed result (or a lost connection) onto bn_err */
int pg_fail(bn_store *s, PGresult *res, const char *what)
{
    pg_store *q = PG(s);
    char msg[300];
    bool bad = !q->conn || PQstatus(q->conn) == CONNECTION_BAD;
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int bn = sqlstate_class(st, bad, !res);
    s->lost = bad || lost_state(st);
    first_line(msg, sizeof msg, res, q->conn);
    PQclear(res);
    if (bn == BN_EBUSY)
        bn_store_set_error(s, "%s: the database stayed locked for %.1f s while %s "
                           "(another process holds it: %s)", q->name,
                           (double)q->wait_ms / 1000, what, msg);
    else if (bn == BN_EUNAVAIL && s->lost)
        bn_store_set_error(s, "%s: the server is unreachable while %s (%s); "
                           "nothing of this transaction was written", q->name,
                           what, msg);
    else if (bn == BN_EFULL)
        bn_store_set_error(s, "%s: the server is out of space while %s (%s); "
                           "nothing of this transaction was written", q->name,
                           what, msg);
    else
        bn_store_set_error(s, "%s: %s (while %s)", q->name, msg, what);
    return bn;
}

/* pg_exec - run SQL without parameters; BN_OK when it gave want */
int pg_exec(bn_store *s, const char *sql, ExecStatusType want, const char *what)
{
    PGresult *res = PQexec(PG(s)->conn, sql);
    if (PQresultStatus(res) != want)
        return pg_fail(s, res, what);
    PQclear(res);
    return BN_OK;
}

/* quiet - drop NOTICEs ("relation exists, skipping"): not for users */
static void quiet(void *arg, const char *message)
{
    (void)arg, (void)message;
}

/* session_setup - settings of every (re)connection */
static int session_setup(bn_store *s)
{
    pg_store *q = PG(s);
    char sql[256];
    long ms = q->wait_ms > 0 ? q->wait_ms : 1; /* 0 would mean forever */
    PQsetNoticeProcessor(q->conn, quiet, NULL);
    snprintf(sql, sizeof sql, "SET lock_timeout = %ld; SET synchronous_commit = %s; "
             "SET default_transaction_read_only = %s", ms,
             q->bulk ? "off" : "on", q->readonly ? "on" : "off");
    return pg_exec(s, sql, PGRES_COMMAND_OK, "setting up the session");
}

/* connect_now - open the connection; BN_EUNAVAIL with libpq's reason */
static int connect_now(bn_store *s, const char *uri)
{
    pg_store *q = PG(s);
    char timeout[32];
    long secs = q->wait_ms / 1000;
    snprintf(timeout, sizeof timeout, "%ld", secs < 2 ? 2 : secs);
    /* the caller's string comes last: its settings win */
    const char *kw[] = {"connect_timeout", "application_name", "client_encoding",
                        "dbname", NULL};
    const char *val[] = {timeout, "bounce", "UTF8", conninfo_of(uri), NULL};
    q->conn = PQconnectdbParams(kw, val, 1);
    if (q->conn && PQstatus(q->conn) == CONNECTION_OK)
        return session_setup(s);
    char msg[300];
    first_line(msg, sizeof msg, NULL, q->conn);
    bn_store_set_error(s, "%s: cannot connect to the PostgreSQL server: %s",
                       q->name, msg);
    return q->conn ? BN_EUNAVAIL : BN_ENOMEM;
}

/* reconnect - after a lost connection: reset and set up (statements are
 * prepared again on first use) */
static int reconnect(bn_store *s)
{
    pg_store *q = PG(s);
    PQclear(q->kept);
    q->kept = NULL;
    q->prepared = 0;
    pg_forget(s);
    PQreset(q->conn);
    if (PQstatus(q->conn) != CONNECTION_OK)
        return pg_fail(s, NULL, "reconnecting");
    return session_setup(s);
}

/* ---- schema ---- */

/* query_int - the first column of a one-row query as a number */
static int query_int(bn_store *s, const char *sql, long long *v, const char *what)
{
    PGresult *res = PQexec(PG(s)->conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        return pg_fail(s, res, what);
    *v = PQgetisnull(res, 0, 0) ? -1 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return BN_OK;
}

/* schema_version - -1: no store here; -2: other tables by our names */
static int schema_version(bn_store *s, long long *v)
{
    long long has = 0;
    int rc = query_int(s, "SELECT CASE WHEN to_regclass('schema_version') IS "
                       "NOT NULL THEN 1 WHEN to_regclass('event') IS NOT NULL OR "
                       "to_regclass('suppression') IS NOT NULL THEN 2 ELSE 0 END",
                       &has, "reading the schema version");
    if (rc || has != 1) {
        *v = has == 2 ? -2 : -1;
        return rc;
    }
    rc = query_int(s, "SELECT max(version) FROM schema_version", v,
                   "reading the schema version");
    if (rc == BN_OK && *v < 0)
        *v = 0;
    return rc;
}

/* apply_migrations - from version v to the newest, in the open transaction */
static int apply_migrations(bn_store *s, long long v)
{
    char sql[96];
    int rc = BN_OK;
    if (v < 0)
        rc = pg_exec(s, "CREATE TABLE schema_version (version integer NOT NULL); "
                     "INSERT INTO schema_version VALUES (0)", PGRES_COMMAND_OK,
                     "creating the schema");
    for (unsigned i = v < 0 ? 0 : (unsigned)v; rc == BN_OK && i < bn_pg_schema_count; i++)
        rc = pg_exec(s, bn_pg_schema[i], PGRES_COMMAND_OK, "migrating the schema");
    snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %u",
             bn_pg_schema_count);
    return rc ? rc : pg_exec(s, sql, PGRES_COMMAND_OK, "migrating the schema");
}

/* version_problem - a version this bounce cannot use; message set */
static int version_problem(bn_store *s, long long v, bool readonly)
{
    pg_store *q = PG(s);
    if (v == -2) {
        bn_store_set_error(s, "%s: not a bounce database (it has tables named "
                           "event or suppression but no schema_version)", q->name);
        return BN_ESTORE;
    }
    if (v > (long long)bn_pg_schema_count) {
        bn_store_set_error(s, "%s: schema version %lld is newer than this bounce "
                           "knows (%u); upgrade bounce", q->name, v, bn_pg_schema_count);
        return BN_ESTORE;
    }
    /* a reader needs version 1's tables only (2 added the state table) */
    if (readonly && v < 1) {
        bn_store_set_error(s, v < 0 ? "%s: no suppression list there (no bounce "
                           "tables in this database)" : "%s: the schema needs "
                           "migrating; open it once for writing", q->name);
        return v < 0 ? BN_EUNAVAIL : BN_ESTORE;
    }
    return BN_OK;
}

/* migrate_locked - under the migration lock: look again, migrate in one
 * transaction (begun after the lock, so it sees the other opener's tables) */
static int migrate_locked(bn_store *s)
{
    long long v;
    int rc = pg_exec(s, "BEGIN", PGRES_COMMAND_OK, "migrating the schema");
    if (rc == BN_OK && (rc = schema_version(s, &v)) == BN_OK &&
        (rc = version_problem(s, v, false)) == BN_OK &&
        v < (long long)bn_pg_schema_count)
        rc = apply_migrations(s, v);
    if (rc == BN_OK)
        return pg_exec(s, "COMMIT", PGRES_COMMAND_OK, "committing the migration");
    PQclear(PQexec(PG(s)->conn, "ROLLBACK"));
    return rc;
}

/* migrate - bring the schema up to date; concurrent openers wait on a
 * session advisory lock, the first migrates, the others find it done */
static int migrate(bn_store *s, bool readonly)
{
    char sql[96];
    long long v;
    int rc = schema_version(s, &v);
    if (rc == BN_OK)
        rc = version_problem(s, v, readonly);
    if (rc || v == (long long)bn_pg_schema_count || readonly)
        return rc; /* a reader uses an older schema as it is */
    snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%lld)",
             (long long)PG_LOCK_MIGRATE);
    if ((rc = pg_exec(s, sql, PGRES_TUPLES_OK, "locking to migrate")))
        return rc;
    rc = migrate_locked(s);
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%lld)",
             (long long)PG_LOCK_MIGRATE);
    PQclear(PQexec(PG(s)->conn, sql));
    return rc;
}

/* ---- open, close, transactions ---- */

/* pg_open - connect, set up the session, migrate */
int pg_open(bn_store *s, const char *uri, const bn_store_opts *o)
{
    char name[256], why[512];
    if (bn_pq_load(why, sizeof why) != BN_OK) {
        redact(uri, name, sizeof name);
        bn_store_set_error(s, "%s: %s", name, why);
        return BN_EUNAVAIL;
    }
    pg_store *q = bn_calloc(1, sizeof *q);
    if (!q)
        return BN_ENOMEM;
    s->impl = q;
    q->wait_ms = o->wait_ms;
    q->readonly = o->readonly;
    q->bulk = o->bulk;
    redact(uri, q->name, sizeof q->name);
    int rc = connect_now(s, uri);
    return rc ? rc : migrate(s, o->readonly);
}

/* pg_close - end the session */
void pg_close(bn_store *s)
{
    pg_store *q = PG(s);
    if (!q)
        return;
    PQclear(q->kept);
    pg_forget(s);
    bn_free(q->w);
    if (q->conn)
        PQfinish(q->conn);
    bn_free(q->clean);
    bn_free(q);
    s->impl = NULL;
}

/* begin_once - BEGIN and the write lock in one round trip */
static int begin_once(bn_store *s)
{
    return pg_exec(s, "BEGIN; " PG_LOCK_WRITE_SQL, PGRES_TUPLES_OK,
                   "starting a write");
}

/* pg_begin - a write transaction; a lost connection is re-opened first */
int pg_begin(bn_store *s)
{
    pg_store *q = PG(s);
    int rc = BN_OK;
    pg_forget(s);
    if (PQstatus(q->conn) != CONNECTION_OK)
        rc = reconnect(s);
    rc = rc ? rc : begin_once(s);
    if (rc == BN_EUNAVAIL && PQstatus(q->conn) != CONNECTION_OK &&
        (rc = reconnect(s)) == BN_OK) /* the server restarted since */
        rc = begin_once(s);
    return rc;
}

/* pg_commit - COMMIT; the server may answer ROLLBACK for a failed transaction */
int pg_commit(bn_store *s)
{
    int rc = pg_flush(s);
    if (rc)
        return rc;
    PGresult *res = PQexec(PG(s)->conn, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return pg_fail(s, res, "committing (if the connection was lost during "
                       "the commit, the batch may or may not be stored: run "
                       "again, stored bounces are skipped)");
    bool ok = !strcmp(PQcmdStatus(res), "COMMIT");
    PQclear(res);
    if (!ok)
        bn_store_set_error(s, "%s: the server rolled the transaction back",
                           PG(s)->name);
    return ok ? BN_OK : BN_ESTORE;
}

/* pg_rollback - ROLLBACK when a transaction is open */
void pg_rollback(bn_store *s)
{
    PGconn *c = PG(s)->conn;
    pg_forget(s);
    if (c && PQstatus(c) == CONNECTION_OK &&
        PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
}

/* pg_prepare - prepare a statement on first use (a short-lived `bounce
 * check` then pays for the one it runs); NULL, or the failed result */
PGresult *pg_prepare(bn_store *s, enum pg_stmt id)
{
    pg_store *q = PG(s);
    char name[16];
    if (q->prepared & (1u << id))
        return NULL;
    snprintf(name, sizeof name, "bn%d", (int)id);
    PGresult *res = PQprepare(q->conn, name, pg_sql(id), 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return res;
    PQclear(res);
    q->prepared |= 1u << id;
    return NULL;
}

/* pg_run - a prepared statement; the result (check its status) */
PGresult *pg_run(bn_store *s, enum pg_stmt id, int n, const char *const *vals,
                 const int *lens, const int *fmts)
{
    char name[16];
    PGresult *failed = pg_prepare(s, id);
    if (failed)
        return failed;
    snprintf(name, sizeof name, "bn%d", (int)id);
    return PQexecPrepared(PG(s)->conn, name, n, vals, lens, fmts, 0);
}
