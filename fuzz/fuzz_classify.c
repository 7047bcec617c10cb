/*
 * fuzz_classify.c - the classifier and the code scanner on arbitrary text
 *
 * The first byte chooses the SMTP command, whether a reply code and a
 * status are passed as fields (from the next bytes) and whether the text is
 * also given as the remote MTA's host name; the rest is the text.
 * Invariants: the verdict is complete and consistent (a reason in range, a
 * rule id, NUL-terminated status and IP of the right shape, hardbounce only
 * for the address reasons) and the explanation honours its size contract.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "classify/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_status - "" or c.s.d with class 2/4/5 */
static void check_status(const char *s)
{
    size_t n = strnlen(s, BN_STATUS_MAX);
    if (n == BN_STATUS_MAX)
        abort();
    if (n && (n < 5 || !(s[0] == '2' || s[0] == '4' || s[0] == '5') || s[1] != '.'))
        abort();
}

/* check_verdict - the verdict's fields are consistent */
static void check_verdict(const bn_verdict *v)
{
    if ((unsigned)v->reason >= BN_REASON_COUNT || !v->rule || !v->rule[0])
        abort();
    check_status(v->status);
    if (strnlen(v->ip, BN_IP_MAX) == BN_IP_MAX)
        abort();
    if (v->hardbounce && v->reason != BN_REASON_USERUNKNOWN &&
        v->reason != BN_REASON_HOSTUNKNOWN && v->reason != BN_REASON_HASMOVED &&
        v->reason != BN_REASON_NOTACCEPT)
        abort();
    if (v->retry_after < -1 || (v->replycode && (v->replycode < 200 || v->replycode > 599)))
        abort();
}

/* check_explain - the needed length is what a big enough buffer receives */
static void check_explain(const bn_verdict *v)
{
    char small[8], big[2048];
    size_t need = bn_verdict_explain(v, small, sizeof small);
    size_t got = bn_verdict_explain(v, big, sizeof big);
    if (need != got || need == 0 || (got < sizeof big && strlen(big) != got))
        abort();
    if (strlen(small) >= sizeof small)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cmds[] = {NULL, "RCPT", "MAIL", "DATA", "CONN", "HELO", "AUTH", "."};
    bn_reply in = {0};
    bn_verdict v;
    char status[8] = "";
    if (size == 0)
        return 0;
    uint8_t sel = data[0];
    data++, size--;
    in.command = cmds[sel & 7];
    in.command_len = in.command ? strlen(in.command) : 0;
    if ((sel & 8) && size >= 2) {
        in.replycode = 200 + (data[0] | data[1] << 8) % 400;
        data += 2, size -= 2;
    }
    if ((sel & 16) && size >= 5) {
        memcpy(status, data, 5);
        in.status = status;
        in.status_len = 5;
        data += 5, size -= 5;
    }
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    in.text = (sel & 32) ? NULL : text;
    in.text_len = (sel & 32) ? 0 : size;
    if (sel & 64) {
        /* the text doubles as the remote MTA's name (any length, any bytes) */
        in.host = text;
        in.host_len = size;
    }
    bn_classify(&v, &in);
    check_verdict(&v);
    check_explain(&v);
    int code;
    char st[BN_STATUS_MAX];
    bn_reply_scan(text, size, &code, st);
    check_status(st);
    free(text);
    return 0;
}
