/*
 * store_pg_ops.c - the row operations of the PostgreSQL backend
 *
 * The statements mirror store_sqlite.c's, in PostgreSQL's dialect; they are
 * prepared on first use per connection (store_pg.c). Round trips are what
 * an ingest pays for, so a new event that can change its address's state is
 * inserted and its address's history read in one statement (the generic
 * layer folds that history next), and writes to the list wait in a buffer
 * until the list is read or the transaction commits, then go in one
 * pipeline (PQenterPipelineMode). Parameters go as text, the
 * deduplication key as binary bytea. Text that is not valid UTF-8 (a
 * bounce's diagnostic may be anything) is stored with U+FFFD in place of
 * the bad bytes, since PostgreSQL refuses invalid UTF-8. Large reads
 * stream: single-row mode for rows, COPY TO STDOUT for the suppressed set
 * that `bounce filter` loads (one query, never one per address).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/json.h"
#include "store/store_pg.h"

#define HIST_CLASSES "('hard','complaint','suspend','soft','delivery')"

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
    "'', '', '', 0::bigint, 0, fault"

#define MANUAL_COLS                                                            \
    "id, time, time, 'manual', address, recipient, domain, '', '', 0, false, " \
    "'', '', '', '', '', '', '', '', '', '', '', '', action, note, who, until, 1, ''"

static const char *const stmt_sql[PS_COUNT] = {
    [PS_META_GET] = "SELECT value FROM meta WHERE key = $1",
    /* hex: independent of the session's bytea_output */
    [PS_STATE_GET] = "SELECT encode(value, 'hex') FROM state WHERE key = $1",
    [PS_STATE_PUT] = "INSERT INTO state(key, value, updated) VALUES($1, $2, $3) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                     "updated = excluded.updated",
    [PS_STATE_DEL] = "DELETE FROM state WHERE key = $1",
    [PS_META_SET] = "INSERT INTO meta(key, value) VALUES($1, $2) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [PS_EV_INSERT] =
        "INSERT INTO event(dedup, time, ingested, class, address, recipient, "
        "domain, reason, status, replycode, hardbounce, permanence, fault, "
        "diagnostic, rule, format, dsn_action, feedback_type, addresser, "
        "message_id, source, ip, remote_mta, blocklist) VALUES($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
        "$20, $21, $22, $23, $24) ON CONFLICT (dedup) DO NOTHING RETURNING id",
    /* the insert and, when it inserted, the address's history: the new row
     * (k = 0, from RETURNING: the statement's snapshot cannot see it) and
     * the stored items (k = 1), as PS_HISTORY gives them */
    [PS_EV_INSERT_HIST] =
        "WITH ins AS (INSERT INTO event(dedup, time, ingested, class, address, "
        "recipient, domain, reason, status, replycode, hardbounce, permanence, "
        "fault, diagnostic, rule, format, dsn_action, feedback_type, addresser, "
        "message_id, source, ip, remote_mta, blocklist) VALUES($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
        "$20, $21, $22, $23, $24) ON CONFLICT (dedup) DO NOTHING RETURNING id, "
        "time, class, reason) "
        "SELECT 0, time, id, class, false, 0::bigint, reason FROM ins "
        "UNION ALL (SELECT 1, time, id, class, false, 0::bigint, reason FROM "
        "event WHERE address = $5 AND class IN " HIST_CLASSES " AND EXISTS "
        "(SELECT 1 FROM ins) ORDER BY time DESC, id DESC LIMIT $25) UNION ALL "
        "(SELECT 1, time, id, 'manual', action = 'unsuppress', until, note FROM "
        "manual WHERE address = $5 AND EXISTS (SELECT 1 FROM ins) ORDER BY time "
        "DESC, id DESC LIMIT $25)",
    [PS_MANUAL_INSERT] =
        "INSERT INTO manual(time, address, recipient, domain, action, until, "
        "note, who) VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    /* events and manual actions in one round trip */
    [PS_HISTORY] =
        "(SELECT time, id, class, false, 0::bigint, reason FROM event WHERE "
        "address = $1 AND class IN " HIST_CLASSES " ORDER BY time DESC, id DESC "
        "LIMIT $2) UNION ALL (SELECT time, id, 'manual', action = 'unsuppress', "
        "until, note FROM manual WHERE address = $1 ORDER BY time DESC, id DESC "
        "LIMIT $2)",
    [PS_SUPP_GET] = "SELECT " SUPP_COLS
                    "WHERE s.address = $1 AND (s.expires = 0 OR s.expires > $2)",
    [PS_SUPP_PUT] =
        "INSERT INTO suppression(address, domain, kind, reason, since, expires, "
        "event_id, manual_id, soft_count, updated) VALUES($1, $2, $3, $4, $5, "
        "$6, $7, $8, $9, $10) ON CONFLICT (address) DO UPDATE SET "
        "domain = excluded.domain, kind = excluded.kind, reason = "
        "excluded.reason, since = excluded.since, expires = excluded.expires, "
        "event_id = excluded.event_id, manual_id = excluded.manual_id, "
        "soft_count = excluded.soft_count, updated = excluded.updated",
    [PS_SUPP_DEL] = "DELETE FROM suppression WHERE address = $1",
    [PS_SUPP_CLEAR] = "DELETE FROM suppression",
    /* byte order, as SQLite sorts, whatever the database's collation */
    [PS_SUPP_ITER] = "SELECT " SUPP_COLS
                     "WHERE (s.expires = 0 OR s.expires > $1) AND s.since >= $2 "
                     "AND ($3::text IS NULL OR s.reason = $3 OR s.kind = $3) "
                     "ORDER BY s.address COLLATE \"C\"",
    [PS_EV_ITER] = "SELECT " EVENT_COLS " FROM event WHERE time >= $1 "
                   "ORDER BY time, id",
    [PS_EV_HISTORY] = "SELECT " EVENT_COLS " FROM event WHERE address = $1 "
                      "UNION ALL SELECT " MANUAL_COLS " FROM manual WHERE "
                      "address = $1 ORDER BY 2, 28, 1",
    [PS_EV_UPDATE] = "UPDATE event SET address = $2, domain = $3, class = $4, "
                     "fault = coalesce($5, fault) WHERE id = $1",
    [PS_ADDRESSES] = "SELECT address FROM event WHERE address <> '' AND "
                     "class IN " HIST_CLASSES " UNION SELECT address FROM manual",
    [PS_MANUAL_ITER] = "SELECT id, recipient, address FROM manual ORDER BY id",
    [PS_MANUAL_UPDATE] = "UPDATE manual SET address = $2, domain = $3 WHERE id = $1",
};

