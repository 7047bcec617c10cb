/*
 * store.c - the suppression list over a backend (see store.h)
 *
 * Ingest turns each record into an event (normalised address, class under
 * the policy, deduplication key) and, when the event is new and can change
 * the address's state, re-folds that address's history and writes the
 * result. Deduplication is the backend's unique key, and writes happen in
 * one write transaction per batch, so concurrent ingesters of the same
 * input end with every event stored once.
 */
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "core/alloc.h"
#include "core/str.h"
#include "store/store.h"

/* bn_store_set_error - record the message of the last failure */
void bn_store_set_error(bn_store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

/* bn_store_errmsg - what went wrong last */
const char *bn_store_errmsg(const bn_store *s)
{
    return s ? s->err : "out of memory";
}

/* bn_store_policy - the policy the list was built with */
const bn_policy *bn_store_policy(const bn_store *s)
{
    return &s->policy;
}

/* bn_store_is_pg_uri - the uri names a PostgreSQL database:
 * postgres[ql]://..., or "postgresql:" / "postgres:" / "pg:" followed by
 * libpq keyword=value settings or nothing (then the PG* variables) */
bool bn_store_is_pg_uri(const char *uri)
{
    static const char *const prefix[] = {"postgresql:", "postgres:", "pg:"};
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
        if (!strncmp(uri, prefix[i], strlen(prefix[i])))
            return true;
    return false;
}

/* pick_backend - by the form of the uri */
static const bn_store_ops *pick_backend(bn_store *s, const char *uri)
{
    if (bn_store_is_pg_uri(uri)) {
#ifdef BN_WITH_POSTGRES
        return &bn_store_pg_ops;
#else
        bn_store_set_error(s, "%s: the PostgreSQL backend is not part of this "
                           "build (built without libpq)", uri);
        return NULL;
#endif
    }
    return &bn_store_sqlite_ops;
}

/* store_keys_version - the list's keys are made by this normalisation */
int store_keys_version(bn_store *s)
{
    char v[16];
    snprintf(v, sizeof v, "%d", BN_ADDR_KEYS_VERSION);
    int rc = s->ops->meta_set(s, "address_keys", v);
    if (rc == BN_OK)
        s->keys_stale = false;
    return rc;
}

/* load_keys_version - whether the keys predate this normalisation (a list
 * from before the version was kept has none: version 1) */
static int load_keys_version(bn_store *s)
{
    char *text = NULL;
    int rc = s->ops->meta_get(s, "address_keys", &text);
    if (rc != BN_OK && rc != BN_ENOTFOUND)
        return rc;
    s->keys_stale = rc == BN_ENOTFOUND || atoi(text) < BN_ADDR_KEYS_VERSION;
    bn_free(text);
    return BN_OK;
}

/* bn_store_keys_stale - the keys predate this normalisation */
bool bn_store_keys_stale(const bn_store *s)
{
    return s && s->keys_stale;
}

/* load_policy - the stored policy; a new list stores the given one */
static int load_policy(bn_store *s, const bn_store_opts *o)
{
    char *text = NULL, err[256];
    int rc = s->ops->meta_get(s, "policy", &text);
    bn_policy_init(&s->policy);
    if (rc == BN_OK) {
        rc = bn_policy_parse_text(&s->policy, text, err, sizeof err);
        bn_free(text);
        if (rc)
            bn_store_set_error(s, "the stored policy is unreadable: %s", err);
        return rc ? BN_ESTORE : load_keys_version(s);
    }
    if (rc != BN_ENOTFOUND)
        return rc;
    if (o->policy)
        s->policy = *o->policy;
    if (o->readonly)
        return BN_OK;
    char buf[4096];
    bn_policy_format(&s->policy, buf, sizeof buf);
    if ((rc = s->ops->begin(s)))
        return rc;
    rc = s->ops->meta_get(s, "policy", &text);
    if (rc == BN_ENOTFOUND) {
        rc = s->ops->meta_set(s, "policy", buf);
        if (rc == BN_OK) /* a new list: its keys are made by this bounce */
            rc = store_keys_version(s);
    } else if (rc == BN_OK) {
        bn_free(text); /* another process created it meanwhile */
    }
    if (rc) {
        s->ops->rollback(s);
        return rc;
    }
    return s->ops->commit(s);
}

/* bn_store_open - open or create the store at uri */
int bn_store_open(bn_store **out, const char *uri, const bn_store_opts *opts)
{
    bn_store_opts def = BN_STORE_OPTS_INIT;
    const bn_store_opts *o = opts ? opts : &def;
    bn_store *s = bn_calloc(1, sizeof *s);
    *out = s;
    if (!s)
        return BN_ENOMEM;
    if (!uri || !*uri) {
        bn_store_set_error(s, "no database given");
        return BN_EINVAL;
    }
    const bn_store_ops *ops = pick_backend(s, uri);
    if (!ops)
        return BN_EINVAL;
    s->ops = ops; /* set first: bn_store_close releases a half-open store */
    int rc = ops->open(s, uri, o);
    return rc ? rc : load_policy(s, o);
}

/* bn_store_close - release everything */
void bn_store_close(bn_store *s)
{
    if (!s)
        return;
    if (s->ops) {
        if (s->in_tx)
            s->ops->rollback(s);
        s->ops->close(s);
    }
    bn_free(s->strings);
    bn_free(s->ingest_ctx);
    bn_free(s);
}

/* bn_store_lost - the last failure was a lost connection */
bool bn_store_lost(const bn_store *s)
{
    return s && s->lost;
}

/* bn_store_begin - start a write transaction */
int bn_store_begin(bn_store *s)
{
    if (s->in_tx)
        return BN_EINVAL;
    int rc = s->ops->begin(s);
    s->in_tx = rc == BN_OK;
    return rc;
}

/* bn_store_commit - make the transaction's writes durable */
int bn_store_commit(bn_store *s)
{
    if (!s->in_tx)
        return BN_EINVAL;
    int rc = s->ops->commit(s);
    if (rc)
        s->ops->rollback(s);
    s->in_tx = false;
    return rc;
}

/* bn_store_rollback - forget the transaction's writes */
void bn_store_rollback(bn_store *s)
{
    if (s->in_tx)
        s->ops->rollback(s);
    s->in_tx = false;
}

/* BN_STATE_MAX - the largest state blob (a log's deferred recipients are
 * the big ones: a few MB at most) */
#define BN_STATE_MAX (64u << 20)

/* bn_store_state_get - a named state blob (bn_free); BN_ENOTFOUND when none */
int bn_store_state_get(bn_store *s, const char *key, char **val, size_t *len)
{
    *val = NULL;
    *len = 0;
    if (!key || !*key)
        return BN_EINVAL;
    return s->ops->state_get(s, key, val, len);
}

/* bn_store_state_put - set (val NULL: delete) a named state blob */
int bn_store_state_put(bn_store *s, const char *key, const void *val, size_t len)
{
    if (!key || !*key || len > BN_STATE_MAX || (!val && len))
        return BN_EINVAL;
    return s->ops->state_put(s, key, val, len);
}

/* with_tx_begin - begin unless the caller holds a transaction */
static int with_tx_begin(bn_store *s, bool *own)
{
    *own = !s->in_tx;
    return *own ? bn_store_begin(s) : BN_OK;
}

/* with_tx_end - commit (or roll back on error) what with_tx_begin began */
static int with_tx_end(bn_store *s, bool own, int rc)
{
    if (!own)
        return rc;
    if (rc) {
        bn_store_rollback(s);
        return rc;
    }
    return bn_store_commit(s);
}

/* ---- folding an address ---- */

/* Most addresses have a short history: the first items live in the buffer
 * itself, so a re-fold allocates nothing (a 1.7 KB malloc and free per
 * ingested record otherwise). */
#define HIST_INLINE 16

typedef struct hist_buf {
    bn_hist_item *v; /* inline, or on the heap once grown */
    size_t n, cap;
    int err;
    bn_hist_item inline_v[HIST_INLINE];
} hist_buf;

/* hist_init - an empty buffer using its inline items */
static void hist_init(hist_buf *h)
{
    h->v = h->inline_v, h->n = 0, h->cap = HIST_INLINE, h->err = 0;
}

/* hist_free - release a grown buffer */
static void hist_free(hist_buf *h)
{
    if (h->v != h->inline_v)
        bn_free(h->v);
}

/* hist_grow - double the capacity (moving off the inline items) */
static int hist_grow(hist_buf *h)
{
    size_t cap = h->cap * 2;
    bn_hist_item *v = NULL;
    if (cap > 2 * BN_HISTORY_MAX)
        return BN_ETOOBIG;
    if (h->v == h->inline_v && (v = bn_malloc(cap * sizeof *v)))
        memcpy(v, h->inline_v, h->n * sizeof *v);
    else if (h->v != h->inline_v)
        v = bn_realloc(h->v, cap * sizeof *v);
    if (!v)
        return BN_ENOMEM;
    h->v = v, h->cap = cap;
    return BN_OK;
}

/* hist_add - collect one history item (the backend bounds the count) */
static int hist_add(void *ctx, const bn_hist_item *it)
{
    hist_buf *h = ctx;
    if (h->n == h->cap && (h->err = hist_grow(h)))
        return 1;
    h->v[h->n++] = *it;
    return 0;
}

/* hist_cmp - time order; at the same second events before manual actions */
static int hist_cmp(const void *a, const void *b)
{
    const bn_hist_item *x = a, *y = b;
    bool mx = x->cls == BN_CLASS_MANUAL, my = y->cls == BN_CLASS_MANUAL;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (mx != my)
        return mx ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* domain_of - the part after the last "@" */
static const char *domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "";
}

/* fold_without - the state as it was before item id was stored */
static void fold_without(bn_store *s, hist_buf *h, long long id, bn_class cls,
                         time_t now, bn_fold *f)
{
    size_t k = 0;
    bn_hist_item *tmp = h->v;
    for (size_t i = 0; i < h->n; i++)
        if (!(h->v[i].id == id && (h->v[i].cls == BN_CLASS_MANUAL) ==
                                      (cls == BN_CLASS_MANUAL)))
            tmp[k++] = h->v[i];
    bn_policy_fold(&s->policy, tmp, k, now, f);
}

/* same_state - two folds give the same row */
static bool same_state(const bn_fold *a, const bn_fold *b)
{
    return a->suppressed == b->suppressed &&
           (!a->suppressed ||
            (a->kind == b->kind && a->since == b->since && a->until == b->until &&
             a->event_id == b->event_id && a->manual_id == b->manual_id &&
             a->soft_count == b->soft_count && !strcmp(a->reason, b->reason)));
}

/* write_state - the list row for a fold (deleted when not suppressed) */
static int write_state(bn_store *s, const char *address, const bn_fold *f,
                       time_t now)
{
    if (!f->suppressed)
        return s->ops->supp_del(s, address); /* also an expired row */
    bn_supp_row row = {address, domain_of(address), f->kind, f->reason,
                       f->since, f->until, now, f->event_id, f->manual_id,
                       f->soft_count};
    return s->ops->supp_put(s, &row);
}

/*
 * refold - recompute an address's state after item (id, cls) was stored;
 * *became: newly suppressed now. The state before is the fold without that
 * item, so nothing is read but the history, and nothing is written when
 * the item changed nothing. id 0: no new item (rebuild), always written.
 */
static int refold(bn_store *s, const char *address, long long id, bn_class cls,
                  time_t now, bool *became)
{
    hist_buf h;
    bn_fold after, before;
    hist_init(&h);
    int rc = s->ops->history(s, address, hist_add, &h);
    if (rc == BN_OK && h.err)
        rc = h.err;
    if (rc == BN_OK) {
        qsort(h.v, h.n, sizeof *h.v, hist_cmp);
        bn_policy_fold(&s->policy, h.v, h.n, now, &after);
        if (id == 0) {
            rc = write_state(s, address, &after, now);
        } else {
            fold_without(s, &h, id, cls, now, &before);
            if (!same_state(&before, &after))
                rc = write_state(s, address, &after, now);
            if (became)
                *became = !before.suppressed && after.suppressed;
        }
    }
    hist_free(&h);
    return rc;
}

/* bn_store_refold_address - recompute one address's entry from its history */
int bn_store_refold_address(bn_store *s, const char *address)
{
    return refold(s, address, 0, BN_CLASS_IGNORE, time(NULL), NULL);
}

/* ---- ingest ---- */

/* mix64 - murmur3's finaliser */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

typedef struct hash128 {
    uint64_t a, b;
} hash128;

/* h_bytes - absorb bytes into both lanes (length-prefixed: no ambiguity) */
static void h_bytes(hash128 *h, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t len = n;
    h->a = mix64(h->a ^ len) * 0x9E3779B97F4A7C15ULL;
    h->b = mix64(h->b + len) ^ 0xD6E8FEB86659FD93ULL;
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, s, 8);
        h->a = (h->a ^ mix64(k)) * 0x87c37b91114253d5ULL + 0x52dce729;
        h->b = ((h->b + k) ^ (h->b >> 29)) * 0x4cf5ad432745937fULL;
        s += 8, n -= 8;
    }
    uint64_t k = 0;
    memcpy(&k, s, n);
    h->a = mix64(h->a ^ k ^ ((uint64_t)n << 56));
    h->b = mix64(h->b + (k * 0x9E3779B97F4A7C15ULL) + n);
}

