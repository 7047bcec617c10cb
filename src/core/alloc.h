/*
 * alloc.h - the library's only door to the heap
 *
 * Every allocation goes through bn_malloc/bn_realloc/bn_free so that the
 * fault-injection test build can make the Nth allocation fail (SQLite's
 * anomaly testing) and check that every path cleans up.
 */
#ifndef BN_ALLOC_H
#define BN_ALLOC_H

#include <stddef.h>

void *bn_malloc(size_t n);
void *bn_calloc(size_t count, size_t size);
void *bn_realloc(void *p, size_t n);
void bn_free(void *p);
char *bn_strndup(const char *p, size_t n);

/*
 * bn_alloc_fail_after - test hook: the allocation after the next n succeed
 * fails (n = 0: the very next one). A negative n disables injection.
 * Returns how many allocations were made since the last call.
 */
long bn_alloc_fail_after(long n);

/*
 * bn_alloc_count_arena - test hook: when on, every arena allocation
 * (bn_arena_alloc, bn_arena_grow) also counts as an allocation and can be
 * the one that fails, so a sweep reaches the failure paths of each
 * arena-allocated object, not only of each arena block. Off by default.
 */
void bn_alloc_count_arena(int on);
/* bn_alloc_arena_fail - arena.c's question: fail this arena allocation? */
int bn_alloc_arena_fail(void);

#endif
