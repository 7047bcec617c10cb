/*
 * log_sendmail.c - Sendmail delivery lines
 *
 *   QID: from=<sender>, size=1234, class=0, nrcpts=2, msgid=<id@x>,
 *        proto=ESMTP, daemon=MTA, relay=client.example [192.0.2.7]
 *   QID: to=<a@x>,<b@x>, [ctladdr=<u> (1000/1000),] delay=00:00:01,
 *        xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.x. [192.0.2.1],
 *        dsn=5.1.1, stat=User unknown
 * One "to=" line may list several recipients (one delivery transaction):
 * each becomes a record. stat= is last and runs to the end of the line:
 * "Sent (...)", "Deferred: reason", "queued", or the failure text. Field
 * values may hold spaces (relay=, ctladdr=), so fields are split at ", "
 * followed by a lowercase "key=".
 */
#include <string.h>

#include "core/str.h"
#include "logs/logs.h"

#define SM_MTA 's'

/* bn_log_is_sendmail - the syslog tags of Sendmail ("sendmail", "sm-mta") */
bool bn_log_is_sendmail(bn_str prog)
{
    return BN_LOG_PREFIX(prog, "sendmail") || BN_LOG_PREFIX(prog, "sm-mta") ||
           BN_LOG_PREFIX(prog, "sm-msp-queue");
}

typedef struct sm_fields {
    bn_str to, from, msgid, relay, dsn, stat;
} sm_fields;

/* key_at - length of "key=" at s (lowercase letters), 0 if none */
static size_t key_at(bn_str s)
{
    size_t i = 0;
    while (i < s.n && s.p[i] >= 'a' && s.p[i] <= 'z')
        i++;
    return (i > 0 && i < s.n && s.p[i] == '=') ? i : 0;
}

/* value_len - a value runs to the next ", key=" (stat=: to the end) */
static size_t value_len(bn_str v)
{
    bn_str rest = v;
    const char *c;
    while ((c = BN_LOG_FIND(rest, ", ")) != NULL) {
        bn_str after = bn_log_after(v, (size_t)(c - v.p) + 2);
        if (key_at(after))
            return (size_t)(c - v.p);
        rest = bn_log_after(v, (size_t)(c - v.p) + 1);
    }
    return v.n;
}

/* sm_assign - keep the fields we use */
static void sm_assign(sm_fields *f, bn_str key, bn_str v)
{
    static const struct {
        const char *k;
        size_t off;
    } keys[] = {{"to", offsetof(sm_fields, to)},       {"from", offsetof(sm_fields, from)},
                {"msgid", offsetof(sm_fields, msgid)}, {"relay", offsetof(sm_fields, relay)},
                {"dsn", offsetof(sm_fields, dsn)},     {"stat", offsetof(sm_fields, stat)}};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (key.n == strlen(keys[i].k) && memcmp(key.p, keys[i].k, key.n) == 0)
            *(bn_str *)((char *)f + keys[i].off) = v;
}

/* sm_fields_parse - all "key=value" fields; false if the text has none */
static bool sm_fields_parse(sm_fields *f, bn_str s)
{
    memset(f, 0, sizeof(*f));
    size_t k = key_at(s);
    if (!k)
        return false;
    while (k) {
        bn_str key = {s.p, k};
        bn_str v = bn_log_after(s, k + 1);
        bool last = k == 4 && memcmp(key.p, "stat", 4) == 0;
        v.n = last ? v.n : value_len(v);
        sm_assign(f, key, v);
        if (last || v.n + k + 1 >= s.n)
            break;
        s = bn_log_after(s, k + 1 + v.n + 2);
        k = key_at(s);
    }
    return true;
}

