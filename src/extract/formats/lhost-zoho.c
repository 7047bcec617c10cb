/*
 * lhost-zoho.c - bounces of Zoho Mail's delivery system
 *
 * Zoho writes one line per failed recipient, the reply split into "error
 * codes" (the second one is the remote text, with its status code):
 *
 *   user@example.com Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <user@example.com>... User unknown
 *
 * and in its delay warnings:
 *
 *   [Status: Error, Address: <user@example.com>, ResponseCode 421, , Host not reachable.]
 *
 * A 4xx code in a Zoho notice means Zoho's retries did not get through
 * (the warning says how long it goes on, the final notice that it gave up):
 * the record is marked as an expiring queue.
 */
#include <string.h>

#include "core/str.h"
#include "extract/formats/formats.h"

/* zoho_detect - Zoho's error-code layout */
static bool zoho_detect(bn_xctx *x)
{
    return bn_str_find_ci(x->text, "ERROR_CODE :") ||
           bn_str_find_ci(x->text, "[Status: Error, Address:");
}

/* after - the text of s after the first needle, or empty */
static bn_str after(bn_str s, const char *needle)
{
    const char *p = bn_str_find_ci(s, needle);
    if (!p)
        return BN_STR_NULL;
    size_t k = (size_t)(p - s.p) + strlen(needle);
    return (bn_str){s.p + k, s.n - k};
}

/* upto - s up to the first c (all of s when none), trimmed */
static bn_str upto(bn_str s, char c)
{
    const char *p = bn_str_chr(s, c);
    return bn_str_trim(p ? (bn_str){s.p, (size_t)(p - s.p)} : s);
}

/* join_reply - "421" and "Host not reachable." -> "421 Host not reachable." */
static bn_str join_reply(bn_xctx *x, bn_str code, bn_str text)
{
    text = bn_str_trim(text);
    while (text.n && (text.p[0] == ',' || text.p[0] == ' '))
        text = (bn_str){text.p + 1, text.n - 1};
    if (!code.n || (text.n >= code.n && !memcmp(text.p, code.p, code.n)))
        return text;
    if (!text.n)
        return code; /* "ERROR_CODE :421, ERROR_CODE :" */
    size_t n = code.n + 1 + text.n;
    char *out = bn_arena_alloc(x->arena, n + 1);
    if (!out)
        return text;
    memcpy(out, code.p, code.n);
    out[code.n] = ' ';
    memcpy(out + code.n + 1, text.p, text.n);
    return (bn_str){out, n};
}

/* The reply of one line: the address, the code and the remote text. */
typedef struct zline {
    bn_str addr, code, text;
} zline;

/* parse_codes - "addr Words, ERROR_CODE :550, ERROR_CODE :text" */
static bool parse_codes(bn_str l, zline *z)
{
    bn_str first = after(l, "ERROR_CODE :");
    if (!first.n)
        return false;
    size_t pos = 0;
    z->addr = bn_x_addr_scan((bn_str){l.p, (size_t)(first.p - l.p)}, &pos);
    z->code = upto(first, ',');
    z->text = after(first, "ERROR_CODE :");
    return z->addr.n != 0;
}

/* parse_status - "[Status: Error, Address: <a>, ResponseCode 421, , text.]" */
static bool parse_status(bn_str l, zline *z)
{
    bn_str a = after(l, "Address:");
    if (!bn_str_find_ci(l, "[Status:") || !a.n)
        return false;
    size_t pos = 0;
    z->addr = bn_x_addr_scan(upto(a, ','), &pos);
    bn_str rc = after(a, "ResponseCode");
    z->code = upto(rc, ',');
    bn_str t = after(rc, ",");
    z->text = upto(t, ']');
    return z->addr.n != 0;
}

/* add - one record from a parsed line */
static int add(bn_xctx *x, const zline *z, bool delay)
{
    bn_xrec *r = bn_x_add(x, "lhost-zoho");
    if (!r)
        return x->oom;
    r->r.recipient = z->addr;
    r->r.recipient_src = "address of Zoho's error line";
    r->r.diagnostic = join_reply(x, z->code, bn_x_unfold(x->arena, z->text));
    r->replycode = bn_x_find_replycode(r->r.diagnostic);
    r->status = bn_x_find_status(r->r.diagnostic);
    r->r.status_src = r->status.n ? "Zoho error code" : NULL;
    r->r.command = bn_x_command(x, r->r.diagnostic);
    r->temporary = delay && !bn_x_final_code(r); /* a 5xx beside a delay is final */
    r->queue_expired = r->replycode / 100 == 4;
    return BN_OK;
}

/* zoho_decode - one record per error line */
static int zoho_decode(bn_xctx *x)
{
    bool delay = bn_str_find_ci(x->text, "WARNING MESSAGE ONLY") ||
                 bn_str_find_ci(x->text, "will be retried");
    size_t pos = 0;
    bn_str l;
    while (bn_x_line(x->text, &pos, &l)) {
        zline z = {0};
        if (!parse_codes(l, &z) && !parse_status(l, &z))
            continue;
        int rc = add(x, &z, delay);
        if (rc)
            return rc;
    }
    return BN_OK;
}

const bn_decoder bn_decoder_lhost_zoho = {"lhost-zoho", zoho_detect, zoho_decode, NULL};
