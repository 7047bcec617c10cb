/*
 * cmd_check.c - bounce check: may these addresses be mailed?
 *
 * Exit 0 when all are deliverable, 1 when any is suppressed, 2 when an
 * argument is not an address (then nothing is looked up).
 */
#include <string.h>

#include "cli.h"
#include "core/json.h"
#include "store_cli.h"

typedef struct check_item {
    const char *addr;
    bool found;
    bn_suppression e;
} check_item;

/* check_help - usage */
static void check_help(FILE *out)
{
    fputs("usage: bounce check [--db PATH] [--json | -q] ADDRESS...\n\n"
          "Says for each address whether it may be mailed, or why it is\n"
          "suppressed: the reason, since when, until when, and the bounce that\n"
          "decided. Exit status: 0 all deliverable, 1 any suppressed, 2 an\n"
          "argument is not an address.\n\noptions:\n", out);
    store_cli_common_help(out);
    fputs("  --json            one JSON object per address\n"
          "  -q, --quiet       print nothing: the exit status says it\n"
          "  --                the arguments after it are addresses (one may start\n"
          "                    with '-')\n\n"
          "examples:\n"
          "  bounce check alice@example.com\n"
          "  bounce check --json alice@example.com bob@example.org\n"
          "  bounce check -q \"$rcpt\" || echo \"skip $rcpt\"\n", out);
}

/* item_json - one address as JSON */
static void item_json(void *ctx, void *json)
{
    const check_item *it = ctx;
    bn_json *j = json;
    char t1[32], t2[32];
    bn_json_object_begin(j);
    bn_json_kv_cstr(j, "address", it->addr);
    bn_json_kv_bool(j, "suppressed", it->found);
    if (it->found) {
        bn_json_kv_cstr(j, "key", it->e.address);
        bn_json_kv_cstr(j, "kind", bn_class_name(it->e.kind));
        bn_json_kv_cstr(j, "reason", it->e.reason);
        bn_json_kv_cstr(j, "since", store_cli_time(it->e.since, t1, ""));
        bn_json_key(j, "until");
        if (it->e.until)
            bn_json_cstr(j, store_cli_time(it->e.until, t2, ""));
        else
            bn_json_null(j);
        bn_json_kv_int(j, "soft_count", it->e.soft_count);
        bn_json_kv_int(j, "event_id", it->e.event_id);
        bn_json_kv_cstr(j, "source", it->e.source);
        bn_json_kv_cstr(j, "message_id", it->e.message_id);
        bn_json_kv_cstr(j, "diagnostic", it->e.diagnostic);
    }
    bn_json_object_end(j);
}

/* text_part - SEP and the stored text s on one line, when s is set */
static void text_part(const char *sep, const char *s)
{
    if (!*s)
        return;
    fputs(sep, stdout);
    store_cli_text(stdout, s, 0, 0);
}

/* item_text - one address as a line (plus the deciding bounce); stored
 * text on one line each (a note may hold line breaks) */
static void item_text(const check_item *it)
{
    char t1[32], t2[32];
    if (!it->found) {
        printf("%s: deliverable\n", it->addr);
        return;
    }
    const bn_suppression *e = &it->e;
    printf("%s: suppressed (%s: ", it->addr, bn_class_name(e->kind));
    store_cli_text(stdout, e->reason, 0, 0);
    printf(") since %s, %s%s\n", store_cli_time(e->since, t1, "?"),
           e->until ? "until " : "for good", e->until ? store_cli_time(e->until, t2, "") : "");
    if (!e->event_id)
        return;
    fputs("  bounce: ", stdout);
    store_cli_text(stdout, e->source, 0, 0);
    text_part(", original ", e->message_id);
    text_part(": ", e->diagnostic);
    fputc('\n', stdout);
}

/* check_one - look up one address and print it */
static int check_one(bn_store *s, const char *addr, bool json, bool quiet,
                     bool *any)
{
    check_item it = {addr, false, {0}};
    int rc = bn_store_check(s, addr, strlen(addr), &it.e);
    if (rc != BN_OK && rc != BN_ENOTFOUND)
        return rc;
    it.found = rc == BN_OK;
    *any = *any || it.found;
    if (quiet)
        return BN_OK;
    if (json)
        store_cli_json_line(stdout, item_json, &it);
    else
        item_text(&it);
    return BN_OK;
}

/*
 * check_args - options anywhere before "--" (as suppress takes them); the
 * addresses are moved to argv[1..] in their order. Returns their number,
 * -1 after --help, or -(exit status).
 */
static int check_args(store_cli *c, int argc, char **argv, bool *json, bool *quiet)
{
    int n = 0;
    bool options = true;
    for (int i = 1; i < argc; i++) {
        store_cli_arg_kind kind = store_cli_arg(argv[i], &options);
        if (kind == STORE_CLI_OPERAND)
            argv[1 + n++] = argv[i]; /* never past i: no option value lost */
        if (kind != STORE_CLI_OPTION)
            continue;
        if (cli_is_help(argv[i]))
            return check_help(stdout), -1;
        int k = store_cli_option(c, argc, argv, &i, false);
        if (k < 0)
            return -EXIT_USAGE;
        if (k > 0)
            continue;
        if (!strcmp(argv[i], "--json"))
            *json = true;
        else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            *quiet = true;
        else
            return -cli_usage_error("check", "unknown option '%s'", argv[i]);
    }
    return n;
}

/* cmd_check - bounce check [--json | -q] ADDRESS... */
int cmd_check(int argc, char **argv)
{
    store_cli c;
    bool json = false, quiet = false, any = false;
    store_cli_init(&c, "check");
    int n = check_args(&c, argc, argv, &json, &quiet);
    if (n < 0)
        return n == -1 ? 0 : -n;
    if (n == 0)
        return cli_usage_error("check", "give at least one ADDRESS");
    char **addrs = argv + 1;
    for (int k = 0; k < n; k++) {
        char key[BN_ADDR_MAX];
        if (bn_address_normalize(key, NULL, addrs[k], strlen(addrs[k]), 0) != BN_OK)
            return cli_usage_error("check", "'%s' is not an address", addrs[k]);
    }
    bn_store *s;
    int status = store_cli_open(&c, &s, true);
    if (status)
        return status;
    for (int k = 0; k < n && status == 0; k++) {
        int rc = check_one(s, addrs[k], json, quiet, &any);
        if (rc)
            status = store_cli_fail(&c, s, rc);
    }
    bn_store_close(s);
    return status ? status : any ? 1 : 0;
}
