/*
 * test_alloc_fail.c - every allocation of a parse, a source walk and an
 * ingest made to fail in turn (SQLite's "anomaly testing").
 *
 * For each message of samples/, tests/extract/ and tests/message/: one
 * clean run counts the allocations of bn_parser_new + bn_parse; then for
 * every N from 0 to that count the Nth allocation fails
 * (bn_alloc_fail_after; with bn_alloc_count_arena on, each arena
 * allocation counts too, so every arena-allocated object's failure path is
 * reached, not only each new arena block). The call must return BN_ENOMEM, or succeed with
 * exactly the records of the clean run (a failure swallowed into a
 * different answer is a bug too); the parser must then parse the message
 * correctly without injection (no state left half-built); nothing may
 * crash or leak (ASan/LeakSanitizer in the test build).
 *
 * The same sweep covers bn_source over an mbox and a Maildir, and, with the
 * SQLite store, bn_store_open + bn_store_ingest of one bounce, and one
 * transaction ingesting four kinds of bounce: our allocations through
 * bn_alloc_fail_after, and SQLite's own through a counting allocator
 * installed with sqlite3_config(SQLITE_CONFIG_MALLOC). Every failure must
 * be BN_ENOMEM (or absorbed: BN_OK), and afterwards the store must open and
 * take the same records again, having kept all of them or none.
 */
#include <errno.h>
#include <glob.h>
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

#define MAX_FILE (4u << 20)
#define JSON_MAX (1u << 20)

/* ---- helpers ------------------------------------------------------- */

/* slurp - a whole file in a malloc'd buffer (the test's own heap) */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(MAX_FILE);
    size_t n = buf ? fread(buf, 1, MAX_FILE, f) : 0;
    fclose(f);
    *len = n;
    return buf;
}

/* records_json - the records as JSON lines in out (a malloc'd string) */
static char *records_json(const bn_record *recs, size_t n)
{
    char *out = malloc(JSON_MAX);
    size_t used = 0;
    assert_non_null(out);
    out[0] = '\0';
    for (size_t i = 0; i < n && used < JSON_MAX - 2; i++) {
        used += bn_record_json(&recs[i], "x", out + used, JSON_MAX - 1 - used);
        if (used < JSON_MAX - 2)
            out[used++] = '\n';
        out[used < JSON_MAX ? used : JSON_MAX - 1] = '\0';
    }
    return out;
}

/* Messages of the sweep: globbed once. */
static glob_t inputs;

/* collect - every message file the sweep uses */
static int collect(void **state)
{
    (void)state;
    static const char *const pats[] = {
        BN_SOURCE_DIR "/samples/*.eml",
        BN_SOURCE_DIR "/tests/extract/*.eml",
        BN_SOURCE_DIR "/tests/message/*.eml",
        BN_SOURCE_DIR "/tests/cli/data/*.eml",
    };
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++)
        glob(pats[i], i ? GLOB_APPEND : 0, NULL, &inputs);
    return inputs.gl_pathc >= 10 ? 0 : -1;
}

/* release - free the glob */
static int release(void **state)
{
    (void)state;
    globfree(&inputs);
    return 0;
}

/* ---- bn_parse ------------------------------------------------------ */

/* What a clean run of one message gives. */
typedef struct baseline {
    int rc;
    size_t count;
    char *json;
    long allocs;
} baseline;

/* parse_once - new parser + parse */
static int parse_once(const char *buf, size_t len, bn_parser **pp, const bn_record **recs,
                      size_t *count)
{
    *recs = NULL;
    *count = 0;
    int rc = bn_parser_new(pp, NULL);
    return rc == BN_OK ? bn_parse(*pp, buf, len, recs, count) : rc;
}

/* take_baseline - the clean run and its allocation count */
static void take_baseline(const char *buf, size_t len, baseline *b)
{
    bn_parser *p = NULL;
    const bn_record *recs;
    bn_alloc_fail_after(-1);
    b->rc = parse_once(buf, len, &p, &recs, &b->count);
    b->allocs = bn_alloc_fail_after(-1); /* the JSON writer is not counted */
    b->json = b->rc == BN_OK ? records_json(recs, b->count) : NULL;
    bn_parser_free(p);
    assert_true(b->rc == BN_OK || b->rc == BN_EFORMAT);
}

