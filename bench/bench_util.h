/*
 * bench_util.h - what several bench programs share: clocks and the
 * synthetic record mix of the store benchmarks (bench_ingest.c and
 * bench_pg.c measure the same workload on both backends)
 */
#ifndef BN_BENCH_UTIL_H
#define BN_BENCH_UTIL_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bounce.h"

/* now_s - monotonic seconds */
static inline double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* cpu_s - CPU seconds of this process (the figure that holds on a busy
 * machine, where wall time includes waiting for a core) */
static inline double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* make_record - record i of the synthetic mix */
static inline bn_record make_record(long i, char *addr, size_t size, time_t base)
{
    bn_record r;
    memset(&r, 0, sizeof r);
    int kind = (int)(i % 20);
    bn_reason reason = BN_REASON_USERUNKNOWN;
    const char *status = "5.1.1";
    if (kind < 12) {
        snprintf(addr, size, "user%ld@example%ld.com", i, i % 5000);
    } else if (kind < 16) {
        snprintf(addr, size, "soft%ld@example%ld.net", i % 20000, i % 300);
        reason = BN_REASON_MAILBOXFULL, status = "4.2.2";
    } else if (kind < 19) {
        snprintf(addr, size, "user%ld@gmail.com", i);
        reason = BN_REASON_BLOCKED, status = "5.7.1";
    } else {
        snprintf(addr, size, "soft%ld@example%ld.net", (i + 7) % 20000, i % 300);
        reason = BN_REASON_DELIVERED, status = "2.0.0";
    }
    r.recipient = (bn_str){addr, strlen(addr)};
    r.timestamp = base + i / 10;
    r.diagnostic = (bn_str){"550 5.1.1 <user@example.com>: Recipient address rejected", 56};
    r.message_id = (bn_str){"<abc@example.org>", 17};
    r.verdict.reason = reason;
    r.verdict.hardbounce = reason == BN_REASON_USERUNKNOWN;
    r.verdict.permanence = status[0] == '5' ? BN_PERM_PERMANENT : BN_PERM_TRANSIENT;
    snprintf(r.verdict.status, sizeof r.verdict.status, "%s", status);
    r.verdict.rule = "bench";
    r.format = "bench";
    return r;
}

/* run_ingest - n records in batches of 1000; records per second (wall).
 * Each batch is made before the clocks run: formatting the synthetic
 * records was 8.5% of the instructions, and it is not the store's work. */
static inline double run_ingest(bn_store *s, long n, time_t base, bn_ingest_stats *st,
                         double *cpu_rate)
{
    enum { BATCH = 1000 };
    static char addr[BATCH][128], msg[BATCH][32];
    static bn_record r[BATCH];
    double wall = 0, cpu = 0;
    for (long i = 0; i < n;) {
        long m = 0;
        for (; m < BATCH && i + m < n; m++) {
            r[m] = make_record(i + m, addr[m], sizeof addr[m], base);
            snprintf(msg[m], sizeof msg[m], "message %ld", i + m);
        }
        double t0 = now_s(), c0 = cpu_s();
        if (bn_store_begin(s) != BN_OK)
            return -1;
        for (long k = 0; k < m; k++)
            if (bn_store_ingest(s, &r[k], 1, "bench", msg[k], strlen(msg[k]), st) != BN_OK)
                return -1;
        if (bn_store_commit(s) != BN_OK)
            return -1;
        wall += now_s() - t0;
        cpu += cpu_s() - c0;
        i += m;
    }
    *cpu_rate = (double)n / cpu;
    return (double)n / wall;
}

/* input_line - address i of the input: even i suppressed, odd not */
static inline int input_line(char *buf, size_t size, long i)
{
    if (i % 2 == 0)
        return snprintf(buf, size, i % 10 == 0 ? "User%ld@Example%ld.COM"
                                               : "user%ld@example%ld.com",
                        i, i % 20000);
    return snprintf(buf, size, "someone%ld@example%ld.org", i, i % 20000);
}

#endif
