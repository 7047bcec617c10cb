/*
 * spf.c - SPF (RFC 7208) check_host(): parse, expand macros, evaluate
 *
 * A record is read twice: once to reject any syntax error anywhere in it
 * (4.6: a syntax error makes the whole record permerror, before anything
 * is evaluated), then term by term to evaluate. Terms are re-parsed in the
 * second pass rather than stored, so nothing is allocated.
 *
 * Not done: the "exp=" explanation is checked for syntax but not fetched
 * (it only words the rejection); %{p} expands to "unknown" as 7.3 allows
 * for an unvalidated name.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "doctor/spf.h"

#define MAX_DEPTH 12        /* include/redirect nesting; lookups stop it first */
#define EXPAND_MAX 2048     /* an expanded domain-spec before label trimming */
#define MAX_PTR_NAMES 10    /* 4.6.4: at most 10 PTR names are looked at */
#define MAX_MX_NAMES 10     /* 4.6.4: more MX records is permerror */

typedef enum {
    M_ALL, M_INCLUDE, M_A, M_MX, M_PTR, M_IP4, M_IP6, M_EXISTS,
    T_REDIRECT, T_EXP, T_UNKNOWN_MOD
} term_kind;

typedef enum { R_MATCH, R_NOMATCH, R_TEMP, R_PERM, R_PEND } mres;

typedef struct term {
    term_kind kind;
    char qual;         /* + - ~ ? */
    bn_str text;       /* the whole term, for messages */
    bn_str spec;       /* domain-spec or macro-string; empty when absent */
    int cidr4, cidr6;  /* prefix lengths; 32 / 128 when absent */
    unsigned char addr[16];
} term;

