/*
 * bench_filter.c - bounce filter and bounce check against a big list
 *
 * Builds a list of BENCH_FILTER_N (default 1,000,000) suppressed addresses,
 * then measures: loading the in-memory set, looking up as many addresses
 * (half of them suppressed, some in other letter case), the `bounce filter`
 * command on a file of that many lines (load included), and `bounce check`
 * per call, in the library (warm) and as a process (cold).
 */
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "bench_util.h"


/* fill_list - n suppression rows written directly (setup, not measured) */
static int fill_list(const char *db, long n)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    char addr[96], dom[64];
    if (sqlite3_open(db, &h) != SQLITE_OK)
        return -1;
    sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
    sqlite3_prepare_v2(h, "INSERT INTO suppression(address, domain, kind, reason, "
                       "since, expires, soft_count, updated) VALUES(?1, ?2, 'hard', "
                       "'userunknown', 1700000000, 0, 0, 1700000000)", -1, &st, NULL);
    for (long i = 0; i < n; i++) {
        snprintf(dom, sizeof dom, "example%ld.com", i % 20000);
        snprintf(addr, sizeof addr, "user%ld@%s", i, dom);
        sqlite3_bind_text(st, 1, addr, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, dom, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    int rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(h);
    return rc == SQLITE_OK ? 0 : -1;
}

/* bench_set - load the set, look up n addresses */
static void bench_set(bn_store *s, long n)
{
    bn_suppset *set;
    char addr[96];
    double t0 = now_s();
    if (bn_suppset_load(&set, s) != BN_OK)
        return;
    double load = now_s() - t0;
    long hits = 0;
    t0 = now_s();
    double c0 = cpu_s();
    for (long i = 0; i < n; i++) {
        int len = input_line(addr, sizeof addr, i);
        hits += bn_suppset_lookup(set, addr, (size_t)len, NULL) == BN_OK;
    }
    double dt = now_s() - t0, dc = cpu_s() - c0;
    printf("filter (library): load %zu entries in %.2f s; %ld lookups in %.2f s = "
           "%.0f addresses/s wall, %.0f addresses/s of CPU (%ld suppressed)\n",
           bn_suppset_size(set), load, n, dt, (double)n / dt, (double)n / dc, hits);
    bn_suppset_free(set);
}

/* bench_command - `bounce filter` on an n-line file, load included */
static void bench_command(const char *bin, const char *dir, const char *db, long n)
{
    char path[256], cmd[9000], addr[96];
    snprintf(path, sizeof path, "%s/input.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f || access(bin, X_OK) != 0) {
        if (f)
            fclose(f);
        printf("filter (command): skipped, no %s\n", bin);
        return;
    }
    for (long i = 0; i < n; i++) {
        input_line(addr, sizeof addr, i);
        fprintf(f, "%s\n", addr);
    }
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' filter --db '%s' '%s' > /dev/null", bin, db, path);
    double t0 = now_s();
    int rc = system(cmd);
    double dt = now_s() - t0;
    printf("filter (bounce filter, %ld lines, list load included): %.2f s = %.0f "
           "addresses/s%s\n", n, dt, (double)n / dt, rc ? " (FAILED)" : "");
}

/* bench_check - warm library calls and cold processes */
static void bench_check(bn_store *s, const char *bin, const char *db)
{
    bn_suppression e;
    char addr[96], cmd[9000];
    const long calls = 20000;
    double t0 = now_s();
    for (long i = 0; i < calls; i++) {
        int len = input_line(addr, sizeof addr, i * 7);
        bn_store_check(s, addr, (size_t)len, &e);
    }
    double dt = now_s() - t0;
    printf("check (library, open list): %.4f ms/call\n", dt * 1000 / (double)calls);
    if (access(bin, X_OK) != 0)
        return;
    snprintf(cmd, sizeof cmd, "'%s' check --db '%s' user42@example42.com > /dev/null",
             bin, db);
    t0 = now_s();
    for (int i = 0; i < 20; i++)
        if (system(cmd) == -1)
            return;
    printf("check (bounce check process: start, open, look up): %.2f ms/call\n",
           (now_s() - t0) * 1000 / 20);
}

int main(int argc, char **argv)
{
    (void)argc;
    long n = getenv("BENCH_FILTER_N") ? atol(getenv("BENCH_FILTER_N")) : 1000000;
    char dir[] = "/tmp/bench_filter.XXXXXX", db[128], bin[4096], self[4096];
    bn_store *s;
    bn_store_opts o = BN_STORE_OPTS_INIT;
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    snprintf(bin, sizeof bin, "%s/bounce", k > 0 ? (self[k] = '\0', dirname(self)) : ".");
    (void)argv;
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/list.db", dir);
    if (bn_store_open(&s, db, NULL) != BN_OK)
        return 1;
    bn_store_close(s);
    if (fill_list(db, n) != 0)
        return 1;
    o.readonly = true;
    if (bn_store_open(&s, db, &o) != BN_OK)
        return 1;
    bench_set(s, n);
    bench_check(s, bin, db);
    bn_store_close(s);
    bench_command(bin, dir, db, n);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
