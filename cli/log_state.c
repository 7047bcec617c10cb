/*
 * log_state.c - where each followed log was left (see log_cmd.h)
 *
 * The positions live in the store (bn_store_state_put), one entry per log
 * under "log:" + its absolute path, as text:
 *     DEV INODE OFFSET LINE HEAD HEADLEN
 * The follower writes them in the transaction of the events read up to
 * there, so a crash keeps both or neither: nothing is read twice or
 * missed (the store's deduplication key, which covers the raw line, stays
 * as a second safety net). The deferred recipients of a clean stop are
 * kept the same way under "log-deferred:" + the path, one line each:
 *     ID \t RECIPIENT \t DSN TEXT \t HOST
 * (tabs and newlines inside a field are written as spaces). Versions before
 * the host was kept wrote the first three fields only; such a line is
 * still read, and the expiry it gives has no remote_mta (those versions,
 * given a line of four, read "DSN TEXT \t HOST" as the reply).
 *
 * Earlier versions kept the positions in a text file beside a SQLite
 * store, "DB.logpos" (and "DB.logpos.deferred"); log_state_import reads
 * the positions of such a file once into the store and renames both files
 * "*.old" (the deferred recipients are not imported: see docs/logs.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/alloc.h"
#include "log_cmd.h"
#include "logs/logs.h"
#include "store/store.h"

#define KEY_POS "log:"
#define KEY_DEFER "log-deferred:"

/* make_key - prefix + path into buf; false when it does not fit */
static bool make_key(char *buf, size_t size, const char *prefix, const char *path)
{
    int n = snprintf(buf, size, "%s%s", prefix, path);
    return n > 0 && (size_t)n < size;
}

/* parse_pos - "dev ino off line head headlen" into pos; false when malformed */
static bool parse_pos(const char *text, bn_tailpos *pos)
{
    unsigned long long dev, ino, off, ln, head;
    unsigned hl;
    if (sscanf(text, "%llu %llu %llu %llu %llx %u", &dev, &ino, &off, &ln, &head, &hl) != 6 ||
        hl > BN_TAIL_HEAD)
        return false;
    *pos = (bn_tailpos){dev, ino, off, ln, head, hl};
    return true;
}

/* log_state_get - the saved position of a log path; false when none (or
 * unreadable: then the log is read from its start, duplicates recognised) */
bool log_state_get(bn_store *s, const char *logpath, bn_tailpos *out)
{
    char key[PATH_MAX + 32], *val;
    size_t len;
    if (!make_key(key, sizeof(key), KEY_POS, logpath) ||
        bn_store_state_get(s, key, &val, &len) != BN_OK)
        return false;
    bool ok = parse_pos(val, out);
    bn_free(val);
    return ok;
}

/* log_state_put - a log's position, in the open transaction (if any) */
int log_state_put(bn_store *s, const char *logpath, const bn_tailpos *p)
{
    char key[PATH_MAX + 32], val[160];
    if (!make_key(key, sizeof(key), KEY_POS, logpath))
        return BN_EINVAL; /* not representable: the log is read, not resumed */
    int n = snprintf(val, sizeof(val), "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
                     " %016" PRIx64 " %u", p->dev, p->ino, p->offset, p->line, p->head,
                     p->head_len);
    return bn_store_state_put(s, key, val, (size_t)n);
}

/* ---- the file of older versions ---- */

/* import_line - one "PATH\tDEV\tINODE\tOFFSET\tLINE\tHEAD\tHEADLEN" line */
static int import_line(bn_store *s, char *line)
{
    char *tab = strchr(line, '\t');
    bn_tailpos pos, had;
    if (line[0] == '#' || !tab || tab == line)
        return BN_OK;
    *tab = '\0';
    for (char *p = tab + 1; *p; p++)
        if (*p == '\t')
            *p = ' ';
    if (!parse_pos(tab + 1, &pos) || log_state_get(s, line, &had))
        return BN_OK; /* malformed, or the store knows better */
    return log_state_put(s, line, &pos);
}

/* import_file - every line of an open .logpos file, in one transaction */
static int import_file(bn_store *s, FILE *in)
{
    char line[8192];
    int rc = bn_store_begin(s);
    while (rc == BN_OK && fgets(line, sizeof(line), in)) {
        line[strcspn(line, "\n")] = '\0';
        rc = import_line(s, line);
    }
    if (rc == BN_OK)
        return bn_store_commit(s);
    bn_store_rollback(s);
    return rc;
}

/* rename_old - FILE to FILE.old (a failure only means a second import,
 * which changes nothing: the store's positions win) */
static void rename_old(const char *file)
{
    char old[PATH_MAX + 48];
    if ((size_t)snprintf(old, sizeof(old), "%s.old", file) >= sizeof(old))
        return; /* a name this long was never written by us */
    if (rename(file, old) != 0 && errno != ENOENT)
        fprintf(stderr, "bounce ingest: %s: cannot rename to %s: %s\n", file, old,
                strerror(errno));
}

