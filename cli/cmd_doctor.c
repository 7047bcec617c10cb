/*
 * cmd_doctor.c - bounce doctor: is the sending side healthy? Blocklists,
 * reverse DNS, SPF, DMARC, DKIM and MX of a sending IP and domain.
 *
 * Exit: 0 when no check fails (warn and unknown do not fail), 1 when one
 * does, 2 for usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "cli.h"
#include "core/alloc.h"

#define MAX_SELECTORS 32
#define TABLE_FILE_MAX (1u << 20)

typedef struct doctor_args {
    bn_doctor_opts o;
    const char *selectors[MAX_SELECTORS];
    bool json;
    const char *table_file;
    char *table; /* contents of table_file */
} doctor_args;

/* doctor_help - usage with examples */
static void doctor_help(FILE *out)
{
    fputs("usage: bounce doctor --ip ADDR [--domain DOMAIN] [--selector NAME]...\n"
          "                     [--resolver IP[:PORT]] [--json] [options]\n\n"
          "Checks the health of a sending IP and domain, the way receivers see it:\n"
          "IP blocklists (Spamhaus ZEN, SpamCop, Barracuda, UCEPROTECT, PSBL,\n"
          "Mailspike...), reverse DNS (PTR, forward-confirmed), and with --domain:\n"
          "MX, SPF evaluated for the IP, DMARC, DKIM keys of each selector, domain\n"
          "blocklists (Spamhaus DBL, SURBL, URIBL). One line per check: pass, warn,\n"
          "fail or unknown (the answer could not be had, and why), with what to do.\n\n"
          "options:\n"
          "  --ip ADDR          the sending IPv4 or IPv6 address (required)\n"
          "  --domain DOMAIN    the sending domain (MAIL FROM / From: domain)\n"
          "  --selector NAME    a DKIM selector to check (repeatable, s= of your signatures)\n"
          "  --resolver SERVER  DNS server: IP, IP:PORT or [IPv6]:PORT (default: the system's)\n"
          "  --timeout MS       first try of each query, doubled per retry (default 2000)\n"
          "  --tries N          tries per query (default 2)\n"
          "  --deadline MS      limit for the whole run (default 20000)\n"
          "  --all-lists        also the blocklists the table marks off (SORBS)\n"
          "  --dnsbl-file FILE  a blocklist table in data/dnsbl.tsv format\n"
          "  --json             JSON Lines: one object per check (check, target, status,\n"
          "                     detail, advice)\n"
          "  -h, --help         this text\n\n"
          "Public resolvers (8.8.8.8, 1.1.1.1...) are refused by Spamhaus and URIBL:\n"
          "those lists then say unknown. Use your own resolver.\n\n"
          "exit status: 0 nothing failed, 1 a check failed, 2 usage error\n\n"
          "examples:\n"
          "  bounce doctor --ip 192.0.2.10\n"
          "  bounce doctor --ip 192.0.2.10 --domain example.org --selector s1\n"
          "  bounce doctor --ip 2001:db8::25 --domain example.org --resolver 127.0.0.1:5353 --json\n",
          out);
}

/* parse_uint - a decimal in [lo, hi] */
static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || s[0] == '-' || v < lo || v > hi)
        return false;
    *out = (unsigned)v;
    return true;
}

/* option_value - the value of an option that takes one, or NULL */
static const char *option_value(int argc, char **argv, int *i)
{
    return *i + 1 < argc ? argv[++*i] : NULL;
}

/* parse_numeric - --timeout, --tries, --deadline; 0 not mine, 1 ok, 2 usage error */
static int parse_numeric(doctor_args *a, const char *opt, const char *v)
{
    unsigned *dst = strcmp(opt, "--timeout") == 0    ? &a->o.timeout_ms
                    : strcmp(opt, "--tries") == 0    ? &a->o.tries
                    : strcmp(opt, "--deadline") == 0 ? &a->o.deadline_ms
                                                     : NULL;
    if (!dst)
        return 0;
    unsigned hi = dst == &a->o.tries ? 10 : 600000;
    if (!v || !parse_uint(v, 1, hi, dst))
        return 2;
    return 1;
}

