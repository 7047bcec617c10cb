/* store_cli.c - options and helpers shared by the suppression-list commands */
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

#include "cli.h"
#include "core/alloc.h"
#include "core/json.h"
#include "store_cli.h"

/* store_cli_init - defaults: BOUNCE_DB or ./bounce.db, 10 s wait */
void store_cli_init(store_cli *c, const char *cmd)
{
    const char *env = getenv("BOUNCE_DB");
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->db = env && *env ? env : "bounce.db";
    c->wait_ms = 10000;
    bn_policy_init(&c->policy);
}

/* store_cli_value - the value of "--opt VALUE" or "--opt=VALUE", or NULL */
const char *store_cli_value(int argc, char **argv, int *i, const char *opt)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

/* policy_setting - "--set KEY=VALUE" or a named flag */
static int policy_setting(store_cli *c, const char *key, const char *value)
{
    char err[256];
    if (bn_policy_set(&c->policy, key, value, err, sizeof err) != BN_OK) {
        cli_usage_error(c->cmd, "%s", err);
        return -2;
    }
    c->policy_given = true;
    return 1;
}

/* named_flag - the policy flags that map onto one setting */
static int named_flag(store_cli *c, int argc, char **argv, int *i)
{
    static const char *const map[][2] = {
        {"--soft-threshold", "soft_threshold"}, {"--soft-window", "soft_window"},
        {"--soft-expiry", "soft_expiry"}, {"--suspend-expiry", "suspend_expiry"},
        {"--unknown", "unknown"}};
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        const char *v = store_cli_value(argc, argv, i, map[k][0]);
        if (v)
            return policy_setting(c, map[k][1], v);
    }
    if (!strcmp(argv[*i], "--case-sensitive-local"))
        return policy_setting(c, "local_case_sensitive", "true");
    return 0;
}

/* policy_option - --policy FILE, --set KEY=VALUE, named flags */
static int policy_option(store_cli *c, int argc, char **argv, int *i)
{
    const char *v;
    char err[512];
    if ((v = store_cli_value(argc, argv, i, "--policy"))) {
        if (bn_policy_load(&c->policy, v, err, sizeof err) != BN_OK) {
            cli_usage_error(c->cmd, "%s", err);
            return -2;
        }
        c->policy_given = true;
        return 1;
    }
    if ((v = store_cli_value(argc, argv, i, "--set"))) {
        char key[128];
        const char *eq = strchr(v, '=');
        if (!eq || (size_t)(eq - v) >= sizeof key) {
            cli_usage_error(c->cmd, "--set needs KEY=VALUE, not '%s'", v);
            return -2;
        }
        snprintf(key, sizeof key, "%.*s", (int)(eq - v), v);
        return policy_setting(c, key, eq + 1);
    }
    return named_flag(c, argc, argv, i);
}

/* store_cli_option - consume a common option */
int store_cli_option(store_cli *c, int argc, char **argv, int *i, bool policy)
{
    const char *v;
    if ((v = store_cli_value(argc, argv, i, "--db"))) {
        if (!*v) {
            cli_usage_error(c->cmd, "--db needs a path");
            return -2;
        }
        c->db = v;
        return 1;
    }
    if ((v = store_cli_value(argc, argv, i, "--wait"))) {
        long secs;
        if (bn_parse_duration(&secs, v) != BN_OK || secs > 3600) {
            cli_usage_error(c->cmd, "bad --wait '%s' (seconds, at most 3600)", v);
            return -2;
        }
        c->wait_ms = secs * 1000;
        return 1;
    }
    return policy ? policy_option(c, argc, argv, i) : 0;
}

/* store_cli_exit - exit status for an error code */
int store_cli_exit(int rc)
{
    switch (rc) {
    case BN_OK: return 0;
    case BN_EBUSY: case BN_EFULL: case BN_EUNAVAIL: return EXIT_TEMPFAIL;
    case BN_EINVAL: return EXIT_USAGE;
    default: return 1;
    }
}

/* store_cli_fail - print the store's error; the exit status for rc */
int store_cli_fail(store_cli *c, bn_store *s, int rc)
{
    const char *msg = s ? bn_store_errmsg(s) : "";
    fprintf(stderr, "bounce %s: %s\n", c->cmd, *msg ? msg : bn_strerror(rc));
    return store_cli_exit(rc);
}

