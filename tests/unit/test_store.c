/*
 * test_store.c - the suppression list over SQLite, with records built in C
 *
 * Each test works on a fresh database file under the build directory.
 * Expected states follow the documented default policy (docs/store.md).
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
#include "core/alloc.h"
#include "store/store.h"
#include "store_test_util.h"

#define DB BN_BINARY_DIR "/test_store.db"
#define DAY 86400L


/* fresh - a new store at DB */
static bn_store *fresh(const bn_policy *policy)
{
    bn_store *s;
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.policy = policy;
    rm_db(DB);
    int rc = bn_store_open(&s, DB, &o);
    if (rc)
        fail_msg("open: %s", bn_store_errmsg(s));
    return s;
}

/* rec - a record of a recipient with a reason */
static bn_record rec(const char *addr, bn_reason r, const char *status,
                     bool hard, time_t t, const char *diag)
{
    bn_record x;
    memset(&x, 0, sizeof x);
    x.recipient = (bn_str){addr, strlen(addr)};
    x.timestamp = t;
    x.diagnostic = (bn_str){diag, strlen(diag)};
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
        fail_msg("check %s: %s", addr, bn_store_errmsg(s));
    return rc == BN_OK;
}

/* count_rows - SELECT count(*) through a separate connection */
static long count_rows(const char *table)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char sql[128];
    long n = -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* test_hard_and_dedup - hard suppresses at once; the same bounce twice is one event */
static void test_hard_and_dedup(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    bn_record r = rec("Tom@Example.COM", BN_REASON_USERUNKNOWN, "5.1.1", true,
                      now - 60, "550 5.1.1 user unknown");
    bn_ingest_stats st = ingest1(s, &r, "message one");
    assert_int_equal(st.events, 1);
    assert_int_equal(st.suppressed, 1);
    st = ingest1(s, &r, "message one");
    assert_int_equal(st.events, 0);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.suppressed, 0);
    assert_true(suppressed(s, "tom@example.com"));
    assert_true(suppressed(s, "<TOM@EXAMPLE.com>"));
    assert_false(suppressed(s, "tom2@example.com"));
    bn_suppression e;
    assert_int_equal(bn_store_check(s, "tom@example.com", 15, &e), BN_OK);
    assert_int_equal(e.kind, BN_CLASS_HARD);
    assert_string_equal(e.reason, "userunknown");
    assert_string_equal(e.diagnostic, "550 5.1.1 user unknown");
    assert_int_equal(e.until, 0);
    assert_int_equal(e.since, now - 60);
    assert_int_equal(bn_store_check(s, "not an address", 14, &e), BN_EINVAL);
    bn_store_close(s);
    assert_int_equal(count_rows("event"), 1);
}

/* test_soft - three soft bounces within 15 days; a delivery resets */
static void test_soft(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    bn_record r1 = rec("b@x.org", BN_REASON_MAILBOXFULL, "4.2.2", false, now - 5 * DAY, "full");
    bn_record r2 = rec("b@x.org", BN_REASON_MAILBOXFULL, "4.2.2", false, now - 4 * DAY, "full");
    bn_record d = rec("b@x.org", BN_REASON_DELIVERED, "2.0.0", false, now - 3 * DAY, "ok");
    bn_record r3 = rec("b@x.org", BN_REASON_MAILBOXFULL, "4.2.2", false, now - 2 * DAY, "full");
    bn_record r4 = rec("b@x.org", BN_REASON_MAILBOXFULL, "4.2.2", false, now - 1 * DAY, "full");
    bn_record r5 = rec("b@x.org", BN_REASON_MAILBOXFULL, "4.2.2", false, now - 100, "full");
    ingest1(s, &r1, "1");
    ingest1(s, &r2, "2");
    assert_false(suppressed(s, "b@x.org"));
    ingest1(s, &d, "3");
    ingest1(s, &r3, "4");
    ingest1(s, &r4, "5");
    assert_false(suppressed(s, "b@x.org")); /* the delivery reset the count */
    bn_ingest_stats st = ingest1(s, &r5, "6");
    assert_int_equal(st.suppressed, 1);
    bn_suppression e;
    assert_int_equal(bn_store_check(s, "b@x.org", 7, &e), BN_OK);
    assert_int_equal(e.kind, BN_CLASS_SOFT);
    assert_int_equal(e.soft_count, 3);
    assert_int_equal(e.until, now - 100 + 30 * DAY);
    bn_store_close(s);
}

/* test_repeat_in_message - a bounce naming a recipient twice (a DSN with two
   blocks for it) is one soft bounce, not two; a record of another class for
   the same address in it still counts */
