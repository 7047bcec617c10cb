/*
 * log_reader.c - the public log reader: lines in, records out
 *
 * bn_log_line() frames the line (log_header.c), hands the text to the MTA
 * reader its program names, and turns each delivery event into a bn_record
 * in an array the reader owns and rewrites on every line. Spans point into
 * the caller's line, into the sender map, or into the per-line arena (a
 * recipient whose domain had to be lowercased). All memory is allocated
 * when the reader is made (record and event arrays of max_recipients, the
 * maps of max_queue entries); none per line.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "logs/logs.h"

struct bn_log_reader {
    bn_log_opts opts;
    bn_log_stats st;
    bn_logstate state;
    bn_logev *ev;          /* events of the current line */
    bn_record *recs;       /* records of the current line */
    size_t cap;            /* size of both arrays */
    bn_arena arena;        /* per-line scratch, reset on each line */
    int year;              /* year given to stamps without one */
    int last_mon;          /* month of the last such stamp, 0 before */
    long tc_key;           /* local-time cache: y/m/d/h of tc_base */
    time_t tc_base;
    bool discarding;       /* bn_log_feed: inside a line past max_line */
};

/* bn_log_reader_new - a reader; opts NULL for BN_LOG_OPTS_INIT */
int bn_log_reader_new(bn_log_reader **out, const bn_log_opts *opts)
{
    static const bn_log_opts defaults = BN_LOG_OPTS_INIT;
    if (!out || (opts && opts->version != BN_LOG_OPTS_VERSION))
        return BN_EINVAL;
    *out = NULL;
    bn_log_reader *r = bn_calloc(1, sizeof(*r));
    if (!r)
        return BN_ENOMEM;
    r->opts = opts ? *opts : defaults;
    if (r->opts.max_line == 0)
        r->opts.max_line = defaults.max_line;
    if (r->opts.max_recipients == 0)
        r->opts.max_recipients = 1;
    r->tc_key = -1;
    bn_arena_init(&r->arena, r->opts.max_line * 2 + 4096);
    r->cap = r->opts.max_recipients;
    r->ev = bn_calloc(r->cap, sizeof(*r->ev));
    r->recs = bn_calloc(r->cap, sizeof(*r->recs));
    if (!r->ev || !r->recs || bn_qmap_init(&r->state.senders, r->opts.max_queue, false) != BN_OK ||
        bn_qmap_init(&r->state.defers, r->opts.max_queue, true) != BN_OK) {
        bn_log_reader_free(r);
        return BN_ENOMEM;
    }
    *out = r;
    return BN_OK;
}

/* bn_log_reader_free - release everything (NULL is fine) */
void bn_log_reader_free(bn_log_reader *r)
{
    if (!r)
        return;
    bn_qmap_free(&r->state.senders);
    bn_qmap_free(&r->state.defers);
    bn_arena_free(&r->arena);
    bn_free(r->ev);
    bn_free(r->recs);
    bn_free(r);
}

/* bn_log_reader_state - the reader's maps (see logs.h) */
bn_logstate *bn_log_reader_state(bn_log_reader *r)
{
    return &r->state;
}

/* bn_log_stats_get - counters since the reader was made */
void bn_log_stats_get(const bn_log_reader *r, bn_log_stats *out)
{
    *out = r->st;
    out->evicted = r->state.senders.evicted;
}

/* bn_logout_add - a zeroed event at the end of out, or NULL when full */
bn_logev *bn_logout_add(bn_logout *out)
{
    if (out->n == out->cap) {
        out->dropped++;
        return NULL;
    }
    bn_logev *ev = &out->ev[out->n++];
    memset(ev, 0, sizeof(*ev));
    return ev;
}

/* now_civil - year, month and day of opts.now (or the clock) in the log's zone */
static void now_civil(const bn_log_reader *r, int *year, int *mon, int *day)
{
    time_t now = r->opts.now ? r->opts.now : time(NULL);
    struct tm tm;
    if (r->opts.utc_offset == BN_LOG_LOCALTIME) {
        localtime_r(&now, &tm);
    } else {
        now += (time_t)r->opts.utc_offset * 60;
        gmtime_r(&now, &tm);
    }
    *year = tm.tm_year + 1900;
    *mon = tm.tm_mon + 1;
    *day = tm.tm_mday;
}

/* first_year - the year of a log's first RFC 3164 stamp: the latest of
   the years around now's that puts the date at most a day ahead of now (a
   log is never written ahead of its reading; a day is for clock skew, so
   "Jan  1" read late on 31 December is tomorrow, not last January) */
static int first_year(const bn_log_reader *r, int mon, int day)
{
    int ny, nm, nd;
    now_civil(r, &ny, &nm, &nd);
    long today = bn_log_days(ny, nm, nd);
    for (int y = ny + 1; y >= ny; y--)
        if (bn_log_days(y, mon, day) <= today + 1)
            return y;
    return ny - 1;
}

