/*
 * replay_main.c - run a libFuzzer harness without libFuzzer
 *
 * Linked with one fuzz_<target>.c into fuzz_<target>_replay (gcc or clang,
 * every build with tests). It calls LLVMFuzzerTestOneInput on a few
 * built-in inputs (so a target without seeds is still exercised), then on
 * every regular file of the files and directories given on the command
 * line, so crashers found once by `make fuzz` stay fixed under ctest.
 * Each input is read into a malloc buffer of exactly its size (NULL-free,
 * no trailing NUL) so that ASan reports a read one byte past the end.
 * Missing directories are skipped with a note: an empty corpus is allowed.
 * Each file's name goes to stderr before it runs, so that the last name
 * printed is the input that crashed. Exit status: 0 when every input ran (a
 * crash aborts the process), 1 when an input could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a harness; weak so harnesses without it still link. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REPLAY_MAX_FILE (64u << 20) /* libFuzzer never writes inputs this big */

static unsigned long replay_count;

/* run_one - call the harness on an exact-size heap copy of (p, n) */
static void run_one(const void *p, size_t n)
{
    /* malloc(0) may return NULL; give the harness a 1-byte buffer it must
       not read, so that an empty input still has a valid pointer. */
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy) {
        fprintf(stderr, "replay: out of memory\n");
        exit(1);
    }
    if (n)
        memcpy(copy, p, n);
    LLVMFuzzerTestOneInput(copy, n);
    free(copy);
    replay_count++;
}

/* run_builtin - a few inputs every harness must survive, seeds or not */
static void run_builtin(void)
{
    fprintf(stderr, "replay: built-in inputs\n");
    static const char *const inputs[] = {
        "",
        "\n",
        "\r\n\r\n",
        "From: MAILER-DAEMON@example.com\r\n",
        "From MAILER-DAEMON Mon Nov 30 07:00:00 2026\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n"
        "To: <sender@example.org>\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;"
        " boundary=\"b1\"\n\n"
        "--b1\n\nThis is the mail system at host mx.example.com.\n\n"
        "<nobody@example.net>: host mx.example.net[192.0.2.25] said: 550 5.1.1"
        " <nobody@example.net>: Recipient address rejected: User unknown\n\n"
        "--b1\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.com\n\n"
        "Final-Recipient: rfc822; nobody@example.net\nAction: failed\n"
        "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
        "--b1\nContent-Type: text/rfc822-headers\n\n"
        "Subject: =?UTF-8?B?w6l0w6k=?=\nMessage-ID: <x@example.org>\n\n"
        "--b1",
        "550-5.7.26 Unauthenticated email\r\n550 5.7.26 is not accepted",
        "{\"recipient\":\"a@example.net\",\"reason\":\"\\u00e9\"}",
    };
    static const unsigned char binary[] = {0x00, 0xff, 0x80, 0x0a, 0x3d,
                                           0x3f, 0x00, 0x0d, 0xc3, 0x28};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
        run_one(inputs[i], strlen(inputs[i]));
    run_one(binary, sizeof(binary));
}

/* run_file - read one regular file whole and run it */
static int run_file(const char *path, off_t size)
{
    if (size < 0 || (unsigned long long)size > REPLAY_MAX_FILE) {
        fprintf(stderr, "replay: %s: too large, skipped\n", path);
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t n = (size_t)size;
    uint8_t *buf = malloc(n ? n : 1);
    size_t got = buf ? fread(buf, 1, n, f) : 0;
    fclose(f);
    if (!buf || got != n) {
        fprintf(stderr, "replay: %s: short read\n", path);
        free(buf);
        return 1;
    }
    /* Name the input first: a crash report (ASan, abort) does not. */
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    run_one(buf, n); /* the copy in run_one is exact-size too */
    free(buf);
    return 0;
}

/* name_cmp - qsort order for directory entries (stable replay order) */
static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path);

/* run_dir - run every entry of a directory, sorted by name, skipping dot files */
static int run_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", ".gitkeep" */
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof(*names));
            if (!grown) {
                rc = 1;
                break;
            }
            names = grown;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[count] = malloc(len);
        if (!names[count]) {
            rc = 1;
            break;
        }
        snprintf(names[count++], len, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof(*names), name_cmp);
    for (size_t i = 0; i < count; i++) {
        if (rc == 0)
            rc = run_path(names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* run_path - a file runs once; a directory runs all it holds */
static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) {
            fprintf(stderr, "replay: %s: absent, nothing to replay\n", path);
            return 0;
        }
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode))
        return run_dir(path);
    if (S_ISREG(st.st_mode))
        return run_file(path, st.st_size);
    return 0;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    run_builtin();
    unsigned long builtin = replay_count;
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++)
        rc = run_path(argv[i]);
    printf("replay: %lu built-in inputs and %lu files ran%s\n", builtin,
           replay_count - builtin, rc ? " (with read errors)" : "");
    return rc;
}
