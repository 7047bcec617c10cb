/*
 * store_sqlite.c - the SQLite backend of the store (the default)
 *
 * WAL journal, synchronous=FULL (a commit is on disk when it returns: the
 * MTA pipe relies on that; NORMAL for bulk loads, which a re-run repairs),
 * a busy timeout as the bounded lock wait, and
 * BEGIN IMMEDIATE for writes so two writers never deadlock on a lock
 * upgrade. STRICT tables; the schema is versioned with PRAGMA user_version
 * and migrated on open (schema.c). Every statement is prepared once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "store/store.h"

/* Classes that can change an address's state (history items). */
#define HIST_CLASSES "('hard','complaint','suspend','soft','delivery')"
/* The same test as an expression: "class IN (list)" builds an ephemeral
 * B-tree of the list on every execution (about 3/4 of the cost of an
 * ingest-time history read); a CASE compares in place. */
#define HIST_CLASS_TEST                                                        \
    "CASE class WHEN 'hard' THEN 1 WHEN 'soft' THEN 1 WHEN 'delivery' THEN 1 " \
    "WHEN 'complaint' THEN 1 WHEN 'suspend' THEN 1 ELSE 0 END"

#define SUPP_COLS                                                              \
    "s.address, s.domain, s.kind, COALESCE(m.note, s.reason), s.since, "       \
    "s.expires, s.soft_count, COALESCE(s.event_id, 0), COALESCE(e.source, ''), " \
    "COALESCE(e.message_id, ''), COALESCE(e.diagnostic, '') "                  \
    "FROM suppression s LEFT JOIN event e ON e.id = s.event_id "               \
    "LEFT JOIN manual m ON m.id = s.manual_id "

#define EVENT_COLS                                                             \
    "id, time, ingested, class, address, recipient, domain, reason, status, "  \
    "replycode, hardbounce, permanence, diagnostic, rule, format, dsn_action, "\
    "feedback_type, addresser, message_id, source, ip, remote_mta, blocklist, "\
    "'', '', '', 0, 0, fault"

#define MANUAL_COLS                                                            \
    "id, time, time, 'manual', address, recipient, domain, '', '', 0, 0, '', " \
    "'', '', '', '', '', '', '', '', '', '', '', action, note, who, until, 1, ''"

enum stmt_id {
    ST_META_GET, ST_META_SET, ST_EV_INSERT, ST_MANUAL_INSERT, ST_HISTORY,
    ST_HISTORY_MANUAL,
    ST_SUPP_GET, ST_SUPP_PUT, ST_SUPP_DEL, ST_SUPP_CLEAR, ST_SUPP_ITER,
    ST_EV_ITER, ST_EV_HISTORY, ST_EV_UPDATE, ST_HAS_MANUAL, ST_ADDRESSES,
    ST_SUPP_KEYS, ST_MANUAL_ITER, ST_MANUAL_UPDATE, ST_EV_UNTIMED, ST_EV_KEY,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_SET] = "INSERT INTO meta(key, value) VALUES(?1, ?2) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    /* Schema 4 finds a duplicate by (time, dedup), event_key; a record stored
     * with its ingest time (no date, or a future one) by dedup alone in
     * event_untimed. Both are unique: no target, either conflict means
     * "stored before". On an older schema UNIQUE(dedup) answers alone. */
    [ST_EV_INSERT] =
        "INSERT INTO event(dedup, time, ingested, class, address, recipient, "
        "domain, reason, status, replycode, hardbounce, permanence, fault, "
        "diagnostic, rule, format, dsn_action, feedback_type, addresser, "
        "message_id, source, ip, remote_mta, blocklist) VALUES(?1, ?2, ?3, ?4, "
        "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
        "?20, ?21, ?22, ?23, ?24) ON CONFLICT DO NOTHING",
    /* A record dated in the future when first stored kept its ingest time;
     * ingested again once its date has come, it is found here (see
     * stored_untimed). Not folded into the INSERT as NOT EXISTS: an INSERT
     * that reads its own table goes through a temporary table, which made
     * the whole ingest 3.6 times as costly. ST_EV_KEY: the other lookup. */
    [ST_EV_UNTIMED] = "SELECT 1 FROM event WHERE dedup = ?1 AND time = ingested",
    [ST_EV_KEY] = "SELECT 1 FROM event WHERE time = ?1 AND dedup = ?2",
    [ST_MANUAL_INSERT] =
        "INSERT INTO manual(time, address, recipient, domain, action, until, "
        "note, who) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_HISTORY] =
        "SELECT time, id, class, 0, 0, reason FROM event WHERE address = ?1 "
        "AND " HIST_CLASS_TEST " ORDER BY time DESC, id DESC LIMIT ?2",
    [ST_HISTORY_MANUAL] =
        "SELECT time, id, 'manual', action = 'unsuppress', until, note FROM "
        "manual WHERE address = ?1 ORDER BY time DESC, id DESC LIMIT ?2",
    [ST_SUPP_GET] = "SELECT " SUPP_COLS
                    "WHERE s.address = ?1 AND (s.expires = 0 OR s.expires > ?2)",
    [ST_SUPP_PUT] =
        "INSERT INTO suppression(address, domain, kind, reason, since, expires, "
        "event_id, manual_id, soft_count, updated) VALUES(?1, ?2, ?3, ?4, ?5, "
        "?6, ?7, ?8, ?9, ?10) ON CONFLICT(address) DO UPDATE SET "
        "domain = excluded.domain, kind = excluded.kind, reason = "
        "excluded.reason, since = excluded.since, expires = excluded.expires, "
        "event_id = excluded.event_id, manual_id = excluded.manual_id, "
        "soft_count = excluded.soft_count, updated = excluded.updated",
    [ST_SUPP_DEL] = "DELETE FROM suppression WHERE address = ?1",
    [ST_SUPP_CLEAR] = "DELETE FROM suppression",
    [ST_SUPP_ITER] = "SELECT " SUPP_COLS
                     "WHERE (s.expires = 0 OR s.expires > ?1) AND s.since >= ?2 "
                     "AND (?3 IS NULL OR s.reason = ?3 OR s.kind = ?3) "
                     "ORDER BY s.address",
    [ST_EV_ITER] = "SELECT " EVENT_COLS " FROM event WHERE time >= ?1 "
                   "ORDER BY time, id",
    [ST_EV_HISTORY] = "SELECT " EVENT_COLS " FROM event WHERE address = ?1 "
                      "UNION ALL SELECT " MANUAL_COLS " FROM manual WHERE "
                      "address = ?1 ORDER BY 2, 28, 1",
    [ST_EV_UPDATE] = "UPDATE event SET address = ?2, domain = ?3, class = ?4, "
                     "fault = coalesce(?5, fault) WHERE id = ?1",
    [ST_SUPP_KEYS] = "SELECT address, reason FROM suppression "
                     "WHERE expires = 0 OR expires > ?1",
    [ST_MANUAL_ITER] = "SELECT id, recipient, address FROM manual ORDER BY id",
    [ST_MANUAL_UPDATE] = "UPDATE manual SET address = ?2, domain = ?3 WHERE id = ?1",
    [ST_HAS_MANUAL] = "SELECT EXISTS (SELECT 1 FROM manual)",
    [ST_ADDRESSES] = "SELECT address FROM event WHERE address != '' AND "
                     "class IN " HIST_CLASSES " UNION SELECT address FROM manual",
};

