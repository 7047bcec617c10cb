/*
 * dns.c - the doctor's DNS cache and its c-ares driver (see dns.h)
 *
 * Why c-ares and not glibc's res_nquery: the doctor asks 20 to 40
 * independent questions (one per blocklist, PTR, SPF, DMARC, each DKIM
 * selector, MX) and res_nquery asks them one at a time, each blocking for
 * up to its whole timeout; against a resolver that drops packets that is
 * minutes. c-ares sends them all at once on one socket, gives every query
 * its own timeout and retry count, takes a server with a port
 * (ares_set_servers_ports), lets us see truncated answers (ARES_FLAG_IGNTC)
 * and is in Debian (libc-ares-dev). res_nquery's server list also comes
 * from a process-global _res state, and a port other than 53 needs poking
 * into its sockaddr fields.
 *
 * Truncation: the UDP channel ignores the TC bit so that we see it; a
 * truncated answer is asked again on a second channel that uses TCP. If
 * that fails too, the answer says so ("truncated over UDP and ...").
 */
#include <arpa/inet.h>
#include <ares.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "doctor/dns.h"

#define NBUCKETS 256
#define EDNS_SIZE 1232 /* the DNS flag day 2020 value: no IP fragmentation */

typedef struct entry {
    struct entry *next; /* hash chain */
    struct entry *all;  /* every entry, newest first */
    bn_dns *owner;
    uint16_t type;
    bool sent;
    bool tcp; /* asked again over TCP after a truncated UDP answer */
    bn_dns_ans ans;
    char name[];
} entry;

struct bn_dns {
    entry *bucket[NBUCKETS];
    entry *all;
    size_t count;
    size_t pending;     /* entries still BN_DNS_PENDING */
    size_t sent;
    bool table;         /* closed world filled by bn_dns_add */
    bool have_udp, have_tcp;
    ares_channel udp, tcp;
    const char *setup_why; /* resolver could not be set up: every query fails */
};

/* A name that cannot be asked cannot exist either: SPF macros can expand to
 * one (a space from %_), and RFC 7208 then wants "no match", not an error. */
static const bn_dns_ans ans_badname = {BN_DNS_NXDOMAIN, "not a valid DNS name", NULL, 0};
static const bn_dns_ans ans_toomany = {BN_DNS_FAIL, "too many DNS queries in one run", NULL, 0};
static const bn_dns_ans ans_nomem = {BN_DNS_FAIL, "out of memory", NULL, 0};

/* bn_dns_now_ms - monotonic clock in milliseconds */
uint64_t bn_dns_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* hash - FNV-1a of the name and type */
static unsigned hash(const char *name, uint16_t type)
{
    uint32_t h = 2166136261u ^ type;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % NBUCKETS;
}