/* parse_args - fill a from argv; 0, or the exit status for usage/help */
static int parse_args(doctor_args *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (cli_is_help(opt)) {
            doctor_help(stdout);
            return -1;
        }
        if (strcmp(opt, "--json") == 0) {
            a->json = true;
        } else if (strcmp(opt, "--all-lists") == 0) {
            a->o.all_lists = true;
        } else if (strcmp(opt, "--ip") == 0 || strcmp(opt, "--domain") == 0 ||
                   strcmp(opt, "--resolver") == 0 || strcmp(opt, "--dnsbl-file") == 0 ||
                   strcmp(opt, "--selector") == 0) {
            const char *v = option_value(argc, argv, &i);
            if (!v)
                return cli_usage_error("doctor", "%s needs a value", opt);
            if (opt[2] == 'i')
                a->o.ip = v;
            else if (opt[2] == 'r')
                a->o.resolver = v;
            else if (opt[3] == 'n')
                a->table_file = v;
            else if (opt[2] == 'd')
                a->o.domain = v;
            else if (a->o.nselectors >= MAX_SELECTORS)
                return cli_usage_error("doctor", "at most %d selectors", MAX_SELECTORS);
            else
                a->selectors[a->o.nselectors++] = v;
        } else {
            int r = parse_numeric(a, opt, i + 1 < argc ? argv[i + 1] : NULL);
            if (r == 2)
                return cli_usage_error("doctor", "%s needs a positive number in range", opt);
            if (r == 0)
                return cli_usage_error("doctor", "unknown argument '%s'", opt);
            i++;
        }
    }
    return 0;
}

/* read_table - load --dnsbl-file; false (message printed) on failure */
static bool read_table(doctor_args *a)
{
    FILE *f = fopen(a->table_file, "rb");
    if (!f) {
        cli_error("doctor: cannot open %s", a->table_file);
        return false;
    }
    a->table = bn_malloc(TABLE_FILE_MAX);
    size_t n = a->table ? fread(a->table, 1, TABLE_FILE_MAX, f) : 0;
    bool too_big = n == TABLE_FILE_MAX;
    fclose(f);
    if (!a->table || too_big) {
        cli_error("doctor: %s: %s", a->table_file, a->table ? "too big" : "out of memory");
        return false;
    }
    a->o.dnsbl_table = a->table;
    a->o.dnsbl_table_len = n;
    return true;
}

/* print_text - one line per check: STATUS CHECK TARGET: detail; to do: advice */
static void print_text(const bn_doctor *d, const doctor_args *a)
{
    printf("bounce doctor: %s%s%s via %s\n", a->o.ip, a->o.domain ? " / " : "",
           a->o.domain ? a->o.domain : "", a->o.resolver ? a->o.resolver : "the system resolver");
    for (size_t i = 0; i < bn_doctor_count(d); i++) {
        const bn_check *c = bn_doctor_get(d, i);
        printf("%-7s %-6s %s: %s", bn_check_status_name(c->status), c->check, c->target, c->detail);
        if (c->advice)
            printf(" -- to do: %s", c->advice);
        putchar('\n');
    }
}

/* print_json - JSON Lines */
static void print_json(const bn_doctor *d)
{
    char buf[8192];
    for (size_t i = 0; i < bn_doctor_count(d); i++) {
        const bn_check *c = bn_doctor_get(d, i);
        size_t n = bn_check_json(c, buf, sizeof(buf));
        if (n >= sizeof(buf)) {
            char *big = bn_malloc(n + 1);
            if (!big)
                continue;
            bn_check_json(c, big, n + 1);
            puts(big);
            bn_free(big);
        } else {
            puts(buf);
        }
    }
}

/* summary_status - 1 when a check failed */
static int summary_status(const bn_doctor *d)
{
    for (size_t i = 0; i < bn_doctor_count(d); i++)
        if (bn_doctor_get(d, i)->status == BN_CHECK_FAIL)
            return 1;
    return 0;
}

/* cmd_doctor - entry point */
int cmd_doctor(int argc, char **argv)
{
    doctor_args a = {.o = BN_DOCTOR_OPTS_INIT};
    a.o.selectors = a.selectors;
    int rc = parse_args(&a, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.table_file && !read_table(&a)) {
        bn_free(a.table);
        return EXIT_USAGE;
    }
    const char *err = bn_doctor_opts_error(&a.o);
    if (err) {
        bn_free(a.table);
        return cli_usage_error("doctor", "%s", err);
    }
    bn_doctor *d = NULL;
    rc = bn_doctor_run(&d, &a.o);
    bn_free(a.table);
    if (rc != BN_OK) {
        cli_error("doctor: %s", bn_strerror(rc));
        return 1;
    }
    if (a.json)
        print_json(d);
    else
        print_text(d, &a);
    rc = summary_status(d);
    bn_doctor_free(d);
    fflush(stdout);
    return rc;
}
