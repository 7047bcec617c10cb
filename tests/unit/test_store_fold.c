/*
 * test_store_fold - incremental ingest gives the list a rebuild gives
 *
 * Ingest folds only what a new event can change; `bounce rebuild` folds
 * every address from scratch. Over a large randomised history (hard, soft,
 * suspend, complaint, delivery, sender-side and ignored events, manual
 * suppress/unsuppress with and without expiry, out-of-order and equal
 * times, duplicates, batches of random size and single calls outside a
 * transaction) both must give the same list, entry for entry. A second
 * store fed the same operations in other batch sizes must give it too.
 * Any shortcut in the incremental fold that is not exact shows up here.
 * Also: a list of schema version 1 is readable as it is and upgraded by
 * its first writer.
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
#include <sqlite3.h>

#include "bounce.h"
#include "store_test_util.h"

#define DB_A BN_BINARY_DIR "/test_store_fold_a.db"
#define DB_B BN_BINARY_DIR "/test_store_fold_b.db"
#define HOUR 3600L
#define DAY 86400L
#define N_ADDR 150
#define N_OPS 5000
#define SLOTS (60 * 24 + 20) /* hours: 60 days back to 20 h ahead */


/* One generated operation: a record (as one message) or a manual action. */
typedef struct op {
    int kind;      /* 0..7 record kinds, 8 suppress, 9 unsuppress */
    int addr;
    time_t time;
    time_t until;  /* manual suppress */
    unsigned msg;  /* message text number: equal numbers are duplicates */
} op;

/* rnd - xorshift64*, deterministic per seed */
static uint64_t rnd(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1DULL;
}

/* time_base - hour-aligned start whose expiries (all whole hours after an
 * event) stay at least 15 minutes away from now: the test must not
 * straddle an expiry between ingest and rebuild */
static time_t time_base(time_t now)
{
    time_t h = now - now % HOUR;
    time_t off = now % HOUR < HOUR / 2 ? 3 * HOUR / 4 : HOUR / 4;
    return h - 60 * DAY + off;
}

/* gen_ops - the random operation list of a seed */
static void gen_ops(op *v, size_t n, uint64_t seed, time_t base)
{
    uint64_t x = seed;
    for (size_t i = 0; i < n; i++) {
        op *o = &v[i];
        int k = (int)(rnd(&x) % 100);
        o->kind = k < 22 ? 0 : k < 52 ? 1 : k < 64 ? 2 : k < 70 ? 3 : k < 75 ? 4
                  : k < 83 ? 5 : k < 88 ? 6 : k < 94 ? 7 : k < 97 ? 8 : 9;
        /* skewed: a few addresses get long histories */
        o->addr = (int)(rnd(&x) % 4 ? rnd(&x) % N_ADDR : rnd(&x) % 8);
        /* coarse slots: equal times for one address happen */
        /* a quarter of the addresses never bounce hard (their soft
         * entries stay visible), another quarter only softly or suspended */
        if (o->addr % 4 == 0 && (o->kind == 0 || o->kind == 4 || o->kind == 5))
            o->kind = 1;
        if (o->addr % 4 == 1 && (o->kind == 0 || o->kind == 4))
            o->kind = 5;
        o->time = base + (time_t)(rnd(&x) % SLOTS) * HOUR;
        o->until = rnd(&x) % 2 ? 0 : o->time + (time_t)(1 + rnd(&x) % 2000) * HOUR;
        o->msg = (unsigned)i;
        if (i > 0 && rnd(&x) % 12 == 0) /* an earlier op again: a duplicate */
            *o = v[rnd(&x) % i];
    }
}

/* make_rec - the record of a record op */
static bn_record make_rec(const op *o, char *addr, size_t size)
{
    static const bn_reason reason[8] = {
        BN_REASON_USERUNKNOWN, BN_REASON_MAILBOXFULL, BN_REASON_DELIVERED,
        BN_REASON_BLOCKED, BN_REASON_FEEDBACK, BN_REASON_SUSPEND,
        BN_REASON_VACATION, BN_REASON_USERUNKNOWN};
    static const char *const status[8] = {"5.1.1", "4.2.2", "2.0.0", "5.7.1",
                                          "", "5.2.1", "", "4.1.1"};
    bn_record r;
    memset(&r, 0, sizeof r);
    snprintf(addr, size, "user%d@example%d.org", o->addr, o->addr % 7);
    r.recipient = (bn_str){addr, strlen(addr)};
    r.timestamp = o->time;
    r.verdict.reason = reason[o->kind];
    r.verdict.hardbounce = o->kind == 0;
    r.verdict.permanence = status[o->kind][0] == '5' ? BN_PERM_PERMANENT
                                                     : BN_PERM_TRANSIENT;
    snprintf(r.verdict.status, sizeof r.verdict.status, "%s", status[o->kind]);
    if (o->kind == 4)
        r.feedback_type = (bn_str){"abuse", 5};
    r.diagnostic = (bn_str){"generated", 9};
    r.verdict.rule = "test";
    r.format = "test";
    return r;
}

