/*
 * test_store_migrate.c - a version-3 SQLite list upgraded to version 4, and
 * what version 4 must still recognise as stored before
 *
 * Version 4 finds a stored record by (time, dedup) instead of dedup alone,
 * plus dedup alone for rows stored under their ingest time (no date, or a
 * future one). The version-3 list is built here from its schema as SQL and
 * rows copied from a scratch list (so the dedup keys are the ones ingest
 * computes); rows are then aged by SQL to look like older ingests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "bounce.h"
#include "core/alloc.h"
#include "store/store.h"
#include "store_test_util.h"

#define DB BN_BINARY_DIR "/test_store_migrate.db"
#define SCRATCH BN_BINARY_DIR "/test_store_migrate_scratch.db"
#define DAY 86400L

/* The schema as version 3 of bounce created it (migrations 1-3 applied:
 * sqlite3 .schema of such a file), with its version number. */
static const char v3_schema[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "CREATE TABLE event (id INTEGER PRIMARY KEY, dedup BLOB NOT NULL UNIQUE,"
    " time INTEGER NOT NULL, ingested INTEGER NOT NULL, class TEXT NOT NULL,"
    " address TEXT NOT NULL, recipient TEXT NOT NULL, domain TEXT NOT NULL,"
    " reason TEXT NOT NULL, status TEXT NOT NULL, replycode INTEGER NOT NULL,"
    " hardbounce INTEGER NOT NULL, permanence TEXT NOT NULL, fault TEXT NOT NULL,"
    " diagnostic TEXT NOT NULL, rule TEXT NOT NULL, format TEXT NOT NULL,"
    " dsn_action TEXT NOT NULL, feedback_type TEXT NOT NULL,"
    " addresser TEXT NOT NULL, message_id TEXT NOT NULL, source TEXT NOT NULL,"
    " ip TEXT NOT NULL, remote_mta TEXT NOT NULL, blocklist TEXT NOT NULL) STRICT;"
    "CREATE INDEX event_time ON event(time);"
    "CREATE TABLE manual (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " address TEXT NOT NULL, recipient TEXT NOT NULL, domain TEXT NOT NULL,"
    " action TEXT NOT NULL CHECK (action IN ('suppress', 'unsuppress')),"
    " until INTEGER NOT NULL, note TEXT NOT NULL, who TEXT NOT NULL) STRICT;"
    "CREATE INDEX manual_address ON manual(address, time);"
    "CREATE TABLE suppression (address TEXT PRIMARY KEY, domain TEXT NOT NULL,"
    " kind TEXT NOT NULL, reason TEXT NOT NULL, since INTEGER NOT NULL,"
    " expires INTEGER NOT NULL, event_id INTEGER REFERENCES event(id),"
    " manual_id INTEGER REFERENCES manual(id), soft_count INTEGER NOT NULL,"
    " updated INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX event_hist ON event(address, time, id, class, reason);"
    "CREATE TABLE state (key TEXT PRIMARY KEY, value BLOB NOT NULL,"
    " updated INTEGER NOT NULL) STRICT;"
    "PRAGMA user_version = 3;";


/* open_store - open (or create) a list for writing */
static bn_store *open_store(const char *path)
{
    bn_store *s;
    if (bn_store_open(&s, path, NULL) != BN_OK)
        fail_msg("open %s: %s", path, bn_store_errmsg(s));
    return s;
}

/* sql_exec - run SQL on a connection of its own */
static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    char *err = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
    sqlite3_free(err);
    sqlite3_close(db);
}

/* sql_int - the first column of the first row as an integer (-1: no row) */
static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* dump - every row of a query as text, columns separated, blobs quoted
 * (bn_free) */
