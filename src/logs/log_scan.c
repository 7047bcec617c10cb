/*
 * log_scan.c - small span scanners shared by the MTA log readers
 *
 * Log lines are machine-written with fixed spellings, so matching is
 * case-sensitive and literal: no regular expressions, no copies.
 */
#include <string.h>

#include "core/str.h"
#include "logs/logs.h"

/* bn_log_qid - a queue id token ([0-9A-Za-z]) at the start of s, length or 0 */
size_t bn_log_qid(bn_str s, size_t min, size_t max)
{
    size_t i = 0;
    while (i < s.n && i <= max && bn_is_alnum((unsigned char)s.p[i]))
        i++;
    return i >= min && i <= max ? i : 0;
}

/* bn_log_prefix - s starts with the literal (case-sensitive) */
bool bn_log_prefix(bn_str s, const char *lit, size_t litn)
{
    return s.n >= litn && memcmp(s.p, lit, litn) == 0;
}

/* bn_log_find - first occurrence of a literal (case-sensitive), or NULL */
const char *bn_log_find(bn_str s, const char *lit, size_t litn)
{
    if (litn == 0 || s.n < litn)
        return NULL;
    const char *p = s.p, *end = s.p + s.n - litn + 1;
    while (p < end) {
        p = memchr(p, lit[0], (size_t)(end - p));
        if (!p)
            return NULL;
        if (memcmp(p, lit, litn) == 0)
            return p;
        p++;
    }
    return NULL;
}

/* bn_log_unbracket - "<addr>" -> "addr"; anything else unchanged */
bn_str bn_log_unbracket(bn_str s)
{
    if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
        return (bn_str){s.p + 1, s.n - 2};
    return s;
}

/* One SMTP phase as Postfix and Exim name it, and the command it means. */
typedef struct log_cmd {
    const char *phrase;
    const char *cmd;
} log_cmd;

/* Longest phrases first where one is a prefix of another. */
static const log_cmd log_cmds[] = {
    {"RCPT TO", "RCPT"},        {"pipelined RCPT TO", "RCPT"},
    {"MAIL FROM", "MAIL"},      {"pipelined MAIL FROM", "MAIL"},
    {"end of data", "DATA"},    {"end of DATA", "DATA"},
    {"DATA", "DATA"},           {"pipelined DATA", "DATA"},
    {"BDAT", "DATA"},           {"EHLO", "EHLO"},
    {"HELO", "HELO"},           {"STARTTLS", "STARTTLS"},
    {"AUTH", "AUTH"},           {"initial connection", "CONN"},
    {"initial server greeting", "CONN"}, {"QUIT", "QUIT"},
    {"RSET", "RSET"},           {"LHLO", "EHLO"},
    {"message body", "DATA"},   {"XFORWARD", "EHLO"},
};

/* bn_log_command - SMTP command named at the start of a phrase */
bn_str bn_log_command(bn_str phrase)
{
    for (size_t i = 0; i < sizeof(log_cmds) / sizeof(log_cmds[0]); i++) {
        size_t n = strlen(log_cmds[i].phrase);
        if (bn_log_prefix(phrase, log_cmds[i].phrase, n))
            return bn_str_cstr(log_cmds[i].cmd);
    }
    return BN_STR_NULL;
}

/* bn_log_hostname - "host.name[1.2.3.4]:25" or "host. [1.2.3.4]" -> "host.name" */
bn_str bn_log_hostname(bn_str relay)
{
    size_t i = 0;
    while (i < relay.n && relay.p[i] != '[' && relay.p[i] != ' ' &&
           relay.p[i] != ',')
        i++;
    /* Sendmail writes the name with its root dot ("mx.example.com."). */
    if (i > 1 && relay.p[i - 1] == '.')
        i--;
    if (i == 0 && relay.n > 2 && relay.p[0] == '[') {
        /* a bare address literal: keep the address without brackets */
        const char *e = memchr(relay.p, ']', relay.n);
        if (e)
            return (bn_str){relay.p + 1, (size_t)(e - relay.p - 1)};
    }
    return (bn_str){relay.p, i};
}