/* reparse - the parser that saw a failure must still give the clean answer */
static void reparse(const char *name, long n, bn_parser *p, const char *buf,
                    size_t len, const baseline *b)
{
    const bn_record *recs;
    size_t count;
    int rc = bn_parse(p, buf, len, &recs, &count);
    if (rc != b->rc)
        fail_msg("%s: N=%ld: parse after the failure: %s, clean run %s", name, n,
                 bn_strerror(rc), bn_strerror(b->rc));
    if (rc == BN_OK) {
        char *json = records_json(recs, count);
        if (strcmp(json, b->json) != 0)
            fail_msg("%s: N=%ld: parse after the failure differs:\n%s\nclean:\n%s",
                     name, n, json, b->json);
        free(json);
    }
}

/* Silent degradations met (BN_OK, other records): counted, shown, then failed. */
static long silent_diffs;

/* diff_key - the JSON key whose value holds offset at (or "?") */
static void diff_key(const char *json, size_t at, char *key, size_t size)
{
    size_t i = at;
    snprintf(key, size, "?");
    while (i > 0 && !(json[i] == '"' && i >= 2 && json[i + 1] == ':'))
        i--;
    if (i == 0)
        return;
    size_t end = i, start = i;
    while (start > 0 && json[start - 1] != '"')
        start--;
    snprintf(key, size, "%.*s", (int)(end - start), json + start);
}

/* report_diff - a failure the parser swallowed: BN_OK with other records */
static void report_diff(const char *name, long n, const char *got, const char *want)
{
    size_t at = 0;
    while (got[at] && got[at] == want[at])
        at++;
    char key[64];
    diff_key(want, at, key, sizeof key);
    size_t from = at > 40 ? at - 40 : 0;
    fprintf(stderr, "SILENT %s N=%ld key=%s\n  got:   %.100s\n  clean: %.100s\n", name,
            n, key, got + from, want + from);
    silent_diffs++;
}

/* check_injected - one run with the Nth allocation failing */
static void check_injected(const char *name, long n, const char *buf, size_t len,
                           const baseline *b)
{
    bn_parser *p = NULL;
    const bn_record *recs;
    size_t count;
    bn_alloc_fail_after(n);
    int rc = parse_once(buf, len, &p, &recs, &count);
    bn_alloc_fail_after(-1);
    if (rc != BN_ENOMEM && rc != b->rc)
        fail_msg("%s: N=%ld: %s (clean run: %s)", name, n, bn_strerror(rc),
                 bn_strerror(b->rc));
    if (rc == BN_OK) {
        char *json = records_json(recs, count);
        if (strcmp(json, b->json) != 0)
            report_diff(name, n, json, b->json);
        free(json);
    }
    if (!p && rc != BN_ENOMEM)
        fail_msg("%s: N=%ld: no parser and no BN_ENOMEM", name, n);
    if (p)
        reparse(name, n, p, buf, len, b);
    bn_parser_free(p);
}

/* sweep_parse - every allocation of parsing one file, failed in turn */
static long sweep_parse(const char *path)
{
    size_t len = 0;
    char *buf = slurp(path, &len);
    assert_non_null(buf);
    baseline b;
    take_baseline(buf, len, &b);
    for (long n = 0; n <= b.allocs; n++)
        check_injected(path, n, buf, len, &b);
    free(b.json);
    free(buf);
    return b.allocs;
}

/* test_parse_every_allocation - the sweep over every message */
static void test_parse_every_allocation(void **state)
{
    (void)state;
    long total = 0, most = 0;
    for (size_t i = 0; i < inputs.gl_pathc; i++) {
        long n = sweep_parse(inputs.gl_pathv[i]);
        total += n;
        most = n > most ? n : most;
    }
    print_message("parse: %zu messages, %ld allocation points (at most %ld in one), "
                  "%ld failures swallowed into other records\n",
                  inputs.gl_pathc, total, most, silent_diffs);
    assert_int_equal(silent_diffs, 0);
    assert_true(total > 0); /* a sweep that injects nothing proves nothing */
}