/* apply - one operation (inside or outside a transaction) */
static void apply(bn_store *s, const op *o)
{
    char addr[64], msg[32];
    int rc;
    if (o->kind >= 8) {
        snprintf(addr, sizeof addr, "user%d@example%d.org", o->addr, o->addr % 7);
        bn_manual m = {addr, strlen(addr), "generated", "test", o->time,
                       o->kind == 8 ? o->until : 0};
        rc = o->kind == 8 ? bn_store_suppress(s, &m) : bn_store_unsuppress(s, &m);
    } else {
        bn_record r = make_rec(o, addr, sizeof addr);
        snprintf(msg, sizeof msg, "message %u", o->msg);
        rc = bn_store_ingest(s, &r, 1, "test", msg, strlen(msg), NULL);
    }
    if (rc)
        fail_msg("op: %s", bn_store_errmsg(s));
}

/* feed - every operation, in transactions of random size (0: alone) */
static void feed(bn_store *s, const op *v, size_t n, uint64_t seed)
{
    uint64_t x = seed;
    for (size_t i = 0; i < n;) {
        size_t batch = rnd(&x) % 5 == 0 ? 0 : 1 + rnd(&x) % 400;
        if (batch == 0) {
            apply(s, &v[i++]);
            continue;
        }
        assert_int_equal(bn_store_begin(s), BN_OK);
        for (size_t k = 0; k < batch && i < n; k++)
            apply(s, &v[i++]);
        assert_int_equal(bn_store_commit(s), BN_OK);
    }
}

typedef struct listing {
    char *text;
    size_t len, cap;
    unsigned kinds[BN_CLASS_COUNT];
    size_t entries;
} listing;

/* add_entry - one entry as a line (every field the fold decides) */
static int add_entry(void *ctx, const bn_suppression *e)
{
    listing *l = ctx;
    char line[512];
    int n = snprintf(line, sizeof line, "%s %s %s %lld %lld %u %lld\n", e->address,
                     bn_class_name(e->kind), e->reason, (long long)e->since,
                     (long long)e->until, e->soft_count, e->event_id);
    assert_true(n > 0 && (size_t)n < sizeof line);
    if (l->len + (size_t)n + 1 > l->cap) {
        l->cap = (l->cap + (size_t)n + 1) * 2;
        l->text = realloc(l->text, l->cap);
        assert_non_null(l->text);
    }
    memcpy(l->text + l->len, line, (size_t)n + 1);
    l->len += (size_t)n;
    l->kinds[e->kind]++;
    l->entries++;
    return 0;
}

/* list_of - the whole list as text */
static listing list_of(bn_store *s)
{
    listing l = {0};
    if (bn_store_list(s, NULL, add_entry, &l))
        fail_msg("list: %s", bn_store_errmsg(s));
    if (!l.text)
        l.text = calloc(1, 1);
    return l;
}

/* open_fresh - a new store */
static bn_store *open_fresh(const char *path)
{
    bn_store *s;
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.bulk = true;
    rm_db(path);
    if (bn_store_open(&s, path, &o))
        fail_msg("open: %s", bn_store_errmsg(s));
    return s;
}

/* check_seed - incremental == rebuild == other batching, for one seed */
static void check_seed(uint64_t seed)
{
    op *v = calloc(N_OPS, sizeof *v);
    assert_non_null(v);
    gen_ops(v, N_OPS, seed, time_base(time(NULL)));
    bn_store *a = open_fresh(DB_A), *b = open_fresh(DB_B);
    feed(a, v, N_OPS, seed * 7 + 1);
    feed(b, v, N_OPS, seed * 13 + 5);
    listing inc = list_of(a), other = list_of(b);
    assert_int_equal(bn_store_rebuild(a, NULL, NULL), BN_OK);
    listing reb = list_of(a);
    /* the history must exercise every kind of entry, or the test says little */
    assert_true(inc.entries > N_ADDR / 3);
    assert_true(inc.kinds[BN_CLASS_HARD] > 0 && inc.kinds[BN_CLASS_SOFT] > 0 &&
                inc.kinds[BN_CLASS_SUSPEND] > 0 &&
                inc.kinds[BN_CLASS_COMPLAINT] > 0 && inc.kinds[BN_CLASS_MANUAL] > 0);
    assert_string_equal(inc.text, reb.text);
    assert_string_equal(inc.text, other.text);
    free(inc.text), free(reb.text), free(other.text);
    bn_store_close(a);
    bn_store_close(b);
    rm_db(DB_A);
    rm_db(DB_B);
    free(v);
}