static char *dump(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    size_t n = 0, cap = 1 << 16;
    char *out = bn_malloc(cap);
    assert_non_null(out);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            size_t len = v ? strlen(v) : 4;
            while (n + len + 2 >= cap)
                assert_non_null(out = bn_realloc(out, cap *= 2));
            memcpy(out + n, v ? v : "NULL", len);
            n += len;
            out[n++] = i + 1 < sqlite3_column_count(st) ? '|' : '\n';
        }
    }
    out[n] = '\0';
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/* The content of every table, blobs as hex (what the migration keeps). */
static const char *const tables[] = {
    "SELECT id, hex(dedup), time, ingested, class, address, recipient, domain, "
    "reason, status, replycode, hardbounce, permanence, fault, diagnostic, rule, "
    "format, dsn_action, feedback_type, addresser, message_id, source, ip, "
    "remote_mta, blocklist FROM event ORDER BY id",
    "SELECT * FROM manual ORDER BY id",
    "SELECT * FROM suppression ORDER BY address",
    "SELECT key, hex(value), updated FROM state ORDER BY key",
    "SELECT * FROM meta WHERE key = 'policy'",
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* rec - a record: recipient, reason, own time (0: none), diagnostic */
static bn_record rec(const char *addr, bn_reason r, time_t t, const char *diag)
{
    bn_record x;
    memset(&x, 0, sizeof x);
    x.recipient = (bn_str){addr, strlen(addr)};
    x.timestamp = t;
    x.diagnostic = (bn_str){diag, strlen(diag)};
    x.verdict.reason = r;
    x.verdict.hardbounce = r == BN_REASON_USERUNKNOWN;
    x.verdict.permanence = r == BN_REASON_MAILBOXFULL ? BN_PERM_TRANSIENT
                                                      : BN_PERM_PERMANENT;
    snprintf(x.verdict.status, sizeof x.verdict.status, "%s",
             r == BN_REASON_MAILBOXFULL ? "4.2.2" : "5.1.1");
    x.format = "test";
    return x;
}

/* The records of the tests: each one its own message (name = message). */
enum { R_HARD, R_SOFT, R_NODATE, R_LATE, R_COUNT };
static const char *const rec_msg[R_COUNT] = {"hard", "soft", "nodate", "late"};

/* make - record i, dated relative to now */
static bn_record make(int i, time_t now)
{
    switch (i) {
    case R_HARD: return rec("hard@example.org", BN_REASON_USERUNKNOWN, now - 2 * DAY,
                            "550 5.1.1 no such user");
    case R_SOFT: return rec("soft@example.org", BN_REASON_MAILBOXFULL, now - DAY,
                            "452 4.2.2 mailbox full");
    case R_NODATE: return rec("nodate@example.net", BN_REASON_USERUNKNOWN, 0,
                              "550 5.1.1 unknown");
    default: /* dated yesterday: in the future when "first stored" below */
        return rec("late@example.net", BN_REASON_USERUNKNOWN, now - DAY,
                   "550 5.1.1 gone");
    }
}

/* ingest - records [from, to) each as its own message; the stats */
static bn_ingest_stats ingest(bn_store *s, int from, int to, time_t now)
{
    bn_ingest_stats st = {0};
    for (int i = from; i < to; i++) {
        bn_record r = make(i, now);
        if (bn_store_ingest(s, &r, 1, "migrate.mbox", rec_msg[i],
                            strlen(rec_msg[i]), &st) != BN_OK)
            fail_msg("ingest %s: %s", rec_msg[i], bn_store_errmsg(s));
    }
    return st;
}

/* age_sql - SQL making record msg look stored at `when` under its ingest
 * time (as a record without date, or dated in the future, was) */
static void age_sql(char *buf, size_t size, const char *addr, time_t when)
{
    snprintf(buf, size, "UPDATE event SET time = %lld, ingested = %lld "
             "WHERE address = '%s'", (long long)when, (long long)when, addr);
}

/* build_v3 - a version-3 list holding the scratch list's rows, the dateless
 * record stored 3 days ago and the late one 5 days ago (then 4 days early) */
static void build_v3(time_t now)
{
    char sql[512];
    rm_db(DB);
    sql_exec(DB, v3_schema);
    snprintf(sql, sizeof sql, "ATTACH '%s' AS s; INSERT INTO meta SELECT * FROM "
             "s.meta; INSERT INTO event SELECT * FROM s.event; INSERT INTO manual "
             "SELECT * FROM s.manual; INSERT INTO suppression SELECT * FROM "
             "s.suppression; INSERT INTO state SELECT * FROM s.state", SCRATCH);
    sql_exec(DB, sql);
    age_sql(sql, sizeof sql, "nodate@example.net", now - 3 * DAY);
    sql_exec(DB, sql);
    age_sql(sql, sizeof sql, "late@example.net", now - 5 * DAY);
    sql_exec(DB, sql);
}

/* scratch - a list with the records, a manual action and a state blob */
static void scratch(time_t now)
{
    rm_db(SCRATCH);
    bn_store *s = open_store(SCRATCH);
    bn_ingest_stats st = ingest(s, 0, R_COUNT, now);
    assert_int_equal(st.events, R_COUNT);
    bn_manual m = {.address = "kept@example.com", .address_len = 16,
                   .note = "asked to stop", .who = "tester"};
    assert_int_equal(bn_store_suppress(s, &m), BN_OK);
    assert_int_equal(bn_store_state_put(s, "log:/var/log/mail.log", "4096", 4), BN_OK);
    bn_store_close(s);
}

/* check_same - every table as before the migration */
static void check_same(char *const before[NTABLES])
{
    for (size_t i = 0; i < NTABLES; i++) {
        char *after = dump(DB, tables[i]);
        assert_string_equal(after, before[i]);
        bn_free(after);
    }
}

/* check_v4_schema - the indexes of version 4, the old ones gone */
static void check_v4_schema(void)
{
    assert_int_equal(sql_int(DB, "PRAGMA user_version"), 4);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                 "('event_key', 'event_untimed', 'event_hist')"), 3);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                 "('event_time', 'event_v4', "
                                 "'sqlite_autoindex_event_1')"), 0);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM pragma_integrity_check "
                                 "WHERE integrity_check != 'ok'"), 0);
}

