/*
 * test_advice.c - data/reply_advice.tsv: every reply code has advice that
 * fits its class, reachable through bn_replycode_advice(); the overloaded
 * codes carry the seed article's warning about the sender's side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bounce.h"
#include "knowledge/knowledge.h"

/* test_every_code_has_advice - each row of the reply table, by the public lookup */
static void test_every_code_has_advice(void **state)
{
    (void)state;
    for (size_t i = 0; i < BN_KB_NREPLIES; i++) {
        int code = bn_kb_replies[i].code;
        const char *a = bn_replycode_advice(code);
        assert_non_null(a);
        assert_true(strlen(a) > 20);
        assert_ptr_equal(a, bn_kb_replies[i].advice);
        if (code < 300) /* a success is never presented as a problem */
            assert_non_null(strstr(a, "Not an error"));
        if (code >= 420 && code < 500 && code != 432 && code != 446 && code != 449 && code != 455 &&
            code != 471)
            assert_non_null(strstr(a, "Temporary"));
    }
    assert_null(bn_replycode_advice(599));
    assert_null(bn_replycode_advice(0));
}

/* test_overloaded_codes - 550 and 554 warn that the address may be fine */
static void test_overloaded_codes(void **state)
{
    (void)state;
    static const int codes[] = {550, 554};
    for (size_t i = 0; i < 2; i++) {
        const char *a = bn_replycode_advice(codes[i]);
        assert_non_null(strstr(a, "blocklist"));
        assert_non_null(strstr(a, "DMARC"));
        assert_non_null(strstr(a, "address is"));
        assert_non_null(strstr(a, "bounce doctor"));
    }
    assert_non_null(strstr(bn_replycode_advice(421), "retries by itself"));
    assert_non_null(strstr(bn_replycode_advice(552), "too many recipients is temporary"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_advice),
        cmocka_unit_test(test_overloaded_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
