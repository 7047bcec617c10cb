/*
 * fuzz_logline.c - the MTA log reader (bn_log_feed, bn_log_line)
 *
 * The input is a log: fed whole, then again split at a point chosen by its
 * first byte (a partial line carried over, as a follower does). Invariants:
 * both readings give the same record count; every record has a recipient,
 * a known dsn_action and a rule; every record prints as JSON; the counters
 * add up (no line is lost or counted twice).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"

typedef struct fz {
    size_t records;
    char json[1 << 16];
} fz;

static void check(const bn_record *r)
{
    static const char *const actions[] = {"failed", "delayed", "delivered"};
    bool ok = false;
    if (r->recipient.n == 0 || !r->verdict.rule || !r->format)
        abort();
    for (int i = 0; i < 3; i++)
        ok |= r->dsn_action.n == strlen(actions[i]) &&
              memcmp(r->dsn_action.p, actions[i], r->dsn_action.n) == 0;
    if (!ok || r->verdict.reason >= BN_REASON_COUNT)
        abort();
}

static int on_records(const bn_record *recs, size_t count, const char *line, size_t len,
                      void *payload)
{
    fz *f = payload;
    for (size_t i = 0; i < count; i++) {
        check(&recs[i]);
        size_t need = bn_record_json(&recs[i], "fuzz", f->json, sizeof(f->json));
        if (need == 0)
            abort();
    }
    f->records += count;
    return 0;
}

/* read_log - the whole input, split once at cut; returns the record count */
static size_t read_log(const uint8_t *data, size_t size, size_t cut, fz *f)
{
    bn_log_opts o = BN_LOG_OPTS_INIT;
    o.utc_offset = 0;
    o.now = 1796023236;
    o.max_line = 512;
    o.max_queue = 64;       /* small maps: eviction happens */
    o.max_recipients = 8;   /* small arrays: the recipient limit is reached */
    bn_log_reader *r;
    size_t used = 0, used2 = 0;
    if (bn_log_reader_new(&r, &o) != BN_OK)
        return 0;
    f->records = 0;
    bn_log_feed(r, (const char *)data, cut, false, &used, on_records, f);
    bn_log_feed(r, (const char *)data + used, size - used, true, &used2, on_records, f);
    if (used + used2 != size)
        abort();
    bn_log_stats st;
    bn_log_stats_get(r, &st);
    if (st.records != f->records || st.bounced + st.expired + st.deferred + st.delivered != st.records)
        abort();
    bn_log_reader_free(r);
    return f->records;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - one input: whole, then split */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz f;
    size_t whole = read_log(data, size, size, &f);
    size_t cut = size ? (size_t)data[0] * size / 256 : 0;
    size_t split = read_log(data, size, cut, &f);
    if (whole != split)
        abort();
    return 0;
}