static void test_repeat_in_message(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    bn_record two[3] = {
        rec("b@x.org", BN_REASON_MAILBOXFULL, "5.2.2", false, now - 3 * DAY, "full"),
        rec("c@x.org", BN_REASON_MAILBOXFULL, "5.2.2", false, now - 3 * DAY, "full"),
        rec("B@X.org", BN_REASON_MAILBOXFULL, "5.2.2", false, now - 3 * DAY, "full, again"),
    };
    bn_ingest_stats st = {0};
    assert_int_equal(bn_store_ingest(s, two, 3, "test", "m1", 2, &st), BN_OK);
    assert_int_equal(st.records, 3);
    assert_int_equal(st.events, 2);
    assert_int_equal(st.duplicates, 1);
    bn_record r2 = rec("b@x.org", BN_REASON_MAILBOXFULL, "5.2.2", false, now - 2 * DAY, "full");
    ingest1(s, &r2, "m2");
    assert_false(suppressed(s, "b@x.org")); /* two bounces, not three */
    bn_record r3 = rec("b@x.org", BN_REASON_MAILBOXFULL, "5.2.2", false, now - DAY, "full");
    ingest1(s, &r3, "m3");
    assert_true(suppressed(s, "b@x.org"));
    /* soft then hard for one address in one bounce: the hard one suppresses */
    bn_record mixed[2] = {
        rec("d@x.org", BN_REASON_MAILBOXFULL, "5.2.2", false, now - DAY, "full"),
        rec("d@x.org", BN_REASON_USERUNKNOWN, "5.1.1", true, now - DAY, "no such user"),
    };
    st = (bn_ingest_stats){0};
    assert_int_equal(bn_store_ingest(s, mixed, 2, "test", "m4", 2, &st), BN_OK);
    assert_int_equal(st.events, 2);
    bn_suppression e;
    assert_int_equal(bn_store_check(s, "d@x.org", 7, &e), BN_OK);
    assert_int_equal(e.kind, BN_CLASS_HARD);
    bn_store_close(s);
}

/* test_guessed_recipient - a record whose recipient is a guess (the report
   named none) is kept as an event but never suppresses that address, even
   when the text says user unknown; rebuild does not fold it either; it is
   counted as a record without a recipient when stored again too */
static void test_guessed_recipient(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    bn_record r = rec("someone@x.org", BN_REASON_USERUNKNOWN, "5.1.1", true, now - 60,
                      "550 5.1.1 user unknown");
    r.recipient_guessed = true;
    bn_ingest_stats st = ingest1(s, &r, "guess");
    assert_int_equal(st.events, 1);
    assert_int_equal(st.no_recipient, 1);
    assert_int_equal(st.suppressed, 0);
    assert_false(suppressed(s, "someone@x.org"));
    st = ingest1(s, &r, "guess"); /* again: still a record without one */
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.no_recipient, 1);
    bn_rebuild_stats rs;
    assert_int_equal(bn_store_rebuild(s, NULL, &rs), BN_OK);
    assert_false(suppressed(s, "someone@x.org"));
    r.recipient_guessed = false; /* the same text naming the address: hard */
    ingest1(s, &r, "named");
    assert_true(suppressed(s, "someone@x.org"));
    bn_store_close(s);
}

/* test_out_of_order - an old bounce ingested after an unsuppress stays old */
static void test_out_of_order(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    bn_manual m = {"a@x.org", 7, "fixed", "tester", 0, 0};
    bn_record old = rec("a@x.org", BN_REASON_USERUNKNOWN, "5.1.1", true, now - 10 * DAY, "old");
    bn_record later = rec("a@x.org", BN_REASON_USERUNKNOWN, "5.1.1", true, now + 10, "new");
    assert_int_equal(bn_store_unsuppress(s, &m), BN_OK);
    ingest1(s, &old, "old");
    assert_false(suppressed(s, "a@x.org"));
    ingest1(s, &later, "later");
    assert_true(suppressed(s, "a@x.org"));
    bn_store_close(s);
}

/* test_sender_side - never suppresses; the report warns */
static void test_sender_side(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    char addr[64], msg[64];
    for (int i = 0; i < 4; i++) {
        snprintf(addr, sizeof addr, "user%d@gmail.com", i);
        snprintf(msg, sizeof msg, "blocked %d", i);
        bn_record r = rec(addr, BN_REASON_BLOCKED, "5.7.1", false, now - 3600,
                          "550 5.7.1 listed at a blocklist");
        r.source_ip = (bn_str){"192.0.2.7", 9};
        bn_ingest_stats st = ingest1(s, &r, msg);
        assert_int_equal(st.sender_side, 1);
        assert_int_equal(st.suppressed, 0);
        assert_false(suppressed(s, addr));
    }
    bn_record h = rec("gone@gmail.com", BN_REASON_USERUNKNOWN, "5.1.1", true, now - 60, "unknown");
    ingest1(s, &h, "hard");
    bn_report *rep;
    assert_int_equal(bn_report_build_at(&rep, s, now - DAY, now, 3), BN_OK);
    assert_int_equal(rep->ndomains, 1);
    const bn_report_domain *d = &rep->domains[0];
    assert_string_equal(d->domain, "gmail.com");
    assert_int_equal(d->total, 5);
    assert_int_equal(d->sender, 4);
    assert_int_equal(d->hard, 1);
    assert_int_equal(d->rejections, 5);
    assert_non_null(d->warning);
    assert_non_null(strstr(d->warning, "gmail.com: 4 of 5 rejections in the last 24 h are about the sender: blocklist"));
    assert_non_null(strstr(d->warning, "recipients were not suppressed"));
    assert_non_null(d->advice);
    assert_string_equal(d->ips, "192.0.2.7");
    assert_string_equal(d->reasons[0].reason, "blocked");
    assert_int_equal(d->reasons[0].count, 4);
    bn_report_free(rep);
    /* below --min: no warning */
    assert_int_equal(bn_report_build_at(&rep, s, now - DAY, now, 5), BN_OK);
    assert_null(rep->domains[0].warning);
    bn_report_free(rep);
    bn_store_close(s);
}

/* test_report_repeats - one message retried to one recipient is one
   rejection in the report, however many deferrals the log holds: five
   attempts of a sender-side deferral must not outweigh two hard bounces
   into a warning; another message, recipient or class still counts. The
   deferrals come as a log stores them ("id@host") and as a DSN delay
   notice does ("<id@host>"): the same message either way */
