/*
 * report.c - per receiving domain figures and sender-side warnings
 *
 * Groups the events since a time by the recipient's domain and by reason,
 * splits them hard / soft / sender-side / message, and warns where most
 * rejections at a domain are about the sender (blocklists, authentication,
 * reputation): such bounces never suppress recipients, so the list stays
 * quiet while the real problem is the sending side. The advice is the
 * classifier's explanation of the most common sender-side reason there.
 * The delays of one message to one recipient (deferrals, delay notices)
 * count once per class (by Message-ID): a deferral retried for two days is
 * one sender-side rejection, not forty that outweigh the hard bounces; the
 * rest are counted as repeats. Final outcomes (failed, expired) all count.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "store/store.h"

#define REPORT_ARENA_CAP (512u << 20)
#define IPS_MAX 4

typedef struct reason_acc {
    bn_report_reason pub;
    int replycode;          /* first event's, for the advice */
    char status[BN_STATUS_MAX];
    const char *blocklist, *rule;
} reason_acc;

typedef struct domain_acc {
    bn_report_domain pub;
    reason_acc *r;
    size_t nr, capr;
    char ips[IPS_MAX][BN_IP_MAX];
    unsigned nips;
} domain_acc;

struct bn_report_priv {
    bn_arena arena;
    domain_acc *d;
    size_t nd, capd;
    size_t *slots;          /* 1 + index into d */
    size_t nslots;
    uint64_t *seen;         /* repeat_key of every delay counted so far */
    size_t nseen, seen_slots;
    int err;
};

/* fnv - FNV-1a of p[0..n) */
static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h;
}

/* str_hash - FNV-1a of a C string */
static uint64_t str_hash(const char *s)
{
    return fnv(s, strlen(s));
}

/* grow_slots - double the domain hash table */
static int grow_slots(struct bn_report_priv *p)
{
    size_t ns = p->nslots ? p->nslots * 2 : 256;
    size_t *slots = bn_calloc(ns, sizeof *slots);
    if (!slots)
        return BN_ENOMEM;
    for (size_t i = 0; i < p->nd; i++) {
        size_t j = str_hash(p->d[i].pub.domain) & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = i + 1;
    }
    bn_free(p->slots);
    p->slots = slots, p->nslots = ns;
    return BN_OK;
}

/* new_domain - append a domain accumulator */
static domain_acc *new_domain(struct bn_report_priv *p, const char *name)
{
    if (p->nd == p->capd) {
        size_t cap = p->capd ? p->capd * 2 : 64;
        domain_acc *d = bn_realloc(p->d, cap * sizeof *d);
        if (!d)
            return NULL;
        p->d = d, p->capd = cap;
    }
    domain_acc *d = memset(&p->d[p->nd], 0, sizeof *d);
    d->pub.domain = bn_arena_dup(&p->arena, name, strlen(name));
    if (!d->pub.domain)
        return NULL;
    p->nd++;
    return d;
}

/* find_domain - the accumulator of a domain, created when new */
static domain_acc *find_domain(struct bn_report_priv *p, const char *name)
{
    if ((p->nd + 1) * 2 > p->nslots && grow_slots(p))
        return NULL;
    size_t mask = p->nslots - 1, j = str_hash(name) & mask;
    for (; p->slots[j]; j = (j + 1) & mask)
        if (!strcmp(p->d[p->slots[j] - 1].pub.domain, name))
            return &p->d[p->slots[j] - 1];
    domain_acc *d = new_domain(p, name);
    if (d)
        p->slots[j] = p->nd;
    return d;
}

/* find_reason - the (reason, class) accumulator of a domain */
static reason_acc *find_reason(struct bn_report_priv *p, domain_acc *d,
                               const bn_event *e)
{
    for (size_t i = 0; i < d->nr; i++)
        if (d->r[i].pub.cls == e->cls && !strcmp(d->r[i].pub.reason, e->reason))
            return &d->r[i];
    if (d->nr == d->capr) {
        size_t cap = d->capr ? d->capr * 2 : 4;
        reason_acc *r = bn_realloc(d->r, cap * sizeof *r);
        if (!r)
            return NULL;
        d->r = r, d->capr = cap;
    }
    reason_acc *r = memset(&d->r[d->nr], 0, sizeof *r);
    r->pub.reason = bn_arena_dup(&p->arena, e->reason, strlen(e->reason));
    r->blocklist = bn_arena_dup(&p->arena, e->blocklist, strlen(e->blocklist));
    r->rule = bn_arena_dup(&p->arena, e->rule, strlen(e->rule));
    if (!r->pub.reason || !r->blocklist || !r->rule)
        return NULL;
    r->pub.cls = e->cls;
    r->replycode = e->replycode;
    snprintf(r->status, sizeof r->status, "%s", e->status);
    d->nr++;
    return r;
}

