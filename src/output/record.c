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

/* bn_iso8601 - "2024-01-02T03:04:05Z" into out, "" when t is 0 or out of range */
void bn_iso8601(time_t t, char out[21])
{
    struct tm tm;
    out[0] = '\0';
    if (t == 0 || !gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 8099)
        return;
    char *o = put2(put2(out, (tm.tm_year + 1900) / 100), (tm.tm_year + 1900) % 100);
    *o++ = '-';
    o = put2(o, tm.tm_mon + 1);
    *o++ = '-';
    o = put2(o, tm.tm_mday);
    *o++ = 'T';
    o = put2(o, tm.tm_hour);
    *o++ = ':';
    o = put2(o, tm.tm_min);
    *o++ = ':';
    o = put2(o, tm.tm_sec);
    *o++ = 'Z';
    *o = '\0';
}

/* kv_span - a key and a span value */
static void kv_span(bn_json *j, const char *key, bn_str s)
{
    bn_json_kv_str(j, key, s.p, s.n);
}

/* kv_num_or_empty - a number, or "" when the value is unknown */
static void kv_num_or_empty(bn_json *j, const char *key, long long v, bool known)
{
    if (known)
        bn_json_kv_int(j, key, v);
    else
        bn_json_kv_cstr(j, key, "");
}

/* kv_explanation - the verdict's plain-language explanation */
static void kv_explanation(bn_json *j, const bn_verdict *v)
{
    char small[768];
    size_t need = bn_verdict_explain(v, small, sizeof(small));
    if (need < sizeof(small)) {
        bn_json_kv_str(j, "explanation", small, need);
        return;
    }
    char *big = bn_malloc(need + 1);
    if (!big) { /* out of memory: the prefix is still true */
        bn_json_kv_str(j, "explanation", small, sizeof(small) - 1);
        return;
    }
    bn_verdict_explain(v, big, need + 1);
    bn_json_kv_str(j, "explanation", big, need);
    bn_free(big);
}

/* kv_anomalies - the names of the anomaly flags, as an array */
static void kv_anomalies(bn_json *j, unsigned flags)
{
    bn_json_key(j, "anomalies");
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
    bn_json_kv_cstr(j, "timestamp", ts);
    bn_json_kv_cstr(j, "status", v->status);
    kv_num_or_empty(j, "replycode", v->replycode, v->replycode > 0);
    bn_json_kv_cstr(j, "reason", bn_reason_name(v->reason));
    bn_json_kv_bool(j, "hardbounce", v->hardbounce);
    bn_json_kv_cstr(j, "permanence", bn_permanence_name(v->permanence));
    bn_json_kv_cstr(j, "fault", bn_fault_name(v->fault));
    bn_json_kv_cstr(j, "action", bn_action_name(v->action));
    kv_num_or_empty(j, "retry_after", v->retry_after, v->retry_after >= 0);
}

/* record_where - the SMTP exchange and the systems involved */
static void record_where(bn_json *j, const bn_record *r)
{
    kv_span(j, "command", r->command);
    kv_span(j, "diagnostic", r->diagnostic);
    kv_span(j, "remote_mta", r->remote_mta);
    kv_span(j, "reporting_mta", r->reporting_mta);
    bn_json_kv_cstr(j, "format", r->format ? r->format : "");
    bn_json_kv_cstr(j, "rule", r->verdict.rule ? r->verdict.rule : "");
    kv_span(j, "feedback_type", r->feedback_type);
    kv_span(j, "message_id", r->message_id);
    kv_span(j, "subject", r->subject);
}

/* record_more - the fields after the explanation */
static void record_more(bn_json *j, const bn_record *r)
{
    const bn_verdict *v = &r->verdict;
    kv_span(j, "original_recipient", r->original_recipient);
    kv_span(j, "list_id", r->list_id);
    bn_json_kv_cstr(j, "provider", v->provider ? v->provider : "");
    bn_json_kv_cstr(j, "blocklist", v->blocklist ? v->blocklist : "");
    bn_json_kv_cstr(j, "ip", v->ip);
    kv_span(j, "dsn_action", r->dsn_action);
    kv_span(j, "diagnostic_type", r->diagnostic_type);
    kv_span(j, "source_ip", r->source_ip);
    kv_anomalies(j, r->anomalies);
    bn_json_kv_cstr(j, "recipient_src", r->recipient_src ? r->recipient_src : "");
    bn_json_kv_cstr(j, "status_src", r->status_src ? r->status_src : "");
    bn_json_kv_cstr(j, "reason_src", r->reason_src ? r->reason_src : "");
}

/* bn_record_json - one JSON object (no newline) for a record */
size_t bn_record_json(const bn_record *r, const char *source, char *buf, size_t size)
{
    bn_json j;
    bn_json_init(&j, buf, size);
    bn_json_object_begin(&j);
    bn_json_kv_cstr(&j, "source", source ? source : "");
    kv_span(&j, "recipient", r->recipient);
    kv_span(&j, "addresser", r->addresser);
    record_what(&j, r);
    record_where(&j, r);
    kv_explanation(&j, &r->verdict);
    record_more(&j, r);
    bn_json_object_end(&j);
    return bn_json_finish(&j);
}
