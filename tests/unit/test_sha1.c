/* test_sha1.c - SHA-1 against the FIPS 180 example vectors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "output/sha1.h"

/* digest - hex SHA-1 of (p, n), fed in pieces of step bytes */
static void digest(const char *p, size_t n, size_t step, char out[41])
{
    bn_sha1 s;
    bn_sha1_init(&s);
    for (size_t i = 0; i < n; i += step)
        bn_sha1_update(&s, p + i, n - i < step ? n - i : step);
    bn_sha1_final_hex(&s, out);
}

/* test_fips_vectors - "abc", the 448-bit message, the empty string */
static void test_fips_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *want;
    } v[] = {
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
         "nopqrlmnopqrsmnopqrstnopqrstu",
         "a49b2446a02c645bf419f995b67091253a04a259"},
    };
    char out[41];
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t n = strlen(v[i].msg);
        for (size_t step = 1; step <= 64; step *= 4) {
            digest(v[i].msg, n, step, out);
            assert_string_equal(out, v[i].want);
        }
        digest(v[i].msg, n, n ? n : 1, out);
        assert_string_equal(out, v[i].want);
    }
}

/* test_million_a - one million 'a' (FIPS 180 long message) */
static void test_million_a(void **state)
{
    (void)state;
    char chunk[1000], out[41];
    memset(chunk, 'a', sizeof(chunk));
    bn_sha1 s;
    bn_sha1_init(&s);
    for (int i = 0; i < 1000; i++)
        bn_sha1_update(&s, chunk, sizeof(chunk));
    bn_sha1_final_hex(&s, out);
    assert_string_equal(out, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_million_a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
