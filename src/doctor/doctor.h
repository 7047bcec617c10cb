/*
 * doctor.h - internals shared by the checks of bounce doctor
 *
 * Each check is a function of the DNS cache (see dns.h): it asks with
 * bn_doc_ask(), which returns NULL while the answer is pending, and then
 * returns early; the driver sends what is pending and runs every check
 * again. Findings are added with bn_doc_add() into a per-round arena, so a
 * round that is repeated starts from an empty list.
 */
#ifndef BN_DOCTOR_H
#define BN_DOCTOR_H

#include "bounce.h"
#include "core/arena.h"
#include "doctor/dns.h"
#include "doctor/dnsbl.h"
#include "doctor/spf.h"

#define BN_DOCTOR_MAX_SELECTORS 32
#define BN_DOCTOR_MAX_CHECKS 256

struct bn_doctor {
    int family;                 /* AF_INET / AF_INET6 */
    unsigned char ip[16];
    char ip_text[64];           /* canonical text form */
    char domain[BN_DNS_NAME_MAX + 1]; /* "" when none */
    char selectors[BN_DOCTOR_MAX_SELECTORS][64];
    size_t nselectors;
    bool all_lists;
    bn_dns *dns;
    bn_dnsbl_table lists;
    bn_arena out;               /* strings of the current round */
    bn_check checks[BN_DOCTOR_MAX_CHECKS];
    size_t n;
    bool pending;               /* a check is waiting for an answer */
    bn_spf spf;
};

/* bn_doc_ask - the answer, or NULL (and d->pending) while it is not in */
const bn_dns_ans *bn_doc_ask(bn_doctor *d, const char *name, uint16_t type);
/* bn_doc_fmt - a formatted string in the round's arena ("" on no memory) */
const char *bn_doc_fmt(bn_doctor *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* bn_doc_add - one finding; detail is formatted, advice may be NULL */
void bn_doc_add(bn_doctor *d, const char *check, const char *target, bn_check_status st,
                const char *advice, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* bn_doc_org_domain - the organizational domain (approximation, see dmarc.c) */
const char *bn_doc_org_domain(const char *domain);

void bn_doc_check_iplists(bn_doctor *d); /* lists.c: IP blocklists */
void bn_doc_check_domainlists(bn_doctor *d); /* lists.c: domain blocklists */
void bn_doc_check_rdns(bn_doctor *d);    /* rdns.c: PTR, forward-confirmed */
void bn_doc_check_mx(bn_doctor *d);      /* rdns.c: MX, null MX */
void bn_doc_check_spf(bn_doctor *d);     /* spf_check.c */
void bn_doc_check_dmarc(bn_doctor *d);   /* dmarc.c */
void bn_doc_check_dkim(bn_doctor *d);    /* dkim.c */

/* dkim.c, exposed for unit tests */
typedef struct bn_dkim_key {
    bool revoked;       /* p= empty */
    bool testing;       /* t=y */
    char type[16];      /* k=, default "rsa" */
    int bits;           /* RSA modulus size, 256 for ed25519; 0 when unknown */
    const char *error;  /* what is wrong with the record, or NULL */
} bn_dkim_key;
/* bn_dkim_parse_key - read a DKIM key record (RFC 6376 3.6.1) */
void bn_dkim_parse_key(bn_dkim_key *k, const char *rec, size_t len);
/* bn_dkim_rsa_bits - modulus bits of a DER SubjectPublicKeyInfo (or a bare
 * PKCS#1 RSAPublicKey); 0 when it is not one */
int bn_dkim_rsa_bits(const unsigned char *der, size_t len);

/* dmarc.c, exposed for unit tests */
typedef struct bn_dmarc {
    char p[16], sp[16];  /* policy, subdomain policy ("" when absent) */
    char adkim, aspf;    /* 'r' or 's' */
    int pct;
    char rua[256], ruf[256];
    const char *error;   /* syntax problem, or NULL */
} bn_dmarc;
/* bn_dmarc_parse - read a DMARC record (RFC 7489 6.3) */
void bn_dmarc_parse(bn_dmarc *m, const char *rec, size_t len);

#endif
