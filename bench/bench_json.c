/*
 * bench_json.c - speed of the JSON writers
 *
 * The setup of c-design.md §2.3: 200k records of 8 fields, one a 150-byte
 * diagnostic with quotes, written by the core writer (there: jansson 366k
 * records/s, cJSON 828k, a hand-written escaper 3.75M on this machine); then
 * whole bn_record_json records, explanation included.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bounce.h"
#include "core/json.h"
#include "core/str.h"

#define N 200000

static const char diag[] =
    "550 5.1.1 <bob@example.net>: Recipient address rejected: \"User unknown\" in "
    "virtual mailbox table; see https://example.net/help?code=\"5.1.1\" for details";

/* seconds - CPU time of the process */
static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: the machine is shared */
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* eight_fields - one record of the c-design setup */
static size_t eight_fields(char *buf, size_t size, long i)
{
    bn_json j;
    bn_json_init(&j, buf, size);
    bn_json_object_begin(&j);
    bn_json_kv_cstr(&j, "recipient", "bob@example.net");
    bn_json_kv_cstr(&j, "addresser", "sender@example.org");
    bn_json_kv_cstr(&j, "status", "5.1.1");
    bn_json_kv_int(&j, "replycode", 550);
    bn_json_kv_cstr(&j, "reason", "userunknown");
    bn_json_kv_bool(&j, "hardbounce", true);
    bn_json_kv_int(&j, "timestamp", 1772532901 + i);
    bn_json_kv_str(&j, "diagnostic", diag, sizeof(diag) - 1);
    bn_json_object_end(&j);
    return bn_json_finish(&j);
}

/* sample - a full record for bn_record_json */
static bn_record sample(void)
{
    bn_record r;
    memset(&r, 0, sizeof(r));
    r.recipient = BN_STR("bob@example.net");
    r.addresser = BN_STR("sender@example.org");
    r.timestamp = 1772532901;
    r.diagnostic = BN_STR(diag);
    r.command = BN_STR("RCPT");
    r.remote_mta = BN_STR("mx.example.net");
    r.reporting_mta = BN_STR("mail.example.org");
    r.format = "rfc3464";
    r.verdict.reason = BN_REASON_USERUNKNOWN;
    r.verdict.permanence = BN_PERM_PERMANENT;
    r.verdict.fault = BN_FAULT_RECIPIENT;
    r.verdict.action = BN_ACTION_SUPPRESS;
    r.verdict.hardbounce = true;
    r.verdict.replycode = 550;
    strcpy(r.verdict.status, "5.1.1");
    r.verdict.retry_after = -1;
    r.verdict.rule = "bench";
    return r;
}

int main(void)
{
    static char buf[8192];
    size_t total = 0;
    double t0 = seconds();
    for (long i = 0; i < N; i++)
        total += eight_fields(buf, sizeof(buf), i);
    double t1 = seconds();
    bn_record r = sample();
    for (long i = 0; i < N; i++) {
        r.timestamp++;
        total += bn_record_json(&r, "bench.mbox:1", buf, sizeof(buf));
    }
    double t2 = seconds();
    printf("bench_json: 8-field records (c-design 2.3 setup): %.2f M records/s "
           "(jansson there: 0.37 M/s)\n", N / (t1 - t0) / 1e6);
    printf("bench_json: bn_record_json full records: %.2f M records/s\n", N / (t2 - t1) / 1e6);
    return total == 0;
}
