/*
 * log_tail.c - following a growing log file across rotations
 *
 * See log_tail.h. The buffer holds the bytes read but not yet handled,
 * which start at pos.offset of the open file; the file descriptor's own
 * offset is therefore pos.offset + len. Rotation is only looked for at the
 * end of the data, so a busy file is read with plain read() calls and one
 * fstat/stat pair per idle poll. After a rename the writer may go on
 * writing through its open descriptor until it reopens the name, so the
 * old file is left only when the new one has bytes or the old one has been
 * quiet for BN_TAIL_GRACE_MS.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "core/alloc.h"
#include "logs/log_tail.h"

#define TAIL_BUF_MIN (64u << 10)
#define TAIL_BUF_MAX (4u << 20)

/* a rotated-away file: read on (NONE), may still be written (WAIT), done */
typedef enum rotation { ROT_NONE, ROT_WAIT, ROT_DONE } rotation;

static int64_t (*clock_hook)(void); /* bn_tail_set_clock */

struct bn_tail {
    char *path;
    bool follow;
    bool saved;           /* BN_TAIL_SAVED */
    int fd;
    uint64_t dev, ino;    /* identity of fd */
    bool regular;         /* fd is a regular file (its end may move on) */
    bn_tailpos pos;       /* handled bytes of fd */
    char *buf;
    size_t len, cap;      /* unhandled bytes buf[0..len) */
    bool switch_pending;  /* move to path once the buffer is handled */
    bool at_eof;          /* the last read found no more bytes */
    bn_tail_stats st;
};

/* bn_tail_hash - FNV-1a 64 of bytes (continues from h; start with 0) */
uint64_t bn_tail_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    if (h == 0)
        h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* head_hash - hash of the first n bytes of fd; false if it has fewer */
static bool head_hash(int fd, uint32_t n, uint64_t *out)
{
    char b[BN_TAIL_HEAD];
    ssize_t got = n ? pread(fd, b, n, 0) : 0;
    if (got < 0 || (size_t)got < n)
        return false;
    *out = bn_tail_hash(0, b, n);
    return true;
}

/* same_file - fd is the file a position was taken in (identity and head) */
static bool same_file(int fd, const struct stat *st, const bn_tailpos *p)
{
    uint64_t h;
    if ((uint64_t)st->st_dev != p->dev || (uint64_t)st->st_ino != p->ino)
        return false;
    return p->head_len == 0 || (head_hash(fd, p->head_len, &h) && h == p->head);
}

/* adopt - make fd the current file, handled up to p (NULL: from the start) */
static void adopt(bn_tail *t, int fd, const struct stat *st, const bn_tailpos *p)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = fd;
    t->dev = (uint64_t)st->st_dev;
    t->ino = (uint64_t)st->st_ino;
    t->regular = S_ISREG(st->st_mode);
    t->len = 0;
    t->switch_pending = false;
    memset(&t->pos, 0, sizeof(t->pos));
    if (p)
        t->pos = *p;
    t->pos.dev = t->dev;
    t->pos.ino = t->ino;
    lseek(fd, (off_t)t->pos.offset, SEEK_SET);
}

/* open_path - open the followed name; -1 when it is not there */
static int open_path(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, st) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* dir_of - the directory part of path into buf ("." when none) */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strncpy(buf, ".", size);
    } else {
        size_t n = (size_t)(slash - path);
        n = n == 0 ? 1 : n;
        n = n < size - 1 ? n : size - 1;
        memcpy(buf, path, n);
        buf[n] = '\0';
    }
}

/* find_rotated - the file of a saved position in path's directory, or -1 */
static int find_rotated(const char *path, const bn_tailpos *p, struct stat *st)
{
    char dir[4096];
    dir_of(path, dir, sizeof(dir));
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int found = -1;
    struct dirent *e;
    while (found < 0 && (e = readdir(d)) != NULL) {
        struct stat s;
        if (fstatat(dirfd(d), e->d_name, &s, 0) != 0 || !S_ISREG(s.st_mode) ||
            (uint64_t)s.st_ino != p->ino || (uint64_t)s.st_dev != p->dev)
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && same_file(fd, &s, p) && (uint64_t)s.st_size >= p->offset) {
            *st = s;
            found = fd;
        } else if (fd >= 0) {
            close(fd);
        }
    }
    closedir(d);
    return found;
}

/* resume_at - start where a saved position stopped, if it can be found */
static void resume_at(bn_tail *t, const bn_tailpos *p)
{
    struct stat st;
    if (t->fd >= 0 && fstat(t->fd, &st) == 0 && same_file(t->fd, &st, p) &&
        (uint64_t)st.st_size >= p->offset) {
        adopt(t, dup(t->fd), &st, p);
        t->st.resumed = 1;
        return;
    }
    /* rotated while nobody read: finish the old file first, by its inode */
    int fd = find_rotated(t->path, p, &st);
    if (fd >= 0) {
        adopt(t, fd, &st, p);
        t->st.resumed = 1;
        return;
    }
    t->st.lost_resume = 1;
}

