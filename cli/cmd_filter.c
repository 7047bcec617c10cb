/*
 * cmd_filter.c - bounce filter: keep only the deliverable addresses of a list
 *
 * The suppressed set is loaded into memory once (bn_suppset: a hash table),
 * then every line costs one normalisation and one lookup; no query per
 * address. Lines are passed through unchanged, so a CSV keeps its columns
 * (with --column a record is a CSV record: a quoted field may span lines).
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/alloc.h"
#include "store_cli.h"

#define IOBUF (1u << 20)

typedef struct filter_run {
    store_cli c;
    const char *input, *rejected_path, *column_name;
    long column;              /* 1-based; 0: the whole line is the address */
    bool header, stats;
    FILE *in, *rej;
    bn_suppset *set;
    bool checked;             /* the first record was checked for the column */
    unsigned long lines, kept, suppressed, invalid, missing;
} filter_run;

/* filter_help - usage */
static void filter_help(FILE *out)
{
    fputs("usage: bounce filter [--db PATH] [--column N|NAME] [--header]\n"
          "                     [--rejected FILE] [FILE | -]\n\n"
          "Reads addresses (one a line, or a CSV with --column) and writes only the\n"
          "lines whose address may be mailed, unchanged, so a list can be cleaned\n"
          "before a send. The suppression list is read into memory once.\n\n"
          "options:\n", out);
    store_cli_common_help(out);
    fputs("  --column N|NAME   the address is CSV column N (from 1) or the column\n"
          "                    named NAME in the header line; exit 2 when the first\n"
          "                    line has no such column (later lines without it are\n"
          "                    not kept, and counted on stderr)\n"
          "  --header          the first line is a header: copied to both outputs\n"
          "  --rejected FILE   write the other lines there as CSV, each with the\n"
          "                    reason added as a last field ('not an address' for\n"
          "                    lines that hold none); a line of a plain list is one\n"
          "                    field, quoted when it holds a comma or a quote\n"
          "  --stats           counts on stderr at the end (always on a terminal)\n\n"
          "examples:\n"
          "  bounce filter subscribers.txt > clean.txt\n"
          "  bounce filter --column email --rejected dropped.csv list.csv > send.csv\n",
          out);
}

/* csv_field - the n-th (1-based) field of a CSV line, unquoted into buf */
static bool csv_field(const char *line, size_t len, long n, char *buf,
                      size_t size, size_t *out_len)
{
    long field = 1;
    size_t i = 0, o = 0;
    while (field < n) {
        bool q = false;
        for (; i < len && (q || line[i] != ','); i++)
            if (line[i] == '"')
                q = !q;
        if (i >= len)
            return false;
        i++, field++;
    }
    bool quoted = i < len && line[i] == '"';
    for (i += quoted; i < len; i++) {
        if (quoted && line[i] == '"') {
            if (i + 1 < len && line[i + 1] == '"')
                i++;
            else
                break;
        } else if (!quoted && line[i] == ',') {
            break;
        }
        if (o + 1 < size)
            buf[o++] = line[i];
    }
    buf[o] = '\0';
    *out_len = o;
    return true;
}

/* header_column - the index of a named column in the header line */
static long header_column(const char *line, size_t len, const char *name)
{
    char buf[256];
    size_t n;
    for (long k = 1; csv_field(line, len, k, buf, sizeof buf, &n); k++) {
        while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (!strcasecmp(buf, name) || (buf[0] == ' ' && !strcasecmp(buf + 1, name)))
            return k;
    }
    return 0;
}

/* rejected_row - a record of the input and one more CSV field to the
 * rejected file: a CSV record (--column) as it is, a line of a plain list
 * as one CSV field (an address may hold a comma or quotes) */
static void rejected_row(filter_run *r, const char *line, size_t len, const char *last)
{
    if (r->column == 0 && !r->column_name) {
        store_cli_csv_span(r->rej, line, len, false);
    } else {
        fwrite(line, 1, len, r->rej);
        fputc(',', r->rej);
    }
    store_cli_csv_field(r->rej, last, true);
}

/* reject - a line to the rejected file with its reason */
static void reject(filter_run *r, const char *line, size_t len, const char *why)
{
    if (r->rej)
        rejected_row(r, line, len, why);
}

