/*
 * fuzz_message.c - the whole message walk: headers, MIME tree, decoding
 *
 * Input: arbitrary bytes as one message. Invariants: no crash, no read
 * outside the input (copied to an exact-size heap buffer), the part table
 * is a well-formed pre-order tree within the limits, raw bodies of
 * top-level entities lie inside the input, decoded sizes respect
 * max_decoded, and every part text is valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "message/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_tree - parents precede children, depths follow, counts within limits */
static void check_tree(const bn_msg *m, const bn_parse_opts *o)
{
    if (m->nparts > o->max_mime_parts)
        abort();
    for (size_t i = 0; i < m->nparts; i++) {
        const bn_part *p = &m->parts[i];
        if (p->depth > o->max_mime_depth || p->hdrs.n > o->max_headers)
            abort();
        if (i == 0 ? p->parent != -1
                   : (p->parent < 0 || (size_t)p->parent >= i ||
                      m->parts[p->parent].depth + 1 != p->depth))
            abort();
        for (size_t k = 0; k < p->hdrs.n; k++)
            if (p->hdrs.v[k].value.n > o->max_header_size)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bn_parse_opts o = BN_PARSE_OPTS_INIT;
    bn_arena a;
    bn_msg m;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    o.max_mime_parts = 64; /* small limits so the fuzzer reaches them */
    o.max_mime_depth = 8;
    o.max_headers = 64;
    o.max_header_size = 1024;
    o.max_decoded = 1 << 16;
    bn_arena_init(&a, 64u << 20);
    memset(&m, 0, sizeof m);
    m.arena = &a;
    m.opts = &o;
    (void)bn_msg_parse(&m, buf, size);
    check_tree(&m, &o);
    if (m.nparts && m.parts[0].body_raw.n &&
        (m.parts[0].body_raw.p < buf || m.parts[0].body_raw.p + m.parts[0].body_raw.n > buf + size))
        abort();
    for (size_t i = 0; i < m.nparts; i++) {
        bn_part *p = &m.parts[i];
        bn_str t = bn_part_text(&m, p);
        if (!bn_utf8_valid(t.p, t.n))
            abort();
        bn_str s = bn_hdr_get(&m, &p->hdrs, "Subject");
        if (!bn_utf8_valid(s.p, s.n))
            abort();
    }
    if (m.decoded_total > o.max_decoded) /* transfer + charset output */
        abort();
    bn_iconv_cache_free(&m.iconv_cache);
    bn_arena_free(&a);
    free(buf);
    return 0;
}
