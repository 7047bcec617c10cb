/*
 * log_exim.c - Exim main log lines (own file or through syslog)
 *
 *   ID <= sender@x H=... P=esmtp S=1234 id=msgid@x         arrival
 *   ID => rcpt@x [<orig@y>] R=dnslookup T=remote_smtp H=mx [ip] C="250 ..."
 *   ID ** rcpt@x [<orig>] R=.. T=.. H=mx [ip]: SMTP error from remote mail
 *         server after RCPT TO:<rcpt@x>: 550 5.1.1 ...          failure
 *   ID == rcpt@x R=.. T=.. defer (-44) H=mx [ip]: SMTP error ...  deferral
 *   ID Completed
 * The message id is 6-6-2 (Exim < 4.97) or 6-11-4 characters. Fields
 * before the text are "K=value" tokens; the text starts at the first ": "
 * outside double quotes (X=TLS1.3:...:256 holds colons without space,
 * C="250 OK: queued" holds ": " inside quotes).
 */
#include <string.h>

#include "core/str.h"
#include "logs/logs.h"

#define EXIM_MTA 'e'

/* bn_log_is_exim - the syslog tag of Exim ("exim", "exim4") */
bool bn_log_is_exim(bn_str prog)
{
    return BN_LOG_PREFIX(prog, "exim") &&
           (prog.n == 4 || (prog.n == 5 && bn_is_digit((unsigned char)prog.p[4])));
}

/* exim_id - length of an Exim message id at the start of s, or 0 */
static size_t exim_id(bn_str s)
{
    size_t a = bn_log_qid(s, 6, 6);
    if (!a || a >= s.n || s.p[a] != '-')
        return 0;
    bn_str r = bn_log_after(s, a + 1);
    size_t b = bn_log_qid(r, 6, 11);
    if (!b || b >= r.n || r.p[b] != '-')
        return 0;
    size_t c = bn_log_qid(bn_log_after(r, b + 1), 2, 4);
    return c ? a + 1 + b + 1 + c : 0;
}

/* text_start - offset of the first ": " outside double quotes, or s.n */
static size_t text_start(bn_str s)
{
    bool q = false;
    for (size_t i = 0; i + 1 < s.n; i++) {
        if (s.p[i] == '"' && (i == 0 || s.p[i - 1] != '\\'))
            q = !q;
        else if (!q && s.p[i] == ':' && s.p[i + 1] == ' ')
            return i;
    }
    return s.n;
}

/* field - value of " K=" in the field region: up to the next space */
static bn_str field(bn_str s, const char *key)
{
    size_t kn = strlen(key);
    const char *p = s.p;
    bn_str rest = s;
    while ((p = bn_log_find(rest, key, kn)) != NULL) {
        if (p == s.p || p[-1] == ' ')
            break;
        rest = bn_log_after(s, (size_t)(p - s.p) + 1);
    }
    if (!p)
        return BN_STR_NULL;
    bn_str v = bn_log_after(s, (size_t)(p - s.p) + kn);
    if (v.n && v.p[0] == '"') {
        const char *e = memchr(v.p + 1, '"', v.n - 1);
        return (bn_str){v.p + 1, e ? (size_t)(e - v.p - 1) : v.n - 1};
    }
    const char *sp = memchr(v.p, ' ', v.n);
    return (bn_str){v.p, sp ? (size_t)(sp - v.p) : v.n};
}

/* smtp_error - "SMTP error from remote mail server after CMD: reply" */
static void smtp_error(bn_logev *ev, bn_str t)
{
    const char *a = BN_LOG_FIND(t, " after ");
    if (!BN_LOG_PREFIX(t, "SMTP error from remote mail") || !a)
        return;
    bn_str phrase = bn_log_after(t, (size_t)(a - t.p) + 7);
    const char *c = BN_LOG_FIND(phrase, ": ");
    ev->command = bn_log_command(phrase);
    if (!c)
        return;
    bn_str reply = bn_log_after(phrase, (size_t)(c - phrase.p) + 2);
    /* older Exim: "...: host mx.example.com [192.0.2.1]: 550 ..." */
    const char *h = BN_LOG_FIND(reply, "]: ");
    if (BN_LOG_PREFIX(reply, "host ") && h)
        reply = bn_log_after(reply, (size_t)(h - reply.p) + 3);
    ev->text = reply;
    ev->remote = true;
}