/* pg_sql - the text of a statement */
const char *pg_sql(enum pg_stmt id)
{
    return stmt_sql[id];
}

/* ---- parameters and columns ---- */

/* clean_room - scratch for n strings, each at most tripled by U+FFFD */
static int clean_room(pg_store *q, const char *const *in, size_t n)
{
    size_t need = 0;
    for (size_t i = 0; i < n; i++)
        need += 3 * strlen(in[i]) + 1;
    if (need <= q->clean_cap)
        return BN_OK;
    char *p = bn_realloc(q->clean, need);
    if (!p)
        return BN_ENOMEM;
    q->clean = p, q->clean_cap = need;
    return BN_OK;
}

/* clean_one - a copy of in at *dst with invalid UTF-8 replaced; advances */
static const char *clean_one(char **dst, const char *in)
{
    char *start = *dst, *o = *dst;
    const unsigned char *p = (const unsigned char *)in;
    size_t n = strlen(in), i = 0;
    while (i < n) {
        size_t bad, k = bn_utf8_valid_len(p + i, n - i, &bad);
        if (k) {
            memcpy(o, p + i, k);
            o += k, i += k;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3, i += bad;
        }
    }
    *o++ = '\0';
    *dst = o;
    return start;
}

/* clean_all - every string of in, cleaned, into out */
static int clean_all(bn_store *s, const char *const *in, const char **out,
                     size_t n)
{
    pg_store *q = PG(s);
    int rc = clean_room(q, in, n);
    char *dst = q->clean;
    for (size_t i = 0; rc == BN_OK && i < n; i++)
        out[i] = clean_one(&dst, in[i] ? in[i] : "");
    return rc;
}

