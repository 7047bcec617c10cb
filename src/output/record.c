/*
 * record.c - bn_record_json: one record as a JSON Lines object
 *
 * Keys always appear, in a fixed order, so consumers can rely on them:
 * unknown text values are "", and the two numbers that can be unknown
 * (replycode, retry_after) are numbers when known and "" when not -- the
 * project's rule "empty values are empty strings, not missing".
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "bounce.h"
#include "classify/classify.h"
#include "core/alloc.h"
#include "core/json.h"
#include "output/output.h"

/* put2 - two decimal digits */
static char *put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* civil_from_days - proleptic Gregorian date of day z since 1970-01-01,
   z in [-719528, 2932896] (years 0-9999) (H. Hinnant's algorithm: eras of
   400 years, March-based years). Counted from 0400-03-01 before year 0,
   so every quantity is non-negative and fits 32 bits: unsigned divisions
   by constants are a multiply and a shift, signed 64-bit ones cost more. */
static void civil_from_days(long long z, unsigned *y, unsigned *m, unsigned *d)
{
    uint32_t days = (uint32_t)(z + 719468 + 146097); /* from -0400-03-01: >= 0 */
    uint32_t era = days / 146097;
    uint32_t doe = days - era * 146097;                                  /* [0, 146096] */
    uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* [0, 365] */
    uint32_t mp = (5 * doy + 2) / 153;                                  /* March = 0 */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2) - 400; /* [0, 9999] */
}

/* bn_iso8601 - "2024-01-02T03:04:05Z" into out, "" when t is 0 or outside
   years 0-9999. Arithmetic, not gmtime_r: that cost 500 instructions a
   record (locking, the time zone), more than the rest of the timestamp. */
void bn_iso8601(time_t t, char out[21])
{
    long long s = (long long)t, days = s / 86400, sec = s % 86400;
    unsigned y, m, d;
    out[0] = '\0';
    if (sec < 0) { /* before 1970: floor, not truncation */
        sec += 86400;
        days--;
    }
    if (t == 0 || days < -719528 || days > 2932896) /* 0000-01-01 .. 9999-12-31 */
        return;
    civil_from_days(days, &y, &m, &d);
    unsigned hms = (unsigned)sec; /* [0, 86399] */
    char *o = put2(put2(out, y / 100), y % 100);
    *o++ = '-';
    o = put2(o, m);
    *o++ = '-';
    o = put2(o, d);
    *o++ = 'T';
    o = put2(o, hms / 3600);
    *o++ = ':';
    o = put2(o, hms / 60 % 60);
    *o++ = ':';
    o = put2(o, hms % 60);
    *o++ = 'Z';
    *o = '\0';
}

/*
 * The record is a fixed template of our keys between values. When the
 * caller's buffer holds the worst case (every value byte escaped to six,
 * the template, the numbers), the record is written straight to memory
 * with no check per piece: the per-value bounds and comma logic of the
 * general writer cost more than most values. Otherwise the same template
 * goes through the counting writer (snprintf semantics, same bytes).
 */

/* RECORD_FIXED - more than every byte that is not in a string value: the
   keys and quotes (~650), two numbers (2 x 20), the anomaly names' quotes
   and commas (32 x 3), the NUL; asserted after each record in debug
   builds, and test_output's template-only record fails if it is short */
#define RECORD_FIXED 1024

/* ALWAYS_INLINE - the template is inlined into two copies, one with no
   checks at all: its cursor stays in a register (see write_fast) */
#if defined(__GNUC__)
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE static inline
#endif
/* NOINLINE - kept apart, so that GCC does not merge the two copies again */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* The string values of a record, in their order in the template. */
enum {
    V_SOURCE, V_RECIPIENT, V_ADDRESSER, V_TIMESTAMP, V_STATUS, V_REASON,
    V_PERMANENCE, V_FAULT, V_ACTION, V_COMMAND, V_DIAGNOSTIC, V_REMOTE_MTA,
    V_REPORTING_MTA, V_FORMAT, V_RULE, V_FEEDBACK_TYPE, V_MESSAGE_ID, V_SUBJECT,
    V_EXPLANATION, V_ORIGINAL_RECIPIENT, V_LIST_ID, V_PROVIDER, V_BLOCKLIST, V_IP,
    V_DSN_ACTION, V_DIAGNOSTIC_TYPE, V_SOURCE_IP, V_RECIPIENT_SRC, V_STATUS_SRC,
    V_REASON_SRC, V_COUNT
};

