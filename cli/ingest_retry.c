/*
 * ingest_retry.c - keep the open batch's messages for a retry
 *
 * A long `bounce ingest` against a server (PostgreSQL) must survive the
 * server restarting: the transaction of the open batch is lost with the
 * connection (nothing of it is written), so the messages read since the last
 * commit are kept, bounded in bytes, and stored again after reconnecting.
 */
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "ingest_retry.h"

/* ingest_keep_add - copy a message into the batch's keep */
int ingest_keep_add(ingest_keep *k, const bn_source_msg *m)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        ingest_kept *v = bn_realloc(k->v, cap * sizeof *v);
        if (!v)
            return BN_ENOMEM;
        k->v = v, k->cap = cap;
    }
    ingest_kept *e = &k->v[k->n];
    e->name = bn_strndup(m->name, strlen(m->name));
    e->buf = bn_malloc(m->len ? m->len : 1);
    if (!e->name || !e->buf) {
        bn_free(e->name);
        bn_free(e->buf);
        return BN_ENOMEM;
    }
    memcpy(e->buf, m->buf, m->len);
    e->len = m->len;
    e->truncated = m->truncated;
    k->bytes += m->len;
    k->n++;
    return BN_OK;
}

/* ingest_keep_full - the kept bytes passed the bound: commit the batch */
bool ingest_keep_full(const ingest_keep *k)
{
    return k->bytes >= INGEST_KEEP_MAX_BYTES;
}

/* ingest_keep_clear - forget the batch (it is committed) */
void ingest_keep_clear(ingest_keep *k)
{
    for (size_t i = 0; i < k->n; i++) {
        bn_free(k->v[i].name);
        bn_free(k->v[i].buf);
    }
    k->n = 0;
    k->bytes = 0;
}

/* ingest_keep_free - release everything */
void ingest_keep_free(ingest_keep *k)
{
    ingest_keep_clear(k);
    bn_free(k->v);
    k->v = NULL;
    k->cap = 0;
}

/* ingest_retry_wait - sleep before attempt n (1, 2, 4, 8, 16 s...) */
void ingest_retry_wait(unsigned attempt)
{
    unsigned secs = attempt >= 1 && attempt <= 5 ? 1u << (attempt - 1) : 16;
    sleep(secs);
}