/* test_incremental_equals_rebuild - three seeds */
static void test_incremental_equals_rebuild(void **state)
{
    (void)state;
    check_seed(0x9E3779B97F4A7C15ULL);
    check_seed(0xD1B54A32D192ED03ULL);
    check_seed(12345);
}

/* sql_int - one integer from a query on a separate connection */
static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -1;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* sql_exec - run SQL on a separate connection */
static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* hard_now - one hard bounce of addr, an hour ago */
static void hard_now(bn_store *s, const char *addr, const char *msg)
{
    bn_record r;
    memset(&r, 0, sizeof r);
    r.recipient = (bn_str){addr, strlen(addr)};
    r.timestamp = time(NULL) - HOUR;
    r.verdict.reason = BN_REASON_USERUNKNOWN;
    r.verdict.hardbounce = true;
    r.verdict.permanence = BN_PERM_PERMANENT;
    snprintf(r.verdict.status, sizeof r.verdict.status, "5.1.1");
    if (bn_store_ingest(s, &r, 1, "test", msg, strlen(msg), NULL))
        fail_msg("ingest: %s", bn_store_errmsg(s));
}

/* is_suppressed - bn_store_check says so */
static bool is_suppressed(bn_store *s, const char *addr)
{
    bn_suppression e;
    int rc = bn_store_check(s, addr, strlen(addr), &e);
    if (rc != BN_OK && rc != BN_ENOTFOUND)
        fail_msg("check: %s", bn_store_errmsg(s));
    return rc == BN_OK;
}

/* test_migrate_v1 - a version-1 list (address index without the fold's
 * columns) is readable as it is and upgraded by the first writer */
static void test_migrate_v1(void **state)
{
    (void)state;
    bn_store *s = open_fresh(DB_A);
    hard_now(s, "old@example.org", "first");
    bn_store_close(s);
    assert_int_equal(sql_int(DB_A, "PRAGMA user_version"), 4);
    /* what version 1 had (version 3 added the state table) */
    sql_exec(DB_A, "DROP INDEX event_hist; CREATE INDEX event_address ON "
                   "event(address, time); DROP TABLE state; PRAGMA user_version = 1");
    bn_store_opts ro = BN_STORE_OPTS_INIT;
    ro.readonly = true;
    if (bn_store_open(&s, DB_A, &ro))
        fail_msg("readonly open of version 1: %s", bn_store_errmsg(s));
    assert_true(is_suppressed(s, "old@example.org"));
    bn_store_close(s);
    assert_int_equal(sql_int(DB_A, "PRAGMA user_version"), 1);
    bn_store_opts rw = BN_STORE_OPTS_INIT;
    if (bn_store_open(&s, DB_A, &rw))
        fail_msg("open: %s", bn_store_errmsg(s));
    assert_int_equal(sql_int(DB_A, "PRAGMA user_version"), 4);
    assert_int_equal(sql_int(DB_A, "SELECT count(*) FROM sqlite_master WHERE "
                                   "name = 'state'"), 1);
    assert_int_equal(sql_int(DB_A, "SELECT count(*) FROM sqlite_master WHERE "
                                   "name = 'event_hist'"), 1);
    assert_int_equal(sql_int(DB_A, "SELECT count(*) FROM sqlite_master WHERE "
                                   "name = 'event_address'"), 0);
    assert_true(is_suppressed(s, "old@example.org"));
    hard_now(s, "new@example.org", "second");
    hard_now(s, "old@example.org", "third");
    assert_true(is_suppressed(s, "new@example.org"));
    bn_suppression e;
    assert_int_equal(bn_store_check(s, "old@example.org", 15, &e), BN_OK);
    assert_int_equal(e.event_id, 1); /* the first hard bounce still decides */
    bn_store_close(s);
    rm_db(DB_A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_v1),
        cmocka_unit_test(test_incremental_equals_rebuild),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