/* rec_out - where a record goes: memory with room for the worst case
   (fast), or the counting writer */
typedef struct rec_out {
    char *o;    /* next byte, when fast */
    bool fast;  /* the worst case fits: no checks */
    bn_json *j; /* the counting writer, when not fast (a pointer: the
                   fast copy's rec_out then lives in registers) */
    const bn_verdict *vd; /* explained in place, when fast */
} rec_out;

/* piece - n bytes of the template, as they are */
ALWAYS_INLINE void piece(rec_out *w, const char *s, size_t n)
{
    if (w->fast) {
        memcpy(w->o, s, n); /* n known when compiled: a few moves */
        w->o += n;
    } else {
        bn_json_raw(w->j, s, n);
    }
}
#define LIT(w, s) piece((w), (s), sizeof(s) - 1)

/* text - the escaped body of a string value (its quotes are template) */
ALWAYS_INLINE void text(rec_out *w, bn_str v)
{
    if (v.n == 0 || !v.p) /* most values are empty: no call; NULL is "" */
        return;
    if (w->fast)
        w->o = bn_json_escape_to(w->o, v.p, v.n);
    else
        bn_json_escape(w->j, v.p, v.n);
}

/* fixed - a value that needs no escape, with width readable bytes (a
   padded name of ours, the timestamp): one fixed move, the cursor then
   advanced by its length */
ALWAYS_INLINE void fixed(rec_out *w, bn_str v, size_t width)
{
    if (w->fast) {
        memcpy(w->o, v.p, width); /* the buffer's worst case leaves room past it */
        w->o += v.n;
    } else {
        text(w, v);
    }
}

/* num_or_empty - a number, or "" when the value is unknown */
ALWAYS_INLINE void num_or_empty(rec_out *w, long long v, bool known)
{
    char tmp[BN_JSON_DIGITS];
    if (!known) {
        LIT(w, "\"\"");
        return;
    }
    size_t k = bn_json_digits(tmp, v);
    piece(w, tmp + k, sizeof(tmp) - k);
}

/* cspan - a C string (NULL is "") as a span; empty ones, common, without
   a call to strlen */
static inline bn_str cspan(const char *s)
{
    if (!s || !s[0])
        return (bn_str){"", 0};
    return (bn_str){s, strlen(s)};
}

/*
 * Our names (reason, permanence, fault, action) padded to 16 bytes: the
 * fast writer stores one 16-byte move whatever the length and skips the
 * escaping call (none holds a byte to escape; test_output checks each
 * against names.c). Five calls less a record, and no strlen.
 */
typedef char name16[16];

/* reason16 - the reason names (bn_reason_name), padded */
static const name16 reason16[] = {
#define REASON16_(id, name) name,
    BN_REASON_LIST(REASON16_)
#undef REASON16_
};

/* reason_len - the lengths of the reason names, known when compiled */
static const unsigned char reason_len[] = {
#define REASON_LEN_(id, name) sizeof(name) - 1,
    BN_REASON_LIST(REASON_LEN_)
#undef REASON_LEN_
};

/* reason_span - the reason's name (bn_reason_name) and its length */
static bn_str reason_span(bn_reason reason)
{
    unsigned i = (unsigned)reason < BN_REASON_COUNT ? (unsigned)reason : BN_REASON_UNDEFINED;
    return (bn_str){reason16[i], reason_len[i]};
}

/* N16 - a padded name and its length */
#define N16(s) {s, sizeof(s) - 1}
typedef struct named {
    name16 s;
    unsigned char n;
} named;

