/*
 * store_test_util.h - what the SQLite store unit tests share
 * (test_store.c, test_store_fold.c, test_store_migrate.c)
 */
#ifndef STORE_TEST_UTIL_H
#define STORE_TEST_UTIL_H

#include <stdio.h>
#include <unistd.h>

/* rm_db - remove a database and its WAL and journal files */
static inline void rm_db(const char *path)
{
    char p[512];
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
}

#endif
