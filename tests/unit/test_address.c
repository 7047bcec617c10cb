/*
 * test_address.c - address normalisation, RFC 3492 punycode, VERP decoding
 *
 * Punycode is checked against the 19 sample strings of RFC 3492 section 7.1
 * (tests/store/punycode.tsv), both ways. The IDN expectations below are the
 * well-known forms (bücher -> xn--bcher-kva, the IANA test domain
 * 例え.テスト -> xn--r8jz45g.xn--zckzah), each also checked with Python's
 * idna codec when written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "bounce.h"

typedef struct norm_case {
    const char *in;
    unsigned flags;
    const char *want; /* NULL: BN_EINVAL */
} norm_case;

static const norm_case norm_cases[] = {
    {"Tom@Example.COM", 0, "tom@example.com"},
    {"<Tom@Example.COM>", 0, "tom@example.com"},
    {"  a@b.c \r\n", 0, "a@b.c"},
    {"a@b.c.", 0, "a@b.c"},
    {"Tom@Example.COM", BN_ADDR_CASE_LOCAL, "Tom@example.com"},
    {"user@b\xc3\xbc" "cher.de", 0, "user@xn--bcher-kva.de"},
    {"user@B\xc3\x9c" "CHER.DE", 0, "user@xn--bcher-kva.de"},
    {"x@m\xc3\xbcnchen.de", 0, "x@xn--mnchen-3ya.de"},
    {"x@\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 0,
     "x@xn--r8jz45g.xn--zckzah"},
    /* U+3002 ideographic full stop separates labels too */
    {"x@\xe4\xbe\x8b\xe3\x81\x88\xe3\x80\x82\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 0,
     "x@xn--r8jz45g.xn--zckzah"},
    {"a@XN--BCHER-KVA.de", 0, "a@xn--bcher-kva.de"},
    {"first.last+tag@sub.example.org", 0, "first.last+tag@sub.example.org"},
    {"\"a@b\"@c.d", 0, "\"a@b\"@c.d"},
    {"\"John Doe\"@c.d", 0, "\"john doe\"@c.d"},
    {"a@[192.0.2.1]", 0, "a@[192.0.2.1]"},
    {"a@mail_1.example", 0, "a@mail_1.example"},
    {"j\xc3\xb6rg@example.com", 0, "j\xc3\xb6rg@example.com"},
    {"", 0, NULL},
    {"no-at-sign", 0, NULL},
    {"@b.c", 0, NULL},
    {"a@", 0, NULL},
    {"a b@c.d", 0, NULL},
    {"a@b..c", 0, NULL},
    {"a@-b.c", 0, NULL},
    {"a@b-.c", 0, NULL},
    {"a@b@c.d", 0, NULL},
    {"a@b.c\x01", 0, NULL},
    {"a@b\xff.c", 0, NULL},
    {"\xff@b.c", 0, NULL},
    {"a@b c.d", 0, NULL},
    {"<>", 0, NULL},
    {"a@[1.2.3.4", 0, NULL},
    /* the ASCII inside an IDN label is letters, digits, hyphens */
    {"a@\xc3\x96ster're.at", 0, NULL},
    {"a@-\xc3\xb6.at", 0, NULL},
};

/* test_normalize - every case of the table */
static void test_normalize(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++) {
        const norm_case *c = &norm_cases[i];
        char out[BN_ADDR_MAX];
        size_t n = 0;
        int rc = bn_address_normalize(out, &n, c->in, strlen(c->in), c->flags);
        if (!c->want) {
            if (rc != BN_EINVAL)
                fail_msg("case %zu '%s': expected BN_EINVAL, got %d '%s'", i, c->in,
                         rc, rc ? "" : out);
            continue;
        }
        if (rc != BN_OK || strcmp(out, c->want) != 0 || n != strlen(c->want))
            fail_msg("case %zu '%s': got %d '%s', want '%s'", i, c->in, rc,
                     rc ? "" : out, c->want);
    }
}

