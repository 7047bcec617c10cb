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
#include "classify/classify.h"
#include "core/json.h"
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
    bool json; /* straight into a JSON record (bn_verdict_explain_json): no
                  bounds, the verdict's own strings escaped, ours copied */
} out;

/* INLINE - the builders are inlined into the two entry points with json
   known, so neither copy keeps a test per piece */
#define INLINE static inline __attribute__((always_inline))

/* put_mem - append n bytes of s: as many as fit before the terminator
   (inline: most pieces are literals, whose length and copy then fold) */
INLINE void put_mem(out *o, const char *s, size_t n)
{
    if (o->json) { /* the caller reserved bn_verdict_explain_json_bound */
        memcpy(o->buf + o->len, s, n);
        o->len += n;
        return;
    }
    if (o->len < o->size) {
        size_t room = o->size - o->len - 1, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->buf[o->len + k] = 0;
    }
    o->len += n;
}

/* put - append a string of ours (a literal's strlen folds once inlined) */
INLINE void put(out *o, const char *s)
{
    put_mem(o, s, strlen(s));
}

/* put_var - append a string the verdict holds (IP, status, provider,
   blocklist): escaped when the text goes straight into JSON. Every one is
   between ASCII pieces, so escaping it alone gives the bytes escaping the
   whole text would. */
INLINE void put_var(out *o, const char *s)
{
    if (o->json)
        o->len = (size_t)(bn_json_escape_to(o->buf + o->len, s, strlen(s)) - o->buf);
    else
        put(o, s);
}

/* put_num - append a number in decimal */
INLINE void put_num(out *o, long v)
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
INLINE void explain_blocklist(out *o, const bn_verdict *v)
{
    put(o, "The receiving server refused the mail because the sender is listed on ");
    put_var(o, v->blocklist);
    put(o, "; the recipient address is probably fine.");
    if (v->ip[0]) {
        put(o, " Check the listing of ");
        put_var(o, v->ip);
        put(o, " (bounce doctor --ip ");
        put_var(o, v->ip);
        put(o, "), request delisting, and make sure SPF, DKIM and DMARC pass.");
    } else {
        put(o, " Check the sending IP's listing, request delisting, and make sure SPF, DKIM "
               "and DMARC pass.");
    }
}

/* explain_codes - " (550 5.1.1, Google)": the codes and provider when known */
INLINE void explain_codes(out *o, const bn_verdict *v)
{
    bool open = false; /* " (" written */
    if (v->replycode) {
        put(o, " (");
        put_num(o, v->replycode);
        open = true;
    }
    if (v->status[0] && !v->status_derived) {
        put(o, open ? " " : " (");
        put_var(o, v->status);
        open = true;
    }
    if (v->provider) {
        put(o, open ? ", " : " (");
        put_var(o, v->provider);
        open = true;
    }
    if (open)
        put(o, ")");
}

/* explain_general - the reason's own words plus codes, IP and retry delay */
INLINE void explain_general(out *o, const bn_verdict *v)
{
    const bn_kb_reason *r = bn_kb_reason_words(v->reason, v->fault);
    put_mem(o, r->what, r->what_len);
    explain_codes(o, v);
    put(o, ". ");
    if (v->hardbounce && v->permanence == BN_PERM_TRANSIENT)
        put(o, "The code is temporary, so this is no proof yet (an address check in "
               "progress, a directory the server cannot reach): a soft bounce; remove the "
               "address if it keeps failing.");
    else
        put_mem(o, r->advice, r->advice_len);
    if (v->ip[0] && (v->fault == BN_FAULT_SENDER)) {
        put(o, " The reply names the IP ");
        put_var(o, v->ip);
        put(o, " (bounce doctor --ip ");
        put_var(o, v->ip);
        put(o, ").");
    }
    if (v->retry_after >= 0) {
        put(o, " The server asked to wait ");
        put_num(o, v->retry_after);
        put(o, " seconds before retrying.");
    }
}

/* explain - the text of a valid verdict into o */
INLINE void explain(out *o, const bn_verdict *v)
{
    if (v->blocklist && (v->reason == BN_REASON_BLOCKED || v->reason == BN_REASON_REJECTED))
        explain_blocklist(o, v);
    else
        explain_general(o, v);
}

/* bn_verdict_explain - one or two plain sentences: what, whose side, what to do */
size_t bn_verdict_explain(const bn_verdict *v, char *buf, size_t size)
{
    out o = {buf, size, 0, false};
    if (buf && size)
        buf[0] = 0;
    if (!v || (unsigned)v->reason >= BN_REASON_COUNT)
        return 0;
    explain(&o, v);
    return o.len;
}

/* EXPLAIN_FIXED - more than our literal pieces of either text and two
   numbers (~220 bytes); test_explain checks the bound on the longest */
#define EXPLAIN_FIXED 512

/* bn_verdict_explain_json_bound - see classify.h */
size_t bn_verdict_explain_json_bound(const bn_verdict *v)
{
    if (!v || (unsigned)v->reason >= BN_REASON_COUNT)
        return 0;
    const bn_kb_reason *r = bn_kb_reason_words(v->reason, v->fault);
    size_t var = 2 * sizeof v->ip + sizeof v->status; /* the IP is named twice */
    var += (v->provider ? strlen(v->provider) : 0) + (v->blocklist ? strlen(v->blocklist) : 0);
    return EXPLAIN_FIXED + r->what_len + r->advice_len + 6 * var;
}

/* bn_verdict_explain_json - see classify.h */
char *bn_verdict_explain_json(const bn_verdict *v, char *o)
{
    out w = {o, 0, 0, true};
    if (!v || (unsigned)v->reason >= BN_REASON_COUNT)
        return o;
    explain(&w, v);
    return o + w.len;
}