/* find - the entry for a normalized (name, type), or NULL */
static entry *find(const bn_dns *d, const char *name, uint16_t type)
{
    for (entry *e = d->bucket[hash(name, type)]; e; e = e->next)
        if (e->type == type && strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

/* name_exists - (table caches) some record type is known for the name */
static bool name_exists(const bn_dns *d, const char *name)
{
    for (entry *e = d->all; e; e = e->all)
        if (e->ans.rc == BN_DNS_OK && strcmp(e->name, name) == 0)
            return true;
    return false;
}

/* insert - a new entry for a normalized name, PENDING; NULL on no memory */
static entry *insert(bn_dns *d, const char *name, uint16_t type)
{
    size_t n = strlen(name);
    entry *e = bn_calloc(1, sizeof(*e) + n + 1);
    if (!e)
        return NULL;
    memcpy(e->name, name, n + 1);
    e->owner = d;
    e->type = type;
    unsigned h = hash(name, type);
    e->next = d->bucket[h];
    d->bucket[h] = e;
    e->all = d->all;
    d->all = e;
    d->count++;
    d->pending++;
    return e;
}

/* settle - give a pending entry its answer */
static void settle(entry *e, bn_dns_rc rc, const char *why, bn_dns_rr *rr, size_t nrr)
{
    if (e->ans.rc != BN_DNS_PENDING) {
        bn_dns_free_rr(rr);
        return;
    }
    e->ans.rc = rc;
    e->ans.why = why;
    e->ans.rr = rr;
    e->ans.nrr = nrr;
    e->owner->pending--;
}

/* bn_dns_get - answer for (name, type); PENDING registers the query */
const bn_dns_ans *bn_dns_get(bn_dns *d, const char *name, size_t len, uint16_t type)
{
    char norm[BN_DNS_NAME_MAX + 1];
    if (!bn_dns_norm_name(norm, name, len))
        return &ans_badname;
    entry *e = find(d, norm, type);
    if (e)
        return &e->ans;
    if (d->count >= BN_DNS_MAX_ENTRIES)
        return &ans_toomany;
    e = insert(d, norm, type);
    if (!e)
        return &ans_nomem;
    if (d->table)
        settle(e, name_exists(d, norm) ? BN_DNS_NODATA : BN_DNS_NXDOMAIN, NULL, NULL, 0);
    return &e->ans;
}

/* bn_dns_pending - queries registered and not answered yet */
size_t bn_dns_pending(const bn_dns *d) { return d->pending; }

/* bn_dns_sent - queries sent to the network so far */
size_t bn_dns_sent(const bn_dns *d) { return d->sent; }

/* bn_dns_expire - fail every pending query with why */
void bn_dns_expire(bn_dns *d, const char *why)
{
    for (entry *e = d->all; e && d->pending; e = e->all)
        if (e->ans.rc == BN_DNS_PENDING)
            settle(e, BN_DNS_FAIL, why, NULL, 0);
}

/* status_why - the reason text for a c-ares failure status */
static const char *status_why(int status, bool tcp)
{
    switch (status) {
    case ARES_ETIMEOUT:
        return tcp ? "the answer was truncated over UDP and the TCP retry timed out"
                   : "no answer from the DNS server (timed out)";
    case ARES_ECONNREFUSED:
        return tcp ? "the answer was truncated over UDP and the DNS server refused TCP"
                   : "the DNS server refused the connection (nothing listens there)";
    case ARES_ESERVFAIL:
        return "the DNS server answered SERVFAIL (it could not resolve the name)";
    case ARES_EREFUSED:
        return "the DNS server REFUSED the query";
    case ARES_ENOTIMP:
        return "the DNS server does not implement this query";
    case ARES_EFORMERR:
    case ARES_EBADRESP:
        return "the DNS server sent a malformed answer";
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
        return "no answer before the overall time limit";
    case ARES_ENOMEM:
        return "out of memory";
    default:
        return "the DNS query failed";
    }
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen);

/* send_query - put one entry on the wire (UDP, or TCP for a retry) */
static void send_query(entry *e, bool tcp)
{
    bn_dns *d = e->owner;
    e->sent = true;
    e->tcp = tcp;
    d->sent++;
    ares_query(tcp ? d->tcp : d->udp, e->name, 1 /* C_IN */, e->type, on_answer, e);
}

/* on_answer - c-ares callback: decode the answer into the entry */
static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    entry *e = arg;
    if (e->ans.rc != BN_DNS_PENDING)
        return;
    /* with ARES_FLAG_NOCHECKRESP, SERVFAIL and REFUSED answers come here too
     * (status ESERVFAIL/EREFUSED, abuf set): the rcode in abuf says which */
    if (!abuf || alen <= 0) {
        settle(e, BN_DNS_FAIL, status_why(status, e->tcp), NULL, 0);
        return;
    }
    bn_dns_ans a;
    bool tc = false;
    bn_dns_parse_msg(&a, &tc, abuf, (size_t)alen, e->name, e->type);
    if (tc && !e->tcp && e->owner->have_tcp) {
        bn_dns_free_rr(a.rr);
        send_query(e, true);
        return;
    }
    if (tc) {
        bn_dns_free_rr(a.rr);
        settle(e, BN_DNS_FAIL, "the answer was truncated even over TCP", NULL, 0);
        return;
    }
    settle(e, a.rc, a.why, a.rr, a.nrr);
}

/* bn_dns_parse_server - "IP[:PORT]" / "[IPv6]:PORT" / "IPv6" */
bool bn_dns_parse_server(const char *s, int *family, unsigned char addr[16], unsigned *port)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    const char *p = NULL;
    *port = 53;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || (size_t)(close - s - 1) >= sizeof(host))
            return false;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != '\0')
            return false;
    } else if (colon && strchr(s, ':') == colon) { /* one colon: IPv4:port */
        if ((size_t)(colon - s) >= sizeof(host))
            return false;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        p = colon + 1;
    } else {
        if (strlen(s) >= sizeof(host))
            return false;
        strcpy(host, s);
    }
    if (p) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (!*p || *end || v == 0 || v > 65535)
            return false;
        *port = (unsigned)v;
    }
    if (inet_pton(AF_INET, host, addr) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, host, addr) == 1)
        *family = AF_INET6;
    else
        return false;
    return true;
}

/* init_channel - a c-ares channel with our timeouts; false on failure */
static bool init_channel(ares_channel *ch, int flags, unsigned timeout_ms, unsigned tries)
{
    struct ares_options o;
    memset(&o, 0, sizeof(o));
    o.flags = flags;
    o.timeout = (int)timeout_ms;
    o.tries = (int)tries;
    o.ednspsz = EDNS_SIZE;
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ;
    return ares_init_options(ch, &o, mask) == ARES_SUCCESS;
}

