/* main.c - bounce: dispatch to a command (see cli.h) */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bounce.h"
#include "cli.h"

static const cli_command commands[] = {
    {"doctor", "check a sending IP and domain: blocklists, reverse DNS, SPF, DMARC, DKIM", cmd_doctor},
    {"explain", "explain SMTP replies, reply codes and enhanced status codes", cmd_explain},
    {"parse", "read bounce messages and print one record per failed recipient", cmd_parse},
    {"ingest", "record bounces in the suppression list (files, Maildir, mbox, MTA pipe)", cmd_ingest},
    {"check", "may these addresses be mailed? (exit 1 when any is suppressed)", cmd_check},
    {"filter", "keep only the deliverable addresses of a list", cmd_filter},
    {"suppress", "put addresses on the suppression list by hand", cmd_suppress},
    {"unsuppress", "take addresses off the suppression list", cmd_unsuppress},
    {"list", "list the suppressed addresses", cmd_list},
    {"export", "write the suppression list as CSV", cmd_export},
    {"import", "add the addresses of a CSV to the suppression list", cmd_import},
    {"history", "the events and manual actions of an address", cmd_history},
    {"report", "per receiving domain figures; warnings where the sender is the problem", cmd_report},
    {"rebuild", "re-evaluate the suppression list from the stored events", cmd_rebuild},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* print_help - the top-level usage text */
static void print_help(FILE *out)
{
    fprintf(out, "usage: bounce COMMAND [ARGS...]\n"
                 "       bounce --version\n\n"
                 "Reads bounces (SMTP replies, DSNs, MTA bounce formats, ARF complaints,\n"
                 "auto-replies), says what happened and what to do, and keeps the\n"
                 "suppression list.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'bounce COMMAND --help' describes one command.\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "bounce %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'bounce %s --help')\n", cmd);
    return EXIT_USAGE;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("bounce: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("bounce %s\n", bn_version());
        return 0;
    }
    /* past a file-size limit (ulimit -f, an MTA's mailbox_size_limit on a
       pipe command) a write fails with EFBIG, which every command reports
       (ingest --pipe: EX_TEMPFAIL), instead of SIGXFSZ killing the process
       after a commit, which an MTA would retry for ever */
    signal(SIGXFSZ, SIG_IGN);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "bounce: unknown command '%s' (see 'bounce --help')\n", argv[1]);
    return EXIT_USAGE;
}