/* count_class - add one event to the domain's split */
static void count_class(bn_report_domain *d, bn_class c)
{
    long *field[BN_CLASS_COUNT] = {
        [BN_CLASS_IGNORE] = &d->ignored, [BN_CLASS_HARD] = &d->hard,
        [BN_CLASS_COMPLAINT] = &d->complaint, [BN_CLASS_SUSPEND] = &d->suspend,
        [BN_CLASS_SOFT] = &d->soft, [BN_CLASS_SENDER] = &d->sender,
        [BN_CLASS_MESSAGE] = &d->message, [BN_CLASS_DELIVERY] = &d->delivered,
        [BN_CLASS_MANUAL] = &d->ignored};
    d->total++;
    (*field[(unsigned)c < BN_CLASS_COUNT ? c : BN_CLASS_IGNORE])++;
    if (c == BN_CLASS_HARD || c == BN_CLASS_SUSPEND || c == BN_CLASS_SOFT ||
        c == BN_CLASS_SENDER || c == BN_CLASS_MESSAGE)
        d->rejections++;
}

/* note_ip - remember a sending IP of a sender-side event */
static void note_ip(domain_acc *d, const char *ip)
{
    if (!*ip || d->nips >= IPS_MAX)
        return;
    for (unsigned i = 0; i < d->nips; i++)
        if (!strcmp(d->ips[i], ip))
            return;
    snprintf(d->ips[d->nips++], BN_IP_MAX, "%s", ip);
}

/* msgid_hash - str_hash of a Message-ID without its angle brackets: a log
   reader stores "id@host", a DSN the original's header "<id@host>", and a
   delay seen in both is one delay */
static uint64_t msgid_hash(const char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
        s++, n -= 2;
    return fnv(s, n);
}

/* repeat_key - identifies one delay (a deferral, a delay notice) of one
 * message to one recipient in one class; 0 when the event is no delay or
 * names no message: then it cannot be a repeat. Final outcomes (failed, an
 * expiry) are never keyed: each counts, and the set stays as small as the
 * deferrals in the window */
static uint64_t repeat_key(const bn_event *e)
{
    const char *who = *e->address ? e->address : e->recipient;
    if (!*e->message_id || !*who || strcmp(e->dsn_action, "delayed") != 0)
        return 0;
    uint64_t h = str_hash(who) ^ 0x9E3779B97F4A7C15ULL;
    h = (h ^ msgid_hash(e->message_id)) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)e->cls) * 0xff51afd7ed558ccdULL;
    return h ? h : 1;
}

/* seen_grow - double the table of counted keys */
static int seen_grow(struct bn_report_priv *p)
{
    size_t ns = p->seen_slots ? p->seen_slots * 2 : 1024;
    uint64_t *t = bn_calloc(ns, sizeof *t);
    if (!t)
        return BN_ENOMEM;
    for (size_t i = 0; i < p->seen_slots; i++) {
        if (!p->seen[i])
            continue;
        size_t j = p->seen[i] & (ns - 1);
        while (t[j])
            j = (j + 1) & (ns - 1);
        t[j] = p->seen[i];
    }
    bn_free(p->seen);
    p->seen = t, p->seen_slots = ns;
    return BN_OK;
}

/* is_repeat - the event is one more attempt (a retried deferral, a second
 * delay notice) of a message to a recipient already counted in that class;
 * first sight records it. -1: out of memory */
static int is_repeat(struct bn_report_priv *p, const bn_event *e)
{
    uint64_t k = repeat_key(e);
    if (!k)
        return 0;
    if ((p->nseen + 1) * 2 > p->seen_slots && seen_grow(p))
        return -1;
    size_t mask = p->seen_slots - 1, j = k & mask;
    for (; p->seen[j]; j = (j + 1) & mask)
        if (p->seen[j] == k)
            return 1;
    p->seen[j] = k;
    p->nseen++;
    return 0;
}