/* bn_spf_result_name - "pass", "fail", ... */
const char *bn_spf_result_name(bn_spf_result r)
{
    static const char *const names[] = {"none",     "neutral",   "pass",     "fail",
                                        "softfail", "temperror", "permerror", "pending"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "none";
}

/* say - set the reason (first one wins: it is the one that decided) */
static void say(bn_spf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(bn_spf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof(s->why), fmt, ap);
    va_end(ap);
}

/* ---- syntax ------------------------------------------------------------ */

/* is_macro_letter - letters allowed in a domain-spec macro (7.2; c r t are
 * for explanation strings only) */
static bool is_macro_letter(unsigned char c)
{
    return strchr("slodiphv", bn_lc(c)) != NULL && c != 0;
}

/* is_delim - macro delimiters (7.1) */
static bool is_delim(unsigned char c) { return c && strchr(".-+,/_=", c) != NULL; }

typedef struct macro {
    char letter;   /* lowercase */
    bool upper;    /* URL-escape the value */
    unsigned keep; /* rightmost parts to keep, 0 = all */
    bool reverse;
    char delims[8];
} macro;

/* parse_macro - "%{...}" at p (p[0] == '%', p[1] == '{'); length or 0 */
static size_t parse_macro(const char *p, size_t n, macro *m)
{
    size_t i = 2, nd = 0;
    memset(m, 0, sizeof(*m));
    if (i >= n || !is_macro_letter((unsigned char)p[i]))
        return 0;
    m->letter = (char)bn_lc((unsigned char)p[i]);
    m->upper = p[i] >= 'A' && p[i] <= 'Z';
    i++;
    bool digits = false;
    while (i < n && bn_is_digit((unsigned char)p[i])) {
        m->keep = m->keep * 10 + (unsigned)(p[i++] - '0');
        if (m->keep > 128)
            return 0;
        digits = true;
    }
    if (digits && m->keep == 0)
        return 0; /* 7.3: the number of parts must be nonzero */
    if (i < n && (p[i] == 'r' || p[i] == 'R')) {
        m->reverse = true;
        i++;
    }
    while (i < n && is_delim((unsigned char)p[i]) && nd < sizeof(m->delims) - 1)
        m->delims[nd++] = p[i++];
    if (i >= n || p[i] != '}')
        return 0;
    return i + 1;
}

/* check_macro_string - macro-string syntax (7.1): literals and macros */
static bool check_macro_string(bn_str s)
{
    for (size_t i = 0; i < s.n;) {
        unsigned char c = (unsigned char)s.p[i];
        if (c != '%') {
            if (c < 0x21 || c > 0x7e)
                return false;
            i++;
            continue;
        }
        if (i + 1 < s.n && strchr("%_-", s.p[i + 1]) && s.p[i + 1]) {
            i += 2;
            continue;
        }
        macro m;
        size_t len = (i + 1 < s.n && s.p[i + 1] == '{') ? parse_macro(s.p + i, s.n - i, &m) : 0;
        if (!len)
            return false;
        i += len;
    }
    return true;
}

/* is_toplabel - 4.6.1 toplabel: alphanumerics and inner hyphens, not all digits */
static bool is_toplabel(const char *p, size_t n)
{
    bool alpha = false;
    if (n == 0 || p[0] == '-' || p[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!bn_is_alnum(c) && c != '-')
            return false;
        alpha |= bn_is_alpha(c) || c == '-';
    }
    return alpha;
}

/* check_domain_spec - macro-string ending in "." toplabel or in a macro */
static bool check_domain_spec(bn_str s)
{
    if (s.n == 0 || !check_macro_string(s))
        return false;
    if (s.p[s.n - 1] == '.')
        s.n--;
    if (s.n && s.p[s.n - 1] == '}')
        return true; /* ends in a macro-expand: checked after expansion */
    size_t dot = s.n;
    while (dot > 0 && s.p[dot - 1] != '.')
        dot--;
    if (dot < 2)
        return false; /* needs something "." toplabel */
    return is_toplabel(s.p + dot, s.n - dot);
}

/* parse_cidr - "/N" with no leading zero, N <= max; length used or 0 */
static size_t parse_cidr(const char *p, size_t n, int max, int *out)
{
    if (n < 2 || p[0] != '/' || !bn_is_digit((unsigned char)p[1]))
        return 0;
    if (p[1] == '0' && n > 2 && bn_is_digit((unsigned char)p[2]))
        return 0;
    size_t i = 1;
    int v = 0;
    while (i < n && bn_is_digit((unsigned char)p[i]) && i < 5)
        v = v * 10 + (p[i++] - '0');
    if (v > max || (i < n && bn_is_digit((unsigned char)p[i])))
        return 0;
    *out = v;
    return i;
}

/* parse_dual_cidr - [ "/" ip4-cidr ] [ "//" ip6-cidr ] filling the rest of s */
static bool parse_dual_cidr(bn_str s, term *t)
{
    size_t i = 0, k;
    if (i < s.n && !(s.n - i >= 2 && s.p[i + 1] == '/')) {
        if (!(k = parse_cidr(s.p, s.n, 32, &t->cidr4)))
            return false;
        i += k;
    }
    if (i < s.n) {
        if (s.p[i] != '/' || !(k = parse_cidr(s.p + i + 1, s.n - i - 1, 128, &t->cidr6)))
            return false;
        i += 1 + k;
    }
    return i == s.n;
}

/* spec_end - where the domain-spec of "a:SPEC/cidr" ends: the first '/'
 * outside a macro */
static size_t spec_end(bn_str s)
{
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '%' && i + 1 < s.n && s.p[i + 1] == '{') {
            while (i < s.n && s.p[i] != '}')
                i++;
        } else if (s.p[i] == '/') {
            return i;
        }
    }
    return s.n;
}

/* parse_qnum_ip4 - strict dotted quad (4.6.1 qnum: no leading zeros) */
static bool parse_qnum_ip4(const char *p, size_t n, unsigned char out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part && (i >= n || p[i++] != '.'))
            return false;
        size_t start = i;
        unsigned v = 0;
        while (i < n && bn_is_digit((unsigned char)p[i]) && i - start < 3)
            v = v * 10 + (unsigned)(p[i++] - '0');
        if (i == start || v > 255 || (p[start] == '0' && i - start > 1))
            return false;
        out[part] = (unsigned char)v;
    }
    return i == n;
}

/* parse_ip_mech - "ip4:ADDR[/N]" / "ip6:ADDR[/N]" arguments */
static bool parse_ip_mech(bn_str arg, term *t, const char **err)
{
    size_t slash = 0;
    while (slash < arg.n && arg.p[slash] != '/')
        slash++;
    bn_str rest = {arg.p + slash, arg.n - slash};
    if (t->kind == M_IP4) {
        if (!parse_qnum_ip4(arg.p, slash, t->addr)) {
            *err = "not an IPv4 address";
            return false;
        }
        if (rest.n && parse_cidr(rest.p, rest.n, 32, &t->cidr4) != rest.n) {
            *err = "bad prefix length (0-32, no leading zeros)";
            return false;
        }
        return true;
    }
    char buf[64];
    if (slash == 0 || slash >= sizeof(buf)) {
        *err = "not an IPv6 address";
        return false;
    }
    memcpy(buf, arg.p, slash);
    buf[slash] = '\0';
    if (inet_pton(AF_INET6, buf, t->addr) != 1) {
        *err = "not an IPv6 address";
        return false;
    }
    if (rest.n && parse_cidr(rest.p, rest.n, 128, &t->cidr6) != rest.n) {
        *err = "bad prefix length (0-128, no leading zeros)";
        return false;
    }
    return true;
}

