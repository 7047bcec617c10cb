/*
 * fuzz_spf.c - bounce doctor's parsers on arbitrary input
 *
 * The first byte picks the target, the rest is its input:
 *   's' (and anything not below): SPF. Lines of the rest become TXT records:
 *       line 1 of d.example (the domain checked), line k+1 of ik.example, so
 *       that include:/redirect= chains reach fuzzed records; fixed A, MX and
 *       PTR records give a/mx/ptr/exists something to find. The second byte
 *       picks an IPv4 or IPv6 client.
 *   'm': a DNS response message, decoded for A, TXT and MX.
 *   'k': a DKIM key record.   'd': a DMARC record.   't': a blocklist table.
 * Invariants: SPF gives a final result (the table answers everything), no
 * more than 11 counted lookups, NUL-terminated reasons; decoded records
 * stay within the message; parsed values stay within their ranges.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/dns.h"
#include "doctor/dnsbl.h"
#include "doctor/doctor.h"
#include "doctor/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 16
#define MAX_LINE 4096

/* add_fixed - records the mechanisms can match */
static void add_fixed(bn_dns *dns)
{
    bn_dns_add(dns, "d.example", BN_DNS_T_A, "192.0.2.7");
    bn_dns_add(dns, "d.example", BN_DNS_T_AAAA, "2001:db8::7");
    bn_dns_add(dns, "d.example", BN_DNS_T_MX, "10 m.example");
    bn_dns_add(dns, "m.example", BN_DNS_T_A, "192.0.2.8");
    bn_dns_add(dns, "7.2.0.192.in-addr.arpa", BN_DNS_T_PTR, "m.d.example");
    bn_dns_add(dns, "m.d.example", BN_DNS_T_A, "192.0.2.7");
    bn_dns_set(dns, "fail.example", BN_DNS_T_A, BN_DNS_FAIL, "fuzz failure");
}

/* add_lines - each line of the input as a TXT record */
static void add_lines(bn_dns *dns, const uint8_t *p, size_t n)
{
    char line[MAX_LINE + 1], name[32];
    for (int k = 0; k < MAX_LINES && n; k++) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        size_t keep = len < MAX_LINE ? len : MAX_LINE;
        memcpy(line, p, keep);
        line[keep] = '\0'; /* a NUL inside the line just shortens it */
        if (k == 0)
            strcpy(name, "d.example");
        else
            snprintf(name, sizeof(name), "i%d.example", k);
        bn_dns_add(dns, name, BN_DNS_T_TXT, line);
        p += len + (nl ? 1 : 0);
        n -= len + (nl ? 1 : 0);
    }
}

/* fuzz_spf - evaluate a fuzzed zone */
static void fuzz_spf(const uint8_t *p, size_t n)
{
    bn_dns *dns = NULL;
    if (bn_dns_new_table(&dns) != BN_OK)
        return;
    bn_spf s;
    memset(&s, 0, sizeof(s));
    s.family = n && (p[0] & 1) ? AF_INET6 : AF_INET;
    inet_pton(s.family, s.family == AF_INET ? "192.0.2.7" : "2001:db8::7", s.ip);
    if (n) {
        p++;
        n--;
    }
    add_fixed(dns);
    add_lines(dns, p, n);
    s.dns = dns;
    s.sender = "postmaster@d.example";
    s.helo = "d.example";
    bn_spf_check(&s, "d.example");
    if (s.result == BN_SPF_PENDING || s.result > BN_SPF_PENDING)
        abort();
    if (s.lookups > BN_SPF_MAX_LOOKUPS + 1 || s.voids > BN_SPF_MAX_VOIDS + 1)
        abort();
    if (strnlen(s.why, sizeof(s.why)) == sizeof(s.why) ||
        strnlen(s.record, sizeof(s.record)) == sizeof(s.record))
        abort();
    bn_dns_free(dns);
}

/* fuzz_msg - decode a fuzzed DNS response */
static void fuzz_msg(const uint8_t *p, size_t n)
{
    static const uint16_t types[] = {BN_DNS_T_A, BN_DNS_T_TXT, BN_DNS_T_MX, BN_DNS_T_PTR};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        bn_dns_ans a;
        bool tc;
        bn_dns_parse_msg(&a, &tc, p, n, "x.example", types[i]);
        size_t count = 0;
        for (const bn_dns_rr *rr = a.rr; rr; rr = rr->next, count++)
            if (rr->len > 65535 || rr->data[rr->len] != '\0')
                abort();
        if (count != a.nrr || (a.rc == BN_DNS_OK && count == 0))
            abort();
        bn_dns_free_rr(a.rr);
    }
}

/* fuzz_records - DKIM, DMARC and blocklist-table parsers */
static void fuzz_records(uint8_t which, const uint8_t *p, size_t n)
{
    if (which == 'k') {
        bn_dkim_key k;
        bn_dkim_parse_key(&k, (const char *)p, n);
        if (k.bits < 0 || k.bits > 8 * 2048 || strnlen(k.type, sizeof(k.type)) == sizeof(k.type))
            abort();
    } else if (which == 'd') {
        bn_dmarc m;
        bn_dmarc_parse(&m, (const char *)p, n);
        if (m.pct < 0 || m.pct > 100 || (m.adkim != 'r' && m.adkim != 's'))
            abort();
    } else {
        bn_dnsbl_table t;
        char err[128];
        if (bn_dnsbl_parse(&t, (const char *)p, n, err, sizeof(err)) == BN_OK)
            for (size_t i = 0; i < t.n; i++)
                if (!t.lists[i].zone || !t.lists[i].ncodes)
                    abort();
        bn_dnsbl_table_free(&t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t which = data[0];
    if (which == 'm')
        fuzz_msg(data + 1, size - 1);
    else if (which == 'k' || which == 'd' || which == 't')
        fuzz_records(which, data + 1, size - 1);
    else
        fuzz_spf(data + 1, size - 1);
    return 0;
}