/* address_of - the address part of a line */
static bool address_of(filter_run *r, const char *line, size_t len, char *buf,
                       size_t size, const char **a, size_t *an)
{
    if (r->column == 0) {
        *a = line, *an = len;
        return true;
    }
    *a = buf;
    return csv_field(line, len, r->column, buf, size, an);
}

/* column_label - the column as the user named it, for messages */
static const char *column_label(const filter_run *r, char buf[32])
{
    if (r->column_name)
        return r->column_name;
    snprintf(buf, 32, "%ld", r->column);
    return buf;
}

/* filter_line - one record: pass, reject, or skip when empty */
static void filter_line(filter_run *r, const char *line, size_t len,
                        bool unclosed)
{
    char buf[1024];
    const char *a, *reason = NULL;
    size_t an;
    if (len == 0)
        return;
    r->lines++;
    if (!unclosed && !address_of(r, line, len, buf, sizeof buf, &a, &an)) {
        char why[64], label[32];
        r->missing++; /* a short record: said on stderr at the end */
        snprintf(why, sizeof why, "no column %s", column_label(r, label));
        reject(r, line, len, why);
        return;
    }
    int rc = unclosed ? BN_EINVAL /* its fields cannot be trusted */
                      : bn_suppset_lookup(r->set, a, an, &reason);
    if (rc == BN_ENOTFOUND) {
        r->kept++;
        fwrite(line, 1, len, stdout);
        fputc('\n', stdout);
    } else if (rc == BN_OK) {
        r->suppressed++;
        reject(r, line, len, reason);
    } else {
        r->invalid++;
        reject(r, line, len, unclosed ? "quoted field not closed" : "not an address");
    }
}

/* copy_header - the header line to both outputs; resolve --column NAME */
static int copy_header(filter_run *r, const char *line, size_t len)
{
    if (r->column_name && !(r->column = header_column(line, len, r->column_name)))
        return cli_usage_error("filter", "no column named '%s' in the header of %s",
                               r->column_name, r->input);
    fwrite(line, 1, len, stdout);
    fputc('\n', stdout);
    if (r->rej)
        rejected_row(r, line, len, "suppression_reason");
    return 0;
}

/* check_column - the first record (the header, or the first line) must
 * have the column: a typo in --column would otherwise give an empty list */
static int check_column(filter_run *r, const char *line, size_t len)
{
    char buf[8], label[32];
    size_t n;
    r->checked = true;
    if (r->column == 0 || csv_field(line, len, r->column, buf, sizeof buf, &n))
        return 0;
    long fields = 1;
    while (csv_field(line, len, fields + 1, buf, sizeof buf, &n))
        fields++;
    return cli_usage_error("filter", "no column %s in the first line of %s: it has %ld",
                           column_label(r, label), r->input, fields);
}

/* run_lines - every record of the input: a line, or with a CSV column a
 * CSV record (a quoted field may hold line breaks) */
static int run_lines(filter_run *r)
{
    store_cli_records in;
    char *line;
    size_t n;
    int status = 0, got = 0;
    bool first = true;
    store_cli_records_init(&in, r->in, r->column != 0 || r->column_name);
    while (status == 0 && (got = store_cli_records_next(&in, &line, &n)) > 0) {
        if (!r->checked && n > 0 && !in.unclosed && (status = check_column(r, line, n)))
            break;
        if (first && r->header)
            status = copy_header(r, line, n);
        else
            filter_line(r, line, n, in.unclosed);
        first = false;
    }
    if (status == 0 && got < 0)
        status = (cli_error("filter: out of memory"), 1);
    if (status == 0 && first && r->column_name)
        status = cli_usage_error("filter", "%s is empty: no header to find '%s' in",
                                 r->input, r->column_name);
    store_cli_records_free(&in);
    return status;
}

/* filter_option - one option; 1 consumed, 0 unknown, negative: exit status */
static int filter_option(filter_run *r, int argc, char **argv, int *i)
{
    const char *v;
    if ((v = store_cli_value(argc, argv, i, "--column"))) {
        char *end;
        long k = strtol(v, &end, 10);
        if (!*v)
            return -cli_usage_error("filter", "--column needs N or NAME");
        if (*end == '\0' && k < 1)
            return -cli_usage_error("filter", "bad --column '%s' (from 1)", v);
        if (*end == '\0')
            r->column = k;
        else
            r->column_name = v, r->header = true;
        return 1;
    }
    if ((v = store_cli_value(argc, argv, i, "--rejected"))) {
        r->rejected_path = v;
        return *v ? 1 : -cli_usage_error("filter", "--rejected needs a FILE");
    }
    if (!strcmp(argv[*i], "--header"))
        return r->header = true, 1;
    if (!strcmp(argv[*i], "--stats"))
        return r->stats = true, 1;
    return 0;
}

