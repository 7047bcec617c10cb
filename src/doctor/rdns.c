/*
 * rdns.c - reverse DNS of the sending IP (PTR, forward-confirmed) and the
 * sending domain's MX
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "doctor/doctor.h"

#define MAX_PTR 10 /* names of a PTR answer that are followed */

/* reverse_zone_name - 4.3.2.1.in-addr.arpa / nibbles.ip6.arpa */
static void reverse_zone_name(const bn_doctor *d, char *buf, size_t size)
{
    char key[80];
    bn_dnsbl_reverse(key, sizeof(key), d->family, d->ip);
    snprintf(buf, size, "%s.%s", key, d->family == AF_INET ? "in-addr.arpa" : "ip6.arpa");
}

/* has_ip - an address answer holds the sending IP */
static bool has_ip(const bn_doctor *d, const bn_dns_ans *a)
{
    size_t n = d->family == AF_INET ? 4 : 16;
    for (const bn_dns_rr *rr = a->rr; rr; rr = rr->next)
        if (rr->len == n && memcmp(rr->data, d->ip, n) == 0)
            return true;
    return false;
}

/* looks_generic - the name holds all four octets of the IPv4 address as
 * separate numbers, like "192-0-2-1.dsl.example.net": receivers read such
 * names as end-user or dynamic addresses */
static bool looks_generic(const bn_doctor *d, const char *name)
{
    if (d->family != AF_INET)
        return false;
    int found = 0;
    for (int i = 0; i < 4; i++) {
        char oct[4];
        snprintf(oct, sizeof(oct), "%u", d->ip[i]);
        size_t on = strlen(oct);
        for (const char *p = name; (p = strstr(p, oct)) != NULL; p++) {
            bool left = p == name || !bn_is_digit((unsigned char)p[-1]);
            bool right = !bn_is_digit((unsigned char)p[on]);
            if (left && right) {
                found++;
                break;
            }
        }
    }
    return found == 4;
}

/* ptr_unknown - the PTR lookup failed */
static void ptr_unknown(bn_doctor *d, const char *rev, const bn_dns_ans *p)
{
    bn_doc_add(d, "ptr", d->ip_text, BN_CHECK_UNKNOWN, "run the check again, or with --resolver",
               "unknown, because the PTR lookup of %s failed: %s", rev, p->why);
}

/* fcrdns - forward-confirm the PTR names: one of them resolves to the IP */
static void fcrdns(bn_doctor *d, const bn_dns_ans *p)
{
    uint16_t type = d->family == AF_INET ? BN_DNS_T_A : BN_DNS_T_AAAA;
    size_t k = 0;
    bool wait = false;
    for (const bn_dns_rr *rr = p->rr; rr && k < MAX_PTR; rr = rr->next, k++)
        wait |= bn_doc_ask(d, rr->data, type) == NULL;
    if (wait)
        return;
    const char *failed = NULL;
    k = 0;
    for (const bn_dns_rr *rr = p->rr; rr && k < MAX_PTR; rr = rr->next, k++) {
        const bn_dns_ans *a = bn_doc_ask(d, rr->data, type);
        if (a->rc == BN_DNS_OK && has_ip(d, a)) {
            bn_doc_add(d, "fcrdns", d->ip_text, BN_CHECK_PASS, NULL,
                       "forward-confirmed: %s resolves back to %s", rr->data, d->ip_text);
            return;
        }
        if (a->rc == BN_DNS_FAIL && !failed)
            failed = bn_doc_fmt(d, "the %s lookup of %s failed: %s",
                                type == BN_DNS_T_A ? "A" : "AAAA", rr->data, a->why);
    }
    if (failed) {
        bn_doc_add(d, "fcrdns", d->ip_text, BN_CHECK_UNKNOWN, "run the check again",
                   "unknown, because %s", failed);
        return;
    }
    bn_doc_add(d, "fcrdns", d->ip_text, BN_CHECK_FAIL,
               bn_doc_fmt(d, "give %s an %s record of %s (or change the PTR to a name that has "
                             "one): many receivers reject mail from IPs without forward-confirmed "
                             "reverse DNS", p->rr->data, type == BN_DNS_T_A ? "A" : "AAAA",
                          d->ip_text),
               "not forward-confirmed: %s does not resolve back to %s", p->rr->data, d->ip_text);
}

