/* dnsbl.c - read the blocklist table and decode blocklist answers (see dnsbl.h) */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "doctor/dnsbl.h"

#define TABLE_ARENA_CAP (1u << 20)
#define NFIELDS 8

static const char oom[] = "out of memory"; /* compared by address: BN_ENOMEM */

/* parse_ip4 - dotted quad to host order */
static bool parse_ip4(bn_str s, uint32_t *out)
{
    char buf[16];
    struct in_addr a;
    if (s.n == 0 || s.n >= sizeof(buf))
        return false;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    if (inet_pton(AF_INET, buf, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

/* parse_key - "A", "A-B", "A/NN" or "&N" */
static bool parse_key(bn_str k, bn_dnsbl_code *c)
{
    const char *dash = bn_str_chr(k, '-'), *slash = bn_str_chr(k, '/');
    c->bitmask = false;
    if (k.n > 1 && k.p[0] == '&') {
        unsigned v = 0;
        for (size_t i = 1; i < k.n; i++) {
            if (!bn_is_digit((unsigned char)k.p[i]) || (v = v * 10 + (unsigned)(k.p[i] - '0')) > 255)
                return false;
        }
        c->bitmask = true;
        c->lo = c->hi = v;
        return v != 0;
    }
    if (dash)
        return parse_ip4((bn_str){k.p, (size_t)(dash - k.p)}, &c->lo) &&
               parse_ip4((bn_str){dash + 1, k.n - (size_t)(dash + 1 - k.p)}, &c->hi) &&
               c->lo <= c->hi;
    if (slash) {
        unsigned bits = 0;
        size_t i = (size_t)(slash - k.p) + 1;
        if (i >= k.n || k.n - i > 2)
            return false;
        for (; i < k.n; i++) {
            if (!bn_is_digit((unsigned char)k.p[i]))
                return false;
            bits = bits * 10 + (unsigned)(k.p[i] - '0');
        }
        if (bits < 1 || bits > 32 || !parse_ip4((bn_str){k.p, (size_t)(slash - k.p)}, &c->lo))
            return false;
        uint32_t mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
        c->lo &= mask;
        c->hi = c->lo | ~mask;
        return true;
    }
    if (!parse_ip4(k, &c->lo))
        return false;
    c->hi = c->lo;
    return true;
}

/* parse_codes - "KEY=meaning;KEY=meaning" into codes; "-" is none */
static const char *parse_codes(bn_arena *a, bn_str col, bn_dnsbl_code *codes, size_t *n)
{
    *n = 0;
    if (col.n == 1 && col.p[0] == '-')
        return NULL;
    while (col.n) {
        const char *semi = bn_str_chr(col, ';');
        bn_str item = {col.p, semi ? (size_t)(semi - col.p) : col.n};
        col = semi ? (bn_str){semi + 1, col.n - item.n - 1} : (bn_str){NULL, 0};
        const char *eq = bn_str_chr(item, '=');
        if (!eq || eq == item.p || eq + 1 == item.p + item.n)
            return "a code is not KEY=meaning";
        if (*n >= BN_DNSBL_MAX_CODES)
            return "too many codes";
        bn_dnsbl_code *c = &codes[*n];
        if (!parse_key((bn_str){item.p, (size_t)(eq - item.p)}, c))
            return "bad code key (an address, A-B, A/NN or &N)";
        c->meaning = bn_arena_dup(a, eq + 1, item.n - (size_t)(eq + 1 - item.p));
        if (!c->meaning)
            return oom;
        (*n)++;
    }
    return *n ? NULL : "no codes";
}

/* dup_opt - a column as a string, NULL for "-" */
static const char *dup_opt(bn_arena *a, bn_str s)
{
    if (s.n == 1 && s.p[0] == '-')
        return NULL;
    return bn_arena_dup(a, s.p, s.n);
}

/* parse_kind - ip4 | ip | domain */
static bool parse_kind(bn_str s, bn_dnsbl_kind *k)
{
    if (bn_str_eq_ci(s, "ip4"))
        *k = BN_DNSBL_IP4;
    else if (bn_str_eq_ci(s, "ip"))
        *k = BN_DNSBL_IP;
    else if (bn_str_eq_ci(s, "domain"))
        *k = BN_DNSBL_DOMAIN;
    else
        return false;
    return true;
}

/* split_fields - tab-separated fields of a line; the count found */
static size_t split_fields(bn_str line, bn_str *f, size_t max)
{
    size_t n = 0;
    while (n < max) {
        const char *tab = bn_str_chr(line, '\t');
        f[n++] = (bn_str){line.p, tab ? (size_t)(tab - line.p) : line.n};
        if (!tab)
            return n;
        line = (bn_str){tab + 1, line.n - (size_t)(tab + 1 - line.p)};
    }
    return n + 1; /* more than max */
}

/* parse_row - one table row into l; NULL or the problem */
static const char *parse_row(bn_arena *a, bn_str line, bn_dnsbl *l)
{
    bn_str f[NFIELDS];
    if (split_fields(line, f, NFIELDS) != NFIELDS)
        return "not 8 tab-separated fields";
    char zone[256];
    if (f[0].n == 0 || f[0].n >= sizeof(zone) || f[1].n == 0)
        return "empty zone or name";
    if (!parse_kind(f[2], &l->kind))
        return "kind is not ip4, ip or domain";
    if (!bn_str_eq_ci(f[3], "yes") && !bn_str_eq_ci(f[3], "no"))
        return "on is not yes or no";
    l->on = bn_str_eq_ci(f[3], "yes");
    const char *err = parse_codes(a, f[4], l->codes, &l->ncodes);
    if (err || l->ncodes == 0)
        return err ? err : "no codes";
    if ((err = parse_codes(a, f[5], l->refused, &l->nrefused)) != NULL)
        return err;
    l->zone = bn_arena_dup(a, f[0].p, f[0].n);
    l->name = bn_arena_dup(a, f[1].p, f[1].n);
    l->test = dup_opt(a, f[6]);
    l->removal = dup_opt(a, f[7]);
    if (!l->zone || !l->name)
        return oom;
    return NULL;
}

/* bn_dnsbl_parse - read a table (see dnsbl.h) */
int bn_dnsbl_parse(bn_dnsbl_table *t, const char *tsv, size_t len, char *err, size_t errsize)
{
    bn_arena_init(&t->arena, TABLE_ARENA_CAP);
    t->n = 0;
    t->lists = bn_arena_calloc(&t->arena, BN_DNSBL_MAX_LISTS, sizeof(bn_dnsbl));
    if (!t->lists)
        return BN_ENOMEM;
    bn_str rest = {tsv, len};
    for (unsigned lineno = 1; rest.n; lineno++) {
        const char *nl = bn_str_chr(rest, '\n');
        bn_str line = {rest.p, nl ? (size_t)(nl - rest.p) : rest.n};
        rest = nl ? (bn_str){nl + 1, rest.n - line.n - 1} : (bn_str){NULL, 0};
        if (line.n && line.p[line.n - 1] == '\r')
            line.n--;
        if (line.n == 0 || line.p[0] == '#')
            continue;
        const char *why = t->n >= BN_DNSBL_MAX_LISTS ? "too many lists"
                                                     : parse_row(&t->arena, line, &t->lists[t->n]);
        if (why) {
            snprintf(err, errsize, "line %u: %s", lineno, why);
            return why == oom ? BN_ENOMEM : BN_EFORMAT;
        }
        t->n++;
    }
    return BN_OK;
}

/* bn_dnsbl_table_free - release a table */
void bn_dnsbl_table_free(bn_dnsbl_table *t)
{
    bn_arena_free(&t->arena);
    t->lists = NULL;
    t->n = 0;
}

/* bn_dnsbl_refused - meaning when the answer is a refusal, else NULL */
const char *bn_dnsbl_refused(const bn_dnsbl *l, uint32_t a)
{
    for (size_t i = 0; i < l->nrefused; i++) {
        const bn_dnsbl_code *c = &l->refused[i];
        if (c->bitmask ? (a >> 24 == 127 && (a & 0xff & c->lo) == c->lo) : (a >= c->lo && a <= c->hi))
            return c->meaning;
    }
    return NULL;
}

/* append - "; "-joined meaning into buf */
static void append(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < size)
        snprintf(buf + n, size - n, "%s%s", n ? "; " : "", s);
}

/* bn_dnsbl_meaning - meaning(s) of a listing answer */
bool bn_dnsbl_meaning(const bn_dnsbl *l, uint32_t a, char *buf, size_t size)
{
    bool found = false;
    buf[0] = '\0';
    for (size_t i = 0; i < l->ncodes; i++) {
        const bn_dnsbl_code *c = &l->codes[i];
        bool hit = c->bitmask ? (a & 0xff & c->lo) == c->lo : (a >= c->lo && a <= c->hi);
        if (hit) {
            append(buf, size, c->meaning);
            found = true;
        }
    }
    return found;
}

/* bn_dnsbl_reverse - "4.3.2.1" or the 32 reversed nibbles of an IPv6 address */
void bn_dnsbl_reverse(char *buf, size_t size, int family, const unsigned char *ip)
{
    if (family == AF_INET) {
        snprintf(buf, size, "%u.%u.%u.%u", ip[3], ip[2], ip[1], ip[0]);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 15; i >= 0 && o + 4 < size; i--) {
        buf[o++] = hex[ip[i] & 15];
        buf[o++] = '.';
        buf[o++] = hex[ip[i] >> 4];
        buf[o++] = '.';
    }
    buf[o ? o - 1 : 0] = '\0';
}
