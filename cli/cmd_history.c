/*
 * cmd_history.c - bounce history: everything the list knows about an address
 *
 * Events (bounces, deliveries, complaints) and manual actions, oldest
 * first, with what each did under the policy; then the current state.
 */
#include <string.h>

#include "cli.h"
#include "core/json.h"
#include "store_cli.h"

/* history_help - usage */
static void history_help(FILE *out)
{
    fputs("usage: bounce history [--db PATH] [--json] ADDRESS\n\n"
          "Shows the stored events of an address (bounces, deliveries, complaints,\n"
          "sender-side rejections) and the manual actions on it (who, when, why),\n"
          "oldest first, then whether it is suppressed now.\n\noptions:\n", out);
    store_cli_common_help(out);
    fputs("  --json            JSON Lines, one object per event\n"
          "  --                the argument after it is the address (it may start\n"
          "                    with '-')\n\n"
          "example:\n  bounce history bob@example.com\n", out);
}

/* event_json - one event or action as JSON */
static void event_json(void *ctx, void *json)
{
    const bn_event *e = ctx;
    bn_json *j = json;
    char t[32];
    bn_json_object_begin(j);
    bn_json_kv_cstr(j, "time", store_cli_time(e->time, t, ""));
    bn_json_kv_cstr(j, "class", bn_class_name(e->cls));
    if (e->cls == BN_CLASS_MANUAL) {
        bn_json_kv_cstr(j, "action", e->action);
        bn_json_kv_cstr(j, "note", e->note);
        bn_json_kv_cstr(j, "who", e->who);
        if (e->until)
            bn_json_kv_cstr(j, "until", store_cli_time(e->until, t, ""));
    } else {
        bn_json_kv_cstr(j, "recipient", e->recipient);
        bn_json_kv_cstr(j, "reason", e->reason);
        bn_json_kv_cstr(j, "fault", e->fault);
        bn_json_kv_cstr(j, "status", e->status);
        bn_json_kv_int(j, "replycode", e->replycode);
        bn_json_kv_bool(j, "hardbounce", e->hardbounce);
        bn_json_kv_cstr(j, "diagnostic", e->diagnostic);
        bn_json_kv_cstr(j, "rule", e->rule);
        bn_json_kv_cstr(j, "format", e->format);
        bn_json_kv_cstr(j, "source", e->source);
        bn_json_kv_cstr(j, "message_id", e->message_id);
        bn_json_kv_cstr(j, "ip", e->ip);
        bn_json_kv_cstr(j, "ingested", store_cli_time(e->ingested, t, ""));
    }
    bn_json_object_end(j);
}

/* event_text - one event or action as a line; its stored text (a note, a
 * diagnostic) on that line even when it holds line breaks */
static void event_text(const bn_event *e)
{
    char t[32], u[32];
    if (e->cls == BN_CLASS_MANUAL) {
        printf("%s  %-9s by ", store_cli_time(e->time, t, "?"), e->action);
        store_cli_text(stdout, e->who, 0, 0);
        printf("%s%s: ", e->until ? " until " : "",
               e->until ? store_cli_time(e->until, u, "") : "");
        store_cli_text(stdout, e->note, 0, 0);
        fputc('\n', stdout);
        return;
    }
    printf("%s  %-9s %-14s %-5s ", store_cli_time(e->time, t, "?"), bn_class_name(e->cls),
           e->reason, e->status);
    store_cli_text(stdout, e->diagnostic, 0, 0);
    printf("  [fault %s; ", *e->fault ? e->fault : "-");
    store_cli_text(stdout, e->source, 0, 0);
    printf(", %s]\n", *e->rule ? e->rule : "-");
}

/* print_event - one line per event or action */
static int print_event(void *ctx, const bn_event *e)
{
    if (*(bool *)ctx)
        store_cli_json_line(stdout, event_json, (void *)e);
    else
        event_text(e);
    return 0;
}

/* print_state - the state now */
static int print_state(bn_store *s, const char *addr, bool json)
{
    bn_suppression e;
    char t1[32], t2[32];
    int rc = bn_store_check(s, addr, strlen(addr), &e);
    if (json || (rc != BN_OK && rc != BN_ENOTFOUND))
        return rc == BN_ENOTFOUND ? BN_OK : rc;
    if (rc == BN_ENOTFOUND) {
        printf("now: deliverable\n");
        return BN_OK;
    }
    printf("now: suppressed (%s: ", bn_class_name(e.kind));
    store_cli_text(stdout, e.reason, 0, 0);
    printf(") since %s, %s%s\n", store_cli_time(e.since, t1, "?"),
           e.until ? "until " : "for good", e.until ? store_cli_time(e.until, t2, "") : "");
    return BN_OK;
}

/* cmd_history - bounce history ADDRESS */
int cmd_history(int argc, char **argv)
{
    store_cli c;
    bool json = false;
    const char *addr = NULL;
    char key[BN_ADDR_MAX];
    bn_store *s;
    store_cli_init(&c, "history");
    bool options = true;
    for (int i = 1; i < argc; i++) {
        store_cli_arg_kind kind = store_cli_arg(argv[i], &options);
        if (kind == STORE_CLI_OPERAND && addr)
            return cli_usage_error("history", "one ADDRESS at a time");
        if (kind == STORE_CLI_OPERAND)
            addr = argv[i];
        if (kind != STORE_CLI_OPTION)
            continue;
        if (cli_is_help(argv[i]))
            return history_help(stdout), 0;
        int k = store_cli_option(&c, argc, argv, &i, false);
        if (k < 0)
            return EXIT_USAGE;
        if (k == 0 && strcmp(argv[i], "--json"))
            return cli_usage_error("history", "unknown option '%s'", argv[i]);
        json = json || k == 0;
    }
    if (!addr)
        return cli_usage_error("history", "give an ADDRESS");
    if (bn_address_normalize(key, NULL, addr, strlen(addr), 0))
        return cli_usage_error("history", "'%s' is not an address", addr);
    int status = store_cli_open(&c, &s, true);
    if (status)
        return status;
    int rc = bn_store_history(s, addr, strlen(addr), print_event, &json);
    if (rc == BN_OK)
        rc = print_state(s, addr, json);
    status = rc ? store_cli_fail(&c, s, rc) : 0;
    bn_store_close(s);
    return status;
}
