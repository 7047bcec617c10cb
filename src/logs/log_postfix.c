/*
 * log_postfix.c - Postfix delivery lines
 *
 *   qmgr:    QID: from=<sender>, size=1234, nrcpt=2 (queue active)
 *   cleanup: QID: message-id=<id@host>
 *   smtp, lmtp, local, virtual, error, retry, pipe, discard:
 *            QID: to=<rcpt>[, orig_to=<orig>], relay=HOST[IP]:25, ...,
 *                 dsn=5.1.1, status=bounced (host H[IP] said: 550 5.1.1
 *                 ... (in reply to RCPT TO command))
 *   qmgr:    QID: from=<sender>, status=expired, returned to sender
 *   qmgr:    QID: removed
 * The expiry line names no recipient: the recipients are the ones deferred
 * earlier for that queue id, kept in the defer map (key "QID:hash").
 * Multi-instance setups rename the syslog tag ("postfix-out/smtp"): the
 * daemon is the last component of the tag.
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "logs/logs.h"

#define PF_MTA 'p'       /* namespace of Postfix ids in the sender map */
#define PF_DEFER_MTA BN_LOG_DEFER_MTA /* namespace of deferred recipients */

/* daemon_of - the last component of the program name */
static bn_str daemon_of(bn_str prog)
{
    size_t i = prog.n;
    while (i > 0 && prog.p[i - 1] != '/')
        i--;
    return bn_log_after(prog, i);
}

/* is_agent - a Postfix delivery agent that logs "to=... status=" lines */
static bool is_agent(bn_str d)
{
    static const char *const agents[] = {"smtp", "lmtp", "local", "virtual",
                                         "error", "retry", "pipe", "discard"};
    if (d.n < 4 || d.n > 7)
        return false;
    for (size_t i = 0; i < sizeof(agents) / sizeof(agents[0]); i++)
        if (agents[i][0] == d.p[0] && strlen(agents[i]) == d.n &&
            memcmp(agents[i], d.p, d.n) == 0)
            return true;
    return false;
}