/* num - a column as a number (NULL: 0) */
static long long num(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* val - a column's text ("" for NULL) */
static const char *val(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col);
}

/* flag - a boolean column */
static bool flag(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

/* class_of - a stored class name */
static bn_class class_of(const char *name)
{
    bn_class c = BN_CLASS_IGNORE;
    bn_class_from_name(&c, name, strlen(name));
    return c;
}

/* command - run a statement that returns no rows */
static int command(bn_store *s, enum pg_stmt id, int n, const char *const *vals,
                   const char *what)
{
    PGresult *res = pg_run(s, id, n, vals, NULL, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return pg_fail(s, res, what);
    PQclear(res);
    return BN_OK;
}

/* stream - run a statement in single-row mode, calling row per row (row
 * returns non-zero to stop; the rest is drained) */
static int stream(bn_store *s, enum pg_stmt id, int n, const char *const *vals,
                  int (*row)(void *ctx, const PGresult *r), void *ctx,
                  const char *what)
{
    PGconn *c = PG(s)->conn;
    char name[16];
    PGresult *res;
    int rc = BN_OK;
    bool stop = false;
    if ((res = pg_prepare(s, id)))
        return pg_fail(s, res, what);
    snprintf(name, sizeof name, "bn%d", (int)id);
    if (!PQsendQueryPrepared(c, name, n, vals, NULL, NULL, 0))
        return pg_fail(s, NULL, what);
    PQsetSingleRowMode(c);
    while ((res = PQgetResult(c))) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            if (!stop && rc == BN_OK)
                stop = row(ctx, res) != 0;
        } else if (st != PGRES_TUPLES_OK && rc == BN_OK) {
            rc = pg_fail(s, res, what);
            continue;
        }
        PQclear(res);
    }
    if (rc == BN_OK && PQstatus(c) == CONNECTION_BAD)
        rc = pg_fail(s, NULL, what);
    return rc;
}

/* ---- settings, events, manual actions ---- */

