/* test_mbox.c - the streaming mbox splitter (input/mbox.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "bounce.h"
#include "core/alloc.h"
#include "input/input.h"

/* A reader over memory that hands out at most step bytes per call. */
typedef struct mem_reader {
    const char *p;
    size_t n, pos, step;
} mem_reader;

/* mem_read - bn_read_fn over a mem_reader */
static long mem_read(void *ctx, char *buf, size_t n)
{
    mem_reader *r = ctx;
    size_t k = r->n - r->pos;
    if (k > n)
        k = n;
    if (k > r->step)
        k = r->step;
    memcpy(buf, r->p + r->pos, k);
    r->pos += k;
    return (long)k;
}

#define MAXMSG 4
typedef struct split_case {
    const char *name;
    const char *in;
    size_t max;                /* 0: 1 MiB */
    unsigned count;
    const char *want[MAXMSG];  /* expected messages */
    bool trunc[MAXMSG];
} split_case;

#define FROM1 "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n"
#define FROM2 "From bob@example.org Tue Jan  2 10:11:12 2024\n"
/* a line longer than the vector search's 66-byte step */
#define LONG "Final-Recipient: rfc822; a-rather-long-address-for-a-line@example.org xx"

static const split_case cases[] = {
    {"plain message", "Subject: x\n\nbody\n", 0, 1, {"Subject: x\n\nbody\n"}, {0}},
    {"empty input", "", 0, 1, {""}, {0}},
    {"two messages", FROM1 "S: 1\n\nbody1\n\n" FROM2 "S: 2\n\nbody2\n", 0, 2,
     {"S: 1\n\nbody1\n", "S: 2\n\nbody2\n"}, {0}},
    {"From_ not after blank line", FROM1 "S: 1\n\nline\n" FROM2 "more\n", 0, 1,
     {"S: 1\n\nline\n" FROM2 "more\n"}, {0}},
    {"exact separator without blank line", FROM1 "S: 1\n\nline\n" FROM2 "S: 2\n\nb2\n", 0, 2,
     {"S: 1\n\nline\n", "S: 2\n\nb2\n"}, {0}},
    {"exact separator with zone and spaces", FROM1 "S: 1\n\nx\n"
     "From a@b.example  Thu Jul  2 12:05:05 EDT 2020\nS: 2\n\ny\n", 0, 2,
     {"S: 1\n\nx\n", "S: 2\n\ny\n"}, {0}},
    {"separator shape but body follows", FROM1 "S: 1\n\nline\n" FROM2 "see above\n", 0, 1,
     {"S: 1\n\nline\n" FROM2 "see above\n"}, {0}},
    {"From without date shape", FROM1 "S: 1\n\nFrom here on we talk\n", 0, 1,
     {"S: 1\n\nFrom here on we talk\n"}, {0}},
    {"mboxrd unquoting", FROM1 "S: 1\n\n>From x\n>>From y\n>not from\n", 0, 1,
     {"S: 1\n\nFrom x\n>From y\n>not from\n"}, {0}},
    {"mboxrd unquoting of the first line", FROM1 ">From x\n\nb\n\n" FROM2 ">>From y\n", 0, 2,
     {"From x\n\nb\n", ">From y\n"}, {0}},
    {"no unquoting outside mbox", "S: 1\n\n>From x\n", 0, 1, {"S: 1\n\n>From x\n"}, {0}},
    {"no split outside mbox", "S: 1\n\n" FROM2 "S: 2\n", 0, 1, {"S: 1\n\n" FROM2 "S: 2\n"}, {0}},
    {"CRLF", "From a@b Mon Jan  1 00:00:00 2024\r\nS: 1\r\n\r\nb\r\n\r\n"
             "From c@d Mon Jan  1 00:00:01 2024\r\nS: 2\r\n", 0, 2,
     {"S: 1\r\n\r\nb\r\n", "S: 2\r\n"}, {0}},
    {"blank line with CR counts", FROM1 "S: 1\n\r\n" FROM2 "S: 2\n", 0, 2,
     {"S: 1\n\r\n", "S: 2\n"}, {0}},
    {"truncated message", FROM1 "S: 1\n\n0123456789abcdef\n\n" FROM2 "S: 2\n", 10, 2,
     {"S: 1\n\n0123", "S: 2\n"}, {true, false}},
    {"three, last without newline", FROM1 "a\n\n" FROM2 "b\n\n" FROM1 "c", 0, 3,
     {"a\n", "b\n", "c"}, {0}},
    {"From_ line last", FROM1 "a\n\n" FROM2, 0, 2, {"a\n", ""}, {0}},
    {"long lines: From_ after text, then after an empty CRLF line",
     FROM1 "S: 1\n\n" LONG "\nFrom x 12:00\n" LONG "\r\n\r\n" FROM2 "S: 2\n", 0, 2,
     {"S: 1\n\n" LONG "\nFrom x 12:00\n" LONG "\r\n", "S: 2\n"}, {0}},
};