/* permanence_span - bn_permanence_name, padded */
static bn_str permanence_span(bn_permanence p)
{
    static const named t[] = {N16("unknown"), N16("permanent"), N16("transient")};
    const named *e = &t[(unsigned)p <= BN_PERM_TRANSIENT ? p : BN_PERM_UNKNOWN];
    return (bn_str){e->s, e->n};
}

/* fault_span - bn_fault_name, padded */
static bn_str fault_span(bn_fault f)
{
    static const named t[] = {N16("unknown"), N16("recipient"), N16("sender"), N16("message"),
                              N16("network"), N16("remote-system"), N16("none")};
    const named *e = &t[(unsigned)f <= BN_FAULT_NONE ? f : BN_FAULT_UNKNOWN];
    return (bn_str){e->s, e->n};
}

/* action_span - bn_action_name, padded */
static bn_str action_span(bn_action a)
{
    static const named t[] = {N16("review"), N16("suppress"), N16("retry"),
                              N16("fix-sender"), N16("fix-message"), N16("none")};
    const named *e = &t[(unsigned)a <= BN_ACTION_NONE ? a : BN_ACTION_REVIEW];
    return (bn_str){e->s, e->n};
}

/* anomalies_len - the total length of the names of the flags set */
static size_t anomalies_len(unsigned flags)
{
    size_t n = 0;
    for (unsigned bit = 0; bit < 32 && (flags >> bit); bit++) {
        const char *name = bn_anomaly_name(1u << bit);
        if ((flags & (1u << bit)) && name)
            n += strlen(name);
    }
    return n;
}

/* put_anomalies - the names of the anomaly flags, as an array */
ALWAYS_INLINE void put_anomalies(rec_out *w, unsigned flags)
{
    bool first = true;
    LIT(w, "\",\"anomalies\":[");
    for (unsigned bit = 0; bit < 32 && (flags >> bit); bit++) {
        const char *name = bn_anomaly_name(1u << bit);
        if (!(flags & (1u << bit)) || !name)
            continue;
        if (first)
            LIT(w, "\"");
        else
            LIT(w, ",\"");
        first = false;
        text(w, cspan(name));
        LIT(w, "\"");
    }
    LIT(w, "]");
}

/* gather - the record's string values, in template order */
static void gather(bn_str v[V_COUNT], const bn_record *r, const char *source,
                   const char *ts)
{
    const bn_verdict *vd = &r->verdict;
    v[V_SOURCE] = cspan(source);
    v[V_RECIPIENT] = r->recipient;
    v[V_ADDRESSER] = r->addresser;
    v[V_TIMESTAMP] = (bn_str){ts, ts[0] ? 20 : 0}; /* bn_iso8601: 20 characters or none */
    v[V_STATUS] = cspan(vd->status);
    v[V_REASON] = reason_span(vd->reason);
    v[V_PERMANENCE] = permanence_span(vd->permanence);
    v[V_FAULT] = fault_span(vd->fault);
    v[V_ACTION] = action_span(vd->action);
    v[V_COMMAND] = r->command;
    v[V_DIAGNOSTIC] = r->diagnostic;
    v[V_REMOTE_MTA] = r->remote_mta;
    v[V_REPORTING_MTA] = r->reporting_mta;
    v[V_FORMAT] = cspan(r->format);
    v[V_RULE] = cspan(vd->rule);
    v[V_FEEDBACK_TYPE] = r->feedback_type;
    v[V_MESSAGE_ID] = r->message_id;
    v[V_SUBJECT] = r->subject;
    v[V_EXPLANATION] = (bn_str){"", 0}; /* written in place, or by explained_checked */
    v[V_ORIGINAL_RECIPIENT] = r->original_recipient;
    v[V_LIST_ID] = r->list_id;
    v[V_PROVIDER] = cspan(vd->provider);
    v[V_BLOCKLIST] = cspan(vd->blocklist);
    v[V_IP] = cspan(vd->ip);
    v[V_DSN_ACTION] = r->dsn_action;
    v[V_DIAGNOSTIC_TYPE] = r->diagnostic_type;
    v[V_SOURCE_IP] = r->source_ip;
    v[V_RECIPIENT_SRC] = cspan(r->recipient_src);
    v[V_STATUS_SRC] = cspan(r->status_src);
    v[V_REASON_SRC] = cspan(r->reason_src);
}

