/*
 * fuzz_json.c - the JSON string writer on arbitrary bytes
 *
 * Invariants: the output is a single JSON string that is valid UTF-8 with
 * no raw control byte, every '"' and '\' inside is escaped, and a second
 * write into a buffer of the returned size gives the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_body - the bytes between the quotes are a well-formed JSON string */
static void check_body(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t bad;
        if (s[i] < 0x20 || s[i] == '"')
            abort();
        if (s[i] == '\\') {
            if (i + 1 >= n || !strchr("\"\\/bfnrtu", s[i + 1]))
                abort();
            i += s[i + 1] == 'u' ? 6 : 2;
            continue;
        }
        size_t k = bn_utf8_valid_len(s + i, n - i, &bad);
        if (k == 0)
            abort();
        i += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    bn_json j;
    bn_json_init(&j, NULL, 0);
    bn_json_str(&j, in, size);
    size_t need = bn_json_finish(&j);
    char *out = malloc(need + 1);
    if (out) {
        bn_json_init(&j, out, need + 1);
        bn_json_str(&j, in, size);
        if (bn_json_finish(&j) != need || need < 2 || out[0] != '"' || out[need - 1] != '"')
            abort();
        check_body((const unsigned char *)out + 1, need - 2);
        free(out);
    }
    free(in);
    return 0;
}
