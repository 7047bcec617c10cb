/*
 * rebuild.c - re-evaluate the whole list from the stored events
 *
 * After a policy change (or a classifier fix that misread a wave of
 * bounces) the list is recomputed, in one write transaction: every event
 * gets its class under the new policy (and its address key, if the
 * local-part setting changed or the keys were made by an older
 * normalisation: BN_ADDR_KEYS_VERSION; and its fault, where a stored rate
 * limit's reply names another side: rate_side), the list is emptied, and
 * every address with history is folded again. Manual actions are history
 * too, so they survive.
 */
#include <stdio.h>
#include <string.h>

#include "bounce.h"
#include "core/alloc.h"
#include "core/str.h"
#include "store/store.h"

typedef struct change {
    long long id;
    bn_class cls;
    char *address;     /* NULL: unchanged */
    const char *fault; /* bn_fault_name; NULL: unchanged */
} change;

typedef struct rebuild_ctx {
    bn_store *s;
    const bn_policy *p;
    change *v;
    size_t n, cap;
    char **addrs;
    size_t na, capa;
    int err;
    bn_rebuild_stats *st;
    bool rekey; /* keys are made again: the case setting or normalisation
                   changed since they were made */
} rebuild_ctx;

/* fault_of - a stored fault name back to its value (unknown when none) */
static bn_fault fault_of(const char *name)
{
    for (int f = BN_FAULT_UNKNOWN; f <= BN_FAULT_NONE; f++)
        if (name && !strcmp(name, bn_fault_name((bn_fault)f)))
            return (bn_fault)f;
    return BN_FAULT_UNKNOWN;
}

/* rate_side - a stored rate limit's side, read again from its reply: a
   list stored before 2026-12-01 holds every rate limit as the sender's,
   also the mailbox's own (Gmail's "receiving mail at a rate"), and such
   an event, a duplicate, is never ingested again */
static bn_fault rate_side(const bn_event *e, bn_fault stored)
{
    if (stored != BN_FAULT_SENDER || !e->diagnostic || !*e->diagnostic)
        return stored;
    bn_reply in = {.replycode = e->replycode,
                   .status = e->status,
                   .status_len = e->status ? strlen(e->status) : 0,
                   .text = e->diagnostic,
                   .text_len = strlen(e->diagnostic)};
    bn_verdict v;
    bn_classify(&v, &in);
    return v.reason == BN_REASON_RATELIMITED ? v.fault : stored;
}

/* record_of - the fields of a stored event the policy looks at */
static void record_of(bn_record *r, const bn_event *e)
{
    memset(r, 0, sizeof *r);
    bn_reason reason = BN_REASON_UNDEFINED;
    bn_reason_from_name(&reason, e->reason, strlen(e->reason));
    r->verdict.reason = reason;
    r->verdict.hardbounce = e->hardbounce;
    r->verdict.permanence = !strcmp(e->permanence, "permanent") ? BN_PERM_PERMANENT
                            : !strcmp(e->permanence, "transient") ? BN_PERM_TRANSIENT
                                                                  : BN_PERM_UNKNOWN;
    r->verdict.fault = fault_of(e->fault);
    if (reason == BN_REASON_RATELIMITED)
        r->verdict.fault = rate_side(e, r->verdict.fault);
    snprintf(r->verdict.status, sizeof r->verdict.status, "%s", e->status);
    r->dsn_action = bn_str_cstr(e->dsn_action);
    r->feedback_type = bn_str_cstr(e->feedback_type);
}

/* new_fault - the name of the fault record_of read again (rate_side), NULL
   when it is the stored one: the stored field then says what the class
   says */
static const char *new_fault(const bn_event *e, const bn_record *r)
{
    return r->verdict.fault != fault_of(e->fault) ? bn_fault_name(r->verdict.fault)
                                                  : NULL;
}

/* push_change - remember an event whose class, key or fault changes */
static int push_change(rebuild_ctx *c, long long id, bn_class cls,
                       const char *addr, const char *fault)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        change *v = bn_realloc(c->v, cap * sizeof *v);
        if (!v)
            return BN_ENOMEM;
        c->v = v, c->cap = cap;
    }
    c->v[c->n].id = id;
    c->v[c->n].cls = cls;
    c->v[c->n].address = addr ? bn_strndup(addr, strlen(addr)) : NULL;
    c->v[c->n].fault = fault;
    if (addr && !c->v[c->n].address)
        return BN_ENOMEM;
    c->n++;
    return BN_OK;
}

/* reclassify - one event under the new policy */
static int reclassify(void *ctx, const bn_event *e)
{
    rebuild_ctx *c = ctx;
    bn_record r;
    char addr[BN_ADDR_MAX];
    const char *new_addr = NULL;
    record_of(&r, e);
    bn_class cls = bn_policy_classify(c->p, &r);
    const char *fault = new_fault(e, &r);
    c->st->events++;
    if (e->address[0] && c->rekey &&
        bn_address_normalize(addr, NULL, e->recipient, strlen(e->recipient),
                             c->p->local_case_sensitive ? BN_ADDR_CASE_LOCAL
                                                        : 0) == BN_OK &&
        strcmp(addr, e->address) != 0)
        new_addr = addr;
    if (cls == e->cls && !new_addr && !fault)
        return 0;
    c->st->reclassified += cls != e->cls;
    c->err = push_change(c, e->id, cls, new_addr ? new_addr : e->address, fault);
    return c->err != BN_OK;
}

