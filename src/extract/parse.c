/*
 * parse.c - bn_parse(): one message in, its records out
 *
 * The cascade (docs/ARCHITECTURE.md): ARF -> delivery-status -> auto-reply
 * -> format decoders -> generic scanner. The first stage that yields
 * records decides; later stages may only enrich (fill a missing
 * diagnostic). Then every record is classified and given its evidence.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "extract/extract.h"

struct bn_parser {
    bn_parse_opts opts;
    bn_arena arena;
    void *iconv_cache;
    bn_xcache *cache;       /* phrase matchers, built once for all messages */
    bn_record *out;
    size_t nout;
    unsigned anomalies;
    bn_headers top; /* the last message's own header (arena: until the next parse) */
};

/* arena_cap - the parser's arena limit, from the message and decode limits */
static size_t arena_cap(const bn_parse_opts *o)
{
    size_t cap = o->max_message_size + 2 * o->max_decoded;
    size_t extra = 64u << 20;
    return cap > SIZE_MAX - extra ? SIZE_MAX : cap + extra;
}

/* bn_parser_new - a parser with its own arena; opts NULL for the defaults */
int bn_parser_new(bn_parser **out, const bn_parse_opts *opts)
{
    static const bn_parse_opts defaults = BN_PARSE_OPTS_INIT;
    if (!out)
        return BN_EINVAL;
    *out = NULL;
    if (opts && opts->version != BN_PARSE_OPTS_VERSION)
        return BN_EINVAL;
    bn_parser *p = bn_calloc(1, sizeof *p);
    if (!p)
        return BN_ENOMEM;
    p->cache = bn_xcache_new();
    if (!p->cache) {
        bn_free(p);
        return BN_ENOMEM;
    }
    p->opts = opts ? *opts : defaults;
    if (p->opts.max_recipients == 0)
        p->opts.max_recipients = 1;
    bn_arena_init(&p->arena, arena_cap(&p->opts));
    *out = p;
    return BN_OK;
}

/* bn_parser_free - release the parser, its arena and charset converters */
void bn_parser_free(bn_parser *p)
{
    if (!p)
        return;
    bn_iconv_cache_free(&p->iconv_cache);
    bn_xcache_free(p->cache);
    bn_arena_free(&p->arena);
    bn_free(p);
}

/* bn_parser_anomalies - BN_ANOM_* flags of the last message parsed */
unsigned bn_parser_anomalies(const bn_parser *p)
{
    return p ? p->anomalies : 0;
}

/* bn_parser_message_id - the last message's own Message-ID into buf: folds,
   controls and runs of blanks as one space, none at either end */
size_t bn_parser_message_id(const bn_parser *p, char *buf, size_t size)
{
    bn_str v;
    size_t o = 0;
    if (!buf || !size)
        return 0;
    if (p && bn_hdr_find(&p->top, "Message-ID", &v))
        for (size_t i = 0; i < v.n && o + 1 < size; i++) {
            unsigned char c = (unsigned char)v.p[i];
            bool blank = c <= ' ' || c == 0x7f;
            if (!blank)
                buf[o++] = (char)c;
            else if (o && buf[o - 1] != ' ')
                buf[o++] = ' ';
        }
    while (o && buf[o - 1] == ' ')
        o--;
    buf[o] = '\0';
    return o;
}

/* run_decoders - the first format decoder that recognises the message */
static int run_decoders(bn_xctx *x)
{
    for (size_t i = 0; i < bn_decoders_count; i++) {
        const bn_decoder *d = bn_decoders[i];
        if (!d->detect(x))
            continue;
        int rc = d->decode(x);
        if (rc || x->n)
            return rc;
    }
    return BN_OK;
}

/* run_enrichers - let format decoders complete records of a standard report
   (each checks for itself whether it has anything to add: most reports need
   nothing, and a format's detect() may read the whole text) */
static int run_enrichers(bn_xctx *x)
{
    for (size_t i = 0; i < bn_decoders_count; i++) {
        const bn_decoder *d = bn_decoders[i];
        if (d->enrich) {
            int rc = d->enrich(x);
            if (rc)
                return rc;
        }
    }
    return bn_x_scan_enrich(x);
}

