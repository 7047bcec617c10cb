/*
 * dns.h - DNS answers for the sender health check (bounce doctor)
 *
 * Every check of the doctor is a pure function of a cache of DNS answers:
 * it asks bn_dns_get() for (name, type) and, when the answer is not in yet,
 * gets BN_DNS_PENDING and gives up for this round. The driver
 * (doctor.c) then sends every pending query at once, waits for them with a
 * per-query timeout, and runs the checks again. So independent queries go
 * out in parallel, dependent ones (SPF include chains, the A records of a
 * PTR name) go out as soon as the answer they depend on is in, and the
 * checks themselves never block or know about sockets.
 *
 * The cache is filled either by c-ares (bn_dns_new) or, for unit tests, by
 * hand (bn_dns_new_table + bn_dns_add/bn_dns_fail): a closed world where
 * every name not added does not exist.
 */
#ifndef BN_DOCTOR_DNS_H
#define BN_DOCTOR_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounce.h"

enum {
    BN_DNS_T_A = 1,
    BN_DNS_T_CNAME = 5,
    BN_DNS_T_PTR = 12,
    BN_DNS_T_MX = 15,
    BN_DNS_T_TXT = 16,
    BN_DNS_T_AAAA = 28
};

#define BN_DNS_NAME_MAX 253   /* presentation form, no trailing dot */
#define BN_DNS_MAX_ENTRIES 512 /* distinct queries per run: past it, FAIL */

typedef enum bn_dns_rc {
    BN_DNS_PENDING = 0, /* asked, no answer yet */
    BN_DNS_OK,          /* one or more records of the type */
    BN_DNS_NODATA,      /* the name exists, without records of the type */
    BN_DNS_NXDOMAIN,    /* the name does not exist */
    BN_DNS_FAIL         /* no usable answer; why says what happened */
} bn_dns_rc;

/* One record. data: A 4 bytes, AAAA 16, TXT the strings joined, names as text. */
typedef struct bn_dns_rr {
    struct bn_dns_rr *next;
    uint16_t type;
    uint16_t pref; /* MX preference */
    size_t len;    /* bytes of data (a NUL follows, not counted) */
    char data[];
} bn_dns_rr;

typedef struct bn_dns_ans {
    bn_dns_rc rc;
    const char *why; /* BN_DNS_FAIL: static text ("timed out", ...), else NULL */
    bn_dns_rr *rr;   /* records in answer order */
    size_t nrr;
} bn_dns_ans;

typedef struct bn_dns bn_dns;

/*
 * bn_dns_new - a cache answered by c-ares. resolver: "IP", "IP:PORT" or
 * "[IPv6]:PORT", NULL for the system's (/etc/resolv.conf). timeout_ms is the
 * first attempt's timeout (c-ares doubles it per retry), tries the attempts.
 * A resolver that cannot be set up is not an error here: every query then
 * fails with the reason, so each check says "unknown, because ...".
 */
int bn_dns_new(bn_dns **out, const char *resolver, unsigned timeout_ms,
               unsigned tries);
/* bn_dns_new_table - a closed-world cache filled with bn_dns_add (tests) */
int bn_dns_new_table(bn_dns **out);
void bn_dns_free(bn_dns *d);

/* bn_dns_parse_server - "IP[:PORT]" / "[IPv6]:PORT": family, address, port */
bool bn_dns_parse_server(const char *s, int *family, unsigned char addr[16],
                         unsigned *port);

/* bn_dns_get - answer for (name, type); PENDING registers the query */
const bn_dns_ans *bn_dns_get(bn_dns *d, const char *name, size_t len,
                             uint16_t type);
/* bn_dns_pending - queries registered and not answered yet */
size_t bn_dns_pending(const bn_dns *d);
/* bn_dns_wait - send the pending queries and wait for them, at most until
 * deadline (bn_dns_now_ms clock); what is still open then fails */
void bn_dns_wait(bn_dns *d, uint64_t deadline_ms);
/* bn_dns_expire - fail every pending query with why */
void bn_dns_expire(bn_dns *d, const char *why);
/* bn_dns_sent - queries sent to the network so far */
size_t bn_dns_sent(const bn_dns *d);
/* bn_dns_now_ms - monotonic clock in milliseconds */
uint64_t bn_dns_now_ms(void);

/*
 * bn_dns_add - (table caches) add one record given as text: A/AAAA an
 * address, MX "PREF HOST" (HOST "." for a null MX), TXT the joined text,
 * PTR/CNAME a name. BN_EINVAL when the text does not fit the type.
 */
int bn_dns_add(bn_dns *d, const char *name, uint16_t type, const char *value);
/* bn_dns_set - (table caches) answer (name, type) with rc (NODATA, FAIL...) */
int bn_dns_set(bn_dns *d, const char *name, uint16_t type, bn_dns_rc rc,
               const char *why);

/*
 * bn_dns_parse_msg - decode a DNS response: rcode, and the records of qtype
 * for qname (following CNAMEs in the answer). Records are allocated with
 * bn_malloc and chained into out->rr; free with bn_dns_free_rr.
 * *truncated reports the TC bit. BN_EFORMAT when the message is malformed.
 */
int bn_dns_parse_msg(bn_dns_ans *out, bool *truncated, const unsigned char *msg,
                     size_t len, const char *qname, uint16_t qtype);
void bn_dns_free_rr(bn_dns_rr *rr);

/* bn_dns_norm_name - lowercase, drop one trailing dot, check label syntax
 * loosely (lengths only); writes a NUL-terminated copy into out
 * (BN_DNS_NAME_MAX + 1 bytes). false when not a usable DNS name. */
bool bn_dns_norm_name(char *out, const char *name, size_t len);

#endif