/* test_limits - local part 64 bytes, label 63, domain 253 */
static void test_limits(void **state)
{
    (void)state;
    char in[600], out[BN_ADDR_MAX];
    memset(in, 'a', 64);
    strcpy(in + 64, "@b.c");
    assert_int_equal(bn_address_normalize(out, NULL, in, strlen(in), 0), BN_OK);
    memset(in, 'a', 65);
    strcpy(in + 65, "@b.c");
    assert_int_equal(bn_address_normalize(out, NULL, in, strlen(in), 0), BN_EINVAL);
    strcpy(in, "a@");
    memset(in + 2, 'b', 63);
    strcpy(in + 65, ".c");
    assert_int_equal(bn_address_normalize(out, NULL, in, strlen(in), 0), BN_OK);
    memset(in + 2, 'b', 64);
    strcpy(in + 66, ".c");
    assert_int_equal(bn_address_normalize(out, NULL, in, strlen(in), 0), BN_EINVAL);
    /* 4 labels of 63 + 3 dots = 255 > 253 */
    size_t k = 2;
    strcpy(in, "a@");
    for (int l = 0; l < 4; l++) {
        memset(in + k, 'x', 63);
        k += 63;
        in[k++] = l < 3 ? '.' : '\0';
    }
    assert_int_equal(bn_address_normalize(out, NULL, in, strlen(in), 0), BN_EINVAL);
    /* not NUL-terminated input: only len bytes are read */
    assert_int_equal(bn_address_normalize(out, NULL, "a@b.cXYZ", 5, 0), BN_OK);
    assert_string_equal(out, "a@b.c");
}