/* run_case - split one case with reads of step bytes and compare */
static void run_case(const split_case *c, size_t step)
{
    mem_reader r = {c->in, strlen(c->in), 0, step};
    bn_mbox m;
    const char *buf;
    size_t len;
    bool trunc, more;
    unsigned got = 0;
    bn_mbox_init(&m, mem_read, &r, c->max ? c->max : 1u << 20);
    while (bn_mbox_next(&m, &buf, &len, &trunc, &more) == BN_OK) {
        if (got >= c->count)
            fail_msg("%s (step %zu): more than %u messages", c->name, step, c->count);
        if (len != strlen(c->want[got]) || memcmp(buf, c->want[got], len) != 0)
            fail_msg("%s (step %zu): message %u is [%.*s]", c->name, step, got, (int)len, buf);
        if (trunc != c->trunc[got])
            fail_msg("%s (step %zu): message %u truncated=%d", c->name, step, got, trunc);
        if (more != (got + 1 < c->count))
            fail_msg("%s (step %zu): message %u more=%d", c->name, step, got, more);
        got++;
    }
    if (got != c->count)
        fail_msg("%s (step %zu): %u messages, want %u", c->name, step, got, c->count);
    bn_mbox_free(&m);
}

/* test_split_cases - every case, with reads of 1, 3, 7 and many bytes */
static void test_split_cases(void **state)
{
    (void)state;
    static const size_t steps[] = {1, 3, 7, 1u << 20};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        for (size_t s = 0; s < 4; s++)
            run_case(&cases[i], steps[s]);
}

/* An endless generated stream: nmsg messages of body bytes each. */
typedef struct gen_reader {
    unsigned long nmsg, i;
    size_t body, off;
    char cur[8192];
    size_t cur_len;
} gen_reader;

/* gen_read - produce the next bytes of the generated mbox */
static long gen_read(void *ctx, char *buf, size_t n)
{
    gen_reader *g = ctx;
    if (g->off == g->cur_len) {
        if (g->i == g->nmsg)
            return 0;
        int k = snprintf(g->cur, sizeof(g->cur), FROM1 "Subject: %lu\n\n", g->i++);
        memset(g->cur + k, 'x', g->body);
        g->cur[k + g->body] = '\n';
        g->cur[k + g->body + 1] = '\n';
        g->cur_len = (size_t)k + g->body + 2;
        g->off = 0;
    }
    size_t k = g->cur_len - g->off < n ? g->cur_len - g->off : n;
    memcpy(buf, g->cur + g->off, k);
    g->off += k;
    return (long)k;
}

/* test_bounded_memory - 20 MB of mbox: every message found, buffers stay small */
static void test_bounded_memory(void **state)
{
    (void)state;
    gen_reader g = {.nmsg = 5000, .body = 4000};
    bn_mbox m;
    const char *buf;
    size_t len;
    bool trunc, more;
    unsigned long count = 0;
    bn_mbox_init(&m, gen_read, &g, 1u << 20);
    while (bn_mbox_next(&m, &buf, &len, &trunc, &more) == BN_OK) {
        char want[32];
        int k = snprintf(want, sizeof(want), "Subject: %lu\n", count);
        assert_memory_equal(buf, want, (size_t)k);
        assert_int_equal(len, (size_t)k + 1 + 4000 + 1);
        count++;
    }
    assert_int_equal(count, 5000);
    assert_true(m.msg_cap <= 8192);
    bn_mbox_free(&m);
}

/* Endless line: 'From ' and then bytes without a newline, 8 MB of them. */
typedef struct endless {
    const char *head;
    size_t head_len, sent, total;
} endless;

/* endless_read - the head, then 'x' up to total bytes */
static long endless_read(void *ctx, char *buf, size_t n)
{
    endless *e = ctx;
    size_t k = 0;
    while (k < n && e->sent < e->total) {
        buf[k++] = e->sent < e->head_len ? e->head[e->sent] : 'x';
        e->sent++;
    }
    return (long)k;
}