typedef struct sq_store {
    sqlite3 *db;
    const char *path;
    long wait_ms;
    bool readonly;  /* opened for reading (check, filter, list...) */
    sqlite3_stmt *st[ST_COUNT];
    char *strings;  /* copies handed out by supp_get */
    int has_manual; /* manual table non-empty: 1, 0, -1 unknown (this tx) */
    int future;     /* meta FUTURE_KEY set: 1, 0, -1 unknown (this tx) */
    bool last_dup;  /* the last event offered was stored before */
    sqlite3_stmt *state_st[3]; /* get, put, delete: prepared on first use, as
                                  an old store opened for reading lacks the
                                  table */
} sq_store;

#define SQ(s) ((sq_store *)(s)->impl)

/* NEW_PAGE_SIZE - bytes per page of a new database (see configure) */
#define NEW_PAGE_SIZE 32768
#define STR_(x) #x
#define STR(x) STR_(x)

/* FUTURE_KEY - the meta key saying that an event may have been stored with
 * its ingest time in place of its own, future, date (set with the first
 * one; by the migration to schema 4 when any event has time = ingested, as
 * schema 3 did not tell the two apart). Until then no insert needs to look
 * for a stored copy of a record under another time. */
#define FUTURE_KEY "dedup:future-dated"

/* SCHEMA_READABLE - the oldest schema version the statements work on:
 * later steps changed indexes (4 rebuilt the event table for that, same
 * columns), so a reader need not migrate */
#define SCHEMA_READABLE 1

/* bn_store_schema - the migrations, in order (schema.c) */
extern const char *const bn_store_schema[];
extern const unsigned bn_store_schema_count;

/* can_write - this process may write path (effective ids, as open uses) */
static bool can_write(const char *path)
{
    return faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0;
}

/* unwritable - path exists and this process cannot write it */
static bool unwritable(const char *path)
{
    return access(path, F_OK) == 0 && !can_write(path);
}

/* owner_words - "uid U gid G, mode 0MMM" of a file; "" when stat fails */
static const char *owner_words(const char *path, char *buf, size_t size)
{
    struct stat st;
    buf[0] = '\0';
    if (stat(path, &st) == 0)
        snprintf(buf, size, "uid %ld gid %ld, mode %04o", (long)st.st_uid,
                 (long)st.st_gid, (unsigned)(st.st_mode & 07777));
    return buf;
}

/* dir_of - the directory of path */
static const char *dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    snprintf(dir, size, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path)
        snprintf(dir, size, "/");
    return dir;
}

/* reader_hint - why a reader cannot open the list: it needs to read it,
 * and to make its -shm file when that is missing */
static const char *reader_hint(const char *path, const char *dir, char *buf,
                               size_t size)
{
    char shm[1100], own[96];
    snprintf(shm, sizeof shm, "%s-shm", path);
    if (access(path, F_OK) == 0 && faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) != 0)
        snprintf(buf, size, "; the file is not readable by this user (uid %ld gid "
                 "%ld; the file: owner %s)", (long)geteuid(), (long)getegid(),
                 owner_words(path, own, sizeof own));
    else if (access(shm, F_OK) != 0 && !can_write(dir))
        snprintf(buf, size, "; the directory %s is not writable by this user, and "
                 "a reader makes the list's -wal and -shm files when they are "
                 "missing (docs/store.md, \"Sharing the list\")", dir);
    else
        buf[0] = '\0';
    return buf;
}

/* access_hint - why a file cannot be opened or written, in words */
static const char *access_hint(const char *path, bool readonly, char *buf,
                               size_t size)
{
    char dir[1024], own[96];
    struct stat st;
    if (stat(dir_of(path, dir, sizeof dir), &st) != 0)
        snprintf(buf, size, "; the directory %s does not exist", dir);
    else if (readonly)
        reader_hint(path, dir, buf, size);
    else if (unwritable(path))
        snprintf(buf, size, "; the file is read-only for this user (uid %ld gid "
                 "%ld; the file: owner %s)", (long)geteuid(), (long)getegid(),
                 owner_words(path, own, sizeof own));
    else if (!can_write(dir))
        snprintf(buf, size, "; the directory %s is not writable by this user", dir);
    else
        buf[0] = '\0';
    return buf;
}

