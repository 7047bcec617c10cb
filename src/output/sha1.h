/*
 * sha1.h - SHA-1 (FIPS 180-4), only for the Sisimai-compatible "token"
 *
 * Not for security: Sisimai identifies a bounce by the SHA-1 of sender,
 * recipient and time, and consumers that switch from it expect the same value.
 */
#ifndef BN_SHA1_H
#define BN_SHA1_H

#include <stddef.h>
#include <stdint.h>

typedef struct bn_sha1 {
    uint32_t h[5];
    uint64_t total;        /* bytes hashed */
    unsigned char blk[64];
    size_t used;           /* bytes in blk */
} bn_sha1;

void bn_sha1_init(bn_sha1 *s);
void bn_sha1_update(bn_sha1 *s, const void *p, size_t n);
/* bn_sha1_final - the digest as 40 lowercase hex digits and a NUL */
void bn_sha1_final_hex(bn_sha1 *s, char out[41]);

#endif