/* add_event - one event into its domain */
static int add_event(void *ctx, const bn_event *e)
{
    bn_report *rep = ctx;
    struct bn_report_priv *p = rep->priv;
    domain_acc *d = find_domain(p, *e->domain ? e->domain : "(no recipient)");
    int repeat = d ? is_repeat(p, e) : -1;
    if (repeat == 1) {
        d->pub.repeats++;
        rep->events++;
        return 0;
    }
    reason_acc *r = repeat == 0 ? find_reason(p, d, e) : NULL;
    if (!r)
        return p->err = BN_ENOMEM, 1;
    r->pub.count++;
    count_class(&d->pub, e->cls);
    if (e->cls == BN_CLASS_SENDER)
        note_ip(d, e->ip);
    rep->events++;
    return 0;
}

/* cmp_reason - by count descending, then name */
static int cmp_reason(const void *a, const void *b)
{
    const reason_acc *x = a, *y = b;
    if (x->pub.count != y->pub.count)
        return x->pub.count < y->pub.count ? 1 : -1;
    return strcmp(x->pub.reason, y->pub.reason);
}

/* cmp_domain - by total descending, then name */
static int cmp_domain(const void *a, const void *b)
{
    const domain_acc *x = a, *y = b;
    if (x->pub.total != y->pub.total)
        return x->pub.total < y->pub.total ? 1 : -1;
    return strcmp(x->pub.domain, y->pub.domain);
}

/* topic_of - what a sender-side reason is about, in a word or two */
static const char *topic_of(const char *reason)
{
    static const char *const map[][2] = {
        {"blocked", "blocklist"}, {"badreputation", "reputation"},
        {"authfailure", "authentication"}, {"requireptr", "reverse DNS"},
        {"spamdetected", "spam filtering"}, {"policyviolation", "policy"},
        {"securityerror", "TLS / security"}, {"failedstarttls", "TLS / security"},
        {"norelaying", "relaying"}, {"rejected", "sender address"},
        {"syntaxerror", "SMTP protocol"},
        {"ratelimited", "rate limits"}, {"expired", "refused until expired"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], reason))
            return map[i][1];
    return reason;
}

/* topics - the distinct topics of the sender-side reasons, most common first */
static void topics(const domain_acc *d, char *buf, size_t size)
{
    const char *seen[16];
    size_t ns = 0, n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < d->nr && ns < 16; i++) {
        if (d->r[i].pub.cls != BN_CLASS_SENDER)
            continue;
        const char *t = topic_of(d->r[i].pub.reason);
        bool dup = false;
        for (size_t j = 0; j < ns; j++)
            dup = dup || !strcmp(seen[j], t);
        if (dup)
            continue;
        seen[ns++] = t;
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
                              ns > 1 ? " / " : "", t);
        if (n >= size)
            break;
    }
}

/* window_words - "in the last 24 h", "since 2026-11-01", "in all events" */
static void window_words(const bn_report *rep, char *buf, size_t size)
{
    long span = (long)(rep->now - rep->since);
    if (rep->since == 0) {
        snprintf(buf, size, "in all stored events");
    } else if (span > 0 && span <= 72 * 3600 && span % 3600 == 0) {
        snprintf(buf, size, "in the last %ld h", span / 3600);
    } else if (span > 0 && span % 86400 == 0) {
        snprintf(buf, size, "in the last %ld days", span / 86400);
    } else {
        struct tm tm;
        char d[32];
        time_t t = rep->since;
        gmtime_r(&t, &tm);
        strftime(d, sizeof d, "%Y-%m-%d %H:%M UTC", &tm);
        snprintf(buf, size, "since %s", d);
    }
}

/* advice_of - the explanation of the domain's top sender-side reason */
static const char *advice_of(struct bn_report_priv *p, const domain_acc *d)
{
    for (size_t i = 0; i < d->nr; i++) {
        const reason_acc *r = &d->r[i];
        if (r->pub.cls != BN_CLASS_SENDER || !strcmp(r->pub.reason, "expired"))
            continue; /* an expiry's own words speak of the network: the
                         advice comes from the refusals that caused it */
        bn_verdict v = {0};
        char buf[1024];
        bn_reason_from_name(&v.reason, r->pub.reason, strlen(r->pub.reason));
        v.permanence = r->status[0] == '4' ? BN_PERM_TRANSIENT : BN_PERM_PERMANENT;
        v.fault = BN_FAULT_SENDER;
        v.action = BN_ACTION_FIX_SENDER;
        v.replycode = r->replycode;
        snprintf(v.status, sizeof v.status, "%s", r->status);
        v.retry_after = -1;
        v.rule = r->rule;
        v.blocklist = *r->blocklist ? r->blocklist : NULL;
        snprintf(v.ip, sizeof v.ip, "%s", d->nips ? d->ips[0] : "");
        size_t n = bn_verdict_explain(&v, buf, sizeof buf);
        return bn_arena_dup(&p->arena, buf, n < sizeof buf ? n : sizeof buf - 1);
    }
    return NULL;
}

