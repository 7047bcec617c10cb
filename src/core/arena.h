/*
 * arena.h - per-message bump allocator
 *
 * Everything a parse produces that is not a span into the input lives in an
 * arena: decoded text, part tables, records. One reset releases all of it,
 * and the blocks are kept for the next message, so parsing a mailbox does
 * not call malloc per message. An arena has a hard cap (like curl's dynbuf
 * "toobig"): past it, allocation fails and the parser records an anomaly.
 */
#ifndef BN_ARENA_H
#define BN_ARENA_H

#include <stddef.h>

typedef struct bn_arena_block bn_arena_block;

typedef struct bn_arena {
    bn_arena_block *head;  /* current block (newest) */
    bn_arena_block *spare; /* freed-by-reset blocks kept for reuse */
    size_t used;           /* bytes handed out since the last reset */
    size_t cap;            /* hard limit on used */
    int failed;            /* an allocation failed for want of memory since the
                              last reset (sticky: callers that degrade
                              gracefully can still report BN_ENOMEM) */
} bn_arena;

/* bn_arena_init - empty arena that will hand out at most cap bytes */
void bn_arena_init(bn_arena *a, size_t cap);
/* bn_arena_alloc - n bytes aligned for any type, or NULL (out of memory or cap) */
void *bn_arena_alloc(bn_arena *a, size_t n);
/* bn_arena_calloc - zeroed array of count elements of size bytes, or NULL */
void *bn_arena_calloc(bn_arena *a, size_t count, size_t size);
/* bn_arena_dup - copy of n bytes plus a NUL, or NULL */
char *bn_arena_dup(bn_arena *a, const char *p, size_t n);
/* bn_arena_grow - resize the most recent allocation in place or by copy */
void *bn_arena_grow(bn_arena *a, void *old, size_t old_n, size_t new_n);
/* bn_arena_reset - forget every allocation, keep the memory */
void bn_arena_reset(bn_arena *a);
/* bn_arena_free - release all memory */
void bn_arena_free(bn_arena *a);

#endif
