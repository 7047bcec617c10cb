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
    /* invisible characters around an address are trimmed like spaces: a
     * BOM, U+00A0, U+200B-U+200D, U+2060, also inside the brackets and
     * mixed with spaces */
    {"\xef\xbb\xbftom@example.com", 0, "tom@example.com"},
    {"tom@example.com\xc2\xa0", 0, "tom@example.com"},
    {"\xc2\xa0tom@example.com", 0, "tom@example.com"},
    {"tom@example.com\xe2\x80\x8b", 0, "tom@example.com"},
    {"\xe2\x80\x8c\xe2\x80\x8dtom@example.com\xe2\x81\xa0", 0, "tom@example.com"},
    {" \xc2\xa0 <\xe2\x80\x8btom@example.com\xc2\xa0> \xef\xbb\xbf\r\n", 0,
     "tom@example.com"},
    {"\xef\xbb\xbf", 0, NULL},
    /* ... and refused inside one: not an address */
    {"to\xc2\xa0m@example.com", 0, NULL},
    {"tom\xc2\xa0@example.com", 0, NULL},
    {"tom@\xc2\xa0" "example.com", 0, NULL},
    {"tom@example.com\xc2\xa0.", 0, NULL},
    {"tom@exa\xe2\x80\x8bmple.com", 0, NULL},
    {"tom@b\xc3\xbc\xe2\x80\x8d" "cher.de", 0, NULL},
    {"\"tom\xef\xbb\xbf\"@example.com", 0, NULL},
    {"t\xe2\x81\xa0om@example.com", 0, NULL},
    /* a quoted local part that needs no quotes names the same mailbox as
     * the unquoted form (RFC 5321 4.1.2, 2.4): the key drops them */
    {"\"tom\"@example.com", 0, "tom@example.com"},
    {"\"Tom.Jones+x\"@example.com", 0, "tom.jones+x@example.com"},
    {"\"Tom\"@example.com", BN_ADDR_CASE_LOCAL, "Tom@example.com"},
    {"<\"tom\"@example.com>", 0, "tom@example.com"},
    {"\"j\xc3\xb6rg\"@example.com", 0, "j\xc3\xb6rg@example.com"},
    /* ... and keeps them when the content needs them */
    {"\"tom jones\"@example.com", 0, "\"tom jones\"@example.com"},
    {"\".tom\"@example.com", 0, "\".tom\"@example.com"},
    {"\"tom.\"@example.com", 0, "\"tom.\"@example.com"},
    {"\"to..m\"@example.com", 0, "\"to..m\"@example.com"},
    {"\"\"@example.com", 0, "\"\"@example.com"},
    {"\"a,b\"@example.com", 0, "\"a,b\"@example.com"},
    {"\"a\\b\"@example.com", 0, "\"a\\b\"@example.com"},
    /* non-ASCII local parts are lowercased like ASCII ones, with the
     * domains' mapping; not at all when local parts are case-sensitive */
    {"J\xc3\x96RG@example.com", 0, "j\xc3\xb6rg@example.com"},
    {"\xd0\x98\xd0\x92\xd0\x90\xd0\x9d@example.com", 0,
     "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd@example.com"},
    {"J\xc3\x96RG@example.com", BN_ADDR_CASE_LOCAL, "J\xc3\x96RG@example.com"},
    {"\xc4\xb0@example.com", 0, "\xc4\xb0@example.com"},
};

/* test_normalize - every case of the table (all failures listed) */
static void test_normalize(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++) {
        const norm_case *c = &norm_cases[i];
        char out[BN_ADDR_MAX];
        size_t n = 0;
        int rc = bn_address_normalize(out, &n, c->in, strlen(c->in), c->flags);
        if (!c->want) {
            if (rc != BN_EINVAL && ++bad)
                print_error("case %zu '%s': expected BN_EINVAL, got %d '%s'\n", i,
                            c->in, rc, rc ? "" : out);
            continue;
        }
        if ((rc != BN_OK || strcmp(out, c->want) != 0 || n != strlen(c->want)) && ++bad)
            print_error("case %zu '%s': got %d '%s', want '%s'\n", i, c->in, rc,
                        rc ? "" : out, c->want);
    }
    if (bad)
        fail_msg("%d case(s) failed", bad);
}

static size_t utf8_put(char *p, uint32_t c);

typedef struct lower_case {
    uint32_t upper, lower; /* lower == upper: left as it is */
} lower_case;

/* Simple lowercase mappings (UnicodeData.txt field 13), a few from every
 * block the key lowercases, checked with Python's str.lower() */
