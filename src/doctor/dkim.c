/*
 * dkim.c - DKIM key records (RFC 6376 3.6.1) of the given selectors
 *
 * The key size is read from the key itself: p= is base64 of a DER
 * SubjectPublicKeyInfo (RFC 6376 3.6.1; some publish the bare PKCS#1
 * RSAPublicKey, which verifiers also take), and the RSA modulus is the
 * first INTEGER of the inner sequence. RFC 8301: verifiers must not accept
 * keys under 1024 bits; 2048 is the size to use. Ed25519 keys (RFC 8463)
 * are 32 raw bytes.
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "doctor/doctor.h"

#define KEY_MAX 2048 /* decoded key bytes: 16384-bit RSA fits */

/* b64_value - value of a base64 digit, -1 otherwise */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* b64_decode - base64 (whitespace ignored, '=' padding at the end); the
 * decoded length, or -1 when invalid or past cap */
static long b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (bn_is_space(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (pad > 2 || bits >= 6)
        return -1;
    return (long)o;
}

/* der_next - read one TLV at *pos: tag, content start and length */
static bool der_next(const unsigned char *p, size_t n, size_t *pos, unsigned *tag,
                     size_t *start, size_t *len)
{
    size_t i = *pos;
    if (i + 2 > n)
        return false;
    *tag = p[i++];
    size_t l = p[i++];
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 3 || i + k > n)
            return false;
        l = 0;
        while (k--)
            l = (l << 8) | p[i++];
    }
    if (l > n - i)
        return false;
    *start = i;
    *len = l;
    *pos = i + l;
    return true;
}

/* int_bits - bits of a DER INTEGER's magnitude */
static int int_bits(const unsigned char *p, size_t n)
{
    while (n && p[0] == 0) {
        p++;
        n--;
    }
    if (!n)
        return 0;
    int top = 0;
    for (unsigned c = p[0]; c; c >>= 1)
        top++;
    return (int)((n - 1) * 8) + top;
}

/* rsa_pubkey_bits - modulus bits of an RSAPublicKey SEQUENCE { n, e } */
static int rsa_pubkey_bits(const unsigned char *p, size_t n)
{
    size_t pos = 0, s, l, s2, l2;
    unsigned tag;
    if (!der_next(p, n, &pos, &tag, &s, &l) || tag != 0x30)
        return 0;
    size_t in = 0;
    if (!der_next(p + s, l, &in, &tag, &s2, &l2) || tag != 0x02)
        return 0;
    size_t ms = s + s2;
    size_t es, el;
    if (!der_next(p + s, l, &in, &tag, &es, &el) || tag != 0x02)
        return 0;
    return int_bits(p + ms, l2);
}

/* bn_dkim_rsa_bits - modulus bits of an SPKI (rsaEncryption) or bare RSAPublicKey */
int bn_dkim_rsa_bits(const unsigned char *der, size_t len)
{
    static const unsigned char rsa_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
    size_t pos = 0, s, l, in = 0, as, al, ap = 0, os, ol;
    unsigned tag;
    if (!der_next(der, len, &pos, &tag, &s, &l) || tag != 0x30 || pos != len)
        return 0;
    const unsigned char *seq = der + s;
    if (!der_next(seq, l, &in, &tag, &as, &al))
        return 0;
    if (tag == 0x02) /* bare RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e } */
        return rsa_pubkey_bits(der, len);
    if (tag != 0x30 || !der_next(seq + as, al, &ap, &tag, &os, &ol) || tag != 0x06 ||
        ol != sizeof(rsa_oid) || memcmp(seq + as + os, rsa_oid, ol) != 0)
        return 0;
    size_t bs, bl;
    if (!der_next(seq, l, &in, &tag, &bs, &bl) || tag != 0x03 || bl < 2 || seq[bs] != 0)
        return 0; /* BIT STRING with no unused bits */
    return rsa_pubkey_bits(seq + bs + 1, bl - 1);
}

/* key_tag - one tag=value of a key record into k; p= value to *pvalue */
static void key_tag(bn_dkim_key *k, bn_str tag, bn_str val, bn_str *pvalue, bool *have_p)
{
    val = bn_str_trim(val);
    if (bn_str_eq_ci(tag, "k")) {
        snprintf(k->type, sizeof(k->type), "%.*s", (int)(val.n < 15 ? val.n : 15), val.p);
    } else if (bn_str_eq_ci(tag, "p")) {
        *pvalue = val;
        *have_p = true;
    } else if (bn_str_eq_ci(tag, "t")) {
        for (size_t i = 0; i < val.n; i++)
            if ((val.p[i] == 'y' || val.p[i] == 'Y') &&
                (i == 0 || val.p[i - 1] == ':' || bn_is_space((unsigned char)val.p[i - 1])))
                k->testing = true;
    } else if (bn_str_eq_ci(tag, "v") && !bn_str_eq_ci(val, "DKIM1")) {
        k->error = "v= is not DKIM1";
    }
}

/* key_size - decode p= and measure the key */
static void key_size(bn_dkim_key *k, bn_str p)
{
    unsigned char der[KEY_MAX];
    long n = b64_decode(p.p, p.n, der, sizeof(der));
    if (n < 0) {
        k->error = "p= is not valid base64";
        return;
    }
    if (strcmp(k->type, "ed25519") == 0) {
        k->bits = n == 32 ? 256 : 0;
        if (n != 32)
            k->error = "an ed25519 key must be 32 bytes";
    } else if (strcmp(k->type, "rsa") == 0) {
        k->bits = bn_dkim_rsa_bits(der, (size_t)n);
        if (!k->bits)
            k->error = "p= is not an RSA public key (DER SubjectPublicKeyInfo)";
    } else {
        k->error = "unknown key type k= (rsa or ed25519)";
    }
}

