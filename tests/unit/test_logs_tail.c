/*
 * test_logs_tail.c - following a log across rotations (src/logs/log_tail.c)
 *
 * Each test writes numbered lines ("line 1\n", "line 2\n"...) into a log in
 * a fresh temporary directory, rotates it the way logrotate does (rename +
 * new file; copytruncate), stops and resumes from a saved position, and
 * checks that the lines handed out are exactly 1..N in order: none twice,
 * none missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounce.h"
#include "logs/log_tail.h"

typedef struct fx {
    char dir[256];
    char log[300];
    int next;     /* number of the next line to write */
    int seen;     /* last line number read */
    int seen_n;   /* lines read */
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/bn-tail-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->log, sizeof(f->log), "%s/mail.log", f->dir);
    f->next = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    bn_tail_set_clock(NULL);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* append - write n numbered lines to path (creating it) */
static void append(fx *f, const char *path, int n)
{
    FILE *out = fopen(path, "a");
    assert_non_null(out);
    for (int i = 0; i < n; i++)
        fprintf(out, "line %d\n", f->next++);
    fclose(out);
}

/* append_raw - write text as it is (a line cut before its newline) */
static void append_raw(const char *path, const char *text)
{
    FILE *out = fopen(path, "a");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

/* create_empty - logrotate's create: a new, empty file under the name */
static void create_empty(const char *path)
{
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fclose(out);
}

/* grace_over - a clock past the grace period of a file written just now */
static int64_t grace_over(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + BN_TAIL_GRACE_MS + 1000;
}

/* check_lines - every complete line of (p, n) must be the next number */
static size_t check_lines(fx *f, const char *p, size_t n, bool eof)
{
    size_t used = 0;
    while (used < n) {
        const char *nl = memchr(p + used, '\n', n - used);
        if (!nl && !eof)
            break;
        size_t len = nl ? (size_t)(nl - p - used) : n - used;
        int num = 0;
        assert_true(len > 5 && memcmp(p + used, "line ", 5) == 0);
        num = atoi(p + used + 5);
        if (num != f->seen + 1)
            fail_msg("read line %d after line %d", num, f->seen);
        f->seen = num;
        f->seen_n++;
        used += len + (nl ? 1 : 0);
    }
    return used;
}

/* drain - read until the tail has nothing new (follow) or ends */
static void drain(fx *f, bn_tail *t)
{
    for (int rounds = 0; rounds < 1000; rounds++) {
        bn_tail_state st;
        const char *p;
        size_t n;
        bool eof;
        assert_int_equal(bn_tail_read(t, &st, &p, &n, &eof), BN_OK);
        if (st == BN_TAIL_DATA) {
            bn_tail_consume(t, check_lines(f, p, n, eof));
            continue;
        }
        /* idle twice in a row means really nothing new (a switch of file
           reports idle once, then has data) */
        assert_int_equal(bn_tail_read(t, &st, &p, &n, &eof), BN_OK);
        if (st == BN_TAIL_DATA) {
            bn_tail_consume(t, check_lines(f, p, n, eof));
            continue;
        }
        return;
    }
    fail_msg("tail did not settle");
}

static void test_follow_grow(void **state)
{
    fx *f = *state;
    bn_tail *t;
    append(f, f->log, 10);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 10);
    append(f, f->log, 5);
    drain(f, t);
    assert_int_equal(f->seen, 15);
    bn_tailpos pos;
    bn_tail_pos(t, &pos);
    assert_int_equal(pos.line, 15);
    assert_int_equal(pos.offset, 9 * 7 + 6 * 8); /* "line 1\n".."line 9\n", then 8 bytes */
    bn_tail_free(t);
}