static const struct {
    const char *name;
    term_kind kind;
} mech_names[] = {
    {"all", M_ALL}, {"include", M_INCLUDE}, {"a", M_A},     {"mx", M_MX},
    {"ptr", M_PTR}, {"ip4", M_IP4},         {"ip6", M_IP6}, {"exists", M_EXISTS},
};

/* mech_kind - the mechanism named n, or -1 */
static int mech_kind(bn_str n)
{
    for (size_t i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]); i++)
        if (bn_str_eq_ci(n, mech_names[i].name))
            return (int)mech_names[i].kind;
    return -1;
}

/* parse_mech_args - what follows a mechanism's name: ":spec", "/cidr" */
static bool parse_mech_args(bn_str rest, term *t, const char **err)
{
    bool colon = rest.n && rest.p[0] == ':';
    bn_str arg = colon ? (bn_str){rest.p + 1, rest.n - 1} : rest;
    *err = "bad argument";
    switch (t->kind) {
    case M_ALL:
        *err = "\"all\" takes no argument";
        return rest.n == 0;
    case M_IP4:
    case M_IP6:
        *err = "needs an address";
        return colon && parse_ip_mech(arg, t, err);
    case M_INCLUDE:
    case M_EXISTS:
        t->spec = arg;
        *err = "needs a valid domain (\"name.tld\" or a macro)";
        return colon && check_domain_spec(arg);
    case M_PTR:
        t->spec = colon ? arg : BN_STR_NULL;
        *err = "bad domain";
        return !colon || check_domain_spec(arg);
    default: { /* a, mx: [":" domain-spec] [dual-cidr] */
        size_t end = colon ? spec_end(arg) : 0;
        t->spec = (bn_str){arg.p, end};
        if (colon && !check_domain_spec(t->spec)) {
            *err = "bad domain";
            return false;
        }
        *err = "bad prefix length";
        return parse_dual_cidr((bn_str){arg.p + end, arg.n - end}, t);
    }
    }
}

/* parse_modifier - "name=macro-string" (name already known to end at '=') */
static bool parse_modifier(bn_str name, bn_str value, term *t, const char **err)
{
    if (!bn_is_alpha((unsigned char)name.p[0])) {
        *err = "bad modifier name";
        return false;
    }
    for (size_t i = 0; i < name.n; i++) {
        unsigned char c = (unsigned char)name.p[i];
        if (!bn_is_alnum(c) && c != '-' && c != '_' && c != '.') {
            *err = "bad modifier name";
            return false;
        }
    }
    t->spec = value;
    if (bn_str_eq_ci(name, "redirect") || bn_str_eq_ci(name, "exp")) {
        t->kind = bn_str_eq_ci(name, "redirect") ? T_REDIRECT : T_EXP;
        *err = "needs a valid domain";
        return check_domain_spec(value);
    }
    t->kind = T_UNKNOWN_MOD; /* 6: unknown modifiers are ignored, if well-formed */
    *err = "bad value";
    return check_macro_string(value);
}

/* parse_term - one term into t; false with *err on a syntax error */
static bool parse_term(bn_str text, term *t, const char **err)
{
    memset(t, 0, sizeof(*t));
    t->text = text;
    t->qual = '+';
    t->cidr4 = 32;
    t->cidr6 = 128;
    size_t i = 0;
    if (strchr("+-~?", text.p[0])) {
        t->qual = text.p[0];
        i = 1;
    }
    size_t ns = i;
    while (i < text.n && text.p[i] != ':' && text.p[i] != '/' && text.p[i] != '=')
        i++;
    bn_str name = {text.p + ns, i - ns};
    bn_str rest = {text.p + i, text.n - i};
    if (name.n == 0) {
        *err = "empty term";
        return false;
    }
    if (rest.n && rest.p[0] == '=') {
        if (ns) {
            *err = "a modifier cannot have a qualifier";
            return false;
        }
        return parse_modifier(name, (bn_str){rest.p + 1, rest.n - 1}, t, err);
    }
    int k = mech_kind(name);
    if (k < 0) {
        *err = "unknown mechanism";
        return false;
    }
    t->kind = (term_kind)k;
    return parse_mech_args(rest, t, err);
}

