/*
 * log_cmd.c - MTA logs in the bounce tool (see log_cmd.h)
 *
 * `bounce parse --log FILE...` prints the records of the delivery lines
 * through parse's own writers; `bounce ingest --log FILE...` stores them
 * like bounces, and with --follow keeps reading the logs as they grow and
 * rotate, committing in batches (1000 records or one second) and saving
 * each log's position after each commit. SIGTERM and SIGINT finish the
 * batch, save the positions and exit 0; a restart resumes there.
 * The raw line is what the store hashes into its deduplication key, so a
 * line read twice (crash between commit and position save) is recognised.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/alloc.h"
#include "core/json.h"
#include "log_cmd.h"
#include "logs/logs.h"
#include "store_cli.h"

#define LOG_BATCH 1000
#define LOG_CHUNK (1u << 20)
#define LOG_WARMUP (8u << 20) /* bytes re-read before a resume point */
#define LOG_POLL_MS 250

/* ------------------------------------------------------------------ */
/* parse --log                                                         */
/* ------------------------------------------------------------------ */

typedef struct parse_ctx {
    cli_log_emit_fn emit;
    void *ctx;
    const char *name;
    const char *last;     /* line pointer of the last record's line */
    uint64_t line;        /* its number in the file */
    const char *chunk;    /* start of the bytes being fed */
    uint64_t chunk_line;  /* number of the line before chunk */
    char src[4200];
} parse_ctx;

/* line_number - number of the line at p: newlines counted since the last */
static uint64_t line_number(const char **last, uint64_t *line, const char *chunk,
                            uint64_t chunk_line, const char *p)
{
    if (!*last || *last < chunk || *last > p) {
        *last = chunk;
        *line = chunk_line + 1;
    }
    for (const char *q = *last; (q = memchr(q, '\n', (size_t)(p - q))) != NULL; q++)
        (*line)++;
    *last = p;
    return *line;
}

/* parse_cb - records of one line to the command's writer */
static int parse_cb(const bn_record *recs, size_t count, const char *line, size_t len,
                    void *payload)
{
    parse_ctx *c = payload;
    uint64_t no = line_number(&c->last, &c->line, c->chunk, c->chunk_line, line);
    snprintf(c->src, sizeof(c->src), "%s:%" PRIu64, c->name, no);
    for (size_t i = 0; i < count; i++)
        c->emit(c->ctx, &recs[i], c->src);
    return 0;
}

/* count_lines - newlines in (p, n) */
static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *q = p, *e = p + n; (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
        k++;
    return k;
}

