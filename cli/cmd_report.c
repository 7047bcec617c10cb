/*
 * cmd_report.c - bounce report: per receiving domain, and where the sending
 * side is the problem
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/json.h"
#include "store_cli.h"

/* report_help - usage */
static void report_help(FILE *out)
{
    fputs("usage: bounce report [--db PATH] [--since WHEN] [--json] [--min N]\n\n"
          "Per receiving domain and reason: counts of the events since WHEN, split\n"
          "into hard / soft / sender-side / message, and a warning where most\n"
          "rejections at a domain are about the sender (blocklists, authentication,\n"
          "reputation). Those never suppress recipients, so the list stays quiet\n"
          "while mail is refused: the warning says what to check. The deferrals of\n"
          "a message to a recipient count once per class, however often it was\n"
          "retried (by its Message-ID); the others are shown as repeats.\n\noptions:\n", out);
    store_cli_common_help(out);
    fputs("  --since WHEN      a date (2026-11-01), a duration ago (24h, 7d) or 'all'\n"
          "                    (default 7d; times are the bounces' own)\n"
          "  --min N           sender-side events a domain needs for a warning (3)\n"
          "  --json            one JSON object\n\n"
          "examples:\n  bounce report --since 24h\n  bounce report --since all --json\n",
          out);
}

/* domain_json - one domain */
static void domain_json(bn_json *j, const bn_report_domain *d)
{
    bn_json_object_begin(j);
    bn_json_kv_cstr(j, "domain", d->domain);
    bn_json_kv_int(j, "total", d->total);
    bn_json_kv_int(j, "rejections", d->rejections);
    bn_json_kv_int(j, "hard", d->hard);
    bn_json_kv_int(j, "suspend", d->suspend);
    bn_json_kv_int(j, "soft", d->soft);
    bn_json_kv_int(j, "sender", d->sender);
    bn_json_kv_int(j, "message", d->message);
    bn_json_kv_int(j, "complaint", d->complaint);
    bn_json_kv_int(j, "delivered", d->delivered);
    bn_json_kv_int(j, "ignored", d->ignored);
    bn_json_kv_int(j, "repeats", d->repeats);
    bn_json_key(j, "reasons");
    bn_json_array_begin(j);
    for (size_t k = 0; k < d->nreasons; k++) {
        bn_json_object_begin(j);
        bn_json_kv_cstr(j, "reason", d->reasons[k].reason);
        bn_json_kv_cstr(j, "class", bn_class_name(d->reasons[k].cls));
        bn_json_kv_int(j, "count", d->reasons[k].count);
        bn_json_object_end(j);
    }
    bn_json_array_end(j);
    bn_json_key(j, "warning");
    d->warning ? bn_json_cstr(j, d->warning) : bn_json_null(j);
    bn_json_key(j, "advice");
    d->advice ? bn_json_cstr(j, d->advice) : bn_json_null(j);
    bn_json_kv_cstr(j, "sender_ips", d->ips ? d->ips : "");
    bn_json_object_end(j);
}

/* report_json - the whole report */
static void report_json(void *ctx, void *json)
{
    const bn_report *r = ctx;
    bn_json *j = json;
    char t[32];
    bn_json_object_begin(j);
    bn_json_kv_cstr(j, "since", store_cli_time(r->since, t, "all"));
    bn_json_kv_int(j, "events", r->events);
    bn_json_key(j, "domains");
    bn_json_array_begin(j);
    for (size_t i = 0; i < r->ndomains; i++)
        domain_json(j, &r->domains[i]);
    bn_json_array_end(j);
    bn_json_object_end(j);
}

/* first_ip - the first of a comma-separated IP list */
static void first_ip(const char *ips, char *out, size_t size)
{
    size_t n = strcspn(ips, ", ");
    snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), ips);
}