static void test_report_repeats(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    char msg[64];
    for (int i = 0; i < 5; i++) { /* the same message deferred 5 times */
        bn_record r = rec("ann@mx.example", BN_REASON_BADREPUTATION, "4.7.0", false,
                          now - 3600 + i * 600, "421 4.7.0 IP reputation too low");
        r.message_id = i % 2 ? (bn_str){"m1@sender.example", 17}
                             : (bn_str){"<m1@sender.example>", 19};
        r.dsn_action = (bn_str){"delayed", 7};
        snprintf(msg, sizeof msg, "deferral %d", i);
        assert_int_equal(ingest1(s, &r, msg).events, 1);
    }
    bn_record other = rec("bob@mx.example", BN_REASON_BADREPUTATION, "4.7.0", false,
                          now - 3000, "421 4.7.0 IP reputation too low");
    other.message_id = (bn_str){"<m1@sender.example>", 19}; /* other recipient */
    other.dsn_action = (bn_str){"delayed", 7};
    ingest1(s, &other, "bob deferral");
    for (int i = 0; i < 3; i++) {
        snprintf(msg, sizeof msg, "gone%d@mx.example", i);
        bn_record h = rec(msg, BN_REASON_USERUNKNOWN, "5.1.1", true, now - 60, "unknown");
        h.message_id = (bn_str){"<m1@sender.example>", 19};
        ingest1(s, &h, msg);
    }
    bn_record expired = rec("ann@mx.example", BN_REASON_EXPIRED, "4.7.0", false, now - 30,
                            "giving up: 421 4.7.0 IP reputation too low");
    expired.message_id = (bn_str){"<m1@sender.example>", 19};
    expired.dsn_action = (bn_str){"failed", 6};
    expired.verdict.fault = BN_FAULT_SENDER; /* class sender, as the deferrals:
                                                still no repeat, it is final */
    ingest1(s, &expired, "ann expired");
    bn_report *rep;
    assert_int_equal(bn_report_build_at(&rep, s, now - DAY, now, 2), BN_OK);
    assert_int_equal(rep->events, 10);
    const bn_report_domain *d = &rep->domains[0];
    assert_string_equal(d->domain, "mx.example");
    assert_int_equal(d->sender, 3);
    assert_int_equal(d->hard, 3);
    assert_int_equal(d->soft, 0);
    assert_int_equal(d->rejections, 6);
    assert_int_equal(d->repeats, 4);
    assert_int_equal(d->total, 6);
    assert_null(d->warning); /* 3 of 6 are sender-side: no wave */
    bn_report_free(rep);
    bn_store_close(s);
}

/* test_expired_sender - a failure on the sender's side of a reason that is
   otherwise soft says nothing against the address: a message retried until
   it expired because the receiver kept refusing the sender (a Postfix log's
   "status=expired" after "421 4.7.0 IP reputation" deferrals), a rate limit
   on the sender's IP. Three of them do not suppress it, and rebuild (which
   reads the stored fault back) keeps it so; three expiries on network
   trouble do, and so do three refusals of a mailbox over its receiving rate */
static void test_expired_sender(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    char msg[64];
    static const struct {
        const char *who;
        bn_reason reason;
        const char *status, *text;
        bn_fault fault;
        bool suppressed;
    } c[] = {
        {"kept@gmail.example", BN_REASON_EXPIRED, "4.7.0", "421 4.7.0 try again later",
         BN_FAULT_SENDER, false},
        {"gone@dead.example", BN_REASON_EXPIRED, "4.7.0", "421 4.7.0 try again later",
         BN_FAULT_NETWORK, true},
        {"fine@throttle.example", BN_REASON_RATELIMITED, "5.7.1",
         "550 5.7.1 too many messages from your IP",
         BN_FAULT_SENDER, false},
        {"flooded@rate.example", BN_REASON_RATELIMITED, "4.2.1",
         "452 4.2.1 The user you are trying to contact is receiving mail at a rate",
         BN_FAULT_RECIPIENT, true},
    };
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        for (int i = 0; i < 3; i++) {
            bn_record r = rec(c[k].who, c[k].reason, c[k].status, false, now - (3 - i) * 3600,
                              c[k].text);
            r.verdict.fault = c[k].fault;
            r.dsn_action = (bn_str){"failed", 6};
            snprintf(msg, sizeof msg, "%s failure %d", c[k].who, i);
            bn_ingest_stats st = ingest1(s, &r, msg);
            assert_int_equal(st.sender_side, !c[k].suppressed);
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < sizeof c / sizeof c[0]; k++)
            if (suppressed(s, c[k].who) != c[k].suppressed)
                fail_msg("pass %d: %s suppressed %d, want %d", pass, c[k].who,
                         !c[k].suppressed, c[k].suppressed);
        bn_rebuild_stats rs = {.reclassified = 99}; /* rebuild must zero it */
        assert_int_equal(bn_store_rebuild(s, NULL, &rs), BN_OK);
        assert_int_equal(rs.reclassified, 0);
    }
    /* the report: the sender's rate limits are a sender-side wave, in words */
    bn_report *rep;
    assert_int_equal(bn_report_build_at(&rep, s, now - DAY, now, 3), BN_OK);
    const bn_report_domain *d = NULL;
    for (size_t i = 0; i < rep->ndomains; i++)
        if (!strcmp(rep->domains[i].domain, "throttle.example"))
            d = &rep->domains[i];
    assert_non_null(d);
    assert_int_equal(d->sender, 3);
    assert_non_null(d->warning);
    assert_non_null(strstr(d->warning, "are about the sender: rate limits;"));
    assert_non_null(d->advice);
    assert_non_null(strstr(d->advice, "throttled you for sending too much"));
    bn_report_free(rep);
    bn_store_close(s);
}

