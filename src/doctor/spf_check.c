/* spf_check.c - the SPF finding of bounce doctor (evaluation in spf.c) */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"

/* spf_advice - what to do about a result other than pass */
static const char *spf_advice(bn_doctor *d, bn_spf_result r)
{
    const char *mech = d->family == AF_INET ? "ip4" : "ip6";
    switch (r) {
    case BN_SPF_NONE:
        return bn_doc_fmt(d, "publish one TXT record at %s: \"v=spf1 %s:%s -all\" (plus the "
                             "include: of every provider that sends for you)",
                          d->domain, mech, d->ip_text);
    case BN_SPF_PERMERROR:
        return "fix the record: receivers treat permerror like fail, and DMARC sees no SPF pass";
    case BN_SPF_TEMPERROR:
        return "run the check again; if it stays, the domain's DNS servers are failing";
    default:
        return bn_doc_fmt(d, "add %s:%s (or the include: of the provider that sends from it) to "
                             "the SPF record of %s, before its \"all\"",
                          mech, d->ip_text, d->domain);
    }
}

/* spf_status - how a result counts for the sender */
static bn_check_status spf_status(const bn_spf *s)
{
    switch (s->result) {
    case BN_SPF_PASS: return s->by_all ? BN_CHECK_WARN : BN_CHECK_PASS;
    case BN_SPF_NEUTRAL: return BN_CHECK_WARN;
    case BN_SPF_TEMPERROR: return BN_CHECK_UNKNOWN;
    default: return BN_CHECK_FAIL; /* fail, softfail, none, permerror */
    }
}

/* spf_meaning - one clause on what the result means */
static const char *spf_meaning(bn_spf_result r)
{
    switch (r) {
    case BN_SPF_PASS: return "the IP may send for the domain";
    case BN_SPF_FAIL: return "the domain says this IP must not send for it";
    case BN_SPF_SOFTFAIL: return "the domain says this IP is probably not its own; receivers "
                                 "junk such mail and DMARC sees no SPF pass";
    case BN_SPF_NEUTRAL: return "the domain makes no claim about this IP; DMARC sees no SPF pass";
    case BN_SPF_NONE: return "no SPF: Gmail and Yahoo require SPF or DKIM from every sender, "
                             "and both from bulk senders";
    case BN_SPF_PERMERROR: return "the record is broken";
    default: return "the answer could not be had";
    }
}

/* bn_doc_check_spf - evaluate the domain's SPF for the sending IP */
void bn_doc_check_spf(bn_doctor *d)
{
    bn_spf *s = &d->spf;
    char sender[BN_DNS_NAME_MAX + 16];
    snprintf(sender, sizeof(sender), "postmaster@%s", d->domain);
    s->dns = d->dns;
    s->family = d->family;
    memcpy(s->ip, d->ip, sizeof(s->ip));
    s->sender = sender;
    s->helo = d->domain;
    bn_spf_check(s, d->domain);
    if (s->result == BN_SPF_PENDING) {
        d->pending = true;
        return;
    }
    bn_check_status st = spf_status(s);
    const char *advice = st == BN_CHECK_PASS ? NULL
                         : s->by_all && s->result == BN_SPF_PASS
                             ? "end the record with -all or ~all and list your senders: +all "
                               "lets anyone send as the domain"
                             : spf_advice(d, s->result);
    bn_doc_add(d, "spf", d->domain, st, advice, "%s%s for %s: %s (%s; %d of %d DNS lookups)%s%s%s",
               st == BN_CHECK_UNKNOWN ? "unknown, because of " : "",
               bn_spf_result_name(s->result), d->ip_text, spf_meaning(s->result), s->why,
               s->lookups > BN_SPF_MAX_LOOKUPS ? BN_SPF_MAX_LOOKUPS + 1 : s->lookups,
               BN_SPF_MAX_LOOKUPS, s->record[0] ? "; record \"" : "", s->record,
               s->record[0] ? "\"" : "");
}