/* print_warnings - the warnings first: they are what needs doing */
static void print_warnings(const bn_report *r)
{
    for (size_t i = 0; i < r->ndomains; i++) {
        const bn_report_domain *d = &r->domains[i];
        char ip[BN_IP_MAX];
        if (!d->warning)
            continue;
        printf("WARNING %s\n", d->warning);
        if (d->advice)
            printf("  check: %s\n", d->advice);
        if (d->ips && *d->ips) {
            first_ip(d->ips, ip, sizeof ip);
            printf("  sending IPs named in those rejections: %s; try 'bounce doctor "
                   "--ip %s'\n", d->ips, ip);
        }
    }
}

/* print_text - warnings, then one block per domain */
static void print_text(const bn_report *r)
{
    char t[32];
    long repeats = 0;
    for (size_t i = 0; i < r->ndomains; i++)
        repeats += r->domains[i].repeats;
    printf("bounce report: %ld event%s since %s, %zu domain%s", r->events,
           store_cli_s(r->events), store_cli_time(r->since, t, "the beginning"),
           r->ndomains, store_cli_s(r->ndomains));
    if (repeats)
        printf(" (%ld of the events %s of a message already counted)", repeats,
               repeats == 1 ? "is a further deferral" : "are further deferrals");
    printf("\n");
    print_warnings(r);
    for (size_t i = 0; i < r->ndomains; i++) {
        const bn_report_domain *d = &r->domains[i];
        printf("\n%s: %ld event%s, %ld rejection%s: %ld hard, %ld suspended, %ld soft, "
               "%ld sender-side, %ld message; %ld complaint%s, %ld delivered\n",
               d->domain, d->total, store_cli_s(d->total), d->rejections,
               store_cli_s(d->rejections), d->hard, d->suspend, d->soft, d->sender,
               d->message, d->complaint, store_cli_s(d->complaint), d->delivered);
        if (d->repeats)
            printf("  (and %ld more deferral%s of those messages, counted once)\n",
                   d->repeats, store_cli_s(d->repeats));
        for (size_t k = 0; k < d->nreasons; k++)
            printf("  %6ld  %-16s %s\n", d->reasons[k].count, d->reasons[k].reason,
                   bn_class_name(d->reasons[k].cls));
    }
}

/* report_args - options */
static int report_args(store_cli *c, int argc, char **argv, time_t now,
                       time_t *since, long *min, bool *json)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (cli_is_help(argv[i]))
            return report_help(stdout), -1000;
        int k = store_cli_option(c, argc, argv, &i, false);
        if (k < 0)
            return EXIT_USAGE;
        if (k > 0)
            continue;
        if (!strcmp(argv[i], "--json")) {
            *json = true;
        } else if ((v = store_cli_value(argc, argv, &i, "--since"))) {
            if (bn_parse_time(since, v, now) != BN_OK)
                return cli_usage_error("report", "bad date '%s' (2026-11-01, 24h, 7d, all)", v);
        } else if ((v = store_cli_value(argc, argv, &i, "--min"))) {
            char *end;
            *min = strtol(v, &end, 10);
            if (*end || !*v || *min < 1)
                return cli_usage_error("report", "bad --min '%s' (a count from 1)", v);
        } else {
            return cli_usage_error("report", "unknown option '%s'", argv[i]);
        }
    }
    return 0;
}

/* cmd_report - bounce report [--since WHEN] [--json] */
int cmd_report(int argc, char **argv)
{
    store_cli c;
    time_t now = time(NULL); /* one reading: since and the report's words */
    time_t since = now - 7 * 86400;
    long min = 3;
    bool json = false;
    bn_store *s;
    bn_report *rep;
    store_cli_init(&c, "report");
    int status = report_args(&c, argc, argv, now, &since, &min, &json);
    if (status)
        return status == -1000 ? 0 : status;
    if ((status = store_cli_open(&c, &s, true)))
        return status;
    int rc = bn_report_build_at(&rep, s, since, now, min);
    if (rc) {
        status = store_cli_fail(&c, s, rc);
    } else {
        if (json)
            store_cli_json_line(stdout, report_json, rep);
        else
            print_text(rep);
        bn_report_free(rep);
    }
    bn_store_close(s);
    return status;
}