/* bn_tail_open - read path, optionally following it, from a saved position */
int bn_tail_open(bn_tail **out, const char *path, unsigned flags, const bn_tailpos *resume)
{
    *out = NULL;
    bn_tail *t = bn_calloc(1, sizeof(*t));
    if (!t || !(t->path = bn_strndup(path, strlen(path))) ||
        !(t->buf = bn_malloc(TAIL_BUF_MIN))) {
        bn_tail_free(t);
        return BN_ENOMEM;
    }
    t->cap = TAIL_BUF_MIN;
    t->follow = (flags & BN_TAIL_FOLLOW) != 0;
    t->saved = (flags & BN_TAIL_SAVED) != 0;
    t->fd = -1;
    struct stat st;
    int fd = open_path(path, &st);
    if (fd >= 0)
        adopt(t, fd, &st, NULL);
    if (resume && (resume->dev || resume->ino))
        resume_at(t, resume);
    if (t->fd < 0 && !t->follow) {
        bn_tail_free(t);
        return BN_EIO;
    }
    *out = t;
    return BN_OK;
}

/* bn_tail_free - close and release (NULL is fine) */
void bn_tail_free(bn_tail *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    bn_free(t->path);
    bn_free(t->buf);
    bn_free(t);
}

/* fill - read more bytes; >0 read, 0 at the end, -1 on error */
static ssize_t fill(bn_tail *t)
{
    if (t->len == t->cap && t->cap < TAIL_BUF_MAX) {
        char *b = bn_realloc(t->buf, t->cap * 2);
        if (!b)
            return -1;
        t->buf = b;
        t->cap *= 2;
    }
    if (t->len == t->cap)
        return 1; /* full: the caller handles what is there first */
    ssize_t r;
    do
        r = read(t->fd, t->buf + t->len, t->cap - t->len);
    while (r < 0 && errno == EINTR);
    if (r > 0)
        t->len += (size_t)r;
    return r;
}

/* switch_to_path - move to the file now at path (after a rotation) */
static bool switch_to_path(bn_tail *t)
{
    struct stat st;
    int fd = open_path(t->path, &st);
    if (fd < 0)
        return false;
    adopt(t, fd, &st, NULL);
    t->st.rotations++;
    return true;
}

