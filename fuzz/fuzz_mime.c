/*
 * fuzz_mime.c - header blocks and Content-Type parameters on their own
 *
 * Input: arbitrary bytes; the first byte picks the parameter looked up.
 * The rest is parsed as a header block (bn_headers_parse), every value is
 * unfolded and searched for parameters (RFC 2045/2231), and the body after
 * the block is decoded as base64 and as quoted-printable. Invariants: no
 * crash, no read outside the input, fields are sub-spans of the input,
 * *consumed stays within it, decoders never grow their input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "message/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const params[] = {"boundary", "charset", "filename", "name", "report-type"};

/* inside - span s lies within [base, base+n) */
static int inside(bn_str s, const char *base, size_t n)
{
    return s.n == 0 || (s.p >= base && s.p + s.n <= base + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bn_parse_opts o = BN_PARSE_OPTS_INIT;
    bn_arena a;
    bn_msg m;
    bn_headers h;
    size_t used = 0;
    if (size < 1)
        return 0;
    const char *param = params[data[0] % 5];
    size--;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size);
    o.max_headers = 32;
    o.max_header_size = 4096;
    bn_arena_init(&a, 64u << 20);
    memset(&m, 0, sizeof m);
    m.arena = &a;
    m.opts = &o;
    if (bn_headers_parse(&m, buf, size, &h, &used) == BN_OK) {
        if (used > size || h.n > o.max_headers)
            abort();
        for (size_t i = 0; i < h.n; i++) {
            if (!inside(h.v[i].name, buf, size) || !inside(h.v[i].value, buf, size) ||
                h.v[i].value.n > o.max_header_size)
                abort();
            (void)bn_hdr_unfold(&m, h.v[i].value);
            (void)bn_param_get(&m, h.v[i].value, param);
        }
        bool bad;
        bn_str b = bn_decode_base64(&a, buf + used, size - used, &bad);
        bn_str q = bn_decode_qp(&a, buf + used, size - used, &bad);
        if (b.n > size - used || q.n > size - used)
            abort();
    }
    bn_iconv_cache_free(&m.iconv_cache);
    bn_arena_free(&a);
    free(buf);
    return 0;
}
