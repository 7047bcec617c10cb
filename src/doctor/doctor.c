/*
 * doctor.c - bounce doctor's driver: options, rounds of checks and queries,
 * the public API (see bounce.h and doctor.h)
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "core/str.h"
#include "doctor/doctor.h"

#define OUT_ARENA_CAP (4u << 20)

/* bn_check_status_name - "pass" "warn" "fail" "unknown" */
const char *bn_check_status_name(bn_check_status s)
{
    switch (s) {
    case BN_CHECK_PASS: return "pass";
    case BN_CHECK_WARN: return "warn";
    case BN_CHECK_FAIL: return "fail";
    default: return "unknown";
    }
}

/* parse_ip - v4 or v6 text; an IPv4-mapped IPv6 address counts as IPv4 */
static bool parse_ip(const char *s, int *family, unsigned char ip[16])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (inet_pton(AF_INET, s, ip) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, ip) != 1)
        return false;
    *family = AF_INET6;
    if (memcmp(ip, mapped, 12) == 0) {
        memmove(ip, ip + 12, 4);
        *family = AF_INET;
    }
    return true;
}

/* valid_selector - a DKIM selector: dot-separated labels of [A-Za-z0-9_-] */
static bool valid_selector(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n >= 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (!label)
                return false;
            label = 0;
        } else if (bn_is_alnum(c) || c == '-' || c == '_') {
            label++;
        } else {
            return false;
        }
    }
    return label > 0;
}

/* table_error - the problem of the blocklist table the options give, or NULL */
static const char *table_error(const bn_doctor_opts *o)
{
    static _Thread_local char msg[160];
    if (!o->dnsbl_table)
        return NULL;
    bn_dnsbl_table t;
    char err[120];
    int rc = bn_dnsbl_parse(&t, o->dnsbl_table, o->dnsbl_table_len, err, sizeof(err));
    bn_dnsbl_table_free(&t);
    if (rc == BN_OK)
        return NULL;
    snprintf(msg, sizeof(msg), "the blocklist table is invalid: %s",
             rc == BN_ENOMEM ? "out of memory" : err);
    return msg;
}

/* bn_doctor_opts_error - what is wrong with opts, or NULL */
const char *bn_doctor_opts_error(const bn_doctor_opts *o)
{
    int family, f2;
    unsigned char ip[16];
    unsigned port;
    char name[BN_DNS_NAME_MAX + 1];
    if (!o || o->version != BN_DOCTOR_OPTS_VERSION)
        return "unsupported options version";
    if (!o->ip)
        return "an IP address is required (--ip)";
    if (!parse_ip(o->ip, &family, ip))
        return "--ip is not an IPv4 or IPv6 address";
    if (o->domain && (!bn_dns_norm_name(name, o->domain, strlen(o->domain)) || !strchr(name, '.')))
        return "--domain is not a domain name (like example.org)";
    if (o->nselectors > BN_DOCTOR_MAX_SELECTORS)
        return "too many DKIM selectors (at most 32)";
    for (size_t i = 0; i < o->nselectors; i++)
        if (!valid_selector(o->selectors[i]))
            return "a DKIM selector is not a DNS label (letters, digits, '-', '_')";
    if (o->nselectors && !o->domain)
        return "--selector needs --domain";
    if (o->resolver && !bn_dns_parse_server(o->resolver, &f2, ip, &port))
        return "--resolver is not IP, IP:PORT or [IPv6]:PORT";
    return table_error(o);
}

/* bn_doc_ask - the answer, or NULL (and d->pending) while it is not in */
const bn_dns_ans *bn_doc_ask(bn_doctor *d, const char *name, uint16_t type)
{
    const bn_dns_ans *a = bn_dns_get(d->dns, name, strlen(name), type);
    if (a->rc != BN_DNS_PENDING)
        return a;
    d->pending = true;
    return NULL;
}

