/*
 * test_doctor.c - the parts of bounce doctor that need no DNS server: DNS
 * message decoding, DKIM key records and key sizes, DMARC records, the
 * blocklist table (every row of data/dnsbl.tsv), answer meanings, reversed
 * names, option checking. The end-to-end checks against a real DNS server
 * are tests/doctor.cmake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "doctor/dnsbl.h"
#include "doctor/doctor.h"
#include "core/alloc.h"
#include "doctor/dns.h"

/* Public keys made with openssl genpkey for these tests (2048, 1024, 512 bits,
 * and the 1024-bit one again as a bare PKCS#1 RSAPublicKey). */
static const char key2048[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtGib7LbKOEtzLifBwKavaG8MGxMFi6c7HJx7xn8dWIcQ6+IPQD/IiuEhttdsdRjG7AQEIxGlxfn9AJBnlbeCVl1VbUq3jcoBzLz7rA5plGjmXSCjqbTTUEmrxoZk/naiN8YVzKrj+GONDzvBJlujFz3MXOdbjpGgF8CwHPPwYTgZf8Y1maPuVGmTBIkZ5cjUn2soOm8d98ZC//HHgdn9ybjUPyGoDLv/RgAOIfDEeMIGK8I7WOLBkr8Xl1FEZDCqcjIsqMHvyLTVG2UqXPF77ahxtZ1AHhyYu0ytmDSimx5iYggGXAJMrzLzwlGOQviSXGurOrpWO9ks7HAfhNNivQIDAQAB";
static const char key1024[] = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC9GXPcVRSumHZtn4ILKbJWhRRz8OrLBwfaMumnzOOyaDQy4frmoWa4NDSaN78gqzBjdXCLzGFL51IlKzi0e1I8pazleus42pns35wYDRU38BTlTdBQSj2aI9l1OVM8qqFBdmiglD3m9Z7/DAp9H2XMlj+molSkXTz2nfInZb/yNwIDAQAB";
static const char key512[] = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANoYr9RERVYa4kFP69TiiLoCz+w6V3uLd5lozH7vxwEpADysqZFlTTGGA7vW8y8HuGhxkS+iJrz0BvTelrW7dpMCAwEAAQ==";
static const char key1024_pkcs1[] = "MIGJAoGBAL0Zc9xVFK6Ydm2fggspslaFFHPw6ssHB9oy6afM47JoNDLh+uahZrg0NJo3vyCrMGN1cIvMYUvnUiUrOLR7UjylrOV66zjamezfnBgNFTfwFOVN0FBKPZoj2XU5UzyqoUF2aKCUPeb1nv8MCn0fZcyWP6aiVKRdPPad8idlv/I3AgMBAAE=";

/* ---- DNS messages ---------------------------------------------------------- */

/* put_name - wire form of a dotted name at p; bytes written */
static size_t put_name(unsigned char *p, const char *name)
{
    size_t o = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        p[o++] = (unsigned char)n;
        memcpy(p + o, name, n);
        o += n;
        name += n + (dot ? 1 : 0);
    }
    p[o++] = 0;
    return o;
}

/* header - a response header: flags, qd=1, an answers */
static size_t header(unsigned char *p, unsigned flags, unsigned an)
{
    unsigned char h[12] = {0x12, 0x34, (unsigned char)(flags >> 8), (unsigned char)flags, 0, 1,
                           0, (unsigned char)an, 0, 0, 0, 0};
    memcpy(p, h, 12);
    return 12;
}

/* rr_head - owner as a pointer to offset 12 (the question), type, class IN, TTL, rdlength */
static size_t rr_head(unsigned char *p, unsigned type, unsigned rdlen)
{
    unsigned char h[12] = {0xc0, 12, 0, (unsigned char)type, 0, 1, 0, 0, 0, 60,
                           (unsigned char)(rdlen >> 8), (unsigned char)rdlen};
    memcpy(p, h, 12);
    return 12;
}