/* h_str - absorb a span */
static void h_str(hash128 *h, bn_str v)
{
    h_bytes(h, v.p ? v.p : "", v.n);
}

/* dedup_key - identifies one failed recipient of one bounce */
static void dedup_key(unsigned char out[BN_DEDUP_LEN], const bn_record *r,
                      const char *addr, const uint64_t msg[2], size_t index)
{
    hash128 h = {0x243F6A8885A308D3ULL, 0x13198A2E03707344ULL};
    uint64_t ts = (uint64_t)r->timestamp, idx = index;
    h_bytes(&h, msg, 16);
    h_bytes(&h, &idx, sizeof idx);
    h_bytes(&h, addr, strlen(addr));
    h_bytes(&h, &ts, sizeof ts);
    h_str(&h, r->diagnostic);
    h_str(&h, r->dsn_action);
    h_str(&h, r->feedback_type);
    h_str(&h, r->message_id);
    h_bytes(&h, r->verdict.status, strlen(r->verdict.status));
    h.a = mix64(h.a ^ h.b);
    h.b = mix64(h.b + h.a);
    memcpy(out, &h.a, 8);
    memcpy(out + 8, &h.b, 8);
}

/* Addresses a message already gave an event of some class: one bounce that
   names a recipient twice (a DSN with two blocks for it) is one bounce. */
