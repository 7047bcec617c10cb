/*
 * cmd_explain.c - bounce explain: what a reply code, an enhanced status
 * code, a provider marker or a whole SMTP reply means, and what to do
 *
 * Inputs come from the arguments or, with none and stdin not a terminal,
 * from stdin one per line ("550-" continuation lines are joined with the
 * final "550 " line into one reply). Arguments that are all codes are
 * separate inputs ("550 5.7.26"); as soon as one is plain text, all the
 * arguments are one reply, so an unquoted reply still reads right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "cli.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/str.h"
#include "output/output.h"

#define EXPLAIN_MAX 65536 /* longest input (line or joined reply) */

typedef enum input_kind { IN_TEXT, IN_REPLYCODE, IN_STATUS, IN_MARKER } input_kind;

/* explain_help - usage with examples */
static void explain_help(FILE *out)
{
    fputs("usage: bounce explain [--json] REPLY\n"
          "       bounce explain [--json] CODE...\n"
          "       ... | bounce explain [--json]\n\n"
          "Says what an SMTP reply means: the reply code and the enhanced status\n"
          "code (class and subject), hard or soft, whether retrying helps, whose\n"
          "problem it is and what to do, with the rule that decided.\n"
          "The arguments are one reply, so it need not be quoted (bounce explain\n"
          "550 5.1.1 User unknown reads as one reply); only when every argument is\n"
          "a CODE on its own (a reply code, an enhanced status code, a provider\n"
          "marker) is each explained by itself. Several replies: one per line on\n"
          "stdin (with no argument); \"550-\" continuation lines are joined with\n"
          "the line that ends them.\n\n"
          "options:\n"
          "  --json      one JSON object per input (JSON Lines): for the reply, for\n"
          "              each CODE, or for each reply read from stdin\n"
          "  -h, --help  this text\n\n"
          "examples:\n"
          "  bounce explain 550\n"
          "  bounce explain 5.7.26\n"
          "  bounce explain 421 4.7.0 TSS04              # three codes, each explained\n"
          "  bounce explain '550 5.1.1 <bob@example.com> User unknown'\n"
          "  bounce explain --json 452 4.2.2 Mailbox full  # one reply\n"
          "  printf '%s\\n' '552 5.2.2 Mailbox full' '550 5.1.1 User unknown' |\n"
          "      bounce explain --json                     # two replies\n"
          "  grep -h 'said:' /var/log/mail.log | bounce explain\n",
          out);
}

/* all_digits - n > 0 bytes, all decimal digits */
static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!bn_is_digit((unsigned char)p[i]))
            return false;
    return n > 0;
}

