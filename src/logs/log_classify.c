/*
 * log_classify.c - a delivery event through the classifier
 *
 * The classifier sees what it sees for a bounce message: reply code, the
 * enhanced status the MTA logged (dsn=), the server's text and the SMTP
 * command. Then the MTA's own verdict on the delivery adds what the text
 * cannot say (format knowledge, like a DSN's Action field):
 *   sent     -> delivered: nothing failed, nothing to do;
 *   expired  -> expired: the queue lifetime ran out; the address is not
 *               proven bad, the fault stays what the last error said;
 *   deferred -> whatever the text says, but transient: the MTA retries, so
 *               a deferral never suppresses (action retry at most), while
 *               its fault (sender-side blocks, rate limits, authentication)
 *               still reaches the per-domain report.
 */
#include <string.h>

#include "classify/classify.h"
#include "core/str.h"
#include "logs/logs.h"

/* valid_dsn - "5.1.1"-shaped enhanced status (class 2, 4 or 5) */
static bool valid_dsn(bn_str s)
{
    if (s.n < 5 || s.n >= BN_STATUS_MAX || (s.p[0] != '2' && s.p[0] != '4' && s.p[0] != '5') ||
        s.p[1] != '.')
        return false;
    size_t dots = 0;
    for (size_t i = 2; i < s.n; i++) {
        if (s.p[i] == '.')
            dots++;
        else if (!bn_is_digit((unsigned char)s.p[i]))
            return false;
    }
    return dots == 1 && s.p[s.n - 1] != '.' && s.p[2] != '.';
}

/* force - format knowledge decides the reason over the text */
static void force(bn_verdict *v, bn_reason r, const char *rule)
{
    v->reason = r;
    v->rule = rule;
    v->hardbounce = false;
    if (r == BN_REASON_DELIVERED) {
        v->permanence = BN_PERM_UNKNOWN;
        v->fault = BN_FAULT_NONE;
        v->action = BN_ACTION_NONE;
    } else { /* expired: after a sender's refusals, fix the sender */
        v->permanence = BN_PERM_TRANSIENT;
        v->action = bn_reason_action(r, v->fault);
    }
}

/*
 * deferral - what a deferral cannot be. The MTA keeps the message and will
 * retry, so its failure is not an expiry (texts like "Connection timed
 * out" read as expired in a bounce, where they were the last straw) and
 * not a domain that does not exist ("Host not found, try again" is a DNS
 * failure the resolver expects to pass): both are network trouble.
 */
static void deferral(bn_verdict *v)
{
    if (v->reason != BN_REASON_EXPIRED && v->reason != BN_REASON_HOSTUNKNOWN)
        return;
    v->reason = BN_REASON_NETWORKERROR;
    v->fault = BN_FAULT_NETWORK;
    v->rule = "log-deferral-network";
}

/*
 * mta_network - the MTA's own words for a failed TCP connection or lookup
 * (Sendmail's "Connection refused by HOST.", Postfix's "connect to HOST:
 * Connection refused"). Said by our MTA, not by a server, they cannot be
 * a server's block notice even when a phrase table reads them so.
 */
static bool mta_network(const bn_logev *ev)
{
    static const char *const own[] = {
        "Connection refused by ",   "Connection timed out with ", "Connection reset by ",
        "Name server timeout",      "Network is unreachable",     "No route to host",
        "connect to ",              "lost connection with ",      "conversation with ",
    };
    if (ev->remote)
        return false;
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (bn_log_prefix(ev->text, own[i], strlen(own[i])))
            return true;
    return false;
}

/* derive_status - when neither dsn= nor text gave one, the reply code's */
static void derive_status(bn_verdict *v)
{
    if (v->status[0] || v->replycode < 200)
        return;
    v->status[0] = (char)('0' + v->replycode / 100);
    memcpy(v->status + 1, ".0.0", 5);
    v->status_derived = true;
}