#define SEEN_MAX 64

typedef struct seen_addr {
    uint64_t hash; /* of the normalised address */
    bn_class cls;
} seen_addr;

typedef struct ingest_ctx {
    bn_store *s;
    time_t now;
    const char *source;
    uint64_t msg[2];
    bn_ingest_stats *st;
    seen_addr seen[SEEN_MAX]; /* of this message; past SEEN_MAX not looked at */
    size_t nseen;
    char strs[14][1024]; /* NUL-terminated copies of record fields */
} ingest_ctx;

/* cstr - a span as a NUL-terminated string in a fixed slot (cut to fit) */
static const char *cstr(ingest_ctx *c, unsigned slot, bn_str v)
{
    size_t n = v.n < sizeof c->strs[0] - 1 ? v.n : sizeof c->strs[0] - 1;
    if (n)
        memcpy(c->strs[slot], v.p, n);
    c->strs[slot][n] = '\0';
    return c->strs[slot];
}

/* event_time - the bounce's time; ingest time when unknown or in the future */
static time_t event_time(const bn_record *r, time_t now)
{
    if (r->timestamp <= 0 || r->timestamp > now + 24 * 3600)
        return now;
    return r->timestamp;
}

/* fill_event - the event row for a record */
static void fill_event(ingest_ctx *c, bn_event_in *ev, const bn_record *r,
                       const char *addr)
{
    const bn_verdict *v = &r->verdict;
    ev->time = event_time(r, c->now);
    ev->ingested = c->now;
    ev->stamp = r->timestamp;
    ev->cls = bn_policy_classify(&c->s->policy, r);
    ev->address = addr;
    ev->recipient = cstr(c, 0, r->recipient);
    ev->domain = domain_of(addr);
    ev->reason = bn_reason_name(v->reason);
    ev->status = v->status;
    ev->replycode = v->replycode;
    ev->hardbounce = v->hardbounce;
    ev->permanence = bn_permanence_name(v->permanence);
    ev->fault = bn_fault_name(v->fault);
    ev->diagnostic = cstr(c, 1, r->diagnostic);
    ev->rule = v->rule ? v->rule : "";
    ev->format = r->format ? r->format : "";
    ev->dsn_action = cstr(c, 2, r->dsn_action);
    ev->feedback_type = cstr(c, 3, r->feedback_type);
    ev->addresser = cstr(c, 4, r->addresser);
    ev->message_id = cstr(c, 5, r->message_id);
    ev->source = c->source ? c->source : "";
    ev->ip = r->source_ip.n ? cstr(c, 6, r->source_ip) : v->ip;
    ev->remote_mta = cstr(c, 7, r->remote_mta);
    ev->blocklist = v->blocklist ? v->blocklist : "";
}

