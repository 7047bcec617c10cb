/* arena.c - per-message bump allocator (see arena.h) */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

#define ARENA_ALIGN 16
#define ARENA_MIN_BLOCK (64u * 1024u)

struct bn_arena_block {
    bn_arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t off;  /* bytes used */
    /* data follows, aligned */
};

#define BLOCK_HDR (((sizeof(bn_arena_block) + ARENA_ALIGN - 1) / ARENA_ALIGN) * ARENA_ALIGN)

static unsigned char *block_data(bn_arena_block *b)
{
    return (unsigned char *)b + BLOCK_HDR;
}

/* bn_arena_init - empty arena that will hand out at most cap bytes */
void bn_arena_init(bn_arena *a, size_t cap)
{
    a->head = NULL;
    a->spare = NULL;
    a->used = 0;
    a->cap = cap;
    a->failed = 0;
}

/* take_block - reuse a spare block big enough, or allocate a new one */
static bn_arena_block *take_block(bn_arena *a, size_t need)
{
    bn_arena_block **pp = &a->spare;
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->size >= need) {
            bn_arena_block *b = *pp;
            *pp = b->next;
            return b;
        }
    }
    size_t size = need > ARENA_MIN_BLOCK ? need : ARENA_MIN_BLOCK;
    if (size > SIZE_MAX - BLOCK_HDR)
        return NULL;
    bn_arena_block *b = bn_malloc(BLOCK_HDR + size);
    if (b)
        b->size = size;
    return b;
}

/* bn_arena_alloc - n bytes aligned for any type, or NULL (out of memory or cap) */
void *bn_arena_alloc(bn_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    size_t rounded = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded < n || rounded > a->cap - a->used || a->used > a->cap)
        return NULL;
    if (bn_alloc_arena_fail()) {
        a->failed = 1;
        return NULL;
    }
    bn_arena_block *b = a->head;
    if (!b || b->size - b->off < rounded) {
        b = take_block(a, rounded);
        if (!b) {
            a->failed = 1;
            return NULL;
        }
        b->off = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = block_data(b) + b->off;
    b->off += rounded;
    a->used += rounded;
    return p;
}

/* bn_arena_calloc - zeroed array of count elements of size bytes, or NULL */
void *bn_arena_calloc(bn_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = bn_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

/* bn_arena_dup - copy of n bytes plus a NUL, or NULL */
char *bn_arena_dup(bn_arena *a, const char *p, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = bn_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

/* bn_arena_grow - resize the most recent allocation in place or by copy */
void *bn_arena_grow(bn_arena *a, void *old, size_t old_n, size_t new_n)
{
    bn_arena_block *b = a->head;
    size_t old_r = (old_n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    size_t new_r = (new_n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (old && b && new_r >= new_n && old_r <= b->off &&
        (unsigned char *)old == block_data(b) + b->off - old_r &&
        new_r - old_r <= b->size - b->off && new_r - old_r <= a->cap - a->used) {
        if (bn_alloc_arena_fail()) { /* growing in place is an allocation too */
            a->failed = 1;
            return NULL;
        }
        b->off += new_r - old_r;
        a->used += new_r - old_r;
        return old;
    }
    void *p = bn_arena_alloc(a, new_n);
    if (p && old && old_n)
        memcpy(p, old, old_n < new_n ? old_n : new_n);
    return p;
}

/* bn_arena_reset - forget every allocation, keep the memory */
void bn_arena_reset(bn_arena *a)
{
    while (a->head) {
        bn_arena_block *b = a->head;
        a->head = b->next;
        /* keep at most a few MB of spare blocks: huge ones go back */
        if (b->size > 4u * 1024u * 1024u) {
            bn_free(b);
            continue;
        }
        b->next = a->spare;
        a->spare = b;
    }
    a->used = 0;
    a->failed = 0;
}

/* bn_arena_free - release all memory */
void bn_arena_free(bn_arena *a)
{
    bn_arena_reset(a);
    while (a->spare) {
        bn_arena_block *b = a->spare;
        a->spare = b->next;
        bn_free(b);
    }
}
