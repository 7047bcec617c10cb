/*
 * record.c - bn_record_json: one record as a JSON Lines object
 *
 * Keys always appear, in a fixed order, so consumers can rely on them:
 * unknown text values are "", and the two numbers that can be unknown
 * (replycode, retry_after) are numbers when known and "" when not -- the
 * project's rule "empty values are empty strings, not missing".
 */
#include <string.h>

#include "bounce.h"
#include "core/alloc.h"
#include "core/json.h"
#include "output/output.h"

/* put2 - two decimal digits */
static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* civil_from_days - proleptic Gregorian date of day z since 1970-01-01
   (H. Hinnant's algorithm: eras of 400 years, March-based years) */
static void civil_from_days(long long z, long long *y, int *m, int *d)
{
    z += 719468; /* days from 0000-03-01 */
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;                                   /* [0, 146096] */
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* [0, 365] */
    long long mp = (5 * doy + 2) / 153;                                 /* March = 0 */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* bn_iso8601 - "2024-01-02T03:04:05Z" into out, "" when t is 0 or outside
   years 0-9999. Arithmetic, not gmtime_r: that cost 500 instructions a
   record (locking, the time zone), more than the rest of the timestamp. */
void bn_iso8601(time_t t, char out[21])
{
    long long s = (long long)t, days = s / 86400, sec = s % 86400, y;
    int m, d;
    out[0] = '\0';
    if (sec < 0) { /* before 1970: floor, not truncation */
        sec += 86400;
        days--;
    }
    if (t == 0 || days < -719528 || days > 2932896) /* 0000-01-01 .. 9999-12-31 */
        return;
    civil_from_days(days, &y, &m, &d);
    char *o = put2(put2(out, (int)(y / 100)), (int)(y % 100));
    *o++ = '-';
    o = put2(o, m);
    *o++ = '-';
    o = put2(o, d);
    *o++ = 'T';
    o = put2(o, (int)(sec / 3600));
    *o++ = ':';
    o = put2(o, (int)(sec / 60 % 60));
    *o++ = ':';
    o = put2(o, (int)(sec % 60));
    *o++ = 'Z';
    *o = '\0';
}

/* KEY - one of our keys: a literal that needs no escaping, written as it is
   (every record writes all its keys: escaping each cost more than most values) */
#define KEY(j, lit) BN_JSON_KEY_LIT((j), lit)
/* KV_SPAN / KV_CSTR / KV_BOOL - a literal key and its value */
#define KV_SPAN(j, lit, s) (KEY(j, lit), bn_json_str((j), (s).p, (s).n))
#define KV_CSTR(j, lit, v) (KEY(j, lit), bn_json_cstr((j), (v)))
#define KV_BOOL(j, lit, v) (KEY(j, lit), bn_json_bool((j), (v)))

/* num_or_empty - a number, or "" when the value is unknown (after its key) */
static void num_or_empty(bn_json *j, long long v, bool known)
{
    if (known)
        bn_json_int(j, v);
    else
        bn_json_str(j, "", 0);
}

/* kv_explanation - the verdict's plain-language explanation */
static void kv_explanation(bn_json *j, const bn_verdict *v)
{
    char small[768];
    size_t need = bn_verdict_explain(v, small, sizeof(small));
    if (need < sizeof(small)) {
        KEY(j, "explanation");
        bn_json_str(j, small, need);
        return;
    }
    char *big = bn_malloc(need + 1);
    if (!big) { /* out of memory: the prefix is still true */
        KEY(j, "explanation");
        bn_json_str(j, small, sizeof(small) - 1);
        return;
    }
    bn_verdict_explain(v, big, need + 1);
    KEY(j, "explanation");
    bn_json_str(j, big, need);
    bn_free(big);
}

/* kv_anomalies - the names of the anomaly flags, as an array */
static void kv_anomalies(bn_json *j, unsigned flags)
{
    KEY(j, "anomalies");
    bn_json_array_begin(j);
    for (unsigned bit = 0; bit < 32 && (flags >> bit); bit++) {
        const char *name = bn_anomaly_name(1u << bit);
        if ((flags & (1u << bit)) && name)
            bn_json_cstr(j, name);
    }
    bn_json_array_end(j);
}

/* record_what - what happened: status, codes and the decision */
static void record_what(bn_json *j, const bn_record *r)
{
    const bn_verdict *v = &r->verdict;
    char ts[21];
    bn_iso8601(r->timestamp, ts);
    KEY(j, "timestamp");
    bn_json_str(j, ts, ts[0] ? 20 : 0); /* bn_iso8601: 20 characters or none */
    KV_CSTR(j, "status", v->status);
    KEY(j, "replycode");
    num_or_empty(j, v->replycode, v->replycode > 0);
    KV_CSTR(j, "reason", bn_reason_name(v->reason));
    KV_BOOL(j, "hardbounce", v->hardbounce);
    KV_CSTR(j, "permanence", bn_permanence_name(v->permanence));
    KV_CSTR(j, "fault", bn_fault_name(v->fault));
    KV_CSTR(j, "action", bn_action_name(v->action));
    KEY(j, "retry_after");
    num_or_empty(j, v->retry_after, v->retry_after >= 0);
}

/* record_where - the SMTP exchange and the systems involved */
static void record_where(bn_json *j, const bn_record *r)
{
    KV_SPAN(j, "command", r->command);
    KV_SPAN(j, "diagnostic", r->diagnostic);
    KV_SPAN(j, "remote_mta", r->remote_mta);
    KV_SPAN(j, "reporting_mta", r->reporting_mta);
    KV_CSTR(j, "format", r->format ? r->format : "");
    KV_CSTR(j, "rule", r->verdict.rule ? r->verdict.rule : "");
    KV_SPAN(j, "feedback_type", r->feedback_type);
    KV_SPAN(j, "message_id", r->message_id);
    KV_SPAN(j, "subject", r->subject);
}

/* record_more - the fields after the explanation */
static void record_more(bn_json *j, const bn_record *r)
{
    const bn_verdict *v = &r->verdict;
    KV_SPAN(j, "original_recipient", r->original_recipient);
    KV_SPAN(j, "list_id", r->list_id);
    KV_CSTR(j, "provider", v->provider ? v->provider : "");
    KV_CSTR(j, "blocklist", v->blocklist ? v->blocklist : "");
    KV_CSTR(j, "ip", v->ip);
    KV_SPAN(j, "dsn_action", r->dsn_action);
    KV_SPAN(j, "diagnostic_type", r->diagnostic_type);
    KV_SPAN(j, "source_ip", r->source_ip);
    kv_anomalies(j, r->anomalies);
    KV_CSTR(j, "recipient_src", r->recipient_src ? r->recipient_src : "");
    KV_CSTR(j, "status_src", r->status_src ? r->status_src : "");
    KV_CSTR(j, "reason_src", r->reason_src ? r->reason_src : "");
}

/* bn_record_json - one JSON object (no newline) for a record */
size_t bn_record_json(const bn_record *r, const char *source, char *buf, size_t size)
{
    bn_json j;
    bn_json_init(&j, buf, size);
    bn_json_object_begin(&j);
    KV_CSTR(&j, "source", source ? source : "");
    KV_SPAN(&j, "recipient", r->recipient);
    KV_SPAN(&j, "addresser", r->addresser);
    record_what(&j, r);
    record_where(&j, r);
    kv_explanation(&j, &r->verdict);
    record_more(&j, r);
    bn_json_object_end(&j);
    return bn_json_finish(&j);
}
