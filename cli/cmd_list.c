/*
 * cmd_list.c - bounce list / export / import: the list as text, JSON or CSV
 *
 * export writes CSV that import reads back, and import also takes lists
 * from other tools: a header naming the address column (address, email,
 * recipient...) and optionally reason, since and until columns. Import
 * checks every row before writing anything, then writes all in one
 * transaction as manual suppressions (audited, kept by rebuild).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "core/alloc.h"
#include "core/json.h"
#include "store_cli.h"

typedef enum list_fmt { LF_TEXT, LF_JSON, LF_CSV } list_fmt;

typedef struct list_run {
    store_cli c;
    list_fmt fmt;
    bn_list_filter f;
    unsigned long n;
} list_run;

/* list_help - usage of list and export */
static void list_help(FILE *out, bool export)
{
    if (export)
        fputs("usage: bounce export [--db PATH] [--reason R] [--since WHEN] [FILE | -]\n\n"
              "Writes the entries in force as CSV (address, kind, reason, since, until,\n"
              "soft_count, source, message_id), for 'bounce import' or other tools.\n\n"
              "options:\n", out);
    else
        fputs("usage: bounce list [--db PATH] [--reason R] [--since WHEN] [--json | --csv]\n\n"
              "Lists the suppressed addresses in force now, by address.\n\noptions:\n", out);
    store_cli_common_help(out);
    fputs("  --reason R        only this reason (userunknown...) or kind (hard, soft,\n"
          "                    suspend, complaint, manual)\n"
          "  --since WHEN      suppressed since: a date (2026-11-01), a duration ago\n"
          "                    (7d, 24h), or 'all'\n", out);
    if (!export)
        fputs("  --json            JSON Lines\n  --csv             CSV with a header\n", out);
    fputs("\nexamples:\n  bounce list --reason hard --since 7d\n"
          "  bounce export > suppressed.csv\n", out);
}

/* row_json - one entry as JSON */
static void row_json(void *ctx, void *json)
{
    const bn_suppression *e = ctx;
    bn_json *j = json;
    char t1[32], t2[32];
    bn_json_object_begin(j);
    bn_json_kv_cstr(j, "address", e->address);
    bn_json_kv_cstr(j, "kind", bn_class_name(e->kind));
    bn_json_kv_cstr(j, "reason", e->reason);
    bn_json_kv_cstr(j, "since", store_cli_time(e->since, t1, ""));
    bn_json_key(j, "until");
    if (e->until)
        bn_json_cstr(j, store_cli_time(e->until, t2, ""));
    else
        bn_json_null(j);
    bn_json_kv_int(j, "soft_count", e->soft_count);
    bn_json_kv_cstr(j, "source", e->source);
    bn_json_kv_cstr(j, "message_id", e->message_id);
    bn_json_object_end(j);
}

/* row_csv - one entry as a CSV row */
static void row_csv(const bn_suppression *e)
{
    char t1[32], t2[32], n[16];
    snprintf(n, sizeof n, "%u", e->soft_count);
    const char *f[] = {e->address, bn_class_name(e->kind), e->reason,
                       store_cli_time(e->since, t1, ""),
                       store_cli_time(e->until, t2, ""), n, e->source,
                       e->message_id};
    for (size_t i = 0; i < 8; i++)
        store_cli_csv_field(stdout, f[i], i == 7);
}

/* row_text - one entry as a line of columns: padded by code points, so
 * a non-ASCII address keeps the columns after it; a note's line breaks
 * escaped, so an entry is one line */
static void row_text(const bn_suppression *e)
{
    char t1[32], t2[32];
    store_cli_text(stdout, e->address, 40, 0);
    printf(" %-9s ", bn_class_name(e->kind));
    store_cli_text(stdout, e->reason, 24, 24);
    printf(" %-20s %s\n", store_cli_time(e->since, t1, "-"),
           store_cli_time(e->until, t2, "for good"));
}