/*
 * infer_year - the year of an RFC 3164 stamp. The first one takes
 * first_year(). Later stamps follow the file: a jump back by six months or
 * more (Dec -> Jan) starts the next year; a jump forward as large (a stray
 * December line after January began) belongs to the year before and leaves
 * the state alone.
 */
static int infer_year(bn_log_reader *r, int mon, int day)
{
    if (r->last_mon == 0) {
        r->year = r->opts.year ? r->opts.year : first_year(r, mon, day);
    } else if (mon + 6 <= r->last_mon) {
        r->year++;
    } else if (mon >= r->last_mon + 6) {
        return r->year - 1;
    }
    r->last_mon = mon;
    return r->year;
}

/* local_time - a local wall-clock time as time_t, mktime cached per hour */
static time_t local_time(bn_log_reader *r, int y, const bn_logtime *t)
{
    long key = ((long)y * 100 + t->mon) * 10000 + t->day * 100 + t->hour;
    if (key != r->tc_key) {
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = t->mon - 1;
        tm.tm_mday = t->day;
        tm.tm_hour = t->hour;
        tm.tm_isdst = -1;
        r->tc_base = mktime(&tm);
        r->tc_key = key;
    }
    return r->tc_base + t->min * 60 + t->sec;
}

/* line_time - the UTC time of a line's stamp; 0 when it has none */
static time_t line_time(bn_log_reader *r, const bn_logline *l)
{
    const bn_logtime *t = &l->tm;
    if (!l->has_time)
        return 0;
    int y = t->year ? t->year : infer_year(r, t->mon, t->day);
    if (!t->has_zone && r->opts.utc_offset == BN_LOG_LOCALTIME)
        return local_time(r, y, t);
    int off = t->has_zone ? t->off_min : r->opts.utc_offset;
    long long s = (long long)bn_log_days(y, t->mon, t->day) * 86400 + t->hour * 3600 +
                  t->min * 60 + t->sec - (long long)off * 60;
    return (time_t)s;
}

/* lower_domain - the address with its domain lowercased (copied if needed) */
static bn_str lower_domain(bn_log_reader *r, bn_str a)
{
    const char *at = NULL;
    for (size_t i = a.n; i > 0; i--)
        if (a.p[i - 1] == '@') {
            at = a.p + i - 1;
            break;
        }
    if (!at)
        return a;
    size_t d = (size_t)(at - a.p) + 1, i = d;
    while (i < a.n && !(a.p[i] >= 'A' && a.p[i] <= 'Z'))
        i++;
    if (i == a.n)
        return a;
    char *c = bn_arena_dup(&r->arena, a.p, a.n);
    if (!c)
        return a;
    for (; i < a.n; i++)
        c[i] = (char)bn_lc((unsigned char)c[i]);
    return (bn_str){c, a.n};
}

/* action_name - the RFC 3464 Action a log status stands for */
static bn_str action_name(bn_logstatus s)
{
    switch (s) {
    case BN_LOGST_SENT:
        return BN_STR("delivered");
    case BN_LOGST_DEFERRED:
        return BN_STR("delayed");
    default:
        return BN_STR("failed");
    }
}

/* diag_type - "smtp" for a remote server's reply, else the MTA's own */
static bn_str diag_type(const bn_logev *ev)
{
    if (ev->remote)
        return BN_STR("smtp");
    if (ev->mta == 'e')
        return BN_STR("x-exim");
    if (ev->mta == 's')
        return BN_STR("x-sendmail");
    return BN_STR("x-postfix");
}

/* count_status - per-status counters */
static void count_status(bn_log_stats *st, bn_logstatus s)
{
    if (s == BN_LOGST_SENT)
        st->delivered++;
    else if (s == BN_LOGST_BOUNCED)
        st->bounced++;
    else if (s == BN_LOGST_DEFERRED)
        st->deferred++;
    else
        st->expired++;
}

/* make_record - one record from one event */
static void make_record(bn_log_reader *r, bn_record *rec, const bn_logev *ev,
                        const bn_logline *l, time_t when)
{
    memset(rec, 0, sizeof(*rec));
    rec->recipient = lower_domain(r, ev->rcpt);
    rec->original_recipient = ev->orig_rcpt;
    const bn_qentry *q = bn_qmap_get(&r->state.senders, ev->mta, ev->qid);
    if (q && q->has_sender)
        rec->addresser = (bn_str){q->sender, q->slen};
    if (q && q->mlen)
        rec->message_id = (bn_str){q->msgid, q->mlen};
    rec->timestamp = when;
    rec->diagnostic = ev->text;
    rec->diagnostic_type = diag_type(ev);
    rec->command = ev->command;
    rec->remote_mta = ev->relay;
    rec->reporting_mta = l->host;
    rec->dsn_action = action_name(ev->status);
    rec->format = ev->format;
    rec->recipient_src = ev->rcpt_src;
    rec->anomalies = ev->truncated ? BN_ANOM_TRUNCATED : 0;
    bn_log_classify(rec, ev);
    count_status(&r->st, ev->status);
}