/* log_state_import - "DB.logpos" of an older version into the store, once */
int log_state_import(bn_store *s, const char *db)
{
    char file[PATH_MAX + 32], deferred[PATH_MAX + 48];
    if (bn_store_is_pg_uri(db) ||
        (size_t)snprintf(file, sizeof(file), "%s.logpos", db) >= sizeof(file))
        return BN_OK;
    FILE *in = fopen(file, "r");
    if (!in)
        return BN_OK;
    int rc = import_file(s, in);
    fclose(in);
    if (rc != BN_OK)
        return rc;
    fprintf(stderr, "bounce ingest: the log positions of %s are now kept in the store "
            "(the file is renamed %s.old)\n", file, file);
    rename_old(file);
    snprintf(deferred, sizeof(deferred), "%s.deferred", file);
    rename_old(deferred);
    snprintf(deferred, sizeof(deferred), "%s.lock", file);
    unlink(deferred);
    return BN_OK;
}

/* ---- deferred recipients (see log_cmd.h) ---- */

/* put_clean - a field with tabs and newlines made spaces; returns past it */
static char *put_clean(char *o, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *o++ = p[i] == '\t' || p[i] == '\n' || p[i] == '\r' ? ' ' : p[i];
    return o;
}

/* live_defer - the entry is a deferred recipient */
static bool live_defer(const bn_qentry *e)
{
    return e->live && e->mta == BN_LOG_DEFER_MTA;
}

/* pending_text - the live defer entries of a map, "id\trcpt\tvalue\thost\n"
 * each (bn_free; NULL when out of memory) */
static char *pending_text(const bn_qmap *m, size_t *len)
{
    size_t need = 1;
    for (uint32_t i = 0; i < m->cap; i++)
        if (live_defer(&m->ring[i]))
            need +=
                (size_t)m->ring[i].idlen + m->ring[i].slen + m->ring[i].mlen + m->ring[i].hlen + 4;
    char *buf = bn_malloc(need), *o = buf;
    for (uint32_t i = 0; buf && i < m->cap; i++) {
        const bn_qentry *e = &m->ring[i];
        if (!live_defer(e))
            continue;
        o = put_clean(o, e->id, e->idlen);
        *o++ = '\t';
        o = put_clean(o, e->sender, e->slen);
        *o++ = '\t';
        o = put_clean(o, e->msgid, e->mlen);
        *o++ = '\t';
        bn_str host = bn_qmap_host(m, e);
        o = put_clean(o, host.p, host.n);
        *o++ = '\n';
    }
    *len = buf ? (size_t)(o - buf) : 0;
    return buf;
}

/* load_entry - one pending line ("id rcpt value host", or "id rcpt value"
 * as versions without the host wrote it) into a defer map */
static void load_entry(char *line, bn_qmap *map)
{
    char *rcpt = strchr(line, '\t');
    char *val = rcpt ? strchr(rcpt + 1, '\t') : NULL;
    char *host = val ? strchr(val + 1, '\t') : NULL;
    if (!val)
        return;
    *rcpt++ = '\0';
    *val++ = '\0';
    if (host)
        *host++ = '\0';
    bn_str r = {rcpt, strlen(rcpt)}, v = {val, strlen(val)};
    bn_qentry *e = bn_qmap_put(map, BN_LOG_DEFER_MTA, (bn_str){line, strlen(line)}, &r, &v);
    if (e && host)
        bn_qmap_set_host(map, e, (bn_str){host, strlen(host)});
    bn_log_defer_mark(map, (bn_str){line, strlen(line)});
}

/* log_pending_take - a log's saved deferred recipients into map, and
 * removed from the store (after a crash a stale list is never used) */
int log_pending_take(bn_store *s, const char *logpath, bn_qmap *map)
{
    char key[PATH_MAX + 32], *val, *next;
    size_t len;
    if (!make_key(key, sizeof(key), KEY_DEFER, logpath))
        return BN_OK;
    int rc = bn_store_state_get(s, key, &val, &len);
    if (rc != BN_OK)
        return rc == BN_ENOTFOUND ? BN_OK : rc;
    for (char *line = val; line < val + len; line = next) {
        char *nl = memchr(line, '\n', (size_t)(val + len - line));
        next = nl ? nl + 1 : val + len;
        if (nl)
            *nl = '\0';
        load_entry(line, map);
    }
    bn_free(val);
    return bn_store_state_put(s, key, NULL, 0);
}

/* log_pending_save - a log's defer map into the store (clean stop) */
int log_pending_save(bn_store *s, const char *logpath, const bn_qmap *map)
{
    char key[PATH_MAX + 32];
    size_t len;
    if (!make_key(key, sizeof(key), KEY_DEFER, logpath))
        return BN_OK;
    char *text = pending_text(map, &len);
    if (!text)
        return BN_ENOMEM;
    int rc = bn_store_state_put(s, key, len ? text : NULL, len);
    bn_free(text);
    return rc;
}
