/*
 * spf.h - SPF (RFC 7208) check_host() over the doctor's DNS cache
 *
 * bn_spf_check() is re-run by the doctor until no answer it needs is
 * pending (see dns.h): it is deterministic in the cache, so each run takes
 * the same path and gets one step further. Counting (10 lookups, 2 void
 * lookups) restarts with every run.
 */
#ifndef BN_DOCTOR_SPF_H
#define BN_DOCTOR_SPF_H

#include "doctor/dns.h"

#define BN_SPF_MAX_LOOKUPS 10 /* RFC 7208 4.6.4 */
#define BN_SPF_MAX_VOIDS 2    /* RFC 7208 4.6.4 */

typedef enum bn_spf_result {
    BN_SPF_NONE = 0,
    BN_SPF_NEUTRAL,
    BN_SPF_PASS,
    BN_SPF_FAIL,
    BN_SPF_SOFTFAIL,
    BN_SPF_TEMPERROR,
    BN_SPF_PERMERROR,
    BN_SPF_PENDING /* an answer is not in yet: wait and run again */
} bn_spf_result;

typedef struct bn_spf {
    /* in */
    bn_dns *dns;
    int family;              /* AF_INET or AF_INET6 */
    unsigned char ip[16];    /* 4 or 16 bytes */
    const char *sender;      /* MAIL FROM address ("postmaster@domain") */
    const char *helo;        /* HELO name (for %{h}) */
    /* out */
    bn_spf_result result;
    int lookups;             /* DNS-querying terms evaluated */
    int voids;               /* lookups that found nothing */
    bool by_all;             /* the deciding term was "all" at the top level */
    char why[384];           /* what decided: the term and domain, or the error */
    char record[512];        /* the top-level record, cut at 511 bytes */
} bn_spf;

/* bn_spf_check - evaluate the SPF record of domain for s->ip */
void bn_spf_check(bn_spf *s, const char *domain);
/* bn_spf_result_name - "pass", "fail", ... */
const char *bn_spf_result_name(bn_spf_result r);

#endif