/* worst_case - bytes the record can take at most (NUL included), or 0
   when that might not fit a size_t. One pass with no branch: a sum and an
   OR of the lengths; the OR under 2^(bits-8) bounds each length, so the
   sum of the 31 stays under 2^(bits-3) and six times it fits. */
static size_t worst_case(const bn_str v[V_COUNT], unsigned anomalies)
{
    size_t sum = anomalies_len(anomalies), any = sum;
    for (int i = 0; i < V_COUNT; i++) {
        sum += v[i].n;
        any |= v[i].n;
    }
    if (any >> (sizeof(size_t) * CHAR_BIT - 8))
        return 0;
    return RECORD_FIXED + 6 * sum;
}

/* put_what - who, when and what happened: status, codes, the decision */
ALWAYS_INLINE void put_what(rec_out *w, const bn_str *v, const bn_record *r)
{
    const bn_verdict *vd = &r->verdict;
    LIT(w, "{\"source\":\"");
    text(w, v[V_SOURCE]);
    LIT(w, "\",\"recipient\":\"");
    text(w, v[V_RECIPIENT]);
    LIT(w, "\",\"addresser\":\"");
    text(w, v[V_ADDRESSER]);
    LIT(w, "\",\"timestamp\":\"");
    fixed(w, v[V_TIMESTAMP], 20); /* ts[21]: 20 characters or "" */
    LIT(w, "\",\"status\":\"");
    text(w, v[V_STATUS]);
    LIT(w, "\",\"replycode\":");
    num_or_empty(w, vd->replycode, vd->replycode > 0);
    LIT(w, ",\"reason\":\"");
    fixed(w, v[V_REASON], sizeof(name16));
    if (vd->hardbounce)
        LIT(w, "\",\"hardbounce\":true,\"permanence\":\"");
    else
        LIT(w, "\",\"hardbounce\":false,\"permanence\":\"");
    fixed(w, v[V_PERMANENCE], sizeof(name16));
    LIT(w, "\",\"fault\":\"");
    fixed(w, v[V_FAULT], sizeof(name16));
    LIT(w, "\",\"action\":\"");
    fixed(w, v[V_ACTION], sizeof(name16));
    LIT(w, "\",\"retry_after\":");
    num_or_empty(w, vd->retry_after, vd->retry_after >= 0);
}

/* put_where - the SMTP exchange, the systems involved, the explanation */
ALWAYS_INLINE void put_where(rec_out *w, const bn_str *v)
{
    LIT(w, ",\"command\":\"");
    text(w, v[V_COMMAND]);
    LIT(w, "\",\"diagnostic\":\"");
    text(w, v[V_DIAGNOSTIC]);
    LIT(w, "\",\"remote_mta\":\"");
    text(w, v[V_REMOTE_MTA]);
    LIT(w, "\",\"reporting_mta\":\"");
    text(w, v[V_REPORTING_MTA]);
    LIT(w, "\",\"format\":\"");
    text(w, v[V_FORMAT]);
    LIT(w, "\",\"rule\":\"");
    text(w, v[V_RULE]);
    LIT(w, "\",\"feedback_type\":\"");
    text(w, v[V_FEEDBACK_TYPE]);
    LIT(w, "\",\"message_id\":\"");
    text(w, v[V_MESSAGE_ID]);
    LIT(w, "\",\"subject\":\"");
    text(w, v[V_SUBJECT]);
    LIT(w, "\",\"explanation\":\"");
    if (w->fast) /* built in place: no buffer of its own, no second pass */
        w->o = bn_verdict_explain_json(w->vd, w->o);
    else
        text(w, v[V_EXPLANATION]);
}

