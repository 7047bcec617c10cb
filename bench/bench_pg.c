/*
 * bench_pg.c - the suppression list on PostgreSQL, next to SQLite's figures
 * (bench_ingest.c, bench_filter.c: the same workloads)
 *
 * BENCH_PG_URI: a postgresql:// URI of a database where this program may
 * create a schema (bench_<pid>, dropped at the end); bench/run.sh starts a
 * throwaway local cluster (fsync on) and sets it. Unset: prints "skipped".
 * Measures, against that server:
 *   - ingest, store only: the synthetic mix of bench_ingest.c in batches of
 *     1000 records per transaction (bulk: synchronous_commit off), then the
 *     same records again (all duplicates); BENCH_INGEST_N records (200000);
 *   - filter: a list of BENCH_FILTER_N (1,000,000) entries, loaded into the
 *     in-memory set with one COPY, then as many lookups; `bounce filter` on a
 *     file of that many lines; `bounce check` per call, library and process.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "bench_util.h"

#ifdef BN_WITH_POSTGRES
#include <libpq-fe.h>

/* sql - run one statement on the setup connection; 0 on success */
static int sql(PGconn *c, const char *q)
{
    PGresult *r = PQexec(c, q);
    int st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fprintf(stderr, "bench_pg: %s: %s", q, PQerrorMessage(c));
    PQclear(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
}

/* open_list - a fresh list in schema name; its URI in uri */
static int open_list(PGconn *c, const char *base, const char *name, char *uri,
                     size_t size, bn_store **s, bool bulk)
{
    char q[160];
    snprintf(q, sizeof q, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", name, name);
    if (sql(c, q))
        return -1;
    snprintf(uri, size, "%s%coptions=-csearch_path%%3D%s", base,
             strchr(base, '?') ? '&' : '?', name);
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.bulk = bulk;
    if (bn_store_open(s, uri, &o) != BN_OK) {
        fprintf(stderr, "bench_pg: %s\n", bn_store_errmsg(*s));
        bn_store_close(*s);
        return -1;
    }
    return 0;
}

/* bench_ingest - the store-only ingest figures */
static void bench_ingest(PGconn *c, const char *base, const char *name)
{
    char uri[2048];
    long n = getenv("BENCH_INGEST_N") ? atol(getenv("BENCH_INGEST_N")) : 200000;
    bn_store *s;
    bn_ingest_stats st = {0}, st2 = {0};
    double cpu1, cpu2;
    if (open_list(c, base, name, uri, sizeof uri, &s, true))
        return;
    time_t t = time(NULL) - 30 * 86400;
    double rate = run_ingest(s, n, t, &st, &cpu1);
    double again = rate < 0 ? -1 : run_ingest(s, n, t, &st2, &cpu2);
    if (rate < 0 || again < 0)
        printf("ingest (PostgreSQL): failed: %s\n", bn_store_errmsg(s));
    else
        printf("ingest (store only, batches of 1000, PostgreSQL, bulk: "
               "synchronous_commit=off): %ld records = %.0f records/s wall, %.0f "
               "records/s of CPU (%zu events, %zu suppressions)\n"
               "ingest again (PostgreSQL, all duplicates): %.0f records/s wall, "
               "%.0f records/s of CPU (%zu duplicates)\n", n, rate, cpu1,
               st.events, st.suppressed, again, cpu2, st2.duplicates);
    bn_store_close(s);
}

/* bench_set - load the set (one COPY), look up n addresses */
static void bench_set(bn_store *s, long n)
{
    bn_suppset *set;
    char addr[96];
    double t0 = now_s();
    if (bn_suppset_load(&set, s) != BN_OK) {
        printf("filter (PostgreSQL): load failed: %s\n", bn_store_errmsg(s));
        return;
    }
    double load = now_s() - t0;
    long hits = 0;
    t0 = now_s();
    for (long i = 0; i < n; i++) {
        int len = input_line(addr, sizeof addr, i);
        hits += bn_suppset_lookup(set, addr, (size_t)len, NULL) == BN_OK;
    }
    double dt = now_s() - t0;
    printf("filter (library, PostgreSQL): load %zu entries in %.2f s (%.0f "
           "entries/s); %ld lookups %.0f addresses/s (%ld suppressed)\n",
           bn_suppset_size(set), load, (double)bn_suppset_size(set) / load, n,
           (double)n / dt, hits);
    bn_suppset_free(set);
}

/* bench_check - warm library calls and cold processes */
static void bench_check(bn_store *s, const char *bin, const char *uri)
{
    bn_suppression e;
    char addr[96], cmd[9000];
    const long calls = 5000;
    double t0 = now_s();
    for (long i = 0; i < calls; i++) {
        int len = input_line(addr, sizeof addr, i * 7);
        bn_store_check(s, addr, (size_t)len, &e);
    }
    printf("check (library, PostgreSQL, open connection): %.4f ms/call\n",
           (now_s() - t0) * 1000 / (double)calls);
    if (access(bin, X_OK) != 0)
        return;
    snprintf(cmd, sizeof cmd, "'%s' check --db '%s' user42@example42.com > /dev/null",
             bin, uri);
    t0 = now_s();
    for (int i = 0; i < 20; i++)
        if (system(cmd) == -1)
            return;
    printf("check (bounce check process, PostgreSQL: start, connect, look up): "
           "%.2f ms/call\n", (now_s() - t0) * 1000 / 20);
}

/* bench_command - `bounce filter` on an n-line file, load included */
static void bench_command(const char *bin, const char *uri, long n)
{
    char path[] = "/tmp/bench_pg_input.XXXXXX", cmd[9000], addr[96];
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || access(bin, X_OK) != 0) {
        if (f)
            fclose(f);
        unlink(path);
        return;
    }
    for (long i = 0; i < n; i++) {
        input_line(addr, sizeof addr, i);
        fprintf(f, "%s\n", addr);
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' filter --db '%s' '%s' > /dev/null", bin, uri, path);
    double t0 = now_s();
    int rc = system(cmd);
    double dt = now_s() - t0;
    unlink(path);
    printf("filter (bounce filter, PostgreSQL, %ld lines, list load included): "
           "%.2f s = %.0f addresses/s%s\n", n, dt, (double)n / dt, rc ? " (FAILED)" : "");
}

/* bench_filter - a big list filled server-side, then the filter figures */
static void bench_filter(PGconn *c, const char *base, const char *name,
                         const char *bin)
{
    char uri[2048], q[700];
    long n = getenv("BENCH_FILTER_N") ? atol(getenv("BENCH_FILTER_N")) : 1000000;
    bn_store *s;
    if (open_list(c, base, name, uri, sizeof uri, &s, false))
        return;
    bn_store_close(s);
    snprintf(q, sizeof q, "INSERT INTO %s.suppression(address, domain, kind, reason, "
             "since, expires, soft_count, updated) SELECT 'user' || i || '@example' "
             "|| (i %% 20000) || '.com', 'example' || (i %% 20000) || '.com', "
             "'hard', 'userunknown', 1700000000, 0, 0, 1700000000 FROM "
             "generate_series(0, %ld) i", name, n - 1);
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.readonly = true;
    if (sql(c, q) || bn_store_open(&s, uri, &o) != BN_OK) {
        bn_store_close(s);
        return;
    }
    bench_set(s, n);
    bench_check(s, bin, uri);
    bn_store_close(s);
    bench_command(bin, uri, n);
}

int main(void)
{
    const char *base = getenv("BENCH_PG_URI");
    char name[64], bin[4096], self[4096], q[128];
    if (!base || !*base) {
        printf("PostgreSQL: skipped (BENCH_PG_URI not set)\n");
        return 0;
    }
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    snprintf(bin, sizeof bin, "%s/bounce", k > 0 ? (self[k] = '\0', dirname(self)) : ".");
    PGconn *c = PQconnectdb(base);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_pg: %s", PQerrorMessage(c));
        PQfinish(c);
        return 1;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    snprintf(name, sizeof name, "bench_%ld", (long)getpid());
    bench_ingest(c, base, name);
    bench_filter(c, base, name, bin);
    snprintf(q, sizeof q, "DROP SCHEMA IF EXISTS %s CASCADE", name);
    sql(c, q);
    PQfinish(c);
    return 0;
}
#else
int main(void)
{
    printf("PostgreSQL: skipped (built without libpq)\n");
    return 0;
}
#endif