/* parse_fd - every line of an open file or stdin */
static int parse_fd(bn_log_reader *r, int fd, parse_ctx *c, char *buf)
{
    size_t have = 0;
    c->chunk_line = 0;
    for (;;) {
        ssize_t got = read(fd, buf + have, LOG_CHUNK - have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return BN_EIO;
        have += (size_t)got;
        size_t used;
        c->chunk = buf;
        c->last = NULL;
        bn_log_feed(r, buf, have, got == 0, &used, parse_cb, c);
        c->chunk_line += count_lines(buf, used);
        memmove(buf, buf + used, have - used);
        have -= used;
        if (got == 0)
            return BN_OK;
    }
}

/* print_counts - the reader's counters, one line on stderr */
static void print_counts(const char *label, const bn_log_stats *st)
{
    fprintf(stderr,
            "bounce %s: %" PRIu64 " log lines: %" PRIu64 " records (%" PRIu64 " bounced, %" PRIu64
            " expired, %" PRIu64 " deferred, %" PRIu64 " delivered), %" PRIu64
            " sender/queue lines; skipped %" PRIu64 " of other programs or no interest, %" PRIu64
            " garbage, %" PRIu64 " too long; %" PRIu64 " truncated\n",
            label, st->lines, st->records, st->bounced, st->expired, st->deferred, st->delivered,
            st->state, st->other, st->garbage, st->too_long, st->truncated);
}

/* cli_log_parse - read MTA logs and hand every record to emit */
int cli_log_parse(int npaths, char **paths, cli_log_emit_fn emit, void *ctx)
{
    bn_log_reader *r;
    char *buf = bn_malloc(LOG_CHUNK);
    int status = 0;
    if (!buf || bn_log_reader_new(&r, NULL) != BN_OK) {
        bn_free(buf);
        cli_error("out of memory");
        return 1;
    }
    parse_ctx c = {.emit = emit, .ctx = ctx};
    static char *const dash[] = {"-"};
    if (npaths == 0)
        paths = (char **)dash, npaths = 1;
    /* one reader for all: a queue id's sender may be in the previous file */
    for (int i = 0; i < npaths; i++) {
        bool in = strcmp(paths[i], "-") == 0;
        int fd = in ? STDIN_FILENO : open(paths[i], O_RDONLY | O_CLOEXEC);
        c.name = in ? "-" : paths[i];
        if (fd < 0 || parse_fd(r, fd, &c, buf) != BN_OK) {
            cli_error("%s: %s", paths[i], strerror(errno));
            status = 1;
        }
        if (fd >= 0 && !in)
            close(fd);
    }
    bn_log_stats st;
    bn_log_stats_get(r, &st);
    print_counts("parse", &st);
    bn_log_reader_free(r);
    bn_free(buf);
    return status;
}

/* ------------------------------------------------------------------ */
/* ingest --log [--follow]                                             */
/* ------------------------------------------------------------------ */

static volatile sig_atomic_t log_stop;

/* on_signal - SIGTERM/SIGINT: finish the batch, save, exit */
static void on_signal(int sig)
{
    (void)sig;
    log_stop = 1;
}

typedef struct log_file {
    const char *path;     /* as given: names the records' source */
    char key[PATH_MAX];   /* absolute path: the saved position's key */
    bool in;              /* stdin */
    bn_tail *tail;
    bn_log_reader *r;
    bool done;
    const char *last;
    uint64_t line;
    bn_log_stats base;    /* counters of the warm-up, left out of reports */
} log_file;

typedef struct log_run {
    store_cli c;
    bool follow, json;
    bool from_start;      /* --from-start: ignore the saved positions */
    size_t batch_max;
    bn_store *s;
    log_file *files;
    int nfiles;
    bn_ingest_stats st;
    size_t in_batch;
    bool in_txn;          /* a transaction is open */
    time_t batch_start;
    int rc;               /* first store error */
    log_file *cur;        /* file being fed */
    const char *chunk;
    uint64_t chunk_line;
    char src[PATH_MAX + 32];
} log_run;

/* ingest_cb - store the records of one line in the open transaction */
static int ingest_cb(const bn_record *recs, size_t count, const char *line, size_t len,
                     void *payload)
{
    log_run *r = payload;
    log_file *f = r->cur;
    uint64_t no = line_number(&f->last, &f->line, r->chunk, r->chunk_line, line);
    snprintf(r->src, sizeof(r->src), "%s:%" PRIu64, f->path, no);
    int rc = bn_store_ingest(r->s, recs, count, r->src, line, len, &r->st);
    r->in_batch += count;
    if (rc != BN_OK)
        r->rc = rc;
    return rc;
}

/* save_positions - every file's position after the lines of the batch,
 * into the batch's transaction */
static int save_positions(log_run *r)
{
    for (int i = 0; i < r->nfiles; i++) {
        log_file *f = &r->files[i];
        bn_tailpos pos;
        if (!f->tail || f->in)
            continue;
        bn_tail_pos(f->tail, &pos);
        int rc = log_state_put(r->s, f->key, &pos);
        if (rc != BN_OK && rc != BN_EINVAL) /* EINVAL: path too long, not resumed */
            return rc;
    }
    return BN_OK;
}

/*
 * commit - the open batch with the positions it reaches, in one
 * transaction: a crash keeps both or neither. Transactions are begun only
 * when there are lines to read, so an idle follower holds no lock.
 */
static int commit(log_run *r)
{
    if (!r->in_txn)
        return BN_OK;
    int rc = save_positions(r);
    if (rc == BN_OK)
        rc = bn_store_commit(r->s);
    else
        bn_store_rollback(r->s);
    r->in_txn = false;
    r->in_batch = 0;
    return rc;
}

/* begin - a transaction for the lines about to be read */
static int begin(log_run *r)
{
    if (r->in_txn)
        return BN_OK;
    int rc = bn_store_begin(r->s);
    r->in_txn = rc == BN_OK;
    r->batch_start = time(NULL);
    return rc;
}

/* warm_up - re-read the bytes before a resume point for the sender map */
static void warm_up(log_file *f, uint64_t offset)
{
    uint64_t start = offset > LOG_WARMUP ? offset - LOG_WARMUP : 0;
    size_t n = (size_t)(offset - start), used;
    char *buf = n ? bn_malloc(n) : NULL;
    long got = buf ? bn_tail_pread(f->tail, buf, n, start) : -1;
    if (got == (long)n) {
        const char *p = buf;
        if (start > 0) { /* begin at a line start */
            const char *nl = memchr(buf, '\n', n);
            p = nl ? nl + 1 : buf + n;
        }
        bn_log_feed(f->r, p, (size_t)(buf + n - p), false, &used, NULL, NULL);
    }
    bn_free(buf);
}

/* abs_key - the absolute path naming the log's position (it may not exist yet) */
static void abs_key(log_file *f)
{
    char cwd[PATH_MAX];
    size_t n = 0;
    if (realpath(f->path, f->key))
        return;
    if (f->path[0] != '/' && getcwd(cwd, sizeof(cwd)) && strlen(cwd) + 2 < sizeof(f->key)) {
        n = strlen(cwd);
        memcpy(f->key, cwd, n);
        f->key[n++] = '/';
    }
    size_t k = strlen(f->path);
    k = k < sizeof(f->key) - n - 1 ? k : sizeof(f->key) - n - 1;
    memcpy(f->key + n, f->path, k);
    f->key[n + k] = '\0';
}

/* open_file - tail and reader of one path, resumed from its saved position */
static int open_file(log_run *r, log_file *f)
{
    bn_tailpos pos;
    bool saved = false;
    int rc = bn_log_reader_new(&f->r, NULL);
    if (rc != BN_OK)
        return rc;
    abs_key(f);
    if (!f->in && !r->from_start)
        saved = log_state_get(r->s, f->key, &pos);
    /* stdin is not resumed: its last line is read even without a newline */
    unsigned flags = f->in ? 0 : BN_TAIL_SAVED | (r->follow ? BN_TAIL_FOLLOW : 0);
    rc = bn_tail_open(&f->tail, f->in ? "/dev/stdin" : f->path, flags, saved ? &pos : NULL);
    if (rc != BN_OK) {
        cli_error("%s: %s", f->path, strerror(errno));
        return rc;
    }
    bn_tail_stats ts;
    bn_tail_stats_get(f->tail, &ts);
    if (ts.lost_resume)
        fprintf(stderr, "bounce ingest: %s: the saved position was not found (file "
                "replaced or rotated away and compressed); reading it from the start\n",
                f->path);
    bn_tail_pos(f->tail, &pos);
    if (saved) /* still queued, whatever became of the file */
        rc = log_pending_take(r->s, f->key, &bn_log_reader_state(f->r)->defers);
    if (rc != BN_OK) {
        store_cli_fail(&r->c, r->s, rc);
        return rc;
    }
    if (ts.resumed && pos.offset)
        warm_up(f, pos.offset);
    bn_log_stats_get(f->r, &f->base);
    return BN_OK;
}

/* step - read and store what one file has now; true when it had data */
static bool step(log_run *r, log_file *f)
{
    bn_tail_state st;
    const char *p;
    size_t n, used;
    bool eof;
    if (f->done)
        return false;
    if (bn_tail_read(f->tail, &st, &p, &n, &eof) != BN_OK) {
        cli_error("%s: read error: %s (stopped reading it)", f->path, strerror(errno));
        f->done = true;
        return false;
    }
    if (st == BN_TAIL_END) {
        f->done = true;
        return false;
    }
    if (st == BN_TAIL_IDLE)
        return !r->follow; /* not following: the tail moved files, go on */
    bn_tailpos pos;
    bn_tail_pos(f->tail, &pos);
    if ((r->rc = begin(r)) != BN_OK)
        return false;
    r->cur = f;
    r->chunk = p;
    r->chunk_line = pos.line;
    f->last = NULL;
    bn_log_feed(f->r, p, n, eof, &used, ingest_cb, r);
    if (r->rc == BN_OK)
        bn_tail_consume(f->tail, used);
    return true;
}

/* sleep_ms - wait a little; a signal ends the wait early */
static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* run_files - read every file, in batches, until done or stopped */
static int run_files(log_run *r)
{
    int rc = BN_OK;
    while (rc == BN_OK && !log_stop) {
        bool any = false, open = false;
        for (int i = 0; i < r->nfiles && r->rc == BN_OK; i++) {
            any |= step(r, &r->files[i]);
            open |= !r->files[i].done;
        }
        rc = r->rc;
        if (rc == BN_OK && (r->in_batch >= r->batch_max || time(NULL) > r->batch_start ||
                            !any))
            rc = commit(r);
        if (!open)
            break;
        if (!any && r->follow)
            sleep_ms(LOG_POLL_MS);
    }
    if (rc == BN_OK)
        return commit(r);
    if (r->in_txn)
        bn_store_rollback(r->s);
    return rc;
}

/* ingest_help - usage of the log side of ingest */
static void ingest_help(FILE *out)
{
    fputs("usage: bounce ingest --log [--follow] [--db PATH] [--json] FILE...\n\n"
          "Reads MTA delivery logs (Postfix, Exim, Sendmail; syslog, journald\n"
          "short-iso or Exim's own main log) and records every bounced, expired,\n"
          "deferred and delivered recipient like a bounce: hard bounces suppress,\n"
          "deliveries reset soft counts, deferrals feed the per-domain report.\n"
          "Each log's position is saved in the store with the records read up to\n"
          "it, so the next run (or a restart of --follow) goes on where the last\n"
          "one stopped, with nothing read twice and nothing missed.\n\n"
          "options:\n", out);
    store_cli_common_help(out);
    fputs("  --log             the FILEs are MTA logs ('-': stdin, not resumed)\n"
          "  --follow          keep reading as the logs grow; survives rotation\n"
          "                    (rename + new file, and copytruncate); SIGTERM or\n"
          "                    SIGINT finish the batch, save and exit 0\n"
          "  --from-start      read the FILEs from their start, not from the saved\n"
          "                    positions (lines stored before count as duplicates)\n"
          "  --json            the summary as one JSON object\n"
          "  --batch N         records per transaction (default 1000; a batch is\n"
          "                    also committed after a second, and when idle)\n", out);
    store_cli_policy_help(out);
    fputs("\nexamples:\n"
          "  bounce ingest --log /var/log/mail.log\n"
          "  bounce ingest --log --follow --db /var/lib/bounce/list.db /var/log/mail.log\n"
          "  journalctl -u postfix -o short-iso | bounce ingest --log -\n", out);
}

/* log_option - one option of ingest --log; 1 consumed, 0 unknown, <0 exit */
static int log_option(log_run *r, int argc, char **argv, int *i)
{
    const char *v, *a = argv[*i];
    int k = store_cli_option(&r->c, argc, argv, i, true);
    if (k != 0)
        return k < 0 ? -EXIT_USAGE : 1;
    if (cli_is_help(a)) {
        ingest_help(stdout);
        return -1000;
    }
    if (!strcmp(a, "--log"))
        ;
    else if (!strcmp(a, "--follow"))
        r->follow = true;
    else if (!strcmp(a, "--json"))
        r->json = true;
    else if (!strcmp(a, "--from-start"))
        r->from_start = true;
    else if (!strcmp(a, "--log-state"))
        return -cli_usage_error("ingest", "--log-state is gone: the positions are kept in "
                                "the store (--db) now");
    else if ((v = store_cli_value(argc, argv, i, "--batch"))) {
        long b = atol(v);
        if (b < 1 || b > 1000000)
            return -cli_usage_error("ingest", "bad --batch '%s' (1 to 1000000)", v);
        r->batch_max = (size_t)b;
    } else
        return -cli_usage_error("ingest", "unknown option '%s' (with --log)", a);
    return 1;
}

/* parse_args - options; the index of the first path, or -(exit status) */
static int parse_args(log_run *r, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--"))
            return i + 1;
        int k = log_option(r, argc, argv, &i);
        if (k < 0)
            return k;
    }
    return i;
}

