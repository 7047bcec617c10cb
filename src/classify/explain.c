/*
 * explain.c - bn_verdict_explain(): the verdict in one or two plain sentences
 *
 * What happened and whose side it is on come from data/reasons.tsv (one row
 * per reason, so every reason has its words); the specifics the verdict
 * carries (blocklist, IP, provider, retry delay) are added here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bounce.h"
#include "knowledge/knowledge.h"

typedef struct out {
    char *buf;
    size_t size, len;
} out;

/* put - append formatted text, counting what did not fit (snprintf semantics) */
__attribute__((format(printf, 2, 3))) static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* explain_blocklist - the listed-sender case: which list, what to check */
static void explain_blocklist(out *o, const bn_verdict *v)
{
    put(o, "The receiving server refused the mail because the sender is listed on %s; "
           "the recipient address is probably fine.",
        v->blocklist);
    if (v->ip[0])
        put(o, " Check the listing of %s (bounce doctor --ip %s), request delisting, and "
               "make sure SPF, DKIM and DMARC pass.",
            v->ip, v->ip);
    else
        put(o, " Check the sending IP's listing, request delisting, and make sure SPF, DKIM "
               "and DMARC pass.");
}

/* explain_codes - " (550 5.1.1, Google)": the codes and provider when known */
static void explain_codes(out *o, const bn_verdict *v)
{
    const char *sep = " (";
    if (v->replycode) {
        put(o, "%s%d", sep, v->replycode);
        sep = " ";
    }
    if (v->status[0] && !v->status_derived) {
        put(o, "%s%s", sep, v->status);
        sep = " ";
    }
    if (v->provider) {
        put(o, "%s%s", sep[1] == '(' ? sep : ", ", v->provider);
        sep = " ";
    }
    if (sep[1] != '(')
        put(o, ")");
}

/* explain_general - the reason's own words plus codes, IP and retry delay */
static void explain_general(out *o, const bn_verdict *v)
{
    const bn_kb_reason *r = &bn_kb_reasons[v->reason];
    put(o, "%s", r->what);
    explain_codes(o, v);
    put(o, ". %s", r->advice);
    if (v->ip[0] && (v->fault == BN_FAULT_SENDER))
        put(o, " The reply names the IP %s (bounce doctor --ip %s).", v->ip, v->ip);
    if (v->retry_after >= 0)
        put(o, " The server asked to wait %ld seconds before retrying.", v->retry_after);
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