/* test_parse_reuse_after_failure - a parser warmed by one message, then a
   failure in the next one, then the next one again */
static void test_parse_reuse_after_failure(void **state)
{
    (void)state;
    size_t len1 = 0, len2 = 0;
    char *m1 = slurp(inputs.gl_pathv[0], &len1);
    char *m2 = slurp(inputs.gl_pathv[inputs.gl_pathc - 1], &len2);
    baseline b;
    take_baseline(m2, len2, &b);
    for (long n = 0; n <= b.allocs; n++) {
        bn_parser *p = NULL;
        const bn_record *recs;
        size_t count;
        assert_int_equal(bn_parser_new(&p, NULL), BN_OK);
        assert_int_equal(bn_parse(p, m1, len1, &recs, &count), BN_OK);
        bn_alloc_fail_after(n);
        int rc = bn_parse(p, m2, len2, &recs, &count);
        bn_alloc_fail_after(-1);
        assert_true(rc == BN_ENOMEM || rc == b.rc);
        reparse("reuse", n, p, m2, len2, &b);
        bn_parser_free(p);
    }
    free(b.json);
    free(m1);
    free(m2);
}

/* ---- bn_source ----------------------------------------------------- */

/* walk - every item of a source over path; counts messages and errors */
static int walk(const char *path, size_t *msgs, size_t *nomem)
{
    bn_source *s = NULL;
    bn_source_msg m;
    *msgs = *nomem = 0;
    int rc = bn_source_new(&s, 0);
    if (rc == BN_OK)
        rc = bn_source_add(s, path);
    if (rc == BN_OK)
        while (bn_source_next(s, &m)) {
            if (m.err == BN_OK)
                (*msgs)++;
            else if (m.err == BN_ENOMEM)
                (*nomem)++;
            else
                fail_msg("%s: item error %s (%s)", path, bn_strerror(m.err), m.why);
        }
    bn_source_free(s);
    return rc;
}

/* test_source_every_allocation - mbox and Maildir walks with each allocation failing */
static void test_source_every_allocation(void **state)
{
    (void)state;
    static const char *const paths[] = {
        BN_SOURCE_DIR "/tests/cli/data/two-bounces.mbox",
        BN_SOURCE_DIR "/tests/cli/data/maildir",
        BN_SOURCE_DIR "/samples",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        size_t clean, msgs, nomem;
        bn_alloc_fail_after(-1);
        assert_int_equal(walk(paths[i], &clean, &nomem), BN_OK);
        long allocs = bn_alloc_fail_after(-1);
        assert_true(clean > 0 && nomem == 0);
        for (long n = 0; n <= allocs; n++) {
            bn_alloc_fail_after(n);
            int rc = walk(paths[i], &msgs, &nomem);
            bn_alloc_fail_after(-1);
            if (rc != BN_OK && rc != BN_ENOMEM)
                fail_msg("%s: N=%ld: %s", paths[i], n, bn_strerror(rc));
            /* a message lost to a failed allocation must be said, not skipped
               (after a failure in an mbox the rest of that file is lost
               with the one error item) */
            if (rc == BN_OK && (nomem ? msgs >= clean : msgs != clean))
                fail_msg("%s: N=%ld: %zu messages + %zu errors, clean run %zu", paths[i],
                         n, msgs, nomem, clean);
        }
    }
}

/* ---- the store ----------------------------------------------------- */

/* SQLite's allocations through a counting allocator (SQLITE_CONFIG_MALLOC). */
static long sq_countdown = -1, sq_count;

/* sq_fail - count one SQLite allocation and say whether to fail it */
static int sq_fail(void)
{
    sq_count++;
    if (sq_countdown < 0)
        return 0;
    return sq_countdown-- == 0;
}

