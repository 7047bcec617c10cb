/* test_input.c - bn_source: files, directory walks, Maildir, mbox names, errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce.h"
#include "core/alloc.h"

static char root[256];

/* put_file - write a file under root */
static void put_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* put_dir - make a directory under root */
static void put_dir(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

#define FROM1 "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"

/* setup - a tree with plain files, an mbox, a Maildir and a broken link */
static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/bn_test_input_XXXXXX");
    if (!mkdtemp(root))
        return -1;
    put_file("b.eml", "Subject: b\n\nb\n");
    put_file("a.eml", "Subject: a\n\na\n");
    put_file(".hidden", "Subject: hidden\n\n");
    put_dir("sub");
    put_file("sub/c.mbox", FROM1 "Subject: c1\n\n>From c\n\n" FROM1 "Subject: c2\n");
    put_file("sub/one.mbox", FROM1 "Subject: one\n");
    put_dir("md");
    put_dir("md/cur");
    put_dir("md/new");
    put_dir("md/tmp");
    put_file("md/cur/1", "Subject: cur\n\n");
    put_file("md/new/2", "Subject: new\n\n");
    put_file("md/tmp/3", "Subject: tmp\n\n");
    put_file("md/dovecot-uidlist", "3 V1 N1\n");
    put_dir("md/.Sent");
    put_dir("md/.Sent/cur");
    put_dir("md/.Sent/new");
    put_dir("md/.Sent/tmp");
    put_file("md/.Sent/cur/4", "Subject: sent\n\n");
    char link[512];
    snprintf(link, sizeof(link), "%s/broken", root);
    return symlink("/nonexistent/bn-test", link);
}

/* teardown - remove the tree */
static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct want_item {
    const char *name; /* relative to root */
    const char *text; /* message, or NULL for an error item */
} want_item;

/* check_items - the source yields exactly these items in this order */
static void check_items(bn_source *s, const want_item *want, size_t n)
{
    bn_source_msg m;
    size_t i = 0;
    char name[600];
    for (; bn_source_next(s, &m); i++) {
        if (i >= n)
            fail_msg("extra item %s", m.name);
        snprintf(name, sizeof(name), "%s/%s", root, want[i].name);
        if (want[i].name[0] == '/')
            snprintf(name, sizeof(name), "%s", want[i].name);
        if (strcmp(m.name, name) != 0)
            fail_msg("item %zu is %s, want %s", i, m.name, name);
        if (!want[i].text) {
            if (m.err == BN_OK || !m.why || !*m.why)
                fail_msg("item %zu (%s) should be an error with a reason", i, m.name);
            continue;
        }
        assert_int_equal(m.err, BN_OK);
        if (m.len != strlen(want[i].text) || memcmp(m.buf, want[i].text, m.len) != 0)
            fail_msg("item %zu (%s) is [%.*s]", i, m.name, (int)m.len, m.buf);
    }
    assert_int_equal(i, n);
}

/* test_walk - sorted, recursive, Maildir-aware, errors inline */
static void test_walk(void **state)
{
    (void)state;
    static const want_item want[] = {
        {"a.eml", "Subject: a\n\na\n"},
        {"b.eml", "Subject: b\n\nb\n"},
        {"broken", NULL},
        {"md/.Sent/cur/4", "Subject: sent\n\n"},
        {"md/cur/1", "Subject: cur\n\n"},
        {"md/new/2", "Subject: new\n\n"},
        {"sub/c.mbox:1", "Subject: c1\n\nFrom c\n"},
        {"sub/c.mbox:2", "Subject: c2\n"},
        {"sub/one.mbox", "Subject: one\n"},
    };
    bn_source *s;
    assert_int_equal(bn_source_new(&s, 0), BN_OK);
    assert_int_equal(bn_source_add(s, root), BN_OK);
    check_items(s, want, sizeof(want) / sizeof(want[0]));
    bn_source_free(s);
}