/* pgo_meta_get - a setting, copied for the caller (bn_free) */
static int pgo_meta_get(bn_store *s, const char *key, char **out)
{
    const char *v[] = {key};
    PGresult *res = pg_run(s, PS_META_GET, 1, v, NULL, NULL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return pg_fail(s, res, "reading settings");
    int rc = BN_ENOTFOUND;
    if (PQntuples(res) > 0) {
        const char *t = val(res, 0, 0);
        *out = bn_strndup(t, strlen(t));
        rc = *out ? BN_OK : BN_ENOMEM;
    }
    PQclear(res);
    return rc;
}

/* pgo_meta_set - write a setting */
static int pgo_meta_set(bn_store *s, const char *key, const char *value)
{
    const char *v[] = {key, value};
    return command(s, PS_META_SET, 2, v, "writing settings");
}

/* hexval - one hex digit's value */
static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* pgo_state_get - a state blob, copied for the caller (bn_free) */
static int pgo_state_get(bn_store *s, const char *key, char **out, size_t *len)
{
    const char *v[1];
    int rc = clean_all(s, &key, v, 1); /* keys are text: valid UTF-8 */
    if (rc)
        return rc;
    PGresult *res = pg_run(s, PS_STATE_GET, 1, v, NULL, NULL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return pg_fail(s, res, "reading the saved state");
    rc = BN_ENOTFOUND;
    if (PQntuples(res) > 0) {
        const char *h = val(res, 0, 0);
        size_t n = (size_t)PQgetlength(res, 0, 0) / 2;
        if ((*out = bn_malloc(n + 1))) {
            for (size_t i = 0; i < n; i++)
                (*out)[i] = (char)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
            (*out)[n] = '\0';
            *len = n;
        }
        rc = *out ? BN_OK : BN_ENOMEM;
    }
    PQclear(res);
    return rc;
}

/* pgo_state_put - write (val NULL: delete) a state blob; the value is sent
 * as binary bytea, the rest as text */
static int pgo_state_put(bn_store *s, const char *key, const void *value, size_t len)
{
    char now[24];
    const char *k;
    int rc = clean_all(s, &key, &k, 1);
    if (rc)
        return rc;
    if (!value)
        return command(s, PS_STATE_DEL, 1, &k, "saving the state");
    if (len > INT_MAX)
        return BN_EINVAL;
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    const char *v[] = {k, len ? value : "", now};
    int lens[3] = {0, (int)len, 0}, fmts[3] = {0, 1, 0};
    PGresult *res = pg_run(s, PS_STATE_PUT, 3, v, lens, fmts);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return pg_fail(s, res, "saving the state");
    PQclear(res);
    return BN_OK;
}

/* refolds - the generic layer folds the address's history after storing
 * this event (store.c: ingest_one) */
static bool refolds(const bn_event_in *e)
{
    return e->address[0] &&
           (bn_class_suppresses(e->cls) || e->cls == BN_CLASS_DELIVERY);
}

/* keep_history - the insert's result holds the address's history: keep it
 * for the pgo_history call that follows */
static void keep_history(pg_store *q, PGresult *res, const char *address)
{
    PQclear(q->hist);
    q->hist = res;
    snprintf(q->hist_addr, sizeof q->hist_addr, "%s", address);
}

/* pgo_event_put - insert unless the dedup key exists (ON CONFLICT) */
static int pgo_event_put(bn_store *s, const bn_event_in *e, long long *id,
                         bool *inserted)
{
    pg_store *q = PG(s);
    char t[4][24];
    const char *in[] = {
        e->address, e->recipient, e->domain, e->reason, e->status,
        e->permanence, e->fault, e->diagnostic, e->rule, e->format,
        e->dsn_action, e->feedback_type, e->addresser, e->message_id,
        e->source, e->ip, e->remote_mta, e->blocklist};
    const char *c[18];
    int rc = clean_all(s, in, c, 18);
    if (rc)
        return rc;
    snprintf(t[0], sizeof t[0], "%lld", (long long)e->time);
    snprintf(t[1], sizeof t[1], "%lld", (long long)e->ingested);
    snprintf(t[2], sizeof t[2], "%d", e->replycode);
    const char *v[24] = {(const char *)e->dedup, t[0], t[1], bn_class_name(e->cls),
                         c[0], c[1], c[2], c[3], c[4], t[2],
                         e->hardbounce ? "t" : "f", c[5], c[6], c[7], c[8], c[9],
                         c[10], c[11], c[12], c[13], c[14], c[15], c[16], c[17]};
    const char *all[25];
    int lens[25] = {BN_DEDUP_LEN}, fmts[25] = {1};
    bool hist = refolds(e);
    memcpy(all, v, sizeof v);
    snprintf(t[3], sizeof t[3], "%d", BN_HISTORY_MAX - 1);
    all[24] = t[3];
    PGresult *res = pg_run(s, hist ? PS_EV_INSERT_HIST : PS_EV_INSERT,
                           hist ? 25 : 24, all, lens, fmts);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return pg_fail(s, res, "storing an event");
    /* with history the new row is the first (UNION ALL keeps the order) */
    *inserted = PQntuples(res) > 0;
    *id = *inserted ? num(res, 0, hist ? 2 : 0) : 0;
    if (hist && *inserted)
        keep_history(q, res, e->address);
    else
        PQclear(res);
    return BN_OK;
}

/* pgo_manual_put - store a person's action */
static int pgo_manual_put(bn_store *s, const bn_manual_in *m, long long *id)
{
    char t[2][24];
    const char *at = strrchr(m->address, '@');
    const char *in[] = {m->address, m->recipient, at ? at + 1 : "", m->note, m->who};
    const char *c[5];
    int rc = clean_all(s, in, c, 5);
    if (rc)
        return rc;
    snprintf(t[0], sizeof t[0], "%lld", (long long)m->time);
    snprintf(t[1], sizeof t[1], "%lld", (long long)m->until);
    const char *v[] = {t[0], c[0], c[1], c[2], m->action, t[1], c[3], c[4]};
    PGresult *res = pg_run(s, PS_MANUAL_INSERT, 8, v, NULL, NULL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        return pg_fail(s, res, "storing a manual action");
    *id = num(res, 0, 0);
    PQclear(res);
    return BN_OK;
}

/* hist_rows - history rows (columns from off on) to the caller */
static void hist_rows(const PGresult *res, int off, bn_hist_cb cb, void *ctx)
{
    for (int i = 0, n = PQntuples(res); i < n; i++) {
        bn_hist_item it = {num(res, i, off), num(res, i, off + 1),
                           class_of(val(res, i, off + 2)), flag(res, i, off + 3),
                           num(res, i, off + 4), ""};
        snprintf(it.reason, sizeof it.reason, "%s", val(res, i, off + 5));
        if (cb(ctx, &it))
            break;
    }
}

/* pgo_history - events and manual actions of an address (newest, bounded);
 * right after the insert of one of its events, from that statement */
static int pgo_history(bn_store *s, const char *address, bn_hist_cb cb,
                       void *ctx)
{
    pg_store *q = PG(s);
    char lim[16];
    if (q->hist && !strcmp(address, q->hist_addr)) {
        hist_rows(q->hist, 1, cb, ctx);
        PQclear(q->hist);
        q->hist = NULL;
        return BN_OK;
    }
    snprintf(lim, sizeof lim, "%d", BN_HISTORY_MAX);
    const char *v[] = {address, lim};
    PGresult *res = pg_run(s, PS_HISTORY, 2, v, NULL, NULL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return pg_fail(s, res, "reading history");
    hist_rows(res, 0, cb, ctx);
    PQclear(res);
    return BN_OK;
}

/* ---- the list ---- */

/* supp_from_row - a bn_suppression from SUPP_COLS (pointers into r) */
static void supp_from_row(const PGresult *r, int i, bn_suppression *e)
{
    e->address = val(r, i, 0);
    e->domain = val(r, i, 1);
    e->kind = class_of(val(r, i, 2));
    e->reason = val(r, i, 3);
    e->since = num(r, i, 4);
    e->until = num(r, i, 5);
    e->soft_count = (unsigned)num(r, i, 6);
    e->event_id = num(r, i, 7);
    e->source = val(r, i, 8);
    e->message_id = val(r, i, 9);
    e->diagnostic = val(r, i, 10);
}

/* pgo_supp_get - the entry of an address if in force at now; its strings
 * live in the kept result until the next call */
static int pgo_supp_get(bn_store *s, const char *address, time_t now,
                        bn_suppression *out)
{
    pg_store *q = PG(s);
    char t[24];
    int rc = pg_flush(s);
    if (rc)
        return rc;
    snprintf(t, sizeof t, "%lld", (long long)now);
    const char *v[] = {address, t};
    PGresult *res = pg_run(s, PS_SUPP_GET, 2, v, NULL, NULL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return pg_fail(s, res, "looking up");
    if (PQntuples(res) == 0) {
        PQclear(res);
        return BN_ENOTFOUND;
    }
    PQclear(q->kept);
    q->kept = res;
    supp_from_row(res, 0, out);
    return BN_OK;
}

/* buffer_write - queue a list write (copies the parameters) */
static int buffer_write(bn_store *s, enum pg_stmt id, int n,
                        const char *const *vals)
{
    pg_store *q = PG(s);
    size_t total = 0, off = 0;
    int rc = BN_OK;
    if (q->nw == PG_WRITES_MAX && (rc = pg_flush(s)))
        return rc;
    if (!q->w && !(q->w = bn_malloc(PG_WRITES_MAX * sizeof *q->w)))
        return BN_ENOMEM;
    for (int i = 0; i < n; i++)
        total += vals[i] ? strlen(vals[i]) + 1 : 0;
    pg_write *w = &q->w[q->nw];
    if (!(w->block = bn_malloc(total ? total : 1)))
        return BN_ENOMEM;
    w->id = id, w->n = n;
    for (int i = 0; i < n; i++) {
        w->vals[i] = vals[i] ? memcpy(w->block + off, vals[i], strlen(vals[i]) + 1)
                             : NULL;
        off += vals[i] ? strlen(vals[i]) + 1 : 0;
    }
    q->nw++;
    return BN_OK;
}

/* pgo_supp_put - write an entry (buffered) */
static int pgo_supp_put(bn_store *s, const bn_supp_row *r)
{
    char t[6][24];
    const char *in[] = {r->address, r->domain, r->reason}, *c[3];
    int rc = clean_all(s, in, c, 3);
    if (rc)
        return rc;
    snprintf(t[0], sizeof t[0], "%lld", (long long)r->since);
    snprintf(t[1], sizeof t[1], "%lld", (long long)r->until);
    snprintf(t[2], sizeof t[2], "%lld", r->event_id);
    snprintf(t[3], sizeof t[3], "%lld", r->manual_id);
    snprintf(t[4], sizeof t[4], "%u", r->soft_count);
    snprintf(t[5], sizeof t[5], "%lld", (long long)r->updated);
    const char *v[] = {c[0], c[1], bn_class_name(r->kind), c[2], t[0], t[1],
                       r->event_id ? t[2] : NULL, r->manual_id ? t[3] : NULL,
                       t[4], t[5]};
    return buffer_write(s, PS_SUPP_PUT, 10, v);
}

/* pgo_supp_del - remove an entry (buffered) */
static int pgo_supp_del(bn_store *s, const char *address)
{
    const char *v[] = {address};
    return buffer_write(s, PS_SUPP_DEL, 1, v);
}

/* pgo_supp_clear - empty the list (rebuild): writes queued before are moot */
static int pgo_supp_clear(bn_store *s)
{
    pg_forget(s);
    return command(s, PS_SUPP_CLEAR, 0, NULL, "clearing the list");
}

/* forget_writes - drop the buffered writes */
static void forget_writes(pg_store *q)
{
    for (size_t i = 0; i < q->nw; i++)
        bn_free(q->w[i].block);
    q->nw = 0;
}

/* pg_forget - drop buffered writes and the history cache */
void pg_forget(bn_store *s)
{
    pg_store *q = PG(s);
    forget_writes(q);
    PQclear(q->hist);
    q->hist = NULL;
}

/* pipe_results - read the pipeline's results up to its sync; the first
 * failure (later statements are then aborted) */
static int pipe_results(bn_store *s, size_t n)
{
    PGconn *c = PG(s)->conn;
    PGresult *res;
    int rc = BN_OK;
    for (size_t i = 0; i <= n; i++) { /* n commands, then the sync */
        while ((res = PQgetResult(c))) {
            ExecStatusType st = PQresultStatus(res);
            bool fine = st == PGRES_COMMAND_OK || st == PGRES_PIPELINE_SYNC ||
                        st == PGRES_PIPELINE_ABORTED;
            if (!fine && rc == BN_OK) {
                rc = pg_fail(s, res, "writing the list");
                continue;
            }
            PQclear(res);
            if (st == PGRES_PIPELINE_SYNC)
                break;
        }
        if (PQstatus(c) == CONNECTION_BAD)
            return rc ? rc : pg_fail(s, NULL, "writing the list");
    }
    return rc;
}

/* pg_flush - send the buffered list writes in one pipeline round trip */
int pg_flush(bn_store *s)
{
    pg_store *q = PG(s);
    PGresult *res;
    char name[16];
    size_t n = q->nw;
    if (n == 0)
        return BN_OK;
    if ((res = pg_prepare(s, PS_SUPP_PUT)) || (res = pg_prepare(s, PS_SUPP_DEL)))
        return forget_writes(q), pg_fail(s, res, "writing the list");
    if (!PQenterPipelineMode(q->conn))
        return forget_writes(q), pg_fail(s, NULL, "writing the list");
    bool sent = true;
    for (size_t i = 0; sent && i < n; i++) {
        snprintf(name, sizeof name, "bn%d", (int)q->w[i].id);
        sent = PQsendQueryPrepared(q->conn, name, q->w[i].n, q->w[i].vals, NULL,
                                   NULL, 0) == 1;
    }
    forget_writes(q);
    int rc = sent && PQpipelineSync(q->conn) ? pipe_results(s, n)
                                             : pg_fail(s, NULL, "writing the list");
    PQexitPipelineMode(q->conn);
    return rc;
}

typedef struct supp_iter_ctx {
    bn_supp_cb cb;
    void *ctx;
} supp_iter_ctx;

/* supp_row - one streamed list row to the caller */
static int supp_row(void *ctx, const PGresult *r)
{
    supp_iter_ctx *c = ctx;
    bn_suppression e;
    supp_from_row(r, 0, &e);
    return c->cb(c->ctx, &e);
}

/* pgo_supp_iter - entries in force at now, by address (streamed) */
static int pgo_supp_iter(bn_store *s, const bn_list_filter *f, time_t now,
                         bn_supp_cb cb, void *ctx)
{
    char t[2][24];
    supp_iter_ctx c = {cb, ctx};
    int rc = pg_flush(s);
    if (rc)
        return rc;
    snprintf(t[0], sizeof t[0], "%lld", (long long)now);
    snprintf(t[1], sizeof t[1], "%lld", (long long)f->since);
    const char *v[] = {t[0], t[1], f->reason};
    return stream(s, PS_SUPP_ITER, 3, v, supp_row, &c, "listing");
}

/* unescape - one field of a COPY text row into out (cut to size); the
 * position after it (past the tab or at the end) */
static const char *unescape(const char *p, const char *end, char *out,
                            size_t size)
{
    static const char map[][2] = {{'b', '\b'}, {'f', '\f'}, {'n', '\n'},
                                  {'r', '\r'}, {'t', '\t'}, {'v', '\v'}};
    size_t o = 0;
    while (p < end && *p != '\t' && *p != '\n') {
        char ch = *p++;
        if (ch == '\\' && p < end) {
            ch = *p++;
            for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
                if (ch == map[k][0]) {
                    ch = map[k][1];
                    break;
                }
        }
        if (o + 1 < size)
            out[o++] = ch;
    }
    out[o] = '\0';
    return p < end && *p == '\t' ? p + 1 : p;
}

typedef int (*keys_cb)(void *ctx, const char *address, size_t len,
                       const char *reason);

/* copy_rows - read the COPY stream; cb per row until it says stop */
static int copy_rows(bn_store *s, keys_cb cb, void *ctx)
{
    PGconn *c = PG(s)->conn;
    char addr[BN_ADDR_MAX], reason[512], *buf;
    bool stop = false;
    int n;
    while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
        if (!stop) {
            const char *p = unescape(buf, buf + n, addr, sizeof addr);
            unescape(p, buf + n, reason, sizeof reason);
            stop = cb(ctx, addr, strlen(addr), reason) != 0;
        }
        PQfreemem(buf);
    }
    PGresult *res = PQgetResult(c);
    int rc = n == -1 && PQresultStatus(res) == PGRES_COMMAND_OK
                 ? BN_OK : pg_fail(s, res, "reading the list");
    if (rc == BN_OK)
        PQclear(res);
    while ((res = PQgetResult(c)))
        PQclear(res);
    return rc;
}

/* pgo_supp_keys - address and reason of every entry in force, in one
 * COPY TO STDOUT (text) */
static int pgo_supp_keys(bn_store *s, time_t now, keys_cb cb, void *ctx)
{
    char sql[160];
    int rc = pg_flush(s);
    if (rc)
        return rc;
    snprintf(sql, sizeof sql, "COPY (SELECT address, reason FROM suppression "
             "WHERE expires = 0 OR expires > %lld) TO STDOUT", (long long)now);
    PGresult *res = PQexec(PG(s)->conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT)
        return pg_fail(s, res, "reading the list");
    PQclear(res);
    return copy_rows(s, cb, ctx);
}

/* ---- events for reports, history, rebuild ---- */

typedef struct ev_ctx {
    bn_event_cb cb;
    void *ctx;
} ev_ctx;

/* event_row - a bn_event from EVENT_COLS / MANUAL_COLS, to the caller */
static int event_row(void *ctx, const PGresult *r)
{
    ev_ctx *c = ctx;
    bn_event e;
    e.id = num(r, 0, 0);
    e.time = num(r, 0, 1);
    e.ingested = num(r, 0, 2);
    e.cls = class_of(val(r, 0, 3));
    const char **t[] = {&e.address, &e.recipient, &e.domain, &e.reason, &e.status};
    for (int i = 0; i < 5; i++)
        *t[i] = val(r, 0, 4 + i);
    e.replycode = (int)num(r, 0, 9);
    e.hardbounce = flag(r, 0, 10);
    const char **u[] = {&e.permanence, &e.diagnostic, &e.rule, &e.format,
                        &e.dsn_action, &e.feedback_type, &e.addresser,
                        &e.message_id, &e.source, &e.ip, &e.remote_mta,
                        &e.blocklist, &e.action, &e.note, &e.who};
    for (int i = 0; i < 15; i++)
        *u[i] = val(r, 0, 11 + i);
    e.until = num(r, 0, 26);
    e.fault = val(r, 0, 28);
    return c->cb(c->ctx, &e);
}

/* pgo_event_iter - every event since a time, oldest first (streamed) */
static int pgo_event_iter(bn_store *s, time_t since, bn_event_cb cb, void *ctx)
{
    char t[24];
    ev_ctx c = {cb, ctx};
    snprintf(t, sizeof t, "%lld", (long long)since);
    const char *v[] = {t};
    return stream(s, PS_EV_ITER, 1, v, event_row, &c, "reading events");
}

/* pgo_event_history - an address's events and manual actions */
static int pgo_event_history(bn_store *s, const char *address, bn_event_cb cb,
                             void *ctx)
{
    ev_ctx c = {cb, ctx};
    const char *v[] = {address};
    return stream(s, PS_EV_HISTORY, 1, v, event_row, &c, "reading events");
}

/* pgo_event_update - rebuild's new address key, class and fault (NULL: kept) */
static int pgo_event_update(bn_store *s, long long id, const char *address,
                            bn_class cls, const char *fault)
{
    char t[24];
    const char *at = strrchr(address, '@');
    snprintf(t, sizeof t, "%lld", id);
    const char *v[] = {t, address, at ? at + 1 : "", bn_class_name(cls), fault};
    return command(s, PS_EV_UPDATE, 5, v, "updating an event");
}

typedef struct addr_ctx {
    bn_addr_cb cb;
    void *ctx;
} addr_ctx;

/* addr_row - one address to the caller */
static int addr_row(void *ctx, const PGresult *r)
{
    addr_ctx *c = ctx;
    return c->cb(c->ctx, val(r, 0, 0));
}

/* pgo_addresses - every address whose state can be non-empty */
static int pgo_addresses(bn_store *s, bn_addr_cb cb, void *ctx)
{
    addr_ctx c = {cb, ctx};
    return stream(s, PS_ADDRESSES, 0, NULL, addr_row, &c, "reading addresses");
}

typedef struct manual_ctx {
    int (*cb)(void *ctx, long long id, const char *recipient, const char *address);
    void *ctx;
} manual_ctx;

/* manual_row - one manual action's id, recipient and key to the caller */
static int manual_row(void *ctx, const PGresult *r)
{
    manual_ctx *c = ctx;
    return c->cb(c->ctx, num(r, 0, 0), val(r, 0, 1), val(r, 0, 2));
}

/* pgo_manual_iter - every manual action's id, recipient and key */
static int pgo_manual_iter(bn_store *s,
                           int (*cb)(void *ctx, long long id,
                                     const char *recipient, const char *address),
                           void *ctx)
{
    manual_ctx c = {cb, ctx};
    return stream(s, PS_MANUAL_ITER, 0, NULL, manual_row, &c, "reading actions");
}

/* pgo_manual_update - a manual action's new key (rebuild) */
static int pgo_manual_update(bn_store *s, long long id, const char *address)
{
    char t[24];
    const char *at = strrchr(address, '@');
    snprintf(t, sizeof t, "%lld", id);
    const char *v[] = {t, address, at ? at + 1 : ""};
    return command(s, PS_MANUAL_UPDATE, 3, v, "updating an action");
}

const bn_store_ops bn_store_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .meta_get = pgo_meta_get,
    .meta_set = pgo_meta_set,
    .event_put = pgo_event_put,
    .manual_put = pgo_manual_put,
    .history = pgo_history,
    .supp_get = pgo_supp_get,
    .supp_put = pgo_supp_put,
    .supp_del = pgo_supp_del,
    .supp_clear = pgo_supp_clear,
    .supp_iter = pgo_supp_iter,
    .supp_keys = pgo_supp_keys,
    .event_iter = pgo_event_iter,
    .event_history = pgo_event_history,
    .event_update = pgo_event_update,
    .manual_iter = pgo_manual_iter,
    .manual_update = pgo_manual_update,
    .addresses = pgo_addresses,
    .state_get = pgo_state_get,
    .state_put = pgo_state_put,
};