/* eq - span equals the literal exactly */
static bool eq(bn_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* bn_log_is_postfix - a Postfix syslog tag ("postfix/smtp", "pf-out/qmgr") */
bool bn_log_is_postfix(bn_str prog)
{
    if (BN_LOG_PREFIX(prog, "postfix"))
        return true;
    bn_str d = daemon_of(prog);
    if (d.n == prog.n)
        return false;
    return is_agent(d) || eq(d, "qmgr") || eq(d, "cleanup") || eq(d, "postsuper");
}

/* The fields of a delivery line. */
typedef struct pf_fields {
    bn_str to, orig_to, relay, dsn, status, from;
} pf_fields;

/* field_value - value at s: "<...>" up to ">, " or the rest; else up to ", " */
static bn_str field_value(bn_str s, bool is_status)
{
    if (is_status)
        return s;
    if (s.n && s.p[0] == '<') {
        const char *e = BN_LOG_FIND(s, ">, ");
        if (e)
            return (bn_str){s.p, (size_t)(e - s.p) + 1};
        if (s.p[s.n - 1] == '>')
            return s;
    }
    const char *c = BN_LOG_FIND(s, ", ");
    return (bn_str){s.p, c ? (size_t)(c - s.p) : s.n};
}

/* assign - store a known field; the others (delay, conn_use...) are skipped */
static void assign(pf_fields *f, bn_str key, bn_str v)
{
    if (eq(key, "to"))
        f->to = v;
    else if (eq(key, "orig_to"))
        f->orig_to = v;
    else if (eq(key, "relay"))
        f->relay = v;
    else if (eq(key, "dsn"))
        f->dsn = v;
    else if (eq(key, "from"))
        f->from = v;
}

/* pf_fields_parse - "k=v, k=v, ..., status=REST"; true when status= was seen */
static bool pf_fields_parse(pf_fields *f, bn_str s)
{
    memset(f, 0, sizeof(*f));
    while (s.n) {
        size_t k = 0;
        while (k < s.n && (bn_is_alpha((unsigned char)s.p[k]) || s.p[k] == '_'))
            k++;
        if (k == 0 || k >= s.n || s.p[k] != '=')
            return false;
        bn_str key = {s.p, k};
        bool st = eq(key, "status");
        bn_str v = field_value(bn_log_after(s, k + 1), st);
        if (st) {
            f->status = v;
            return true;
        }
        assign(f, key, v);
        s = bn_log_after(s, k + 1 + v.n);
        if (!BN_LOG_PREFIX(s, ", "))
            return false;
        s = bn_log_after(s, 2);
    }
    return false;
}

/* status_word - "bounced (...)" -> the status; NONE when unknown */
static bn_logstatus status_word(bn_str s, size_t *len)
{
    static const struct {
        const char *w;
        bn_logstatus st;
    } words[] = {{"sent", BN_LOGST_SENT},
                 {"bounced", BN_LOGST_BOUNCED},
                 {"deferred", BN_LOGST_DEFERRED},
                 {"expired", BN_LOGST_EXPIRED}};
    size_t n = 0;
    while (n < s.n && bn_is_alpha((unsigned char)s.p[n]))
        n++;
    *len = n;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (eq((bn_str){s.p, n}, words[i].w))
            return words[i].st;
    return BN_LOGST_NONE;
}

/* rtrim - without trailing spaces and CR */
static bn_str rtrim(bn_str s)
{
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

/* in_reply - split "TEXT (in reply to RCPT TO command)" into text and command */
static void in_reply(bn_logev *ev)
{
    bn_str t = ev->text;
    const char *last = NULL, *p;
    bn_str rest = t;
    while ((p = BN_LOG_FIND(rest, "(in reply to ")) != NULL) {
        last = p;
        rest = bn_log_after(t, (size_t)(p - t.p) + 1);
    }
    if (!last)
        return;
    bn_str phrase = bn_log_after(t, (size_t)(last - t.p) + 13);
    ev->command = bn_log_command(phrase);
    ev->text = rtrim((bn_str){t.p, (size_t)(last - t.p)});
}

/* while_phrase - "... while sending RCPT TO" -> the command */
static bn_str while_phrase(bn_str t)
{
    static const char *const lead[] = {" while sending ", " while receiving the ",
                                       " while performing the "};
    for (size_t i = 0; i < 3; i++) {
        const char *w = bn_log_find(t, lead[i], strlen(lead[i]));
        if (w)
            return bn_log_command(bn_log_after(t, (size_t)(w - t.p) + strlen(lead[i])));
    }
    return BN_STR_NULL;
}

/* host_after - the host name following a literal inside t, or empty */
static bn_str host_after(bn_str t, const char *lit)
{
    const char *h = bn_log_find(t, lit, strlen(lit));
    if (!h)
        return BN_STR_NULL;
    return bn_log_hostname(bn_log_after(t, (size_t)(h - t.p) + strlen(lit)));
}

/* looks_reply - text starts with an SMTP reply code ("250 ", "550-") */
static bool looks_reply(bn_str t)
{
    return t.n >= 4 && t.p[0] >= '2' && t.p[0] <= '5' &&
           bn_is_digit((unsigned char)t.p[1]) && bn_is_digit((unsigned char)t.p[2]) &&
           (t.p[3] == ' ' || t.p[3] == '-');
}

/* pf_text - read the parenthesised status text: who said what, when */
static void pf_text(bn_logev *ev, bn_str t)
{
    const char *m;
    ev->text = t;
    if (BN_LOG_PREFIX(t, "host ") && (m = BN_LOG_FIND(t, " said: ")) != NULL) {
        ev->relay = bn_log_hostname(bn_log_after(t, 5));
        ev->text = bn_log_after(t, (size_t)(m - t.p) + 7);
        ev->remote = true;
        in_reply(ev);
        return;
    }
    if (BN_LOG_PREFIX(t, "host ") &&
        (m = BN_LOG_FIND(t, " refused to talk to me: ")) != NULL) {
        ev->relay = bn_log_hostname(bn_log_after(t, 5));
        ev->text = bn_log_after(t, (size_t)(m - t.p) + 24);
        ev->remote = true;
        ev->command = BN_STR("CONN");
        return;
    }
    bn_str h = host_after(t, "connect to ");
    if (!h.n)
        h = host_after(t, "lost connection with ");
    if (!h.n)
        h = host_after(t, "conversation with ");
    if (h.n) {
        ev->relay = h;
        ev->command = while_phrase(t);
    }
    ev->remote = looks_reply(t);
}

/*
 * text_complete - the "(text)" of a status reached its end: the closing
 * parenthesis is there, and a reply quoted by Postfix ends with its "(in
 * reply to ... command))" (a cut reply can end in a ')' of its own).
 */
static bool text_complete(bn_str t)
{
    if (!t.n || t.p[t.n - 1] != ')')
        return false;
    if (BN_LOG_FIND(t, " said: ") && BN_LOG_FIND(t, "(in reply to "))
        return t.n >= 9 && memcmp(t.p + t.n - 9, "command))", 9) == 0;
    return true;
}

/* delivery - a "to=" line of a delivery agent (or qmgr) */
static bn_logres delivery(bn_logstate *st, bn_str qid, bn_str body, bn_logout *out)
{
    pf_fields f;
    size_t wl;
    if (!pf_fields_parse(&f, body))
        return f.to.n ? BN_LOGRES_TRUNCATED : BN_LOGRES_GARBAGE;
    bn_logstatus status = status_word(f.status, &wl);
    if (status == BN_LOGST_NONE)
        return wl == f.status.n ? BN_LOGRES_TRUNCATED : BN_LOGRES_SKIP;
    bn_str rcpt = bn_log_unbracket(f.to);
    if (!rcpt.n)
        return BN_LOGRES_GARBAGE; /* "to=<>": Postfix never logs it; a record needs a recipient */
    bn_logev *ev = bn_logout_add(out);
    if (!ev)
        return BN_LOGRES_SKIP;
    ev->format = "log-postfix";
    ev->mta = PF_MTA;
    ev->status = status;
    ev->qid = qid;
    ev->rcpt = rcpt;
    ev->orig_rcpt = bn_log_unbracket(f.orig_to);
    ev->rcpt_src = "log: to=";
    ev->dsn = f.dsn;
    if (!eq(f.relay, "none"))
        ev->relay = bn_log_hostname(f.relay);
    bn_str rest = rtrim(bn_log_after(f.status, wl));
    if (BN_LOG_PREFIX(rest, " (")) {
        bn_str t = bn_log_after(rest, 2);
        ev->truncated = !text_complete(t);
        if (!ev->truncated)
            t.n--;
        pf_text(ev, t);
    } else if (status != BN_LOGST_EXPIRED) {
        ev->truncated = true; /* Postfix always gives these a "(text)" */
    }
    bn_log_defer_note(st, ev);
    return BN_LOGRES_EVENT;
}

/* expired - "from=<s>, status=expired": the recipients deferred before */
static bn_logres expired(bn_logstate *st, bn_str qid, bn_logout *out)
{
    bn_qmap *m = &st->defers;
    bn_logres res = BN_LOGRES_SKIP;
    for (uint32_t i = 0; i < m->cap; i++) {
        bn_qentry *e = &m->ring[i];
        if (!bn_log_defer_of(e, qid))
            continue;
        bn_logev *ev = bn_logout_add(out);
        if (!ev)
            break;
        ev->format = "log-postfix";
        ev->mta = PF_MTA;
        ev->status = BN_LOGST_EXPIRED;
        ev->qid = qid;
        ev->rcpt = (bn_str){e->sender, e->slen};
        ev->rcpt_src = "log: to= of an earlier deferral";
        bn_log_defer_reply(m, e, ev);
        /* the entry's bytes stay intact until its ring slot is reused */
        bn_qmap_del(m, PF_DEFER_MTA, (bn_str){e->id, e->idlen});
        res = BN_LOGRES_EVENT;
    }
    bn_qmap_del(m, BN_LOG_DEFER_MARK, qid);
    return res;
}

/* qmgr - sender bookkeeping, expiry and removal */
static bn_logres qmgr(bn_logstate *st, bn_str qid, bn_str body, bn_logout *out)
{
    if (eq(rtrim(body), "removed")) {
        bn_qmap_del(&st->senders, PF_MTA, qid);
        bn_log_defer_forget(st, qid);
        return BN_LOGRES_STATE;
    }
    if (!BN_LOG_PREFIX(body, "from=<"))
        return BN_LOGRES_OTHER;
    pf_fields f;
    bool has_status = pf_fields_parse(&f, body);
    bn_str from = bn_log_unbracket(f.from);
    if (f.from.n)
        bn_qmap_put(&st->senders, PF_MTA, qid, &from, NULL);
    if (has_status && BN_LOG_PREFIX(f.status, "expired"))
        return expired(st, qid, out);
    return f.from.n ? BN_LOGRES_STATE : BN_LOGRES_TRUNCATED;
}

/* cleanup - "message-id=<...>": the Message-ID of the queued message */
static bn_logres cleanup(bn_logstate *st, bn_str qid, bn_str body)
{
    if (!BN_LOG_PREFIX(body, "message-id="))
        return BN_LOGRES_OTHER;
    bn_str id = bn_log_unbracket(rtrim(bn_log_after(body, 11)));
    bn_qmap_put(&st->senders, PF_MTA, qid, NULL, &id);
    return BN_LOGRES_STATE;
}

/* bn_log_postfix - one Postfix message text */
bn_logres bn_log_postfix(bn_logstate *st, bn_str prog, bn_str text, bn_logout *out)
{
    size_t q = bn_log_qid(text, 5, 20);
    if (!q || q + 2 > text.n || text.p[q] != ':' || text.p[q + 1] != ' ')
        return BN_LOGRES_OTHER;
    bn_str qid = {text.p, q};
    bn_str body = bn_log_after(text, q + 2);
    bn_str d = daemon_of(prog);
    if (eq(d, "qmgr"))
        return BN_LOG_PREFIX(body, "to=<") ? delivery(st, qid, body, out)
                                           : qmgr(st, qid, body, out);
    if (eq(d, "cleanup"))
        return cleanup(st, qid, body);
    if (eq(d, "postsuper")) /* "QID: removed": deleted by the administrator */
        return eq(rtrim(body), "removed") ? qmgr(st, qid, body, out) : BN_LOGRES_OTHER;
    if (is_agent(d) && BN_LOG_PREFIX(body, "to=<"))
        return delivery(st, qid, body, out);
    return BN_LOGRES_OTHER;
}
