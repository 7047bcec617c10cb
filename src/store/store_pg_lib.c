/*
 * store_pg_lib.c - libpq, opened when the first PostgreSQL store is
 *
 * Linking libpq mapped and relocated it and its dependency tree (OpenSSL,
 * GnuTLS, Kerberos, LDAP, SASL: about 20 libraries, 5 MB of RSS) at the
 * start of every bounce process, though most (`bounce parse`, `check`
 * against SQLite) never open a PostgreSQL list. So the backend calls libpq
 * through bn_pq, a table filled here with dlopen/dlsym the first time a
 * PostgreSQL store is opened; the library stays loaded for the rest of
 * the process (unloading OpenSSL under a live process is not safe, and a
 * later store would load it again).
 *
 * Where libpq is looked for:
 *   1. $BN_LIBPQ, when set (a path or a file name): that one only, so a
 *      user's choice is never silently replaced by another libpq (ignored
 *      in a set-id process: the caller must not pick its code);
 *   2. the soname BN_LIBPQ_SONAME ("libpq.so.5"), through the usual
 *      search path (ld.so.cache, LD_LIBRARY_PATH);
 *   3. the same name in BN_LIBPQ_LIBDIR, the directory libpq was found in
 *      at build time (e.g. /usr/pgsql-16/lib, outside the cache).
 * libpq 14 or newer is needed (pipeline mode).
 */
#define BN_PQ_LOADER 1 /* store_pg.h: no call macros in this file */

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_pg.h"

#ifndef BN_LIBPQ_SONAME
#define BN_LIBPQ_SONAME "libpq.so.5"
#endif

/* The table, filled under load_lock by the first load that succeeds and
 * read-only afterwards (a store's calls come after its bn_pq_load). A
 * failed load is tried again by the next open, so that a long-running
 * process sees a libpq installed after it started. */
bn_pq_api bn_pq;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static bool loaded;

/* open_named - dlopen one candidate; the handle or NULL with dlerror()
 * kept in why. RTLD_LAZY as when it was linked: libpq's own calls into
 * OpenSSL, Kerberos... bind on first use (our functions are looked up by
 * resolve); RTLD_LOCAL keeps its symbols out of the global scope. */
static void *open_named(const char *name, char *why, size_t size)
{
    void *h = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(why, size, "%s", e ? e : "dlopen failed");
    }
    return h;
}

/* open_libpq - the first candidate that opens (see the top of the file) */
static void *open_libpq(char *why, size_t size)
{
    /* a set-id program must not load a library the caller names */
    bool set_id = getuid() != geteuid() || getgid() != getegid();
    const char *env = set_id ? NULL : getenv("BN_LIBPQ");
    if (env && *env)
        return open_named(env, why, size);
    void *h = open_named(BN_LIBPQ_SONAME, why, size);
#ifdef BN_LIBPQ_LIBDIR
    if (!h) {
        char path[1024], why2[256];
        snprintf(path, sizeof path, "%s/%s", BN_LIBPQ_LIBDIR, BN_LIBPQ_SONAME);
        h = open_named(path, why2, sizeof why2);
    }
#endif
    return h;
}

/* resolve - every function of the table; the name of a missing one */
static const char *resolve(void *h)
{
    const char *missing = NULL;
    /* the cast is POSIX's: dlsym's object pointer is the function's */
#define BN_PQ_RESOLVE(f)                                                       \
    if (!(bn_pq.f = (__typeof__(bn_pq.f))dlsym(h, #f)) && !missing)           \
        missing = #f;
    BN_PQ_FUNCS(BN_PQ_RESOLVE)
#undef BN_PQ_RESOLVE
    return missing;
}

/* lib_version - PQlibVersion() of the opened library as text: 140005 is
 * 14.5, 90624 (before 10) 9.6.24 */
static void lib_version(void *h, char *out, size_t size)
{
    int (*fn)(void) = (int (*)(void))dlsym(h, "PQlibVersion");
    int v = fn ? fn() : 0;
    if (v >= 100000)
        snprintf(out, size, "%d.%d", v / 10000, v % 10000);
    else if (v > 0)
        snprintf(out, size, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
    else
        snprintf(out, size, "unknown");
}

/* load - open and resolve; false with the reason in err */
static bool load(char *err, size_t size)
{
    char why[300];
    void *h = open_libpq(why, sizeof why);
    if (!h) {
        snprintf(err, size, "PostgreSQL support needs libpq5: apt-get install "
                 "libpq5 (%s)", why);
        return false;
    }
    const char *missing = resolve(h);
    if (!missing)
        return true;
    char v[32];
    lib_version(h, v, sizeof v);
    snprintf(err, size, "PostgreSQL support needs libpq 14 or newer: the libpq "
             "found (version %s) has no %s; apt-get install libpq5", v, missing);
    memset(&bn_pq, 0, sizeof bn_pq);
    dlclose(h);
    return false;
}

/* bn_pq_load - open libpq unless this process already has */
int bn_pq_load(char *err, size_t size)
{
    pthread_mutex_lock(&load_lock);
    if (!loaded)
        loaded = load(err, size);
    bool ok = loaded;
    pthread_mutex_unlock(&load_lock);
    return ok ? BN_OK : BN_EUNAVAIL;
}
