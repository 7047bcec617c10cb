/*
 * log_qmap.c - bounded map queue id -> sender (and Message-ID)
 *
 * Postfix logs the sender once per queue pass (qmgr "from=<...>") and the
 * recipients later, one line each; Exim logs "<=" then "**"/"=>"; Sendmail
 * "from=" then "to=". The map remembers what the earlier line said. Its
 * memory is fixed at creation: entries live in a ring in insertion order,
 * and a new id takes the oldest slot when the ring is full (FIFO eviction:
 * a message whose "removed" line was lost, or Sendmail which never logs
 * one, cannot make it grow). A map made with hosts adds BN_QMAP_HOST_MAX
 * bytes per entry in a side array, calloc'd: its pages are touched only as
 * entries use them.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "logs/logs.h"

/* hash - FNV-1a over the namespace byte and the id */
static uint32_t hash(char mta, bn_str id)
{
    uint32_t h = 2166136261u ^ (unsigned char)mta;
    h *= 16777619u;
    for (size_t i = 0; i < id.n; i++) {
        h ^= (unsigned char)id.p[i];
        h *= 16777619u;
    }
    return h;
}

/* bn_qmap_init - a map of cap entries (at least 16), with a host per entry
   when hosts is true */
int bn_qmap_init(bn_qmap *m, size_t cap, bool hosts)
{
    memset(m, 0, sizeof(*m));
    if (cap < 16)
        cap = 16;
    if (cap > (1u << 24))
        cap = 1u << 24;
    uint32_t isz = 32;
    while (isz < 2 * cap)
        isz <<= 1;
    m->ring = bn_calloc(cap, sizeof(*m->ring));
    m->index = bn_calloc(isz, sizeof(*m->index));
    m->hosts = hosts ? bn_calloc(cap, BN_QMAP_HOST_MAX) : NULL;
    if (!m->ring || !m->index || (hosts && !m->hosts)) {
        bn_qmap_free(m);
        return BN_ENOMEM;
    }
    m->cap = (uint32_t)cap;
    m->mask = isz - 1;
    return BN_OK;
}

/* bn_qmap_free - release the memory */
void bn_qmap_free(bn_qmap *m)
{
    bn_free(m->ring);
    bn_free(m->index);
    bn_free(m->hosts);
    memset(m, 0, sizeof(*m));
}

/* same - the ring entry is (mta, id) */
static bool same(const bn_qentry *e, char mta, bn_str id)
{
    return e->mta == mta && e->idlen == id.n && memcmp(e->id, id.p, id.n) == 0;
}

#define SLOT_POS(v) ((uint32_t)(v) - 1)
#define SLOT_HASH(v) ((uint32_t)((v) >> 32))

/* find - index slot holding (mta, id), or the empty slot where it would go */
static uint32_t find(const bn_qmap *m, char mta, bn_str id, uint32_t h)
{
    uint32_t i = h & m->mask;
    while (m->index[i] &&
           (SLOT_HASH(m->index[i]) != h || !same(&m->ring[SLOT_POS(m->index[i])], mta, id)))
        i = (i + 1) & m->mask;
    return i;
}

/* unindex - remove index slot i, shifting later colliding slots back */
static void unindex(bn_qmap *m, uint32_t i)
{
    uint32_t j = i;
    m->index[i] = 0;
    for (;;) {
        j = (j + 1) & m->mask;
        if (!m->index[j])
            return;
        uint32_t home = SLOT_HASH(m->index[j]) & m->mask;
        /* move j into the hole i unless its home lies cyclically in (i, j] */
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            m->index[i] = m->index[j];
            m->index[j] = 0;
            i = j;
        }
    }
}

/* bn_qmap_get - the live entry of (mta, id), or NULL */
const bn_qentry *bn_qmap_get(const bn_qmap *m, char mta, bn_str id)
{
    if (!m->live || id.n == 0 || id.n > BN_QMAP_ID_MAX)
        return NULL;
    uint32_t i = find(m, mta, id, hash(mta, id));
    return m->index[i] ? &m->ring[SLOT_POS(m->index[i])] : NULL;
}

/* take_slot - the next ring slot, evicting its previous owner */
static bn_qentry *take_slot(bn_qmap *m, uint32_t *pos)
{
    bn_qentry *e = &m->ring[m->next];
    if (e->live) {
        bn_str old = {e->id, e->idlen};
        unindex(m, find(m, e->mta, old, hash(e->mta, old)));
        m->evicted++;
        m->live--;
    }
    memset(e, 0, offsetof(bn_qentry, sender));
    *pos = m->next;
    m->next = (m->next + 1) % m->cap;
    return e;
}

/* bn_qmap_put - set the sender (or message-id) of (mta, id), creating it;
   the entry, or NULL when the id cannot be kept */
bn_qentry *bn_qmap_put(bn_qmap *m, char mta, bn_str id, const bn_str *sender, const bn_str *msgid)
{
    if (!m->cap || id.n == 0 || id.n > BN_QMAP_ID_MAX)
        return NULL;
    uint32_t h = hash(mta, id);
    uint32_t i = find(m, mta, id, h);
    bn_qentry *e;
    if (m->index[i]) {
        e = &m->ring[SLOT_POS(m->index[i])];
    } else {
        uint32_t pos;
        e = take_slot(m, &pos);
        e->live = 1;
        m->live++;
        e->mta = mta;
        e->idlen = (uint8_t)id.n;
        memcpy(e->id, id.p, id.n);
        /* eviction may have shifted slots: look for the hole again */
        m->index[find(m, mta, id, h)] = (uint64_t)h << 32 | (pos + 1);
    }
    if (sender) {
        size_t n = sender->n < BN_QMAP_SENDER_MAX ? sender->n : BN_QMAP_SENDER_MAX;
        memcpy(e->sender, sender->p, n);
        e->slen = (uint16_t)n;
        e->has_sender = true;
    }
    if (msgid) {
        size_t n = msgid->n < BN_QMAP_MSGID_MAX ? msgid->n : BN_QMAP_MSGID_MAX;
        memcpy(e->msgid, msgid->p, n);
        e->mlen = (uint16_t)n;
    }
    return e;
}

/* bn_qmap_set_host - an entry's host (cut to BN_QMAP_HOST_MAX); nothing
   when the map keeps no hosts */
void bn_qmap_set_host(bn_qmap *m, bn_qentry *e, bn_str host)
{
    if (!m->hosts)
        return;
    size_t n = host.n < BN_QMAP_HOST_MAX ? host.n : BN_QMAP_HOST_MAX;
    if (n)
        memcpy(m->hosts + (size_t)(e - m->ring) * BN_QMAP_HOST_MAX, host.p, n);
    e->hlen = (uint8_t)n;
}

/* bn_qmap_host - an entry's host; empty when it has none */
bn_str bn_qmap_host(const bn_qmap *m, const bn_qentry *e)
{
    if (!m->hosts || !e->hlen)
        return BN_STR_NULL;
    return (bn_str){m->hosts + (size_t)(e - m->ring) * BN_QMAP_HOST_MAX, e->hlen};
}

/* bn_qmap_del - forget (mta, id); its ring slot is reused in turn */
void bn_qmap_del(bn_qmap *m, char mta, bn_str id)
{
    if (!m->live || id.n == 0 || id.n > BN_QMAP_ID_MAX)
        return;
    uint32_t i = find(m, mta, id, hash(mta, id));
    if (!m->index[i])
        return;
    m->ring[SLOT_POS(m->index[i])].live = 0;
    m->live--;
    unindex(m, i);
}