/* bn_doc_check_rdns - PTR of the sending IP, and that it resolves back */
void bn_doc_check_rdns(bn_doctor *d)
{
    char rev[128];
    reverse_zone_name(d, rev, sizeof(rev));
    const bn_dns_ans *p = bn_doc_ask(d, rev, BN_DNS_T_PTR);
    if (!p)
        return;
    if (p->rc == BN_DNS_FAIL) {
        ptr_unknown(d, rev, p);
        return;
    }
    if (p->rc != BN_DNS_OK) {
        bn_doc_add(d, "ptr", d->ip_text, BN_CHECK_FAIL,
                   "ask whoever runs the IP (your hosting provider or ISP) to set a PTR record "
                   "naming your mail server, a name that resolves back to this IP",
                   "no PTR record for %s (%s): Gmail, Yahoo, Microsoft and many others reject "
                   "or junk mail from IPs without reverse DNS",
                   d->ip_text, p->rc == BN_DNS_NXDOMAIN ? "NXDOMAIN" : "no data");
        return;
    }
    if (looks_generic(d, p->rr->data))
        bn_doc_add(d, "ptr", d->ip_text, BN_CHECK_WARN,
                   "set a PTR naming your mail server (mail.example.org), not the generic name "
                   "of the address",
                   "PTR %s looks generic (it spells out the IP): receivers treat such names as "
                   "end-user or dynamic addresses", p->rr->data);
    else
        bn_doc_add(d, "ptr", d->ip_text, BN_CHECK_PASS, NULL, "PTR %s%s", p->rr->data,
                   p->nrr > 1 ? " (and more: one PTR per IP is safer)" : "");
    fcrdns(d, p);
}

/* mx_list - "10 mx1.example.org, 20 mx2.example.org" */
static const char *mx_list(bn_doctor *d, const bn_dns_ans *a)
{
    char buf[512];
    size_t o = 0;
    buf[0] = '\0';
    for (const bn_dns_rr *rr = a->rr; rr && o < sizeof(buf) - 1; rr = rr->next)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u %s", o ? ", " : "", rr->pref,
                              rr->len ? rr->data : ".");
    return bn_doc_fmt(d, "%s", buf);
}

/* no_mx - the domain has no MX: implicit MX (its address) or nothing */
static void no_mx(bn_doctor *d)
{
    const bn_dns_ans *a4 = bn_doc_ask(d, d->domain, BN_DNS_T_A);
    const bn_dns_ans *a6 = bn_doc_ask(d, d->domain, BN_DNS_T_AAAA);
    if (!a4 || !a6)
        return;
    if (a4->rc == BN_DNS_OK || a6->rc == BN_DNS_OK)
        bn_doc_add(d, "mx", d->domain, BN_CHECK_WARN,
                   "publish an MX record for the domain so that replies and bounces go to a "
                   "server that takes them",
                   "no MX record: mail to %s goes to its address record (implicit MX)", d->domain);
    else if (a4->rc == BN_DNS_FAIL || a6->rc == BN_DNS_FAIL)
        bn_doc_add(d, "mx", d->domain, BN_CHECK_UNKNOWN, NULL,
                   "unknown, because %s has no MX and its address lookup failed: %s", d->domain,
                   a4->rc == BN_DNS_FAIL ? a4->why : a6->why);
    else
        bn_doc_add(d, "mx", d->domain, BN_CHECK_FAIL,
                   "publish an MX record: receivers reject mail whose sender domain cannot "
                   "receive mail",
                   "no MX and no address record: %s cannot receive mail, so bounces to it "
                   "are lost and receivers reject its mail", d->domain);
}

/* is_null_mx - a single MX "0 ." (RFC 7505) */
static bool is_null_mx(const bn_dns_ans *a, bool *mixed)
{
    bool null = false;
    for (const bn_dns_rr *rr = a->rr; rr; rr = rr->next)
        null |= rr->len == 0;
    *mixed = null && a->nrr > 1;
    return null;
}

/* bn_doc_check_mx - the sending domain's MX, null MX */
void bn_doc_check_mx(bn_doctor *d)
{
    const bn_dns_ans *a = bn_doc_ask(d, d->domain, BN_DNS_T_MX);
    bool mixed;
    if (!a)
        return;
    if (a->rc == BN_DNS_FAIL)
        bn_doc_add(d, "mx", d->domain, BN_CHECK_UNKNOWN, NULL,
                   "unknown, because the MX lookup failed: %s", a->why);
    else if (a->rc == BN_DNS_NXDOMAIN)
        bn_doc_add(d, "mx", d->domain, BN_CHECK_FAIL,
                   "send from a domain that exists in DNS",
                   "%s does not exist (NXDOMAIN): receivers reject mail from it", d->domain);
    else if (a->rc == BN_DNS_NODATA)
        no_mx(d);
    else if (is_null_mx(a, &mixed))
        bn_doc_add(d, "mx", d->domain, BN_CHECK_FAIL,
                   mixed ? "remove the \"0 .\" record or the others: a null MX must be alone"
                         : "publish real MX records, or send from a domain that takes mail",
                   mixed ? "a null MX (\".\") next to other MX records (%s): RFC 7505 says a null "
                           "MX is the only MX of a domain"
                         : "null MX (RFC 7505): %s declares it receives no mail, and receivers "
                           "reject mail from such a domain (5.7.27)",
                   mixed ? mx_list(d, a) : d->domain);
    else
        bn_doc_add(d, "mx", d->domain, BN_CHECK_PASS, NULL, "MX %s", mx_list(d, a));
}
