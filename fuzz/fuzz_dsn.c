/*
 * fuzz_dsn.c - the delivery-status field parser and the text helpers it uses
 *
 * Input: arbitrary bytes read as a delivery-status body, in part mode and
 * in inline mode. Invariants: no crash, no read outside the input (it is
 * copied to an exact-size heap buffer for ASan), the recipient cap holds,
 * addresses and codes found are sub-spans of what they were found in, and
 * codes have their documented shape. The same bytes also go through the
 * JSON reader used for notification bodies (member lookup, array walk,
 * string decoding stay inside the input).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "extract/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RCPTS 50

/* inside - span s lies within [base, base+n) */
static bool inside(bn_str s, const char *base, size_t n)
{
    return s.n == 0 || (s.p >= base && s.p + s.n <= base + n);
}

/* check_codes - codes found in a value are sub-spans with the right shape */
static void check_codes(bn_str v)
{
    bn_str st = bn_x_find_status(v);
    if (!inside(st, v.p, v.n))
        abort();
    if (st.n && (st.n < 5 || (st.p[0] != '2' && st.p[0] != '4' && st.p[0] != '5') ||
                 st.p[1] != '.'))
        abort();
    int rc = bn_x_find_replycode(v);
    if (rc && (rc < 200 || rc > 599))
        abort();
    bn_str a = bn_x_addr_field(v);
    if (!inside(a, v.p, v.n) || (a.n && !memchr(a.p, '@', a.n)))
        abort();
    size_t pos = 0;
    for (int i = 0; i < 64; i++) {
        size_t before = pos;
        bn_str s = bn_x_addr_scan(v, &pos);
        if (!inside(s, v.p, v.n) || pos < before || pos > v.n)
            abort();
        if (!s.n)
            break;
    }
    (void)bn_x_date(v);
    (void)bn_x_find_command(v);
}

/* check_dsn - a parsed DSN respects the cap; every value is checkable */
static void check_dsn(const bn_dsn *d)
{
    if (d->n > MAX_RCPTS)
        abort();
    for (size_t i = 0; i < d->n; i++) {
        const bn_dsn_rcpt *r = &d->r[i];
        const bn_str v[] = {r->final_rcpt, r->orig_rcpt, r->x_actual_rcpt, r->action,
                            r->status, r->remote_mta, r->diag_type, r->diag,
                            r->last_attempt, r->will_retry};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            check_codes(v[k]);
        (void)bn_dsn_mta_name(r->remote_mta);
    }
    check_codes(d->reporting_mta);
    check_codes(d->arrival_date);
}

/* check_json - the JSON reader on the input: found values lie inside it */
static void check_json(bn_arena *a, bn_str t)
{
    static const char *const keys[] = {"Message", "bounce", "bouncedRecipients", "a"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        bn_str v, e;
        if (!bn_xj_member(t, keys[k], &v))
            continue;
        if (!inside(v, t.p, t.n))
            abort();
        (void)bn_xj_string(a, v);
        size_t pos = 0;
        for (int i = 0; i < 1000 && bn_xj_next(v, &pos, &e); i++)
            if (!inside(e, v.p, v.n) || pos > v.n)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    bn_str t = {in, size};
    bn_arena a;
    bn_arena_init(&a, 64u << 20);
    bn_dsn d;
    if (bn_dsn_parse(&d, &a, t, false, MAX_RCPTS) == BN_OK)
        check_dsn(&d);
    size_t off = bn_dsn_find_inline(t);
    if (off > size)
        abort();
    bn_str rest = {in + off, size - off};
    if (bn_dsn_parse(&d, &a, rest, true, MAX_RCPTS) == BN_OK) {
        check_dsn(&d);
        if (d.used > rest.n)
            abort();
    }
    bn_headers h;
    bn_str body;
    if (bn_x_header_block(&a, t, 100, &h, &body) == BN_OK &&
        (h.n > 100 || !inside(body, in, size)))
        abort();
    check_json(&a, t);
    bn_arena_free(&a);
    free(in);
    return 0;
}
