/*
 * test_spf.c - the SPF evaluator (src/doctor/spf.c) over a table of DNS
 * answers: every mechanism, modifier, macro, result and error of RFC 7208.
 *
 * Each case is a small zone (one record per line: NAME TYPE VALUE, or
 * NAME TYPE !FAIL for a lookup that fails), a client IP, a domain, the
 * result expected and a piece of the reason. Expected results come from
 * the RFC's rules, worked out by hand for each zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "doctor/dns.h"
#include "doctor/spf.h"

typedef struct spf_case {
    const char *name;
    const char *zone;
    const char *ip;
    const char *domain;
    bn_spf_result want;
    const char *why; /* substring of the reason, or NULL */
} spf_case;

#define P BN_SPF_PASS
#define F BN_SPF_FAIL
#define SF BN_SPF_SOFTFAIL
#define N BN_SPF_NEUTRAL
#define NONE BN_SPF_NONE
#define PE BN_SPF_PERMERROR
#define TE BN_SPF_TEMPERROR

static const spf_case cases[] = {
    /* results of the qualifiers */
    {"pass ip4", "d.example TXT v=spf1 ip4:192.0.2.0/24 -all", "192.0.2.7", "d.example", P, "ip4:192.0.2.0/24"},
    {"fail", "d.example TXT v=spf1 ip4:198.51.100.1 -all", "192.0.2.7", "d.example", F, "'-all'"},
    {"softfail", "d.example TXT v=spf1 ~all", "192.0.2.7", "d.example", SF, "'~all'"},
    {"neutral", "d.example TXT v=spf1 ?all", "192.0.2.7", "d.example", N, "'?all'"},
    {"explicit +", "d.example TXT v=spf1 +ip4:192.0.2.7 -all", "192.0.2.7", "d.example", P, NULL},
    {"no match is neutral", "d.example TXT v=spf1 ip4:198.51.100.1", "192.0.2.7", "d.example", N, "default is neutral"},
    {"empty record", "d.example TXT v=spf1", "192.0.2.7", "d.example", N, NULL},
    {"case-insensitive", "d.example TXT V=SPF1 IP4:192.0.2.7 -ALL", "192.0.2.7", "d.example", P, NULL},
    {"extra spaces", "d.example TXT v=spf1   ip4:192.0.2.7   -all", "192.0.2.7", "d.example", P, NULL},
    /* none */
    {"no record", "d.example TXT hello", "192.0.2.7", "d.example", NONE, "no SPF record"},
    {"no domain", "", "192.0.2.7", "d.example", NONE, "does not exist"},
    {"v=spf10 is not spf1", "d.example TXT v=spf10 -all", "192.0.2.7", "d.example", NONE, NULL},
    {"single label", "", "192.0.2.7", "localhost", NONE, "not a usable domain"},
    /* ip4 / ip6 */
    {"ip4 prefix", "d.example TXT v=spf1 ip4:192.0.2.128/25 -all", "192.0.2.200", "d.example", P, NULL},
    {"ip4 prefix miss", "d.example TXT v=spf1 ip4:192.0.2.128/25 -all", "192.0.2.7", "d.example", F, NULL},
    {"ip4 /0", "d.example TXT v=spf1 ip4:0.0.0.0/0 -all", "203.0.113.9", "d.example", P, NULL},
    {"ip6", "d.example TXT v=spf1 ip6:2001:db8::/32 -all", "2001:db8:1::5", "d.example", P, NULL},
    {"ip6 miss", "d.example TXT v=spf1 ip6:2001:db8::/48 -all", "2001:db8:1::5", "d.example", F, NULL},
    {"ip6 exact", "d.example TXT v=spf1 ip6:2001:db8::25 -all", "2001:db8::25", "d.example", P, NULL},
    {"ip4 ignores v6 client", "d.example TXT v=spf1 ip4:0.0.0.0/0 -all", "2001:db8::1", "d.example", F, NULL},
    {"ip6 ignores v4 client", "d.example TXT v=spf1 ip6:::/0 -all", "192.0.2.7", "d.example", F, NULL},
    /* a */
    {"a", "d.example TXT v=spf1 a -all\nd.example A 192.0.2.7", "192.0.2.7", "d.example", P, "'a'"},
    {"a domain", "d.example TXT v=spf1 a:h.d.example -all\nh.d.example A 192.0.2.7", "192.0.2.7", "d.example", P, NULL},
    {"a cidr", "d.example TXT v=spf1 a/24 -all\nd.example A 192.0.2.1", "192.0.2.7", "d.example", P, NULL},
    {"a domain cidr", "d.example TXT v=spf1 a:h.d.example/24 -all\nh.d.example A 192.0.2.1", "192.0.2.7", "d.example", P, NULL},
    {"a dual cidr v6", "d.example TXT v=spf1 a//64 -all\nd.example AAAA 2001:db8::1", "2001:db8::99", "d.example", P, NULL},
    {"a dual cidr both", "d.example TXT v=spf1 a/24//64 -all\nd.example AAAA 2001:db8::1", "2001:db8::99", "d.example", P, NULL},
    {"a uses AAAA for v6", "d.example TXT v=spf1 a -all\nd.example A 192.0.2.7\nd.example AAAA 2001:db8::7", "2001:db8::7", "d.example", P, NULL},
    {"a miss", "d.example TXT v=spf1 a -all\nd.example A 192.0.2.8", "192.0.2.7", "d.example", F, NULL},
    {"a dns error", "d.example TXT v=spf1 a -all\nd.example A !FAIL", "192.0.2.7", "d.example", TE, "DNS lookup of d.example (A) failed"},
    /* mx */
    {"mx", "d.example TXT v=spf1 mx -all\nd.example MX 10 m.d.example\nm.d.example A 192.0.2.7", "192.0.2.7", "d.example", P, "'mx'"},
    {"mx second host", "d.example TXT v=spf1 mx -all\nd.example MX 10 a.d.example\nd.example MX 20 b.d.example\na.d.example A 192.0.2.1\nb.d.example A 192.0.2.7", "192.0.2.7", "d.example", P, NULL},
    {"mx domain cidr", "d.example TXT v=spf1 mx:o.example/30 -all\no.example MX 5 m.o.example\nm.o.example A 192.0.2.5", "192.0.2.7", "d.example", P, NULL},
    {"mx null", "d.example TXT v=spf1 mx -all\nd.example MX 0 .", "192.0.2.7", "d.example", F, NULL},
    {"mx host error", "d.example TXT v=spf1 mx -all\nd.example MX 10 m.d.example\nm.d.example A !FAIL", "192.0.2.7", "d.example", TE, "address of an MX host"},
    {"mx error", "d.example TXT v=spf1 mx -all\nd.example MX !FAIL", "192.0.2.7", "d.example", TE, "(MX) failed"},
    {"mx eleven hosts", "d.example TXT v=spf1 mx -all\nd.example MX 1 a1.example\nd.example MX 2 a2.example\nd.example MX 3 a3.example\nd.example MX 4 a4.example\nd.example MX 5 a5.example\nd.example MX 6 a6.example\nd.example MX 7 a7.example\nd.example MX 8 a8.example\nd.example MX 9 a9.example\nd.example MX 10 a10.example\nd.example MX 11 a11.example", "192.0.2.7", "d.example", PE, "11 MX records"},
    /* ptr */
    {"ptr", "d.example TXT v=spf1 ptr -all\n7.2.0.192.in-addr.arpa PTR mail.d.example\nmail.d.example A 192.0.2.7", "192.0.2.7", "d.example", P, "'ptr'"},
    {"ptr domain", "d.example TXT v=spf1 ptr:o.example -all\n7.2.0.192.in-addr.arpa PTR mail.o.example\nmail.o.example A 192.0.2.7", "192.0.2.7", "d.example", P, NULL},
    {"ptr unconfirmed", "d.example TXT v=spf1 ptr -all\n7.2.0.192.in-addr.arpa PTR mail.d.example\nmail.d.example A 192.0.2.8", "192.0.2.7", "d.example", F, NULL},
    {"ptr other domain", "d.example TXT v=spf1 ptr -all\n7.2.0.192.in-addr.arpa PTR mail.evil.example\nmail.evil.example A 192.0.2.7", "192.0.2.7", "d.example", F, NULL},
    {"ptr suffix not label", "d.example TXT v=spf1 ptr -all\n7.2.0.192.in-addr.arpa PTR maild.example\nmaild.example A 192.0.2.7", "192.0.2.7", "d.example", F, NULL},
    {"ptr error is no match", "d.example TXT v=spf1 ptr ?all\n7.2.0.192.in-addr.arpa PTR !FAIL", "192.0.2.7", "d.example", N, NULL},
    {"ptr v6", "d.example TXT v=spf1 ptr -all\n5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR m.d.example\nm.d.example AAAA 2001:db8::25", "2001:db8::25", "d.example", P, NULL},
    /* include */
    {"include pass", "d.example TXT v=spf1 include:p.example -all\np.example TXT v=spf1 ip4:192.0.2.7 -all", "192.0.2.7", "d.example", P, "include:p.example"},
    {"include fail is no match", "d.example TXT v=spf1 include:p.example ?all\np.example TXT v=spf1 -all", "192.0.2.7", "d.example", N, NULL},
    {"include softfail is no match", "d.example TXT v=spf1 include:p.example -all\np.example TXT v=spf1 ~all", "192.0.2.7", "d.example", F, NULL},
    {"include none is permerror", "d.example TXT v=spf1 include:p.example -all", "192.0.2.7", "d.example", PE, "p.example has no SPF record"},
    {"include temperror", "d.example TXT v=spf1 include:p.example -all\np.example TXT !FAIL", "192.0.2.7", "d.example", TE, "p.example (TXT) failed"},
    {"include permerror", "d.example TXT v=spf1 include:p.example -all\np.example TXT v=spf1 bogus", "192.0.2.7", "d.example", PE, "unknown mechanism"},
    {"-include pass is fail", "d.example TXT v=spf1 -include:p.example +all\np.example TXT v=spf1 +all", "192.0.2.7", "d.example", F, NULL},
    /* exists */
    {"exists", "d.example TXT v=spf1 exists:x.d.example -all\nx.d.example A 127.0.0.2", "192.0.2.7", "d.example", P, "exists"},
    {"exists miss", "d.example TXT v=spf1 exists:x.d.example -all", "192.0.2.7", "d.example", F, NULL},
    {"exists uses A for v6", "d.example TXT v=spf1 exists:x.d.example -all\nx.d.example A 127.0.0.2", "2001:db8::1", "d.example", P, NULL},
    {"exists error", "d.example TXT v=spf1 exists:x.d.example -all\nx.d.example A !FAIL", "192.0.2.7", "d.example", TE, NULL},
    /* redirect, exp, unknown modifiers */
    {"redirect", "d.example TXT v=spf1 redirect=r.example\nr.example TXT v=spf1 ip4:192.0.2.7 -all", "192.0.2.7", "d.example", P, "record of r.example"},
    {"redirect fail", "d.example TXT v=spf1 redirect=r.example\nr.example TXT v=spf1 -all", "192.0.2.7", "d.example", F, NULL},
    {"redirect none", "d.example TXT v=spf1 redirect=r.example", "192.0.2.7", "d.example", PE, "r.example has no SPF record"},
    {"redirect ignored after match", "d.example TXT v=spf1 ip4:192.0.2.7 redirect=r.example", "192.0.2.7", "d.example", P, NULL},
    {"redirect ignored with all", "d.example TXT v=spf1 -all redirect=r.example\nr.example TXT v=spf1 +all", "192.0.2.7", "d.example", F, NULL},
    {"redirect anywhere in record", "d.example TXT v=spf1 redirect=r.example ip4:198.51.100.1\nr.example TXT v=spf1 ~all", "192.0.2.7", "d.example", SF, NULL},
    {"exp ignored", "d.example TXT v=spf1 exp=e.example -all", "192.0.2.7", "d.example", F, NULL},
    {"unknown modifier ignored", "d.example TXT v=spf1 foo=bar ip4:192.0.2.7 -all", "192.0.2.7", "d.example", P, NULL},
    /* macros */
    {"macro i", "d.example TXT v=spf1 exists:%{i}.x.example -all\n192.0.2.7.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    {"macro ir", "d.example TXT v=spf1 exists:%{ir}.x.example -all\n7.2.0.192.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    {"macro i v6", "d.example TXT v=spf1 exists:%{ir}.%{v}.x.example -all\n5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.x.example A 127.0.0.2", "2001:db8::25", "d.example", P, NULL},
    {"macro v in-addr", "d.example TXT v=spf1 exists:%{v}.x.example -all\nin-addr.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    {"macro d2", "a.b.d.example TXT v=spf1 exists:%{d2}.x.example -all\nd.example.x.example A 127.0.0.2", "192.0.2.7", "a.b.d.example", P, NULL},
    {"macro d1r", "a.b.d.example TXT v=spf1 exists:%{d1r}.x.example -all\na.x.example A 127.0.0.2", "192.0.2.7", "a.b.d.example", P, NULL},
    {"macro l o s", "d.example TXT v=spf1 exists:%{l}.%{o}.x.example -all\npostmaster.d.example.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    {"macro s", "d.example TXT v=spf1 exists:%{s}.x.example -all\npostmaster@d.example.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    {"@ is no delimiter", "d.example TXT v=spf1 exists:%{s1@}.x.example -all", "192.0.2.7", "d.example", PE, NULL},
    {"macro several delimiters", "a-b.d.example TXT v=spf1 exists:%{d2.-}.x.example -all\nd.example.x.example A 127.0.0.2", "192.0.2.7", "a-b.d.example", P, NULL},
    {"macro h", "d.example TXT v=spf1 exists:%{h}.x.example -all\nd.example.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    {"macro p is unknown", "d.example TXT v=spf1 exists:%{p}.x.example -all\nunknown.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    {"macro dash delimiter", "d.example TXT v=spf1 exists:%{l-}.x.example -all\npostmaster.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    {"macro d in include", "d.example TXT v=spf1 include:_s.%{d} -all\n_s.d.example TXT v=spf1 +all", "192.0.2.7", "d.example", P, NULL},
    {"macro literal escapes", "d.example TXT v=spf1 exists:a%%b%_c%-d.x.example -all", "192.0.2.7", "d.example", F, NULL},
    {"macro uppercase escapes", "d.example TXT v=spf1 exists:%{S}.x.example -all\npostmaster%40d.example.x.example A 127.0.0.2", "192.0.2.7", "d.example", P, NULL},
    /* syntax errors */
    {"two records", "d.example TXT v=spf1 -all\nd.example TXT v=spf1 +all", "192.0.2.7", "d.example", PE, "2 SPF records"},
    {"bad ip4", "d.example TXT v=spf1 ip4:192.0.2.256 -all", "192.0.2.7", "d.example", PE, "not an IPv4"},
    {"ip4 leading zero", "d.example TXT v=spf1 ip4:192.0.2.07 -all", "192.0.2.7", "d.example", PE, "not an IPv4"},
    {"ip4 short", "d.example TXT v=spf1 ip4:192.0.2 -all", "192.0.2.7", "d.example", PE, NULL},
    {"ip4 cidr 33", "d.example TXT v=spf1 ip4:192.0.2.0/33 -all", "192.0.2.7", "d.example", PE, "prefix"},
    {"ip4 cidr leading zero", "d.example TXT v=spf1 ip4:192.0.2.0/024 -all", "192.0.2.7", "d.example", PE, "prefix"},
    {"ip4 no value", "d.example TXT v=spf1 ip4 -all", "192.0.2.7", "d.example", PE, NULL},
    {"ip6 bad", "d.example TXT v=spf1 ip6:2001:db8::g -all", "192.0.2.7", "d.example", PE, "not an IPv6"},
    {"ip6 cidr 129", "d.example TXT v=spf1 ip6:2001:db8::/129 -all", "192.0.2.7", "d.example", PE, NULL},
    {"a cidr 33", "d.example TXT v=spf1 a/33 -all", "192.0.2.7", "d.example", PE, NULL},
    {"unknown mechanism", "d.example TXT v=spf1 frob -all", "192.0.2.7", "d.example", PE, "unknown mechanism"},
    {"all with argument", "d.example TXT v=spf1 all:x.example", "192.0.2.7", "d.example", PE, "takes no argument"},
    {"include without domain", "d.example TXT v=spf1 include -all", "192.0.2.7", "d.example", PE, NULL},
    {"include numeric toplabel", "d.example TXT v=spf1 include:192.0.2.7 -all", "192.0.2.7", "d.example", PE, NULL},
    {"include single label", "d.example TXT v=spf1 include:localhost -all", "192.0.2.7", "d.example", PE, NULL},
    {"bad macro letter", "d.example TXT v=spf1 exists:%{x}.x.example -all", "192.0.2.7", "d.example", PE, NULL},
    {"macro zero digits", "d.example TXT v=spf1 exists:%{d0}.x.example -all", "192.0.2.7", "d.example", PE, NULL},
    {"macro unterminated", "d.example TXT v=spf1 exists:%{d.x.example -all", "192.0.2.7", "d.example", PE, NULL},
    {"lone percent", "d.example TXT v=spf1 exists:a%b.x.example -all", "192.0.2.7", "d.example", PE, NULL},
    {"c macro only in exp text", "d.example TXT v=spf1 exists:%{c}.x.example -all", "192.0.2.7", "d.example", PE, NULL},
    {"two redirects", "d.example TXT v=spf1 redirect=a.example redirect=b.example", "192.0.2.7", "d.example", PE, "more than one redirect"},
    {"two exps", "d.example TXT v=spf1 exp=a.example exp=b.example -all", "192.0.2.7", "d.example", PE, "more than one exp"},
    {"qualified modifier", "d.example TXT v=spf1 -redirect=a.example", "192.0.2.7", "d.example", PE, "qualifier"},
    {"bad modifier name", "d.example TXT v=spf1 1x=y -all", "192.0.2.7", "d.example", PE, NULL},
    {"syntax error after match", "d.example TXT v=spf1 +all ip4:bad", "192.0.2.7", "d.example", PE, NULL},
    {"control byte", "d.example TXT v=spf1 ip4:192.0.2.7\t-all", "192.0.2.7", "d.example", PE, "control"},
    /* limits */
    {"include loop", "d.example TXT v=spf1 include:d.example -all", "192.0.2.7", "d.example", PE, "lookup number 11"},
    {"ten lookups are fine", "d.example TXT v=spf1 a:n1.example a:n2.example mx:n3.example exists:n4.example ptr:n5.example include:p.example -all\np.example TXT v=spf1 a:m1.example a:m2.example a:m3.example a:m4.example ip4:192.0.2.7 -all\nn1.example A 192.0.2.99\nn2.example A 192.0.2.99\nn3.example MX 10 n1.example\nn4.example TXT x\nm1.example A 192.0.2.99\nm2.example A 192.0.2.99\nm3.example A 192.0.2.99\nm4.example A 192.0.2.99", "192.0.2.7", "d.example", P, NULL},
    {"eleven lookups", "d.example TXT v=spf1 a:n1.example a:n2.example a:n3.example a:n4.example a:n5.example a:n6.example a:n7.example a:n8.example a:n9.example a:n10.example a:n11.example -all\nn1.example A 192.0.2.99\nn2.example A 192.0.2.99\nn3.example A 192.0.2.99\nn4.example A 192.0.2.99\nn5.example A 192.0.2.99\nn6.example A 192.0.2.99\nn7.example A 192.0.2.99\nn8.example A 192.0.2.99\nn9.example A 192.0.2.99\nn10.example A 192.0.2.99\nn11.example A 192.0.2.99", "192.0.2.7", "d.example", PE, "lookup number 11"},
    {"redirect counts", "d.example TXT v=spf1 a:n1.example a:n2.example a:n3.example a:n4.example a:n5.example a:n6.example a:n7.example a:n8.example a:n9.example a:n10.example redirect=r.example\nn1.example A 192.0.2.99\nn2.example A 192.0.2.99\nn3.example A 192.0.2.99\nn4.example A 192.0.2.99\nn5.example A 192.0.2.99\nn6.example A 192.0.2.99\nn7.example A 192.0.2.99\nn8.example A 192.0.2.99\nn9.example A 192.0.2.99\nn10.example A 192.0.2.99\nr.example TXT v=spf1 +all", "192.0.2.7", "d.example", PE, "lookup number 11"},
    {"ip4 is no lookup", "d.example TXT v=spf1 ip4:1.1.1.1 ip4:1.1.1.2 ip4:1.1.1.3 ip4:1.1.1.4 ip4:1.1.1.5 ip4:1.1.1.6 ip4:1.1.1.7 ip4:1.1.1.8 ip4:1.1.1.9 ip4:1.1.1.10 ip4:1.1.1.11 ip4:192.0.2.7 -all", "192.0.2.7", "d.example", P, NULL},
    {"two voids are fine", "d.example TXT v=spf1 a:v1.example a:v2.example ip4:192.0.2.7 -all", "192.0.2.7", "d.example", P, NULL},
    {"three voids", "d.example TXT v=spf1 a:v1.example a:v2.example a:v3.example ip4:192.0.2.7 -all", "192.0.2.7", "d.example", PE, "void lookup number 3"},
    {"void nodata counts", "d.example TXT v=spf1 a:v1.example mx:v2.example exists:v3.example -all\nv1.example TXT x\nv2.example TXT x", "192.0.2.7", "d.example", PE, "void"},
    {"top-level txt error", "d.example TXT !FAIL", "192.0.2.7", "d.example", TE, "(TXT) failed"},
};

/* load_zone - fill a table cache from "NAME TYPE VALUE" lines */
static void load_zone(bn_dns *dns, const char *zone)
{
    char line[2048];
    const char *p = zone;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        assert_true(n < sizeof(line));
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (nl ? 1 : 0);
        char *name = line, *type = strchr(name, ' ');
        assert_non_null(type);
        *type++ = '\0';
        char *value = strchr(type, ' ');
        assert_non_null(value);
        *value++ = '\0';
        uint16_t t = strcmp(type, "A") == 0      ? BN_DNS_T_A
                     : strcmp(type, "AAAA") == 0 ? BN_DNS_T_AAAA
                     : strcmp(type, "MX") == 0   ? BN_DNS_T_MX
                     : strcmp(type, "PTR") == 0  ? BN_DNS_T_PTR
                                                 : BN_DNS_T_TXT;
        if (strcmp(value, "!FAIL") == 0)
            assert_int_equal(bn_dns_set(dns, name, t, BN_DNS_FAIL, "test failure"), BN_OK);
        else
            assert_int_equal(bn_dns_add(dns, name, t, value), BN_OK);
    }
}

/* run_case - evaluate one case; the result, with the reason in s */
static bn_spf_result run_case(const spf_case *c, bn_spf *s)
{
    bn_dns *dns = NULL;
    char sender[300];
    assert_int_equal(bn_dns_new_table(&dns), BN_OK);
    load_zone(dns, c->zone);
    memset(s, 0, sizeof(*s));
    s->dns = dns;
    s->family = strchr(c->ip, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(s->family, c->ip, s->ip), 1);
    snprintf(sender, sizeof(sender), "postmaster@%s", c->domain);
    s->sender = sender;
    s->helo = c->domain;
    bn_spf_check(s, c->domain);
    bn_spf_result r = s->result;
    s->sender = s->helo = NULL;
    bn_dns_free(dns);
    return r;
}

/* test_cases - every case of the table */
static void test_cases(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bn_spf s;
        bn_spf_result r = run_case(&cases[i], &s);
        bool ok = r == cases[i].want && (!cases[i].why || strstr(s.why, cases[i].why));
        if (!ok) {
            print_error("case '%s': got %s (%s), want %s with '%s'\n", cases[i].name,
                        bn_spf_result_name(r), s.why, bn_spf_result_name(cases[i].want),
                        cases[i].why ? cases[i].why : "");
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

/* test_counts - lookups and voids are counted as RFC 7208 4.6.4 says */
static void test_counts(void **state)
{
    (void)state;
    spf_case c = {"counts", "d.example TXT v=spf1 a:v1.example include:p.example ip4:192.0.2.7\n"
                            "p.example TXT v=spf1 mx -all\np.example MX 10 m.example\nm.example A 192.0.2.8",
                  "192.0.2.7", "d.example", P, NULL};
    bn_spf s;
    assert_int_equal(run_case(&c, &s), P);
    assert_int_equal(s.lookups, 3); /* a, include, mx (its A lookups do not count) */
    assert_int_equal(s.voids, 1);   /* v1.example does not exist */
    assert_string_equal(s.record, "v=spf1 a:v1.example include:p.example ip4:192.0.2.7");
}

/* test_pending - with a live cache nothing is answered: the evaluation
 * stops at the first lookup and says pending, without a result */
static void test_pending(void **state)
{
    (void)state;
    bn_dns *dns = NULL;
    assert_int_equal(bn_dns_new(&dns, "127.0.0.1:9", 100, 1), BN_OK);
    bn_spf s;
    memset(&s, 0, sizeof(s));
    s.dns = dns;
    s.family = AF_INET;
    s.sender = "postmaster@d.example";
    s.helo = "d.example";
    bn_spf_check(&s, "d.example");
    assert_int_equal(s.result, BN_SPF_PENDING);
    assert_int_equal(bn_dns_pending(dns), 1);
    bn_dns_expire(dns, "test");
    bn_spf_check(&s, "d.example");
    assert_int_equal(s.result, BN_SPF_TEMPERROR);
    bn_dns_free(dns);
}

/* test_names - result names */
static void test_names(void **state)
{
    (void)state;
    assert_string_equal(bn_spf_result_name(BN_SPF_SOFTFAIL), "softfail");
    assert_string_equal(bn_spf_result_name(BN_SPF_PERMERROR), "permerror");
    assert_string_equal(bn_spf_result_name(BN_SPF_NONE), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_pending),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