static void test_msg_a_records(void **state)
{
    (void)state;
    unsigned char m[512];
    size_t o = header(m, 0x8180, 2);
    o += put_name(m + o, "x.example");
    memcpy(m + o, "\0\1\0\1", 4);
    o += 4;
    o += rr_head(m + o, 1, 4);
    memcpy(m + o, "\x7f\0\0\x02", 4);
    o += 4;
    o += rr_head(m + o, 1, 4);
    memcpy(m + o, "\x7f\0\0\x04", 4);
    o += 4;
    bn_dns_ans a;
    bool tc;
    assert_int_equal(bn_dns_parse_msg(&a, &tc, m, o, "X.Example.", BN_DNS_T_A), BN_OK);
    assert_int_equal(a.rc, BN_DNS_OK);
    assert_int_equal(a.nrr, 2);
    assert_false(tc);
    assert_memory_equal(a.rr->data, "\x7f\0\0\x02", 4);
    assert_memory_equal(a.rr->next->data, "\x7f\0\0\x04", 4);
    bn_dns_free_rr(a.rr);
    /* every shorter prefix of the message is malformed, never read past */
    for (size_t n = 0; n < o; n++) {
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, m, n);
        int rc = bn_dns_parse_msg(&a, &tc, copy, n, "x.example", BN_DNS_T_A);
        assert_true(rc != BN_OK || a.nrr < 2);
        bn_dns_free_rr(a.rr);
        free(copy);
    }
}

static void test_msg_txt_cname_mx(void **state)
{
    (void)state;
    unsigned char m[512];
    size_t o = header(m, 0x8180, 3);
    o += put_name(m + o, "alias.example");
    memcpy(m + o, "\0\x10\0\1", 4);
    o += 4;
    /* alias.example CNAME t.example */
    unsigned char target[32];
    size_t tn = put_name(target, "t.example");
    o += rr_head(m + o, 5, (unsigned)tn);
    size_t target_off = o;
    memcpy(m + o, target, tn);
    o += tn;
    /* t.example TXT "v=spf1 " "-all": strings are joined without a space */
    m[o++] = 0xc0;
    m[o++] = (unsigned char)target_off;
    memcpy(m + o, "\0\x10\0\1\0\0\0\x3c\0\x0d", 10);
    o += 10;
    memcpy(m + o, "\x07v=spf1 \x04-all", 13);
    o += 13;
    /* a TXT record of another owner is ignored */
    o += rr_head(m + o, 16, 4);
    memcpy(m + o, "\x03" "bad", 4);
    o += 4;
    bn_dns_ans a;
    bool tc;
    assert_int_equal(bn_dns_parse_msg(&a, &tc, m, o, "alias.example", BN_DNS_T_TXT), BN_OK);
    assert_int_equal(a.rc, BN_DNS_OK);
    assert_int_equal(a.nrr, 1);
    assert_string_equal(a.rr->data, "v=spf1 -all");
    bn_dns_free_rr(a.rr);

    /* MX with a compressed exchange name, and the null MX "." */
    o = header(m, 0x8180, 2);
    o += put_name(m + o, "d.example");
    memcpy(m + o, "\0\x0f\0\1", 4);
    o += 4;
    o += rr_head(m + o, 15, 4);
    memcpy(m + o, "\0\x0a\xc0\x0c", 4); /* 10 d.example (pointer to the question) */
    o += 4;
    o += rr_head(m + o, 15, 3);
    memcpy(m + o, "\0\0\0", 3); /* 0 . */
    o += 3;
    assert_int_equal(bn_dns_parse_msg(&a, &tc, m, o, "d.example", BN_DNS_T_MX), BN_OK);
    assert_int_equal(a.nrr, 2);
    assert_int_equal(a.rr->pref, 10);
    assert_string_equal(a.rr->data, "d.example");
    assert_int_equal(a.rr->next->len, 0);
    bn_dns_free_rr(a.rr);
}