/* test_paths_in_order - paths as given, a missing one reported, the run goes on */
static void test_paths_in_order(void **state)
{
    (void)state;
    static const want_item want[] = {
        {"sub/one.mbox", "Subject: one\n"},
        {"missing.eml", NULL},
        {"md/new", NULL}, /* placeholder, replaced below */
    };
    char p1[512], p2[512], p3[512];
    snprintf(p1, sizeof(p1), "%s/sub/one.mbox", root);
    snprintf(p2, sizeof(p2), "%s/missing.eml", root);
    snprintf(p3, sizeof(p3), "%s/md/new/", root); /* trailing slash: no "//" */
    bn_source *s;
    assert_int_equal(bn_source_new(&s, 0), BN_OK);
    assert_int_equal(bn_source_add(s, p1), BN_OK);
    assert_int_equal(bn_source_add(s, p2), BN_OK);
    assert_int_equal(bn_source_add(s, p3), BN_OK);
    want_item w[3] = {want[0], want[1], {"md/new/2", "Subject: new\n\n"}};
    check_items(s, w, 3);
    bn_source_free(s);
    assert_int_equal(bn_source_add(NULL, "x"), BN_EINVAL);
}

/* test_truncation - a message past the cap is cut and flagged */
static void test_truncation(void **state)
{
    (void)state;
    char p[512];
    bn_source_msg m;
    snprintf(p, sizeof(p), "%s/a.eml", root);
    bn_source *s;
    assert_int_equal(bn_source_new(&s, 5), BN_OK);
    assert_int_equal(bn_source_add(s, p), BN_OK);
    assert_true(bn_source_next(s, &m));
    assert_int_equal(m.err, BN_OK);
    assert_int_equal(m.len, 5);
    assert_memory_equal(m.buf, "Subje", 5);
    assert_true(m.truncated);
    assert_false(bn_source_next(s, &m));
    bn_source_free(s);
}

/* walk_all - walk the tree; items seen, errors counted apart */
static size_t walk_all(size_t *errors)
{
    bn_source *s;
    bn_source_msg m;
    size_t items = 0;
    *errors = 0;
    if (bn_source_new(&s, 0) != BN_OK)
        return 0;
    if (bn_source_add(s, root) == BN_OK)
        while (bn_source_next(s, &m)) {
            items++;
            *errors += m.err != BN_OK;
        }
    bn_source_free(s);
    return items;
}

/* test_alloc_failures - every allocation failing in turn: no crash, no leak
 * (ASan checks at exit), failures reported as items, and the walk ends */
static void test_alloc_failures(void **state)
{
    (void)state;
    size_t errors, items;
    for (long n = 0; n < 400; n++) {
        bn_alloc_fail_after(n);
        items = walk_all(&errors);
        long used = bn_alloc_fail_after(-1);
        if (used <= n) { /* nothing failed: the full answer */
            assert_int_equal(items, 9);
            assert_int_equal(errors, 1);
            return;
        }
    }
    fail_msg("still failing after 400 allocations");
}

/* test_symlink_loop - a link to a parent is reported once, the walk ends */
static void test_symlink_loop(void **state)
{
    (void)state;
    char dir[512], link1[600], link2[600];
    snprintf(dir, sizeof(dir), "%s/loop", root);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(link1, sizeof(link1), "%s/a", dir);
    snprintf(link2, sizeof(link2), "%s/b", dir);
    assert_int_equal(symlink("..", link1), 0);
    assert_int_equal(symlink(".", link2), 0);
    bn_source *s;
    bn_source_msg m;
    size_t items = 0, errors = 0;
    assert_int_equal(bn_source_new(&s, 0), BN_OK);
    assert_int_equal(bn_source_add(s, dir), BN_OK);
    while (bn_source_next(s, &m) && items < 10000) {
        items++;
        errors += m.err != BN_OK;
    }
    bn_source_free(s);
    /* loop/a is the root: its 9 items (one the broken link), then
     * root/loop is the directory being walked: a loop error; loop/b is
     * loop itself: another loop error */
    assert_int_equal(items, 11);
    assert_int_equal(errors, 3);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_paths_in_order),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_symlink_loop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
