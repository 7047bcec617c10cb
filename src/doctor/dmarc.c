/*
 * dmarc.c - the DMARC record (RFC 7489) of the sending domain
 *
 * The organizational domain (RFC 7489 3.2) needs the Public Suffix List,
 * which the build does not carry; bn_doc_org_domain() approximates it: the
 * last two labels, or three when the second-level label is one of the
 * common registry second levels under a two-letter country code (co.uk,
 * com.au, ...). It is only used to find an inherited record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "doctor/doctor.h"

/* bn_doc_org_domain - the organizational domain (approximation) */
const char *bn_doc_org_domain(const char *domain)
{
    static const char *const sld[] = {"co", "com", "net", "org", "ac", "gov", "edu", "or",
                                      "ne", "go", "gob", "nic", "ltd", "plc", "sch", NULL};
    const char *labels[128];
    size_t n = 0;
    labels[n++] = domain;
    for (const char *p = domain; *p && n < 128; p++)
        if (*p == '.')
            labels[n++] = p + 1;
    if (n <= 2)
        return domain;
    const char *tld = labels[n - 1];
    size_t sl = (size_t)(tld - labels[n - 2] - 1);
    bool cc = strlen(tld) == 2;
    for (size_t i = 0; cc && sld[i]; i++)
        if (strlen(sld[i]) == sl && strncmp(labels[n - 2], sld[i], sl) == 0)
            return labels[n - 3];
    return labels[n - 2];
}

/* tag_value - copy a tag's value, trimmed */
static void tag_value(char *out, size_t size, bn_str v)
{
    v = bn_str_trim(v);
    snprintf(out, size, "%.*s", (int)v.n, v.p);
}

/* set_tag - one tag=value of the record; false on a bad value */
static bool set_tag(bn_dmarc *m, bn_str tag, bn_str val)
{
    char v[256];
    tag_value(v, sizeof(v), val);
    if (bn_str_eq_ci(tag, "p") || bn_str_eq_ci(tag, "sp")) {
        if (strcmp(v, "none") && strcmp(v, "quarantine") && strcmp(v, "reject"))
            return false;
        memcpy(bn_str_eq_ci(tag, "p") ? m->p : m->sp, v, strlen(v) + 1); /* <= 11 bytes */
    } else if (bn_str_eq_ci(tag, "adkim") || bn_str_eq_ci(tag, "aspf")) {
        if (strcmp(v, "r") && strcmp(v, "s"))
            return false;
        *(bn_str_eq_ci(tag, "adkim") ? &m->adkim : &m->aspf) = v[0];
    } else if (bn_str_eq_ci(tag, "pct")) {
        char *end;
        long pct = strtol(v, &end, 10);
        if (!v[0] || *end || pct < 0 || pct > 100)
            return false;
        m->pct = (int)pct;
    } else if (bn_str_eq_ci(tag, "rua") || bn_str_eq_ci(tag, "ruf")) {
        snprintf(bn_str_eq_ci(tag, "rua") ? m->rua : m->ruf, sizeof(m->rua), "%s", v);
        if (!bn_str_starts_ci(bn_str_cstr(v), "mailto:"))
            return false;
    }
    return true; /* fo, rf, ri and unknown tags: ignored (6.3) */
}

/* bn_dmarc_parse - read a DMARC record (RFC 7489 6.3) */
void bn_dmarc_parse(bn_dmarc *m, const char *rec, size_t len)
{
    memset(m, 0, sizeof(*m));
    m->adkim = m->aspf = 'r';
    m->pct = 100;
    bn_str rest = {rec, len};
    for (int i = 0; rest.n; i++) {
        const char *semi = bn_str_chr(rest, ';');
        bn_str item = {rest.p, semi ? (size_t)(semi - rest.p) : rest.n};
        rest = semi ? (bn_str){semi + 1, rest.n - item.n - 1} : (bn_str){NULL, 0};
        item = bn_str_trim(item);
        if (item.n == 0)
            continue;
        const char *eq = bn_str_chr(item, '=');
        bn_str tag = bn_str_trim((bn_str){item.p, eq ? (size_t)(eq - item.p) : item.n});
        bn_str val = eq ? (bn_str){eq + 1, item.n - (size_t)(eq + 1 - item.p)} : BN_STR_NULL;
        if (i == 0 && (!eq || !bn_str_eq_ci(tag, "v") || !bn_str_eq_ci(bn_str_trim(val), "DMARC1"))) {
            m->error = "the record does not start with v=DMARC1";
            return;
        }
        if (!eq) {
            m->error = "a part of the record is not tag=value";
            return;
        }
        if (!set_tag(m, tag, val) && !m->error)
            m->error = "a tag has an invalid value (p/sp: none|quarantine|reject, adkim/aspf: "
                       "r|s, pct: 0-100, rua/ruf: mailto:)";
    }
    if (!m->p[0] && !m->error)
        m->error = "the record has no p= tag";
}

