/*
 * cmd_suppress.c - bounce suppress / bounce unsuppress: a person's decision
 *
 * Both are audited (who, when, why) and kept as history, so they survive
 * `bounce rebuild`. All addresses are checked before anything is written;
 * one transaction for all of them.
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/alloc.h"
#include "store_cli.h"

typedef struct manual_args {
    store_cli c;
    bool unsuppress;
    const char *note, *who;
    time_t until;
    int first;
} manual_args;

/* manual_help - usage of either command */
static void manual_help(FILE *out, bool unsuppress)
{
    if (unsuppress)
        fputs("usage: bounce unsuppress [--db PATH] --note TEXT [--who NAME] ADDRESS...\n\n"
              "Takes addresses off the suppression list and resets their soft-bounce\n"
              "count. Kept in the audit trail (who, when, why: see 'bounce history').\n"
              "A later bounce can suppress the address again.\n\noptions:\n", out);
    else
        fputs("usage: bounce suppress [--db PATH] --reason TEXT [--until WHEN]\n"
              "                       [--who NAME] ADDRESS...\n\n"
              "Puts addresses on the suppression list by hand (for good, or until\n"
              "WHEN). Kept in the audit trail (who, when, why).\n\noptions:\n", out);
    store_cli_common_help(out);
    fputs(unsuppress ? "  --note TEXT       why (required)\n"
                     : "  --reason TEXT     why (required)\n"
                       "  --until WHEN      a date (2027-01-31) or a duration from now (30d)\n",
          out);
    fputs("  --who NAME        who decided (default: the login name)\n"
          "  --                the arguments after it are addresses (one may start\n"
          "                    with '-')\n\n"
          "examples:\n", out);
    fputs(unsuppress ? "  bounce unsuppress bob@example.com --note \"mailbox fixed, ticket 4711\"\n"
                     : "  bounce suppress bob@example.com --reason \"asked to stop, ticket 4711\"\n"
                       "  bounce suppress --until 30d carol@example.org --reason \"on leave\"\n",
          out);
}

/* parse_until - a date, or a duration from now */
static int parse_until(const char *v, time_t *out)
{
    long d;
    if (bn_parse_duration(&d, v) == BN_OK && d > 0) {
        *out = time(NULL) + d;
        return 0;
    }
    if (strchr(v, '-') && bn_parse_time(out, v, time(NULL)) == BN_OK && *out > 0)
        return 0;
    return -1;
}

/* manual_option - one option; 1 consumed, 0 not ours, -1 error */
static int manual_option(manual_args *a, int argc, char **argv, int *i)
{
    const char *v;
    const char *note_opt = a->unsuppress ? "--note" : "--reason";
    if ((v = store_cli_value(argc, argv, i, note_opt)) ||
        (v = store_cli_value(argc, argv, i, a->unsuppress ? "--reason" : "--note"))) {
        a->note = v;
        return 1;
    }
    if ((v = store_cli_value(argc, argv, i, "--who"))) {
        a->who = v;
        return 1;
    }
    if (!a->unsuppress && (v = store_cli_value(argc, argv, i, "--until"))) {
        if (parse_until(v, &a->until) == 0 && a->until > time(NULL))
            return 1;
        cli_usage_error(a->c.cmd, "bad --until '%s' (a future date like 2027-01-31, "
                        "or a duration like 30d)", v);
        return -1;
    }
    return 0;
}

/* parse_manual - options anywhere; addresses collected in argv order */
static int parse_manual(manual_args *a, int argc, char **argv, char **addrs,
                        int *naddrs)
{
    bool options = true;
    for (int i = 1; i < argc; i++) {
        store_cli_arg_kind kind = store_cli_arg(argv[i], &options);
        if (kind == STORE_CLI_OPERAND)
            addrs[(*naddrs)++] = argv[i];
        if (kind != STORE_CLI_OPTION)
            continue;
        if (cli_is_help(argv[i])) {
            manual_help(stdout, a->unsuppress);
            return -1000;
        }
        int k = store_cli_option(&a->c, argc, argv, &i, false);
        if (k == 0)
            k = manual_option(a, argc, argv, &i);
        if (k < 0)
            return EXIT_USAGE;
        if (k == 0)
            return cli_usage_error(a->c.cmd, "unknown option '%s'", argv[i]);
    }
    return 0;
}

/* validate - every address and the note, before anything is written */
static int validate(manual_args *a, char **addrs, int n)
{
    if (n == 0)
        return cli_usage_error(a->c.cmd, "give at least one ADDRESS");
    if (!a->note || !*a->note)
        return cli_usage_error(a->c.cmd, "%s TEXT is required: say why",
                               a->unsuppress ? "--note" : "--reason");
    for (int k = 0; k < n; k++) {
        char key[BN_ADDR_MAX];
        if (bn_address_normalize(key, NULL, addrs[k], strlen(addrs[k]), 0))
            return cli_usage_error(a->c.cmd, "'%s' is not an address", addrs[k]);
    }
    return 0;
}

/* apply - all actions in one transaction */
static int apply(manual_args *a, bn_store *s, char **addrs, int n)
{
    int rc = bn_store_begin(s);
    for (int k = 0; rc == BN_OK && k < n; k++) {
        bn_manual m = {addrs[k], strlen(addrs[k]), a->note, a->who, 0, a->until};
        rc = a->unsuppress ? bn_store_unsuppress(s, &m) : bn_store_suppress(s, &m);
    }
    if (rc == BN_OK)
        return bn_store_commit(s);
    bn_store_rollback(s);
    return rc;
}

/* run_manual - the body of both commands */
static int run_manual(int argc, char **argv, bool unsuppress)
{
    manual_args a = {.unsuppress = unsuppress};
    char **addrs = argc > 0 ? bn_calloc((size_t)argc, sizeof *addrs) : NULL;
    int n = 0;
    bn_store *s = NULL;
    store_cli_init(&a.c, unsuppress ? "unsuppress" : "suppress");
    if (!addrs)
        return 1;
    int status = parse_manual(&a, argc, argv, addrs, &n);
    if (status == -1000)
        status = 0;
    else if (status == 0 && (status = validate(&a, addrs, n)) == 0 &&
             (status = store_cli_open(&a.c, &s, false)) == 0) {
        int rc = apply(&a, s, addrs, n);
        if (rc)
            status = store_cli_fail(&a.c, s, rc);
        else
            printf("%s %d address%s\n", unsuppress ? "unsuppressed" : "suppressed",
                   n, n == 1 ? "" : "es");
    }
    bn_store_close(s);
    bn_free(addrs);
    return status;
}

/* cmd_suppress - bounce suppress ADDRESS... --reason TEXT */
int cmd_suppress(int argc, char **argv)
{
    return run_manual(argc, argv, false);
}

/* cmd_unsuppress - bounce unsuppress ADDRESS... --note TEXT */
int cmd_unsuppress(int argc, char **argv)
{
    return run_manual(argc, argv, true);
}
