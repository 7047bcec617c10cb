/*
 * cmd_rebuild.c - bounce rebuild: re-evaluate the list from the stored events
 *
 * For a policy change, or to undo a wave of misclassified bounces: every
 * event is classified again under the (new) policy and every address's
 * history folded again, in one transaction. Manual suppressions and
 * unsuppressions are history too: they survive.
 */
#include <string.h>

#include "cli.h"
#include "store_cli.h"

/* rebuild_help - usage */
static void rebuild_help(FILE *out)
{
    fputs("usage: bounce rebuild [--db PATH] [--policy FILE] [--set KEY=VALUE...]\n"
          "                      [--defaults] [--show]\n\n"
          "Re-evaluates the whole list from the stored events and manual actions,\n"
          "under the list's policy or a new one (which the list then keeps).\n\n"
          "options:\n", out);
    store_cli_common_help(out);
    store_cli_policy_help(out);
    fputs("  --defaults        start from the documented defaults instead of the\n"
          "                    list's current policy\n"
          "  --show            print the policy in force and exit\n\n"
          "examples:\n  bounce rebuild --soft-threshold 5\n"
          "  bounce rebuild --set reason.blocked=sender --set unknown=ignore\n", out);
}

/* cmd_rebuild - bounce rebuild [policy options] */
int cmd_rebuild(int argc, char **argv)
{
    store_cli c, probe;
    bool defaults = false, show = false;
    bn_store *s;
    store_cli_init(&c, "rebuild");
    store_cli_init(&probe, "rebuild");
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i]))
            return rebuild_help(stdout), 0;
        if (!strcmp(argv[i], "--defaults")) { defaults = true; continue; }
        if (!strcmp(argv[i], "--show")) { show = true; continue; }
        int k = store_cli_option(&probe, argc, argv, &i, true);
        if (k < 0)
            return EXIT_USAGE;
        if (k == 0)
            return cli_usage_error("rebuild", "unknown option '%s'", argv[i]);
    }
    c.db = probe.db, c.wait_ms = probe.wait_ms;
    int status = store_cli_open(&c, &s, show);
    if (status)
        return status;
    char text[4096];
    if (show) {
        bn_policy_format(bn_store_policy(s), text, sizeof text);
        fputs(text, stdout);
        bn_store_close(s);
        return 0;
    }
    /* settings apply on top of the list's policy unless --defaults */
    if (!defaults)
        c.policy = *bn_store_policy(s);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--defaults") && store_cli_option(&c, argc, argv, &i, true) < 0) {
            bn_store_close(s);
            return EXIT_USAGE;
        }
    bn_rebuild_stats st = {0};
    int rc = bn_store_rebuild(s, &c.policy, &st);
    if (rc)
        status = store_cli_fail(&c, s, rc);
    else
        printf("rebuilt from %zu event%s: %zu reclassified, %zu address%s with "
               "history, %zu suppressed now\n", st.events, store_cli_s(st.events),
               st.reclassified, st.addresses, st.addresses == 1 ? "" : "es", st.suppressed);
    bn_store_close(s);
    return status;
}