/* test_migrate_v3 - a version-3 list opens, migrates with every row as it
 * was, and knows each of its records as stored */
static void test_migrate_v3(void **state)
{
    (void)state;
    time_t now = time(NULL);
    char *before[NTABLES];
    scratch(now);
    build_v3(now);
    for (size_t i = 0; i < NTABLES; i++)
        before[i] = dump(DB, tables[i]);
    assert_non_null(strstr(before[0], "hard@example.org"));
    bn_store *s = open_store(DB);
    check_v4_schema();
    check_same(before);
    /* rows with time = ingested may have had a future date in version 3 */
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM meta WHERE key = "
                                 "'dedup:future-dated'"), 1);
    bn_ingest_stats st = ingest(s, 0, R_COUNT, now);
    assert_int_equal(st.duplicates, R_COUNT);
    assert_int_equal(st.events, 0);
    check_same(before);
    bn_suppression e;
    assert_int_equal(bn_store_check(s, "hard@example.org", 16, &e), BN_OK);
    assert_int_equal(e.event_id, 1);
    assert_string_equal(e.source, "migrate.mbox");
    assert_int_equal(bn_store_check(s, "kept@example.com", 16, &e), BN_OK);
    char *val;
    size_t len;
    assert_int_equal(bn_store_state_get(s, "log:/var/log/mail.log", &val, &len), BN_OK);
    assert_string_equal(val, "4096");
    bn_free(val);
    bn_record r = rec("new@example.org", BN_REASON_USERUNKNOWN, now - 60, "550 x");
    st = (bn_ingest_stats){0};
    assert_int_equal(bn_store_ingest(s, &r, 1, "new", "new", 3, &st), BN_OK);
    assert_int_equal(st.events, 1);
    assert_int_equal(sql_int(DB, "SELECT max(id) FROM event"), R_COUNT + 1);
    bn_store_close(s);
    for (size_t i = 0; i < NTABLES; i++)
        bn_free(before[i]);
    rm_db(DB);
    rm_db(SCRATCH);
}

