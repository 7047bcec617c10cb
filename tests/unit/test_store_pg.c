/*
 * test_store_pg.c - the PostgreSQL backend through the library, with records
 * built in C, on the test cluster of scripts/services.d/postgres.sh
 *
 * What the CLI suite (tests/store/pg.sh) cannot see: the paths of the
 * backend's round-trip savings (the history read with the insert, list
 * writes buffered until a read or the commit), rollback of buffered writes,
 * COPY's escaping of the suppressed set (a note with a tab, a backslash, a
 * newline), a lost connection (BN_EUNAVAIL, bn_store_lost, reconnect on the
 * next begin). Each test works in a fresh schema. Exit 77 (skipped) when
 * BN_SERVICES_DIR is unset or the build has no libpq; a failure when the
 * service was expected but is not there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounce.h"
#include "core/alloc.h"
#include "store/store.h"

#ifdef BN_WITH_POSTGRES
#include <libpq-fe.h>

#define DAY 86400L

static char base_uri[1024];   /* BN_PG_URI of pg.env */
static char uri[1200];        /* base_uri in this test's schema */
static int schema_n;

/* admin - run SQL on the test database outside any store */
static void admin(const char *sql)
{
    PGconn *c = PQconnectdb(base_uri);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PGresult *r = PQexec(c, sql);
    int st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* admin_int - one number from the test schema */
static long admin_int(const char *sql)
{
    char q[600];
    snprintf(q, sizeof q, "SET search_path = ut_%d_%d; %s", (int)getpid(),
             schema_n, sql);
    PGconn *c = PQconnectdb(base_uri);
    PGresult *r = PQexec(c, q);
    long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

/* read_env - BN_PG_URI from $BN_SERVICES_DIR/pg.env (quoted value) */
static int read_env(void)
{
    char path[512], line[1200];
    const char *dir = getenv("BN_SERVICES_DIR");
    snprintf(path, sizeof path, "%s/pg.env", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "BN_PG_URI='", 11)) {
            char *end = strrchr(line + 11, '\'');
            if (end)
                *end = '\0';
            snprintf(base_uri, sizeof base_uri, "%.*s", (int)sizeof base_uri - 1, line + 11);
        }
    fclose(f);
    return base_uri[0] ? 0 : -1;
}

/* fresh - a new list in a new schema */
static bn_store *fresh(void)
{
    char sql[128];
    bn_store *s;
    bn_store_opts o = BN_STORE_OPTS_INIT;
    schema_n++;
    snprintf(sql, sizeof sql, "CREATE SCHEMA ut_%d_%d", (int)getpid(), schema_n);
    admin(sql);
    snprintf(uri, sizeof uri, "%s&options=-csearch_path%%3Dut_%d_%d"
             "&application_name=ut_%d", base_uri, (int)getpid(), schema_n,
             (int)getpid());
    if (bn_store_open(&s, uri, &o))
        fail_msg("open: %s", bn_store_errmsg(s));
    return s;
}

/* rec - a record of a recipient with a reason */
static bn_record rec(const char *addr, bn_reason r, const char *status,
                     bool hard, time_t t)
{
    bn_record x;
    memset(&x, 0, sizeof x);
    x.recipient = (bn_str){addr, strlen(addr)};
    x.timestamp = t;
    x.diagnostic = (bn_str){"550 test", 8};
    x.verdict.reason = r;
    x.verdict.hardbounce = hard;
    x.verdict.permanence = status[0] == '5' ? BN_PERM_PERMANENT : BN_PERM_TRANSIENT;
    snprintf(x.verdict.status, sizeof x.verdict.status, "%s", status);
    x.verdict.rule = "test";
    x.format = "test";
    return x;
}

/* ingest1 - one record as one message with its own text */
static bn_ingest_stats ingest1(bn_store *s, const bn_record *r, const char *msg)
{
    bn_ingest_stats st = {0};
    int rc = bn_store_ingest(s, r, 1, "test", msg, strlen(msg), &st);
    if (rc)
        fail_msg("ingest: %s", bn_store_errmsg(s));
    return st;
}

/* suppressed - check an address */
static bool suppressed(bn_store *s, const char *addr)
{
    bn_suppression e;
    int rc = bn_store_check(s, addr, strlen(addr), &e);
    if (rc != BN_OK && rc != BN_ENOTFOUND)
        fail_msg("check: %s", bn_store_errmsg(s));
    return rc == BN_OK;
}

/* soft_in_one_tx - three soft bounces in one transaction: the third
 * suppresses (history read with each insert, the write buffered) and a
 * check inside the transaction sees it (the buffer is flushed first) */
static void soft_in_one_tx(void **state)
{
    (void)state;
    bn_store *s = fresh();
    time_t t = time(NULL) - 3 * DAY;
    char msg[32];
    size_t became = 0;
    assert_int_equal(bn_store_begin(s), BN_OK);
    for (int i = 0; i < 3; i++) {
        bn_record r = rec("Full@Example.NET", BN_REASON_MAILBOXFULL, "4.2.2",
                          false, t + i * DAY);
        snprintf(msg, sizeof msg, "soft %d", i);
        bn_ingest_stats st = ingest1(s, &r, msg);
        assert_int_equal(st.events, 1);
        became += st.suppressed;
        assert_int_equal(suppressed(s, "full@example.net"), i == 2);
    }
    assert_int_equal(became, 1);
    assert_int_equal(bn_store_commit(s), BN_OK);
    assert_true(suppressed(s, "full@example.net"));
    /* a delivery resets the count: no longer suppressed */
    bn_record d = rec("full@example.net", BN_REASON_DELIVERED, "2.0.0", false,
                      t + 3 * DAY);
    ingest1(s, &d, "delivered");
    assert_false(suppressed(s, "full@example.net"));
    bn_store_close(s);
}

/* rollback_drops_buffered - writes buffered in a rolled-back transaction
 * never reach the server */
static void rollback_drops_buffered(void **state)
{
    (void)state;
    bn_store *s = fresh();
    char addr[64], msg[32];
    assert_int_equal(bn_store_begin(s), BN_OK);
    for (int i = 0; i < 1500; i++) { /* past PG_WRITES_MAX: one flush inside */
        snprintf(addr, sizeof addr, "u%d@example.com", i);
        snprintf(msg, sizeof msg, "m%d", i);
        bn_record r = rec(addr, BN_REASON_USERUNKNOWN, "5.1.1", true, time(NULL));
        ingest1(s, &r, msg);
    }
    bn_store_rollback(s);
    assert_int_equal(admin_int("SELECT count(*) FROM suppression"), 0);
    assert_int_equal(admin_int("SELECT count(*) FROM event"), 0);
    assert_false(suppressed(s, "u1@example.com"));
    assert_int_equal(bn_store_begin(s), BN_OK);
    bn_record r = rec("u1@example.com", BN_REASON_USERUNKNOWN, "5.1.1", true, time(NULL));
    ingest1(s, &r, "again");
    assert_int_equal(bn_store_commit(s), BN_OK);
    assert_int_equal(admin_int("SELECT count(*) FROM suppression"), 1);
    bn_store_close(s);
}

/* rebuild_rate_fault - rebuild reads a stored rate limit's reply again and
 * writes the side it names into the event's fault column, as SQLite does
 * (test_store.c, test_rebuild_rate_side): Gmail's "receiving mail at a
 * rate" stored as the sender's becomes the recipient's soft bounce, a
 * throttle of the sender's IP stays the sender's */
static void rebuild_rate_fault(void **state)
{
    (void)state;
    bn_store *s = fresh();
    time_t t = time(NULL) - 3 * 3600;
    char msg[32];
    const char *text[] = {"452-4.2.1 The user you are trying to contact is receiving mail "
                          "at a rate that prevents additional messages from being "
                          "delivered. - gsmtp",
                          "421 4.7.0 Too many connections from your IP"};
    const char *who[] = {"flooded@gmail.example", "fine@gmail.example"};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 3; i++) {
            bn_record r = rec(who[k], BN_REASON_RATELIMITED, k ? "4.7.0" : "4.2.1",
                              false, t + i * 3600);
            r.diagnostic = (bn_str){text[k], strlen(text[k])};
            r.verdict.fault = BN_FAULT_SENDER; /* as stored before 2026-12-01 */
            r.dsn_action = (bn_str){"failed", 6};
            snprintf(msg, sizeof msg, "rate %d %d", k, i);
            ingest1(s, &r, msg);
        }
    assert_int_equal(bn_store_rebuild(s, NULL, NULL), BN_OK);
    assert_true(suppressed(s, who[0]));
    assert_false(suppressed(s, who[1]));
    assert_int_equal(admin_int("SELECT count(*) FROM event WHERE address = "
                               "'flooded@gmail.example' AND fault = 'recipient' "
                               "AND class = 'soft'"), 3);
    assert_int_equal(admin_int("SELECT count(*) FROM event WHERE address = "
                               "'fine@gmail.example' AND fault = 'sender' "
                               "AND class = 'sender'"), 3);
    bn_store_close(s);
}