typedef struct fault_want {
    const char *fault;
    bn_class cls;
    int n;
} fault_want;

/* fault_is - a stored event's fault and class are the wanted ones */
static int fault_is(void *ctx, const bn_event *e)
{
    fault_want *w = ctx;
    if (strcmp(e->fault, w->fault) || e->cls != w->cls)
        fail_msg("%s event %lld: fault %s class %s, want %s %s", e->address, e->id,
                 e->fault, bn_class_name(e->cls), w->fault, bn_class_name(w->cls));
    w->n++;
    return 0;
}

/* faults_are - every stored event of an address has this fault and class */
static void faults_are(bn_store *s, const char *addr, const char *fault, bn_class cls)
{
    fault_want w = {fault, cls, 0};
    assert_int_equal(bn_store_history(s, addr, strlen(addr), fault_is, &w), BN_OK);
    assert_int_equal(w.n, 3);
}

/* test_rebuild_rate_side - a list stored before rate limits had sides holds
   Gmail's "receiving mail at a rate" as the sender's (never suppressed);
   rebuild reads the reply again: three of them are soft bounces of the
   address, and their stored fault is the recipient's too (what
   bn_store_history and bn_store_events give), also after a second rebuild.
   A sender's throttle stays the sender's */
static void test_rebuild_rate_side(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    char msg[64];
    const char *text[] = {"452-4.2.1 The user you are trying to contact is receiving mail at a "
                          "rate that prevents additional messages from being delivered. - gsmtp",
                          "421 4.7.0 Too many connections from your IP"};
    const char *who[] = {"flooded@gmail.example", "fine@gmail.example"};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 3; i++) {
            bn_record r = rec(who[k], BN_REASON_RATELIMITED, k ? "4.7.0" : "4.2.1", false,
                              now - (3 - i) * 3600, text[k]);
            r.verdict.fault = BN_FAULT_SENDER; /* as stored before */
            r.dsn_action = (bn_str){"failed", 6};
            snprintf(msg, sizeof msg, "%s rate %d", who[k], i);
            assert_int_equal(ingest1(s, &r, msg).sender_side, 1);
        }
    assert_false(suppressed(s, who[0]));
    faults_are(s, who[0], "sender", BN_CLASS_SENDER);
    for (int pass = 0; pass < 2; pass++) {
        bn_rebuild_stats rs;
        assert_int_equal(bn_store_rebuild(s, NULL, &rs), BN_OK);
        assert_int_equal(rs.reclassified, pass ? 0 : 3);
        assert_true(suppressed(s, who[0]));
        assert_false(suppressed(s, who[1]));
        faults_are(s, who[0], "recipient", BN_CLASS_SOFT);
        faults_are(s, who[1], "sender", BN_CLASS_SENDER);
    }
    bn_store_close(s);
}

/* test_report_repeats_many - the set of counted delays grows from 1024
   slots to 65536 and still knows every key: 20000 deferrals, then the same
   20000 again, are 20000 rejections and 20000 repeats */
static void test_report_repeats_many(void **state)
{
    (void)state;
    enum { N = 20000 };
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    static char addr[N][32], mid[N][32];
    static bn_record r[N];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            snprintf(addr[i], sizeof addr[i], "u%d@mx.example", i);
            snprintf(mid[i], sizeof mid[i], "<m%d@sender.example>", i);
            r[i] = rec(addr[i], BN_REASON_BADREPUTATION, "4.7.0", false,
                       now - 7200 + round * 3600, "421 4.7.0 IP reputation too low");
            r[i].message_id = (bn_str){mid[i], strlen(mid[i])};
            r[i].dsn_action = (bn_str){"delayed", 7};
        }
        bn_ingest_stats st = {0};
        const char *msg = round ? "second attempts" : "first attempts";
        assert_int_equal(bn_store_ingest(s, r, N, "test", msg, strlen(msg), &st), BN_OK);
        assert_int_equal(st.events, N);
    }
    bn_report *rep;
    assert_int_equal(bn_report_build_at(&rep, s, now - DAY, now, 3), BN_OK);
    assert_int_equal(rep->events, 2 * N);
    assert_int_equal(rep->domains[0].sender, N);
    assert_int_equal(rep->domains[0].repeats, N);
    bn_report_free(rep);
    bn_store_close(s);
}

typedef struct window_case {
    long since_ago; /* seconds before now; -1: since 0 (all) */
    const char *words;
} window_case;

static const window_case window_cases[] = {
    {DAY, "in the last 24 h"},
    {3 * DAY, "in the last 72 h"},
    {7 * DAY, "in the last 7 days"},
    {DAY + 1, "since "},
    {-1, "in all stored events"},
};

/* test_report_window - the window's words come from the report's now, not
 * from a second clock reading that may have passed the next second */
