/*
 * explain.c - bn_verdict_explain(): the verdict in one or two plain sentences
 *
 * What happened and whose side it is on come from data/reasons.tsv (one row
 * per reason, so every reason has its words); the specifics the verdict
 * carries (blocklist, IP, provider, retry delay) are added here.
 */
#include <stdbool.h>
#include <string.h>

#include "bounce.h"
#include "knowledge/knowledge.h"

/*
 * The text is built by appending pieces with snprintf's contract (as much
 * as fits, always terminated, the length it needed counted), without a
 * format string to interpret: the pieces are strings and two numbers, and
 * vsnprintf cost most of the time of `bounce parse --json` spent here.
 */
typedef struct out {
    char *buf;
    size_t size, len;
} out;

/* put_mem - append n bytes of s: as many as fit before the terminator
   (inline: most pieces are literals, whose length and copy then fold) */
static inline __attribute__((always_inline)) void put_mem(out *o, const char *s, size_t n)
{
    if (o->len < o->size) {
        size_t room = o->size - o->len - 1, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->buf[o->len + k] = 0;
    }
    o->len += n;
}

/* put - append a string (a literal's strlen folds once inlined) */
static inline __attribute__((always_inline)) void put(out *o, const char *s)
{
    put_mem(o, s, strlen(s));
}

/* put_num - append a number in decimal */
static void put_num(out *o, long v)
{
    char d[24];
    size_t i = sizeof d;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    do
        d[--i] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        d[--i] = '-';
    put_mem(o, d + i, sizeof d - i);
}

/* explain_blocklist - the listed-sender case: which list, what to check */
static void explain_blocklist(out *o, const bn_verdict *v)
{
    put(o, "The receiving server refused the mail because the sender is listed on ");
    put(o, v->blocklist);
    put(o, "; the recipient address is probably fine.");
    if (v->ip[0]) {
        put(o, " Check the listing of ");
        put(o, v->ip);
        put(o, " (bounce doctor --ip ");
        put(o, v->ip);
        put(o, "), request delisting, and make sure SPF, DKIM and DMARC pass.");
    } else {
        put(o, " Check the sending IP's listing, request delisting, and make sure SPF, DKIM "
               "and DMARC pass.");
    }
}

/* explain_codes - " (550 5.1.1, Google)": the codes and provider when known */
static void explain_codes(out *o, const bn_verdict *v)
{
    bool open = false; /* " (" written */
    if (v->replycode) {
        put(o, " (");
        put_num(o, v->replycode);
        open = true;
    }
    if (v->status[0] && !v->status_derived) {
        put(o, open ? " " : " (");
        put(o, v->status);
        open = true;
    }
    if (v->provider) {
        put(o, open ? ", " : " (");
        put(o, v->provider);
        open = true;
    }
    if (open)
        put(o, ")");
}

/* explain_general - the reason's own words plus codes, IP and retry delay */
static void explain_general(out *o, const bn_verdict *v)
{
    const bn_kb_reason *r = &bn_kb_reasons[v->reason];
    put_mem(o, r->what, r->what_len);
    explain_codes(o, v);
    put(o, ". ");
    put_mem(o, r->advice, r->advice_len);
    if (v->ip[0] && (v->fault == BN_FAULT_SENDER)) {
        put(o, " The reply names the IP ");
        put(o, v->ip);
        put(o, " (bounce doctor --ip ");
        put(o, v->ip);
        put(o, ").");
    }
    if (v->retry_after >= 0) {
        put(o, " The server asked to wait ");
        put_num(o, v->retry_after);
        put(o, " seconds before retrying.");
    }
}

/* bn_verdict_explain - one or two plain sentences: what, whose side, what to do */
size_t bn_verdict_explain(const bn_verdict *v, char *buf, size_t size)
{
    out o = {buf, size, 0};
    if (buf && size)
        buf[0] = 0;
    if (!v || (unsigned)v->reason >= BN_REASON_COUNT)
        return 0;
    if (v->blocklist && (v->reason == BN_REASON_BLOCKED || v->reason == BN_REASON_REJECTED))
        explain_blocklist(&o, v);
    else
        explain_general(&o, v);
    return o.len;
}