/* a partial last line waits for its newline */
static void test_partial_line(void **state)
{
    fx *f = *state;
    bn_tail *t;
    append(f, f->log, 3);
    FILE *out = fopen(f->log, "a");
    fputs("line 4", out);
    fclose(out);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 3);
    out = fopen(f->log, "a");
    fputs("\n", out);
    fclose(out);
    f->next = 5;
    drain(f, t);
    assert_int_equal(f->seen, 4);
    bn_tail_free(t);
}

/* logrotate's default: rename, then the writer creates a new file */
static void test_rotate_rename(void **state)
{
    fx *f = *state;
    bn_tail *t;
    char old[400];
    snprintf(old, sizeof(old), "%s.1", f->log);
    append(f, f->log, 20);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    append(f, f->log, 5); /* not read yet when the rename happens */
    assert_int_equal(rename(f->log, old), 0);
    append(f, old, 3);    /* the writer has not reopened yet */
    drain(f, t);          /* the new name does not exist yet: keep the old */
    assert_int_equal(f->seen, 28);
    append(f, f->log, 7); /* the writer reopened: a new file */
    drain(f, t);
    assert_int_equal(f->seen, 35);
    bn_tail_stats ts;
    bn_tail_stats_get(t, &ts);
    assert_int_equal(ts.rotations, 1);
    bn_tailpos pos;
    bn_tail_pos(t, &pos);
    assert_int_equal(pos.line, 7);
    bn_tail_free(t);
}

/* copytruncate: the file is copied, then cut to zero and written again */
static void test_copytruncate(void **state)
{
    fx *f = *state;
    bn_tail *t;
    append(f, f->log, 20);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(truncate(f->log, 0), 0);
    append(f, f->log, 4);
    drain(f, t);
    assert_int_equal(f->seen, 24);
    /* truncated again, then more written than had been read: the head of
       the file tells */
    bn_tailpos pos;
    bn_tail_pos(t, &pos);
    assert_int_equal(truncate(f->log, 0), 0);
    append(f, f->log, 30);
    drain(f, t);
    assert_int_equal(f->seen, 54);
    bn_tail_stats ts;
    bn_tail_stats_get(t, &ts);
    assert_int_equal(ts.truncations, 2);
    bn_tail_free(t);
}

/* stop and resume from the saved position: nothing twice, nothing missed */
static void test_resume(void **state)
{
    fx *f = *state;
    bn_tail *t;
    bn_tailpos pos;
    append(f, f->log, 10);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    bn_tail_pos(t, &pos);
    bn_tail_free(t);
    append(f, f->log, 10); /* written while stopped */
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, &pos), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 20);
    assert_int_equal(f->seen_n, 20);
    bn_tail_stats ts;
    bn_tail_stats_get(t, &ts);
    assert_int_equal(ts.resumed, 1);
    bn_tail_free(t);
}

/* rotated while stopped: the rest of the old file first, then the new one */
static void test_resume_after_rotation(void **state)
{
    fx *f = *state;
    bn_tail *t;
    bn_tailpos pos;
    char old[400];
    snprintf(old, sizeof(old), "%s-20261130", f->log);
    append(f, f->log, 10);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    bn_tail_pos(t, &pos);
    bn_tail_free(t);
    append(f, f->log, 5);
    assert_int_equal(rename(f->log, old), 0);
    append(f, f->log, 6);
    /* one-shot reading resumes too */
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_SAVED, &pos), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 21);
    assert_int_equal(f->seen_n, 21);
    bn_tail_free(t);
}

/*
 * logrotate create + postrotate reload: the new file exists (empty) before
 * the writer reopens, and the writer goes on a while through its old
 * descriptor; the tail stays on the old file until the new one has bytes
 */