/* is_status_code - "d.ddd.ddd" with class 2, 4 or 5 */
static bool is_status_code(const char *p, size_t n)
{
    size_t i = 1, k;
    if (n < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
        return false;
    for (int part = 0; part < 2; part++) {
        if (i >= n || p[i] != '.')
            return false;
        for (k = ++i; i < n && bn_is_digit((unsigned char)p[i]); i++)
            ;
        if (i == k || i - k > 3)
            return false;
    }
    return i == n;
}

/* input_kind_of - what one input is */
static input_kind input_kind_of(const char *p, size_t n)
{
    const char *prov = NULL;
    if (n == 3 && all_digits(p, n) && p[0] >= '1' && p[0] <= '5')
        return IN_REPLYCODE;
    if (is_status_code(p, n))
        return IN_STATUS;
    if (n > 0 && n < 32 && !memchr(p, ' ', n) && bn_provider_meaning(p, n, &prov))
        return IN_MARKER;
    return IN_TEXT;
}

/* status_class_name - RFC 3463 class */
static const char *status_class_name(char c)
{
    switch (c) {
    case '2': return "success";
    case '4': return "persistent transient failure";
    case '5': return "permanent failure";
    default: return "unknown class";
    }
}

/* status_subject_name - RFC 3463 subject (the middle number) */
static const char *status_subject_name(const char *status)
{
    static const char *const names[] = {
        "other or undefined status", "addressing", "mailbox", "mail system",
        "network and routing", "mail delivery protocol", "message content or media",
        "security or policy"};
    const char *dot = strchr(status, '.');
    if (!dot || !bn_is_digit((unsigned char)dot[1]) || dot[2] != '.')
        return "unknown subject";
    return dot[1] <= '7' ? names[dot[1] - '0'] : "unknown subject";
}

/*
 * classify_marker - a bare marker ("TSS04") appears in replies as "[TSS04]"
 * or "(S3150)", which is how the provider rows know it: try it as given,
 * then in those wrappings, and keep the first verdict a provider row made.
 */
static void classify_marker(bn_verdict *v, const char *p, size_t n)
{
    static const char pre[] = "\0[(", post[] = "\0])";
    char text[64];
    for (size_t i = 0; i < 3 && n + 2 < sizeof(text); i++) {
        size_t k = 0;
        if (pre[i])
            text[k++] = pre[i];
        memcpy(text + k, p, n);
        k += n;
        if (post[i])
            text[k++] = post[i];
        bn_reply in = {.text = text, .text_len = k};
        bn_classify(v, &in);
        if (v->provider)
            return;
    }
    bn_reply in = {.text = p, .text_len = n};
    bn_classify(v, &in);
}

/* classify_input - build the reply for one input and classify it */
static void classify_input(bn_verdict *v, const char *p, size_t n, input_kind kind)
{
    bn_reply in = {0};
    if (kind == IN_MARKER) {
        classify_marker(v, p, n);
        return;
    }
    if (kind == IN_REPLYCODE)
        in.replycode = atoi(p);
    else if (kind == IN_STATUS) {
        in.status = p;
        in.status_len = n;
    } else {
        in.text = p;
        in.text_len = n;
    }
    bn_classify(v, &in);
}

/* bounce_kind - hard or soft, in words */
static const char *bounce_kind(const bn_verdict *v)
{
    if (v->reason == BN_REASON_DELIVERED)
        return "not a bounce: the message was delivered";
    if (v->hardbounce && v->permanence == BN_PERM_TRANSIENT)
        return "the address may be bad, but the code is temporary: a soft bounce until it "
               "fails for good";
    if (v->hardbounce)
        return "hard bounce: the address itself is bad";
    if (v->permanence == BN_PERM_PERMANENT)
        return "permanent failure, but not a hard bounce: the address may be fine";
    if (v->permanence == BN_PERM_TRANSIENT)
        return "soft bounce: a temporary failure";
    return "unclear: the input does not say whether it is permanent";
}

/* retry_words - whether retrying helps */
static const char *retry_words(const bn_verdict *v)
{
    if (v->permanence == BN_PERM_TRANSIENT && v->replycode / 100 == 5)
        return "later: the cause may pass (a mailbox emptied), but a 5xx reply ends the "
               "delivery: the sending server does not retry it by itself";
    if (v->permanence == BN_PERM_TRANSIENT)
        return "yes, retrying can help (the sending server retries by itself)";
    if (v->permanence == BN_PERM_PERMANENT)
        return "no, the same message to the same address will fail again";
    return "unclear";
}

/* fault_words - whose problem it is */
static const char *fault_words(bn_fault f)
{
    switch (f) {
    case BN_FAULT_RECIPIENT: return "the recipient's address or mailbox";
    case BN_FAULT_SENDER: return "the sender: IP, domain, authentication or reputation";
    case BN_FAULT_MESSAGE: return "the message itself: size, content or format";
    case BN_FAULT_NETWORK: return "the network: DNS, connections, routing";
    case BN_FAULT_REMOTE_SYSTEM: return "the receiving system";
    case BN_FAULT_NONE: return "nobody: nothing failed";
    default: return "unknown";
    }
}

/* print_codes - the meaning of the reply code and of the status code */
static void print_codes(const bn_verdict *v)
{
    const char *m;
    if (v->replycode > 0) {
        m = bn_replycode_meaning(v->replycode);
        printf("  reply code   %d: %s\n", v->replycode, m ? m : "not a code we know");
    }
    if (v->status[0]) {
        m = bn_status_meaning(v->status, strlen(v->status));
        printf("  status       %s: %s, %s%s\n", v->status, status_class_name(v->status[0]),
               status_subject_name(v->status), v->status_derived ? " (from the reply code)" : "");
        if (m)
            printf("               %s\n", m);
    }
    if (v->replycode <= 0 && !v->status[0])
        printf("  codes        none found in the input\n");
}

/* print_source - the rule, provider, blocklist and address named */
static void print_source(const bn_verdict *v, const char *p, size_t n, input_kind kind)
{
    const char *prov = NULL, *marker = NULL;
    if (kind == IN_MARKER)
        marker = bn_provider_meaning(p, n, &prov);
    printf("  rule         %s\n", v->rule ? v->rule : "none");
    if (v->provider || prov)
        printf("  provider     %s\n", v->provider ? v->provider : prov);
    if (marker)
        printf("  marker       %s\n", marker);
    if (v->blocklist)
        printf("  blocklist    %s (check whether your IP or domain is listed there)\n",
               v->blocklist);
    if (v->ip[0])
        printf("  address      %s\n", v->ip);
}

/* print_human - the whole explanation of one input, for a person */
static void print_human(const bn_verdict *v, const char *p, size_t n, input_kind kind)
{
    char expl[1024];
    bn_verdict_explain(v, expl, sizeof(expl));
    fputs("input: ", stdout); /* one line, no control bytes from logs */
    bn_term_text(stdout, p, n, EXPLAIN_MAX, false);
    fputc('\n', stdout);
    print_codes(v);
    printf("  reason       %s\n", bn_reason_name(v->reason));
    printf("  bounce       %s\n", bounce_kind(v));
    printf("  retry        %s", retry_words(v));
    if (v->retry_after >= 0)
        printf("; the server asks to wait %ld seconds", v->retry_after);
    printf("\n  whose        %s\n", fault_words(v->fault));
    printf("  what to do   %s: %s\n", bn_action_name(v->action), expl);
    /* a bare code decides little: say what the code usually means in practice */
    const char *advice = kind == IN_REPLYCODE ? bn_replycode_advice(v->replycode) : NULL;
    if (advice)
        printf("  about %d    %s\n", v->replycode, advice);
    print_source(v, p, n, kind);
}

/* json_status_parts - the status code and its RFC 3463 class and subject */
static void json_status_parts(bn_json *j, const bn_verdict *v)
{
    const char *m = v->status[0] ? bn_status_meaning(v->status, strlen(v->status)) : NULL;
    const char *rm = v->replycode > 0 ? bn_replycode_meaning(v->replycode) : NULL;
    if (v->replycode > 0)
        bn_json_kv_int(j, "replycode", v->replycode);
    else
        bn_json_kv_cstr(j, "replycode", "");
    bn_json_kv_cstr(j, "replycode_meaning", rm);
    bn_json_kv_cstr(j, "replycode_advice",
                    v->replycode > 0 ? bn_replycode_advice(v->replycode) : NULL);
    bn_json_kv_cstr(j, "status", v->status);
    bn_json_kv_bool(j, "status_derived", v->status_derived);
    bn_json_kv_cstr(j, "status_class", v->status[0] ? status_class_name(v->status[0]) : "");
    bn_json_kv_cstr(j, "status_subject", v->status[0] ? status_subject_name(v->status) : "");
    bn_json_kv_cstr(j, "status_meaning", m);
}

/* json_decision - reason, permanence, fault, action and evidence */
static void json_decision(bn_json *j, const bn_verdict *v, const char *marker)
{
    char expl[1024];
    bn_verdict_explain(v, expl, sizeof(expl));
    bn_json_kv_cstr(j, "reason", bn_reason_name(v->reason));
    bn_json_kv_bool(j, "hardbounce", v->hardbounce);
    bn_json_kv_cstr(j, "permanence", bn_permanence_name(v->permanence));
    bn_json_kv_cstr(j, "fault", bn_fault_name(v->fault));
    bn_json_kv_cstr(j, "action", bn_action_name(v->action));
    if (v->retry_after >= 0)
        bn_json_kv_int(j, "retry_after", v->retry_after);
    else
        bn_json_kv_cstr(j, "retry_after", "");
    bn_json_kv_cstr(j, "rule", v->rule);
    bn_json_kv_cstr(j, "provider", v->provider);
    bn_json_kv_cstr(j, "marker_meaning", marker);
    bn_json_kv_cstr(j, "blocklist", v->blocklist);
    bn_json_kv_cstr(j, "ip", v->ip);
    bn_json_kv_cstr(j, "explanation", expl);
}

/* print_json - one JSON line for one input */
static int print_json(const bn_verdict *v, const char *p, size_t n, input_kind kind)
{
    const char *prov = NULL;
    const char *marker = kind == IN_MARKER ? bn_provider_meaning(p, n, &prov) : NULL;
    size_t size = 2 * n + 4096;
    for (int pass = 0; pass < 2; pass++) {
        char *buf = bn_malloc(size);
        if (!buf)
            return BN_ENOMEM;
        bn_json j;
        bn_json_init(&j, buf, size);
        bn_json_object_begin(&j);
        bn_json_kv_str(&j, "input", p, n);
        json_status_parts(&j, v);
        json_decision(&j, v, marker);
        bn_json_object_end(&j);
        size_t need = bn_json_finish(&j);
        if (need < size) {
            fwrite(buf, 1, need, stdout);
            fputc('\n', stdout);
            bn_free(buf);
            return BN_OK;
        }
        bn_free(buf);
        size = need + 1;
    }
    return BN_ENOMEM;
}

/* explain_one - classify and print one input */
static int explain_one(const char *p, size_t n, bool json)
{
    bn_verdict v;
    bn_str t = bn_str_trim((bn_str){p, n});
    input_kind kind = input_kind_of(t.p ? t.p : "", t.n);
    classify_input(&v, t.p ? t.p : "", t.n, kind);
    if (json)
        return print_json(&v, t.p ? t.p : "", t.n, kind);
    print_human(&v, t.p ? t.p : "", t.n, kind);
    fputc('\n', stdout);
    return BN_OK;
}

/* args_are_codes - every argument is a code or marker on its own */
static bool args_are_codes(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (input_kind_of(argv[i], strlen(argv[i])) == IN_TEXT)
            return false;
    return true;
}

/* explain_args - the arguments: each a code, or together one reply */
static int explain_args(int argc, char **argv, bool json)
{
    if (args_are_codes(argc, argv) || argc == 1) {
        for (int i = 0; i < argc; i++)
            if (explain_one(argv[i], strlen(argv[i]), json) != BN_OK)
                return 1;
        return 0;
    }
    size_t total = 0, k = 0;
    for (int i = 0; i < argc; i++)
        total += strlen(argv[i]) + 1;
    char *all = bn_malloc(total);
    if (!all)
        return 1;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        memcpy(all + k, argv[i], n);
        k += n;
        all[k++] = ' ';
    }
    int rc = explain_one(all, k - 1, json);
    bn_free(all);
    return rc == BN_OK ? 0 : 1;
}