/* sq_malloc - a block with its size in front (xSize needs it) */
static void *sq_malloc(int n)
{
    if (sq_fail())
        return NULL;
    int64_t *p = malloc((size_t)n + 16);
    if (!p)
        return NULL;
    p[0] = n;
    return p + 2;
}

/* sq_free - release a block of sq_malloc */
static void sq_free(void *p)
{
    if (p)
        free((int64_t *)p - 2);
}

/* sq_size - the size sq_malloc was asked for */
static int sq_size(void *p)
{
    return p ? (int)((int64_t *)p - 2)[0] : 0;
}

/* sq_realloc - resize, failing like sq_malloc */
static void *sq_realloc(void *p, int n)
{
    if (sq_fail())
        return NULL;
    int64_t *q = realloc((int64_t *)p - 2, (size_t)n + 16);
    if (!q)
        return NULL;
    q[0] = n;
    return q + 2;
}

/* sq_roundup - no rounding */
static int sq_roundup(int n)
{
    return n;
}

/* sq_init - nothing to set up */
static int sq_init(void *app)
{
    (void)app;
    return SQLITE_OK;
}

/* sq_shutdown - nothing to tear down */
static void sq_shutdown(void *app)
{
    (void)app;
}

/* sq_fail_after - like bn_alloc_fail_after for SQLite's own allocations */
static long sq_fail_after(long n)
{
    long made = sq_count;
    sq_count = 0;
    sq_countdown = n;
    return made;
}

/* The store sweep: one message with records, parsed once. */
typedef struct ingest_case {
    char dir[64], db[96];
    bn_parser *p;
    const bn_record *recs;
    size_t n;
    char *msg;
    size_t len;
} ingest_case;

/* What the injected store runs returned: BN_OK (the failure was absorbed,
   e.g. by a retry) or BN_ENOMEM. */
static long store_rcs[2];

/* tally - count one injected store run's result */
static void tally(int rc)
{
    store_rcs[rc == BN_OK ? 0 : 1]++;
}

/* remove_db - delete the database and its journal files */
static void remove_db(const ingest_case *c)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal", ".lock"};
    char path[160];
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(path, sizeof path, "%s%s", c->db, sfx[i]);
        unlink(path);
    }
}

/* open_ingest - open (creating) the store and ingest the records */
static int open_ingest(ingest_case *c, bn_ingest_stats *st)
{
    bn_store *s = NULL;
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.bulk = true; /* no fsync per commit: thousands of runs; atomicity stays */
    memset(st, 0, sizeof *st);
    int rc = bn_store_open(&s, c->db, &o);
    if (rc == BN_OK)
        rc = bn_store_ingest(s, c->recs, c->n, "alloc-test", c->msg, c->len, st);
    bn_store_close(s);
    return rc;
}

/* ingest_again - after a failure: the store opens and takes the message */
static void ingest_again(ingest_case *c, const char *what, long n, size_t want_events)
{
    bn_ingest_stats st;
    int rc = open_ingest(c, &st);
    if (rc != BN_OK)
        fail_msg("%s N=%ld: reopening after the failure: %s", what, n, bn_strerror(rc));
    /* the failed ingest stored all of the message or none of it */
    if (st.events + st.duplicates != want_events || (st.events && st.duplicates))
        fail_msg("%s N=%ld: after the failure %zu new + %zu duplicate events, want %zu",
                 what, n, st.events, st.duplicates, want_events);
}

/* store_run - one injected run: fresh database, open + ingest under injection */
static void store_run(ingest_case *c, bool sqlite_side, long n, size_t want_events)
{
    bn_ingest_stats st;
    const char *what = sqlite_side ? "sqlite" : "ours";
    remove_db(c);
    if (sqlite_side)
        sq_fail_after(n);
    else
        bn_alloc_fail_after(n);
    int rc = open_ingest(c, &st);
    sq_fail_after(-1);
    bn_alloc_fail_after(-1);
    if (rc != BN_OK && rc != BN_ENOMEM) /* SQLITE_NOMEM is BN_ENOMEM too */
        fail_msg("%s N=%ld: %s", what, n, bn_strerror(rc));
    tally(rc);
    ingest_again(c, what, n, want_events);
}

