/*
 * log_state.c - where each followed log was left (see log_cmd.h)
 *
 * The store has no table for this (yet), so the positions live in a text
 * file next to it, one line per log:
 *     PATH <TAB> DEV <TAB> INODE <TAB> OFFSET <TAB> LINE <TAB> HEAD <TAB> HEADLEN
 * The file is rewritten whole (a handful of lines) into a temporary file,
 * fsync'ed and renamed over the old one, so a crash leaves either the old
 * or the new positions, never a mix. The order of work is: commit the
 * events, then save the position; a crash in between re-reads a few lines,
 * which the store recognises as already stored (its deduplication key
 * covers the raw line).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"
#include "core/alloc.h"
#include "log_cmd.h"
#include "logs/logs.h"

#define STATE_MAX_ENTRIES 4096

typedef struct state_entry {
    char *path;
    bn_tailpos pos;
} state_entry;

struct log_state {
    char *file;
    int lockfd;
    state_entry *v;
    size_t n, cap;
};

/* find - the entry of a path, or NULL */
static state_entry *find(const log_state *s, const char *path)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].path, path) == 0)
            return &s->v[i];
    return NULL;
}

/* parse_line - one saved line into an entry; false when malformed */
static bool parse_line(char *line, state_entry *e)
{
    char *tab = strchr(line, '\t');
    if (!tab || tab == line)
        return false;
    *tab = '\0';
    unsigned long long dev, ino, off, ln, head;
    unsigned hl;
    if (sscanf(tab + 1, "%llu\t%llu\t%llu\t%llu\t%llx\t%u", &dev, &ino, &off, &ln, &head,
               &hl) != 6 || hl > BN_TAIL_HEAD)
        return false;
    e->path = line;
    e->pos = (bn_tailpos){dev, ino, off, ln, head, hl};
    return true;
}

/* load - read the file if it exists; malformed lines are dropped */
static int load(log_state *s)
{
    FILE *in = fopen(s->file, "r");
    char line[8192];
    if (!in)
        return errno == ENOENT ? BN_OK : BN_EIO;
    while (fgets(line, sizeof(line), in)) {
        state_entry e;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || !parse_line(line, &e))
            continue;
        if (log_state_put(s, e.path, &e.pos) != BN_OK) {
            fclose(in);
            return BN_ENOMEM;
        }
    }
    fclose(in);
    return BN_OK;
}

/* lock - an exclusive lock on FILE.lock, held while the state is open */
static int lock(log_state *s)
{
    char name[4200];
    snprintf(name, sizeof(name), "%s.lock", s->file);
    s->lockfd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lockfd < 0) {
        cli_error("%s: %s", name, strerror(errno));
        return BN_EIO;
    }
    if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
        cli_error("%s is in use by another 'bounce ingest --log' (give each one its own "
                  "--log-state FILE)", s->file);
        return BN_EBUSY;
    }
    return BN_OK;
}

/* log_state_open - load (or start) the file and lock it; prints errors */
int log_state_open(log_state **out, const char *file)
{
    log_state *s = bn_calloc(1, sizeof(*s));
    *out = NULL;
    if (!s || !(s->file = bn_strndup(file, strlen(file)))) {
        bn_free(s);
        cli_error("out of memory");
        return BN_ENOMEM;
    }
    s->lockfd = -1;
    int rc = lock(s);
    if (rc == BN_OK && (rc = load(s)) != BN_OK)
        cli_error("%s: cannot read the saved log positions", file);
    if (rc != BN_OK) {
        log_state_close(s);
        return rc;
    }
    *out = s;
    return BN_OK;
}

/* log_state_close - release the lock and the memory (NULL is fine) */
void log_state_close(log_state *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        bn_free(s->v[i].path);
    bn_free(s->v);
    if (s->lockfd >= 0)
        close(s->lockfd);
    bn_free(s->file);
    bn_free(s);
}

/* log_state_get - the saved position of a log path; false when none */
bool log_state_get(const log_state *s, const char *logpath, bn_tailpos *out)
{
    const state_entry *e = find(s, logpath);
    if (e)
        *out = e->pos;
    return e != NULL;
}

/* log_state_put - remember a position (written by log_state_save) */
int log_state_put(log_state *s, const char *logpath, const bn_tailpos *pos)
{
    state_entry *e = find(s, logpath);
    if (!e) {
        if (strpbrk(logpath, "\t\n") || s->n >= STATE_MAX_ENTRIES)
            return BN_EINVAL; /* not representable: the log is read, not resumed */
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 8;
            state_entry *v = bn_realloc(s->v, cap * sizeof(*v));
            if (!v)
                return BN_ENOMEM;
            s->v = v;
            s->cap = cap;
        }
        e = &s->v[s->n];
        if (!(e->path = bn_strndup(logpath, strlen(logpath))))
            return BN_ENOMEM;
        s->n++;
    }
    e->pos = *pos;
    return BN_OK;
}

