/*
 * match.c - phrase matchers kept by the parser
 *
 * Building a bn_multi reads every byte of its needles to pick the anchors
 * (core/str.c), which costs more than most searches it then serves: the
 * extraction stages search the same static phrase tables in every message.
 * The parser keeps each table's matcher, built on first use, for the
 * messages that follow (a cache owned by the parser, so no shared state).
 */
#include "core/alloc.h"
#include "core/str.h"
#include "extract/extract.h"

#define XCACHE_MAX 24 /* distinct tables: the stages use a few, some decoders one or two */

/* One table's matcher. */
typedef struct xcache_entry {
    const void *key;           /* the table (static): its address identifies it */
    const char *first;         /* its first needle, as a check on the key */
    size_t n;
    bn_multi m;
} xcache_entry;

struct bn_xcache {
    size_t used;
    xcache_entry e[XCACHE_MAX];
};

/* bn_xcache_new - an empty cache (NULL when out of memory) */
bn_xcache *bn_xcache_new(void)
{
    return bn_calloc(1, sizeof(bn_xcache));
}

/* bn_xcache_free - release the cache */
void bn_xcache_free(bn_xcache *c)
{
    bn_free(c);
}

/* lookup - the entry of table key, or NULL */
static const bn_multi *lookup(const bn_xcache *c, const void *key, const char *first, size_t n)
{
    for (size_t i = 0; i < c->used; i++)
        if (c->e[i].key == key && c->e[i].n == n && c->e[i].first == first)
            return &c->e[i].m;
    return NULL;
}

/* bn_x_multi_keyed - the matcher of needles[0..n), cached under key */
const bn_multi *bn_x_multi_keyed(const bn_xctx *x, const void *key, const char *const *needles,
                                 size_t n, bn_multi *scratch)
{
    bn_xcache *c = x->cache;
    const char *first = n ? needles[0] : NULL;
    const bn_multi *hit = c ? lookup(c, key, first, n) : NULL;
    if (hit)
        return hit;
    bn_multi *m = scratch;
    if (c && c->used < XCACHE_MAX) {
        xcache_entry *e = &c->e[c->used++];
        e->key = key;
        e->first = first;
        e->n = n;
        m = &e->m;
    }
    bn_multi_init(m, needles, n); /* a refused table stays empty: it finds nothing */
    return m;
}

/* bn_x_multi - the matcher of a static table of needles, cached */
const bn_multi *bn_x_multi(const bn_xctx *x, const char *const *needles, size_t n,
                           bn_multi *scratch)
{
    return bn_x_multi_keyed(x, needles, needles, n, scratch);
}