/* next_term - the next space-separated term from *pos, or false at the end */
static bool next_term(bn_str rec, size_t *pos, bn_str *out)
{
    size_t i = *pos;
    while (i < rec.n && rec.p[i] == ' ')
        i++;
    if (i >= rec.n)
        return false;
    size_t start = i;
    while (i < rec.n && rec.p[i] != ' ')
        i++;
    *out = (bn_str){rec.p + start, i - start};
    *pos = i;
    return true;
}

/* check_record - syntax of a whole record (after "v=spf1"); PERM or MATCH */
static mres check_record(bn_spf *s, bn_str rec, const char *domain)
{
    int redirects = 0, exps = 0;
    size_t pos = 0;
    bn_str text;
    for (size_t i = 0; i < rec.n; i++) {
        unsigned char c = (unsigned char)rec.p[i];
        if (c < 0x20 || c > 0x7e) {
            say(s, "the SPF record of %s holds a control or non-ASCII byte", domain);
            return R_PERM;
        }
    }
    while (next_term(rec, &pos, &text)) {
        term t;
        const char *err = "syntax error";
        if (!parse_term(text, &t, &err)) {
            say(s, "syntax error in the SPF record of %s at '%.*s': %s", domain,
                (int)(text.n > 80 ? 80 : text.n), text.p, err);
            return R_PERM;
        }
        redirects += t.kind == T_REDIRECT;
        exps += t.kind == T_EXP;
    }
    if (redirects > 1 || exps > 1) {
        say(s, "the SPF record of %s has more than one %s= modifier", domain,
            redirects > 1 ? "redirect" : "exp");
        return R_PERM;
    }
    return R_MATCH;
}

/* ---- macros ------------------------------------------------------------ */

typedef struct outbuf {
    char *p;
    size_t n, cap;
    bool overflow;
} outbuf;

/* out_put - append bytes, remembering overflow */
static void out_put(outbuf *o, const char *p, size_t n)
{
    if (o->n + n >= o->cap) {
        o->overflow = true;
        return;
    }
    memcpy(o->p + o->n, p, n);
    o->n += n;
    o->p[o->n] = '\0';
}

/* ip_text - %{i}: dotted quad, or 32 dot-separated nibbles for IPv6 */
static void ip_text(const bn_spf *s, char *buf, size_t size)
{
    if (s->family == AF_INET) {
        snprintf(buf, size, "%u.%u.%u.%u", s->ip[0], s->ip[1], s->ip[2], s->ip[3]);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16 && o + 4 < size; i++) {
        buf[o++] = hex[s->ip[i] >> 4];
        buf[o++] = '.';
        buf[o++] = hex[s->ip[i] & 15];
        buf[o++] = '.';
    }
    buf[o ? o - 1 : 0] = '\0';
}

/* macro_value - the raw value of a macro letter */
static void macro_value(const bn_spf *s, char letter, const char *domain, char *buf, size_t size)
{
    const char *at = strrchr(s->sender, '@');
    switch (letter) {
    case 's': snprintf(buf, size, "%s", s->sender); break;
    case 'l': snprintf(buf, size, "%.*s", at ? (int)(at - s->sender) : 10, at ? s->sender : "postmaster"); break;
    case 'o': snprintf(buf, size, "%s", at ? at + 1 : s->sender); break;
    case 'd': snprintf(buf, size, "%s", domain); break;
    case 'i': ip_text(s, buf, size); break;
    case 'p': snprintf(buf, size, "unknown"); break;
    case 'v': snprintf(buf, size, "%s", s->family == AF_INET ? "in-addr" : "ip6"); break;
    default: snprintf(buf, size, "%s", s->helo); break; /* h */
    }
}

/* put_escaped - URL-escape for uppercase macros (7.3) */
static void put_escaped(outbuf *o, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (bn_is_alnum(c) || strchr("-._~", c)) {
            out_put(o, (const char *)&c, 1);
        } else {
            char e[4];
            snprintf(e, sizeof(e), "%%%02X", c);
            out_put(o, e, 3);
        }
    }
}

