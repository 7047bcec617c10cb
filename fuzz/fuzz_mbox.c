/*
 * fuzz_mbox.c - the streaming mbox splitter on arbitrary bytes
 *
 * The first byte picks the read size (1..256) and the second the message
 * cap, so window and line boundaries land everywhere. Invariants: every
 * message fits the cap, the splitter never returns more bytes than it read,
 * and it ends.
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
    free(copy);
    return 0;
}
