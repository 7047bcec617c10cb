/*
 * verp.c - recover the recipient from a VERP envelope address
 *
 * A VERP return path encodes the recipient in the local part:
 *   bounces+user=example.com@lists.example.org  ->  user@example.com
 * (separator '+' or '-' after the prefix, '=' for the recipient's '@').
 * Used only when the bounce itself names no recipient.
 */
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"

/* bn_x_verp - decode a VERP envelope address into the recipient, or empty */
bn_str bn_x_verp(bn_arena *a, const char *envelope_to)
{
    if (!envelope_to)
        return BN_STR_NULL;
    bn_str e = bn_x_addr_field(bn_str_cstr(envelope_to));
    const char *at = bn_str_chr(e, '@');
    if (!at)
        return BN_STR_NULL;
    bn_str local = {e.p, (size_t)(at - e.p)};
    const char *sep = NULL;
    for (size_t i = 0; i < local.n; i++)
        if (local.p[i] == '+' || local.p[i] == '-') {
            sep = local.p + i;
            break;
        }
    if (!sep)
        return BN_STR_NULL;
    bn_str enc = {sep + 1, (size_t)(at - sep - 1)};
    const char *eq = NULL;
    for (size_t i = enc.n; i > 0; i--)
        if (enc.p[i - 1] == '=') {
            eq = enc.p + i - 1;
            break;
        }
    if (!eq || eq == enc.p || eq + 1 >= enc.p + enc.n)
        return BN_STR_NULL;
    char *out = bn_arena_dup(a, enc.p, enc.n);
    if (!out)
        return BN_STR_NULL;
    out[eq - enc.p] = '@';
    bn_str r = {out, enc.n};
    size_t pos = 0;
    bn_str chk = bn_x_addr_scan(r, &pos);
    return chk.n == r.n ? r : BN_STR_NULL;
}