/* rekey_manual - a manual action's key under the new case setting */
static int rekey_manual(void *ctx, long long id, const char *recipient,
                        const char *address)
{
    rebuild_ctx *c = ctx;
    char addr[BN_ADDR_MAX];
    unsigned flags = c->p->local_case_sensitive ? BN_ADDR_CASE_LOCAL : 0;
    if (bn_address_normalize(addr, NULL, recipient, strlen(recipient), flags) ||
        !strcmp(addr, address))
        return 0;
    c->err = push_change(c, id, BN_CLASS_MANUAL, addr, NULL);
    return c->err != BN_OK;
}

/* collect_address - remember an address to fold */
static int collect_address(void *ctx, const char *address)
{
    rebuild_ctx *c = ctx;
    if (c->na == c->capa) {
        size_t cap = c->capa ? c->capa * 2 : 256;
        char **v = bn_realloc(c->addrs, cap * sizeof *v);
        if (!v)
            return c->err = BN_ENOMEM, 1;
        c->addrs = v, c->capa = cap;
    }
    if (!(c->addrs[c->na] = bn_strndup(address, strlen(address))))
        return c->err = BN_ENOMEM, 1;
    c->na++;
    return 0;
}

/* apply_changes - write the collected class/key/fault changes */
static int apply_changes(rebuild_ctx *c)
{
    int rc = BN_OK;
    for (size_t i = 0; rc == BN_OK && i < c->n; i++)
        rc = c->v[i].cls == BN_CLASS_MANUAL
                 ? c->s->ops->manual_update(c->s, c->v[i].id, c->v[i].address)
                 : c->s->ops->event_update(c->s, c->v[i].id, c->v[i].address,
                                           c->v[i].cls, c->v[i].fault);
    return rc;
}

/* refold_all - fold every address with history into the emptied list */
static int refold_all(rebuild_ctx *c)
{
    bn_store *s = c->s;
    bn_suppression e;
    int rc = s->ops->addresses(s, collect_address, c);
    if (rc == BN_OK && c->err)
        rc = c->err;
    if (rc == BN_OK)
        rc = s->ops->supp_clear(s);
    for (size_t i = 0; rc == BN_OK && i < c->na; i++) {
        rc = bn_store_refold_address(s, c->addrs[i]);
        if (rc == BN_OK && s->ops->supp_get(s, c->addrs[i], time(NULL), &e) == BN_OK)
            c->st->suppressed++;
    }
    c->st->addresses = c->na;
    return rc;
}

/* rebuild_ctx_free - release what the context collected */
static void rebuild_ctx_free(rebuild_ctx *c)
{
    for (size_t i = 0; i < c->n; i++)
        bn_free(c->v[i].address);
    for (size_t i = 0; i < c->na; i++)
        bn_free(c->addrs[i]);
    bn_free(c->v);
    bn_free(c->addrs);
}

/* store_policy_meta - keep the policy in the store */
static int store_policy_meta(bn_store *s, const bn_policy *p)
{
    char buf[4096];
    bn_policy_format(p, buf, sizeof buf);
    return s->ops->meta_set(s, "policy", buf);
}

/* bn_store_rebuild - re-evaluate the whole list under a policy */
int bn_store_rebuild(bn_store *s, const bn_policy *policy,
                     bn_rebuild_stats *stats)
{
    bn_rebuild_stats local = {0};
    if (stats)
        *stats = local; /* an out-parameter: counts start at zero */
    bn_policy p = policy ? *policy : s->policy;
    rebuild_ctx c = {s, &p, NULL, 0, 0, NULL, 0, 0, BN_OK,
                     stats ? stats : &local, false};
    bn_policy old = s->policy;
    bool stale = s->keys_stale;
    int rc = bn_store_begin(s);
    if (rc)
        return rc;
    bool rekey = p.local_case_sensitive != s->policy.local_case_sensitive ||
                 s->keys_stale;
    c.rekey = rekey;
    if (rekey && !(s->ops->manual_iter && s->ops->manual_update)) {
        bn_store_set_error(s, "the %s backend cannot re-key addresses",
                           s->ops->name);
        bn_store_rollback(s);
        return BN_ESTORE;
    }
    rc = s->ops->event_iter(s, 0, reclassify, &c);
    if (rc == BN_OK && !c.err && rekey)
        rc = s->ops->manual_iter(s, rekey_manual, &c);
    if (rc == BN_OK && c.err)
        rc = c.err;
    if (rc == BN_OK)
        rc = apply_changes(&c);
    s->policy = p; /* the fold uses the new policy */
    if (rc == BN_OK)
        rc = refold_all(&c);
    if (rc == BN_OK)
        rc = store_policy_meta(s, &p);
    if (rc == BN_OK && rekey)
        rc = store_keys_version(s);
    rebuild_ctx_free(&c);
    if (rc) {
        s->keys_stale = stale;
        s->policy = old;
        bn_store_rollback(s);
        return rc;
    }
    rc = bn_store_commit(s);
    if (rc)
        s->policy = old, s->keys_stale = stale;
    return rc;
}