/* repeat_in_message - the message already gave addr an event of class cls
   (two soft events from one bounce would count as two soft bounces); else
   notes it */
static bool repeat_in_message(ingest_ctx *c, const char *addr, bn_class cls)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = addr; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    for (size_t i = 0; i < c->nseen; i++)
        if (c->seen[i].hash == h && c->seen[i].cls == cls)
            return true;
    if (c->nseen < SEEN_MAX)
        c->seen[c->nseen++] = (seen_addr){h, cls};
    return false;
}

/* ingest_one - store one record and apply the policy */
static int ingest_one(ingest_ctx *c, const bn_record *r, size_t index)
{
    bn_store *s = c->s;
    char addr[BN_ADDR_MAX] = "";
    unsigned flags = s->policy.local_case_sensitive ? BN_ADDR_CASE_LOCAL : 0;
    bn_event_in ev;
    long long id;
    bool inserted, became = false;
    if (r->recipient_guessed || /* a guess is never acted on (nor folded by rebuild) */
        bn_address_normalize(addr, NULL, r->recipient.p, r->recipient.n, flags))
        addr[0] = '\0';
    fill_event(c, &ev, r, addr);
    if (addr[0] && repeat_in_message(c, addr, ev.cls)) {
        c->st->records++;
        c->st->duplicates++;
        return BN_OK;
    }
    dedup_key(ev.dedup, r, addr, c->msg, index);
    int rc = s->ops->event_put(s, &ev, &id, &inserted);
    if (rc)
        return rc;
    c->st->records++;
    c->st->no_recipient += !addr[0]; /* stored again or not: the record has none */
    if (!inserted) {
        c->st->duplicates++;
        return BN_OK;
    }
    c->st->events++;
    c->st->sender_side += ev.cls == BN_CLASS_SENDER;
    if (!addr[0])
        return BN_OK;
    if (bn_class_suppresses(ev.cls) || ev.cls == BN_CLASS_DELIVERY)
        rc = refold(s, addr, id, ev.cls, c->now, &became);
    c->st->suppressed += became;
    return rc;
}

