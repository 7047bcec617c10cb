/*
 * sisimai.c - bn_record_sisimai_json: a record in Sisimai's field names
 *
 * For users switching from Sisimai without rewriting consumers: the keys
 * and value types of Sisimai's JSON dump (hardbounce 0/1, timestamp as
 * epoch seconds, replycode as a string, catch null). smtpagent carries our
 * decoder name ("lhost-exim", "rfc3464"), which is not Sisimai's module
 * name. timezoneoffset is "+0000": our timestamps are UTC.
 */
#include <stdio.h>
#include <string.h>

#include "bounce.h"
#include "core/json.h"
#include "core/str.h"
#include "output/sha1.h"

/* domain_of - the part after the last '@', or empty */
static bn_str domain_of(bn_str addr)
{
    for (size_t i = addr.n; i > 0; i--)
        if (addr.p[i - 1] == '@')
            return (bn_str){addr.p + i, addr.n - i};
    return BN_STR_NULL;
}

/* sha1_lower - hash a span lowercased (ASCII), in small chunks */
static void sha1_lower(bn_sha1 *s, bn_str v)
{
    char tmp[128];
    size_t i = 0;
    while (i < v.n) {
        size_t k = 0;
        while (k < sizeof(tmp) && i < v.n)
            tmp[k++] = (char)bn_lc((unsigned char)v.p[i++]);
        bn_sha1_update(s, tmp, k);
    }
}

/*
 * sisimai_token - Sisimai's token: SHA-1 hex of STX, the lowercased
 * addresser, RS, the lowercased recipient, RS, the epoch in decimal, ETX.
 */
static void sisimai_token(const bn_record *r, char out[41])
{
    char num[24];
    int k = snprintf(num, sizeof(num), "%lld", (long long)r->timestamp);
    bn_sha1 s;
    bn_sha1_init(&s);
    bn_sha1_update(&s, "\x02", 1);
    sha1_lower(&s, r->addresser);
    bn_sha1_update(&s, "\x1e", 1);
    sha1_lower(&s, r->recipient);
    bn_sha1_update(&s, "\x1e", 1);
    bn_sha1_update(&s, num, (size_t)k);
    bn_sha1_update(&s, "\x03", 1);
    bn_sha1_final_hex(&s, out);
}

/* sisimai_action - Sisimai's action: the DSN's, else from the verdict */
static const char *sisimai_action(const bn_record *r, char *buf, size_t size)
{
    if (r->dsn_action.n > 0 && r->dsn_action.n < size) {
        memcpy(buf, r->dsn_action.p, r->dsn_action.n);
        buf[r->dsn_action.n] = '\0';
        return buf;
    }
    if (r->verdict.reason == BN_REASON_DELIVERED)
        return "delivered";
    if (r->verdict.reason == BN_REASON_VACATION || r->verdict.reason == BN_REASON_FEEDBACK)
        return "";
    return r->verdict.permanence == BN_PERM_TRANSIENT ? "delayed" : "failed";
}

/* kv_upper - a span value in ASCII upper case ("smtp" -> "SMTP") */
static void kv_upper(bn_json *j, const char *key, bn_str v)
{
    char tmp[64];
    size_t n = v.n < sizeof(tmp) ? v.n : sizeof(tmp);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        tmp[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    bn_json_kv_str(j, key, tmp, n);
}

/* sisimai_head - action .. hardbounce (Sisimai's keys are alphabetical) */
static void sisimai_head(bn_json *j, const bn_record *r)
{
    char act[32];
    bool alias = r->original_recipient.n > 0 &&
                 !(r->original_recipient.n == r->recipient.n &&
                   bn_mem_find_ci(r->original_recipient.p, r->original_recipient.n,
                                  r->recipient.p, r->recipient.n));
    bn_json_kv_cstr(j, "action", sisimai_action(r, act, sizeof(act)));
    bn_json_kv_str(j, "addresser", r->addresser.p, r->addresser.n);
    bn_json_kv_str(j, "alias", alias ? r->original_recipient.p : NULL,
                   alias ? r->original_recipient.n : 0);
    bn_json_key(j, "catch");
    bn_json_null(j);
    bn_json_kv_cstr(j, "deliverystatus", r->verdict.status);
    bn_str dest = domain_of(r->recipient);
    bn_json_kv_str(j, "destination", dest.p, dest.n);
    bn_json_kv_str(j, "diagnosticcode", r->diagnostic.p, r->diagnostic.n);
    kv_upper(j, "diagnostictype", r->diagnostic_type);
    bn_json_kv_str(j, "feedbacktype", r->feedback_type.p, r->feedback_type.n);
    bn_json_kv_int(j, "hardbounce", r->verdict.hardbounce ? 1 : 0);
}

/* sisimai_tail - lhost .. token */
static void sisimai_tail(bn_json *j, const bn_record *r, const char *source)
{
    char code[16] = "", token[41];
    if (r->verdict.replycode > 0)
        snprintf(code, sizeof(code), "%d", r->verdict.replycode);
    bn_str sdom = domain_of(r->addresser);
    bn_json_kv_str(j, "lhost", r->reporting_mta.p, r->reporting_mta.n);
    bn_json_kv_str(j, "listid", r->list_id.p, r->list_id.n);
    bn_json_kv_str(j, "messageid", r->message_id.p, r->message_id.n);
    bn_json_kv_cstr(j, "origin", source ? source : "");
    bn_json_kv_cstr(j, "reason", bn_reason_name(r->verdict.reason));
    bn_json_kv_str(j, "recipient", r->recipient.p, r->recipient.n);
    bn_json_kv_cstr(j, "replycode", code);
    bn_json_kv_str(j, "rhost", r->remote_mta.p, r->remote_mta.n);
    bn_json_kv_str(j, "senderdomain", sdom.p, sdom.n);
    bn_json_kv_cstr(j, "smtpagent", r->format ? r->format : "");
    bn_json_kv_str(j, "smtpcommand", r->command.p, r->command.n);
    bn_json_kv_str(j, "subject", r->subject.p, r->subject.n);
    bn_json_kv_int(j, "timestamp", (long long)r->timestamp);
    bn_json_kv_cstr(j, "timezoneoffset", "+0000");
    sisimai_token(r, token);
    bn_json_kv_cstr(j, "token", token);
}

/* bn_record_sisimai_json - one record with Sisimai's keys and types */
size_t bn_record_sisimai_json(const bn_record *r, const char *source, char *buf,
                              size_t size)
{
    bn_json j;
    bn_json_init(&j, buf, size);
    bn_json_object_begin(&j);
    sisimai_head(&j, r);
    sisimai_tail(&j, r, source);
    bn_json_object_end(&j);
    return bn_json_finish(&j);
}
