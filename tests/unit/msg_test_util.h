/*
 * msg_test_util.h - fixture shared by the message-layer unit tests
 * (test_message.c, test_decode.c, test_charset.c): a bn_msg over a fresh
 * arena, and a guard-page buffer (picohttpparser's trick) that makes any
 * read past the end of the input fault at once.
 */
#ifndef MSG_TEST_UTIL_H
#define MSG_TEST_UTIL_H

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/str.h"
#include "message/message.h"

typedef struct tmsg {
    bn_arena arena;
    bn_parse_opts opts;
    bn_msg msg;
} tmsg;

/* tmsg_init - a message context with default limits and a 1 GiB arena cap */
static inline void tmsg_init(tmsg *t)
{
    bn_parse_opts o = BN_PARSE_OPTS_INIT;
    memset(t, 0, sizeof *t);
    t->opts = o;
    bn_arena_init(&t->arena, (size_t)1 << 30);
    t->msg.arena = &t->arena;
    t->msg.opts = &t->opts;
}

/* tmsg_fini - release the arena and the iconv cache */
static inline void tmsg_fini(tmsg *t)
{
    bn_iconv_cache_free(&t->msg.iconv_cache);
    bn_arena_free(&t->arena);
}

/* str_is - span equals the C string */
static inline int str_is(bn_str s, const char *lit)
{
    return s.n == strlen(lit) && (s.n == 0 || memcmp(s.p, lit, s.n) == 0);
}

/* guard_buf - n bytes of p copied so that they end right before a PROT_NONE page */
typedef struct guard {
    char *map;
    size_t maplen;
    char *p;
} guard;

static inline char *guard_put(guard *g, const char *p, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (n + page - 1) / page + 1;
    g->maplen = (pages + 1) * page;
    g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (g->map == MAP_FAILED)
        return NULL;
    mprotect(g->map + pages * page, page, PROT_NONE);
    g->p = g->map + pages * page - n;
    if (n)
        memcpy(g->p, p, n);
    return g->p;
}

static inline void guard_free(guard *g)
{
    munmap(g->map, g->maplen);
}

/* cpu_s - CPU seconds used by this process: the hostile-input bounds are
   about the parser's work, and wall time also counts a busy machine's other
   jobs (the bounds flaked under load) */
static inline double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
