/*
 * cli.h - shared pieces of the bounce command-line tool
 *
 * The tool is a thin layer over libbounce: each command lives in its own
 * cmd_<name>.c and is listed in main.c's table. Exit statuses: 0 success,
 * 1 "something found / something failed" (per command), 2 usage error,
 * 75 (EX_TEMPFAIL) store temporarily unavailable.
 */
#ifndef BN_CLI_H
#define BN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define EXIT_USAGE 2
#define EXIT_TEMPFAIL 75

/* What parse and ingest say of a message cut at the parser's size limit. */
#define CLI_CUT_FMT "message larger than %zu bytes, only its start was read"

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for bounce --help */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

/* cli_usage_error - print "bounce CMD: message" (one line) and return 2 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* cli_error - print "bounce: message" to stderr (one line) */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_is_help - argument is -h or --help */
bool cli_is_help(const char *arg);

/* Commands (one file each). */
int cmd_doctor(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_parse(int argc, char **argv);
/* the suppression list (cmd_ingest.c, cmd_check.c, cmd_filter.c,
 * cmd_suppress.c, cmd_list.c, cmd_history.c, cmd_report.c, cmd_rebuild.c) */
int cmd_ingest(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_suppress(int argc, char **argv);
int cmd_unsuppress(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);

#endif
