/*
 * cmd_parse.c - bounce parse: read bounce messages, print one record per
 * failed recipient
 *
 * Paths may be files, directories (walked recursively, sorted), Maildirs,
 * mboxes, or "-" for stdin; reading streams, so memory does not grow with
 * the input. Output is JSON Lines when stdout is not a terminal (or with
 * --json), a table on a terminal. A path that cannot be read or is not a
 * message is reported on stderr and the run goes on; the exit status is
 * then 1. Messages that are not bounces print nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "cli.h"
#include "log_cmd.h"
#include "core/alloc.h"
#include "output/output.h"

/* parse_options: --help was given and answered (exit 0) */
#define OPTS_HELP (-1000)

typedef enum out_format { FMT_AUTO, FMT_JSON, FMT_SISIMAI, FMT_TABLE } out_format;

typedef struct parse_run {
    out_format fmt;
    bool explain;
    bool log;           /* --log: the paths are MTA logs (cli/log_cmd.c) */
    bool header_done;   /* table header printed */
    unsigned width;     /* terminal width for the table */
    char *buf;          /* JSON lines not yet written: buf[0..used) */
    size_t size, used;
    unsigned long messages, records;
    bool progress;      /* progress line allowed (stderr is a terminal) */
    bool progress_shown;
    bool stdout_tty;    /* records go to the terminal the progress line is on */
    size_t max_message_size; /* bytes kept of one message */
    struct timespec start, last;
    int status;
} parse_run;

/* parse_help - usage with examples */
static void parse_help(FILE *out)
{
    fputs("usage: bounce parse [--json | --format json|sisimai|table] [--explain]\n"
          "                    [PATH... | -]\n\n"
          "Reads bounce messages and prints one record per failed recipient, in\n"
          "the order the recipients appear: files, directories (recursively, in\n"
          "sorted order), Maildir folders, mbox files (split on From_ lines), or\n"
          "stdin ('-', or no PATH with a pipe). Messages that are not bounces\n"
          "print nothing. A path that cannot be read or is not a mail message is\n"
          "named on stderr, the run goes on, and the exit status is 1.\n\n"
          "options:\n"
          "  --json            JSON Lines, one object per record (the default when\n"
          "                    stdout is not a terminal)\n"
          "  --format FORMAT   json, sisimai (Sisimai's field names and types), or\n"
          "                    table (the default on a terminal)\n"
          "  --log             the paths are MTA logs (Postfix, Exim, Sendmail):\n"
          "                    one record per delivery line (see docs/logs.md)\n"
          "  --explain         show the evidence of each record: which part and rule\n"
          "                    gave the recipient, the status and the reason\n"
          "  -h, --help        this text\n\n"
          "examples:\n"
          "  bounce parse bounce.eml\n"
          "  bounce parse --json ~/Maildir/.Bounces > records.jsonl\n"
          "  bounce parse --format sisimai /var/mail/bounces\n"
          "  bounce parse --explain bounce.eml\n"
          "  cat bounce.eml | bounce parse --json | jq -r 'select(.action == \"suppress\") | .recipient'\n",
          out);
}

/* now - monotonic time */
static struct timespec now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