/* cascade - run the stages until one yields records */
static int cascade(bn_xctx *x)
{
    bool arf = false;
    int rc = bn_x_original(x);
    if (!rc)
        rc = bn_x_arf(x, &arf);
    if (rc || arf)
        return rc;
    if (bn_x_human_reply(x)) /* quotes a bounce, pastes DSN fields: a conversation */
        return bn_x_autoreply_detect(x) ? bn_x_autoreply(x) : BN_OK;
    rc = bn_x_dsn(x);
    if (rc)
        return rc;
    if (x->n)
        return run_enrichers(x);
    if (bn_x_autoreply_detect(x) && !bn_x_looks_like_bounce(x))
        return bn_x_autoreply(x);
    rc = run_decoders(x);
    if (rc || x->n)
        return rc;
    return bn_x_scan(x);
}

/* original_fields - Message-ID, Subject, List-Id and sender of the returned original */
static void original_fields(bn_xctx *x, bn_record *r)
{
    bn_headers *h = &x->orig.hdrs;
    if (!x->orig.found)
        return;
    if (!r->message_id.n) {
        bn_str id = bn_x_field_value(x->arena, h, "Message-ID");
        r->message_id = bn_str_trim(id);
    }
    if (!r->subject.n)
        r->subject = bn_hdr_get(x->msg, h, "Subject");
    if (!r->list_id.n)
        r->list_id = bn_hdr_get(x->msg, h, "List-Id");
}

/* bounce_to - the one address of the bounce's own To: (a mail system sends
   a bounce to the original's envelope sender); empty when it names none or
   several, or when the message is a complaint (sent to a feedback address) */
static bn_str bounce_to(bn_xctx *x)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->v[i].r.feedback_type.n)
            return BN_STR_NULL;
    bn_str to = bn_x_top(x, BN_XTOP_TO);
    const char *at = to.n ? memchr(to.p, '@', to.n) : NULL;
    if (!at || memchr(at + 1, '@', (size_t)(to.p + to.n - at - 1)))
        return BN_STR_NULL;
    bn_str a = bn_x_addr_field(to);
    return a.n && bn_x_addr_valid(a) ? a : BN_STR_NULL;
}

/* find_addresser - original From, else Return-Path, else the report's
   sender; with no copy of the original and no sender in the report, the
   bounce's own To: */
static void find_addresser(bn_xctx *x)
{
    bn_str a = BN_STR_NULL;
    if (x->orig.found) {
        a = bn_x_addr_field(bn_x_field_value(x->arena, &x->orig.hdrs, "From"));
        if (!a.n)
            a = bn_x_addr_field(bn_x_field_value(x->arena, &x->orig.hdrs, "Return-Path"));
    }
    if (a.n && bn_x_addr_valid(a))
        x->addresser = a;
    else if (!x->addresser.n && x->n && x->msg->nparts)
        x->addresser = bounce_to(x);
}

/* apply_forced - a reason decided by format knowledge (DSN Action, ARF, RFC 3834) */
static void apply_forced(bn_xrec *x, bn_verdict *v)
{
    v->reason = x->reason;
    v->rule = x->reason_rule ? x->reason_rule : "format";
    v->hardbounce = false;
    switch (x->reason) {
    case BN_REASON_DELIVERED:
    case BN_REASON_VACATION:
        v->permanence = BN_PERM_UNKNOWN;
        v->fault = BN_FAULT_NONE;
        v->action = BN_ACTION_NONE;
        break;
    case BN_REASON_FEEDBACK:
        v->permanence = BN_PERM_PERMANENT;
        v->fault = BN_FAULT_RECIPIENT;
        v->action = BN_ACTION_SUPPRESS;
        break;
    case BN_REASON_MAILERERROR:
        v->fault = BN_FAULT_REMOTE_SYSTEM;
        v->action = BN_ACTION_RETRY;
        break;
    case BN_REASON_EXPIRED:
        v->permanence = BN_PERM_TRANSIENT;
        v->fault = BN_FAULT_NETWORK;
        v->action = BN_ACTION_RETRY;
        break;
    default:
        break;
    }
}

/* weak_verdict - the classifier found no phrase: nothing, or only a code's class */
static bool weak_verdict(const bn_verdict *v)
{
    return v->reason == BN_REASON_UNDEFINED || v->reason == BN_REASON_ONHOLD ||
           !strncmp(v->rule, "status.", 7) || !strncmp(v->rule, "reply.", 6);
}