/* write_all - the entries into an open stream */
static void write_all(const log_state *s, FILE *out)
{
    fputs("# bounce: where each MTA log was left (path dev inode offset line head "
          "headlen)\n", out);
    for (size_t i = 0; i < s->n; i++) {
        const bn_tailpos *p = &s->v[i].pos;
        fprintf(out, "%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%016" PRIx64
                     "\t%u\n", s->v[i].path, p->dev, p->ino, p->offset, p->line, p->head,
                p->head_len);
    }
}

/* log_state_save - write the file atomically; BN_OK or BN_EIO */
int log_state_save(log_state *s)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", s->file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        if (fd >= 0)
            close(fd);
        cli_error("%s: %s", tmp, strerror(errno));
        return BN_EIO;
    }
    write_all(s, out);
    bool ok = fflush(out) == 0 && !ferror(out) && fsync(fd) == 0;
    ok &= fclose(out) == 0;
    if (!ok || rename(tmp, s->file) != 0) {
        cli_error("%s: cannot save the log positions: %s", s->file, strerror(errno));
        unlink(tmp);
        return BN_EIO;
    }
    return BN_OK;
}

/* ---- deferred recipients (see log_cmd.h) ---- */

/* put_clean - a field with tabs and newlines made spaces */
static void put_clean(FILE *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc(p[i] == '\t' || p[i] == '\n' || p[i] == '\r' ? ' ' : p[i], out);
}

/* pending_write - the live defer entries of one log */
static void pending_write(FILE *out, const char *key, const bn_qmap *m)
{
    for (uint32_t i = 0; i < m->cap; i++) {
        const bn_qentry *e = &m->ring[i];
        if (!e->live || e->mta != BN_LOG_DEFER_MTA)
            continue;
        fprintf(out, "%s\t", key);
        put_clean(out, e->id, e->idlen);
        fputc('\t', out);
        put_clean(out, e->sender, e->slen);
        fputc('\t', out);
        put_clean(out, e->msgid, e->mlen);
        fputc('\n', out);
    }
}

/* key_of - which of keys a pending line belongs to, or -1 */
static int key_of(const char *line, const char *const *keys, int n)
{
    for (int i = 0; i < n; i++) {
        size_t kn = strlen(keys[i]);
        if (strncmp(line, keys[i], kn) == 0 && line[kn] == '\t')
            return i;
    }
    return -1;
}

/* load_entry - one pending line ("key id rcpt value") into a defer map */
static void load_entry(char *line, size_t kn, bn_qmap *map)
{
    char *id = line + kn + 1, *rcpt = strchr(id, '\t');
    char *val = rcpt ? strchr(rcpt + 1, '\t') : NULL;
    if (!val)
        return;
    *rcpt++ = '\0';
    *val++ = '\0';
    bn_str r = {rcpt, strlen(rcpt)}, v = {val, strlen(val)};
    bn_qmap_put(map, BN_LOG_DEFER_MTA, (bn_str){id, strlen(id)}, &r, &v);
}

/*
 * rewrite - FILE again: the lines of other logs kept, the lines of keys
 * loaded into maps (take) or dropped, then the maps written (save).
 */
static int rewrite(const char *file, const char *const *keys, bn_qmap *const *maps, int n,
                   bool take)
{
    char tmp[4200], line[8192];
    snprintf(tmp, sizeof(tmp), "%s.tmp", file);
    FILE *in = fopen(file, "r"), *out = fopen(tmp, "w");
    if (!out) {
        if (in)
            fclose(in);
        cli_error("%s: %s", tmp, strerror(errno));
        return BN_EIO;
    }
    while (in && fgets(line, sizeof(line), in)) {
        int k = key_of(line, keys, n);
        if (k < 0) {
            fputs(line, out);
        } else if (take) {
            line[strcspn(line, "\n")] = '\0';
            load_entry(line, strlen(keys[k]), maps[k]);
        }
    }
    if (in)
        fclose(in);
    for (int i = 0; !take && i < n; i++)
        if (!strpbrk(keys[i], "\t\n"))
            pending_write(out, keys[i], maps[i]);
    bool ok = fflush(out) == 0 && !ferror(out) && fsync(fileno(out)) == 0;
    ok &= fclose(out) == 0;
    if (!ok || rename(tmp, file) != 0) {
        cli_error("%s: cannot write the deferred recipients: %s", file, strerror(errno));
        unlink(tmp);
        return BN_EIO;
    }
    return BN_OK;
}

/* log_pending_take - the saved entries of these logs, removed from FILE */
int log_pending_take(const char *file, const char *const *keys, bn_qmap *const *maps, int n)
{
    if (access(file, F_OK) != 0)
        return BN_OK;
    return rewrite(file, keys, maps, n, true);
}

/* log_pending_save - the defer maps of these logs into FILE (atomic) */
int log_pending_save(const char *file, const char *const *keys, bn_qmap *const *maps, int n)
{
    return rewrite(file, keys, maps, n, false);
}