/* ms_between - milliseconds from a to b */
static long ms_between(struct timespec a, struct timespec b)
{
    return (long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

/* progress_clear - erase the progress line before other output */
static void progress_clear(parse_run *r)
{
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
        r->progress_shown = false;
    }
}

/* progress_tick - a progress line after the first second, four times a second */
static void progress_tick(parse_run *r)
{
    if (!r->progress)
        return;
    struct timespec t = now();
    if (ms_between(r->start, t) < 1000 || ms_between(r->last, t) < 250)
        return;
    r->last = t;
    fprintf(stderr, "\r\033[Kbounce parse: %lu messages, %lu records", r->messages,
            r->records);
    r->progress_shown = true;
}

/* JSON lines are gathered in r->buf and written this many bytes at a time:
   one write(2) per ~30 records, and no copy through stdio's small buffer.
   32 KiB measured fewest cache misses (cachegrind): 64 KiB pushed the
   parser's and classifier's tables out more, 16 KiB wrote twice as often. */
#define OUT_CHUNK (32 * 1024)

/* out_flush - write the gathered JSON lines */
static void out_flush(parse_run *r)
{
    if (r->used > 0 && fwrite(r->buf, 1, r->used, stdout) != r->used)
        r->status = 1; /* the final fflush/ferror check reports it */
    r->used = 0;
}

/* out_reserve - room for a line of need bytes (NUL included) after the
   gathered ones: flushed first when it does not fit, the buffer grown when
   a single line is larger than it; false when out of memory */
static bool out_reserve(parse_run *r, size_t need)
{
    if (r->size - r->used >= need)
        return true;
    out_flush(r);
    if (r->size >= need)
        return true;
    size_t cap = need > OUT_CHUNK * 2 ? need : OUT_CHUNK * 2;
    char *grown = bn_realloc(r->buf, cap);
    if (!grown)
        return false;
    r->buf = grown;
    r->size = cap;
    return true;
}

/* format_json - the record as JSON at r->buf + r->used (as much as fits);
   the length it needs */
static size_t format_json(parse_run *r, const bn_record *rec, const char *name)
{
    char *at = r->buf ? r->buf + r->used : NULL;
    size_t room = r->size - r->used;
    return r->fmt == FMT_SISIMAI ? bn_record_sisimai_json(rec, name, at, room)
                                 : bn_record_json(rec, name, at, room);
}

/* emit_json - one record as a JSON line, appended to the gathered lines
   (formatted again only when it did not fit the room left) */
static void emit_json(parse_run *r, const bn_record *rec, const char *name)
{
    size_t need = format_json(r, rec, name);
    if (need + 1 >= r->size - r->used) { /* the line and its newline did not fit */
        if (!out_reserve(r, need + 2)) {
            cli_error("%s: out of memory writing a record", name);
            r->status = 1;
            return;
        }
        format_json(r, rec, name);
    }
    r->buf[r->used + need] = '\n'; /* over the NUL */
    r->used += need + 1;
    if (r->used >= OUT_CHUNK || r->stdout_tty) /* a terminal sees each record at once */
        out_flush(r);
}

/* evidence_line - one "label  value (from where)" line of --explain */
static void evidence_line(const char *label, const char *v, size_t n, const char *src)
{
    printf("  %-12s ", label);
    bn_term_text(stdout, v, n, 200, false);
    if (src && *src)
        printf("  [%s]", src);
    fputc('\n', stdout);
}

/* emit_explain - a record and the evidence behind each field */
static void emit_explain(const bn_record *rec, const char *name)
{
    const bn_verdict *v = &rec->verdict;
    char expl[1024];
    size_t n = bn_verdict_explain(v, expl, sizeof(expl));
    const char *reason = bn_reason_name(v->reason);
    bn_term_text(stdout, name, strlen(name), 400, false);
    fputs(":\n", stdout);
    evidence_line("recipient", rec->recipient.p, rec->recipient.n, rec->recipient_src);
    evidence_line("status", v->status, strlen(v->status),
                  v->status_derived ? "derived from the reply code" : rec->status_src);
    evidence_line("reason", reason, strlen(reason), rec->reason_src);
    evidence_line("rule", v->rule, v->rule ? strlen(v->rule) : 0, NULL);
    evidence_line("format", rec->format, rec->format ? strlen(rec->format) : 0, NULL);
    evidence_line("diagnostic", rec->diagnostic.p, rec->diagnostic.n, NULL);
    printf("  %-12s %s, %s, fault: %s, action: %s\n", "decision",
           v->hardbounce ? "hard bounce" : "not a hard bounce", bn_permanence_name(v->permanence),
           bn_fault_name(v->fault), bn_action_name(v->action));
    evidence_line("explanation", expl, n < sizeof(expl) ? n : sizeof(expl) - 1, NULL);
    fputc('\n', stdout);
}

/* emit - one record in the chosen format */
static void emit(parse_run *r, const bn_record *rec, const char *name)
{
    if (r->stdout_tty)
        progress_clear(r);
    if (r->fmt == FMT_JSON || r->fmt == FMT_SISIMAI)
        emit_json(r, rec, name);
    else if (r->explain)
        emit_explain(rec, name);
    else {
        if (!r->header_done)
            bn_table_header(stdout, r->width);
        r->header_done = true;
        bn_table_row(stdout, rec, r->width);
    }
    r->records++;
}

/* log_emit - a record of `parse --log` (cli/log_cmd.c) */
static void log_emit(void *ctx, const bn_record *rec, const char *source)
{
    emit(ctx, rec, source);
}

/* parse_message - parse one message and print its records */
static void parse_message(parse_run *r, bn_parser *p, const bn_source_msg *m)
{
    const bn_record *recs;
    size_t count;
    int rc = bn_parse(p, m->buf, m->len, &recs, &count);
    r->messages++;
    if (rc != BN_OK) {
        progress_clear(r);
        cli_error("%s: %s", m->name, bn_strerror(rc));
        r->status = 1;
        return;
    }
    if (m->truncated) { /* a note, not a failure: the records say "truncated" too */
        progress_clear(r);
        cli_error("%s: " CLI_CUT_FMT, m->name,
                  r->max_message_size);
    }
    for (size_t i = 0; i < count; i++) {
        bn_record rec = recs[i];
        if (m->truncated)
            rec.anomalies |= BN_ANOM_TRUNCATED;
        emit(r, &rec, m->name);
    }
}

/* run_source - every message of the source */
static void run_source(parse_run *r, bn_parser *p, bn_source *src)
{
    bn_source_msg m;
    while (bn_source_next(src, &m)) {
        if (m.err != BN_OK) {
            progress_clear(r);
            cli_error("%s: %s", m.name, m.why);
            r->status = 1;
        } else
            parse_message(r, p, &m);
        progress_tick(r);
    }
    progress_clear(r);
}

/* terminal_width - columns of the terminal on stdout, 0 when unknown */
static unsigned terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    return cols ? (unsigned)strtoul(cols, NULL, 10) : 0;
}