/* put_more - the fields after the explanation */
ALWAYS_INLINE void put_more(rec_out *w, const bn_str *v, const bn_record *r)
{
    LIT(w, "\",\"original_recipient\":\"");
    text(w, v[V_ORIGINAL_RECIPIENT]);
    LIT(w, "\",\"list_id\":\"");
    text(w, v[V_LIST_ID]);
    LIT(w, "\",\"provider\":\"");
    text(w, v[V_PROVIDER]);
    LIT(w, "\",\"blocklist\":\"");
    text(w, v[V_BLOCKLIST]);
    LIT(w, "\",\"ip\":\"");
    text(w, v[V_IP]);
    LIT(w, "\",\"dsn_action\":\"");
    text(w, v[V_DSN_ACTION]);
    LIT(w, "\",\"diagnostic_type\":\"");
    text(w, v[V_DIAGNOSTIC_TYPE]);
    LIT(w, "\",\"source_ip\":\"");
    text(w, v[V_SOURCE_IP]);
    put_anomalies(w, r->anomalies);
    LIT(w, ",\"recipient_src\":\"");
    text(w, v[V_RECIPIENT_SRC]);
    LIT(w, "\",\"status_src\":\"");
    text(w, v[V_STATUS_SRC]);
    LIT(w, "\",\"reason_src\":\"");
    text(w, v[V_REASON_SRC]);
    LIT(w, "\"}");
}

/* put_record - the whole template with its values */
ALWAYS_INLINE void put_record(rec_out *w, const bn_str *v, const bn_record *r)
{
    put_what(w, v, r);
    put_where(w, v);
    put_more(w, v, r);
}

/* write_fast - the record into buf, which holds its worst case: the
   template inlined with the flag known, so no check is left and the
   cursor stays in a register; the length */
NOINLINE static size_t write_fast(const bn_str *v, const bn_record *r, char *buf)
{
    rec_out f = {.o = buf, .fast = true, .vd = &r->verdict};
    put_record(&f, v, r);
    *f.o = '\0';
    return (size_t)(f.o - buf);
}

/* write_checked - the record through the counting writer (a buffer too
   small for the worst case); the length it needs */
NOINLINE static size_t write_checked(const bn_str *v, const bn_record *r, char *buf, size_t size)
{
    bn_json j;
    rec_out c = {.fast = false, .j = &j};
    bn_json_init(&j, buf, size);
    put_record(&c, v, r);
    return bn_json_finish(&j);
}

/* explained_checked - the record through the counting writer, its
   explanation built first (on the stack, or on the heap when longer) */
static size_t explained_checked(bn_str *v, const bn_record *r, char *buf, size_t size)
{
    char small[768];
    size_t need = bn_verdict_explain(&r->verdict, small, sizeof(small));
    v[V_EXPLANATION] = (bn_str){small, need};
    if (need < sizeof(small))
        return write_checked(v, r, buf, size);
    char *big = bn_malloc(need + 1);
    if (!big) { /* out of memory: the prefix is still true */
        v[V_EXPLANATION].n = sizeof(small) - 1;
        return write_checked(v, r, buf, size);
    }
    bn_verdict_explain(&r->verdict, big, need + 1);
    v[V_EXPLANATION].p = big;
    size_t n = write_checked(v, r, buf, size);
    bn_free(big);
    return n;
}

/* bn_record_json - one JSON object (no newline) for a record */
size_t bn_record_json(const bn_record *r, const char *source, char *buf, size_t size)
{
    char ts[21] = {0}; /* all defined: the fast writer moves 20 bytes even of "" */
    bn_str v[V_COUNT];
    bn_iso8601(r->timestamp, ts);
    gather(v, r, source, ts);
    size_t worst = worst_case(v, r->anomalies);
    size_t expl = bn_verdict_explain_json_bound(&r->verdict);
    if (!buf || worst == 0 || size < worst || size - worst < expl)
        return explained_checked(v, r, buf, size);
    size_t n = write_fast(v, r, buf);
    assert(n < worst + expl);
    return n;
}