/* dmarc_records - the TXT records starting "v=DMARC1"; count, first in *out */
static size_t dmarc_records(const bn_dns_ans *a, const bn_dns_rr **out)
{
    size_t n = 0;
    for (const bn_dns_rr *rr = a->rr; rr; rr = rr->next) {
        bn_str s = bn_str_trim((bn_str){rr->data, rr->len});
        if (bn_str_starts_ci(s, "v=DMARC1") && (s.n == 8 || s.p[8] == ';' || bn_is_wsp((unsigned char)s.p[8])) &&
            n++ == 0)
            *out = rr;
    }
    return n;
}

/* report_none - no record anywhere */
static void report_none(bn_doctor *d)
{
    bn_doc_add(d, "dmarc", d->domain, BN_CHECK_FAIL,
               bn_doc_fmt(d, "publish TXT _dmarc.%s \"v=DMARC1; p=none; rua=mailto:dmarc@%s\" "
                             "to start, read the reports, then move to p=quarantine or p=reject",
                          d->domain, d->domain),
               "no DMARC record at _dmarc.%s: Gmail and Yahoo reject or junk bulk mail (5,000+ "
               "messages a day to them) from domains without one", d->domain);
}

/* policy_text - "p=reject sp=... adkim=r aspf=r pct=100 rua=..." */
static const char *policy_text(bn_doctor *d, const bn_dmarc *m)
{
    return bn_doc_fmt(d, "p=%s%s%s adkim=%c aspf=%c pct=%d rua=%s%s%s", m->p, m->sp[0] ? " sp=" : "",
                      m->sp, m->adkim, m->aspf, m->pct, m->rua[0] ? m->rua : "(none)",
                      m->ruf[0] ? " ruf=" : "", m->ruf);
}

/* report_policy - a parsed record: how strong, what is missing */
static void report_policy(bn_doctor *d, const bn_dmarc *m, const char *where, bool inherited)
{
    const char *pol = inherited && m->sp[0] ? m->sp : m->p;
    const char *pt = policy_text(d, m);
    const char *from = inherited ? bn_doc_fmt(d, " (inherited from %s)", where) : "";
    const char *align = bn_doc_fmt(d, "alignment: %s DKIM, %s SPF",
                                   m->adkim == 's' ? "strict" : "relaxed",
                                   m->aspf == 's' ? "strict" : "relaxed");
    if (strcmp(pol, "none") == 0)
        bn_doc_add(d, "dmarc", d->domain, BN_CHECK_WARN,
                   m->rua[0] ? "read the rua reports; once your mail passes, move to p=quarantine "
                               "and then p=reject"
                             : "add rua=mailto:... to receive reports, then move to p=quarantine",
                   "%s%s; p=none is monitoring only: it meets the Gmail/Yahoo bulk-sender minimum "
                   "but receivers take no action on mail that fails, so the domain is not protected "
                   "from spoofing; %s", pt, from, align);
    else if (m->pct < 100)
        bn_doc_add(d, "dmarc", d->domain, BN_CHECK_WARN, "raise pct to 100 once reports are clean",
                   "%s%s; the policy applies to only %d%% of failing mail; %s", pt, from, m->pct, align);
    else if (!m->rua[0])
        bn_doc_add(d, "dmarc", d->domain, BN_CHECK_WARN,
                   "add rua=mailto:... so that you see who fails DMARC for your domain",
                   "%s%s; enforced, but no rua= address: you get no aggregate reports; %s", pt, from, align);
    else
        bn_doc_add(d, "dmarc", d->domain, BN_CHECK_PASS, NULL, "%s%s; enforced; %s", pt, from, align);
}

/* authorized - TXT "v=DMARC1" at POLICY._report._dmarc.DEST (RFC 7489 7.1);
 * -1 while pending, 0 no, 1 yes, 2 the lookup failed */
