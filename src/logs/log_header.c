/*
 * log_header.c - the framing of a log line: time, host, program, text
 *
 *   Nov 30 07:20:36 mx postfix/smtp[123]: TEXT            RFC 3164 (BSD)
 *   <22>Nov 30 07:20:36 mx postfix/smtp[123]: TEXT        ... with priority
 *   2026-11-30T07:20:36.12+01:00 mx postfix/smtp[123]: TEXT  ISO / journald
 *   <22>1 2026-11-30T07:20:36Z mx postfix/smtp 123 - - TEXT  RFC 5424
 *   2026-11-30 07:20:36 [123] TEXT                        Exim main log
 * Some syslog daemons leave the host out ("Nov 30 07:20:36 prog[1]: x"):
 * a first token that ends with ':' or holds '[' is then the program.
 */
#include <string.h>

#include "core/str.h"
#include "logs/logs.h"

/* token - the bytes of s up to the next space */
static bn_str token(bn_str s)
{
    const char *sp = memchr(s.p, ' ', s.n);
    return (bn_str){s.p, sp ? (size_t)(sp - s.p) : s.n};
}

/* skip - s after k bytes and the spaces that follow */
static bn_str skip(bn_str s, size_t k)
{
    s = bn_log_after(s, k);
    while (s.n && s.p[0] == ' ')
        s = bn_log_after(s, 1);
    return s;
}

/* priority - length of a leading "<PRI>" (1-3 digits), 0 if none */
static size_t priority(bn_str s)
{
    size_t i = 1;
    if (s.n < 3 || s.p[0] != '<')
        return 0;
    while (i < s.n && i < 4 && bn_is_digit((unsigned char)s.p[i]))
        i++;
    return (i > 1 && i < s.n && s.p[i] == '>') ? i + 1 : 0;
}

/* tag - "prog[pid]: text" or "prog: text" -> prog and text; false if neither */
static bool tag(bn_logline *out, bn_str s)
{
    size_t i = 0;
    while (i < s.n && s.p[i] != '[' && s.p[i] != ':' && s.p[i] != ' ')
        i++;
    if (i == 0 || i == s.n)
        return false;
    out->prog = (bn_str){s.p, i};
    if (s.p[i] == '[') {
        const char *e = memchr(s.p + i, ']', s.n - i);
        if (!e)
            return false;
        i = (size_t)(e - s.p) + 1;
    }
    if (i >= s.n || s.p[i] != ':')
        return false;
    out->text = skip(s, i + 1);
    return true;
}

/* exim_pid - s after Exim's "[pid] " (log_selector +pid), when it has one;
   false for a '[' that is never closed */
static bool exim_pid(bn_str *s)
{
    if (s->n && s->p[0] == '[') {
        const char *e = memchr(s->p, ']', s->n);
        if (!e)
            return false;
        *s = skip(*s, (size_t)(e - s->p) + 1);
    }
    return true;
}

/* exim_own_stamp - Exim logging through syslog keeps its own stamp before
   the message id (syslog_timestamp, true by default): the text after it
   and the optional "[pid] " (the syslog stamp stays the line's time) */
static void exim_own_stamp(bn_logline *out)
{
    bn_logtime tm;
    bn_str s = out->text;
    if (!s.n || !bn_is_digit((unsigned char)s.p[0]))
        return;
    size_t t = bn_log_parse_time(&tm, s.p, s.n);
    if (t < 19 || s.p[10] != ' ')
        return;
    s = skip(s, t);
    if (exim_pid(&s) && s.n)
        out->text = s;
}

/* frame_syslog - after the time: "[host] prog[pid]: text" */
static bool frame_syslog(bn_logline *out, bn_str s)
{
    bn_str first = token(s);
    out->frame = BN_LOGFRAME_SYSLOG;
    if (!(first.n && (first.p[first.n - 1] == ':' || memchr(first.p, '[', first.n)))) {
        out->host = first;
        s = skip(s, first.n);
    }
    if (!tag(out, s))
        return false;
    if (bn_log_is_exim(out->prog))
        exim_own_stamp(out);
    return true;
}

/*
 * sd_len - length of RFC 5424 structured data: [id k="v"]... Values escape
 * '"', '\\' and ']' with a backslash; an unescaped ']' inside quotes is
 * tolerated (quotes are tracked), as some senders forget to escape it.
 */
static size_t sd_len(bn_str s)
{
    size_t i = 0;
    while (i < s.n && s.p[i] == '[') {
        bool q = false;
        for (i++; i < s.n; i++) {
            if (s.p[i] == '\\' && i + 1 < s.n)
                i++;
            else if (s.p[i] == '"')
                q = !q;
            else if (s.p[i] == ']' && !q)
                break;
        }
        i++;
    }
    return i < s.n ? i : s.n;
}

/* frame_5424 - after the time: "host app procid msgid SD text" */
static bool frame_5424(bn_logline *out, bn_str s)
{
    bn_str f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = token(s);
        if (f[i].n == 0)
            return false;
        s = skip(s, f[i].n);
    }
    out->frame = BN_LOGFRAME_SYSLOG;
    out->host = f[0].n == 1 && f[0].p[0] == '-' ? BN_STR_NULL : f[0];
    out->prog = f[1];
    if (s.n && s.p[0] == '[') {
        s = skip(s, sd_len(s));
    } else if (s.n && s.p[0] == '-') {
        s = skip(s, 1);
    }
    if (BN_LOG_PREFIX(s, "\xEF\xBB\xBF"))
        s = bn_log_after(s, 3);
    out->text = s;
    return true;
}

/* frame_exim - after Exim's own stamp: "[pid] text" or "text" */
static bool frame_exim(bn_logline *out, bn_str s)
{
    out->frame = BN_LOGFRAME_EXIM;
    out->prog = BN_STR("exim");
    if (!exim_pid(&s))
        return false;
    out->text = s;
    return s.n > 0;
}

/* bn_log_header - split the framing of one line; false when it has none */
bool bn_log_header(bn_logline *out, const char *p, size_t n)
{
    bn_str s = {p, n};
    memset(out, 0, sizeof(*out));
    size_t k = priority(s);
    bool v5424 = false;
    s = bn_log_after(s, k);
    if (k && s.n > 2 && s.p[0] == '1' && s.p[1] == ' ') {
        v5424 = true;
        s = bn_log_after(s, 2);
    }
    size_t t = bn_log_parse_time(&out->tm, s.p, s.n);
    if (t) {
        out->has_time = true;
    } else if (!(v5424 && s.n && s.p[0] == '-')) {
        return false;
    } else {
        t = 1; /* RFC 5424 NILVALUE time */
    }
    /* "2026-11-30 07:20:36" (a space, not 'T') is Exim's own stamp */
    bool exim = !v5424 && k == 0 && t >= 19 && bn_is_digit((unsigned char)s.p[0]) &&
                s.p[10] == ' ';
    bn_str rest = skip(s, t);
    if (v5424)
        return frame_5424(out, rest);
    return exim ? frame_exim(out, rest) : frame_syslog(out, rest);
}