/* print_row - one entry in the chosen format */
static int print_row(void *ctx, const bn_suppression *e)
{
    list_run *r = ctx;
    r->n++;
    if (r->fmt == LF_JSON)
        store_cli_json_line(stdout, row_json, (void *)e);
    else if (r->fmt == LF_CSV)
        row_csv(e);
    else
        row_text(e);
    return ferror(stdout) ? 1 : 0;
}

/* list_option - one option of list/export */
static int list_option(list_run *r, int argc, char **argv, int *i)
{
    const char *v;
    if ((v = store_cli_value(argc, argv, i, "--reason"))) {
        bn_reason rs;
        bn_class cl;
        if (bn_reason_from_name(&rs, v, strlen(v)) && bn_class_from_name(&cl, v, strlen(v)))
            return -cli_usage_error(r->c.cmd, "unknown reason '%s'", v);
        r->f.reason = v;
        return 1;
    }
    if ((v = store_cli_value(argc, argv, i, "--since"))) {
        if (bn_parse_time(&r->f.since, v, time(NULL)) != BN_OK)
            return -cli_usage_error(r->c.cmd, "bad date '%s' (2026-11-01, 7d, 24h, all)", v);
        return 1;
    }
    if (!strcmp(argv[*i], "--json"))
        return r->fmt = LF_JSON, 1;
    if (!strcmp(argv[*i], "--csv"))
        return r->fmt = LF_CSV, 1;
    return 0;
}

/* run_list - list and export */
static int run_list(int argc, char **argv, bool export)
{
    list_run r = {.fmt = export ? LF_CSV : LF_TEXT};
    const char *out = NULL;
    bn_store *s;
    store_cli_init(&r.c, export ? "export" : "list");
    for (int i = 1; i < argc; i++) {
        if (export && (argv[i][0] != '-' || !argv[i][1])) {
            out = argv[i];
            continue;
        }
        if (cli_is_help(argv[i]))
            return list_help(stdout, export), 0;
        int k = store_cli_option(&r.c, argc, argv, &i, false);
        if (k == 0)
            k = list_option(&r, argc, argv, &i);
        if (k < 0)
            return EXIT_USAGE;
        if (k == 0 || (export && r.fmt != LF_CSV))
            return cli_usage_error(r.c.cmd, "unknown option '%s'", argv[i]);
    }
    if (out && strcmp(out, "-") && !freopen(out, "w", stdout)) {
        cli_error("%s: cannot write %s: %s", r.c.cmd, out, strerror(errno));
        return EXIT_USAGE;
    }
    int status = store_cli_open(&r.c, &s, true);
    if (status)
        return status;
    if (r.fmt == LF_CSV)
        puts("address,kind,reason,since,until,soft_count,source,message_id");
    int rc = bn_store_list(s, &r.f, print_row, &r);
    status = rc ? store_cli_fail(&r.c, s, rc) : 0;
    bn_store_close(s);
    if (status == 0 && (fflush(stdout) || ferror(stdout))) {
        cli_error("%s: writing the output failed", r.c.cmd);
        status = 1;
    }
    return status;
}

/* cmd_list - bounce list */
int cmd_list(int argc, char **argv)
{
    return run_list(argc, argv, false);
}

/* cmd_export - bounce export */
int cmd_export(int argc, char **argv)
{
    return run_list(argc, argv, true);
}

/* ---- import ---- */

typedef struct import_row {
    char *address, *reason;
    time_t since, until;
} import_row;

typedef struct import_run {
    store_cli c;
    const char *path, *default_reason;
    int col_addr, col_reason, col_since, col_until; /* 1-based, 0 absent */
    import_row *rows;
    size_t n, cap;
    unsigned long skipped;
} import_run;

/* import_help - usage */
static void import_help(FILE *out)
{
    fputs("usage: bounce import [--db PATH] [--reason TEXT] [FILE | -]\n\n"
          "Adds the addresses of a CSV to the list as manual suppressions (audited,\n"
          "kept by 'bounce rebuild'). A header names the columns: the address\n"
          "(address, email, email_address, recipient), and optionally reason (or\n"
          "note), since and until (dates: 2026-11-30 or 2026-11-30T12:00:00Z). A file\n"
          "without a header has the address in its first column. Every row is\n"
          "checked first: a bad address or date names its line, exits 2 and\n"
          "changes nothing. Addresses already suppressed are skipped.\n\noptions:\n", out);
    store_cli_common_help(out);
    fputs("  --reason TEXT     reason for rows without one (default: 'imported')\n\n"
          "examples:\n  bounce export --db old.db | bounce import --db new.db\n"
          "  bounce import --reason \"from our ESP\" esp-suppressions.csv\n", out);
}