/* ingest_setup - a temporary directory and the records of one sample */
static void ingest_setup(ingest_case *c)
{
    memset(c, 0, sizeof *c);
    /* memory-backed when possible: thousands of databases are created */
    snprintf(c->dir, sizeof c->dir, "/dev/shm/bn-allocfail-XXXXXX");
    if (!mkdtemp(c->dir)) {
        snprintf(c->dir, sizeof c->dir, "/tmp/bn-allocfail-XXXXXX");
        assert_non_null(mkdtemp(c->dir));
    }
    snprintf(c->db, sizeof c->db, "%s/bounce.db", c->dir);
    c->msg = slurp(BN_SOURCE_DIR "/samples/postfix-three-recipients.eml", &c->len);
    assert_non_null(c->msg);
    assert_int_equal(bn_parser_new(&c->p, NULL), BN_OK);
    assert_int_equal(bn_parse(c->p, c->msg, c->len, &c->recs, &c->n), BN_OK);
    assert_true(c->n >= 2);
}

/* ingest_teardown - remove the files, free the parse */
static void ingest_teardown(ingest_case *c)
{
    remove_db(c);
    rmdir(c->dir);
    bn_parser_free(c->p);
    free(c->msg);
}

/* test_store_every_allocation - open + ingest with each allocation failing,
   ours and SQLite's */
static void test_store_every_allocation(void **state)
{
    (void)state;
    ingest_case c;
    bn_ingest_stats st;
    ingest_setup(&c);
    bn_alloc_fail_after(-1);
    sq_fail_after(-1);
    assert_int_equal(open_ingest(&c, &st), BN_OK);
    long ours = bn_alloc_fail_after(-1), theirs = sq_fail_after(-1);
    size_t want = st.events;
    assert_true(want > 0);
    for (long n = 0; n <= ours; n++)
        store_run(&c, false, n, want);
    for (long n = 0; n <= theirs; n++)
        store_run(&c, true, n, want);
    print_message("store: %ld of our allocations, %ld of SQLite's, each failed once\n",
                  ours, theirs);
    ingest_teardown(&c);
}

/* A batch of messages of different kinds, ingested in one transaction. */
#define BATCH 4
static const char *const batch_files[BATCH] = {
    BN_SOURCE_DIR "/samples/postfix-three-recipients.eml",
    BN_SOURCE_DIR "/samples/arf-abuse-complaint.eml",
    BN_SOURCE_DIR "/samples/dsn-delivered-success.eml",
    BN_SOURCE_DIR "/samples/yahoo-deferred-expired.eml",
};

typedef struct batch {
    ingest_case c;           /* the temporary directory and database */
    bn_parser *p[BATCH];
    const bn_record *recs[BATCH];
    size_t n[BATCH];
    char *msg[BATCH];
    size_t len[BATCH];
} batch;

/* batch_setup - parse the batch (each in its own parser: records stay valid) */
static void batch_setup(batch *b)
{
    ingest_setup(&b->c);
    for (size_t i = 0; i < BATCH; i++) {
        b->msg[i] = slurp(batch_files[i], &b->len[i]);
        assert_non_null(b->msg[i]);
        assert_int_equal(bn_parser_new(&b->p[i], NULL), BN_OK);
        assert_int_equal(bn_parse(b->p[i], b->msg[i], b->len[i], &b->recs[i], &b->n[i]),
                         BN_OK);
        assert_true(b->n[i] > 0);
    }
}

/* batch_teardown - free the parses and the temporary files */
static void batch_teardown(batch *b)
{
    for (size_t i = 0; i < BATCH; i++) {
        bn_parser_free(b->p[i]);
        free(b->msg[i]);
    }
    ingest_teardown(&b->c);
}