static void test_report_window(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t t0 = time(NULL) - 2 * 3600;
    char addr[64], msg[64];
    for (int i = 0; i < 3; i++) {
        snprintf(addr, sizeof addr, "u%d@example.net", i);
        snprintf(msg, sizeof msg, "blocked %d", i);
        bn_record r = rec(addr, BN_REASON_BLOCKED, "5.7.1", false, t0 + 60,
                          "550 5.7.1 listed at a blocklist");
        ingest1(s, &r, msg);
    }
    for (size_t i = 0; i < sizeof window_cases / sizeof window_cases[0]; i++) {
        const window_case *c = &window_cases[i];
        /* now is an hour before the clock: the words must use it */
        time_t now = t0 + 3600;
        time_t since = c->since_ago < 0 ? 0 : now - c->since_ago;
        bn_report *rep;
        assert_int_equal(bn_report_build_at(&rep, s, since, now, 1), BN_OK);
        assert_int_equal(rep->now, now);
        assert_int_equal(rep->ndomains, 1);
        const char *w = rep->domains[0].warning;
        if (!w || !strstr(w, c->words))
            fail_msg("case %zu: warning '%s' lacks '%s'", i, w ? w : "(none)",
                     c->words);
        bn_report_free(rep);
    }
    bn_store_close(s);
}

/* test_report_empty - no event in the window: an empty report, not a
 * qsort of a NULL array (undefined behaviour, fatal under UBSan) */
static void test_report_empty(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    bn_report *rep;
    assert_int_equal(bn_report_build_at(&rep, s, now - DAY, now, 3), BN_OK);
    assert_int_equal(rep->ndomains, 0);
    assert_int_equal(rep->events, 0);
    bn_report_free(rep);
    bn_record r = rec("old@example.net", BN_REASON_USERUNKNOWN, "5.1.1", true,
                      now - 30 * DAY, "unknown");
    ingest1(s, &r, "old");
    assert_int_equal(bn_report_build(&rep, s, now - DAY, 3), BN_OK);
    assert_int_equal(rep->ndomains, 0);
    bn_report_free(rep);
    bn_store_close(s);
}

/* test_manual_and_rebuild - manual actions survive; a policy change applies */
static void test_manual_and_rebuild(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    bn_record blk = rec("c@y.org", BN_REASON_BLOCKED, "5.7.1", false, now - 60, "blocked");
    bn_record hard = rec("h@y.org", BN_REASON_USERUNKNOWN, "5.1.1", true, now - 60, "unknown");
    ingest1(s, &blk, "blk");
    ingest1(s, &hard, "hard");
    bn_manual sup = {"m@y.org", 7, "asked to stop", "tester", 0, 0};
    bn_manual uns = {"h@y.org", 7, "mailbox re-created", "tester", 0, 0};
    bn_manual bad = {"nonsense", 8, "x", "tester", 0, 0};
    bn_manual nonote = {"m@y.org", 7, "", "tester", 0, 0};
    assert_int_equal(bn_store_suppress(s, &sup), BN_OK);
    assert_int_equal(bn_store_unsuppress(s, &uns), BN_OK);
    assert_int_equal(bn_store_suppress(s, &bad), BN_EINVAL);
    assert_int_equal(bn_store_suppress(s, &nonote), BN_EINVAL);
    assert_true(suppressed(s, "m@y.org"));
    assert_false(suppressed(s, "h@y.org"));
    assert_false(suppressed(s, "c@y.org"));
    bn_policy p = *bn_store_policy(s);
    char err[128];
    assert_int_equal(bn_policy_set(&p, "reason.blocked", "hard", err, sizeof err), BN_OK);
    bn_rebuild_stats st = {0};
    assert_int_equal(bn_store_rebuild(s, &p, &st), BN_OK);
    assert_int_equal(st.reclassified, 1);
    assert_true(suppressed(s, "c@y.org"));
    assert_true(suppressed(s, "m@y.org"));  /* manual suppression kept */
    assert_false(suppressed(s, "h@y.org")); /* manual unsuppression kept */
    bn_store_close(s);
    /* the policy is kept in the store */
    bn_store_opts o = BN_STORE_OPTS_INIT;
    assert_int_equal(bn_store_open(&s, DB, &o), BN_OK);
    assert_int_equal(bn_store_policy(s)->reason_class[BN_REASON_BLOCKED], BN_CLASS_HARD);
    bn_policy_init(&p);
    assert_int_equal(bn_store_rebuild(s, &p, NULL), BN_OK);
    assert_false(suppressed(s, "c@y.org"));
    bn_store_close(s);
}

/* count_list - entries listed */
static int count_cb(void *ctx, const bn_suppression *e)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

/* test_list_and_set - list filters; the in-memory set agrees with check */
static void test_list_and_set(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    char addr[64], msg[64];
    for (int i = 0; i < 200; i++) {
        snprintf(addr, sizeof addr, "U%d@Example.org", i);
        snprintf(msg, sizeof msg, "m%d", i);
        bn_reason reason = i % 2 ? BN_REASON_USERUNKNOWN : BN_REASON_BLOCKED;
        bn_record r = rec(addr, reason, "5.1.1", i % 2, now - 100, "x");
        ingest1(s, &r, msg);
    }
    int n = 0;
    bn_list_filter f = {"userunknown", 0};
    assert_int_equal(bn_store_list(s, &f, count_cb, &n), BN_OK);
    assert_int_equal(n, 100);
    n = 0;
    f.reason = "hard";
    assert_int_equal(bn_store_list(s, &f, count_cb, &n), BN_OK);
    assert_int_equal(n, 100);
    f.reason = "nosuchreason";
    assert_int_equal(bn_store_list(s, &f, count_cb, &n), BN_EINVAL);
    n = 0;
    f.reason = NULL;
    f.since = now + 10;
    assert_int_equal(bn_store_list(s, &f, count_cb, &n), BN_OK);
    assert_int_equal(n, 0);
    bn_suppset *set;
    assert_int_equal(bn_suppset_load(&set, s), BN_OK);
    assert_int_equal(bn_suppset_size(set), 100);
    for (int i = 0; i < 220; i++) {
        const char *why = NULL;
        snprintf(addr, sizeof addr, "u%d@EXAMPLE.ORG", i);
        int rc = bn_suppset_lookup(set, addr, strlen(addr), &why);
        assert_int_equal(rc == BN_OK, suppressed(s, addr));
        if (rc == BN_OK)
            assert_string_equal(why, "userunknown");
    }
    assert_int_equal(bn_suppset_lookup(set, "x", 1, NULL), BN_EINVAL);
    bn_suppset_free(set);
    bn_store_close(s);
}