/* warn_domain - the warning where sender-side rejections dominate */
static int warn_domain(bn_report *rep, domain_acc *d, long min_sender)
{
    struct bn_report_priv *p = rep->priv;
    bn_report_domain *x = &d->pub;
    char t[256], w[64], buf[1024], ips[IPS_MAX * (BN_IP_MAX + 2)] = "";
    for (unsigned i = 0; i < d->nips; i++)
        snprintf(ips + strlen(ips), sizeof ips - strlen(ips), "%s%s",
                 i ? ", " : "", d->ips[i]);
    x->ips = bn_arena_dup(&p->arena, ips, strlen(ips));
    if (!x->ips)
        return BN_ENOMEM;
    if (x->sender < min_sender || x->sender * 2 <= x->rejections)
        return BN_OK;
    topics(d, t, sizeof t);
    window_words(rep, w, sizeof w);
    snprintf(buf, sizeof buf, "%s: %ld of %ld rejections %s are about the "
             "sender: %s; recipients were not suppressed", x->domain, x->sender,
             x->rejections, w, t);
    x->warning = bn_arena_dup(&p->arena, buf, strlen(buf));
    x->advice = advice_of(p, d);
    return x->warning ? BN_OK : BN_ENOMEM;
}

/* finish - sort, warn, and expose the public arrays */
static int finish(bn_report *rep, long min_sender)
{
    struct bn_report_priv *p = rep->priv;
    int rc = BN_OK;
    if (p->nd > 1) /* p->d is NULL when the window holds no event */
        qsort(p->d, p->nd, sizeof *p->d, cmp_domain);
    rep->domains = bn_calloc(p->nd ? p->nd : 1, sizeof *rep->domains);
    if (!rep->domains)
        return BN_ENOMEM;
    for (size_t i = 0; rc == BN_OK && i < p->nd; i++) {
        domain_acc *d = &p->d[i];
        if (d->nr > 1)
            qsort(d->r, d->nr, sizeof *d->r, cmp_reason);
        d->pub.reasons = bn_calloc(d->nr ? d->nr : 1, sizeof *d->pub.reasons);
        if (!d->pub.reasons)
            return BN_ENOMEM;
        for (size_t j = 0; j < d->nr; j++)
            d->pub.reasons[j] = d->r[j].pub;
        d->pub.nreasons = d->nr;
        rc = warn_domain(rep, d, min_sender);
        rep->domains[i] = d->pub;
    }
    rep->ndomains = p->nd;
    return rc;
}

/* bn_report_build_at - group the events since a time, as seen at now */
int bn_report_build_at(bn_report **out, bn_store *s, time_t since, time_t now,
                       long min_sender)
{
    bn_report *rep = bn_calloc(1, sizeof *rep);
    *out = NULL;
    if (!rep || !(rep->priv = bn_calloc(1, sizeof *rep->priv))) {
        bn_free(rep);
        return BN_ENOMEM;
    }
    bn_arena_init(&rep->priv->arena, REPORT_ARENA_CAP);
    rep->since = since;
    rep->now = now;
    int rc = bn_store_events(s, since, add_event, rep);
    if (rc == BN_OK)
        rc = rep->priv->err;
    if (rc == BN_OK)
        rc = finish(rep, min_sender);
    if (rc) {
        bn_report_free(rep);
        return rc;
    }
    *out = rep;
    return BN_OK;
}

/* bn_report_build - bn_report_build_at with the clock's time */
int bn_report_build(bn_report **out, bn_store *s, time_t since, long min_sender)
{
    return bn_report_build_at(out, s, since, time(NULL), min_sender);
}

/* bn_report_free - release the report */
void bn_report_free(bn_report *r)
{
    if (!r)
        return;
    if (r->priv) {
        for (size_t i = 0; i < r->priv->nd; i++) {
            bn_free(r->priv->d[i].r);
            bn_free(r->priv->d[i].pub.reasons);
        }
        bn_free(r->priv->d);
        bn_free(r->priv->slots);
        bn_free(r->priv->seen);
        bn_arena_free(&r->priv->arena);
        bn_free(r->priv);
    }
    bn_free(r->domains);
    bn_free(r);
}
