/*
 * store_cli.h - options and helpers shared by the suppression-list commands
 * (ingest, check, filter, suppress, unsuppress, list, export, import,
 * history, report, rebuild)
 */
#ifndef BN_STORE_CLI_H
#define BN_STORE_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "bounce.h"

typedef struct store_cli {
    const char *cmd;        /* command name, for messages */
    const char *db;         /* --db, BOUNCE_DB, or "bounce.db" */
    long wait_ms;           /* --wait SECONDS */
    bn_policy policy;       /* --policy FILE, --set KEY=VALUE */
    bool policy_given;
    bool bulk;              /* bulk load: commits not flushed at once */
} store_cli;

/* store_cli_init - defaults: BOUNCE_DB or ./bounce.db, 10 s wait */
void store_cli_init(store_cli *c, const char *cmd);
/*
 * store_cli_option - consume a common option at argv[*i] (--db, --wait,
 * and with policy true: --policy, --set and the named policy flags).
 * Returns 1 when consumed, 0 when not a common option, -2 on a bad value
 * (message printed).
 */
int store_cli_option(store_cli *c, int argc, char **argv, int *i, bool policy);
/* store_cli_value - the value of "--opt VALUE" or "--opt=VALUE", or NULL */
const char *store_cli_value(int argc, char **argv, int *i, const char *opt);
/*
 * store_cli_arg - what an argument is, for commands that take options
 * anywhere among their operands (addresses, a file): an operand (it does
 * not start with '-', is "-" alone, or comes after "--"), the "--" that
 * ends the options (*options becomes false), or an option.
 */
typedef enum store_cli_arg_kind {
    STORE_CLI_OPTION, STORE_CLI_OPERAND, STORE_CLI_END
} store_cli_arg_kind;
store_cli_arg_kind store_cli_arg(const char *arg, bool *options);
/* store_cli_open - open the store; prints the error; exit status or 0 */
int store_cli_open(store_cli *c, bn_store **s, bool readonly);
/* store_cli_fail - print the store's error; the exit status for rc */
int store_cli_fail(store_cli *c, bn_store *s, int rc);
/* store_cli_exit - exit status for an error code (75 for busy/full/unreachable) */
int store_cli_exit(int rc);
/* store_cli_time - "2026-11-30T07:00:00Z", or "never"/"-" for 0 */
const char *store_cli_time(time_t t, char buf[32], const char *zero);
/* store_cli_policy_help - the policy options, for --help texts */
void store_cli_policy_help(FILE *out);
/* store_cli_common_help - --db and --wait, for --help texts */
void store_cli_common_help(FILE *out);
/* store_cli_json_line - print a bn_json-built object (grows its buffer) */
typedef void (*store_cli_json_fn)(void *ctx, void *json);
int store_cli_json_line(FILE *out, store_cli_json_fn fn, void *ctx);
/* store_cli_csv_field - write a CSV field (quoted when needed) */
void store_cli_csv_field(FILE *out, const char *s, bool last);
/* store_cli_csv_span - the same for n bytes */
void store_cli_csv_span(FILE *out, const char *s, size_t n, bool last);
/*
 * store_cli_text - free text (a reason, a note, a diagnostic) as part of
 * one text line: control characters escaped (\n, \r, \t, \xHH), so an
 * entry stays one line; at most max columns (0: no limit), then padded
 * with spaces to width. A column is a code point (each UTF-8 byte but the
 * continuation bytes), so columns align after non-ASCII text.
 */
void store_cli_text(FILE *out, const char *s, int width, int max);

/*
 * store_cli_records - the records of a text input, for filter and import.
 * A record is a line; in CSV mode (RFC 4180) it is the physical lines
 * joined while a quoted field is open, so a quoted newline stays in its
 * field. The record is returned without its final line end (inner line ends
 * as written) and without a UTF-8 BOM at the start of the input. A record
 * joined past STORE_CLI_RECORD_MAX bytes, or cut by the end of the input,
 * with a quote still open, is returned with unclosed set: the caller must
 * not trust its fields.
 */
#define STORE_CLI_RECORD_MAX (1u << 20)
typedef struct store_cli_records {
    FILE *in;
    bool csv;
    bool unclosed;           /* the last record ended inside a quoted field */
    unsigned long lineno;    /* physical line the last record started on */
    unsigned long lines;     /* physical lines read */
    char *line, *rec;        /* getline's buffer; the joined record */
    size_t line_cap, rec_n, rec_cap;
} store_cli_records;
/* store_cli_records_init - read in; csv: join quoted line breaks */
void store_cli_records_init(store_cli_records *r, FILE *in, bool csv);
/* store_cli_records_next - the next record (valid until the next call):
 * 1, or 0 at the end of the input, -1 out of memory */
int store_cli_records_next(store_cli_records *r, char **rec, size_t *len);
/* store_cli_records_free - the buffers */
void store_cli_records_free(store_cli_records *r);

/* store_cli_s - the plural "s" of a count: "" for one */
static inline const char *store_cli_s(size_t n)
{
    return n == 1 ? "" : "s";
}

/* store_cli_ingest_counts - the records an ingest stored and what they did to
   the list, two lines, the second without its end (ingest and ingest --log) */
void store_cli_ingest_counts(const bn_ingest_stats *st);

#endif
