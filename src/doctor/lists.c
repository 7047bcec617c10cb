/*
 * lists.c - IP and domain blocklists (DNSBL, RFC 5782)
 *
 * "Listed" and "not listed" are only said when the answer can carry them.
 * Unknown instead when: the query failed; the answer is a code the list
 * uses to refuse the querier (Spamhaus 127.255.255.x, URIBL/SURBL
 * 127.0.0.1); the answer is not in 127.0.0.0/8 (a resolver that rewrites
 * NXDOMAIN into an advertising page's address); the list lists its
 * never-listed test entry (127.0.0.1 / "invalid": a dead list answering
 * for everything); or, for "not listed", the list does not list its
 * always-listed test entry (127.0.0.2: the list is gone or ignores us).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "doctor/doctor.h"

typedef enum { L_LISTED, L_CLEAN, L_UNKNOWN } lstate;

typedef struct verdict {
    lstate state;
    char text[512];
} verdict;

/* rr_addr - an A record's address in host order */
static uint32_t rr_addr(const bn_dns_rr *rr)
{
    uint32_t v;
    memcpy(&v, rr->data, 4);
    return ntohl(v);
}

/* addr_text - dotted quad of a host-order address */
static void addr_text(uint32_t a, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* append - add "; "-separated text */
static void append(verdict *v, const char *s)
{
    size_t n = strlen(v->text);
    snprintf(v->text + n, sizeof(v->text) - n, "%s%s", n ? "; " : "", s);
}

/* classify - what one answer says: listed (with meanings), clean, or unknown */
static void classify(const bn_dnsbl *l, const bn_dns_ans *a, verdict *v)
{
    v->text[0] = '\0';
    if (a->rc == BN_DNS_FAIL) {
        v->state = L_UNKNOWN;
        snprintf(v->text, sizeof(v->text), "the query failed: %s", a->why);
        return;
    }
    v->state = a->rc == BN_DNS_OK ? L_LISTED : L_CLEAN;
    for (const bn_dns_rr *rr = a->rr; rr && v->state == L_LISTED; rr = rr->next) {
        uint32_t addr = rr_addr(rr);
        char at[16], meaning[400], item[440];
        addr_text(addr, at);
        const char *refused = bn_dnsbl_refused(l, addr);
        if (refused) {
            v->state = L_UNKNOWN;
            snprintf(v->text, sizeof(v->text), "the answer %s is not a listing: %s", at, refused);
        } else if (addr >> 24 != 127) {
            v->state = L_UNKNOWN;
            snprintf(v->text, sizeof(v->text),
                     "the answer %s is outside 127.0.0.0/8, so it is no blocklist answer: "
                     "the resolver seems to rewrite answers", at);
        } else {
            if (!bn_dnsbl_meaning(l, addr, meaning, sizeof(meaning)))
                snprintf(meaning, sizeof(meaning), "a code the table does not explain");
            snprintf(item, sizeof(item), "%s = %s", at, meaning);
            append(v, item);
        }
    }
}

/* test_names - the always-listed and never-listed entries of the list */
static void test_names(const bn_dnsbl *l, char *pos, char *neg, size_t size)
{
    if (l->kind == BN_DNSBL_DOMAIN) {
        snprintf(pos, size, "%s.%s", l->test ? l->test : "", l->zone);
        snprintf(neg, size, "invalid.%s", l->zone);
    } else {
        snprintf(pos, size, "%s.%s", "2.0.0.127", l->zone);
        snprintf(neg, size, "1.0.0.127.%s", l->zone);
    }
}

/* sanity - override v with unknown when the list's test entries disagree */
static void sanity(const bn_dnsbl *l, const bn_dns_ans *pos, const bn_dns_ans *neg, verdict *v)
{
    verdict t;
    classify(l, neg, &t);
    if (t.state == L_LISTED) {
        v->state = L_UNKNOWN;
        snprintf(v->text, sizeof(v->text),
                 "the list also lists its test entry %s, which must never be listed (RFC 5782): "
                 "it answers \"listed\" for everything and is probably shut down",
                 l->kind == BN_DNSBL_DOMAIN ? "\"invalid\"" : "127.0.0.1");
        return;
    }
    if (v->state != L_CLEAN || !pos)
        return;
    classify(l, pos, &t);
    if (t.state == L_LISTED)
        return;
    v->state = L_UNKNOWN;
    snprintf(v->text, sizeof(v->text),
             "not listed, but the list does not list its test entry %s either (%.300s): it may be "
             "gone, or not answering your resolver",
             l->test, t.state == L_UNKNOWN ? t.text : "no answer");
}

/* report - one finding for the list from its verdict */
static void report(bn_doctor *d, const bn_dnsbl *l, const char *check, const char *what,
                   const verdict *v)
{
    if (v->state == L_UNKNOWN) {
        bn_doc_add(d, check, l->zone, BN_CHECK_UNKNOWN,
                   "check by hand on the list's site, or query through your own resolver",
                   "%s: unknown, because %s", l->name, v->text);
    } else if (v->state == L_CLEAN) {
        bn_doc_add(d, check, l->zone, BN_CHECK_PASS, NULL, "%s: %s is not listed", l->name, what);
    } else {
        const char *advice = bn_doc_fmt(
            d, "find and stop the cause (compromised account or host, bad list, open relay), "
               "then request removal%s%s",
            l->removal ? " at " : "", l->removal ? l->removal : "");
        bn_doc_add(d, check, l->zone, BN_CHECK_FAIL, advice, "%s: %s is listed: %s", l->name,
                   what, v->text);
    }
}

/* check_list - query key.zone and the test entries, then report */
static void check_list(bn_doctor *d, const bn_dnsbl *l, const char *key, const char *check,
                       const char *what)
{
    char q[BN_DNS_NAME_MAX + 2], pos[BN_DNS_NAME_MAX + 2], neg[BN_DNS_NAME_MAX + 2];
    if ((size_t)snprintf(q, sizeof(q), "%s.%s", key, l->zone) >= sizeof(q)) {
        bn_doc_add(d, check, l->zone, BN_CHECK_UNKNOWN, NULL,
                   "%s: unknown, because the query name is too long for DNS", l->name);
        return;
    }
    test_names(l, pos, neg, sizeof(pos));
    const bn_dns_ans *a = bn_doc_ask(d, q, BN_DNS_T_A);
    const bn_dns_ans *p = l->test ? bn_doc_ask(d, pos, BN_DNS_T_A) : NULL;
    const bn_dns_ans *n = bn_doc_ask(d, neg, BN_DNS_T_A);
    if (!a || !n || (l->test && !p))
        return;
    verdict v;
    classify(l, a, &v);
    if (v.state != L_UNKNOWN)
        sanity(l, p, n, &v);
    report(d, l, check, what, &v);
}

/* bn_doc_check_iplists - the sending IP on every IP blocklist that takes its family */
void bn_doc_check_iplists(bn_doctor *d)
{
    char key[80];
    bn_dnsbl_reverse(key, sizeof(key), d->family, d->ip);
    for (size_t i = 0; i < d->lists.n; i++) {
        const bn_dnsbl *l = &d->lists.lists[i];
        if (l->kind == BN_DNSBL_DOMAIN || (!l->on && !d->all_lists))
            continue;
        if (d->family == AF_INET6 && l->kind == BN_DNSBL_IP4)
            continue; /* the list takes no IPv6 queries */
        check_list(d, l, key, "dnsbl", d->ip_text);
    }
}

/* bn_doc_check_domainlists - the sending domain on every domain blocklist */
void bn_doc_check_domainlists(bn_doctor *d)
{
    for (size_t i = 0; i < d->lists.n; i++) {
        const bn_dnsbl *l = &d->lists.lists[i];
        if (l->kind == BN_DNSBL_DOMAIN && (l->on || d->all_lists))
            check_list(d, l, d->domain, "dbl", d->domain);
    }
}