static const lower_case lower_cases[] = {
    /* Latin-1 Supplement */
    {0xC0, 0xE0}, {0xDE, 0xFE}, {0xD7, 0xD7}, {0xDF, 0xDF},
    /* Latin Extended-A; U+0130 İ has no one-code-point lowercase (full: i
     * and U+0307): left as it is, as before; U+0131 ı is lowercase */
    {0x100, 0x101}, {0x12E, 0x12F}, {0x130, 0x130}, {0x131, 0x131},
    {0x132, 0x133}, {0x139, 0x13A}, {0x147, 0x148}, {0x14A, 0x14B},
    {0x178, 0xFF}, {0x179, 0x17A}, {0x17D, 0x17E}, {0x17F, 0x17F},
    /* Latin Extended-B */
    {0x181, 0x253}, {0x186, 0x254}, {0x18F, 0x259}, {0x1A0, 0x1A1},
    {0x1C4, 0x1C6}, {0x1C5, 0x1C6}, {0x1CD, 0x1CE}, {0x1F1, 0x1F3},
    {0x218, 0x219}, {0x21A, 0x21B}, {0x220, 0x19E}, {0x23B, 0x23C},
    {0x23A, 0x23A}, /* -> U+2C65 is 3 bytes: left out, a key never grows */
    {0x246, 0x247}, {0x24E, 0x24F},
    /* Latin Extended Additional */
    {0x1E00, 0x1E01}, {0x1EA0, 0x1EA1}, {0x1EF8, 0x1EF9}, {0x1E9E, 0x1E9E},
    /* Greek: accented capitals, final sigma stays itself, symbols */
    {0x386, 0x3AC}, {0x388, 0x3AD}, {0x38A, 0x3AF}, {0x38C, 0x3CC},
    {0x38E, 0x3CD}, {0x38F, 0x3CE}, {0x391, 0x3B1}, {0x3A3, 0x3C3},
    {0x3C2, 0x3C2}, {0x3A9, 0x3C9}, {0x3AA, 0x3CA}, {0x3CF, 0x3D7},
    {0x3D8, 0x3D9}, {0x3E2, 0x3E3}, {0x3F4, 0x3B8}, {0x3F9, 0x3F2},
    {0x3FD, 0x37B}, {0x370, 0x371}, {0x37F, 0x3F3},
    /* Greek Extended */
    {0x1F08, 0x1F00}, {0x1F88, 0x1F80}, {0x1FB8, 0x1FB0}, {0x1FFA, 0x1F7C},
    /* Cyrillic */
    {0x400, 0x450}, {0x40F, 0x45F}, {0x410, 0x430}, {0x42F, 0x44F},
    {0x460, 0x461}, {0x480, 0x481}, {0x48A, 0x48B}, {0x490, 0x491},
    {0x4BE, 0x4BF}, {0x4C0, 0x4CF}, {0x4C1, 0x4C2}, {0x4CD, 0x4CE},
    {0x4D0, 0x4D1}, {0x4FE, 0x4FF},
    /* Cyrillic Supplement */
    {0x500, 0x501}, {0x52E, 0x52F},
    /* lowercase already, or not letters */
    {0x451, 0x451}, {0x3B1, 0x3B1}, {0x2C65, 0x2C65}, {0x4E00, 0x4E00},
};

/* lower_of - the key of "<c>@x<c>.example": its local part and domain */
static void lower_of(uint32_t c, unsigned flags, char *local, char *label)
{
    char in[64], key[BN_ADDR_MAX], *p = in;
    p += utf8_put(p, c);
    p += sprintf(p, "@x");
    p += utf8_put(p, c);
    strcpy(p, ".example");
    assert_int_equal(bn_address_normalize(key, NULL, in, strlen(in), flags), BN_OK);
    char *at = strchr(key, '@');
    *at = '\0';
    strcpy(local, key);
    strcpy(label, at + 1);
}

/* test_lowercase - the pairs of every block, in a local part and in a
 * domain label (whose key is the lowercase form's punycode) */
static void test_lowercase(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof lower_cases / sizeof lower_cases[0]; i++) {
        const lower_case *c = &lower_cases[i];
        char l1[BN_ADDR_MAX], d1[BN_ADDR_MAX], l2[BN_ADDR_MAX], d2[BN_ADDR_MAX],
             want[8] = "";
        lower_of(c->upper, 0, l1, d1);
        lower_of(c->lower, 0, l2, d2);
        want[utf8_put(want, c->lower)] = '\0';
        if ((strcmp(l1, want) || strcmp(d1, d2)) && ++bad)
            print_error("U+%04X: local '%s', domain '%s'; want local '%s' (U+%04X), "
                        "domain '%s'\n", (unsigned)c->upper, l1, d1, want,
                        (unsigned)c->lower, d2);
        lower_of(c->upper, BN_ADDR_CASE_LOCAL, l1, d1);
        want[utf8_put(want, c->upper)] = '\0';
        if ((strcmp(l1, want) || strcmp(d1, d2)) && ++bad)
            print_error("U+%04X, case-sensitive local part: '%s' '%s'\n",
                        (unsigned)c->upper, l1, d1);
    }
    if (bad)
        fail_msg("%d pair(s) failed", bad);
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
        cmocka_unit_test(test_lowercase),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_punycode_rfc3492),
        cmocka_unit_test(test_punycode_errors),
        cmocka_unit_test(test_verp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