/* test_untimed_v4 - in a new list: a record without date stored an hour
 * ago, and one dated in the future then (its date has come since), are
 * both known again; a future-dated record marks the list */
static void test_untimed_v4(void **state)
{
    (void)state;
    time_t now = time(NULL);
    char sql[512];
    rm_db(DB);
    bn_store *s = open_store(DB);
    /* migration 4 on a new list reuses what it frees (no hidden room
     * beyond BOUNCE_DB_MAX_PAGES) */
    assert_int_equal(sql_int(DB, "PRAGMA freelist_count"), 0);
    assert_int_equal(ingest(s, R_NODATE, R_COUNT, now).events, 2);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM meta WHERE key = "
                                 "'dedup:future-dated'"), 0);
    /* as if stored earlier: nodate an hour ago, late 5 days ago (when its
     * date was 4 days ahead) by another process, which set the mark */
    age_sql(sql, sizeof sql, "nodate@example.net", now - 3600);
    sql_exec(DB, sql);
    age_sql(sql, sizeof sql, "late@example.net", now - 5 * DAY);
    sql_exec(DB, sql);
    sql_exec(DB, "INSERT INTO meta VALUES('dedup:future-dated', '1')");
    bn_ingest_stats st = ingest(s, R_NODATE, R_COUNT, now);
    assert_int_equal(st.duplicates, 2);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM event"), 2);
    /* a record dated 3 days ahead is stored now, under the ingest time */
    sql_exec(DB, "DELETE FROM meta WHERE key = 'dedup:future-dated'");
    bn_record r = rec("ahead@example.com", BN_REASON_USERUNKNOWN, now + 3 * DAY, "550 y");
    st = (bn_ingest_stats){0};
    assert_int_equal(bn_store_ingest(s, &r, 1, "ahead", "ahead", 5, &st), BN_OK);
    assert_int_equal(st.events, 1);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM event WHERE address = "
                                 "'ahead@example.com' AND time = ingested"), 1);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM meta WHERE key = "
                                 "'dedup:future-dated'"), 1);
    assert_int_equal(bn_store_ingest(s, &r, 1, "ahead", "ahead", 5, &st), BN_OK);
    assert_int_equal(st.duplicates, 1);
    bn_store_close(s);
    rm_db(DB);
}

/* test_timed_fast_path - with no future-dated event, a dated record is not
 * looked for under another time: the mark is what makes the lookup */
static void test_timed_fast_path(void **state)
{
    (void)state;
    time_t now = time(NULL);
    char sql[512];
    rm_db(DB);
    bn_store *s = open_store(DB);
    assert_int_equal(ingest(s, R_LATE, R_COUNT, now).events, 1);
    age_sql(sql, sizeof sql, "late@example.net", now - 5 * DAY);
    sql_exec(DB, sql);
    /* no mark: a record dated yesterday never had a future date here, so
     * this row (made by hand) is another record's for the store; also right
     * after a duplicate, when the store looks a record up before inserting */
    assert_int_equal(ingest(s, R_HARD, R_SOFT, now).events, 1);
    assert_int_equal(ingest(s, R_HARD, R_SOFT, now).duplicates, 1);
    bn_ingest_stats st = ingest(s, R_LATE, R_COUNT, now);
    assert_int_equal(st.events, 1);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM event"), 3);
    /* ... and the lookups find what is stored, dated or not */
    assert_int_equal(ingest(s, R_LATE, R_COUNT, now).duplicates, 1);
    assert_int_equal(ingest(s, R_NODATE, R_LATE, now).events, 1);
    assert_int_equal(ingest(s, R_HARD, R_SOFT, now).duplicates, 1);
    assert_int_equal(ingest(s, R_NODATE, R_LATE, now).duplicates, 1);
    assert_int_equal(sql_int(DB, "SELECT count(*) FROM event"), 4);
    bn_store_close(s);
    rm_db(DB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_v3),
        cmocka_unit_test(test_untimed_v4),
        cmocka_unit_test(test_timed_fast_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
