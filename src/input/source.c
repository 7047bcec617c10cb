/*
 * source.c - bn_source: messages from paths (files, directories, Maildir,
 * mbox) and stdin, one at a time
 *
 * Directories are walked depth first with entries sorted by name, so runs
 * are reproducible. Hidden entries (".name") are skipped, except Maildir++
 * folders inside a Maildir; in a Maildir (a directory with cur/ and new/)
 * tmp/ is skipped: messages there are still being written. Errors are items
 * of the iteration, so one unreadable file never stops a run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce.h"
#include "core/alloc.h"
#include "input/input.h"

#define WALK_MAX_DEPTH 64

typedef struct walk_frame {
    char *dir;
    dev_t dev;    /* identity of the directory, to see symlink loops */
    ino_t ino;
    char **names; /* sorted entry names */
    size_t n, i;
} walk_frame;

struct bn_source {
    size_t max;
    bool stdin_one; /* stdin holds one message (bn_source_stdin_one) */
    char **paths; /* queued paths, in the order given */
    size_t npaths, ipath;
    walk_frame stack[WALK_MAX_DEPTH];
    size_t depth;
    bool open;    /* a file or stdin is being read */
    int fd;
    bn_mbox mbox;
    char *path;   /* the file being read */
    char *name;   /* name of the last item */
    char why[160];
};

/* bn_source_new - an empty source; max_message_size 0 means 64 MiB */
int bn_source_new(bn_source **out, size_t max_message_size)
{
    bn_source *s = bn_calloc(1, sizeof(*s));
    *out = NULL;
    if (!s)
        return BN_ENOMEM;
    s->max = max_message_size ? max_message_size : (size_t)64 << 20;
    s->fd = -1;
    *out = s;
    return BN_OK;
}

/* bn_source_add - queue a path ("-" is stdin) */
int bn_source_add(bn_source *s, const char *path)
{
    if (!s || !path || !*path)
        return BN_EINVAL;
    char **grown = bn_realloc(s->paths, (s->npaths + 1) * sizeof(*grown));
    if (!grown)
        return BN_ENOMEM;
    s->paths = grown;
    if (!(s->paths[s->npaths] = bn_strndup(path, strlen(path))))
        return BN_ENOMEM;
    s->npaths++;
    return BN_OK;
}

/* frame_free - release one directory frame */
static void frame_free(walk_frame *f)
{
    for (size_t i = 0; i < f->n; i++)
        bn_free(f->names[i]);
    bn_free(f->names);
    bn_free(f->dir);
    memset(f, 0, sizeof(*f));
}

/* close_current - stop reading the current file */
static void close_current(bn_source *s)
{
    if (s->open) {
        if (s->fd > 0)
            close(s->fd);
        bn_mbox_free(&s->mbox);
    }
    s->open = false;
    s->fd = -1;
    bn_free(s->path);
    s->path = NULL;
}

/* bn_source_free - release everything, closing open files */
void bn_source_free(bn_source *s)
{
    if (!s)
        return;
    close_current(s);
    while (s->depth > 0)
        frame_free(&s->stack[--s->depth]);
    for (size_t i = 0; i < s->npaths; i++)
        bn_free(s->paths[i]);
    bn_free(s->paths);
    bn_free(s->name);
    bn_free(s);
}

/* read_fd - bn_read_fn over a file descriptor */
static long read_fd(void *ctx, char *buf, size_t n)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t got = read(fd, buf, n);
        if (got >= 0 || errno != EINTR)
            return (long)got;
    }
}

/* set_name - the item's name: path, or path:N */
static int set_name(bn_source *s, const char *path, unsigned long n)
{
    size_t len = strlen(path) + 24;
    char *name = bn_malloc(len);
    if (!name)
        return BN_ENOMEM;
    /* by hand: snprintf was a tenth of reading an mbox (one name per message) */
    size_t k = len - 24;
    memcpy(name, path, k);
    if (n > 0) {
        char d[24];
        size_t nd = 0;
        for (; n; n /= 10)
            d[nd++] = (char)('0' + n % 10);
        name[k++] = ':';
        while (nd)
            name[k++] = d[--nd];
    }
    name[k] = '\0';
    bn_free(s->name);
    s->name = name;
    return BN_OK;
}

/* error_item - an item that reports why path gave no message */
static bool error_item(bn_source *s, bn_source_msg *m, const char *path, int err,
                       const char *why)
{
    memset(m, 0, sizeof(*m));
    snprintf(s->why, sizeof(s->why), "%s", why);
    m->err = err;
    m->why = s->why;
    m->name = set_name(s, path, 0) == BN_OK ? s->name : "";
    return true;
}

