/*
 * cmd_ingest.c - bounce ingest: record bounces in the suppression list
 *
 * Reads messages (files, directories, Maildir, mbox, stdin) through
 * bn_source, parses each with bn_parse and stores its records with
 * bn_store_ingest, committing in batches (1000 records or one second).
 * Storing is idempotent: a bounce already stored changes nothing, so an
 * interrupted run is simply run again.
 *
 * --pipe is the MTA's door (an alias or a pipe transport): one message on
 * stdin, exit 0 only once its events are committed, EX_TEMPFAIL (75) when
 * the store cannot be written so the MTA keeps the message and retries.
 *
 * A message the list cannot use is named on stderr (and syslog with
 * --pipe): not mail, a bounce cut at the size limit, a bounce naming no
 * usable recipient (its records are stored without an address, which
 * 'bounce report' counts as "(no recipient)"). With --keep-other they, and
 * the non-bounces, are delivered into a Maildir for a person.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "maildir_out.h"
#include "ingest_retry.h"
#include "log_cmd.h"
#include "core/alloc.h"
#include "core/json.h"
#include "store/store.h"
#include "store_cli.h"

#define BATCH_RECORDS 1000
#define BATCH_SECONDS 1.0
/* --keep-other: bytes of one message read, so that the copy kept for a
   person is whole although only the parser's limit (64 MiB) is parsed */
#define KEEP_READ_MAX ((size_t)256 << 20)

/* mono_now - seconds on the monotonic clock (wall-clock steps must not
   end or stretch a batch) */
static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct ingest_run {
    store_cli c;
    bool json, pipe, progress, progress_shown;
    const char *envelope_to;
    const char *verp_pattern;
    const char *keep_other; /* Maildir for messages the list cannot use */
    bool keep_failed;       /* such a message could not be kept there */
    size_t parse_max;       /* bytes of a message the parser reads */
    size_t batch_max;
    bn_store *s;
    bn_parser *p;
    bn_ingest_stats st;
    unsigned long messages, not_bounces, unreadable;
    size_t in_batch;
    double batch_start; /* monotonic seconds: a batch lasts at most BATCH_SECONDS */
    time_t last_tick;
    int status;
    /* retry after a lost server connection: the open batch's messages and
     * the counters as they were at its start */
    int retries;            /* -1: default (INGEST_RETRIES, 0 with --pipe) */
    ingest_keep keep;
    bn_ingest_stats st0;
    unsigned long messages0, not_bounces0;
} ingest_run;

/* ingest_help - usage */
static void ingest_help(FILE *out)
{
    fputs("usage: bounce ingest [--db PATH] [--json] [PATH... | -]\n"
          "       bounce ingest --pipe [--db PATH] [--envelope-to ADDR] < message\n\n"
          "Records bounces in the suppression list: every failed recipient becomes\n"
          "an event, and the policy decides who is suppressed (hard bounces and\n"
          "complaints at once, soft bounces after 3 within 15 days, sender-side\n"
          "rejections never). Ingesting the same bounce again changes nothing.\n"
          "Prints a summary: records, new suppressions, sender-side events.\n"
          "Names on stderr what the list cannot use: an input that is not mail,\n"
          "a bounce naming no usable recipient, one cut at the size limit.\n\n"
          "options:\n", out);
    store_cli_common_help(out);
    fputs("  --json            the summary as one JSON object\n"
          "  --pipe            one message on stdin, for an MTA alias or pipe\n"
          "                    transport: exit 0 only after the events are committed;\n"
          "                    a non-bounce is logged and accepted; any failure (store\n"
          "                    not writable, bad option) exits 75: the MTA keeps the\n"
          "                    message and retries\n"
          "  --envelope-to ADDR  the bounce's envelope recipient (default: the\n"
          "                    ORIGINAL_RECIPIENT or RECIPIENT variable Postfix's pipe\n"
          "                    sets); a VERP address names the failed recipient when\n"
          "                    the bounce does not\n"
          "  --verp-pattern P  VERP form, default 'bounces+{local}={domain}@*'\n"
          "  --keep-other DIR  deliver every message the list cannot use (not a\n"
          "                    bounce, one bounce cannot read, one naming no usable\n"
          "                    recipient or cut at the 64 MiB size limit) into the\n"
          "                    Maildir DIR, whole, for a person to read; with --pipe,\n"
          "                    exit 75 when that fails, so nothing the MTA handed\n"
          "                    over is lost\n"
          "  --batch N         records per transaction (default 1000)\n"
          "  --retry N         when the server connection is lost mid-run\n"
          "                    (PostgreSQL restarting), reconnect and store the\n"
          "                    open batch again, up to N times, waiting 1, 2, 4...\n"
          "                    s (default 5; 0 with --pipe: the MTA retries)\n"
          "  --log [--follow]  the paths are MTA logs ('bounce ingest --log --help')\n", out);
    store_cli_policy_help(out);
    fputs("                    (for a new list; an existing list keeps its policy:\n"
          "                    change it with 'bounce rebuild')\n\n"
          "examples:\n"
          "  bounce ingest ~/Maildir/.Bounces\n"
          "  bounce ingest --db /var/lib/bounce/list.db /var/mail/bounces\n"
          "  /etc/aliases:  bounces: \"|/usr/bin/bounce ingest --pipe --db /var/lib/bounce/list.db\"\n",
          out);
}