/* vfmt - vsnprintf into the round's arena */
static const char *vfmt(bn_doctor *d, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static const char *vfmt(bn_doctor *d, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    char *s = n >= 0 ? bn_arena_alloc(&d->out, (size_t)n + 1) : NULL;
    if (!s)
        return "";
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* bn_doc_fmt - a formatted string in the round's arena */
const char *bn_doc_fmt(bn_doctor *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *s = vfmt(d, fmt, ap);
    va_end(ap);
    return s;
}

/* bn_doc_add - one finding */
void bn_doc_add(bn_doctor *d, const char *check, const char *target, bn_check_status st,
                const char *advice, const char *fmt, ...)
{
    if (d->n >= BN_DOCTOR_MAX_CHECKS)
        return;
    va_list ap;
    va_start(ap, fmt);
    bn_check *c = &d->checks[d->n++];
    c->check = check;
    c->target = bn_doc_fmt(d, "%s", target);
    c->status = st;
    c->detail = vfmt(d, fmt, ap);
    c->advice = advice ? bn_doc_fmt(d, "%s", advice) : NULL;
    va_end(ap);
}

/* run_round - every check once over the answers in so far */
static void run_round(bn_doctor *d)
{
    bn_arena_reset(&d->out);
    d->n = 0;
    d->pending = false;
    bn_doc_check_rdns(d);
    bn_doc_check_iplists(d);
    if (!d->domain[0])
        return;
    bn_doc_check_mx(d);
    bn_doc_check_spf(d);
    bn_doc_check_dmarc(d);
    bn_doc_check_dkim(d);
    bn_doc_check_domainlists(d);
}

/* setup - fill d from valid options */
static int setup(bn_doctor *d, const bn_doctor_opts *o)
{
    parse_ip(o->ip, &d->family, d->ip);
    inet_ntop(d->family, d->ip, d->ip_text, sizeof(d->ip_text));
    if (o->domain)
        bn_dns_norm_name(d->domain, o->domain, strlen(o->domain));
    for (size_t i = 0; i < o->nselectors; i++)
        snprintf(d->selectors[i], sizeof(d->selectors[i]), "%s", o->selectors[i]);
    d->nselectors = o->nselectors;
    d->all_lists = o->all_lists;
    char err[120];
    int rc = o->dnsbl_table
                 ? bn_dnsbl_parse(&d->lists, o->dnsbl_table, o->dnsbl_table_len, err, sizeof(err))
                 : bn_dnsbl_parse(&d->lists, (const char *)bn_dnsbl_tsv, bn_dnsbl_tsv_len, err,
                                  sizeof(err));
    if (rc != BN_OK)
        return rc == BN_ENOMEM ? BN_ENOMEM : BN_EINVAL;
    bn_arena_init(&d->out, OUT_ARENA_CAP);
    return bn_dns_new(&d->dns, o->resolver, o->timeout_ms, o->tries);
}

/* bn_doctor_run - run the checks until no answer is pending */
int bn_doctor_run(bn_doctor **out, const bn_doctor_opts *o)
{
    *out = NULL;
    if (bn_doctor_opts_error(o))
        return BN_EINVAL;
    bn_doctor *d = bn_calloc(1, sizeof(*d));
    if (!d)
        return BN_ENOMEM;
    int rc = setup(d, o);
    if (rc != BN_OK) {
        bn_doctor_free(d);
        return rc;
    }
    uint64_t deadline = bn_dns_now_ms() + (o->deadline_ms ? o->deadline_ms : 20000);
    for (;;) {
        run_round(d);
        if (!d->pending)
            break;
        bn_dns_wait(d->dns, deadline);
    }
    *out = d;
    return BN_OK;
}

/* bn_doctor_count - findings of the run */
size_t bn_doctor_count(const bn_doctor *d) { return d ? d->n : 0; }

/* bn_doctor_get - finding i, or NULL */
const bn_check *bn_doctor_get(const bn_doctor *d, size_t i)
{
    return d && i < d->n ? &d->checks[i] : NULL;
}

/* bn_doctor_free - release everything of a run */
void bn_doctor_free(bn_doctor *d)
{
    if (!d)
        return;
    bn_dns_free(d->dns);
    bn_dnsbl_table_free(&d->lists);
    bn_arena_free(&d->out);
    bn_free(d);
}

/* bn_check_json - one JSON object for a finding */
size_t bn_check_json(const bn_check *c, char *buf, size_t size)
{
    bn_json j;
    bn_json_init(&j, buf, size);
    bn_json_object_begin(&j);
    bn_json_kv_cstr(&j, "check", c->check);
    bn_json_kv_cstr(&j, "target", c->target);
    bn_json_kv_cstr(&j, "status", bn_check_status_name(c->status));
    bn_json_kv_cstr(&j, "detail", c->detail);
    bn_json_key(&j, "advice");
    if (c->advice)
        bn_json_cstr(&j, c->advice);
    else
        bn_json_null(&j);
    bn_json_object_end(&j);
    return bn_json_finish(&j);
}