/* side_unwritable - the list's -wal or -shm file, when it exists and this
 * process cannot write it (a reader of another user made it): its path in
 * out. SQLite then reports the list itself as "readonly". */
static bool side_unwritable(const char *path, char *out, size_t size)
{
    static const char *const suffix[] = {"-wal", "-shm"};
    if (unwritable(path))
        return false; /* the list itself is the cause */
    for (size_t i = 0; i < 2; i++) {
        snprintf(out, size, "%s%s", path, suffix[i]);
        if (unwritable(out))
            return true;
    }
    return false;
}

/* side_error - the message when a -wal or -shm file is what cannot be
 * written: that file first, its owner and mode, and what to do */
static void side_error(bn_store *s, const char *side, const char *msg,
                       const char *what)
{
    char own[96];
    bn_store_set_error(s, "%s: not writable by this user (uid %ld gid %ld; the "
                       "file: owner %s), so the list %s cannot be written (%s, "
                       "while %s); every user of a list must be able to write "
                       "its -wal and -shm files: put them all in one group, make "
                       "the directory setgid to it, and the list and these files "
                       "of that group and group-writable (chgrp, chmod g+w; new "
                       "-wal and -shm files take the list's mode); see "
                       "docs/store.md, \"Sharing the list\"",
                       side, (long)geteuid(), (long)getegid(),
                       owner_words(side, own, sizeof own), SQ(s)->path, msg, what);
}

/* map_err - an SQLite result as bn_err, with a message naming the database */
static int map_err(bn_store *s, int rc, const char *what)
{
    sq_store *q = SQ(s);
    const char *msg = q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);
    int bn;
    switch (rc & 0xFF) {
    case SQLITE_BUSY: case SQLITE_LOCKED:
        bn_store_set_error(s, "%s: the database stayed locked for %.1f s while "
                           "%s (another process holds it)", q->path,
                           (double)q->wait_ms / 1000, what);
        return BN_EBUSY;
    case SQLITE_FULL:
        bn_store_set_error(s, "%s: database or disk is full while %s; nothing "
                           "of this transaction was written", q->path, what);
        return BN_EFULL;
    case SQLITE_NOMEM: bn = BN_ENOMEM; break;
    case SQLITE_CANTOPEN: case SQLITE_READONLY: case SQLITE_PERM:
    case SQLITE_IOERR: case SQLITE_AUTH:
        bn = BN_EUNAVAIL;
        break;
    default: bn = BN_ESTORE; break;
    }
    char hint[1400] = "", side[1100];
    if (bn == BN_EUNAVAIL && !q->readonly && side_unwritable(q->path, side, sizeof side)) {
        side_error(s, side, msg, what); /* a reader needs no write access to them */
        return bn;
    }
    if (bn == BN_EUNAVAIL)
        access_hint(q->path, q->readonly, hint, sizeof hint);
    bn_store_set_error(s, "%s: %s (while %s)%s", q->path, msg, what, hint);
    return bn;
}