/* hist_cb - collect classes in order */
static int hist_cb(void *ctx, const bn_event *e)
{
    char *buf = ctx;
    strcat(buf, bn_class_name(e->cls));
    strcat(buf, e->cls == BN_CLASS_MANUAL ? (strcmp(e->action, "suppress") ? "-" : "+") : "");
    strcat(buf, " ");
    return 0;
}

/* test_history - events and actions, oldest first */
static void test_history(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t now = time(NULL);
    bn_record a = rec("h@z.org", BN_REASON_MAILBOXFULL, "4.2.2", false, now - 3 * DAY, "full");
    bn_record b = rec("h@z.org", BN_REASON_BLOCKED, "5.7.1", false, now - 2 * DAY, "blk");
    ingest1(s, &a, "a");
    ingest1(s, &b, "b");
    bn_manual m = {"H@Z.org", 7, "asked", "tester", 0, 0};
    assert_int_equal(bn_store_suppress(s, &m), BN_OK);
    char buf[256] = "";
    assert_int_equal(bn_store_history(s, "h@z.org", 7, hist_cb, buf), BN_OK);
    assert_string_equal(buf, "soft sender manual+ ");
    bn_store_close(s);
}

/* test_case_sensitive - a list with case-sensitive local parts */
static void test_case_sensitive(void **state)
{
    (void)state;
    bn_policy p;
    char err[64];
    bn_policy_init(&p);
    bn_policy_set(&p, "local_case_sensitive", "true", err, sizeof err);
    bn_store *s = fresh(&p);
    bn_record r = rec("Tom@Example.COM", BN_REASON_USERUNKNOWN, "5.1.1", true, 0, "x");
    ingest1(s, &r, "m");
    assert_true(suppressed(s, "Tom@example.com"));
    assert_false(suppressed(s, "tom@example.com"));
    bn_manual m = {"Ann@Example.com", 15, "asked", "t", 0, 0};
    assert_int_equal(bn_store_suppress(s, &m), BN_OK);
    assert_false(suppressed(s, "ann@example.com"));
    /* rebuilding case-insensitively re-keys the events and manual actions */
    bn_policy_init(&p);
    assert_int_equal(bn_store_rebuild(s, &p, NULL), BN_OK);
    assert_true(suppressed(s, "tom@example.com"));
    assert_true(suppressed(s, "ann@example.com"));
    bn_store_close(s);
}

