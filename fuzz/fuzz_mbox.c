/*
 * fuzz_mbox.c - the streaming mbox splitter on arbitrary bytes
 *
 * The first byte picks the read size (1..256) and the second the message
 * cap, so window and line boundaries land everywhere. Invariants: every
 * message fits the cap, the splitter never returns more bytes than it read,
 * and it ends. The same bytes as one message (m.one, an MTA pipe): exactly
 * one message, the input itself without a leading From_ line when it fits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "input/input.h"

typedef struct fz_reader {
    const uint8_t *p;
    size_t n, pos, step;
} fz_reader;

/* fz_read - hand out at most step bytes */
static long fz_read(void *ctx, char *buf, size_t n)
{
    fz_reader *r = ctx;
    size_t k = r->n - r->pos;
    if (k > n)
        k = n;
    if (k > r->step)
        k = r->step;
    memcpy(buf, r->p + r->pos, k);
    r->pos += k;
    return (long)k;
}

/* is_rest - buf is all of p, or all of p after its first line "From ..." */
static bool is_rest(const char *buf, size_t len, const uint8_t *p, size_t n)
{
    if (len == n && memcmp(buf, p, n) == 0)
        return true;
    if (n < 5 || memcmp(p, "From ", 5) != 0)
        return false;
    const uint8_t *nl = memchr(p, '\n', n);
    size_t skip = nl ? (size_t)(nl - p) + 1 : n; /* no LF: all of it is that line */
    return len == n - skip && memcmp(buf, p + skip, len) == 0;
}

/* split_one - the bytes as one message: all of them (but a From_ line) */
static void split_one(const uint8_t *p, size_t n, size_t step, size_t max)
{
    fz_reader r = {p, n, 0, step};
    bn_mbox m;
    const char *buf;
    size_t len;
    bool trunc, more;
    bn_mbox_init(&m, fz_read, &r, max);
    m.one = true;
    if (bn_mbox_next(&m, &buf, &len, &trunc, &more) == BN_OK) {
        if (more || len > max || (!trunc && !is_rest(buf, len, p, n)))
            abort();
        if (bn_mbox_next(&m, &buf, &len, &trunc, &more) != BN_ENOTFOUND)
            abort(); /* a second message */
    }
    bn_mbox_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t *copy = malloc(size - 2 ? size - 2 : 1); /* exact size: ASan sees overreads */
    if (!copy)
        return 0;
    memcpy(copy, data + 2, size - 2);
    fz_reader r = {copy, size - 2, 0, (size_t)data[0] + 1};
    size_t max = ((size_t)data[1] + 1) * 16;
    bn_mbox m;
    const char *buf;
    size_t len, total = 0;
    bool trunc, more;
    bn_mbox_init(&m, fz_read, &r, max);
    while (bn_mbox_next(&m, &buf, &len, &trunc, &more) == BN_OK) {
        if (len > max || (total += len) > size)
            abort();
        if (m.count > size + 1)
            abort(); /* more messages than bytes: a loop */
    }
    bn_mbox_free(&m);
    split_one(copy, size - 2, r.step, max);
    free(copy);
    return 0;
}