/* split_endless - count messages of an endless-line stream, with max 64 KiB */
static unsigned split_endless(const char *head, bool *any_trunc, size_t *cap)
{
    endless e = {head, strlen(head), 0, 8u << 20};
    bn_mbox m;
    const char *buf;
    size_t len;
    bool trunc, more;
    unsigned count = 0;
    *any_trunc = false;
    bn_mbox_init(&m, endless_read, &e, 64u << 10);
    while (bn_mbox_next(&m, &buf, &len, &trunc, &more) == BN_OK) {
        count++;
        *any_trunc |= trunc;
    }
    *cap = m.msg_cap;
    bn_mbox_free(&m);
    return count;
}

/* test_endless_from_line - neither hangs nor grows past the cap */
static void test_endless_from_line(void **state)
{
    (void)state;
    bool trunc;
    size_t cap;
    /* not a From_ line (no date): one message, truncated at the cap */
    assert_int_equal(split_endless("From ", &trunc, &cap), 1);
    assert_true(trunc);
    assert_true(cap <= 64u << 10);
    /* a real From_ line that never ends, after a first message: skipped */
    assert_int_equal(split_endless(FROM1 "S: 1\n\nFrom a@b Mon Jan  1 00:00:00 2024 ",
                                   &trunc, &cap), 2);
    assert_false(trunc);
}

/* test_is_from_line - the shape of a separator */
static void test_is_from_line(void **state)
{
    (void)state;
    assert_true(bn_mbox_is_from_line(FROM1, strlen(FROM1)));
    assert_true(bn_mbox_is_from_line("From a@b Sat Apr  7 11:57:53 2012", 33));
    assert_false(bn_mbox_is_from_line("From: a@b", 9));
    assert_false(bn_mbox_is_from_line("From  a 12:00", 13));
    assert_false(bn_mbox_is_from_line("From here on\n12:00", 18));
    assert_false(bn_mbox_is_from_line("Fro", 3));
    assert_true(bn_mbox_is_from_line("From a x 9:05\n", 14));
    assert_true(bn_mbox_is_from_line("From a :1 a:22 2:345 z\n", 23));
    assert_false(bn_mbox_is_from_line("From a 1:2 x\n", 13));
    assert_false(bn_mbox_is_from_line("From a 12:3\n45", 15));
    assert_false(bn_mbox_is_from_line("From 12:30\n", 11)); /* the address is no time */
    assert_false(bn_mbox_is_from_line("From a 1:23", 11)); /* a byte must follow */
}

/* ref_from_line - bn_mbox_is_from_line as a plain byte loop, the reference
   for test_from_line_random */
static bool ref_from_line(const char *p, size_t n)
{
    size_t i = 5;
    if (n < 5 || memcmp(p, "From ", 5) != 0 || i >= n || p[i] == ' ' || p[i] == '\t' ||
        p[i] == '\n' || p[i] == '\r')
        return false;
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
        i++;
    for (; i + 4 < n && p[i] != '\n'; i++)
        if (p[i] >= '0' && p[i] <= '9' && p[i + 1] == ':' && p[i + 2] >= '0' && p[i + 2] <= '9' &&
            p[i + 3] >= '0' && p[i + 3] <= '9')
            return true;
    return false;
}

static uint32_t rng_next(uint32_t *s);

/* test_from_line_random - short random lines of the bytes that matter
   (digits, ':', blanks, LF) agree with the reference loop */
static void test_from_line_random(void **state)
{
    (void)state;
    static const char alpha[] = "0919::: \t\nxa";
    char line[40];
    uint32_t s = 11;
    memcpy(line, "From ", 5);
    for (int k = 0; k < 200000; k++) {
        size_t n = 5 + rng_next(&s) % 30;
        for (size_t i = 5; i < n; i++)
            line[i] = alpha[rng_next(&s) % (sizeof alpha - 1)];
        if (bn_mbox_is_from_line(line, n) != ref_from_line(line, n))
            fail_msg("[%.*s] (%zu bytes): %d", (int)n, line, n, !ref_from_line(line, n));
    }
}

/* Line shapes for test_random_mboxes: what more_lines must look at ('F',
   '>') and what it must pass by (empty lines, CR first)
   among ordinary lines of every length; separator-shaped lines, quoted in
   the mbox, must come back unquoted and split nothing. */
