/* dns_msg.c - decode DNS responses (RFC 1035) into bn_dns_ans records */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "doctor/dns.h"

#define HDR_LEN 12
#define MAX_JUMPS 32   /* compression pointers followed per name */
#define MAX_CNAMES 8   /* CNAME hops followed from the question name */
#define TXT_MAX 65535  /* one TXT record fits in one rdata anyway */

typedef struct msgbuf {
    const unsigned char *p;
    size_t n;
} msgbuf;

/* get16 - big-endian 16-bit value at off (caller checked bounds) */
static unsigned get16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

/* put_label_char - a name byte as text: lowercase, oddities as '?' so that a
 * label holding a dot or a control byte cannot pass for another name */
static char put_label_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f || c == '.')
        return '?';
    return (char)bn_lc(c);
}

/* read_name - the (possibly compressed) name at *off as lowercase text
 * without trailing dot ("" for the root); advances *off past it in place */
static bool read_name(const msgbuf *m, size_t *off, char out[BN_DNS_NAME_MAX + 2])
{
    size_t pos = *off, o = 0;
    int jumps = 0;
    bool jumped = false;
    for (;;) {
        if (pos >= m->n)
            return false;
        unsigned c = m->p[pos];
        if ((c & 0xc0) == 0xc0) {
            if (pos + 1 >= m->n || ++jumps > MAX_JUMPS)
                return false;
            if (!jumped)
                *off = pos + 2;
            jumped = true;
            pos = (c & 0x3f) << 8 | m->p[pos + 1];
            continue;
        }
        if (c & 0xc0)
            return false; /* extended label types: not in answers we ask for */
        pos++;
        if (c == 0)
            break;
        if (pos + c > m->n || o + c + 1 > BN_DNS_NAME_MAX + 1)
            return false;
        if (o)
            out[o++] = '.';
        for (unsigned i = 0; i < c; i++)
            out[o++] = put_label_char(m->p[pos + i]);
        pos += c;
    }
    out[o] = '\0';
    if (!jumped)
        *off = pos;
    return true;
}

/* new_rr - a record holding n bytes of data plus a NUL */
static bn_dns_rr *new_rr(uint16_t type, const void *data, size_t n)
{
    bn_dns_rr *rr = bn_malloc(sizeof(*rr) + n + 1);
    if (!rr)
        return NULL;
    rr->next = NULL;
    rr->type = type;
    rr->pref = 0;
    rr->len = n;
    if (n && data)
        memcpy(rr->data, data, n);
    rr->data[n] = '\0';
    return rr;
}

/* txt_rr - a TXT rdata: its character-strings joined (RFC 7208 3.3) */
static bn_dns_rr *txt_rr(const unsigned char *rd, size_t n)
{
    bn_dns_rr *rr = new_rr(BN_DNS_T_TXT, NULL, n);
    if (!rr)
        return NULL;
    size_t i = 0, o = 0;
    while (i < n) {
        size_t sl = rd[i++];
        if (sl > n - i) {
            bn_free(rr);
            return NULL;
        }
        memcpy(rr->data + o, rd + i, sl);
        o += sl;
        i += sl;
    }
    rr->len = o;
    rr->data[o] = '\0';
    return rr;
}

/* name_rr - a record whose rdata is a name (PTR, CNAME) or pref+name (MX) */
static bn_dns_rr *name_rr(const msgbuf *m, size_t off, size_t rdlen, uint16_t type)
{
    char name[BN_DNS_NAME_MAX + 2];
    unsigned pref = 0;
    if (type == BN_DNS_T_MX) {
        if (rdlen < 3)
            return NULL;
        pref = get16(m->p + off);
        off += 2;
    }
    if (!read_name(m, &off, name))
        return NULL;
    bn_dns_rr *rr = new_rr(type, name, strlen(name));
    if (rr)
        rr->pref = (uint16_t)pref;
    return rr;
}

/* decode_rr - one record of a wanted type, or NULL when malformed */
static bn_dns_rr *decode_rr(const msgbuf *m, size_t off, size_t rdlen, uint16_t type)
{
    switch (type) {
    case BN_DNS_T_A:
        return rdlen == 4 ? new_rr(type, m->p + off, 4) : NULL;
    case BN_DNS_T_AAAA:
        return rdlen == 16 ? new_rr(type, m->p + off, 16) : NULL;
    case BN_DNS_T_TXT:
        return txt_rr(m->p + off, rdlen);
    default:
        return name_rr(m, off, rdlen, type);
    }
}

typedef struct rrhead {
    char owner[BN_DNS_NAME_MAX + 2];
    unsigned type, cls;
    size_t rdoff, rdlen;
} rrhead;

/* read_rrhead - owner, type, class and rdata bounds of the record at *off */
static bool read_rrhead(const msgbuf *m, size_t *off, rrhead *h)
{
    if (!read_name(m, off, h->owner) || *off + 10 > m->n)
        return false;
    h->type = get16(m->p + *off);
    h->cls = get16(m->p + *off + 2);
    h->rdlen = get16(m->p + *off + 8);
    h->rdoff = *off + 10;
    if (h->rdoff + h->rdlen > m->n)
        return false;
    *off = h->rdoff + h->rdlen;
    return true;
}