/* batch_ingest - begin, ingest every message, commit; rollback on failure */
static int batch_ingest(batch *b, bn_store *s, bn_ingest_stats *st)
{
    int rc = bn_store_begin(s);
    for (size_t i = 0; rc == BN_OK && i < BATCH; i++)
        rc = bn_store_ingest(s, b->recs[i], b->n[i], batch_files[i], b->msg[i], b->len[i],
                             st);
    if (rc == BN_OK)
        rc = bn_store_commit(s);
    else
        bn_store_rollback(s);
    return rc;
}

/* open_store - a store on the batch's database, no fsync per commit */
static bn_store *open_store(batch *b)
{
    bn_store *s = NULL;
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.bulk = true;
    int rc = bn_store_open(&s, b->c.db, &o);
    if (rc != BN_OK)
        fail_msg("opening %s: %s", b->c.db, bn_strerror(rc));
    return s;
}

/* batch_run - a fresh store, the batch ingested with one allocation failing,
   then the batch again without injection: all of it or none of it was kept */
static void batch_run(batch *b, bool sqlite_side, long n, size_t want)
{
    bn_ingest_stats st;
    remove_db(&b->c);
    bn_store *s = open_store(b);
    memset(&st, 0, sizeof st);
    if (sqlite_side)
        sq_fail_after(n);
    else
        bn_alloc_fail_after(n);
    int rc = batch_ingest(b, s, &st);
    sq_fail_after(-1);
    bn_alloc_fail_after(-1);
    const char *what = sqlite_side ? "batch/sqlite" : "batch/ours";
    if (rc != BN_OK && rc != BN_ENOMEM)
        fail_msg("%s N=%ld: %s", what, n, bn_strerror(rc));
    tally(rc);
    memset(&st, 0, sizeof st);
    rc = batch_ingest(b, s, &st);
    bn_store_close(s);
    if (rc != BN_OK)
        fail_msg("%s N=%ld: the batch again after the failure: %s", what, n,
                 bn_strerror(rc));
    if (st.events + st.duplicates != want || (st.events && st.duplicates))
        fail_msg("%s N=%ld: after the failure %zu new + %zu duplicate events, want %zu "
                 "new or %zu duplicates", what, n, st.events, st.duplicates, want, want);
}

/* test_store_batch_every_allocation - one transaction of four kinds of
   bounce (hard, complaint, delivery, expired), each allocation failing */
static void test_store_batch_every_allocation(void **state)
{
    (void)state;
    batch b;
    bn_ingest_stats st;
    memset(&st, 0, sizeof st);
    batch_setup(&b);
    remove_db(&b.c);
    bn_store *s = open_store(&b);
    bn_alloc_fail_after(-1);
    sq_fail_after(-1);
    assert_int_equal(batch_ingest(&b, s, &st), BN_OK);
    long ours = bn_alloc_fail_after(-1), theirs = sq_fail_after(-1);
    bn_store_close(s);
    assert_true(st.events > 0);
    for (long n = 0; n <= ours; n++)
        batch_run(&b, false, n, st.events);
    for (long n = 0; n <= theirs; n++)
        batch_run(&b, true, n, st.events);
    print_message("batch: %zu events; %ld of our allocations, %ld of SQLite's\n",
                  st.events, ours, theirs);
    print_message("store runs under injection: %ld BN_OK, %ld BN_ENOMEM\n", store_rcs[0],
                  store_rcs[1]);
    batch_teardown(&b);
}

/* install_sqlite_allocator - before SQLite initialises: count its allocations */
static void install_sqlite_allocator(void)
{
    static const sqlite3_mem_methods m = {sq_malloc, sq_free, sq_realloc, sq_size,
                                          sq_roundup, sq_init, sq_shutdown, NULL};
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK) {
        fprintf(stderr, "sqlite3_config(SQLITE_CONFIG_MALLOC) refused\n");
        exit(1);
    }
}

int main(void)
{
    install_sqlite_allocator();
    bn_alloc_count_arena(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_every_allocation),
        cmocka_unit_test(test_parse_reuse_after_failure),
        cmocka_unit_test(test_source_every_allocation),
        cmocka_unit_test(test_store_every_allocation),
        cmocka_unit_test(test_store_batch_every_allocation),
    };
    return cmocka_run_group_tests(tests, collect, release);
}