/* store_cli_open - open the store; prints the error; exit status or 0 */
int store_cli_open(store_cli *c, bn_store **s, bool readonly)
{
    bn_store_opts o = BN_STORE_OPTS_INIT;
    const char *pages = getenv("BOUNCE_DB_MAX_PAGES");
    o.wait_ms = c->wait_ms;
    o.readonly = readonly;
    o.policy = c->policy_given ? &c->policy : NULL;
    o.max_pages = pages ? atol(pages) : 0;
    o.bulk = c->bulk;
    int rc = bn_store_open(s, c->db, &o);
    if (rc == BN_OK && bn_store_keys_stale(*s) && strcmp(c->cmd, "rebuild"))
        cli_error("%s: the list's address keys were made by an older bounce "
                  "(key version %d came since): run 'bounce rebuild' on it "
                  "once; until then an address may not be found", c->cmd,
                  BN_ADDR_KEYS_VERSION);
    if (rc == BN_OK)
        return 0;
    int status = store_cli_fail(c, *s, rc);
    bn_store_close(*s);
    *s = NULL;
    return status;
}

/* store_cli_time - ISO 8601 UTC, or zero's text for 0 */
const char *store_cli_time(time_t t, char buf[32], const char *zero)
{
    struct tm tm;
    if (t == 0)
        return zero;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* store_cli_common_help - --db and --wait */
void store_cli_common_help(FILE *out)
{
    fputs("  --db PATH         the suppression list (default: $BOUNCE_DB, else\n"
          "                    ./bounce.db); or PostgreSQL: postgresql://user@host/db,\n"
          "                    or pg: with the PG* variables (docs/postgresql.md)\n"
          "  --wait SECONDS    how long to wait for a lock held by another process\n"
          "                    (default 10); then exit 75 (EX_TEMPFAIL)\n", out);
}

/* store_cli_arg - an operand, the "--" that ends the options, or an option */
store_cli_arg_kind store_cli_arg(const char *arg, bool *options)
{
    if (!*options || arg[0] != '-' || !arg[1])
        return STORE_CLI_OPERAND;
    if (strcmp(arg, "--") != 0)
        return STORE_CLI_OPTION;
    *options = false; /* the rest are operands, even "-x@y" */
    return STORE_CLI_END;
}

/* store_cli_policy_help - the policy options */
void store_cli_policy_help(FILE *out)
{
    fputs("  --policy FILE     policy settings, one 'key = value' a line\n"
          "  --set KEY=VALUE   one setting (repeatable), e.g. --set reason.filtered=hard\n"
          "  --soft-threshold N, --soft-window DUR, --soft-expiry DUR,\n"
          "  --suspend-expiry DUR, --unknown soft|ignore|hard, --case-sensitive-local\n"
          "                    the same as the settings of those names (durations:\n"
          "                    30d, 12h, 3600); see docs/store.md\n", out);
}

/* store_cli_json_line - build an object with fn and print it with a newline */
int store_cli_json_line(FILE *out, store_cli_json_fn fn, void *ctx)
{
    char small[4096], *buf = small;
    size_t size = sizeof small;
    for (int pass = 0; pass < 2; pass++) {
        bn_json j;
        bn_json_init(&j, buf, size);
        fn(ctx, &j);
        size_t need = bn_json_finish(&j);
        if (need < size) {
            fwrite(buf, 1, need, out);
            fputc('\n', out);
            if (buf != small)
                bn_free(buf);
            return 0;
        }
        if (!(buf = bn_malloc(need + 1)))
            return -1;
        size = need + 1;
    }
    bn_free(buf);
    return -1;
}

/* store_cli_csv_span - n bytes as a CSV field (RFC 4180: quoted when it
 * holds a comma, a quote or a line break, or starts or ends with a space;
 * inner quotes doubled) */
void store_cli_csv_span(FILE *out, const char *s, size_t n, bool last)
{
    bool quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' && quote)
            fputc('"', out);
        fputc(s[i], out);
    }
    if (quote)
        fputc('"', out);
    fputc(last ? '\n' : ',', out);
}

/* store_cli_csv_field - write a CSV field (RFC 4180 quoting when needed) */
void store_cli_csv_field(FILE *out, const char *s, bool last)
{
    store_cli_csv_span(out, s, strlen(s), last);
}

/* text_escape - the printed form of a control character: "\n", "\x1b" */
static int text_escape(unsigned char c, char buf[5])
{
    const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
    if (named)
        return (int)strlen(strcpy(buf, named));
    return snprintf(buf, 5, "\\x%02x", c);
}