/*
 * delivered - a sent line: the MTA's word decides, so the classifier, the
 * costliest step of a line and with nothing to add to a success, is not
 * run; the codes are those of the reply (or dsn=).
 */
static void delivered(bn_verdict *v, const bn_reply *in)
{
    memset(v, 0, sizeof(*v));
    v->replycode = in->replycode;
    if (in->status_len && in->status_len < BN_STATUS_MAX)
        memcpy(v->status, in->status, in->status_len);
    v->retry_after = -1;
    force(v, BN_REASON_DELIVERED, "log-status-sent");
    derive_status(v);
}

/*
 * own_user_verdict - the classifier turns a "user unknown" wording that no
 * code confirms into "filtered" (a remote filter may word it so). Said by
 * our own MTA after routing the address (Exim's "Unrouteable address",
 * Postfix local's "unknown user"), there is no filter: the address failed.
 */
static void own_user_verdict(bn_record *rec, const bn_logev *ev)
{
    bn_verdict *v = &rec->verdict;
    if (ev->remote || ev->status != BN_LOGST_BOUNCED || v->reason != BN_REASON_FILTERED ||
        strcmp(v->rule, "rule.userunknown-unconfirmed") != 0)
        return;
    v->reason = BN_REASON_USERUNKNOWN;
    v->permanence = BN_PERM_PERMANENT;
    v->fault = BN_FAULT_RECIPIENT;
    v->action = BN_ACTION_SUPPRESS;
    v->hardbounce = true;
    v->rule = "log-mta-userunknown";
    rec->reason_src = "log: the MTA's own routing failure";
}

/* after_classify - what the MTA's own verdict adds to the classifier's */
static void after_classify(bn_record *rec, const bn_logev *ev)
{
    bn_verdict *v = &rec->verdict;
    own_user_verdict(rec, ev);
    if (mta_network(ev) && v->reason != BN_REASON_NETWORKERROR) {
        v->reason = BN_REASON_NETWORKERROR;
        v->fault = BN_FAULT_NETWORK;
        v->action = BN_ACTION_RETRY;
        v->hardbounce = false;
        v->rule = "log-mta-network";
        rec->reason_src = "log: the MTA's own connection error";
    }
    if (ev->status == BN_LOGST_EXPIRED) {
        force(v, BN_REASON_EXPIRED, "log-status-expired");
        rec->reason_src = "log: queue lifetime expired";
    } else if (ev->status == BN_LOGST_DEFERRED) {
        deferral(v);
        v->permanence = BN_PERM_TRANSIENT;
        v->hardbounce = false;
        if (v->action == BN_ACTION_SUPPRESS || v->action == BN_ACTION_REVIEW)
            v->action = BN_ACTION_RETRY;
    }
}

/* bn_log_classify - fill rec->verdict and its evidence from an event */
void bn_log_classify(bn_record *rec, const bn_logev *ev)
{
    bn_reply in = {0};
    int code = 0;
    char found[BN_STATUS_MAX] = "";
    bool dsn_ok = valid_dsn(ev->dsn);
    if (ev->text.n)
        bn_reply_scan(ev->text.p, ev->text.n, &code, found);
    /* a code inside our MTA's own words ("... 550 ...") is no reply code */
    in.replycode = ev->remote ? code : 0;
    if (dsn_ok) {
        in.status = ev->dsn.p;
        in.status_len = ev->dsn.n;
    } else if (found[0]) {
        in.status = found;
        in.status_len = strlen(found);
    }
    rec->status_src = dsn_ok ? "log: dsn=" : found[0] ? "log: text" : "none";
    if (ev->status == BN_LOGST_SENT) {
        delivered(&rec->verdict, &in);
        rec->reason_src = "log: delivered";
        return;
    }
    in.text = ev->text.p;
    in.text_len = ev->text.n;
    in.command = ev->command.p;
    in.command_len = ev->command.n;
    bn_classify(&rec->verdict, &in);
    rec->reason_src = "classifier";
    after_classify(rec, ev);
    derive_status(&rec->verdict);
}