/* parse_filter - options, then at most one input */
static int parse_filter(filter_run *r, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || !argv[i][1]) {
            if (r->input)
                return cli_usage_error("filter", "one input only ('%s' and '%s')",
                                       r->input, argv[i]);
            r->input = argv[i];
            continue;
        }
        if (cli_is_help(argv[i]))
            return filter_help(stdout), -1000;
        int k = store_cli_option(&r->c, argc, argv, &i, false);
        if (k == 0)
            k = filter_option(r, argc, argv, &i);
        if (k < 0)
            return k == -2 ? EXIT_USAGE : -k;
        if (k == 0)
            return cli_usage_error("filter", "unknown option '%s'", argv[i]);
    }
    return 0;
}

/* open_files - input and rejected file */
static int open_files(filter_run *r)
{
    if (!r->input || !strcmp(r->input, "-")) {
        r->in = stdin, r->input = "stdin";
    } else if (!(r->in = fopen(r->input, "r"))) {
        cli_error("filter: cannot read %s: %s", r->input, strerror(errno));
        return EXIT_USAGE;
    }
    if (r->rejected_path && !(r->rej = fopen(r->rejected_path, "w"))) {
        cli_error("filter: cannot write %s: %s", r->rejected_path, strerror(errno));
        return EXIT_USAGE;
    }
    return 0;
}

/* close_files - close, reporting a failed write */
static int close_files(filter_run *r)
{
    int status = 0;
    if (r->in && r->in != stdin)
        fclose(r->in);
    if (r->rej && fclose(r->rej) != 0) {
        cli_error("filter: writing %s failed", r->rejected_path);
        status = 1;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("filter: writing the output failed");
        status = 1;
    }
    return status;
}

/* warn_missing - always said: records too short for the column are not
 * kept (a column that is not there gives no address to send to) */
static void warn_missing(const filter_run *r)
{
    char label[32];
    cli_error("filter: %lu record%s of %s %s no column %s: not kept%s", r->missing,
              store_cli_s(r->missing), r->input, r->missing == 1 ? "has" : "have",
              column_label(r, label), r->rej ? " (in the rejected file)" : "");
}

/* print_stats - the counts, on stderr */
static void print_stats(const filter_run *r)
{
    size_t size = bn_suppset_size(r->set);
    fprintf(stderr, "bounce filter: %lu address%s: %lu kept, %lu suppressed, %lu %s",
            r->lines, r->lines == 1 ? "" : "es", r->kept, r->suppressed, r->invalid,
            r->invalid == 1 ? "not an address" : "not addresses");
    if (r->missing)
        fprintf(stderr, ", %lu without the column", r->missing);
    fprintf(stderr, " (list of %zu entr%s)\n", size, size == 1 ? "y" : "ies");
}

/* cmd_filter - bounce filter [options] [FILE|-] */
int cmd_filter(int argc, char **argv)
{
    filter_run r = {0};
    bn_store *s = NULL;
    store_cli_init(&r.c, "filter");
    int status = parse_filter(&r, argc, argv);
    if (status)
        return status == -1000 ? 0 : status;
    if (!r.input && isatty(STDIN_FILENO))
        return cli_usage_error("filter", "no input: give a FILE, or '-' / a pipe");
    if ((status = open_files(&r)) || (status = store_cli_open(&r.c, &s, true))) {
        close_files(&r);
        return status;
    }
    int rc = bn_suppset_load(&r.set, s);
    if (rc) {
        status = store_cli_fail(&r.c, s, rc);
    } else {
        static char obuf[IOBUF];
        setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
        status = run_lines(&r);
    }
    int cs = close_files(&r);
    status = status ? status : cs;
    if (status == 0 && r.missing)
        warn_missing(&r);
    if (status == 0 && (r.stats || isatty(STDERR_FILENO)))
        print_stats(&r);
    bn_suppset_free(r.set);
    bn_store_close(s);
    return status;
}