static int authorized(bn_doctor *d, const char *policy, const char *dest)
{
    char q[2 * BN_DNS_NAME_MAX + 32];
    snprintf(q, sizeof(q), "%s._report._dmarc.%s", policy, dest);
    const bn_dns_ans *a = bn_doc_ask(d, q, BN_DNS_T_TXT);
    if (!a)
        return -1;
    if (a->rc == BN_DNS_FAIL)
        return 2;
    for (const bn_dns_rr *rr = a->rr; rr; rr = rr->next)
        if (bn_str_starts_ci(bn_str_trim((bn_str){rr->data, rr->len}), "v=DMARC1"))
            return 1;
    return 0;
}

/* check_rua_dest - one rua= URI: a mailto: in another organizational domain
 * needs that domain's consent, or receivers send no reports there */
static void check_rua_dest(bn_doctor *d, bn_str uri, const char *policy)
{
    char dest[BN_DNS_NAME_MAX + 1];
    uri = bn_str_trim(uri);
    const char *bang = bn_str_chr(uri, '!');
    if (bang)
        uri.n = (size_t)(bang - uri.p);
    size_t k = uri.n; /* the domain follows the last '@' */
    while (k > 0 && uri.p[k - 1] != '@')
        k--;
    if (k == 0 || !bn_dns_norm_name(dest, uri.p + k, uri.n - k))
        return;
    if (strcmp(bn_doc_org_domain(dest), bn_doc_org_domain(policy)) == 0)
        return;
    int ok = authorized(d, policy, dest);
    if (ok == 0)
        bn_doc_add(d, "dmarc", dest, BN_CHECK_WARN,
                   bn_doc_fmt(d, "ask %s to publish TXT %s._report._dmarc.%s \"v=DMARC1\", or "
                                 "send the reports to an address of %s", dest, policy, dest, policy),
                   "rua= sends reports to %s, which has not agreed to take reports for %s (no "
                   "v=DMARC1 at %s._report._dmarc.%s): receivers send none there",
                   dest, policy, policy, dest);
    else if (ok == 2)
        bn_doc_add(d, "dmarc", dest, BN_CHECK_UNKNOWN, NULL,
                   "unknown, because the lookup of %s._report._dmarc.%s failed", policy, dest);
}

/* check_rua - every rua= destination outside the policy's domain (first 4) */
static void check_rua(bn_doctor *d, const bn_dmarc *m, const char *policy)
{
    bn_str rest = bn_str_cstr(m->rua);
    for (int i = 0; i < 4 && rest.n; i++) {
        const char *comma = bn_str_chr(rest, ',');
        bn_str uri = {rest.p, comma ? (size_t)(comma - rest.p) : rest.n};
        rest = comma ? (bn_str){comma + 1, rest.n - uri.n - 1} : (bn_str){NULL, 0};
        check_rua_dest(d, uri, policy);
    }
}

/* check_at - the record at _dmarc.name; false when there is none there */
static bool check_at(bn_doctor *d, const char *name, bool inherited, bool *wait)
{
    char q[BN_DNS_NAME_MAX + 8];
    snprintf(q, sizeof(q), "_dmarc.%s", name);
    const bn_dns_ans *a = bn_doc_ask(d, q, BN_DNS_T_TXT);
    const bn_dns_rr *rr = NULL;
    if (!a) {
        *wait = true;
        return true;
    }
    if (a->rc == BN_DNS_FAIL) {
        bn_doc_add(d, "dmarc", d->domain, BN_CHECK_UNKNOWN, "run the check again",
                   "unknown, because the TXT lookup of %s failed: %s", q, a->why);
        return true;
    }
    size_t n = dmarc_records(a, &rr);
    if (n == 0)
        return false;
    bn_dmarc m;
    if (n > 1) {
        bn_doc_add(d, "dmarc", d->domain, BN_CHECK_FAIL, "keep exactly one v=DMARC1 record",
                   "%s has %zu DMARC records: receivers then apply none of them (RFC 7489 6.6.3)", q, n);
        return true;
    }
    bn_dmarc_parse(&m, rr->data, rr->len);
    if (m.error)
        bn_doc_add(d, "dmarc", d->domain, BN_CHECK_FAIL, "fix the record's syntax",
                   "the record at %s is invalid: %s: \"%s\"", q, m.error, rr->data);
    else {
        report_policy(d, &m, name, inherited);
        check_rua(d, &m, name);
    }
    return true;
}

/* bn_doc_check_dmarc - the domain's DMARC record, or its organizational domain's */
void bn_doc_check_dmarc(bn_doctor *d)
{
    bool wait = false;
    if (check_at(d, d->domain, false, &wait))
        return;
    const char *org = bn_doc_org_domain(d->domain);
    if (strcmp(org, d->domain) != 0 && check_at(d, org, true, &wait))
        return;
    report_none(d);
}
