/*
 * test_store_pg_lib.c - libpq is opened on the first PostgreSQL store, not
 * at start (src/store/store_pg_lib.c); no server needed
 *
 * This program does not link libpq itself, so whether libpq is in the
 * process is dlopen(RTLD_NOLOAD)'s answer. In order: a SQLite store leaves
 * libpq out; a missing libpq (BN_LIBPQ pointing nowhere) is BN_EUNAVAIL
 * with the fix and the password masked; a library that is not libpq is
 * refused by name; a later open, with libpq findable, loads it (a failed
 * load is not remembered) and reaches libpq's own connection error.
 * Exit 77 when built without the PostgreSQL backend.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounce.h"

#ifdef BN_WITH_POSTGRES

/* libpq_in_process - libpq.so.5 is mapped in this process */
static bool libpq_in_process(void)
{
    void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_NOLOAD);
    if (h)
        dlclose(h); /* drops the reference NOLOAD took */
    return h != NULL;
}

/* open_fails - open uri, expect BN_EUNAVAIL and a message with want */
static void open_fails(const char *uri, const char *want)
{
    bn_store *s = NULL;
    assert_int_equal(bn_store_open(&s, uri, NULL), BN_EUNAVAIL);
    const char *msg = bn_store_errmsg(s);
    if (!strstr(msg, want))
        fail_msg("'%s': message '%s' lacks '%s'", uri, msg, want);
    if (strstr(msg, "hunter2"))
        fail_msg("the password shows: %s", msg);
    bn_store_close(s);
}

/* test_sqlite_leaves_libpq_out - a SQLite list never loads libpq */
static void test_sqlite_leaves_libpq_out(void **state)
{
    (void)state;
    char dir[] = "/tmp/bn-pglib.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/list.db", dir);
    assert_false(libpq_in_process());
    bn_store *s = NULL;
    assert_int_equal(bn_store_open(&s, path, NULL), BN_OK);
    bn_store_close(s);
    assert_false(libpq_in_process());
    unlink(path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
}

/* test_missing - no libpq: the fix, for both forms of the uri */
static void test_missing(void **state)
{
    (void)state;
    setenv("BN_LIBPQ", "/nonexistent/dir/libpq.so.5", 1);
    const char *need = "PostgreSQL support needs libpq5: apt-get install libpq5";
    open_fails("postgresql://bounce:hunter2@db.invalid/bounce", need);
    open_fails("pg:host=db.invalid password=hunter2", need);
    open_fails("pg:", "/nonexistent/dir/libpq.so.5"); /* dlerror's reason */
    assert_false(libpq_in_process());
}

/* test_not_libpq - a library without libpq's functions is refused */
static void test_not_libpq(void **state)
{
    (void)state;
    setenv("BN_LIBPQ", "libsqlite3.so.0", 1);
    open_fails("pg:", "needs libpq 14 or newer");
    open_fails("pg:", "has no PQclear");
    assert_false(libpq_in_process());
}

/* test_loads_after_failure - with libpq findable, the next open loads it
 * and libpq itself reports the server that is not there */
static void test_loads_after_failure(void **state)
{
    (void)state;
    unsetenv("BN_LIBPQ");
    void *probe = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!probe)
        skip(); /* libpq5 is not installed on this machine */
    dlclose(probe);
    assert_false(libpq_in_process());
    open_fails("pg:host=/nonexistent/dir port=1 password=hunter2",
               "cannot connect to the PostgreSQL server");
    assert_true(libpq_in_process());
    /* and again, through the loaded table */
    open_fails("pg:host=/nonexistent/dir port=2", "cannot connect");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_leaves_libpq_out),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_not_libpq),
        cmocka_unit_test(test_loads_after_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void)
{
    puts("SKIP: built without the PostgreSQL backend");
    return 77;
}
#endif