static const char *const shapes[] = {"Subject: x", "From here on", ">quoted", "From a@b",
                                     ">From a@b", ">>From c", "", "\r", "\r\r", "\rtext",
                                     "F", ">", "x\r", "Final-Recipient: rfc822; a@b",
                                     " folded", "\x85\xc3\xa9\x0a", "Fr", "From:", ">>",
                                     ">Fro", "From a@b Mon Jan  1 00:00:00 2024",
                                     "From x 12:00", "\r\rFrom a@b 12:00"};

/* rng_next - a small LCG (the cases must be the same on every run) */
static uint32_t rng_next(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* add_line - one random line to the expected message and (quoted) to the mbox */
static void add_line(uint32_t *s, char *msg, size_t *mn, char *box, size_t *bn)
{
    char line[300];
    size_t n;
    if (rng_next(s) % 3) {
        n = rng_next(s) % 200; /* an ordinary line, 0-199 bytes of text */
        for (size_t k = 0; k < n; k++)
            line[k] = (char)('a' + rng_next(s) % 26);
        if (n)
            line[0] = 'x';
    } else {
        const char *sh = shapes[rng_next(s) % (sizeof shapes / sizeof shapes[0])];
        n = strlen(sh);
        memcpy(line, sh, n);
    }
    line[n++] = '\n';
    size_t b = *mn - 1; /* the LF that ends the line before */
    while (msg[b - 1] == '\r')
        b--;
    /* a From_ line (no exact separator) after a line with text is body
       text, left unquoted: the reader must see that line was not empty */
    bool bare = msg[b - 1] != '\n' && n == 13 && memcmp(line, "From x 12:00", 12) == 0;
    memcpy(msg + *mn, line, n);
    *mn += n;
    size_t q = 0;
    while (q < n && line[q] == '>')
        q++;
    if (!bare && n - q >= 5 && memcmp(line + q, "From ", 5) == 0)
        box[(*bn)++] = '>'; /* mboxrd: the reader takes one '>' off again */
    memcpy(box + *bn, line, n);
    *bn += n;
}

/*
 * test_random_mboxes - messages of random lines (a few kB to 100 kB each,
 * so the reader's 64 KiB window and its vector line search meet every line
 * shape at every offset) come back exactly, whatever the read size
 */
static void test_random_mboxes(void **state)
{
    (void)state;
    enum { NMSG = 6, MSG_MAX = 120000 };
    /* room for a line past MSG_MAX, and in the mbox for a '>' on every line */
    static char box[NMSG * (MSG_MAX / 4 * 5 + 512)], msgs[NMSG][MSG_MAX + 400];
    static const size_t steps[] = {1u << 20, 4093, 61};
    size_t mlen[NMSG], bn = 0;
    uint32_t s = 7;
    for (int round = 0; round < 4; round++) {
        bn = 0;
        for (int i = 0; i < NMSG; i++) {
            size_t want = 2000 + rng_next(&s) % (MSG_MAX - 2000);
            /* a header first, so the message's first line is never a quoted From */
            memcpy(box + bn, FROM1 "S: 1\n", strlen(FROM1) + 5);
            bn += strlen(FROM1) + 5;
            memcpy(msgs[i], "S: 1\n", 5);
            for (mlen[i] = 5; mlen[i] < want;)
                add_line(&s, msgs[i], &mlen[i], box, &bn);
            box[bn++] = '\n'; /* the empty line before the next From_ line */
        }
        for (size_t st = 0; st < sizeof steps / sizeof steps[0]; st++) {
            mem_reader r = {box, bn, 0, steps[st]};
            bn_mbox m;
            const char *buf;
            size_t len;
            bool trunc, more;
            int got = 0;
            bn_mbox_init(&m, mem_read, &r, 1u << 20);
            while (bn_mbox_next(&m, &buf, &len, &trunc, &more) == BN_OK) {
                assert_true(got < NMSG);
                if (len != mlen[got] || memcmp(buf, msgs[got], len) != 0) {
                    size_t k = 0;
                    while (k < len && k < mlen[got] && buf[k] == msgs[got][k])
                        k++;
                    fail_msg("round %d step %zu: message %d differs at byte %zu (%zu bytes, want "
                             "%zu)", round, steps[st], got, k, len, mlen[got]);
                }
                got++;
            }
            assert_int_equal(got, NMSG);
            bn_mbox_free(&m);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_cases),
        cmocka_unit_test(test_bounded_memory),
        cmocka_unit_test(test_endless_from_line),
        cmocka_unit_test(test_is_from_line),
        cmocka_unit_test(test_from_line_random),
        cmocka_unit_test(test_random_mboxes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