/* now_ms - the wall clock, which file times are on (or the test hook's) */
static int64_t now_ms(void)
{
    struct timespec ts;
    if (clock_hook)
        return clock_hook();
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* quiet - the file being read was neither written nor renamed for the grace
   period (its ctime moves with both; a cron run has no other clock) */
static bool quiet(const bn_tail *t)
{
    struct stat st;
    if (fstat(t->fd, &st) != 0)
        return true;
    int64_t changed = (int64_t)st.st_ctim.tv_sec * 1000 + st.st_ctim.tv_nsec / 1000000;
    return now_ms() - changed >= BN_TAIL_GRACE_MS;
}

/*
 * rotated_away - whether path names another file than the one being read
 * and, if so, whether that one is done: the new file has bytes (the writer
 * reopened), or the old one is quiet. Without a next read (neither
 * following nor saving the position) it is done at once.
 */
static rotation rotated_away(const bn_tail *t)
{
    struct stat st;
    if (stat(t->path, &st) != 0)
        return ROT_NONE; /* renamed, new one not there yet: keep the old */
    if ((uint64_t)st.st_dev == t->dev && (uint64_t)st.st_ino == t->ino)
        return ROT_NONE;
    if (st.st_size > 0 || !(t->follow || t->saved) || quiet(t))
        return ROT_DONE;
    return ROT_WAIT;
}

/*
 * truncated - the file shrank below what was read, or its first bytes
 * changed (copytruncate, then enough new lines to pass the old size before
 * this poll): start over at its beginning.
 */
static bool truncated(bn_tail *t)
{
    struct stat st;
    uint64_t h;
    if (fstat(t->fd, &st) != 0)
        return false;
    bool shrunk = (uint64_t)st.st_size < t->pos.offset + t->len;
    bool rewritten = !shrunk && t->pos.head_len &&
                     (!head_hash(t->fd, t->pos.head_len, &h) || h != t->pos.head);
    if (!shrunk && !rewritten)
        return false;
    adopt(t, dup(t->fd), &st, NULL);
    t->st.truncations++;
    return true;
}

/* at_end - the file gave no more bytes: rotation, truncation, or wait */
static int at_end(bn_tail *t, bn_tail_state *state, bool *eof)
{
    rotation rot = rotated_away(t);
    if (rot == ROT_DONE) {
        ssize_t r = fill(t); /* written before the writer reopened */
        if (r > 0) {
            *state = BN_TAIL_DATA;
            return BN_OK;
        }
        if (t->len) { /* a last line without newline: hand it out whole */
            t->switch_pending = true;
            *eof = true;
            *state = BN_TAIL_DATA;
            return BN_OK;
        }
        if (switch_to_path(t)) {
            *state = BN_TAIL_IDLE; /* the caller comes back at once */
            return BN_OK;
        }
    }
    if (t->follow && truncated(t)) {
        *state = BN_TAIL_IDLE;
        return BN_OK;
    }
    if (t->follow) {
        *state = BN_TAIL_IDLE; /* rotated away (WAIT): the writer may go on */
    } else if (rot == ROT_WAIT || (t->saved && t->regular && t->len)) {
        /* the writer may be in the middle of the last line, or still
           writing to the rotated file: the saved position stays there (at
           the start of an unterminated line) and the next run reads on */
        *state = BN_TAIL_END;
    } else {
        *eof = true; /* nobody reads on: the last line is what it is */
        *state = t->len ? BN_TAIL_DATA : BN_TAIL_END;
    }
    return BN_OK;
}

/* bn_tail_read - make new bytes available */
int bn_tail_read(bn_tail *t, bn_tail_state *state, const char **p, size_t *n, bool *eof)
{
    *eof = false;
    *state = BN_TAIL_IDLE;
    if (t->switch_pending && t->len == 0)
        switch_to_path(t);
    if (t->fd < 0) {
        struct stat st;
        int fd = open_path(t->path, &st);
        if (fd >= 0)
            adopt(t, fd, &st, NULL);
    }
    *p = t->buf;
    *n = t->len;
    if (t->fd < 0) {
        *state = t->follow ? BN_TAIL_IDLE : BN_TAIL_END;
        return BN_OK;
    }
    /* idle since the last call: the file may have been cut and written
       again meanwhile; look before reading from the old offset */
    if (t->follow && t->at_eof && !t->switch_pending)
        truncated(t);
    ssize_t r = t->switch_pending ? 0 : fill(t);
    if (r < 0)
        return BN_EIO;
    t->at_eof = r == 0;
    int rc = BN_OK;
    if (r > 0)
        *state = BN_TAIL_DATA;
    else if (t->switch_pending)
        *state = BN_TAIL_DATA, *eof = true;
    else
        rc = at_end(t, state, eof);
    *p = t->buf;
    *n = t->len;
    return rc;
}

/* bn_tail_consume - the first n bytes of the last read were handled */
void bn_tail_consume(bn_tail *t, size_t n)
{
    if (n > t->len)
        n = t->len;
    for (const char *q = t->buf, *end = t->buf + n; (q = memchr(q, '\n', (size_t)(end - q)));
         q++)
        t->pos.line++;
    if (n == t->len && t->switch_pending && n && t->buf[n - 1] != '\n')
        t->pos.line++; /* the rotated file's unterminated last line */
    t->pos.offset += n;
    memmove(t->buf, t->buf + n, t->len - n);
    t->len -= n;
}

/* bn_tail_pos - the position after the handled bytes */
void bn_tail_pos(bn_tail *t, bn_tailpos *out)
{
    if (t->fd >= 0 && t->pos.head_len < BN_TAIL_HEAD) {
        struct stat st;
        uint64_t h;
        if (fstat(t->fd, &st) == 0) {
            uint32_t n = st.st_size < BN_TAIL_HEAD ? (uint32_t)st.st_size : BN_TAIL_HEAD;
            if (n > t->pos.head_len && head_hash(t->fd, n, &h)) {
                t->pos.head = h;
                t->pos.head_len = n;
            }
        }
    }
    *out = t->pos;
}

/* bn_tail_pread - bytes of the current file at an offset (warming up) */
long bn_tail_pread(bn_tail *t, char *buf, size_t n, uint64_t off)
{
    if (t->fd < 0)
        return -1;
    ssize_t r;
    do
        r = pread(t->fd, buf, n, (off_t)off);
    while (r < 0 && errno == EINTR);
    return (long)r;
}

/* bn_tail_stats_get - rotations and truncations seen */
void bn_tail_stats_get(const bn_tail *t, bn_tail_stats *out)
{
    *out = t->st;
}

/* bn_tail_set_clock - test hook: the clock of the grace period */
void bn_tail_set_clock(int64_t (*fn)(void))
{
    clock_hook = fn;
}
