/*
 * log_defer.c - the recipients an MTA deferred, kept for their expiry
 *
 * Postfix's "status=expired" names only the sender, and Exim's "retry
 * timeout exceeded" only the recipient: the reply that kept failing, which
 * says whose side the failure was on, is in the last deferral, and so is
 * the server that gave it. The defer map (key "QID:hash(rcpt)", value
 * recipient and "dsn text", and the remote host in the map's host slot)
 * keeps them. Its size is fixed when the reader is made: max_queue entries
 * (20,000 by default; the oldest go first) of about 550 bytes (recipient,
 * "dsn text" with the reply cut to DEFER_TEXT_MAX) and BN_QMAP_HOST_MAX of
 * host name: about 17 MB of address space at the default size, touched
 * only as it fills.
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "logs/logs.h"

/* The bytes of a deferral's reply kept for its expiry: the classifier's
   evidence (the code, the status, the words that say whose fault) comes
   first in a reply, and "dsn text" must fit BN_QMAP_MSGID_MAX */
#define DEFER_TEXT_MAX 200

/* defer_key - "QID:xxxxxxxx" (FNV-1a of the recipient, hex) for the defer map */
static bn_str defer_key(char *buf, bn_str qid, bn_str rcpt)
{
    static const char hex[] = "0123456789abcdef";
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < rcpt.n; i++) {
        h ^= (unsigned char)rcpt.p[i];
        h *= 16777619u;
    }
    memcpy(buf, qid.p, qid.n);
    buf[qid.n] = ':';
    for (int i = 0; i < 8; i++)
        buf[qid.n + 1 + i] = hex[(h >> (28 - 4 * i)) & 15];
    return (bn_str){buf, qid.n + 9};
}

/* bn_log_defer_note - keep (or forget) a deferred recipient for a later
   expiry; a deferral also marks its queue id (BN_LOG_DEFER_MARK), so that
   the message's removal finds its entries without a scan of every message */
void bn_log_defer_note(bn_logstate *st, const bn_logev *ev)
{
    char kbuf[BN_QMAP_ID_MAX];
    if (ev->qid.n > BN_QMAP_ID_MAX - 9)
        return;
    if (ev->status != BN_LOGST_DEFERRED && !st->defers.live)
        return; /* nothing deferred to forget: the common case */
    bn_str key = defer_key(kbuf, ev->qid, ev->rcpt);
    if (ev->status != BN_LOGST_DEFERRED) {
        bn_qmap_del(&st->defers, BN_LOG_DEFER_MTA, key);
        return;
    }
    /* value: the recipient, "dsn text" and the host for the expiry record */
    char vbuf[BN_QMAP_MSGID_MAX];
    int n = snprintf(vbuf, sizeof(vbuf), "%.*s %.*s", (int)ev->dsn.n, ev->dsn.p,
                     (int)(ev->text.n > DEFER_TEXT_MAX ? DEFER_TEXT_MAX : ev->text.n), ev->text.p);
    bn_str v = {vbuf, n > 0 ? ((size_t)n < sizeof(vbuf) ? (size_t)n : sizeof(vbuf) - 1) : 0};
    bn_qentry *e = bn_qmap_put(&st->defers, BN_LOG_DEFER_MTA, key, &ev->rcpt, &v);
    if (e)
        bn_qmap_set_host(&st->defers, e, ev->relay);
    bn_log_defer_mark(&st->defers, key);
}

/* bn_log_defer_mark - note the deferred recipient key "QID:hash" on its
   queue id's mark: the mark's value holds the 8-digit hashes, or "*" once
   they no longer fit (removal then scans the map) */