/* store_cli_text - free text on one line, by columns (code points) */
void store_cli_text(FILE *out, const char *s, int width, int max)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[5];
        if ((*p & 0xc0) == 0x80) { /* a continuation byte: no column of its own */
            fputc(*p, out);
            continue;
        }
        int n = *p < 0x20 || *p == 0x7f ? text_escape(*p, esc) : 1;
        if (max && cols + n > max)
            break;
        if (n > 1)
            fputs(esc, out);
        else
            fputc(*p, out);
        cols += n;
    }
    for (; cols < width; cols++)
        fputc(' ', out);
}

/* ---- records: lines, or CSV records whose quoted fields hold line breaks */

typedef struct csv_state {
    bool quoted;      /* inside a quoted field */
    bool field_start; /* at the first byte of a field */
} csv_state;

/* csv_scan - carry the quote state over bytes (RFC 4180: a field is quoted
 * when its first byte is '"'; '""' inside is one quote; a '"' inside an
 * unquoted field is a byte like any other) */
static void csv_scan(csv_state *st, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (st->quoted) {
            if (p[i] == '"' && i + 1 < n && p[i + 1] == '"')
                i++;
            else if (p[i] == '"')
                st->quoted = false;
        } else if (p[i] == '"' && st->field_start) {
            st->quoted = true;
            st->field_start = false;
        } else {
            st->field_start = p[i] == ',';
        }
    }
}

/* chomp - the length without the line end ("\n" or "\r\n") */
static size_t chomp(const char *p, size_t n)
{
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    return n;
}

/* rec_append - append bytes to the joined record */
static bool rec_append(store_cli_records *r, const char *p, size_t n)
{
    if (r->rec_n + n + 1 > r->rec_cap) {
        size_t cap = r->rec_cap ? r->rec_cap : 256;
        while (cap < r->rec_n + n + 1)
            cap *= 2;
        char *v = bn_realloc(r->rec, cap);
        if (!v)
            return false;
        r->rec = v, r->rec_cap = cap;
    }
    memcpy(r->rec + r->rec_n, p, n);
    r->rec_n += n;
    r->rec[r->rec_n] = '\0';
    return true;
}

/* read_line - one physical line, the BOM dropped from the first */
static ssize_t read_line(store_cli_records *r, char **p)
{
    ssize_t n = getline(&r->line, &r->line_cap, r->in);
    *p = r->line;
    if (n >= 0 && r->lines++ == 0 && n >= 3 && !memcmp(r->line, "\xef\xbb\xbf", 3))
        *p += 3, n -= 3; /* a BOM says UTF-8; it is not the first line's text */
    return n;
}

/* store_cli_records_init - read in; csv: join quoted line breaks */
void store_cli_records_init(store_cli_records *r, FILE *in, bool csv)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->csv = csv;
}

/* store_cli_records_next - the next record, its line end removed */
int store_cli_records_next(store_cli_records *r, char **rec, size_t *len)
{
    char *p;
    ssize_t n = read_line(r, &p);
    csv_state st = {false, true};
    r->unclosed = false;
    r->lineno = r->lines;
    if (n < 0)
        return 0;
    if (r->csv)
        csv_scan(&st, p, (size_t)n);
    if (!st.quoted) { /* the common case: the line is the record, no copy */
        *rec = p, *len = chomp(p, (size_t)n);
        p[*len] = '\0';
        return 1;
    }
    r->rec_n = 0;
    if (!rec_append(r, p, (size_t)n))
        return -1;
    while (st.quoted && r->rec_n < STORE_CLI_RECORD_MAX &&
           (n = read_line(r, &p)) >= 0) {
        csv_scan(&st, p, (size_t)n);
        if (!rec_append(r, p, (size_t)n))
            return -1;
    }
    r->unclosed = st.quoted;
    *rec = r->rec, *len = chomp(r->rec, r->rec_n);
    r->rec[*len] = '\0';
    return 1;
}

/* store_cli_records_free - the buffers */
void store_cli_records_free(store_cli_records *r)
{
    free(r->line); /* getline's buffer comes from libc */
    bn_free(r->rec);
    r->line = r->rec = NULL;
}

/* store_cli_ingest_counts - the records an ingest stored and what they did
   to the list, two lines, the second without its end */
void store_cli_ingest_counts(const bn_ingest_stats *st)
{
    printf("%zu record%s: %zu new event%s, %zu already stored\n", st->records,
           store_cli_s(st->records), st->events, store_cli_s(st->events), st->duplicates);
    printf("%zu new suppression%s, %zu sender-side event%s (recipients not suppressed; see "
           "'bounce report')",
           st->suppressed, store_cli_s(st->suppressed), st->sender_side,
           store_cli_s(st->sender_side));
}