/* no_attempt - a deferral that made no delivery attempt (retry wait, -odqs) */
static bool no_attempt(bn_str t)
{
    return BN_LOG_FIND(t, "retry time not reached") ||
           BN_LOG_FIND(t, "queue_smtp_domains") || BN_LOG_FIND(t, "spool file is locked") ||
           BN_LOG_FIND(t, "frozen");
}

/* gave_up - Exim's retry rules ran out: the message expired */
static bool gave_up(bn_str t)
{
    return BN_LOG_FIND(t, "retry timeout exceeded") ||
           BN_LOG_FIND(t, "have been failing for a long time");
}

/* expiry_reply - "** rcpt: retry timeout exceeded" says only that Exim gave
   up: the reply of the recipient's last deferral (kept by the defer map)
   says why, and whose side it was on, and its H= which server kept refusing.
   Without one the line's own words stay */
static void expiry_reply(bn_logstate *st, bn_logev *ev)
{
    if (!bn_log_defer_take(st, ev))
        return;
    /* kept as the deferral's fill left it: a server's reply, or Exim's own
       words ("Connection refused") */
    ev->remote = ev->text.n && bn_is_digit((unsigned char)ev->text.p[0]);
}

/* token_end - end of the first token of s: its first space outside a
   quoted local part ("john doe"@x); when a quote never closes, its first
   space, so a stray '"' cannot swallow the line */
static size_t token_end(bn_str s)
{
    size_t i = 0;
    while (i < s.n && s.p[i] != ' ') {
        if (s.p[i] != '"') {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < s.n && s.p[j] != '"')
            j += s.p[j] == '\\' ? 2 : 1;
        if (j >= s.n) {
            while (i < s.n && s.p[i] != ' ')
                i++;
            return i;
        }
        i = j + 1;
    }
    return i;
}

/* address - first token: "rcpt@x", "rcpt@x:" (text follows) or "user" */
static bn_str address(bn_str s, bool *colon)
{
    size_t i = token_end(s);
    *colon = i > 0 && s.p[i - 1] == ':';
    return (bn_str){s.p, *colon ? i - 1 : i};
}

/* skip_parent - rest past " (parent)": an address made by a redirection is
   logged with the address it came from in parentheses, before the
   original one in angle brackets ("=> jd@x.example (jdoe) <jdoe@y.example>") */
static bn_str skip_parent(bn_str rest)
{
    if (!BN_LOG_PREFIX(rest, " ("))
        return rest;
    const char *e = memchr(rest.p + 2, ')', rest.n - 2);
    if (!e || ((size_t)(e - rest.p) + 1 < rest.n && e[1] != ' '))
        return rest;
    return bn_log_after(rest, (size_t)(e - rest.p) + 1);
}

/* command_len - a pipe or file delivery ("|/usr/bin/prog arg ...",
   "/var/mail/jd") has spaces: it runs to the " (parent)" or " <original>"
   after it, else to the first field (" R=") */
static size_t command_len(bn_str s)
{
    for (size_t i = 0; i + 2 < s.n; i++)
        if (s.p[i] == ' ' && (s.p[i + 1] == '(' || s.p[i + 1] == '<' ||
                              (s.p[i + 1] == 'R' && s.p[i + 2] == '=')))
            return i;
    return token_end(s);
}