/* split_csv - fields of one CSV line (quotes, "" escapes), in place */
static int split_csv(char *line, char **f, int max)
{
    int n = 0;
    char *p = line, *o;
    while (n < max) {
        bool q = *p == '"';
        f[n++] = o = p + q;
        for (p += q; *p; p++) {
            if (q && *p == '"' && p[1] == '"')
                *o++ = *p++;
            else if (q && *p == '"')
                q = false;
            else if (!q && *p == ',')
                break;
            else
                *o++ = *p;
        }
        bool more = *p == ',';
        *o = '\0';
        if (!more)
            break;
        p++;
    }
    return n;
}

/* header_names - find the columns; false when the line is data */
static bool header_names(import_run *r, char **f, int n)
{
    static const char *const addr[] = {"address", "email", "email_address",
                                       "email address", "recipient", "e-mail"};
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof addr / sizeof addr[0]; k++)
            if (!strcasecmp(f[i], addr[k]))
                r->col_addr = i + 1;
        if (!strcasecmp(f[i], "reason") || !strcasecmp(f[i], "note"))
            r->col_reason = i + 1;
        if (!strcasecmp(f[i], "since") || !strcasecmp(f[i], "created_at"))
            r->col_since = i + 1;
        if (!strcasecmp(f[i], "until") || !strcasecmp(f[i], "expires"))
            r->col_until = i + 1;
    }
    return r->col_addr > 0;
}

/* field - column k (1-based) of a row, "" when absent */
static const char *field(char **f, int n, int k)
{
    return k > 0 && k <= n ? f[k - 1] : "";
}

/* add_row - check one data row and keep it */
static int add_row(import_run *r, char **f, int n, unsigned long lineno)
{
    char key[BN_ADDR_MAX];
    const char *a = field(f, n, r->col_addr ? r->col_addr : 1);
    const char *since = field(f, n, r->col_since), *until = field(f, n, r->col_until);
    import_row row = {0};
    if (bn_address_normalize(key, NULL, a, strlen(a), 0))
        return cli_usage_error("import", "%s:%lu: '%s' is not an address", r->path,
                               lineno, a);
    if ((*since && (bn_parse_time(&row.since, since, time(NULL)) || !strchr(since, '-'))) ||
        (*until && (bn_parse_time(&row.until, until, time(NULL)) || !strchr(until, '-'))))
        return cli_usage_error("import", "%s:%lu: bad date '%s' (2026-11-30 or "
                               "2026-11-30T12:00:00Z)", r->path, lineno,
                               *since && bn_parse_time(&row.since, since, 0) ? since : until);
    const char *why = field(f, n, r->col_reason);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        import_row *v = bn_realloc(r->rows, cap * sizeof *v);
        if (!v)
            return cli_error("out of memory"), 1;
        r->rows = v, r->cap = cap;
    }
    row.address = bn_strndup(a, strlen(a));
    row.reason = *why ? bn_strndup(why, strlen(why)) : NULL;
    r->rows[r->n++] = row;
    return row.address ? 0 : 1;
}

/* read_rows - every row of the file (a CSV record: a quoted field, such
 * as a note exported with a line break, may span lines), checked */