/* expand_macro - split, reverse, keep the rightmost parts, join with '.' */
static void expand_macro(const bn_spf *s, const macro *m, const char *domain, outbuf *o)
{
    char val[600];
    bn_str parts[128];
    size_t np = 0, start = 0;
    const char *delims = m->delims[0] ? m->delims : ".";
    macro_value(s, m->letter, domain, val, sizeof(val));
    size_t vn = strlen(val);
    for (size_t i = 0; i <= vn && np < 128; i++)
        if (i == vn || strchr(delims, val[i])) {
            parts[np++] = (bn_str){val + start, i - start};
            start = i + 1;
        }
    if (m->reverse)
        for (size_t i = 0; i < np / 2; i++) {
            bn_str tmp = parts[i];
            parts[i] = parts[np - 1 - i];
            parts[np - 1 - i] = tmp;
        }
    size_t first = (m->keep && m->keep < np) ? np - m->keep : 0;
    for (size_t k = first; k < np; k++) {
        if (k > first)
            out_put(o, ".", 1);
        if (m->upper)
            put_escaped(o, parts[k].p, parts[k].n);
        else
            out_put(o, parts[k].p, parts[k].n);
    }
}

/* expand - a checked macro-string into buf (EXPAND_MAX); false on overflow */
static bool expand(const bn_spf *s, bn_str in, const char *domain, char *buf)
{
    outbuf o = {buf, 0, EXPAND_MAX, false};
    buf[0] = '\0';
    for (size_t i = 0; i < in.n;) {
        if (in.p[i] != '%') {
            out_put(&o, in.p + i++, 1);
            continue;
        }
        char c = in.p[i + 1];
        if (c != '{') {
            out_put(&o, c == '%' ? "%" : c == '_' ? " " : "%20", c == '-' ? 3 : 1);
            i += 2;
            continue;
        }
        macro m;
        size_t len = parse_macro(in.p + i, in.n - i, &m);
        expand_macro(s, &m, domain, &o);
        i += len;
    }
    return !o.overflow;
}

/* target_name - the expanded domain-spec (or the current domain), trimmed
 * to 253 bytes from the left (4.8); false with a reason when unusable */
static bool target_name(bn_spf *s, const term *t, const char *domain, char *buf)
{
    if (t->spec.n == 0) {
        snprintf(buf, EXPAND_MAX, "%s", domain);
        return true;
    }
    if (!expand(s, t->spec, domain, buf)) {
        say(s, "'%.*s' in the SPF record of %s expands to an over-long name",
            (int)t->text.n, t->text.p, domain);
        return false;
    }
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '.')
        buf[--n] = '\0';
    char *p = buf;
    while (n > BN_DNS_NAME_MAX) {
        char *dot = strchr(p, '.');
        if (!dot)
            break;
        n -= (size_t)(dot + 1 - p);
        p = dot + 1;
    }
    memmove(buf, p, n + 1);
    return true;
}

/* ---- evaluation -------------------------------------------------------- */

/* ask - the answer for (name, type); marks the run pending when not in */
static const bn_dns_ans *ask(bn_spf *s, const char *name, uint16_t type, bool *pend)
{
    const bn_dns_ans *a = bn_dns_get(s->dns, name, strlen(name), type);
    if (a->rc == BN_DNS_PENDING)
        *pend = true;
    return a;
}

/* count_lookup - one more DNS-querying term; false past the limit */
static bool count_lookup(bn_spf *s, const term *t, const char *domain)
{
    if (++s->lookups <= BN_SPF_MAX_LOOKUPS)
        return true;
    say(s, "too many DNS lookups: '%.*s' in the SPF record of %s is lookup number %d "
           "(RFC 7208 allows %d)",
        (int)t->text.n, t->text.p, domain, s->lookups, BN_SPF_MAX_LOOKUPS);
    return false;
}

/* count_void - a lookup that found nothing; false past the limit */
static bool count_void(bn_spf *s, const bn_dns_ans *a, const term *t, const char *domain)
{
    if (a->rc != BN_DNS_NXDOMAIN && a->rc != BN_DNS_NODATA)
        return true;
    if (++s->voids <= BN_SPF_MAX_VOIDS)
        return true;
    say(s, "too many void lookups: '%.*s' in the SPF record of %s is void lookup number %d, one that "
           "found nothing (RFC 7208 allows %d)",
        (int)t->text.n, t->text.p, domain, s->voids, BN_SPF_MAX_VOIDS);
    return false;
}

/* dns_fail - temperror for a failed lookup */
static mres dns_fail(bn_spf *s, const bn_dns_ans *a, const char *name, const char *what)
{
    say(s, "DNS lookup of %s (%s) failed: %s", name, what, a->why ? a->why : "error");
    return R_TEMP;
}