/* state_is - the state blob of key is exactly (want, n), NUL after it */
static void state_is(bn_store *s, const char *key, const char *want, size_t n)
{
    char *v;
    size_t len;
    if (bn_store_state_get(s, key, &v, &len) != BN_OK)
        fail_msg("state_get %s: %s", key, bn_store_errmsg(s));
    assert_int_equal(len, n);
    assert_memory_equal(v, want, n);
    assert_int_equal(v[n], '\0');
    bn_free(v);
}

/* state_ops - named blobs: binary-safe (bytea), any key (invalid UTF-8
 * cleaned), replaced, deleted, rolled back and committed with the events
 * of their transaction */
static void state_ops(void **state)
{
    (void)state;
    bn_store *s = fresh();
    const char bin[] = {'a', 0, (char)0xff, '\n', '\\', 'b'};
    const char *badkey = "log:/var/log/m\xe9il.log";
    char *v;
    size_t len;
    assert_int_equal(bn_store_state_get(s, "log:/x", &v, &len), BN_ENOTFOUND);
    assert_int_equal(bn_store_state_put(s, badkey, bin, sizeof bin), BN_OK);
    state_is(s, badkey, bin, sizeof bin);
    assert_int_equal(bn_store_state_put(s, badkey, "1 2 3", 5), BN_OK);
    state_is(s, badkey, "1 2 3", 5);
    assert_int_equal(bn_store_state_put(s, "empty", "", 0), BN_OK);
    state_is(s, "empty", "", 0);
    assert_int_equal(bn_store_begin(s), BN_OK);
    bn_record r = rec("ann@example.com", BN_REASON_USERUNKNOWN, "5.1.1", true, time(NULL));
    ingest1(s, &r, "one");
    assert_int_equal(bn_store_state_put(s, "log:/x", "9", 1), BN_OK);
    bn_store_rollback(s);
    assert_int_equal(bn_store_state_get(s, "log:/x", &v, &len), BN_ENOTFOUND);
    assert_int_equal(bn_store_begin(s), BN_OK);
    ingest1(s, &r, "one");
    assert_int_equal(bn_store_state_put(s, "log:/x", "4 5 6", 5), BN_OK);
    assert_int_equal(bn_store_commit(s), BN_OK);
    bn_store_close(s);
    assert_int_equal(admin_int("SELECT count(*) FROM event"), 1);
    assert_int_equal(admin_int("SELECT count(*) FROM state"), 3);
    assert_int_equal(bn_store_open(&s, uri, NULL), BN_OK);
    state_is(s, "log:/x", "4 5 6", 5);
    assert_int_equal(bn_store_state_put(s, "log:/x", NULL, 0), BN_OK);
    assert_int_equal(bn_store_state_get(s, "log:/x", &v, &len), BN_ENOTFOUND);
    bn_store_close(s);
}