/* parse_format - the --format argument */
static int parse_format(const char *arg, out_format *fmt)
{
    if (strcmp(arg, "json") == 0)
        *fmt = FMT_JSON;
    else if (strcmp(arg, "sisimai") == 0)
        *fmt = FMT_SISIMAI;
    else if (strcmp(arg, "table") == 0)
        *fmt = FMT_TABLE;
    else
        return cli_usage_error("parse", "unknown format '%s' (json, sisimai, table)", arg);
    return 0;
}

/* parse_option - one option; 0, OPTS_HELP, or -(exit status) */
static int parse_option(int argc, char **argv, int *i, parse_run *r)
{
    const char *a = argv[*i];
    if (cli_is_help(a)) {
        parse_help(stdout);
        return OPTS_HELP;
    }
    if (strcmp(a, "--json") == 0)
        r->fmt = FMT_JSON;
    else if (strcmp(a, "--explain") == 0)
        r->explain = true;
    else if (strcmp(a, "--log") == 0)
        r->log = true;
    else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
        const char *v = a[8] == '=' ? a + 9 : (*i + 1 < argc ? argv[++*i] : NULL);
        if (!v)
            return -cli_usage_error("parse", "--format needs a value");
        if (parse_format(v, &r->fmt) != 0)
            return -EXIT_USAGE;
    } else
        return -cli_usage_error("parse", "unknown option '%s'", a);
    return 0;
}

/*
 * parse_options - options anywhere before "--"; the paths are moved to
 * argv[1..]. Returns the number of paths, OPTS_HELP, or -(exit status).
 */
static int parse_options(int argc, char **argv, parse_run *r)
{
    int npaths = 0;
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0)
            options = false;
        else if (options && a[0] == '-' && a[1] != '\0') {
            int rc = parse_option(argc, argv, &i, r);
            if (rc != 0)
                return rc;
        } else
            argv[1 + npaths++] = argv[i];
    }
    return npaths;
}

/* open_source - a source over the paths argv[first..argc), or stdin */
static int open_source(bn_source **src, size_t max, int argc, char **argv, int first)
{
    int rc = bn_source_new(src, max);
    for (int i = first; rc == BN_OK && i < argc; i++)
        rc = bn_source_add(*src, argv[i]);
    if (rc == BN_OK && first >= argc)
        rc = bn_source_add(*src, "-");
    return rc;
}

/* cmd_parse - bounce parse [options] [PATH...|-] */
int cmd_parse(int argc, char **argv)
{
    bn_parse_opts defaults = BN_PARSE_OPTS_INIT;
    parse_run r = {.fmt = FMT_AUTO, .max_message_size = defaults.max_message_size};
    int npaths = parse_options(argc, argv, &r);
    if (npaths == OPTS_HELP)
        return 0;
    if (npaths < 0)
        return -npaths;
    if (npaths == 0 && isatty(STDIN_FILENO))
        return cli_usage_error("parse", "no input: give a path, or '-' / a pipe for stdin");
    if (r.fmt == FMT_AUTO) /* --explain alone is for a person, even in a pipe */
        r.fmt = r.explain || isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_JSON;
    r.width = r.fmt == FMT_TABLE ? terminal_width() : 0;
    r.progress = isatty(STDERR_FILENO);
    r.stdout_tty = isatty(STDOUT_FILENO);
    r.start = r.last = now();
    if (r.log) {
        r.status = cli_log_parse(npaths, argv + 1, log_emit, &r);
        out_flush(&r);
        bn_free(r.buf);
        return fflush(stdout) != 0 || ferror(stdout) ? 1 : r.status;
    }
    bn_source *src = NULL;
    bn_parser *p = NULL;
    int rc = open_source(&src, r.max_message_size, npaths + 1, argv, 1);
    if (rc == BN_OK)
        rc = bn_parser_new(&p, NULL);
    if (rc != BN_OK) {
        bn_source_free(src);
        if (rc == BN_EINVAL)
            return cli_usage_error("parse", "an empty path names no file");
        cli_error("%s", bn_strerror(rc));
        return 1;
    }
    run_source(&r, p, src);
    out_flush(&r);
    bn_parser_free(p);
    bn_source_free(src);
    bn_free(r.buf);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("writing the output failed");
        return 1;
    }
    return r.status;
}
