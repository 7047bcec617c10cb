/*
 * fuzz_rfc2047.c - encoded words and charset conversion
 *
 * Input: "<charset>\n<bytes>". The bytes are decoded as a header value
 * (RFC 2047) and converted from the charset (any label) to UTF-8.
 * Invariants: no crash, no read outside the input, both results are valid
 * UTF-8, and a conversion never yields more than the limit allows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "message/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bn_parse_opts o = BN_PARSE_OPTS_INIT;
    bn_arena a;
    bn_msg m;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    const char *nl = size ? memchr(buf, '\n', size) : NULL;
    size_t csn = nl ? (size_t)(nl - buf) : 0;
    bn_str cs = {buf, csn};
    bn_str body = nl ? (bn_str){nl + 1, size - csn - 1} : (bn_str){buf, size};
    o.max_decoded = 1 << 16;
    bn_arena_init(&a, 64u << 20);
    memset(&m, 0, sizeof m);
    m.arena = &a;
    m.opts = &o;
    bn_str d = bn_decode_rfc2047(&m, body);
    if (!bn_utf8_valid(d.p, d.n))
        abort();
    bool bad;
    bn_str u = bn_to_utf8(&m, cs, body, &bad);
    if (!bn_utf8_valid(u.p, u.n))
        abort();
    if (u.p != body.p && u.n > o.max_decoded)
        abort();
    bn_iconv_cache_free(&m.iconv_cache);
    bn_arena_free(&a);
    free(buf);
    return 0;
}