/* state_old_schema - a version-1 list (no state table): a read-only open
 * works without migrating; a writer migrates it to version 2 */
static void state_old_schema(void **state)
{
    (void)state;
    char sql[200];
    bn_store *s = fresh();
    bn_store_close(s);
    assert_int_equal(admin_int("SELECT max(version) FROM schema_version"), 2);
    snprintf(sql, sizeof sql, "DROP TABLE ut_%d_%d.state; UPDATE ut_%d_%d.schema_version "
             "SET version = 1", (int)getpid(), schema_n, (int)getpid(), schema_n);
    admin(sql);
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.readonly = true;
    if (bn_store_open(&s, uri, &o) != BN_OK)
        fail_msg("read-only open of version 1: %s", bn_store_errmsg(s));
    bn_store_close(s);
    assert_int_equal(admin_int("SELECT max(version) FROM schema_version"), 1);
    assert_int_equal(bn_store_open(&s, uri, NULL), BN_OK);
    assert_int_equal(admin_int("SELECT max(version) FROM schema_version"), 2);
    assert_int_equal(bn_store_state_put(s, "log:/x", "7", 1), BN_OK);
    state_is(s, "log:/x", "7", 1);
    bn_store_close(s);
}

/* note_with_escapes - a manual note with a tab, a backslash and a newline
 * comes back intact through COPY (the filter's set) and a lookup */