/* rtrim - without trailing spaces and CR */
static bn_str rtrim(bn_str s)
{
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

/* classify_stat - status and text of a stat= value */
static bn_logstatus classify_stat(bn_str stat, bn_str dsn, bn_str *text)
{
    *text = stat;
    if (BN_LOG_PREFIX(stat, "Sent")) {
        bn_str t = bn_log_after(stat, 4);
        if (BN_LOG_PREFIX(t, " (") && t.p[t.n - 1] == ')')
            t = (bn_str){t.p + 2, t.n - 3};
        *text = t;
        return BN_LOGST_SENT;
    }
    if (BN_LOG_PREFIX(stat, "queued") || BN_LOG_PREFIX(stat, "quarantined"))
        return BN_LOGST_NONE;
    if (BN_LOG_PREFIX(stat, "Deferred")) {
        bn_str t = bn_log_after(stat, 8);
        *text = BN_LOG_PREFIX(t, ": ") ? bn_log_after(t, 2) : stat;
        return BN_LOGST_DEFERRED;
    }
    if (BN_LOG_FIND(stat, "Cannot send message for") ||
        BN_LOG_FIND(stat, "could not be delivered for"))
        return BN_LOGST_EXPIRED;
    if (dsn.n && dsn.p[0] == '4')
        return BN_LOGST_DEFERRED;
    return BN_LOGST_BOUNCED;
}

/* next_rcpt - next address of a "to=" list: "<a@x>,<b@x>" or "a@x,b@x" */
static bn_str next_rcpt(bn_str *list)
{
    bn_str s = *list;
    size_t i = 0;
    bool angle = false, quote = false;
    for (; i < s.n; i++) {
        char c = s.p[i];
        if (c == '"')
            quote = !quote;
        else if (!quote && c == '<')
            angle = true;
        else if (!quote && c == '>')
            angle = false;
        else if (!quote && !angle && c == ',')
            break;
    }
    *list = bn_log_after(s, i < s.n ? i + 1 : i);
    return bn_log_unbracket((bn_str){s.p, i});
}

/* delivery - one event per recipient of a "to=" line */
static bn_logres delivery(bn_str qid, const sm_fields *f, bn_logout *out)
{
    bn_str text;
    if (!f->stat.n)
        return BN_LOGRES_TRUNCATED;
    bn_logstatus st = classify_stat(rtrim(f->stat), f->dsn, &text);
    if (st == BN_LOGST_NONE)
        return BN_LOGRES_SKIP;
    bn_str list = f->to;
    bn_logres res = BN_LOGRES_TRUNCATED;
    while (list.n) {
        bn_str rcpt = next_rcpt(&list);
        if (!rcpt.n)
            continue;
        bn_logev *ev = bn_logout_add(out);
        if (!ev)
            break;
        ev->format = "log-sendmail";
        ev->mta = SM_MTA;
        ev->status = st;
        ev->qid = qid;
        ev->rcpt = rcpt;
        ev->rcpt_src = "log: to=";
        ev->dsn = f->dsn;
        ev->relay = bn_log_hostname(f->relay);
        ev->text = text;
        ev->remote = text.n >= 4 && text.p[0] >= '2' && text.p[0] <= '5' &&
                     bn_is_digit((unsigned char)text.p[1]) &&
                     bn_is_digit((unsigned char)text.p[2]);
        res = BN_LOGRES_EVENT;
    }
    return res;
}

/* bn_log_sendmail - one Sendmail message text */
bn_logres bn_log_sendmail(bn_logstate *st, bn_str text, bn_logout *out)
{
    size_t q = bn_log_qid(text, 8, 20);
    if (!q || q + 2 > text.n || text.p[q] != ':' || text.p[q + 1] != ' ')
        return BN_LOGRES_OTHER;
    bn_str qid = {text.p, q};
    bn_str body = bn_log_after(text, q + 2);
    bool to = BN_LOG_PREFIX(body, "to=");
    if (!to && !BN_LOG_PREFIX(body, "from="))
        return BN_LOGRES_OTHER;
    sm_fields f;
    if (!sm_fields_parse(&f, body))
        return BN_LOGRES_GARBAGE;
    if (to)
        return delivery(qid, &f, out);
    bn_str from = bn_log_unbracket(f.from), mid = bn_log_unbracket(f.msgid);
    bn_qmap_put(&st->senders, SM_MTA, qid, &from, mid.n ? &mid : NULL);
    return BN_LOGRES_STATE;
}
