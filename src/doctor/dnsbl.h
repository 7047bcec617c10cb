/*
 * dnsbl.h - the blocklist table (data/dnsbl.tsv) and what an answer means
 */
#ifndef BN_DOCTOR_DNSBL_H
#define BN_DOCTOR_DNSBL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define BN_DNSBL_MAX_LISTS 64
#define BN_DNSBL_MAX_CODES 32

typedef enum bn_dnsbl_kind { BN_DNSBL_IP4, BN_DNSBL_IP, BN_DNSBL_DOMAIN } bn_dnsbl_kind;

/* One KEY=meaning of the codes or refused column. */
typedef struct bn_dnsbl_code {
    uint32_t lo, hi;     /* answer range (host order); for a bitmask: lo = the bits */
    bool bitmask;        /* &N */
    const char *meaning;
} bn_dnsbl_code;

typedef struct bn_dnsbl {
    const char *zone, *name, *test, *removal; /* test/removal NULL for "-" */
    bn_dnsbl_kind kind;
    bool on;
    bn_dnsbl_code codes[BN_DNSBL_MAX_CODES];
    size_t ncodes;
    bn_dnsbl_code refused[BN_DNSBL_MAX_CODES];
    size_t nrefused;
} bn_dnsbl;

typedef struct bn_dnsbl_table {
    bn_dnsbl *lists; /* in the arena */
    size_t n;
    bn_arena arena;
} bn_dnsbl_table;

/* The built-in table: data/dnsbl.tsv, embedded by cmake/doctor.cmake. */
extern const unsigned char bn_dnsbl_tsv[];
extern const size_t bn_dnsbl_tsv_len;

/* bn_dnsbl_parse - read a table; BN_EFORMAT with "line N: why" in err */
int bn_dnsbl_parse(bn_dnsbl_table *t, const char *tsv, size_t len, char *err, size_t errsize);
void bn_dnsbl_table_free(bn_dnsbl_table *t);

/* bn_dnsbl_refused - meaning when answer a (host order) is a refusal, else NULL */
const char *bn_dnsbl_refused(const bn_dnsbl *l, uint32_t a);
/* bn_dnsbl_meaning - meaning(s) of a listing answer into buf; false when
 * the table knows no meaning for it */
bool bn_dnsbl_meaning(const bn_dnsbl *l, uint32_t a, char *buf, size_t size);
/* bn_dnsbl_reverse - the query label for an address: "4.3.2.1" or 32 nibbles */
void bn_dnsbl_reverse(char *buf, size_t size, int family, const unsigned char *ip);

#endif