static void note_with_escapes(void **state)
{
    (void)state;
    bn_store *s = fresh();
    const char *note = "asked\tby phone \\ twice\nsee ticket";
    const char *addr = "Someone@Example.COM";
    bn_manual m = {addr, strlen(addr), note, "tester", 0, 0};
    bn_suppset *set;
    const char *reason = NULL;
    assert_int_equal(bn_store_suppress(s, &m), BN_OK);
    assert_int_equal(bn_suppset_load(&set, s), BN_OK);
    assert_int_equal(bn_suppset_size(set), 1);
    assert_int_equal(bn_suppset_lookup(set, "someone@example.com", 19, &reason), BN_OK);
    assert_string_equal(reason, note);
    assert_int_equal(bn_suppset_lookup(set, "other@example.com", 17, NULL), BN_ENOTFOUND);
    bn_suppset_free(set);
    bn_store_close(s);
}

/* lost_connection - the server ends the session mid-transaction: the
 * failure is BN_EUNAVAIL with bn_store_lost, nothing is written, and the
 * next begin reconnects */
static void lost_connection(void **state)
{
    (void)state;
    bn_store *s = fresh();
    char sql[200];
    assert_int_equal(bn_store_begin(s), BN_OK);
    bn_record r = rec("x@example.com", BN_REASON_USERUNKNOWN, "5.1.1", true, time(NULL));
    ingest1(s, &r, "first");
    /* only this test's sessions: other tests share the server */
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE application_name = 'ut_%d'", (int)getpid());
    admin(sql);
    bn_record r2 = rec("y@example.com", BN_REASON_USERUNKNOWN, "5.1.1", true, time(NULL));
    bn_ingest_stats st = {0};
    int rc = bn_store_ingest(s, &r2, 1, "test", "second", 6, &st);
    if (rc == BN_OK)
        rc = bn_store_commit(s);
    assert_int_equal(rc, BN_EUNAVAIL);
    assert_true(bn_store_lost(s));
    assert_non_null(strstr(bn_store_errmsg(s), "unreachable"));
    bn_store_rollback(s);
    assert_int_equal(bn_store_begin(s), BN_OK); /* reconnected */
    ingest1(s, &r, "first");
    assert_int_equal(bn_store_commit(s), BN_OK);
    assert_true(suppressed(s, "x@example.com"));
    assert_false(suppressed(s, "y@example.com"));
    bn_store_close(s);
}

/* uri_forms - what selects the backend */
static void uri_forms(void **state)
{
    (void)state;
    assert_true(bn_store_is_pg_uri("postgresql://u@h/db"));
    assert_true(bn_store_is_pg_uri("postgres://h/db"));
    assert_true(bn_store_is_pg_uri("pg:"));
    assert_true(bn_store_is_pg_uri("pg:host=/tmp dbname=x"));
    assert_true(bn_store_is_pg_uri("postgresql:"));
    assert_false(bn_store_is_pg_uri("bounce.db"));
    assert_false(bn_store_is_pg_uri("/var/lib/pg/bounce.db"));
    assert_false(bn_store_is_pg_uri("./pg:file"));
}

/* bad_password_hidden - a connection failure names the server, never the
 * password of the URI */
static void bad_password_hidden(void **state)
{
    (void)state;
    bn_store *s;
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.wait_ms = 2000;
    int rc = bn_store_open(&s, "postgresql://who:s3cret@127.0.0.1:1/db", &o);
    assert_int_equal(rc, BN_EUNAVAIL);
    assert_null(strstr(bn_store_errmsg(s), "s3cret"));
    assert_non_null(strstr(bn_store_errmsg(s), "postgresql://who:***@127.0.0.1:1/db"));
    bn_store_close(s);
    rc = bn_store_open(&s, "pg:host=127.0.0.1 port=1 password=s3cret", &o);
    assert_int_equal(rc, BN_EUNAVAIL);
    assert_null(strstr(bn_store_errmsg(s), "s3cret"));
    bn_store_close(s);
}

int main(void)
{
    if (!getenv("BN_SERVICES_DIR")) {
        puts("SKIP: no services (run through 'make test', which starts PostgreSQL)");
        return 77;
    }
    if (read_env()) {
        puts("FAIL: PostgreSQL was expected ($BN_SERVICES_DIR/pg.env) but is not running");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_forms),
        cmocka_unit_test(soft_in_one_tx),
        cmocka_unit_test(rollback_drops_buffered),
        cmocka_unit_test(rebuild_rate_fault),
        cmocka_unit_test(note_with_escapes),
        cmocka_unit_test(state_ops),
        cmocka_unit_test(state_old_schema),
        cmocka_unit_test(lost_connection),
        cmocka_unit_test(bad_password_hidden),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char sql[200];
    for (int i = 1; i <= schema_n; i++) {
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS ut_%d_%d CASCADE",
                 (int)getpid(), i);
        admin(sql);
    }
    return rc;
}
#else
int main(void)
{
    puts("SKIP: built without libpq");
    return 77;
}
#endif