/* generic_verdict - weak_verdict, but a status only when its detail is
   generic (X.Y.0): "status.x.2.2" (mailbox full) names a cause */
static bool generic_verdict(const bn_verdict *v)
{
    if (!weak_verdict(v))
        return false;
    size_t n = strlen(v->rule);
    return strncmp(v->rule, "status.", 7) || (n > 2 && !strcmp(v->rule + n - 2, ".0"));
}

/* is_expired - the queue lifetime ran out (x.4.7, or "failed" with a 4xx status) */
static bool is_expired(const bn_xrec *r, const bn_verdict *v)
{
    bn_str st = r->status;
    bool vague = v->reason == BN_REASON_UNDEFINED || v->reason == BN_REASON_ONHOLD;
    /*
     * A delay notice ("Action: delayed") whose text names no clearer cause
     * than a code's class (a bare "421", Status 4.4.0 or 4.5.0: the generic
     * X.Y.0 details say nothing of why): the message has sat in the queue too
     * long, which is what "expired" means in the reason vocabulary (Sisimai's,
     * which the corpus labels follow: delay notices are labelled expired).
     * A phrase ("No route to host") is a clearer cause and stays. The record
     * stays transient: a delay never suppresses.
     */
    if (r->temporary)
        return generic_verdict(v);
    /* the last attempt's reply, when it says more, is the reason it expired;
       a transient code alone ("#4.4.1", "#4.1.2": no answer, no DNS answer
       this time) says less than that the queue gave up */
    if (r->queue_expired || (st.n == 5 && st.p[2] == '4' && st.p[4] == '7'))
        return vague || (weak_verdict(v) && st.n && st.p[0] == '4');
    if (r->temporary || !bn_str_eq_ci(r->r.dsn_action, "failed"))
        return false;
    return st.n && st.p[0] == '4' && v->reason == BN_REASON_UNDEFINED;
}

/* is_mailer_error - "Diagnostic-Code: X-Unix; 75": the local delivery program
   (procmail, a pipe) failed, and the text says nothing more precise */
static bool is_mailer_error(const bn_xrec *r, const bn_verdict *v)
{
    return bn_str_eq_ci(r->r.diagnostic_type, "x-unix") && weak_verdict(v);
}

/* classify - the verdict of one record */
static void classify(bn_xrec *r)
{
    bn_reply in = {0};
    in.replycode = r->replycode;
    in.status = r->status.n ? r->status.p : NULL;
    in.status_len = r->status.n;
    in.text = r->r.diagnostic.p;
    in.text_len = r->r.diagnostic.n;
    in.command = r->r.command.n ? r->r.command.p : NULL;
    in.command_len = r->r.command.n;
    /* the remote MTA's name identifies the provider when its reply does not
       name itself (a relay quoting "550 : User unknown" from msmx.au.com) */
    in.host = r->r.remote_mta.n ? r->r.remote_mta.p : NULL;
    in.host_len = r->r.remote_mta.n;
    bn_classify(&r->r.verdict, &in);
    bn_verdict *v = &r->r.verdict;
    if (r->reason == BN_REASON_VACATION &&
        (v->reason == BN_REASON_SUSPEND || v->reason == BN_REASON_HASMOVED)) {
        r->r.reason_src = "auto-reply text"; /* "this mailbox is no longer in use" */
        return;
    }
    if (r->reason == BN_REASON_UNDEFINED && is_mailer_error(r, v)) {
        r->reason = BN_REASON_MAILERERROR;
        r->reason_rule = "dsn-x-unix";
        r->r.reason_src = "DSN Diagnostic-Code type X-Unix";
    }
    if (r->reason == BN_REASON_UNDEFINED && v->reason != BN_REASON_EXPIRED && is_expired(r, v)) {
        bn_str st = r->status;
        r->reason = BN_REASON_EXPIRED;
        r->reason_rule = "dsn-queue-expired";
        r->r.reason_src = st.n == 5 && st.p[2] == '4' && st.p[4] == '7'
                              ? "DSN status: delivery time expired"
                              : "the report: the queue lifetime ran out";
    }
    if (r->reason != BN_REASON_UNDEFINED)
        apply_forced(r, v);
    else if (!r->r.reason_src)
        r->r.reason_src = "classifier";
    if (r->weak_recipient && v->action == BN_ACTION_SUPPRESS)
        v->action = BN_ACTION_REVIEW;
    if (r->temporary && r->reason != BN_REASON_DELIVERED) {
        v->permanence = BN_PERM_TRANSIENT;
        v->hardbounce = false;
        if (v->action == BN_ACTION_SUPPRESS)
            v->action = BN_ACTION_RETRY;
    }
}

