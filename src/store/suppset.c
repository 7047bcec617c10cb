/*
 * suppset.c - the suppressed set in memory, for `bounce filter`
 *
 * Cleaning a million-line list must not run a query per address: the
 * entries in force are read once into an open-addressing hash table over
 * one string pool, and each input address is normalised and looked up.
 */
#include <string.h>

#include "bounce.h"
#include "core/alloc.h"
#include "store/store.h"

#define SET_MAX_ENTRIES (64u << 20) /* hard cap: 64 million entries */
#define RECENT 16                   /* distinct reasons remembered */

typedef struct entry {
    uint64_t hash;
    uint32_t key, key_len; /* offsets into the pool */
    uint32_t reason;
} entry;

struct bn_suppset {
    entry *v;          /* entries, insertion order */
    size_t n, cap;
    uint32_t *slots;   /* 1 + index into v; 0 empty */
    size_t nslots;     /* power of two */
    char *pool;
    size_t pool_n, pool_cap;
    unsigned flags;    /* normalisation flags of the list */
    int err;
    uint32_t recent[RECENT]; /* pool offsets of recent reasons (shared) */
    unsigned nrecent, next_recent;
};

/* key_hash - 64-bit hash of a key (8-byte chunks, murmur3 finaliser) */
static uint64_t key_hash(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        h = (h ^ (k * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
        h ^= h >> 31;
        p += 8, n -= 8;
    }
    uint64_t k = 0;
    memcpy(&k, p, n);
    h ^= k * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

/* pool_add - copy a string (with NUL) into the pool; its offset */
static int pool_add(bn_suppset *set, const char *s, size_t n, uint32_t *off)
{
    if (set->pool_n + n + 1 > set->pool_cap) {
        size_t cap = set->pool_cap ? set->pool_cap * 2 : 1u << 16;
        while (cap < set->pool_n + n + 1)
            cap *= 2;
        if (cap > UINT32_MAX)
            return BN_ETOOBIG;
        char *p = bn_realloc(set->pool, cap);
        if (!p)
            return BN_ENOMEM;
        set->pool = p, set->pool_cap = cap;
    }
    memcpy(set->pool + set->pool_n, s, n);
    set->pool[set->pool_n + n] = '\0';
    *off = (uint32_t)set->pool_n;
    set->pool_n += n + 1;
    return BN_OK;
}

/* reason_add - the reason's offset; equal to the last one: shared */
static int reason_add(bn_suppset *set, const char *reason, uint32_t *off)
{
    for (unsigned i = 0; i < set->nrecent; i++)
        if (!strcmp(set->pool + set->recent[i], reason)) {
            *off = set->recent[i];
            return BN_OK;
        }
    int rc = pool_add(set, reason, strlen(reason), off);
    if (rc == BN_OK) {
        set->recent[set->nrecent < RECENT ? set->nrecent++ : set->next_recent] = *off;
        if (set->nrecent == RECENT)
            set->next_recent = (set->next_recent + 1) % RECENT;
    }
    return rc;
}

/* slot_insert - place entry i into the slot table */
static void slot_insert(bn_suppset *set, size_t i)
{
    size_t mask = set->nslots - 1, j = set->v[i].hash & mask;
    while (set->slots[j])
        j = (j + 1) & mask;
    set->slots[j] = (uint32_t)(i + 1);
}

/* rehash - grow the slot table to keep the load under one half */
static int rehash(bn_suppset *set)
{
    size_t ns = set->nslots ? set->nslots * 2 : 1024;
    uint32_t *slots = bn_calloc(ns, sizeof *slots);
    if (!slots)
        return BN_ENOMEM;
    bn_free(set->slots);
    set->slots = slots, set->nslots = ns;
    for (size_t i = 0; i < set->n; i++)
        slot_insert(set, i);
    return BN_OK;
}

/* add_entry - one entry from the store */
static int add_entry(void *ctx, const char *address, size_t kn,
                     const char *reason)
{
    bn_suppset *set = ctx;
    if (set->n >= SET_MAX_ENTRIES)
        return set->err = BN_ETOOBIG, 1;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        entry *v = bn_realloc(set->v, cap * sizeof *v);
        if (!v)
            return set->err = BN_ENOMEM, 1;
        set->v = v, set->cap = cap;
    }
    entry *en = &set->v[set->n];
    en->hash = key_hash(address, kn);
    en->key_len = (uint32_t)kn;
    if ((set->err = pool_add(set, address, kn, &en->key)) ||
        (set->err = reason_add(set, reason, &en->reason)))
        return 1;
    set->n++;
    if (set->n * 2 > set->nslots)
        return (set->err = rehash(set)) != BN_OK;
    slot_insert(set, set->n - 1);
    return 0;
}

/* bn_suppset_load - read the entries in force now */
int bn_suppset_load(bn_suppset **out, bn_store *s)
{
    bn_suppset *set = bn_calloc(1, sizeof *set);
    *out = NULL;
    if (!set)
        return BN_ENOMEM;
    set->flags = s->policy.local_case_sensitive ? BN_ADDR_CASE_LOCAL : 0;
    int rc = rehash(set);
    if (rc == BN_OK)
        rc = s->ops->supp_keys(s, time(NULL), add_entry, set);
    if (rc == BN_OK)
        rc = set->err;
    if (rc) {
        bn_suppset_free(set);
        return rc;
    }
    *out = set;
    return BN_OK;
}

/* bn_suppset_free - release the set */
void bn_suppset_free(bn_suppset *set)
{
    if (!set)
        return;
    bn_free(set->v);
    bn_free(set->slots);
    bn_free(set->pool);
    bn_free(set);
}

/* bn_suppset_size - entries in the set */
size_t bn_suppset_size(const bn_suppset *set)
{
    return set->n;
}

/* bn_suppset_lookup - normalise and look up */
int bn_suppset_lookup(const bn_suppset *set, const char *addr, size_t len,
                      const char **reason)
{
    char key[BN_ADDR_MAX];
    size_t kn;
    if (bn_address_normalize(key, &kn, addr, len, set->flags))
        return BN_EINVAL;
    uint64_t h = key_hash(key, kn);
    size_t mask = set->nslots - 1;
    for (size_t j = h & mask; set->slots[j]; j = (j + 1) & mask) {
        const entry *e = &set->v[set->slots[j] - 1];
        if (e->hash == h && e->key_len == kn &&
            memcmp(set->pool + e->key, key, kn) == 0) {
            if (reason)
                *reason = set->pool + e->reason;
            return BN_OK;
        }
    }
    return BN_ENOTFOUND;
}