/* in_prefix - the first bits of a and b agree */
static bool in_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0)
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

/* addr_type - A for an IPv4 client, AAAA for IPv6 */
static uint16_t addr_type(const bn_spf *s)
{
    return s->family == AF_INET ? BN_DNS_T_A : BN_DNS_T_AAAA;
}

/* any_addr_match - some address record in a is within the term's prefix */
static bool any_addr_match(const bn_spf *s, const bn_dns_ans *a, const term *t)
{
    int bits = s->family == AF_INET ? t->cidr4 : t->cidr6;
    for (const bn_dns_rr *rr = a->rr; rr; rr = rr->next)
        if (in_prefix((const unsigned char *)rr->data, s->ip, bits))
            return true;
    return false;
}

/* eval_a - "a": an address of the target is the client's (5.3) */
static mres eval_a(bn_spf *s, const term *t, const char *target, const char *domain)
{
    bool pend = false;
    const bn_dns_ans *a = ask(s, target, addr_type(s), &pend);
    if (pend)
        return R_PEND;
    if (a->rc == BN_DNS_FAIL)
        return dns_fail(s, a, target, s->family == AF_INET ? "A" : "AAAA");
    if (!count_void(s, a, t, domain))
        return R_PERM;
    return any_addr_match(s, a, t) ? R_MATCH : R_NOMATCH;
}

/* eval_mx - "mx": an address of one of the target's MX hosts (5.4) */
static mres eval_mx(bn_spf *s, const term *t, const char *target, const char *domain)
{
    bool pend = false;
    const bn_dns_ans *mx = ask(s, target, BN_DNS_T_MX, &pend);
    if (pend)
        return R_PEND;
    if (mx->rc == BN_DNS_FAIL)
        return dns_fail(s, mx, target, "MX");
    if (!count_void(s, mx, t, domain))
        return R_PERM;
    if (mx->nrr > MAX_MX_NAMES) {
        say(s, "'%.*s' in the SPF record of %s: %s has %zu MX records (RFC 7208 allows 10)",
            (int)t->text.n, t->text.p, domain, target, mx->nrr);
        return R_PERM;
    }
    for (const bn_dns_rr *rr = mx->rr; rr; rr = rr->next)
        if (rr->len) /* "" is a null MX: nothing to look up */
            ask(s, rr->data, addr_type(s), &pend);
    if (pend)
        return R_PEND;
    for (const bn_dns_rr *rr = mx->rr; rr; rr = rr->next) {
        if (!rr->len)
            continue;
        const bn_dns_ans *a = ask(s, rr->data, addr_type(s), &pend);
        if (a->rc == BN_DNS_FAIL)
            return dns_fail(s, a, rr->data, "address of an MX host");
        if (any_addr_match(s, a, t))
            return R_MATCH;
    }
    return R_NOMATCH;
}

/* reverse_name - the in-addr.arpa / ip6.arpa name of the client */
static void reverse_name(const bn_spf *s, char *buf, size_t size)
{
    if (s->family == AF_INET) {
        snprintf(buf, size, "%u.%u.%u.%u.in-addr.arpa", s->ip[3], s->ip[2], s->ip[1], s->ip[0]);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 15; i >= 0; i--) {
        buf[o++] = hex[s->ip[i] & 15];
        buf[o++] = '.';
        buf[o++] = hex[s->ip[i] >> 4];
        buf[o++] = '.';
    }
    snprintf(buf + o, size - o, "ip6.arpa");
}

/* name_within - name is target or a subdomain of it */
static bool name_within(const char *name, const char *target)
{
    size_t n = strlen(name), t = strlen(target);
    if (n == t)
        return strcmp(name, target) == 0;
    return n > t && name[n - t - 1] == '.' && strcmp(name + n - t, target) == 0;
}

/* eval_ptr - "ptr": a validated PTR name within the target (5.5; errors
 * mean no match, never temperror) */