/* original_single_to - the one address the returned original was sent to, when
   it was sent to exactly one and is no list mail; else empty */
static bn_str original_single_to(bn_xctx *x)
{
    bn_headers *h = &x->orig.hdrs;
    if (!x->orig.found || bn_x_field_value(x->arena, h, "Cc").n ||
        bn_x_field_value(x->arena, h, "List-Id").n ||
        bn_x_field_value(x->arena, h, "List-Unsubscribe").n)
        return BN_STR_NULL;
    bn_str to = bn_x_field_value(x->arena, h, "To");
    size_t pos = 0;
    bn_str a = bn_x_addr_scan(to, &pos);
    if (!a.n || bn_x_addr_scan(to, &pos).n)
        return BN_STR_NULL;
    return a;
}

/*
 * last_resort - the report names no recipient at all. The original's To is
 * not evidence of failure (Bcc, aliases, lists), so it is used only when it
 * names a single address of a non-list message, marked as a guess: the
 * record asks for review instead of suppression.
 */
static void last_resort(bn_xctx *x, bn_xrec *r)
{
    if (x->n != 1)
        return;
    bn_str a = original_single_to(x);
    if (!a.n)
        return;
    r->r.recipient = a;
    r->r.recipient_src = "returned original's To (guess: the report names no recipient)";
    r->r.recipient_guessed = true;
    r->weak_recipient = true;
}

/*
 * says_retrying - the bounce's text announces that delivery goes on: a delay
 * warning (Postfix/Sendmail/Courier "warning (message) only", Exim "delivery
 * attempts will continue", Exchange "will continue to be attempted"), not
 * on the original's quoted Subject line, and no final word ("will not be
 * retried", "giving up") after it.
 */
static bool says_retrying(const bn_xctx *x)
{
    /* a final report may tell the delay that led to it */
    static const char *const final[] = {"will not be retried", "no further attempts",
                                        "giving up", "retry timeout exceeded"};
    static const char *const ph[] = {
        "will be retried", "still being retried", "will retry", "will keep trying",
        "will keep on trying", "will continue to try", "will continue trying",
        "attempts will continue", "will continue to be attempted", "is a warning only",
        "is a warning message only", "not yet been delivered", "has been delayed",
        "is delayed to", "delivery delayed",
        /* OpenSMTPD: "A message is delayed for more than 4 hours ...",
           "this is only a temporary failure report" */
        "is delayed for more than", "only a temporary failure report",
        "not been delivered yet"};
    return bn_x_text_says(x, ph, sizeof ph / sizeof ph[0]) &&
           !bn_x_text_says(x, final, sizeof final / sizeof final[0]);
}

/*
 * cap_diagnostic - the server's text may be no longer than one header
 * (max_header_size): a hostile 10 MB Diagnostic-Code must not become a 10 MB
 * JSON line and stored event. Cut at a UTF-8 boundary and flag it.
 */
static void cap_diagnostic(bn_xctx *x, bn_record *o)
{
    size_t n = x->opts->max_header_size;
    if (!n || o->diagnostic.n <= n)
        return;
    while (n && ((unsigned char)o->diagnostic.p[n] & 0xC0) == 0x80)
        n--;
    o->diagnostic.n = n;
    x->msg->anomalies |= BN_ANOM_HEADER_LIMIT;
}

/* needs_retry_check - a record that says_retrying() could change (no DSN
   Action, no reason yet): most have one, and the phrase search reads the
   whole text */
static bool needs_retry_check(const bn_xctx *x)
{
    for (size_t i = 0; i < x->n; i++)
        if (!x->v[i].r.dsn_action.n && x->v[i].reason == BN_REASON_UNDEFINED)
            return true;
    return false;
}

/* The message's Date, parsed on first use: most records carry their own. */
typedef struct lazy_date {
    bn_xctx *x;
    time_t t;
    bool done;
} lazy_date;

/* lazy_date_get - the time of the bounce's Date (0 when absent or
   unreadable); the field is looked up only here: most records carry their
   own date, and a message without records needs none */