/* cmp_names - qsort order: bytewise, like `LC_ALL=C ls` */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* has_name - the list holds name */
static bool has_name(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* is_dir_at - dir/name is a directory */
static bool is_dir_at(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return false;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * keep_entry - walk this entry? Hidden entries are skipped. At the root of a
 * Maildir only cur/, new/ and Maildir++ folders (".Sent/") hold messages;
 * the rest (tmp/, the IMAP server's index files) is not mail.
 */
static bool keep_entry(const char *dir, const char *name, bool maildir)
{
    if (!maildir)
        return name[0] != '.';
    if (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0)
        return true;
    return name[0] == '.' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
           is_dir_at(dir, name);
}

/* filter_names - drop unwanted entries in place, sort the rest */
static void filter_names(walk_frame *f)
{
    bool maildir = has_name(f->names, f->n, "cur") && has_name(f->names, f->n, "new");
    size_t k = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (keep_entry(f->dir, f->names[i], maildir))
            f->names[k++] = f->names[i];
        else
            bn_free(f->names[i]);
    }
    f->n = k;
    qsort(f->names, f->n, sizeof(*f->names), cmp_names);
}

/* read_dir_names - all entry names of a directory */
static int read_dir_names(walk_frame *f, DIR *d)
{
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (f->n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **grown = bn_realloc(f->names, ncap * sizeof(*grown));
            if (!grown)
                return BN_ENOMEM;
            f->names = grown;
            cap = ncap;
        }
        if (!(f->names[f->n] = bn_strndup(e->d_name, strlen(e->d_name))))
            return BN_ENOMEM;
        f->n++;
    }
    return BN_OK;
}

/* on_stack - the directory is already being walked (a symlink loop) */
static bool on_stack(const bn_source *s, const struct stat *st)
{
    for (size_t i = 0; i < s->depth; i++)
        if (s->stack[i].dev == st->st_dev && s->stack[i].ino == st->st_ino)
            return true;
    return false;
}

/* push_dir - start walking a directory; an error item when it cannot be read */
static bool push_dir(bn_source *s, bn_source_msg *m, const char *path, const struct stat *st)
{
    if (s->depth == WALK_MAX_DEPTH)
        return error_item(s, m, path, BN_ETOOBIG, "directories nested too deep");
    if (on_stack(s, st))
        return error_item(s, m, path, BN_EINVAL, "directory loop (a symbolic link to a parent)");
    DIR *d = opendir(path);
    if (!d)
        return error_item(s, m, path, BN_EIO, strerror(errno));
    walk_frame *f = &s->stack[s->depth];
    memset(f, 0, sizeof(*f));
    int rc = read_dir_names(f, d);
    closedir(d);
    if (rc == BN_OK && !(f->dir = bn_strndup(path, strlen(path))))
        rc = BN_ENOMEM;
    if (rc != BN_OK) {
        frame_free(f);
        return error_item(s, m, path, rc, bn_strerror(rc));
    }
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    filter_names(f);
    s->depth++;
    return false;
}

/* join - dir + "/" + name, without doubling a trailing slash */
static char *join(const char *dir, const char *name)
{
    size_t dn = strlen(dir), nn = strlen(name);
    while (dn > 1 && dir[dn - 1] == '/')
        dn--;
    char *p = bn_malloc(dn + nn + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, dn);
    p[dn] = '/';
    memcpy(p + dn + 1, name, nn + 1);
    return p;
}

/* next_path - the next path to open (walk first, then the queue); NULL at the end */
static char *next_path(bn_source *s, bool *walked, bool *nomem)
{
    *nomem = false;
    while (s->depth > 0) {
        walk_frame *f = &s->stack[s->depth - 1];
        if (f->i < f->n) {
            *walked = true;
            char *p = join(f->dir, f->names[f->i++]);
            *nomem = p == NULL;
            return p;
        }
        frame_free(f);
        s->depth--;
    }
    if (s->ipath == s->npaths)
        return NULL;
    *walked = false;
    char *p = s->paths[s->ipath++];
    char *dup = bn_strndup(p, strlen(p));
    *nomem = dup == NULL;
    return dup;
}

/* open_file - start reading fd as the current file */
static void open_file(bn_source *s, char *path, int fd)
{
    s->open = true;
    s->fd = fd;
    s->path = path;
    bn_mbox_init(&s->mbox, read_fd, &s->fd, s->max);
    s->mbox.one = fd == 0 && s->stdin_one;
}

/* bn_source_stdin_one - stdin holds one message (an MTA pipe) */
void bn_source_stdin_one(bn_source *s)
{
    if (s)
        s->stdin_one = true;
}

/* open_path - begin one path: true when it produced an (error) item */
static bool open_path(bn_source *s, bn_source_msg *m, char *path, bool walked)
{
    struct stat st;
    if (strcmp(path, "-") == 0 && !walked) {
        open_file(s, path, 0);
        return false;
    }
    bool item = false;
    if (stat(path, &st) != 0)
        item = error_item(s, m, path, BN_EIO, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        item = push_dir(s, m, path, &st);
    else if (walked && !S_ISREG(st.st_mode))
        item = false; /* sockets, devices met while walking: not mail */
    else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            item = error_item(s, m, path, BN_EIO, strerror(errno));
        else {
            open_file(s, path, fd);
            return false;
        }
    }
    bn_free(path);
    return item;
}

/* read_current - the next message of the open file: true when an item */
static bool read_current(bn_source *s, bn_source_msg *m)
{
    const char *buf;
    size_t len;
    bool truncated, more;
    int rc = bn_mbox_next(&s->mbox, &buf, &len, &truncated, &more);
    if (rc == BN_ENOTFOUND) {
        close_current(s);
        return false;
    }
    if (rc != BN_OK) {
        const char *why = rc == BN_EIO ? strerror(s->mbox.read_errno) : bn_strerror(rc);
        error_item(s, m, s->path, rc, why);
        close_current(s);
        return true;
    }
    unsigned long n = s->mbox.count;
    memset(m, 0, sizeof(*m));
    if (set_name(s, s->path, (n == 1 && !more) ? 0 : n) != BN_OK)
        return error_item(s, m, s->path, BN_ENOMEM, bn_strerror(BN_ENOMEM));
    m->name = s->name;
    m->buf = buf;
    m->len = len;
    m->truncated = truncated;
    return true;
}

/* bn_source_next - the next message or error item; false at the end */
bool bn_source_next(bn_source *s, bn_source_msg *m)
{
    for (;;) {
        if (s->open) {
            if (read_current(s, m))
                return true;
            continue;
        }
        bool walked = false, nomem;
        char *path = next_path(s, &walked, &nomem);
        if (nomem)
            return error_item(s, m, "", BN_ENOMEM, bn_strerror(BN_ENOMEM));
        if (!path)
            return false;
        if (open_path(s, m, path, walked))
            return true;
    }
}