/* fill - recipient, original recipient, relay and text of a delivery line */
static void fill(bn_logev *ev, bn_str s)
{
    bool colon = false;
    bool target = s.n && (s.p[0] == '|' || s.p[0] == '/'); /* a pipe or a file */
    bn_str a = target ? (bn_str){s.p, command_len(s)} : address(s, &colon);
    bn_str rest = bn_log_after(s, a.n + (colon ? 1 : 0));
    ev->rcpt = a;
    ev->rcpt_src = "log: exim address";
    rest = skip_parent(rest);
    if (BN_LOG_PREFIX(rest, " <")) {
        bn_str o = address(bn_log_after(rest, 1), &colon);
        rest = bn_log_after(rest, 1 + o.n + (colon ? 1 : 0));
        o = bn_log_unbracket(o);
        /* "=> user <user@example.com>", "=> |/usr/bin/prog (...) <user@...>":
           a local part alone, or a pipe or file, is no address */
        if ((target || !memchr(a.p, '@', a.n)) && memchr(o.p, '@', o.n)) {
            ev->rcpt = o;
        } else {
            ev->orig_rcpt = o;
        }
    }
    size_t ts = colon ? 0 : text_start(rest);
    bn_str fields = {rest.p, ts};
    ev->relay = field(fields, "H=");
    if (ev->relay.n && ev->relay.p[0] == '[')
        ev->relay = bn_log_hostname(ev->relay);
    if (ts < rest.n) {
        ev->text = bn_log_after(rest, ts + (colon ? 0 : 2));
        while (ev->text.n && ev->text.p[0] == ' ')
            ev->text = bn_log_after(ev->text, 1);
        smtp_error(ev, ev->text);
    } else {
        ev->text = field(fields, "C=");
        ev->remote = ev->text.n > 0;
    }
}

/* arrival - "<= sender ... id=msgid": remember the sender and Message-ID */
static bn_logres arrival(bn_logstate *st, bn_str id, bn_str s)
{
    bool colon;
    bn_str snd = address(s, &colon);
    if (!snd.n)
        return BN_LOGRES_TRUNCATED;
    if (snd.n == 2 && snd.p[0] == '<' && snd.p[1] == '>')
        snd.n = 0, snd.p = "";
    bn_str mid = field(bn_log_after(s, snd.n), "id=");
    bn_qmap_put(&st->senders, EXIM_MTA, id, &snd, mid.n ? &mid : NULL);
    return BN_LOGRES_STATE;
}

/* bn_log_exim - one Exim log text ("ID FLAG ...") */
bn_logres bn_log_exim(bn_logstate *st, bn_str text, bn_logout *out)
{
    size_t k = exim_id(text);
    if (!k || k + 3 > text.n || text.p[k] != ' ')
        return BN_LOGRES_OTHER;
    bn_str id = {text.p, k};
    bn_str s = bn_log_after(text, k + 1);
    if (BN_LOG_PREFIX(s, "Completed")) {
        bn_qmap_del(&st->senders, EXIM_MTA, id);
        bn_log_defer_forget(st, id);
        return BN_LOGRES_STATE;
    }
    if (s.n < 4 || s.p[2] != ' ')
        return BN_LOGRES_OTHER;
    bn_str flag = {s.p, 2};
    s = bn_log_after(s, 3);
    if (BN_LOG_PREFIX(flag, "<="))
        return arrival(st, id, s);
    bn_logstatus stt = BN_LOG_PREFIX(flag, "=>") || BN_LOG_PREFIX(flag, "->") ? BN_LOGST_SENT
                       : BN_LOG_PREFIX(flag, "**")                            ? BN_LOGST_BOUNCED
                       : BN_LOG_PREFIX(flag, "==")                            ? BN_LOGST_DEFERRED
                                                                              : BN_LOGST_NONE;
    if (stt == BN_LOGST_NONE)
        return BN_LOG_PREFIX(flag, "*>") ? BN_LOGRES_SKIP : BN_LOGRES_OTHER;
    if (stt == BN_LOGST_DEFERRED && no_attempt(s))
        return BN_LOGRES_SKIP;
    bn_logev *ev = bn_logout_add(out);
    if (!ev)
        return BN_LOGRES_SKIP;
    ev->format = "log-exim";
    ev->mta = EXIM_MTA;
    ev->qid = id;
    ev->status = stt;
    fill(ev, s);
    if (stt == BN_LOGST_BOUNCED && gave_up(ev->text))
        ev->status = BN_LOGST_EXPIRED;
    if (!ev->rcpt.n) {
        out->n--; /* a line cut right after its flag */
        return BN_LOGRES_TRUNCATED;
    }
    if (ev->status == BN_LOGST_EXPIRED)
        expiry_reply(st, ev);
    else
        bn_log_defer_note(st, ev);
    return BN_LOGRES_EVENT;
}