/* file_stats - a file's counters since its resume point */
static void file_stats(const log_file *f, bn_log_stats *s)
{
    bn_log_stats_get(f->r, s);
    s->lines -= f->base.lines, s->records -= f->base.records;
    s->bounced -= f->base.bounced, s->expired -= f->base.expired;
    s->deferred -= f->base.deferred, s->delivered -= f->base.delivered;
    s->state -= f->base.state, s->other -= f->base.other, s->garbage -= f->base.garbage;
    s->truncated -= f->base.truncated, s->too_long -= f->base.too_long;
}

/* summary_json - the run as one object */
static void summary_json(void *ctx, void *json)
{
    log_run *r = ctx;
    bn_json *j = json;
    bn_log_stats t = {0};
    for (int i = 0; i < r->nfiles; i++) {
        bn_log_stats s;
        file_stats(&r->files[i], &s);
        t.lines += s.lines, t.records += s.records, t.other += s.other;
        t.garbage += s.garbage, t.truncated += s.truncated, t.too_long += s.too_long;
    }
    bn_json_object_begin(j);
    bn_json_kv_cstr(j, "db", r->c.db);
    bn_json_kv_int(j, "log_lines", (long long)t.lines);
    bn_json_kv_int(j, "records", (long long)r->st.records);
    bn_json_kv_int(j, "new_events", (long long)r->st.events);
    bn_json_kv_int(j, "duplicates", (long long)r->st.duplicates);
    bn_json_kv_int(j, "new_suppressions", (long long)r->st.suppressed);
    bn_json_kv_int(j, "sender_side", (long long)r->st.sender_side);
    bn_json_kv_int(j, "skipped_other", (long long)t.other);
    bn_json_kv_int(j, "skipped_garbage", (long long)t.garbage);
    bn_json_kv_int(j, "skipped_too_long", (long long)t.too_long);
    bn_json_kv_int(j, "truncated", (long long)t.truncated);
    bn_json_object_end(j);
}