static void test_msg_rcodes_and_loops(void **state)
{
    (void)state;
    unsigned char m[128];
    bn_dns_ans a;
    bool tc;
    size_t q = header(m, 0x8183, 0);
    q += put_name(m + q, "n.example");
    memcpy(m + q, "\0\1\0\1", 4);
    q += 4;
    assert_int_equal(bn_dns_parse_msg(&a, &tc, m, q, "n.example", BN_DNS_T_A), BN_OK);
    assert_int_equal(a.rc, BN_DNS_NXDOMAIN);
    m[3] = 0x80; /* NOERROR, no answer */
    bn_dns_parse_msg(&a, &tc, m, q, "n.example", BN_DNS_T_A);
    assert_int_equal(a.rc, BN_DNS_NODATA);
    m[3] = 0x82;
    bn_dns_parse_msg(&a, &tc, m, q, "n.example", BN_DNS_T_A);
    assert_int_equal(a.rc, BN_DNS_FAIL);
    assert_non_null(strstr(a.why, "SERVFAIL"));
    m[3] = 0x85;
    bn_dns_parse_msg(&a, &tc, m, q, "n.example", BN_DNS_T_A);
    assert_non_null(strstr(a.why, "REFUSED"));
    m[2] = 0x83; /* TC */
    m[3] = 0x80;
    bn_dns_parse_msg(&a, &tc, m, q, "n.example", BN_DNS_T_A);
    assert_true(tc);
    m[2] = 0x01; /* not a response */
    assert_int_equal(bn_dns_parse_msg(&a, &tc, m, q, "n.example", BN_DNS_T_A), BN_EFORMAT);
    /* a compression pointer to itself */
    size_t o = header(m, 0x8180, 1);
    m[o++] = 0xc0;
    m[o++] = 12;
    memcpy(m + o, "\0\1\0\1", 4);
    o += 4;
    assert_int_equal(bn_dns_parse_msg(&a, &tc, m, o, "n.example", BN_DNS_T_A), BN_EFORMAT);
    /* a claimed answer that is not there */
    o = header(m, 0x8180, 3);
    o += put_name(m + o, "n.example");
    memcpy(m + o, "\0\1\0\1", 4);
    o += 4;
    assert_int_equal(bn_dns_parse_msg(&a, &tc, m, o, "n.example", BN_DNS_T_A), BN_EFORMAT);
}

static void test_norm_name(void **state)
{
    (void)state;
    char out[BN_DNS_NAME_MAX + 1];
    assert_true(bn_dns_norm_name(out, "Mail.Example.ORG.", 17));
    assert_string_equal(out, "mail.example.org");
    assert_false(bn_dns_norm_name(out, "a..b", 4));
    assert_false(bn_dns_norm_name(out, ".", 1));
    assert_false(bn_dns_norm_name(out, "a b", 3));
    char label[70];
    memset(label, 'a', 64);
    label[64] = '\0';
    assert_false(bn_dns_norm_name(out, label, 64));
    assert_true(bn_dns_norm_name(out, label, 63));
}

static void test_parse_server(void **state)
{
    (void)state;
    int fam;
    unsigned char a[16];
    unsigned port;
    assert_true(bn_dns_parse_server("127.0.0.1", &fam, a, &port));
    assert_int_equal(port, 53);
    assert_int_equal(fam, AF_INET);
    assert_true(bn_dns_parse_server("127.0.0.1:5353", &fam, a, &port));
    assert_int_equal(port, 5353);
    assert_true(bn_dns_parse_server("[::1]:5300", &fam, a, &port));
    assert_int_equal(fam, AF_INET6);
    assert_int_equal(port, 5300);
    assert_true(bn_dns_parse_server("2001:db8::53", &fam, a, &port));
    assert_int_equal(port, 53);
    assert_false(bn_dns_parse_server("127.0.0.1:0", &fam, a, &port));
    assert_false(bn_dns_parse_server("127.0.0.1:70000", &fam, a, &port));
    assert_false(bn_dns_parse_server("dns.example", &fam, a, &port));
    assert_false(bn_dns_parse_server("[::1", &fam, a, &port));
    assert_false(bn_dns_parse_server("[::1]x", &fam, a, &port));
}

/* ---- DKIM ------------------------------------------------------------------------ */

/* key_record - "v=DKIM1; k=rsa; p=KEY" parsed */
static bn_dkim_key parse_key(const char *rec)
{
    bn_dkim_key k;
    bn_dkim_parse_key(&k, rec, strlen(rec));
    return k;
}