/* dispatch - hand the text to the MTA reader of the line's program */
static bn_logres dispatch(bn_log_reader *r, const bn_logline *l, bn_logout *out)
{
    if (l->frame == BN_LOGFRAME_EXIM || bn_log_is_exim(l->prog))
        return bn_log_exim(&r->state, l->text, out);
    if (bn_log_is_postfix(l->prog))
        return bn_log_postfix(&r->state, l->prog, l->text, out);
    if (bn_log_is_sendmail(l->prog))
        return bn_log_sendmail(&r->state, l->text, out);
    return BN_LOGRES_OTHER;
}

/* count_result - the counters of a line that gave no record */
static void count_result(bn_log_stats *st, bn_logres res)
{
    if (res == BN_LOGRES_STATE)
        st->state++;
    else if (res == BN_LOGRES_TRUNCATED)
        st->truncated++;
    else if (res == BN_LOGRES_GARBAGE)
        st->garbage++;
    else
        st->other++;
}

/* line_size - what max_line limits: the line without its LF and the one CR
   before it. bn_log_feed must judge a line cut before its LF by the same
   measure, and there only one CR can be its end (fuzz_logline: a line of
   max_line bytes and a CR was too long when the chunk ended after the CR) */
static size_t line_size(const char *line, size_t len)
{
    if (len && line[len - 1] == '\n')
        len--;
    if (len && line[len - 1] == '\r')
        len--;
    return len;
}

/* bn_log_line - read one line; records valid until the next call */
int bn_log_line(bn_log_reader *r, const char *line, size_t len, const bn_record **recs,
                size_t *count)
{
    bn_logline l;
    if (!r || !recs || !count || (!line && len))
        return BN_EINVAL;
    *recs = NULL;
    *count = 0;
    r->st.lines++;
    if (line_size(line, len) > r->opts.max_line) {
        r->st.too_long++;
        return BN_OK;
    }
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (!bn_log_header(&l, line, len)) {
        if (len == 0)
            r->st.other++;
        else
            r->st.garbage++;
        return BN_OK;
    }
    bn_logout out = {r->ev, 0, r->cap, 0};
    bn_logres res = dispatch(r, &l, &out);
    if (res != BN_LOGRES_EVENT || out.n == 0) {
        count_result(&r->st, res == BN_LOGRES_EVENT ? BN_LOGRES_SKIP : res);
        return BN_OK;
    }
    bn_arena_reset(&r->arena);
    time_t when = line_time(r, &l);
    bool cut = false;
    for (size_t i = 0; i < out.n; i++) {
        make_record(r, &r->recs[i], &r->ev[i], &l, when);
        cut |= r->ev[i].truncated;
        if (out.dropped) /* a recipient list past max_recipients */
            r->recs[i].anomalies |= BN_ANOM_RECIPIENT_LIMIT;
    }
    r->st.records += out.n;
    r->st.truncated += cut;
    *recs = r->recs;
    *count = out.n;
    return BN_OK;
}

/* feed_line - one complete line of bn_log_feed, and its callback */
static int feed_line(bn_log_reader *r, const char *p, size_t n, bn_log_cb cb, void *payload)
{
    const bn_record *recs;
    size_t count;
    int rc = bn_log_line(r, p, n, &recs, &count);
    if (rc != BN_OK)
        return rc;
    return count && cb ? cb(recs, count, p, n, payload) : 0;
}

/* bn_log_feed - read the complete lines of a chunk */
int bn_log_feed(bn_log_reader *r, const char *buf, size_t len, bool eof, size_t *consumed,
                bn_log_cb cb, void *payload)
{
    size_t pos = 0;
    int rc = 0;
    if (!r || !consumed || (!buf && len))
        return BN_EINVAL;
    while (pos < len && rc == 0) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - buf) - pos : len - pos;
        if (!nl && !eof && !r->discarding && line_size(buf + pos, n) <= r->opts.max_line)
            break; /* a partial line: wait for the rest */
        if (r->discarding) {
            r->discarding = nl == NULL; /* the tail of an overlong line */
        } else if (!nl && !eof) {
            r->st.lines++;
            r->st.too_long++;
            r->discarding = true;
        } else {
            rc = feed_line(r, buf + pos, n, cb, payload);
        }
        pos += n + (nl ? 1 : 0);
    }
    *consumed = pos;
    return rc;
}