/* utf8_put - append a code point as UTF-8 */
static size_t utf8_put(char *p, uint32_t c)
{
    if (c < 0x80) { p[0] = (char)c; return 1; }
    if (c < 0x800) { p[0] = (char)(0xC0 | c >> 6); p[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        p[0] = (char)(0xE0 | c >> 12); p[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        p[2] = (char)(0x80 | (c & 0x3F)); return 3;
    }
    p[0] = (char)(0xF0 | c >> 18); p[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    p[2] = (char)(0x80 | ((c >> 6) & 0x3F)); p[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* check_vector - one RFC sample both ways */
static void check_vector(const char *label, char *hex, const char *enc)
{
    uint32_t cp[128], back[128];
    size_t n = 0, m = 0, len = 0;
    char out[256];
    for (char *t = strtok(hex, " "); t; t = strtok(NULL, " "))
        cp[n++] = (uint32_t)strtoul(t, NULL, 16);
    assert_int_equal(bn_punycode_encode(out, sizeof out, &len, cp, n), BN_OK);
    if (len != strlen(enc) || strncasecmp(out, enc, len) != 0)
        fail_msg("RFC 3492 sample %s: encoded '%.*s', want '%s'", label, (int)len,
                 out, enc);
    assert_int_equal(bn_punycode_decode(back, 128, &m, enc, strlen(enc)), BN_OK);
    if (m != n || memcmp(back, cp, n * sizeof *cp) != 0)
        fail_msg("RFC 3492 sample %s: decoding '%s' gave other code points", label, enc);
}

/* test_punycode_rfc3492 - the 19 samples of RFC 3492 7.1 */
static void test_punycode_rfc3492(void **state)
{
    (void)state;
    FILE *f = fopen(BN_SOURCE_DIR "/tests/store/punycode.tsv", "r");
    char line[2048];
    int count = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *label = strtok(line, "\t"), *hex = strtok(NULL, "\t"),
             *enc = strtok(NULL, "\t");
        assert_non_null(enc);
        char hexcopy[1024];
        snprintf(hexcopy, sizeof hexcopy, "%s", hex);
        check_vector(label, hexcopy, enc);
        count++;
    }
    fclose(f);
    assert_int_equal(count, 19);
}

/* test_punycode_errors - bad input and small buffers fail cleanly */
static void test_punycode_errors(void **state)
{
    (void)state;
    uint32_t cp[8], big[1] = {0x110000};
    size_t n;
    char out[4];
    assert_int_equal(bn_punycode_decode(cp, 8, &n, "a!", 2), BN_EINVAL);
    assert_int_equal(bn_punycode_decode(cp, 8, &n, "99999999999", 11), BN_EINVAL);
    assert_int_equal(bn_punycode_decode(cp, 8, &n, "\xc3\xa9-x", 4), BN_EINVAL);
    assert_int_equal(bn_punycode_decode(cp, 2, &n, "ihqwcrb4cv8a8dqg056pqjye", 24),
                     BN_ETOOBIG);
    uint32_t munchen[] = {'m', 0xFC, 'n', 'c', 'h', 'e', 'n'};
    assert_int_equal(bn_punycode_encode(out, sizeof out, &n, munchen, 7), BN_ETOOBIG);
    assert_int_equal(bn_punycode_encode(out, sizeof out, &n, big, 1), BN_EINVAL);
    /* a label whose punycode is longer than 63 is not an address */
    char addr[400] = "a@", *p = addr + 2;
    for (int i = 0; i < 40; i++)
        p += utf8_put(p, 0x4E00 + (uint32_t)i * 7);
    strcpy(p, ".cn");
    char key[BN_ADDR_MAX];
    assert_int_equal(bn_address_normalize(key, NULL, addr, strlen(addr), 0), BN_EINVAL);
    /* "xn--" + 59 is the longest label (63): "ö" + 55 "z" encodes to 59
     * characters, + 56 "z" to 60 (Python's punycode codec agrees) */
    char lab[200] = "a@\xc3\xb6", *q = lab + strlen(lab);
    memset(q, 'z', 56);
    strcpy(q + 56, ".at");
    assert_int_equal(bn_address_normalize(key, NULL, lab, strlen(lab), 0), BN_EINVAL);
    strcpy(q + 55, ".at");
    assert_int_equal(bn_address_normalize(key, NULL, lab, strlen(lab), 0), BN_OK);
    assert_int_equal(strlen(key), 2 + 63 + 3);
}

/* test_verp - default and custom patterns */
static void test_verp(void **state)
{
    (void)state;
    char out[BN_ADDR_MAX];
    const char *a = "bounces+user=example.com@lists.example.org";
    assert_int_equal(bn_verp_decode(out, sizeof out, NULL, a, strlen(a)), BN_OK);
    assert_string_equal(out, "user@example.com");
    a = "<Bounces+a+b=x.org@l.example>";
    assert_int_equal(bn_verp_decode(out, sizeof out, NULL, a, strlen(a)), BN_OK);
    assert_string_equal(out, "a+b@x.org");
    a = "postmaster@x.org";
    assert_int_equal(bn_verp_decode(out, sizeof out, NULL, a, strlen(a)), BN_ENOTFOUND);
    a = "bounces+nodomain@x.org";
    assert_int_equal(bn_verp_decode(out, sizeof out, NULL, a, strlen(a)), BN_ENOTFOUND);
    const char *pat = "rt-{local}#{domain}@mx.example";
    a = "rt-jo#ex.com@MX.example";
    assert_int_equal(bn_verp_decode(out, sizeof out, pat, a, strlen(a)), BN_OK);
    assert_string_equal(out, "jo@ex.com");
    a = "rt-jo#ex.com@other.example";
    assert_int_equal(bn_verp_decode(out, sizeof out, pat, a, strlen(a)), BN_ENOTFOUND);
    assert_int_equal(bn_verp_decode(out, sizeof out, "no-placeholders@*", a, strlen(a)),
                     BN_EINVAL);
    a = "bounces+user=example.com@l.example";
    assert_int_equal(bn_verp_decode(out, 8, NULL, a, strlen(a)), BN_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_punycode_rfc3492),
        cmocka_unit_test(test_punycode_errors),
        cmocka_unit_test(test_verp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
