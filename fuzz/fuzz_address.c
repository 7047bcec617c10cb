/*
 * fuzz_address.c - address normalisation, punycode, VERP decoding
 *
 * Input: any bytes, used as an address, as punycode and as a VERP envelope
 * address. Invariants: no crash, no read outside the input; a normalised
 * address is NUL-terminated, at most BN_ADDR_MAX - 1 bytes, and normalising
 * it again gives the same key (idempotent: the list's key is stable);
 * punycode that decodes re-encodes to the same code points.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_normalize - normalise, then normalise the key again */
static void check_normalize(const char *in, size_t n, unsigned flags)
{
    char key[BN_ADDR_MAX], again[BN_ADDR_MAX];
    size_t kn = 0, an = 0;
    if (bn_address_normalize(key, &kn, in, n, flags) != BN_OK)
        return;
    if (kn >= BN_ADDR_MAX || strlen(key) != kn)
        abort();
    if (bn_address_normalize(again, &an, key, kn, flags) != BN_OK ||
        an != kn || memcmp(key, again, kn) != 0)
        abort();
}

/* check_punycode - decode; if it decodes, encode and decode again */
static void check_punycode(const char *in, size_t n)
{
    uint32_t cp[256], back[256];
    char enc[1024];
    size_t ncp = 0, nb = 0, elen = 0;
    if (bn_punycode_decode(cp, 256, &ncp, in, n) != BN_OK)
        return;
    if (bn_punycode_encode(enc, sizeof enc, &elen, cp, ncp) != BN_OK)
        return; /* may not fit: the decoder accepts forms the encoder avoids */
    if (bn_punycode_decode(back, 256, &nb, enc, elen) != BN_OK || nb != ncp ||
        memcmp(back, cp, ncp * sizeof *cp) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1), out[BN_ADDR_MAX];
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    check_normalize(buf, size, 0);
    check_normalize(buf, size, BN_ADDR_CASE_LOCAL);
    check_punycode(buf, size);
    if (bn_verp_decode(out, sizeof out, NULL, buf, size) == BN_OK &&
        strlen(out) >= sizeof out)
        abort();
    free(buf);
    return 0;
}