static void test_dkim_sizes(void **state)
{
    (void)state;
    char rec[1024];
    const struct { const char *key; int bits; } keys[] = {
        {key2048, 2048}, {key1024, 1024}, {key512, 512}, {key1024_pkcs1, 1024}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", keys[i].key);
        bn_dkim_key k = parse_key(rec);
        assert_null(k.error);
        assert_int_equal(k.bits, keys[i].bits);
        assert_false(k.revoked);
    }
    /* folding whitespace inside p= and around tags is allowed */
    snprintf(rec, sizeof(rec), " v = DKIM1 ;p=%.100s \r\n\t%s ; t=y:s", key2048, key2048 + 100);
    bn_dkim_key k = parse_key(rec);
    assert_null(k.error);
    assert_int_equal(k.bits, 2048);
    assert_true(k.testing);
}

static void test_dkim_records(void **state)
{
    (void)state;
    bn_dkim_key k = parse_key("v=DKIM1; k=rsa; p=");
    assert_true(k.revoked);
    assert_null(k.error);
    k = parse_key("v=DKIM1; p=!!!!");
    assert_non_null(k.error);
    k = parse_key("v=DKIM1; k=rsa");
    assert_string_equal(k.error, "the record has no p= tag");
    k = parse_key("k=rsa; v=DKIM1; p=");
    assert_non_null(k.error);
    k = parse_key("v=DKIM2; p=");
    assert_non_null(k.error);
    k = parse_key("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    assert_null(k.error);
    assert_int_equal(k.bits, 256);
    k = parse_key("v=DKIM1; k=ed25519; p=AAAA");
    assert_non_null(k.error);
    k = parse_key("v=DKIM1; k=dsa; p=AAAA");
    assert_non_null(k.error);
    k = parse_key("v=DKIM1; p=AAAA"); /* base64 fine, no DER */
    assert_non_null(k.error);
    k = parse_key("junk");
    assert_non_null(k.error);
}

static void test_rsa_der(void **state)
{
    (void)state;
    /* SEQUENCE { INTEGER 0x00 0x80..: 1024-bit after the sign byte } by hand */
    unsigned char der[200];
    size_t o = 0;
    der[o++] = 0x30;
    der[o++] = 0x81;
    der[o++] = 3 + 129 + 5;
    der[o++] = 0x02;
    der[o++] = 0x81;
    der[o++] = 129;
    der[o++] = 0x00;
    der[o++] = 0x80;
    memset(der + o, 0x11, 127);
    o += 127;
    memcpy(der + o, "\x02\x03\x01\x00\x01", 5);
    o += 5;
    assert_int_equal(bn_dkim_rsa_bits(der, o), 1024);
    /* truncations and a wrong length never read past the end */
    for (size_t n = 0; n < o; n++)
        assert_int_equal(bn_dkim_rsa_bits(der, n), 0);
    der[2] = 0xff;
    assert_int_equal(bn_dkim_rsa_bits(der, o), 0);
}

/* ---- DMARC ----------------------------------------------------------------------- */

static void test_dmarc(void **state)
{
    (void)state;
    bn_dmarc m;
    const char *r = "v=DMARC1; p=quarantine; sp=reject; adkim=s; pct=25; rua=mailto:a@example.org; "
                    "ruf=mailto:f@example.org; fo=1";
    bn_dmarc_parse(&m, r, strlen(r));
    assert_null(m.error);
    assert_string_equal(m.p, "quarantine");
    assert_string_equal(m.sp, "reject");
    assert_int_equal(m.adkim, 's');
    assert_int_equal(m.aspf, 'r');
    assert_int_equal(m.pct, 25);
    assert_string_equal(m.rua, "mailto:a@example.org");
    assert_string_equal(m.ruf, "mailto:f@example.org");
    const char *bad[] = {"p=reject; v=DMARC1", "v=DMARC1", "v=DMARC1; p=block",
                         "v=DMARC1; p=none; pct=101", "v=DMARC1; p=none; adkim=x",
                         "v=DMARC1; p=none; rua=https://x", "v=DMARC1; p=none; junk",
                         "v=DMARC2; p=none"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bn_dmarc_parse(&m, bad[i], strlen(bad[i]));
        assert_non_null(m.error);
    }
    r = "v=DMARC1;p=none;";
    bn_dmarc_parse(&m, r, strlen(r));
    assert_null(m.error);
    assert_int_equal(m.pct, 100);
}

static void test_org_domain(void **state)
{
    (void)state;
    assert_string_equal(bn_doc_org_domain("example.org"), "example.org");
    assert_string_equal(bn_doc_org_domain("a.b.example.org"), "example.org");
    assert_string_equal(bn_doc_org_domain("mail.example.co.uk"), "example.co.uk");
    assert_string_equal(bn_doc_org_domain("x.example.com.au"), "example.com.au");
    assert_string_equal(bn_doc_org_domain("x.co.example"), "co.example");
}

/* ---- blocklist table ------------------------------------------------------------- */

/* read_file - whole file into a malloc'd buffer */
static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void test_table_every_row(void **state)
{
    (void)state;
    size_t n;
    char *tsv = read_file(BN_SOURCE_DIR "/data/dnsbl.tsv", &n);
    /* the embedded copy is the file */
    assert_int_equal(n, bn_dnsbl_tsv_len);
    assert_memory_equal(tsv, bn_dnsbl_tsv, n);
    bn_dnsbl_table t;
    char err[128] = "";
    assert_int_equal(bn_dnsbl_parse(&t, tsv, n, err, sizeof(err)), BN_OK);
    size_t rows = 0;
    for (const char *p = tsv; p < tsv + n; p = strchr(p, '\n') + 1) {
        if (*p != '#' && *p != '\n')
            rows++;
        if (!strchr(p, '\n'))
            break;
    }
    assert_int_equal(t.n, rows);
    char norm[BN_DNS_NAME_MAX + 1];
    for (size_t i = 0; i < t.n; i++) {
        const bn_dnsbl *l = &t.lists[i];
        assert_true(bn_dns_norm_name(norm, l->zone, strlen(l->zone)));
        assert_string_equal(norm, l->zone);
        assert_true(l->ncodes > 0);
        for (size_t k = 0; k < l->ncodes; k++) {
            assert_true(strlen(l->codes[k].meaning) > 3);
            /* a listing code is never also a refusal */
            if (!l->codes[k].bitmask)
                assert_null(bn_dnsbl_refused(l, l->codes[k].lo));
        }
        /* the RFC 5782 test entry is named for every list in the table */
        assert_non_null(l->test);
        if (l->kind != BN_DNSBL_DOMAIN)
            assert_string_equal(l->test, "127.0.0.2");
        assert_true(l->on || strcmp(l->zone, "dnsbl.sorbs.net") == 0);
    }
    bn_dnsbl_table_free(&t);
    free(tsv);
}

static void test_table_meanings(void **state)
{
    (void)state;
    bn_dnsbl_table t;
    char err[128], buf[512];
    assert_int_equal(bn_dnsbl_parse(&t, (const char *)bn_dnsbl_tsv, bn_dnsbl_tsv_len, err,
                                    sizeof(err)), BN_OK);
    const bn_dnsbl *zen = NULL, *surbl = NULL, *uribl = NULL;
    for (size_t i = 0; i < t.n; i++) {
        if (!strcmp(t.lists[i].zone, "zen.spamhaus.org"))
            zen = &t.lists[i];
        if (!strcmp(t.lists[i].zone, "multi.surbl.org"))
            surbl = &t.lists[i];
        if (!strcmp(t.lists[i].zone, "multi.uribl.com"))
            uribl = &t.lists[i];
    }
    assert_non_null(zen);
    assert_true(bn_dnsbl_meaning(zen, 0x7f000006, buf, sizeof(buf))); /* 127.0.0.6: XBL range */
    assert_non_null(strstr(buf, "XBL"));
    assert_true(bn_dnsbl_meaning(zen, 0x7f00000b, buf, sizeof(buf)));
    assert_non_null(strstr(buf, "PBL"));
    assert_false(bn_dnsbl_meaning(zen, 0x7f000063, buf, sizeof(buf))); /* 127.0.0.99 */
    assert_non_null(strstr(bn_dnsbl_refused(zen, 0x7ffffffe), "public or open resolver"));
    assert_non_null(bn_dnsbl_refused(zen, 0x7fffff10)); /* anything in 127.255.255.0/24 */
    assert_null(bn_dnsbl_refused(zen, 0x7f000002));
    assert_true(bn_dnsbl_meaning(surbl, 0x7f000050, buf, sizeof(buf))); /* 80 = 16 + 64 */
    assert_non_null(strstr(buf, "MW"));
    assert_non_null(strstr(buf, "ABUSE"));
    assert_null(strstr(buf, "PH"));
    assert_non_null(bn_dnsbl_refused(uribl, 0x7f000001));
    assert_true(bn_dnsbl_meaning(uribl, 0x7f00000e, buf, sizeof(buf))); /* 14 = 2 + 4 + 8 */
    assert_non_null(strstr(buf, "black"));
    assert_non_null(strstr(buf, "grey"));
    assert_non_null(strstr(buf, "red"));
    bn_dnsbl_table_free(&t);
}

static void test_table_errors(void **state)
{
    (void)state;
    const char *bad[] = {
        "zone\tname\tip\tyes\t127.0.0.2=x\t-\t127.0.0.2\n",              /* 7 fields */
        "z.example\tZ\tipv9\tyes\t127.0.0.2=x\t-\t127.0.0.2\t-\n",       /* kind */
        "z.example\tZ\tip\tmaybe\t127.0.0.2=x\t-\t127.0.0.2\t-\n",       /* on */
        "z.example\tZ\tip\tyes\t127.0.0.300=x\t-\t127.0.0.2\t-\n",       /* address */
        "z.example\tZ\tip\tyes\t127.0.0.2\t-\t127.0.0.2\t-\n",           /* no meaning */
        "z.example\tZ\tip\tyes\t127.0.0.9-127.0.0.2=x\t-\t127.0.0.2\t-\n", /* range */
        "z.example\tZ\tip\tyes\t&0=x\t-\t127.0.0.2\t-\n",                /* mask */
        "z.example\tZ\tip\tyes\t-\t-\t127.0.0.2\t-\n",                   /* no codes */
        "z.example\tZ\tip\tyes\t127.0.0.2=x\t127.0.0.0/40=y\t127.0.0.2\t-\n", /* prefix */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bn_dnsbl_table t;
        char err[128] = "";
        assert_int_equal(bn_dnsbl_parse(&t, bad[i], strlen(bad[i]), err, sizeof(err)), BN_EFORMAT);
        assert_non_null(strstr(err, "line 1"));
        bn_dnsbl_table_free(&t);
    }
}

static void test_reverse(void **state)
{
    (void)state;
    char buf[80];
    unsigned char ip[16];
    inet_pton(AF_INET, "192.0.2.10", ip);
    bn_dnsbl_reverse(buf, sizeof(buf), AF_INET, ip);
    assert_string_equal(buf, "10.2.0.192");
    inet_pton(AF_INET6, "2001:db8::bad", ip);
    bn_dnsbl_reverse(buf, sizeof(buf), AF_INET6, ip);
    assert_string_equal(buf, "d.a.b.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
}

/* ---- options ---------------------------------------------------------------------- */

static void test_opts(void **state)
{
    (void)state;
    bn_doctor_opts o = BN_DOCTOR_OPTS_INIT;
    const char *sel[] = {"s1", "bad selector"};
    assert_non_null(bn_doctor_opts_error(&o)); /* no ip */
    o.ip = "192.0.2.1";
    assert_null(bn_doctor_opts_error(&o));
    o.ip = "192.0.2.256";
    assert_non_null(bn_doctor_opts_error(&o));
    o.ip = "::ffff:192.0.2.1";
    assert_null(bn_doctor_opts_error(&o));
    o.domain = "localhost";
    assert_non_null(bn_doctor_opts_error(&o));
    o.domain = "example.org";
    o.selectors = sel;
    o.nselectors = 1;
    assert_null(bn_doctor_opts_error(&o));
    o.nselectors = 2;
    assert_non_null(bn_doctor_opts_error(&o));
    o.nselectors = 1;
    o.resolver = "127.0.0.1:99999";
    assert_non_null(bn_doctor_opts_error(&o));
    o.resolver = "[::1]:53";
    assert_null(bn_doctor_opts_error(&o));
    o.dnsbl_table = "zone only\n";
    o.dnsbl_table_len = 10;
    assert_non_null(strstr(bn_doctor_opts_error(&o), "line 1"));
    bn_doctor *d = (bn_doctor *)1;
    assert_int_equal(bn_doctor_run(&d, &o), BN_EINVAL);
    assert_null(d);
}

static void test_json(void **state)
{
    (void)state;
    bn_check c = {"spf", "example.org", BN_CHECK_FAIL, "say \"no\"\n", NULL};
    char buf[256];
    size_t n = bn_check_json(&c, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "{\"check\":\"spf\",\"target\":\"example.org\",\"status\":\"fail\","
                             "\"detail\":\"say \\\"no\\\"\\n\",\"advice\":null}");
}

/* test_alloc_failures - every allocation of a whole run (against a port
 * where nothing listens, so every query fails fast) may fail: the run then
 * says BN_ENOMEM or finishes with findings, never crashes or leaks (ASan) */
static void test_alloc_failures(void **state)
{
    (void)state;
    const char *sel[] = {"s1"};
    bn_doctor_opts o = BN_DOCTOR_OPTS_INIT;
    o.ip = "192.0.2.10";
    o.domain = "d.example";
    o.selectors = sel;
    o.nselectors = 1;
    o.resolver = "127.0.0.1:9";
    o.timeout_ms = 100;
    o.tries = 1;
    o.deadline_ms = 2000;
    bn_doctor *d = NULL;
    bn_alloc_fail_after(-1);
    assert_int_equal(bn_doctor_run(&d, &o), BN_OK);
    assert_true(bn_doctor_count(d) > 8);
    bn_doctor_free(d);
    long total = bn_alloc_fail_after(-1);
    assert_true(total > 10);
    for (long n = 0; n <= total; n++) {
        bn_alloc_fail_after(n);
        int rc = bn_doctor_run(&d, &o);
        bn_alloc_fail_after(-1);
        if (rc != BN_OK) {
            assert_int_equal(rc, BN_ENOMEM);
            assert_null(d);
            continue;
        }
        for (size_t i = 0; i < bn_doctor_count(d); i++) {
            const bn_check *c = bn_doctor_get(d, i);
            assert_non_null(c->detail);
            assert_non_null(c->target);
            assert_true((unsigned)c->status <= BN_CHECK_UNKNOWN);
        }
        bn_doctor_free(d);
    }
}

/* test_table_alloc_failures - the table parser under allocation failure */
static void test_table_alloc_failures(void **state)
{
    (void)state;
    for (long n = 0; n < 40; n++) {
        bn_dnsbl_table t;
        char err[128];
        bn_alloc_fail_after(n);
        int rc = bn_dnsbl_parse(&t, (const char *)bn_dnsbl_tsv, bn_dnsbl_tsv_len, err, sizeof(err));
        bn_alloc_fail_after(-1);
        assert_true(rc == BN_OK || rc == BN_ENOMEM || rc == BN_EFORMAT);
        bn_dnsbl_table_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg_a_records),  cmocka_unit_test(test_msg_txt_cname_mx),
        cmocka_unit_test(test_msg_rcodes_and_loops), cmocka_unit_test(test_norm_name),
        cmocka_unit_test(test_parse_server),   cmocka_unit_test(test_dkim_sizes),
        cmocka_unit_test(test_dkim_records),   cmocka_unit_test(test_rsa_der),
        cmocka_unit_test(test_dmarc),          cmocka_unit_test(test_org_domain),
        cmocka_unit_test(test_table_every_row), cmocka_unit_test(test_table_meanings),
        cmocka_unit_test(test_table_errors),   cmocka_unit_test(test_reverse),
        cmocka_unit_test(test_opts),           cmocka_unit_test(test_json),
        cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_table_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