/* set_server - point a channel at one server */
static bool set_server(ares_channel ch, const char *resolver)
{
    struct ares_addr_port_node node;
    unsigned char addr[16];
    unsigned port;
    memset(&node, 0, sizeof(node));
    if (!bn_dns_parse_server(resolver, &node.family, addr, &port))
        return false;
    if (node.family == AF_INET)
        memcpy(&node.addr.addr4, addr, 4);
    else
        memcpy(&node.addr.addr6, addr, 16);
    node.udp_port = (int)port;
    node.tcp_port = (int)port;
    return ares_set_servers_ports(ch, &node) == ARES_SUCCESS;
}

/* setup - both channels; on failure, setup_why says why */
static void setup(bn_dns *d, const char *resolver, unsigned timeout_ms, unsigned tries)
{
    if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
        d->setup_why = "the DNS library could not start";
        return;
    }
    /* NOCHECKRESP: hand SERVFAIL/REFUSED to us (else c-ares reports them
     * as a refused connection once it runs out of servers) */
    int base = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
    d->have_udp = init_channel(&d->udp, base | ARES_FLAG_IGNTC | ARES_FLAG_EDNS, timeout_ms, tries);
    d->have_tcp = init_channel(&d->tcp, base | ARES_FLAG_USEVC, timeout_ms, tries);
    if (!d->have_udp) {
        d->setup_why = "no DNS resolver could be set up (check /etc/resolv.conf)";
        return;
    }
    if (resolver && (!set_server(d->udp, resolver) ||
                     (d->have_tcp && !set_server(d->tcp, resolver))))
        d->setup_why = "the resolver address could not be used";
}

/* bn_dns_new - a cache answered by c-ares (see dns.h) */
int bn_dns_new(bn_dns **out, const char *resolver, unsigned timeout_ms, unsigned tries)
{
    bn_dns *d = bn_calloc(1, sizeof(*d));
    if (!d)
        return BN_ENOMEM;
    setup(d, resolver, timeout_ms ? timeout_ms : 2000, tries ? tries : 2);
    *out = d;
    return BN_OK;
}

/* bn_dns_new_table - a closed-world cache filled with bn_dns_add (tests) */
int bn_dns_new_table(bn_dns **out)
{
    bn_dns *d = bn_calloc(1, sizeof(*d));
    if (!d)
        return BN_ENOMEM;
    d->table = true;
    *out = d;
    return BN_OK;
}

/* bn_dns_free - destroy the channels (their callbacks still see live
 * entries), then the entries */
void bn_dns_free(bn_dns *d)
{
    if (!d)
        return;
    if (d->have_udp)
        ares_destroy(d->udp);
    if (d->have_tcp)
        ares_destroy(d->tcp);
    if (d->have_udp || d->have_tcp)
        ares_library_cleanup();
    for (entry *e = d->all, *next; e; e = next) {
        next = e->all;
        bn_dns_free_rr(e->ans.rr);
        bn_free(e);
    }
    bn_free(d);
}

/* add_fds - the channel's sockets to poll; returns the new count */
static nfds_t add_fds(ares_channel ch, struct pollfd *fds, nfds_t n)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    /* the ARES_GETSOCK_* macros shift a signed 1 into bit 31: test by hand */
    unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
    for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
        short ev = 0;
        if (bits & (1u << i))
            ev |= POLLIN;
        if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
            ev |= POLLOUT;
        if (!ev)
            continue;
        fds[n].fd = socks[i];
        fds[n].events = ev;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

/* wait_ms - how long to poll: the channels' next timeout, capped by the deadline */
static int wait_ms(bn_dns *d, uint64_t now, uint64_t deadline)
{
    struct timeval cap = {1, 0}, tv;
    long ms = 1000;
    ares_channel chans[2] = {d->udp, d->tcp};
    bool have[2] = {d->have_udp, d->have_tcp};
    for (int i = 0; i < 2; i++) {
        if (!have[i])
            continue;
        struct timeval *t = ares_timeout(chans[i], &cap, &tv);
        long v = t->tv_sec * 1000 + t->tv_usec / 1000;
        if (v < ms)
            ms = v;
    }
    if (now + (uint64_t)ms > deadline)
        ms = (long)(deadline - now);
    return ms < 1 ? 1 : (int)ms;
}