/* skip_questions - offset of the answer section, or 0 when malformed */
static size_t skip_questions(const msgbuf *m, unsigned qd)
{
    size_t off = HDR_LEN;
    char name[BN_DNS_NAME_MAX + 2];
    for (unsigned i = 0; i < qd; i++) {
        if (!read_name(m, &off, name) || off + 4 > m->n)
            return 0;
        off += 4;
    }
    return off;
}

/* follow_cnames - the name the answer's CNAME chain leads to from qname */
static void follow_cnames(const msgbuf *m, size_t start, unsigned an, char cur[BN_DNS_NAME_MAX + 2])
{
    for (int hop = 0; hop < MAX_CNAMES; hop++) {
        size_t off = start;
        bool moved = false;
        rrhead h;
        for (unsigned i = 0; i < an && read_rrhead(m, &off, &h); i++) {
            if (h.type != BN_DNS_T_CNAME || strcmp(h.owner, cur) != 0)
                continue;
            size_t o = h.rdoff;
            char target[BN_DNS_NAME_MAX + 2];
            if (read_name(m, &o, target)) {
                memcpy(cur, target, strlen(target) + 1);
                moved = true;
            }
            break;
        }
        if (!moved)
            return;
    }
}

/* collect - chain the records of qtype owned by name into out */
static int collect(const msgbuf *m, size_t start, unsigned an, const char *name,
                   uint16_t qtype, bn_dns_ans *out)
{
    bn_dns_rr **tail = &out->rr;
    size_t off = start;
    rrhead h;
    for (unsigned i = 0; i < an; i++) {
        if (!read_rrhead(m, &off, &h))
            return BN_EFORMAT;
        if (h.type != qtype || h.cls != 1 || strcmp(h.owner, name) != 0)
            continue;
        bn_dns_rr *rr = decode_rr(m, h.rdoff, h.rdlen, qtype);
        if (!rr)
            return BN_EFORMAT;
        *tail = rr;
        tail = &rr->next;
        out->nrr++;
    }
    return BN_OK;
}

/* rcode_answer - rc and why from the response code and the records found */
static void rcode_answer(bn_dns_ans *out, unsigned rcode)
{
    switch (rcode) {
    case 0:
        out->rc = out->nrr ? BN_DNS_OK : BN_DNS_NODATA;
        return;
    case 3:
        out->rc = BN_DNS_NXDOMAIN;
        return;
    case 2:
        out->rc = BN_DNS_FAIL;
        out->why = "the DNS server answered SERVFAIL";
        return;
    case 5:
        out->rc = BN_DNS_FAIL;
        out->why = "the DNS server REFUSED the query";
        return;
    default:
        out->rc = BN_DNS_FAIL;
        out->why = "the DNS server answered with an error code";
        return;
    }
}

/* bn_dns_parse_msg - decode a DNS response (see dns.h) */
int bn_dns_parse_msg(bn_dns_ans *out, bool *truncated, const unsigned char *msg,
                     size_t len, const char *qname, uint16_t qtype)
{
    msgbuf m = {msg, len};
    out->rc = BN_DNS_FAIL;
    out->why = "the DNS server sent a malformed answer";
    out->rr = NULL;
    out->nrr = 0;
    *truncated = false;
    if (len < HDR_LEN || !(msg[2] & 0x80))
        return BN_EFORMAT;
    *truncated = (msg[2] & 0x02) != 0;
    size_t start = skip_questions(&m, get16(msg + 4));
    if (!start)
        return BN_EFORMAT;
    unsigned an = get16(msg + 6);
    char cur[BN_DNS_NAME_MAX + 2];
    if (!bn_dns_norm_name(cur, qname, strlen(qname)))
        return BN_EINVAL;
    follow_cnames(&m, start, an, cur);
    if (collect(&m, start, an, cur, qtype, out) != BN_OK) {
        bn_dns_free_rr(out->rr);
        out->rr = NULL;
        out->nrr = 0;
        return BN_EFORMAT;
    }
    out->why = NULL;
    rcode_answer(out, msg[3] & 0x0f);
    return BN_OK;
}

/* bn_dns_free_rr - free a chain of records */
void bn_dns_free_rr(bn_dns_rr *rr)
{
    while (rr) {
        bn_dns_rr *next = rr->next;
        bn_free(rr);
        rr = next;
    }
}

/* bn_dns_norm_name - lowercase copy without trailing dot, label lengths checked */
bool bn_dns_norm_name(char *out, const char *name, size_t len)
{
    if (len && name[len - 1] == '.')
        len--;
    if (len == 0 || len > BN_DNS_NAME_MAX)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (c <= 0x20 || c >= 0x7f || ++label > 63) {
            return false;
        }
        out[i] = (char)bn_lc(c);
    }
    if (label == 0)
        return false;
    out[len] = '\0';
    return true;
}