/* print_summary - counters of every file, then what the store made of it */
static void print_summary(log_run *r)
{
    if (r->json) {
        store_cli_json_line(stdout, summary_json, r);
        return;
    }
    for (int i = 0; i < r->nfiles; i++) {
        bn_log_stats s;
        char label[PATH_MAX + 16];
        file_stats(&r->files[i], &s);
        snprintf(label, sizeof(label), "ingest: %s", r->files[i].path);
        print_counts(label, &s);
    }
    store_cli_ingest_counts(&r->st);
    printf("\n");
}

/* setup - store, state file, files and signals */
static int setup(log_run *r, int argc, char **argv, int first)
{
    int status = store_cli_open(&r->c, &r->s, false);
    if (status)
        return status;
    int rc = log_state_import(r->s, r->c.db);
    if (rc != BN_OK)
        return store_cli_fail(&r->c, r->s, rc);
    r->nfiles = argc - first;
    r->files = bn_calloc((size_t)r->nfiles, sizeof(*r->files));
    if (!r->files)
        return 1;
    for (int i = 0; i < r->nfiles; i++) {
        log_file *f = &r->files[i];
        f->path = argv[first + i];
        f->in = strcmp(f->path, "-") == 0;
        if (open_file(r, f) != BN_OK)
            return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    return 0;
}

/* save_pending - the deferred recipients of every file, at a clean stop
 * (a failure only loses them: the positions are already stored) */
static void save_pending(log_run *r)
{
    for (int i = 0; i < r->nfiles; i++) {
        if (r->files[i].in)
            continue;
        int rc = log_pending_save(r->s, r->files[i].key,
                                  &bn_log_reader_state(r->files[i].r)->defers);
        if (rc != BN_OK)
            fprintf(stderr, "bounce ingest: the deferred recipients of %s were not "
                    "saved: %s\n", r->files[i].path, bn_store_errmsg(r->s));
    }
}

/* teardown - close everything */
static void teardown(log_run *r)
{
    for (int i = 0; r->files && i < r->nfiles; i++) {
        bn_tail_free(r->files[i].tail);
        bn_log_reader_free(r->files[i].r);
    }
    bn_free(r->files);
    bn_store_close(r->s);
}

/* cli_log_wanted - argv (before "--") asks for logs: --log or --follow */
bool cli_log_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (!strcmp(argv[i], "--log") || !strcmp(argv[i], "--follow"))
            return true;
    return false;
}

/* cli_log_ingest - bounce ingest --log [--follow] FILE... */
int cli_log_ingest(int argc, char **argv)
{
    log_run r = {.batch_max = LOG_BATCH};
    store_cli_init(&r.c, "ingest");
    int first = parse_args(&r, argc, argv);
    if (first == -1000)
        return 0;
    if (first < 0)
        return -first;
    if (first >= argc)
        return cli_usage_error("ingest", "--log needs the log files to read ('-' for stdin)");
    for (int i = first; r.follow && i < argc; i++)
        if (!strcmp(argv[i], "-"))
            return cli_usage_error("ingest", "--follow reads files, not stdin");
    int status = setup(&r, argc, argv, first);
    if (status == 0) {
        int rc = run_files(&r);
        status = rc ? store_cli_fail(&r.c, r.s, rc) : 0;
        if (rc == BN_OK) {
            save_pending(&r);
            print_summary(&r);
        } else
            fprintf(stderr, "bounce ingest: the batch being written was rolled back; the "
                    "saved positions point after the last stored batch\n");
    }
    teardown(&r);
    return status;
}