static time_t lazy_date_get(lazy_date *d)
{
    if (!d->done) {
        bn_str date = bn_x_top(d->x, BN_XTOP_DATE);
        d->t = date.n ? bn_x_date(date) : 0;
        d->done = true;
    }
    return d->t;
}

/* finalize_one - normalise, date, evidence and verdict of one record;
   retrying: the text says delivery goes on */
static void finalize_one(bn_xctx *x, bn_xrec *r, lazy_date *msg_date, bn_str verp,
                         bool retrying)
{
    bn_record *o = &r->r;
    if (retrying && !o->dsn_action.n && r->reason == BN_REASON_UNDEFINED &&
        !bn_x_final_code(r)) {
        /* no DSN says otherwise: a delay warning, what a DSN would call
           Action: delayed (so the list ignores it: the MTA still retries,
           and three warnings of one message are no three failures) */
        r->temporary = true;
        o->dsn_action = BN_STR("delayed");
    }
    if (!o->recipient.n && verp.n) {
        o->recipient = verp;
        o->recipient_src = "VERP envelope recipient";
    }
    if (!o->recipient.n)
        last_resort(x, r);
    o->recipient = bn_x_addr_norm(x->arena, o->recipient);
    if (!o->addresser.n)
        o->addresser = x->addresser;
    original_fields(x, o);
    o->timestamp = r->date.n ? bn_x_date(r->date) : 0;
    if (!o->timestamp)
        o->timestamp = lazy_date_get(msg_date);
    cap_diagnostic(x, o);
    o->anomalies = x->msg->anomalies;
    classify(r);
    if (!o->status_src && o->verdict.status[0])
        o->status_src = o->verdict.status_derived ? "reply code" : "diagnostic text";
    if (!o->recipient_src)
        o->recipient_src = "none";
}

/* finalize - turn the extraction records into the parser's public records */
static int finalize(bn_parser *p, bn_xctx *x)
{
    find_addresser(x);
    lazy_date msg_date = {x, 0, false};
    bn_str verp = bn_x_verp(x->arena, p->opts.envelope_to);
    p->out = x->n ? bn_arena_calloc(x->arena, x->n, sizeof *p->out) : NULL;
    if (x->n && !p->out)
        return BN_ENOMEM;
    bool retrying = needs_retry_check(x) && says_retrying(x); /* once: the text may be long */
    for (size_t i = 0; i < x->n; i++) {
        finalize_one(x, &x->v[i], &msg_date, verp, retrying);
        p->out[i] = x->v[i].r;
    }
    p->nout = x->n;
    if (x->over_limit)
        x->msg->anomalies |= BN_ANOM_RECIPIENT_LIMIT;
    for (size_t i = 0; i < p->nout; i++)
        p->out[i].anomalies = x->msg->anomalies;
    return BN_OK;
}

/* bn_parse - read one message and produce its records */
int bn_parse(bn_parser *p, const char *buf, size_t len, const bn_record **recs, size_t *count)
{
    if (!p || !recs || !count || (!buf && len))
        return BN_EINVAL;
    *recs = NULL;
    *count = 0;
    p->nout = 0;
    p->anomalies = 0;
    p->top = (bn_headers){NULL, 0};
    bn_arena_reset(&p->arena);
    bn_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.arena = &p->arena;
    msg.opts = &p->opts;
    msg.iconv_cache = p->iconv_cache;
    int rc = bn_msg_parse(&msg, buf, len);
    p->iconv_cache = msg.iconv_cache;
    if (rc)
        return rc;
    if (msg.nparts)
        p->top = msg.parts[0].hdrs;
    bn_xctx x;
    memset(&x, 0, sizeof x);
    x.msg = &msg;
    x.arena = &p->arena;
    x.opts = &p->opts;
    x.cache = p->cache;
    rc = cascade(&x);
    if (!rc)
        rc = x.oom;
    if (!rc)
        rc = finalize(p, &x);
    /* a helper that ran out of arena memory may have degraded quietly (an
       empty subject, an unlowered domain): the answer would differ, so fail */
    if (!rc && p->arena.failed)
        rc = BN_ENOMEM;
    p->iconv_cache = msg.iconv_cache;
    p->anomalies = msg.anomalies;
    if (rc)
        return rc;
    *recs = p->out;
    *count = p->nout;
    return BN_OK;
}
