/* test_json.c - the JSON writer: escaping, UTF-8 validation, buffer contract */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

/* str_json - a JSON string value for (p, n) into out */
static const char *str_json(const char *p, size_t n, char *out, size_t size)
{
    bn_json j;
    bn_json_init(&j, out, size);
    bn_json_str(&j, p, n);
    bn_json_finish(&j);
    return out;
}

/* Each case: input bytes and the exact JSON string the writer must produce. */
typedef struct esc_case {
    const char *in;
    size_t n;
    const char *want;
} esc_case;

#define C(lit, want) {lit, sizeof(lit) - 1, want}
static const esc_case esc_cases[] = {
    C("plain", "\"plain\""),
    C("", "\"\""),
    C("a\"b\\c", "\"a\\\"b\\\\c\""),
    C("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""),
    C("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""),
    C("nul\0here", "\"nul\\u0000here\""),
    C("/", "\"/\""),
    /* valid UTF-8 passes through: 2, 3 and 4 byte forms and the extremes */
    C("M\xc3\xbcller", "\"M\xc3\xbcller\""),
    C("\xe2\x82\xac", "\"\xe2\x82\xac\""),
    C("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""),
    C("\xef\xbf\xbf", "\"\xef\xbf\xbf\""),
    C("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""),
    /* Latin-1 byte: invalid, replaced by U+FFFD */
    C("M\xfcller", "\"M\xef\xbf\xbdller\""),
    /* overlong forms */
    C("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""),
    C("\xc1\xbf", "\"\xef\xbf\xbd\xef\xbf\xbd\""),
    C("\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""),
    C("\xf0\x80\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""),
    /* surrogates U+D800, U+DFFF */
    C("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""),
    C("\xed\xbf\xbf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""),
    /* past U+10FFFF and bytes that never occur */
    C("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""),
    C("\xf5\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\""),
    C("\xff\xfe", "\"\xef\xbf\xbd\xef\xbf\xbd\""),
    /* truncated sequences: one U+FFFD for the maximal subpart */
    C("\xe2\x82", "\"\xef\xbf\xbd\""),
    C("\xe2\x82x", "\"\xef\xbf\xbdx\""),
    C("\xf0\x9f\x98", "\"\xef\xbf\xbd\""),
    /* a lone continuation byte */
    C("a\x80z", "\"a\xef\xbf\xbdz\""),
    /* line and paragraph separators escaped for JavaScript consumers */
    C("\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\""),
};
#undef C

/* test_escape_cases - every case gives exactly the expected JSON */
static void test_escape_cases(void **state)
{
    (void)state;
    char out[256];
    for (size_t i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
        str_json(esc_cases[i].in, esc_cases[i].n, out, sizeof(out));
        if (strcmp(out, esc_cases[i].want) != 0)
            fail_msg("case %zu: got [%s] want [%s]", i, out, esc_cases[i].want);
    }
}

/* test_no_raw_controls - whatever the input, no byte < 0x20 in the output */
static void test_no_raw_controls(void **state)
{
    (void)state;
    char in[256], out[2048];
    for (int i = 0; i < 256; i++)
        in[i] = (char)i;
    bn_json j;
    bn_json_init(&j, out, sizeof(out));
    bn_json_str(&j, in, sizeof(in));
    size_t n = bn_json_finish(&j);
    assert_true(n < sizeof(out));
    for (size_t k = 0; k < n; k++)
        assert_true((unsigned char)out[k] >= 0x20);
}

/* test_object_layout - commas, keys, nesting, numbers, literals */
static void test_object_layout(void **state)
{
    (void)state;
    char out[256];
    bn_json j;
    bn_json_init(&j, out, sizeof(out));
    bn_json_object_begin(&j);
    bn_json_kv_cstr(&j, "a", "x");
    bn_json_kv_int(&j, "n", -42);
    bn_json_kv_bool(&j, "t", true);
    bn_json_key(&j, "arr");
    bn_json_array_begin(&j);
    bn_json_cstr(&j, "p");
    bn_json_int(&j, 7);
    bn_json_null(&j);
    bn_json_array_end(&j);
    bn_json_key(&j, "e");
    bn_json_array_begin(&j);
    bn_json_array_end(&j);
    bn_json_kv_cstr(&j, "z", NULL);
    bn_json_object_end(&j);
    size_t n = bn_json_finish(&j);
    assert_int_equal(n, strlen(out));
    assert_string_equal(out, "{\"a\":\"x\",\"n\":-42,\"t\":true,\"arr\":[\"p\",7,null],"
                             "\"e\":[],\"z\":\"\"}");
}

/* test_snprintf_contract - a short buffer holds a NUL-terminated prefix and
 * the return value is the full length */
static void test_snprintf_contract(void **state)
{
    (void)state;
    char full[64], small[8];
    bn_json j;
    bn_json_init(&j, full, sizeof(full));
    bn_json_str(&j, "hello world", 11);
    size_t need = bn_json_finish(&j);
    assert_int_equal(need, 13);
    bn_json_init(&j, small, sizeof(small));
    bn_json_str(&j, "hello world", 11);
    assert_int_equal(bn_json_finish(&j), need);
    assert_string_equal(small, "\"hello ");
    bn_json_init(&j, NULL, 0);
    bn_json_str(&j, "hello world", 11);
    assert_int_equal(bn_json_finish(&j), need);
}

/* test_key_plain_and_short - bn_json_key_plain writes what bn_json_key
   writes for a plain key, also when the buffer cuts it; short values take the
   direct copy and fall back to escaping when they need it */
static void test_key_plain_and_short(void **state)
{
    (void)state;
    for (size_t size = 0; size <= 40; size++) {
        char a[48], b[48];
        bn_json ja, jb;
        bn_json_init(&ja, size ? a : NULL, size);
        bn_json_init(&jb, size ? b : NULL, size);
        bn_json_object_begin(&ja);
        bn_json_object_begin(&jb);
        bn_json_key(&ja, "reason");
        bn_json_key_plain(&jb, "reason", 6);
        bn_json_cstr(&ja, "user\"unknown");
        bn_json_cstr(&jb, "user\"unknown");
        bn_json_key(&ja, "k");
        bn_json_key_plain(&jb, "k", 1);
        bn_json_cstr(&ja, "tab\there");
        bn_json_cstr(&jb, "tab\there");
        bn_json_object_end(&ja);
        bn_json_object_end(&jb);
        assert_int_equal(bn_json_finish(&ja), bn_json_finish(&jb));
        if (size)
            assert_string_equal(a, b);
    }
    char out[64];
    bn_json j;
    bn_json_init(&j, out, sizeof(out));
    bn_json_object_begin(&j);
    bn_json_key_plain(&j, "reason", 6);
    bn_json_cstr(&j, "user\"unknown");
    bn_json_key_plain(&j, "k", 1);
    bn_json_cstr(&j, "tab\there");
    bn_json_object_end(&j);
    bn_json_finish(&j);
    assert_string_equal(out, "{\"reason\":\"user\\\"unknown\",\"k\":\"tab\\there\"}");
}

/* test_special_at_every_position - values of every length up to 56 (the
   byte, word and 16-byte paths of the plain copy, and their overlapping
   windows) with one byte needing care at each position: the byte is escaped
   there and the rest copied, exactly */
static void test_special_at_every_position(void **state)
{
    (void)state;
    static const struct {
        char c;
        const char *esc;
    } sp[] = {{'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\x1f', "\\u001f"},
              {'\xff', "\xef\xbf\xbd"}};
    char in[56], want[72], out[144];
    for (size_t n = 0; n <= 56; n++) {
        memset(in, 'a', n);
        memset(want + 1, 'a', n);
        want[0] = '"', want[n + 1] = '"', want[n + 2] = 0;
        assert_string_equal(str_json(in, n, out, sizeof(out)), want);
        for (size_t k = 0; k < n; k++) {
            for (size_t s = 0; s < sizeof(sp) / sizeof(sp[0]); s++) {
                size_t e = strlen(sp[s].esc);
                in[k] = sp[s].c;
                want[0] = '"';
                memset(want + 1, 'a', k);
                memcpy(want + 1 + k, sp[s].esc, e);
                memset(want + 1 + k + e, 'a', n - k - 1);
                want[n + e] = '"';
                want[n + e + 1] = 0;
                str_json(in, n, out, sizeof(out));
                if (strcmp(out, want) != 0)
                    fail_msg("n %zu at %zu: got [%s] want [%s]", n, k, out, want);
                in[k] = 'a';
            }
        }
    }
}

/* test_utf8_valid_len - lengths and maximal invalid subparts */
static void test_utf8_valid_len(void **state)
{
    (void)state;
    size_t bad;
    assert_int_equal(bn_utf8_valid_len((const unsigned char *)"\xc3\xa9", 2, &bad), 2);
    assert_int_equal(bn_utf8_valid_len((const unsigned char *)"\xe0\xa0\x80", 3, &bad), 3);
    assert_int_equal(bn_utf8_valid_len((const unsigned char *)"\xe0\x9f\x80", 3, &bad), 0);
    assert_int_equal(bad, 1);
    assert_int_equal(bn_utf8_valid_len((const unsigned char *)"\xf1\x80\x80", 3, &bad), 0);
    assert_int_equal(bad, 3);
}

/* lit_doc - one document written with BN_JSON_KEY_LIT (lit) or bn_json_key:
   first and later members, a key right after a key, a nested object, values
   either side of 16 bytes, plain and needing escapes */
static size_t lit_doc(char *buf, size_t size, bool lit)
{
    bn_json j;
    bn_json_init(&j, buf, size);
    bn_json_object_begin(&j);
    lit ? BN_JSON_KEY_LIT(&j, "source") : bn_json_key(&j, "source");
    bn_json_str(&j, "0123456789abcde", 15);
    lit ? BN_JSON_KEY_LIT(&j, "a") : bn_json_key(&j, "a");
    lit ? BN_JSON_KEY_LIT(&j, "b") : bn_json_key(&j, "b"); /* a key without its value */
    bn_json_str(&j, "0123456789abcdef", 16);
    lit ? BN_JSON_KEY_LIT(&j, "in") : bn_json_key(&j, "in");
    bn_json_object_begin(&j);
    lit ? BN_JSON_KEY_LIT(&j, "original_recipient") : bn_json_key(&j, "original_recipient");
    bn_json_str(&j, "0123456789abcdef\"", 17);
    bn_json_object_end(&j);
    lit ? BN_JSON_KEY_LIT(&j, "e") : bn_json_key(&j, "e");
    bn_json_str(&j, NULL, 0);
    bn_json_object_end(&j);
    return bn_json_finish(&j);
}

/* test_key_lit - BN_JSON_KEY_LIT writes what bn_json_key writes, at every
   buffer size (the inline copy only runs when the key fits) */
static void test_key_lit(void **state)
{
    (void)state;
    static const char want[] = "{\"source\":\"0123456789abcde\",\"a\":\"b\":\"0123456789abcdef\","
                               "\"in\":{\"original_recipient\":\"0123456789abcdef\\\"\"},\"e\":\"\"}";
    char a[128], b[128];
    for (size_t size = 0; size <= sizeof a; size++) {
        size_t na = lit_doc(size ? a : NULL, size, true);
        size_t nb = lit_doc(size ? b : NULL, size, false);
        assert_int_equal(na, nb);
        assert_int_equal(na, strlen(want));
        if (size)
            assert_string_equal(a, b);
    }
    assert_string_equal(a, want);
}

/* escape_to_exact - bn_json_escape_to of (p, n) into a heap block of
   exactly 6 * n bytes (the room its contract asks for: ASan sees any byte
   written past it), as a NUL-terminated string in out */
static size_t escape_to_exact(const char *p, size_t n, char *out, size_t size)
{
    char *room = malloc(6 * n + 1);
    assert_non_null(room);
    char *end = bn_json_escape_to(room, p, n);
    size_t len = (size_t)(end - room);
    assert_true(len <= 6 * n && len < size);
    memcpy(out, room, len);
    out[len] = 0;
    free(room);
    return len;
}

/* test_escape_to_cases - the unchecked writer gives every case's body
   (the expected string without its quotes), in exactly 6n bytes of room */
static void test_escape_to_cases(void **state)
{
    (void)state;
    char out[256];
    for (size_t i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
        const char *want = esc_cases[i].want + 1;
        size_t wn = strlen(want) - 1;
        size_t n = escape_to_exact(esc_cases[i].in, esc_cases[i].n, out, sizeof(out));
        if (n != wn || memcmp(out, want, wn) != 0)
            fail_msg("case %zu: got [%s] want [%.*s]", i, out, (int)wn, want);
    }
}

/* test_escape_to_every_position - values of every length up to 56 (the
   byte, 4-, 8- and 16-byte paths of the plain copy and their overlapping
   windows) with a byte or sequence needing care at each position: quote,
   backslash, controls, NUL, a lone 8-bit byte, a truncated and an overlong
   sequence, a valid 3-byte one and U+2028; written by hand, not taken from
   the other writer */
static void test_escape_to_every_position(void **state)
{
    (void)state;
    static const struct {
        const char *in, *esc;
    } sp[] = {{"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\x1f", "\\u001f"},
              {"\x01", "\\u0001"}, {"\xff", "\xef\xbf\xbd"}, {"\xe2\x82", "\xef\xbf\xbd"},
              {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"}, {"\xe2\x82\xac", "\xe2\x82\xac"},
              {"\xe2\x80\xa8", "\\u2028"}};
    char in[64], want[96], out[400];
    for (size_t n = 0; n <= 56; n++) {
        memset(in, 'a', n);
        assert_int_equal(escape_to_exact(in, n, out, sizeof(out)), n);
        for (size_t k = 0; k < n; k++)
            assert_true(out[k] == 'a');
        for (size_t k = 0; k < n; k++) {
            for (size_t s = 0; s < sizeof(sp) / sizeof(sp[0]); s++) {
                size_t sn = strlen(sp[s].in), e = strlen(sp[s].esc);
                if (k + sn > n)
                    continue;
                memcpy(in + k, sp[s].in, sn);
                memset(want, 'a', k);
                memcpy(want + k, sp[s].esc, e);
                memset(want + k + e, 'a', n - k - sn);
                want[n - sn + e] = 0;
                escape_to_exact(in, n, out, sizeof(out));
                if (strcmp(out, want) != 0)
                    fail_msg("n %zu at %zu case %zu: got [%s] want [%s]", n, k, s, out, want);
                memset(in + k, 'a', sn);
            }
        }
    }
}

/* test_escape_to_worst_case - all control bytes take the whole 6n room */
static void test_escape_to_worst_case(void **state)
{
    (void)state;
    char in[40], out[256];
    memset(in, '\x02', sizeof(in));
    for (size_t n = 1; n <= sizeof(in); n++) {
        assert_int_equal(escape_to_exact(in, n, out, sizeof(out)), 6 * n);
        for (size_t k = 0; k < n; k++)
            assert_memory_equal(out + 6 * k, "\\u0002", 6);
    }
}

/* test_escape_to_same_as_checked - on pseudo-random bytes (a fixed LCG,
   biased to the bytes that need care), the unchecked writer and the
   counting one give the same bytes */
static void test_escape_to_same_as_checked(void **state)
{
    (void)state;
    static const unsigned char pick[] = {'a', 'a', 'a', 'a', '"', '\\', 0, '\n', 0x1f, 0x7f,
                                         0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xff};
    uint32_t x = 12345;
    char in[100], a[700], b[700];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)round % sizeof(in);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            in[i] = (char)pick[(x >> 16) % sizeof(pick)];
        }
        size_t an = escape_to_exact(in, n, a, sizeof(a));
        bn_json j;
        bn_json_init(&j, b, sizeof(b));
        bn_json_escape(&j, in, n);
        size_t bnn = bn_json_finish(&j);
        assert_int_equal(an, bnn);
        assert_memory_equal(a, b, an);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_cases),
        cmocka_unit_test(test_no_raw_controls),
        cmocka_unit_test(test_object_layout),
        cmocka_unit_test(test_snprintf_contract),
        cmocka_unit_test(test_utf8_valid_len),
        cmocka_unit_test(test_key_plain_and_short),
        cmocka_unit_test(test_key_lit),
        cmocka_unit_test(test_special_at_every_position),
        cmocka_unit_test(test_escape_to_cases),
        cmocka_unit_test(test_escape_to_every_position),
        cmocka_unit_test(test_escape_to_worst_case),
        cmocka_unit_test(test_escape_to_same_as_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