static void test_rotate_create_late_writes(void **state)
{
    fx *f = *state;
    bn_tail *t;
    bn_tail_stats ts;
    char old[400];
    snprintf(old, sizeof(old), "%s.1", f->log);
    append(f, f->log, 10);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(rename(f->log, old), 0);
    create_empty(f->log);
    drain(f, t);
    append(f, old, 3); /* before syslog reopens */
    drain(f, t);
    assert_int_equal(f->seen, 13);
    bn_tail_stats_get(t, &ts);
    assert_int_equal(ts.rotations, 0);
    append(f, old, 2); /* the last ones, then the reopened writer's */
    append(f, f->log, 3);
    drain(f, t);
    assert_int_equal(f->seen, 18);
    assert_int_equal(f->seen_n, 18);
    bn_tail_stats_get(t, &ts);
    assert_int_equal(ts.rotations, 1);
    bn_tailpos pos;
    bn_tail_pos(t, &pos);
    assert_int_equal(pos.line, 3);
    bn_tail_free(t);
}

/* the writer finishes the old file's last line after the new file appeared:
   it is read whole, not cut at the rotation */
static void test_rotate_partial_finished_late(void **state)
{
    fx *f = *state;
    bn_tail *t;
    char old[400];
    snprintf(old, sizeof(old), "%s.1", f->log);
    append(f, f->log, 3);
    append_raw(f->log, "lin");
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(rename(f->log, old), 0);
    create_empty(f->log);
    drain(f, t);
    assert_int_equal(f->seen, 3);
    append_raw(old, "e 4\n");
    f->next = 5;
    append(f, old, 1);
    append(f, f->log, 2);
    drain(f, t);
    assert_int_equal(f->seen, 7);
    assert_int_equal(f->seen_n, 7);
    bn_tail_free(t);
}

/* the writer never comes back to the old file: after the grace period the
   tail moves on, and only then is its unterminated last line a line */
static void test_rotate_quiet_old(void **state)
{
    fx *f = *state;
    bn_tail *t;
    bn_tail_stats ts;
    char old[400];
    snprintf(old, sizeof(old), "%s.1", f->log);
    append(f, f->log, 3);
    append_raw(f->log, "line 4");
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(rename(f->log, old), 0);
    create_empty(f->log);
    drain(f, t);
    assert_int_equal(f->seen, 3);
    bn_tail_stats_get(t, &ts);
    assert_int_equal(ts.rotations, 0);
    bn_tail_set_clock(grace_over);
    drain(f, t);
    assert_int_equal(f->seen, 4);
    bn_tail_stats_get(t, &ts);
    assert_int_equal(ts.rotations, 1);
    f->next = 5;
    append(f, f->log, 2);
    drain(f, t);
    assert_int_equal(f->seen, 6);
    bn_tailpos pos;
    bn_tail_pos(t, &pos);
    assert_int_equal(pos.line, 2);
    bn_tail_free(t);
}

/*
 * one-shot runs (cron) across a rotation that happened while the last line
 * was being written: a run that finds the new file empty and the old one
 * just written stops in the old file; the next one finishes it, then reads
 * the new file
 */
static void test_oneshot_rotated_partial(void **state)
{
    fx *f = *state;
    bn_tail *t;
    bn_tailpos pos;
    char old[400];
    snprintf(old, sizeof(old), "%s.1", f->log);
    append(f, f->log, 3);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_SAVED, NULL), BN_OK);
    drain(f, t);
    bn_tail_pos(t, &pos);
    bn_tail_free(t);
    append_raw(f->log, "lin");
    assert_int_equal(rename(f->log, old), 0);
    create_empty(f->log);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_SAVED, &pos), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 3);
    bn_tail_pos(t, &pos);
    assert_int_equal(pos.offset, 3 * 7);
    bn_tail_free(t);
    append_raw(old, "e 4\n");
    f->next = 5;
    append(f, old, 1);
    append(f, f->log, 2);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_SAVED, &pos), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 7);
    assert_int_equal(f->seen_n, 7);
    bn_tail_pos(t, &pos);
    assert_int_equal(pos.line, 2);
    bn_tail_free(t);
}

/* ...and when the old file stays unfinished past the grace period, its
   last line is read as it is and the run goes on in the new file */