/* continuation_code - "550-..." gives 550 (a reply continues); else 0 */
static int continuation_code(const char *p, size_t n, bool *last)
{
    if (n < 3 || !all_digits(p, 3) || (n > 3 && p[3] != '-' && p[3] != ' '))
        return 0;
    *last = n == 3 || p[3] == ' ';
    return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* read_line - one line (without CR LF) into buf; longer lines are cut; -1 at EOF */
static long read_line(FILE *in, char *buf, size_t size)
{
    size_t n = 0;
    int c;
    while ((c = getc(in)) != EOF && c != '\n')
        if (n + 1 < size)
            buf[n++] = (char)c;
    if (c == EOF && n == 0)
        return -1;
    while (n > 0 && buf[n - 1] == '\r')
        n--;
    return (long)n;
}

/* group_add - append a line to the pending multi-line reply */
static void group_add(char *group, size_t *glen, const char *line, size_t n)
{
    if (*glen > 0 && *glen < EXPLAIN_MAX - 1)
        group[(*glen)++] = '\n';
    if (n > EXPLAIN_MAX - 1 - *glen)
        n = EXPLAIN_MAX - 1 - *glen;
    memcpy(group + *glen, line, n);
    *glen += n;
}

/* explain_stdin - one reply per line; "550-" lines join the reply they start */
static int explain_stdin(bool json)
{
    char *line = bn_malloc(EXPLAIN_MAX), *group = bn_malloc(EXPLAIN_MAX);
    size_t glen = 0;
    int gcode = 0, status = 0;
    long n;
    while (line && group && (n = read_line(stdin, line, EXPLAIN_MAX)) >= 0) {
        bool last = false;
        int code = continuation_code(line, (size_t)n, &last);
        if (glen > 0 && code != gcode) { /* a reply that never ended */
            status |= explain_one(group, glen, json) != BN_OK;
            glen = 0;
        }
        if (code && (!last || glen > 0)) {
            group_add(group, &glen, line, (size_t)n);
            gcode = code;
            if (last) {
                status |= explain_one(group, glen, json) != BN_OK;
                glen = 0;
            }
        } else if (bn_str_trim((bn_str){line, (size_t)n}).n > 0)
            status |= explain_one(line, (size_t)n, json) != BN_OK;
    }
    if (glen > 0)
        status |= explain_one(group, glen, json) != BN_OK;
    if (!line || !group)
        status = 1;
    bn_free(line);
    bn_free(group);
    return status;
}

/*
 * explain_options - options anywhere before "--"; the inputs are moved to
 * argv[1..]. Returns the number of inputs, -1 after --help, or -(exit status).
 */
static int explain_options(int argc, char **argv, bool *json)
{
    int n = 0;
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0)
            options = false;
        else if (options && cli_is_help(a)) {
            explain_help(stdout);
            return -1;
        } else if (options && strcmp(a, "--json") == 0)
            *json = true;
        else if (options && a[0] == '-' && a[1] == '-')
            return -cli_usage_error("explain", "unknown option '%s'", a);
        else
            argv[1 + n++] = argv[i];
    }
    return n;
}

/* cmd_explain - bounce explain [--json] [REPLY...] */
int cmd_explain(int argc, char **argv)
{
    bool json = false;
    int n = explain_options(argc, argv, &json);
    if (n == -1)
        return 0;
    if (n < 0)
        return -n;
    if (n > 0)
        return explain_args(n, argv + 1, json);
    if (isatty(STDIN_FILENO))
        return cli_usage_error("explain", "nothing to explain: give a reply or pipe replies on stdin");
    return explain_stdin(json);
}