/* bn_store_ingest - store the records of one message and apply the policy */
int bn_store_ingest(bn_store *s, const bn_record *recs, size_t n,
                    const char *source, const char *msg, size_t msg_len,
                    bn_ingest_stats *stats)
{
    bn_ingest_stats local = {0};
    /* kept with the store: one malloc per store, not per message */
    ingest_ctx *c = s->ingest_ctx ? s->ingest_ctx
                                  : (s->ingest_ctx = bn_malloc(sizeof *c));
    bool own;
    if (!c)
        return BN_ENOMEM;
    c->s = s, c->now = time(NULL), c->source = source;
    c->st = stats ? stats : &local;
    hash128 h = {0x452821E638D01377ULL, 0xBE5466CF34E90C6CULL};
    if (msg)
        h_bytes(&h, msg, msg_len);
    c->msg[0] = msg ? h.a : 0, c->msg[1] = msg ? h.b : 0;
    c->nseen = 0;
    int rc = with_tx_begin(s, &own);
    for (size_t i = 0; rc == BN_OK && i < n; i++)
        rc = ingest_one(c, &recs[i], i);
    return with_tx_end(s, own, rc);
}

/* ---- manual actions ---- */

/* login_name - who ran the command, for the audit trail */
static const char *login_name(char *buf, size_t size)
{
    const char *u = getenv("SUDO_USER");
    struct passwd *pw;
    if (!u || !*u)
        u = (pw = getpwuid(getuid())) ? pw->pw_name : NULL;
    snprintf(buf, size, "%s", u ? u : "unknown");
    return buf;
}