/* exec - run SQL without results */
static int exec(bn_store *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(SQ(s)->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? BN_OK : map_err(s, rc, what);
}

/* now_ms - a monotonic clock in milliseconds */
static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * exec_busy_retry - exec, retrying SQLITE_BUSY until wait_ms has passed.
 * SQLite skips the busy handler where waiting could deadlock: when several
 * processes switch a new file to WAL at once, all but one get SQLITE_BUSY
 * at once (1 in 15 rounds of 16 concurrent first ingests). Their pragma is
 * safe to repeat, so they back off (1 ms, doubling to 64 ms) and try again.
 */
static int exec_busy_retry(bn_store *s, const char *sql, const char *what)
{
    long long start = now_ms();
    long pause_ms = 1;
    int rc;
    while ((rc = sqlite3_exec(SQ(s)->db, sql, NULL, NULL, NULL)) == SQLITE_BUSY &&
           now_ms() - start < SQ(s)->wait_ms) {
        struct timespec p = {0, pause_ms * 1000000L};
        nanosleep(&p, NULL);
        pause_ms = pause_ms < 64 ? pause_ms * 2 : 64;
    }
    return rc == SQLITE_OK ? BN_OK : map_err(s, rc, what);
}

/* user_version - PRAGMA user_version */
static int user_version(bn_store *s, int *v)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(SQ(s)->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *v = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? BN_OK : map_err(s, rc, "reading the schema version");
}

/* foreign_tables - the file holds tables but is not a bounce store */
static int foreign_tables(bn_store *s, bool *foreign)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(SQ(s)->db, "SELECT count(*) FROM sqlite_master "
                                "WHERE type = 'table' AND name != 'meta'",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *foreign = sqlite3_column_int(st, 0) > 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? BN_OK : map_err(s, rc, "reading the schema");
}

/* apply_migrations - bring the schema from version v to the newest */
static int apply_migrations(bn_store *s, int v)
{
    char sql[64];
    bool foreign = false;
    int rc = BN_OK;
    if (v == 0 && (rc = foreign_tables(s, &foreign)) == BN_OK && foreign) {
        bn_store_set_error(s, "%s: not a bounce database (it has other tables)",
                           SQ(s)->path);
        return BN_ESTORE;
    }
    for (unsigned i = (unsigned)v; rc == BN_OK && i < bn_store_schema_count; i++)
        rc = exec(s, bn_store_schema[i], "migrating the schema");
    snprintf(sql, sizeof sql, "PRAGMA user_version = %u", bn_store_schema_count);
    return rc ? rc : exec(s, sql, "migrating the schema");
}

/* migrate - check the version; migrate in a write transaction if old */
static int migrate(bn_store *s, bool readonly)
{
    int v = 0, rc = user_version(s, &v);
    if (rc)
        return rc;
    if (v > (int)bn_store_schema_count) {
        bn_store_set_error(s, "%s: schema version %d is newer than this bounce "
                           "knows (%u); upgrade bounce", SQ(s)->path, v,
                           bn_store_schema_count);
        return BN_ESTORE;
    }
    if (v == (int)bn_store_schema_count)
        return BN_OK;
    if (readonly && v >= SCHEMA_READABLE)
        return BN_OK; /* the steps since changed indexes only */
    if (readonly) {
        bn_store_set_error(s, "%s: the schema needs migrating (version %d); "
                           "open it once for writing", SQ(s)->path, v);
        return BN_ESTORE;
    }
    if ((rc = exec(s, "BEGIN IMMEDIATE", "locking to migrate")))
        return rc;
    if ((rc = user_version(s, &v)) == BN_OK && v < (int)bn_store_schema_count)
        rc = apply_migrations(s, v);
    if (rc == BN_OK)
        return exec(s, "COMMIT", "committing the migration");
    sqlite3_exec(SQ(s)->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* bulk_checkpoint - checkpoint the WAL every 40 MiB, whatever the page size
 * of this file (older files have 4 KiB pages) */
static int bulk_checkpoint(bn_store *s)
{
    char sql[64];
    sqlite3_stmt *st;
    long pages = 10000;
    int rc = sqlite3_prepare_v2(SQ(s)->db, "PRAGMA page_size", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_int(st, 0) > 0)
        pages = (40L << 20) / sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return map_err(s, rc, "opening");
    snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint = %ld", pages);
    return exec(s, sql, "opening");
}

/* configure - pragmas of every connection */
static int configure(bn_store *s, const bn_store_opts *o)
{
    char sql[96];
    int rc = BN_OK;
    sqlite3_busy_timeout(SQ(s)->db, (int)o->wait_ms);
    /* 32 KiB pages for a new file (an existing one keeps its size): ingest
     * inserts at random places in three indexes (dedup key, address
     * history, list), and SQLite's cost is largely per page touched and per
     * WAL frame, not per byte. Fewer, larger pages took 15-25% less CPU
     * per record at 200,000 records; the memory of the cache is unchanged
     * (its size is in KiB). */
    if (!o->readonly)
        rc = exec(s, "PRAGMA page_size = " STR(NEW_PAGE_SIZE), "opening");
    if (rc == BN_OK && !o->readonly)
        rc = exec_busy_retry(s, "PRAGMA journal_mode = WAL", "opening");
    if (rc == BN_OK)
        rc = exec(s, o->bulk ? "PRAGMA synchronous = NORMAL"
                             : "PRAGMA synchronous = FULL", "opening");
    if (rc == BN_OK) /* 32 MiB of page cache: ingest touches indexes at random */
        rc = exec(s, "PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY", "opening");
    /* bulk: checkpoint every 40 MiB of WAL, not every 1000 pages. A batch of
     * random dedup/address keys dirties ~1000 index pages, so the default
     * copied every batch into the file (with an fsync); ten batches share
     * most pages. About 1/3 less system time and 12% more records per CPU
     * second at 300,000 events; the WAL file grows to ~40 MiB meanwhile. */
    if (rc == BN_OK && o->bulk && !o->readonly)
        rc = bulk_checkpoint(s);
    if (rc == BN_OK && o->max_pages > 0) {
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %ld", o->max_pages);
        rc = exec(s, sql, "limiting the size");
    }
    return rc;
}

/* prepare_all - every statement, once */
static int prepare_all(bn_store *s)
{
    sq_store *q = SQ(s);
    for (unsigned i = 0; i < ST_COUNT; i++) {
        int rc = sqlite3_prepare_v3(q->db, stmt_sql[i], -1,
                                    SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL);
        if (rc != SQLITE_OK)
            return map_err(s, rc, "preparing statements");
    }
    return BN_OK;
}

/* no_memstat - SQLite's memory statistics off, before SQLite starts: with
 * them every allocation and free takes a global mutex, and SQLite builds
 * without lookaside memory (Debian's) allocate ~15 times per ingested
 * record (6% of its instructions, more in cycles). sqlite3_config refuses
 * (SQLITE_MISUSE, ignored) once the program has started SQLite itself. */
static void no_memstat(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* sq_open - open the file, configure, migrate, prepare */
static int sq_open(bn_store *s, const char *uri, const bn_store_opts *o)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, no_memstat);
    sq_store *q = bn_calloc(1, sizeof *q);
    if (!q)
        return BN_ENOMEM;
    s->impl = q;
    q->path = uri;
    q->wait_ms = o->wait_ms;
    q->readonly = o->readonly;
    int flags = o->readonly ? SQLITE_OPEN_READONLY
                            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(uri, &q->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = map_err(s, rc, o->readonly ? "opening for reading"
                                        : "opening or creating it");
        if (o->readonly && rc == BN_EUNAVAIL && access(uri, F_OK) != 0)
            bn_store_set_error(s, "%s: no suppression list there (cannot open "
                               "it: %s)", uri, sqlite3_errmsg(q->db));
    } else {
        rc = configure(s, o);
        rc = rc ? rc : migrate(s, o->readonly);
        rc = rc ? rc : prepare_all(s);
    }
    return rc;
}

/* sq_close - finalize statements, close the connection */
static void sq_close(bn_store *s)
{
    sq_store *q = SQ(s);
    if (!q)
        return;
    for (unsigned i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(q->st[i]);
    for (unsigned i = 0; i < 3; i++)
        sqlite3_finalize(q->state_st[i]);
    sqlite3_close(q->db);
    bn_free(q->strings);
    bn_free(q);
    s->impl = NULL;
}

/* sq_begin - BEGIN IMMEDIATE: take the write lock now (bounded wait) */
static int sq_begin(bn_store *s)
{
    SQ(s)->has_manual = -1; /* other processes may have written */
    SQ(s)->future = -1;
    return exec(s, "BEGIN IMMEDIATE", "starting a write");
}

/* sq_commit - COMMIT */
static int sq_commit(bn_store *s)
{
    return exec(s, "COMMIT", "committing");
}

/* sq_rollback - ROLLBACK (a failed statement may have ended it already) */
static void sq_rollback(bn_store *s)
{
    if (!sqlite3_get_autocommit(SQ(s)->db))
        sqlite3_exec(SQ(s)->db, "ROLLBACK", NULL, NULL, NULL);
}

/* stmt - a prepared statement, reset and unbound */
static sqlite3_stmt *stmt(bn_store *s, enum stmt_id id)
{
    sqlite3_stmt *st = SQ(s)->st[id];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* stmt_rebind - a prepared statement whose every parameter the caller
 * binds again (no clearing: it costs as much as a few binds) */
static sqlite3_stmt *stmt_rebind(bn_store *s, enum stmt_id id)
{
    sqlite3_stmt *st = SQ(s)->st[id];
    sqlite3_reset(st);
    return st;
}

/* txt - bind a C string (static during the statement). The length is
 * passed: given -1, SQLite measures the string a byte at a time (an
 * ingested record binds 19 strings; 8% fewer instructions in the binds). */
static void txt(sqlite3_stmt *st, int i, const char *v)
{
    v = v ? v : "";
    sqlite3_bind_text(st, i, v, (int)strlen(v), SQLITE_STATIC);
}

/* step_done - run a statement that returns no rows */
static int step_done(bn_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? BN_OK : map_err(s, rc, what);
}

/* sq_meta_get - a setting, copied for the caller (bn_free) */
static int sq_meta_get(bn_store *s, const char *key, char **val)
{
    sqlite3_stmt *st = stmt(s, ST_META_GET);
    txt(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        *val = bn_strndup(v ? v : "", v ? strlen(v) : 0);
        sqlite3_reset(st);
        return *val ? BN_OK : BN_ENOMEM;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? BN_ENOTFOUND : map_err(s, rc, "reading settings");
}

/* sq_meta_set - write a setting */
static int sq_meta_set(bn_store *s, const char *key, const char *val)
{
    sqlite3_stmt *st = stmt(s, ST_META_SET);
    txt(st, 1, key);
    txt(st, 2, val);
    return step_done(s, st, "writing settings");
}

static const char *const state_sql[3] = {
    "SELECT value FROM state WHERE key = ?1",
    "INSERT INTO state(key, value, updated) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
    "updated = excluded.updated",
    "DELETE FROM state WHERE key = ?1",
};

/* state_stmt - statement i of state_sql, prepared on first use;
 * BN_ENOTFOUND when the table is missing (an old store opened for reading) */
static int state_stmt(bn_store *s, int i, sqlite3_stmt **out)
{
    sq_store *q = SQ(s);
    if (!q->state_st[i]) {
        int rc = sqlite3_prepare_v3(q->db, state_sql[i], -1,
                                    SQLITE_PREPARE_PERSISTENT, &q->state_st[i], NULL);
        if (rc != SQLITE_OK && strstr(sqlite3_errmsg(q->db), "no such table"))
            return BN_ENOTFOUND;
        if (rc != SQLITE_OK)
            return map_err(s, rc, "reading the saved state");
    }
    sqlite3_reset(q->state_st[i]);
    sqlite3_clear_bindings(q->state_st[i]);
    *out = q->state_st[i];
    return BN_OK;
}

/* sq_state_get - a state blob, copied for the caller (bn_free) */
static int sq_state_get(bn_store *s, const char *key, char **val, size_t *len)
{
    sqlite3_stmt *st = NULL;
    int rc = state_stmt(s, 0, &st);
    if (rc)
        return rc;
    txt(st, 1, key);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *v = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if ((*val = bn_malloc(n + 1))) {
            if (n)
                memcpy(*val, v, n);
            (*val)[n] = '\0';
            *len = n;
        }
        sqlite3_reset(st);
        return *val ? BN_OK : BN_ENOMEM;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? BN_ENOTFOUND : map_err(s, rc, "reading the saved state");
}

/* sq_state_put - write (val NULL: delete) a state blob */
static int sq_state_put(bn_store *s, const char *key, const void *val, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = state_stmt(s, val ? 1 : 2, &st);
    if (rc == BN_ENOTFOUND) {
        bn_store_set_error(s, "%s: no state table (schema too old)", SQ(s)->path);
        return BN_ESTORE;
    }
    if (rc)
        return rc;
    txt(st, 1, key);
    if (val) {
        sqlite3_bind_blob64(st, 2, len ? val : "", len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
    }
    return step_done(s, st, "saving the state");
}

/* future_dated - may an event have been stored with its ingest time in
 * place of a future date? (FUTURE_KEY; asked once per transaction) */
static int future_dated(bn_store *s, bool *yes)
{
    sq_store *q = SQ(s);
    if (q->future < 0 || sqlite3_get_autocommit(q->db)) {
        sqlite3_stmt *st = stmt(s, ST_META_GET);
        txt(st, 1, FUTURE_KEY);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return map_err(s, rc, "storing an event");
        q->future = rc == SQLITE_ROW;
    }
    *yes = q->future != 0;
    return BN_OK;
}

/* found_by - one lookup statement (st, bound) finds a row */
static int found_by(bn_store *s, sqlite3_stmt *st, bool *found)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    *found = rc == SQLITE_ROW;
    return *found || rc == SQLITE_DONE ? BN_OK : map_err(s, rc, "storing an event");
}

/* untimed_copy - a row stored under its ingest time has the record's dedup */
static int untimed_copy(bn_store *s, const bn_event_in *e, bool *found)
{
    sqlite3_stmt *st = stmt_rebind(s, ST_EV_UNTIMED);
    sqlite3_bind_blob(st, 1, e->dedup, BN_DEDUP_LEN, SQLITE_STATIC);
    return found_by(s, st, found);
}

/* stored_untimed - the record, which has a plausible date now, is stored
 * under its ingest time: its date was in the future then. Only asked once
 * such an event may exist; a record without a plausible date has
 * time = ingested itself, and event_untimed's unique key answers for it. */
static int stored_untimed(bn_store *s, const bn_event_in *e, bool *found)
{
    bool maybe = false;
    int rc = BN_OK;
    *found = false;
    if (e->time == e->ingested || (rc = future_dated(s, &maybe)) || !maybe)
        return rc;
    return untimed_copy(s, e, found);
}

/* stored_before - every way ST_EV_INSERT would find the record stored, as
 * lookups: two values bound instead of 24 (used while re-reading input
 * already stored, where the insert would find it) */
static int stored_before(bn_store *s, const bn_event_in *e, bool *found)
{
    sqlite3_stmt *st = stmt_rebind(s, ST_EV_KEY);
    sqlite3_bind_int64(st, 1, e->time);
    sqlite3_bind_blob(st, 2, e->dedup, BN_DEDUP_LEN, SQLITE_STATIC);
    int rc = found_by(s, st, found);
    if (rc || *found)
        return rc;
    return e->time == e->ingested ? untimed_copy(s, e, found)
                                  : stored_untimed(s, e, found);
}

/* mark_future - note FUTURE_KEY when an event keeps its ingest time in
 * place of its own, future, date (in the event's transaction) */
static int mark_future(bn_store *s, const bn_event_in *e)
{
    if (e->stamp <= e->time || SQ(s)->future == 1)
        return BN_OK;
    int rc = sq_meta_set(s, FUTURE_KEY, "1");
    SQ(s)->future = rc == BN_OK ? 1 : -1;
    return rc;
}

/* bind_event - the 24 values of ST_EV_INSERT */
static void bind_event(sqlite3_stmt *st, const bn_event_in *e)
{
    sqlite3_bind_blob(st, 1, e->dedup, BN_DEDUP_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, e->time);
    sqlite3_bind_int64(st, 3, e->ingested);
    txt(st, 4, bn_class_name(e->cls));
    const char *t[] = {e->address, e->recipient, e->domain, e->reason, e->status};
    for (int i = 0; i < 5; i++)
        txt(st, 5 + i, t[i]);
    sqlite3_bind_int(st, 10, e->replycode);
    sqlite3_bind_int(st, 11, e->hardbounce);
    const char *u[] = {e->permanence, e->fault, e->diagnostic, e->rule,
                       e->format, e->dsn_action, e->feedback_type, e->addresser,
                       e->message_id, e->source, e->ip, e->remote_mta,
                       e->blocklist};
    for (int i = 0; i < 13; i++)
        txt(st, 12 + i, u[i]);
}

/* sq_event_put - insert unless the record was stored before. After a
 * duplicate the next record is looked up first: input read again (a
 * Maildir at every run) is mostly duplicates, and a lookup binds 2 values
 * where the insert binds 24 before it finds the row. */
static int sq_event_put(bn_store *s, const bn_event_in *e, long long *id,
                        bool *inserted)
{
    sq_store *q = SQ(s);
    bool found;
    int rc = q->last_dup ? stored_before(s, e, &found)
                         : stored_untimed(s, e, &found);
    *inserted = false, *id = 0;
    if (rc || found) {
        q->last_dup = found;
        return rc;
    }
    sqlite3_stmt *st = stmt_rebind(s, ST_EV_INSERT); /* binds all 24 */
    bind_event(st, e);
    if ((rc = step_done(s, st, "storing an event")) != BN_OK)
        return rc;
    q->last_dup = sqlite3_changes(q->db) == 0; /* a unique key: stored before */
    if (q->last_dup)
        return BN_OK;
    *inserted = true;
    *id = sqlite3_last_insert_rowid(q->db);
    return mark_future(s, e);
}

/* sq_manual_put - store a person's action */
static int sq_manual_put(bn_store *s, const bn_manual_in *m, long long *id)
{
    sqlite3_stmt *st = stmt(s, ST_MANUAL_INSERT);
    const char *at = strrchr(m->address, '@');
    sqlite3_bind_int64(st, 1, m->time);
    txt(st, 2, m->address);
    txt(st, 3, m->recipient);
    txt(st, 4, at ? at + 1 : "");
    txt(st, 5, m->action);
    sqlite3_bind_int64(st, 6, m->until);
    txt(st, 7, m->note);
    txt(st, 8, m->who);
    int rc = step_done(s, st, "storing a manual action");
    *id = sqlite3_last_insert_rowid(SQ(s)->db);
    SQ(s)->has_manual = rc == BN_OK ? 1 : -1;
    return rc;
}

/* col - column text, "" for NULL */
static const char *col(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

/* class_of - a stored class name (stored as bn_class_name wrote it, so an
 * exact match first; the case-insensitive parse for anything else) */
static bn_class class_of(const char *name)
{
    bn_class c = BN_CLASS_IGNORE;
    for (unsigned i = 0; i < BN_CLASS_COUNT; i++)
        if (!strcmp(name, bn_class_name((bn_class)i)))
            return (bn_class)i;
    bn_class_from_name(&c, name, strlen(name));
    return c;
}

/* copy_col - column text into a fixed buffer, cut to fit */
static void copy_col(sqlite3_stmt *st, int i, char *buf, size_t size)
{
    const char *v = col(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    n = n < size - 1 ? n : size - 1;
    memcpy(buf, v, n);
    buf[n] = '\0';
}

/* run_history - one history query (newest first, bounded) */
static int run_history(bn_store *s, enum stmt_id id, const char *address,
                       bn_hist_cb cb, void *ctx)
{
    sqlite3_stmt *st = stmt_rebind(s, id); /* binds both */
    int rc;
    txt(st, 1, address);
    sqlite3_bind_int(st, 2, BN_HISTORY_MAX);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bn_hist_item it = {sqlite3_column_int64(st, 0),
                           sqlite3_column_int64(st, 1), class_of(col(st, 2)),
                           sqlite3_column_int(st, 3) != 0,
                           sqlite3_column_int64(st, 4), ""};
        copy_col(st, 5, it.reason, sizeof it.reason);
        if (cb(ctx, &it))
            break;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BN_OK
                                                 : map_err(s, rc, "reading history");
}

/* has_manual - any manual action stored? (asked once per transaction:
 * most lists have none, and then the per-address query is skipped) */
static int has_manual(bn_store *s, bool *yes)
{
    sq_store *q = SQ(s);
    if (q->has_manual < 0 || sqlite3_get_autocommit(q->db)) {
        sqlite3_stmt *st = stmt(s, ST_HAS_MANUAL);
        int rc = sqlite3_step(st);
        q->has_manual = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            return map_err(s, rc, "reading history");
    }
    *yes = q->has_manual != 0;
    return BN_OK;
}

/* sq_history - the items the policy folds: index order, no sorting here */
static int sq_history(bn_store *s, const char *address, bn_hist_cb cb,
                      void *ctx)
{
    bool manual = true;
    int rc = run_history(s, ST_HISTORY, address, cb, ctx);
    if (rc == BN_OK)
        rc = has_manual(s, &manual);
    return rc || !manual ? rc : run_history(s, ST_HISTORY_MANUAL, address, cb, ctx);
}

/* supp_from_row - a bn_suppression from SUPP_COLS (pointers into the row) */
static void supp_from_row(sqlite3_stmt *st, bn_suppression *e)
{
    e->address = col(st, 0);
    e->domain = col(st, 1);
    e->kind = class_of(col(st, 2));
    e->reason = col(st, 3);
    e->since = sqlite3_column_int64(st, 4);
    e->until = sqlite3_column_int64(st, 5);
    e->soft_count = (unsigned)sqlite3_column_int(st, 6);
    e->event_id = sqlite3_column_int64(st, 7);
    e->source = col(st, 8);
    e->message_id = col(st, 9);
    e->diagnostic = col(st, 10);
}

/* keep_strings - copy the row's strings so they outlive the statement */
static int keep_strings(bn_store *s, bn_suppression *e)
{
    const char **f[] = {&e->address, &e->domain, &e->reason, &e->source,
                        &e->message_id, &e->diagnostic};
    size_t total = 0, off = 0;
    for (size_t i = 0; i < 6; i++)
        total += strlen(*f[i]) + 1;
    char *buf = bn_malloc(total);
    if (!buf)
        return BN_ENOMEM;
    for (size_t i = 0; i < 6; i++) {
        size_t n = strlen(*f[i]) + 1;
        memcpy(buf + off, *f[i], n);
        *f[i] = buf + off;
        off += n;
    }
    bn_free(SQ(s)->strings);
    SQ(s)->strings = buf;
    return BN_OK;
}

/* sq_supp_get - the entry of an address if in force at now */
static int sq_supp_get(bn_store *s, const char *address, time_t now,
                       bn_suppression *out)
{
    sqlite3_stmt *st = stmt(s, ST_SUPP_GET);
    txt(st, 1, address);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        supp_from_row(st, out);
        rc = keep_strings(s, out);
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? BN_ENOTFOUND : map_err(s, rc, "looking up");
}

/* sq_supp_put - write an entry */
static int sq_supp_put(bn_store *s, const bn_supp_row *r)
{
    sqlite3_stmt *st = stmt_rebind(s, ST_SUPP_PUT); /* binds all 10 */
    txt(st, 1, r->address);
    txt(st, 2, r->domain);
    txt(st, 3, bn_class_name(r->kind));
    txt(st, 4, r->reason);
    sqlite3_bind_int64(st, 5, r->since);
    sqlite3_bind_int64(st, 6, r->until);
    if (r->event_id)
        sqlite3_bind_int64(st, 7, r->event_id);
    else
        sqlite3_bind_null(st, 7);
    if (r->manual_id)
        sqlite3_bind_int64(st, 8, r->manual_id);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int(st, 9, (int)r->soft_count);
    sqlite3_bind_int64(st, 10, r->updated);
    return step_done(s, st, "writing the list");
}

/* sq_supp_del - remove an entry */
static int sq_supp_del(bn_store *s, const char *address)
{
    sqlite3_stmt *st = stmt_rebind(s, ST_SUPP_DEL);
    txt(st, 1, address);
    return step_done(s, st, "writing the list");
}

/* sq_supp_clear - empty the list (rebuild) */
static int sq_supp_clear(bn_store *s)
{
    return step_done(s, stmt(s, ST_SUPP_CLEAR), "clearing the list");
}

/* sq_supp_iter - entries in force at now, by address */
static int sq_supp_iter(bn_store *s, const bn_list_filter *f, time_t now,
                        bn_supp_cb cb, void *ctx)
{
    sqlite3_stmt *st = stmt(s, ST_SUPP_ITER);
    bn_suppression e;
    int rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, f->since);
    if (f->reason)
        txt(st, 3, f->reason);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        supp_from_row(st, &e);
        if (cb(ctx, &e))
            break;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BN_OK
                                                 : map_err(s, rc, "listing");
}

/* sq_supp_keys - address and reason of every entry in force */
static int sq_supp_keys(bn_store *s, time_t now,
                        int (*cb)(void *ctx, const char *address, size_t len,
                                  const char *reason),
                        void *ctx)
{
    sqlite3_stmt *st = stmt(s, ST_SUPP_KEYS);
    int rc;
    sqlite3_bind_int64(st, 1, now);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0), (size_t)sqlite3_column_bytes(st, 0), col(st, 1)))
            break;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BN_OK
                                                 : map_err(s, rc, "reading the list");
}

/* event_from_row - a bn_event from EVENT_COLS / MANUAL_COLS */
static void event_from_row(sqlite3_stmt *st, bn_event *e)
{
    e->id = sqlite3_column_int64(st, 0);
    e->time = sqlite3_column_int64(st, 1);
    e->ingested = sqlite3_column_int64(st, 2);
    e->cls = class_of(col(st, 3));
    const char **t[] = {&e->address, &e->recipient, &e->domain, &e->reason,
                        &e->status};
    for (int i = 0; i < 5; i++)
        *t[i] = col(st, 4 + i);
    e->replycode = sqlite3_column_int(st, 9);
    e->hardbounce = sqlite3_column_int(st, 10) != 0;
    const char **u[] = {&e->permanence, &e->diagnostic, &e->rule, &e->format,
                        &e->dsn_action, &e->feedback_type, &e->addresser,
                        &e->message_id, &e->source, &e->ip, &e->remote_mta,
                        &e->blocklist, &e->action, &e->note, &e->who};
    for (int i = 0; i < 15; i++)
        *u[i] = col(st, 11 + i);
    e->until = sqlite3_column_int64(st, 26);
    e->fault = col(st, 28);
}

/* run_events - step an event query, calling cb per row */
static int run_events(bn_store *s, sqlite3_stmt *st, bn_event_cb cb, void *ctx)
{
    bn_event e;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        event_from_row(st, &e);
        if (cb(ctx, &e))
            break;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BN_OK
                                                 : map_err(s, rc, "reading events");
}

/* sq_event_iter - every event since a time, oldest first */
static int sq_event_iter(bn_store *s, time_t since, bn_event_cb cb, void *ctx)
{
    sqlite3_stmt *st = stmt(s, ST_EV_ITER);
    sqlite3_bind_int64(st, 1, since);
    return run_events(s, st, cb, ctx);
}

/* sq_event_history - an address's events and manual actions */
static int sq_event_history(bn_store *s, const char *address, bn_event_cb cb,
                            void *ctx)
{
    sqlite3_stmt *st = stmt(s, ST_EV_HISTORY);
    txt(st, 1, address);
    return run_events(s, st, cb, ctx);
}

/* sq_event_update - rebuild's new address key, class and fault (NULL: kept) */
static int sq_event_update(bn_store *s, long long id, const char *address,
                           bn_class cls, const char *fault)
{
    sqlite3_stmt *st = stmt(s, ST_EV_UPDATE);
    const char *at = strrchr(address, '@');
    sqlite3_bind_int64(st, 1, id);
    txt(st, 2, address);
    txt(st, 3, at ? at + 1 : "");
    txt(st, 4, bn_class_name(cls));
    if (fault)
        txt(st, 5, fault);
    else
        sqlite3_bind_null(st, 5); /* bindings outlive sqlite3_reset */
    return step_done(s, st, "updating an event");
}

/* sq_manual_iter - every manual action's id, recipient and key */
static int sq_manual_iter(bn_store *s,
                          int (*cb)(void *ctx, long long id, const char *recipient,
                                    const char *address),
                          void *ctx)
{
    sqlite3_stmt *st = stmt(s, ST_MANUAL_ITER);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, sqlite3_column_int64(st, 0), col(st, 1), col(st, 2)))
            break;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BN_OK
                                                 : map_err(s, rc, "reading actions");
}

/* sq_manual_update - a manual action's new key */
static int sq_manual_update(bn_store *s, long long id, const char *address)
{
    sqlite3_stmt *st = stmt(s, ST_MANUAL_UPDATE);
    const char *at = strrchr(address, '@');
    sqlite3_bind_int64(st, 1, id);
    txt(st, 2, address);
    txt(st, 3, at ? at + 1 : "");
    return step_done(s, st, "updating an action");
}

/* sq_addresses - every address whose state can be non-empty */
static int sq_addresses(bn_store *s, bn_addr_cb cb, void *ctx)
{
    sqlite3_stmt *st = stmt(s, ST_ADDRESSES);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0)))
            break;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BN_OK
                                                 : map_err(s, rc, "reading addresses");
}

const bn_store_ops bn_store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .event_put = sq_event_put,
    .manual_put = sq_manual_put,
    .history = sq_history,
    .supp_get = sq_supp_get,
    .supp_put = sq_supp_put,
    .supp_del = sq_supp_del,
    .supp_clear = sq_supp_clear,
    .supp_iter = sq_supp_iter,
    .supp_keys = sq_supp_keys,
    .event_iter = sq_event_iter,
    .event_history = sq_event_history,
    .event_update = sq_event_update,
    .manual_iter = sq_manual_iter,
    .manual_update = sq_manual_update,
    .addresses = sq_addresses,
    .state_get = sq_state_get,
    .state_put = sq_state_put,
};