static mres eval_ptr(bn_spf *s, const term *t, const char *target, const char *domain)
{
    char rev[80];
    bool pend = false;
    reverse_name(s, rev, sizeof(rev));
    const bn_dns_ans *p = ask(s, rev, BN_DNS_T_PTR, &pend);
    if (pend)
        return R_PEND;
    if (!count_void(s, p, t, domain))
        return R_PERM;
    if (p->rc != BN_DNS_OK)
        return R_NOMATCH;
    size_t k = 0;
    for (const bn_dns_rr *rr = p->rr; rr && k < MAX_PTR_NAMES; rr = rr->next, k++)
        ask(s, rr->data, addr_type(s), &pend);
    if (pend)
        return R_PEND;
    term exact = *t;
    exact.cidr4 = 32;
    exact.cidr6 = 128;
    k = 0;
    for (const bn_dns_rr *rr = p->rr; rr && k < MAX_PTR_NAMES; rr = rr->next, k++) {
        const bn_dns_ans *a = ask(s, rr->data, addr_type(s), &pend);
        char norm[BN_DNS_NAME_MAX + 1], tnorm[BN_DNS_NAME_MAX + 1];
        if (a->rc == BN_DNS_OK && any_addr_match(s, a, &exact) &&
            bn_dns_norm_name(norm, rr->data, rr->len) &&
            bn_dns_norm_name(tnorm, target, strlen(target)) && name_within(norm, tnorm))
            return R_MATCH;
    }
    return R_NOMATCH;
}

/* eval_exists - "exists": the target has an A record (always A, 5.7) */
static mres eval_exists(bn_spf *s, const term *t, const char *target, const char *domain)
{
    bool pend = false;
    const bn_dns_ans *a = ask(s, target, BN_DNS_T_A, &pend);
    if (pend)
        return R_PEND;
    if (a->rc == BN_DNS_FAIL)
        return dns_fail(s, a, target, "A");
    if (!count_void(s, a, t, domain))
        return R_PERM;
    return a->rc == BN_DNS_OK ? R_MATCH : R_NOMATCH;
}

static bn_spf_result check_host(bn_spf *s, const char *domain, int depth);

/* eval_include - "include": the target's record passes (5.2 table) */
static mres eval_include(bn_spf *s, const term *t, const char *target, const char *domain, int depth)
{
    bn_spf_result r = check_host(s, target, depth + 1);
    switch (r) {
    case BN_SPF_PENDING: return R_PEND;
    case BN_SPF_PASS: return R_MATCH;
    case BN_SPF_TEMPERROR: return R_TEMP;
    case BN_SPF_PERMERROR: return R_PERM;
    case BN_SPF_NONE:
        say(s, "'%.*s' in the SPF record of %s: %s has no SPF record", (int)t->text.n,
            t->text.p, domain, target);
        return R_PERM;
    default: return R_NOMATCH;
    }
}

/* eval_ip - "ip4" / "ip6": the client is in the network (same family only) */
static mres eval_ip(const bn_spf *s, const term *t)
{
    if ((t->kind == M_IP4) != (s->family == AF_INET))
        return R_NOMATCH;
    int bits = t->kind == M_IP4 ? t->cidr4 : t->cidr6;
    return in_prefix(t->addr, s->ip, bits) ? R_MATCH : R_NOMATCH;
}

/* eval_mech - one mechanism */
static mres eval_mech(bn_spf *s, const term *t, const char *domain, int depth)
{
    char target[EXPAND_MAX];
    if (t->kind == M_ALL)
        return R_MATCH;
    if (t->kind == M_IP4 || t->kind == M_IP6)
        return eval_ip(s, t);
    if (!count_lookup(s, t, domain))
        return R_PERM;
    if (!target_name(s, t, domain, target))
        return R_PERM;
    switch (t->kind) {
    case M_INCLUDE: return eval_include(s, t, target, domain, depth);
    case M_A: return eval_a(s, t, target, domain);
    case M_MX: return eval_mx(s, t, target, domain);
    case M_PTR: return eval_ptr(s, t, target, domain);
    default: return eval_exists(s, t, target, domain);
    }
}

/* qual_result - the result a matching mechanism's qualifier gives */
static bn_spf_result qual_result(char q)
{
    switch (q) {
    case '-': return BN_SPF_FAIL;
    case '~': return BN_SPF_SOFTFAIL;
    case '?': return BN_SPF_NEUTRAL;
    default: return BN_SPF_PASS;
    }
}

/* mres_result - the check_host result of an error or pending mres */
static bn_spf_result mres_result(mres m)
{
    return m == R_PEND ? BN_SPF_PENDING : m == R_TEMP ? BN_SPF_TEMPERROR : BN_SPF_PERMERROR;
}

