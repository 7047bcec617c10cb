/* alloc.c - heap wrappers with a fault-injection hook (see alloc.h) */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1; /* < 0: never fail */
static long alloc_count;
static int count_arena; /* arena allocations count too (test hook) */

/* should_fail - count an allocation and say whether to fail it */
static int should_fail(void)
{
    alloc_count++;
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0)
        return 1;
    fail_countdown--;
    return 0;
}

void *bn_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}

void *bn_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *bn_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void bn_free(void *p)
{
    free(p);
}

char *bn_strndup(const char *p, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = bn_malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

long bn_alloc_fail_after(long n)
{
    long made = alloc_count;
    alloc_count = 0;
    fail_countdown = n;
    return made;
}

/* bn_alloc_count_arena - test hook: arena allocations count and may fail */
void bn_alloc_count_arena(int on)
{
    count_arena = on;
}

/* bn_alloc_arena_fail - count an arena allocation when the hook is on */
int bn_alloc_arena_fail(void)
{
    return count_arena && should_fail();
}