/* process - hand ready sockets (and timeouts) to their channel */
static void process(ares_channel ch, const struct pollfd *fds, nfds_t from, nfds_t to)
{
    for (nfds_t i = from; i < to; i++) {
        if (!fds[i].revents)
            continue;
        bool rd = fds[i].revents & (POLLIN | POLLERR | POLLHUP);
        bool wr = fds[i].revents & POLLOUT;
        ares_process_fd(ch, rd ? fds[i].fd : ARES_SOCKET_BAD, wr ? fds[i].fd : ARES_SOCKET_BAD);
    }
    ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* poll_once - one poll over both channels */
static void poll_once(bn_dns *d, uint64_t now, uint64_t deadline)
{
    struct pollfd fds[2 * ARES_GETSOCK_MAXNUM];
    nfds_t nu = add_fds(d->udp, fds, 0);
    nfds_t nt = d->have_tcp ? add_fds(d->tcp, fds, nu) : nu;
    poll(fds, nt, wait_ms(d, now, deadline));
    process(d->udp, fds, 0, nu);
    if (d->have_tcp)
        process(d->tcp, fds, nu, nt);
}

/* bn_dns_wait - send the pending queries and wait for them (see dns.h) */
void bn_dns_wait(bn_dns *d, uint64_t deadline_ms)
{
    if (d->table || d->setup_why) {
        bn_dns_expire(d, d->setup_why ? d->setup_why : "not in the test table");
        return;
    }
    for (entry *e = d->all; e; e = e->all)
        if (e->ans.rc == BN_DNS_PENDING && !e->sent)
            send_query(e, false);
    while (d->pending) {
        uint64_t now = bn_dns_now_ms();
        if (now >= deadline_ms) {
            ares_cancel(d->udp);
            if (d->have_tcp)
                ares_cancel(d->tcp);
            bn_dns_expire(d, "no answer before the overall time limit");
            return;
        }
        poll_once(d, now, deadline_ms);
    }
}

/* table_rr - a record from its text form (bn_dns_add) */
static bn_dns_rr *table_rr(uint16_t type, const char *value)
{
    unsigned char addr[16];
    if (type == BN_DNS_T_A || type == BN_DNS_T_AAAA) {
        int af = type == BN_DNS_T_A ? AF_INET : AF_INET6;
        if (inet_pton(af, value, addr) != 1)
            return NULL;
        size_t n = type == BN_DNS_T_A ? 4 : 16;
        bn_dns_rr *rr = bn_malloc(sizeof(*rr) + n + 1);
        if (!rr)
            return NULL;
        *rr = (bn_dns_rr){NULL, type, 0, n};
        memcpy(rr->data, addr, n);
        rr->data[n] = '\0';
        return rr;
    }
    unsigned pref = 0;
    if (type == BN_DNS_T_MX) {
        char *end;
        pref = (unsigned)strtoul(value, &end, 10);
        if (end == value || *end != ' ' || pref > 65535)
            return NULL;
        value = end + 1;
    }
    size_t n = strlen(value);
    if (type != BN_DNS_T_TXT && n && value[n - 1] == '.')
        n--; /* names are kept without the trailing dot; "." is the root "" */
    bn_dns_rr *rr = bn_malloc(sizeof(*rr) + n + 1);
    if (!rr)
        return NULL;
    *rr = (bn_dns_rr){NULL, type, (uint16_t)pref, n};
    memcpy(rr->data, value, n);
    rr->data[n] = '\0';
    return rr;
}

/* table_entry - the entry for (name, type) in a table cache, created OK */
static entry *table_entry(bn_dns *d, const char *name, uint16_t type)
{
    char norm[BN_DNS_NAME_MAX + 1];
    if (!d->table || !bn_dns_norm_name(norm, name, strlen(name)))
        return NULL;
    entry *e = find(d, norm, type);
    if (!e && (e = insert(d, norm, type)) != NULL)
        settle(e, BN_DNS_NODATA, NULL, NULL, 0);
    return e;
}

/* bn_dns_add - (table caches) add one record given as text */
int bn_dns_add(bn_dns *d, const char *name, uint16_t type, const char *value)
{
    entry *e = table_entry(d, name, type);
    if (!e)
        return BN_EINVAL;
    bn_dns_rr *rr = table_rr(type, value);
    if (!rr)
        return BN_EINVAL;
    bn_dns_rr **tail = &e->ans.rr;
    while (*tail)
        tail = &(*tail)->next;
    *tail = rr;
    e->ans.nrr++;
    e->ans.rc = BN_DNS_OK;
    return BN_OK;
}

/* bn_dns_set - (table caches) answer (name, type) with rc */
int bn_dns_set(bn_dns *d, const char *name, uint16_t type, bn_dns_rc rc, const char *why)
{
    entry *e = table_entry(d, name, type);
    if (!e)
        return BN_EINVAL;
    e->ans.rc = rc;
    e->ans.why = why;
    return BN_OK;
}
