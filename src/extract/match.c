/*
 * match.c - phrase matchers kept by the parser
 *
 * Building a bn_multi reads every byte of its needles to pick the anchors
 * (core/str.c), which costs more than most searches it then serves: the
 * extraction stages search the same static phrase tables in every message.
 * The parser keeps each table's matcher, built on first use, for the
 * messages that follow (a cache owned by the parser, so no shared state).
 */
#include <stdint.h>

#include "core/alloc.h"
#include "core/str.h"
#include "extract/extract.h"

#define XCACHE_MAX 24 /* distinct tables: the stages use a few, some decoders one or two */
#define XCACHE_HASH 64 /* hash slots (a power of two, more than XCACHE_MAX) */

/* One table's matcher. */
typedef struct xcache_entry {
    const void *key;           /* the table (static): its address identifies it */
    const char *first;         /* its first needle, as a check on the key */
    size_t n;
    bn_multi m;
} xcache_entry;

/* The entries, found by their key's hash: every phrase search asks the cache
   first, and a walk over the entries cost more than many short searches. */
struct bn_xcache {
    size_t used;
    unsigned char slot[XCACHE_HASH]; /* entry index + 1, 0: empty */
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

/* hash_of - the first slot to look at for key */
static size_t hash_of(const void *key)
{
    uint64_t h = (uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 58); /* the top 6 bits: XCACHE_HASH slots */
}

/* same_table - entry e holds the matcher of (key, first, n) */
static bool same_table(const xcache_entry *e, const void *key, const char *first, size_t n)
{
    return e->key == key && e->n == n && e->first == first;
}

/* find_slot - the slot of the table (probing on), or the empty slot it
   would take */
static size_t find_slot(const bn_xcache *c, const void *key, const char *first, size_t n)
{
    size_t h = hash_of(key);
    while (c->slot[h] && !same_table(&c->e[c->slot[h] - 1], key, first, n))
        h = (h + 1) & (XCACHE_HASH - 1); /* never full: XCACHE_MAX < XCACHE_HASH */
    return h;
}

/* bn_x_multi_cached - the matcher kept under key for n needles starting with
   first, or NULL when none is */
const bn_multi *bn_x_multi_cached(const bn_xctx *x, const void *key, const char *first, size_t n)
{
    const bn_xcache *c = x ? x->cache : NULL;
    if (!c)
        return NULL;
    size_t h = find_slot(c, key, first, n);
    return c->slot[h] ? &c->e[c->slot[h] - 1].m : NULL;
}

/* bn_x_multi_keyed - the matcher of needles[0..n), cached under key */
const bn_multi *bn_x_multi_keyed(const bn_xctx *x, const void *key, const char *const *needles,
                                 size_t n, bn_multi *scratch)
{
    bn_xcache *c = x->cache;
    const char *first = n ? needles[0] : NULL;
    const bn_multi *hit = bn_x_multi_cached(x, key, first, n);
    if (hit)
        return hit;
    bn_multi *m = scratch;
    size_t h = c ? find_slot(c, key, first, n) : 0;
    if (c && c->used < XCACHE_MAX) { /* the slot is empty: no hit above */
        xcache_entry *e = &c->e[c->used++];
        e->key = key;
        e->first = first;
        e->n = n;
        c->slot[h] = (unsigned char)c->used;
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