void bn_log_defer_mark(bn_qmap *m, bn_str key)
{
    if (key.n < 10 || key.p[key.n - 9] != ':')
        return;
    bn_str qid = {key.p, key.n - 9}, h = {key.p + key.n - 8, 8};
    const bn_qentry *e = bn_qmap_get(m, BN_LOG_DEFER_MARK, qid);
    char buf[BN_QMAP_MSGID_MAX];
    size_t n = e ? e->mlen : 0;
    if (n)
        memcpy(buf, e->msgid, n);
    if (n && buf[0] == '*')
        return;
    for (size_t i = 0; i + 8 <= n; i += 8)
        if (memcmp(buf + i, h.p, 8) == 0)
            return; /* deferred again: already noted */
    if (n + 8 > sizeof buf) {
        buf[0] = '*';
        n = 1;
    } else {
        memcpy(buf + n, h.p, 8);
        n += 8;
    }
    bn_qmap_put(m, BN_LOG_DEFER_MARK, qid, NULL, &(bn_str){buf, n});
}

/* bn_log_defer_of - e is a deferred recipient of queue id qid ("QID:hash") */
bool bn_log_defer_of(const bn_qentry *e, bn_str qid)
{
    return e->live && e->mta == BN_LOG_DEFER_MTA && e->idlen == qid.n + 9 &&
           memcmp(e->id, qid.p, qid.n) == 0 && e->id[qid.n] == ':';
}

/* bn_log_defer_forget - the message qid left the queue (removed, deleted
   by postsuper, Exim's "Completed"): its deferred recipients go, or a later
   message that reuses the queue id would report them as its own when it
   expires */
void bn_log_defer_forget(bn_logstate *st, bn_str qid)
{
    bn_qmap *m = &st->defers;
    const bn_qentry *mark = bn_qmap_get(m, BN_LOG_DEFER_MARK, qid);
    if (!mark || qid.n > BN_QMAP_ID_MAX - 9)
        return;
    char hashes[BN_QMAP_MSGID_MAX], kbuf[BN_QMAP_ID_MAX];
    size_t n = mark->mlen;
    memcpy(hashes, mark->msgid, n);
    bn_qmap_del(m, BN_LOG_DEFER_MARK, qid);
    if (n && hashes[0] == '*') { /* too many to note: look at every entry */
        for (uint32_t i = 0; i < m->cap; i++)
            if (bn_log_defer_of(&m->ring[i], qid))
                bn_qmap_del(m, BN_LOG_DEFER_MTA, (bn_str){m->ring[i].id, m->ring[i].idlen});
        return;
    }
    memcpy(kbuf, qid.p, qid.n);
    kbuf[qid.n] = ':';
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(kbuf + qid.n + 1, hashes + i, 8);
        bn_qmap_del(m, BN_LOG_DEFER_MTA, (bn_str){kbuf, qid.n + 9});
    }
}

/* bn_log_defer_reply - the "dsn text" a deferral entry of map m keeps, and
   the host that gave it (empty when the deferral named none), into ev */
void bn_log_defer_reply(const bn_qmap *m, const bn_qentry *e, bn_logev *ev)
{
    bn_str v = {e->msgid, e->mlen};
    const char *sp = memchr(v.p, ' ', v.n);
    size_t dl = sp ? (size_t)(sp - v.p) : v.n;
    ev->dsn = (bn_str){v.p, dl};
    ev->text = bn_log_after(v, dl < v.n ? dl + 1 : dl);
    ev->relay = bn_qmap_host(m, e);
}

/* bn_log_defer_take - an expiry of one named recipient (Exim's "retry
   timeout exceeded"): the reply of its last deferral, the reason it
   expired, into ev's dsn and text; the entry is forgotten. false: none */
bool bn_log_defer_take(bn_logstate *st, bn_logev *ev)
{
    char kbuf[BN_QMAP_ID_MAX];
    if (!st->defers.live || ev->qid.n > BN_QMAP_ID_MAX - 9)
        return false;
    bn_str key = defer_key(kbuf, ev->qid, ev->rcpt);
    const bn_qentry *e = bn_qmap_get(&st->defers, BN_LOG_DEFER_MTA, key);
    if (!e)
        return false;
    bn_log_defer_reply(&st->defers, e, ev);
    /* the entry's bytes stay intact until its ring slot is reused */
    bn_qmap_del(&st->defers, BN_LOG_DEFER_MTA, key);
    return true;
}