/* eval_redirect - the redirect= target's result; none there is permerror (6.1) */
static bn_spf_result eval_redirect(bn_spf *s, const term *t, const char *domain, int depth)
{
    char target[EXPAND_MAX];
    if (!count_lookup(s, t, domain) || !target_name(s, t, domain, target))
        return BN_SPF_PERMERROR;
    bn_spf_result r = check_host(s, target, depth + 1);
    if (r == BN_SPF_NONE) {
        say(s, "redirect=%s in the SPF record of %s: %s has no SPF record", target, domain, target);
        return BN_SPF_PERMERROR;
    }
    return r;
}

/* eval_record - evaluate a syntax-checked record for domain */
static bn_spf_result eval_record(bn_spf *s, bn_str rec, const char *domain, int depth)
{
    size_t pos = 0;
    bn_str text;
    term t, redirect;
    const char *err;
    bool have_redirect = false;
    while (next_term(rec, &pos, &text)) {
        parse_term(text, &t, &err);
        if (t.kind == T_REDIRECT) {
            redirect = t;
            have_redirect = true;
        }
        if (t.kind >= T_REDIRECT)
            continue;
        mres m = eval_mech(s, &t, domain, depth);
        if (m == R_MATCH) {
            say(s, "matched '%.*s' in the SPF record of %s", (int)t.text.n, t.text.p, domain);
            s->by_all = t.kind == M_ALL && depth == 0;
            return qual_result(t.qual);
        }
        if (m != R_NOMATCH)
            return mres_result(m);
    }
    if (have_redirect)
        return eval_redirect(s, &redirect, domain, depth);
    say(s, "no mechanism of the SPF record of %s matched (the default is neutral)", domain);
    return BN_SPF_NEUTRAL;
}

/* is_spf_record - TXT data starting "v=spf1" then a space or the end (4.5) */
static bool is_spf_record(const bn_dns_rr *rr)
{
    bn_str d = {rr->data, rr->len};
    return bn_str_starts_ci(d, "v=spf1") && (d.n == 6 || d.p[6] == ' ');
}

/* find_record - the one SPF record among the TXT answers; result != PASS
 * means stop with that result */
static bn_spf_result find_record(bn_spf *s, const char *domain, const bn_dns_rr **out)
{
    bool pend = false;
    const bn_dns_ans *a = ask(s, domain, BN_DNS_T_TXT, &pend);
    if (pend)
        return BN_SPF_PENDING;
    if (a->rc == BN_DNS_FAIL) {
        dns_fail(s, a, domain, "TXT");
        return BN_SPF_TEMPERROR;
    }
    size_t n = 0;
    for (const bn_dns_rr *rr = a->rr; rr; rr = rr->next)
        if (is_spf_record(rr) && n++ == 0)
            *out = rr;
    if (n > 1) {
        say(s, "%s publishes %zu SPF records; RFC 7208 allows exactly one", domain, n);
        return BN_SPF_PERMERROR;
    }
    if (n == 0) {
        say(s, a->rc == BN_DNS_NXDOMAIN ? "%s does not exist" : "%s has no SPF record", domain);
        return BN_SPF_NONE;
    }
    return BN_SPF_PASS;
}

/* check_host - RFC 7208 4: the result of domain's record for the client */
static bn_spf_result check_host(bn_spf *s, const char *domain, int depth)
{
    char norm[BN_DNS_NAME_MAX + 1];
    if (depth > MAX_DEPTH) {
        say(s, "SPF includes nest too deep at %s", domain);
        return BN_SPF_PERMERROR;
    }
    if (!bn_dns_norm_name(norm, domain, strlen(domain)) || !strchr(norm, '.')) {
        say(s, "'%s' is not a usable domain name", domain);
        return BN_SPF_NONE; /* 4.3 */
    }
    const bn_dns_rr *rr = NULL;
    bn_spf_result r = find_record(s, norm, &rr);
    if (r != BN_SPF_PASS)
        return r;
    if (depth == 0)
        snprintf(s->record, sizeof(s->record), "%.*s", (int)rr->len, rr->data);
    bn_str rec = {rr->data + 6, rr->len - 6};
    if (check_record(s, rec, norm) == R_PERM)
        return BN_SPF_PERMERROR;
    return eval_record(s, rec, norm, depth);
}

/* bn_spf_check - evaluate the SPF record of domain for s->ip */
void bn_spf_check(bn_spf *s, const char *domain)
{
    s->lookups = 0;
    s->voids = 0;
    s->by_all = false;
    s->why[0] = '\0';
    s->record[0] = '\0';
    s->result = check_host(s, domain, 0);
}