/* test_errors - not a store, newer schema, missing file, missing directory */
static void test_errors(void **state)
{
    (void)state;
    bn_store *s;
    bn_store_opts o = BN_STORE_OPTS_INIT;
    sqlite3 *db;
    rm_db(DB);
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE foo(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(bn_store_open(&s, DB, &o), BN_ESTORE);
    assert_non_null(strstr(bn_store_errmsg(s), "not a bounce database"));
    bn_store_close(s);
    s = fresh(NULL);
    bn_store_close(s);
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(bn_store_open(&s, DB, &o), BN_ESTORE);
    assert_non_null(strstr(bn_store_errmsg(s), "newer"));
    bn_store_close(s);
    rm_db(DB);
    o.readonly = true;
    assert_int_equal(bn_store_open(&s, DB, &o), BN_EUNAVAIL);
    assert_non_null(strstr(bn_store_errmsg(s), "no suppression list"));
    bn_store_close(s);
    o.readonly = false;
    assert_int_equal(bn_store_open(&s, BN_BINARY_DIR "/no/such/dir/x.db", &o), BN_EUNAVAIL);
    assert_non_null(strstr(bn_store_errmsg(s), "no/such/dir"));
    bn_store_close(s);
}

/* state_is - the state blob of key is exactly (want, n), NUL after it */
static void state_is(bn_store *s, const char *key, const char *want, size_t n)
{
    char *v;
    size_t len;
    assert_int_equal(bn_store_state_get(s, key, &v, &len), BN_OK);
    assert_int_equal(len, n);
    assert_memory_equal(v, want, n);
    assert_int_equal(v[n], '\0');
    bn_free(v);
}

/* state_absent - key has no state */
static void state_absent(bn_store *s, const char *key)
{
    char *v;
    size_t len;
    assert_int_equal(bn_store_state_get(s, key, &v, &len), BN_ENOTFOUND);
    assert_null(v);
}

/* test_state - named blobs: binary-safe, replaced, deleted, and written
 * with the transaction they are put in (rolled back with it) */
static void test_state(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    const char bin[] = {'a', 0, (char)0xff, '\n', 'b'};
    state_absent(s, "log:/var/log/mail.log");
    assert_int_equal(bn_store_state_put(s, "log:/var/log/mail.log", bin, sizeof bin), BN_OK);
    state_is(s, "log:/var/log/mail.log", bin, sizeof bin);
    assert_int_equal(bn_store_state_put(s, "log:/var/log/mail.log", "1 2 3", 5), BN_OK);
    state_is(s, "log:/var/log/mail.log", "1 2 3", 5);
    state_absent(s, "log:/var/log/other.log");
    assert_int_equal(bn_store_state_put(s, "empty", "", 0), BN_OK);
    state_is(s, "empty", "", 0);
    /* rolled back with the events of its transaction */
    time_t now = time(NULL);
    bn_record r = rec("ann@example.com", BN_REASON_USERUNKNOWN, "5.1.1", true, now,
                      "550 5.1.1 user unknown");
    bn_ingest_stats st = {0};
    assert_int_equal(bn_store_begin(s), BN_OK);
    assert_int_equal(bn_store_ingest(s, &r, 1, "log:1", "line", 4, &st), BN_OK);
    assert_int_equal(bn_store_state_put(s, "log:/var/log/mail.log", "9 9 9", 5), BN_OK);
    state_is(s, "log:/var/log/mail.log", "9 9 9", 5); /* visible inside */
    bn_store_rollback(s);
    state_is(s, "log:/var/log/mail.log", "1 2 3", 5);
    /* committed with them, and there after a reopen */
    assert_int_equal(bn_store_begin(s), BN_OK);
    assert_int_equal(bn_store_ingest(s, &r, 1, "log:1", "line", 4, &st), BN_OK);
    assert_int_equal(bn_store_state_put(s, "log:/var/log/mail.log", "4 5 6", 5), BN_OK);
    assert_int_equal(bn_store_commit(s), BN_OK);
    bn_store_close(s);
    assert_int_equal(count_rows("event"), 1);
    assert_int_equal(bn_store_open(&s, DB, NULL), BN_OK);
    state_is(s, "log:/var/log/mail.log", "4 5 6", 5);
    /* deleted; deleting what is absent is fine; bad arguments */
    assert_int_equal(bn_store_state_put(s, "log:/var/log/mail.log", NULL, 0), BN_OK);
    state_absent(s, "log:/var/log/mail.log");
    assert_int_equal(bn_store_state_put(s, "log:/var/log/mail.log", NULL, 0), BN_OK);
    assert_int_equal(bn_store_state_put(s, "", "x", 1), BN_EINVAL);
    assert_int_equal(bn_store_state_put(s, "k", NULL, 1), BN_EINVAL);
    bn_store_close(s);
}

/* user_version - PRAGMA user_version of DB */
static int user_version(void)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int v = -1;
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* test_state_old_schema - a version-2 store (no state table): read-only
 * opens work without migrating and find no state; a writer migrates it */
static void test_state_old_schema(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    bn_store_close(s);
    assert_int_equal(user_version(), 4);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE state; PRAGMA user_version = 2", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(db);
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.readonly = true;
    assert_int_equal(bn_store_open(&s, DB, &o), BN_OK);
    state_absent(s, "log:/var/log/mail.log");
    bn_store_close(s);
    assert_int_equal(user_version(), 2);
    assert_int_equal(bn_store_open(&s, DB, NULL), BN_OK);
    assert_int_equal(user_version(), 4);
    assert_int_equal(bn_store_state_put(s, "log:/var/log/mail.log", "7", 1), BN_OK);
    state_is(s, "log:/var/log/mail.log", "7", 1);
    bn_store_close(s);
}

/* pragma_int - an integer PRAGMA of DB */
static int pragma_int(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int v = -1;
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* test_page_size - a new file gets 32 KiB pages; a file made with 4 KiB
 * pages keeps them and stays writable (bulk too) and intact */
static void test_page_size(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    bn_store_close(s);
    assert_int_equal(pragma_int("PRAGMA page_size"), 32768);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = DELETE; PRAGMA "
                                  "page_size = 4096; VACUUM; PRAGMA journal_mode = WAL",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(pragma_int("PRAGMA page_size"), 4096);
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.bulk = true;
    assert_int_equal(bn_store_open(&s, DB, &o), BN_OK);
    bn_record r = rec("p@x.org", BN_REASON_USERUNKNOWN, "5.1.1", true, 0, "x");
    assert_int_equal(bn_store_ingest(s, &r, 1, "t", "m", 1, NULL), BN_OK);
    assert_true(suppressed(s, "p@x.org"));
    bn_store_close(s);
    assert_int_equal(pragma_int("PRAGMA page_size"), 4096);
}

/* test_long_history - more history items than the fold buffer holds
 * inline (16): 40 soft bounces an hour apart, all inside the 15-day
 * window, count as 40; a delivery after them lifts the entry */
static void test_long_history(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    time_t t0 = time(NULL) - 2 * DAY;
    char msg[32];
    bn_suppression e;
    for (int i = 0; i < 40; i++) {
        bn_record r = rec("h@x.org", BN_REASON_MAILBOXFULL, "4.2.2", false,
                          t0 + i * 3600, "full");
        snprintf(msg, sizeof msg, "m%d", i);
        assert_int_equal(bn_store_ingest(s, &r, 1, "t", msg, strlen(msg), NULL), BN_OK);
    }
    assert_int_equal(bn_store_check(s, "h@x.org", 7, &e), BN_OK);
    assert_int_equal(e.soft_count, 40);
    bn_record d = rec("h@x.org", BN_REASON_DELIVERED, "2.0.0", false,
                      t0 + 40 * 3600, "ok");
    assert_int_equal(bn_store_ingest(s, &d, 1, "t", "d", 1, NULL), BN_OK);
    assert_false(suppressed(s, "h@x.org"));
    bn_store_close(s);
}

/* test_locked - a writer holding the lock: BN_EBUSY after the wait, nothing written */
static void test_locked(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    bn_store_close(s);
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.wait_ms = 200;
    assert_int_equal(bn_store_open(&s, DB, &o), BN_OK);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    bn_record r = rec("l@x.org", BN_REASON_USERUNKNOWN, "5.1.1", true, 0, "x");
    bn_ingest_stats st = {0};
    assert_int_equal(bn_store_ingest(s, &r, 1, "t", "m", 1, &st), BN_EBUSY);
    assert_non_null(strstr(bn_store_errmsg(s), "locked"));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_false(suppressed(s, "l@x.org"));
    assert_int_equal(bn_store_ingest(s, &r, 1, "t", "m", 1, &st), BN_OK);
    assert_true(suppressed(s, "l@x.org"));
    bn_store_close(s);
}

/* test_full - a size cap reached mid-batch: BN_EFULL, the batch rolled back */
static void test_full(void **state)
{
    (void)state;
    bn_store *s = fresh(NULL);
    bn_store_close(s);
    long before_pages = 0;
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(DB, &db), SQLITE_OK);
    sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        before_pages = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.max_pages = before_pages + 3;
    assert_int_equal(bn_store_open(&s, DB, &o), BN_OK);
    static char diag[3000];
    memset(diag, 'd', sizeof diag - 1);
    assert_int_equal(bn_store_begin(s), BN_OK);
    int rc = BN_OK;
    char addr[64];
    for (int i = 0; rc == BN_OK && i < 200; i++) {
        snprintf(addr, sizeof addr, "f%d@x.org", i);
        bn_record r = rec(addr, BN_REASON_USERUNKNOWN, "5.1.1", true, 0, diag);
        rc = bn_store_ingest(s, &r, 1, "t", addr, strlen(addr), NULL);
    }
    assert_int_equal(rc, BN_EFULL);
    assert_non_null(strstr(bn_store_errmsg(s), "full"));
    bn_store_rollback(s);
    bn_store_close(s);
    assert_int_equal(count_rows("event"), 0);
    assert_int_equal(count_rows("suppression"), 0);
}

/* alloc_round - everything the store allocates for, with failure n */
static int alloc_round(long n)
{
    bn_store *s = NULL;
    bn_report *rep = NULL;
    bn_suppset *set = NULL;
    bn_suppression e;
    time_t now = time(NULL);
    bn_record r[2] = {rec("a@x.org", BN_REASON_USERUNKNOWN, "5.1.1", true, now - 10, "u"),
                      rec("b@x.org", BN_REASON_BLOCKED, "5.7.1", false, now - 10, "b")};
    bn_manual m = {"c@x.org", 7, "note", "t", 0, 0};
    rm_db(DB);
    bn_alloc_fail_after(n);
    int rc = bn_store_open(&s, DB, NULL);
    if (rc == BN_OK)
        rc = bn_store_ingest(s, r, 2, "t", "msg", 3, NULL);
    if (rc == BN_OK)
        rc = bn_store_suppress(s, &m);
    if (rc == BN_OK && (rc = bn_store_check(s, "a@x.org", 7, &e)) == BN_OK)
        rc = bn_suppset_load(&set, s);
    if (rc == BN_OK)
        rc = bn_report_build(&rep, s, 0, 1);
    if (rc == BN_OK)
        rc = bn_store_rebuild(s, NULL, NULL);
    long used = bn_alloc_fail_after(-1);
    bn_report_free(rep);
    bn_suppset_free(set);
    bn_store_close(s);
    if (rc != BN_OK && rc != BN_ENOMEM)
        fail_msg("allocation failure %ld gave %d (%s), not BN_ENOMEM", n, rc,
                 bn_strerror(rc));
    return rc == BN_OK && used <= n ? 1 : 0;
}

/* test_alloc_failures - every allocation of the store failing in turn:
 * BN_ENOMEM, no crash, no leak (ASan) */
static void test_alloc_failures(void **state)
{
    (void)state;
    long n = 0;
    while (!alloc_round(n) && n < 5000)
        n++;
    assert_true(n < 5000);
    assert_true(n > 20); /* the store allocates: failures were injected */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hard_and_dedup),
        cmocka_unit_test(test_soft),
        cmocka_unit_test(test_repeat_in_message),
        cmocka_unit_test(test_guessed_recipient),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_sender_side),
        cmocka_unit_test(test_report_repeats),
        cmocka_unit_test(test_report_repeats_many),
        cmocka_unit_test(test_expired_sender),
        cmocka_unit_test(test_rebuild_rate_side),
        cmocka_unit_test(test_report_window),
        cmocka_unit_test(test_report_empty),
        cmocka_unit_test(test_manual_and_rebuild),
        cmocka_unit_test(test_list_and_set),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_case_sensitive),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_state_old_schema),
        cmocka_unit_test(test_page_size),
        cmocka_unit_test(test_long_history),
        cmocka_unit_test(test_locked),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_alloc_failures),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rm_db(DB);
    return rc;
}