/* note - a line for the log: stderr, and syslog (mail) in pipe mode */
static void note(ingest_run *r, const char *name, const char *what)
{
    fprintf(stderr, "bounce ingest: %s: %s\n", name, what);
    if (r->pipe)
        syslog(LOG_MAIL | LOG_NOTICE, "%s: %s", name, what);
}

/* progress_clear - erase the progress line */
static void progress_clear(ingest_run *r)
{
    if (r->progress_shown)
        fputs("\r\033[K", stderr);
    r->progress_shown = false;
}

/* progress_tick - one line on a terminal, once a second */
static void progress_tick(ingest_run *r)
{
    time_t t = time(NULL);
    if (!r->progress || t == r->last_tick)
        return;
    r->last_tick = t;
    fprintf(stderr, "\r\033[Kbounce ingest: %lu messages, %zu records, %zu new "
            "suppressions", r->messages, r->st.records, r->st.suppressed);
    r->progress_shown = true;
}

/* commit_batch - commit the open transaction and start the next */
static int commit_batch(ingest_run *r, bool reopen)
{
    int rc = bn_store_commit(r->s);
    r->in_batch = 0;
    r->batch_start = mono_now();
    if (rc == BN_OK) { /* the next batch starts from here */
        ingest_keep_clear(&r->keep);
        r->st0 = r->st, r->messages0 = r->messages;
        r->not_bounces0 = r->not_bounces;
    }
    if (rc == BN_OK && reopen)
        rc = bn_store_begin(r->s);
    return rc;
}

/* verp_fill - a recipient from the envelope for records that name none */
static void verp_fill(ingest_run *r, bn_record *recs, size_t n, char *buf,
                      size_t size)
{
    if (!r->envelope_to ||
        bn_verp_decode(buf, size, r->verp_pattern, r->envelope_to,
                       strlen(r->envelope_to)) != BN_OK)
        return;
    for (size_t i = 0; i < n; i++)
        if (recs[i].recipient.n == 0)
            recs[i].recipient = (bn_str){buf, strlen(buf)};
}

/* store_records - the records of one message into the open transaction */
static int store_records(ingest_run *r, const bn_source_msg *m,
                         const bn_record *recs, size_t n)
{
    char verp[BN_ADDR_MAX];
    bn_record *copy = NULL;
    if (r->envelope_to && n > 0) {
        if (!(copy = bn_malloc(n * sizeof *copy)))
            return BN_ENOMEM;
        memcpy(copy, recs, n * sizeof *copy);
        verp_fill(r, copy, n, verp, sizeof verp);
        recs = copy;
    }
    int rc = bn_store_ingest(r->s, recs, n, m->name, m->buf, m->len, &r->st);
    bn_free(copy);
    r->in_batch += n;
    return rc;
}

/* keep_other - a message for a person into the --keep-other Maildir, whole
   (one past even KEEP_READ_MAX is not kept: with --pipe the MTA keeps it) */
static int keep_other(ingest_run *r, const bn_source_msg *m, const char *label,
                      const char *what)
{
    char path[4096], line[4600], big[64];
    int err = m->truncated ? EFBIG
                           : maildir_deliver(r->keep_other, m->buf, m->len, path, sizeof path);
    if (err) {
        snprintf(big, sizeof big, "larger than the %zu MiB read to keep it whole",
                 KEEP_READ_MAX >> 20);
        snprintf(line, sizeof line, "%s; cannot keep it in %s: %s", what, r->keep_other,
                 m->truncated ? big : strerror(err));
        note(r, label, line);
        r->keep_failed = true;
        return BN_EIO;
    }
    snprintf(line, sizeof line, "%s; kept as %s", what, path);
    note(r, label, line);
    return BN_OK;
}