static void test_oneshot_rotated_quiet(void **state)
{
    fx *f = *state;
    bn_tail *t;
    bn_tailpos pos;
    char old[400];
    snprintf(old, sizeof(old), "%s.1", f->log);
    append(f, f->log, 3);
    append_raw(f->log, "line 4");
    assert_int_equal(rename(f->log, old), 0);
    create_empty(f->log);
    bn_tail_set_clock(grace_over);
    assert_int_equal(bn_tail_open(&t, old, BN_TAIL_SAVED, NULL), BN_OK);
    drain(f, t); /* old is read as the log itself: it is not rotated away */
    assert_int_equal(f->seen, 3);
    bn_tail_pos(t, &pos);
    bn_tail_free(t);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_SAVED, &pos), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 4);
    f->next = 5;
    append(f, f->log, 2);
    drain(f, t);
    assert_int_equal(f->seen, 6);
    bn_tail_free(t);
}

/* the saved inode now belongs to another file: start the log over */
static void test_resume_inode_reused(void **state)
{
    fx *f = *state;
    bn_tail *t;
    bn_tailpos pos;
    append(f, f->log, 10);
    assert_int_equal(bn_tail_open(&t, f->log, 0, NULL), BN_OK);
    drain(f, t);
    bn_tail_pos(t, &pos);
    bn_tail_free(t);
    /* same inode, other content (rewritten in place), longer than before */
    FILE *out = fopen(f->log, "w");
    for (int i = 101; i <= 112; i++)
        fprintf(out, "line %d\n", i);
    fclose(out);
    f->seen = 100;
    assert_int_equal(bn_tail_open(&t, f->log, 0, &pos), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 112);
    bn_tail_stats ts;
    bn_tail_stats_get(t, &ts);
    assert_int_equal(ts.lost_resume, 1);
    bn_tail_free(t);
}

/*
 * one-shot with the position saved (cron): the last line is still being
 * written, so it is left for the next run, which reads it whole
 */
static void test_oneshot_partial_saved(void **state)
{
    fx *f = *state;
    bn_tail *t;
    bn_tailpos pos;
    append(f, f->log, 3);
    append_raw(f->log, "lin"); /* line 4, cut */
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_SAVED, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 3);
    bn_tail_pos(t, &pos);
    assert_int_equal(pos.offset, 3 * 7);
    assert_int_equal(pos.line, 3);
    bn_tail_free(t);
    append_raw(f->log, "e 4\nline 5\n");
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_SAVED, &pos), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 5);
    assert_int_equal(f->seen_n, 5);
    bn_tail_pos(t, &pos);
    assert_int_equal(pos.offset, 5 * 7);
    bn_tail_free(t);
}

/* one-shot with nothing saved (an archived file, stdin): nobody will ever
   read on, so an unterminated last line is complete and read */
static void test_oneshot_partial_unsaved(void **state)
{
    fx *f = *state;
    bn_tail *t;
    append(f, f->log, 3);
    append_raw(f->log, "line 4");
    assert_int_equal(bn_tail_open(&t, f->log, 0, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 4);
    bn_tail_free(t);
}

/* following a file that does not exist yet; one-shot on it fails */
static void test_missing_file(void **state)
{
    fx *f = *state;
    bn_tail *t;
    assert_int_equal(bn_tail_open(&t, f->log, 0, NULL), BN_EIO);
    assert_int_equal(bn_tail_open(&t, f->log, BN_TAIL_FOLLOW, NULL), BN_OK);
    drain(f, t);
    assert_int_equal(f->seen, 0);
    append(f, f->log, 3);
    drain(f, t);
    assert_int_equal(f->seen, 3);
    bn_tail_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_follow_grow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_create_late_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_partial_finished_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_quiet_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copytruncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_after_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneshot_rotated_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneshot_rotated_quiet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_inode_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneshot_partial_saved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneshot_partial_unsaved, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