/* bn_dkim_parse_key - read a DKIM key record (RFC 6376 3.6.1) */
void bn_dkim_parse_key(bn_dkim_key *k, const char *rec, size_t len)
{
    memset(k, 0, sizeof(*k));
    snprintf(k->type, sizeof(k->type), "rsa");
    bn_str rest = {rec, len}, pvalue = BN_STR_NULL;
    bool have_p = false;
    for (int i = 0; rest.n; i++) {
        const char *semi = bn_str_chr(rest, ';');
        bn_str item = {rest.p, semi ? (size_t)(semi - rest.p) : rest.n};
        rest = semi ? (bn_str){semi + 1, rest.n - item.n - 1} : (bn_str){NULL, 0};
        item = bn_str_trim(item);
        if (item.n == 0)
            continue;
        const char *eq = bn_str_chr(item, '=');
        if (!eq) {
            k->error = "a part of the record is not tag=value";
            return;
        }
        bn_str tag = bn_str_trim((bn_str){item.p, (size_t)(eq - item.p)});
        if (bn_str_eq_ci(tag, "v") && i != 0)
            k->error = "v= must come first";
        key_tag(k, tag, (bn_str){eq + 1, item.n - (size_t)(eq + 1 - item.p)}, &pvalue, &have_p);
    }
    if (k->error)
        return;
    if (!have_p) {
        k->error = "the record has no p= tag";
        return;
    }
    k->revoked = pvalue.n == 0;
    if (!k->revoked)
        key_size(k, pvalue);
}

/* key_status - pass / warn / fail for a key that parsed */
static void report_key(bn_doctor *d, const char *name, const bn_dkim_key *k)
{
    const char *test = k->testing ? "; t=y: the domain says it is testing DKIM, so receivers may "
                                    "ignore failures" : "";
    if (k->revoked)
        bn_doc_add(d, "dkim", name, BN_CHECK_FAIL,
                   "sign with a selector that has a key, or publish the key again",
                   "the key is revoked (empty p=): signatures with this selector fail%s", test);
    else if (strcmp(k->type, "rsa") == 0 && k->bits < 1024)
        bn_doc_add(d, "dkim", name, BN_CHECK_FAIL, "publish a 2048-bit RSA key and sign with it",
                   "RSA %d bits: too weak, receivers ignore keys under 1024 bits (RFC 8301)%s",
                   k->bits, test);
    else if (strcmp(k->type, "rsa") == 0 && k->bits < 2048)
        bn_doc_add(d, "dkim", name, BN_CHECK_WARN, "move to a 2048-bit RSA key",
                   "RSA %d bits: accepted, but 2048 bits is the recommended size%s", k->bits, test);
    else
        bn_doc_add(d, "dkim", name, k->testing ? BN_CHECK_WARN : BN_CHECK_PASS,
                   k->testing ? "remove t=y once signing works" : NULL, "%s %d bits%s",
                   strcmp(k->type, "rsa") == 0 ? "RSA" : "Ed25519", k->bits, test);
}

/* check_selector - the key record at SELECTOR._domainkey.DOMAIN */
static void check_selector(bn_doctor *d, const char *sel)
{
    const char *name = bn_doc_fmt(d, "%s._domainkey.%s", sel, d->domain);
    const bn_dns_ans *a = bn_doc_ask(d, name, BN_DNS_T_TXT);
    if (!a)
        return;
    if (a->rc == BN_DNS_FAIL) {
        bn_doc_add(d, "dkim", name, BN_CHECK_UNKNOWN, "run the check again",
                   "unknown, because the TXT lookup failed: %s", a->why);
        return;
    }
    if (a->rc != BN_DNS_OK) {
        bn_doc_add(d, "dkim", name, BN_CHECK_FAIL,
                   "publish the selector's public key, or check the selector name (s= in the "
                   "DKIM-Signature of a message you sent)",
                   "no DKIM key record (%s): signatures with selector %s cannot be verified",
                   a->rc == BN_DNS_NXDOMAIN ? "NXDOMAIN" : "no TXT record", sel);
        return;
    }
    if (a->nrr > 1) {
        bn_doc_add(d, "dkim", name, BN_CHECK_FAIL, "keep one TXT record per selector",
                   "%zu TXT records: verifiers may pick either, so verification is a gamble", a->nrr);
        return;
    }
    bn_dkim_key k;
    bn_dkim_parse_key(&k, a->rr->data, a->rr->len);
    if (k.error)
        bn_doc_add(d, "dkim", name, BN_CHECK_FAIL, "fix the key record",
                   "invalid key record: %s", k.error);
    else
        report_key(d, name, &k);
}

/* bn_doc_check_dkim - each selector's key; a note when none was given */
void bn_doc_check_dkim(bn_doctor *d)
{
    if (d->nselectors == 0) {
        bn_doc_add(d, "dkim", d->domain, BN_CHECK_UNKNOWN,
                   "run again with --selector NAME: the s= tag of the DKIM-Signature header of a "
                   "message you sent",
                   "unknown, because no selector was given and DKIM keys cannot be listed from DNS");
        return;
    }
    for (size_t i = 0; i < d->nselectors; i++)
        check_selector(d, d->selectors[i]);
}