/* no_record - a message that gave no record: kept for a person when asked;
   named on stderr with --pipe, and when it is not mail at all (a batch's
   summary counts the non-bounces) */
static int no_record(ingest_run *r, const bn_source_msg *m, bool not_mail)
{
    const char *what = not_mail ? "not a mail message" : "not a bounce";
    char line[64];
    r->not_bounces++;
    if (r->keep_other)
        return keep_other(r, m, m->name, what);
    snprintf(line, sizeof line, "%s%s", what, r->pipe ? "; accepted" : "");
    if (r->pipe || not_mail)
        note(r, m->name, line);
    return BN_OK;
}

/* msg_label - the message's name and, when it has one, its Message-ID (of
   the message r's parser read last) */
static const char *msg_label(const ingest_run *r, const bn_source_msg *m, char *buf,
                             size_t size)
{
    char id[256];
    if (bn_parser_message_id(r->p, id, sizeof id))
        snprintf(buf, size, "%s (Message-ID %s)", m->name, id);
    else
        snprintf(buf, size, "%s", m->name);
    return buf;
}

/* unread_part - a stored bounce the list cannot fully use: cut at the size
   limit, or naming no usable recipient. Said once, when it is first stored
   (a re-run only counts it), and kept for a person with --keep-other */
static int unread_part(ingest_run *r, const bn_source_msg *m, size_t n,
                       const bn_ingest_stats *before)
{
    bool cut = m->truncated || (bn_parser_anomalies(r->p) & BN_ANOM_TRUNCATED);
    bool nobody = r->st.no_recipient - before->no_recipient == n;
    char cutmsg[96], what[256], label[1400];
    if (!(cut || nobody) || r->st.events == before->events)
        return BN_OK;
    snprintf(cutmsg, sizeof cutmsg, CLI_CUT_FMT, r->parse_max);
    snprintf(what, sizeof what, "%s%s%s", cut ? cutmsg : "", cut && nobody ? "; " : "",
             nobody ? "no usable recipient found" : "");
    msg_label(r, m, label, sizeof label);
    if (r->keep_other)
        return keep_other(r, m, label, what);
    note(r, label, what);
    return BN_OK;
}

/* store_message - parse one message, store its records, and name (keep)
   what the list cannot use */
static int store_message(ingest_run *r, const bn_source_msg *m)
{
    const bn_record *recs;
    size_t n;
    int rc = bn_parse(r->p, m->buf, m->len, &recs, &n);
    r->messages++;
    if (rc == BN_EFORMAT || (rc == BN_OK && n == 0))
        return no_record(r, m, rc == BN_EFORMAT);
    if (rc != BN_OK)
        return rc;
    bn_ingest_stats before = r->st;
    rc = store_records(r, m, recs, n);
    return rc ? rc : unread_part(r, m, n, &before);
}

/* ingest_message - keep (for a retry), store, commit a full batch */
static int ingest_message(ingest_run *r, const bn_source_msg *m)
{
    int rc = r->retries > 0 ? ingest_keep_add(&r->keep, m) : BN_OK;
    if (rc == BN_OK)
        rc = store_message(r, m);
    if (rc == BN_OK && (r->in_batch >= r->batch_max ||
                        mono_now() - r->batch_start >= BATCH_SECONDS || ingest_keep_full(&r->keep)))
        rc = commit_batch(r, true);
    return rc;
}

/* retry_batch - the server connection was lost mid-batch: nothing of the
 * batch was written; reconnect (bn_store_begin does) and store it again */
static int retry_batch(ingest_run *r, int rc)
{
    for (int a = 1; rc != BN_OK && bn_store_lost(r->s) && a <= r->retries; a++) {
        bn_store_rollback(r->s);
        progress_clear(r);
        fprintf(stderr, "bounce ingest: %s\nbounce ingest: reconnecting to store "
                "the batch again (%zu messages), attempt %d of %d\n",
                bn_store_errmsg(r->s), r->keep.n, a, r->retries);
        ingest_retry_wait((unsigned)a);
        r->st = r->st0, r->messages = r->messages0;
        r->not_bounces = r->not_bounces0, r->in_batch = 0;
        rc = bn_store_begin(r->s);
        for (size_t i = 0; rc == BN_OK && i < r->keep.n; i++) {
            bn_source_msg m = {.name = r->keep.v[i].name, .buf = r->keep.v[i].buf,
                               .len = r->keep.v[i].len,
                               .truncated = r->keep.v[i].truncated};
            rc = store_message(r, &m);
        }
    }
    return rc;
}