/* manual - record a person's action and re-fold the address */
static int manual(bn_store *s, const bn_manual *m, const char *action)
{
    char addr[BN_ADDR_MAX], who[128], recip[BN_ADDR_MAX];
    unsigned flags = s->policy.local_case_sensitive ? BN_ADDR_CASE_LOCAL : 0;
    bool own;
    long long id;
    if (bn_address_normalize(addr, NULL, m->address, m->address_len, flags)) {
        bn_store_set_error(s, "'%.*s' is not an address", (int)m->address_len,
                           m->address);
        return BN_EINVAL;
    }
    if (!m->note || !*m->note) {
        bn_store_set_error(s, "a note saying why is required");
        return BN_EINVAL;
    }
    snprintf(recip, sizeof recip, "%.*s", (int)m->address_len, m->address);
    time_t now = time(NULL);
    bn_manual_in in = {m->time ? m->time : now, m->until, addr, recip, action,
                       m->note, m->who ? m->who : login_name(who, sizeof who)};
    int rc = with_tx_begin(s, &own);
    if (rc == BN_OK)
        rc = s->ops->manual_put(s, &in, &id);
    if (rc == BN_OK)
        rc = refold(s, addr, id, BN_CLASS_MANUAL, now, NULL);
    return with_tx_end(s, own, rc);
}

/* bn_store_suppress - a person puts an address on the list */
int bn_store_suppress(bn_store *s, const bn_manual *m)
{
    return manual(s, m, "suppress");
}

/* bn_store_unsuppress - a person takes an address off the list */
int bn_store_unsuppress(bn_store *s, const bn_manual *m)
{
    return manual(s, m, "unsuppress");
}

/* ---- reading ---- */

/* norm_or_error - normalise under the list's policy; message on failure */
static int norm_or_error(bn_store *s, char *out, const char *addr, size_t len)
{
    unsigned flags = s->policy.local_case_sensitive ? BN_ADDR_CASE_LOCAL : 0;
    if (bn_address_normalize(out, NULL, addr, len, flags) == BN_OK)
        return BN_OK;
    bn_store_set_error(s, "'%.*s' is not an address", (int)(len > 200 ? 200 : len),
                       addr);
    return BN_EINVAL;
}

/* bn_store_check - is the address suppressed now? */
int bn_store_check(bn_store *s, const char *addr, size_t len,
                   bn_suppression *out)
{
    int rc = norm_or_error(s, s->addr_buf, addr, len);
    return rc ? rc : s->ops->supp_get(s, s->addr_buf, time(NULL), out);
}

/* bn_store_list - every entry in force now */
int bn_store_list(bn_store *s, const bn_list_filter *f,
                  int (*cb)(void *ctx, const bn_suppression *e), void *ctx)
{
    bn_list_filter none = {0};
    if (f && f->reason) {
        bn_reason r;
        bn_class c;
        size_t n = strlen(f->reason);
        if (bn_reason_from_name(&r, f->reason, n) &&
            bn_class_from_name(&c, f->reason, n)) {
            bn_store_set_error(s, "unknown reason '%s'", f->reason);
            return BN_EINVAL;
        }
    }
    return s->ops->supp_iter(s, f ? f : &none, time(NULL), cb, ctx);
}

/* bn_store_history - events and manual actions of an address */
int bn_store_history(bn_store *s, const char *addr, size_t len,
                     int (*cb)(void *ctx, const bn_event *e), void *ctx)
{
    char a[BN_ADDR_MAX];
    int rc = norm_or_error(s, a, addr, len);
    return rc ? rc : s->ops->event_history(s, a, cb, ctx);
}

/* bn_store_events - every event since a time */
int bn_store_events(bn_store *s, time_t since,
                    int (*cb)(void *ctx, const bn_event *e), void *ctx)
{
    return s->ops->event_iter(s, since, cb, ctx);
}