static int read_rows(import_run *r, FILE *in)
{
    store_cli_records rd;
    char *line, *f[64];
    size_t len;
    int status = 0, got = 0;
    store_cli_records_init(&rd, in, true);
    while (status == 0 && (got = store_cli_records_next(&rd, &line, &len)) > 0) {
        unsigned long lineno = rd.lineno;
        if (len == 0)
            continue;
        if (rd.unclosed) {
            status = cli_usage_error("import", "%s:%lu: a quoted field is not "
                                     "closed", r->path, lineno);
            break;
        }
        int n = split_csv(line, f, 64);
        if (lineno == 1 && !strchr(f[0], '@') && header_names(r, f, n))
            continue;
        if (lineno == 1 && !strchr(line, '@'))
            status = cli_usage_error("import", "%s: the header names no address "
                                     "column (address, email, recipient)", r->path);
        else
            status = add_row(r, f, n, lineno);
    }
    if (status == 0 && got < 0)
        status = (cli_error("out of memory"), 1);
    store_cli_records_free(&rd);
    return status;
}

/* import_note - "import: REASON", the note of an imported row; a reason
 * that already says so (an export of an imported entry) is kept as it is,
 * so an export | import cycle does not add a prefix each time */
static char *import_note(const char *reason)
{
    static const char prefix[] = "import: ";
    size_t p = sizeof prefix - 1, n = strlen(reason);
    if (!strncmp(reason, prefix, p))
        return bn_strndup(reason, n);
    char *note = bn_malloc(p + n + 1);
    if (!note)
        return NULL;
    memcpy(note, prefix, p);
    memcpy(note + p, reason, n + 1);
    return note;
}

/* write_rows - all rows in one transaction; already suppressed skipped */
static int write_rows(import_run *r, bn_store *s)
{
    int rc = bn_store_begin(s);
    for (size_t i = 0; rc == BN_OK && i < r->n; i++) {
        const import_row *row = &r->rows[i];
        bn_suppression e;
        rc = bn_store_check(s, row->address, strlen(row->address), &e);
        if (rc == BN_OK) {
            r->skipped++;
            continue;
        }
        if (rc != BN_ENOTFOUND)
            break;
        char *note = import_note(row->reason ? row->reason : r->default_reason);
        bn_manual m = {row->address, strlen(row->address), note, NULL,
                       row->since, row->until};
        rc = note ? bn_store_suppress(s, &m) : BN_ENOMEM;
        bn_free(note);
    }
    if (rc == BN_OK)
        return bn_store_commit(s);
    bn_store_rollback(s);
    return rc;
}

/* import_free - the rows */
static void import_free(import_run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        bn_free(r->rows[i].address);
        bn_free(r->rows[i].reason);
    }
    bn_free(r->rows);
}

/* import_args - options and the input */
static int import_args(import_run *r, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (argv[i][0] != '-' || !argv[i][1]) {
            r->path = argv[i];
            continue;
        }
        if (cli_is_help(argv[i]))
            return import_help(stdout), -1000;
        int k = store_cli_option(&r->c, argc, argv, &i, false);
        if (k < 0)
            return EXIT_USAGE;
        if (k > 0)
            continue;
        if ((v = store_cli_value(argc, argv, &i, "--reason")) && *v)
            r->default_reason = v;
        else
            return cli_usage_error("import", "unknown option '%s'", argv[i]);
    }
    return 0;
}

/* cmd_import - bounce import [FILE|-] */
int cmd_import(int argc, char **argv)
{
    import_run r = {.path = "-", .default_reason = "imported"};
    bn_store *s = NULL;
    FILE *in = stdin;
    store_cli_init(&r.c, "import");
    int status = import_args(&r, argc, argv);
    if (status)
        return status == -1000 ? 0 : status;
    if (strcmp(r.path, "-") && !(in = fopen(r.path, "r"))) {
        cli_error("import: cannot read %s: %s", r.path, strerror(errno));
        return EXIT_USAGE;
    }
    status = read_rows(&r, in);
    if (in != stdin)
        fclose(in);
    if (status == 0 && (status = store_cli_open(&r.c, &s, false)) == 0) {
        int rc = write_rows(&r, s);
        if (rc)
            status = store_cli_fail(&r.c, s, rc);
        else
            printf("imported %zu address%s (%lu already suppressed, skipped)\n",
                   r.n - r.skipped, r.n - r.skipped == 1 ? "" : "es", r.skipped);
    }
    bn_store_close(s);
    import_free(&r);
    return status;
}