/* run_messages - every message of the source, in batches */
static int run_messages(ingest_run *r, bn_source *src)
{
    bn_source_msg m;
    int rc = bn_store_begin(r->s);
    r->batch_start = mono_now();
    while (rc == BN_OK && bn_source_next(src, &m)) {
        if (m.err != BN_OK) {
            progress_clear(r);
            note(r, m.name, m.why ? m.why : bn_strerror(m.err));
            r->unreadable++;
            r->status = 1;
            continue;
        }
        rc = ingest_message(r, &m);
        if (rc != BN_OK)
            rc = retry_batch(r, rc);
        progress_tick(r);
    }
    progress_clear(r);
    if (rc == BN_OK && (rc = commit_batch(r, false)) != BN_OK &&
        (rc = retry_batch(r, rc)) == BN_OK)
        rc = commit_batch(r, false);
    if (rc == BN_OK)
        return rc;
    bn_store_rollback(r->s);
    return rc;
}

/* summary_json - the summary object */
static void summary_json(void *ctx, void *json)
{
    ingest_run *r = ctx;
    bn_json *j = json;
    bn_json_object_begin(j);
    bn_json_kv_cstr(j, "db", r->c.db);
    bn_json_kv_int(j, "messages", (long long)r->messages);
    bn_json_kv_int(j, "not_bounces", (long long)r->not_bounces);
    bn_json_kv_int(j, "unreadable", (long long)r->unreadable);
    bn_json_kv_int(j, "records", (long long)r->st.records);
    bn_json_kv_int(j, "new_events", (long long)r->st.events);
    bn_json_kv_int(j, "duplicates", (long long)r->st.duplicates);
    bn_json_kv_int(j, "new_suppressions", (long long)r->st.suppressed);
    bn_json_kv_int(j, "sender_side", (long long)r->st.sender_side);
    bn_json_kv_int(j, "no_recipient", (long long)r->st.no_recipient);
    bn_json_object_end(j);
}

/* print_summary - the run in one or two lines */
static void print_summary(ingest_run *r)
{
    if (r->json) {
        store_cli_json_line(stdout, summary_json, r);
        return;
    }
    printf("%lu message%s (%lu %s), ", r->messages, store_cli_s(r->messages), r->not_bounces,
           r->not_bounces == 1 ? "not a bounce" : "not bounces");
    store_cli_ingest_counts(&r->st);
    if (r->st.no_recipient)
        printf(", %zu record%s without a usable recipient", r->st.no_recipient,
               store_cli_s(r->st.no_recipient));
    printf("\n");
}

/* parse_args - options; the index of the first path, or -(exit status) */
static int parse_args(ingest_run *r, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *v;
        int k = store_cli_option(&r->c, argc, argv, &i, true);
        if (k < 0)
            return -EXIT_USAGE;
        if (k > 0)
            continue;
        if (cli_is_help(argv[i])) {
            ingest_help(stdout);
            return -1000;
        } else if (!strcmp(argv[i], "--json")) {
            r->json = true;
        } else if (!strcmp(argv[i], "--pipe")) {
            r->pipe = true;
        } else if ((v = store_cli_value(argc, argv, &i, "--envelope-to"))) {
            r->envelope_to = v;
        } else if ((v = store_cli_value(argc, argv, &i, "--verp-pattern"))) {
            char t[8];
            if (bn_verp_decode(t, sizeof t, v, "", 0) == BN_EINVAL)
                return -cli_usage_error("ingest", "bad --verp-pattern '%s' (like "
                                        "'bounces+{local}={domain}@*')", v);
            r->verp_pattern = v;
        } else if ((v = store_cli_value(argc, argv, &i, "--keep-other"))) {
            r->keep_other = v;
        } else if ((v = store_cli_value(argc, argv, &i, "--retry"))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 0 || n > 100)
                return -cli_usage_error("ingest", "bad --retry '%s' (0 to 100)", v);
            r->retries = (int)n;
        } else if ((v = store_cli_value(argc, argv, &i, "--batch"))) {
            long b = atol(v);
            if (b < 1 || b > 1000000)
                return -cli_usage_error("ingest", "bad --batch '%s' (1 to 1000000)", v);
            r->batch_max = (size_t)b;
        } else if (!strcmp(argv[i], "--")) {
            return i + 1;
        } else {
            return -cli_usage_error("ingest", "unknown option '%s'", argv[i]);
        }
    }
    return i;
}

