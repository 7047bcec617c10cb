/* sha1.c - SHA-1 (FIPS 180-4) for Sisimai-compatible tokens */
#include "output/sha1.h"

#include <string.h>

/* rol - rotate left */
static uint32_t rol(uint32_t x, unsigned k)
{
    return (x << k) | (x >> (32 - k));
}

/* sha1_round_f - the round function and constant for round t */
static uint32_t sha1_round_f(unsigned t, uint32_t b, uint32_t c, uint32_t d, uint32_t *k)
{
    if (t < 20) {
        *k = 0x5A827999u;
        return (b & c) | (~b & d);
    }
    if (t < 40) {
        *k = 0x6ED9EBA1u;
        return b ^ c ^ d;
    }
    if (t < 60) {
        *k = 0x8F1BBCDCu;
        return (b & c) | (b & d) | (c & d);
    }
    *k = 0xCA62C1D6u;
    return b ^ c ^ d;
}

/* sha1_block - compress one 64-byte block */
static void sha1_block(uint32_t h[5], const unsigned char *p)
{
    uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], k, f, t;
    for (unsigned i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (unsigned i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (unsigned i = 0; i < 80; i++) {
        f = sha1_round_f(i, b, c, d, &k);
        t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

/* bn_sha1_init - the initial hash value */
void bn_sha1_init(bn_sha1 *s)
{
    static const uint32_t iv[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu,
                                   0x10325476u, 0xC3D2E1F0u};
    memcpy(s->h, iv, sizeof(iv));
    s->total = 0;
    s->used = 0;
}

/* bn_sha1_update - hash n more bytes */
void bn_sha1_update(bn_sha1 *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    s->total += n;
    while (n > 0) {
        size_t take = 64 - s->used < n ? 64 - s->used : n;
        memcpy(s->blk + s->used, p, take);
        s->used += take;
        p += take;
        n -= take;
        if (s->used == 64) {
            sha1_block(s->h, s->blk);
            s->used = 0;
        }
    }
}

/* bn_sha1_final_hex - pad, finish, and write the digest in hex */
void bn_sha1_final_hex(bn_sha1 *s, char out[41])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t bits = s->total * 8;
    unsigned char pad = 0x80, len[8];
    bn_sha1_update(s, &pad, 1);
    pad = 0;
    while (s->used != 56)
        bn_sha1_update(s, &pad, 1);
    for (unsigned i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    bn_sha1_update(s, len, 8);
    for (unsigned i = 0; i < 20; i++) {
        unsigned char byte = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
        out[2 * i] = hex[byte >> 4];
        out[2 * i + 1] = hex[byte & 15];
    }
    out[40] = '\0';
}
