/*
 * bench_ingest.c - how fast the suppression list stores records
 *
 * Records built in C (the store alone, no parsing): a mix like real bounce
 * traffic (hard bounces of distinct addresses, soft bounces repeating over
 * a smaller set, sender-side rejections, deliveries), ingested in batches of
 * 1000 per transaction into a fresh SQLite list (WAL, synchronous=FULL),
 * then the same records again (all duplicates). With BENCH_MBOX set, also
 * the whole path: parse every message of that mbox and store its records.
 * Environment: BENCH_INGEST_N (records, default 200000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "bench_util.h"

/* run_mbox - parse and store every message of an mbox */
static void run_mbox(bn_store *s, const char *path)
{
    bn_source *src;
    bn_parser *p;
    bn_source_msg m;
    bn_ingest_stats st = {0};
    long msgs = 0;
    if (bn_source_new(&src, 0) || bn_source_add(src, path) || bn_parser_new(&p, NULL))
        return;
    double t0 = now_s(), c0 = cpu_s();
    bn_store_begin(s);
    while (bn_source_next(src, &m)) {
        const bn_record *recs;
        size_t n;
        if (m.err || bn_parse(p, m.buf, m.len, &recs, &n) != BN_OK)
            continue;
        bn_store_ingest(s, recs, n, m.name, m.buf, m.len, &st);
        if (++msgs % 1000 == 0) {
            bn_store_commit(s);
            bn_store_begin(s);
        }
    }
    bn_store_commit(s);
    double dt = now_s() - t0, dc = cpu_s() - c0;
    printf("ingest (parse + store, %s): %ld messages, %zu records in %.2f s = "
           "%.0f messages/s, %.0f records/s wall, %.0f records/s of CPU\n", path,
           msgs, st.records, dt, (double)msgs / dt, (double)st.records / dt,
           (double)st.records / dc);
    bn_parser_free(p);
    bn_source_free(src);
}

int main(void)
{
    char dir[] = "/tmp/bench_ingest.XXXXXX", db[128];
    long n = getenv("BENCH_INGEST_N") ? atol(getenv("BENCH_INGEST_N")) : 200000;
    bn_store *s;
    bn_ingest_stats st = {0}, st2 = {0};
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/bench.db", dir);
    bn_store_opts o = BN_STORE_OPTS_INIT;
    o.bulk = !getenv("BENCH_SYNC_FULL");
    if (bn_store_open(&s, db, &o) != BN_OK) {
        fprintf(stderr, "bench_ingest: %s\n", bn_store_errmsg(s));
        return 1;
    }
    time_t base = time(NULL) - 30 * 86400;
    double rate_cpu, again_cpu;
    double rate = run_ingest(s, n, base, &st, &rate_cpu);
    double again = run_ingest(s, n, base, &st2, &again_cpu);
    if (rate < 0 || again < 0) {
        fprintf(stderr, "bench_ingest: %s\n", bn_store_errmsg(s));
        return 1;
    }
    printf("ingest (store only, batches of 1000, SQLite WAL, %s): %ld records "
           "= %.0f records/s wall, %.0f records/s of CPU (%zu events, %zu "
           "suppressions)\n", o.bulk ? "bulk: synchronous=NORMAL" : "synchronous=FULL",
           n, rate, rate_cpu, st.events, st.suppressed);
    printf("ingest again (all duplicates): %.0f records/s wall, %.0f records/s of "
           "CPU (%zu duplicates)\n", again, again_cpu, st2.duplicates);
    if (getenv("BENCH_MBOX") && *getenv("BENCH_MBOX"))
        run_mbox(s, getenv("BENCH_MBOX"));
    bn_store_close(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