/* check_policy - an existing list keeps its policy: refuse a different one */
static int check_policy(ingest_run *r)
{
    char a[4096], b[4096];
    if (!r->c.policy_given)
        return 0;
    bn_policy_format(bn_store_policy(r->s), a, sizeof a);
    bn_policy_format(&r->c.policy, b, sizeof b);
    if (!strcmp(a, b))
        return 0;
    return cli_usage_error("ingest", "%s was built with another policy; change "
                           "it with 'bounce rebuild --policy FILE' (or --set), "
                           "which re-evaluates the list", r->c.db);
}

/* open_all - source, parser and store */
static int open_all(ingest_run *r, bn_source **src, int argc, char **argv,
                    int first)
{
    bn_parse_opts po = BN_PARSE_OPTS_INIT;
    po.envelope_to = r->envelope_to;
    r->parse_max = po.max_message_size;
    int rc = bn_source_new(src, r->keep_other ? KEEP_READ_MAX : po.max_message_size);
    if (rc == BN_OK && r->pipe) /* one message, as the MTA delivers it */
        bn_source_stdin_one(*src);
    for (int i = first; rc == BN_OK && i < argc; i++)
        rc = bn_source_add(*src, argv[i]);
    if (rc == BN_OK && (first >= argc || r->pipe))
        rc = first >= argc ? bn_source_add(*src, "-") : BN_OK;
    if (rc == BN_OK)
        rc = bn_parser_new(&r->p, &po);
    if (rc != BN_OK) {
        cli_error("out of memory");
        return r->pipe ? EXIT_TEMPFAIL : 1;
    }
    int status = store_cli_open(&r->c, &r->s, false);
    return status ? status : check_policy(r);
}

/* pipe_in_args - --pipe given anywhere (a usage error may stop parsing
 * before it is reached) */
static bool pipe_in_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--pipe"))
            return true;
    return false;
}

/* cmd_ingest - bounce ingest [options] [PATH...|-] */
int cmd_ingest(int argc, char **argv)
{
    ingest_run r = {.batch_max = BATCH_RECORDS, .retries = -1};
    bn_source *src = NULL;
    if (cli_log_wanted(argc, argv)) /* MTA logs: cli/log_cmd.c */
        return cli_log_ingest(argc, argv);
    store_cli_init(&r.c, "ingest");
    int first = parse_args(&r, argc, argv);
    if (first == -1000)
        return 0;
    if (first < 0) /* with --pipe: 75, the MTA keeps the bounce until fixed */
        return r.pipe || pipe_in_args(argc, argv) ? EXIT_TEMPFAIL : -first;
    if (r.pipe && first < argc)
        return cli_usage_error("ingest", "--pipe reads one message on stdin, not "
                               "paths"), EXIT_TEMPFAIL;
    if (first >= argc && isatty(STDIN_FILENO))
        return cli_usage_error("ingest", "no input: give a path, or '-' / a pipe for stdin");
    if (!r.envelope_to)
        r.envelope_to = getenv("ORIGINAL_RECIPIENT");
    if (!r.envelope_to || !*r.envelope_to)
        r.envelope_to = getenv("RECIPIENT");
    if (r.envelope_to && !*r.envelope_to)
        r.envelope_to = NULL;
    if (r.pipe)
        openlog("bounce", LOG_PID, LOG_MAIL);
    r.progress = !r.pipe && !r.json && isatty(STDERR_FILENO);
    if (r.retries < 0) /* only a server connection can come back */
        r.retries = r.pipe || !bn_store_is_pg_uri(r.c.db) ? 0 : INGEST_RETRIES;
    r.c.bulk = !r.pipe; /* a re-run repairs a batch lost to a power cut;
                           the MTA's copy is gone once --pipe exits 0 */
    int status = open_all(&r, &src, argc, argv, first);
    if (status == 0) {
        int rc = run_messages(&r, src);
        status = r.keep_failed ? 1 : rc ? store_cli_fail(&r.c, r.s, rc) : r.status;
        if (rc == BN_ENOMEM || rc == BN_EIO)
            status = r.pipe ? EXIT_TEMPFAIL : 1;
        if (rc && !r.pipe && r.st.events)
            fprintf(stderr, "bounce ingest: the batch being written was rolled "
                    "back; earlier batches are stored; run again to finish "
                    "(stored bounces are skipped)\n");
        if (rc == BN_OK && (!r.pipe || r.json)) /* an MTA reads no stdout */
            print_summary(&r);
    }
    if (r.pipe && status != 0)
        status = EXIT_TEMPFAIL; /* never make the MTA drop a bounce */
    ingest_keep_free(&r.keep);
    bn_parser_free(r.p);
    bn_source_free(src);
    bn_store_close(r.s);
    if (r.pipe)
        closelog();
    return status;
}
